"""Reads of the product catalogue. The catalogue is reference data: every signed-in person reads
all of it (a rep recommends from the whole range), so these reads are not scoped by owner; only a
price list's customer count counts the customers the reader may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from salescore.catalog.models import Category, Feature, PriceList, PriceListItem, Product
from salescore.core.pagination import searched
from salescore.core.permissions import Scope, access_for, scope_queryset

PRODUCT_ORDERINGS = {
    "category": ["category__sort_order", "code"],
    "code": ["code"],
    "name": ["name", "code"],
    "-list_price": ["-list_price", "code"],
    "list_price": ["list_price", "code"],
}


def product_list(
    *,
    q: str | None = None,
    category: Category | None = None,
    active: bool | None = None,
    feature: Feature | None = None,
    order: str = "category",
) -> QuerySet[Product]:
    """Live products, filtered; ``active=None`` lists active and inactive ones. Two queries for a
    page of any length: the rows with their category, and their features."""
    rows = Product.objects.all()
    if q:
        q = q.strip()
        rows = searched(
            rows,
            (
                Q(code__icontains=q)
                | Q(name__icontains=q)
                | Q(name_en__icontains=q)
                | Q(description__icontains=q)
            ),
        )
    if category is not None:
        rows = rows.filter(category=category)
    if active is not None:
        rows = rows.filter(active=active)
    if feature is not None:
        rows = rows.filter(features=feature)
    return (
        rows.select_related("category")
        .prefetch_related("features")
        .order_by(*PRODUCT_ORDERINGS.get(order, PRODUCT_ORDERINGS["category"]))
    )


def product_get(*, pk) -> Product:
    try:
        return Product.objects.select_related("category").prefetch_related("features").get(pk=pk)
    except (Product.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def category_list() -> QuerySet[Category]:
    """Live categories with how many live products each has (active ones and all)."""
    alive = Q(products__deleted_at__isnull=True)
    return Category.objects.annotate(
        product_count=Count("products", filter=alive),
        active_count=Count("products", filter=alive & Q(products__active=True)),
    ).order_by("sort_order", "code")


def category_get(*, pk) -> Category:
    try:
        return Category.objects.get(pk=pk)
    except (Category.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def feature_list() -> QuerySet[Feature]:
    """Features with how many live products have each."""
    return Feature.objects.annotate(
        product_count=Count("products", filter=Q(products__deleted_at__isnull=True))
    ).order_by("code")


def feature_get(*, pk) -> Feature:
    try:
        return Feature.objects.get(pk=pk)
    except (Feature.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# -- price lists ---------------------------------------------------------------------------------

PRICE_LIST_STATUSES = ("valid", "upcoming", "expired", "inactive")


def _count(queryset: QuerySet) -> Subquery:
    """A correlated COUNT(*) as a subquery: two counts over different relations in one row
    without the join multiplying them."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values(queryset.model._meta.get_field("price_list").attname)
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _customers_seen_by(user) -> QuerySet:
    """The live customers ``user`` may see, as the customer list a count opens shows them: the
    public pool only for those who see everything (customers.selectors.customer_list)."""
    from salescore.customers.models import Customer

    customers = scope_queryset(Customer.objects.all(), user)
    if access_for(user).scope != Scope.ALL:
        customers = customers.filter(owner__isnull=False)
    return customers


def price_list_list(
    *, user, q: str | None = None, status: str | None = None, on: dt.date | None = None
) -> QuerySet[PriceList]:
    """Live price lists with how many items each has and how many of the customers ``user`` sees
    are on it: one query for a page of any length. ``status`` (valid, upcoming, expired, inactive)
    is judged on ``on`` (today)."""
    on = on or timezone.localdate()
    rows = PriceList.objects.all()
    if q:
        q = q.strip()
        rows = searched(rows, Q(name__icontains=q) | Q(name_en__icontains=q) | Q(notes__icontains=q))
    if status == "inactive":
        rows = rows.filter(active=False)
    elif status == "upcoming":
        rows = rows.filter(active=True, valid_from__gt=on)
    elif status == "expired":
        rows = rows.filter(active=True, valid_to__lt=on)
    elif status == "valid":
        rows = rows.filter(_valid_on(on, prefix=""))
    return rows.annotate(
        item_count=_count(PriceListItem.objects.filter(price_list=OuterRef("pk"))),
        customer_count=_count(_customers_seen_by(user).filter(price_list=OuterRef("pk"))),
    ).order_by("name", "id")


def price_list_get(*, pk) -> PriceList:
    try:
        return PriceList.objects.get(pk=pk)
    except (PriceList.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def price_list_customer_count(*, user, price_list: PriceList) -> int:
    return _customers_seen_by(user).filter(price_list=price_list).count()


def price_list_items(price_list: PriceList) -> QuerySet[PriceListItem]:
    """The list's items with their products and categories, in product-code order (one query)."""
    return (
        PriceListItem.objects.filter(price_list=price_list)
        .select_related("product__category")
        .order_by("product__code", "pk")
    )


def _valid_on(on: dt.date, *, prefix: str) -> Q:
    return Q(
        **{f"{prefix}active": True, f"{prefix}deleted_at__isnull": True, f"{prefix}valid_from__lte": on}
    ) & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on}))


@dataclass(frozen=True)
class ListPrice:
    """A product's list price for one customer on one day. ``agreed`` is the customer's price
    list's price when the list is active, valid that day and has the product; it applies to lines
    of at least ``min_quantity``. Otherwise the catalogue's list price applies."""

    catalogue: Decimal
    agreed: Decimal | None = None
    min_quantity: Decimal = Decimal(1)
    price_list_id: int | None = None

    @property
    def amount(self) -> Decimal:
        return self.agreed if self.agreed is not None else self.catalogue

    def for_quantity(self, quantity: Decimal | None) -> Decimal:
        if self.agreed is not None and (quantity is None or quantity >= self.min_quantity):
            return self.agreed
        return self.catalogue


def list_prices(products: Iterable[Product | int], *, customer, on: dt.date) -> dict[int, ListPrice]:
    """The list price of each product for ``customer`` (or nobody) on ``on``: its price list's
    price where that applies, the catalogue's otherwise. Quotes and orders price their lines from
    it (orders.services.lines.parse_lines).

    ``products`` are Product rows (already loaded: then no query without a price list, one with)
    or ids of live products (one query). The number of products never adds a query.
    """
    given = list(products)
    loaded = {p.pk: p for p in given if isinstance(p, Product)}
    ids = {pk for pk in given if isinstance(pk, int) and 0 < pk < 2**63} - set(loaded)
    price_list_id = getattr(customer, "price_list_id", None)
    prices: dict[int, ListPrice] = {pk: ListPrice(catalogue=p.list_price) for pk, p in loaded.items()}
    if ids and price_list_id is None:
        rows = Product.objects.filter(pk__in=ids).values_list("pk", "list_price")
        prices.update({pk: ListPrice(catalogue=price) for pk, price in rows})
    elif ids:
        item = _agreed(price_list_id, on).filter(
            product=OuterRef("pk"), price_list__currency=OuterRef("currency")
        )
        rows = (
            Product.objects.filter(pk__in=ids)
            .annotate(
                agreed=Subquery(item.values("unit_price")[:1]),
                min_quantity=Subquery(item.values("min_quantity")[:1]),
            )
            .values_list("pk", "list_price", "agreed", "min_quantity")
        )
        for pk, price, agreed, min_quantity in rows:
            prices[pk] = ListPrice(catalogue=price)
            if agreed is not None:
                prices[pk] = ListPrice(
                    catalogue=price, agreed=agreed, min_quantity=min_quantity, price_list_id=price_list_id
                )
    if loaded and price_list_id is not None:
        rows = (
            _agreed(price_list_id, on)
            .filter(product_id__in=loaded, price_list__currency=F("product__currency"))
            .values_list("product_id", "unit_price", "min_quantity")
        )
        for pk, agreed, min_quantity in rows:
            prices[pk] = ListPrice(
                catalogue=loaded[pk].list_price,
                agreed=agreed,
                min_quantity=min_quantity,
                price_list_id=price_list_id,
            )
    return prices


def _agreed(price_list_id: int, on: dt.date) -> QuerySet[PriceListItem]:
    """The items of a price list that is active and valid on ``on``. A product whose currency
    changed after it was listed is no longer priced by the list (callers match the currency)."""
    return PriceListItem.objects.filter(_valid_on(on, prefix="price_list__"), price_list_id=price_list_id)


def products_named(rows, queryset=None) -> tuple[list, dict[int, Product]]:
    """The products raw rows (line or item dicts) name by ``product`` (an id or a Product): each
    row's reference in order, and the products found, loaded in one query. A row that is not a
    dict, or names nothing loadable, gets a reference no product has."""
    refs = []
    for raw in rows:
        product = raw.get("product") if isinstance(raw, dict) else None
        refs.append(product.pk if isinstance(product, Product) else product)
    wanted = {pk for pk in refs if isinstance(pk, int) and 0 < pk < 2**63}
    return refs, (queryset if queryset is not None else Product.objects.all()).in_bulk(wanted)
