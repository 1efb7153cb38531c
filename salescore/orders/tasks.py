"""Scheduled order work: late-delivery flags and payment reminders (thin wrappers)."""

from celery import shared_task

from salescore.orders import services


@shared_task
def deliveries_flag() -> int:
    return services.deliveries_flag()


@shared_task
def payments_remind() -> int:
    return services.payments_remind()
