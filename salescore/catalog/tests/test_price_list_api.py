"""The price list API: read by everyone who sells, written by catalogue keepers through the same
services as the pages; items named from 1 in errors; a fixed number of queries; customers carry their
price_list_id in and out and are filtered by it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescore.catalog.models import PriceList
from salescore.catalog.tests.factories import make_price_list
from salescore.customers.models import Customer
from salescore.pipeline.tests.factories import make_customer, make_product

JSON = "application/json"


@pytest.fixture
def api(cast, api_as):
    def make(who):
        client = api_as(who)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def drill(db):
    return make_product(code="DR-1", name="钻床", name_en="Drill")


@pytest.fixture
def dealers(cast, drill):
    return make_price_list(cast, name="经销商价格表", name_en="Dealer prices", prices={drill: "9200"})


def _error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code, body
    if field is not None:
        assert body["fields"].get(field), body
    return body


def test_a_price_list_with_its_items(cast, api, drill, dealers):
    make_customer(cast.rep_a, price_list=dealers)
    response = api(cast.rep_a).get(f"/api/v1/price-lists/{dealers.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["display_name"], body["currency"], body["status"]) == (
        "经销商价格表",
        "Dealer prices",
        "CNY",
        "valid",
    )
    assert (body["item_count"], body["customer_count"], body["valid_to"]) == (1, 1, None)
    assert body["items"] == [
        {
            "product_id": drill.pk,
            "product_code": "DR-1",
            "product_name": "Drill",
            "unit_price": "9200.00",
            "min_quantity": "1",
            "list_price": "10000.00",
            "price_floor": "8000.00",
        }
    ]
    listing = api(cast.rep_a).get("/api/v1/price-lists?status=valid")
    assert [row["id"] for row in listing.json()["items"]] == [dealers.pk]
    assert api(cast.rep_a).get("/api/v1/price-lists?status=expired").json()["count"] == 0
    _error(api(cast.rep_a).get("/api/v1/price-lists?status=old"), 422, "validation_error", "status")
    _error(api(cast.rep_a).get("/api/v1/price-lists/999999"), 404, "not_found")


@pytest.mark.parametrize("who", ["agent", "analyst", "keeper", "cashier"])
def test_those_who_do_not_sell_cannot_read_them(cast, api, dealers, who):
    client = api(getattr(cast, who))
    _error(client.get("/api/v1/price-lists"), 403, "permission_denied")
    _error(client.get(f"/api/v1/price-lists/{dealers.pk}"), 403, "permission_denied")


def test_the_director_creates_updates_and_deletes_a_list(cast, api, drill):
    client = api(cast.director)
    arm = make_product(code="ARM-1", name="机械臂")

    response = client.post(
        "/api/v1/price-lists",
        {
            "name": "大客户协议价",
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "items": [{"product_id": drill.pk, "unit_price": "9500"}],
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["valid_to"], body["items"][0]["unit_price"], body["item_count"]) == (
        "2026-12-31",
        "9500.00",
        1,
    )

    response = client.patch(
        f"/api/v1/price-lists/{body['id']}",
        {
            "version": body["version"],
            "valid_to": None,
            "notes": "续签",
            "items": [
                {"product_id": drill.pk, "unit_price": 9400},
                {"product_id": arm.pk, "unit_price": "9300.50", "min_quantity": "3"},
            ],
        },
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    updated = response.json()
    assert (updated["valid_to"], updated["notes"], updated["item_count"]) == (None, "续签", 2)
    assert {(i["product_code"], i["unit_price"], i["min_quantity"]) for i in updated["items"]} == {
        ("DR-1", "9400.00", "1"),
        ("ARM-1", "9300.50", "3"),
    }
    # A stale version is refused
    _error(
        client.patch(
            f"/api/v1/price-lists/{body['id']}", {"version": body["version"], "notes": "x"}, content_type=JSON
        ),
        409,
        "conflict",
    )

    assert client.delete(f"/api/v1/price-lists/{body['id']}").status_code == 204
    assert PriceList.all_objects.get(pk=body["id"]).is_deleted
    _error(client.get(f"/api/v1/price-lists/{body['id']}"), 404, "not_found")


def test_item_errors_name_the_item_from_one(cast, api, drill):
    client = api(cast.director)
    body = _error(
        client.post(
            "/api/v1/price-lists",
            {
                "name": "坏价格表",
                "valid_from": "2026-01-01",
                "items": [
                    {"product_id": drill.pk, "unit_price": "9000"},
                    {"product_id": drill.pk, "unit_price": "9100"},
                    {"product_id": 999999, "unit_price": "7000"},
                ],
            },
            content_type=JSON,
        ),
        400,
        "invalid_items",
    )
    assert set(body["fields"]) == {"items.2.product_id", "items.3.product_id"}
    body = _error(
        client.post(
            "/api/v1/price-lists",
            {
                "name": "坏价格表",
                "valid_from": "2026-01-01",
                "items": [{"product_id": drill.pk, "unit_price": "7000"}],
            },
            content_type=JSON,
        ),
        400,
        "invalid_items",
        "items.1.unit_price",
    )
    assert "below the price floor of Drill" in body["fields"]["items.1.unit_price"]
    body = _error(
        client.post(
            "/api/v1/price-lists",
            {
                "name": "坏价格表",
                "valid_from": "2026-01-01",
                "items": [{"product_id": drill.pk, "unit_price": "x"}],
            },
            content_type=JSON,
        ),
        422,
        "invalid_items",
        "items.1.unit_price",
    )
    _error(
        client.post(
            "/api/v1/price-lists",
            {"name": "坏价格表", "valid_from": "2026-06-01", "valid_to": "2026-01-01"},
            content_type=JSON,
        ),
        400,
        "invalid",
        "valid_to",
    )
    assert not PriceList.objects.filter(name="坏价格表").exists()


@pytest.mark.parametrize("who", ["rep_a", "lead_a", "head", "clerk"])
def test_only_catalogue_keepers_write(cast, api, drill, dealers, who):
    client = api(getattr(cast, who))
    _error(
        client.post("/api/v1/price-lists", {"name": "我的", "valid_from": "2026-01-01"}, content_type=JSON),
        403,
        "permission_denied",
    )
    _error(
        client.patch(
            f"/api/v1/price-lists/{dealers.pk}", {"version": dealers.version, "notes": "x"}, content_type=JSON
        ),
        403,
        "permission_denied",
    )
    _error(client.delete(f"/api/v1/price-lists/{dealers.pk}"), 403, "permission_denied")
    assert PriceList.objects.get(pk=dealers.pk).notes == ""


def test_a_list_with_customers_is_not_deleted(cast, api, dealers):
    make_customer(cast.rep_a, price_list=dealers)
    _error(api(cast.director).delete(f"/api/v1/price-lists/{dealers.pk}"), 400, "has_customers")


def test_the_list_takes_a_fixed_number_of_queries(cast, api, drill, django_assert_num_queries):
    client = api(cast.rep_a)
    url = "/api/v1/price-lists?limit=100"
    make_price_list(cast, prices={drill: "9000"})
    client.get(url)  # a token records its first use once

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx)

    small = count()
    for _n in range(20):
        price_list = make_price_list(cast, prices={drill: "9000", make_product(): "9500"})
        make_customer(cast.rep_a, price_list=price_list)
    with django_assert_num_queries(small):
        assert client.get(url).json()["count"] == 21
    assert small <= 5


# -- customers -----------------------------------------------------------------------------------


def test_customers_carry_their_price_list(cast, api, dealers):
    # A rep may not give their customer a list (it prices below the catalogue without approval)
    refused = api(cast.rep_a).post(
        "/api/v1/customers", {"name": "经销商甲有限公司", "price_list_id": dealers.pk}, content_type=JSON
    )
    assert refused.status_code == 403 and "price_list" in str(refused.json()["fields"])
    client = api(cast.director)
    response = client.post(
        "/api/v1/customers",
        {"name": "经销商甲有限公司", "price_list_id": dealers.pk, "owner_id": cast.rep_a.pk},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["price_list_id"], body["price_list_name"]) == (dealers.pk, "Dealer prices")

    other = make_price_list(cast, name="大客户协议价")
    response = client.patch(
        f"/api/v1/customers/{body['id']}",
        {"version": body["version"], "price_list_id": other.pk},
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["price_list_id"] == other.pk
    response = client.patch(
        f"/api/v1/customers/{body['id']}",
        {"version": response.json()["version"], "price_list_id": None},
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["price_list_id"] is None
    _error(
        client.patch(
            f"/api/v1/customers/{body['id']}",
            {"version": response.json()["version"], "price_list_id": 999999},
            content_type=JSON,
        ),
        400,
        "invalid_reference",
        "price_list_id",
    )
    # Filtered by it
    on_it = make_customer(cast.rep_a, price_list=dealers)
    listing = api(cast.rep_a).get(f"/api/v1/customers?price_list_id={dealers.pk}").json()
    assert [row["id"] for row in listing["items"]] == [on_it.pk]


def test_a_rep_cannot_put_another_reps_customer_on_a_list(cast, api, dealers):
    theirs = make_customer(cast.rep_b)
    _error(
        api(cast.rep_a).patch(
            f"/api/v1/customers/{theirs.pk}",
            {"version": theirs.version, "price_list_id": dealers.pk},
            content_type=JSON,
        ),
        404,
        "not_found",
    )
    assert Customer.objects.get(pk=theirs.pk).price_list_id is None
