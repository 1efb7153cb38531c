"""Background work of the sales process. Tasks are thin: the services hold the rules."""

from celery import shared_task

from salescore.core.audit import audit_context
from salescore.pipeline import counts, services


@shared_task(name="salescore.pipeline.tasks.followups_remind")
def followups_remind() -> int:
    """Every morning (CELERY_BEAT_SCHEDULE): remind owners of next steps due today or overdue."""
    with audit_context(origin="task"):
        return services.followups_remind()


@shared_task(name="salescore.pipeline.tasks.board_counts_refresh")
def board_counts_refresh() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): recompute the board counts of the owners writes have
    touched, so that a board rarely has to (decision 0015)."""
    return counts.refresh()
