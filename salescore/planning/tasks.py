"""Scheduled target work (thin wrappers around the services)."""

from celery import shared_task

from salescore.planning import figures, services


@shared_task
def targets_warn() -> int:
    return services.targets_warn()


@shared_task
def figures_refresh() -> int:
    """Recompute the days writes have touched, so that a page rarely has to (decision 0013)."""
    return figures.refresh()
