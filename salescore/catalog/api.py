"""REST endpoints for the product catalogue (R3.4): products, categories and features (read-only),
and price lists (read and written).

Every signed-in person reads the whole catalogue (a rep recommends from the whole range). Changes to
products are made on the catalogue's configuration pages (Cap.PROCESS_CONFIGURE, catalog.services).
Price lists are read by everyone who prices quotes or orders and written by Cap.PROCESS_CONFIGURE,
through the same services as the pages. Prices leave as decimal strings beside their ISO-4217
currency.
"""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

import pydantic
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salescore.catalog import selectors, services
from salescore.catalog.models import Category, PriceList, Product
from salescore.core.api import ErrorOut, Pagination, _validation_message, paginate
from salescore.core.api_rows import listed, related
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
        return related(obj, "features")

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
    products = selectors.product_list(
        q=filters.q, category=_category(filters.category_id), active=filters.active, order=filters.order
    )
    return listed(products, "features")


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


# -- price lists ---------------------------------------------------------------------------------

PRICE_LIST_STATUS_PATTERN = "^(" + "|".join(selectors.PRICE_LIST_STATUSES) + ")$"
ITEMS_DOC = (
    "Every item of the list, each {product_id, unit_price, min_quantity?}; replaces the items the list "
    "had. Each product once, priced above 0 and not below its floor, in the list's currency. Errors "
    "name the item from 1: items.3.unit_price."
)


class PriceListItemIn(Schema):
    model_config = pydantic.ConfigDict(extra="forbid")

    product_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    unit_price: Annotated[Decimal, Field(max_digits=16, decimal_places=2)]
    min_quantity: Annotated[Decimal, Field(max_digits=12, decimal_places=3)] | None = Field(
        None, description="The price applies to lines of at least this quantity (default 1)"
    )


_ITEM_ADAPTER = pydantic.TypeAdapter(PriceListItemIn)
ItemsIn = Annotated[list[dict[str, Any]], Field(max_length=services.MAX_ITEMS, description=ITEMS_DOC)]


def _items(raw: list[dict[str, Any]]) -> list[dict]:
    """Type-check every item, naming each bad field from 1 as the service does."""
    errors: dict[str, str] = {}
    items = []
    for index, value in enumerate(raw, start=1):
        try:
            item = _ITEM_ADAPTER.validate_python(value)
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                name = ".".join(str(part) for part in ("items", index, *error["loc"]))
                errors.setdefault(name, _validation_message(error))
            continue
        row = {"product": item.product_id, "unit_price": item.unit_price}
        if item.min_quantity is not None:
            row["min_quantity"] = item.min_quantity
        items.append(row)
    if errors:
        raise ApplicationError(
            _("Some items are not valid: %(rows)s.") % {"rows": ", ".join(errors)},
            code="invalid_items",
            fields=errors,
            status=422,
        )
    return items


@contextmanager
def _api_field_names():
    """The service names the product of an item ``items.3.product``; the API sent product_id."""
    try:
        yield
    except ApplicationError as exc:
        exc.fields = {
            (key + "_id" if key.startswith("items.") and key.endswith(".product") else key): value
            for key, value in exc.fields.items()
        }
        raise


class PriceListItemOut(Schema):
    product_id: int
    product_code: str = Field(..., alias="product.code")
    product_name: str = Field(..., alias="product.display_name")
    unit_price: str
    min_quantity: str
    list_price: str = Field(..., description="The product's catalogue list price, for comparison")
    price_floor: str = Field(..., description="The product's floor; a list price is never below it")

    @staticmethod
    def resolve_unit_price(obj) -> str:
        return _money(obj.unit_price)

    @staticmethod
    def resolve_min_quantity(obj) -> str:
        return f"{obj.min_quantity.normalize():f}"

    @staticmethod
    def resolve_list_price(obj) -> str:
        return _money(obj.product.list_price)

    @staticmethod
    def resolve_price_floor(obj) -> str:
        return _money(obj.product.price_floor)


class PriceListOut(Schema):
    id: int
    name: str
    name_en: str
    display_name: str
    currency: str
    valid_from: dt.date
    valid_to: dt.date | None
    active: bool
    status: str = Field(..., description="Today: valid, upcoming, expired or inactive")
    notes: str
    item_count: int = Field(..., description="Products on the list")
    customer_count: int = Field(..., description="Customers on the list, of those you may see")
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_status(obj: PriceList) -> str:
        return str(obj.status_on(timezone.localdate()))


class PriceListDetailOut(PriceListOut):
    items: list[PriceListItemOut]

    @staticmethod
    def resolve_items(obj: PriceList) -> list:
        return list(selectors.price_list_items(obj))


class PriceListFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Name or notes")
    status: str | None = Field(None, pattern=PRICE_LIST_STATUS_PATTERN, description="Judged on today")


class PriceListIn(Schema):
    model_config = pydantic.ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=120)
    name_en: str = Field("", max_length=120)
    currency: str = Field("CNY", min_length=3, max_length=3)
    valid_from: dt.date
    valid_to: dt.date | None = Field(None, description="null: until further notice")
    active: bool = True
    notes: str = Field("", max_length=5000)
    items: ItemsIn = []


class PriceListPatch(Schema):
    """Send only what changes; ``items``, when sent, replaces every item of the list."""

    model_config = pydantic.ConfigDict(extra="forbid")

    version: int = Field(..., ge=1, description="The version you loaded; a stale one gives 409.")
    name: str = Field(None, min_length=1, max_length=120)
    name_en: str | None = Field(None, max_length=120)
    currency: str = Field(None, min_length=3, max_length=3)
    valid_from: dt.date = None
    valid_to: dt.date | None = None
    active: bool = None
    notes: str | None = Field(None, max_length=5000)
    items: ItemsIn | None = None


def _detail(user, pk: int) -> PriceList:
    return selectors.price_list_list(user=user).get(pk=pk)


def _price_list(pk: int) -> PriceList:
    return selectors.price_list_get(pk=pk)


@router.get(
    "/price-lists",
    response={200: list[PriceListOut], **ERRORS},
    summary="Price lists with their product and customer counts",
)
@paginate(Pagination)
def list_price_lists(request, filters: Query[PriceListFilter]):
    services.require_price_list_reader(request.auth)
    return selectors.price_list_list(user=request.auth, q=filters.q, status=filters.status)


@router.get("/price-lists/{price_list_id}", response={200: PriceListDetailOut, **ERRORS})
def get_price_list(request, price_list_id: int):
    services.require_price_list_reader(request.auth)
    return _detail(request.auth, _price_list(price_list_id).pk)


@router.post("/price-lists", response={201: PriceListDetailOut, **ERRORS}, summary="Create a price list")
def create_price_list(request, payload: PriceListIn):
    data = payload.dict()
    items = _items(data.pop("items"))
    with _api_field_names():
        price_list = services.price_list_create(actor=request.auth, items=items, **data)
    return Status(201, _detail(request.auth, price_list.pk))


@router.patch("/price-lists/{price_list_id}", response={200: PriceListDetailOut, **ERRORS})
def update_price_list(request, price_list_id: int, payload: PriceListPatch):
    services.require_price_list_reader(request.auth)
    price_list = _price_list(price_list_id)
    data = payload.dict(exclude_unset=True)
    for key in ("name_en", "notes"):
        if key in data and data[key] is None:
            data[key] = ""
    version = data.pop("version")
    raw_items = data.pop("items", None)
    items = _items(raw_items) if raw_items is not None else None
    with _api_field_names():
        services.price_list_update(
            actor=request.auth, price_list=price_list, version=version, items=items, **data
        )
    return _detail(request.auth, price_list.pk)


@router.delete(
    "/price-lists/{price_list_id}",
    response={204: None, **ERRORS},
    summary="Move to the recycle bin (refused while customers are on it)",
)
def delete_price_list(request, price_list_id: int):
    services.require_price_list_reader(request.auth)
    services.price_list_delete(actor=request.auth, price_list=_price_list(price_list_id))
    return Status(204, None)
