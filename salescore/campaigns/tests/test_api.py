"""The campaigns API: every endpoint as planner, seller and outsider, the one error shape with
the field named, figures in each answer, and the lead API's campaign."""

from __future__ import annotations

import pytest

from salescore.campaigns.models import Campaign
from salescore.campaigns.tests.factories import campaign_lead, convert, make_campaign, win

JSON = "application/json"


def _error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code, body
    assert body["message"]
    if field is not None:
        assert field in body["fields"], body
    return body


@pytest.fixture
def api(cast, api_as):
    def make(member):
        client = api_as(member)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


PAYLOAD = {
    "name": "2026工博会",
    "channel": "offline_event",
    "start_date": "2026-09-16",
    "end_date": "2026-09-20",
    "budget": "180000.00",
    "expected_leads": 40,
}


def test_create_read_update_delete(cast, api):
    analyst = api(cast.analyst)
    response = analyst.post("/api/v1/campaigns", PAYLOAD, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_id"] == cast.analyst.pk and body["org_unit_id"] == cast.research_team.pk
    assert (body["status"], body["budget"], body["actual_cost"], body["currency"]) == (
        "planned",
        "180000.00",
        None,
        "CNY",
    )
    assert body["figures"] == {
        "leads": 0,
        "qualified": 0,
        "converted": 0,
        "opportunities": 0,
        "won": 0,
        "won_amount": "0.00",
        "pipeline_amount": "0.00",
        "cost": "180000.00",
        "cost_per_lead": None,
        "roi": None,
        "currency": "CNY",
    }

    # every seller reads it
    assert api(cast.rep_b).get(f"/api/v1/campaigns/{body['id']}").json()["name"] == "2026工博会"

    response = analyst.patch(
        f"/api/v1/campaigns/{body['id']}",
        {"version": body["version"], "status": "finished", "actual_cost": "172600.00", "description": None},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    changed = response.json()
    assert (changed["status"], changed["actual_cost"], changed["figures"]["cost"]) == (
        "finished",
        "172600.00",
        "172600.00",
    )
    _error(
        analyst.patch(
            f"/api/v1/campaigns/{body['id']}", {"version": body["version"], "name": "x"}, content_type=JSON
        ),
        409,
        "conflict",
    )

    _error(api(cast.rep_a).delete(f"/api/v1/campaigns/{body['id']}"), 403, "permission_denied")
    assert analyst.delete(f"/api/v1/campaigns/{body['id']}").status_code == 204
    _error(analyst.get(f"/api/v1/campaigns/{body['id']}"), 404, "not_found")
    # the recycle bin's endpoint brings it back (directors and administrators)
    restored = api(cast.director).post(f"/api/v1/trash/campaigns.campaign/{body['id']}/restore")
    assert restored.status_code == 200, restored.content
    assert Campaign.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": "2026-09-01"}, "end_date"),
        ({"budget": "-1"}, "budget"),
        ({"actual_cost": "-0.01"}, "actual_cost"),
        ({"owner_id": 999999}, "owner_id"),
    ],
)
def test_refusals_name_the_field(cast, api, changes, field):
    response = api(cast.analyst).post("/api/v1/campaigns", {**PAYLOAD, **changes}, content_type=JSON)
    _error(response, 400, response.json()["code"], field)
    assert not Campaign.objects.exists()


def test_schema_errors_share_the_shape(cast, api):
    _error(
        api(cast.analyst).post("/api/v1/campaigns", {**PAYLOAD, "channel": "fax"}, content_type=JSON),
        422,
        "validation_error",
        "channel",
    )
    _error(api(cast.analyst).get("/api/v1/campaigns?year=99"), 422, "validation_error", "year")


def test_who_may_do_what(cast, api):
    _error(api(cast.rep_a).post("/api/v1/campaigns", PAYLOAD, content_type=JSON), 403, "permission_denied")
    _error(api(cast.agent).get("/api/v1/campaigns"), 403, "permission_denied")
    campaign = make_campaign(cast.analyst)
    # Sales Management's head plans campaigns but changes only those in their chain: 403
    _error(
        api(cast.head).patch(
            f"/api/v1/campaigns/{campaign.pk}", {"version": 1, "budget": "1"}, content_type=JSON
        ),
        403,
        "permission_denied",
    )
    _error(api(cast.rep_a).get("/api/v1/campaigns/999999"), 404, "not_found")


def test_the_list_filters_and_carries_the_figures(cast, api):
    fair = make_campaign(cast.analyst, name="展会", status="finished", budget="20000")
    make_campaign(cast.analyst, name="直播", channel="online")
    deal = convert(campaign_lead(cast.director, fair, owner=cast.rep_a.person))
    win(cast.rep_a, deal, "50000")
    campaign_lead(cast.director, fair, owner=cast.rep_b.person)

    body = api(cast.rep_b).get("/api/v1/campaigns?status=finished").json()
    assert body["count"] == 1
    figures = body["items"][0]["figures"]
    assert (figures["leads"], figures["converted"], figures["won"], figures["won_amount"]) == (
        2,
        1,
        1,
        "50000.00",
    )
    assert (figures["cost_per_lead"], figures["roi"]) == ("10000.00", "1.5000")  # (50,000 - 20,000) / 20,000
    assert [c["name"] for c in api(cast.rep_b).get("/api/v1/campaigns?channel=online").json()["items"]] == [
        "直播"
    ]
    assert api(cast.rep_b).get("/api/v1/campaigns?year=2025").json()["count"] == 0


def test_the_lead_api_sets_filters_and_scopes_by_campaign(cast, api):
    fair = make_campaign(cast.analyst, name="展会")
    cancelled = make_campaign(cast.analyst, name="取消", status="cancelled")
    director = api(cast.director)
    response = director.post(
        "/api/v1/leads",
        {"name": "赵先生", "phone": "13712345678", "channel": "offline_event", "campaign_id": fair.pk,
         "owner_id": cast.rep_a.pk},
        content_type=JSON,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    lead = response.json()
    assert (lead["campaign_id"], lead["campaign_name"]) == (fair.pk, "展会")
    campaign_lead(cast.director, fair, owner=cast.rep_b.person)

    # each rep lists only their own lead of the campaign; the director both
    for member, expected in ((cast.rep_a, 1), (cast.rep_b, 1), (cast.director, 2)):
        assert api(member).get(f"/api/v1/leads?campaign_id={fair.pk}").json()["count"] == expected
    _error(director.get("/api/v1/leads?campaign_id=999999"), 400, "invalid_reference", "campaign_id")

    # a cancelled campaign takes no leads; clearing the campaign is allowed
    patch = {"version": lead["version"], "campaign_id": cancelled.pk}
    response = director.patch(f"/api/v1/leads/{lead['id']}", patch, content_type=JSON)
    _error(response, 400, "cancelled_campaign", "campaign_id")
    response = director.patch(
        f"/api/v1/leads/{lead['id']}", {"version": lead["version"], "campaign_id": None}, content_type=JSON
    )
    assert response.status_code == 200 and response.json()["campaign_id"] is None
