"""Payment collection (回款): the plan of instalments, payments matched to them, reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError
from salescore.core.models import AuditAction, audit_event
from salescore.core.money import to_decimal
from salescore.core.notifications import notify
from salescore.core.permissions import Cap
from salescore.core.services import validate_fields
from salescore.orders import routing
from salescore.orders.models import Allocation, Instalment, Order, OrdersPolicy, Payment, Route
from salescore.orders.services.orders import _close_if_settled, _require_any, get_order

CENT = Decimal("0.01")


def _amount(value, *, field: str) -> Decimal:
    amount = to_decimal(value, field=field)
    if amount <= 0 or abs(amount) >= Decimal(10) ** 15:
        raise ApplicationError(
            _("Enter an amount above zero."), code="invalid", fields={field: _("Enter an amount above zero.")}
        )
    if amount != amount.quantize(CENT):
        raise ApplicationError(
            _("Amounts have at most two decimals."), code="invalid", fields={field: _("Round to the fen.")}
        )
    return amount


@transaction.atomic
def payment_plan_set(*, actor: User, order: Order, instalments: list[dict]) -> list[Instalment]:
    """Replace the plan: ``[{"due_date": date, "amount": "1000.00"}, ...]``, adding up to the total.
    The owner plans a draft; once submitted only those who record payments may change it, and
    never below what was already received on an instalment."""
    order = get_order(actor, order, lock=True)
    if order.status == Order.Status.DRAFT:
        _require_any(actor, Cap.QUOTES_WORK, Cap.ORDERS_PROCESS, Cap.PAYMENTS_RECORD)
    else:
        _require_any(actor, Cap.PAYMENTS_RECORD)
    if order.status in (Order.Status.CANCELLED, Order.Status.CLOSED):
        raise ApplicationError(_("This order is finished; its plan cannot change."), code="invalid_status")
    if not instalments:
        raise ApplicationError(
            _("Add at least one instalment."), code="required", fields={"instalments": _("Add a due date.")}
        )
    errors: dict[str, str] = {}
    rows: list[tuple[dt.date, Decimal]] = []
    for index, raw in enumerate(instalments, start=1):
        due, amount = raw.get("due_date"), raw.get("amount")
        if not isinstance(due, dt.date):
            errors[f"instalments.{index}.due_date"] = _("Enter a date.")
        try:
            amount = _amount(amount, field=f"instalments.{index}.amount")
        except ApplicationError as exc:
            errors.update(exc.fields)
            continue
        if isinstance(due, dt.date):
            rows.append((due, amount))
    if errors:
        raise ApplicationError(_("Some instalments are not valid."), code="invalid", fields=errors)
    planned = sum((amount for _due, amount in rows), Decimal("0.00"))
    if planned != order.total:
        raise ApplicationError(
            _("The instalments add up to %(planned)s, the order total is %(total)s.")
            % {"planned": planned, "total": order.total},
            code="plan_total",
            fields={"instalments": _("Make them add up to the order total.")},
        )
    received = order.instalments.aggregate(s=Sum("received"))["s"] or Decimal("0.00")
    old = [f"{i.due_date} {i.amount}" for i in order.instalments.all()]
    # Money already received is re-matched to the new plan, earliest due first.
    Allocation.objects.filter(instalment__order=order).delete()
    order.instalments.all().delete()
    created = Instalment.objects.bulk_create(
        [
            Instalment(order=order, seq=seq, due_date=due, amount=amount, currency=order.currency)
            for seq, (due, amount) in enumerate(sorted(rows, key=lambda r: r[0]), start=1)
        ]
    )
    if received:
        for payment in order.payments.order_by("received_on", "pk"):
            _allocate(payment, payment.amount)
    audit_event(
        obj=order,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={"instalments": {"old": old, "new": [f"{i.due_date} {i.amount}" for i in created]}},
    )
    return list(order.instalments.all())


def _allocate(payment: Payment, amount: Decimal) -> None:
    """Settle the earliest open instalments first."""
    left = amount
    for instalment in (
        payment.order.instalments.select_for_update()
        .filter(received__lt=F("amount"))
        .order_by("due_date", "seq")
    ):
        if left <= 0:
            break
        take = min(left, instalment.amount - instalment.received)
        Allocation.objects.create(payment=payment, instalment=instalment, amount=take)
        Instalment.objects.filter(pk=instalment.pk).update(received=F("received") + take)
        left -= take


@transaction.atomic
def payment_record(
    *,
    actor: User,
    order: Order,
    amount,
    received_on: dt.date | None = None,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
    notes: str = "",
) -> Payment:
    _require_any(actor, Cap.PAYMENTS_RECORD)
    order = get_order(actor, order, lock=True)
    if order.status in (Order.Status.DRAFT, Order.Status.CANCELLED):
        raise ApplicationError(
            _("Order %(order)s is %(status)s; payments are recorded on submitted orders.")
            % {"order": order, "status": order.get_status_display()},
            code="invalid_status",
        )
    amount = _amount(amount, field="amount")
    received = order.instalments.aggregate(s=Sum("received"))["s"] or Decimal("0.00")
    left = order.total - received
    if amount > left:
        raise ApplicationError(
            _("Only %(left)s %(currency)s is outstanding on this order.")
            % {"left": left, "currency": order.currency},
            code="overpaid",
            fields={"amount": _("Enter at most %(left)s.") % {"left": left}},
        )
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise ApplicationError(
            _("A payment cannot be received in the future."),
            code="invalid",
            fields={"received_on": _("Enter today or an earlier date.")},
        )
    payment = Payment(
        order=order,
        amount=amount,
        currency=order.currency,
        received_on=received_on,
        method=method,
        reference=reference,
        notes=notes,
    )
    validate_fields(payment, ["method", "reference", "notes"])
    payment.save(actor=actor)
    _allocate(payment, amount)
    routing.announce(
        Route.Event.PAYMENT,
        order,
        body=_("%(amount)s %(currency)s received on %(date)s.")
        % {"amount": amount, "currency": order.currency, "date": received_on},
        exclude=actor,
    )
    _close_if_settled(order, actor=actor)
    return payment


@transaction.atomic
def payment_reverse(*, actor: User, payment: Payment, reason: str) -> None:
    """Undo a payment recorded by mistake: its allocations are released, the row soft-deleted."""
    _require_any(actor, Cap.PAYMENTS_RECORD)
    order = get_order(actor, payment.order, lock=True)
    payment = Payment.objects.get(pk=payment.pk, order=order)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Say why the payment is reversed."),
            code="required",
            fields={"reason": _("A reason is required.")},
        )
    if order.status == Order.Status.CLOSED:
        raise ApplicationError(_("The order is closed."), code="invalid_status")
    for allocation in payment.allocations.all():
        Instalment.objects.filter(pk=allocation.instalment_id).update(
            received=F("received") - allocation.amount
        )
    payment.allocations.all().delete()
    payment.notes = (payment.notes + " | " if payment.notes else "") + _("Reversed: %(r)s") % {"r": reason}
    payment.notes = payment.notes[:300]
    payment.save(actor=actor)
    payment.soft_delete(actor=actor)


def payments_remind(*, today: dt.date | None = None) -> int:
    """Remind owners before a payment falls due and, while overdue, every few days (and their
    manager). Each instalment is reminded once per crossing: before, then each overdue step."""
    today = today or timezone.localdate()
    policy = OrdersPolicy.current()
    open_orders = Q(order__deleted_at__isnull=True) & ~Q(order__status__in=["draft", "cancelled", "closed"])
    unpaid = Instalment.objects.filter(open_orders, received__lt=F("amount")).select_related(
        "order", "order__owner__user", "order__owner__manager__user", "order__customer"
    )
    sent = 0
    soon = unpaid.filter(
        due_date__gte=today,
        due_date__lte=today + dt.timedelta(days=policy.remind_before_days),
        reminded_before_on__isnull=True,
    )
    for instalment in soon:
        order = instalment.order
        notify(
            users=[order.owner.user],
            kind="payment_due",
            title=_("%(customer)s: %(amount)s due on %(date)s")
            % {"customer": order.customer, "amount": instalment.outstanding, "date": instalment.due_date},
            body=_("Order %(order)s, instalment %(seq)s.") % {"order": order, "seq": instalment.seq},
            url=reverse("orders:order_detail", args=[order.pk]),
        )
        Instalment.objects.filter(pk=instalment.pk).update(reminded_before_on=today)
        sent += 1
    step = dt.timedelta(days=max(policy.remind_after_days, 1))
    overdue = unpaid.filter(due_date__lt=today).filter(
        Q(reminded_overdue_on__isnull=True) | Q(reminded_overdue_on__lte=today - step)
    )
    for instalment in overdue:
        order = instalment.order
        users = [order.owner.user]
        if order.owner.manager_id:
            users.append(order.owner.manager.user)
        notify(
            users=users,
            kind="payment_overdue",
            title=_("%(customer)s: %(amount)s overdue since %(date)s")
            % {"customer": order.customer, "amount": instalment.outstanding, "date": instalment.due_date},
            body=_("Order %(order)s, instalment %(seq)s.") % {"order": order, "seq": instalment.seq},
            url=reverse("orders:order_detail", args=[order.pk]),
        )
        Instalment.objects.filter(pk=instalment.pk).update(reminded_overdue_on=today)
        sent += 1
    return sent
