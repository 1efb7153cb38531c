"""Reads of after-sales service (R3.7), scoped through core.permissions.

SLA states and satisfaction figures are computed in SQL, so a list or a report costs the same
number of queries whatever its size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, NullIf
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from salescore.core.pagination import searched
from salescore.core.permissions import access_for, get_in_scope, scope_queryset
from salescore.customers.search import named
from salescore.service.models import Rating, ReturnVisit, Ticket, TicketEntry

OPEN = (Ticket.Status.NEW, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING)
# A target this close is "due soon": the list shows it in amber.
DUE_SOON = dt.timedelta(hours=2)


class SlaState:
    MET = "met"
    BREACHED = "breached"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"


def _sla_state(done_field: str, due_field: str, now: dt.datetime) -> Case:
    """met / breached once the clock stopped; breached / due_soon / on_track while it runs."""
    return Case(
        When(**{f"{done_field}__isnull": False, f"{done_field}__gt": F(due_field)}, then=Value("breached")),
        When(**{f"{done_field}__isnull": False}, then=Value("met")),
        When(**{f"{due_field}__lt": now}, then=Value("breached")),
        When(**{f"{due_field}__lt": now + DUE_SOON}, then=Value("due_soon")),
        default=Value("on_track"),
        output_field=CharField(),
    )


def with_sla(queryset: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    return queryset.annotate(
        response_state=_sla_state("first_response_at", "response_due_at", now),
        resolution_state=_sla_state("resolved_at", "resolution_due_at", now),
    )


def _search(queryset: QuerySet, q: str | None) -> QuerySet:
    q = (q or "").strip()[:100]
    if not q:
        return queryset
    return searched(queryset, *named(queryset, q, own=("number", "subject")))


def tickets_for(
    *,
    user,
    status: str | None = None,
    priority: str | None = None,
    assignee=None,
    customer=None,
    breached: str | None = None,
    open_only: bool = False,
    q: str | None = None,
    now: dt.datetime | None = None,
) -> QuerySet:
    """Tickets the user may see, with ``response_state`` and ``resolution_state`` annotated.

    ``breached``: "response" or "resolution" keeps those that missed that target; "any" either.
    """
    tickets = Ticket.objects.select_related("customer", "assignee", "product")
    tickets = with_sla(scope_queryset(tickets, user), now)
    if status:
        tickets = tickets.filter(status=status)
    if open_only:
        tickets = tickets.filter(status__in=OPEN)
    if priority:
        tickets = tickets.filter(priority=priority)
    if assignee is not None:
        tickets = tickets.filter(assignee=assignee)
    if customer is not None:
        tickets = tickets.filter(customer=customer)
    if breached == "response":
        tickets = tickets.filter(response_state=SlaState.BREACHED)
    elif breached == "resolution":
        tickets = tickets.filter(resolution_state=SlaState.BREACHED)
    elif breached == "any":
        tickets = tickets.filter(Q(response_state=SlaState.BREACHED) | Q(resolution_state=SlaState.BREACHED))
    return _search(tickets, q).order_by("-opened_at", "-id")


def my_queue(*, user) -> QuerySet:
    """The open tickets assigned to the user, the most urgent resolution first."""
    person_id = access_for(user).person_id
    if person_id is None:
        return Ticket.objects.none()
    return (
        tickets_for(user=user, open_only=True)
        .filter(assignee_id=person_id)
        .order_by("resolution_due_at", "id")
    )


def my_queue_count(user) -> int:
    return my_queue(user=user).count()


def breached_tickets(user) -> QuerySet:
    """Open tickets in the user's scope past their first-response or resolution time."""
    return tickets_for(user=user, open_only=True, breached="any")


def ticket_get_for_user(*, user, pk) -> Ticket:
    """The ticket (with its SLA states), or 404 when the user may not see it."""
    queryset = with_sla(
        Ticket.objects.select_related("customer__owner", "contact", "assignee__org_unit", "product", "order")
    )
    return get_in_scope(queryset, user, pk)


def ticket_log(ticket: Ticket) -> QuerySet:
    return TicketEntry.objects.filter(ticket=ticket).select_related("author").order_by("at", "id")


def return_visits_for(
    *,
    user,
    status: str | None = None,
    due: str | None = None,
    assignee=None,
    customer=None,
    ticket=None,
    today: dt.date | None = None,
) -> QuerySet:
    """Return visits in scope; ``due`` is "overdue", "today", "due" (today
    or earlier) or "upcoming" (planned ones only).
    Ordered by due date, so the overdue ones come first."""
    today = today or timezone.localdate()
    visits = scope_queryset(
        ReturnVisit.objects.select_related("customer", "contact", "assignee", "ticket", "order"), user
    )
    if status:
        visits = visits.filter(status=status)
    if due:
        visits = visits.filter(status=ReturnVisit.Status.PLANNED)
        if due == "overdue":
            visits = visits.filter(due_date__lt=today)
        elif due == "today":
            visits = visits.filter(due_date=today)
        elif due == "due":
            visits = visits.filter(due_date__lte=today)
        elif due == "upcoming":
            visits = visits.filter(due_date__gt=today)
    if assignee is not None:
        visits = visits.filter(assignee=assignee)
    if customer is not None:
        visits = visits.filter(customer=customer)
    if ticket is not None:
        visits = visits.filter(ticket=ticket)
    return visits.order_by("due_date", "id")


def my_visits_due(user) -> QuerySet:
    """Planned return visits of the user due today or earlier."""
    person_id = access_for(user).person_id
    if person_id is None:
        return ReturnVisit.objects.none()
    return return_visits_for(user=user, status=ReturnVisit.Status.PLANNED).filter(
        assignee_id=person_id, due_date__lte=timezone.localdate()
    )


def return_visit_get_for_user(*, user, pk) -> ReturnVisit:
    return get_in_scope(
        ReturnVisit.objects.select_related("customer", "contact", "assignee", "ticket", "order"), user, pk
    )


# -- satisfaction --------------------------------------------------------------------------------

GROUPS = {
    # group_by -> (the rating's field, the label fields of the related row)
    "customer": ("customer", ("customer__name", None)),
    "product": ("product", ("product__name", "product__name_en")),
    "agent": ("agent", ("agent__name", "agent__name_en")),
    "rep": ("rep", ("rep__name", "rep__name_en")),
}
GROUP_LABELS = {
    "customer": _("Customer"),
    "product": _("Product"),
    "agent": _("Customer Service agent"),
    "rep": _("Sales rep"),
}


def ratings_for(
    *,
    user,
    answered: bool | None = True,
    customer_id: int | None = None,
    product_id: int | None = None,
    agent_id: int | None = None,
    rep_id: int | None = None,
    ticket=None,
    return_visit=None,
    source: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    none_of: str | None = None,
) -> QuerySet:
    """The ratings behind a figure of the report. ``none_of`` ("product", ...) keeps those without
    one (the report's "none" group)."""
    ratings = scope_queryset(
        Rating.objects.select_related("customer", "product", "agent", "rep", "ticket"), user
    )
    if answered is True:
        ratings = ratings.filter(answered_at__isnull=False)
    elif answered is False:
        ratings = ratings.filter(answered_at__isnull=True)
    filters = {
        "customer_id": customer_id,
        "product_id": product_id,
        "agent_id": agent_id,
        "rep_id": rep_id,
        "ticket": ticket,
        "return_visit": return_visit,
        "source": source or None,
    }
    ratings = ratings.filter(**{k: v for k, v in filters.items() if v is not None})
    if none_of in GROUPS:
        ratings = ratings.filter(**{f"{GROUPS[none_of][0]}__isnull": True})
    if date_from:
        ratings = ratings.filter(answered_at__date__gte=date_from)
    if date_to:
        ratings = ratings.filter(answered_at__date__lte=date_to)
    return ratings.order_by("-answered_at", "-sent_at", "-id")


def _figures(queryset: QuerySet) -> dict:
    """Aggregates of answered ratings: counts, average CSAT and NPS, all in SQL.

    NPS = % promoters (9-10) - % detractors (0-6), over the ratings that gave an NPS score.
    """
    scored = Count("pk", filter=Q(nps__isnull=False))
    return {
        "answered": Count("pk"),
        "csat_count": Count("pk", filter=Q(csat__isnull=False)),
        "avg_csat": Avg("csat"),
        "nps_count": scored,
        "promoters": Count("pk", filter=Q(nps__gte=9)),
        "detractors": Count("pk", filter=Q(nps__lte=6)),
        "nps": Cast(Count("pk", filter=Q(nps__gte=9)) - Count("pk", filter=Q(nps__lte=6)), FloatField())
        * 100.0
        / Cast(NullIf(scored, 0), FloatField()),
    }


@dataclass
class SatisfactionRow:
    key: int | None
    label: str
    answered: int
    csat_count: int
    avg_csat: float | None
    nps_count: int
    promoters: int
    detractors: int
    nps: float | None


def _row(values: dict, key, label: str) -> SatisfactionRow:
    return SatisfactionRow(
        key=key,
        label=label,
        answered=values["answered"],
        csat_count=values["csat_count"],
        avg_csat=None if values["avg_csat"] is None else round(float(values["avg_csat"]), 2),
        nps_count=values["nps_count"],
        promoters=values["promoters"],
        detractors=values["detractors"],
        nps=None if values["nps"] is None else round(float(values["nps"]), 1),
    )


@dataclass
class Satisfaction:
    group_by: str
    rows: list[SatisfactionRow]
    total: SatisfactionRow


def satisfaction(
    *,
    user,
    group_by: str = "agent",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Satisfaction:
    """Answered ratings per customer, product, agent or rep (two queries: groups and total)."""
    if group_by not in GROUPS:
        group_by = "agent"
    field, (label_field, label_en_field) = GROUPS[group_by]
    ratings = ratings_for(user=user, date_from=date_from, date_to=date_to).order_by()
    label_fields = [f for f in (label_field, label_en_field) if f]
    grouped = ratings.values(field, *label_fields).annotate(**_figures(ratings)).order_by("-answered", field)
    english = (get_language() or "").lower().startswith("en")
    rows = []
    for values in grouped:
        label = values[label_field]
        if english and label_en_field and values.get(label_en_field):
            label = values[label_en_field]
        rows.append(_row(values, values[field], label or str(_("(none)"))))
    total = ratings.aggregate(**_figures(ratings))
    return Satisfaction(group_by=group_by, rows=rows, total=_row(total, None, str(_("All"))))
