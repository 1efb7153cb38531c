"""REST endpoints for quotes, discount approvals, sales orders, fulfilment and payment collection
(R3.6, R3.9). Thin: parse, call the same services and selectors as the pages, shape the answer,
so authority, completeness and scope hold here exactly as they do there.

Money leaves as a decimal string beside its ISO-4217 currency ("9250.00", "CNY"), never a float.
Lines are numbered from 1 in every error (``lines.2.unit_price``), whether a type check or a
business rule refuses them.
"""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal

import pydantic
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salescore.core.api import MAX_ID, MAX_OFFSET, ErrorOut, Pagination, _validation_message, paginate
from salescore.core.api import reference as _ref
from salescore.core.api_rows import only_related
from salescore.core.errors import ApplicationError
from salescore.core.pagination import COUNT_CAP, capped_count
from salescore.core.permissions import get_in_scope, scope_queryset
from salescore.customers.models import Contact, Customer
from salescore.orders import selectors, services
from salescore.orders.models import (
    Approval,
    Order,
    OrderLine,
    Payment,
    PaymentTerms,
    Quote,
    QuoteLine,
    Shipment,
    ShipmentLine,
)
from salescore.org.models import Person
from salescore.pipeline.models import Opportunity

quotes_router = Router(tags=["Quotes"])
orders_router = Router(tags=["Orders"])
payments_router = Router(tags=["Payments"])
router = Router()
router.add_router("/", quotes_router)
router.add_router("/", orders_router)
router.add_router("/", payments_router)

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# In: a JSON string ("12500.50", exact) or a number; out: always a string.
AmountIn = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
PositiveAmount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
TaxRate = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="The version you loaded; a stale one gives 409.")
]
# The service names model fields; the API sends ids.
_API_FIELD_NAMES = {"contact": "contact_id", "owner": "owner_id", "customer": "customer_id"}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


@contextmanager
def _api_field_names(**extra: str):
    names = {**_API_FIELD_NAMES, **extra}
    try:
        yield
    except ApplicationError as exc:
        exc.fields = {names.get(k, k): v for k, v in exc.fields.items()}
        raise


# -- lines ---------------------------------------------------------------------------------------


class LineIn(Schema):
    """One line: the product and quantity, and a discount (percent off list) or a unit price
    (a given unit price wins). Unknown keys are refused."""

    model_config = pydantic.ConfigDict(extra="forbid")

    product_id: Id
    quantity: Quantity
    discount: Percent | None = None
    unit_price: AmountIn | None = None
    tax_rate: TaxRate | None = Field(None, description="Defaults to the company's rate (13%)")
    description: str = Field("", max_length=300)


LINES_DOC = (
    "Up to 200 lines, each {product_id, quantity, discount | unit_price, tax_rate?, description?}. "
    "Errors name the line from 1: lines.2.unit_price."
)
LinesIn = Annotated[list[dict[str, Any]], Field(min_length=1, max_length=200, description=LINES_DOC)]
_LINE_ADAPTER = pydantic.TypeAdapter(LineIn)


def _lines(raw: list[dict[str, Any]]) -> list[dict]:
    """Type-check every line, naming each bad field from 1 as the services do."""
    errors: dict[str, str] = {}
    lines = []
    for index, item in enumerate(raw, start=1):
        try:
            line = _LINE_ADAPTER.validate_python(item)
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                name = ".".join(str(part) for part in ("lines", index, *error["loc"]))
                errors.setdefault(name, _validation_message(error))
            continue
        lines.append(
            {
                "product": line.product_id,
                "quantity": line.quantity,
                "discount": line.discount,
                "unit_price": line.unit_price,
                "tax_rate": line.tax_rate,
                "description": line.description,
            }
        )
    if errors:
        raise ApplicationError(
            _("Some lines are not valid: %(lines)s.") % {"lines": ", ".join(errors)},
            code="invalid_lines",
            fields=errors,
            status=422,
        )
    return lines


class LineOut(Schema):
    id: int
    product_id: int
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.display_name")
    description: str
    quantity: str
    unit: str
    list_price: str
    discount: str = Field(..., description="Percent off the list price")
    unit_price: str
    tax_rate: str
    net_amount: str
    tax_amount: str
    total: str

    @staticmethod
    def resolve_quantity(obj) -> str:
        return _plain(obj.quantity)

    @staticmethod
    def resolve_discount(obj) -> str:
        return _plain(obj.discount)

    @staticmethod
    def resolve_tax_rate(obj) -> str:
        return _plain(obj.tax_rate)

    @staticmethod
    def resolve_list_price(obj) -> str:
        return _money(obj.list_price)

    @staticmethod
    def resolve_unit_price(obj) -> str:
        return _money(obj.unit_price)

    @staticmethod
    def resolve_net_amount(obj) -> str:
        return _money(obj.net_amount)

    @staticmethod
    def resolve_tax_amount(obj) -> str:
        return _money(obj.tax_amount)

    @staticmethod
    def resolve_total(obj) -> str:
        return _money(obj.total)


class OrderLineOut(LineOut):
    shipped_quantity: str

    @staticmethod
    def resolve_shipped_quantity(obj) -> str:
        return _plain(obj.shipped_quantity)


class TotalsOut(Schema):
    currency: str
    list_total: str
    discount_total: str
    net_total: str
    tax_total: str
    total: str

    @staticmethod
    def resolve_list_total(obj) -> str:
        return _money(obj.list_total)

    @staticmethod
    def resolve_discount_total(obj) -> str:
        return _money(obj.discount_total)

    @staticmethod
    def resolve_net_total(obj) -> str:
        return _money(obj.net_total)

    @staticmethod
    def resolve_tax_total(obj) -> str:
        return _money(obj.tax_total)

    @staticmethod
    def resolve_total(obj) -> str:
        return _money(obj.total)


# -- quotes: schemas -----------------------------------------------------------------------------


class QuoteBrief(TotalsOut):
    id: int
    number: str
    revision: int
    status: Quote.Status
    opportunity_id: int
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    owner_id: int
    owner_name: str = Field(..., alias="owner.display_name")
    contact_id: int | None
    valid_until: dt.date | None
    max_discount: str
    below_floor: bool
    required_level: str
    approved_at: dt.datetime | None
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_max_discount(obj) -> str:
        return _plain(obj.max_discount)


class ApprovalOut(Schema):
    id: int
    quote_id: int
    status: Approval.Status
    required_level: str
    approver_id: int | None
    requested_by_id: int
    requested_at: dt.datetime
    reason: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    comment: str


class QuoteOut(QuoteBrief):
    previous_id: int | None
    terms: str
    notes: str
    approved_by_id: int | None
    decided_at: dt.datetime | None
    created_at: dt.datetime
    lines: list[LineOut]
    approvals: list[ApprovalOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_approvals(obj) -> list:
        return list(obj.approvals.all())


class QuoteFilter(Schema):
    status: Quote.Status | None = None
    q: str | None = Field(None, max_length=100, description="Quote number or customer name")
    owner_id: Id | None = None
    customer_id: Id | None = None
    opportunity_id: Id | None = None
    order: Literal[tuple(selectors.QUOTE_ORDERINGS)] = "-updated"  # type: ignore[valid-type]


class QuoteIn(Schema):
    opportunity_id: Id
    contact_id: Id | None = Field(None, description="Defaults to the opportunity's first contact")
    valid_until: dt.date | None = Field(None, description="Defaults to today + the company's validity")
    terms: str = Field("", max_length=5000)
    notes: str = Field("", max_length=5000)
    lines: LinesIn | None = Field(None, description="Defaults to the opportunity's accepted products")


class QuotePatch(Schema):
    """Send only what changes; lines change through PUT /quotes/{id}/lines."""

    version: Version
    contact_id: Id | None = None
    valid_until: dt.date | None = None
    terms: str | None = Field(None, max_length=5000)
    notes: str | None = Field(None, max_length=5000)


class LinesPut(Schema):
    version: Version | None = None
    lines: LinesIn


class SubmitQuoteIn(Schema):
    reason: str = Field("", max_length=2000, description="Why the discount (shown to the approver)")
    version: Version | None = None


class MarkIn(Schema):
    step: Literal["send", "accept", "decline"]
    note: str = Field("", max_length=1000)


class DuplicateIn(Schema):
    opportunity_id: Id | None = Field(None, description="Quote another opportunity; default the same one")


class DecideIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000, description="Required to reject")


class ApprovalQueueOut(ApprovalOut):
    quote: QuoteBrief


# -- quotes: endpoints ---------------------------------------------------------------------------


def _quote(request, pk: int) -> Quote:
    return selectors.quote_get_for_user(user=request.auth, pk=pk)


def _quote_out(request, pk: int) -> Quote:
    quote = _quote(request, pk)
    return (
        Quote.objects.select_related("customer", "owner")
        .prefetch_related(
            Prefetch("lines", QuoteLine.objects.select_related("product")),
            Prefetch("approvals", Approval.objects.order_by("requested_at", "id")),
        )
        .get(pk=quote.pk)
    )


def _customers(user):
    return scope_queryset(Customer.objects.all(), user)


def _opportunities(user):
    return scope_queryset(Opportunity.objects.all(), user)


def _contact(pk):
    return _ref(Contact.objects.all(), pk, "contact_id")


@quotes_router.get("/quotes", response={200: list[QuoteBrief], **ERRORS}, summary="Quotes in your scope")
@paginate(Pagination)
def list_quotes(request, filters: Query[QuoteFilter]):
    user = request.auth
    return selectors.quotes_for(
        user,
        status=filters.status,
        q=filters.q,
        owner=_ref(Person.all_objects.all(), filters.owner_id, "owner_id"),
        customer=_ref(_customers(user), filters.customer_id, "customer_id"),
        opportunity=_ref(_opportunities(user), filters.opportunity_id, "opportunity_id"),
        order=filters.order,
    )


@quotes_router.get("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS})
def get_quote(request, quote_id: int):
    return _quote_out(request, quote_id)


@quotes_router.post(
    "/quotes", response={201: QuoteOut, **ERRORS}, summary="Quote an opportunity (its products by default)"
)
def create_quote(request, payload: QuoteIn):
    user = request.auth
    opportunity = _ref(_opportunities(user), payload.opportunity_id, "opportunity_id")
    lines = _lines(payload.lines) if payload.lines is not None else None
    with _api_field_names():
        quote = services.quote_create(
            actor=user,
            opportunity=opportunity,
            lines=lines,
            contact=_contact(payload.contact_id),
            valid_until=payload.valid_until,
            terms=payload.terms,
            notes=payload.notes,
        )
    return Status(201, _quote_out(request, quote.pk))


@quotes_router.patch("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS})
def update_quote(request, quote_id: int, payload: QuotePatch):
    quote = _quote(request, quote_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if "contact_id" in data:
        data["contact"] = _contact(data.pop("contact_id"))
    for key in ("terms", "notes"):
        if key in data:
            data[key] = data[key] or ""
    with _api_field_names():
        services.quote_update(actor=request.auth, quote=quote, version=version, **data)
    return _quote_out(request, quote.pk)


@quotes_router.put(
    "/quotes/{quote_id}/lines",
    response={200: QuoteOut, **ERRORS},
    summary="Replace the lines of a draft or rejected quote",
)
def set_quote_lines(request, quote_id: int, payload: LinesPut):
    quote = _quote(request, quote_id)
    services.quote_set_lines(
        actor=request.auth, quote=quote, lines=_lines(payload.lines), version=payload.version
    )
    return _quote_out(request, quote.pk)


@quotes_router.post(
    "/quotes/{quote_id}/submit",
    response={200: QuoteOut, **ERRORS},
    summary="Issue the quote, or ask the manager whose authority covers its discounts",
)
def submit_quote(request, quote_id: int, payload: SubmitQuoteIn):
    quote = _quote(request, quote_id)
    services.quote_submit(actor=request.auth, quote=quote, reason=payload.reason, version=payload.version)
    return _quote_out(request, quote.pk)


@quotes_router.post("/quotes/{quote_id}/withdraw", response={200: QuoteOut, **ERRORS})
def withdraw_quote(request, quote_id: int):
    services.quote_withdraw(actor=request.auth, quote=_quote(request, quote_id))
    return _quote_out(request, quote_id)


@quotes_router.post(
    "/quotes/{quote_id}/mark",
    response={200: QuoteOut, **ERRORS},
    summary="Record that the quote was sent, accepted or declined",
)
def mark_quote(request, quote_id: int, payload: MarkIn):
    services.quote_mark(
        actor=request.auth, quote=_quote(request, quote_id), step=payload.step, note=payload.note
    )
    return _quote_out(request, quote_id)


@quotes_router.post(
    "/quotes/{quote_id}/revise",
    response={201: QuoteOut, **ERRORS},
    summary="A new revision in draft; this one becomes superseded",
)
def revise_quote(request, quote_id: int):
    revision = services.quote_revise(actor=request.auth, quote=_quote(request, quote_id))
    return Status(201, _quote_out(request, revision.pk))


@quotes_router.post(
    "/quotes/{quote_id}/duplicate",
    response={201: QuoteOut, **ERRORS},
    summary="A new quote with the same lines (never the approval)",
)
def duplicate_quote(request, quote_id: int, payload: DuplicateIn):
    user = request.auth
    quote = _quote(request, quote_id)
    opportunity = _ref(_opportunities(user), payload.opportunity_id, "opportunity_id")
    copy = services.quote_duplicate(actor=user, quote=quote, opportunity=opportunity)
    return Status(201, _quote_out(request, copy.pk))


@quotes_router.delete(
    "/quotes/{quote_id}", response={204: None, **ERRORS}, summary="Move a draft to the recycle bin"
)
def delete_quote(request, quote_id: int):
    services.quote_delete(actor=request.auth, quote=_quote(request, quote_id))
    return Status(204, None)


@quotes_router.get(
    "/approvals",
    response={200: list[ApprovalQueueOut], **ERRORS},
    summary="Discount requests waiting for you, oldest first",
)
@paginate(Pagination)
def list_approvals(request):
    return selectors.approvals_for(request.auth)


@quotes_router.post(
    "/approvals/{approval_id}/decide",
    response={200: ApprovalQueueOut, **ERRORS},
    summary="Approve or reject (a comment is required to reject)",
)
def decide_approval(request, approval_id: int, payload: DecideIn):
    user = request.auth
    approval = get_in_scope(Approval.objects.all(), user, approval_id)
    services.approval_decide(actor=user, approval=approval, approve=payload.approve, comment=payload.comment)
    return Approval.objects.select_related("quote", "quote__customer", "quote__owner").get(pk=approval.pk)


# -- orders: schemas -----------------------------------------------------------------------------


class OrderBrief(TotalsOut):
    id: int
    number: str | None = Field(..., description="Given on submit: SO-<year>-<6 digits>")
    status: Order.Status
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    owner_id: int
    owner_name: str = Field(..., alias="owner.display_name")
    quote_id: int | None
    opportunity_id: int | None
    order_date: dt.date | None
    promised_date: dt.date | None
    delivery: str = Field(..., description="'late', 'at_risk' or ''")
    payment_terms: str
    customer_po: str
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_delivery(obj) -> str:
        return getattr(obj, "delivery", "") or ""


class ShipmentLineOut(Schema):
    order_line_id: int
    quantity: str

    @staticmethod
    def resolve_quantity(obj) -> str:
        return _plain(obj.quantity)


class ShipmentOut(Schema):
    id: int
    shipped_on: dt.date
    delivered_on: dt.date | None
    carrier: str
    tracking_no: str
    notes: str
    lines: list[ShipmentLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class InstalmentOut(Schema):
    id: int
    seq: int
    due_date: dt.date
    amount: str
    received: str
    outstanding: str
    currency: str

    @staticmethod
    def resolve_amount(obj) -> str:
        return _money(obj.amount)

    @staticmethod
    def resolve_received(obj) -> str:
        return _money(obj.received)

    @staticmethod
    def resolve_outstanding(obj) -> str:
        return _money(obj.outstanding)


class PaymentOut(Schema):
    id: int
    received_on: dt.date
    amount: str
    currency: str
    method: Payment.Method
    reference: str
    notes: str

    @staticmethod
    def resolve_amount(obj) -> str:
        return _money(obj.amount)


class MoneyOut(Schema):
    planned: str
    received: str
    outstanding: str
    overdue: str


class OrderOut(OrderBrief):
    contact_id: int | None
    delivery_address: str
    notes: str
    submitted_at: dt.datetime | None
    confirmed_at: dt.datetime | None
    shipped_at: dt.datetime | None
    delivered_date: dt.date | None
    closed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str
    created_at: dt.datetime
    lines: list[OrderLineOut]
    shipments: list[ShipmentOut]
    instalments: list[InstalmentOut]
    payments: list[PaymentOut]
    money: MoneyOut
    problems: dict[str, str] = Field(
        ..., description="What stops a draft from being submitted, by field; empty once submitted"
    )


class OrderFilter(Schema):
    status: Order.Status | None = None
    q: str | None = Field(None, max_length=100, description="Order number, customer or customer's PO")
    owner_id: Id | None = None
    customer_id: Id | None = None
    delivery: Literal["late", "at_risk"] | None = Field(None, description="Late, or at risk of being late")
    owing: bool = Field(False, description="Only orders with money still to collect")
    order: Literal[tuple(selectors.ORDER_ORDERINGS)] = "-updated"  # type: ignore[valid-type]


class OrderFields(Schema):
    contact_id: Id | None = None
    order_date: dt.date | None = None
    delivery_address: str | None = Field(None, max_length=300)
    promised_date: dt.date | None = None
    payment_terms: PaymentTerms | None = None
    customer_po: str | None = Field(None, max_length=60)
    notes: str | None = Field(None, max_length=5000)


class OrderIn(OrderFields):
    customer_id: Id
    owner_id: Id | None = Field(None, description="Defaults to the customer's owner")
    lines: LinesIn


class OrderPatch(OrderFields):
    """Send only what changes. A draft takes every field; a submitted order until it ships only
    contact, address, promised date, PO and notes; later only notes."""

    version: Version


class FromQuoteIn(OrderFields):
    pass


class CancelIn(Schema):
    reason: str = Field(..., max_length=2000)


class VersionIn(Schema):
    version: Version | None = None


class ShipLineIn(Schema):
    line_id: Id
    quantity: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]


class ShipmentIn(Schema):
    lines: list[ShipLineIn] = Field(..., min_length=1, max_length=200)
    shipped_on: dt.date | None = Field(None, description="Defaults to today")
    carrier: str = Field("", max_length=60)
    tracking_no: str = Field("", max_length=60)
    notes: str = Field("", max_length=300)


class DeliverIn(Schema):
    delivered_on: dt.date | None = Field(None, description="Defaults to today")


# -- orders: endpoints ---------------------------------------------------------------------------


def _order(request, pk: int) -> Order:
    return selectors.order_get_for_user(user=request.auth, pk=pk)


def _order_out(request, pk: int) -> Order:
    # One scoped read with everything the answer shows (not a scope check, then a second read).
    rows = selectors.with_delivery_flag(
        Order.objects.select_related("customer", "owner", "contact", "quote")
    ).prefetch_related(
        Prefetch("lines", OrderLine.objects.select_related("product")),
        Prefetch(
            "shipments", Shipment.objects.prefetch_related(Prefetch("lines", ShipmentLine.objects.all()))
        ),
        "instalments",
        "payments",
    )
    order = get_in_scope(rows, request.auth, pk)
    order.money = {k: _money(v) for k, v in selectors.order_money(order).items()}
    order.problems = {}
    if order.status == Order.Status.DRAFT:
        with _api_field_names():
            problems = {
                **services.order_problems(order),
                **services.pricing_problems(order, actor=request.auth),
            }
        order.problems = {_API_FIELD_NAMES.get(k, k): str(v) for k, v in problems.items()}
    return order


def _child(rows, pk: int):
    """A shipment or payment of an order already found in scope; 404 otherwise."""
    row = rows.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if row is None:
        raise Http404
    return row


def _order_fields(data: dict) -> dict:
    if "contact_id" in data:
        data["contact"] = _contact(data.pop("contact_id"))
    for key in ("delivery_address", "customer_po", "notes", "payment_terms"):
        if key in data and data[key] is None:
            data[key] = ""
    return data


@orders_router.get("/orders", response={200: list[OrderBrief], **ERRORS}, summary="Orders in your scope")
@paginate(Pagination)
def list_orders(request, filters: Query[OrderFilter]):
    user = request.auth
    rows = selectors.orders_for(
        user,
        status=filters.status,
        q=filters.q,
        owner=_ref(Person.all_objects.all(), filters.owner_id, "owner_id"),
        customer=_ref(_customers(user), filters.customer_id, "customer_id"),
        delivery=filters.delivery,
        owing=filters.owing,
        order=filters.order,
    )
    # an item names its customer and owner, and gives its quote's id only
    rows = rows.select_related(None).select_related("customer", "owner")
    return only_related(rows, customer=["name"], owner=["name", "name_en"])


@orders_router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS})
def get_order(request, order_id: int):
    return _order_out(request, order_id)


@orders_router.post("/orders", response={201: OrderOut, **ERRORS}, summary="Enter a draft order directly")
def create_order(request, payload: OrderIn):
    user = request.auth
    data = payload.dict(exclude_unset=True)
    customer = _ref(_customers(user), data.pop("customer_id"), "customer_id")
    owner = _ref(Person.objects.all(), data.pop("owner_id", None), "owner_id")
    lines = _lines(data.pop("lines"))
    with _api_field_names():
        order = services.order_create(
            actor=user, customer=customer, owner=owner, lines=lines, **_order_fields(data)
        )
    return Status(201, _order_out(request, order.pk))


@orders_router.post(
    "/quotes/{quote_id}/order",
    response={201: OrderOut, **ERRORS},
    summary="The customer accepted the approved quote: a draft order with its lines",
)
def order_from_quote(request, quote_id: int, payload: FromQuoteIn):
    quote = _quote(request, quote_id)
    data = _order_fields(payload.dict(exclude_unset=True))
    with _api_field_names():
        order = services.order_from_quote(actor=request.auth, quote=quote, **data)
    return Status(201, _order_out(request, order.pk))


@orders_router.patch("/orders/{order_id}", response={200: OrderOut, **ERRORS})
def update_order(request, order_id: int, payload: OrderPatch):
    order = _order(request, order_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    with _api_field_names():
        services.order_update(actor=request.auth, order=order, version=version, **_order_fields(data))
    return _order_out(request, order.pk)


@orders_router.put(
    "/orders/{order_id}/lines", response={200: OrderOut, **ERRORS}, summary="Replace a draft order's lines"
)
def set_order_lines(request, order_id: int, payload: LinesPut):
    order = _order(request, order_id)
    services.order_set_lines(
        actor=request.auth, order=order, lines=_lines(payload.lines), version=payload.version
    )
    return _order_out(request, order.pk)


@orders_router.post(
    "/orders/{order_id}/submit",
    response={200: OrderOut, **ERRORS},
    summary="Number and submit; refused naming every missing field (incomplete) or line (discount_authority)",
)
def submit_order(request, order_id: int, payload: VersionIn):
    with _api_field_names():
        services.order_submit(actor=request.auth, order=_order(request, order_id), version=payload.version)
    return _order_out(request, order_id)


@orders_router.post("/orders/{order_id}/confirm", response={200: OrderOut, **ERRORS})
def confirm_order(request, order_id: int, payload: VersionIn):
    services.order_confirm(actor=request.auth, order=_order(request, order_id), version=payload.version)
    return _order_out(request, order_id)


@orders_router.post("/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS})
def cancel_order(request, order_id: int, payload: CancelIn):
    services.order_cancel(actor=request.auth, order=_order(request, order_id), reason=payload.reason)
    return _order_out(request, order_id)


@orders_router.post(
    "/orders/{order_id}/close", response={200: OrderOut, **ERRORS}, summary="Close a delivered, paid order"
)
def close_order(request, order_id: int):
    services.order_close(actor=request.auth, order=_order(request, order_id))
    return _order_out(request, order_id)


@orders_router.delete(
    "/orders/{order_id}", response={204: None, **ERRORS}, summary="Move a draft to the recycle bin"
)
def delete_order(request, order_id: int):
    services.order_delete(actor=request.auth, order=_order(request, order_id))
    return Status(204, None)


@orders_router.post(
    "/orders/{order_id}/shipments",
    response={201: ShipmentOut, **ERRORS},
    summary="Ship some or all of the open quantities",
)
def record_shipment(request, order_id: int, payload: ShipmentIn):
    order = _order(request, order_id)
    quantities: dict[int, Decimal] = {}
    for line in payload.lines:
        quantities[line.line_id] = quantities.get(line.line_id, Decimal(0)) + line.quantity
    # The service names a line by its id; the request by its place in the list.
    places = {f"quantities.{line.line_id}": f"lines.{n}.quantity" for n, line in enumerate(payload.lines, 1)}
    with _api_field_names(**places, quantities="lines"):
        shipment = services.shipment_record(
            actor=request.auth,
            order=order,
            quantities=quantities,
            shipped_on=payload.shipped_on,
            carrier=payload.carrier,
            tracking_no=payload.tracking_no,
            notes=payload.notes,
        )
    return Status(201, Shipment.objects.prefetch_related("lines").get(pk=shipment.pk))


@orders_router.post(
    "/orders/{order_id}/shipments/{shipment_id}/deliver",
    response={200: ShipmentOut, **ERRORS},
    summary="The customer received the shipment",
)
def deliver_shipment(request, order_id: int, shipment_id: int, payload: DeliverIn):
    order = _order(request, order_id)
    shipment = _child(Shipment.objects.filter(order=order), shipment_id)
    services.shipment_deliver(actor=request.auth, shipment=shipment, delivered_on=payload.delivered_on)
    return Shipment.objects.prefetch_related("lines").get(pk=shipment.pk)


# -- payments ------------------------------------------------------------------------------------


class InstalmentIn(Schema):
    due_date: dt.date
    amount: PositiveAmount


class PlanIn(Schema):
    instalments: list[InstalmentIn] = Field(..., min_length=1, max_length=120)


class PaymentIn(Schema):
    amount: PositiveAmount
    received_on: dt.date | None = Field(None, description="Defaults to today; never in the future")
    method: Payment.Method = Payment.Method.BANK_TRANSFER
    reference: str = Field("", max_length=60)
    notes: str = Field("", max_length=300)


class ReverseIn(Schema):
    reason: str = Field(..., max_length=250)


class ReceivableTotalOut(Schema):
    currency: str
    outstanding: str
    overdue: str

    @staticmethod
    def resolve_outstanding(obj) -> str:
        return _money(obj["outstanding"])

    @staticmethod
    def resolve_overdue(obj) -> str:
        return _money(obj["overdue"])


class ReceivableOut(ReceivableTotalOut):
    """One customer's, owner's or team's receivables: the totals' figures plus who and how many."""

    id: int | None
    name: str | None
    orders: int

    @staticmethod
    def resolve_id(obj) -> int | None:
        return obj["who_id"]

    @staticmethod
    def resolve_name(obj) -> str | None:
        return obj["who"]


class ReceivablesOut(Schema):
    group_by: str
    rows: list[ReceivableOut]
    count: int = Field(description="How many rows there are (counted up to 10,000 past this page)")
    count_exact: bool
    totals: list[ReceivableTotalOut]


@payments_router.put(
    "/orders/{order_id}/plan",
    response={200: list[InstalmentOut], **ERRORS},
    summary="Replace the payment plan; the instalments must add up to the order total",
)
def set_plan(request, order_id: int, payload: PlanIn):
    instalments = services.payment_plan_set(
        actor=request.auth,
        order=_order(request, order_id),
        instalments=[{"due_date": row.due_date, "amount": row.amount} for row in payload.instalments],
    )
    return instalments


@payments_router.post(
    "/orders/{order_id}/payments",
    response={201: PaymentOut, **ERRORS},
    summary="Record money received; matched to the earliest open instalments",
)
def record_payment(request, order_id: int, payload: PaymentIn):
    payment = services.payment_record(
        actor=request.auth,
        order=_order(request, order_id),
        amount=payload.amount,
        received_on=payload.received_on,
        method=payload.method,
        reference=payload.reference,
        notes=payload.notes,
    )
    return Status(201, payment)


@payments_router.post(
    "/orders/{order_id}/payments/{payment_id}/reverse",
    response={204: None, **ERRORS},
    summary="Undo a payment recorded by mistake (its matches are released)",
)
def reverse_payment(request, order_id: int, payment_id: int, payload: ReverseIn):
    order = _order(request, order_id)
    payment = _child(Payment.objects.filter(order=order), payment_id)
    services.payment_reverse(actor=request.auth, payment=payment, reason=payload.reason)
    return Status(204, None)


@payments_router.get(
    "/receivables",
    response={200: ReceivablesOut, **ERRORS},
    summary="Money still to collect (and overdue) per customer, owner or team, in your scope",
)
def receivables(
    request,
    group_by: Literal["customer", "owner", "team"] = "customer",
    limit: int = Query(100, ge=1, le=100, description="How many rows (1-100), largest first"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="How many rows to skip"),
):
    user = request.auth
    rows = selectors.receivables(user, group_by=group_by)
    count, exact = capped_count(rows, cap=offset + limit + COUNT_CAP)
    return {
        "group_by": group_by,
        "rows": selectors.receivables_named(rows[offset : offset + limit], group_by=group_by),
        "count": count,
        "count_exact": exact,
        "totals": selectors.receivables_totals(user),
    }


# -- sales credit (R2.1: a shared deal counts toward each person's target by their share) -------


class CreditIn(Schema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    share: Decimal = Field(..., gt=0, le=100, max_digits=5, decimal_places=2)


class CreditsIn(Schema):
    shares: list[CreditIn] = Field(..., max_length=20, description="empty: the owner gets the whole order")


class CreditOut(Schema):
    person_id: int
    person_name: str = Field(..., alias="person.name")
    share: Decimal


@orders_router.put(
    "/orders/{order_id}/credits",
    response={200: list[CreditOut], **ERRORS},
    summary="Split the order's sales credit (shares add up to 100)",
)
def set_credits(request, order_id: int, payload: CreditsIn):
    order = _order(request, order_id)
    people = {p.pk: p for p in Person.objects.filter(pk__in=[row.person_id for row in payload.shares])}
    missing = [row.person_id for row in payload.shares if row.person_id not in people]
    if missing:
        raise ApplicationError(
            _("There is no person #%(pk)s.") % {"pk": missing[0]},
            code="invalid_reference",
            fields={"shares": _("No person with this id.")},
        )
    services.order_credits_set(
        actor=request.auth, order=order, shares=[(people[row.person_id], row.share) for row in payload.shares]
    )
    return list(order.credits.select_related("person"))
