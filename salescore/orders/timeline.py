"""Orders on the customer's and the opportunity's timeline (pipeline.selectors.timeline)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from salescore.core.permissions import scope_queryset
from salescore.pipeline.selectors import TimelineEntry, register_timeline_source


def order_entries(*, user, customer=None, opportunity=None, limit: int = 50) -> list[TimelineEntry]:
    from salescore.orders.models import Order

    orders = scope_queryset(Order.objects.exclude(status=Order.Status.DRAFT), user)
    if opportunity is not None:
        orders = orders.filter(opportunity=opportunity)
    elif customer is not None:
        orders = orders.filter(customer=customer)
    else:
        return []
    return [
        TimelineEntry(
            at=order.submitted_at or order.created_at,
            kind="order",
            title=_("Order %(number)s, %(total)s %(currency)s")
            % {"number": order, "total": order.total, "currency": order.currency},
            status=order.get_status_display(),
            url=reverse("orders:order_detail", args=[order.pk]),
            icon="receipt",
        )
        for order in orders.order_by("-submitted_at", "-id")[:limit]
    ]


register_timeline_source(order_entries)
