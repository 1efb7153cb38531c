"""Every write to the product catalogue (R3.4): categories, features and products.

Only people who configure the sales process (Cap.PROCESS_CONFIGURE: the director and the
administrator) change the catalogue; everyone reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from babel.numbers import list_currencies
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.catalog.models import Category, Feature, Product
from salescore.core.errors import ApplicationError
from salescore.core.models import AuditAction, audit_event
from salescore.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, to_decimal
from salescore.core.permissions import Cap, require
from salescore.core.services import check_version, model_update, required, validate_fields
from salescore.customers.models import Industry, Size

# -- shared checks -------------------------------------------------------------------------------


def _text(value) -> str:
    return (value or "").strip()


def _duplicate(field: str, code: str) -> ApplicationError:
    return ApplicationError(
        _("The code %(code)s is already used.") % {"code": code},
        code="duplicate",
        fields={field: _("Choose another code.")},
    )


def _save_unique(instance: Model, *, actor: User, field: str = "code") -> None:
    """Save; a code taken at the same moment by someone else becomes the same duplicate error."""
    try:
        with transaction.atomic():
            instance.save(actor=actor)
    except IntegrityError:
        raise _duplicate(field, getattr(instance, field)) from None


def _price(value, *, field: str) -> Decimal:
    """A catalogue price: a Decimal of at least 0 with at most two decimal places (fen), never
    rounded silently: 1.005 is refused, not stored as 1.01."""
    required({field: value})
    amount = to_decimal(value, field=field)  # refuses floats, text and infinities
    if amount < 0:
        raise ApplicationError(
            _("A price cannot be negative."), code="invalid", fields={field: _("Enter 0 or more.")}
        )
    if amount != amount.quantize(Decimal(1).scaleb(-MONEY_DECIMAL_PLACES)):
        raise ApplicationError(
            _("A price has at most two decimal places."),
            code="invalid",
            fields={field: _("Use at most two decimal places, such as 1234.50.")},
        )
    if amount >= Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES):
        raise ApplicationError(_("The price is too large."), code="invalid", fields={field: _("Too large.")})
    return amount.quantize(Decimal("0.01"))


def _currency(value) -> str:
    code = _text(value).upper()
    if code not in list_currencies():
        raise ApplicationError(
            _("%(code)s is not an ISO-4217 currency code.") % {"code": value or "—"},
            code="invalid_currency",
            fields={"currency": _("Use a three-letter code such as CNY.")},
        )
    return code


def _known_values(values: Iterable[str] | None, *, known: list[str], field: str) -> list[str]:
    """A list of choice values, each known, duplicates dropped, in the given order."""
    if isinstance(values, str):
        values = [values]
    values = list(values or [])
    if any(not isinstance(v, str) for v in values):
        raise ApplicationError(
            _("Choose from the list."), code="invalid", fields={field: _("Choose from the list.")}
        )
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ApplicationError(
            _("Unknown values: %(values)s.") % {"values": ", ".join(unknown)},
            code="invalid",
            fields={field: _("Choose from the list.")},
        )
    return list(dict.fromkeys(values))


def _features(values) -> list[Feature]:
    """Features given as Feature objects or their ids; every one must exist."""
    values = list(values or [])
    ids = [v.pk if isinstance(v, Feature) else v for v in values]
    try:
        ids = [int(pk) for pk in ids]
    except (TypeError, ValueError):
        raise ApplicationError(
            _("Unknown features."), code="invalid", fields={"features": _("Choose from the list.")}
        ) from None
    found = Feature.objects.in_bulk(ids)
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise ApplicationError(
            _("Unknown features: %(ids)s.") % {"ids": ", ".join(missing)},
            code="invalid",
            fields={"features": _("Choose from the list.")},
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


def _live_category(category: Category | None) -> Category:
    required({"category": category})
    if not Category.objects.filter(pk=category.pk).exists():
        raise ApplicationError(
            _("The category is deleted."),
            code="invalid",
            fields={"category": _("Choose a category that exists.")},
        )
    return category


# -- categories ----------------------------------------------------------------------------------


def _check_category_code(code: str, *, exclude_pk=None) -> None:
    if Category.objects.filter(code__iexact=code).exclude(pk=exclude_pk).exists():
        raise _duplicate("code", code)


@transaction.atomic
def category_create(*, actor: User, code: str, name: str, name_en: str = "", sort_order: int = 0) -> Category:
    require(actor, Cap.PROCESS_CONFIGURE)
    code, name = _text(code), _text(name)
    required({"code": code, "name": name})
    category = Category(code=code, name=name, name_en=_text(name_en), sort_order=sort_order or 0)
    validate_fields(category, ["code", "name", "name_en", "sort_order"])
    _check_category_code(code)
    _save_unique(category, actor=actor)
    return category


@transaction.atomic
def category_update(*, actor: User, category: Category, version: int | None = None, **fields) -> Category:
    """``fields`` may hold code, name, name_en and sort_order."""
    require(actor, Cap.PROCESS_CONFIGURE)
    unknown = set(fields) - {"code", "name", "name_en", "sort_order"}
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    check_version(category, version)
    for key in ("code", "name", "name_en"):
        if key in fields:
            fields[key] = _text(fields[key])
    required({key: fields[key] for key in ("code", "name") if key in fields})
    if "code" in fields and fields["code"] != category.code:
        _check_category_code(fields["code"], exclude_pk=category.pk)
    if fields.get("sort_order") is None:
        fields.pop("sort_order", None)
    try:
        with transaction.atomic():
            model_update(instance=category, data=fields, actor=actor)
    except IntegrityError:
        raise _duplicate("code", fields.get("code", category.code)) from None
    return category


@transaction.atomic
def category_delete(*, actor: User, category: Category) -> None:
    require(actor, Cap.PROCESS_CONFIGURE)
    if Product.objects.filter(category=category).exists():
        raise ApplicationError(
            _("Move or delete the products of %(name)s first.") % {"name": category}, code="has_products"
        )
    category.soft_delete(actor=actor)


@transaction.atomic
def category_restore(*, actor: User, record: Category) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    require(actor, Cap.PROCESS_CONFIGURE)
    _check_category_code(record.code, exclude_pk=record.pk)
    record.restore(actor=actor)


# -- features ------------------------------------------------------------------------------------
# A feature is a plain row (no soft delete or version): it is referenced by products and needs
# analyses, so it is renamed rather than removed. Changes are audited here.


def _check_feature_code(code: str, *, exclude_pk=None) -> None:
    if Feature.objects.filter(code__iexact=code).exclude(pk=exclude_pk).exists():
        raise _duplicate("code", code)


@transaction.atomic
def feature_create(*, actor: User, code: str, name: str, name_en: str = "") -> Feature:
    require(actor, Cap.PROCESS_CONFIGURE)
    code, name = _text(code), _text(name)
    required({"code": code, "name": name})
    feature = Feature(code=code, name=name, name_en=_text(name_en))
    validate_fields(feature, ["code", "name", "name_en"])
    _check_feature_code(code)
    try:
        with transaction.atomic():
            feature.save()
    except IntegrityError:
        raise _duplicate("code", code) from None
    audit_event(
        obj=feature,
        action=AuditAction.CREATE,
        actor=actor,
        changes={key: {"old": None, "new": getattr(feature, key)} for key in ("code", "name", "name_en")},
    )
    return feature


@transaction.atomic
def feature_update(*, actor: User, feature: Feature, **fields) -> Feature:
    """``fields`` may hold code, name and name_en."""
    require(actor, Cap.PROCESS_CONFIGURE)
    unknown = set(fields) - {"code", "name", "name_en"}
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    feature = Feature.objects.select_for_update().get(pk=feature.pk)
    fields = {key: _text(value) for key, value in fields.items()}
    required({key: fields[key] for key in ("code", "name") if key in fields})
    changes = {
        key: {"old": getattr(feature, key), "new": value}
        for key, value in fields.items()
        if getattr(feature, key) != value
    }
    if not changes:
        return feature
    if "code" in changes:
        _check_feature_code(fields["code"], exclude_pk=feature.pk)
    for key, value in fields.items():
        setattr(feature, key, value)
    validate_fields(feature, list(changes))
    try:
        with transaction.atomic():
            feature.save(update_fields=list(changes))
    except IntegrityError:
        raise _duplicate("code", fields["code"]) from None
    audit_event(obj=feature, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return feature


# -- products ------------------------------------------------------------------------------------

PRODUCT_FIELDS = {
    "code",
    "name",
    "name_en",
    "category",
    "description",
    "industries",
    "sizes",
    "list_price",
    "price_floor",
    "currency",
    "unit",
    "active",
}


def _check_product_code(code: str, *, exclude_pk=None) -> None:
    if Product.objects.filter(code__iexact=code).exclude(pk=exclude_pk).exists():
        raise _duplicate("code", code)


def _clean_product_fields(fields: dict) -> dict:
    """Normalise and check the fields given; the cross-field rules are checked by the caller."""
    for key in ("code", "name", "name_en", "unit"):
        if key in fields:
            fields[key] = _text(fields[key])
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    required({key: fields[key] for key in ("code", "name", "unit") if key in fields})
    if "category" in fields:
        fields["category"] = _live_category(fields["category"])
    for key in ("list_price", "price_floor"):
        if key in fields:
            fields[key] = _price(fields[key], field=key)
    if "currency" in fields:
        fields["currency"] = _currency(fields["currency"])
    if "industries" in fields:
        fields["industries"] = _known_values(fields["industries"], known=Industry.values, field="industries")
    if "sizes" in fields:
        fields["sizes"] = _known_values(fields["sizes"], known=Size.values, field="sizes")
    if "active" in fields:
        fields["active"] = bool(fields["active"])
    return fields


def _check_floor(list_price: Decimal, price_floor: Decimal) -> None:
    if price_floor > list_price:
        raise ApplicationError(
            _("The price floor cannot be above the list price."),
            code="invalid",
            fields={"price_floor": _("Use a value up to the list price.")},
        )


@transaction.atomic
def product_create(
    *,
    actor: User,
    code: str,
    name: str,
    category: Category,
    list_price,
    price_floor,
    currency: str = "CNY",
    name_en: str = "",
    description: str = "",
    unit: str = "台",
    industries: Iterable[str] = (),
    sizes: Iterable[str] = (),
    features: Iterable[Feature | int] = (),
    active: bool = True,
) -> Product:
    require(actor, Cap.PROCESS_CONFIGURE)
    fields = _clean_product_fields(
        {
            "code": code,
            "name": name,
            "name_en": name_en,
            "category": category,
            "description": description,
            "list_price": list_price,
            "price_floor": price_floor,
            "currency": currency,
            "unit": unit,
            "industries": industries,
            "sizes": sizes,
            "active": active,
        }
    )
    feature_rows = _features(features)
    _check_floor(fields["list_price"], fields["price_floor"])
    product = Product(**fields)
    validate_fields(product, ["code", "name", "name_en", "unit", "currency"])
    _check_product_code(fields["code"])
    _save_unique(product, actor=actor)
    if feature_rows:
        product.set_m2m("features", feature_rows, actor=actor)
    return product


@transaction.atomic
def product_update(
    *,
    actor: User,
    product: Product,
    version: int | None = None,
    features: Iterable[Feature | int] | None = None,
    **fields,
) -> Product:
    """``fields`` may hold any of PRODUCT_FIELDS; ``features`` replaces the feature set."""
    require(actor, Cap.PROCESS_CONFIGURE)
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    check_version(product, version)
    fields = _clean_product_fields(fields)
    feature_rows = _features(features) if features is not None else None
    _check_floor(fields.get("list_price", product.list_price), fields.get("price_floor", product.price_floor))
    if "code" in fields and fields["code"] != product.code:
        _check_product_code(fields["code"], exclude_pk=product.pk)
    try:
        with transaction.atomic():
            model_update(instance=product, data=fields, actor=actor)
    except IntegrityError:
        raise _duplicate("code", fields.get("code", product.code)) from None
    if feature_rows is not None:
        product.set_m2m("features", feature_rows, actor=actor)
    return product


@transaction.atomic
def product_delete(*, actor: User, product: Product) -> None:
    """Soft delete: opportunities and scripts that name the product keep it in their history.
    To stop offering a product while keeping it listed, set it inactive instead."""
    require(actor, Cap.PROCESS_CONFIGURE)
    product.soft_delete(actor=actor)


@transaction.atomic
def product_restore(*, actor: User, record: Product) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    require(actor, Cap.PROCESS_CONFIGURE)
    if record.category.is_deleted:
        raise ApplicationError(
            _("Restore the category %(name)s first.") % {"name": record.category}, code="parent_deleted"
        )
    _check_product_code(record.code, exclude_pk=record.pk)
    record.restore(actor=actor)
