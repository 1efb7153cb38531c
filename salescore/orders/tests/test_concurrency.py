"""Order numbers under load (PostgreSQL): eight people submitting at the same moment get eight
distinct, consecutive numbers. The sequence row lock is what makes this hold; SQLite serialises
whole transactions, so this test only means something on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from salescore.orders import services
from salescore.orders.models import Order
from salescore.orders.tests.factories import make_order

THREADS = 8


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_eight_orders_submitted_at_once_get_numbers_one_to_eight():
    from salescore.core.testing import build_cast_reseeded

    # given eight complete drafts of different people
    cast = build_cast_reseeded()
    members = [
        cast.rep_a,
        cast.rep_a2,
        cast.rep_b,
        cast.lead_a,
        cast.lead_b,
        cast.head,
        cast.director,
        cast.clerk,
    ]
    drafts = [make_order(member) for member in members[:7]]
    drafts.append(make_order(cast.clerk, customer=drafts[0].customer))
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def submit(member, order):
        try:
            barrier.wait(timeout=30)
            services.order_submit(actor=member.user, order=order)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()  # each thread had its own connection

    # when they are submitted at the same moment, each on its own connection
    threads = [threading.Thread(target=submit, args=pair) for pair in zip(members, drafts, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every one got a number: 1..8, distinct, no gaps
    assert errors == []
    year = timezone.localdate().year
    numbers = sorted(Order.objects.filter(pk__in=[d.pk for d in drafts]).values_list("number", flat=True))
    assert numbers == [f"SO-{year}-{n:06d}" for n in range(1, THREADS + 1)]
