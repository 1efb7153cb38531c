"""One timeline per customer and opportunity: activities, stage changes, orders and tickets (R3.2)."""

from __future__ import annotations

from salescore.orders import services as orders
from salescore.orders.tests.factories import make_quote
from salescore.pipeline import selectors
from salescore.pipeline.tests.factories import make_opportunity
from salescore.service.tests.factories import delivered_order, make_customer, make_ticket


def _kinds(entries) -> set[str]:
    return {entry.kind for entry in entries}


def test_customer_timeline_shows_orders_and_tickets_to_those_who_see_the_customer(cast, client_as):
    customer = make_customer(cast.rep_a, address="苏州工业园区星湖街1号")
    order = delivered_order(cast, customer=customer)
    ticket = make_ticket(cast.agent, customer=customer, order=order)

    entries = selectors.timeline(user=cast.rep_a.user, customer=customer)

    assert {"order", "ticket"} <= _kinds(entries)
    assert any(e.kind == "order" and order.number in e.title for e in entries)
    assert any(e.kind == "ticket" and ticket.number in e.title for e in entries)
    # the customer page loads its timeline section with htmx
    page = client_as(cast.rep_a).get(f"/pipeline/customers/{customer.pk}/").content.decode()
    assert order.number in page and ticket.number in page
    # rep_b does not see the customer, nor anything on its timeline
    assert selectors.timeline(user=cast.rep_b.user, customer=customer) == []


def test_opportunity_timeline_shows_its_order(cast):
    opportunity = make_opportunity(cast.rep_a, make_customer(cast.rep_a, address="苏州市1号"))
    quote = orders.quote_submit(actor=cast.rep_a.user, quote=make_quote(cast.rep_a, opportunity=opportunity))
    order = orders.order_from_quote(actor=cast.rep_a.user, quote=quote)
    order = orders.order_update(
        actor=cast.rep_a.user,
        order=order,
        promised_date=order.created_at.date().replace(year=order.created_at.year + 1),
        payment_terms="net_30",
        contact=opportunity.contacts.first(),
    )
    orders.order_submit(actor=cast.rep_a.user, order=order)

    entries = selectors.timeline(user=cast.rep_a.user, opportunity=opportunity)

    assert [e for e in entries if e.kind == "order"][0].status


def test_timeline_query_count_does_not_grow_with_history(cast, django_assert_max_num_queries):
    customer = make_customer(cast.rep_a, address="苏州市2号")
    make_ticket(cast.agent, customer=customer)
    with django_assert_max_num_queries(20) as few:
        selectors.timeline(user=cast.rep_a.user, customer=customer)
    for _ in range(4):
        make_ticket(cast.agent, customer=customer)
        delivered_order(cast, customer=customer)
    with django_assert_max_num_queries(20) as many:
        selectors.timeline(user=cast.rep_a.user, customer=customer)
    assert len(many.captured_queries) == len(few.captured_queries)
