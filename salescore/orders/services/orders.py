"""Sales orders (R3.6): complete and correct before submit, numbered gap-free on submit, each
status change announced at once to the departments the routing table names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.i18n import join_clauses
from salescore.core.models import AuditAction, audit_event
from salescore.core.permissions import Cap, access_for, get_in_scope
from salescore.core.sequences import next_number
from salescore.core.services import check_version, model_update, validate_fields
from salescore.customers.models import Customer
from salescore.orders import routing
from salescore.orders.authority import Approver, rank, requirement
from salescore.orders.models import (
    UNDELIVERED,
    Instalment,
    Order,
    OrderLine,
    PaymentTerms,
    Quote,
    Route,
    Shipment,
    ShipmentLine,
)
from salescore.orders.services.lines import (
    apply_totals,
    build_rows,
    copy_rows,
    lines_summary,
    parse_lines,
    pricing_date,
)
from salescore.org.models import Person

ORDER_FIELDS = {
    "contact",
    "order_date",
    "delivery_address",
    "promised_date",
    "payment_terms",
    "customer_po",
    "notes",
}
# What may still change once an order is submitted, until it ships.
OPEN_ORDER_FIELDS = {"contact", "delivery_address", "promised_date", "customer_po", "notes"}
OPEN_STATUSES = (Order.Status.SUBMITTED, Order.Status.CONFIRMED, Order.Status.IN_FULFILMENT)
TERM_DAYS = {PaymentTerms.NET_30: 30, PaymentTerms.NET_60: 60, PaymentTerms.NET_90: 90}


def _sentences(messages) -> str:
    """Several field messages as one sentence: "a; b" (their own full stops dropped)."""
    return join_clauses(str(m).rstrip(".。") for m in messages)


def _require_any(actor, *capabilities):
    access = access_for(actor)
    if not any(access.can(cap) for cap in capabilities):
        raise PermissionDeniedError(_("Your position does not allow this action."), code="permission_denied")
    return access


def get_order(actor, order, *, lock: bool = False) -> Order:
    queryset = Order.objects.select_related("customer", "owner", "quote")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return get_in_scope(queryset, actor, order.pk)


def _check_contact(customer, contact) -> None:
    if contact is not None and (contact.customer_id != customer.pk or contact.is_deleted):
        raise ApplicationError(
            _("%(name)s is not a contact of %(customer)s.") % {"name": contact, "customer": customer},
            code="invalid",
            fields={"contact": _("Choose one of the customer's contacts.")},
        )


def _audit_lines(order: Order, old: list[str], rows, actor) -> None:
    audit_event(
        obj=order,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={"lines": {"old": old, "new": lines_summary(rows)}},
    )


def _check_fields(fields: dict, allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set here: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )


@transaction.atomic
def order_create(
    *, actor: User, customer: Customer, lines: list[dict], owner: Person | None = None, **fields
) -> Order:
    """A draft order entered directly (Sales Support, or a rep without a quote)."""
    access = _require_any(actor, Cap.ORDERS_PROCESS, Cap.QUOTES_WORK)
    customer = get_in_scope(Customer.objects.select_related("owner"), actor, customer.pk)
    _check_fields(fields, ORDER_FIELDS)
    if owner is None:
        owner = customer.owner if customer.owner_id else Person.objects.filter(pk=access.person_id).first()
    if owner is None:
        raise ApplicationError(
            _("Choose the owner."), code="required", fields={"owner": _("This field is required.")}
        )
    if not access.can(Cap.ORDERS_PROCESS):
        # A rep books orders for themselves (or, as a manager, for their people); the desk for anyone.
        get_in_scope(Person.all_objects.all(), actor, owner.pk)
    _check_contact(customer, fields.get("contact"))
    fields.setdefault("delivery_address", customer.address)
    order = Order(customer=customer, owner=owner, currency="CNY", **fields)
    validate_fields(order, [name for name in fields if name != "contact"])
    parsed = parse_lines(lines, currency=order.currency, customer=customer, on=pricing_date(order))
    order.save(actor=actor)
    rows = OrderLine.objects.bulk_create(build_rows(OrderLine, parsed, order=order))
    apply_totals(order, rows)
    order.save(actor=actor)
    _audit_lines(order, [], rows, actor)
    return order


@transaction.atomic
def order_from_quote(*, actor: User, quote: Quote, **fields) -> Order:
    """The customer's acceptance of an approved quote becomes a draft order with its lines."""
    _require_any(actor, Cap.ORDERS_PROCESS, Cap.QUOTES_WORK)
    quote = get_in_scope(
        Quote.objects.select_for_update(of=("self",)).select_related("customer", "opportunity"),
        actor,
        quote.pk,
    )
    _check_fields(fields, ORDER_FIELDS)
    if quote.status not in (Quote.Status.APPROVED, Quote.Status.SENT, Quote.Status.ACCEPTED):
        raise ApplicationError(
            _("Quote %(quote)s is %(status)s; only an approved quote can become an order.")
            % {"quote": quote, "status": quote.get_status_display()},
            code="invalid_status",
        )
    if quote.orders.exclude(status=Order.Status.CANCELLED).exists():
        raise ApplicationError(_("This quote already has an order."), code="duplicate")
    if quote.status != Quote.Status.ACCEPTED:
        from salescore.orders.services.quotes import quote_mark

        quote = quote_mark(actor=actor, quote=quote, step="accept")
    _check_contact(quote.customer, fields.get("contact"))
    fields.setdefault("contact", quote.contact)
    fields.setdefault("delivery_address", quote.customer.address)
    order = Order(
        customer=quote.customer,
        owner=quote.owner,
        quote=quote,
        opportunity=quote.opportunity,
        currency=quote.currency,
        **fields,
    )
    validate_fields(order, [name for name in fields if name != "contact"])
    order.save(actor=actor)
    rows = OrderLine.objects.bulk_create(
        copy_rows(OrderLine, quote.lines.select_related("product"), order=order)
    )
    apply_totals(order, rows)
    order.save(actor=actor)
    _audit_lines(order, [], rows, actor)
    return order


@transaction.atomic
def order_update(*, actor: User, order: Order, version: int | None = None, **fields) -> Order:
    _require_any(actor, Cap.ORDERS_PROCESS, Cap.QUOTES_WORK)
    order = get_order(actor, order, lock=True)
    check_version(order, version)
    if order.status == Order.Status.DRAFT:
        _check_fields(fields, ORDER_FIELDS)
    elif order.status in OPEN_STATUSES:
        _check_fields(fields, OPEN_ORDER_FIELDS)
    else:
        _check_fields(fields, {"notes"})
    if "contact" in fields:
        _check_contact(order.customer, fields["contact"])
    model_update(instance=order, data=fields, actor=actor)
    return order


@transaction.atomic
def order_set_lines(*, actor: User, order: Order, lines: list[dict], version: int | None = None) -> Order:
    _require_any(actor, Cap.ORDERS_PROCESS, Cap.QUOTES_WORK)
    order = get_order(actor, order, lock=True)
    check_version(order, version)
    if order.status != Order.Status.DRAFT:
        raise ApplicationError(
            _("Order %(order)s is %(status)s; its lines can no longer change.")
            % {"order": order, "status": order.get_status_display()},
            code="not_editable",
        )
    parsed = parse_lines(lines, currency=order.currency, customer=order.customer, on=pricing_date(order))
    old = lines_summary(order.lines.select_related("product"))
    OrderLine.objects.filter(order=order).delete()
    rows = OrderLine.objects.bulk_create(build_rows(OrderLine, parsed, order=order))
    apply_totals(order, rows)
    order.save(actor=actor)
    _audit_lines(order, old, rows, actor)
    return order


def order_problems(order: Order, *, today: dt.date | None = None) -> dict[str, str]:
    """Everything that stops ``order`` from being submitted, by field (R3.6 complete and correct)."""
    today = today or timezone.localdate()
    problems: dict[str, str] = {}
    if order.customer.is_deleted:
        problems["customer"] = _("The customer was deleted.")
    if order.contact_id is None:
        problems["contact"] = _("Choose the customer's contact for this order.")
    elif order.contact.customer_id != order.customer_id or order.contact.is_deleted:
        problems["contact"] = _("The contact does not belong to this customer.")
    if not order.delivery_address.strip():
        problems["delivery_address"] = _("Enter where to deliver.")
    if order.promised_date is None:
        problems["promised_date"] = _("Enter the promised delivery date.")
    elif order.promised_date < (order.order_date or today):
        problems["promised_date"] = _("The promised date is before the order date.")
    if not order.payment_terms:
        problems["payment_terms"] = _("Choose the payment terms.")
    lines = list(order.lines.all())
    if not lines:
        problems["lines"] = _("Add at least one product.")
    elif order.total <= 0:
        problems["total"] = _("The order total must be above zero.")
    planned = order.instalments.aggregate(s=Sum("amount"))["s"]
    if order.payment_terms == PaymentTerms.INSTALMENTS and planned is None:
        problems["instalments"] = _("Set the instalment plan.")
    elif planned is not None and planned != order.total:
        problems["instalments"] = _(
            "The instalments add up to %(planned)s, the order total is %(total)s."
        ) % {
            "planned": planned,
            "total": order.total,
        }
    return problems


def pricing_problems(order: Order, *, actor) -> dict[str, str]:
    """Lines whose discount nobody on this order may grant (R3.9): the higher authority of the
    submitter and the customer's salesperson applies, or a line priced at or above its approved
    quote line."""
    lines = list(order.lines.select_related("product"))
    need = requirement(lines, tier=order.customer.tier)
    # The customer's own salesperson grants the price (the desk enters orders for them); the
    # order's owner does not count, or the desk could name a director as owner to pass any price.
    customer_owner = order.customer.owner
    authority = max(
        rank(access_for(actor).position), rank(customer_owner.position) if customer_owner is not None else -1
    )
    approved: dict[int, Decimal] = {}
    if order.quote_id and order.quote.status in (
        Quote.Status.APPROVED,
        Quote.Status.SENT,
        Quote.Status.ACCEPTED,
    ):
        for row in order.quote.lines.all():
            approved[row.product_id] = min(approved.get(row.product_id, row.unit_price), row.unit_price)
    problems = {}
    for line, line_need in zip(lines, need.lines, strict=True):
        if line_need.level is None or authority >= rank(line_need.level):
            continue
        if line.product_id in approved and line.unit_price >= approved[line.product_id]:
            continue
        problems[f"lines.{line_need.index}.unit_price"] = _(
            "%(product)s at %(discount)s%% off needs approval by the %(level)s: "
            "quote it and have the quote approved."
        ) % {
            "product": line.product,
            "discount": f"{line_need.discount:.2f}",
            "level": Approver(line_need.level).label,
        }
    return problems


def _default_plan(order: Order) -> list[Instalment]:
    base = order.order_date
    if order.payment_terms == PaymentTerms.ON_DELIVERY:
        due = order.promised_date
    elif order.payment_terms in TERM_DAYS:
        due = order.promised_date + dt.timedelta(days=TERM_DAYS[order.payment_terms])
    else:
        due = base
    return [Instalment(order=order, seq=1, due_date=due, amount=order.total, currency=order.currency)]


@transaction.atomic
def order_submit(*, actor: User, order: Order, version: int | None = None) -> Order:
    _require_any(actor, Cap.ORDERS_PROCESS, Cap.QUOTES_WORK)
    order = get_order(actor, order, lock=True)
    check_version(order, version)
    if order.status != Order.Status.DRAFT:
        raise ApplicationError(
            _("Order %(order)s was already submitted.") % {"order": order}, code="invalid_status"
        )
    problems = order_problems(order)
    if problems:
        raise ApplicationError(
            _("The order is not complete: %(fields)s.") % {"fields": _sentences(problems.values())},
            code="incomplete",
            fields=problems,
        )
    problems = pricing_problems(order, actor=actor)
    if problems:
        raise ApplicationError(
            _("Some prices are beyond your authority: %(lines)s.") % {"lines": _sentences(problems.values())},
            code="discount_authority",
            fields=problems,
        )
    today = timezone.localdate()
    order.order_date = order.order_date or today
    order.number = next_number("SO", order.order_date.year)
    order.status = Order.Status.SUBMITTED
    order.submitted_at = timezone.now()
    order.save(actor=actor)
    if not order.instalments.exists():
        Instalment.objects.bulk_create(_default_plan(order))
    routing.announce(Route.Event.SUBMITTED, order, exclude=actor)
    return order


def _move(order: Order, status: str, *, actor, event: str, **stamps) -> Order:
    order.status = status
    for name, value in stamps.items():
        setattr(order, name, value)
    order.save(actor=actor)
    routing.announce(event, order, exclude=actor)
    return order


@transaction.atomic
def order_confirm(*, actor: User, order: Order, version: int | None = None) -> Order:
    """Sales Support checks the submitted order and passes it to fulfilment."""
    _require_any(actor, Cap.ORDERS_PROCESS)
    order = get_order(actor, order, lock=True)
    check_version(order, version)
    if order.status != Order.Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted order can be confirmed."), code="invalid_status")
    return _move(
        order, Order.Status.CONFIRMED, actor=actor, event=Route.Event.CONFIRMED, confirmed_at=timezone.now()
    )


@transaction.atomic
def shipment_record(
    *,
    actor: User,
    order: Order,
    quantities: dict[int, Decimal],
    shipped_on: dt.date | None = None,
    carrier: str = "",
    tracking_no: str = "",
    notes: str = "",
) -> Shipment:
    """Ship some or all of the open quantities (partial shipments)."""
    _require_any(actor, Cap.ORDERS_FULFIL, Cap.ORDERS_PROCESS)
    order = get_order(actor, order, lock=True)
    if order.status not in (Order.Status.CONFIRMED, Order.Status.IN_FULFILMENT):
        raise ApplicationError(
            _("Order %(order)s is %(status)s; only a confirmed order can ship.")
            % {"order": order, "status": order.get_status_display()},
            code="invalid_status",
        )
    lines = {line.pk: line for line in order.lines.select_related("product")}
    errors: dict[str, str] = {}
    wanted: list[tuple[OrderLine, Decimal]] = []
    for index, (line_id, raw) in enumerate(quantities.items(), start=1):
        line = lines.get(line_id)
        try:
            quantity = Decimal(str(raw))
        except Exception:  # noqa: BLE001 - any unparsable value is the same user error
            quantity = None
        key = f"quantities.{line_id}"
        if line is None:
            errors[key] = _("Line %(n)s is not on this order.") % {"n": index}
        elif quantity is None or not quantity.is_finite() or quantity < 0:
            errors[key] = _("Enter a quantity of 0 or more.")
        elif quantity > line.quantity - line.shipped_quantity:
            errors[key] = _("%(product)s: only %(open)s left to ship.") % {
                "product": line.product,
                "open": (line.quantity - line.shipped_quantity).normalize(),
            }
        elif quantity > 0:
            wanted.append((line, quantity))
    if not errors and not wanted:
        errors["quantities"] = _("Enter the quantity shipped for at least one line.")
    if errors:
        raise ApplicationError(_("The shipment is not valid."), code="invalid", fields=errors)
    shipped_on = shipped_on or timezone.localdate()
    shipment = Shipment(
        order=order, shipped_on=shipped_on, carrier=carrier, tracking_no=tracking_no, notes=notes
    )
    validate_fields(shipment, ["carrier", "tracking_no", "notes"])
    shipment.save(actor=actor)
    ShipmentLine.objects.bulk_create(
        [ShipmentLine(shipment=shipment, order_line=line, quantity=quantity) for line, quantity in wanted]
    )
    for line, quantity in wanted:
        OrderLine.objects.filter(pk=line.pk).update(shipped_quantity=F("shipped_quantity") + quantity)
    fully = not order.lines.filter(shipped_quantity__lt=F("quantity")).exists()
    if fully:
        _move(order, Order.Status.SHIPPED, actor=actor, event=Route.Event.SHIPPED, shipped_at=timezone.now())
    elif order.status != Order.Status.IN_FULFILMENT:
        _move(order, Order.Status.IN_FULFILMENT, actor=actor, event=Route.Event.IN_FULFILMENT)
    return shipment


@transaction.atomic
def shipment_deliver(*, actor: User, shipment: Shipment, delivered_on: dt.date | None = None) -> Shipment:
    """The customer received a shipment; the order is delivered when everything arrived."""
    _require_any(actor, Cap.ORDERS_FULFIL, Cap.ORDERS_PROCESS)
    order = get_order(actor, shipment.order, lock=True)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk, order=order)
    if shipment.delivered_on is not None:
        return shipment
    delivered_on = delivered_on or timezone.localdate()
    if delivered_on < shipment.shipped_on:
        raise ApplicationError(
            _("Delivery cannot be before shipping (%(date)s).") % {"date": shipment.shipped_on},
            code="invalid",
            fields={"delivered_on": _("Choose a later date.")},
        )
    shipment.delivered_on = delivered_on
    shipment.save(actor=actor)
    if (
        order.status == Order.Status.SHIPPED
        and not order.shipments.filter(delivered_on__isnull=True).exists()
    ):
        _move(
            order,
            Order.Status.DELIVERED,
            actor=actor,
            event=Route.Event.DELIVERED,
            delivered_date=delivered_on,
        )
        _close_if_settled(order, actor=actor)
    return shipment


def outstanding(order: Order) -> Decimal:
    received = order.instalments.aggregate(s=Sum("received"))["s"] or Decimal("0.00")
    return order.total - received


def _close_if_settled(order: Order, *, actor) -> None:
    if order.status == Order.Status.DELIVERED and outstanding(order) <= 0:
        _move(order, Order.Status.CLOSED, actor=actor, event=Route.Event.CLOSED, closed_at=timezone.now())


@transaction.atomic
def order_close(*, actor: User, order: Order) -> Order:
    _require_any(actor, Cap.ORDERS_PROCESS)
    order = get_order(actor, order, lock=True)
    if order.status != Order.Status.DELIVERED:
        raise ApplicationError(_("Only a delivered order can be closed."), code="invalid_status")
    left = outstanding(order)
    if left > 0:
        raise ApplicationError(
            _("%(amount)s %(currency)s is still to be collected.")
            % {"amount": left, "currency": order.currency},
            code="unpaid",
        )
    return _move(order, Order.Status.CLOSED, actor=actor, event=Route.Event.CLOSED, closed_at=timezone.now())


@transaction.atomic
def order_cancel(*, actor: User, order: Order, reason: str) -> Order:
    _require_any(actor, Cap.ORDERS_PROCESS, Cap.QUOTES_WORK)
    order = get_order(actor, order, lock=True)
    if order.status not in (Order.Status.DRAFT, Order.Status.SUBMITTED, Order.Status.CONFIRMED):
        raise ApplicationError(
            _("Order %(order)s is %(status)s; goods have left, so it cannot be cancelled.")
            % {"order": order, "status": order.get_status_display()},
            code="invalid_status",
        )
    if order.payments.exists():
        raise ApplicationError(
            _("Payments were received on this order; reverse them before cancelling."), code="has_payments"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Say why the order is cancelled."),
            code="required",
            fields={"reason": _("A reason is required.")},
        )
    was_draft = order.status == Order.Status.DRAFT
    order.status = Order.Status.CANCELLED
    order.cancelled_at = timezone.now()
    order.cancel_reason = reason[:2000]
    order.save(actor=actor)
    if not was_draft:
        routing.announce(Route.Event.CANCELLED, order, body=reason, exclude=actor)
    return order


@transaction.atomic
def order_delete(*, actor: User, order: Order) -> None:
    _require_any(actor, Cap.ORDERS_PROCESS, Cap.QUOTES_WORK)
    order = get_order(actor, order, lock=True)
    if order.status != Order.Status.DRAFT:
        raise ApplicationError(
            _("Only a draft order can be deleted; cancel it instead."), code="invalid_status"
        )
    order.soft_delete(actor=actor)


@transaction.atomic
def order_restore(*, actor: User, record: Order) -> None:
    _require_any(actor, Cap.RECORDS_RESTORE)
    record.restore(actor=actor)


def delivery_flags(today: dt.date, risk_days: int):
    """Conditions (Q) for orders at risk of missing the promised date, and for late ones."""
    from django.db.models import Q

    not_shipped = Q(status__in=[Order.Status.SUBMITTED, Order.Status.CONFIRMED, Order.Status.IN_FULFILMENT])
    # One list, not not_shipped | shipped: PostgreSQL then proves the partial index
    # order_undelivered_idx applies (an OR of two conditions it does not match).
    late = Q(status__in=UNDELIVERED) & Q(promised_date__lt=today)
    at_risk = not_shipped & Q(
        promised_date__gte=today, promised_date__lte=today + dt.timedelta(days=risk_days)
    )
    return at_risk, late


def deliveries_flag(*, today: dt.date | None = None) -> int:
    """Tell the owner and the desk (routing 'late') once when an order becomes at risk and once
    when it is late."""
    from salescore.orders.models import OrdersPolicy

    today = today or timezone.localdate()
    at_risk, late = delivery_flags(today, OrdersPolicy.current().late_risk_days)
    sent = 0
    base = Order.objects.select_related("customer", "owner")
    for order in base.filter(at_risk, late_notified_on__isnull=True):
        routing.announce(
            Route.Event.LATE,
            order,
            body=_("Promised for %(date)s and not shipped yet.") % {"date": order.promised_date},
        )
        Order.objects.filter(pk=order.pk).update(late_notified_on=today)
        sent += 1
    from django.db.models import Q

    for order in base.filter(late).filter(
        Q(late_notified_on__isnull=True) | Q(late_notified_on__lte=F("promised_date"))
    ):
        routing.announce(
            Route.Event.LATE,
            order,
            body=_("Promised for %(date)s and not delivered.") % {"date": order.promised_date},
        )
        Order.objects.filter(pk=order.pk).update(late_notified_on=today)
        sent += 1
    return sent
