"""Background work for the organisation. Tasks are thin: the services hold the rules."""

from __future__ import annotations

from celery import shared_task

from salescore.core.audit import audit_context
from salescore.org import services


@shared_task(name="salescore.org.tasks.people_deactivate_departed")
def people_deactivate_departed() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): mark as left everyone whose leaving date has come."""
    with audit_context(origin="task"):
        return services.people_deactivate_departed()
