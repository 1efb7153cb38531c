"""Scheduled order work: late-delivery flags and payment reminders (thin wrappers)."""

from celery import shared_task

from salescore.orders import receivables, services


@shared_task
def deliveries_flag() -> int:
    return services.deliveries_flag()


@shared_task
def payments_remind() -> int:
    return services.payments_remind()


@shared_task(name="salescore.orders.tasks.receivables_refresh")
def receivables_refresh() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): recompute the receivables of the customers writes have
    touched or whose instalments have fallen due, so that a receivables page rarely has to
    (decision 0016)."""
    return receivables.refresh()
