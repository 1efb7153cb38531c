"""The demo company's leads (R3.2): assignment rules for the sales teams' provinces and about sixty
leads of the past thirty days in every channel, entered by customer service and market research.

Everything goes through leads.services at the moment it happens (time-machine moves the clock), so
deadlines, round-robin turns, touches, History and notifications read as a real month: most leads
were given to a rep by the rules and contacted, some were qualified, converted or disqualified, a few
are past their first-contact deadline, and a few from provinces no team covers wait for an assigner.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import time_machine
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from salescore.core.audit import audit_context
from salescore.core.errors import ApplicationError
from salescore.customers.models import Channel, Industry
from salescore.demo.company import GIVEN, SURNAMES
from salescore.leads import services
from salescore.leads.models import AssignmentRule, Lead
from salescore.org.models import OrgUnit, Person, Region

DAYS = 30
COUNT = 60

# Team (by its Chinese name) -> the provinces its rules cover.
TEAM_PROVINCES = {
    "华东销售一组": ["310000", "320000"],
    "华东销售二组": ["330000", "340000"],
    "华南销售组": ["440000", "450000", "460000"],
    "华北销售组": ["110000", "120000", "130000", "370000"],
}
# Where leads come from: covered provinces and their cities, and a few places no team covers.
COVERED = [
    "310000",
    "320100",
    "320200",
    "320500",
    "330100",
    "330200",
    "340100",
    "440100",
    "440300",
    "440600",
    "441900",
    "450100",
    "460100",
    "110000",
    "120000",
    "130100",
    "370100",
    "370200",
]
UNCOVERED = ["350200", "510100", "420100"]  # 厦门, 成都, 武汉

CHANNELS = [
    Channel.PHONE,
    Channel.EMAIL,
    Channel.ONLINE,
    Channel.OFFLINE_EVENT,
    Channel.REFERRAL,
    Channel.CAMPAIGN,
]
SOURCE_DETAILS = {
    Channel.PHONE: ["400 热线", ""],
    Channel.EMAIL: ["官网联系邮箱", ""],
    Channel.ONLINE: ["官网表单", "百度搜索推广", "微信公众号留言"],
    Channel.OFFLINE_EVENT: ["工博会 A 馆展位登记", "华南智能制造展（深圳）", "工博会技术讲座签到"],
    Channel.REFERRAL: ["老客户推荐", "合作伙伴推荐"],
    Channel.CAMPAIGN: ["春季产线升级促销", "百度推广", "行业白皮书下载"],
}
INTERESTS = [
    "自动化装配线改造",
    "工业机器人工作站",
    "视觉检测设备",
    "AGV 物流搬运",
    "MES 生产管理系统",
    "伺服与运动控制方案",
    "设备联网与数据采集",
    "老旧产线节能改造",
]
TRADES = {
    Industry.MANUFACTURING: "精密机械",
    Industry.AUTOMOTIVE: "汽车零部件",
    Industry.ELECTRONICS: "电子科技",
    Industry.ENERGY: "新能源",
    Industry.LOGISTICS: "供应链",
    Industry.FOOD: "食品",
    Industry.PHARMA: "医药",
}
CORES = ["华信", "泰丰", "中科", "宏远", "金桥", "联创", "天元", "恒瑞", "新锐", "博达", "润泽", "盛达"]
TITLES = ["设备部经理", "采购主管", "生产总监", "总经理", "技术负责人", "工程师"]
TOUCHES = {
    Channel.PHONE: ["电话沟通，了解产线现状和改造预算", "电话未接通，已发短信留言"],
    Channel.EMAIL: ["发送公司介绍和同行业案例", "邮件回复技术参数询问"],
    Channel.ONLINE: ["微信沟通需求，约定下周电话详谈"],
    Channel.VISIT: ["上门拜访，参观现场产线"],
}
DISQUALIFY = [
    "同行询价，非真实需求",
    "预算不足，今年暂无采购计划",
    "联系方式无效，多次联系不上",
    "已选定其他供应商",
]


def is_loaded() -> bool:
    return Lead.all_objects.exists()


@dataclass(order=True)
class _Event:
    at: dt.datetime
    order: int
    run: Callable[[], None] = field(compare=False)


def _rules(director) -> int:
    made = 0
    for team_name, codes in TEAM_PROVINCES.items():
        team = OrgUnit.objects.filter(kind=OrgUnit.Kind.TEAM, name=team_name).first()
        if team is None:
            continue
        for region in Region.objects.filter(code__in=codes).order_by("code"):
            if AssignmentRule.objects.filter(team=team, region=region).exists():
                continue
            services.rule_save(
                actor=director.user, name=f"{region.name} → {team.name}", team=team, region=region
            )
            made += 1
    return made


# -- what happens to a lead, each step run at its moment by _load --------------------------------


def _create(leads: dict[int, Lead], index: int, registrar: Person, fields: dict) -> None:
    leads[index] = services.lead_create(actor=registrar.user, **fields)


def _open_lead(leads: dict[int, Lead], index: int) -> Lead | None:
    lead = Lead.objects.select_related("owner__user").get(pk=leads[index].pk)
    return lead if lead.owner is not None and lead.is_open else None


def _touch(leads: dict[int, Lead], index: int, channel: str, reached: bool) -> None:
    lead = _open_lead(leads, index)
    if lead is not None:
        summary = TOUCHES[channel][0 if reached else -1]
        services.lead_record_touch(
            actor=lead.owner.user, lead=lead, channel=channel, summary=summary, reached=reached
        )


def _disqualify(leads: dict[int, Lead], index: int, reason: str) -> None:
    lead = _open_lead(leads, index)
    if lead is not None:
        services.lead_disqualify(actor=lead.owner.user, lead=lead, reason=reason)


def _qualify(leads: dict[int, Lead], index: int, follow: str) -> None:
    lead = _open_lead(leads, index)
    if lead is not None:
        services.lead_record_touch(
            actor=lead.owner.user, lead=lead, channel=follow, summary=TOUCHES[follow][0]
        )
        services.lead_qualify(actor=lead.owner.user, lead=lead)


def _convert(leads: dict[int, Lead], index: int) -> None:
    lead = _open_lead(leads, index)
    if lead is None:
        return
    try:
        with transaction.atomic():
            services.lead_convert(actor=lead.owner.user, lead=lead)
    except ApplicationError:
        pass  # it stays qualified: a real team meets such clashes too


def load(*, seed: int = 2026) -> int:
    """Create the rules and the leads. Returns the number of leads. Demo e-mails are not sent."""
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        return _load(seed)


@transaction.atomic
def _load(seed: int) -> int:
    rng = random.Random(seed)
    people = {
        p.user.username: p
        for p in Person.objects.filter(user__username__in=["director", "agent", "analyst"]).select_related(
            "user"
        )
    }
    if len(people) < 3:
        return 0  # not the demo organisation
    director, agent, analyst = people["director"], people["agent"], people["analyst"]
    now = timezone.now()
    regions = {r.code: r for r in Region.objects.filter(code__in=COVERED + UNCOVERED)}
    leads: dict[int, Lead] = {}
    events: list[_Event] = []
    used_phones: set[str] = set()

    def add(at: dt.datetime, run: Callable[[], None]) -> None:
        if at < now:
            events.append(_Event(at, len(events), run))

    def phone() -> str:
        while True:
            number = f"17{rng.randint(100000000, 999999999)}"  # not the 13x/15x/18x/19x of the customers
            if number not in used_phones:
                used_phones.add(number)
                return number

    for index in range(COUNT):
        # Spread over the month, more in recent days; office hours (China time is UTC+8).
        age = dt.timedelta(days=DAYS * rng.random() ** 1.3)
        day = (now - age).replace(hour=rng.randint(1, 9), minute=rng.choice([0, 10, 20, 30, 40, 50]))
        created = min(day, now - dt.timedelta(minutes=30))
        channel = CHANNELS[index % len(CHANNELS)]
        unassigned = index % 17 == 5
        code = rng.choice(UNCOVERED) if unassigned else rng.choice(COVERED)
        industry = rng.choice(list(TRADES))
        region = regions.get(code)
        city = region.name.rstrip("市省") if region else ""
        company = f"{city}{rng.choice(CORES)}{TRADES[industry]}有限公司" if rng.random() < 0.9 else ""
        surname = rng.choice(SURNAMES)
        name = surname + rng.choice(["先生", "女士", rng.choice(GIVEN) + rng.choice(GIVEN)])
        fields = {
            "name": name,
            "company": company,
            "title": rng.choice(TITLES) if company else "",
            "phone": phone() if rng.random() < 0.85 or channel == Channel.PHONE else "",
            "email": f"lead{index + 1}@{'client' if company else 'mail'}{index + 1}.example.cn"
            if channel in (Channel.EMAIL, Channel.ONLINE) or rng.random() < 0.4
            else "",
            "wechat": f"wx_lead_{index + 1}" if rng.random() < 0.3 else "",
            "channel": channel,
            "source_detail": rng.choice(SOURCE_DETAILS[channel]),
            "region": region,
            "industry": industry,
            "interest": rng.choice(INTERESTS),
        }
        if not (fields["phone"] or fields["email"] or fields["wechat"]):
            fields["phone"] = phone()
        registrar = agent if channel in (Channel.PHONE, Channel.EMAIL, Channel.ONLINE) else analyst
        add(created, partial(_create, leads, index, registrar, fields))

        # What happened next depends on the lead's age and a little luck.
        hours = (now - created).total_seconds() / 3600
        fate = rng.random()
        if unassigned or (hours > 24 and fate < 0.12) or (hours <= 24 and fate < 0.5):
            continue  # nobody has called yet: past the deadline if older than a day
        first = created + dt.timedelta(hours=rng.choice([0.5, 1, 2, 3, 5, 8, 20, 30]))
        touch_channel = Channel.PHONE if fields["phone"] else Channel.EMAIL
        add(first, partial(_touch, leads, index, touch_channel, rng.random() < 0.8))
        if hours < 72:
            continue
        later = first + dt.timedelta(days=rng.uniform(1, 4))
        if fate < 0.24:
            add(later, partial(_disqualify, leads, index, rng.choice(DISQUALIFY)))
        elif fate < 0.68:
            add(later, partial(_qualify, leads, index, rng.choice([Channel.ONLINE, Channel.VISIT])))
            if fate >= 0.40:
                add(later + dt.timedelta(days=rng.uniform(0.5, 3)), partial(_convert, leads, index))

    # The scheduler's warning run, once a day here (every 15 minutes in production), so the inbox
    # shows warnings on the days they were due.
    for days_ago in range(DAYS, 0, -1):
        morning = (now - dt.timedelta(days=days_ago)).replace(hour=1, minute=15)
        add(morning, services.leads_flag_overdue)

    with audit_context(origin="system"):
        with time_machine.travel(now - dt.timedelta(days=DAYS + 1), tick=False) as traveller:
            _rules(director)
            for event in sorted(events):
                traveller.move_to(event.at)
                event.run()
        services.leads_flag_overdue()  # and the run of this quarter of an hour
    return len(leads)


def load_into(command) -> None:
    """The load_demo command's step for leads: load them unless some exist, and say so."""
    if is_loaded():
        command.stdout.write("Leads already present: kept as they are.")
    else:
        command.stdout.write(command.style.SUCCESS(f"Demo leads loaded: {load()}."))
