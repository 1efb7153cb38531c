"""Every write of after-sales service (R3.7): tickets, their log, escalation and resolution;
return visits; satisfaction ratings; the customer's public links."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.catalog.models import Product
from salescore.core.errors import ApplicationError
from salescore.core.models import AuditAction, audit_event
from salescore.core.notifications import notify
from salescore.core.permissions import Cap, Duty, Position, access_for, get_in_scope, require
from salescore.core.sequences import next_number
from salescore.core.services import check_version, required, validate_fields
from salescore.customers.models import Contact, Customer
from salescore.org.models import Person
from salescore.service.models import (
    Priority,
    Rating,
    ReturnVisit,
    ServiceLink,
    ServicePolicy,
    Sla,
    Ticket,
    TicketEntry,
)

DEFAULT_SLA = {
    Priority.URGENT: (2, 24),
    Priority.HIGH: (4, 48),
    Priority.NORMAL: (8, 72),
    Priority.LOW: (24, 168),
}
OPEN = (Ticket.Status.NEW, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING)
LEADER_POSITIONS = (Position.TEAM_LEAD, Position.SECTION_HEAD)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sla_hours(priority: str) -> tuple[int, int]:
    row = Sla.objects.filter(priority=priority).first()
    return (row.response_hours, row.resolution_hours) if row else DEFAULT_SLA[Priority(priority)]


def service_people():
    """Active people of Customer Service (the agents and their leaders)."""
    return Person.objects.filter(
        status=Person.Status.ACTIVE, org_unit__duty=Duty.CUSTOMER_SERVICE
    ).select_related("user")


def service_leaders():
    return service_people().filter(position__in=LEADER_POSITIONS)


def _pick_agent(*, open_filter: Q, related: str) -> Person | None:
    """The active agent with the fewest open items: work spreads evenly, nobody is skipped."""
    return (
        service_people()
        .filter(position=Position.CS_AGENT)
        .annotate(load=Count(related, filter=open_filter))
        .order_by("load", "pk")
        .first()
    )


def _check_agent(person: Person | None) -> None:
    if person is None:
        return
    if person.status != Person.Status.ACTIVE or person.org_unit.duty != Duty.CUSTOMER_SERVICE:
        raise ApplicationError(
            _("%(name)s is not in Customer Service.") % {"name": person},
            code="invalid",
            fields={"assignee": _("Choose an active Customer Service agent.")},
        )


def _entry(ticket: Ticket, kind: str, body: str, actor=None, author_name: str = "") -> TicketEntry:
    name = author_name or ((actor.get_full_name() or actor.get_username()) if actor else "")
    return TicketEntry.objects.create(
        ticket=ticket, kind=kind, body=body, author=actor, author_name=name[:100]
    )


def _ticket_url(ticket: Ticket) -> str:
    return reverse("service:ticket_detail", args=[ticket.pk])


def _validate_links(customer: Customer, *, contact=None, order=None, product=None) -> None:
    errors = {}
    if contact is not None and (contact.customer_id != customer.pk or contact.is_deleted):
        errors["contact"] = _("Choose a contact of this customer.")
    if order is not None and order.customer_id != customer.pk:
        errors["order"] = _("Choose an order of this customer.")
    if product is not None and product.is_deleted:
        errors["product"] = _("Choose a product from the catalogue.")
    if errors:
        raise ApplicationError(
            _("The ticket refers to records of another customer."), code="invalid", fields=errors
        )


def _open(
    *,
    actor,
    customer: Customer,
    category: str,
    priority: str,
    channel: str,
    subject: str,
    description: str,
    contact: Contact | None = None,
    order=None,
    product: Product | None = None,
    assignee: Person | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
) -> Ticket:
    subject, description = (subject or "").strip(), (description or "").strip()
    required({"category": category, "subject": subject, "description": description})
    _validate_links(customer, contact=contact, order=order, product=product)
    _check_agent(assignee)
    now = timezone.now()
    respond, resolve = sla_hours(priority) if priority in Priority.values else (0, 0)
    ticket = Ticket(
        number=next_number("TK", timezone.localdate().year),
        customer=customer,
        contact=contact,
        order=order,
        product=product,
        category=category,
        priority=priority,
        channel=channel,
        subject=subject,
        description=description,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        opened_at=now,
        response_due_at=now + dt.timedelta(hours=respond),
        resolution_due_at=now + dt.timedelta(hours=resolve),
    )
    validate_fields(ticket, ["category", "priority", "channel", "subject", "reporter_name", "reporter_phone"])
    ticket.assignee = assignee or _pick_agent(
        open_filter=Q(tickets__status__in=OPEN, tickets__deleted_at__isnull=True), related="tickets"
    )
    ticket.save(actor=actor)
    _entry(ticket, TicketEntry.Kind.STATUS, _("Ticket opened."), actor, author_name=reporter_name)
    if ticket.assignee is not None:
        notify(
            users=[ticket.assignee.user],
            kind="ticket_assigned",
            title=_("Ticket %(number)s: %(subject)s") % {"number": ticket.number, "subject": subject},
            body=_("%(customer)s, priority %(priority)s; first response due %(due)s.")
            % {
                "customer": customer,
                "priority": ticket.get_priority_display(),
                "due": timezone.localtime(ticket.response_due_at).strftime("%Y-%m-%d %H:%M"),
            },
            url=_ticket_url(ticket),
        )
    return ticket


@transaction.atomic
def ticket_open(*, actor: User, customer: Customer, **fields) -> Ticket:
    """Customer Service (or the customer's rep) opens a ticket from any channel."""
    customer = get_in_scope(Customer.objects.all(), actor, customer.pk)
    if fields.get("assignee") is not None:
        require(actor, Cap.SERVICE_HANDLE)
    return _open(actor=actor, customer=customer, **fields)


def service_link_create(*, actor: User, customer: Customer) -> str:
    """A new link for the customer's public ticket form; returns the token (shown once)."""
    customer = get_in_scope(Customer.objects.all(), actor, customer.pk)
    token = secrets.token_urlsafe(24)
    ServiceLink.objects.create(customer=customer, token_hash=_hash(token), created_by=actor)
    return token


def service_link_revoke(*, actor: User, customer: Customer) -> int:
    customer = get_in_scope(Customer.objects.all(), actor, customer.pk)
    return ServiceLink.objects.filter(customer=customer, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def customer_for_link(token: str) -> Customer | None:
    link = (
        ServiceLink.objects.filter(token_hash=_hash(token or ""), revoked_at__isnull=True)
        .select_related("customer")
        .first()
    )
    if link is None or link.customer.is_deleted:
        return None
    return link.customer


@transaction.atomic
def ticket_open_public(
    *,
    token: str,
    reporter_name: str,
    reporter_phone: str,
    category: str,
    subject: str,
    description: str,
    order=None,
    product: Product | None = None,
) -> Ticket:
    """The customer reports a problem through their link, without logging in."""
    customer = customer_for_link(token)
    if customer is None:
        raise ApplicationError(_("This link is not valid any more."), code="invalid_link", status=404)
    required(
        {"reporter_name": (reporter_name or "").strip(), "reporter_phone": (reporter_phone or "").strip()}
    )
    return _open(
        actor=None,
        customer=customer,
        category=category,
        priority=Priority.NORMAL,
        channel=Ticket.Channel.PUBLIC_FORM,
        subject=subject,
        description=description,
        order=order,
        product=product,
        reporter_name=reporter_name.strip()[:100],
        reporter_phone=reporter_phone.strip()[:32],
    )


def _get_ticket(actor, ticket, *, lock: bool = True) -> Ticket:
    queryset = Ticket.objects.select_related("customer", "assignee")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return get_in_scope(queryset, actor, ticket.pk)


@transaction.atomic
def ticket_assign(*, actor: User, ticket: Ticket, assignee: Person, version: int | None = None) -> Ticket:
    require(actor, Cap.SERVICE_HANDLE)
    ticket = _get_ticket(actor, ticket)
    check_version(ticket, version)
    _check_agent(assignee)
    if ticket.assignee_id == assignee.pk:
        return ticket
    ticket.assignee = assignee
    ticket.save(actor=actor)
    _entry(ticket, TicketEntry.Kind.STATUS, _("Assigned to %(name)s.") % {"name": assignee}, actor)
    notify(
        users=[assignee.user],
        kind="ticket_assigned",
        title=_("Ticket %(number)s: %(subject)s") % {"number": ticket.number, "subject": ticket.subject},
        url=_ticket_url(ticket),
    )
    return ticket


@transaction.atomic
def ticket_log(*, actor: User, ticket: Ticket, kind: str, body: str) -> TicketEntry:
    """Add to the troubleshooting log. The first reply or step is the first response (SLA)."""
    require(actor, Cap.SERVICE_HANDLE)
    ticket = _get_ticket(actor, ticket)
    allowed = (
        TicketEntry.Kind.NOTE,
        TicketEntry.Kind.REPLY,
        TicketEntry.Kind.CUSTOMER,
        TicketEntry.Kind.ACTION,
    )
    if kind not in allowed:
        raise ApplicationError(
            _("Choose a note, a reply, a customer message or a troubleshooting step."),
            code="invalid",
            fields={"kind": _("Not a log entry kind.")},
        )
    body = (body or "").strip()
    required({"body": body})
    if not ticket.is_open:
        raise ApplicationError(
            _("The ticket is resolved; reopen it to add to the log."), code="invalid_status"
        )
    entry = _entry(ticket, kind, body[:10000], actor)
    changed = False
    if kind in (TicketEntry.Kind.REPLY, TicketEntry.Kind.ACTION) and ticket.first_response_at is None:
        ticket.first_response_at = entry.at
        changed = True
    if ticket.status == Ticket.Status.NEW and kind != TicketEntry.Kind.NOTE:
        ticket.status = Ticket.Status.IN_PROGRESS
        changed = True
    if kind == TicketEntry.Kind.CUSTOMER and ticket.status == Ticket.Status.WAITING:
        ticket.status = Ticket.Status.IN_PROGRESS
        changed = True
    if changed:
        ticket.save(actor=actor)
    return entry


@transaction.atomic
def ticket_wait(*, actor: User, ticket: Ticket, note: str = "") -> Ticket:
    """The next step is the customer's (a part to send back, a test to run)."""
    require(actor, Cap.SERVICE_HANDLE)
    ticket = _get_ticket(actor, ticket)
    if not ticket.is_open:
        raise ApplicationError(_("The ticket is resolved."), code="invalid_status")
    ticket.status = Ticket.Status.WAITING
    ticket.save(actor=actor)
    _entry(ticket, TicketEntry.Kind.STATUS, note.strip() or _("Waiting for the customer."), actor)
    return ticket


@transaction.atomic
def ticket_escalate(*, actor: User, ticket: Ticket, reason: str, to: Person | None = None) -> Ticket:
    """Raise the ticket one level: to a named person, or to Customer Service's leaders."""
    require(actor, Cap.SERVICE_HANDLE)
    ticket = _get_ticket(actor, ticket)
    reason = (reason or "").strip()
    required({"reason": reason})
    if not ticket.is_open:
        raise ApplicationError(_("The ticket is resolved."), code="invalid_status")
    ticket.escalation_level += 1
    if ticket.priority in (Priority.LOW, Priority.NORMAL):
        ticket.priority = Priority.HIGH
    ticket.save(actor=actor)
    targets = [to] if to is not None else list(service_leaders())
    names = ", ".join(str(p) for p in targets) or _("nobody (no Customer Service leader)")
    _entry(
        ticket,
        TicketEntry.Kind.ESCALATION,
        _("Escalated to level %(level)s (%(to)s): %(reason)s")
        % {"level": ticket.escalation_level, "to": names, "reason": reason},
        actor,
    )
    notify(
        users=[p.user for p in targets],
        kind="ticket_escalated",
        title=_("Escalated ticket %(number)s: %(subject)s")
        % {"number": ticket.number, "subject": ticket.subject},
        body=reason,
        url=_ticket_url(ticket),
    )
    return ticket


def _rating_link(*, customer, agent=None, ticket=None, visit=None, order=None, product=None) -> Rating:
    days = ServicePolicy.current().rating_link_days
    return Rating.objects.create(
        token=secrets.token_urlsafe(24),
        customer=customer,
        ticket=ticket,
        return_visit=visit,
        order=order,
        product=product,
        agent=agent,
        rep=customer.owner,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )


def rating_url(rating: Rating) -> str:
    return reverse("service:rate", args=[rating.token])


@transaction.atomic
def ticket_resolve(*, actor: User, ticket: Ticket, resolution: str) -> Ticket:
    """Resolved: the log gets the resolution, a return visit is planned and the customer is
    asked to rate the service."""
    require(actor, Cap.SERVICE_HANDLE)
    ticket = _get_ticket(actor, ticket)
    resolution = (resolution or "").strip()
    required({"resolution": resolution})
    if not ticket.is_open:
        raise ApplicationError(_("The ticket is already resolved."), code="invalid_status")
    now = timezone.now()
    ticket.status = Ticket.Status.RESOLVED
    ticket.resolution = resolution[:10000]
    ticket.resolved_at = now
    ticket.first_response_at = ticket.first_response_at or now
    ticket.save(actor=actor)
    _entry(ticket, TicketEntry.Kind.RESOLUTION, resolution, actor)
    delay = ServicePolicy.current().visit_after_ticket_days
    _plan_visit(
        customer=ticket.customer,
        contact=ticket.contact,
        reason=ReturnVisit.Reason.TICKET,
        ticket=ticket,
        order=ticket.order,
        due=timezone.localdate() + dt.timedelta(days=delay),
        actor=actor,
    )
    _rating_link(
        customer=ticket.customer,
        agent=ticket.assignee,
        ticket=ticket,
        order=ticket.order,
        product=ticket.product,
    )
    if ticket.customer.owner_id:
        notify(
            users=[ticket.customer.owner.user],
            kind="ticket_resolved",
            title=_("Ticket %(number)s of %(customer)s resolved")
            % {"number": ticket.number, "customer": ticket.customer},
            body=resolution,
            url=_ticket_url(ticket),
            email=False,
        )
    return ticket


@transaction.atomic
def ticket_close(*, actor: User, ticket: Ticket) -> Ticket:
    require(actor, Cap.SERVICE_HANDLE)
    ticket = _get_ticket(actor, ticket)
    if ticket.status != Ticket.Status.RESOLVED:
        raise ApplicationError(_("Only a resolved ticket can be closed."), code="invalid_status")
    ticket.status, ticket.closed_at = Ticket.Status.CLOSED, timezone.now()
    ticket.save(actor=actor)
    _entry(ticket, TicketEntry.Kind.STATUS, _("Ticket closed."), actor)
    return ticket


@transaction.atomic
def ticket_reopen(*, actor: User, ticket: Ticket, reason: str) -> Ticket:
    require(actor, Cap.SERVICE_HANDLE)
    ticket = _get_ticket(actor, ticket)
    reason = (reason or "").strip()
    required({"reason": reason})
    if ticket.is_open:
        return ticket
    ticket.status = Ticket.Status.IN_PROGRESS
    ticket.resolved_at = ticket.closed_at = None
    ticket.save(actor=actor)
    _entry(ticket, TicketEntry.Kind.STATUS, _("Reopened: %(reason)s") % {"reason": reason}, actor)
    return ticket


def _plan_visit(
    *, customer, reason, due, contact=None, ticket=None, order=None, actor=None
) -> ReturnVisit | None:
    exists = ReturnVisit.objects.filter(reason=reason)
    if ticket is not None and exists.filter(ticket=ticket).exists():
        return None
    if ticket is None and order is not None and exists.filter(order=order).exists():
        return None
    visit = ReturnVisit(
        customer=customer,
        contact=contact,
        reason=reason,
        ticket=ticket,
        order=order,
        due_date=due,
        assignee=_pick_agent(
            open_filter=Q(
                return_visits__status=ReturnVisit.Status.PLANNED, return_visits__deleted_at__isnull=True
            ),
            related="return_visits",
        ),
    )
    visit.save(actor=actor)
    return visit


def return_visits_schedule(*, today: dt.date | None = None, horizon_days: int = 60) -> int:
    """Plan a return visit for every order delivered in the last ``horizon_days`` that has none
    (run by the scheduler; safe to run again). Tickets plan theirs when resolved."""
    from salescore.orders.models import Order

    today = today or timezone.localdate()
    delay = ServicePolicy.current().visit_after_delivery_days
    planned = ReturnVisit.all_objects.filter(reason=ReturnVisit.Reason.DELIVERY, order__isnull=False).values(
        "order_id"
    )
    orders = (
        Order.objects.filter(
            delivered_date__isnull=False,
            delivered_date__gte=today - dt.timedelta(days=horizon_days),
            delivered_date__lte=today,
        )
        .exclude(pk__in=planned)
        .select_related("customer", "contact")
    )
    count = 0
    for order in orders:
        with transaction.atomic():
            if _plan_visit(
                customer=order.customer,
                contact=order.contact,
                reason=ReturnVisit.Reason.DELIVERY,
                order=order,
                due=order.delivered_date + dt.timedelta(days=delay),
            ):
                count += 1
    return count


def _score(value, *, low: int, high: int, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise ApplicationError(
            _("Give a score from %(low)s to %(high)s.") % {"low": low, "high": high},
            code="invalid",
            fields={field: _("From %(low)s to %(high)s.") % {"low": low, "high": high}},
        )
    return number


@transaction.atomic
def return_visit_record(
    *,
    actor: User,
    visit: ReturnVisit,
    outcome: str,
    summary: str,
    csat=None,
    nps=None,
    comment: str = "",
    send_link: bool = False,
) -> ReturnVisit:
    """Record the call: it becomes an activity on the customer's timeline; the customer's scores
    are recorded by the agent, or a rating link is made for the customer to answer."""
    from salescore.pipeline import services as pipeline

    require(actor, Cap.SERVICE_HANDLE)
    visit = get_in_scope(
        ReturnVisit.objects.select_for_update(of=("self",)).select_related("customer", "contact"),
        actor,
        visit.pk,
    )
    if visit.status != ReturnVisit.Status.PLANNED:
        raise ApplicationError(_("This return visit was already recorded."), code="invalid_status")
    if outcome not in (ReturnVisit.Status.DONE, ReturnVisit.Status.UNREACHABLE):
        raise ApplicationError(
            _("Say whether the customer was reached."),
            code="invalid",
            fields={"outcome": _("Choose an outcome.")},
        )
    summary = (summary or "").strip()
    required({"summary": summary})
    csat = _score(csat, low=1, high=5, field="csat")
    nps = _score(nps, low=0, high=10, field="nps")
    now = timezone.now()
    activity = pipeline.activity_log(
        actor=actor,
        customer=visit.customer,
        contact=visit.contact,
        channel="phone",
        subject=_("Return visit: %(reason)s") % {"reason": visit.get_reason_display()},
        summary=summary,
        outcome=ReturnVisit.Status(outcome).label,
        occurred_at=now,
    )
    visit.status, visit.done_at, visit.summary, visit.activity = outcome, now, summary[:10000], activity
    visit.save(actor=actor)
    agent = Person.objects.filter(pk=access_for(actor).person_id).first()
    if outcome == ReturnVisit.Status.DONE and (csat is not None or nps is not None):
        rating = _rating_link(customer=visit.customer, agent=agent, visit=visit, order=visit.order)
        rating.source, rating.answered_at, rating.csat, rating.nps = Rating.Source.AGENT, now, csat, nps
        rating.comment = (comment or "").strip()[:5000]
        rating.save(update_fields=["source", "answered_at", "csat", "nps", "comment"])
    elif outcome == ReturnVisit.Status.DONE and send_link:
        _rating_link(customer=visit.customer, agent=agent, visit=visit, order=visit.order)
    return visit


@transaction.atomic
def return_visit_reschedule(
    *, actor: User, visit: ReturnVisit, due_date: dt.date, assignee=None
) -> ReturnVisit:
    require(actor, Cap.SERVICE_HANDLE)
    visit = get_in_scope(ReturnVisit.objects.select_for_update(), actor, visit.pk)
    if visit.status != ReturnVisit.Status.PLANNED:
        raise ApplicationError(_("This return visit was already recorded."), code="invalid_status")
    _check_agent(assignee)
    visit.due_date = due_date
    if assignee is not None:
        visit.assignee = assignee
    visit.save(actor=actor)
    return visit


@transaction.atomic
def rating_answer(*, token: str, csat, nps, comment: str = "") -> Rating:
    """The customer answers through their link: once, before it expires."""
    rating = Rating.objects.select_for_update().filter(token=token or "").first()
    if rating is None:
        raise ApplicationError(_("This link is not valid."), code="invalid_link", status=404)
    if rating.answered_at is not None:
        raise ApplicationError(_("Thank you: this survey was already answered."), code="answered")
    if rating.expires_at < timezone.now():
        raise ApplicationError(_("This survey has closed."), code="expired")
    rating.csat = _score(csat, low=1, high=5, field="csat")
    rating.nps = _score(nps, low=0, high=10, field="nps")
    if rating.csat is None:
        raise ApplicationError(
            _("Please rate your satisfaction."), code="required", fields={"csat": _("Choose 1 to 5.")}
        )
    rating.comment = (comment or "").strip()[:5000]
    rating.answered_at = timezone.now()
    rating.save(update_fields=["csat", "nps", "comment", "answered_at"])
    return rating


def sla_watch(*, now: dt.datetime | None = None) -> int:
    """Warn the agent and Customer Service's leaders once when a ticket misses its first-response
    target and once when it misses its resolution target."""
    now = now or timezone.now()
    leaders = [p.user for p in service_leaders()]
    sent = 0
    open_tickets = Ticket.objects.filter(status__in=OPEN).select_related("assignee__user", "customer")
    late_response = open_tickets.filter(first_response_at__isnull=True, response_due_at__lt=now).exclude(
        breach_warned__contains="response"
    )
    late_resolution = open_tickets.filter(resolution_due_at__lt=now).exclude(
        breach_warned__contains="resolution"
    )
    for kind, queryset, title in (
        ("response", late_response, _("Ticket %(number)s has had no first response in time")),
        ("resolution", late_resolution, _("Ticket %(number)s is past its resolution time")),
    ):
        for ticket in queryset:
            users = leaders + ([ticket.assignee.user] if ticket.assignee_id else [])
            notify(
                users=users,
                kind=f"ticket_sla_{kind}",
                title=title % {"number": ticket.number},
                body=f"{ticket.customer}: {ticket.subject}",
                url=_ticket_url(ticket),
            )
            marks = {m for m in ticket.breach_warned.split(",") if m} | {kind}
            Ticket.objects.filter(pk=ticket.pk).update(breach_warned=",".join(sorted(marks)))
            sent += 1
    return sent


# -- configuration (Sla and ServicePolicy are not AuditedModel: the change is audited here) --------

POLICY_FIELDS = ("visit_after_delivery_days", "visit_after_ticket_days", "rating_link_days")
MAX_HOURS = 24 * 365
MAX_DAYS = 365


def _hours(value, *, field: str, low: int = 1, high: int = MAX_HOURS) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise ApplicationError(
            _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            code="invalid",
            fields={field: _("From %(low)s to %(high)s.") % {"low": low, "high": high}},
        )
    return number


@transaction.atomic
def sla_update(*, actor: User, priority: str, response_hours: int, resolution_hours: int) -> Sla:
    """Set the response and resolution targets of one priority. Tickets already open keep the
    due times they were given."""
    require(actor, Cap.PROCESS_CONFIGURE)
    if priority not in Priority.values:
        raise ApplicationError(
            _("Not a priority."), code="invalid", fields={"priority": _("Choose a priority.")}
        )
    response = _hours(response_hours, field="response_hours")
    resolution = _hours(resolution_hours, field="resolution_hours")
    if resolution < response:
        raise ApplicationError(
            _("The resolution target cannot come before the first response."),
            code="invalid",
            fields={"resolution_hours": _("At least the first-response hours.")},
        )
    row = Sla.objects.select_for_update().filter(priority=priority).first()
    old = (row.response_hours, row.resolution_hours) if row else DEFAULT_SLA[Priority(priority)]
    if row is None:
        row = Sla(priority=priority)
    row.response_hours, row.resolution_hours = response, resolution
    changes = {
        name: {"old": before, "new": after}
        for name, before, after in (
            ("response_hours", old[0], response),
            ("resolution_hours", old[1], resolution),
        )
        if before != after or row.pk is None
    }
    if changes:
        row.save()
        audit_event(obj=row, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return row


@transaction.atomic
def service_policy_update(*, actor: User, **fields) -> ServicePolicy:
    """Change the return-visit delays and how long rating links stay open."""
    require(actor, Cap.PROCESS_CONFIGURE)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    policy = ServicePolicy.objects.select_for_update().get(pk=ServicePolicy.current().pk)
    changes = {}
    for name, value in fields.items():
        low = 1 if name == "rating_link_days" else 0
        number = _hours(value, field=name, low=low, high=MAX_DAYS)
        if getattr(policy, name) != number:
            changes[name] = {"old": getattr(policy, name), "new": number}
            setattr(policy, name, number)
    if changes:
        policy.save(update_fields=list(changes))
        audit_event(obj=policy, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return policy


# -- recycle bin ---------------------------------------------------------------------------------


@transaction.atomic
def ticket_delete(*, actor: User, ticket: Ticket) -> None:
    """A ticket opened by mistake (a duplicate, a test): to the recycle bin with its planned
    return visit."""
    require(actor, Cap.SERVICE_HANDLE)
    ticket = _get_ticket(actor, ticket)
    ticket.soft_delete(actor=actor)
    for visit in ReturnVisit.objects.filter(ticket=ticket, status=ReturnVisit.Status.PLANNED):
        visit.soft_delete(actor=actor)


@transaction.atomic
def ticket_restore(*, actor: User, record: Ticket) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    if record.customer.is_deleted:
        raise ApplicationError(
            _("Restore the customer %(name)s first.") % {"name": record.customer}, code="parent_deleted"
        )
    record.restore(actor=actor)
    for visit in ReturnVisit.all_objects.filter(
        ticket=record, status=ReturnVisit.Status.PLANNED, deleted_at__isnull=False
    ):
        visit.restore(actor=actor)
