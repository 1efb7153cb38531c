"""Builders for price lists: through catalog.services, as the director (who keeps the catalogue)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from salescore.catalog import services
from salescore.catalog.models import PriceList, Product

_numbers = itertools.count(1)


def make_price_list(cast, *, prices: dict[Product, str] | None = None, **fields) -> PriceList:
    """A price list valid from a year ago until further notice, with ``prices`` {product: price}."""
    fields.setdefault("name", f"价格表{next(_numbers)}")
    fields.setdefault("valid_from", timezone.localdate() - dt.timedelta(days=365))
    items = [{"product": product.pk, "unit_price": price} for product, price in (prices or {}).items()]
    return services.price_list_create(actor=cast.director.user, items=items, **fields)
