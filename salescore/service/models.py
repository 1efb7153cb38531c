"""After-sales service (R3.7): tickets with SLAs and a troubleshooting log, return visits (回访),
and the customer's satisfaction (CSAT 1-5, NPS 0-10)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel
from salescore.core.permissions import Cap


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class Sla(models.Model):
    """Response and resolution targets per priority, in hours (configurable)."""

    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, unique=True)
    response_hours = models.PositiveIntegerField(_("first response within (hours)"))
    resolution_hours = models.PositiveIntegerField(_("resolved within (hours)"))

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        ordering = ["resolution_hours"]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_hours__gt=0, resolution_hours__gte=models.F("response_hours")),
                name="sla_hours_sensible",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.response_hours}h / {self.resolution_hours}h"


class Ticket(AuditedModel):
    """售后工单: one problem a customer reported, from any channel, until it is resolved."""

    class Category(models.TextChoices):
        QUALITY = "quality", _("Product quality")
        INSTALLATION = "installation", _("Installation and commissioning")
        USAGE = "usage", _("Usage question")
        DELIVERY = "delivery", _("Delivery")
        BILLING = "billing", _("Invoice and payment")
        COMPLAINT = "complaint", _("Complaint")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        ONLINE = "online", _("Online platform")
        PUBLIC_FORM = "public_form", _("Customer's web form")
        VISIT = "visit", _("Visit")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting for the customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("ticket number"), max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporter_name = models.CharField(_("reported by"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=32, blank=True)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("sales order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        "org.Person",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    response_due_at = models.DateTimeField(_("first response due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    # When the SLA watch last warned about this ticket ("response" or "resolution"), once each.
    breach_warned = models.CharField(max_length=32, blank=True, editable=False)

    # The customer's owner (and their managers) follow their customers' tickets; Customer
    # Service works on all of them.
    scope_owner_field = "customer__owner"
    scope_all_capability = Cap.SERVICE_HANDLE
    audit_ignore = AuditedModel.audit_ignore | {"breach_warned"}

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "priority", "-opened_at"], name="ticket_status_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["customer", "-opened_at"], name="ticket_customer_idx"),
            models.Index(fields=["resolution_due_at"], name="ticket_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.RESOLVED, self.Status.CLOSED)

    def response_breached(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (self.first_response_at or now) > self.response_due_at

    def resolution_breached(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (self.resolved_at or now) > self.resolution_due_at


class TicketEntry(models.Model):
    """One line of the troubleshooting log: a note, a reply, an action, an escalation."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Internal note")
        REPLY = "reply", _("Reply to the customer")
        CUSTOMER = "customer", _("Message from the customer")
        ACTION = "action", _("Troubleshooting step")
        ESCALATION = "escalation", _("Escalation")
        STATUS = "status", _("Status change")
        RESOLUTION = "resolution", _("Resolution")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    scope_via = "ticket"

    class Meta:
        verbose_name = _("ticket log entry")
        verbose_name_plural = _("ticket log")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticketentry_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class ReturnVisit(AuditedModel):
    """回访: Customer Service calls the customer after a delivery or a closed ticket."""

    class Reason(models.TextChoices):
        DELIVERY = "delivery", _("After delivery")
        TICKET = "ticket", _("After a ticket")
        ROUTINE = "routine", _("Routine care")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        UNREACHABLE = "unreachable", _("Customer unreachable")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="return_visits",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("sales order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_visits",
    )
    due_date = models.DateField(_("due"))
    assignee = models.ForeignKey(
        "org.Person",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_visits",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    summary = models.TextField(_("what the customer said"), blank=True)
    activity = models.ForeignKey(
        "pipeline.Activity", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    scope_owner_field = "customer__owner"
    scope_all_capability = Cap.SERVICE_HANDLE

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="visit_status_due_idx"),
            models.Index(fields=["assignee", "status"], name="visit_assignee_idx"),
        ]
        constraints = [
            # One visit per delivered order and per ticket: the scheduler may run again safely.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(reason="delivery", deleted_at__isnull=True),
                name="visit_one_per_order",
            ),
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(reason="ticket", deleted_at__isnull=True),
                name="visit_one_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.due_date}"


class Rating(models.Model):
    """The customer's satisfaction after a return visit or a ticket: CSAT 1-5 and NPS 0-10.

    Sent as a tokenized link the customer answers without logging in, or recorded by the agent.
    The rep, agent and products are kept as they were then, so reports do not shift later.
    """

    class Source(models.TextChoices):
        LINK = "link", _("Customer's link")
        AGENT = "agent", _("Recorded by the agent")

    token = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="ratings"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    return_visit = models.ForeignKey(
        ReturnVisit, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agent = models.ForeignKey(
        "org.Person",
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rep = models.ForeignKey(
        "org.Person",
        verbose_name=_("sales rep"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.LINK)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("link expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("likely to recommend (0-10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    scope_owner_field = "customer__owner"
    scope_all_capability = Cap.SERVICE_HANDLE

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["answered_at"], name="rating_answered_idx"),
            models.Index(fields=["agent", "answered_at"], name="rating_agent_idx"),
            models.Index(fields=["rep", "answered_at"], name="rating_rep_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5), name="rating_csat"
            ),
            models.CheckConstraint(condition=Q(nps__isnull=True) | Q(nps__lte=10), name="rating_nps"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} CSAT {self.csat} NPS {self.nps}"


class ServiceLink(models.Model):
    """A customer's link to the public ticket form (no login). Only the token's hash is stored."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="service_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer service link")
        verbose_name_plural = _("customer service links")

    def __str__(self) -> str:
        return f"{self.customer_id} link"


class ServicePolicy(models.Model):
    """When return visits are scheduled and how long a rating link stays open."""

    visit_after_delivery_days = models.PositiveSmallIntegerField(
        _("return visit this many days after delivery"), default=7
    )
    visit_after_ticket_days = models.PositiveSmallIntegerField(
        _("return visit this many days after a ticket is resolved"), default=3
    )
    rating_link_days = models.PositiveSmallIntegerField(_("rating links stay open (days)"), default=14)

    class Meta:
        verbose_name = _("service policy")
        verbose_name_plural = _("service policy")

    def __str__(self) -> str:
        return str(_("Service policy"))

    @classmethod
    def current(cls) -> ServicePolicy:
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls.objects.create()
