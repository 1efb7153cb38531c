"""Scheduled after-sales work (thin wrappers around the services)."""

from celery import shared_task

from salescore.service import services


@shared_task
def sla_watch() -> int:
    return services.sla_watch()


@shared_task
def return_visits_schedule() -> int:
    return services.return_visits_schedule()
