"""Reads of targets and plans: scoped lists, reconciliation of the cascade and live progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from salescore.core.permissions import scope_queryset
from salescore.planning import metrics
from salescore.planning.metrics import Segment, Totals, Window
from salescore.planning.models import Metric, PlanningPolicy, Target

HUNDRED = Decimal(100)
POINT = Decimal("0.1")


def targets_for(user, *, period_start=None, period_end=None, metric=None, parent=None):
    queryset = Target.objects.select_related("org_unit", "person", "category", "region", "parent")
    if period_start is not None:
        queryset = queryset.filter(period_end__gte=period_start)
    if period_end is not None:
        queryset = queryset.filter(period_start__lte=period_end)
    if metric:
        queryset = queryset.filter(metric=metric)
    if parent is not None:
        queryset = queryset.filter(parent=parent)
    return scope_queryset(queryset, user)


def segment_of(target: Target) -> Segment:
    return Segment(
        category_id=target.category_id,
        industry=target.industry,
        region_path=target.region.path if target.region_id else "",
    )


@dataclass(frozen=True)
class Reconciliation:
    children_total: Decimal
    difference: Decimal  # children - parent
    tolerance: Decimal  # percent
    has_children: bool

    @property
    def ok(self) -> bool:
        if not self.has_children:
            return True
        return abs(self.difference) <= self.limit

    @property
    def limit(self) -> Decimal:
        return (self.children_total - self.difference) * self.tolerance / HUNDRED


def reconcile(targets) -> dict[int, Reconciliation]:
    """For each target, whether its children add up to it (one grouped query)."""
    targets = list(targets)
    sums = {
        row["parent_id"]: (row["total"], row["n"])
        for row in Target.objects.filter(parent__in=[t.pk for t in targets])
        .values("parent_id")
        .annotate(total=Sum("value"), n=Count("id"))
        .order_by()
    }
    tolerance = PlanningPolicy.current().reconcile_tolerance
    result = {}
    for target in targets:
        total, count = sums.get(target.pk, (None, 0))
        # SQLite's SUM drops the decimal places (900, not 900.00); messages show it as money.
        total = Decimal(total or 0).quantize(Decimal("0.01"))
        result[target.pk] = Reconciliation(
            children_total=total,
            difference=total - target.value if count else Decimal(0),
            tolerance=tolerance,
            has_children=bool(count),
        )
    return result


@dataclass(frozen=True)
class Progress:
    target: Target
    actual: Decimal
    attainment: Decimal | None  # percent of target
    elapsed: Decimal  # percent of the period gone
    gap: Decimal | None  # attainment - elapsed, points; negative = behind pace
    projection: Decimal  # expected at period end
    pipeline: Decimal  # weighted pipeline counted in the projection (sales amount only)
    market_size: Decimal | None = None

    @property
    def behind(self) -> bool:
        return self.gap is not None and self.gap < 0


def _elapsed(window: Window, today: dt.date) -> Decimal:
    if today < window.start:
        return Decimal(0)
    if today >= window.end:
        return HUNDRED
    # Days completed before today, so the first morning of a period is 0% gone.
    return (Decimal((today - window.start).days) * HUNDRED / Decimal(window.days)).quantize(
        POINT, ROUND_HALF_UP
    )


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole <= 0:
        return None
    return (part * HUNDRED / whole).quantize(POINT, ROUND_HALF_UP)


def progress(targets, *, today: dt.date | None = None) -> list[Progress]:
    """Live progress of each target. Targets that share a metric, window and segment share
    their SQL (a fixed number of queries however many owners are shown)."""
    today = today or timezone.localdate()
    targets = list(targets)
    owners = metrics.Owners.of(targets)  # only their rows are summed, not the whole company's
    cache: dict[tuple, Totals] = {}
    pipelines: dict[Window, Totals] = {}
    sizes: dict[tuple, Decimal | None] = {}
    result = []
    for target in targets:
        window = Window(target.period_start, target.period_end)
        segment = segment_of(target)
        key = (target.metric, window, segment)
        if key not in cache:
            cache[key] = metrics.totals(target.metric, window, segment, owners=owners)
        actual = cache[key].for_target(target)
        size = None
        if target.metric == Metric.MARKET_SHARE:
            if (window, segment) not in sizes:
                sizes[(window, segment)] = metrics.market_size(window, segment)
            size = sizes[(window, segment)]
            actual = actual * HUNDRED / size if size else Decimal(0)
        elapsed = _elapsed(window, today)
        pipeline = Decimal(0)
        if target.metric == Metric.SALES_AMOUNT and not (target.industry or target.region_id):
            if window not in pipelines:
                pipelines[window] = metrics.weighted_pipeline(window, today=today, owners=owners)
            pipeline = pipelines[window].for_target(target)
            projection = actual + pipeline
        elif elapsed > 0:
            projection = actual * HUNDRED / elapsed
        else:
            projection = actual
        attainment = _pct(actual, target.value)
        result.append(
            Progress(
                target=target,
                actual=actual.quantize(Decimal("0.01"), ROUND_HALF_UP),
                attainment=attainment,
                elapsed=elapsed,
                gap=None if attainment is None else attainment - elapsed,
                projection=projection.quantize(Decimal("0.01"), ROUND_HALF_UP),
                pipeline=pipeline.quantize(Decimal("0.01"), ROUND_HALF_UP),
                market_size=size,
            )
        )
    return result


def trend(target: Target, *, bucket: str = "month") -> list[tuple[dt.date, Decimal]]:
    """The target's actual per week or month of its period (SQL, truncated in Asia/Shanghai)."""
    rows = metrics.series(
        target.metric,
        Window(target.period_start, target.period_end),
        segment_of(target),
        person_id=target.person_id,
        unit_path="" if target.person_id else target.org_unit.path,
        bucket=bucket,
    )
    return [(key, value.quantize(Decimal("0.01"))) for key, value in rows]


@dataclass(frozen=True)
class Feasibility:
    """Can the owner reach the target with the pipeline they have (R2.3)?"""

    remaining: Decimal  # target left to reach
    win_rate: Decimal | None  # percent of closed opportunities won, last 12 months
    cycle_days: Decimal | None  # average days from opening to winning
    needed_pipeline: Decimal | None  # open pipeline needed at that win rate
    open_pipeline: Decimal  # open opportunities expected to close before the period ends
    days_left: int
    headcount: int

    @property
    def feasible(self) -> bool | None:
        if self.remaining <= 0:
            return True
        if self.needed_pipeline is None:
            return None
        in_time = self.cycle_days is None or self.cycle_days <= self.days_left
        return self.open_pipeline >= self.needed_pipeline and in_time


def feasibility(plan, *, today: dt.date | None = None) -> Feasibility:
    """The pipeline needed at the historical win rate and cycle time, against what is open (for
    sales-amount targets; other metrics report only the remaining figure)."""
    from django.db.models import Avg, DurationField, ExpressionWrapper, F

    from salescore.org.models import Person
    from salescore.pipeline.models import Opportunity

    today = today or timezone.localdate()
    target = plan.target
    [item] = progress([target], today=today)
    remaining = max(target.value - item.actual, Decimal(0))
    if target.person_id:
        people = Person.all_objects.filter(pk=target.person_id)
    else:
        people = Person.all_objects.filter(org_unit__path__startswith=target.org_unit.path)
    headcount = people.filter(status=Person.Status.ACTIVE).count()
    days_left = max((target.period_end - today).days + 1, 0)
    if target.metric != Metric.SALES_AMOUNT:
        return Feasibility(remaining, None, None, None, Decimal(0), days_left, headcount)
    opportunities = Opportunity.objects.filter(owner__in=people.values("pk"))
    since = timezone.now() - dt.timedelta(days=365)
    closed = opportunities.filter(closed_at__gte=since)
    counts = closed.aggregate(won=Count("id", filter=Q(stage__is_won=True)), all=Count("id"))
    win_rate = (
        (Decimal(counts["won"]) * HUNDRED / Decimal(counts["all"])).quantize(POINT) if counts["all"] else None
    )
    cycle = closed.filter(stage__is_won=True).aggregate(
        d=Avg(ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()))
    )["d"]
    cycle_days = Decimal(cycle.total_seconds() / 86400).quantize(POINT) if cycle else None
    open_pipeline = metrics.open_pipeline(today, target.period_end).filter(
        owner__in=people.values("pk")
    ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    needed = (remaining * HUNDRED / win_rate).quantize(Decimal("0.01")) if win_rate else None
    return Feasibility(remaining, win_rate, cycle_days, needed, open_pipeline, days_left, headcount)


# -- what waits for a decision (work queues, pages and the API share these) ----------------------


def revisions_to_decide(user):
    """Pending revisions this user may decide (as services._may_decide rules): the director any,
    a manager those of targets strictly inside their subtree that they did not ask for. One query."""
    from salescore.core.permissions import Cap, Scope, access_for
    from salescore.planning.models import TargetRevision

    access = access_for(user)
    rows = TargetRevision.objects.filter(
        status=TargetRevision.Status.PENDING, target__deleted_at__isnull=True
    )
    if not access.can(Cap.TARGETS_MANAGE):
        return rows.none()
    if access.scope != Scope.ALL:
        if not access.unit_path:
            return rows.none()
        below = Q(target__org_unit__path__startswith=access.unit_path) & ~Q(
            target__org_unit__path=access.unit_path
        )
        people = Q(target__person__org_unit__path__startswith=access.unit_path) & ~Q(
            target__person_id=access.person_id
        )
        rows = rows.filter(below | people).exclude(requested_by_id=user.pk)
    return rows.select_related(
        "target", "target__org_unit", "target__person", "requested_by", "decided_by"
    ).order_by("requested_at", "id")


def plans_to_decide(user):
    """Submitted plans in the user's scope that are not their own (the director decides any)."""
    from salescore.core.permissions import Cap, Scope, access_for
    from salescore.planning.models import Plan

    access = access_for(user)
    if not access.can(Cap.TARGETS_MANAGE):
        return Plan.objects.none()
    rows = scope_queryset(Plan.objects.filter(status=Plan.Status.SUBMITTED), user)
    if access.scope != Scope.ALL:
        rows = rows.exclude(owner_id=access.person_id)
    return rows.select_related("target", "target__org_unit", "target__person", "owner").order_by(
        "submitted_at", "id"
    )


def plans_for(user, *, status: str | None = None, target=None):
    from salescore.planning.models import Plan

    rows = scope_queryset(Plan.objects.all(), user)
    if status:
        rows = rows.filter(status=status)
    if target is not None:
        rows = rows.filter(target=target)
    return rows.select_related("target", "target__org_unit", "target__person", "owner")


def reports_for(user, *, kind: str | None = None, status: str | None = None):
    from salescore.planning.models import ProgressReport

    rows = scope_queryset(ProgressReport.objects.all(), user)
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("org_unit", "author")


def _led_teams(user):
    """The sales team a team lead reports on (their own unit) as a queryset: one row or none."""
    from salescore.core.permissions import Duty, Position, access_for
    from salescore.org.models import OrgUnit

    access = access_for(user)
    if access.position != Position.TEAM_LEAD or not access.home_path:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path=access.home_path, kind=OrgUnit.Kind.TEAM, duty=Duty.SALES_MANAGEMENT)


def led_team(user):
    """The sales team a team lead reports on (their own unit), or None."""
    return _led_teams(user).first()


def weekly_report_due(user, *, today: dt.date | None = None):
    """The sales team the user leads while it has no submitted report for last week (the work
    queue): one row or none, so its count is the 1 or 0 the queue shows."""
    from salescore.planning.models import ProgressReport
    from salescore.planning.periods import week_of

    today = today or timezone.localdate()
    start, _end = week_of(today - dt.timedelta(days=7))
    submitted = ProgressReport.objects.filter(
        kind=ProgressReport.Kind.WEEKLY,
        org_unit=OuterRef("pk"),
        period_start=start,
        status=ProgressReport.Status.SUBMITTED,
    )
    return _led_teams(user).exclude(Exists(submitted))


def rollup(reports) -> list[dict]:
    """The sum of the submitted reports' period figures, per metric (for top management)."""
    sums: dict[str, Decimal] = {}
    teams: dict[str, int] = {}
    for report in reports:
        for row in report.figures or []:
            if row.get("kind") != "period":
                continue
            sums[row["metric"]] = sums.get(row["metric"], Decimal(0)) + Decimal(str(row.get("actual") or 0))
            teams[row["metric"]] = teams.get(row["metric"], 0) + 1
    return [
        {"metric": metric, "label": Metric(metric).label, "total": total, "teams": teams[metric]}
        for metric, total in sums.items()
    ]


def reports_inbox(user, *, kind: str, day: dt.date | None = None) -> dict:
    """Sales Management's view of one week's or month's reports: each sales team in scope with
    its state (submitted, late, missing, draft, not yet due) and the roll-up of the submitted."""
    from salescore.planning.models import ProgressReport
    from salescore.planning.services import reports_due

    start, end, rows = reports_due(user, kind=kind, day=day or timezone.localdate())
    policy = PlanningPolicy.current()
    days = (
        policy.weekly_report_due_days
        if kind == ProgressReport.Kind.WEEKLY
        else policy.monthly_report_due_days
    )
    due = end + dt.timedelta(days=days)
    today = timezone.localdate()
    lines = []
    for team, report in rows:
        if report is None:
            state = "missing" if today > due else "not_due"
        elif report.status == ProgressReport.Status.SUBMITTED:
            state = "late" if report.late else "submitted"
        else:
            state = "late" if today > due else "draft"
        lines.append({"team": team, "report": report, "state": state})
    submitted = [r for _team, r in rows if r is not None and r.status == ProgressReport.Status.SUBMITTED]
    counts = {s: sum(1 for line in lines if line["state"] == s) for s in ("submitted", "late", "missing")}
    return {
        "start": start,
        "end": end,
        "due": due,
        "lines": lines,
        "counts": counts,
        "rollup": rollup(submitted),
    }
