"""Marketing campaigns (营销活动, R1.4, R2.2): the trade fairs, online promotion and seminars that
Market Expansion plans and runs, what they cost and the leads they bring in."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel
from salescore.core.money import AmountField, CurrencyField
from salescore.core.permissions import Cap
from salescore.customers.models import Channel


class Campaign(AuditedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=120)
    # The channel its leads arrive through: the same choices as a lead's or a customer's source.
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    budget = AmountField(_("budget"))
    actual_cost = AmountField(
        _("actual cost"), null=True, blank=True, help_text=_("Leave empty until the bills are in.")
    )
    currency = CurrencyField(_("currency"))
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="campaigns"
    )
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    audience = models.TextField(_("target audience"), blank=True)
    description = models.TextField(_("description"), blank=True)
    expected_leads = models.PositiveIntegerField(_("expected leads"), null=True, blank=True)

    # Everyone who sells reads every campaign (its leads reach them all); only the owner and
    # their managers change it (decision 0007: see wide, change narrow).
    scope_owner_field = "owner"
    scope_read_all_capability = (Cap.CAMPAIGNS_VIEW,)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start_date", "-id"]
        indexes = [
            # The list's default order and its filters (status, channel, year by the dates).
            models.Index(fields=["-start_date", "-id"], name="campaign_start_idx"),
            models.Index(fields=["status", "-start_date"], name="campaign_status_idx"),
            models.Index(fields=["channel", "-start_date"], name="campaign_channel_idx"),
        ]
        constraints = [
            # The importer finds a campaign by its name: one live campaign per name.
            models.UniqueConstraint(
                fields=["name"], condition=Q(deleted_at__isnull=True), name="campaign_unique_name"
            ),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="campaign_dates"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(actual_cost__isnull=True) | Q(actual_cost__gte=0),
                name="campaign_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def cost(self):
        """What the campaign costs: the actual cost once known, else the budget (nothing for a
        cancelled campaign whose bills, if any, were never recorded)."""
        if self.actual_cost is not None:
            return self.actual_cost
        return Decimal("0.00") if self.status == self.Status.CANCELLED else self.budget

    @property
    def has_results(self) -> bool:
        """A planned campaign has not run yet: its cost per lead and ROI mean nothing so far."""
        return self.status != self.Status.PLANNED
