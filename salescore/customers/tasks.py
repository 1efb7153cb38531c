"""Background work for customers. Tasks are thin: the services hold the rules."""

from celery import shared_task

from salescore.core.audit import audit_context
from salescore.customers import services


@shared_task(name="salescore.customers.tasks.pool_sweep")
def pool_sweep() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): customers not followed up in time go back to the public pool."""
    with audit_context(origin="task"):
        return services.pool_sweep()
