"""Targets, plans and reports over the API: scoping (404 outside it), the error shape, the
cascade and its refusals, and the order credit split."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from salescore.orders.tests.factories import submitted_order
from salescore.planning.models import Plan, Target
from salescore.planning.tests.factories import make_target, team_cascade, this_year

pytestmark = pytest.mark.django_db


def post(client, url, body=None, method="post"):
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def test_targets_are_scoped_and_carry_progress_and_reconciliation(cast, api_as):
    team_a, team_b = team_cascade(cast)
    rep = api_as(cast.rep_a)
    body = rep.get("/api/v1/targets?metric=sales_amount").json()
    ids = {row["id"] for row in body["items"]}
    assert team_a.pk in ids and team_b.pk not in ids
    assert body["count"] == len(ids) == 2  # team A's and rep_a's own
    row = next(r for r in body["items"] if r["id"] == team_a.pk)
    assert row["reconciliation"] == {
        "has_children": True,
        "children_total": "90000.00",
        "difference": "0.00",
        "reconciled": True,
    }
    assert row["progress"]["actual"] == "0.00"
    assert rep.get(f"/api/v1/targets/{team_b.pk}").status_code == 404
    detail = api_as(cast.director).get(f"/api/v1/targets/{team_a.pk}?bucket=week").json()
    assert len(detail["children"]) == 3 and detail["revisions"] == []


def test_create_split_approve_and_adjust(cast, api_as):
    director = api_as(cast.director)
    created = post(
        director,
        "/api/v1/targets",
        {
            "metric": "sales_amount",
            "period_kind": "year",
            "period_start": this_year().isoformat(),
            "value": "100000.00",
            "org_unit_id": cast.team_a.pk,
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    split = post(director, f"/api/v1/targets/{pk}/split", {"method": "equal"})
    assert sorted(Decimal(r["value"]) for r in split.json()) == [
        Decimal("33333.33"),
        Decimal("33333.33"),
        Decimal("33333.34"),
    ]
    manual = {str(r["person_id"]): "100" for r in split.json()}
    post(director, f"/api/v1/targets/{pk}/split", {"method": "manual", "values": manual})
    refused = post(director, f"/api/v1/targets/{pk}/approve")
    assert refused.status_code == 400 and refused.json()["code"] == "not_reconciled"
    post(director, f"/api/v1/targets/{pk}/split", {"method": "equal"})
    assert post(director, f"/api/v1/targets/{pk}/approve").json()["status"] == "approved"
    adjusted = post(director, f"/api/v1/targets/{pk}/adjust", {"new_value": "120000", "reason": "市场扩大"})
    assert adjusted.status_code == 201 and adjusted.json()["status"] == "approved"
    target = Target.objects.get(pk=pk)
    assert (target.value, target.original_value) == (Decimal("120000.00"), Decimal("100000.00"))


def test_errors_share_one_shape(cast, api_as):
    rep = api_as(cast.rep_a)
    body = {"metric": "sales_amount", "period_kind": "year", "period_start": this_year().isoformat()}
    forbidden = post(rep, "/api/v1/targets", {**body, "value": "1", "person_id": cast.rep_a.pk})
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "permission_denied"
    director = api_as(cast.director)
    invalid = post(director, "/api/v1/targets", {**body, "value": "-1", "org_unit_id": cast.team_a.pk})
    assert invalid.status_code == 422 and "value" in invalid.json()["fields"]
    bad_period = post(
        director, "/api/v1/targets", {**body, "period_start": "2026-02-01", "value": "1", "org_unit_id": 1}
    )
    assert bad_period.status_code == 400 and bad_period.json()["code"] == "invalid_period"
    nowhere = post(director, "/api/v1/targets", {**body, "value": "1", "person_id": 999999})
    assert nowhere.status_code == 400 and "person_id" in nowhere.json()["fields"]
    assert api_as(cast.rep_a).get("/api/v1/targets?limit=1000").status_code == 422


def test_plans_over_the_api(cast, api_as):
    team_a = make_target(cast.director, unit=cast.team_a, value="1000")
    lead = api_as(cast.lead_a)
    created = post(
        lead,
        "/api/v1/plans",
        {
            "target_id": team_a.pk,
            "title": "计划",
            "product_strategy": "A",
            "price_strategy": "B",
            "channel_strategy": "C",
            "promotion_strategy": "D",
            "channels": ["visit"],
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    step = post(
        lead,
        f"/api/v1/plans/{pk}/steps",
        {
            "title": "拜访",
            "owner_id": cast.rep_a.pk,
            "start_date": this_year().isoformat(),
            "due_date": this_year().replace(month=2).isoformat(),
        },
    )
    assert step.status_code == 201
    assert post(lead, f"/api/v1/plans/{pk}/submit").json()["status"] == "submitted"
    assert api_as(cast.lead_b).get(f"/api/v1/plans/{pk}").status_code == 404
    head = api_as(cast.head)
    assert [p["id"] for p in head.get("/api/v1/plans?to_decide=true").json()["items"]] == [pk]
    assert post(head, f"/api/v1/plans/{pk}/decide", {"approve": True}).json()["status"] == "approved"
    assert post(head, f"/api/v1/plans/{pk}/status", {"status": "active"}).json()["status"] == "active"
    feasibility = lead.get(f"/api/v1/plans/{pk}/feasibility").json()
    assert feasibility["remaining"] == "1000.00" and "feasible" in feasibility
    assert Plan.objects.get().status == Plan.Status.ACTIVE


def test_reports_over_the_api(cast, api_as):
    lead = api_as(cast.lead_a)
    started = post(lead, "/api/v1/reports", {"kind": "weekly"})
    assert started.status_code == 201
    pk = started.json()["id"]
    assert {row["metric"] for row in started.json()["figures"]} >= {"sales_amount", "new_customers"}
    refused = post(lead, f"/api/v1/reports/{pk}/submit")
    assert refused.status_code == 400 and "commentary" in refused.json()["fields"]
    post(lead, f"/api/v1/reports/{pk}", {"commentary": "好"}, method="patch")
    assert post(lead, f"/api/v1/reports/{pk}/submit").json()["status"] == "submitted"
    due = api_as(cast.head).get("/api/v1/reports/due?kind=weekly").json()
    states = {row["org_unit_id"]: row["state"] for row in due["teams"]}
    assert states[cast.team_a.pk] == "submitted" and states[cast.team_b.pk] in ("missing", "not_due")
    assert api_as(cast.rep_a).get("/api/v1/reports/due").status_code == 403
    assert api_as(cast.lead_b).get(f"/api/v1/reports/{pk}").status_code == 404


def test_order_credits_endpoint(cast, api_as):
    order = submitted_order(cast.rep_a)
    rep = api_as(cast.rep_a)
    url = f"/api/v1/orders/{order.pk}/credits"
    body = {
        "shares": [{"person_id": cast.rep_a.pk, "share": "60"}, {"person_id": cast.rep_b.pk, "share": "40"}]
    }
    answer = post(rep, url, body, method="put")
    assert answer.status_code == 200, answer.content
    assert {(r["person_id"], r["share"]) for r in answer.json()} == {
        (cast.rep_a.pk, "60.00"),
        (cast.rep_b.pk, "40.00"),
    }
    wrong = post(rep, url, {"shares": [{"person_id": cast.rep_a.pk, "share": "50"}]}, method="put")
    assert wrong.status_code == 400 and "shares" in wrong.json()["fields"]
    assert post(api_as(cast.rep_b), url, body, method="put").status_code == 404


def test_openapi_lists_the_planning_endpoints(cast, client_as):
    schema = client_as(cast.director).get("/api/v1/openapi.json").json()
    for path in ("/api/v1/targets", "/api/v1/plans/{plan_id}/feasibility", "/api/v1/reports/due"):
        assert path in schema["paths"]
    assert "/api/v1/orders/{order_id}/credits" in schema["paths"]


def test_null_clears_plan_fields_without_breaking_the_answer(cast, api_as):
    # found by fuzzing the OpenAPI schema: "channels": null stored "" and the answer failed
    team_a = make_target(cast.director, unit=cast.team_a, value="1000")
    lead = api_as(cast.lead_a)
    created = post(lead, "/api/v1/plans", {"target_id": team_a.pk, "title": "计划", "channels": None})
    assert created.status_code == 201, created.content
    assert created.json()["channels"] == []
    patched = lead.patch(
        f"/api/v1/plans/{created.json()['id']}",
        {"channels": None, "product_strategy": None},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["channels"] == [] and patched.json()["product_strategy"] == ""


def test_a_plan_links_price_lists_and_campaigns(cast, api_as, client_as):
    from salescore.campaigns.tests.factories import make_campaign
    from salescore.catalog.tests.factories import make_price_list
    from salescore.core.models import AuditLog

    team_a = make_target(cast.director, unit=cast.team_a, value="1000")
    key_accounts = make_price_list(cast, name="大客户协议价")
    fair = make_campaign(cast.director, name="工博会")
    lead = api_as(cast.lead_a)
    created = post(
        lead,
        "/api/v1/plans",
        {
            "target_id": team_a.pk,
            "title": "计划",
            "price_list_ids": [key_accounts.pk],
            "campaign_ids": [fair.pk],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["price_list_ids"] == [key_accounts.pk] and body["campaign_ids"] == [fair.pk]

    missing = post(lead, f"/api/v1/plans/{body['id']}", {"campaign_ids": [987654]}, method="patch")
    assert missing.status_code == 400 and "campaign_ids" in missing.json()["fields"]
    cleared = post(
        lead, f"/api/v1/plans/{body['id']}", {"campaign_ids": [], "version": body["version"]}, method="patch"
    )
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["campaign_ids"] == [] and cleared.json()["price_list_ids"] == [key_accounts.pk]
    plan = Plan.objects.get()
    changed = [
        row.changes for row in AuditLog.objects.filter(object_id=plan.pk) if "campaigns" in row.changes
    ]
    # The audit trail keeps both changes of the set: linked, then unlinked.
    assert any(c["campaigns"]["old"] == [fair.pk] and c["campaigns"]["new"] == [] for c in changed)
    page = client_as(cast.lead_a).get(f"/plans/{plan.pk}/").text
    assert "大客户协议价" in page


def test_a_plan_naming_a_missing_product_is_not_created(cast, api_as):
    # found by test_api_fuzz: the plan was saved before its product ids were looked up
    team_a = make_target(cast.director, unit=cast.team_a, value="1000")
    lead = api_as(cast.lead_a)
    refused = post(lead, "/api/v1/plans", {"target_id": team_a.pk, "title": "计划", "product_ids": [10**30]})
    assert refused.status_code == 400, refused.content
    assert refused.json()["code"] == "invalid_reference" and "product_ids" in refused.json()["fields"]
    assert not Plan.objects.exists()
