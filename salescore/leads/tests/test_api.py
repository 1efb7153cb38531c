"""The leads API: every endpoint as owner, assigner and outsider, the one error shape, scope and
pagination, and a fixed number of queries for the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescore.customers import services as customer_services
from salescore.customers.models import Contact, Customer
from salescore.leads.models import AssignmentRule, Lead, LeadTouch
from salescore.leads.tests.factories import make_lead, make_rule, region, unique_phone

JSON = "application/json"


def _error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code, body
    assert body["message"]
    if field is not None:
        assert field in body["fields"], body
        assert body["fields"][field]
    return body


@pytest.fixture
def api(cast, api_as):
    """api(member) -> an English-speaking API client with a token for them."""

    def make(member):
        client = api_as(member)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def book(cast):
    make_rule(cast.director, cast.team_a, region_code="320000", name="江苏")
    make_rule(cast.director, cast.team_b, region_code="440000", name="广东")
    return {
        "ours": make_lead(cast.agent, region="320000", name="江苏客户"),  # rep_a
        "theirs": make_lead(cast.agent, region="440000", name="广东客户"),  # rep_b
        "unassigned": make_lead(cast.agent, region="350000", name="福建客户"),
    }


# -- leads ---------------------------------------------------------------------------------------------


def test_create_read_update_delete(cast, api, book):
    agent = api(cast.agent)
    response = agent.post(
        "/api/v1/leads",
        {
            "name": "接口客户",
            "company": "苏州接口科技有限公司",
            "phone": "+86 139 0000 1111",
            "email": "api@example.cn",
            "channel": "online",
            "source_detail": "官网表单",
            "region_id": region("320500").pk,
            "industry": "it",
            "interest": "MES 系统",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    lead = response.json()
    assert lead["owner_id"] == cast.rep_a2.pk  # round-robin: rep_a had the fixture's lead
    assert lead["owner_name"] == "吴代表" and lead["region_name"] == "Suzhou"  # in the caller's language
    assert lead["status"] == "new" and lead["overdue"] is False and lead["version"] >= 1

    # the agent who registered it does not see it afterwards; its owner does
    _error(agent.get(f"/api/v1/leads/{lead['id']}"), 404, "not_found")
    owner = api(cast.rep_a2)
    assert owner.get(f"/api/v1/leads/{lead['id']}").json()["source_detail"] == "官网表单"

    response = owner.patch(
        f"/api/v1/leads/{lead['id']}",
        {"version": lead["version"], "title": "IT 经理", "source_detail": None},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["source_detail"], body["campaign_id"]) == ("IT 经理", "", None)

    _error(owner.delete(f"/api/v1/leads/{lead['id']}"), 403, "permission_denied")
    assert api(cast.lead_a).delete(f"/api/v1/leads/{lead['id']}").status_code == 204
    assert Lead.all_objects.get(pk=lead["id"]).is_deleted
    _error(owner.get(f"/api/v1/leads/{lead['id']}"), 404, "not_found")


def test_list_is_scoped_filtered_and_paginated(cast, api, book):
    def ids(member, **params):
        body = api(member).get("/api/v1/leads", params).json()
        return {item["id"] for item in body["items"]}

    ours, theirs, unassigned = (book[k].pk for k in ("ours", "theirs", "unassigned"))
    assert ids(cast.rep_a) == {ours}
    assert ids(cast.rep_b) == {theirs}
    assert ids(cast.lead_b) == {theirs, unassigned}  # assigners see the unassigned
    assert ids(cast.agent) == set()
    assert ids(cast.director) == {ours, theirs, unassigned}
    assert ids(cast.director, unassigned_only=True) == {unassigned}
    assert ids(cast.director, owner_id=cast.rep_b.pk) == {theirs}
    assert ids(cast.director, q="江苏") == {ours}
    assert ids(cast.rep_a, mine=True) == {ours}
    assert ids(cast.director, overdue_only=True) == set()
    body = api(cast.director).get("/api/v1/leads", {"limit": 2, "offset": 0}).json()
    assert body["count"] == 3 and len(body["items"]) == 2
    _error(api(cast.director).get("/api/v1/leads", {"status": "won"}), 422, "validation_error", "status")
    _error(
        api(cast.director).get("/api/v1/leads", {"owner_id": 999999}), 400, "invalid_reference", "owner_id"
    )


def test_errors_share_one_shape(cast, api, book):
    client = api(cast.agent)
    _error(
        client.post("/api/v1/leads", {"channel": "phone"}, content_type=JSON), 422, "validation_error", "name"
    )
    _error(
        client.post("/api/v1/leads", {"name": "x", "channel": "fax", "phone": "1"}, content_type=JSON),
        422,
        "validation_error",
        "channel",
    )
    _error(
        client.post("/api/v1/leads", {"name": "x", "channel": "phone"}, content_type=JSON),
        400,
        "required",
        "phone",
    )
    body = _error(
        client.post(
            "/api/v1/leads",
            {"name": "重复", "channel": "phone", "phone": book["ours"].phone},
            content_type=JSON,
        ),
        400,
        "duplicate",
        "phone",
    )
    assert "江苏客户" in body["message"]
    _error(
        client.post(
            "/api/v1/leads",
            {"name": "x", "channel": "phone", "phone": unique_phone(), "region_id": 999999},
            content_type=JSON,
        ),
        400,
        "invalid_reference",
        "region_id",
    )
    _error(
        client.post(
            "/api/v1/leads",
            {"name": "x", "channel": "phone", "phone": unique_phone(), "owner_id": cast.rep_a.pk},
            content_type=JSON,
        ),
        403,
        "permission_denied",
    )
    owner = api(cast.rep_a)
    lead = book["ours"]
    _error(
        owner.patch(f"/api/v1/leads/{lead.pk}", {"name": "x"}, content_type=JSON),
        422,
        "validation_error",
        "version",
    )
    _error(
        owner.patch(f"/api/v1/leads/{lead.pk}", {"version": 99, "name": "x"}, content_type=JSON),
        409,
        "conflict",
    )


def test_outsiders_get_404_on_every_lead_endpoint(cast, api, book):
    lead = book["ours"]
    client = api(cast.rep_b)
    base = f"/api/v1/leads/{lead.pk}"
    _error(client.get(base), 404, "not_found")
    _error(client.patch(base, {"version": 1, "name": "x"}, content_type=JSON), 404, "not_found")
    _error(client.delete(base), 404, "not_found")
    _error(client.get(f"{base}/touches"), 404, "not_found")
    for path, payload in (
        ("touches", {"channel": "phone", "summary": "x"}),
        ("assign", {"owner_id": cast.rep_b.pk}),
        ("qualify", {}),
        ("disqualify", {"reason": "x"}),
        ("convert", {}),
    ):
        _error(client.post(f"{base}/{path}", payload, content_type=JSON), 404, "not_found")
    assert not LeadTouch.objects.exists()
    # a teammate who does not own it does not see it either
    _error(api(cast.rep_a2).get(base), 404, "not_found")


# -- touches and status --------------------------------------------------------------------------------


def test_touches_qualify_and_disqualify(cast, api, book):
    client = api(cast.rep_a)
    base = f"/api/v1/leads/{book['ours'].pk}"
    response = client.post(
        f"{base}/touches", {"channel": "phone", "summary": "首次电话", "reached": False}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    touch = response.json()
    assert (touch["channel"], touch["by_id"], touch["by_name"], touch["reached"]) == (
        "phone",
        cast.rep_a.pk,
        "刘代表",
        False,
    )
    client.post(f"{base}/touches", {"channel": "email", "summary": "发送资料"}, content_type=JSON)
    body = client.get(f"{base}/touches").json()
    assert body["count"] == 2 and [t["summary"] for t in body["items"]] == ["发送资料", "首次电话"]
    lead = client.get(base).json()
    assert lead["status"] == "contacted" and lead["first_contacted_at"] == touch["at"]

    assert client.post(f"{base}/qualify").json()["status"] == "qualified"
    _error(client.post(f"{base}/disqualify", {}, content_type=JSON), 422, "validation_error", "reason")
    body = client.post(f"{base}/disqualify", {"reason": "没有预算"}, content_type=JSON).json()
    assert (body["status"], body["disqualify_reason"]) == ("disqualified", "没有预算")
    _error(
        client.post(f"{base}/touches", {"channel": "phone", "summary": "x"}, content_type=JSON), 400, "closed"
    )
    _error(client.post(f"{base}/qualify"), 400, "closed")


# -- assignment ----------------------------------------------------------------------------------------


def test_assign(cast, api, book):
    base = f"/api/v1/leads/{book['unassigned'].pk}"
    body = api(cast.lead_b).post(f"{base}/assign", {"owner_id": cast.rep_b.pk}, content_type=JSON).json()
    assert body["owner_id"] == cast.rep_b.pk and body["assigned_at"]
    _error(
        api(cast.lead_b).post(f"{base}/assign", {"owner_id": cast.rep_a.pk}, content_type=JSON),
        400,
        "out_of_scope",
        "owner_id",
    )
    _error(
        api(cast.director).post(f"{base}/assign", {"owner_id": cast.clerk.pk}, content_type=JSON),
        400,
        "invalid_owner",
        "owner_id",
    )
    _error(
        api(cast.director).post(f"{base}/assign", {"owner_id": 999999}, content_type=JSON),
        400,
        "invalid_reference",
        "owner_id",
    )
    # now rep_b's: rep_b, as a rep, may not hand it on
    _error(
        api(cast.rep_b).post(f"{base}/assign", {"owner_id": cast.rep_a.pk}, content_type=JSON),
        400,
        "out_of_scope",
    )


# -- conversion ----------------------------------------------------------------------------------------


def test_convert_into_a_new_customer(cast, api, book):
    lead = book["theirs"]
    response = api(cast.rep_b).post(
        f"/api/v1/leads/{lead.pk}/convert",
        {"customer_name": "广东接口客户有限公司", "opportunity_name": "接口商机"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["lead_id"] == lead.pk and body["opportunity_id"]
    customer = Customer.objects.get(pk=body["customer_id"])
    assert customer.name == "广东接口客户有限公司" and customer.owner_id == cast.rep_b.pk
    assert Contact.objects.get(pk=body["contact_id"]).customer_id == customer.pk
    lead = api(cast.rep_b).get(f"/api/v1/leads/{lead.pk}").json()
    assert (lead["status"], lead["customer_id"], lead["opportunity_id"]) == (
        "converted",
        body["customer_id"],
        body["opportunity_id"],
    )
    _error(api(cast.rep_b).post(f"/api/v1/leads/{lead['id']}/convert", {}, content_type=JSON), 400, "closed")


def test_convert_clash_then_into_the_existing_customer(cast, api, book):
    lead = book["theirs"]
    existing = customer_services.customer_create(actor=cast.rep_b.user, name="广东已有客户")
    known = customer_services.contact_create(
        actor=cast.rep_b.user, customer=existing, name="老联系人", mobile=lead.phone
    )
    client = api(cast.rep_b)
    customers = Customer.objects.count()
    _error(
        client.post(f"/api/v1/leads/{lead.pk}/convert", {}, content_type=JSON),
        400,
        "duplicate",
        "customer_id",
    )
    assert Customer.objects.count() == customers
    body = client.post(
        f"/api/v1/leads/{lead.pk}/convert",
        {"customer_id": existing.pk, "create_opportunity": False},
        content_type=JSON,
    ).json()
    assert body == {
        "lead_id": lead.pk,
        "customer_id": existing.pk,
        "contact_id": known.pk,
        "opportunity_id": None,
    }


def test_convert_needs_an_owner_and_a_customer_in_scope(cast, api, book):
    _error(
        api(cast.director).post(f"/api/v1/leads/{book['unassigned'].pk}/convert", {}, content_type=JSON),
        400,
        "unassigned",
        "owner_id",
    )
    theirs = customer_services.customer_create(actor=cast.rep_a.user, name="别队客户")
    _error(
        api(cast.rep_b).post(
            f"/api/v1/leads/{book['theirs'].pk}/convert", {"customer_id": theirs.pk}, content_type=JSON
        ),
        404,
        "not_found",
    )


# -- rules ---------------------------------------------------------------------------------------------


def test_rules(cast, api, book):
    client = api(cast.lead_a)
    body = client.get("/api/v1/lead-rules").json()
    assert [r["name"] for r in body["items"]] == ["江苏", "广东"]
    assert body["items"][0]["team_name"] == "华东一组" and body["items"][0]["region_name"] == "Jiangsu"

    response = client.post(
        "/api/v1/lead-rules",
        {"name": "上海", "region_id": region("310000").pk, "team_id": cast.team_a.pk, "priority": 5},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    rule = response.json()
    assert (rule["channel"], rule["priority"], rule["active"]) == ("", 5, True)
    assert make_lead(cast.agent, region="310000").owner.org_unit_id == cast.team_a.pk

    response = client.patch(
        f"/api/v1/lead-rules/{rule['id']}", {"version": rule["version"], "active": False}, content_type=JSON
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert make_lead(cast.agent, region="310000").owner_id is None

    _error(
        client.post("/api/v1/lead-rules", {"name": "x", "team_id": cast.team_b.pk}, content_type=JSON),
        400,
        "out_of_scope",
        "team_id",
    )
    _error(
        api(cast.director).post(
            "/api/v1/lead-rules", {"name": "x", "team_id": cast.care_team.pk}, content_type=JSON
        ),
        400,
        "invalid",
        "team_id",
    )
    _error(api(cast.rep_a).get("/api/v1/lead-rules"), 403, "permission_denied")
    _error(
        api(cast.rep_a).post(
            "/api/v1/lead-rules", {"name": "x", "team_id": cast.team_a.pk}, content_type=JSON
        ),
        403,
        "permission_denied",
    )
    _error(client.patch("/api/v1/lead-rules/999999", {"version": 1}, content_type=JSON), 404, "not_found")
    assert AssignmentRule.objects.count() == 3


# -- query count ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["director", "head", "rep_a"])
def test_list_runs_a_fixed_number_of_queries(
    cast, api, book, django_assert_num_queries, django_assert_max_num_queries, viewer
):
    """4 when written (token, access, count, page), however many leads."""
    client = api(getattr(cast, viewer))
    client.get("/api/v1/leads")  # a token records its first use once; measure the steady state
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/leads?limit=100")
    for i in range(20):
        make_lead(cast.agent, region=["320000", "440100", "350000"][i % 3])
    with django_assert_num_queries(len(small)):
        response = client.get("/api/v1/leads?limit=100")
    with django_assert_max_num_queries(6):
        client.get("/api/v1/leads?limit=100")
    assert response.json()["count"] >= 3
