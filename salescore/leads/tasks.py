"""Background work for leads. Tasks are thin: the services hold the rules."""

from celery import shared_task

from salescore.core.audit import audit_context
from salescore.leads import services


@shared_task(name="salescore.leads.tasks.leads_flag_overdue")
def leads_flag_overdue() -> int:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): warn about leads past their first-contact deadline."""
    with audit_context(origin="task"):
        return services.leads_flag_overdue()
