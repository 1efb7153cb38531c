"""Builders for the service tests: customers, contacts and products through the pipeline builders,
tickets, visits and ratings through the service services. Each builder takes the member who acts."""

from __future__ import annotations

from decimal import Decimal

from salescore.orders import services as orders
from salescore.orders.models import Order
from salescore.orders.tests.factories import make_order
from salescore.pipeline.tests.factories import make_contact, make_customer, make_product
from salescore.service import services
from salescore.service.models import Ticket

__all__ = ["delivered_order", "make_contact", "make_customer", "make_product", "make_ticket"]


def make_ticket(member, customer=None, **fields) -> Ticket:
    """A ticket opened by ``member`` (by default on a new customer of rep_a's choosing)."""
    customer = customer or make_customer(member)
    fields.setdefault("category", Ticket.Category.QUALITY)
    fields.setdefault("priority", "normal")
    fields.setdefault("channel", Ticket.Channel.PHONE)
    fields.setdefault("subject", "设备异响")
    fields.setdefault("description", "主轴运转时有异响。")
    return services.ticket_open(actor=member.user, customer=customer, **fields)


def delivered_order(cast, *, customer=None, delivered_on=None) -> Order:
    """An order of rep_a's, confirmed by the order desk, shipped and delivered by the warehouse."""
    order = make_order(cast.rep_a, customer=customer, delivery_address="上海市浦东新区张江路1号")
    order = orders.order_submit(actor=cast.rep_a.user, order=order)
    order = orders.order_confirm(actor=cast.clerk.user, order=order)
    quantities = {line.pk: Decimal(line.quantity) for line in order.lines.all()}
    shipment = orders.shipment_record(
        actor=cast.keeper.user, order=order, quantities=quantities, shipped_on=delivered_on
    )
    orders.shipment_deliver(actor=cast.keeper.user, shipment=shipment, delivered_on=delivered_on)
    order.refresh_from_db()
    return order


def service_person(cast, username: str, *, position: str = "cs_agent"):
    """Another member of the care team (a second agent, or its team lead)."""
    import datetime as dt

    from salescore.core.testing import PASSWORD, Member
    from salescore.org import services as org

    person = org.person_create(
        actor=cast.admin.user,
        username=username,
        password=PASSWORD,
        name=f"客服{username}",
        employee_no=f"S-{username}",
        position=position,
        org_unit=cast.care_team,
        hire_date=dt.date(2024, 3, 1),
        email=f"{username}@example.com",
        phone="13900000000",
    )
    return Member(user=person.user, person=person)
