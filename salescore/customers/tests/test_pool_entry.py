"""Each customer keeps when and why it last went into the public pool (``pool_entered_at``,
``pool_reason``; decision 0021), by triggers in the writer's transaction: after every kind of write
to a customer or its pool moves the copy equals the latest move in, and the pool page's order is the
one the moves give."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from salescore.core.bulk import triggers_paused
from salescore.core.testing import in_thread
from salescore.customers import selectors, services
from salescore.customers.merge import customer_merge
from salescore.customers.models import POOL_ENTRY_TRIGGERS, Customer, PoolMove

_numbers = itertools.count(1)
HOUR = dt.timedelta(hours=1)


def make_customer(member, **fields) -> Customer:
    fields.setdefault("name", f"入海客户{next(_numbers)}有限公司")
    return services.customer_create(actor=member.user, **fields)


def _latest() -> dict[int, tuple]:
    """Each customer's latest move into the pool, from the moves themselves (the oracle)."""
    latest = {}
    for move in PoolMove.objects.filter(direction=PoolMove.Direction.IN).order_by("at", "id"):
        latest[move.customer_id] = (move.at, move.reason)
    return latest


def _drift() -> dict[int, tuple]:
    """Customers whose kept entry is not their latest move in: {id: (kept, moves')}."""
    latest = _latest()
    rows = Customer._base_manager.values_list("pk", "pool_entered_at", "pool_reason")
    return {
        pk: ((at, reason), latest.get(pk))
        for pk, at, reason in rows
        if latest.get(pk, (None, None)) != (at, reason)
    }


def _move(customer, *, at, direction=PoolMove.Direction.IN, reason=PoolMove.Reason.RELEASED) -> PoolMove:
    return PoolMove.objects.create(customer=customer, direction=direction, reason=reason, at=at)


def test_release_claim_and_assign_keep_the_entry(cast):
    customer = make_customer(cast.rep_a)
    assert (customer.pool_entered_at, customer.pool_reason) == (None, None)
    services.customer_release(actor=cast.rep_a.user, customer=customer, reason="无需求")
    move = PoolMove.objects.get(customer=customer)
    customer.refresh_from_db()
    assert (customer.pool_entered_at, customer.pool_reason) == (move.at, "released")
    # a claim takes it out; its entry stays the last one in (the pool page only lists unowned ones)
    services.customer_claim(actor=cast.rep_b.user, customer=customer)
    customer.refresh_from_db()
    assert customer.owner_id == cast.rep_b.person.pk and customer.pool_reason == "released"
    services.customer_release(actor=cast.rep_b.user, customer=customer, reason="再放回")
    services.customer_assign_from_pool(
        actor=cast.director.user, customer=Customer.objects.get(pk=customer.pk), person=cast.rep_a2.person
    )
    assert PoolMove.objects.filter(customer=customer).count() == 4
    assert _drift() == {}
    # the nightly sweep
    later = timezone.now() + dt.timedelta(days=3650)
    assert services.pool_sweep(now=later, customer_ids=[customer.pk]) == 1
    customer.refresh_from_db()
    assert (customer.pool_entered_at, customer.pool_reason) == (later, "no_follow_up")
    assert _drift() == {}


def test_a_write_to_the_customer_cannot_set_another_entry(cast):
    customer = make_customer(cast.rep_a)
    services.customer_release(actor=cast.rep_a.user, customer=customer, reason="无需求")
    stale = Customer.objects.get(pk=customer.pk)  # read before the next move
    # a move changes no version (it is not an edit of the customer): an instance read before it
    # saves without a conflict and writes its own stale entry, which the database puts right
    _move(customer, at=timezone.now() + HOUR, reason=PoolMove.Reason.NO_FOLLOW_UP)
    stale.notes = "旧的实例"
    stale.save()
    assert _drift() == {}
    assert Customer.objects.get(pk=customer.pk).pool_reason == "no_follow_up"
    # a bulk update, raw SQL, a new customer written with an entry
    Customer.objects.filter(pk=customer.pk).update(pool_entered_at=None, pool_reason="claimed")
    assert _drift() == {}
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customer SET pool_reason = NULL WHERE id = %s", [customer.pk])
    assert _drift() == {}
    other = make_customer(cast.rep_a)
    now = timezone.now()
    Customer.objects.bulk_create(
        [
            Customer(
                name="批量客户", created_at=now, updated_at=now, pool_entered_at=now, pool_reason="released"
            )
        ]
    )
    assert Customer.objects.filter(pool_reason__isnull=False).count() == 1
    assert _drift() == {} and other.pool_entered_at is None


def test_moves_written_in_any_order_leave_the_latest(cast):
    customer = make_customer(cast.rep_a)
    now = timezone.now()
    _move(customer, at=now)
    _move(customer, at=now - 5 * HOUR, reason=PoolMove.Reason.NO_FOLLOW_UP)  # an older one, later
    _move(customer, at=now + HOUR, direction=PoolMove.Direction.OUT, reason=PoolMove.Reason.CLAIMED)
    customer.refresh_from_db()
    assert (customer.pool_entered_at, customer.pool_reason) == (now, "released")
    # two moves at the same time: the later id wins, as the page's tie-break has it
    _move(customer, at=now, reason=PoolMove.Reason.NO_FOLLOW_UP)
    assert Customer.objects.get(pk=customer.pk).pool_reason == "no_follow_up"
    # in bulk, and moves taken away or moved to another customer by SQL (moves are append-only
    # through the ORM; the database still keeps its word)
    other = make_customer(cast.rep_b)
    PoolMove.objects.bulk_create(
        [
            PoolMove(customer=other, direction="in", reason="released", at=now - HOUR),
            PoolMove(customer=customer, direction="in", reason="released", at=now + 2 * HOUR),
        ]
    )
    assert _drift() == {}
    newest = PoolMove.objects.filter(customer=customer).order_by("-at", "-id").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_poolmove SET customer_id = %s WHERE id = %s", [other.pk, newest.pk])
        assert _drift() == {}
        cursor.execute("DELETE FROM customers_poolmove WHERE customer_id = %s", [customer.pk])
    assert _drift() == {}
    assert Customer.objects.get(pk=customer.pk).pool_entered_at is None
    assert Customer.objects.get(pk=other.pk).pool_entered_at == now + 2 * HOUR


def test_a_merge_gives_the_survivor_the_latest_entry(cast):
    survivor, duplicate = make_customer(cast.rep_a), make_customer(cast.rep_a)
    services.customer_release(actor=cast.rep_a.user, customer=survivor, reason="早")
    services.customer_release(actor=cast.rep_a.user, customer=duplicate, reason="晚")
    customer_merge(
        actor=cast.director.user,
        survivor=Customer.objects.get(pk=survivor.pk),
        duplicate=Customer.objects.get(pk=duplicate.pk),
    )
    assert PoolMove.objects.filter(customer=survivor).count() == 2
    assert _drift() == {}
    latest = PoolMove.objects.filter(customer=survivor).order_by("-at", "-id").first()
    assert Customer.objects.get(pk=survivor.pk).pool_entered_at == latest.at


def test_the_pool_page_orders_by_the_latest_entry(cast):
    """The page's order equals the one the moves give: newest entry first (ties by id), customers
    never moved in (created without an owner) last, on both databases."""
    now = timezone.now()
    made = [make_customer(cast.rep_a) for _ in range(6)]
    for n, customer in enumerate(made[:4]):
        services.customer_release(actor=cast.rep_a.user, customer=customer, reason=f"原因{n}")
    Customer.objects.filter(pk__in=[c.pk for c in made[4:]]).update(owner=None)  # never moved in
    _move(made[0], at=now + HOUR)  # back in later
    _move(made[1], at=now - 10 * HOUR)  # an older entry changes nothing
    _move(made[2], at=now + HOUR)  # the same time as made[0]: the larger id first
    latest = _latest()
    expected = sorted(
        (c.pk for c in made),
        key=lambda pk: (pk not in latest, -(latest[pk][0].timestamp()) if pk in latest else 0, -pk),
    )
    shown = list(selectors.pool_list(user=cast.director.user).values_list("pk", flat=True))
    assert shown == expected
    first = selectors.pool_list(user=cast.director.user).first()
    assert (first.pool_entered_at, first.pool_reason) == latest[first.pk]


def test_a_bulk_load_pauses_the_triggers_and_writes_the_entry_itself(cast):
    customer = make_customer(cast.rep_a)
    at = timezone.now()
    with transaction.atomic(), triggers_paused(POOL_ENTRY_TRIGGERS):
        _move(customer, at=at)
        assert _drift()  # nothing followed while paused
        Customer.objects.filter(pk=customer.pk).update(pool_entered_at=at, pool_reason="released")
    assert _drift() == {}
    # and the triggers are back
    _move(customer, at=at + HOUR, reason=PoolMove.Reason.NO_FOLLOW_UP)
    assert _drift() == {}


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
@pytest.mark.django_db(transaction=True)
def test_a_stale_save_waiting_on_a_new_entry_keeps_it(cast_reseeded):
    """A move into the pool locks the customer's row; a save of an instance read before it waits,
    then writes the entry the committed move gave, not its own stale one."""
    cast = cast_reseeded
    customer = make_customer(cast.rep_a)
    stale = Customer.objects.get(pk=customer.pk)
    moved, go, errors = threading.Event(), threading.Event(), []
    at = timezone.now()

    def mover():
        with transaction.atomic():
            _move(customer, at=at)
            moved.set()
            go.wait(timeout=30)

    def saver():
        with transaction.atomic():
            stale.notes = "旧的实例"
            stale.save()

    first = in_thread(mover, errors)
    assert moved.wait(timeout=30)
    second = in_thread(saver, errors)
    time.sleep(0.3)
    assert second.is_alive()  # waits for the move's lock on the customer
    go.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert errors == []
    customer.refresh_from_db()
    assert customer.notes == "旧的实例" and (customer.pool_entered_at, customer.pool_reason) == (
        at,
        "released",
    )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
@pytest.mark.django_db(transaction=True)
def test_two_moves_at_once_leave_the_later_entry(cast_reseeded):
    cast = cast_reseeded
    customer = make_customer(cast.rep_a)
    moved, go, errors = threading.Event(), threading.Event(), []
    now = timezone.now()

    def later_move():
        with transaction.atomic():
            _move(customer, at=now + HOUR, reason=PoolMove.Reason.NO_FOLLOW_UP)
            moved.set()
            go.wait(timeout=30)

    def earlier_move():
        with transaction.atomic():
            _move(customer, at=now)

    first = in_thread(later_move, errors)
    assert moved.wait(timeout=30)
    second = in_thread(earlier_move, errors)
    time.sleep(0.3)
    go.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert errors == []
    customer.refresh_from_db()
    assert (customer.pool_entered_at, customer.pool_reason) == (now + HOUR, "no_follow_up")
