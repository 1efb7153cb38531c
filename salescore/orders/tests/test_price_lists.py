"""Quotes and orders priced from the customer's price list (价格表, R2.2): a customer on a list that
is active and valid on the document's date gets its prices as each line's list price; discounts and
discount authority apply to that price; otherwise the catalogue's list price applies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from salescore.catalog import services as catalog
from salescore.catalog.tests.factories import make_price_list
from salescore.core.errors import ApplicationError
from salescore.customers import services as customer_services
from salescore.orders import services
from salescore.orders.models import Order, Quote
from salescore.orders.tests.factories import (
    make_customer,
    make_opportunity,
    make_order,
    make_product,
    make_quote,
)

TODAY = timezone.localdate


@pytest.fixture
def drill(db):
    """10000.00 list, floor 8000.00."""
    return make_product(code="DR-900", name="钻床")


@pytest.fixture
def dealers(cast, drill):
    """The drill 8% below list (9200.00), valid from a year ago until further notice."""
    return make_price_list(cast, name="经销商价格表", prices={drill: "9200.00"})


def _quote(member, customer, product, *, quantity=1, discount="0"):
    return make_quote(
        member,
        opportunity=make_opportunity(member, customer),
        lines=[{"product": product.pk, "quantity": quantity, "discount": discount}],
    )


# -- quotes -------------------------------------------------------------------------------------


def test_a_customer_on_a_price_list_is_quoted_its_prices(cast, drill, dealers):
    # Given a customer on the dealers' list and one on none
    dealer = make_customer(cast.rep_a, price_list=dealers)
    walk_in = make_customer(cast.rep_a)

    # When the rep quotes both the drill, three of them
    ours = _quote(cast.rep_a, dealer, drill, quantity=3)
    theirs = _quote(cast.rep_a, walk_in, drill, quantity=3)

    # Then the dealer's line starts from the list's price, the other from the catalogue's
    line = ours.lines.get()
    assert (line.list_price, line.unit_price, line.discount) == (Decimal("9200.00"), Decimal("9200.00"), 0)
    assert (ours.list_total, ours.net_total) == (Decimal("27600.00"), Decimal("27600.00"))
    assert theirs.lines.get().list_price == Decimal("10000.00")


def test_the_default_lines_of_a_quote_take_the_list_price_too(cast, drill, dealers):
    from salescore.pipeline import services as pipeline_services

    opportunity = make_opportunity(cast.rep_a, make_customer(cast.rep_a, price_list=dealers))
    pipeline_services.product_propose(
        actor=cast.rep_a.user, opportunity=opportunity, product=drill, quantity=2
    )
    quote = services.quote_create(actor=cast.rep_a.user, opportunity=opportunity)
    assert quote.lines.get().list_price == Decimal("9200.00")


def test_an_expired_or_inactive_list_falls_back_to_the_catalogue(cast, drill):
    expired = make_price_list(
        cast, valid_from=dt.date(2020, 1, 1), valid_to=TODAY() - dt.timedelta(days=1), prices={drill: "9200"}
    )
    inactive = make_price_list(cast, active=False, prices={drill: "9200"})
    upcoming = make_price_list(cast, valid_from=TODAY() + dt.timedelta(days=1), prices={drill: "9200"})
    for price_list in (expired, inactive, upcoming):
        customer = make_customer(cast.rep_a, price_list=price_list)
        quote = _quote(cast.rep_a, customer, drill)
        assert quote.lines.get().list_price == Decimal("10000.00"), price_list


def test_a_product_not_on_the_list_keeps_its_catalogue_price(cast, drill, dealers):
    other = make_product()
    customer = make_customer(cast.rep_a, price_list=dealers)
    quote = make_quote(
        cast.rep_a,
        opportunity=make_opportunity(cast.rep_a, customer),
        lines=[{"product": drill.pk, "quantity": 1}, {"product": other.pk, "quantity": 1}],
    )
    assert [line.list_price for line in quote.lines.order_by("sort_order")] == [
        Decimal("9200.00"),
        Decimal("10000.00"),
    ]


def test_a_draft_is_priced_on_its_own_date(cast, drill):
    # A list that ended yesterday still prices a draft quote made while it was valid
    price_list = make_price_list(cast, valid_to=TODAY() + dt.timedelta(days=10), prices={drill: "9200"})
    customer = make_customer(cast.rep_a, price_list=price_list)
    quote = _quote(cast.rep_a, customer, drill)
    catalog.price_list_update(
        actor=cast.director.user,
        price_list=price_list,
        valid_from=TODAY() - dt.timedelta(days=400),
        valid_to=TODAY() - dt.timedelta(days=1),
    )
    Quote.all_objects.filter(pk=quote.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    quote.refresh_from_db()
    services.quote_set_lines(actor=cast.rep_a.user, quote=quote, lines=[{"product": drill.pk, "quantity": 2}])
    assert quote.lines.get().list_price == Decimal("9200.00")
    # A quote made today is priced today: the catalogue's price
    assert _quote(cast.rep_a, customer, drill).lines.get().list_price == Decimal("10000.00")


# -- discount authority on the list price ---------------------------------------------------------


def test_discounts_and_authority_apply_to_the_list_price(cast, drill, dealers):
    customer = make_customer(cast.rep_a, price_list=dealers)

    # 5% off the dealers' 9200.00 is within a rep's 5%, though 12.6% below the catalogue
    within = _quote(cast.rep_a, customer, drill, discount="5")
    line = within.lines.get()
    assert (line.list_price, line.unit_price, line.discount) == (
        Decimal("9200.00"),
        Decimal("8740.00"),
        Decimal("5.0000"),
    )
    assert services.quote_submit(actor=cast.rep_a.user, quote=within).status == Quote.Status.APPROVED

    # 8% off it needs the team lead
    beyond = _quote(cast.rep_a, customer, drill, discount="8")
    beyond = services.quote_submit(actor=cast.rep_a.user, quote=beyond)
    assert (beyond.status, beyond.required_level) == (Quote.Status.PENDING, "team_lead")

    # Below the product's floor (8000.00) always needs the director
    floor = _quote(cast.rep_a, customer, drill, discount="14")
    floor = services.quote_submit(actor=cast.rep_a.user, quote=floor)
    assert (floor.status, floor.required_level, floor.below_floor) == (Quote.Status.PENDING, "director", True)


def test_an_order_at_a_discount_on_the_list_price_passes_within_authority(cast, drill, dealers):
    customer = make_customer(cast.rep_a, address="上海市浦东新区", price_list=dealers)
    within = make_order(
        cast.rep_a, customer=customer, lines=[{"product": drill.pk, "quantity": 1, "discount": "4"}]
    )
    assert within.lines.get().list_price == Decimal("9200.00")
    assert services.order_submit(actor=cast.rep_a.user, order=within).status == Order.Status.SUBMITTED

    # 8% off the list price is beyond a rep: refused at submit, named by line
    beyond = make_order(
        cast.rep_a, customer=customer, lines=[{"product": drill.pk, "quantity": 1, "discount": "8"}]
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.order_submit(actor=cast.rep_a.user, order=beyond)
    assert list(excinfo.value.fields) == ["lines.1.unit_price"]


# -- orders ---------------------------------------------------------------------------------------


def test_an_order_is_priced_on_its_order_date(cast, drill):
    price_list = make_price_list(
        cast, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 6, 30), prices={drill: "9200"}
    )
    customer = make_customer(cast.rep_a, address="上海", price_list=price_list)
    inside = make_order(
        cast.clerk,
        customer=customer,
        order_date=dt.date(2026, 3, 1),
        complete=False,
        lines=[{"product": drill.pk, "quantity": 1}],
    )
    outside = make_order(
        cast.clerk,
        customer=customer,
        order_date=dt.date(2026, 7, 1),
        complete=False,
        lines=[{"product": drill.pk, "quantity": 1}],
    )
    assert inside.lines.get().list_price == Decimal("9200.00")
    assert outside.lines.get().list_price == Decimal("10000.00")
    # Lines set again later keep the order's date
    services.order_set_lines(
        actor=cast.clerk.user, order=inside, lines=[{"product": drill.pk, "quantity": 5}]
    )
    assert inside.lines.get().list_price == Decimal("9200.00")


def test_an_order_from_a_quote_keeps_the_quoted_prices(cast, drill, dealers):
    customer = make_customer(cast.rep_a, address="上海", price_list=dealers)
    quote = services.quote_submit(actor=cast.rep_a.user, quote=_quote(cast.rep_a, customer, drill))
    # The customer leaves the list after the quote was approved
    customer_services.customer_update(actor=cast.director.user, customer=customer, price_list=None)
    order = services.order_from_quote(actor=cast.rep_a.user, quote=quote)
    assert order.lines.get().list_price == Decimal("9200.00")


def test_a_customer_taken_off_the_list_is_priced_from_the_catalogue(cast, drill, dealers):
    customer = make_customer(cast.rep_a, address="上海", price_list=dealers)
    order = make_order(cast.rep_a, customer=customer, lines=[{"product": drill.pk, "quantity": 1}])
    customer_services.customer_update(actor=cast.director.user, customer=customer, price_list=None)
    services.order_set_lines(actor=cast.rep_a.user, order=order, lines=[{"product": drill.pk, "quantity": 1}])
    assert order.lines.get().list_price == Decimal("10000.00")


# -- the number of queries ------------------------------------------------------------------------


def _lines(products):
    return [{"product": product.pk, "quantity": 2, "discount": "3"} for product in products]


def _count(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx)


def test_pricing_does_not_query_per_line(cast):
    products = [make_product() for _ in range(25)]
    price_list = make_price_list(cast, prices=dict.fromkeys(products, "9500"))
    customer = make_customer(cast.rep_a, address="上海", price_list=price_list)
    quote = _quote(cast.rep_a, customer, products[0])
    order = make_order(cast.rep_a, customer=customer, lines=_lines(products[:1]))

    for service, document in (
        (services.quote_set_lines, {"quote": quote}),
        (services.order_set_lines, {"order": order}),
    ):
        # Prime: a document's old lines are summarised for its history, so start from the same size
        service(actor=cast.rep_a.user, lines=_lines(products[:3]), **document)
        few = _count(lambda: service(actor=cast.rep_a.user, lines=_lines(products[3:6]), **document))  # noqa: B023
        service(actor=cast.rep_a.user, lines=_lines(products[:25]), **document)
        many = _count(lambda: service(actor=cast.rep_a.user, lines=_lines(products[:25][::-1]), **document))  # noqa: B023
        assert few == many, service
    assert {line.list_price for line in quote.lines.all()} == {Decimal("9500.00")}
    assert {line.list_price for line in order.lines.all()} == {Decimal("9500.00")}


# -- the line editor ------------------------------------------------------------------------------


def test_the_line_editor_previews_the_price_list_price(cast, client_as, drill, dealers):
    customer = make_customer(cast.rep_a, address="上海", price_list=dealers)
    quote = _quote(cast.rep_a, customer, drill)
    order = make_order(cast.rep_a, customer=customer, lines=[{"product": drill.pk, "quantity": 1}])
    post = {
        "line-product": [str(drill.pk)],
        "line-quantity": ["1"],
        "line-discount": [""],
        "line-unit_price": [""],
        "line-tax_rate": [""],
        "line-description": [""],
    }
    client = client_as(cast.rep_a)
    for url in (
        reverse("orders:quote_lines_preview", args=[quote.pk]),
        reverse("orders:order_lines_preview", args=[order.pk]),
    ):
        response = client.post(url, post)
        assert response.status_code == 200
        assert "9,200.00" in response.text and "10,000.00" not in response.text, url
    # A new order's editor prices for the customer chosen above it
    new = client.post(reverse("orders:order_lines_new_preview"), {**post, "customer": str(customer.pk)})
    assert "9,200.00" in new.text
    plain = client.post(reverse("orders:order_lines_new_preview"), post)
    assert "10,000.00" in plain.text
