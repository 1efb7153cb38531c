"""The demo company's marketing campaigns (营销活动): the trade fair Market Expansion ran a month
ago, the online promotion running now and the customer seminar Sales Management plans next.

Runs after the leads: the leads whose source detail names the fair (its booth, its talk) or the
online promotion (Baidu, WeChat) are attributed to those campaigns, most of the offline-event and
online leads. The fair's sign-up sheet adds its own leads the day after it closed, which the reps
contact, qualify, convert or drop over the next weeks; two of them become won deals, so the fair
shows a return (the orders demo, which runs next, turns them into orders). Everything goes through
the services with the clock set to the moment it happened (time-machine), so deadlines and History
read in order. Deterministic: a seeded random chooses names, fates and amounts.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import time_machine
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from salescore.campaigns import services
from salescore.campaigns.models import Campaign
from salescore.catalog.models import Product
from salescore.core.audit import audit_context
from salescore.core.errors import ApplicationError
from salescore.customers.models import Channel
from salescore.demo.company import SURNAMES
from salescore.demo.leads import CORES, COVERED, INTERESTS, TITLES, TRADES
from salescore.leads import services as lead_services
from salescore.leads.models import Lead
from salescore.org.models import OrgUnit, Person, Region
from salescore.pipeline import services as pipeline
from salescore.pipeline.models import Opportunity, Stage

FAIR = "2026工博会"
ONLINE = "线上推广（百度/微信）"
SEMINAR = "客户技术沙龙"
WON_DEALS = 2
SHOWN = ["XH-SC-600", "XH-COBOT-10", "XH-R6-20"]  # the robots the booth demonstrated
SIGN_UPS = 16  # leads from the fair's sign-up sheet, entered the day after it closed


@dataclass(frozen=True)
class _Plan:
    name: str
    channel: str
    owner: str  # login of the person who runs it
    planned: int  # days ago it was entered
    start: int  # days from today (negative: in the past)
    end: int
    budget: Decimal
    status: str
    actual_cost: Decimal | None = None
    expected_leads: int | None = None
    audience: str = ""
    description: str = ""
    # Which leads came from it: words of their source detail.
    sources: tuple[str, ...] = ()


PLANS = [
    _Plan(
        name=FAIR,
        channel=Channel.OFFLINE_EVENT,
        owner="analyst",
        planned=120,
        start=-33,
        end=-29,
        budget=Decimal("180000.00"),
        actual_cost=Decimal("172600.00"),
        status=Campaign.Status.FINISHED,
        expected_leads=20,
        audience="长三角汽车零部件、电子、新能源企业的设备部经理和生产总监",
        description=(
            "中国国际工业博览会（上海）A 馆 36 平米展位，现场演示机器人上下料工作站，另办一场技术讲座。"
        ),
        sources=("工博会",),
    ),
    _Plan(
        name=ONLINE,
        channel=Channel.ONLINE,
        owner="analyst",
        planned=75,
        start=-60,
        end=30,
        budget=Decimal("60000.00"),
        status=Campaign.Status.RUNNING,
        expected_leads=15,
        audience="搜索“产线自动化改造”“工业机器人”的制造企业；公众号关注者",
        description="百度搜索推广（关键词包 120 个）与微信公众号推文、朋友圈广告，落地页为官网方案页。",
        sources=("百度", "微信"),
    ),
    _Plan(
        name=SEMINAR,
        channel=Channel.OFFLINE_EVENT,
        owner="head",
        planned=10,
        start=21,
        end=21,
        budget=Decimal("25000.00"),
        status=Campaign.Status.PLANNED,
        expected_leads=12,
        audience="已成交客户和重点商机客户的技术负责人，约 30 人",
        description="在苏州办一场半天的技术沙龙：产线节能改造案例分享，参观客户现场。",
    ),
]


def is_loaded() -> bool:
    return Campaign.all_objects.exists()


def _organiser(owner: Person) -> OrgUnit:
    """The section the owner works in (Market Expansion, Sales Management), else their unit."""
    unit = owner.org_unit
    section = (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION, duty=unit.duty).order_by("path").first()
        if unit.duty
        else None
    )
    return section or unit


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _create(plan: _Plan, owner: Person, today: dt.date, traveller) -> Campaign:
    """Entered as planned, started on its first day and (the fair) closed with its bills a week
    after its last, each on its day."""
    start, end = today + dt.timedelta(days=plan.start), today + dt.timedelta(days=plan.end)
    traveller.move_to(_moment(today - dt.timedelta(days=plan.planned), 10))
    campaign = services.campaign_create(
        actor=owner.user,
        name=plan.name,
        channel=plan.channel,
        start_date=start,
        end_date=end,
        budget=plan.budget,
        owner=owner,
        org_unit=_organiser(owner),
        audience=plan.audience,
        description=plan.description,
        expected_leads=plan.expected_leads,
    )
    if plan.status in (Campaign.Status.RUNNING, Campaign.Status.FINISHED):
        traveller.move_to(_moment(start, 9))
        services.campaign_update(actor=owner.user, campaign=campaign, status=Campaign.Status.RUNNING)
    if plan.status == Campaign.Status.FINISHED:
        traveller.move_to(_moment(end + dt.timedelta(days=7), 16))
        services.campaign_update(
            actor=owner.user, campaign=campaign, status=plan.status, actual_cost=plan.actual_cost
        )
    return campaign


def _attribute(campaigns: dict[str, Campaign], director: Person) -> int:
    """Each lead whose source detail names a campaign's booth or medium is marked as its lead."""
    made = 0
    for lead in Lead.objects.filter(campaign__isnull=True).order_by("created_at", "pk"):
        for plan in PLANS:
            if plan.sources and any(word in lead.source_detail for word in plan.sources):
                lead_services.lead_update(actor=director.user, lead=lead, campaign=campaigns[plan.name])
                made += 1
                break
    return made


def _sign_ups(fair: Campaign, analyst: Person, rng: random.Random, traveller, now: dt.datetime) -> int:
    """The fair's sign-up sheet, entered by the analyst the day after; the assignment rules give
    each lead to a rep, who calls within the day, then qualifies and converts it, or drops it."""
    regions = {r.code: r for r in Region.objects.filter(code__in=COVERED)}
    entered = _moment(fair.end_date + dt.timedelta(days=1), 10)
    made = 0
    for index in range(SIGN_UPS):
        region = regions.get(rng.choice(COVERED))
        industry = rng.choice(list(TRADES))
        city = region.name.rstrip("市省") if region else ""
        name = rng.choice(SURNAMES) + rng.choice(["先生", "女士"])
        traveller.move_to(entered + dt.timedelta(minutes=12 * index))
        try:
            lead = lead_services.lead_create(
                actor=analyst.user,
                name=name,
                company=f"{city}{rng.choice(CORES)}{TRADES[industry]}有限公司",
                title=rng.choice(TITLES),
                phone=f"166{rng.randint(10000000, 99999999)}",
                channel=Channel.OFFLINE_EVENT,
                campaign=fair,
                source_detail=rng.choice(["工博会 A 馆展位登记", "工博会技术讲座签到"]),
                region=region,
                industry=industry,
                interest=rng.choice(INTERESTS),
            )
        except ApplicationError:
            continue  # a number someone already entered: the sheet had it twice
        made += 1
        if lead.owner is None:
            continue
        owner = lead.owner.user
        traveller.move_to(entered + dt.timedelta(hours=rng.randint(3, 20)))
        lead_services.lead_record_touch(
            actor=owner, lead=lead, channel=Channel.PHONE, summary="展会后回访，了解产线改造计划"
        )
        fate = rng.random()
        later = entered + dt.timedelta(days=rng.uniform(2, 6))
        if fate < 0.3 or later > now:
            if fate < 0.3 and later < now:
                traveller.move_to(later)
                lead_services.lead_disqualify(actor=owner, lead=lead, reason="展会随手登记，暂无采购计划")
            continue
        traveller.move_to(later)
        lead_services.lead_qualify(actor=owner, lead=lead)
        converted = later + dt.timedelta(days=rng.uniform(2, 6))
        if fate < 0.65 or converted > now:
            continue
        traveller.move_to(converted)
        try:
            with transaction.atomic():
                lead_services.lead_convert(actor=owner, lead=lead)
        except ApplicationError:
            pass  # it stays qualified
    return made


def _meet_and_win(opportunity: Opportunity, product: Product, quantity: int) -> None:
    """What the rep did after the fair: needs, the product, the amount, then order and won."""
    actor = opportunity.owner.user
    pipeline.needs_record(
        actor=actor, opportunity=opportunity, needs="展会上看过演示，需要一套机器人上下料工作站替换人工"
    )
    pipeline.product_propose(
        actor=actor, opportunity=opportunity, product=product, quantity=quantity, reason="展会演示机型"
    )
    opportunity = pipeline.opportunity_update(
        actor=actor,
        opportunity=opportunity,
        amount=product.list_price * quantity,
        expected_close_date=timezone.localdate() + dt.timedelta(days=7),
    )
    for code in ("order", "won"):
        stage = Stage.objects.get(code=code)
        opportunity = pipeline.opportunity_advance(
            actor=actor, opportunity=opportunity, to_stage=stage, reason="展会后三周内完成选型"
        )


def _win(fair: Campaign, rng: random.Random, traveller, now: dt.datetime) -> int:
    """The first fair leads converted at least a week ago become won deals a few days later."""
    # The robots the booth demonstrated; another catalogue's three cheapest products otherwise.
    products = list(Product.objects.filter(active=True, code__in=SHOWN).order_by("code")) or list(
        Product.objects.filter(active=True).order_by("list_price", "code")[:3]
    )
    if not products or Stage.objects.filter(code__in=["order", "won"]).count() != 2:
        return 0
    converted = (
        Lead.objects.filter(
            campaign=fair, opportunity__isnull=False, converted_at__lt=now - dt.timedelta(days=7)
        )
        .select_related("opportunity__owner__user")
        .order_by("converted_at", "pk")
    )
    won = 0
    for lead in converted[:WON_DEALS]:
        traveller.move_to(lead.converted_at + dt.timedelta(days=rng.randint(3, 6), hours=2))
        _meet_and_win(lead.opportunity, rng.choice(products), rng.randint(1, 2))
        won += 1
    return won


def load(*, seed: int = 2026) -> dict[str, int]:
    """Create the three campaigns and attribute the leads. Demo e-mails are not sent."""
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        return _load(seed)


@transaction.atomic
def _load(seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    people = {
        p.user.username: p
        for p in Person.objects.filter(user__username__in=["director", "analyst", "head"]).select_related(
            "user", "org_unit"
        )
    }
    if len(people) < 3:
        return {"campaigns": 0, "leads": 0, "sign_ups": 0, "won": 0}  # not the demo organisation
    now = timezone.now()
    today = timezone.localdate()
    campaigns: dict[str, Campaign] = {}
    with audit_context(origin="system"), time_machine.travel(now, tick=False) as traveller:
        for plan in PLANS:
            campaigns[plan.name] = _create(plan, people[plan.owner], today, traveller)
        traveller.move_to(now)
        attributed = _attribute(campaigns, people["director"])
        signed_up = _sign_ups(campaigns[FAIR], people["analyst"], rng, traveller, now)
        won = _win(campaigns[FAIR], rng, traveller, now)
    return {"campaigns": len(campaigns), "leads": attributed, "sign_ups": signed_up, "won": won}


def load_into(command) -> None:
    """The load_demo command's step for campaigns (after the leads, before the orders)."""
    if is_loaded():
        command.stdout.write("Campaigns already present: kept as they are.")
        return
    made = load()
    if not made["campaigns"]:
        command.stdout.write("Not the demo organisation: campaigns skipped.")
        return
    command.stdout.write(
        command.style.SUCCESS(
            "Demo campaigns loaded: {campaigns} campaigns, {leads} leads attributed, "
            "{sign_ups} from the fair's sign-up sheet, {won} deals won after the fair.".format(**made)
        )
    )
