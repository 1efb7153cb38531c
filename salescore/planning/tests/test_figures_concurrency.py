"""Kept figures under concurrent writers and readers (PostgreSQL; decision 0013): a write that
commits while figures are being refreshed is never lost, and two refreshes at once never count a
day twice. SQLite serialises whole transactions, so this only means something on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from salescore.core.testing import in_thread
from salescore.orders.models import Order
from salescore.planning import figures, metrics
from salescore.planning.models import DailyFigure, Metric
from salescore.planning.tests.test_metrics import MARCH, _order

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency"),
    pytest.mark.django_db(transaction=True),
]


def _sales(member) -> Decimal:
    return metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(member.pk)


def test_a_write_committed_during_a_refresh_is_seen_by_the_next_read(cast_reseeded):
    order = _order(cast_reseeded.rep_a, day=dt.date(2026, 3, 10), price="100.00")
    assert _sales(cast_reseeded.rep_a) == Decimal("100.00")
    written, go, errors = threading.Event(), threading.Event(), []

    def writer():
        with transaction.atomic():
            Order.objects.filter(pk=order.pk).update(net_total=Decimal("250.00"))
            written.set()
            go.wait(timeout=30)

    thread = in_thread(writer, errors)
    assert written.wait(timeout=30)
    # The writer has not committed: the reader neither waits for it nor sees it.
    assert _sales(cast_reseeded.rep_a) == Decimal("100.00")
    go.set()
    thread.join(timeout=30)
    assert errors == []
    assert _sales(cast_reseeded.rep_a) == Decimal("250.00")


def test_two_refreshes_at_once_count_each_day_once(cast_reseeded):
    for day in (3, 10, 17):
        _order(cast_reseeded.rep_a, day=dt.date(2026, 3, day), price="100.00")
    barrier, errors = threading.Barrier(2), []

    def refresh():
        barrier.wait(timeout=30)
        figures.refresh()

    threads = [in_thread(refresh, errors) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    keys = list(DailyFigure.objects.values_list("metric", "day", "person_id"))
    assert len(keys) == len(set(keys))
    assert _sales(cast_reseeded.rep_a) == Decimal("300.00")
    live = metrics.totals(Metric.SALES_AMOUNT, MARCH, live=True)
    assert _sales(cast_reseeded.rep_a) == live.for_person(cast_reseeded.rep_a.pk)
