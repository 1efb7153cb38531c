"""The activity's copy of its customer's owner under concurrent writers (PostgreSQL; decision 0018):
an activity written while another transaction changes the customer's owner ends with the owner
that committed last, whichever of the two came first. SQLite serialises whole transactions."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from salescore.core.testing import in_thread
from salescore.customers.models import Customer
from salescore.pipeline import services as pipeline
from salescore.pipeline.models import Activity
from salescore.pipeline.tests.factories import make_customer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency"),
    pytest.mark.django_db(transaction=True),
]

TOUCH = {"channel": "phone", "subject": "跟进"}


def _kept(customer) -> set:
    return set(Activity._base_manager.filter(customer=customer).values_list("customer_owner_id", flat=True))


def test_an_owner_changed_while_an_activity_is_written_reaches_it(cast_reseeded):
    cast = cast_reseeded
    customer = make_customer(cast.rep_a)
    written, go, errors = threading.Event(), threading.Event(), []

    def writer():
        with transaction.atomic():
            # written directly: the service also moves the customer's last contact, a lock of its own
            Activity(customer=customer, owner=cast.rep_a.person, **TOUCH).save()
            written.set()
            go.wait(timeout=30)

    def handover():
        with transaction.atomic():
            Customer.objects.filter(pk=customer.pk).update(owner=cast.rep_b.person)

    first = in_thread(writer, errors)
    assert written.wait(timeout=30)
    second = in_thread(handover, errors)  # waits for the writer's lock on the customer
    time.sleep(0.3)
    assert second.is_alive()
    go.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert errors == []
    assert _kept(customer) == {cast.rep_b.person.pk}


def test_an_activity_written_while_the_owner_changes_takes_the_new_owner(cast_reseeded):
    cast = cast_reseeded
    customer = make_customer(cast.rep_a)
    pipeline.activity_log(actor=cast.director.user, customer=customer, **TOUCH)
    changed, go, errors = threading.Event(), threading.Event(), []

    def handover():
        with transaction.atomic():
            Customer.objects.filter(pk=customer.pk).update(owner=cast.rep_b.person)
            changed.set()
            go.wait(timeout=30)

    def writer():
        with transaction.atomic():
            pipeline.activity_log(actor=cast.director.user, customer=customer, **TOUCH)

    first = in_thread(handover, errors)
    assert changed.wait(timeout=30)
    second = in_thread(writer, errors)  # reads the owner once the handover commits
    time.sleep(0.3)
    assert second.is_alive()
    go.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert errors == []
    assert Activity.objects.filter(customer=customer).count() == 2
    assert _kept(customer) == {cast.rep_b.person.pk}
