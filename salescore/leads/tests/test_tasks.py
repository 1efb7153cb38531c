"""The overdue warning runs as a Celery task (in process, eagerly, without Redis) every 15 minutes."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone
from kombu import pools

from config.celery import app
from salescore.core.models import AuditLog, Notification
from salescore.leads import tasks
from salescore.leads.models import Lead
from salescore.leads.tests.factories import make_lead, make_rule


def _forget_broker_pools() -> None:
    """delay() opens the in-memory broker's connection and producer pools even when eager; close and
    forget them (kombu keeps producer pools in a global registry) so later tests start clean."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def test_the_task_warns_about_overdue_leads_eagerly(cast, settings):
    make_rule(cast.director, cast.team_a, region_code="320000")
    start = timezone.now()
    with time_machine.travel(start - dt.timedelta(hours=30), tick=False):
        late = make_lead(cast.agent, region="320000")
    on_time = make_lead(cast.agent, region="320000")

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        result = tasks.leads_flag_overdue.delay()
        again = tasks.leads_flag_overdue.delay()
    finally:
        app.conf.task_always_eager = previous
        _forget_broker_pools()

    assert result.successful() and result.get() == 1
    assert again.get() == 0  # warned once
    warned = set(Notification.objects.filter(kind="lead_overdue").values_list("recipient_id", flat=True))
    assert warned == {cast.rep_a.user.pk, cast.lead_a.user.pk}
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.overdue_notified_at is not None and on_time.overdue_notified_at is None
    # the warning is bookkeeping, not a change of the lead: History stays as it was
    assert not AuditLog.objects.filter(object_id=late.pk, origin="task").exists()
    assert Lead.objects.get(pk=late.pk).is_overdue


def test_the_task_is_scheduled_every_quarter_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["leads-flag-overdue"]
    assert entry["task"] == tasks.leads_flag_overdue.name
    assert entry["schedule"] == 60 * 15
    app.loader.import_default_modules()
    assert tasks.leads_flag_overdue.name in app.tasks
