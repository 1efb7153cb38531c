"""The demo company's after-sales service (R3.7): a month of tickets in every status and priority
(one past its SLA), their troubleshooting logs, return visits after tickets and deliveries (done
with the customer's scores, planned, overdue), ratings answered through the link and recorded by
the agent, and a service link for one customer so a newcomer can try the public form.

Everything goes through service.services with the clock set to the moment it happened
(time-machine), so SLA clocks, due dates and History agree. Loaded only when no ticket and no
return visit exist.
"""

from __future__ import annotations

import datetime as dt
import random

import time_machine
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from salescore.catalog.models import Product
from salescore.core.audit import audit_context
from salescore.core.permissions import Position
from salescore.customers.models import Customer
from salescore.service import services
from salescore.service.models import Rating, ReturnVisit, Ticket

# (days ago, priority, category, fate, subject, description)
TICKETS = [
    (0.1, "urgent", "quality", "new", "整线停机，伺服报警", "3号线伺服驱动器报警 AL.16，整线停机。"),
    (0.3, "normal", "usage", "new", "程序备份方法咨询", "想了解数控系统程序如何备份到U盘。"),
    (1, "high", "installation", "in_progress", "新机调试精度不达标", "试切件圆度超差0.02mm。"),
    (4, "normal", "delivery", "breached", "随机附件缺少", "到货后发现缺少一套刀柄和说明书。"),
    (2, "low", "billing", "waiting", "发票抬头需更正", "发票抬头少了“有限”二字，请重开。"),
    (3, "high", "complaint", "escalated", "维修响应太慢", "上周报修至今无人到场，影响交期。"),
    (6, "normal", "quality", "resolved", "主轴异响", "高速运转时主轴有异响。"),
    (9, "urgent", "quality", "closed", "机器人示教器黑屏", "示教器开机黑屏，无法操作。"),
    (12, "normal", "usage", "closed", "视觉检测误判率高", "检测站误判率约5%，请协助调参。"),
    (15, "high", "installation", "closed", "AGV导航偏移", "AGV在转弯处偏离路线。"),
    (18, "low", "other", "closed", "培训资料申请", "请提供操作员培训资料电子版。"),
    (22, "normal", "quality", "closed", "冷却液泄漏", "机床底部冷却液渗漏。"),
    (26, "high", "quality", "closed", "焊接机器人焊缝不均", "焊缝宽度不一致，需检查参数。"),
]
REPLIES = ["您好，已收到，工程师正在分析。", "请提供报警截图和机床序列号。", "已安排工程师远程诊断。"]
STEPS = ["远程检查参数，发现补偿值异常。", "现场更换故障部件并试机。", "调整参数后连续运行2小时正常。"]
RESOLUTIONS = ["更换故障部件，试机正常。", "重新标定参数，客户确认恢复。", "补发附件并现场培训。"]
# Scores of answered ratings: (csat, nps), a mix of promoters, passives and detractors.
SCORES = [(5, 10), (4, 9), (5, 9), (4, 8), (3, 7), (2, 5), (5, 10), (4, 6), (1, 3)]


def is_loaded() -> bool:
    return Ticket.all_objects.exists() or ReturnVisit.all_objects.exists()


def load_into(command) -> None:
    """The load_demo command's step for after-sales service (after orders: deliveries plan visits)."""
    if is_loaded():
        command.stdout.write("Service tickets already present: kept as they are.")
        return
    made = load()
    if not made["tickets"]:
        command.stdout.write("No customers or Customer Service people: service demo skipped.")
        return
    command.stdout.write(
        command.style.SUCCESS(
            "Demo service loaded: {tickets} tickets, {visits} return visits, "
            "{ratings} answered ratings.".format(**made)
        )
    )
    command.stdout.write(
        f"  Try the customer's public ticket form (no login), on this server: {made['public_url']}"
    )


def _at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def load(*, seed: int = 2026) -> dict:
    rng = random.Random(seed)
    people = list(services.service_people().order_by("pk"))
    agents = [p for p in people if p.position == Position.CS_AGENT] or people
    leaders = [p for p in people if p.position != Position.CS_AGENT]
    customers = list(Customer.objects.filter(owner__isnull=False).select_related("owner").order_by("pk")[:40])
    if not agents or not customers:
        return {"tickets": 0, "visits": 0, "ratings": 0, "public_url": ""}
    handlers = agents + leaders[:1]  # the section head takes tickets too
    products = list(Product.objects.order_by("pk")[:8])
    now = timezone.now()
    answered = 0
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        audit_context(origin="system"),
        translation.override("zh-hans"),
        transaction.atomic(),
    ):
        for index, (days_ago, priority, category, fate, subject, description) in enumerate(TICKETS):
            handler = handlers[index % len(handlers)]
            actor = handler.user
            customer = customers[(index * 3) % len(customers)]
            opened = now - dt.timedelta(days=days_ago)
            with _at(opened):
                ticket = services.ticket_open(
                    actor=actor,
                    customer=customer,
                    category=category,
                    priority=priority,
                    channel=rng.choice(["phone", "email", "online"]),
                    subject=subject,
                    description=description,
                    product=products[index % len(products)] if products else None,
                    assignee=handler,
                    reporter_name=rng.choice(["王工", "李经理", "张主管", "陈工"]),
                )
            if fate in ("new", "breached"):
                if fate == "breached":
                    with _at(opened + dt.timedelta(hours=30)):
                        services.ticket_log(actor=actor, ticket=ticket, kind="note", body="等仓库确认库存。")
                continue
            with _at(opened + dt.timedelta(hours=rng.choice([0.5, 1, 2]))):
                services.ticket_log(actor=actor, ticket=ticket, kind="reply", body=rng.choice(REPLIES))
            with _at(opened + dt.timedelta(hours=3)):
                services.ticket_log(actor=actor, ticket=ticket, kind="action", body=rng.choice(STEPS))
            if fate == "in_progress":
                continue
            if fate == "waiting":
                with _at(opened + dt.timedelta(hours=4)):
                    services.ticket_wait(actor=actor, ticket=ticket, note="请客户提供正确的开票信息。")
                continue
            if fate == "escalated":
                with _at(opened + dt.timedelta(hours=5)):
                    services.ticket_log(
                        actor=actor, ticket=ticket, kind="customer", body="客户来电催促，情绪激动。"
                    )
                    services.ticket_escalate(
                        actor=actor, ticket=ticket, reason="重要客户投诉，需主管协调资源。"
                    )
                continue
            resolved_at = opened + dt.timedelta(hours=rng.choice([6, 20, 30]))
            with _at(resolved_at):
                services.ticket_resolve(actor=actor, ticket=ticket, resolution=rng.choice(RESOLUTIONS))
            rating = Rating.objects.get(ticket=ticket)
            if fate == "closed":
                with _at(resolved_at + dt.timedelta(hours=12)):
                    services.ticket_close(actor=actor, ticket=ticket)
                    if index % 2 == 0:  # the customer answered the link
                        csat, nps = SCORES[answered % len(SCORES)]
                        services.rating_answer(token=rating.token, csat=csat, nps=nps, comment="")
                        answered += 1
                visit = ReturnVisit.objects.get(ticket=ticket)
                if visit.due_date < timezone.localdate(now) - dt.timedelta(days=2) and index % 3 != 2:
                    done = timezone.make_aware(
                        dt.datetime.combine(visit.due_date, dt.time(10, 30)), timezone.get_current_timezone()
                    )
                    csat, nps = SCORES[(answered + 3) % len(SCORES)]
                    with _at(done):
                        services.return_visit_record(
                            actor=(visit.assignee or handler).user,
                            visit=visit,
                            outcome="done",
                            summary="客户确认问题已解决，设备运行正常。",
                            csat=csat,
                            nps=nps,
                        )
                    answered += 1
                # else: left planned, overdue: the return-visit queue shows it

        # Deliveries of the orders demo plan their return visits; some were made with scores.
        services.return_visits_schedule(today=timezone.localdate(now))
        for n, visit in enumerate(
            ReturnVisit.objects.filter(reason="delivery", due_date__lt=timezone.localdate(now)).order_by("pk")
        ):
            if n % 3 == 2:
                continue  # overdue
            done = timezone.make_aware(
                dt.datetime.combine(visit.due_date, dt.time(15, 0)), timezone.get_current_timezone()
            )
            csat, nps = SCORES[(answered + n) % len(SCORES)]
            with _at(done):
                services.return_visit_record(
                    actor=(visit.assignee or agents[0]).user,
                    visit=visit,
                    outcome="done" if n % 4 != 3 else "unreachable",
                    summary="回访交付情况：安装顺利，操作员已培训。" if n % 4 != 3 else "电话无人接听。",
                    csat=csat if n % 4 != 3 else None,
                    nps=nps if n % 4 != 3 else None,
                )
            if n % 4 != 3:
                answered += 1
        services.sla_watch()

        # A service link for one customer, to try the public form.
        linked = customers[0]
        token = services.service_link_create(actor=agents[0].user, customer=linked)
    return {
        "tickets": Ticket.objects.count(),
        "visits": ReturnVisit.objects.count(),
        "ratings": Rating.objects.filter(answered_at__isnull=False).count(),
        "public_url": reverse("service:report", args=[token]),
        "customer": linked.name,
    }
