"""Tickets on the customer's timeline, and on the opportunity's when they concern its order."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from salescore.core.permissions import scope_queryset
from salescore.pipeline.selectors import TimelineEntry, register_timeline_source


def ticket_entries(*, user, customer=None, opportunity=None, limit: int = 50) -> list[TimelineEntry]:
    from salescore.service.models import Ticket

    tickets = scope_queryset(Ticket.objects.all(), user)
    if opportunity is not None:
        tickets = tickets.filter(order__opportunity=opportunity)
    elif customer is not None:
        tickets = tickets.filter(customer=customer)
    else:
        return []
    return [
        TimelineEntry(
            at=ticket.opened_at,
            kind="ticket",
            title=_("Ticket %(number)s: %(subject)s") % {"number": ticket.number, "subject": ticket.subject},
            status=ticket.get_status_display(),
            url=reverse("service:ticket_detail", args=[ticket.pk]),
            icon="tools",
        )
        for ticket in tickets.order_by("-opened_at", "-id")[:limit]
    ]


register_timeline_source(ticket_entries)
