"""REST endpoints for the sales process (R3.1-R3.5): stages, opportunities and their gated moves,
needs analysis, recommendations, proposed products, stage scripts, activities and the board.
Thin: parse, call a service or selector, shape.

Money leaves as a decimal string beside its ISO-4217 currency ("120000.00", "CNY"), never a float.
A move the entry criteria refuse answers 400 ``{"code": "gate", "fields": {gate_key: criterion}}``.
"""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from salescore.catalog.models import Feature, Product
from salescore.core.api import ErrorOut, Pagination, date_range, paginate
from salescore.core.api import reference as _ref
from salescore.core.api import references as _refs
from salescore.core.api_rows import listed, only_related, related
from salescore.core.errors import ApplicationError
from salescore.core.permissions import get_in_scope, scope_queryset
from salescore.customers.models import Channel, Contact, Customer
from salescore.org.models import OrgUnit, Person
from salescore.pipeline import selectors, services
from salescore.pipeline.gates import GATES
from salescore.pipeline.models import Activity, NeedsAnalysis, Opportunity, OpportunityProduct, Stage

router = Router(tags=["pipeline"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

ORDER_PATTERN = "^(" + "|".join(selectors.OPPORTUNITY_ORDERINGS) + ")$"
Currency = Annotated[str, StringConstraints(pattern="^[A-Z]{3}$")]
# In: a JSON string ("12500.50", exact) or a number; out: always a string.
AmountIn = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# -- schemas -----------------------------------------------------------------------------------


class GateOut(Schema):
    key: str
    label: str


class StageOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    display_name: str
    sort_order: int
    probability: str = Field(..., description="Win probability in percent, a decimal string")
    is_won: bool
    is_lost: bool
    entry_gates: list[GateOut] = Field(..., description="What an opportunity needs to enter this stage")
    exit_note: str
    active: bool
    version: int

    @staticmethod
    def resolve_probability(obj: Stage) -> str:
        return str(obj.probability)

    @staticmethod
    def resolve_entry_gates(obj: Stage) -> list[dict]:
        return [{"key": key, "label": str(GATES[key].label)} for key in obj.entry_gates if key in GATES]


class StageBrief(Schema):
    id: int
    code: str
    display_name: str
    probability: str
    is_won: bool
    is_lost: bool

    @staticmethod
    def resolve_probability(obj: Stage) -> str:
        return str(obj.probability)


class ContactBrief(Schema):
    id: int
    name: str


class OpportunityOut(Schema):
    id: int
    name: str
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    contacts: list[ContactBrief]
    owner_id: int
    owner_name: str = Field(..., alias="owner.display_name")
    stage: StageBrief
    stage_entered_at: dt.datetime
    is_closed: bool
    probability: str
    amount: str
    currency: str
    expected_close_date: dt.date | None
    source: Channel
    competitors: str
    win_reason: str
    loss_reason: str
    closed_at: dt.datetime | None
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_contacts(obj: Opportunity) -> list[dict]:
        return [{"id": c.pk, "name": c.name} for c in related(obj, "contacts")]

    @staticmethod
    def resolve_is_closed(obj: Opportunity) -> bool:
        return obj.stage.is_closed

    @staticmethod
    def resolve_probability(obj: Opportunity) -> str:
        return str(obj.probability)

    @staticmethod
    def resolve_amount(obj: Opportunity) -> str:
        return _money(obj.amount)


class OpportunityIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    customer_id: int
    contact_ids: list[int] = Field([], max_length=50, description="Contacts of this customer")
    owner_id: int | None = Field(None, description="Defaults to you")
    stage_id: int | None = Field(None, description="Start here instead of the first stage (gated)")
    amount: AmountIn = Decimal("0.00")
    currency: Currency = "CNY"
    expected_close_date: dt.date | None = None
    source: Channel = Channel.OTHER
    competitors: str = Field("", max_length=300)
    notes: str = Field("", max_length=5000)


class OpportunityPatch(Schema):
    """Send only what changes. The stage changes through /move, never here."""

    version: int = Field(..., ge=1, description="The version you loaded; a stale one gives 409.")
    name: str = Field(None, min_length=1, max_length=200)
    contact_ids: list[int] = Field(None, max_length=50, description="Replaces the linked contacts")
    owner_id: int = Field(None, description="Hand the opportunity to this person")
    amount: AmountIn = None
    currency: Currency = None
    expected_close_date: dt.date | None = None
    source: Channel = None
    competitors: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=5000)
    probability: Decimal = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)


class OpportunityFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Opportunity or customer name")
    stage_id: int | None = None
    owner_id: int | None = None
    customer_id: int | None = None
    open_only: bool = Field(False, description="Leave out won and lost opportunities")
    closing_before: dt.date | None = Field(None, description="Expected to close on or before this day")
    order: str = Field("-updated", pattern=ORDER_PATTERN)


class MoveIn(Schema):
    stage_id: int
    reason: str = Field("", max_length=2000, description="Required to move to a lost stage")
    version: int | None = Field(None, ge=1, description="The version you loaded; a stale one gives 409.")


class ReopenIn(Schema):
    reason: str = Field(..., max_length=2000)


class StageGatesOut(Schema):
    stage: StageBrief
    ready: bool
    missing: list[GateOut]


class FeatureBrief(Schema):
    id: int
    code: str
    display_name: str


class NeedsOut(Schema):
    id: int
    opportunity_id: int
    needs: str
    pain_points: str
    features: list[FeatureBrief]
    budget_min: str | None
    budget_max: str | None
    currency: str = Field(..., alias="opportunity.currency", description="The opportunity's currency")
    decision_makers: str
    timeline: str
    current_solution: str
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_features(obj: NeedsAnalysis) -> list[Feature]:
        return list(obj.features.all())

    @staticmethod
    def resolve_budget_min(obj: NeedsAnalysis) -> str | None:
        return _money(obj.budget_min)

    @staticmethod
    def resolve_budget_max(obj: NeedsAnalysis) -> str | None:
        return _money(obj.budget_max)


class NeedsIn(Schema):
    """The whole needs analysis: what you leave out is emptied."""

    needs: str = Field(..., max_length=5000)
    pain_points: str = Field("", max_length=5000)
    feature_ids: list[int] = Field([], max_length=100)
    budget_min: AmountIn | None = None
    budget_max: AmountIn | None = None
    decision_makers: str = Field("", max_length=300)
    timeline: str = Field("", max_length=200)
    current_solution: str = Field("", max_length=5000)
    version: int | None = Field(None, ge=1, description="The version you loaded; a stale one gives 409.")


class ProductBrief(Schema):
    id: int
    code: str
    display_name: str
    category_id: int
    list_price: str
    price_floor: str
    currency: str
    unit: str

    @staticmethod
    def resolve_list_price(obj: Product) -> str:
        return _money(obj.list_price)

    @staticmethod
    def resolve_price_floor(obj: Product) -> str:
        return _money(obj.price_floor)


class RecommendationOut(Schema):
    product: ProductBrief
    score: str = Field(..., description="0-100, one decimal")
    reasons: list[str]
    proposed: bool = Field(..., description="Already among the opportunity's products")

    @staticmethod
    def resolve_score(obj: selectors.Recommendation) -> str:
        return str(obj.score)


class LineOut(Schema):
    id: int
    opportunity_id: int
    product: ProductBrief
    quantity: int
    reason: str
    score: str | None
    created_at: dt.datetime
    version: int

    @staticmethod
    def resolve_score(obj: OpportunityProduct) -> str | None:
        return None if obj.score is None else str(obj.score)


class LineIn(Schema):
    product_id: int
    quantity: int = Field(1, ge=1, le=1_000_000)
    reason: str = Field(
        "", max_length=500, description="Why this product (e.g. the recommendation's reasons)"
    )
    score: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=1)


class ScriptOut(Schema):
    id: int
    title: str
    body: str
    checklist: list[str]
    product_id: int | None
    product_name: str | None

    @staticmethod
    def resolve_checklist(obj) -> list[str]:
        return obj.checklist_items

    @staticmethod
    def resolve_product_name(obj) -> str | None:
        return obj.product.display_name if obj.product_id else None


class ScriptsOut(Schema):
    stage: StageBrief
    scripts: list[ScriptOut]


class ActivityOut(Schema):
    id: int
    channel: Channel
    direction: Activity.Direction
    occurred_at: dt.datetime
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    opportunity_id: int | None
    opportunity_name: str | None
    contact_id: int | None
    contact_name: str | None
    owner_id: int
    owner_name: str = Field(..., alias="owner.display_name")
    subject: str
    summary: str
    outcome: str
    next_step: str
    next_step_due: dt.date | None
    next_step_done: bool
    checked_in_at: dt.datetime | None
    location: str
    latitude: str | None
    longitude: str | None
    created_at: dt.datetime
    version: int

    @staticmethod
    def resolve_opportunity_name(obj: Activity) -> str | None:
        return obj.opportunity.name if obj.opportunity_id else None

    @staticmethod
    def resolve_contact_name(obj: Activity) -> str | None:
        return obj.contact.name if obj.contact_id else None

    @staticmethod
    def resolve_latitude(obj: Activity) -> str | None:
        return None if obj.latitude is None else str(obj.latitude)

    @staticmethod
    def resolve_longitude(obj: Activity) -> str | None:
        return None if obj.longitude is None else str(obj.longitude)


class ActivityIn(Schema):
    customer_id: int
    opportunity_id: int | None = None
    contact_id: int | None = None
    channel: Channel
    direction: Activity.Direction = Activity.Direction.OUTBOUND
    occurred_at: dt.datetime | None = Field(None, description="Defaults to now; never in the future")
    subject: str = Field(..., min_length=1, max_length=200)
    summary: str = Field("", max_length=5000)
    outcome: str = Field("", max_length=300)
    next_step: str = Field("", max_length=300)
    next_step_due: dt.date | None = None
    checked_in_at: dt.datetime | None = Field(None, description="Visits: defaults to occurred_at")
    location: str = Field("", max_length=300)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)


class ActivityFilter(Schema):
    owner_id: int | None = None
    channel: Channel | None = None
    customer_id: int | None = None
    q: str | None = Field(None, max_length=100, description="Subject or customer name")
    followups: bool = Field(False, description="Only open next steps, the earliest due first")
    unit_id: int | None = Field(None, description="Made by people in this org unit or below it")
    occurred_from: dt.date | None = Field(None, description="On or after this local date")
    occurred_to: dt.date | None = Field(None, description="On or before this local date")


class StageChangeOut(Schema):
    id: int
    opportunity_id: int
    from_stage_id: int | None
    from_stage_name: str | None
    to_stage_id: int
    to_stage_name: str
    at: dt.datetime
    actor_name: str | None
    seconds_in_previous: int | None

    @staticmethod
    def resolve_from_stage_name(obj) -> str | None:
        return obj.from_stage.display_name if obj.from_stage_id else None

    @staticmethod
    def resolve_to_stage_name(obj) -> str:
        return obj.to_stage.display_name

    @staticmethod
    def resolve_actor_name(obj) -> str | None:
        if obj.actor_id is None:
            return None
        person = getattr(obj.actor, "person", None)
        return person.display_name if person else obj.actor.get_username()


class TimelineOut(Schema):
    at: dt.datetime
    kind: str = Field(..., description="activity, stage, order or ticket")
    activity: ActivityOut | None
    change: StageChangeOut | None
    title: str = Field("", description="For orders and tickets: what it is")
    status: str = Field("", description="For orders and tickets: their status, in your language")
    url: str = Field("", description="For orders and tickets: the page that shows it")


class MoneyOut(Schema):
    amount: str
    currency: str


class BoardCard(Schema):
    id: int
    name: str
    customer_id: int
    customer_name: str
    owner_id: int
    owner_name: str
    amount: str
    currency: str
    probability: str
    expected_close_date: dt.date | None
    stage_entered_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_amount(obj: selectors.Card) -> str:
        return _money(obj.amount)

    @staticmethod
    def resolve_probability(obj: selectors.Card) -> str:
        return str(obj.probability)


class BoardColumnOut(Schema):
    stage: StageBrief
    count: int
    amounts: list[MoneyOut] = Field(..., description="The total amount per currency")
    cards: list[BoardCard] = Field(..., description="The most recently updated first")
    more: bool = Field(..., description="Whether the stage has more cards than these (the list has all)")

    @staticmethod
    def resolve_amounts(obj: selectors.BoardColumn) -> list[dict]:
        return [{"amount": _money(total), "currency": code} for code, total in obj.amounts.items()]


# -- helpers -----------------------------------------------------------------------------------

# Services name model fields; the API answers with the names the caller sent.
_API_FIELD_NAMES = {
    "owner": "owner_id",
    "contacts": "contact_ids",
    "contact": "contact_id",
    "stage": "stage_id",
    "product": "product_id",
    "opportunity": "opportunity_id",
    "customer": "customer_id",
    "features": "feature_ids",
}
_BLANKABLE = {"competitors", "notes"}


@contextmanager
def _api_field_names(**extra: str):
    names = {**_API_FIELD_NAMES, **extra}
    try:
        yield
    except ApplicationError as exc:
        exc.fields = {names.get(k, k): v for k, v in exc.fields.items()}
        raise


def _customers(user):
    return scope_queryset(Customer.objects.all(), user)


def _contacts(user):
    return scope_queryset(Contact.objects.all(), user)


def _opportunity(request, pk: int) -> Opportunity:
    return selectors.opportunity_get_for_user(user=request.auth, pk=pk)


# -- stages ------------------------------------------------------------------------------------


@router.get(
    "/stages",
    response={200: list[StageOut], **ERRORS},
    summary="The stages of the standard process, in order, with their entry criteria",
)
@paginate(Pagination)
def list_stages(request, include_inactive: bool = False):
    return selectors.stages(include_inactive=include_inactive)


# -- opportunities -----------------------------------------------------------------------------


@router.get(
    "/opportunities", response={200: list[OpportunityOut], **ERRORS}, summary="Opportunities in your scope"
)
@paginate(Pagination)
def list_opportunities(request, filters: Query[OpportunityFilter]):
    opportunities = selectors.opportunity_list(
        user=request.auth,
        q=filters.q,
        stage=_ref(Stage.objects.all(), filters.stage_id, "stage_id"),
        owner=_ref(Person.all_objects.all(), filters.owner_id, "owner_id"),
        customer=_ref(_customers(request.auth), filters.customer_id, "customer_id"),
        open_only=filters.open_only,
        closing_before=filters.closing_before,
        order=filters.order,
    )
    # an item names its customer and owner: their other columns are not read
    opportunities = only_related(opportunities, customer=["name"], owner=["name", "name_en"])
    return listed(opportunities.prefetch_related("contacts"), "contacts")


@router.get("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def get_opportunity(request, opportunity_id: int):
    return _opportunity(request, opportunity_id)


@router.post("/opportunities", response={201: OpportunityOut, **ERRORS})
def create_opportunity(request, payload: OpportunityIn):
    user = request.auth
    data = payload.dict()
    customer = _ref(_customers(user), data.pop("customer_id"), "customer_id")
    contacts = _refs(_contacts(user), data.pop("contact_ids"), "contact_ids")
    owner = _ref(Person.all_objects.all(), data.pop("owner_id"), "owner_id")
    stage = _ref(Stage.objects.all(), data.pop("stage_id"), "stage_id")
    if owner is not None:
        data["owner"] = owner
    with _api_field_names():
        opportunity = services.opportunity_create(
            actor=user, customer=customer, contacts=contacts, stage=stage, **data
        )
    return Status(201, _opportunity(request, opportunity.pk))


@router.patch("/opportunities/{opportunity_id}", response={200: OpportunityOut, **ERRORS})
def update_opportunity(request, opportunity_id: int, payload: OpportunityPatch):
    user = request.auth
    opportunity = _opportunity(request, opportunity_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    for key in _BLANKABLE & set(data):
        data[key] = data[key] or ""
    contacts = _refs(_contacts(user), data.pop("contact_ids", None), "contact_ids")
    if "owner_id" in data:
        data["owner"] = _ref(Person.all_objects.all(), data.pop("owner_id"), "owner_id")
    with _api_field_names():
        services.opportunity_update(
            actor=user, opportunity=opportunity, version=version, contacts=contacts, **data
        )
    return _opportunity(request, opportunity.pk)


@router.delete(
    "/opportunities/{opportunity_id}", response={204: None, **ERRORS}, summary="Move to the recycle bin"
)
def delete_opportunity(request, opportunity_id: int):
    services.opportunity_delete(actor=request.auth, opportunity=_opportunity(request, opportunity_id))
    return Status(204, None)


@router.post(
    "/opportunities/{opportunity_id}/move",
    response={200: OpportunityOut, **ERRORS},
    summary="Move to another stage; refused (400, code gate) while its entry criteria are not met",
)
def move_opportunity(request, opportunity_id: int, payload: MoveIn):
    opportunity = _opportunity(request, opportunity_id)
    stage = _ref(Stage.objects.all(), payload.stage_id, "stage_id")
    # A lost stage asks for the reason: name the field this request sends it in.
    with _api_field_names(loss_reason="reason"):
        services.opportunity_advance(
            actor=request.auth,
            opportunity=opportunity,
            to_stage=stage,
            reason=payload.reason,
            version=payload.version,
        )
    return _opportunity(request, opportunity.pk)


@router.post(
    "/opportunities/{opportunity_id}/reopen",
    response={200: OpportunityOut, **ERRORS},
    summary="Bring a won or lost opportunity back to the last open stage it was in",
)
def reopen_opportunity(request, opportunity_id: int, payload: ReopenIn):
    opportunity = _opportunity(request, opportunity_id)
    services.opportunity_reopen(actor=request.auth, opportunity=opportunity, reason=payload.reason)
    return _opportunity(request, opportunity.pk)


@router.get(
    "/opportunities/{opportunity_id}/gates",
    response={200: list[StageGatesOut], **ERRORS},
    summary="For each later open stage, the entry criteria still missing",
)
def opportunity_gates(request, opportunity_id: int):
    opportunity = _opportunity(request, opportunity_id)
    return [
        {
            "stage": row["stage"],
            "ready": not row["missing"],
            "missing": [{"key": gate.key, "label": str(gate.label)} for gate in row["missing"]],
        }
        for row in selectors.gate_status(opportunity)
    ]


# -- needs analysis, recommendations, products, scripts ---------------------------------------


def _needs_out(opportunity: Opportunity) -> NeedsAnalysis:
    needs = selectors.needs_for(opportunity)
    if needs is None:
        raise ApplicationError(_("No needs analysis is recorded yet."), code="not_found", status=404)
    needs.opportunity = opportunity
    return needs


@router.get("/opportunities/{opportunity_id}/needs", response={200: NeedsOut, **ERRORS})
def get_needs(request, opportunity_id: int):
    return _needs_out(_opportunity(request, opportunity_id))


@router.put(
    "/opportunities/{opportunity_id}/needs",
    response={200: NeedsOut, 201: NeedsOut, **ERRORS},
    summary="Record the needs analysis (201 the first time, 200 after)",
)
def put_needs(request, opportunity_id: int, payload: NeedsIn):
    opportunity = _opportunity(request, opportunity_id)
    data = payload.dict()
    features = _refs(Feature.objects.all(), data.pop("feature_ids"), "feature_ids")
    version = data.pop("version")
    created = selectors.needs_for(opportunity) is None
    with _api_field_names():
        services.needs_record(
            actor=request.auth, opportunity=opportunity, features=features, version=version, **data
        )
    return Status(201 if created else 200, _needs_out(opportunity))


@router.get(
    "/opportunities/{opportunity_id}/recommendations",
    response={200: list[RecommendationOut], **ERRORS},
    summary="Catalogue products ranked for this opportunity's needs, each with its reasons",
)
def recommendations(request, opportunity_id: int, limit: int = Query(8, ge=1, le=50)):
    opportunity = _opportunity(request, opportunity_id)
    return selectors.recommend_products(opportunity=opportunity, limit=limit)


@router.get(
    "/opportunities/{opportunity_id}/products",
    response={200: list[LineOut], **ERRORS},
    summary="The products proposed for this opportunity",
)
@paginate(Pagination)
def list_lines(request, opportunity_id: int):
    opportunity = _opportunity(request, opportunity_id)
    return selectors.proposed_products(opportunity).order_by("created_at", "id")


@router.post(
    "/opportunities/{opportunity_id}/products",
    response={200: LineOut, 201: LineOut, **ERRORS},
    summary="Propose a product (201); proposing it again sets its quantity (200)",
)
def propose_product(request, opportunity_id: int, payload: LineIn):
    opportunity = _opportunity(request, opportunity_id)
    product = _ref(Product.objects.all(), payload.product_id, "product_id")
    existed = selectors.proposed_products(opportunity).filter(product=product).exists()
    with _api_field_names():
        line = services.product_propose(
            actor=request.auth,
            opportunity=opportunity,
            product=product,
            quantity=payload.quantity,
            reason=payload.reason,
            score=payload.score,
        )
    return Status(200 if existed else 201, selectors.proposed_products(opportunity).get(pk=line.pk))


@router.delete("/opportunities/{opportunity_id}/products/{line_id}", response={204: None, **ERRORS})
def withdraw_product(request, opportunity_id: int, line_id: int):
    opportunity = _opportunity(request, opportunity_id)
    line = selectors.proposed_products(opportunity).filter(pk=line_id).first()
    if line is None:
        raise ApplicationError(_("This product is not proposed here."), code="not_found", status=404)
    services.product_withdraw(actor=request.auth, line=line)
    return Status(204, None)


@router.get(
    "/opportunities/{opportunity_id}/script",
    response={200: ScriptsOut, **ERRORS},
    summary="The standard script for the current stage, and those for the proposed products",
)
def opportunity_script(request, opportunity_id: int):
    opportunity = _opportunity(request, opportunity_id)
    return {"stage": opportunity.stage, "scripts": selectors.scripts_for(opportunity)}


@router.get(
    "/opportunities/{opportunity_id}/timeline",
    response={200: list[TimelineOut], **ERRORS},
    summary="Activities and stage changes of this opportunity, newest first",
)
def opportunity_timeline(request, opportunity_id: int, limit: int = Query(50, ge=1, le=200)):
    opportunity = _opportunity(request, opportunity_id)
    return selectors.timeline(user=request.auth, opportunity=opportunity, limit=limit)


# -- activities --------------------------------------------------------------------------------


@router.get(
    "/activities",
    response={200: list[ActivityOut], **ERRORS},
    summary="Touches with the customers in your scope, newest first",
)
@paginate(Pagination)
def list_activities(request, filters: Query[ActivityFilter]):
    occurred_from, occurred_to = date_range(
        filters.occurred_from, filters.occurred_to, start_field="occurred_from", end_field="occurred_to"
    )
    activities = selectors.activity_list(
        user=request.auth,
        owner=_ref(Person.all_objects.all(), filters.owner_id, "owner_id"),
        channel=filters.channel,
        customer=_ref(_customers(request.auth), filters.customer_id, "customer_id"),
        q=filters.q,
        followups_only=filters.followups,
        unit=_ref(OrgUnit, filters.unit_id, "unit_id"),
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    # an item names its customer, opportunity, contact and owner: their other columns (about 120
    # with the activity's) were most of the page's time at size L
    return only_related(
        activities, customer=["name"], opportunity=["name"], contact=["name"], owner=["name", "name_en"]
    )


def _activity(request, pk: int) -> Activity:
    return get_in_scope(
        Activity.objects.select_related("customer", "owner", "contact", "opportunity"), request.auth, pk
    )


@router.post("/activities", response={201: ActivityOut, **ERRORS})
def log_activity(request, payload: ActivityIn):
    user = request.auth
    data = payload.dict()
    customer = _ref(_customers(user), data.pop("customer_id"), "customer_id")
    opportunity = _ref(
        scope_queryset(Opportunity.objects.all(), user), data.pop("opportunity_id"), "opportunity_id"
    )
    contact = _ref(_contacts(user), data.pop("contact_id"), "contact_id")
    for key in ("occurred_at", "checked_in_at"):
        if data[key] is None:
            data.pop(key)
    with _api_field_names():
        activity = services.activity_log(
            actor=user, customer=customer, opportunity=opportunity, contact=contact, **data
        )
    return Status(201, _activity(request, activity.pk))


@router.post(
    "/activities/{activity_id}/done",
    response={200: ActivityOut, **ERRORS},
    summary="Mark the activity's next step as done",
)
def complete_next_step(request, activity_id: int):
    activity = _activity(request, activity_id)
    services.activity_complete_next_step(actor=request.auth, activity=activity)
    return _activity(request, activity.pk)


@router.delete(
    "/activities/{activity_id}",
    response={204: None, **ERRORS},
    summary="Move to the recycle bin (the person who recorded it, or a director)",
)
def delete_activity(request, activity_id: int):
    services.activity_delete(actor=request.auth, activity=_activity(request, activity_id))
    return Status(204, None)


# -- board -------------------------------------------------------------------------------------


@router.get(
    "/board",
    response={200: list[BoardColumnOut], **ERRORS},
    summary="Per stage: how many opportunities, their total per currency and the first cards",
)
def board(request, owner_id: int | None = None, cards: int = Query(10, ge=0, le=100)):
    owner = _ref(Person.all_objects.all(), owner_id, "owner_id")
    return selectors.board(user=request.auth, owner=owner, per_stage=cards)
