"""REST endpoints of targets, plans and progress reports (R2). Thin: parse, call the same
services and selectors as the pages, shape the answer. Ids outside the caller's scope answer 404
(in the path) or 400 naming the field (in a body)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from salescore.campaigns.models import Campaign
from salescore.catalog.models import Category, PriceList, Product
from salescore.core.api import MAX_ID, ErrorOut, Pagination, missing_reference, paginate
from salescore.core.api import reference as _ref
from salescore.core.api import references as _refs
from salescore.core.permissions import Cap, get_in_scope, require, scope_queryset
from salescore.org.models import OrgUnit, Person, Region
from salescore.planning import selectors, services
from salescore.planning.models import (
    MarketSize,
    Plan,
    PlanStep,
    ProgressReport,
    Target,
    TargetRevision,
)

router = Router(tags=["Targets"])
plans_router = Router(tags=["Plans"])
reports_router = Router(tags=["Reports"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
VALUE = {"ge": 0, "lt": Decimal(10) ** 15, "max_digits": 17, "decimal_places": 2}
MetricName = Literal[
    "sales_amount", "collected_amount", "sales_quantity", "new_customers", "market_share", "visits", "calls"
]
PeriodName = Literal["year", "quarter", "month"]
TEXT = 2000
CENT = Decimal("0.01")

# -- schemas -----------------------------------------------------------------------------------


class ProgressOut(Schema):
    actual: Decimal
    attainment: Decimal | None = Field(..., description="percent of the target reached")
    elapsed: Decimal = Field(..., description="percent of the period gone")
    gap: Decimal | None = Field(..., description="attainment - elapsed, points; negative = behind pace")
    projection: Decimal
    pipeline: Decimal
    market_size: Decimal | None


class ReconciliationOut(Schema):
    has_children: bool
    children_total: Decimal
    difference: Decimal = Field(..., description="children - target")
    reconciled: bool


class TargetOut(Schema):
    id: int
    metric: MetricName
    period_kind: PeriodName
    period_start: dt.date
    period_end: dt.date
    org_unit_id: int | None
    person_id: int | None
    owner_name: str
    parent_id: int | None
    value: Decimal
    original_value: Decimal
    revised: bool
    currency: str
    category_id: int | None
    industry: str
    region_id: int | None
    status: Target.Status
    split_method: str
    notes: str
    version: int


class TargetRowOut(TargetOut):
    progress: ProgressOut
    reconciliation: ReconciliationOut


class RevisionOut(Schema):
    id: int
    target_id: int
    old_value: Decimal
    new_value: Decimal
    reason: str
    requested_by_id: int
    requested_at: dt.datetime
    status: TargetRevision.Status
    decided_by_id: int | None
    decided_at: dt.datetime | None
    comment: str


class TrendPoint(Schema):
    bucket: dt.date
    actual: Decimal


class TargetDetailOut(TargetRowOut):
    trend: list[TrendPoint]
    revisions: list[RevisionOut]
    children: list[TargetRowOut]


class TargetFilter(Schema):
    metric: MetricName | None = None
    period_kind: PeriodName | None = None
    period_start: dt.date | None = Field(None, description="targets running on or after this day")
    period_end: dt.date | None = Field(None, description="targets running on or before this day")
    org_unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: Target.Status | None = None


class TargetIn(Schema):
    metric: MetricName
    period_kind: PeriodName
    period_start: dt.date = Field(..., description="the first day of the year, quarter or month")
    value: Decimal = Field(..., **VALUE)
    org_unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)
    category_id: int | None = Field(None, ge=1, le=MAX_ID)
    industry: str = Field("", max_length=32)
    region_id: int | None = Field(None, ge=1, le=MAX_ID)
    notes: str = Field("", max_length=TEXT)


class TargetPatch(Schema):
    version: int | None = None
    value: Decimal | None = Field(None, **VALUE)
    notes: str | None = Field(None, max_length=TEXT)


class SplitIn(Schema):
    method: Literal["equal", "last_period", "manual"]
    values: dict[int, Decimal] | None = Field(
        None, description="manual: {owner id: value}; owners are the child units, or a team's people"
    )


class AdjustIn(Schema):
    new_value: Decimal = Field(..., **VALUE)
    reason: str = Field(..., min_length=1, max_length=TEXT)


class DecideIn(Schema):
    approve: bool
    comment: str = Field("", max_length=TEXT)


class MarketSizeIn(Schema):
    industry: str = Field("", max_length=32)
    region_id: int | None = Field(None, ge=1, le=MAX_ID)
    period_start: dt.date
    period_end: dt.date
    amount: Decimal = Field(..., **VALUE)
    source: str = Field("", max_length=200)


class MarketSizeOut(Schema):
    id: int
    industry: str
    region_id: int | None
    period_start: dt.date
    period_end: dt.date
    amount: Decimal
    currency: str
    source: str


# -- targets -----------------------------------------------------------------------------------


def _progress(item) -> dict:
    return {
        "actual": item.actual,
        "attainment": item.attainment,
        "elapsed": item.elapsed,
        "gap": item.gap,
        "projection": item.projection,
        "pipeline": item.pipeline,
        "market_size": item.market_size,
    }


def _rows(targets) -> list[dict]:
    """Targets with their progress and reconciliation: a fixed number of queries for the lot."""
    targets = list(targets)
    checks = selectors.reconcile(targets)
    progress = {item.target.pk: item for item in selectors.progress(targets)}
    rows = []
    for target in targets:
        check = checks[target.pk]
        row = TargetOut.from_orm(target).dict()
        row["progress"] = _progress(progress[target.pk])
        row["reconciliation"] = {
            "has_children": check.has_children,
            "children_total": check.children_total.quantize(CENT),
            "difference": check.difference.quantize(CENT),
            "reconciled": check.ok,
        }
        rows.append(row)
    return rows


class _WithProgress:
    """A page of targets computed only for the slice the paginator takes."""

    def __init__(self, queryset):
        self.queryset = queryset

    def all(self):
        return self

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item):
        return _rows(self.queryset[item])


def _target(request, target_id: int) -> Target:
    return get_in_scope(
        Target.objects.select_related("org_unit", "person", "parent", "region", "category"),
        request.auth,
        target_id,
    )


def _targets(user):
    return selectors.targets_for(user)


@router.get("/targets", response={200: list[TargetRowOut], **ERRORS}, summary="Targets with progress")
@paginate(Pagination)
def list_targets(request, filters: Query[TargetFilter]):
    user = request.auth
    rows = selectors.targets_for(
        user,
        period_start=filters.period_start,
        period_end=filters.period_end,
        metric=filters.metric,
        parent=_ref(_targets(user), filters.parent_id, "parent_id"),
    )
    if filters.period_kind:
        rows = rows.filter(period_kind=filters.period_kind)
    if filters.org_unit_id:
        rows = rows.filter(org_unit_id=filters.org_unit_id)
    if filters.person_id:
        rows = rows.filter(person_id=filters.person_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return _WithProgress(rows.order_by("period_start", "metric", "org_unit__path", "person__name", "id"))


def _detail(request, target: Target, bucket: str = "month") -> dict:
    children = list(selectors.targets_for(request.auth, parent=target).order_by("org_unit__path", "id"))
    [row] = _rows([target])
    row["trend"] = [{"bucket": b, "actual": v} for b, v in selectors.trend(target, bucket=bucket)]
    row["revisions"] = list(target.revisions.all())
    row["children"] = _rows(children)
    return row


@router.get("/targets/{target_id}", response={200: TargetDetailOut, **ERRORS})
def get_target(request, target_id: int, bucket: Literal["month", "week"] = "month"):
    return _detail(request, _target(request, target_id), bucket)


@router.post("/targets", response={201: TargetDetailOut, **ERRORS}, summary="Set a target (a draft)")
def create_target(request, payload: TargetIn):
    user = request.auth
    target = services.target_set(
        actor=user,
        metric=payload.metric,
        period_kind=payload.period_kind,
        period_start=payload.period_start,
        value=payload.value,
        org_unit=_ref(OrgUnit, payload.org_unit_id, "org_unit_id"),
        person=_ref(scope_queryset(Person.all_objects.all(), user), payload.person_id, "person_id"),
        parent=_ref(_targets(user), payload.parent_id, "parent_id"),
        category=_ref(Category, payload.category_id, "category_id"),
        industry=payload.industry,
        region=_ref(Region, payload.region_id, "region_id"),
        notes=payload.notes,
    )
    return Status(201, _detail(request, _target(request, target.pk)))


@router.patch("/targets/{target_id}", response={200: TargetDetailOut, **ERRORS}, summary="Change a draft")
def update_target(request, target_id: int, payload: TargetPatch):
    target = services.target_update(
        actor=request.auth,
        target=_target(request, target_id),
        value=payload.value,
        notes=payload.notes,
        version=payload.version,
    )
    return _detail(request, _target(request, target.pk))


@router.delete("/targets/{target_id}", response={204: None, **ERRORS}, summary="Delete a draft")
def delete_target(request, target_id: int):
    services.target_delete(actor=request.auth, target=_target(request, target_id))
    return Status(204, None)


@router.post(
    "/targets/{target_id}/split",
    response={200: list[TargetRowOut], **ERRORS},
    summary="Split to the child units or the team's people: equal, last_period or manual",
)
def split_target(request, target_id: int, payload: SplitIn):
    target = _target(request, target_id)
    children = services.target_split(
        actor=request.auth,
        target=target,
        method=payload.method,
        values={k: str(v) for k, v in (payload.values or {}).items()} if payload.method == "manual" else None,
    )
    return _rows(Target.objects.select_related("org_unit", "person").filter(pk__in=[c.pk for c in children]))


@router.post(
    "/targets/{target_id}/approve",
    response={200: TargetDetailOut, **ERRORS},
    summary="Approve (400 not_reconciled while the children do not add up)",
)
def approve_target(request, target_id: int):
    services.target_approve(actor=request.auth, target=_target(request, target_id))
    return _detail(request, _target(request, target_id))


@router.post(
    "/targets/{target_id}/adjust",
    response={201: RevisionOut, **ERRORS},
    summary="Revise an approved target with a reason (applied at once when you are the level above)",
)
def adjust_target(request, target_id: int, payload: AdjustIn):
    revision = services.target_adjust(
        actor=request.auth,
        target=_target(request, target_id),
        new_value=payload.new_value,
        reason=payload.reason,
    )
    return Status(201, revision)


@router.get(
    "/target-revisions",
    response={200: list[RevisionOut], **ERRORS},
    summary="Revisions waiting for your decision",
)
@paginate(Pagination)
def list_revisions(request):
    return selectors.revisions_to_decide(request.auth)


@router.post("/target-revisions/{revision_id}/decide", response={200: RevisionOut, **ERRORS})
def decide_revision(request, revision_id: int, payload: DecideIn):
    revision = get_in_scope(TargetRevision.objects.all(), request.auth, revision_id)
    return services.revision_decide(
        actor=request.auth, revision=revision, approve=payload.approve, comment=payload.comment
    )


@router.get("/market-sizes", response={200: list[MarketSizeOut], **ERRORS})
@paginate(Pagination)
def list_market_sizes(request, industry: str | None = Query(None, max_length=32)):
    rows = MarketSize.objects.order_by("-period_start", "industry", "id")
    return rows.filter(industry=industry) if industry is not None else rows


@router.post(
    "/market-sizes",
    response={201: MarketSizeOut, **ERRORS},
    summary="Enter (or correct) a segment's market size",
)
def save_market_size(request, payload: MarketSizeIn):
    entry = services.market_size_save(
        actor=request.auth,
        industry=payload.industry,
        region=_ref(Region, payload.region_id, "region_id"),
        period_start=payload.period_start,
        period_end=payload.period_end,
        amount=payload.amount,
        source=payload.source,
    )
    return Status(201, entry)


# -- plans -------------------------------------------------------------------------------------


class StepOut(Schema):
    id: int
    title: str
    owner_id: int
    start_date: dt.date
    due_date: dt.date
    status: PlanStep.Status
    depends_on_id: int | None
    sort_order: int


class PlanOut(Schema):
    id: int
    target_id: int
    title: str
    owner_id: int
    status: Plan.Status
    product_strategy: str
    price_strategy: str
    channel_strategy: str
    promotion_strategy: str
    product_ids: list[int]
    channels: list[str]
    price_list_ids: list[int]
    campaign_ids: list[int]
    industry_trends: str
    demand_changes: str
    competitor_moves: str
    headcount: int | None
    budget: Decimal | None
    currency: str
    technical_resources: str
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    approved_by_id: int | None
    review_comment: str
    version: int
    steps: list[StepOut]

    @staticmethod
    def resolve_product_ids(obj):
        return [p.pk for p in obj.products.all()]

    @staticmethod
    def resolve_price_list_ids(obj):
        return [p.pk for p in obj.price_lists.all()]

    @staticmethod
    def resolve_campaign_ids(obj):
        return [c.pk for c in obj.campaigns.all()]

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.all())


class PlanListOut(Schema):
    id: int
    target_id: int
    title: str
    owner_id: int
    status: Plan.Status
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None
    version: int


ChannelName = Literal["phone", "email", "online", "offline_event", "referral", "campaign", "visit", "other"]


class PlanFields(Schema):
    product_strategy: str | None = Field(None, max_length=10000)
    price_strategy: str | None = Field(None, max_length=10000)
    channel_strategy: str | None = Field(None, max_length=10000)
    promotion_strategy: str | None = Field(None, max_length=10000)
    product_ids: list[int] | None = Field(None, max_length=200)
    channels: list[ChannelName] | None = Field(None, max_length=8)
    price_list_ids: list[int] | None = Field(None, max_length=50, description="Linked price lists")
    campaign_ids: list[int] | None = Field(None, max_length=50, description="Linked campaigns")
    industry_trends: str | None = Field(None, max_length=10000)
    demand_changes: str | None = Field(None, max_length=10000)
    competitor_moves: str | None = Field(None, max_length=10000)
    headcount: int | None = Field(None, ge=0, le=100000)
    budget: Decimal | None = Field(None, **VALUE)
    technical_resources: str | None = Field(None, max_length=10000)


class PlanIn(PlanFields):
    target_id: int = Field(..., ge=1, le=MAX_ID)
    title: str = Field(..., min_length=1, max_length=200)
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)


class PlanPatch(PlanFields):
    version: int | None = None
    title: str | None = Field(None, min_length=1, max_length=200)


class StepIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    owner_id: int = Field(..., ge=1, le=MAX_ID)
    start_date: dt.date
    due_date: dt.date
    status: PlanStep.Status = PlanStep.Status.TODO
    depends_on_id: int | None = Field(None, ge=1, le=MAX_ID)


class PlanDecideIn(Schema):
    approve: bool
    comment: str = Field("", max_length=TEXT)


class PlanStatusIn(Schema):
    status: Literal["active", "closed"]


class FeasibilityOut(Schema):
    remaining: Decimal
    win_rate: Decimal | None
    cycle_days: Decimal | None
    needed_pipeline: Decimal | None
    open_pipeline: Decimal
    days_left: int
    headcount: int
    feasible: bool | None


def _plan(request, plan_id: int) -> Plan:
    return get_in_scope(
        Plan.objects.select_related("target", "target__org_unit", "owner").prefetch_related(
            "products", "price_lists", "campaigns", "steps"
        ),
        request.auth,
        plan_id,
    )


def _plan_fields(payload: PlanFields) -> dict:
    data = payload.dict(exclude_unset=True)
    for name in ("product_ids", "price_list_ids", "campaign_ids"):
        data.pop(name, None)
    for name in ("target_id", "owner_id", "version"):
        data.pop(name, None)
    # null clears a field: text to "", channels to none; headcount and budget may be empty.
    empty = {"channels": []}
    return {
        k: (empty.get(k, "") if v is None and k not in ("headcount", "budget") else v)
        for k, v in data.items()
    }


def _plan_links(payload: PlanFields) -> dict:
    """The linked records a payload names (None: leave that set as it is)."""
    return {
        "products": _refs(Product, payload.product_ids, "product_ids"),
        "price_lists": _refs(PriceList, payload.price_list_ids, "price_list_ids"),
        "campaigns": _refs(Campaign, payload.campaign_ids, "campaign_ids"),
    }


@plans_router.get("/plans", response={200: list[PlanListOut], **ERRORS})
@paginate(Pagination)
def list_plans(
    request,
    status: Plan.Status | None = None,
    target_id: int | None = Query(None, ge=1, le=MAX_ID),
    to_decide: bool = Query(False, description="only the submitted plans you may approve"),
):
    if to_decide:
        return selectors.plans_to_decide(request.auth)
    target = _ref(_targets(request.auth), target_id, "target_id")
    return selectors.plans_for(request.auth, status=status, target=target).order_by("-updated_at", "-id")


@plans_router.post("/plans", response={201: PlanOut, **ERRORS})
def create_plan(request, payload: PlanIn):
    user = request.auth
    # One service call with every reference resolved first: an id that points nowhere leaves no plan.
    plan = services.plan_create(
        actor=user,
        target=_ref(_targets(user), payload.target_id, "target_id"),
        title=payload.title,
        owner=_ref(scope_queryset(Person.all_objects.all(), user), payload.owner_id, "owner_id"),
        **_plan_links(payload),
        **{k: v for k, v in _plan_fields(payload).items() if k != "title"},
    )
    return Status(201, _plan(request, plan.pk))


@plans_router.get("/plans/{plan_id}", response={200: PlanOut, **ERRORS})
def get_plan(request, plan_id: int):
    return _plan(request, plan_id)


@plans_router.patch("/plans/{plan_id}", response={200: PlanOut, **ERRORS}, summary="Change a draft plan")
def update_plan(request, plan_id: int, payload: PlanPatch):
    plan = _plan(request, plan_id)
    services.plan_update(
        actor=request.auth,
        plan=plan,
        version=payload.version,
        **_plan_links(payload),
        **_plan_fields(payload),
    )
    return _plan(request, plan_id)


def _step_args(request, plan: Plan, payload: StepIn) -> dict:
    return {
        "title": payload.title,
        "owner": _ref(scope_queryset(Person.all_objects.all(), request.auth), payload.owner_id, "owner_id"),
        "start_date": payload.start_date,
        "due_date": payload.due_date,
        "status": payload.status,
        "depends_on": _ref(PlanStep.objects.filter(plan=plan), payload.depends_on_id, "depends_on_id"),
    }


@plans_router.post("/plans/{plan_id}/steps", response={201: StepOut, **ERRORS})
def add_step(request, plan_id: int, payload: StepIn):
    plan = _plan(request, plan_id)
    return Status(
        201, services.plan_step_save(actor=request.auth, plan=plan, **_step_args(request, plan, payload))
    )


def _step(plan: Plan, step_id: int) -> PlanStep:
    step = PlanStep.objects.filter(plan=plan, pk=step_id).first() if 0 < step_id < 2**63 else None
    if step is None:
        raise Http404
    return step


@plans_router.put("/plans/{plan_id}/steps/{step_id}", response={200: StepOut, **ERRORS})
def save_step(request, plan_id: int, step_id: int, payload: StepIn):
    plan = _plan(request, plan_id)
    step = _step(plan, step_id)
    return services.plan_step_save(
        actor=request.auth, plan=plan, step=step, **_step_args(request, plan, payload)
    )


@plans_router.delete("/plans/{plan_id}/steps/{step_id}", response={204: None, **ERRORS})
def delete_step(request, plan_id: int, step_id: int):
    plan = _plan(request, plan_id)
    services.plan_step_delete(actor=request.auth, step=_step(plan, step_id))
    return Status(204, None)


@plans_router.post("/plans/{plan_id}/submit", response={200: PlanOut, **ERRORS})
def submit_plan(request, plan_id: int):
    services.plan_submit(actor=request.auth, plan=_plan(request, plan_id))
    return _plan(request, plan_id)


@plans_router.post(
    "/plans/{plan_id}/decide",
    response={200: PlanOut, **ERRORS},
    summary="Approve or return (400 not_reconciled while the target's children do not add up)",
)
def decide_plan(request, plan_id: int, payload: PlanDecideIn):
    services.plan_decide(
        actor=request.auth, plan=_plan(request, plan_id), approve=payload.approve, comment=payload.comment
    )
    return _plan(request, plan_id)


@plans_router.post(
    "/plans/{plan_id}/status", response={200: PlanOut, **ERRORS}, summary="approved > active > closed"
)
def set_plan_status(request, plan_id: int, payload: PlanStatusIn):
    services.plan_set_status(actor=request.auth, plan=_plan(request, plan_id), status=payload.status)
    return _plan(request, plan_id)


@plans_router.get("/plans/{plan_id}/feasibility", response={200: FeasibilityOut, **ERRORS})
def plan_feasibility(request, plan_id: int):
    check = selectors.feasibility(_plan(request, plan_id))
    return {**vars(check), "feasible": check.feasible}


# -- progress reports --------------------------------------------------------------------------


class ReportOut(Schema):
    id: int
    kind: ProgressReport.Kind
    org_unit_id: int
    author_id: int
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    figures: list[dict]
    commentary: str
    problems: str
    help_needed: str
    status: ProgressReport.Status
    submitted_at: dt.datetime | None
    late: bool
    version: int


class ReportStartIn(Schema):
    kind: ProgressReport.Kind
    org_unit_id: int | None = Field(None, ge=1, description="default: the team you lead")
    day: dt.date | None = Field(None, description="a day of the week or month (default today)")


class ReportPatch(Schema):
    version: int | None = None
    commentary: str | None = Field(None, max_length=5000)
    problems: str | None = Field(None, max_length=5000)
    help_needed: str | None = Field(None, max_length=5000)


class DueRow(Schema):
    org_unit_id: int
    org_unit_name: str
    report_id: int | None
    state: Literal["submitted", "late", "missing", "draft", "not_due"]


class DueOut(Schema):
    kind: ProgressReport.Kind
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    teams: list[DueRow]
    rollup: list[dict]


def _report(request, report_id: int) -> ProgressReport:
    return get_in_scope(ProgressReport.objects.select_related("org_unit"), request.auth, report_id)


@reports_router.get("/reports", response={200: list[ReportOut], **ERRORS})
@paginate(Pagination)
def list_reports(
    request, kind: ProgressReport.Kind | None = None, status: ProgressReport.Status | None = None
):
    return selectors.reports_for(request.auth, kind=kind, status=status).order_by("-period_start", "id")


@reports_router.post(
    "/reports",
    response={201: ReportOut, **ERRORS},
    summary="Start this week's or month's report, pre-filled with live figures (or get the one started)",
)
def start_report(request, payload: ReportStartIn):
    unit = _ref(OrgUnit, payload.org_unit_id, "org_unit_id") or selectors.led_team(request.auth)
    if unit is None:
        raise missing_reference("org_unit_id", "")
    report = services.report_start(actor=request.auth, kind=payload.kind, org_unit=unit, day=payload.day)
    return Status(201, report)


@reports_router.get("/reports/due", response={200: DueOut, **ERRORS}, summary="Submitted, late and missing")
def reports_due(request, kind: ProgressReport.Kind = ProgressReport.Kind.WEEKLY, day: dt.date | None = None):
    require(request.auth, Cap.TARGETS_MANAGE)
    data = selectors.reports_inbox(request.auth, kind=kind, day=day)
    return {
        "kind": kind,
        "period_start": data["start"],
        "period_end": data["end"],
        "due_date": data["due"],
        "teams": [
            {
                "org_unit_id": line["team"].pk,
                "org_unit_name": str(line["team"]),
                "report_id": line["report"].pk if line["report"] else None,
                "state": line["state"],
            }
            for line in data["lines"]
        ],
        "rollup": [{**row, "label": str(row["label"])} for row in data["rollup"]],
    }


@reports_router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS})
def get_report(request, report_id: int):
    return _report(request, report_id)


@reports_router.patch("/reports/{report_id}", response={200: ReportOut, **ERRORS})
def update_report(request, report_id: int, payload: ReportPatch):
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    fields = {k: v or "" for k, v in data.items()}
    return services.report_update(
        actor=request.auth, report=_report(request, report_id), version=version, **fields
    )


@reports_router.post("/reports/{report_id}/refresh", response={200: ReportOut, **ERRORS})
def refresh_report(request, report_id: int):
    return services.report_refresh(actor=request.auth, report=_report(request, report_id))


@reports_router.post("/reports/{report_id}/submit", response={200: ReportOut, **ERRORS})
def submit_report(request, report_id: int):
    return services.report_submit(actor=request.auth, report=_report(request, report_id))


router.add_router("/", plans_router)
router.add_router("/", reports_router)
