"""Reads the planning pages share: the orders behind a figure (orders_for's date range and
credit filters), the revisions and plans waiting for someone, and the report roll-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salescore.orders import services as orders
from salescore.orders.selectors import orders_for
from salescore.planning import selectors, services
from salescore.planning.models import ProgressReport
from salescore.planning.tests.factories import make_plan, make_target
from salescore.planning.tests.test_metrics import _order

pytestmark = pytest.mark.django_db


def test_orders_behind_a_figure_follow_dates_credit_and_status(cast):
    shared = _order(cast.rep_a, day=dt.date(2026, 3, 31), price="1000.00")
    orders.order_credits_set(
        actor=cast.rep_a.user, order=shared, shares=[(cast.rep_a.person, "60"), (cast.rep_b.person, "40")]
    )
    own = _order(cast.rep_a2, day=dt.date(2026, 3, 1))
    april = _order(cast.rep_a2, day=dt.date(2026, 4, 1))
    draft = _order(cast.rep_a2, day=dt.date(2026, 3, 5), status="draft")
    march = {"ordered_from": dt.date(2026, 3, 1), "ordered_to": dt.date(2026, 3, 31)}
    director = cast.director.user

    def ids(**kw):
        return set(orders_for(director, **kw).values_list("pk", flat=True))

    assert ids(**march) == {shared.pk, own.pk, draft.pk}
    assert ids(**march, counted=True) == {shared.pk, own.pk}
    assert ids(**march, counted=True, credited_to=cast.rep_b.person) == {shared.pk}  # 40% of it
    assert ids(**march, credited_to=cast.rep_a.person) == {shared.pk}
    assert ids(credited_to=cast.team_b) == {shared.pk}
    assert ids(credited_to=cast.team_a, counted=True) == {shared.pk, own.pk, april.pk}


def test_revisions_to_decide_are_those_of_the_level_below(cast):
    team = make_target(cast.director, unit=cast.team_a, value="300")
    services.target_split(actor=cast.director.user, target=team, method="equal")
    services.target_approve(actor=cast.director.user, target=team)
    rep_target = team.children.get(person=cast.rep_a.person)
    asked = services.target_adjust(actor=cast.rep_a.user, target=rep_target, new_value="120", reason="多")
    by_lead = services.target_adjust(actor=cast.lead_a.user, target=team, new_value="400", reason="多")

    def pending(member):
        return set(selectors.revisions_to_decide(member.user).values_list("pk", flat=True))

    assert pending(cast.lead_a) == {asked.pk}  # not their own request on their own team
    assert pending(cast.head) == {asked.pk, by_lead.pk}
    assert pending(cast.director) == {asked.pk, by_lead.pk}
    assert pending(cast.lead_b) == set() and pending(cast.rep_a) == set()


def test_rollup_sums_the_submitted_reports(cast):
    reports = [
        ProgressReport(figures=[{"kind": "period", "metric": "sales_amount", "actual": "100.50"}]),
        ProgressReport(
            figures=[
                {"kind": "period", "metric": "sales_amount", "actual": "20.00"},
                {"kind": "period", "metric": "visits", "actual": "3"},
                {"kind": "target", "metric": "sales_amount", "actual": "999"},
            ]
        ),
    ]
    rows = {row["metric"]: (row["total"], row["teams"]) for row in selectors.rollup(reports)}
    assert rows == {"sales_amount": (Decimal("120.50"), 2), "visits": (Decimal("3"), 1)}


@pytest.mark.django_db
def test_feasibility_counts_the_open_pipeline_closing_in_the_period(cast):
    from salescore.pipeline.models import Opportunity, Stage
    from salescore.pipeline.tests.factories import make_opportunity

    team = make_target(cast.director, unit=cast.team_a, value="300000")
    plan = make_plan(cast.lead_a, team)
    today = team.period_start
    inside = today + dt.timedelta(days=10)
    make_opportunity(cast.rep_a, amount=Decimal("1000.00"), expected_close_date=inside)
    make_opportunity(cast.rep_a2, amount=Decimal("500.00"), expected_close_date=inside)
    make_opportunity(
        cast.rep_a, amount=Decimal("7.00"), expected_close_date=team.period_end + dt.timedelta(days=1)
    )
    make_opportunity(cast.rep_b, amount=Decimal("9.00"), expected_close_date=inside)  # another team
    won = make_opportunity(cast.rep_a, amount=Decimal("50.00"), expected_close_date=inside)
    Opportunity.objects.filter(pk=won.pk).update(stage=Stage.objects.filter(is_won=True).first())

    assert selectors.feasibility(plan, today=today).open_pipeline == Decimal("1500.00")
