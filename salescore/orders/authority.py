"""Discount authority (R3.9): who may grant how much, and who must approve a quote.

The matrix is data (DiscountRule). For each line the most specific rule of a position decides
its ceiling; a line's required level is the lowest position whose ceiling covers its discount;
a price below the product's floor always needs the director. A quote needs the highest level any
of its lines needs. Nobody above the director exists: beyond the director's ceiling the director
still decides, and the request says by how much the discount exceeds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from salescore.orders.models import AUTHORITY_RANK, Approver, DiscountRule
from salescore.orders.pricing import effective_discount

LEVELS = sorted(AUTHORITY_RANK, key=AUTHORITY_RANK.get)


def rank(position: str | None) -> int:
    """A position's place in the authority ladder; -1 for positions that grant no discount."""
    return AUTHORITY_RANK.get(position, -1) if position else -1


class Matrix:
    """The rules loaded once, answering ceilings without further queries."""

    def __init__(self, rules=None) -> None:
        self.rules = list(rules if rules is not None else DiscountRule.objects.all())

    def ceiling(self, position: str, *, category_id: int | None, tier: str) -> Decimal:
        best, best_score = None, -1
        for rule in self.rules:
            if rule.position != position:
                continue
            if rule.category_id not in (None, category_id) or rule.customer_tier not in ("", tier):
                continue
            score = (2 if rule.category_id else 0) + (1 if rule.customer_tier else 0)
            if score > best_score:
                best, best_score = rule, score
        return best.max_discount if best is not None else Decimal(0)


@dataclass
class LineNeed:
    index: int
    discount: Decimal
    below_floor: bool
    level: str | None  # None: no discount, anyone may quote it


@dataclass
class Requirement:
    lines: list[LineNeed] = field(default_factory=list)

    @property
    def level(self) -> str | None:
        levels = [need.level for need in self.lines if need.level]
        return max(levels, key=rank) if levels else None

    @property
    def max_discount(self) -> Decimal:
        return max((need.discount for need in self.lines), default=Decimal(0))

    @property
    def below_floor(self) -> bool:
        return any(need.below_floor for need in self.lines)

    def covered_by(self, position: str | None) -> bool:
        return self.level is None or rank(position) >= rank(self.level)

    def explain(self) -> str:
        if self.level is None:
            return _("No discount: no approval needed.")
        parts = [_("largest discount %(d)s%%") % {"d": f"{self.max_discount:.2f}"}]
        if self.below_floor:
            parts.append(_("a price below the product's floor"))
        return _("%(what)s: approval by the %(level)s.") % {
            "what": ", ".join(parts),
            "level": Approver(self.level).label,
        }


def requirement(lines, *, tier: str, matrix: Matrix | None = None) -> Requirement:
    """What authority the priced lines need. ``lines`` have product (with category_id and
    price_floor), list_price and unit_price."""
    matrix = matrix or Matrix()
    result = Requirement()
    for index, line in enumerate(lines, start=1):
        discount = effective_discount(list_price=line.list_price, unit_price=line.unit_price)
        below_floor = line.unit_price < line.product.price_floor
        level = None
        if below_floor:
            level = Approver.DIRECTOR
        elif discount > 0:
            level = next(
                (
                    position
                    for position in LEVELS
                    if matrix.ceiling(position, category_id=line.product.category_id, tier=tier) >= discount
                ),
                Approver.DIRECTOR,
            )
        result.lines.append(LineNeed(index=index, discount=discount, below_floor=below_floor, level=level))
    return result
