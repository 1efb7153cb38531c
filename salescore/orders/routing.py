"""Who hears about an order event (R3.6): the routing table plus the order's owner."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salescore.core.notifications import notify
from salescore.orders.models import Order, Route
from salescore.org.models import Person

TITLES = {
    Route.Event.SUBMITTED: gettext_lazy("Order %(number)s submitted: please confirm"),
    Route.Event.CONFIRMED: gettext_lazy("Order %(number)s confirmed: please ship"),
    Route.Event.IN_FULFILMENT: gettext_lazy("Order %(number)s partly shipped"),
    Route.Event.SHIPPED: gettext_lazy("Order %(number)s shipped: please invoice"),
    Route.Event.DELIVERED: gettext_lazy("Order %(number)s delivered"),
    Route.Event.CLOSED: gettext_lazy("Order %(number)s closed"),
    Route.Event.CANCELLED: gettext_lazy("Order %(number)s cancelled"),
    Route.Event.LATE: gettext_lazy("Order %(number)s: delivery late or at risk"),
    Route.Event.PAYMENT: gettext_lazy("Order %(number)s: payment received"),
}


def recipients(event: str, order: Order) -> tuple[list, list[str]]:
    """The users and the extra mailboxes the routing table names for ``event`` on ``order``."""
    routes = list(Route.objects.filter(event=event, active=True).select_related("org_unit"))
    people = Q(pk=order.owner_id)
    for route in routes:
        if route.person_id:
            people |= Q(pk=route.person_id)
        if route.position:
            condition = Q(position=route.position)
            if route.org_unit_id:
                condition &= Q(org_unit__path__startswith=route.org_unit.path)
            people |= condition
    users = [
        person.user
        for person in Person.objects.filter(people, status=Person.Status.ACTIVE).select_related("user")
    ]
    mailboxes = sorted({route.email for route in routes if route.email})
    return users, mailboxes


def announce(event: str, order: Order, *, body: str = "", exclude=None) -> int:
    """Tell everyone the routing table names, at once (inbox now, e-mail after commit)."""
    users, mailboxes = recipients(event, order)
    if exclude is not None:
        users = [user for user in users if user.pk != exclude.pk]
    title = str(TITLES[event]) % {"number": order}
    url = reverse("orders:order_detail", args=[order.pk])
    body = body or _("%(customer)s, %(total)s %(currency)s.") % {
        "customer": order.customer,
        "total": order.total,
        "currency": order.currency,
    }
    notify(users=users, kind=f"order_{event}", title=title, body=body, url=url)
    if mailboxes:
        link = f"\n\n{settings.SITE_URL.rstrip('/')}{url}"

        def send() -> None:
            send_mail(title, body + link, settings.DEFAULT_FROM_EMAIL, mailboxes, fail_silently=True)

        transaction.on_commit(send)
    return len(users) + len(mailboxes)
