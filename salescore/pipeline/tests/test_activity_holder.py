"""Each activity keeps its customer's owner (``Activity.customer_owner``, decision 0018), by triggers
in the writer's transaction: after every kind of write to an activity or a customer the copy equals
the customer's owner, the activity's scope is exactly its customer's, and the copy leaves the kept
visit and call figures alone."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection, transaction
from django.utils import timezone

from salescore.core.bulk import triggers_paused
from salescore.core.permissions import scope_filter, scope_queryset
from salescore.customers import services as customers
from salescore.customers.merge import customer_merge
from salescore.customers.models import Customer
from salescore.pipeline import services as pipeline
from salescore.pipeline.models import OWNER_COPY_TRIGGERS, Activity
from salescore.pipeline.tests.factories import make_customer
from salescore.planning import figures
from salescore.planning.models import StaleDay

TOUCH = {"channel": "phone", "subject": "跟进"}
READERS = ("rep_a", "rep_a2", "rep_b", "lead_a", "head", "director", "clerk", "agent")


def _drift() -> dict[int, tuple]:
    """Activities whose kept owner is not their customer's: {id: (kept, customer's)}."""
    rows = Activity._base_manager.values_list("pk", "customer_owner_id", "customer__owner_id")
    return {pk: (kept, actual) for pk, kept, actual in rows if kept != actual}


@pytest.fixture
def book(cast):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_b)
    for customer, member in ((a, cast.rep_a), (a, cast.rep_a), (b, cast.rep_b)):
        pipeline.activity_log(actor=member.user, customer=customer, **TOUCH)
    return {"a": a, "b": b}


def test_a_new_activity_takes_its_customers_owner(cast, book):
    assert Activity.objects.count() == 3
    assert set(Activity.objects.filter(customer=book["a"]).values_list("customer_owner_id", flat=True)) == {
        cast.rep_a.person.pk
    }
    assert _drift() == {}


def test_every_kind_of_write_keeps_the_copy(cast, book):
    a, b = book["a"], book["b"]
    # the pool and back, through the services
    customers.customer_release(actor=cast.rep_a.user, customer=a, reason="不再跟进")
    assert _drift() == {}
    assert set(Activity.objects.filter(customer=a).values_list("customer_owner_id", flat=True)) == {None}
    customers.customer_claim(actor=cast.rep_b.user, customer=Customer.objects.get(pk=a.pk))
    assert _drift() == {}
    customers.customer_release(actor=cast.rep_b.user, customer=Customer.objects.get(pk=a.pk), reason="x")
    customers.customer_assign_from_pool(
        actor=cast.director.user, customer=Customer.objects.get(pk=a.pk), person=cast.rep_a2.person
    )
    assert _drift() == {}
    # a manager hands a customer over; a bulk update; raw SQL
    customers.customer_update(
        actor=cast.head.user, customer=Customer.objects.get(pk=b.pk), owner=cast.rep_a.person
    )
    assert _drift() == {}
    Customer.objects.filter(pk__in=[a.pk, b.pk]).update(owner=cast.rep_b.person)
    assert _drift() == {}
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customer SET owner_id = NULL WHERE id = %s", [b.pk])
    assert _drift() == {}
    # the nightly sweep
    later = timezone.now() + dt.timedelta(days=3650)
    assert customers.pool_sweep(now=later, customer_ids=[a.pk]) == 1
    assert _drift() == {}


def test_a_write_to_the_activity_cannot_set_another_owner(cast, book):
    activity = Activity.objects.filter(customer=book["a"]).first()
    # a bulk update or a stale instance saved again
    Activity.objects.filter(pk=activity.pk).update(customer_owner=cast.rep_b.person)
    assert _drift() == {}
    activity.customer_owner = None
    activity.subject = "改了主题"
    activity.save()
    assert _drift() == {}
    # moved to another customer (a merge's way), one by one or in bulk; raw SQL
    activity.customer = book["b"]
    activity.save()
    assert Activity.objects.get(pk=activity.pk).customer_owner_id == cast.rep_b.person.pk
    Activity.objects.filter(customer=book["b"]).update(customer=book["a"])
    assert _drift() == {}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pipeline_activity SET customer_id = %s WHERE id = %s", [book["b"].pk, activity.pk]
        )
    assert _drift() == {}


def test_activities_written_in_bulk_take_the_owner(cast, book):
    a, b = book["a"], book["b"]
    template = Activity.objects.filter(customer=a).first()
    rows = []
    for n, customer in enumerate((a, b, b)):
        rows.append(
            Activity(
                channel="visit",
                customer=customer,
                owner=cast.rep_a.person,
                subject=f"批量{n}",
                occurred_at=template.occurred_at,
                created_at=template.created_at,
                updated_at=template.updated_at,
                customer_owner=cast.rep_a2.person,  # whatever the writer sends
            )
        )
    Activity.objects.bulk_create(rows)
    assert Activity.objects.count() == 6
    assert _drift() == {}


def test_a_merge_moves_activities_under_the_survivors_owner(cast, book):
    survivor, duplicate = book["a"], book["b"]
    customer_merge(actor=cast.director.user, survivor=survivor, duplicate=duplicate)
    assert Activity.objects.filter(customer=survivor).count() == 3
    assert _drift() == {}


def test_the_activitys_scope_is_exactly_its_customers(cast, book):
    a, b = book["a"], book["b"]
    customers.customer_release(actor=cast.rep_b.user, customer=b, reason="不再跟进")  # the pool's
    c = make_customer(cast.rep_a2)
    pipeline.activity_log(actor=cast.rep_a2.user, customer=c, **TOUCH)
    from salescore.core.services import record_share

    record_share(actor=cast.lead_a.user, record=c, person=cast.rep_a.person)
    # soft-deleted activities keep their scope
    pipeline.activity_delete(actor=cast.rep_a.user, activity=Activity.objects.filter(customer=a).first())
    customers.customer_delete(actor=cast.rep_a.user, customer=Customer.objects.get(pk=a.pk))
    everything = Activity._base_manager.all()
    for name, shared, to_change, unowned in itertools.product(
        READERS, (True, False), (False, True), (True, False)
    ):
        user = getattr(cast, name).user
        options = {"include_shared": shared, "to_change": to_change, "include_unowned": unowned}
        seen_customers = scope_filter(Customer, user, **options)
        expected = everything
        if seen_customers is not None:
            expected = everything.filter(
                customer__in=Customer._base_manager.filter(seen_customers).values("pk")
            )
        condition = scope_filter(Activity, user, **options)
        found = everything if condition is None else everything.filter(condition)
        assert set(found.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True)), (
            name,
            options,
        )
    # rep_a sees their own customer's (deleted), the pool's and the shared one's; rep_b none now
    seen = set(scope_queryset(Activity.objects.all(), cast.rep_a.user).values_list("customer_id", flat=True))
    assert seen == {a.pk, b.pk, c.pk}
    assert not scope_queryset(Activity.objects.exclude(customer=b), cast.rep_b.user).exists()


def test_the_copy_leaves_the_visit_and_call_figures_alone(cast, book):
    figures.refresh()
    assert not StaleDay.objects.exists()
    customers.customer_release(actor=cast.rep_a.user, customer=book["a"], reason="不再跟进")
    activity = Activity.objects.filter(customer=book["b"]).first()
    pipeline.activity_complete_next_step(actor=cast.rep_b.user, activity=activity)
    Activity.objects.filter(pk=activity.pk).update(subject="只改主题", next_step_done=False)
    assert not StaleDay.objects.filter(source="activities").exists()  # (a customer's write marks its own)
    figures.refresh()
    # what the figures count still marks its days
    for change in ({"channel": "visit"}, {"owner": cast.rep_a.person}, {"occurred_at": timezone.now()}):
        Activity.objects.filter(pk=activity.pk).update(**change)
        assert StaleDay.objects.filter(source="activities").exists(), change
        figures.refresh()
    Activity.objects.filter(pk=activity.pk).update(deleted_at=timezone.now())  # a bulk soft delete
    assert StaleDay.objects.filter(source="activities").exists()


def test_a_bulk_load_pauses_the_copy_and_writes_it_itself(cast, book):
    a = book["a"]
    with transaction.atomic(), triggers_paused(OWNER_COPY_TRIGGERS):
        Customer.objects.filter(pk=a.pk).update(owner=cast.rep_b.person)
        assert _drift()  # nothing followed while paused
        Activity.objects.filter(customer=a).update(customer_owner=cast.rep_b.person)
    assert _drift() == {}
    # and the triggers are back
    Customer.objects.filter(pk=a.pk).update(owner=cast.rep_a.person)
    assert _drift() == {}
