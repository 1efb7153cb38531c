"""After-sales tickets (售后工单) for a few percent of the customers, mostly about something they
bought (the latest delivered order and its product), with the troubleshooting log. Response and
resolution due times follow the SLA table; most tickets met them, some did not. Old tickets are
closed, recent ones are spread over the open statuses. Numbers are TK-<year>-<n> in opening order
and core.Sequence continues after them."""

from __future__ import annotations

from collections import defaultdict

from salescore.core.models import Sequence
from salescore.demo.gendata.common import AUDIT, choose, pick
from salescore.demo.gendata.context import Context
from salescore.service.models import Sla, Ticket, TicketEntry
from salescore.service.services import DEFAULT_SLA

DAY = 86400
HOUR = 3600
PROBLEMS = {
    "quality": ("主轴异响", "定位精度超差", "机器人重复定位偏差", "视觉检测误判率偏高", "液压系统漏油"),
    "installation": ("设备调试未完成", "地基与图纸不符", "与MES接口联调失败"),
    "usage": ("程序调用报警", "换型操作不会", "参数设置咨询", "如何导出生产数据"),
    "delivery": ("到货少一箱备件", "包装破损", "交货延迟"),
    "billing": ("发票抬头错误", "付款计划调整", "对账金额不符"),
    "complaint": ("服务响应慢", "工程师上门不及时"),
    "other": ("培训安排", "资料索取"),
}
CATEGORIES = [
    ("quality", 30),
    ("installation", 12),
    ("usage", 25),
    ("delivery", 10),
    ("billing", 8),
    ("complaint", 5),
    ("other", 10),
]
PRIORITIES = [("urgent", 5), ("high", 20), ("normal", 60), ("low", 15)]
CHANNELS = [("phone", 45), ("email", 15), ("online", 20), ("public_form", 10), ("visit", 5), ("other", 5)]
STEPS = (
    "远程指导客户检查报警记录",
    "更换易损件后试运行正常",
    "工程师上门排查",
    "升级控制系统软件版本",
    "调整参数并复测",
)


def build(ctx: Context) -> dict[str, int]:
    rng, clock, book, w = ctx.rng, ctx.clock, ctx.book, ctx.writer
    now = clock.now
    tickets = w.table(
        Ticket,
        [
            "id",
            "number",
            "customer_id",
            "contact_id",
            "reporter_name",
            "reporter_phone",
            "order_id",
            "product_id",
            "category",
            "priority",
            "channel",
            "subject",
            "description",
            "status",
            "assignee_id",
            "escalation_level",
            "opened_at",
            "response_due_at",
            "resolution_due_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "breach_warned",
            *AUDIT,
        ],
    )
    entries = w.table(TicketEntry, ["id", "ticket_id", "kind", "body", "author_id", "author_name", "at"])
    sla = {p.value: hours for p, hours in DEFAULT_SLA.items()}
    sla.update({row.priority: (row.response_hours, row.resolution_hours) for row in Sla.objects.all()})
    agents = ctx.org.agents
    products = ctx.catalog.products
    numbers: dict[int, int] = defaultdict(int)
    made: dict[str, int] = defaultdict(int)
    # Opened over two years, more lately (more customers, more installed equipment); numbered in
    # the order they were opened.
    opened_all = sorted(
        clock.office_moment(rng, clock.local_day(now - int(730 * DAY * rng.random() ** 1.3)))
        for _ in range(ctx.plan.tickets)
    )
    for opened in opened_all:
        position = pick(rng, book.weight)
        cid = book.first_id + position
        day = clock.local_day(opened)
        order_id = (
            book.last_order[position]
            if book.last_order_day[position] and book.last_order_day[position] < day
            else None
        )
        product_id = book.last_product[position] if order_id else rng.choice(products).id
        category = choose(rng, CATEGORIES)
        priority = choose(rng, PRIORITIES)
        respond, resolve = sla[priority]
        age = (now - opened) / DAY
        if age > 20:
            status = choose(rng, [("closed", 80), ("resolved", 15), ("waiting", 3), ("in_progress", 2)])
        else:
            status = choose(
                rng, [("new", 25), ("in_progress", 35), ("waiting", 15), ("resolved", 20), ("closed", 5)]
            )
        agent = rng.choice(agents)
        first_response = resolved = closed = None
        if status != "new":
            first_response = min(opened + int(respond * HOUR * rng.uniform(0.1, 1.3)), now - 120)
        if status in ("resolved", "closed"):
            resolved = min(
                max(first_response, opened + int(resolve * HOUR * rng.uniform(0.15, 1.4))), now - 60
            )
        if status == "closed":
            closed = min(resolved + rng.randint(1, 7) * DAY, now - 30)
            if closed <= resolved:
                status, closed = "resolved", None
        escalated = rng.random() < 0.05 and status != "new"
        year = clock.year_of(day)
        numbers[year] += 1
        ticket_id = ctx.take(Ticket)
        problem = rng.choice(PROBLEMS[category])
        last = max(t for t in (opened, first_response or 0, resolved or 0, closed or 0))
        tickets.add(
            (
                ticket_id,
                f"TK-{year}-{numbers[year]:06d}",
                cid,
                book.contact[position],
                "",
                "",
                order_id,
                product_id,
                category,
                priority,
                choose(rng, CHANNELS),
                problem,
                f"客户反馈：{problem}，请尽快处理。",
                status,
                agent.id,
                1 if escalated else 0,
                clock.ts(opened),
                clock.ts(opened + respond * HOUR),
                clock.ts(opened + resolve * HOUR),
                clock.ts(first_response),
                clock.ts(resolved),
                clock.ts(closed),
                rng.choice(STEPS) if resolved else "",
                "",
                clock.ts(opened),
                agent.user_id,
                clock.ts(last),
                agent.user_id,
                1,
            )
        )
        log = [("status", "工单已创建。", opened)]
        if first_response:
            log.append(("reply", "您好，已收到您的问题，我们正在处理。", first_response))
            until = resolved or now - 60
            for _ in range(rng.randint(0, 2)):
                log.append(
                    (
                        "action",
                        rng.choice(STEPS),
                        first_response + int((until - first_response) * rng.random()),
                    )
                )
            if escalated:
                log.append(("escalation", "升级至客户服务科科长。", first_response + 600))
        if resolved:
            log.append(("resolution", "问题已解决，客户确认。", resolved))
        if closed:
            log.append(("status", "工单已关闭。", closed))
        for kind, body, at in sorted(log, key=lambda entry: entry[2]):
            author = None if kind == "status" and at == opened else agent
            entries.add(
                (
                    ctx.take(TicketEntry),
                    ticket_id,
                    kind,
                    body,
                    author.user_id if author else None,
                    author.name if author else "",
                    clock.ts(min(at, now - 30)),
                )
            )
        made[status] += 1
    ctx.writer.drain()  # the connection is the writer thread's until then
    for year, last in numbers.items():
        Sequence.objects.update_or_create(key=f"TK-{year}", defaults={"last_value": last})
    return dict(made)
