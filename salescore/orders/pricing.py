"""Line and document arithmetic for quotes and orders, in Decimal with half-up rounding.

Rounding happens once per amount, at the line: unit price to the fen, then amount before tax,
then tax. A document's totals are the sums of its rounded lines, so the printed lines always add
up to the printed total (as a Chinese VAT invoice requires).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LinePrice:
    list_price: Decimal
    quantity: Decimal
    discount: Decimal  # percent off the list price, 4 places
    unit_price: Decimal
    tax_rate: Decimal
    list_amount: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total: Decimal


def price_line(
    *,
    list_price: Decimal,
    quantity: Decimal,
    tax_rate: Decimal,
    discount: Decimal | None = None,
    unit_price: Decimal | None = None,
) -> LinePrice:
    """Price one line from a discount or from a unit price (a given unit price wins)."""
    list_price = money(list_price)
    if unit_price is not None:
        unit_price = money(unit_price)
        discount = (
            ((list_price - unit_price) * HUNDRED / list_price).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            if list_price > 0
            else Decimal(0)
        )
    else:
        discount = discount or Decimal(0)
        unit_price = money(list_price * (HUNDRED - discount) / HUNDRED)
    net = money(unit_price * quantity)
    tax = money(net * tax_rate / HUNDRED)
    return LinePrice(
        list_price=list_price,
        quantity=quantity,
        discount=discount,
        unit_price=unit_price,
        tax_rate=tax_rate,
        list_amount=money(list_price * quantity),
        net_amount=net,
        tax_amount=tax,
        total=net + tax,
    )


def effective_discount(*, list_price: Decimal, unit_price: Decimal) -> Decimal:
    """The exact percentage below list (not rounded): what authority is checked against."""
    if list_price <= 0 or unit_price >= list_price:
        return Decimal(0)
    return (list_price - unit_price) * HUNDRED / list_price


@dataclass(frozen=True)
class Totals:
    list_total: Decimal
    discount_total: Decimal
    net_total: Decimal
    tax_total: Decimal
    total: Decimal


def document_totals(lines) -> Totals:
    """Totals of priced lines (LinePrice or stored line rows with the same attribute names)."""
    list_total = sum((money(line.list_price * line.quantity) for line in lines), Decimal("0.00"))
    net = sum((line.net_amount for line in lines), Decimal("0.00"))
    tax = sum((line.tax_amount for line in lines), Decimal("0.00"))
    return Totals(
        list_total=list_total,
        discount_total=max(list_total - net, Decimal("0.00")),
        net_total=net,
        tax_total=tax,
        total=net + tax,
    )
