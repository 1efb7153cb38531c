"""How after-sales records follow a customer merge (customers.merge): tickets and return visits
move with an audit row each; ratings and the customer's service links move with them."""

from __future__ import annotations

from salescore.core.services import bulk_reassign
from salescore.customers.merge import register_merge_mover


def _tickets(*, actor, source, target) -> int:
    from salescore.service.models import Ticket

    return bulk_reassign(
        queryset=Ticket.all_objects.filter(customer=source), field="customer", to=target, actor=actor
    )


def _visits(*, actor, source, target) -> int:
    from salescore.service.models import ReturnVisit

    return bulk_reassign(
        queryset=ReturnVisit.all_objects.filter(customer=source), field="customer", to=target, actor=actor
    )


def _ratings(*, actor, source, target) -> int:
    # The customer's own answers: not an edit anyone makes, so no audit row of their own (the
    # merge itself is audited on both customers).
    from salescore.service.models import Rating

    return Rating.objects.filter(customer=source).update(customer=target)


def _links(*, actor, source, target) -> int:
    from salescore.service.models import ServiceLink

    return ServiceLink.objects.filter(customer=source).update(customer=target)


register_merge_mover("service.ticket", "customer", _tickets)
register_merge_mover("service.returnvisit", "customer", _visits)
register_merge_mover("service.rating", "customer", _ratings)
register_merge_mover("service.servicelink", "customer", _links)
