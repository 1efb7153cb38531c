"""REST endpoints of after-sales service (R3.7): tickets and their log, return visits, ratings and
the satisfaction report, and the customer's public endpoints (no authentication: the token in the
path is the credential). Thin: parse, call the same services and selectors as the pages, shape.
"""

import datetime as dt
from contextlib import contextmanager
from typing import Literal

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from salescore.catalog.models import Product
from salescore.core.api import ErrorOut, Pagination, paginate
from salescore.core.api import reference as _ref
from salescore.core.errors import ApplicationError
from salescore.core.permissions import access_for, scope_queryset
from salescore.customers.models import Contact, Customer
from salescore.org.models import Person
from salescore.service import selectors, services
from salescore.service.models import Priority, Rating, ReturnVisit, Ticket, TicketEntry

router = Router(tags=["Tickets"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PUBLIC_ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_ID = 2**63 - 1
TOKEN_MAX = 64

# -- schemas -----------------------------------------------------------------------------------


class TicketOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    contact_id: int | None
    order_id: int | None
    product_id: int | None
    reporter_name: str
    reporter_phone: str
    category: Ticket.Category
    priority: Priority
    channel: Ticket.Channel
    subject: str
    description: str
    status: Ticket.Status
    assignee_id: int | None
    assignee_name: str | None
    escalation_level: int
    opened_at: dt.datetime
    response_due_at: dt.datetime
    resolution_due_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    resolution: str
    response_state: str = Field(..., description="met, breached, due_soon or on_track")
    resolution_state: str = Field(..., description="met, breached, due_soon or on_track")
    version: int

    @staticmethod
    def resolve_assignee_name(obj: Ticket) -> str | None:
        return obj.assignee.display_name if obj.assignee_id else None


class TicketIn(Schema):
    customer_id: int = Field(..., ge=1, le=MAX_ID)
    contact_id: int | None = Field(None, ge=1, le=MAX_ID)
    order_id: int | None = Field(None, ge=1, le=MAX_ID)
    product_id: int | None = Field(None, ge=1, le=MAX_ID)
    category: Ticket.Category
    priority: Priority = Priority.NORMAL
    channel: Ticket.Channel = Ticket.Channel.PHONE
    subject: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1, max_length=10000)
    reporter_name: str = Field("", max_length=100)
    reporter_phone: str = Field("", max_length=32)
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID, description="Defaults to the least busy agent")


class TicketFilter(Schema):
    status: Ticket.Status | None = None
    open_only: bool = False
    priority: Priority | None = None
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)
    breached: Literal["response", "resolution", "any"] | None = None
    mine: bool = Field(False, description="Only tickets assigned to you")
    q: str | None = Field(None, max_length=100, description="Number, subject or customer name")


class EntryOut(Schema):
    id: int
    ticket_id: int
    kind: TicketEntry.Kind
    body: str
    author_name: str
    at: dt.datetime


class EntryIn(Schema):
    kind: Literal["note", "reply", "customer", "action"]
    body: str = Field(..., min_length=1, max_length=10000)


class AssignIn(Schema):
    assignee_id: int = Field(..., ge=1, le=MAX_ID)
    version: int | None = Field(None, ge=1, description="The version you loaded; a stale one gives 409.")


class EscalateIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)
    to_id: int | None = Field(None, ge=1, le=MAX_ID, description="Defaults to Customer Service's leaders")


class NoteIn(Schema):
    note: str = Field("", max_length=2000)


class ResolveIn(Schema):
    resolution: str = Field(..., min_length=1, max_length=10000)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class VisitOut(Schema):
    id: int
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    contact_id: int | None
    reason: ReturnVisit.Reason
    order_id: int | None
    ticket_id: int | None
    due_date: dt.date
    assignee_id: int | None
    status: ReturnVisit.Status
    done_at: dt.datetime | None
    summary: str
    activity_id: int | None
    version: int


class VisitFilter(Schema):
    status: ReturnVisit.Status | None = None
    due: Literal["overdue", "today", "due", "upcoming"] | None = None
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)
    mine: bool = False


class VisitRecordIn(Schema):
    outcome: Literal["done", "unreachable"]
    summary: str = Field(..., min_length=1, max_length=10000)
    csat: int | None = Field(None, ge=1, le=5)
    nps: int | None = Field(None, ge=0, le=10)
    comment: str = Field("", max_length=5000)
    send_link: bool = Field(False, description="Make a rating link for the customer instead of scores")


class VisitRescheduleIn(Schema):
    due_date: dt.date
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)


class RatingOut(Schema):
    id: int
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    ticket_id: int | None
    return_visit_id: int | None
    order_id: int | None
    product_id: int | None
    agent_id: int | None
    rep_id: int | None
    source: Rating.Source
    sent_at: dt.datetime
    expires_at: dt.datetime
    answered_at: dt.datetime | None
    csat: int | None
    nps: int | None
    comment: str


class RatingFilter(Schema):
    answered: bool | None = Field(True, description="true: answered only; false: still open")
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)
    product_id: int | None = Field(None, ge=1, le=MAX_ID)
    agent_id: int | None = Field(None, ge=1, le=MAX_ID)
    rep_id: int | None = Field(None, ge=1, le=MAX_ID)
    ticket_id: int | None = Field(None, ge=1, le=MAX_ID)
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class SatisfactionRowOut(Schema):
    key: int | None = Field(..., description="The id of the customer, product, agent or rep; null: none")
    label: str
    answered: int
    csat_count: int
    avg_csat: float | None
    nps_count: int
    promoters: int
    detractors: int
    nps: float | None = Field(..., description="% promoters (9-10) - % detractors (0-6)")


class SatisfactionOut(Schema):
    group_by: str
    rows: list[SatisfactionRowOut]
    total: SatisfactionRowOut


class PublicTicketIn(Schema):
    reporter_name: str = Field(..., min_length=1, max_length=100)
    reporter_phone: str = Field(..., min_length=1, max_length=32)
    category: Ticket.Category
    product_id: int | None = Field(None, ge=1, le=MAX_ID)
    subject: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1, max_length=10000)


class PublicTicketOut(Schema):
    number: str
    status: Ticket.Status
    response_due_at: dt.datetime


class PublicRatingOut(Schema):
    state: Literal["open", "answered", "expired"]
    customer_name: str
    ticket_number: str | None
    expires_at: dt.datetime


class PublicRatingIn(Schema):
    csat: int = Field(..., ge=1, le=5)
    nps: int | None = Field(None, ge=0, le=10)
    comment: str = Field("", max_length=5000)


# -- helpers -----------------------------------------------------------------------------------

_FIELD_NAMES = {
    "customer": "customer_id",
    "contact": "contact_id",
    "order": "order_id",
    "product": "product_id",
    "assignee": "assignee_id",
}


@contextmanager
def _api_field_names():
    try:
        yield
    except ApplicationError as exc:
        exc.fields = {_FIELD_NAMES.get(k, k): v for k, v in exc.fields.items()}
        raise


def _ticket(request, pk: int) -> Ticket:
    return selectors.ticket_get_for_user(user=request.auth, pk=pk)


def _visit(request, pk: int) -> ReturnVisit:
    return selectors.return_visit_get_for_user(user=request.auth, pk=pk)


def _people():
    return Person.objects.all()


def _orders(user):
    from salescore.orders.models import Order

    return scope_queryset(Order.objects.all(), user)


def _me(user) -> Person | None:
    person_id = access_for(user).person_id
    return Person.objects.filter(pk=person_id).first() if person_id else None


# -- tickets -----------------------------------------------------------------------------------


@router.get("/tickets", response={200: list[TicketOut], **ERRORS}, summary="Tickets in your scope")
@paginate(Pagination)
def list_tickets(request, filters: Query[TicketFilter]):
    user = request.auth
    assignee = _ref(_people(), filters.assignee_id, "assignee_id")
    if filters.mine:
        assignee = _me(user) or Person(pk=0)
    return selectors.tickets_for(
        user=user,
        status=filters.status,
        open_only=filters.open_only,
        priority=filters.priority,
        assignee=assignee,
        customer=_ref(scope_queryset(Customer.objects.all(), user), filters.customer_id, "customer_id"),
        breached=filters.breached,
        q=filters.q,
    )


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def get_ticket(request, ticket_id: int):
    return _ticket(request, ticket_id)


@router.post("/tickets", response={201: TicketOut, **ERRORS}, summary="Open a ticket (any channel)")
def open_ticket(request, payload: TicketIn):
    user = request.auth
    data = payload.dict()
    customer = _ref(scope_queryset(Customer.objects.all(), user), data.pop("customer_id"), "customer_id")
    data["contact"] = _ref(Contact.objects.filter(customer=customer), data.pop("contact_id"), "contact_id")
    data["order"] = _ref(_orders(user).filter(customer=customer), data.pop("order_id"), "order_id")
    data["product"] = _ref(Product.objects.all(), data.pop("product_id"), "product_id")
    data["assignee"] = _ref(_people(), data.pop("assignee_id"), "assignee_id")
    with _api_field_names():
        ticket = services.ticket_open(actor=user, customer=customer, **data)
    return Status(201, _ticket(request, ticket.pk))


@router.post("/tickets/{ticket_id}/assign", response={200: TicketOut, **ERRORS})
def assign_ticket(request, ticket_id: int, payload: AssignIn):
    ticket = _ticket(request, ticket_id)
    assignee = _ref(_people(), payload.assignee_id, "assignee_id")
    with _api_field_names():
        services.ticket_assign(actor=request.auth, ticket=ticket, assignee=assignee, version=payload.version)
    return _ticket(request, ticket_id)


@router.get("/tickets/{ticket_id}/log", response={200: list[EntryOut], **ERRORS}, summary="The log")
@paginate(Pagination)
def ticket_log(request, ticket_id: int):
    return selectors.ticket_log(_ticket(request, ticket_id))


@router.post(
    "/tickets/{ticket_id}/log",
    response={201: EntryOut, **ERRORS},
    summary="Add to the log; the first reply or step is the first response (SLA)",
)
def add_to_log(request, ticket_id: int, payload: EntryIn):
    ticket = _ticket(request, ticket_id)
    entry = services.ticket_log(actor=request.auth, ticket=ticket, kind=payload.kind, body=payload.body)
    return Status(201, entry)


@router.post("/tickets/{ticket_id}/escalate", response={200: TicketOut, **ERRORS})
def escalate_ticket(request, ticket_id: int, payload: EscalateIn):
    ticket = _ticket(request, ticket_id)
    to = _ref(_people(), payload.to_id, "to_id")
    services.ticket_escalate(actor=request.auth, ticket=ticket, reason=payload.reason, to=to)
    return _ticket(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/wait", response={200: TicketOut, **ERRORS}, summary="Wait for the customer"
)
def wait_ticket(request, ticket_id: int, payload: NoteIn):
    services.ticket_wait(actor=request.auth, ticket=_ticket(request, ticket_id), note=payload.note)
    return _ticket(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/resolve",
    response={200: TicketOut, **ERRORS},
    summary="Resolve: plans a return visit and makes a rating link",
)
def resolve_ticket(request, ticket_id: int, payload: ResolveIn):
    ticket = _ticket(request, ticket_id)
    services.ticket_resolve(actor=request.auth, ticket=ticket, resolution=payload.resolution)
    return _ticket(request, ticket_id)


@router.post("/tickets/{ticket_id}/close", response={200: TicketOut, **ERRORS})
def close_ticket(request, ticket_id: int):
    services.ticket_close(actor=request.auth, ticket=_ticket(request, ticket_id))
    return _ticket(request, ticket_id)


@router.post("/tickets/{ticket_id}/reopen", response={200: TicketOut, **ERRORS})
def reopen_ticket(request, ticket_id: int, payload: ReasonIn):
    services.ticket_reopen(actor=request.auth, ticket=_ticket(request, ticket_id), reason=payload.reason)
    return _ticket(request, ticket_id)


# -- return visits -----------------------------------------------------------------------------


@router.get(
    "/return-visits",
    response={200: list[VisitOut], **ERRORS},
    tags=["Return visits"],
    summary="Return visits in your scope, the earliest due first",
)
@paginate(Pagination)
def list_visits(request, filters: Query[VisitFilter]):
    user = request.auth
    assignee = _ref(_people(), filters.assignee_id, "assignee_id")
    if filters.mine:
        assignee = _me(user) or Person(pk=0)
    return selectors.return_visits_for(
        user=user,
        status=filters.status,
        due=filters.due,
        assignee=assignee,
        customer=_ref(scope_queryset(Customer.objects.all(), user), filters.customer_id, "customer_id"),
    )


@router.post(
    "/return-visits/{visit_id}/record",
    response={200: VisitOut, **ERRORS},
    tags=["Return visits"],
    summary="Record the call (an activity on the customer's timeline), with the customer's scores",
)
def record_visit(request, visit_id: int, payload: VisitRecordIn):
    visit = services.return_visit_record(
        actor=request.auth, visit=_visit(request, visit_id), **payload.dict()
    )
    return _visit(request, visit.pk)


@router.post(
    "/return-visits/{visit_id}/reschedule", response={200: VisitOut, **ERRORS}, tags=["Return visits"]
)
def reschedule_visit(request, visit_id: int, payload: VisitRescheduleIn):
    assignee = _ref(_people(), payload.assignee_id, "assignee_id")
    with _api_field_names():
        services.return_visit_reschedule(
            actor=request.auth, visit=_visit(request, visit_id), due_date=payload.due_date, assignee=assignee
        )
    return _visit(request, visit_id)


# -- satisfaction ------------------------------------------------------------------------------


@router.get("/ratings", response={200: list[RatingOut], **ERRORS}, tags=["Satisfaction"])
@paginate(Pagination)
def list_ratings(request, filters: Query[RatingFilter]):
    user = request.auth
    ticket = None
    if filters.ticket_id is not None:
        ticket = _ref(scope_queryset(Ticket.objects.all(), user), filters.ticket_id, "ticket_id")
    return selectors.ratings_for(
        user=user,
        answered=filters.answered,
        customer_id=filters.customer_id,
        product_id=filters.product_id,
        agent_id=filters.agent_id,
        rep_id=filters.rep_id,
        ticket=ticket,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )


@router.get(
    "/satisfaction",
    response={200: SatisfactionOut, **ERRORS},
    tags=["Satisfaction"],
    summary="Answered ratings per customer, product, agent or rep: count, average CSAT, NPS",
)
def satisfaction_report(
    request,
    group_by: Literal["customer", "product", "agent", "rep"] = "agent",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
):
    return selectors.satisfaction(user=request.auth, group_by=group_by, date_from=date_from, date_to=date_to)


# -- the customer's public endpoints (no authentication) -----------------------------------------


def _token(token: str) -> str:
    if not token or len(token) > TOKEN_MAX:
        raise Http404
    return token


@router.post(
    "/public/service/{token}/tickets",
    response={201: PublicTicketOut, **PUBLIC_ERRORS},
    auth=None,
    tags=["Tickets"],
    summary="Public: the customer reports a problem through their service link",
)
def public_open_ticket(request, token: str, payload: PublicTicketIn):
    token = _token(token)
    data = payload.dict()
    data["product"] = _ref(Product.objects.all(), data.pop("product_id"), "product_id")
    with _api_field_names():
        ticket = services.ticket_open_public(token=token, **data)
    return Status(201, ticket)


def _public_rating(token: str) -> Rating:
    rating = Rating.objects.filter(token=_token(token)).select_related("customer", "ticket").first()
    if rating is None:
        raise Http404
    return rating


@router.get(
    "/public/ratings/{token}",
    response={200: PublicRatingOut, **PUBLIC_ERRORS},
    auth=None,
    tags=["Satisfaction"],
    summary="Public: whether a rating link is still open",
)
def public_rating(request, token: str):
    from django.utils import timezone

    rating = _public_rating(token)
    state = (
        "answered" if rating.answered_at else ("expired" if rating.expires_at < timezone.now() else "open")
    )
    return {
        "state": state,
        "customer_name": rating.customer.name,
        "ticket_number": rating.ticket.number if rating.ticket_id else None,
        "expires_at": rating.expires_at,
    }


@router.post(
    "/public/ratings/{token}",
    response={200: PublicRatingOut, **PUBLIC_ERRORS},
    auth=None,
    tags=["Satisfaction"],
    summary="Public: the customer answers (once, before the link expires)",
)
def public_rate(request, token: str, payload: PublicRatingIn):
    _public_rating(token)
    rating = services.rating_answer(token=token, csat=payload.csat, nps=payload.nps, comment=payload.comment)
    return {
        "state": "answered",
        "customer_name": rating.customer.name,
        "ticket_number": rating.ticket.number if rating.ticket_id else None,
        "expires_at": rating.expires_at,
    }
