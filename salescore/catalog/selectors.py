"""Reads of the product catalogue. The catalogue is reference data: every signed-in person reads
all of it (a rep recommends from the whole range), so these reads are not scoped by owner."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from salescore.catalog.models import Category, Feature, Product

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
        rows = rows.filter(
            Q(code__icontains=q)
            | Q(name__icontains=q)
            | Q(name_en__icontains=q)
            | Q(description__icontains=q)
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
