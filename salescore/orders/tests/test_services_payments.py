"""Payment collection (回款): a plan that adds up to the order, payments matched earliest due
first, no overpayment, reversals that release their matches, reminders before and after the due
date, and an order that closes itself once delivered and paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.models import Notification
from salescore.orders import services
from salescore.orders.models import Allocation, Instalment, Order, Payment
from salescore.orders.tests.factories import (
    make_order,
    make_product,
)

D = Decimal


def _order(member, *, price="10000.00", quantity=1, **fields) -> Order:
    """A draft order whose total is ``price`` x ``quantity`` (no tax)."""
    product = make_product(list_price=D(price), price_floor=D("0.00"))
    return make_order(
        member, lines=[{"product": product.pk, "quantity": quantity, "tax_rate": "0"}], **fields
    )


def _plan(member, order, *rows):
    return services.payment_plan_set(
        actor=member.user,
        order=order,
        instalments=[{"due_date": due, "amount": amount} for due, amount in rows],
    )


def _received(order) -> list[Decimal]:
    return [i.received for i in Instalment.objects.filter(order=order).order_by("seq")]


def _delivered(cast, order) -> Order:
    services.order_confirm(actor=cast.clerk.user, order=order)
    line = order.lines.get()
    shipment = services.shipment_record(
        actor=cast.keeper.user, order=order, quantities={line.pk: line.quantity}
    )
    services.shipment_deliver(actor=cast.keeper.user, shipment=shipment)
    order.refresh_from_db()
    return order


TODAY = timezone.localdate


def test_the_plan_must_add_up_to_the_total(cast):
    order = _order(cast.rep_a, payment_terms="instalments")
    today = TODAY()

    with pytest.raises(ApplicationError) as exc:
        _plan(cast.rep_a, order, (today, "3000.00"), (today + dt.timedelta(days=30), "6999.99"))
    assert exc.value.code == "plan_total" and "instalments" in exc.value.fields

    with pytest.raises(ApplicationError) as exc:
        _plan(cast.rep_a, order, ("soon", "3000.00"), (today, "-1"), (today, "1.001"))
    assert set(exc.value.fields) == {
        "instalments.1.due_date",
        "instalments.2.amount",
        "instalments.3.amount",
    }

    # sorted by due date and numbered
    plan = _plan(cast.rep_a, order, (today + dt.timedelta(days=60), "7000"), (today, "3000.00"))
    assert [(i.seq, i.due_date, i.amount) for i in plan] == [
        (1, today, D("3000.00")),
        (2, today + dt.timedelta(days=60), D("7000.00")),
    ]
    order = services.order_submit(actor=cast.rep_a.user, order=order)
    assert order.instalments.count() == 2  # the plan is kept, not replaced by the default


def test_once_submitted_only_finance_or_the_desk_changes_the_plan(cast):
    order = services.order_submit(actor=cast.rep_a.user, order=_order(cast.rep_a))
    with pytest.raises(PermissionDeniedError):
        _plan(cast.rep_a, order, (TODAY(), "10000.00"))
    _plan(cast.cashier, order, (TODAY(), "4000.00"), (TODAY() + dt.timedelta(days=9), "6000.00"))
    _plan(cast.clerk, order, (TODAY(), "10000.00"))


def test_payments_settle_the_earliest_instalments_first(cast):
    order = _order(cast.rep_a, payment_terms="instalments")
    today = TODAY()
    _plan(
        cast.rep_a,
        order,
        (today + dt.timedelta(days=90), "4000.00"),
        (today, "3000.00"),
        (today + dt.timedelta(days=30), "3000.00"),
    )
    order = services.order_submit(actor=cast.rep_a.user, order=order)

    # 5000 covers the first instalment and two thirds of the second
    payment = services.payment_record(actor=cast.cashier.user, order=order, amount="5000.00")
    assert _received(order) == [D("3000.00"), D("2000.00"), D("0.00")]
    assert sorted(a.amount for a in payment.allocations.all()) == [D("2000.00"), D("3000.00")]

    services.payment_record(actor=cast.cashier.user, order=order, amount=D("2500.50"))
    assert _received(order) == [D("3000.00"), D("3000.00"), D("1500.50")]
    assert services.outstanding(order) == D("2499.50")


def test_overpayment_is_refused(cast):
    order = services.order_submit(actor=cast.rep_a.user, order=_order(cast.rep_a))
    services.payment_record(actor=cast.cashier.user, order=order, amount="9000.00")

    with pytest.raises(ApplicationError) as exc:
        services.payment_record(actor=cast.cashier.user, order=order, amount="1000.01")

    assert exc.value.code == "overpaid" and "amount" in exc.value.fields
    assert "1000.00" in exc.value.message
    assert Payment.objects.filter(order=order).count() == 1


def test_payment_input_is_checked(cast):
    order = services.order_submit(actor=cast.rep_a.user, order=_order(cast.rep_a))
    for amount in ("0", "-5", "1.005", "abc"):
        with pytest.raises(ApplicationError):
            services.payment_record(actor=cast.cashier.user, order=order, amount=amount)
    with pytest.raises(ApplicationError) as exc:
        services.payment_record(
            actor=cast.cashier.user, order=order, amount="1", received_on=TODAY() + dt.timedelta(days=1)
        )
    assert "received_on" in exc.value.fields
    with pytest.raises(PermissionDeniedError):
        services.payment_record(actor=cast.rep_a.user, order=order, amount="1")
    draft = _order(cast.rep_a)
    with pytest.raises(ApplicationError) as exc:
        services.payment_record(actor=cast.cashier.user, order=draft, amount="1")
    assert exc.value.code == "invalid_status"


def test_reversing_a_payment_releases_its_allocations(cast):
    order = _order(cast.rep_a, payment_terms="instalments")
    today = TODAY()
    _plan(cast.rep_a, order, (today, "5000.00"), (today + dt.timedelta(days=30), "5000.00"))
    order = services.order_submit(actor=cast.rep_a.user, order=order)
    first = services.payment_record(actor=cast.cashier.user, order=order, amount="6000.00")
    services.payment_record(actor=cast.cashier.user, order=order, amount="1000.00")
    assert _received(order) == [D("5000.00"), D("2000.00")]

    with pytest.raises(ApplicationError):
        services.payment_reverse(actor=cast.cashier.user, payment=first, reason="")
    services.payment_reverse(actor=cast.cashier.user, payment=first, reason="重复登记")

    assert _received(order) == [D("0.00"), D("1000.00")]
    assert not Allocation.objects.filter(payment=first).exists()
    assert not Payment.objects.filter(pk=first.pk).exists()
    assert "重复登记" in Payment.all_objects.get(pk=first.pk).notes
    # the released money can be received again
    services.payment_record(actor=cast.cashier.user, order=order, amount="9000.00")
    assert services.outstanding(order) == D("0.00")


def test_a_new_plan_rematches_money_already_received(cast):
    order = services.order_submit(actor=cast.rep_a.user, order=_order(cast.rep_a))
    services.payment_record(actor=cast.cashier.user, order=order, amount="6000.00")
    today = TODAY()

    _plan(cast.cashier, order, (today, "4000.00"), (today + dt.timedelta(days=30), "6000.00"))

    assert _received(order) == [D("4000.00"), D("2000.00")]
    assert services.outstanding(order) == D("4000.00")


def test_the_order_closes_when_delivered_and_fully_paid(cast):
    # paid first, delivered later
    order = services.order_submit(actor=cast.rep_a.user, order=_order(cast.rep_a))
    services.payment_record(actor=cast.cashier.user, order=order, amount="10000.00")
    order.refresh_from_db()
    assert order.status == Order.Status.SUBMITTED
    assert _delivered(cast, order).status == Order.Status.CLOSED

    # delivered first, paid in two parts
    order = services.order_submit(actor=cast.rep_a.user, order=_order(cast.rep_a))
    order = _delivered(cast, order)
    assert order.status == Order.Status.DELIVERED
    services.payment_record(actor=cast.cashier.user, order=order, amount="4000.00")
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    services.payment_record(actor=cast.cashier.user, order=order, amount="6000.00")
    order.refresh_from_db()
    assert order.status == Order.Status.CLOSED
    assert Notification.objects.filter(recipient=cast.rep_a.user, kind="order_closed").count() == 2
    assert Notification.objects.filter(recipient=cast.cashier.user, kind="order_payment").count() == 0


def _kinds(member, kind) -> int:
    return Notification.objects.filter(recipient=member.user, kind=kind).count()


def test_reminders_before_the_due_date_once_and_every_few_days_while_overdue(cast):
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=timezone.get_default_timezone())
    with time_machine.travel(start, tick=False):
        order = _order(cast.rep_a, payment_terms="instalments")
        _plan(
            cast.rep_a,
            order,
            (dt.date(2026, 3, 20), "4000.00"),
            (dt.date(2026, 6, 30), "6000.00"),
        )
        services.order_submit(actor=cast.rep_a.user, order=order)
        assert services.payments_remind() == 0  # 18 days ahead

    def on(day: dt.date) -> int:
        with time_machine.travel(dt.datetime.combine(day, dt.time(8), tzinfo=start.tzinfo), tick=False):
            return services.payments_remind()

    assert on(dt.date(2026, 3, 13)) == 1  # 7 days before
    assert on(dt.date(2026, 3, 14)) == 0  # once
    assert (_kinds(cast.rep_a, "payment_due"), _kinds(cast.lead_a, "payment_due")) == (1, 0)

    assert on(dt.date(2026, 3, 21)) == 1  # overdue: the owner and their manager
    assert (_kinds(cast.rep_a, "payment_overdue"), _kinds(cast.lead_a, "payment_overdue")) == (1, 1)
    assert on(dt.date(2026, 3, 24)) == 0
    assert on(dt.date(2026, 3, 28)) == 1  # 7 days later, again
    assert on(dt.date(2026, 3, 29)) == 0

    # paid: no more reminders for it
    with time_machine.travel(dt.datetime(2026, 3, 30, 8, 0, tzinfo=start.tzinfo), tick=False):
        services.payment_record(actor=cast.cashier.user, order=order, amount="4000.00")
    assert on(dt.date(2026, 4, 10)) == 0
    assert _kinds(cast.rep_a, "payment_overdue") == 2
    message = Notification.objects.filter(recipient=cast.lead_a.user, kind="payment_overdue").first()
    assert "4000.00" in message.title and "2026-03-20" in message.title


def test_no_reminders_for_drafts_and_cancelled_orders(cast):
    today = TODAY()
    draft = _order(cast.rep_a, payment_terms="instalments")
    _plan(cast.rep_a, draft, (today - dt.timedelta(days=1), "10000.00"))
    cancelled = services.order_submit(actor=cast.rep_a.user, order=_order(cast.rep_a))
    _plan(cast.cashier, cancelled, (today + dt.timedelta(days=1), "10000.00"))
    services.order_cancel(actor=cast.rep_a.user, order=cancelled, reason="取消")
    assert services.payments_remind() == 0
