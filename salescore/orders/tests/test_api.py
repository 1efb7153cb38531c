"""The quotes, orders and payments API: the whole flow through HTTP, the same rules as the
services (authority, completeness, scope) with no way around them, the one error shape with
lines numbered from 1, fixed query counts on the lists, and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.orders import receivables, services
from salescore.orders.models import Order, Quote
from salescore.orders.tests.factories import (
    make_contact,
    make_customer,
    make_opportunity,
    make_order,
    make_product,
    make_quote,
)

JSON = "application/json"


@pytest.fixture
def api(cast, api_as):
    def make(who):
        client = api_as(who)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def _error(response, status: int, code: str, *fields: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code, body
    assert body["message"]
    for field in fields:
        assert body["fields"].get(field), body
    return body


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type=JSON)


def test_from_quote_to_closed_order_through_the_api(cast, api):
    rep, lead, clerk, keeper, cashier = (
        api(m) for m in (cast.rep_a, cast.lead_a, cast.clerk, cast.keeper, cast.cashier)
    )
    opportunity = make_opportunity(cast.rep_a)
    product = make_product()

    # the rep quotes 8% off (beyond their 5%)
    quote = _ok(
        _post(
            rep,
            "/api/v1/quotes",
            {
                "opportunity_id": opportunity.pk,
                "lines": [{"product_id": product.pk, "quantity": "2", "discount": 8}],
            },
        ),
        201,
    )
    assert (quote["status"], quote["total"], quote["currency"]) == ("draft", "20792.00", "CNY")
    assert quote["lines"][0]["unit_price"] == "9200.00" and quote["lines"][0]["discount"] == "8"
    quote = _ok(_post(rep, f"/api/v1/quotes/{quote['id']}/submit", {"reason": "竞品压价"}))
    assert quote["status"] == "pending" and quote["approvals"][0]["approver_id"] == cast.lead_a.pk

    # the team lead finds it in the queue and approves
    queue = _ok(lead.get("/api/v1/approvals"))
    assert [a["quote"]["id"] for a in queue["items"]] == [quote["id"]]
    assert _ok(rep.get("/api/v1/approvals"))["count"] == 0
    decided = _ok(_post(lead, f"/api/v1/approvals/{queue['items'][0]['id']}/decide", {"approve": True}))
    assert decided["status"] == "approved" and decided["quote"]["status"] == "approved"

    # the customer accepts: a draft order, incomplete until its details are in
    _ok(_post(rep, f"/api/v1/quotes/{quote['id']}/mark", {"step": "accept"}))
    order = _ok(_post(rep, f"/api/v1/quotes/{quote['id']}/order"), 201)
    assert order["status"] == "draft" and order["number"] is None and order["total"] == "20792.00"
    assert set(order["problems"]) == {"delivery_address", "promised_date", "payment_terms"}
    contact = quote["contact_id"]
    order = _ok(
        rep.patch(
            f"/api/v1/orders/{order['id']}",
            {
                "version": order["version"],
                "contact_id": contact,
                "promised_date": str(timezone.localdate() + dt.timedelta(days=10)),
                "payment_terms": "instalments",
                "delivery_address": "宁波市北仑区新碶街道",
            },
            content_type=JSON,
        )
    )
    assert set(order["problems"]) == {"instalments"}
    today = timezone.localdate()
    plan = _ok(
        rep.put(
            f"/api/v1/orders/{order['id']}/plan",
            {
                "instalments": [
                    {"due_date": str(today), "amount": "10000"},
                    {"due_date": str(today + dt.timedelta(days=30)), "amount": 10792},
                ]
            },
            content_type=JSON,
        )
    )
    assert [i["amount"] for i in plan] == ["10000.00", "10792.00"]
    order = _ok(_post(rep, f"/api/v1/orders/{order['id']}/submit"))
    assert order["status"] == "submitted" and order["number"] == f"SO-{today.year}-000001"
    assert order["problems"] == {}

    # the desk confirms, the warehouse ships in two parts and records the delivery
    order = _ok(_post(clerk, f"/api/v1/orders/{order['id']}/confirm"))
    line = order["lines"][0]["id"]
    first = _ok(
        _post(
            keeper,
            f"/api/v1/orders/{order['id']}/shipments",
            {"lines": [{"line_id": line, "quantity": 1}], "carrier": "德邦"},
        ),
        201,
    )
    assert _ok(keeper.get(f"/api/v1/orders/{order['id']}"))["status"] == "in_fulfilment"
    response = _post(
        keeper, f"/api/v1/orders/{order['id']}/shipments", {"lines": [{"line_id": line, "quantity": 5}]}
    )
    _error(response, 400, "invalid", "lines.1.quantity")
    second = _ok(
        _post(
            keeper, f"/api/v1/orders/{order['id']}/shipments", {"lines": [{"line_id": line, "quantity": "1"}]}
        ),
        201,
    )
    for shipment in (first, second):
        _ok(_post(keeper, f"/api/v1/orders/{order['id']}/shipments/{shipment['id']}/deliver"))
    order = _ok(keeper.get(f"/api/v1/orders/{order['id']}"))
    assert order["status"] == "delivered" and len(order["shipments"]) == 2

    # finance collects: earliest instalment first; a mistake is reversed; then it closes itself
    _error(
        _post(cashier, f"/api/v1/orders/{order['id']}/payments", {"amount": "20792.01"}),
        400,
        "overpaid",
        "amount",
    )
    wrong = _ok(_post(cashier, f"/api/v1/orders/{order['id']}/payments", {"amount": "500.00"}), 201)
    response = _post(
        cashier, f"/api/v1/orders/{order['id']}/payments/{wrong['id']}/reverse", {"reason": "录错"}
    )
    assert response.status_code == 204
    assert (
        _post(
            cashier, f"/api/v1/orders/{order['id']}/payments/{wrong['id']}/reverse", {"reason": "x"}
        ).status_code
        == 404
    )
    _ok(
        _post(cashier, f"/api/v1/orders/{order['id']}/payments", {"amount": "12000", "method": "acceptance"}),
        201,
    )
    order = _ok(cashier.get(f"/api/v1/orders/{order['id']}"))
    assert [i["received"] for i in order["instalments"]] == ["10000.00", "2000.00"]
    assert order["money"] == {
        "planned": "20792.00",
        "received": "12000.00",
        "outstanding": "8792.00",
        "overdue": "0.00",
    }
    report = _ok(cashier.get("/api/v1/receivables?group_by=owner"))
    assert report["rows"] == [
        {
            "id": cast.rep_a.pk,
            "name": cast.rep_a.person.name,
            "currency": "CNY",
            "outstanding": "8792.00",
            "overdue": "0.00",
            "orders": 1,
        }
    ]
    _ok(_post(cashier, f"/api/v1/orders/{order['id']}/payments", {"amount": 8792}), 201)
    assert _ok(rep.get(f"/api/v1/orders/{order['id']}"))["status"] == "closed"
    assert _ok(cashier.get("/api/v1/receivables"))["rows"] == []


def test_quote_revisions_duplicates_and_deletes(cast, api):
    rep = api(cast.rep_a)
    quote = make_quote(cast.rep_a)
    quote = services.quote_submit(actor=cast.rep_a.user, quote=quote)

    # an approved quote's lines are fixed
    response = rep.put(
        f"/api/v1/quotes/{quote.pk}/lines",
        {"lines": [{"product_id": quote.lines.get().product_id, "quantity": 1, "discount": 30}]},
        content_type=JSON,
    )
    _error(response, 400, "not_editable")
    revision = _ok(_post(rep, f"/api/v1/quotes/{quote.pk}/revise"), 201)
    assert (revision["number"], revision["revision"], revision["previous_id"], revision["status"]) == (
        quote.number,
        2,
        quote.pk,
        "draft",
    )
    assert _ok(rep.get(f"/api/v1/quotes/{quote.pk}"))["status"] == "superseded"
    copy = _ok(_post(rep, f"/api/v1/quotes/{revision['id']}/duplicate"), 201)
    assert copy["number"] != quote.number and copy["approved_at"] is None
    patched = _ok(
        rep.patch(
            f"/api/v1/quotes/{copy['id']}",
            {"version": copy["version"], "terms": "款到发货"},
            content_type=JSON,
        )
    )
    assert patched["terms"] == "款到发货"
    _error(
        rep.patch(f"/api/v1/quotes/{copy['id']}", {"version": 1, "terms": "x"}, content_type=JSON),
        409,
        "conflict",
        "version",
    )
    assert rep.delete(f"/api/v1/quotes/{copy['id']}").status_code == 204
    assert rep.get(f"/api/v1/quotes/{copy['id']}").status_code == 404
    pending = services.quote_submit(
        actor=cast.rep_a.user,
        quote=make_quote(cast.rep_a, lines=[{"product": make_product().pk, "quantity": 1, "discount": 9}]),
    )
    assert _ok(_post(rep, f"/api/v1/quotes/{pending.pk}/withdraw"))["status"] == "draft"
    rejected = _error(
        _post(api(cast.lead_a), f"/api/v1/approvals/{pending.approvals.get().pk}/decide", {"approve": False}),
        400,
        "invalid_status",
    )
    assert rejected


def test_a_reject_needs_a_comment(cast, api):
    quote = services.quote_submit(
        actor=cast.rep_a.user,
        quote=make_quote(cast.rep_a, lines=[{"product": make_product().pk, "quantity": 1, "discount": 9}]),
    )
    approval = quote.approvals.get()
    lead = api(cast.lead_a)
    _error(
        _post(lead, f"/api/v1/approvals/{approval.pk}/decide", {"approve": False}), 400, "required", "comment"
    )
    _error(
        _post(api(cast.rep_a), f"/api/v1/approvals/{approval.pk}/decide", {"approve": True}),
        403,
        "permission_denied",
    )
    _error(
        _post(api(cast.rep_b), f"/api/v1/approvals/{approval.pk}/decide", {"approve": True}), 404, "not_found"
    )
    assert (
        _ok(_post(lead, f"/api/v1/approvals/{approval.pk}/decide", {"approve": False, "comment": "太低"}))[
            "quote"
        ]["status"]
        == "rejected"
    )


# -- no way around the rules -------------------------------------------------------------------


def test_a_deep_discount_entered_through_the_api_is_refused_at_submit(cast, api):
    rep = api(cast.rep_a)
    customer = make_customer(cast.rep_a, address="无锡市新吴区")
    contact = make_contact(cast.rep_a, customer)
    order = _ok(
        _post(
            rep,
            "/api/v1/orders",
            {
                "customer_id": customer.pk,
                "contact_id": contact.pk,
                "promised_date": str(timezone.localdate() + dt.timedelta(days=14)),
                "payment_terms": "net_30",
                "lines": [
                    {"product_id": make_product().pk, "quantity": 1},
                    {"product_id": make_product().pk, "quantity": 1, "unit_price": "8000.00"},
                ],
            },
        ),
        201,
    )
    assert order["problems"] == {"lines.2.unit_price": order["problems"]["lines.2.unit_price"]}

    body = _error(
        _post(rep, f"/api/v1/orders/{order['id']}/submit"), 400, "discount_authority", "lines.2.unit_price"
    )
    assert list(body["fields"]) == ["lines.2.unit_price"]
    assert Order.objects.get(pk=order["id"]).number is None


def test_submit_names_every_missing_field(cast, api):
    order = make_order(cast.rep_a, customer=make_customer(cast.rep_a), complete=False)
    body = _error(_post(api(cast.rep_a), f"/api/v1/orders/{order.pk}/submit"), 400, "incomplete")
    assert set(body["fields"]) == {"contact_id", "delivery_address", "promised_date", "payment_terms"}


def test_errors_name_lines_from_one(cast, api):
    rep = api(cast.rep_a)
    opportunity = make_opportunity(cast.rep_a)
    product = make_product()
    lines = [
        {"product_id": product.pk, "quantity": 1},
        {"product_id": product.pk, "quantity": 1, "unit_price": "12.345"},
        {"product_id": product.pk, "quantity": "-1", "discount": 101, "colour": "red"},
        {"product_id": 2**70, "quantity": "1e400"},
    ]
    body = _error(
        _post(rep, "/api/v1/quotes", {"opportunity_id": opportunity.pk, "lines": lines}), 422, "invalid_lines"
    )
    assert {
        "lines.2.unit_price",
        "lines.3.quantity",
        "lines.3.discount",
        "lines.3.colour",
        "lines.4.product_id",
        "lines.4.quantity",
    } <= set(body["fields"])
    assert not any(name.startswith("lines.1") for name in body["fields"])

    # a business rule names its line the same way
    inactive = make_product(active=False)
    body = _error(
        _post(
            rep,
            "/api/v1/quotes",
            {
                "opportunity_id": opportunity.pk,
                "lines": [lines[0], {"product_id": inactive.pk, "quantity": 1}],
            },
        ),
        400,
        "invalid_lines",
        "lines.2.product",
    )


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("/api/v1/orders", {"customer_id": 0, "lines": []}, "customer_id"),
        ("/api/v1/orders", {"customer_id": 1, "lines": [{}] * 201}, "lines"),
        ("/api/v1/quotes", {"opportunity_id": 2**63}, "opportunity_id"),
        ("/api/v1/quotes", {"opportunity_id": 1, "valid_until": "31/12/2026"}, "valid_until"),
    ],
)
def test_input_types_and_bounds(cast, api, url, payload, field):
    _error(_post(api(cast.rep_a), url, payload), 422, "validation_error", field)


def test_bounds_on_money_and_dates(cast, api):
    order = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    cashier = api(cast.cashier)
    for amount in ("1.001", "-1", "1e20", 0):
        _error(
            _post(cashier, f"/api/v1/orders/{order.pk}/payments", {"amount": amount}),
            422,
            "validation_error",
            "amount",
        )
    _error(
        _post(cashier, f"/api/v1/orders/{order.pk}/payments", {"amount": 1, "received_on": "2026-02-30"}),
        422,
        "validation_error",
        "received_on",
    )
    _error(
        _post(cashier, f"/api/v1/orders/{order.pk}/payments", {"amount": 1, "method": "bitcoin"}),
        422,
        "validation_error",
        "method",
    )
    response = cashier.put(
        f"/api/v1/orders/{order.pk}/plan",
        {"instalments": [{"due_date": "2026-06-01", "amount": "1.00"}]},
        content_type=JSON,
    )
    _error(response, 400, "plan_total", "instalments")


# -- scope and capability -----------------------------------------------------------------------


def test_records_outside_scope_answer_404(cast, api):
    quote = make_quote(cast.rep_a)
    order = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    outsider = api(cast.rep_b)
    for method, url in [
        ("get", f"/api/v1/quotes/{quote.pk}"),
        ("patch", f"/api/v1/quotes/{quote.pk}"),
        ("post", f"/api/v1/quotes/{quote.pk}/submit"),
        ("post", f"/api/v1/quotes/{quote.pk}/duplicate"),
        ("delete", f"/api/v1/quotes/{quote.pk}"),
        ("get", f"/api/v1/orders/{order.pk}"),
        ("post", f"/api/v1/orders/{order.pk}/cancel"),
        ("delete", f"/api/v1/orders/{order.pk}"),
        ("get", f"/api/v1/quotes/{2**80}"),
    ]:
        payload = {"version": 1, "reason": "x"} if method in ("patch", "post") else None
        response = (
            getattr(outsider, method)(url, payload, content_type=JSON)
            if payload
            else getattr(outsider, method)(url)
        )
        _error(response, 404, "not_found")
    assert _ok(outsider.get("/api/v1/quotes"))["count"] == 0
    assert _ok(outsider.get("/api/v1/orders"))["count"] == 0
    # an id the caller may not see points nowhere when sent in a body
    _error(
        _post(outsider, "/api/v1/quotes", {"opportunity_id": quote.opportunity_id}),
        400,
        "invalid_reference",
        "opportunity_id",
    )
    # the team lead and the order desks see it
    for member in (cast.lead_a, cast.head, cast.clerk, cast.keeper, cast.cashier):
        assert _ok(api(member).get(f"/api/v1/orders/{order.pk}"))["id"] == order.pk


def test_positions_without_the_capability_get_403(cast, api):
    order = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    line = order.lines.get()
    opportunity = make_opportunity(cast.rep_a)
    _error(_post(api(cast.rep_a), f"/api/v1/orders/{order.pk}/confirm"), 403, "permission_denied")
    _error(
        _post(api(cast.keeper), f"/api/v1/orders/{order.pk}/payments", {"amount": 1}),
        403,
        "permission_denied",
    )
    _error(
        _post(
            api(cast.cashier),
            f"/api/v1/orders/{order.pk}/shipments",
            {"lines": [{"line_id": line.pk, "quantity": 1}]},
        ),
        403,
        "permission_denied",
    )
    _error(
        _post(api(cast.director), "/api/v1/quotes", {"opportunity_id": opportunity.pk, "contact_id": 2**40}),
        400,
        "invalid_reference",
        "contact_id",
    )
    # the order desk sees every quote but does not quote
    quote = make_quote(cast.rep_a, opportunity=opportunity)
    assert _ok(api(cast.clerk).get(f"/api/v1/quotes/{quote.pk}"))["id"] == quote.pk
    _error(_post(api(cast.clerk), f"/api/v1/quotes/{quote.pk}/submit"), 403, "permission_denied")


# -- lists --------------------------------------------------------------------------------------


def _grow(cast, n: int) -> None:
    for i in range(n):
        member = (cast.rep_a, cast.rep_a2)[i % 2]
        services.quote_submit(
            actor=member.user,
            quote=make_quote(member, lines=[{"product": make_product().pk, "quantity": 1, "discount": "8"}]),
        )
        order = make_order(member, promised_date=timezone.localdate() + dt.timedelta(days=1 + i % 5))
        if i % 2:
            order = services.order_submit(actor=member.user, order=order)
            services.payment_record(actor=cast.clerk.user, order=order, amount=Decimal("100.00"))


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _size(body) -> int:
    """How many rows a list answered (for receivables: how many orders its rows cover)."""
    return sum(row["orders"] for row in body["rows"]) if "rows" in body else body["count"]


LISTS = [
    ("/api/v1/quotes?limit=100", "lead_a"),
    ("/api/v1/quotes?limit=100&status=pending&order=-total", "director"),
    ("/api/v1/approvals", "lead_a"),
    ("/api/v1/orders?limit=100", "clerk"),
    ("/api/v1/orders?delivery=at_risk&owing=false", "lead_a"),
    ("/api/v1/receivables?group_by=team", "cashier"),
]


@pytest.mark.parametrize(("url", "viewer"), LISTS)
def test_lists_take_a_fixed_number_of_queries(cast, api, django_assert_num_queries, url, viewer):
    client = api(getattr(cast, viewer))
    _grow(cast, 3)
    client.get(url)  # a token records its first use once
    small = _queries(client, url)
    before = _size(client.get(url).json())

    _grow(cast, 27)
    receivables.refresh()  # as the minute's task does: a refresh's own statements are fixed too

    with django_assert_num_queries(small):
        response = client.get(url)
    assert _size(response.json()) > before >= 1


def test_one_order_takes_a_fixed_number_of_queries(cast, api):
    """The order, its lines, shipments, instalments and payments: one scoped read and a prefetch
    each, whatever their number (the token's first use is recorded once, before)."""
    small = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    services.payment_record(actor=cast.clerk.user, order=small, amount=Decimal("10.00"))
    lines = [{"product": make_product().pk, "quantity": 1} for _ in range(6)]
    large = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a, lines=lines))
    for _ in range(4):
        services.payment_record(actor=cast.clerk.user, order=large, amount=Decimal("10.00"))
    client = api(cast.rep_a)
    client.get(f"/api/v1/orders/{small.pk}")
    counts = [_queries(client, f"/api/v1/orders/{order.pk}") for order in (small, large)]
    assert counts[0] == counts[1] <= 10


def test_the_delivery_filter(cast, api):
    soon = services.order_submit(
        actor=cast.rep_a.user,
        order=make_order(cast.rep_a, promised_date=timezone.localdate() + dt.timedelta(days=1)),
    )
    later = services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    Order.objects.filter(pk=later.pk).update(promised_date=timezone.localdate() - dt.timedelta(days=2))
    services.order_submit(actor=cast.rep_a.user, order=make_order(cast.rep_a))
    client = api(cast.rep_a)
    assert [o["id"] for o in _ok(client.get("/api/v1/orders?delivery=at_risk"))["items"]] == [soon.pk]
    late = _ok(client.get("/api/v1/orders?delivery=late"))["items"]
    assert [(o["id"], o["delivery"]) for o in late] == [(later.pk, "late")]
    _error(client.get("/api/v1/orders?delivery=soon"), 422, "validation_error", "delivery")


def test_the_openapi_schema_renders(cast, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    tags = {tag for path in schema["paths"].values() for op in path.values() for tag in op.get("tags", [])}
    assert {"Quotes", "Orders", "Payments"} <= tags
    assert "/api/v1/orders/{order_id}/shipments/{shipment_id}/deliver" in schema["paths"]
    assert Quote.Status.PENDING in str(schema)
