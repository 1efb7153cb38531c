"""REST endpoints for the product catalogue (R3.4), read-only: products, categories and features.

Every signed-in person reads the whole catalogue (a rep recommends from the whole range). Changes to
the catalogue are made on its configuration pages (Cap.PROCESS_CONFIGURE, catalog.services); the API
offers no writes yet. Prices leave as decimal strings beside their ISO-4217 currency.
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from salescore.catalog import selectors
from salescore.catalog.models import Category, Product
from salescore.core.api import ErrorOut, Pagination
from salescore.core.errors import ApplicationError

router = Router(tags=["catalogue"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

ORDER_PATTERN = "^(" + "|".join(selectors.PRODUCT_ORDERINGS) + ")$"


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class FeatureOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    display_name: str


class FeatureListOut(FeatureOut):
    product_count: int = Field(..., description="Live products that have this feature")


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    display_name: str
    sort_order: int
    product_count: int = Field(..., description="Live products in the category")
    active_count: int = Field(..., description="Of which still sold")
    version: int


class ProductOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    display_name: str
    category_id: int
    category_name: str = Field(..., alias="category.display_name")
    description: str
    features: list[FeatureOut]
    industries: list[str] = Field(..., description="Suitable customer industries; empty means any")
    sizes: list[str] = Field(..., description="Suitable company sizes; empty means any")
    list_price: str
    price_floor: str = Field(..., description="The lowest price a quote may go to")
    currency: str
    unit: str
    active: bool
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_features(obj: Product) -> list:
        return list(obj.features.all())

    @staticmethod
    def resolve_list_price(obj: Product) -> str:
        return _money(obj.list_price)

    @staticmethod
    def resolve_price_floor(obj: Product) -> str:
        return _money(obj.price_floor)


class ProductFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Code, name or description")
    category_id: int | None = None
    active: bool | None = Field(None, description="true: still sold; false: retired; leave out for both")
    order: str = Field("category", pattern=ORDER_PATTERN)


def _category(pk: int | None) -> Category | None:
    """The category filter, or a 400 naming the field when it points nowhere."""
    if pk is None:
        return None
    category = Category.objects.filter(pk=pk).first()
    if category is None:
        raise ApplicationError(
            _("%(field)s: there is no record #%(pk)s.") % {"field": "category_id", "pk": pk},
            code="invalid_reference",
            fields={"category_id": _("No record with this id.")},
        )
    return category


@router.get(
    "/products", response={200: list[ProductOut], **ERRORS}, summary="Products of the catalogue, filtered"
)
@paginate(Pagination)
def list_products(request, filters: Query[ProductFilter]):
    return selectors.product_list(
        q=filters.q, category=_category(filters.category_id), active=filters.active, order=filters.order
    )


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def get_product(request, product_id: int):
    return selectors.product_get(pk=product_id)


@router.get(
    "/categories",
    response={200: list[CategoryOut], **ERRORS},
    summary="Product categories with their product counts",
)
@paginate(Pagination)
def list_categories(request):
    return selectors.category_list()


@router.get(
    "/features",
    response={200: list[FeatureListOut], **ERRORS},
    summary="The features products have and needs analyses ask for",
)
@paginate(Pagination)
def list_features(request):
    return selectors.feature_list()
