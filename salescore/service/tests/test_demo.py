"""The service part of the demo loads through the services, once, with every status."""

from __future__ import annotations

from salescore.demo import service as demo
from salescore.service.models import Rating, ReturnVisit, Ticket
from salescore.service.tests.factories import delivered_order, make_customer, make_product


def test_service_demo_loads_once(cast):
    for _ in range(3):
        make_customer(cast.rep_a)
    make_product()
    delivered_order(cast)
    assert not demo.is_loaded()
    made = demo.load()
    assert made["tickets"] == len(demo.TICKETS) and made["public_url"].startswith("/service/s/")
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in Ticket.Status}
    assert set(ReturnVisit.objects.values_list("status", flat=True)) >= {"planned", "done"}
    assert ReturnVisit.objects.filter(reason="delivery").exists()
    sources = set(Rating.objects.filter(answered_at__isnull=False).values_list("source", flat=True))
    assert sources == {"link", "agent"}
    assert Ticket.objects.filter(breach_warned__contains="resolution").exists()
    assert demo.is_loaded()
