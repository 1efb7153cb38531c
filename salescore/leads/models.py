"""Leads (线索, R3.2): who showed interest, through which channel, who must contact them by when."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel
from salescore.core.permissions import Cap
from salescore.customers.models import Channel, Industry


class LeadPolicy(models.Model):
    """How leads are handled; one row (the first), edited by whoever configures the process."""

    first_contact_hours = models.PositiveSmallIntegerField(
        _("first contact within (hours)"),
        default=24,
        help_text=_("A new lead must be contacted this soon (R3.2)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lead policy")
        verbose_name_plural = _("lead policies")

    def __str__(self) -> str:
        return f"{self.first_contact_hours}h"

    @classmethod
    def current(cls) -> LeadPolicy:
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls.objects.create()


class AssignmentRule(AuditedModel):
    """Leads from a region (and optionally a channel) go to a team, round-robin among its reps."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty to match any region."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=Channel.choices,
        blank=True,
        help_text=_("Leave empty to match any channel."),
    )
    team = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("team"), on_delete=models.PROTECT, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first.")
    )
    active = models.BooleanField(_("active"), default=True)
    last_assigned = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    audit_ignore = AuditedModel.audit_ignore | {"last_assigned"}

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class Lead(AuditedModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        QUALIFIED = "qualified", _("Qualified")
        CONVERTED = "converted", _("Converted")
        DISQUALIFIED = "disqualified", _("Disqualified")

    name = models.CharField(_("contact name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_key = models.CharField(max_length=32, editable=False, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,  # lead_campaign_idx below leads with it
    )
    # Where exactly it came from, beyond the channel and campaign (官网表单, 400 热线, a booth).
    # Before campaigns were records this text held the campaign's name; the column keeps its name
    # so existing rows and bulk loaders that write it by column stay valid.
    source_detail = models.CharField(_("source detail"), max_length=120, blank=True, db_column="campaign")
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    interest = models.TextField(_("what they are interested in"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_contact_due = models.DateTimeField(_("first contact due"))
    first_contacted_at = models.DateTimeField(_("first contacted at"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=300, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    opportunity = models.ForeignKey(
        "pipeline.Opportunity",
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )

    scope_owner_field = "owner"
    # Unassigned leads are seen by those who assign them (core.permissions.scope_filter).
    scope_unowned_capability = Cap.LEADS_ASSIGN
    audit_ignore = AuditedModel.audit_ignore | {"phone_key", "overdue_notified_at"}
    # Masked for people who see the lead but do not own it (its owner's managers), like a
    # customer's contacts (R3.8); each reveal is logged.
    private_fields = ("phone", "email", "wechat")

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="lead_owner_status_idx"),
            models.Index(fields=["status", "first_contact_due"], name="lead_due_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
            # The list's default order and its channel filter (a director's list has no owner filter).
            models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
            models.Index(fields=["channel", "-created_at"], name="lead_channel_idx"),
            # The list filtered by campaign, and the campaigns' figures grouped by it.
            models.Index(fields=["campaign", "-created_at"], name="lead_campaign_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.company}" if self.company else self.name

    @property
    def is_overdue(self) -> bool:
        return (
            self.first_contacted_at is None
            and self.status == self.Status.NEW
            and self.first_contact_due < timezone.now()
        )

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.CONTACTED, self.Status.QUALIFIED)


class LeadTouch(models.Model):
    """Each attempt to reach a lead, with its channel (R3.2)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="touches")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey("org.Person", verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    summary = models.CharField(_("summary"), max_length=500)
    reached = models.BooleanField(_("reached the person"), default=True)

    class Meta:
        verbose_name = _("lead touch")
        verbose_name_plural = _("lead touches")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.summary


OPEN_STATUSES = [Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.QUALIFIED]
OPEN_Q = Q(status__in=OPEN_STATUSES)
