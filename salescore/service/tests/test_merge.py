"""A customer merge takes the duplicate's quotes, orders, tickets, return visits, ratings and
service links along (registered movers), each audited, instead of refusing the merge."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from salescore.core.models import AuditLog
from salescore.customers.merge import customer_merge
from salescore.orders.models import Order, Quote
from salescore.orders.tests.factories import make_quote
from salescore.pipeline.tests.factories import make_opportunity
from salescore.service import services
from salescore.service.models import Rating, ReturnVisit, ServiceLink, Ticket
from salescore.service.tests.factories import delivered_order, make_customer, make_ticket


def test_merge_moves_orders_and_service_records_to_the_survivor(cast):
    survivor = make_customer(cast.rep_a, name="宁波海曙精工有限公司", address="宁波市海曙区1号")
    duplicate = make_customer(cast.rep_a, name="宁波海曙精工", address="宁波市海曙区1号")
    quote = make_quote(cast.rep_a, opportunity=make_opportunity(cast.rep_a, duplicate))
    order = delivered_order(cast, customer=duplicate)
    services.return_visits_schedule()
    ticket = make_ticket(cast.agent, customer=duplicate)
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="更换轴承")
    services.service_link_create(actor=cast.rep_a.user, customer=duplicate)

    result = customer_merge(actor=cast.rep_a.user, survivor=survivor, duplicate=duplicate)

    assert result.duplicate.merged_into_id == survivor.pk
    assert Quote.all_objects.get(pk=quote.pk).customer_id == survivor.pk
    assert Order.all_objects.get(pk=order.pk).customer_id == survivor.pk
    assert Ticket.all_objects.get(pk=ticket.pk).customer_id == survivor.pk
    assert set(ReturnVisit.all_objects.filter(customer=duplicate)) == set()
    assert (
        ReturnVisit.all_objects.filter(customer=survivor).count() == 2
    )  # after delivery and after the ticket
    assert not Rating.objects.filter(customer=duplicate).exists()
    assert not ServiceLink.objects.filter(customer=duplicate).exists()
    for record in (quote, order, ticket):
        content_type = ContentType.objects.get_for_model(record)
        rows = AuditLog.objects.filter(
            content_type=content_type, object_id=record.pk, changes__customer__new=survivor.pk
        )
        assert rows.count() == 1, record
