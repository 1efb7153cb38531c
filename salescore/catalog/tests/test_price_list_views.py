"""Price list pages: everyone who sells reads them, only catalogue keepers write them, item errors
sit by their row, the list costs the same queries for 3 or 30 lists, and customers are put on a
list from their own edit page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.catalog.models import PriceList
from salescore.catalog.tests.factories import make_price_list
from salescore.customers.models import Customer
from salescore.pipeline.tests.factories import make_customer, make_product

# The page's language, and the list's name as shown in it (its Chinese or English name).
LANGUAGES = {"zh-hans": ('lang="zh-hans"', "经销商价格表"), "en": ('lang="en"', "Dealer prices")}


@pytest.fixture
def as_language(client_as):
    """as_language(member, "en") -> a client that reads the pages in that language."""

    def make(member, language):
        client = client_as(member)
        client.cookies["salescore_language"] = language
        return client

    return make


@pytest.fixture
def drill(db):
    return make_product(code="DR-1", name="钻床", name_en="Drill")


@pytest.fixture
def dealers(cast, drill):
    return make_price_list(cast, name="经销商价格表", name_en="Dealer prices", prices={drill: "9200"})


def _form(drill, **values) -> dict:
    form = {
        "name": "大客户协议价",
        "name_en": "Key accounts",
        "currency": "CNY",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "active": "on",
        "notes": "",
        "item-product": [str(drill.pk)],
        "item-unit_price": ["9500"],
        "item-min_quantity": [""],
    }
    form.update(values)
    return form


# -- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_render_in_both_languages(cast, as_language, drill, dealers, language):
    lang, name = LANGUAGES[language]
    client = as_language(cast.director, language)
    customer = make_customer(cast.rep_a, price_list=dealers)

    listing = client.get("/catalog/price-lists/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert lang in html and name in html and 'data-testid="new-price-list"' in html
    if language == "en":
        assert "Price lists" in html and "New price list" in html

    detail = client.get(f"/catalog/price-lists/{dealers.pk}/").content.decode()
    assert "¥9,200.00" in detail and "¥10,000.00" in detail and "¥8,000.00" in detail  # list, floor beside
    assert f"/customers/?price_list={dealers.pk}" in detail
    assert ("1 customer" in detail) if language == "en" else ("1" in detail)

    for url in ("/catalog/price-lists/new/", f"/catalog/price-lists/{dealers.pk}/edit/"):
        assert client.get(url).status_code == 200, url
    # The customer's pages show and offer the list
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/catalog/price-lists/{dealers.pk}/" in page and name in page
    assert client.get(f"/customers/{customer.pk}/edit/").status_code == 200


@pytest.mark.parametrize("who", ["rep_a", "lead_a", "clerk", "director", "admin"])
def test_those_who_sell_read_the_lists_but_only_keepers_write(cast, client_as, dealers, who):
    client = client_as(getattr(cast, who))
    html = client.get("/catalog/price-lists/").content.decode()
    assert client.get(f"/catalog/price-lists/{dealers.pk}/").status_code == 200
    keeper = who in ("director", "admin")
    assert ('data-testid="new-price-list"' in html) is keeper
    assert ("/catalog/price-lists/" in client.get("/catalog/products/").content.decode()) is True  # the tab


@pytest.mark.parametrize("who", ["agent", "analyst", "keeper", "cashier"])
def test_those_who_do_not_sell_do_not_see_price_lists(cast, client_as, dealers, who):
    client = client_as(getattr(cast, who))
    assert client.get("/catalog/price-lists/").status_code == 403
    assert client.get(f"/catalog/price-lists/{dealers.pk}/").status_code == 403
    assert "/catalog/price-lists/" not in client.get("/catalog/products/").content.decode()


def test_reps_cannot_write(cast, client_as, drill, dealers):
    client = client_as(cast.rep_a)
    for url, data in (
        ("/catalog/price-lists/new/", _form(drill)),
        (f"/catalog/price-lists/{dealers.pk}/edit/", _form(drill, version=dealers.version)),
        (f"/catalog/price-lists/{dealers.pk}/delete/", {}),
        ("/catalog/price-lists/items/preview/", _form(drill)),
    ):
        assert client.post(url, data).status_code == 403, url
    assert client.get("/catalog/price-lists/new/").status_code == 403
    dealers.refresh_from_db()
    assert (dealers.version, dealers.items.get().unit_price) == (dealers.version, Decimal("9200.00"))
    assert not PriceList.objects.filter(name="大客户协议价").exists()


def test_the_list_filters_and_answers_htmx_with_the_table_only(cast, client_as, dealers):
    expired = make_price_list(
        cast, name="旧价格表", valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2020, 12, 31)
    )
    client = client_as(cast.rep_a)
    names = lambda response: [p.name for p in response.context["page"].items]  # noqa: E731
    assert names(client.get("/catalog/price-lists/")) == ["旧价格表", "经销商价格表"]
    assert names(client.get("/catalog/price-lists/?status=expired")) == [expired.name]
    assert names(client.get("/catalog/price-lists/?q=经销商")) == ["经销商价格表"]
    partial = client.get("/catalog/price-lists/?q=经销", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="price-list-table"' in partial and "<html" not in partial


def test_the_list_runs_a_fixed_number_of_queries(cast, client_as, drill):
    def count(client) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/catalog/price-lists/?page_size=100")
        assert response.status_code == 200
        return len(ctx)

    for _n in range(3):
        price_list = make_price_list(cast, prices={drill: "9000"})
        make_customer(cast.rep_a, price_list=price_list)
    clients = {who: client_as(getattr(cast, who)) for who in ("rep_a", "director")}
    small = {who: count(client) for who, client in clients.items()}

    for _n in range(27):
        price_list = make_price_list(cast, prices={drill: "9000", make_product(): "9500"})
        make_customer(cast.rep_b, price_list=price_list)

    for who, client in clients.items():
        assert count(client) == small[who], who
        assert client.get("/catalog/price-lists/?page_size=100").context["page"].count == 30
    assert max(small.values()) <= 8


# -- writing ---------------------------------------------------------------------------------------


def test_the_director_creates_edits_and_deletes_a_list(cast, as_language, drill):
    client = as_language(cast.director, "en")
    arm = make_product(code="ARM-1", name="机械臂")

    response = client.post("/catalog/price-lists/new/", _form(drill))
    price_list = PriceList.objects.get(name="大客户协议价")
    assert response.status_code == 302 and response.url == f"/catalog/price-lists/{price_list.pk}/"
    assert (price_list.valid_to, price_list.items.get().unit_price) == (
        dt.date(2026, 12, 31),
        Decimal("9500.00"),
    )

    form = _form(
        drill,
        version=price_list.version,
        **{
            "item-product": [str(drill.pk), "", str(arm.pk)],
            "item-unit_price": ["9400", "", "9300"],
            "item-min_quantity": ["", "", "3"],
        },
    )
    response = client.post(f"/catalog/price-lists/{price_list.pk}/edit/", form)
    assert response.status_code == 302
    assert sorted(price_list.items.values_list("product__code", "unit_price", "min_quantity")) == [
        ("ARM-1", Decimal("9300.00"), Decimal("3.000")),
        ("DR-1", Decimal("9400.00"), Decimal("1.000")),
    ]

    assert client.post(f"/catalog/price-lists/{price_list.pk}/delete/").status_code == 302
    assert not PriceList.objects.filter(pk=price_list.pk).exists()
    assert PriceList.all_objects.get(pk=price_list.pk).is_deleted


def test_item_errors_sit_by_their_row(cast, as_language, drill):
    client = as_language(cast.director, "en")
    form = _form(
        drill,
        **{
            "item-product": [str(drill.pk), str(drill.pk)],
            "item-unit_price": ["7000", "9000"],
            "item-min_quantity": ["", ""],
        },
    )
    response = client.post("/catalog/price-lists/new/", form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "7000.00 is below the price floor of Drill (8000.00)." in html
    assert "Drill is already on row 1." in html
    assert html.count('data-testid="item-row"') == 2  # the rows typed are kept
    assert not PriceList.objects.exists()


def test_the_item_editor_preview_shows_list_price_and_floor_and_adds_rows(cast, client_as, drill):
    client = client_as(cast.director)
    response = client.post("/catalog/price-lists/items/preview/", {**_form(drill), "op": "add"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.count('data-testid="item-row"') == 2
    assert "¥10,000.00" in html and "¥8,000.00" in html
    removed = client.post("/catalog/price-lists/items/preview/", {**_form(drill), "op": "remove-1"})
    assert removed.content.decode().count('data-testid="item-row"') == 1  # an empty row to type in
    below = client.post("/catalog/price-lists/items/preview/", _form(drill, **{"item-unit_price": ["100"]}))
    assert "is-invalid" in below.content.decode()


def test_a_list_with_customers_is_not_deleted_from_its_page(cast, client_as, dealers):
    make_customer(cast.rep_a, price_list=dealers)
    response = client_as(cast.director).post(f"/catalog/price-lists/{dealers.pk}/delete/")
    assert response.status_code == 302 and response.url == f"/catalog/price-lists/{dealers.pk}/"
    assert PriceList.objects.filter(pk=dealers.pk).exists()


# -- customers -----------------------------------------------------------------------------------


def _customer_form(customer: Customer, **values) -> dict:
    form = {
        "kind": customer.kind,
        "name": customer.name,
        "credit_code": "",
        "industry": "",
        "size": "",
        "tier": customer.tier,
        "region": "",
        "address": "",
        "source": customer.source,
        "owner": customer.owner_id,
        "phone": "",
        "email": "",
        "website": "",
        "tags": "",
        "notes": "",
        "price_list": "",
        "version": customer.version,
    }
    form.update(values)
    return form


def test_a_customer_is_put_on_a_list_from_its_edit_page(cast, client_as, dealers):
    customer = make_customer(cast.rep_a)
    director = client_as(cast.director)
    edit = director.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'name="price_list"' in edit and "经销商价格表" in edit

    response = director.post(
        f"/customers/{customer.pk}/edit/", _customer_form(customer, price_list=dealers.pk)
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.price_list == dealers
    assert "经销商价格表" in client_as(cast.rep_a).get(f"/customers/{customer.pk}/").content.decode()

    # The rep sees the list but cannot change it: the field is disabled and a posted value is ignored
    rep = client_as(cast.rep_a)
    select = re.search(r'<select name="price_list"[^>]*>', rep.get(f"/customers/{customer.pk}/edit/").text)
    assert select and " disabled" in select.group(0)
    rep.post(
        f"/customers/{customer.pk}/edit/", _customer_form(customer, price_list="", version=customer.version)
    )
    customer.refresh_from_db()
    assert customer.price_list == dealers

    # Someone else's rep may not: the customer is not even found
    other = client_as(cast.rep_b).post(
        f"/customers/{customer.pk}/edit/", _customer_form(customer, price_list="", version=customer.version)
    )
    assert other.status_code == 404
    customer.refresh_from_db()
    assert customer.price_list == dealers


def test_the_customer_list_filters_by_price_list(cast, client_as, dealers):
    on_it = make_customer(cast.rep_a, price_list=dealers)
    make_customer(cast.rep_a)
    make_customer(cast.rep_b, price_list=dealers)  # not the rep's
    response = client_as(cast.rep_a).get(f"/customers/?price_list={dealers.pk}")
    assert [c.pk for c in response.context["page"].items] == [on_it.pk]
    assert 'data-testid="price-list-filter"' in response.content.decode()
    assert response.context["page"].count == 1


def test_a_customer_on_a_list_out_of_force_says_so(cast, as_language, drill):
    expired = make_price_list(
        cast, valid_from=dt.date(2020, 1, 1), valid_to=timezone.localdate() - dt.timedelta(days=1)
    )
    customer = make_customer(cast.rep_a, price_list=expired)
    html = as_language(cast.rep_a, "en").get(f"/customers/{customer.pk}/").content.decode()
    assert "Expired" in html and "new quotes and orders get the catalogue's list prices" in html
