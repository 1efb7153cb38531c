"""The Celery wiring: the task runs in-process without Redis, and through a real broker and worker.

The worker test needs the Redis server at REDIS_TEST_URL (default redis://127.0.0.1:6379/15) and
is skipped, with the reason, when it cannot be reached (a failure in CI). It runs an in-process
worker thread with its own database connection, so the test is transactional: the data must be
committed for the worker to see it. On SQLite the test database is an in-memory shared-cache
database, which other connections of the process share; on PostgreSQL it is a real database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.utils import timezone

from config.celery import app
from salescore.core.models import AuditLog
from salescore.org import tasks
from salescore.org.models import Person
from salescore.org.tests.seeding import restore_seed

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def _leaving_yesterday(member) -> Person:
    Person.objects.filter(pk=member.pk).update(left_date=timezone.localdate() - dt.timedelta(days=1))
    return member.person


def _assert_departed(member) -> None:
    member.person.refresh_from_db()
    member.user.refresh_from_db()
    assert member.person.status == Person.Status.LEFT
    assert member.user.is_active is False
    row = (
        AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(Person), object_id=member.pk)
        .order_by("-pk")
        .first()
    )
    assert row is not None and row.origin == "task", row


def _drop_connections() -> None:
    """Forget the broker pools and the result backend built from the configuration so far."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    with contextlib.suppress(AttributeError):
        del app._local.backend


@contextlib.contextmanager
def _conf(**values):
    """Override the Celery app's configuration for a block, then restore it."""
    previous = {key: app.conf[key] for key in values}
    app.conf.update(values)
    _drop_connections()
    try:
        yield
    finally:
        app.conf.update(previous)
        _drop_connections()


def test_without_redis_the_task_runs_in_process(cast, settings):
    """The default settings (no REDIS_URL) run tasks eagerly, inside the caller."""
    assert app.conf.task_always_eager is (not settings.REDIS_URL)
    _leaving_yesterday(cast.rep_a)
    with _conf(task_always_eager=True):
        result = tasks.people_deactivate_departed.delay()
    assert result.successful()
    assert result.get() == 1
    _assert_departed(cast.rep_a)
    cast.rep_a2.person.refresh_from_db()
    assert cast.rep_a2.person.status == Person.Status.ACTIVE


def test_the_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["people-deactivate-departed"]
    assert entry["task"] == tasks.people_deactivate_departed.name
    app.loader.import_default_modules()
    assert tasks.people_deactivate_departed.name in app.tasks


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis is not reachable at REDIS_TEST_URL={REDIS_TEST_URL} ({exc}); start redis-server")
    yield REDIS_TEST_URL
    client.close()


@pytest.fixture
def redis_queue(redis_url):
    """A queue of this test's own, so runs sharing the Redis database do not take each other's work."""
    import redis

    queue = f"salescore-test-{uuid.uuid4().hex[:12]}"
    yield queue
    client = redis.Redis.from_url(redis_url)
    client.delete(queue)
    for key in client.scan_iter("_kombu.binding.*"):
        for member in client.smembers(key):
            if queue.encode() in member:
                client.srem(key, member)
    client.close()


@pytest.fixture
def seeded_transactional_db(transactional_db):
    restore_seed()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_through_redis_a_worker_runs_the_task(seeded_transactional_db, cast, redis_url, redis_queue):
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping, the worker's health check)
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    _leaving_yesterday(cast.rep_b)

    ran = []

    def close_worker_connections(sender=None, **kwargs):
        if sender is not None and sender.name == tasks.people_deactivate_departed.name:
            ran.append((threading.current_thread() is threading.main_thread(), sender.request.is_eager))
        # The worker thread opened its own database connection; close it before the test
        # database is flushed or dropped.
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with _conf(
            broker_url=redis_url,
            result_backend=redis_url,
            task_always_eager=False,
            task_default_queue=redis_queue,
            worker_hijack_root_logger=False,
            broker_connection_retry_on_startup=False,
        ):
            with start_worker(app, pool="solo", concurrency=1, perform_ping_check=True, shutdown_timeout=30):
                result = tasks.people_deactivate_departed.delay()
                assert result.get(timeout=30) == 1
            assert result.status == "SUCCESS"
            result.forget()
    finally:
        task_postrun.disconnect(close_worker_connections)

    assert ran == [(False, False)], "the task should run in the worker thread, not eagerly"
    _assert_departed(cast.rep_b)
