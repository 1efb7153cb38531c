"""Parsing and pricing the lines of a quote or an order: one place for both documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.catalog.models import Product
from salescore.catalog.selectors import list_prices, products_named
from salescore.core.errors import ApplicationError
from salescore.core.money import to_decimal
from salescore.orders.models import OrdersPolicy
from salescore.orders.pricing import document_totals, price_line

LINE_KEYS = {"product", "quantity", "discount", "unit_price", "tax_rate", "description"}
MAX_LINES = 200


def _number(value, *, key: str, errors: dict, places: int = 2) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = to_decimal(value, field=key)
    except (ApplicationError, TypeError):
        errors[key] = _("Enter a number.")
        return None
    if abs(number) >= Decimal(10) ** 12:
        errors[key] = _("This number is too large.")
        return None
    return number


def pricing_date(document) -> dt.date:
    """The day a document's lines are priced on (which price lists are valid then): an order's
    date, or today for a draft without one (submitting dates it today); a quote's date, the day it
    was made (today for one being made)."""
    if hasattr(document, "order_date"):
        return document.order_date or timezone.localdate()
    if getattr(document, "created_at", None) is not None:
        return timezone.localdate(document.created_at)
    return timezone.localdate()


def parse_lines(lines, *, currency: str, customer=None, on: dt.date | None = None) -> list[dict]:
    """Validate raw line dicts; one error names every bad line and field (``lines.2.quantity``).

    Each line's list price is the product's for ``customer`` on ``on`` (today when not given):
    their price list's price where it is active and valid that day, the catalogue's otherwise
    (catalog.selectors.list_prices). Discounts are taken off that price, and discount authority is
    later checked against it, since the line keeps the list price it was priced from."""
    if not isinstance(lines, list | tuple) or not lines:
        raise ApplicationError(
            _("Add at least one line."), code="required", fields={"lines": _("Add at least one product.")}
        )
    if len(lines) > MAX_LINES:
        raise ApplicationError(
            _("A document holds at most %(n)s lines.") % {"n": MAX_LINES},
            code="invalid",
            fields={"lines": _("Too many lines.")},
        )
    errors: dict[str, str] = {}
    product_ids, products = products_named(lines, Product.objects.select_related("category"))
    prices = list_prices(products.values(), customer=customer, on=on or timezone.localdate())
    default_tax = OrdersPolicy.current().default_tax_rate
    parsed = []
    for index, raw in enumerate(lines, start=1):
        prefix = f"lines.{index}"
        if not isinstance(raw, dict):
            errors[prefix] = _("Each line needs a product and a quantity.")
            continue
        unknown = set(raw) - LINE_KEYS
        if unknown:
            errors[prefix] = _("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}
            continue
        product = products.get(product_ids[index - 1])
        if product is None:
            errors[f"{prefix}.product"] = _("Choose a product from the catalogue.")
        elif not product.active:
            errors[f"{prefix}.product"] = _("%(name)s is not sold any more.") % {"name": product}
        elif product.currency != currency:
            errors[f"{prefix}.product"] = _("%(name)s is priced in %(c)s, the document in %(d)s.") % {
                "name": product,
                "c": product.currency,
                "d": currency,
            }
        quantity = _number(raw.get("quantity"), key=f"{prefix}.quantity", errors=errors)
        if quantity is None and f"{prefix}.quantity" not in errors:
            errors[f"{prefix}.quantity"] = _("This field is required.")
        elif quantity is not None and (quantity <= 0 or quantity != quantity.quantize(Decimal("0.001"))):
            errors[f"{prefix}.quantity"] = _("Enter a quantity above 0 with at most 3 decimals.")
        discount = _number(raw.get("discount"), key=f"{prefix}.discount", errors=errors)
        if discount is not None and not (0 <= discount <= 100):
            errors[f"{prefix}.discount"] = _("Enter a discount from 0 to 100 percent.")
        unit_price = _number(raw.get("unit_price"), key=f"{prefix}.unit_price", errors=errors)
        if unit_price is not None and unit_price < 0:
            errors[f"{prefix}.unit_price"] = _("The price cannot be negative.")
        tax_rate = _number(raw.get("tax_rate"), key=f"{prefix}.tax_rate", errors=errors)
        if tax_rate is not None and not (0 <= tax_rate <= 100):
            errors[f"{prefix}.tax_rate"] = _("Enter a tax rate from 0 to 100 percent.")
        description = str(raw.get("description") or "").strip()
        if len(description) > 300:
            errors[f"{prefix}.description"] = _("At most 300 characters.")
        if any(key.startswith(prefix) for key in errors):
            continue
        price = price_line(
            list_price=prices[product.pk].for_quantity(quantity),
            quantity=quantity,
            tax_rate=default_tax if tax_rate is None else tax_rate,
            discount=discount,
            unit_price=unit_price,
        )
        parsed.append({"product": product, "description": description, "price": price})
    if errors:
        raise ApplicationError(
            _("Some lines are not valid: %(lines)s.") % {"lines": ", ".join(sorted(errors))},
            code="invalid_lines",
            fields=errors,
        )
    return parsed


def build_rows(model, parsed: list[dict], **parent) -> list:
    """Unsaved line rows of ``model`` (QuoteLine or OrderLine) from parsed lines."""
    rows = []
    for order, item in enumerate(parsed):
        price = item["price"]
        rows.append(
            model(
                product=item["product"],
                description=item["description"],
                unit=item["product"].unit,
                quantity=price.quantity,
                list_price=price.list_price,
                discount=price.discount,
                unit_price=price.unit_price,
                tax_rate=price.tax_rate,
                net_amount=price.net_amount,
                tax_amount=price.tax_amount,
                total=price.total,
                sort_order=order,
                **parent,
            )
        )
    return rows


def apply_totals(document, rows) -> None:
    totals = document_totals(rows)
    document.list_total = totals.list_total
    document.discount_total = totals.discount_total
    document.net_total = totals.net_total
    document.tax_total = totals.tax_total
    document.total = totals.total


def lines_summary(rows) -> list[str]:
    """How lines read in the audit trail: product, quantity, unit price, discount."""
    return [
        f"{row.product} x {row.quantity.normalize():f} @ {row.unit_price} (-{row.discount.normalize():f}%)"
        for row in rows
    ]


def copy_rows(model, source_rows, **parent) -> list:
    return [
        model(
            product=row.product,
            description=row.description,
            unit=row.unit,
            quantity=row.quantity,
            list_price=row.list_price,
            discount=row.discount,
            unit_price=row.unit_price,
            tax_rate=row.tax_rate,
            net_amount=row.net_amount,
            tax_amount=row.tax_amount,
            total=row.total,
            sort_order=row.sort_order,
            **parent,
        )
        for row in source_rows
    ]
