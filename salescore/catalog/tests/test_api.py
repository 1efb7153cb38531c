"""The catalogue API (read-only): products with their features and prices as decimal strings,
categories and features with their counts, filters, errors and a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from salescore.pipeline.tests.factories import make_category, make_feature, make_product

JSON = "application/json"


@pytest.fixture
def api(cast, api_as):
    def make(who):
        client = api_as(who)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def catalogue():
    robots = make_category(code="robots", name="机器人", name_en="Robots", sort_order=1)
    sensors = make_category(code="sensors", name="传感器", name_en="Sensors", sort_order=2)
    precision = make_feature("precision", name="高精度", name_en="High precision")
    saving = make_feature("saving", name="节能", name_en="Energy saving")
    arm = make_product(
        code="R-100",
        name="六轴机械臂",
        name_en="Six-axis arm",
        category=robots,
        features=[precision, saving],
        industries=["automotive", "electronics"],
        sizes=["large"],
        list_price=Decimal("250000.5"),
        price_floor=Decimal("199999.99"),
        description="汽车焊装线",
    )
    scara = make_product(code="R-200", name="SCARA 机器人", category=robots, features=[precision])
    old = make_product(code="S-900", name="旧款传感器", category=sensors, active=False)
    return {
        "robots": robots,
        "sensors": sensors,
        "precision": precision,
        "saving": saving,
        "arm": arm,
        "scara": scara,
        "old": old,
    }


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def _error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code, body
    if field is not None:
        assert body["fields"].get(field), body
    return body


def test_a_product_with_its_features_and_prices(cast, api, catalogue):
    response = api(cast.rep_a).get(f"/api/v1/products/{catalogue['arm'].pk}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["code"], body["display_name"], body["category_name"]) == ("R-100", "Six-axis arm", "Robots")
    assert (body["list_price"], body["price_floor"], body["currency"], body["unit"]) == (
        "250000.50",
        "199999.99",
        "CNY",
        "台",
    )
    assert [f["code"] for f in body["features"]] == ["precision", "saving"]
    assert body["features"][0]["display_name"] == "High precision"
    assert (body["industries"], body["sizes"], body["active"]) == (
        ["automotive", "electronics"],
        ["large"],
        True,
    )
    _error(api(cast.rep_a).get("/api/v1/products/999999"), 404, "not_found")


def test_products_are_filtered(cast, api, catalogue):
    client = api(cast.rep_a)

    assert _codes(client.get("/api/v1/products")) == ["R-100", "R-200", "S-900"]
    assert _codes(client.get("/api/v1/products?active=true")) == ["R-100", "R-200"]
    assert _codes(client.get("/api/v1/products?active=false")) == ["S-900"]
    assert _codes(client.get(f"/api/v1/products?category_id={catalogue['robots'].pk}")) == ["R-100", "R-200"]
    assert _codes(client.get("/api/v1/products?q=焊装")) == ["R-100"]
    assert _codes(client.get("/api/v1/products?q=scara")) == ["R-200"]
    assert _codes(client.get("/api/v1/products?q=r-1")) == ["R-100"]
    assert _codes(client.get("/api/v1/products?order=-list_price&active=true")) == ["R-100", "R-200"]
    assert _codes(client.get("/api/v1/products?limit=1&offset=1")) == ["R-200"]
    _error(client.get("/api/v1/products?category_id=999999"), 400, "invalid_reference", "category_id")
    _error(client.get("/api/v1/products?order=price"), 422, "validation_error", "order")
    _error(client.get("/api/v1/products?active=maybe"), 422, "validation_error", "active")


def test_a_deleted_product_is_gone(cast, api, catalogue):
    catalogue["scara"].soft_delete()

    assert _codes(api(cast.rep_a).get("/api/v1/products")) == ["R-100", "S-900"]
    _error(api(cast.rep_a).get(f"/api/v1/products/{catalogue['scara'].pk}"), 404, "not_found")


def test_categories_and_features_with_their_counts(cast, api, catalogue):
    client = api(cast.agent)

    response = client.get("/api/v1/categories")
    assert response.status_code == 200, response.content
    rows = {row["code"]: row for row in response.json()["items"]}
    assert list(rows) == ["robots", "sensors"]
    assert (rows["robots"]["product_count"], rows["robots"]["active_count"]) == (2, 2)
    assert (rows["sensors"]["product_count"], rows["sensors"]["active_count"]) == (1, 0)
    assert rows["robots"]["display_name"] == "Robots"

    response = client.get("/api/v1/features")
    assert response.status_code == 200, response.content
    assert [(f["code"], f["product_count"]) for f in response.json()["items"]] == [
        ("precision", 2),
        ("saving", 1),
    ]


@pytest.mark.parametrize("reader", ["rep_a", "agent", "clerk", "analyst", "director"])
def test_every_signed_in_person_reads_the_catalogue(cast, api, catalogue, reader):
    client = api(getattr(cast, reader))

    assert client.get("/api/v1/products").json()["count"] == 3
    assert client.get(f"/api/v1/products/{catalogue['old'].pk}").status_code == 200


def test_the_catalogue_api_is_read_only_and_needs_authentication(cast, api, catalogue):
    client = api(cast.director)

    assert client.post("/api/v1/products", {"code": "X-1"}, content_type=JSON).status_code == 405
    assert client.patch(f"/api/v1/products/{catalogue['arm'].pk}", {}, content_type=JSON).status_code == 405
    assert client.delete(f"/api/v1/products/{catalogue['arm'].pk}").status_code == 405
    for url in ("/api/v1/products", "/api/v1/categories", "/api/v1/features"):
        _error(Client().get(url), 401, "not_authenticated")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx)


# Token, person, count, page (with the category), features: 5 for any page length.
@pytest.mark.parametrize("url", ["/api/v1/products?limit=100", "/api/v1/categories", "/api/v1/features"])
def test_lists_take_a_fixed_number_of_queries(cast, api, catalogue, django_assert_num_queries, url):
    client = api(cast.rep_a)
    client.get(url)  # a token records its first use once
    small = _queries(client, url)

    for i in range(20):
        category = make_category()
        make_product(category=category, features=[make_feature(), catalogue["precision"]], code=f"N-{i:03d}")

    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.json()["count"] > 20
    assert small <= 5
