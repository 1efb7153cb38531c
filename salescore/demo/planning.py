"""Demo targets and plans (issue #5): this year's company targets in sales amount, new customers
and market share, split by hand down to the sections, teams and reps and approved, each figure at
the pace its owner kept so far (two reps of the second team well above it, so that team lags);
the current quarter's and month's team targets; an approved plan and one awaiting approval; last
week's reports (one submitted on time, one late, one missing); a mid-year revision; shared deals
credited 60/40; and the nightly warning run so a lagging team has its warning. Everything goes
through the services, at the moment it would have happened."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import time_machine
from django.utils import timezone

from salescore.campaigns.models import Campaign
from salescore.catalog.models import PriceList, Product
from salescore.core.permissions import Duty, Position
from salescore.orders import services as orders
from salescore.orders.models import Order
from salescore.org.models import OrgUnit, Person
from salescore.planning import metrics, services
from salescore.planning.models import Metric, ProgressReport, Target
from salescore.planning.periods import containing, week_of

SEGMENT = "manufacturing"  # the market-share target's industry


def is_loaded() -> bool:
    return Target.all_objects.exists()


def load_into(command) -> None:
    """The load_demo command's step for targets and plans (last: it measures the orders)."""
    if is_loaded():
        command.stdout.write("Targets and plans already present: kept as they are.")
        return
    made = load()
    if not made:
        command.stdout.write("No director or sales teams: targets demo skipped.")
        return
    command.stdout.write(
        command.style.SUCCESS(
            "Demo targets loaded: {targets} targets, {plans} plans, {reports} progress reports, "
            "{warnings} early warning(s).".format(**made)
        )
    )


def _at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def _moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _round(value: Decimal, step: Decimal) -> Decimal:
    return max((value / step).quantize(Decimal(1), ROUND_HALF_UP) * step, step)


class _People:
    def __init__(self):
        self.director = Person.objects.filter(position=Position.DIRECTOR).order_by("pk").first()
        self.section = OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION, duty=Duty.SALES_MANAGEMENT).first()
        self.head = Person.objects.filter(position=Position.SECTION_HEAD, org_unit=self.section).first()
        self.teams = list(
            OrgUnit.objects.filter(parent=self.section, kind=OrgUnit.Kind.TEAM).order_by("path")
        )
        self.leads = {
            p.org_unit_id: p
            for p in Person.objects.filter(position=Position.TEAM_LEAD, org_unit__in=self.teams)
        }


def _paced(actual: Decimal, elapsed: Decimal, step: Decimal, factor: Decimal = Decimal("0.98")) -> Decimal:
    """A target that ``actual`` is on pace for after ``elapsed`` of the period, times ``factor``."""
    return _round(actual / elapsed * factor, step) if actual > 0 else Decimal(0)


def _bottom_up(p: _People, metric, window, today, *, step, people: bool, lagging=()) -> dict:
    """Each owner's figure from their own pace so far (the laggards' set 45% above it), summed up
    the tree so every level reconciles: {team pk: value, ("person", pk): value}."""
    totals = metrics.totals(metric, window)
    elapsed = Decimal(max((today - window.start).days, 1)) / Decimal(window.days)
    values: dict = {}
    for team in p.teams:
        if not people:
            values[team.pk] = _paced(totals.for_unit(team.path), elapsed, step)
            continue
        total = Decimal(0)
        for person in Person.objects.filter(org_unit=team, status=Person.Status.ACTIVE):
            factor = Decimal("1.45") if person.pk in lagging else Decimal("0.98")
            value = _paced(totals.for_person(person.pk), elapsed, step, factor) or step
            values[("person", person.pk)] = value
            total += value
        values[team.pk] = total
    return values


def _cascade(p: _People, *, metric, kind, start, values: dict, **segment) -> list[Target]:
    """company > department > Sales Management > teams (> people), split by hand with the
    figures ``values`` gives and approved top down; teams with no figure get no target."""
    actor = p.director.user
    company = OrgUnit.objects.get(kind=OrgUnit.Kind.COMPANY)
    teams = [team for team in p.teams if values.get(team.pk)]
    total = sum((values[team.pk] for team in teams), Decimal(0))
    top = services.target_set(
        actor=actor,
        metric=metric,
        period_kind=kind,
        period_start=start,
        value=total,
        org_unit=company,
        **segment,
    )
    made = [top]
    department = company.children.filter(kind=OrgUnit.Kind.DEPARTMENT).first()
    level = top
    for unit in (department, p.section):
        [level] = services.target_split(
            actor=actor, target=level, method="manual", owners=[unit], values={unit.pk: str(total)}
        )
        made.append(level)
    team_targets = services.target_split(
        actor=actor,
        target=level,
        method="manual",
        owners=teams,
        values={team.pk: str(values[team.pk]) for team in teams},
    )
    made += team_targets
    for team_target in team_targets:
        owners = services.split_owners(team_target)
        if owners and all(("person", owner.pk) in values for owner in owners):
            made += services.target_split(
                actor=actor,
                target=team_target,
                method="manual",
                owners=owners,
                values={owner.pk: str(values[("person", owner.pk)]) for owner in owners},
            )
    for target in made:
        target.refresh_from_db()
        if target.status == Target.Status.DRAFT:
            services.target_approve(actor=actor, target=target)
    return made


def _plan(p: _People, target: Target, *, title: str, submit: bool, approve: bool):
    lead = p.leads.get(target.org_unit_id)
    if lead is None:
        return None
    actor = lead.user
    plan = services.plan_create(
        actor=actor,
        target=target,
        title=title,
        product_strategy="主推智能分拣线与视觉检测模块；老客户升级到新一代控制系统。",
        price_strategy="标准价不变；年度框架协议客户给予3%以内的阶梯折扣，超出按审批矩阵。",
        channel_strategy="直销为主，重点城市发展两家授权服务商；线上平台承接中小客户询价。",
        promotion_strategy="参加工博会；每季度一场客户技术沙龙；老客户转介绍奖励。",
        channels=["visit", "online", "offline_event", "referral"],
        industry_trends="制造业智能化改造加速，地方补贴向自动化产线倾斜。",
        demand_changes="客户更看重交付周期与售后响应，预算审批周期变长。",
        competitor_moves="两家竞品下调入门机型价格约8%，并推出分期付款。",
        headcount=len(Person.objects.filter(org_unit=target.org_unit, status=Person.Status.ACTIVE)),
        budget=Decimal("180000.00"),
        technical_resources="售前工程师2名，演示样机1套，远程诊断平台。",
    )
    # What the plan works with: the lead products, the key-account price list, this year's campaigns
    services.plan_update(
        actor=actor,
        plan=plan,
        products=list(Product.objects.filter(active=True).order_by("-list_price", "pk")[:3]),
        price_lists=list(PriceList.objects.filter(active=True).order_by("pk")),
        campaigns=list(Campaign.objects.exclude(status=Campaign.Status.CANCELLED).order_by("start_date")),
    )
    start = target.period_start
    first = services.plan_step_save(
        actor=actor,
        plan=plan,
        title="梳理重点客户清单并分配",
        owner=lead,
        start_date=start,
        due_date=start + dt.timedelta(days=30),
        status="done",
    )
    second = services.plan_step_save(
        actor=actor,
        plan=plan,
        title="重点客户拜访与方案演示",
        owner=lead,
        start_date=start + dt.timedelta(days=31),
        due_date=start + dt.timedelta(days=180),
        status="doing",
        depends_on=first,
    )
    services.plan_step_save(
        actor=actor,
        plan=plan,
        title="下半年展会获客与转化",
        owner=lead,
        start_date=start + dt.timedelta(days=181),
        due_date=target.period_end,
        depends_on=second,
    )
    if submit:
        services.plan_submit(actor=actor, plan=plan)
    if approve and p.head is not None:
        services.plan_decide(actor=p.head.user, plan=plan, approve=True, comment="同意，注意回款节奏。")
        services.plan_set_status(actor=p.head.user, plan=plan, status="active")
    return plan


def _reports(p: _People, today: dt.date) -> int:
    """Last week's reports: the first team on time, the second late, the third none."""
    start, end = week_of(today - dt.timedelta(days=7))
    made = 0
    for index, team in enumerate(p.teams[:3]):
        lead = p.leads.get(team.pk)
        if lead is None or index == 2:
            continue
        written = _moment(end if index == 0 else min(today, end + dt.timedelta(days=3)), 17)
        with _at(written):
            report = services.report_start(
                actor=lead.user, kind=ProgressReport.Kind.WEEKLY, org_unit=team, day=start
            )
            services.report_update(
                actor=lead.user,
                report=report,
                commentary="本周重点推进两个大项目，一个已进入报价阶段。",
                problems="个别客户预算审批延后。" if index else "",
                help_needed="需要售前工程师支持一次现场演示。" if index else "",
            )
            services.report_submit(actor=lead.user, report=report)
        made += 1
    return made


def _credits(p: _People) -> None:
    """Two shared deals: the owner 60%, a teammate 40% (counted once, split 60/40)."""
    done = 0
    counted = Order.objects.filter(status__in=metrics.COUNTED_ORDER_STATUSES, owner__org_unit__in=p.teams)
    for order in counted.select_related("owner").order_by("-order_date", "pk")[:20]:
        partner = (
            Person.objects.filter(org_unit_id=order.owner.org_unit_id, status=Person.Status.ACTIVE)
            .exclude(pk=order.owner_id)
            .order_by("pk")
            .first()
        )
        if partner is None:
            continue
        orders.order_credits_set(
            actor=p.director.user, order=order, shares=[(order.owner, "60"), (partner, "40")]
        )
        done += 1
        if done == 2:
            return


def _revision(p: _People, team_target: Target | None, today: dt.date) -> None:
    lead = p.leads.get(team_target.org_unit_id) if team_target else None
    if lead is None:
        return
    reps = list(
        Target.objects.filter(parent=team_target, person__position=Position.REP)
        .select_related("person__user")
        .order_by("person__employee_no")
    )
    if len(reps) < 2:
        return
    up, down = reps[0], reps[1]
    delta = _round(up.value * Decimal("0.1"), Decimal(1000))
    with _at(_moment(min(today, dt.date(today.year, 7, 1)), 11)):
        revision = services.target_adjust(
            actor=up.person.user,
            target=up,
            new_value=up.value + delta,
            reason="大客户项目提前签约，上调全年目标。",
        )
        services.revision_decide(actor=lead.user, revision=revision, approve=True, comment="同意。")
        services.target_adjust(
            actor=lead.user, target=down, new_value=down.value - delta, reason="组内调整：客户转给同事跟进。"
        )


def load(*, seed: int = 2026) -> dict:
    p = _People()
    if p.director is None or p.section is None or not p.teams:
        return {}
    today = timezone.localdate()
    year_start = dt.date(today.year, 1, 1)
    _credits(p)
    # The second team lags: two of its reps who have sold were set figures well above their pace.
    # (People with no sale yet get the smallest figure and lag too: their warnings are real.)
    year = metrics.Window(year_start, dt.date(today.year, 12, 31))
    sold = metrics.totals(Metric.SALES_AMOUNT, year).by_person()
    lagging = [
        pk
        for pk in Person.objects.filter(
            org_unit__in=p.teams[1:2], position=Position.REP, status=Person.Status.ACTIVE
        )
        .order_by("employee_no")
        .values_list("pk", flat=True)
        if sold.get(pk, 0) > 0
    ][:2]
    amounts = _bottom_up(
        p, Metric.SALES_AMOUNT, year, today, step=Decimal(10000), people=True, lagging=lagging
    )
    gained = _bottom_up(p, Metric.NEW_CUSTOMERS, year, today, step=Decimal(1), people=False)
    with _at(_moment(year_start + dt.timedelta(days=1))):
        made: list[Target] = []
        made += _cascade(p, metric=Metric.SALES_AMOUNT, kind="year", start=year_start, values=amounts)
        made += _cascade(p, metric=Metric.NEW_CUSTOMERS, kind="year", start=year_start, values=gained)
        # Market share of manufacturing: the market size Market Expansion entered for the year
        window = metrics.Window(year_start, today)
        share_of_year = Decimal(window.days) / Decimal(year.days)
        segment = metrics.Segment(industry=SEGMENT)
        ours = metrics.totals(Metric.MARKET_SHARE, window, segment).for_unit("") / share_of_year
        size = _round(ours * 40, Decimal(1000000))
        services.market_size_save(
            actor=p.director.user,
            industry=SEGMENT,
            region=None,
            period_start=year_start,
            period_end=year.end,
            amount=size,
            source="行业协会年度报告（估算）",
        )
        share = services.target_set(
            actor=p.director.user,
            metric=Metric.MARKET_SHARE,
            period_kind="year",
            period_start=year_start,
            value="2.50",
            org_unit=OrgUnit.objects.get(kind=OrgUnit.Kind.COMPANY),
            industry=SEGMENT,
        )
        services.target_approve(actor=p.director.user, target=share)
        made.append(share)
    # This quarter's and this month's sales targets for the teams, set on their first day
    for kind in ("quarter", "month"):
        start, end = containing(kind, today)
        values = _bottom_up(
            p, Metric.SALES_AMOUNT, metrics.Window(start, end), today, step=Decimal(10000), people=False
        )
        with _at(_moment(start)):
            made += _cascade(p, metric=Metric.SALES_AMOUNT, kind=kind, start=start, values=values)
    # Plans: the first team's approved and running, the second's waiting for the section head
    team_targets = {
        t.org_unit_id: t
        for t in made
        if t.metric == Metric.SALES_AMOUNT and t.period_kind == "year" and t.org_unit_id
    }
    plans = 0
    with _at(_moment(year_start + dt.timedelta(days=10))):
        for index, team in enumerate(p.teams[:2]):
            target = team_targets.get(team.pk)
            if target is not None and _plan(
                p, target, title=f"{team.name}{today.year}年度销售计划", submit=True, approve=index == 0
            ):
                plans += 1
    # A mid-year revision in the first team: a rep's big customer signs early, so the rep asks to
    # raise their year target and the lead approves; the lead lowers a teammate's by as much, so
    # the team still adds up. Both keep their original figure beside the new one.
    _revision(p, team_targets.get(p.teams[0].pk), today)
    reports = _reports(p, today)
    warnings = services.targets_warn()
    return {"targets": len(made), "plans": plans, "reports": reports, "warnings": warnings}
