"""Price lists (价格表, R2.2 price strategy): the rules of a list and its items, who keeps them and who
reads them, customers put on a list, and the one read that prices quote and order lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from salescore.catalog import selectors, services
from salescore.catalog.models import PriceList, PriceListItem
from salescore.catalog.tests.factories import make_price_list
from salescore.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from salescore.core.models import AuditLog
from salescore.core.navigation import allowed
from salescore.core.permissions import access_for
from salescore.customers import services as customer_services
from salescore.pipeline.tests.factories import make_customer, make_product

TODAY = timezone.localdate


@pytest.fixture
def products(db):
    """Two products at 10000.00 list, floor 8000.00, and one priced in US dollars."""
    return {
        "drill": make_product(code="DR-1", name="钻床"),
        "arm": make_product(code="ARM-1", name="机械臂"),
        "usd": make_product(code="US-1", name="进口传感器", currency="USD"),
    }


def _errors(excinfo) -> dict:
    return excinfo.value.fields


# -- creating and the rules of its items ----------------------------------------------------------


def test_the_director_creates_a_price_list_with_its_items(cast, products):
    price_list = services.price_list_create(
        actor=cast.director.user,
        name="经销商价格表",
        name_en="Dealer prices",
        valid_from="2026-01-01",
        valid_to=dt.date(2026, 12, 31),
        notes="授权经销商",
        items=[
            {"product": products["drill"].pk, "unit_price": "9200"},
            {"product": products["arm"], "unit_price": Decimal("9500.50"), "min_quantity": "2"},
        ],
    )

    assert (price_list.currency, price_list.valid_from, price_list.active) == (
        "CNY",
        dt.date(2026, 1, 1),
        True,
    )
    items = {item.product_id: item for item in price_list.items.all()}
    assert items[products["drill"].pk].unit_price == Decimal("9200.00")
    assert items[products["drill"].pk].min_quantity == 1
    assert (items[products["arm"].pk].unit_price, items[products["arm"].pk].min_quantity) == (
        Decimal("9500.50"),
        Decimal(2),
    )
    # History: the list was created, and its items recorded as one change
    changes = [
        row.changes
        for row in AuditLog.objects.filter(content_type__model="pricelist", object_id=price_list.pk)
    ]
    assert {"old": [], "new": ["ARM-1 @ 9500.50 (>= 2)", "DR-1 @ 9200.00"]} in [
        c.get("items") for c in changes
    ]


def test_every_bad_item_is_named_by_its_row_and_product(cast, products):
    with pytest.raises(ApplicationError) as excinfo, translation.override("en"):
        services.price_list_create(
            actor=cast.director.user,
            name="坏价格表",
            valid_from=TODAY(),
            items=[
                {"product": products["drill"].pk, "unit_price": "9000"},  # fine
                {"product": products["arm"].pk, "unit_price": "0"},  # not above 0
                {"product": products["arm"].pk, "unit_price": "7999.99"},  # below the floor, and twice
                {"product": products["usd"].pk, "unit_price": "9000"},  # another currency
                {"product": 999999, "unit_price": "9000"},  # no such product
                {"product": products["drill"].pk, "unit_price": "abc"},  # twice, and not a number
                {"product": products["arm"].pk, "unit_price": "9000.001"},  # fractions of a fen
                {"unit_price": "9000", "colour": "red"},  # unknown field
            ],
        )
    errors = _errors(excinfo)
    assert excinfo.value.code == "invalid_items"
    assert "items.1.product" not in errors and "items.1.unit_price" not in errors
    assert errors["items.2.unit_price"] == "Enter a number above 0."
    assert "机械臂" in errors["items.3.unit_price"] and "8000.00" in errors["items.3.unit_price"]
    assert errors["items.3.product"] == "机械臂 is already on row 2."
    assert errors["items.4.product"] == "进口传感器 is priced in USD, the price list in CNY."
    assert errors["items.5.product"] == "Choose a product from the catalogue."
    assert errors["items.6.unit_price"] == "Enter a number."
    assert errors["items.7.unit_price"] == "Use at most 2 decimal places."
    assert errors["items.8"] == "Unknown fields: colour."
    # The message says which rows, for the form's top and the API's message
    assert "row 3" in excinfo.value.message and "机械臂" in excinfo.value.message
    assert not PriceList.objects.filter(name="坏价格表").exists()


def test_a_price_at_the_floor_is_allowed_and_a_price_is_required(cast, products):
    price_list = make_price_list(cast, prices={products["drill"]: "8000.00"})
    assert price_list.items.get().unit_price == Decimal("8000.00")
    with pytest.raises(ApplicationError) as excinfo, translation.override("en"):
        services.price_list_set_items(
            actor=cast.director.user, price_list=price_list, items=[{"product": products["drill"].pk}]
        )
    assert _errors(excinfo) == {"items.1.unit_price": "Enter the price."}


def test_the_period_must_not_end_before_it_starts(cast):
    with pytest.raises(ApplicationError) as excinfo:
        services.price_list_create(
            actor=cast.director.user, name="倒序", valid_from="2026-06-01", valid_to="2026-05-31"
        )
    assert set(_errors(excinfo)) == {"valid_to"}
    price_list = make_price_list(cast, valid_from=dt.date(2026, 6, 1))
    with pytest.raises(ApplicationError):
        services.price_list_update(actor=cast.director.user, price_list=price_list, valid_to="2026-01-01")
    # The database holds the rule too
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceList.objects.filter(pk=price_list.pk).update(valid_to=dt.date(2020, 1, 1))


def test_names_are_unique_among_live_lists_and_dates_are_required(cast):
    make_price_list(cast, name="大客户协议价")
    with pytest.raises(ApplicationError) as excinfo:
        make_price_list(cast, name="大客户协议价")
    assert excinfo.value.code == "duplicate" and set(_errors(excinfo)) == {"name"}
    with pytest.raises(ApplicationError) as excinfo:
        services.price_list_create(actor=cast.director.user, name="无日期", valid_from=None)
    assert set(_errors(excinfo)) == {"valid_from"}
    with pytest.raises(ApplicationError) as excinfo:
        services.price_list_create(
            actor=cast.director.user, name="错币种", valid_from=TODAY(), currency="XYZ"
        )
    assert set(_errors(excinfo)) == {"currency"}


def test_the_currency_changes_only_with_items_in_it(cast, products):
    price_list = make_price_list(cast, prices={products["drill"]: "9000"})
    with pytest.raises(ApplicationError) as excinfo:
        services.price_list_update(actor=cast.director.user, price_list=price_list, currency="USD")
    assert set(_errors(excinfo)) == {"currency"}
    # Changing the currency and the items together is checked against the new currency
    services.price_list_update(
        actor=cast.director.user,
        price_list=price_list,
        currency="USD",
        items=[{"product": products["usd"].pk, "unit_price": "9000"}],
    )
    price_list.refresh_from_db()
    assert price_list.currency == "USD"
    assert list(price_list.items.values_list("product_id", flat=True)) == [products["usd"].pk]


def test_items_are_replaced_as_a_whole_and_a_stale_form_is_refused(cast, products):
    price_list = make_price_list(cast, prices={products["drill"]: "9000"})
    version = price_list.version
    services.price_list_set_items(
        actor=cast.director.user,
        price_list=price_list,
        version=version,
        items=[{"product": products["arm"].pk, "unit_price": "9100"}],
    )
    assert list(price_list.items.values_list("product_id", "unit_price")) == [
        (products["arm"].pk, Decimal("9100.00"))
    ]
    # The items are part of the list: someone who opened it before this change is refused
    with pytest.raises(ConflictError):
        services.price_list_update(
            actor=cast.director.user, price_list=price_list, version=version, notes="x"
        )
    # One bad row keeps every item as it was
    with pytest.raises(ApplicationError):
        services.price_list_set_items(
            actor=cast.director.user,
            price_list=price_list,
            items=[{"product": products["drill"].pk, "unit_price": "9000"}, {"product": None}],
        )
    assert price_list.items.get().product_id == products["arm"].pk


def test_removing_one_item(cast, products):
    price_list = make_price_list(cast, prices={products["drill"]: "9000", products["arm"]: "9100"})
    services.price_list_remove_item(
        actor=cast.director.user, price_list=price_list, product=products["drill"]
    )
    assert list(price_list.items.values_list("product_id", flat=True)) == [products["arm"].pk]
    with pytest.raises(ApplicationError) as excinfo:
        services.price_list_remove_item(
            actor=cast.director.user, price_list=price_list, product=products["drill"]
        )
    assert excinfo.value.status == 404


def test_the_database_refuses_a_product_twice_and_a_price_of_zero(cast, products):
    price_list = make_price_list(cast, prices={products["drill"]: "9000"})
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceListItem.objects.create(
            price_list=price_list, product=products["drill"], unit_price=Decimal(9100)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceListItem.objects.create(price_list=price_list, product=products["arm"], unit_price=Decimal(0))


# -- deleting and restoring -----------------------------------------------------------------------


def test_a_list_with_customers_is_not_deleted_and_a_deleted_list_is_restored(cast, products):
    price_list = make_price_list(cast, prices={products["drill"]: "9000"})
    customer = make_customer(cast.rep_a, price_list=price_list)
    with pytest.raises(ApplicationError) as excinfo:
        services.price_list_delete(actor=cast.director.user, price_list=price_list)
    assert excinfo.value.code == "has_customers"

    customer_services.customer_update(actor=cast.director.user, customer=customer, price_list=None)
    services.price_list_delete(actor=cast.director.user, price_list=price_list)
    assert not PriceList.objects.filter(pk=price_list.pk).exists()
    # A deleted list is offered to nobody
    with pytest.raises(ApplicationError) as excinfo:
        customer_services.customer_update(actor=cast.rep_a.user, customer=customer, price_list=price_list)
    assert set(_errors(excinfo)) == {"price_list"}

    record = PriceList.all_objects.get(pk=price_list.pk)
    services.price_list_restore(actor=cast.director.user, record=record)
    assert PriceList.objects.get(pk=price_list.pk).items.count() == 1


def test_a_restored_list_may_not_take_a_name_taken_since(cast):
    price_list = make_price_list(cast, name="年度价")
    services.price_list_delete(actor=cast.director.user, price_list=price_list)
    make_price_list(cast, name="年度价")
    with pytest.raises(ApplicationError) as excinfo:
        services.price_list_restore(
            actor=cast.director.user, record=PriceList.all_objects.get(pk=price_list.pk)
        )
    assert excinfo.value.code == "duplicate"


# -- who keeps and who reads them ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["head", "lead_a", "rep_a", "clerk", "agent", "cashier"])
def test_only_those_who_configure_the_catalogue_keep_price_lists(cast, products, who):
    member = getattr(cast, who)
    price_list = make_price_list(cast, prices={products["drill"]: "9000"})
    with pytest.raises(PermissionDeniedError):
        services.price_list_create(actor=member.user, name="我的价格", valid_from=TODAY())
    with pytest.raises(PermissionDeniedError):
        services.price_list_update(actor=member.user, price_list=price_list, notes="改")
    with pytest.raises(PermissionDeniedError):
        services.price_list_set_items(actor=member.user, price_list=price_list, items=[])
    with pytest.raises(PermissionDeniedError):
        services.price_list_delete(actor=member.user, price_list=price_list)
    assert price_list.items.count() == 1


def test_everyone_who_sells_reads_price_lists(cast):
    readers = {
        name
        for name, member in cast.all().items()
        if allowed(access_for(member.user), services.PRICE_LIST_READERS)
    }
    # Those who quote (sales management, the director), the order desk and the administrator
    assert readers == {"admin", "director", "head", "lead_a", "lead_b", "rep_a", "rep_a2", "rep_b", "clerk"}
    for name in ("agent", "analyst", "keeper", "cashier"):
        with pytest.raises(PermissionDeniedError):
            services.require_price_list_reader(getattr(cast, name).user)


# -- customers on a list --------------------------------------------------------------------------


def test_the_list_keeper_puts_a_customer_on_a_list_and_history_says_old_and_new(cast, products):
    dealers = make_price_list(cast, name="经销商价格表")
    key = make_price_list(cast, name="大客户协议价")
    customer = make_customer(cast.rep_a)

    customer_services.customer_update(actor=cast.director.user, customer=customer, price_list=dealers)
    customer_services.customer_update(actor=cast.director.user, customer=customer, price_list=key)

    customer.refresh_from_db()
    assert customer.price_list == key
    change = (
        AuditLog.objects.filter(
            content_type__model="customer", object_id=customer.pk, changes__has_key="price_list"
        )
        .order_by("-pk")
        .first()
        .changes["price_list"]
    )
    assert (change["old_display"], change["new_display"]) == ("经销商价格表", "大客户协议价")


def test_a_rep_cannot_put_someone_elses_customer_on_a_list(cast):
    price_list = make_price_list(cast)
    theirs = make_customer(cast.rep_b)
    from django.http import Http404

    with pytest.raises(Http404):
        customer_services.customer_update(actor=cast.rep_a.user, customer=theirs, price_list=price_list)
    # The order desk sees every customer but changes none of a rep's (decision 0007)
    with pytest.raises(PermissionDeniedError):
        customer_services.customer_update(actor=cast.clerk.user, customer=theirs, price_list=price_list)
    theirs.refresh_from_db()
    assert theirs.price_list_id is None


# -- the list price of a line ---------------------------------------------------------------------


def test_list_prices_come_from_an_active_list_valid_on_the_day(cast, products):
    drill, arm = products["drill"], products["arm"]
    price_list = make_price_list(
        cast, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31), prices={drill: "9200"}
    )
    customer = make_customer(cast.rep_a, price_list=price_list)
    plain = make_customer(cast.rep_a)

    def prices(who, day, ids=(drill.pk, arm.pk)):
        return {pk: price.amount for pk, price in selectors.list_prices(ids, customer=who, on=day).items()}

    # On the list's days its price, for the products it has; the catalogue's for the rest
    assert prices(customer, dt.date(2026, 6, 1)) == {
        drill.pk: Decimal("9200.00"),
        arm.pk: Decimal("10000.00"),
    }
    assert prices(customer, dt.date(2026, 12, 31))[drill.pk] == Decimal("9200.00")
    # Before it starts, after it ends, and for a customer on no list: the catalogue's
    assert prices(customer, dt.date(2025, 12, 31))[drill.pk] == Decimal("10000.00")
    assert prices(customer, dt.date(2027, 1, 1))[drill.pk] == Decimal("10000.00")
    assert prices(plain, dt.date(2026, 6, 1))[drill.pk] == Decimal("10000.00")
    assert prices(None, dt.date(2026, 6, 1))[drill.pk] == Decimal("10000.00")
    # Switched off: the catalogue's
    services.price_list_update(actor=cast.director.user, price_list=price_list, active=False)
    assert prices(customer, dt.date(2026, 6, 1))[drill.pk] == Decimal("10000.00")
    # Loaded products give the same answer as ids
    services.price_list_update(actor=cast.director.user, price_list=price_list, active=True)
    loaded = selectors.list_prices([drill, arm], customer=customer, on=dt.date(2026, 6, 1))
    assert {pk: p.amount for pk, p in loaded.items()} == prices(customer, dt.date(2026, 6, 1))
    assert loaded[drill.pk].price_list_id == price_list.pk and loaded[arm.pk].price_list_id is None


def test_a_list_price_applies_from_its_quantity(cast, products):
    drill = products["drill"]
    price_list = make_price_list(cast)
    services.price_list_set_items(
        actor=cast.director.user,
        price_list=price_list,
        items=[{"product": drill.pk, "unit_price": "9000", "min_quantity": "5"}],
    )
    customer = make_customer(cast.rep_a, price_list=price_list)
    price = selectors.list_prices([drill.pk], customer=customer, on=TODAY())[drill.pk]
    assert price.for_quantity(Decimal(4)) == Decimal("10000.00")
    assert price.for_quantity(Decimal(5)) == Decimal("9000.00")


def test_a_product_whose_currency_changed_is_no_longer_priced_by_the_list(cast, products):
    drill = products["drill"]
    price_list = make_price_list(cast, prices={drill: "9000"})
    customer = make_customer(cast.rep_a, price_list=price_list)
    drill.currency = "USD"
    drill.save()
    price = selectors.list_prices([drill.pk], customer=customer, on=TODAY())[drill.pk]
    assert price.agreed is None and price.amount == Decimal("10000.00")


def test_list_prices_take_one_query_whatever_the_number_of_products(cast, django_assert_num_queries):
    few = [make_product() for _ in range(2)]
    many = few + [make_product() for _ in range(30)]
    price_list = make_price_list(cast, prices=dict.fromkeys(many, "9000"))
    customer = make_customer(cast.rep_a, price_list=price_list)
    for products in (few, many):
        with django_assert_num_queries(1):
            by_id = selectors.list_prices([p.pk for p in products], customer=customer, on=TODAY())
        with django_assert_num_queries(1):
            selectors.list_prices(products, customer=customer, on=TODAY())
        assert {price.amount for price in by_id.values()} == {Decimal("9000.00")}
    # Loaded products for a customer on no list: no query at all
    plain = make_customer(cast.rep_a)
    with django_assert_num_queries(0):
        selectors.list_prices(many, customer=plain, on=TODAY())


def test_the_list_of_price_lists_counts_items_and_the_customers_you_see(cast, products):
    price_list = make_price_list(cast, prices={products["drill"]: "9000", products["arm"]: "9500"})
    make_customer(cast.rep_a, price_list=price_list)
    make_customer(cast.rep_b, price_list=price_list)
    expired = make_price_list(cast, valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2020, 12, 31))

    row = selectors.price_list_list(user=cast.director.user).get(pk=price_list.pk)
    assert (row.item_count, row.customer_count) == (2, 2)
    assert selectors.price_list_list(user=cast.rep_a.user).get(pk=price_list.pk).customer_count == 1
    assert list(selectors.price_list_list(user=cast.director.user, status="expired")) == [expired]
    assert price_list in selectors.price_list_list(user=cast.director.user, status="valid")
    assert expired.status_on(TODAY()) == PriceList.Status.EXPIRED


def test_only_the_list_keepers_put_a_customer_on_a_price_list(cast, products):
    """A list prices below the catalogue without approval: a rep cannot give one to their customer."""
    from salescore.core.errors import PermissionDeniedError

    dealers = make_price_list(cast, prices={products["drill"]: "9000"})
    customer = make_customer(cast.rep_a)
    with pytest.raises(PermissionDeniedError) as excinfo:
        customer_services.customer_update(actor=cast.rep_a.user, customer=customer, price_list=dealers)
    assert "price_list" in excinfo.value.fields
    with pytest.raises(PermissionDeniedError):
        customer_services.customer_create(
            actor=cast.rep_a.user, name="自带价格表有限公司", price_list=dealers
        )

    customer_services.customer_update(actor=cast.director.user, customer=customer, price_list=dealers)
    customer.refresh_from_db()
    assert customer.price_list == dealers
