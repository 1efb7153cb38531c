"""Kept receivables under concurrent writers and readers (PostgreSQL; decision 0016): writers of
the same customer's instalments never wait for each other's markers, a payment that commits while
the receivables refresh is seen by the next read, and two refreshes at once never count a customer
twice. SQLite serialises whole transactions, so this only means something on PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from salescore.core.testing import in_thread
from salescore.orders import receivables, selectors
from salescore.orders.models import Instalment, Receivable
from salescore.orders.tests.factories import submitted_order
from salescore.orders.tests.test_selectors import plan

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency"),
    pytest.mark.django_db(transaction=True),
]


def _owed(member) -> Decimal:
    return sum((row["outstanding"] for row in selectors.receivables_totals(member.user)), Decimal("0.00"))


def _two_orders(member):
    first = submitted_order(member)
    second = submitted_order(member, customer=first.customer)
    today = timezone.localdate()
    plan(first, (today, "100.00", "0.00"))
    plan(second, (today, "100.00", "0.00"))
    receivables.refresh()
    return first, second


def test_writers_of_one_customer_do_not_wait_for_each_other(cast_reseeded):
    first, second = _two_orders(cast_reseeded.rep_a)
    written, go, errors = threading.Event(), threading.Event(), []

    def writer():
        with transaction.atomic():
            Instalment.objects.filter(order=first).update(received=Decimal("30.00"))  # marks the customer
            written.set()
            go.wait(timeout=30)

    thread = in_thread(writer, errors)
    assert written.wait(timeout=30)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '2s'")  # a wait on the other writer fails here
        Instalment.objects.filter(order=second).update(received=Decimal("50.00"))  # marks it too
    go.set()
    thread.join(timeout=30)
    assert errors == []
    assert _owed(cast_reseeded.rep_a) == Decimal("120.00")


def test_a_payment_committed_during_a_refresh_is_seen_by_the_next_read(cast_reseeded):
    first, _second = _two_orders(cast_reseeded.rep_a)
    assert _owed(cast_reseeded.rep_a) == Decimal("200.00")
    written, go, errors = threading.Event(), threading.Event(), []

    def writer():
        with transaction.atomic():
            Instalment.objects.filter(order=first).update(received=Decimal("100.00"))
            written.set()
            go.wait(timeout=30)

    thread = in_thread(writer, errors)
    assert written.wait(timeout=30)
    # The writer has not committed: the reader neither waits for it nor sees it.
    assert _owed(cast_reseeded.rep_a) == Decimal("200.00")
    go.set()
    thread.join(timeout=30)
    assert errors == []
    assert _owed(cast_reseeded.rep_a) == Decimal("100.00")


def test_two_refreshes_at_once_count_each_customer_once(cast_reseeded):
    for member in (cast_reseeded.rep_a, cast_reseeded.rep_a, cast_reseeded.rep_b):
        plan(submitted_order(member), (timezone.localdate(), "10.00", "0.00"))
    barrier, errors = threading.Barrier(2), []

    def refresh():
        barrier.wait(timeout=30)
        receivables.refresh()

    threads = [in_thread(refresh, errors) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    keys = list(Receivable.objects.values_list("customer_id", "owner_id", "currency"))
    assert len(keys) == len(set(keys)) == 3
    assert (_owed(cast_reseeded.rep_a), _owed(cast_reseeded.rep_b)) == (Decimal("20.00"), Decimal("10.00"))
