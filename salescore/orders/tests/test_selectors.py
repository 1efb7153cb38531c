"""Orders selectors: receivables summed in SQL against hand-computed figures, the approver's
queue, and list pages whose query count does not grow with their rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from salescore.orders import selectors, services
from salescore.orders.models import Instalment, Order
from salescore.orders.tests.factories import make_product, make_quote, submitted_order

pytestmark = pytest.mark.django_db


def plan(order: Order, *rows):
    Instalment.objects.filter(order=order).delete()
    for seq, (due, amount, received) in enumerate(rows, start=1):
        Instalment.objects.create(
            order=order, seq=seq, due_date=due, amount=Decimal(amount), received=Decimal(received)
        )


def test_receivables_by_customer_owner_team(cast, django_assert_num_queries):
    today = timezone.localdate()
    past, future = today - dt.timedelta(days=10), today + dt.timedelta(days=10)
    a1 = submitted_order(cast.rep_a)
    a2 = submitted_order(cast.rep_a2)
    b1 = submitted_order(cast.rep_b)
    draft = services.order_create(
        actor=cast.rep_a.user, customer=a1.customer, lines=[{"product": make_product().pk, "quantity": 1}]
    )
    # Totals are not checked here: the instalments are written directly to known figures.
    plan(a1, (past, "1000.00", "300.00"), (future, "500.00", "0.00"))  # outstanding 1200, overdue 700
    plan(a2, (past, "400.00", "400.00"), (future, "250.00", "50.00"))  # outstanding 200, overdue 0
    plan(b1, (past, "800.00", "0.00"))  # outstanding 800, overdue 800
    plan(draft, (past, "999.00", "0.00"))  # a draft owes nothing yet

    by_owner = {row["who_id"]: row for row in selectors.receivables(cast.director.user, group_by="owner")}
    assert by_owner[cast.rep_a.pk]["outstanding"] == Decimal("1200.00")
    assert by_owner[cast.rep_a.pk]["overdue"] == Decimal("700.00")
    assert by_owner[cast.rep_a2.pk]["outstanding"] == Decimal("200.00")
    assert by_owner[cast.rep_a2.pk]["overdue"] == Decimal("0.00")
    assert by_owner[cast.rep_b.pk]["overdue"] == Decimal("800.00")

    by_team = {row["who_id"]: row for row in selectors.receivables(cast.director.user, group_by="team")}
    assert by_team[cast.team_a.pk]["outstanding"] == Decimal("1400.00")
    assert by_team[cast.team_a.pk]["orders"] == 2
    assert by_team[cast.team_b.pk]["outstanding"] == Decimal("800.00")

    by_customer = {
        row["who_id"]: row for row in selectors.receivables(cast.director.user, group_by="customer")
    }
    assert by_customer[a1.customer_id]["outstanding"] == Decimal("1200.00")
    # Names are read for the rows shown, after the sums: one query whatever the grouping.
    for group, names in (
        ("owner", {p.pk: p.person.name for p in (cast.rep_a, cast.rep_a2, cast.rep_b)}),
        ("team", {cast.team_a.pk: cast.team_a.name, cast.team_b.pk: cast.team_b.name}),
        ("customer", {o.customer_id: o.customer.name for o in (a1, a2, b1)}),
    ):
        rows = list(selectors.receivables(cast.director.user, group_by=group))
        with django_assert_num_queries(1):
            named = selectors.receivables_named(rows, group_by=group)
        assert {row["who_id"]: row["who"] for row in named} == names
        assert [row["outstanding"] for row in named] == sorted((r["outstanding"] for r in rows), reverse=True)

    totals = selectors.receivables_totals(cast.director.user)
    assert totals == [{"currency": "CNY", "outstanding": Decimal("2200.00"), "overdue": Decimal("1500.00")}]
    # Scoped: the lead of team A sees team A only; the rep their own.
    lead = selectors.receivables(cast.lead_a.user, group_by="owner")
    assert {row["who_id"] for row in lead} == {cast.rep_a.pk, cast.rep_a2.pk}
    assert [row["who_id"] for row in selectors.receivables(cast.rep_b.user, group_by="owner")] == [
        cast.rep_b.pk
    ]
    # Finance sees every order.
    assert len(selectors.receivables(cast.cashier.user, group_by="owner")) == 3

    overdue = list(selectors.instalments_due(cast.director.user, overdue_only=True))
    assert {(i.order_id, i.open_amount) for i in overdue} == {
        (a1.pk, Decimal("700.00")),
        (b1.pk, Decimal("800.00")),
    }
    assert all(i.is_overdue for i in overdue)


def test_approvals_for_matches_can_decide(cast, django_assert_num_queries):
    product = make_product()
    over_lead = make_quote(cast.rep_a, lines=[{"product": product.pk, "quantity": 1, "discount": "12"}])
    within_lead = make_quote(cast.rep_a, lines=[{"product": product.pk, "quantity": 1, "discount": "8"}])
    other_team = make_quote(cast.rep_b, lines=[{"product": product.pk, "quantity": 1, "discount": "8"}])
    for quote, member in ((over_lead, cast.rep_a), (within_lead, cast.rep_a), (other_team, cast.rep_b)):
        services.quote_submit(actor=member.user, quote=quote)
    everyone = [cast.rep_a, cast.rep_a2, cast.lead_a, cast.lead_b, cast.head, cast.director, cast.clerk]
    for member in everyone:
        expected = {
            approval.pk
            for approval in services.quotes.Approval.objects.all()
            if services.can_decide(member.user, approval)
        }
        got = {approval.pk for approval in selectors.approvals_for(member.user)}
        assert got == expected, member
    assert {a.quote_id for a in selectors.approvals_for(cast.lead_a.user)} == {within_lead.pk}
    assert {a.quote_id for a in selectors.approvals_for(cast.head.user)} == {
        over_lead.pk,
        within_lead.pk,
        other_team.pk,
    }
    user = cast.lead_a.user
    selectors.approvals_for(user).count()  # the access is computed once per request
    with django_assert_num_queries(1):
        list(selectors.approvals_for(user))


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name", ["orders:orders", "orders:quotes", "orders:receivables", "orders:approval_queue"]
)
def test_list_pages_fixed_query_count(cast, client_as, name):
    def grow(n):
        product = make_product()
        for _ in range(n):
            order = submitted_order(cast.rep_a)
            quote = make_quote(cast.rep_a, lines=[{"product": product.pk, "quantity": 1, "discount": "8"}])
            services.quote_submit(actor=cast.rep_a.user, quote=quote)
            del order

    client = client_as(cast.director)
    url = reverse(name) + ("?by=owner" if name == "orders:receivables" else "")
    grow(3)
    few = _queries(client, url)
    grow(27)
    many = _queries(client, url)
    assert few == many, (few, many)


def test_orders_for_delivery_flag(cast):
    order = submitted_order(cast.rep_a)
    today = timezone.localdate()
    Order.objects.filter(pk=order.pk).update(promised_date=today + dt.timedelta(days=1))
    assert selectors.orders_for(cast.clerk.user, delivery="at_risk").get().pk == order.pk
    Order.objects.filter(pk=order.pk).update(promised_date=today - dt.timedelta(days=1))
    assert selectors.orders_for(cast.rep_a.user, delivery="late").get().delivery == "late"
    assert not selectors.orders_for(cast.rep_b.user, delivery="late").exists()
    assert not selectors.orders_for(cast.clerk.user, delivery="at_risk").exists()
