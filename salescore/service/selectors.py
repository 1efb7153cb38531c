"""Reads of after-sales service, scoped through core.permissions."""

from __future__ import annotations

from salescore.core.permissions import get_in_scope
from salescore.service.models import Ticket


def ticket_get_for_user(*, user, pk) -> Ticket:
    """The ticket, or 404 when the user may not see it."""
    queryset = Ticket.objects.select_related("customer__owner", "contact", "assignee", "product", "order")
    return get_in_scope(queryset, user, pk)
