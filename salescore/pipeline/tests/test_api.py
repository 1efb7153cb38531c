"""The sales-process API: stages, opportunities and their gated moves, needs, recommendations,
proposed products, scripts, timelines, activities and the board; the one error shape, scope (404),
money as decimal strings, and fixed query counts on the lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.core.services import record_share
from salescore.customers import services as customer_services
from salescore.pipeline import counts, services
from salescore.pipeline.gates import GATES
from salescore.pipeline.models import Activity, NeedsAnalysis, Opportunity, StageChange
from salescore.pipeline.tests.factories import (
    make_contact,
    make_customer,
    make_feature,
    make_opportunity,
    make_product,
    move,
    ready_for,
    stage,
)

JSON = "application/json"


@pytest.fixture
def api(cast, api_as):
    """api(member) -> a token client that asks for English messages."""

    def make(who):
        client = api_as(who)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


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


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def _url(opportunity, suffix: str = "") -> str:
    return f"/api/v1/opportunities/{opportunity.pk}{suffix}"


# -- stages -----------------------------------------------------------------------------------


def test_stages_in_order_with_their_entry_criteria(cast, api):
    response = api(cast.rep_a).get("/api/v1/stages")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 7
    assert [s["code"] for s in body["items"]] == [
        "contact",
        "needs_analysis",
        "recommendation",
        "presentation",
        "order",
        "won",
        "lost",
    ]
    recommendation = body["items"][2]
    assert recommendation["probability"] == "40.00"
    assert recommendation["entry_gates"] == [
        {"key": "has_contact", "label": "a contact person of the customer is linked"},
        {"key": "needs_recorded", "label": "the needs analysis is recorded"},
    ]
    assert (body["items"][5]["is_won"], body["items"][6]["is_lost"]) == (True, True)


# -- opportunities: CRUD ----------------------------------------------------------------------


def test_opportunity_crud(cast, api):
    client = api(cast.rep_a)
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer, name="赵经理")

    # create: money in as a string, out as a string with its currency
    response = client.post(
        "/api/v1/opportunities",
        {
            "name": "二期产线改造",
            "customer_id": customer.pk,
            "contact_ids": [contact.pk],
            "amount": "1234567.5",
            "expected_close_date": "2026-10-31",
            "source": "referral",
            "competitors": "某德资品牌",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["currency"]) == ("1234567.50", "CNY")
    assert body["stage"]["code"] == "contact" and body["probability"] == "10.00"
    assert (body["owner_id"], body["owner_name"]) == (cast.rep_a.pk, cast.rep_a.person.display_name)
    assert (body["customer_id"], body["customer_name"]) == (customer.pk, customer.name)
    assert body["contacts"] == [{"id": contact.pk, "name": "赵经理"}]
    assert body["is_closed"] is False and body["version"] == 1

    # read
    assert client.get(_url(Opportunity(pk=body["id"]))).json()["name"] == "二期产线改造"

    # update a subset; null empties the close date and the competitors; a number is exact too
    response = client.patch(
        f"/api/v1/opportunities/{body['id']}",
        {"version": 1, "amount": 0.1, "expected_close_date": None, "competitors": None, "contact_ids": []},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    updated = response.json()
    assert (updated["amount"], updated["expected_close_date"], updated["competitors"]) == ("0.10", None, "")
    assert updated["contacts"] == [] and updated["version"] == 2
    assert Opportunity.objects.get(pk=body["id"]).amount == Decimal("0.10")

    # a stale version
    _error(
        client.patch(f"/api/v1/opportunities/{body['id']}", {"version": 1, "name": "x"}, content_type=JSON),
        409,
        "conflict",
    )

    # delete is soft
    assert client.delete(f"/api/v1/opportunities/{body['id']}").status_code == 204
    assert Opportunity.all_objects.get(pk=body["id"]).is_deleted
    _error(client.get(f"/api/v1/opportunities/{body['id']}"), 404, "not_found")


def test_create_names_the_field_that_points_nowhere(cast, api):
    client = api(cast.rep_a)
    customer = make_customer(cast.rep_a)
    theirs = make_customer(cast.rep_b)
    foreign_contact = make_contact(cast.rep_b, theirs)

    def post(**fields):
        return client.post(
            "/api/v1/opportunities", {"name": "测试", "customer_id": customer.pk, **fields}, content_type=JSON
        )

    _error(post(customer_id=999999), 400, "invalid_reference", "customer_id")
    # a customer outside the caller's scope answers the same: its existence does not leak
    same = _error(post(customer_id=theirs.pk), 400, "invalid_reference", "customer_id")
    assert str(theirs.pk) in same["message"] and theirs.name not in same["message"]
    _error(post(contact_ids=[999999]), 400, "invalid_reference", "contact_ids")
    _error(post(contact_ids=[foreign_contact.pk]), 400, "invalid_reference", "contact_ids")
    other_contact = make_contact(cast.rep_a, make_customer(cast.rep_a))
    _error(post(contact_ids=[other_contact.pk]), 400, "invalid_contact", "contact_ids")
    _error(post(owner_id=999999), 400, "invalid_reference", "owner_id")
    _error(post(owner_id=cast.rep_a2.pk), 400, "out_of_scope", "owner_id")
    _error(post(stage_id=999999), 400, "invalid_reference", "stage_id")
    _error(post(amount="-1"), 400, "invalid", "amount")
    _error(post(amount="1.005"), 422, "validation_error", "amount")
    _error(post(amount="abc"), 422, "validation_error", "amount")
    _error(post(currency="rmb"), 422, "validation_error", "currency")
    _error(post(name=""), 422, "validation_error", "name")
    assert not Opportunity.objects.exists()


def test_create_in_a_later_stage_is_gated(cast, api):
    client = api(cast.rep_a)
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer)

    refused = client.post(
        "/api/v1/opportunities",
        {
            "name": "直接下单",
            "customer_id": customer.pk,
            "contact_ids": [contact.pk],
            "stage_id": stage("order").pk,
        },
        content_type=JSON,
    )
    body = _error(refused, 400, "gate")
    assert set(body["fields"]) == {"needs_recorded", "products_proposed", "amount_set", "close_date_set"}
    assert not Opportunity.objects.exists(), "the refusal undoes the create"

    response = client.post(
        "/api/v1/opportunities",
        {
            "name": "需求已明确",
            "customer_id": customer.pk,
            "contact_ids": [contact.pk],
            "stage_id": stage("needs_analysis").pk,
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    assert response.json()["stage"]["code"] == "needs_analysis"


def test_only_sales_people_open_opportunities(cast, api):
    customer = make_customer(cast.director)
    response = api(cast.director).post(
        "/api/v1/opportunities", {"name": "总监商机", "customer_id": customer.pk}, content_type=JSON
    )
    assert response.status_code == 201, response.content

    customer_services.customer_add_collaborator(
        actor=cast.director.user, customer=customer, person=cast.agent.person
    )
    refused = api(cast.agent).post(
        "/api/v1/opportunities", {"name": "客服商机", "customer_id": customer.pk}, content_type=JSON
    )
    _error(refused, 403, "permission_denied")


def test_opportunity_list_filters_and_orders(cast, api):
    client = api(cast.lead_a)
    big_customer = make_customer(cast.rep_a, name="远大机械有限公司")
    mine = make_opportunity(cast.lead_a, amount="500", expected_close_date=dt.date(2026, 6, 30))
    big = make_opportunity(cast.rep_a, big_customer, amount="90000", expected_close_date=dt.date(2026, 5, 1))
    later = make_opportunity(
        cast.rep_a2, name="年底扩产", amount="100", expected_close_date=dt.date(2026, 12, 1)
    )
    lost = move(cast.rep_a, make_opportunity(cast.rep_a, amount="1"), "lost", reason="无预算")
    make_opportunity(cast.rep_b)  # another team

    assert set(_ids(client.get("/api/v1/opportunities"))) == {mine.pk, big.pk, later.pk, lost.pk}
    assert _ids(client.get("/api/v1/opportunities?q=远大")) == [big.pk]
    assert _ids(client.get("/api/v1/opportunities?q=扩产")) == [later.pk]
    assert _ids(client.get(f"/api/v1/opportunities?stage_id={stage('lost').pk}")) == [lost.pk]
    assert _ids(client.get(f"/api/v1/opportunities?owner_id={cast.rep_a2.pk}")) == [later.pk]
    assert _ids(client.get(f"/api/v1/opportunities?customer_id={big_customer.pk}")) == [big.pk]
    assert lost.pk not in _ids(client.get("/api/v1/opportunities?open_only=true"))
    assert set(_ids(client.get("/api/v1/opportunities?closing_before=2026-06-30"))) == {mine.pk, big.pk}
    assert _ids(client.get("/api/v1/opportunities?order=-amount"))[:2] == [big.pk, mine.pk]
    assert _ids(client.get("/api/v1/opportunities?order=close_date"))[:3] == [big.pk, mine.pk, later.pk]
    assert _ids(client.get("/api/v1/opportunities?order=-amount&limit=1&offset=1")) == [mine.pk]

    _error(client.get("/api/v1/opportunities?stage_id=999999"), 400, "invalid_reference", "stage_id")
    _error(client.get("/api/v1/opportunities?customer_id=999999"), 400, "invalid_reference", "customer_id")
    _error(client.get("/api/v1/opportunities?order=owner"), 422, "validation_error", "order")
    _error(client.get("/api/v1/opportunities?closing_before=soon"), 422, "validation_error", "closing_before")


# -- moves --------------------------------------------------------------------------------------


def test_a_refused_move_names_every_missing_criterion(cast, api):
    opportunity = make_opportunity(cast.rep_a, with_contact=False)

    response = api(cast.rep_a).post(
        _url(opportunity, "/move"), {"stage_id": stage("order").pk}, content_type=JSON
    )

    body = _error(response, 400, "gate")
    assert body["fields"] == {
        key: str(GATES[key].label)
        for key in ("has_contact", "needs_recorded", "products_proposed", "amount_set", "close_date_set")
    }
    assert body["message"].startswith("Order needs: a contact person of the customer is linked; ")


def test_moves_through_the_process(cast, api):
    client = api(cast.rep_a)
    opportunity = make_opportunity(cast.rep_a)

    def post_move(code, **extra):
        return client.post(
            _url(opportunity, "/move"), {"stage_id": stage(code).pk, **extra}, content_type=JSON
        )

    response = post_move("needs_analysis", version=1)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stage"]["code"], body["probability"], body["version"]) == ("needs_analysis", "20.00", 2)

    _error(post_move("recommendation", version=1), 409, "conflict")
    _error(post_move("recommendation"), 400, "gate", "needs_recorded")
    _error(post_move("lost"), 400, "gate", "reason")
    _error(
        client.post(_url(opportunity, "/move"), {"stage_id": 999999}, content_type=JSON),
        400,
        "invalid_reference",
        "stage_id",
    )

    body = post_move("lost", reason="客户预算冻结").json()
    assert (body["stage"]["code"], body["is_closed"], body["loss_reason"]) == ("lost", True, "客户预算冻结")
    assert body["closed_at"] is not None
    _error(post_move("contact"), 400, "closed", "stage_id")

    _error(
        client.post(_url(opportunity, "/reopen"), {"reason": ""}, content_type=JSON),
        400,
        "required",
        "reason",
    )
    _error(
        client.post(_url(opportunity, "/reopen"), {}, content_type=JSON), 422, "validation_error", "reason"
    )
    response = client.post(_url(opportunity, "/reopen"), {"reason": "预算解冻"}, content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stage"]["code"], body["is_closed"], body["closed_at"]) == ("needs_analysis", False, None)
    assert StageChange.objects.filter(opportunity=opportunity).count() == 4


def test_gates_per_later_stage(cast, api):
    opportunity = make_opportunity(cast.rep_a)
    services.needs_record(actor=cast.rep_a.user, opportunity=opportunity, needs="节能")

    response = api(cast.rep_a).get(_url(opportunity, "/gates"))

    assert response.status_code == 200, response.content
    rows = {row["stage"]["code"]: row for row in response.json()}
    assert list(rows) == ["needs_analysis", "recommendation", "presentation", "order"]
    assert rows["recommendation"] == {
        "stage": rows["recommendation"]["stage"],
        "ready": True,
        "missing": [],
    }
    assert [m["key"] for m in rows["presentation"]["missing"]] == ["products_proposed"]
    assert [m["key"] for m in rows["order"]["missing"]] == [
        "products_proposed",
        "amount_set",
        "close_date_set",
    ]
    assert rows["order"]["ready"] is False


# -- needs, recommendations, products, script -----------------------------------------------------


def test_needs_analysis(cast, api):
    client = api(cast.rep_a)
    opportunity = make_opportunity(cast.rep_a, currency="USD")
    saving = make_feature("saving", name="节能", name_en="Energy saving")

    _error(client.get(_url(opportunity, "/needs")), 404, "not_found")

    response = client.put(
        _url(opportunity, "/needs"),
        {"needs": "降低能耗", "feature_ids": [saving.pk], "budget_min": "100000", "budget_max": 250000.5},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["budget_min"], body["budget_max"], body["currency"]) == ("100000.00", "250000.50", "USD")
    assert body["features"] == [{"id": saving.pk, "code": "saving", "display_name": "Energy saving"}]

    # PUT replaces: what is left out is emptied
    response = client.put(
        _url(opportunity, "/needs"),
        {"needs": "降低能耗，提高良率", "version": body["version"]},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    again = response.json()
    assert (again["id"], again["features"], again["budget_max"]) == (body["id"], [], None)
    assert client.get(_url(opportunity, "/needs")).json()["needs"] == "降低能耗，提高良率"

    _error(
        client.put(_url(opportunity, "/needs"), {"needs": "x", "version": 1}, content_type=JSON),
        409,
        "conflict",
    )
    _error(
        client.put(
            _url(opportunity, "/needs"),
            {"needs": "x", "budget_min": "9", "budget_max": "1"},
            content_type=JSON,
        ),
        400,
        "invalid",
        "budget_max",
    )
    _error(
        client.put(_url(opportunity, "/needs"), {"needs": "x", "budget_min": "-9"}, content_type=JSON),
        400,
        "invalid",
        "budget_min",
    )
    _error(
        client.put(_url(opportunity, "/needs"), {"needs": "x", "feature_ids": [999999]}, content_type=JSON),
        400,
        "invalid_reference",
        "feature_ids",
    )
    _error(
        client.put(_url(opportunity, "/needs"), {"needs": " "}, content_type=JSON), 400, "required", "needs"
    )


def test_recommendations_and_proposed_products(cast, api):
    client = api(cast.rep_a)
    precision = make_feature("precision")
    best = make_product(
        code="A-1",
        features=[precision],
        industries=["automotive"],
        list_price=Decimal("1999.9"),
        price_floor=Decimal("1500"),
    )
    other = make_product(code="B-2", features=[precision])
    retired = make_product(code="C-3", features=[precision], active=False)
    opportunity = make_opportunity(cast.rep_a, make_customer(cast.rep_a, industry="automotive"))
    services.needs_record(
        actor=cast.rep_a.user, opportunity=opportunity, needs="高精度", features=[precision]
    )

    response = client.get(_url(opportunity, "/recommendations"))
    assert response.status_code == 200, response.content
    ranked = response.json()
    assert [(r["product"]["code"], r["score"], r["proposed"]) for r in ranked] == [
        ("A-1", "75.0", False),
        ("B-2", "60.0", False),
    ]
    assert ranked[0]["product"]["list_price"] == "1999.90" and ranked[0]["product"]["currency"] == "CNY"
    assert ranked[0]["reasons"][0].startswith("meets 1 of 1 needed features")
    assert len(client.get(_url(opportunity, "/recommendations?limit=1")).json()) == 1

    # accept the first recommendation
    response = client.post(
        _url(opportunity, "/products"),
        {"product_id": best.pk, "reason": "; ".join(ranked[0]["reasons"]), "score": ranked[0]["score"]},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    line = response.json()
    assert (line["product"]["code"], line["quantity"], line["score"]) == ("A-1", 1, "75.0")
    # again: the same line with the new quantity
    response = client.post(
        _url(opportunity, "/products"), {"product_id": best.pk, "quantity": 4}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["quantity"]) == (line["id"], 4)
    assert client.get(_url(opportunity, "/recommendations")).json()[0]["proposed"] is True

    _error(
        client.post(_url(opportunity, "/products"), {"product_id": retired.pk}, content_type=JSON),
        400,
        "inactive_product",
        "product_id",
    )
    _error(
        client.post(_url(opportunity, "/products"), {"product_id": 999999}, content_type=JSON),
        400,
        "invalid_reference",
        "product_id",
    )
    _error(
        client.post(
            _url(opportunity, "/products"), {"product_id": other.pk, "quantity": 0}, content_type=JSON
        ),
        422,
        "validation_error",
        "quantity",
    )

    response = client.get(_url(opportunity, "/products"))
    assert [row["product"]["code"] for row in response.json()["items"]] == ["A-1"]

    # a line of another opportunity is not found here
    elsewhere = make_opportunity(cast.rep_a)
    assert client.delete(_url(elsewhere, f"/products/{line['id']}")).status_code == 404
    assert client.delete(_url(opportunity, f"/products/{line['id']}")).status_code == 204
    assert client.get(_url(opportunity, "/products")).json()["count"] == 0
    assert client.delete(_url(opportunity, f"/products/{line['id']}")).status_code == 404


def test_the_script_for_the_current_stage(cast, api):
    proposed = make_product()
    contact_stage = stage("contact")
    services.script_save(
        actor=cast.director.user,
        stage=contact_stage,
        title="开场白",
        body="您好，我是…",
        checklist="自我介绍\n确认需求",
    )
    services.script_save(
        actor=cast.director.user,
        stage=contact_stage,
        title="产品一句话介绍",
        body="本产品…",
        product=proposed,
    )
    services.script_save(actor=cast.director.user, stage=stage("order"), title="下单确认", body="请确认…")
    opportunity = make_opportunity(cast.rep_a)
    client = api(cast.rep_a)

    body = client.get(_url(opportunity, "/script")).json()
    assert body["stage"]["code"] == "contact"
    assert [(s["title"], s["checklist"]) for s in body["scripts"]] == [("开场白", ["自我介绍", "确认需求"])]

    services.product_propose(actor=cast.rep_a.user, opportunity=opportunity, product=proposed)
    body = client.get(_url(opportunity, "/script")).json()
    assert [(s["title"], s["product_id"]) for s in body["scripts"]] == [
        ("开场白", None),
        ("产品一句话介绍", proposed.pk),
    ]
    assert body["scripts"][1]["product_name"] == proposed.display_name


def test_the_opportunity_timeline(cast, api):
    opportunity = make_opportunity(cast.rep_a)
    services.activity_log(
        actor=cast.rep_a.user,
        customer=opportunity.customer,
        opportunity=opportunity,
        channel="phone",
        subject="首次电话",
    )
    move(cast.rep_a, opportunity, "needs_analysis")

    response = api(cast.rep_a).get(_url(opportunity, "/timeline"))

    assert response.status_code == 200, response.content
    entries = response.json()
    assert [e["kind"] for e in entries] == ["stage", "activity", "stage"]
    change = entries[0]["change"]
    assert (change["from_stage_name"], change["to_stage_name"]) == ("First contact", "Needs analysis")
    assert change["actor_name"] == cast.rep_a.person.display_name
    assert change["seconds_in_previous"] is not None and entries[0]["activity"] is None
    assert entries[1]["activity"]["subject"] == "首次电话"
    assert entries[2]["change"]["from_stage_id"] is None


# -- activities ----------------------------------------------------------------------------------


def test_log_an_activity(cast, api):
    client = api(cast.rep_a)
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer, name="钱工")
    opportunity = make_opportunity(cast.rep_a, customer)

    response = client.post(
        "/api/v1/activities",
        {
            "customer_id": customer.pk,
            "opportunity_id": opportunity.pk,
            "contact_id": contact.pk,
            "channel": "visit",
            "subject": "现场拜访",
            "location": "苏州工业园区",
            "latitude": "31.299379",
            "longitude": "120.619585",
            "next_step": "发送报价",
            "next_step_due": str(timezone.localdate() + dt.timedelta(days=2)),
        },
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["customer_name"], body["contact_name"], body["opportunity_name"]) == (
        customer.name,
        "钱工",
        opportunity.name,
    )
    assert (body["latitude"], body["longitude"]) == ("31.299379", "120.619585")
    assert body["checked_in_at"] == body["occurred_at"]
    assert body["owner_id"] == cast.rep_a.pk and body["next_step_done"] is False
    customer.refresh_from_db()
    assert customer.last_contact_at is not None


def test_activity_errors(cast, api):
    client = api(cast.rep_a)
    customer = make_customer(cast.rep_a)
    theirs = make_customer(cast.rep_b)

    def post(**fields):
        data = {"customer_id": customer.pk, "channel": "phone", "subject": "电话", **fields}
        return client.post("/api/v1/activities", data, content_type=JSON)

    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    _error(post(occurred_at=future), 400, "invalid", "occurred_at")
    _error(post(latitude="31.2"), 400, "invalid", "longitude")
    _error(post(latitude="91", longitude="120"), 422, "validation_error", "latitude")
    _error(post(channel="pigeon"), 422, "validation_error", "channel")
    _error(post(customer_id=theirs.pk), 400, "invalid_reference", "customer_id")
    _error(post(contact_id=make_contact(cast.rep_b, theirs).pk), 400, "invalid_reference", "contact_id")
    _error(
        post(contact_id=make_contact(cast.rep_a, make_customer(cast.rep_a)).pk),
        400,
        "invalid_contact",
        "contact_id",
    )
    _error(post(opportunity_id=make_opportunity(cast.rep_b).pk), 400, "invalid_reference", "opportunity_id")
    _error(post(opportunity_id=make_opportunity(cast.rep_a).pk), 400, "invalid", "opportunity_id")
    _error(post(subject=""), 422, "validation_error", "subject")
    assert not Activity.objects.exists()


def test_activities_list_done_and_delete(cast, api):
    customer = make_customer(cast.rep_a)
    customer_services.customer_add_collaborator(
        actor=cast.rep_a.user, customer=customer, person=cast.rep_b.person
    )
    today = timezone.localdate()
    call = services.activity_log(
        actor=cast.rep_a.user,
        customer=customer,
        channel="phone",
        subject="电话沟通",
        next_step="回电",
        next_step_due=today,
    )
    mail = services.activity_log(
        actor=cast.rep_b.user, customer=customer, channel="email", subject="协作邮件"
    )
    other = services.activity_log(
        actor=cast.rep_b.user, customer=make_customer(cast.rep_b), channel="phone", subject="别的客户"
    )

    rep_a, rep_b, lead_b = api(cast.rep_a), api(cast.rep_b), api(cast.lead_b)
    assert set(_ids(rep_a.get("/api/v1/activities"))) == {call.pk, mail.pk}
    assert set(_ids(rep_b.get("/api/v1/activities"))) == {call.pk, mail.pk, other.pk}, (
        "the collaborator sees it"
    )
    assert set(_ids(lead_b.get("/api/v1/activities"))) == {other.pk}, "the team does not"
    assert _ids(rep_a.get("/api/v1/activities?channel=email")) == [mail.pk]
    assert _ids(rep_a.get(f"/api/v1/activities?owner_id={cast.rep_b.pk}")) == [mail.pk]
    assert _ids(rep_b.get(f"/api/v1/activities?customer_id={customer.pk}&q=沟通")) == [call.pk]
    assert _ids(rep_a.get("/api/v1/activities?followups=true")) == [call.pk]
    _error(
        lead_b.get(f"/api/v1/activities?customer_id={customer.pk}"), 400, "invalid_reference", "customer_id"
    )

    response = rep_a.post(f"/api/v1/activities/{call.pk}/done")
    assert response.status_code == 200, response.content
    assert response.json()["next_step_done"] is True
    assert _ids(rep_a.get("/api/v1/activities?followups=true")) == []
    _error(lead_b.post(f"/api/v1/activities/{call.pk}/done"), 404, "not_found")

    _error(rep_a.delete(f"/api/v1/activities/{mail.pk}"), 403, "permission_denied")
    _error(lead_b.delete(f"/api/v1/activities/{call.pk}"), 404, "not_found")
    assert rep_b.delete(f"/api/v1/activities/{mail.pk}").status_code == 204
    assert Activity.all_objects.get(pk=mail.pk).is_deleted


# -- board -------------------------------------------------------------------------------------------


def test_the_board(cast, api):
    customer = make_customer(cast.rep_a)
    first = make_opportunity(cast.rep_a, customer, amount="100.10")
    second = make_opportunity(cast.rep_a, customer, amount="200", currency="USD")
    third = make_opportunity(cast.rep_a, customer, amount="300")
    ordered = move(cast.rep_a2, ready_for(cast.rep_a2, make_opportunity(cast.rep_a2), "order"), "order")
    make_opportunity(cast.rep_b, amount="999")

    response = api(cast.lead_a).get("/api/v1/board?cards=2")

    assert response.status_code == 200, response.content
    columns = {column["stage"]["code"]: column for column in response.json()}
    contact = columns["contact"]
    assert contact["count"] == 3
    assert contact["amounts"] == [
        {"amount": "400.10", "currency": "CNY"},
        {"amount": "200.00", "currency": "USD"},
    ]
    assert [card["id"] for card in contact["cards"]] == [third.pk, second.pk]
    assert contact["cards"][0]["amount"] == "300.00"
    assert [card["id"] for card in columns["order"]["cards"]] == [ordered.pk]
    assert contact["more"] is True and columns["order"]["more"] is False  # 3 cards, 2 shown; 1, 1
    assert columns["won"] == {**columns["won"], "count": 0, "amounts": [], "cards": [], "more": False}
    assert first.pk not in [card["id"] for card in contact["cards"]]

    mine = {
        c["stage"]["code"]: c for c in api(cast.lead_a).get(f"/api/v1/board?owner_id={cast.rep_a2.pk}").json()
    }
    assert (mine["contact"]["count"], mine["order"]["count"]) == (0, 1)
    _error(api(cast.lead_a).get("/api/v1/board?cards=1000"), 422, "validation_error", "cards")


# -- scope ---------------------------------------------------------------------------------------------


OPPORTUNITY_ENDPOINTS = [
    ("get", ""),
    ("patch", ""),
    ("delete", ""),
    ("post", "/move"),
    ("post", "/reopen"),
    ("get", "/gates"),
    ("get", "/needs"),
    ("put", "/needs"),
    ("get", "/recommendations"),
    ("get", "/products"),
    ("post", "/products"),
    ("get", "/script"),
    ("get", "/timeline"),
]


@pytest.mark.parametrize("outsider", ["rep_a2", "rep_b", "lead_b", "agent", "clerk", "analyst"])
def test_every_opportunity_endpoint_answers_404_outside_scope(cast, api, outsider):
    opportunity = make_opportunity(cast.rep_a)
    product = make_product()
    client = api(getattr(cast, outsider))
    bodies = {
        ("patch", ""): {"version": 1, "name": "改名"},
        ("post", "/move"): {"stage_id": stage("lost").pk, "reason": "越权"},
        ("post", "/reopen"): {"reason": "越权"},
        ("put", "/needs"): {"needs": "越权"},
        ("post", "/products"): {"product_id": product.pk},
    }

    for method, suffix in OPPORTUNITY_ENDPOINTS:
        body = bodies.get((method, suffix))
        kwargs = {"data": body, "content_type": JSON} if body is not None else {}
        response = getattr(client, method)(_url(opportunity, suffix), **kwargs)
        _error(response, 404, "not_found")

    opportunity = Opportunity.all_objects.select_related("stage").get(pk=opportunity.pk)
    assert (opportunity.stage.code, opportunity.is_deleted, opportunity.version) == ("contact", False, 1)
    assert not NeedsAnalysis.objects.filter(opportunity=opportunity).exists()
    assert not opportunity.products.exists()


@pytest.mark.parametrize("viewer", ["rep_a", "lead_a", "head", "director"])
def test_the_owner_and_their_managers_see_the_opportunity(cast, api, viewer):
    opportunity = make_opportunity(cast.rep_a)

    assert api(getattr(cast, viewer)).get(_url(opportunity)).status_code == 200
    assert opportunity.pk in _ids(api(getattr(cast, viewer)).get("/api/v1/opportunities"))


def test_a_shared_opportunity_is_visible_but_not_deletable(cast, api):
    opportunity = make_opportunity(cast.rep_a)
    record_share(actor=cast.rep_a.user, record=opportunity, person=cast.rep_b.person)
    client = api(cast.rep_b)

    assert client.get(_url(opportunity)).status_code == 200
    assert _ids(client.get("/api/v1/opportunities")) == [opportunity.pk]
    _error(client.delete(_url(opportunity)), 404, "not_found")
    _error(api(cast.lead_b).get(_url(opportunity)), 404, "not_found")


def test_someone_outside_sales_reads_a_shared_opportunity_but_does_not_work_on_it(cast, api):
    opportunity = make_opportunity(cast.rep_a)
    record_share(actor=cast.rep_a.user, record=opportunity, person=cast.agent.person)
    client = api(cast.agent)

    assert client.get(_url(opportunity)).status_code == 200
    assert client.get(_url(opportunity, "/timeline")).status_code == 200
    writes = [
        ("patch", "", {"version": 1, "name": "改名"}),
        ("post", "/move", {"stage_id": stage("lost").pk, "reason": "客服关闭"}),
        ("post", "/reopen", {"reason": "客服重开"}),
        ("put", "/needs", {"needs": "客服记录"}),
        ("post", "/products", {"product_id": make_product().pk}),
        ("delete", "", None),
    ]
    for method, suffix, body in writes:
        kwargs = {"data": body, "content_type": JSON} if body is not None else {}
        _error(getattr(client, method)(_url(opportunity, suffix), **kwargs), 403, "permission_denied")
    opportunity.refresh_from_db()
    assert (opportunity.version, opportunity.stage.code) == (1, "contact")


def test_the_api_needs_authentication(cast):
    for url in ("/api/v1/opportunities", "/api/v1/activities", "/api/v1/board", "/api/v1/stages"):
        _error(Client().get(url), 401, "not_authenticated")


# -- query counts --------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx)


def _grow(cast, n: int = 20) -> None:
    """n more opportunities, each with contacts, an activity with a contact and a stage change."""
    for i in range(n):
        member = (cast.rep_a, cast.rep_a2, cast.lead_a)[i % 3]
        customer = make_customer(member)
        contact = make_contact(member, customer)
        opportunity = make_opportunity(
            member, customer, contacts=[contact, make_contact(member, customer)], amount=str(1000 + i)
        )
        if i % 2:
            opportunity = move(member, opportunity, "needs_analysis")
        services.activity_log(
            actor=member.user,
            customer=customer,
            opportunity=opportunity,
            contact=contact,
            channel=("phone", "visit", "email")[i % 3],
            subject=f"跟进{i}",
            next_step="回电",
            next_step_due=timezone.localdate(),
        )
    counts.refresh()  # as the minute's refresh does: a board's own refresh is fixed too (test_counts)


# Measured when written, after the token's first use. Opportunities, 5: token with its user, person,
# count, page (customer, owner, stage joined), contacts. Activities, 4: token, person, count, page
# (customer, owner, contact, opportunity joined). Board, 6: token, person, stages, the kept totals'
# freshness, the totals per stage and currency, the first cards of every stage (one query).
LISTS = [
    ("/api/v1/opportunities?limit=100", "lead_a", 5),
    ("/api/v1/opportunities?limit=100&open_only=true&order=-amount", "director", 5),
    ("/api/v1/activities?limit=100", "lead_a", 4),
    ("/api/v1/activities?limit=100&followups=true", "head", 4),
    ("/api/v1/board?cards=100", "lead_a", 6),
    ("/api/v1/board", "director", 6),
]


@pytest.mark.parametrize(("url", "viewer", "budget"), LISTS)
def test_lists_take_a_fixed_number_of_queries(cast, api, django_assert_num_queries, url, viewer, budget):
    client = api(getattr(cast, viewer))
    _grow(cast, n=1)
    client.get(url)  # a token records its first use once; measure the steady state

    # given one opportunity with its activity
    small = _queries(client, url)

    # when 20 more exist
    _grow(cast, n=20)

    # then the list costs the same, within the budget, and really lists more rows
    with django_assert_num_queries(small):
        response = client.get(url)
    assert small == budget
    body = response.json()
    rows = sum(column["count"] for column in body) if isinstance(body, list) else body["count"]
    assert rows > 20
