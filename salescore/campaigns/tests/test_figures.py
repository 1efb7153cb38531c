"""The campaign figures against numbers worked out by hand, and their cost in queries: the same
for 3 campaigns as for 30 (grouped aggregates, not a query per campaign)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.campaigns import selectors, services
from salescore.campaigns.models import Campaign
from salescore.campaigns.tests.factories import campaign_lead, convert, make_campaign, win
from salescore.leads import services as lead_services
from salescore.pipeline import services as pipeline_services
from salescore.pipeline.tests.factories import make_customer, make_opportunity


def _at(day: int):
    """A moment of June 2026, so the order of conversions and openings is plain to read."""
    return time_machine.travel(timezone.make_aware(dt.datetime(2026, 6, day, 10, 0)), tick=True)


@pytest.fixture
def book(cast):
    """Two campaigns with worked-out results (see each test), a planned and a cancelled one."""
    rep = cast.rep_a
    with _at(1):
        fair = make_campaign(
            cast.analyst, name="2026工博会", status="finished", budget="100000", actual_cost="80000"
        )
        online = make_campaign(cast.analyst, name="线上推广", channel="online", budget="30000")
        services.campaign_update(actor=cast.analyst.user, campaign=online, status="running")
        planned = make_campaign(cast.analyst, name="客户技术沙龙", budget="5000")
        cancelled = make_campaign(cast.analyst, name="取消的展会", budget="9000")
        services.campaign_update(actor=cast.analyst.user, campaign=cancelled, status="cancelled")
        existing = make_customer(rep, name="老客户有限公司")
        make_opportunity(rep, existing, name="活动之前的商机")  # before any campaign lead: not credited
    with _at(2):
        leads = [campaign_lead(cast.director, fair, owner=rep.person) for _ in range(7)]
        lead_services.lead_qualify(actor=rep.user, lead=leads[1])
        lead_services.lead_disqualify(actor=rep.user, lead=leads[4], reason="同行")
        lead_services.lead_delete(actor=cast.director.user, lead=leads[5])  # deleted: not counted
    with _at(3):
        won = convert(leads[2])
        customer = won.customer
        open_deal = convert(leads[3])
        pipeline_services.opportunity_update(actor=rep.user, opportunity=open_deal, amount=Decimal("50000"))
        convert(leads[6], customer=existing)  # into an existing customer: its own opportunity counts
    with _at(5):
        win(rep, won, Decimal("200000"))
    with _at(8):
        repeat = make_opportunity(rep, customer, name="二期")  # repeat business of the fair's customer
        win(rep, repeat, Decimal("40000"))
    with _at(10):
        # the same customer comes again through the online promotion: later deals are its own
        online_lead = campaign_lead(cast.director, online, owner=rep.person, channel="online")
        convert(online_lead, customer=customer)
    with _at(12):
        win(rep, make_opportunity(rep, customer, name="三期"), Decimal("10000"))
    return {"fair": fair, "online": online, "planned": planned, "cancelled": cancelled}


def test_figures_match_the_hand_count(book):
    figures = selectors.campaign_figures(Campaign.objects.all())
    fair = figures[book["fair"].pk]
    # leads 1-7 but the deleted 6th; qualified: the 2nd, and the three converted (3rd, 4th, 7th)
    assert (fair.leads, fair.qualified, fair.converted) == (6, 4, 3)
    # the three conversions' opportunities and the repeat deal; the customer's older deal is not
    assert (fair.opportunities, fair.won) == (4, 2)
    assert fair.won_amount == Decimal("240000.00")  # 200,000 + 40,000
    assert fair.pipeline_amount == Decimal("50000.00")
    assert fair.cost == Decimal("80000")  # the actual cost, not the budget
    assert fair.cost_per_lead == Decimal("13333.33")  # 80,000 / 6
    assert fair.roi == Decimal("2.0000")  # (240,000 - 80,000) / 80,000
    assert fair.roi_percent == Decimal("200.0")
    assert fair.conversion_percent == Decimal("50.0")

    online = figures[book["online"].pk]
    assert (online.leads, online.qualified, online.converted, online.opportunities, online.won) == (
        1,
        1,
        1,
        2,
        1,
    )
    assert online.won_amount == Decimal("10000.00")  # the deal after its conversion (last touch)
    assert online.cost == Decimal("30000.00")  # no bills yet: the budget
    assert online.roi == Decimal("-0.6667")  # (10,000 - 30,000) / 30,000
    assert online.cost_per_lead == Decimal("30000.00")

    planned = figures[book["planned"].pk]
    assert (planned.leads, planned.opportunities, planned.won_amount) == (0, 0, Decimal("0"))
    assert planned.cost == Decimal("5000.00") and planned.roi is None and planned.cost_per_lead is None

    cancelled = figures[book["cancelled"].pk]
    assert cancelled.cost == Decimal("0.00") and cancelled.roi is None


def test_no_opportunity_counts_for_two_campaigns(book):
    credited = list(
        selectors.credited_opportunities([book["fair"].pk, book["online"].pk]).values_list(
            "pk", "campaign_id"
        )
    )
    assert len(credited) == len({pk for pk, _campaign in credited}) == 6


def test_a_deleted_opportunity_leaves_the_figures(cast, book):
    deal = selectors.credited_opportunities([book["fair"].pk]).get(amount=Decimal("50000"))
    pipeline_services.opportunity_delete(actor=cast.director.user, opportunity=deal)
    fair = selectors.campaign_figures([book["fair"]])[book["fair"].pk]
    assert (fair.opportunities, fair.pipeline_amount) == (3, Decimal("0.00"))


def test_the_lead_statuses_of_a_campaign(book):
    counts = {status: n for status, _label, n in selectors.campaign_lead_statuses(book["fair"])}
    assert counts == {"new": 1, "contacted": 0, "qualified": 1, "converted": 3, "disqualified": 1}


# -- a fixed number of queries, whatever the number of campaigns ----------------------------------------


def _grow(cast, n: int) -> None:
    """n more campaigns, each with a lead, every other one converted."""
    start = Campaign.objects.count()
    for i in range(start, start + n):
        campaign = make_campaign(
            cast.analyst, name=f"增长活动{i}", channel=["offline_event", "online"][i % 2]
        )
        lead = campaign_lead(cast.director, campaign, owner=cast.rep_a.person)
        if i % 2:
            convert(lead)


def _count(callable_) -> int:
    with CaptureQueriesContext(connection) as ctx:
        callable_()
    return len(ctx)


def test_figures_cost_two_queries_for_any_number_of_campaigns(cast):
    _grow(cast, 3)
    assert _count(lambda: selectors.campaign_figures(list(Campaign.objects.all()))) == 3  # with the list
    _grow(cast, 27)
    campaigns = list(Campaign.objects.all())
    assert len(campaigns) == 30
    assert _count(lambda: selectors.campaign_figures(campaigns)) == 2
    assert _count(lambda: selectors.campaign_figures([])) == 0


@pytest.mark.parametrize(
    ("viewer", "url"),
    [
        ("analyst", "/campaigns/"),
        ("rep_a", "/campaigns/?status=planned"),
        ("director", "/campaigns/?channel=online&year=2026"),
        ("head", "/api/v1/campaigns"),
        ("rep_b", "/api/v1/campaigns?year=2026&status=planned"),
    ],
)
def test_list_page_and_api_cost_the_same_for_3_and_30_campaigns(cast, client_as, viewer, url):
    client = client_as(getattr(cast, viewer))
    _grow(cast, 3)
    client.get(url)  # the first request caches what every page needs
    small = _count(lambda: _ok(client, url, 3))
    _grow(cast, 27)
    assert _count(lambda: _ok(client, url, 25)) == small
    assert small <= 12


def _ok(client, url, at_least):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    rows = response.json()["items"] if url.startswith("/api/") else response.context["page"].items
    assert len(rows) >= min(at_least, 1)
    return response
