"""Service reads: SLA states in SQL, scoping, satisfaction figures against hand-computed ones,
fixed query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescore.service import selectors, services
from salescore.service.models import Rating
from salescore.service.tests.factories import make_customer, make_product, make_ticket

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _rated(cast, customer, *, csat, nps, product=None):
    """A resolved ticket whose customer answered the rating link."""
    ticket = make_ticket(cast.agent, customer, product=product)
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="ok")
    rating = Rating.objects.get(ticket=ticket)
    return services.rating_answer(token=rating.token, csat=csat, nps=nps)


def test_sla_states(cast):
    customer = make_customer(cast.rep_a)
    with time_machine.travel(NOW, tick=False):
        urgent = make_ticket(cast.agent, customer, priority="urgent")  # response due +2h
        normal = make_ticket(cast.agent, customer, priority="normal")  # response due +8h
        answered = make_ticket(cast.agent, customer, priority="urgent")
        services.ticket_log(actor=cast.agent.user, ticket=answered, kind="reply", body="ok")
    later = NOW + dt.timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        rows = {t.pk: t for t in selectors.tickets_for(user=cast.agent.user)}
        assert rows[urgent.pk].response_state == "breached"
        assert rows[normal.pk].response_state == "on_track"
        assert rows[answered.pk].response_state == "met"
        assert rows[urgent.pk].resolution_state == "on_track"
        breached = selectors.tickets_for(user=cast.agent.user, breached="response")
        assert [t.pk for t in breached] == [urgent.pk]
    with time_machine.travel(NOW + dt.timedelta(hours=7), tick=False):
        assert selectors.ticket_get_for_user(user=cast.agent.user, pk=normal.pk).response_state == "due_soon"


def test_scope_reps_see_their_customers_tickets(cast):
    mine = make_ticket(cast.agent, make_customer(cast.rep_a), subject="甲的问题")
    theirs = make_ticket(cast.agent, make_customer(cast.rep_b), subject="乙的问题")
    assert {t.pk for t in selectors.tickets_for(user=cast.rep_a.user)} == {mine.pk}
    assert {t.pk for t in selectors.tickets_for(user=cast.lead_b.user)} == {theirs.pk}
    assert {t.pk for t in selectors.tickets_for(user=cast.agent.user)} == {mine.pk, theirs.pk}
    assert [t.pk for t in selectors.tickets_for(user=cast.agent.user, q="乙的")] == [theirs.pk]
    assert [t.pk for t in selectors.tickets_for(user=cast.agent.user, q=mine.number)] == [mine.pk]
    assert selectors.my_queue_count(cast.agent.user) == 2


def test_satisfaction_figures(cast):
    customer = make_customer(cast.rep_a)
    other = make_customer(cast.rep_b)
    product = make_product()
    scores = [(5, 10), (4, 9), (4, 8), (3, 6), (1, 0)]
    for csat, nps in scores:
        _rated(cast, customer, csat=csat, nps=nps, product=product)
    _rated(cast, other, csat=5, nps=10)
    make_ticket(cast.agent, customer)  # no rating: not counted

    report = selectors.satisfaction(user=cast.agent.user, group_by="customer")
    by_key = {row.key: row for row in report.rows}
    row = by_key[customer.pk]
    # NPS of [10, 9, 8, 6, 0] = (2 promoters - 2 detractors) / 5 = 0
    assert (row.answered, row.promoters, row.detractors, row.nps) == (5, 2, 2, 0.0)
    assert row.avg_csat == pytest.approx((5 + 4 + 4 + 3 + 1) / 5)
    assert by_key[other.pk].nps == 100.0
    assert report.total.answered == 6
    assert report.total.nps == pytest.approx((3 - 2) / 6 * 100, abs=0.1)

    by_product = selectors.satisfaction(user=cast.agent.user, group_by="product")
    assert {row.key: row.answered for row in by_product.rows} == {product.pk: 5, None: 1}
    by_rep = selectors.satisfaction(user=cast.agent.user, group_by="rep")
    assert {row.key: row.answered for row in by_rep.rows} == {cast.rep_a.pk: 5, cast.rep_b.pk: 1}
    by_agent = selectors.satisfaction(user=cast.agent.user, group_by="agent")
    assert [(row.key, row.answered) for row in by_agent.rows] == [(cast.agent.pk, 6)]

    # a rep sees the figures of their own customers only
    mine = selectors.satisfaction(user=cast.rep_a.user, group_by="customer")
    assert [row.key for row in mine.rows] == [customer.pk]


def test_satisfaction_date_range(cast):
    customer = make_customer(cast.rep_a)
    with time_machine.travel(NOW, tick=False):
        _rated(cast, customer, csat=5, nps=10)
    with time_machine.travel(NOW + dt.timedelta(days=10), tick=False):
        _rated(cast, customer, csat=1, nps=0)
    first_week = selectors.satisfaction(
        user=cast.agent.user, group_by="customer", date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 7)
    )
    assert first_week.total.answered == 1 and first_week.total.avg_csat == 5


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "read",
    [
        lambda user: list(selectors.tickets_for(user=user)),
        lambda user: list(selectors.return_visits_for(user=user)),
        lambda user: list(selectors.ratings_for(user=user)),
        lambda user: selectors.satisfaction(user=user, group_by="product"),
    ],
)
def test_fixed_query_counts(cast, read):
    customer = make_customer(cast.rep_a)
    for _ in range(3):
        _rated(cast, customer, csat=4, nps=9, product=make_product())
    small = _count(lambda: read(cast.agent.user))
    for _ in range(27):
        _rated(cast, customer, csat=4, nps=9, product=make_product())
    assert _count(lambda: read(cast.agent.user)) == small
