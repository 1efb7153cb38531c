"""Sales orders (R3.6): complete and correct before submit, priced within someone's authority
(R3.9, no bypass around the quote), numbered gap-free, moved through fulfilment, announced to the
departments the routing table names (inbox and real e-mail), flagged when late."""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal
from email import message_from_bytes
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.models import Notification, Sequence
from salescore.orders import services
from salescore.orders.models import Approval, Order, Route
from salescore.orders.tests.factories import (
    make_contact,
    make_customer,
    make_order,
    make_product,
    make_quote,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _inbox(member, kind: str) -> int:
    return Notification.objects.filter(recipient=member.user, kind=kind).count()


def _lines(*discounts, quantity=2):
    return [{"product": make_product().pk, "quantity": quantity, "discount": str(d)} for d in discounts]


def _approved_quote(cast, discount="8"):
    """rep_a's quote at ``discount``%, approved by the team lead when it needs approval."""
    quote = make_quote(cast.rep_a, lines=_lines(discount))
    quote = services.quote_submit(actor=cast.rep_a.user, quote=quote)
    pending = Approval.objects.filter(quote=quote, status="pending").first()
    if pending:
        services.approval_decide(actor=cast.lead_a.user, approval=pending, approve=True)
        quote.refresh_from_db()
    return quote


def _complete(member, order):
    return services.order_update(
        actor=member.user,
        order=order,
        contact=make_contact(member, order.customer),
        promised_date=timezone.localdate() + dt.timedelta(days=20),
        payment_terms="net_30",
        delivery_address="苏州工业园区星湖街328号",
    )


# -- creating ---------------------------------------------------------------------------------


def test_an_order_from_an_accepted_quote_copies_its_lines(cast):
    quote = _approved_quote(cast)
    quote = services.quote_mark(actor=cast.rep_a.user, quote=quote, step="accept")

    order = services.order_from_quote(actor=cast.rep_a.user, quote=quote)

    assert (order.status, order.number, order.quote, order.opportunity) == (
        Order.Status.DRAFT,
        None,
        quote,
        quote.opportunity,
    )
    assert (order.customer, order.owner, order.contact) == (quote.customer, quote.owner, quote.contact)
    assert [(r.product_id, r.quantity, r.unit_price, r.total) for r in order.lines.all()] == [
        (r.product_id, r.quantity, r.unit_price, r.total) for r in quote.lines.all()
    ]
    assert order.total == quote.total
    # one live order per quote
    with pytest.raises(ApplicationError) as exc:
        services.order_from_quote(actor=cast.rep_a.user, quote=quote)
    assert exc.value.code == "duplicate"


def test_an_order_from_an_approved_quote_marks_it_accepted(cast):
    quote = _approved_quote(cast, discount="0")
    services.order_from_quote(actor=cast.rep_a.user, quote=quote)
    quote.refresh_from_db()
    assert quote.status == "accepted"


def test_a_quote_not_yet_approved_cannot_become_an_order(cast):
    quote = services.quote_submit(actor=cast.rep_a.user, quote=make_quote(cast.rep_a, lines=_lines("8")))
    with pytest.raises(ApplicationError) as exc:
        services.order_from_quote(actor=cast.rep_a.user, quote=quote)
    assert exc.value.code == "invalid_status"


def test_the_order_desk_enters_an_order_directly(cast):
    customer = make_customer(cast.rep_a, address="杭州市滨江区网商路699号")

    order = services.order_create(
        actor=cast.clerk.user, customer=customer, lines=_lines("0"), customer_po="PO-778"
    )

    assert order.owner == cast.rep_a.person  # the customer's owner
    assert order.delivery_address == "杭州市滨江区网商路699号"
    assert order.created_by == cast.clerk.user and order.customer_po == "PO-778"
    # 2 x 10000.00, tax 13%
    assert (order.net_total, order.total) == (Decimal("20000.00"), Decimal("22600.00"))


def test_who_may_enter_orders(cast):
    customer = make_customer(cast.rep_a)
    for member in (cast.agent, cast.keeper, cast.cashier):
        with pytest.raises(PermissionDeniedError):
            services.order_create(actor=member.user, customer=customer, lines=_lines("0"))
    with pytest.raises(Http404):
        services.order_create(actor=cast.rep_b.user, customer=customer, lines=_lines("0"))


# -- submit: complete ---------------------------------------------------------------------------


def test_submit_names_every_missing_field_at_once(cast):
    order = make_order(cast.rep_a, customer=make_customer(cast.rep_a), complete=False)

    with pytest.raises(ApplicationError) as exc:
        services.order_submit(actor=cast.rep_a.user, order=order)

    assert exc.value.code == "incomplete"
    assert set(exc.value.fields) == {"contact", "delivery_address", "promised_date", "payment_terms"}
    assert Order.objects.get(pk=order.pk).status == Order.Status.DRAFT


def test_submit_checks_the_promised_date_and_the_plan(cast):
    order = make_order(cast.rep_a, payment_terms="instalments")
    services.order_update(
        actor=cast.rep_a.user, order=order, promised_date=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(ApplicationError) as exc:
        services.order_submit(actor=cast.rep_a.user, order=order)
    assert set(exc.value.fields) == {"promised_date", "instalments"}


# -- submit: priced within authority (no bypass around the quote) --------------------------------


def test_a_deep_discount_entered_directly_is_refused_at_submit(cast):
    # given a rep's direct order: line 1 at list, line 2 at 20% off
    order = make_order(cast.rep_a, lines=_lines("0", "20"))

    # when the rep submits it
    with pytest.raises(ApplicationError) as exc:
        services.order_submit(actor=cast.rep_a.user, order=order)

    # then the line beyond the rep's authority is named, and nothing was numbered
    assert exc.value.code == "discount_authority"
    assert list(exc.value.fields) == ["lines.2.unit_price"]
    assert "20.00%" in exc.value.fields["lines.2.unit_price"]
    order.refresh_from_db()
    assert (order.status, order.number) == (Order.Status.DRAFT, None)
    assert not Sequence.objects.filter(key__startswith="SO-").exists()


def test_the_order_desk_cannot_grant_a_discount_either(cast):
    customer = make_customer(cast.rep_a, address="上海")
    order = make_order(cast.clerk, customer=customer, lines=_lines("20"))
    with pytest.raises(ApplicationError) as exc:
        services.order_submit(actor=cast.clerk.user, order=order)
    assert exc.value.code == "discount_authority"


def test_the_owners_authority_covers_their_order(cast):
    # 4% is within a rep's 5%: the clerk may submit the rep's order
    order = make_order(cast.clerk, customer=make_customer(cast.rep_a, address="上海"), lines=_lines("4"))
    assert services.order_submit(actor=cast.clerk.user, order=order).status == Order.Status.SUBMITTED


def test_an_order_at_the_approved_quote_prices_passes(cast):
    quote = _approved_quote(cast, discount="8")
    order = _complete(cast.rep_a, services.order_from_quote(actor=cast.rep_a.user, quote=quote))

    order = services.order_submit(actor=cast.rep_a.user, order=order)

    assert order.status == Order.Status.SUBMITTED


def test_lowering_a_price_below_the_approved_quote_is_refused(cast):
    quote = _approved_quote(cast, discount="8")
    order = _complete(cast.rep_a, services.order_from_quote(actor=cast.rep_a.user, quote=quote))
    product = order.lines.get().product_id

    # the draft's line goes to 12% off: below the 8% the lead approved
    services.order_set_lines(
        actor=cast.rep_a.user, order=order, lines=[{"product": product, "quantity": 2, "discount": "12"}]
    )
    with pytest.raises(ApplicationError) as exc:
        services.order_submit(actor=cast.rep_a.user, order=order)
    assert exc.value.code == "discount_authority" and list(exc.value.fields) == ["lines.1.unit_price"]

    # a product the quote never had gets no cover from it either
    services.order_set_lines(
        actor=cast.rep_a.user,
        order=order,
        lines=[
            {"product": product, "quantity": 5, "discount": "8"},
            {"product": make_product().pk, "quantity": 1, "discount": "8"},
        ],
    )
    with pytest.raises(ApplicationError) as exc:
        services.order_submit(actor=cast.rep_a.user, order=order)
    assert list(exc.value.fields) == ["lines.2.unit_price"]


def test_a_submitted_orders_lines_cannot_change(cast):
    order = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    with pytest.raises(ApplicationError) as exc:
        services.order_set_lines(actor=cast.rep_a.user, order=order, lines=_lines("0"))
    assert exc.value.code == "not_editable"
    with pytest.raises(ApplicationError):
        services.order_update(actor=cast.rep_a.user, order=order, payment_terms="prepaid")


# -- numbering ----------------------------------------------------------------------------------


def test_numbers_are_sequential_per_year(cast):
    year = timezone.localdate().year
    first = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    second = services.order_submit(actor=cast.rep_b.user, order=make_order(cast.rep_b))
    assert (first.number, second.number) == (f"SO-{year}-000001", f"SO-{year}-000002")
    assert first.order_date == timezone.localdate()


def test_a_failed_submit_does_not_use_up_a_number(cast, monkeypatch):
    year = timezone.localdate().year
    order = make_order(cast.rep_a)

    # given a submit that fails after it took its number (the announcement breaks)
    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(services.orders.routing, "announce", broken)
    with pytest.raises(RuntimeError):
        services.order_submit(actor=cast.rep_a.user, order=order)
    assert Order.objects.get(pk=order.pk).number is None
    monkeypatch.undo()

    # then the next submit gets the first number
    assert services.order_submit(actor=cast.rep_a.user, order=order).number == f"SO-{year}-000001"


# -- status flow --------------------------------------------------------------------------------


def test_the_order_moves_from_confirmation_to_closed(cast):
    order = make_order(cast.rep_a, lines=_lines("0", "0", quantity=4))
    order = services.order_submit(actor=cast.rep_a.user, order=order)
    assert order.instalments.get().amount == order.total  # net_30: one instalment by default

    with pytest.raises(PermissionDeniedError):
        services.order_confirm(actor=cast.rep_a.user, order=order)
    order = services.order_confirm(actor=cast.clerk.user, order=order)
    assert order.status == Order.Status.CONFIRMED and order.confirmed_at

    first, second = order.lines.all()
    # a partial shipment
    shipment1 = services.shipment_record(
        actor=cast.keeper.user, order=order, quantities={first.pk: Decimal(4), second.pk: Decimal(1)}
    )
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    with pytest.raises(ApplicationError) as exc:
        services.shipment_record(actor=cast.keeper.user, order=order, quantities={second.pk: Decimal(4)})
    assert f"quantities.{second.pk}" in exc.value.fields

    # the rest
    shipment2 = services.shipment_record(
        actor=cast.keeper.user, order=order, quantities={second.pk: "3"}, carrier="顺丰", tracking_no="SF1"
    )
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.shipped_at
    assert [line.shipped_quantity for line in order.lines.all()] == [Decimal(4), Decimal(4)]

    # delivered when every shipment arrived
    services.shipment_deliver(actor=cast.keeper.user, shipment=shipment1)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    services.shipment_deliver(actor=cast.keeper.user, shipment=shipment2)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED and order.delivered_date == timezone.localdate()

    # not closed while money is outstanding; closed by itself once paid
    with pytest.raises(ApplicationError) as exc:
        services.order_close(actor=cast.clerk.user, order=order)
    assert exc.value.code == "unpaid"
    services.payment_record(actor=cast.cashier.user, order=order, amount=order.total)
    order.refresh_from_db()
    assert order.status == Order.Status.CLOSED and order.closed_at


def test_cancel_needs_a_reason_and_is_refused_once_goods_left(cast):
    order = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    with pytest.raises(ApplicationError) as exc:
        services.order_cancel(actor=cast.rep_a.user, order=order, reason=" ")
    assert exc.value.code == "required" and "reason" in exc.value.fields

    order = services.order_cancel(actor=cast.rep_a.user, order=order, reason="客户预算取消")
    assert order.status == Order.Status.CANCELLED and order.cancel_reason == "客户预算取消"
    assert _inbox(cast.clerk, "order_cancelled") == 1 and _inbox(cast.keeper, "order_cancelled") == 1

    shipped = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    services.order_confirm(actor=cast.clerk.user, order=shipped)
    line = shipped.lines.get()
    services.shipment_record(actor=cast.keeper.user, order=shipped, quantities={line.pk: 1})
    with pytest.raises(ApplicationError) as exc:
        services.order_cancel(actor=cast.clerk.user, order=shipped, reason="太晚了")
    assert exc.value.code == "invalid_status"


def test_only_a_draft_is_deleted(cast):
    draft = make_order(cast.rep_a)
    submitted = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    with pytest.raises(ApplicationError):
        services.order_delete(actor=cast.rep_a.user, order=submitted)
    services.order_delete(actor=cast.rep_a.user, order=draft)
    assert not Order.objects.filter(pk=draft.pk).exists()


# -- routing --------------------------------------------------------------------------------------


def test_each_step_reaches_the_department_that_acts_next(cast):
    order = make_order(cast.rep_a)

    services.order_submit(actor=cast.rep_a.user, order=order)
    # at once, every department concerned: the desk confirms, the warehouse prepares, finance checks
    assert _inbox(cast.clerk, "order_submitted") == 1
    assert _inbox(cast.keeper, "order_submitted") == 1
    assert _inbox(cast.cashier, "order_submitted") == 1
    assert _inbox(cast.rep_a, "order_submitted") == 0  # the owner did it themselves
    assert _inbox(cast.agent, "order_submitted") == 0

    services.order_confirm(actor=cast.clerk.user, order=order)
    assert _inbox(cast.keeper, "order_confirmed") == 1
    assert _inbox(cast.rep_a, "order_confirmed") == 1  # the owner always hears
    assert _inbox(cast.cashier, "order_confirmed") == 0

    line = order.lines.get()
    services.shipment_record(actor=cast.keeper.user, order=order, quantities={line.pk: line.quantity})
    assert _inbox(cast.cashier, "order_shipped") == 1
    assert _inbox(cast.rep_a, "order_shipped") == 1
    assert _inbox(cast.rep_b, "order_shipped") == 0


def test_a_route_to_a_person_and_to_a_mailbox(cast):
    Route(event=Route.Event.SUBMITTED, person=cast.head.person).save(actor=cast.admin.user)
    Route(event=Route.Event.SUBMITTED, position="director", active=False).save(actor=cast.admin.user)
    order = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    users, mailboxes = services.orders.routing.recipients(Route.Event.SUBMITTED, order)
    assert {u.username for u in users} == {"rep_a", "clerk", "keeper", "cashier", "head"}
    assert mailboxes == []


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port; settings point Django's SMTP backend at it."""
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            message = message_from_bytes(envelope.content)
            self.messages.append(
                {
                    "to": list(envelope.rcpt_tos),
                    "subject": str(make_header(decode_header(message["Subject"]))),
                    "body": message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8"),
                }
            )
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield handler
    finally:
        controller.stop()


def test_announcements_are_emailed_after_commit(cast, smtp_server, django_capture_on_commit_callbacks):
    Route(event=Route.Event.SUBMITTED, email="orders@example.com", purpose="订单邮箱").save(
        actor=cast.admin.user
    )
    order = make_order(cast.rep_a)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = services.order_submit(actor=cast.rep_a.user, order=order)
    assert callbacks and smtp_server.messages == []  # nothing leaves before the commit

    for callback in callbacks:
        callback()

    by_address = {to: message for message in smtp_server.messages for to in message["to"]}
    assert set(by_address) == {
        "clerk@example.com",
        "keeper@example.com",
        "cashier@example.com",
        "orders@example.com",
    }
    assert order.number in by_address["clerk@example.com"]["subject"]
    assert f"/orders/{order.pk}/" in by_address["orders@example.com"]["body"]
    assert Notification.objects.get(recipient=cast.clerk.user, kind="order_submitted").emailed_at


def test_the_owner_is_emailed_when_the_desk_confirms(cast, smtp_server, django_capture_on_commit_callbacks):
    order = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    with django_capture_on_commit_callbacks(execute=True):
        services.order_confirm(actor=cast.clerk.user, order=order)
    recipients = sorted(to for message in smtp_server.messages for to in message["to"])
    assert recipients == ["keeper@example.com", "rep_a@example.com"]


# -- late and at risk ---------------------------------------------------------------------------


def test_late_and_at_risk_orders_are_flagged_once_per_crossing(cast):
    start = dt.datetime(2026, 5, 4, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        order = make_order(cast.rep_a, promised_date=dt.date(2026, 5, 12))
        order = services.order_submit(actor=cast.rep_a.user, order=order)
        services.order_confirm(actor=cast.clerk.user, order=order)
        assert services.deliveries_flag() == 0  # 8 days ahead: fine

    with time_machine.travel(start + dt.timedelta(days=5), tick=False):  # 9 May: 3 days to go
        assert services.deliveries_flag() == 1
        assert services.deliveries_flag() == 0
    assert _inbox(cast.rep_a, "order_late") == 1 and _inbox(cast.clerk, "order_late") == 1
    risk = Notification.objects.get(recipient=cast.rep_a.user, kind="order_late")
    assert "2026-05-12" in risk.body

    with time_machine.travel(start + dt.timedelta(days=7), tick=False):  # 11 May, still at risk
        assert services.deliveries_flag() == 0
    with time_machine.travel(start + dt.timedelta(days=9), tick=False):  # 13 May: late
        assert services.deliveries_flag() == 1
    with time_machine.travel(start + dt.timedelta(days=15), tick=False):
        assert services.deliveries_flag() == 0
    assert _inbox(cast.rep_a, "order_late") == 2 and _inbox(cast.clerk, "order_late") == 2


def test_shipped_in_time_is_not_at_risk_but_undelivered_is_late(cast):
    start = dt.datetime(2026, 5, 4, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        order = services.order_submit(
            actor=cast.rep_a.user, order=make_order(cast.rep_a, promised_date=dt.date(2026, 5, 6))
        )
        services.order_confirm(actor=cast.clerk.user, order=order)
        line = order.lines.get()
        services.shipment_record(actor=cast.keeper.user, order=order, quantities={line.pk: line.quantity})
        assert services.deliveries_flag() == 0  # shipped: no longer at risk
    with time_machine.travel(start + dt.timedelta(days=3), tick=False):
        assert services.deliveries_flag() == 1  # shipped but not delivered by the 6th


def test_the_desk_cannot_borrow_a_directors_authority_by_naming_the_owner(cast):
    # Given rep_a's customer and an order the desk enters at 20% off, owned on paper by the director
    customer = make_customer(cast.rep_a, address="上海市浦东新区张江路1号")
    order = make_order(
        cast.clerk,
        customer=customer,
        owner=cast.director.person,
        lines=[{"product": make_product().pk, "quantity": 1, "discount": "20"}],
    )

    # When the desk submits it, the price is checked against the rep's authority (5%), not the director's
    with pytest.raises(ApplicationError) as refused:
        services.order_submit(actor=cast.clerk.user, order=order)

    assert refused.value.code == "discount_authority"
    assert "lines.1.unit_price" in refused.value.fields
