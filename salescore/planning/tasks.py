"""Scheduled target work (thin wrappers around the services)."""

from celery import shared_task

from salescore.planning import services


@shared_task
def targets_warn() -> int:
    return services.targets_warn()
