"""Every write to the price lists (价格表, R2.2 price strategy): the lists, their items and who
reads them. Customers are put on a list by whoever may change the customer
(customers.services.customer_update); quotes and orders read the prices through
catalog.selectors.list_prices.

Only people who configure the catalogue (Cap.PROCESS_CONFIGURE) keep the lists; everyone who
prices quotes or orders (PRICE_LIST_READERS) reads them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.catalog.models import PriceList, PriceListItem, Product
from salescore.catalog.selectors import products_named
from salescore.catalog.services.catalogue import _currency, _text
from salescore.core.errors import ApplicationError
from salescore.core.i18n import join_clauses
from salescore.core.models import AuditAction, audit_event
from salescore.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, to_decimal
from salescore.core.permissions import Cap, require, require_any
from salescore.core.services import check_version, model_update, required, validate_fields
from salescore.customers.models import Customer

# Who reads the price lists: everyone who prices quotes or orders, and those who keep the lists.
PRICE_LIST_READERS = (Cap.QUOTES_WORK, Cap.ORDERS_PROCESS, Cap.PROCESS_CONFIGURE)


def require_price_list_reader(user):
    return require_any(user, *PRICE_LIST_READERS)


PRICE_LIST_FIELDS = {"name", "name_en", "currency", "valid_from", "valid_to", "active", "notes"}
ITEM_KEYS = {"product", "unit_price", "min_quantity"}
MAX_ITEMS = 1000


def _name_taken(name: str) -> ApplicationError:
    return ApplicationError(
        _("A price list named %(name)s already exists.") % {"name": name},
        code="duplicate",
        fields={"name": _("Choose another name.")},
    )


def _check_price_list_name(name: str, *, exclude_pk=None) -> None:
    if PriceList.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise _name_taken(name)


def _date(value, *, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ApplicationError(
            _("%(value)s is not a date.") % {"value": value},
            code="invalid",
            fields={field: _("Enter a date as YYYY-MM-DD.")},
        ) from None


def _clean_price_list_fields(fields: dict) -> dict:
    for key in ("name", "name_en"):
        if key in fields:
            fields[key] = _text(fields[key])
    if "notes" in fields:
        fields["notes"] = (fields["notes"] or "").strip()
    required({key: fields[key] for key in ("name", "valid_from") if key in fields})
    if "currency" in fields:
        fields["currency"] = _currency(fields["currency"])
    for key in ("valid_from", "valid_to"):
        if key in fields:
            fields[key] = _date(fields[key], field=key)
    if "active" in fields:
        fields["active"] = bool(fields["active"])
    return fields


def _check_period(valid_from: dt.date, valid_to: dt.date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise ApplicationError(
            _("A price list cannot end before it starts."),
            code="invalid",
            fields={"valid_to": _("Use a date on or after the start date.")},
        )


def _row_number(value, *, key: str, errors: dict, places: int) -> Decimal | None:
    """A positive number with at most ``places`` decimals, or None with the row's error noted."""
    if value in (None, ""):
        return None
    try:
        number = to_decimal(value, field=key)
    except (ApplicationError, TypeError):
        errors[key] = _("Enter a number.")
        return None
    if number <= 0:
        errors[key] = _("Enter a number above 0.")
    elif number != number.quantize(Decimal(1).scaleb(-places)):
        errors[key] = _("Use at most %(n)s decimal places.") % {"n": places}
    elif number >= Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES - 6):
        errors[key] = _("Too large.")
    else:
        return number.quantize(Decimal(1).scaleb(-places))
    return None


def parse_items(items, *, currency: str) -> list[PriceListItem]:
    """Unsaved items from raw rows ``{"product", "unit_price", "min_quantity"}``. One error names
    every bad row and field (``items.3.unit_price``, counted from 1) and the product it is about.
    Saves nothing: the item editor's preview checks rows with it too."""
    if not isinstance(items, list | tuple):
        raise ApplicationError(
            _("Enter the items as a list."), code="invalid", fields={"items": _("Enter a list.")}
        )
    if len(items) > MAX_ITEMS:
        raise ApplicationError(
            _("A price list holds at most %(n)s items.") % {"n": MAX_ITEMS},
            code="invalid",
            fields={"items": _("Too many items.")},
        )
    wanted, products = products_named(items)
    errors: dict[str, str] = {}
    seen: dict[int, int] = {}
    rows = []
    for index, raw in enumerate(items, start=1):
        prefix = f"items.{index}"
        if not isinstance(raw, dict):
            errors[prefix] = _("Each row needs a product and a unit price.")
            continue
        unknown = set(raw) - ITEM_KEYS
        if unknown:
            errors[prefix] = _("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}
            continue
        product = products.get(wanted[index - 1])
        if product is None:
            errors[f"{prefix}.product"] = _("Choose a product from the catalogue.")
        elif product.pk in seen:
            errors[f"{prefix}.product"] = _("%(name)s is already on row %(row)s.") % {
                "name": product,
                "row": seen[product.pk],
            }
        elif product.currency != currency:
            errors[f"{prefix}.product"] = _("%(name)s is priced in %(c)s, the price list in %(d)s.") % {
                "name": product,
                "c": product.currency,
                "d": currency,
            }
        if product is not None:
            seen.setdefault(product.pk, index)
        unit_price = _row_number(raw.get("unit_price"), key=f"{prefix}.unit_price", errors=errors, places=2)
        if unit_price is None and f"{prefix}.unit_price" not in errors:
            errors[f"{prefix}.unit_price"] = _("Enter the price.")
        elif unit_price is not None and product is not None and unit_price < product.price_floor:
            errors[f"{prefix}.unit_price"] = _(
                "%(price)s is below the price floor of %(name)s (%(floor)s)."
            ) % {
                "price": unit_price,
                "name": product,
                "floor": product.price_floor,
            }
        min_quantity = _row_number(
            raw.get("min_quantity"), key=f"{prefix}.min_quantity", errors=errors, places=3
        )
        if any(key == prefix or key.startswith(prefix + ".") for key in errors):
            continue
        rows.append(
            PriceListItem(product=product, unit_price=unit_price, min_quantity=min_quantity or Decimal(1))
        )
    if errors:
        raise ApplicationError(
            _("Some items are not valid: %(rows)s.")
            % {"rows": join_clauses(_row_message(key, message) for key, message in errors.items())},
            code="invalid_items",
            fields=errors,
        )
    return rows


def _row_message(key: str, message) -> str:
    parts = key.split(".")
    return _("row %(n)s: %(message)s") % {"n": parts[1], "message": str(message).rstrip(".。")}


def _items_summary(items) -> list[str]:
    """How items read in the History: product code, price, and the quantity it starts from."""
    return [
        f"{item.product.code} @ {item.unit_price}"
        + (f" (>= {item.min_quantity.normalize():f})" if item.min_quantity != 1 else "")
        for item in sorted(items, key=lambda item: item.product.code)
    ]


def _check_items_currency(price_list: PriceList, currency: str) -> None:
    """A list's currency changes only when its items' products are priced in the new one."""
    other = (
        PriceListItem.objects.filter(price_list=price_list)
        .exclude(product__currency=currency)
        .select_related("product")
        .first()
    )
    if other is not None:
        raise ApplicationError(
            _("%(name)s on this list is priced in %(c)s.")
            % {"name": other.product, "c": other.product.currency},
            code="invalid",
            fields={"currency": _("Remove the items in other currencies first.")},
        )


def _lock(price_list: PriceList, version: int | None) -> PriceList:
    locked = PriceList.objects.select_for_update().filter(pk=price_list.pk).first()
    if locked is None:
        raise ApplicationError(_("This record no longer exists."), code="not_found", status=404)
    check_version(locked, version)
    return locked


def _replace_items(price_list: PriceList, rows: list[PriceListItem], *, actor: User) -> None:
    """Replace every item (bulk: three queries whatever their number) and record the change."""
    old = _items_summary(price_list.items.select_related("product"))
    PriceListItem.objects.filter(price_list=price_list).delete()
    for row in rows:
        row.price_list = price_list
    PriceListItem.objects.bulk_create(rows)
    new = _items_summary(rows)
    if old == new:
        return
    # The items are part of the list: a form opened before this change is stale now. The version
    # and stamps are bookkeeping columns, so an UPDATE of them bypasses nothing the audit records.
    PriceList.all_objects.filter(pk=price_list.pk).update(
        version=F("version") + 1, updated_at=timezone.now(), updated_by=actor
    )
    price_list.refresh_from_db(fields=["version", "updated_at", "updated_by"])
    audit_event(
        obj=price_list, action=AuditAction.UPDATE, actor=actor, changes={"items": {"old": old, "new": new}}
    )


@transaction.atomic
def price_list_create(
    *,
    actor: User,
    name: str,
    valid_from: dt.date | str,
    name_en: str = "",
    currency: str = "CNY",
    valid_to: dt.date | str | None = None,
    active: bool = True,
    notes: str = "",
    items: list[dict] | None = None,
) -> PriceList:
    require(actor, Cap.PROCESS_CONFIGURE)
    fields = _clean_price_list_fields(
        {
            "name": name,
            "name_en": name_en,
            "currency": currency,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "active": active,
            "notes": notes,
        }
    )
    _check_period(fields["valid_from"], fields["valid_to"])
    rows = parse_items(items or [], currency=fields["currency"])
    price_list = PriceList(**fields)
    validate_fields(price_list, ["name", "name_en", "currency", "notes"])
    _check_price_list_name(fields["name"])
    try:
        with transaction.atomic():
            price_list.save(actor=actor)
    except IntegrityError:
        raise _name_taken(fields["name"]) from None
    if rows:
        _replace_items(price_list, rows, actor=actor)
    return price_list


@transaction.atomic
def price_list_update(
    *,
    actor: User,
    price_list: PriceList,
    version: int | None = None,
    items: list[dict] | None = None,
    **fields,
) -> PriceList:
    """``fields`` may hold any of PRICE_LIST_FIELDS; ``items`` (when given) replaces the items."""
    require(actor, Cap.PROCESS_CONFIGURE)
    unknown = set(fields) - PRICE_LIST_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    price_list = _lock(price_list, version)
    fields = _clean_price_list_fields(fields)
    _check_period(
        fields.get("valid_from", price_list.valid_from), fields.get("valid_to", price_list.valid_to)
    )
    currency = fields.get("currency", price_list.currency)
    rows = parse_items(items, currency=currency) if items is not None else None
    if rows is None and currency != price_list.currency:
        _check_items_currency(price_list, currency)
    if "name" in fields and fields["name"] != price_list.name:
        _check_price_list_name(fields["name"], exclude_pk=price_list.pk)
    try:
        with transaction.atomic():
            model_update(instance=price_list, data=fields, actor=actor)
    except IntegrityError:
        raise _name_taken(fields.get("name", price_list.name)) from None
    if rows is not None:
        _replace_items(price_list, rows, actor=actor)
    return price_list


@transaction.atomic
def price_list_set_items(
    *, actor: User, price_list: PriceList, items: list[dict], version: int | None = None
) -> PriceList:
    """Replace the list's items with ``items``: all of them or, with any bad row, none."""
    require(actor, Cap.PROCESS_CONFIGURE)
    price_list = _lock(price_list, version)
    _replace_items(price_list, parse_items(items, currency=price_list.currency), actor=actor)
    return price_list


@transaction.atomic
def price_list_remove_item(
    *, actor: User, price_list: PriceList, product: Product, version: int | None = None
) -> PriceList:
    require(actor, Cap.PROCESS_CONFIGURE)
    price_list = _lock(price_list, version)
    rows = list(PriceListItem.objects.filter(price_list=price_list).select_related("product"))
    keep = [row for row in rows if row.product_id != product.pk]
    if len(keep) == len(rows):
        raise ApplicationError(
            _("%(name)s is not on this price list.") % {"name": product}, code="not_found", status=404
        )
    _replace_items(
        price_list,
        [
            PriceListItem(product=row.product, unit_price=row.unit_price, min_quantity=row.min_quantity)
            for row in keep
        ],
        actor=actor,
    )
    return price_list


@transaction.atomic
def price_list_delete(*, actor: User, price_list: PriceList) -> None:
    """Soft delete. Refused while customers are on the list: they would silently lose their prices."""
    require(actor, Cap.PROCESS_CONFIGURE)
    customers = Customer.objects.filter(price_list=price_list).count()
    if customers:
        raise ApplicationError(
            _("%(n)s customers are on %(name)s: give them another price list or none first.")
            % {"n": customers, "name": price_list},
            code="has_customers",
        )
    price_list.soft_delete(actor=actor)


@transaction.atomic
def price_list_restore(*, actor: User, record: PriceList) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    require(actor, Cap.PROCESS_CONFIGURE)
    _check_price_list_name(record.name, exclude_pk=record.pk)
    record.restore(actor=actor)
