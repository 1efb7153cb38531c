"""Kept board counts under concurrent writers and readers (PostgreSQL; decision 0015): writers of
the same owner's opportunities never wait for each other's markers, a write that commits while a
board refreshes is seen by the next read, and two refreshes at once never count an owner twice.
SQLite serialises whole transactions, so this only means something on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from salescore.core.testing import in_thread
from salescore.pipeline import counts
from salescore.pipeline.models import Opportunity, StageCount
from salescore.pipeline.tests.factories import make_customer, make_opportunity

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency"),
    pytest.mark.django_db(transaction=True),
]


def _count(member) -> int:
    return sum(total.count for total in counts.totals(user=member.user).values())


def test_writers_of_one_owner_do_not_wait_for_each_other(cast_reseeded):
    customer = make_customer(cast_reseeded.rep_a)
    first = make_opportunity(cast_reseeded.rep_a, customer, amount="100.00")
    second = make_opportunity(cast_reseeded.rep_a, customer, amount="100.00")
    counts.refresh()
    written, go, errors = threading.Event(), threading.Event(), []

    def writer():
        with transaction.atomic():
            Opportunity.objects.filter(pk=first.pk).update(amount="150.00")  # marks rep_a
            written.set()
            go.wait(timeout=30)

    thread = in_thread(writer, errors)
    assert written.wait(timeout=30)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '2s'")  # a wait on the other writer fails here
        Opportunity.objects.filter(pk=second.pk).update(amount="250.00")  # marks rep_a too
    go.set()
    thread.join(timeout=30)
    assert errors == []
    assert counts.totals(user=cast_reseeded.rep_a.user)[first.stage_id].amount == 400


def test_a_write_committed_during_a_refresh_is_seen_by_the_next_read(cast_reseeded):
    opportunity = make_opportunity(cast_reseeded.rep_a, amount="100.00")
    assert _count(cast_reseeded.rep_a) == 1
    written, go, errors = threading.Event(), threading.Event(), []

    def writer():
        with transaction.atomic():
            make_opportunity(cast_reseeded.rep_a, opportunity.customer, amount="5.00")
            written.set()
            go.wait(timeout=30)

    thread = in_thread(writer, errors)
    assert written.wait(timeout=30)
    # The writer has not committed: the reader neither waits for it nor sees it.
    assert _count(cast_reseeded.rep_a) == 1
    go.set()
    thread.join(timeout=30)
    assert errors == []
    assert _count(cast_reseeded.rep_a) == 2


def test_two_refreshes_at_once_count_each_owner_once(cast_reseeded):
    for member in (cast_reseeded.rep_a, cast_reseeded.rep_a, cast_reseeded.rep_b):
        make_opportunity(member)
    barrier, errors = threading.Barrier(2), []

    def refresh():
        barrier.wait(timeout=30)
        counts.refresh()

    threads = [in_thread(refresh, errors) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    keys = list(StageCount.objects.values_list("owner_id", "stage_id", "currency"))
    assert len(keys) == len(set(keys))
    assert (_count(cast_reseeded.rep_a), _count(cast_reseeded.rep_b), _count(cast_reseeded.director)) == (
        2,
        1,
        3,
    )
