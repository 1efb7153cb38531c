"""Builders for the sales-process tests: customers and contacts through the customers services,
opportunities and needs through the pipeline services, catalogue rows (which have no services yet)
saved as audited records. Each builder takes the member who acts."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from salescore.accounts.models import User
from salescore.catalog.models import Category, Feature, Product
from salescore.core.permissions import Position
from salescore.customers import services as customer_services
from salescore.customers.models import Contact, Customer
from salescore.pipeline import services
from salescore.pipeline.models import Opportunity, Stage

_numbers = itertools.count(1)


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def make_customer(member, **fields) -> Customer:
    """A customer of ``member``'s; a ``price_list`` is put on it by the director, who keeps them."""
    fields.setdefault("name", f"流程客户{next(_numbers)}有限公司")
    price_list = fields.pop("price_list", None)
    customer = customer_services.customer_create(actor=member.user, **fields)
    if price_list is not None:
        keeper = User.objects.filter(person__position=Position.DIRECTOR).order_by("pk").first()
        customer = customer_services.customer_update(actor=keeper, customer=customer, price_list=price_list)
    return customer


def make_contact(member, customer: Customer, **fields) -> Contact:
    fields.setdefault("name", f"联系人{next(_numbers)}")
    return customer_services.contact_create(actor=member.user, customer=customer, **fields)


def make_opportunity(
    member, customer: Customer | None = None, *, with_contact: bool = True, **fields
) -> Opportunity:
    """An opportunity in the first stage; by default with one contact of the customer linked."""
    customer = customer or make_customer(member)
    fields.setdefault("name", f"商机{next(_numbers)}")
    if with_contact and "contacts" not in fields:
        fields["contacts"] = [make_contact(member, customer)]
    return services.opportunity_create(actor=member.user, customer=customer, **fields)


def make_category(**fields) -> Category:
    n = next(_numbers)
    fields.setdefault("code", f"cat-{n}")
    fields.setdefault("name", f"类别{n}")
    row = Category(**fields)
    row.save()
    return row


def make_feature(code: str | None = None, **fields) -> Feature:
    n = next(_numbers)
    fields.setdefault("name", f"特性{n}")
    return Feature.objects.create(code=code or f"feature-{n}", **fields)


def make_product(*, features=(), category: Category | None = None, **fields) -> Product:
    n = next(_numbers)
    fields.setdefault("code", f"P-{n:04d}")
    fields.setdefault("name", f"产品{n}")
    fields.setdefault("list_price", Decimal("10000.00"))
    fields.setdefault("price_floor", Decimal("8000.00"))
    row = Product(category=category or make_category(), **fields)
    row.save()
    if features:
        row.features.set(features)
    return row


def ready_for(member, opportunity: Opportunity, code: str, *, product: Product | None = None) -> Opportunity:
    """Meet every entry criterion the stage ``code`` asks for, as it is configured now."""
    gates = set(stage(code).entry_gates)
    if "needs_recorded" in gates:
        services.needs_record(actor=member.user, opportunity=opportunity, needs="需要自动化产线")
    if "products_proposed" in gates:
        services.product_propose(
            actor=member.user, opportunity=opportunity, product=product or make_product()
        )
    changes = {}
    if "amount_set" in gates:
        changes["amount"] = Decimal("120000.00")
    if "close_date_set" in gates:
        changes["expected_close_date"] = dt.date(2026, 12, 31)
    if changes:
        opportunity = services.opportunity_update(actor=member.user, opportunity=opportunity, **changes)
    return opportunity


def move(member, opportunity: Opportunity, code: str, **kwargs) -> Opportunity:
    return services.opportunity_advance(
        actor=member.user, opportunity=opportunity, to_stage=stage(code), **kwargs
    )
