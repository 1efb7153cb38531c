"""Builders for the orders tests: customers, opportunities and products through the pipeline
builders, quotes and orders through the orders services. Each builder takes the member who acts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from salescore.orders import services
from salescore.orders.models import Order, Quote
from salescore.pipeline.tests.factories import (
    make_category,
    make_contact,
    make_customer,
    make_opportunity,
    make_product,
)

__all__ = [
    "make_category",
    "make_contact",
    "make_customer",
    "make_opportunity",
    "make_order",
    "make_product",
    "make_quote",
    "ready_order",
    "submitted_order",
]


def product(**fields):
    """A product at 10000.00 list, floor 8000.00 (20% below list)."""
    return make_product(**fields)


def make_quote(member, *, lines=None, opportunity=None, customer=None, **fields) -> Quote:
    """A draft quote by ``member`` on a fresh opportunity; by default one product at list price."""
    if opportunity is None:
        opportunity = make_opportunity(member, customer)
    if lines is None:
        lines = [{"product": make_product().pk, "quantity": 1}]
    return services.quote_create(actor=member.user, opportunity=opportunity, lines=lines, **fields)


def make_order(member, *, lines=None, customer=None, complete: bool = True, **fields) -> Order:
    """A draft order entered directly by ``member``; complete (contact, address, promised date and
    payment terms set) unless told otherwise."""
    customer = customer or make_customer(member, address="上海市浦东新区张江路1号")
    if lines is None:
        lines = [{"product": make_product().pk, "quantity": 2}]
    if complete:
        # The contact is entered by whoever may change the customer: its owner (the order desk
        # looks at every customer but changes none of theirs).
        fields.setdefault("contact", make_contact(SimpleNamespace(user=customer.owner.user), customer))
        fields.setdefault("promised_date", timezone.localdate() + dt.timedelta(days=30))
        fields.setdefault("payment_terms", "net_30")
    return services.order_create(actor=member.user, customer=customer, lines=lines, **fields)


def ready_order(member, **kwargs) -> Order:
    return make_order(member, **kwargs)


def submitted_order(member, **kwargs) -> Order:
    return services.order_submit(actor=member.user, order=make_order(member, **kwargs))


def approved_quote(member, *, discount: Decimal | str = "0", **kwargs) -> Quote:
    """A quote the rep's own authority covers (default matrix: 5%)."""
    kwargs.setdefault("lines", [{"product": make_product().pk, "quantity": 2, "discount": str(discount)}])
    quote = make_quote(member, **kwargs)
    return services.quote_submit(actor=member.user, quote=quote)
