"""Catalogue pages: everyone reads them, only process configurers write, errors sit by their field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescore.catalog import services
from salescore.catalog.models import Category, Feature, Product


@pytest.fixture
def catalogue(cast):
    actor = cast.director.user
    cnc = services.category_create(
        actor=actor, code="cnc", name="数控机床", name_en="CNC machines", sort_order=1
    )
    robots = services.category_create(
        actor=actor, code="robots", name="工业机器人", name_en="Robots", sort_order=2
    )
    precision = services.feature_create(
        actor=actor, code="precision", name="高精度", name_en="High precision"
    )
    mill = services.product_create(
        actor=actor,
        code="XH-5AX-800",
        name="五轴联动加工中心",
        name_en="5-axis machining centre",
        category=cnc,
        list_price="1280000",
        price_floor="1050000",
        features=[precision],
        industries=["automotive"],
        description="定位精度0.005mm",
    )
    arm = services.product_create(
        actor=actor,
        code="XH-R6-20",
        name="六轴机器人",
        category=robots,
        list_price="268000",
        price_floor="225000",
    )
    old = services.product_create(
        actor=actor,
        code="XH-CK-6140",
        name="旧款车床",
        category=cnc,
        list_price="158000",
        price_floor="130000",
        active=False,
    )
    return {"cnc": cnc, "robots": robots, "precision": precision, "mill": mill, "arm": arm, "old": old}


@pytest.fixture
def en(client_as):
    def make(member):
        client = client_as(member)
        client.cookies["salescore_language"] = "en"
        return client

    return make


def _form(category, **values) -> dict:
    form = {
        "code": "XH-VMC-850",
        "name": "立式加工中心",
        "name_en": "",
        "category": category.pk,
        "description": "",
        "list_price": "368000",
        "price_floor": "310000",
        "currency": "CNY",
        "unit": "台",
        "active": "on",
    }
    form.update(values)
    return form


def _codes(response) -> list[str]:
    assert response.status_code == 200
    return [product.code for product in response.context["page"].items]


# -- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["rep_a", "agent", "director"])
def test_everyone_reads_the_catalogue(cast, catalogue, en, who):
    client = en(getattr(cast, who))

    response = client.get("/catalog/products/")
    assert _codes(response) == ["XH-5AX-800", "XH-R6-20"]  # on sale, by category order
    html = response.content.decode()
    assert "¥1,280,000.00" in html and "High precision" in html
    assert client.get(f"/catalog/products/{catalogue['mill'].pk}/").status_code == 200
    assert client.get("/catalog/categories/").status_code == 200
    assert client.get("/catalog/features/").status_code == 200
    can_write = who == "director"
    assert ("New product" in html) is can_write
    assert (f"/catalog/products/{catalogue['mill'].pk}/edit/" in html) is can_write


def test_products_filter_by_text_category_and_status(cast, catalogue, en):
    client = en(cast.rep_a)
    assert _codes(client.get("/catalog/products/?q=5ax")) == ["XH-5AX-800"]
    assert _codes(client.get("/catalog/products/?q=精度")) == ["XH-5AX-800"]  # description
    assert _codes(client.get(f"/catalog/products/?category={catalogue['robots'].pk}")) == ["XH-R6-20"]
    assert _codes(client.get("/catalog/products/?active=inactive")) == ["XH-CK-6140"]
    assert _codes(client.get(f"/catalog/products/?active=all&category={catalogue['cnc'].pk}")) == [
        "XH-5AX-800",
        "XH-CK-6140",
    ]
    # a category that does not exist is ignored rather than an error page
    assert _codes(client.get("/catalog/products/?category=999999")) == ["XH-5AX-800", "XH-R6-20"]


def test_the_list_pages_and_answers_htmx_with_the_table_only(cast, catalogue, en):
    client = en(cast.rep_a)
    page = client.get("/catalog/products/?active=all&page_size=2&page=2")
    assert _codes(page) == ["XH-R6-20"] and page.context["page"].num_pages == 2

    partial = client.get("/catalog/products/?q=XH", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert 'data-testid="product-table"' in partial.content.decode()
    assert "<html" not in partial.content.decode()


def test_the_product_list_runs_a_fixed_number_of_queries(cast, catalogue, client_as):
    client = client_as(cast.rep_a)
    client.get("/catalog/products/")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/catalog/products/?page_size=100")
        assert response.status_code == 200
        return len(ctx)

    # given three products
    small = count()
    # when 30 more exist, each with two features, in two categories
    extra = services.feature_create(actor=cast.director.user, code="saving", name="节能")
    for n in range(30):
        services.product_create(
            actor=cast.director.user,
            code=f"P-{n:02d}",
            name=f"产品{n}",
            category=catalogue["cnc" if n % 2 else "robots"],
            list_price="100",
            price_floor="90",
            features=[catalogue["precision"], extra],
        )
    # then the page costs the same
    assert count() == small
    assert small <= 10


# -- writing ---------------------------------------------------------------------------------------


def test_reps_cannot_write(cast, catalogue, client_as):
    client = client_as(cast.rep_a)
    mill, cnc, precision = catalogue["mill"], catalogue["cnc"], catalogue["precision"]
    posts = [
        ("/catalog/products/new/", _form(cnc)),
        (f"/catalog/products/{mill.pk}/edit/", _form(cnc, code=mill.code, version=mill.version)),
        (f"/catalog/products/{mill.pk}/delete/", {}),
        ("/catalog/categories/new/", {"code": "new", "name": "新类别"}),
        (f"/catalog/categories/{cnc.pk}/edit/", {"code": "cnc", "name": "改名"}),
        (f"/catalog/categories/{cnc.pk}/delete/", {}),
        ("/catalog/features/new/", {"code": "new", "name": "新特性"}),
        (f"/catalog/features/{precision.pk}/edit/", {"code": "precision", "name": "改名"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    for url in ("/catalog/products/new/", f"/catalog/products/{mill.pk}/edit/", "/catalog/categories/new/"):
        assert client.get(url).status_code == 403, url
    assert Product.objects.get(pk=mill.pk).version == mill.version
    assert Category.objects.get(pk=cnc.pk).name == "数控机床"
    assert Feature.objects.get(pk=precision.pk).name == "高精度"
    assert not Product.objects.filter(code="XH-VMC-850").exists()


def test_director_creates_edits_and_deletes_a_product(cast, catalogue, en):
    client = en(cast.director)
    cnc = catalogue["cnc"]

    response = client.post(
        "/catalog/products/new/",
        _form(
            cnc, features=[catalogue["precision"].pk], industries=["automotive", "energy"], sizes=["large"]
        ),
    )
    product = Product.objects.get(code="XH-VMC-850")
    assert response.status_code == 302 and response["Location"] == f"/catalog/products/{product.pk}/"
    assert (product.list_price, product.industries, product.sizes) == (
        Decimal("368000.00"),
        ["automotive", "energy"],
        ["large"],
    )
    assert [f.code for f in product.features.all()] == ["precision"]

    # the edit form starts from the stored values and saves with their version
    form = client.get(f"/catalog/products/{product.pk}/edit/").context["form"]
    assert form.initial["version"] == product.version and form.initial["list_price"] == Decimal("368000.00")
    response = client.post(
        f"/catalog/products/{product.pk}/edit/",
        _form(cnc, list_price="380000", version=product.version),  # no features chosen: all removed
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.list_price == Decimal("380000.00") and not product.features.exists()
    assert product.active is True

    response = client.post(f"/catalog/products/{product.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/catalog/products/"
    assert Product.all_objects.get(pk=product.pk).is_deleted
    # and it waits in the recycle bin
    assert f"/trash/catalog.product/{product.pk}/restore/" in client.get("/trash/").content.decode()
    client.post(f"/trash/catalog.product/{product.pk}/restore/")
    assert Product.objects.filter(pk=product.pk).exists()


def test_unchecking_on_sale_retires_a_product(cast, catalogue, client_as):
    mill = catalogue["mill"]
    data = _form(
        catalogue["cnc"], code=mill.code, list_price="1280000", price_floor="1050000", version=mill.version
    )
    del data["active"]
    client_as(cast.director).post(f"/catalog/products/{mill.pk}/edit/", data)
    assert Product.objects.get(pk=mill.pk).active is False


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"price_floor": "400000"}, "price_floor", "The price floor cannot be above the list price."),
        ({"list_price": "-5"}, "list_price", "A price cannot be negative."),
        ({"list_price": "12.345"}, "list_price", "A price has at most two decimal places."),
        ({"currency": "XYZ"}, "currency", "XYZ is not an ISO-4217 currency code."),
        ({"code": "XH-R6-20"}, "code", "The code XH-R6-20 is already used."),
        ({"list_price": ""}, "list_price", "This field is required."),
    ],
)
def test_a_refused_product_form_names_the_field(cast, catalogue, en, values, field, message):
    response = en(cast.director).post("/catalog/products/new/", _form(catalogue["cnc"], **values))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert field in response.context["form"].errors
    assert not Product.objects.filter(code=values.get("code", "XH-VMC-850"), name="立式加工中心").exists()


def test_a_stale_product_form_is_refused(cast, catalogue, en):
    mill = catalogue["mill"]
    client = en(cast.director)
    stale = mill.version
    services.product_update(actor=cast.admin.user, product=mill, name="改过了")

    response = client.post(
        f"/catalog/products/{mill.pk}/edit/",
        _form(catalogue["cnc"], code=mill.code, list_price="1", price_floor="1", version=stale),
    )
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert Product.objects.get(pk=mill.pk).list_price == Decimal("1280000.00")


def test_categories_are_created_edited_and_deleted_when_empty(cast, catalogue, en):
    client = en(cast.director)
    response = client.post(
        "/catalog/categories/new/", {"code": "service", "name": "服务与备件", "sort_order": 5}
    )
    assert response.status_code == 302
    service = Category.objects.get(code="service")

    response = client.post(
        f"/catalog/categories/{service.pk}/edit/",
        {
            "code": "service",
            "name": "服务",
            "name_en": "Service",
            "sort_order": 5,
            "version": service.version,
        },
    )
    assert response.status_code == 302 and Category.objects.get(pk=service.pk).name_en == "Service"

    page = client.get("/catalog/categories/").content.decode()
    assert "Service" in page and "CNC machines" in page

    # a category with products stays, and says why
    response = client.post(f"/catalog/categories/{catalogue['cnc'].pk}/delete/", follow=True)
    assert "Move or delete the products of" in response.content.decode()
    assert Category.objects.filter(pk=catalogue["cnc"].pk).exists()

    client.post(f"/catalog/categories/{service.pk}/delete/")
    assert Category.all_objects.get(pk=service.pk).is_deleted


def test_category_and_feature_forms_name_the_field(cast, catalogue, en):
    client = en(cast.director)
    response = client.post("/catalog/categories/new/", {"code": "CNC", "name": "重复"})
    assert 'id="id_code_error"' in response.content.decode()
    response = client.post("/catalog/features/new/", {"code": "precision", "name": "重复"})
    assert 'id="id_code_error"' in response.content.decode()
    response = client.post("/catalog/features/new/", {"code": "not a slug", "name": "坏代码"})
    assert 'id="id_code_error"' in response.content.decode()


def test_features_are_created_and_renamed(cast, catalogue, en):
    client = en(cast.director)
    assert client.post("/catalog/features/new/", {"code": "saving", "name": "节能"}).status_code == 302
    saving = Feature.objects.get(code="saving")
    response = client.post(
        f"/catalog/features/{saving.pk}/edit/",
        {"code": "energy-saving", "name": "节能", "name_en": "Energy saving"},
    )
    assert response.status_code == 302
    saving.refresh_from_db()
    assert (saving.code, saving.name_en) == ("energy-saving", "Energy saving")
    page = client.get("/catalog/features/")
    assert [(f.code, f.product_count) for f in page.context["features"]] == [
        ("energy-saving", 0),
        ("precision", 1),
    ]


def test_the_menu_offers_products_to_everyone(cast, catalogue, client_as):
    html = client_as(cast.agent).get("/catalog/products/").content.decode()
    assert 'href="/catalog/products/"' in html
