"""Targets and plans (R2): cascading multi-metric targets, plans with four strategies, progress
reports, revisions with history, and the market sizes market share is measured against."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel
from salescore.core.money import AmountField, CurrencyField


class Metric(models.TextChoices):
    """What a target measures. How each is computed lives in planning.metrics, and only there."""

    SALES_AMOUNT = "sales_amount", _("Sales amount (orders)")
    COLLECTED_AMOUNT = "collected_amount", _("Collected amount (payments)")
    SALES_QUANTITY = "sales_quantity", _("Sales quantity (units)")
    NEW_CUSTOMERS = "new_customers", _("New customers")
    MARKET_SHARE = "market_share", _("Market share (%)")
    VISITS = "visits", _("Customer visits")
    CALLS = "calls", _("Calls")


MONEY_METRICS = frozenset({Metric.SALES_AMOUNT, Metric.COLLECTED_AMOUNT})


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


class SplitMethod(models.TextChoices):
    EQUAL = "equal", _("Equal shares")
    LAST_PERIOD = "last_period", _("By last period's share")
    MANUAL = "manual", _("By hand")


class Target(AuditedModel):
    """One figure to reach: a metric over a period for a unit (company, department, section,
    team) or a person. Children split their parent's figure (R2.1 cascade)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    metric = models.CharField(_("metric"), max_length=24, choices=Metric.choices)
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    org_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("split from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    # The value as first set; revisions change ``value`` and keep this (R2.5).
    original_value = models.DecimalField(_("original target"), max_digits=18, decimal_places=2)
    currency = CurrencyField(_("currency"))
    # Optional narrowing: units of one product category; market share of one industry and region.
    category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    industry = models.CharField(_("industry"), max_length=32, blank=True)
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    split_method = models.CharField(_("split"), max_length=16, choices=SplitMethod.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("notes"), blank=True)
    # Early warning (R2.4): set while the pace gap is past the threshold, so each crossing warns once.
    warning_since = models.DateTimeField(_("lagging since"), null=True, blank=True, editable=False)

    scope_owner_field = "person"
    scope_unit_field = "org_unit"
    audit_ignore = AuditedModel.audit_ignore | {"warning_since"}

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["period_start", "metric", "org_unit__path", "person__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(org_unit__isnull=False) & Q(person__isnull=True))
                | (Q(org_unit__isnull=True) & Q(person__isnull=False)),
                name="target_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="target_period"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
            # Empty owner, category or region count as one value (Coalesce), so the cell is
            # unique on SQLite too, which has no NULLS NOT DISTINCT.
            models.UniqueConstraint(
                "metric",
                "period_start",
                "period_end",
                Coalesce("org_unit", 0),
                Coalesce("person", 0),
                Coalesce("category", 0),
                "industry",
                Coalesce("region", 0),
                condition=Q(deleted_at__isnull=True),
                name="target_unique_cell",
            ),
        ]
        indexes = [
            models.Index(fields=["period_start", "period_end"], name="target_period_idx"),
            models.Index(fields=["parent"], name="target_parent_idx"),
            models.Index(fields=["person", "period_start"], name="target_person_idx"),
            models.Index(fields=["org_unit", "period_start"], name="target_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_name} {self.get_metric_display()} {self.period_label}"

    @property
    def owner(self):
        return self.person if self.person_id else self.org_unit

    @property
    def owner_name(self) -> str:
        owner = self.owner
        return getattr(owner, "display_name", None) or str(owner)

    @property
    def period_label(self) -> str:
        start = self.period_start
        if self.period_kind == PeriodKind.YEAR:
            return f"{start.year}"
        if self.period_kind == PeriodKind.QUARTER:
            return f"{start.year} Q{(start.month - 1) // 3 + 1}"
        return f"{start.year}-{start.month:02d}"

    @property
    def is_money(self) -> bool:
        return self.metric in MONEY_METRICS

    @property
    def revised(self) -> bool:
        return self.value != self.original_value


class TargetRevision(models.Model):
    """A change of a target during its period: who asked, who approved, why (R2.5)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="revisions")
    old_value = models.DecimalField(_("old value"), max_digits=18, decimal_places=2)
    new_value = models.DecimalField(_("new value"), max_digits=18, decimal_places=2)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    scope_via = "target"

    class Meta:
        verbose_name = _("target revision")
        verbose_name_plural = _("target revisions")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target"], condition=Q(status="pending"), name="revision_one_pending_per_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.old_value} -> {self.new_value}"


class MarketSize(AuditedModel):
    """The size of a market segment (an industry, a region, a period), entered by Market
    Expansion (R1.4); market-share targets divide our sales by it."""

    industry = models.CharField(_("industry"), max_length=32, blank=True)
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    amount = AmountField(_("market size"))
    currency = CurrencyField(_("currency"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("market size")
        verbose_name_plural = _("market sizes")
        ordering = ["-period_start", "industry"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="marketsize_positive"),
            models.UniqueConstraint(
                "industry",
                Coalesce("region", 0),
                "period_start",
                "period_end",
                condition=Q(deleted_at__isnull=True),
                name="marketsize_unique_segment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.industry or '*'} {self.region_id or '*'} {self.period_start}: {self.amount}"


class Plan(AuditedModel):
    """销售计划: how a target is to be reached (R2.2) and with what (R2.3)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Returned for changes")

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.PROTECT, related_name="plans"
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="plans"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # The four strategies (R2.2)
    product_strategy = models.TextField(_("product strategy"), blank=True)
    price_strategy = models.TextField(_("price strategy"), blank=True)
    channel_strategy = models.TextField(_("channel strategy"), blank=True)
    promotion_strategy = models.TextField(_("promotion strategy"), blank=True)
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products"), blank=True, related_name="plans"
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    price_lists = models.ManyToManyField(
        "catalog.PriceList", verbose_name=_("price lists"), blank=True, related_name="plans"
    )
    campaigns = models.ManyToManyField(
        "campaigns.Campaign", verbose_name=_("campaigns"), blank=True, related_name="plans"
    )
    # Inputs (R2.3): the market environment and the internal resources
    industry_trends = models.TextField(_("industry trends"), blank=True)
    demand_changes = models.TextField(_("demand changes"), blank=True)
    competitor_moves = models.TextField(_("competitor moves"), blank=True)
    headcount = models.PositiveIntegerField(_("people"), null=True, blank=True)
    budget = AmountField(_("budget"), null=True, blank=True)
    currency = CurrencyField(_("currency"))
    technical_resources = models.TextField(_("technical resources"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)

    scope_owner_field = "owner"

    class Meta:
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["target"], name="plan_target_idx"),
            models.Index(fields=["owner", "status"], name="plan_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class PlanStep(AuditedModel):
    """One step of a plan: an owner, dates, a status and the step it waits for."""

    class Status(models.TextChoices):
        TODO = "todo", _("Not started")
        DOING = "doing", _("In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(_("step"), max_length=200)
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="plan_steps"
    )
    start_date = models.DateField(_("start"))
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.TODO)
    depends_on = models.ForeignKey(
        "self",
        verbose_name=_("after"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependents",
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    scope_via = "plan"

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["sort_order", "start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(due_date__gte=models.F("start_date")), name="planstep_dates"),
        ]

    def __str__(self) -> str:
        return self.title


class ProgressReport(AuditedModel):
    """A team lead's weekly or monthly report to Sales Management (R2.4): the figures are filled
    in from live data when it is created; commentary, problems and help needed are the author's."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    org_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    author = models.ForeignKey(
        "org.Person", verbose_name=_("author"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    due_date = models.DateField(_("due"))
    figures = models.JSONField(_("figures"), default=list, blank=True)
    commentary = models.TextField(_("commentary"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    help_needed = models.TextField(_("help needed"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    scope_owner_field = "author"
    scope_unit_field = "org_unit"

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-period_start", "org_unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "org_unit", "period_start"],
                condition=Q(deleted_at__isnull=True),
                name="report_one_per_unit_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.get_kind_display()} {self.period_start}"

    @property
    def late(self) -> bool:
        done = self.submitted_at.date() if self.submitted_at else timezone.localdate()
        return done > self.due_date


class PlanningPolicy(models.Model):
    """Tolerances and thresholds of target management (one row)."""

    reconcile_tolerance = models.DecimalField(
        _("children may differ from their parent by (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.5"),
    )
    warning_gap = models.DecimalField(
        _("warn when attainment trails time elapsed by (points)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
    )
    weekly_report_due_days = models.PositiveSmallIntegerField(
        _("weekly reports due this many days after the week"), default=1
    )
    monthly_report_due_days = models.PositiveSmallIntegerField(
        _("monthly reports due this many days after the month"), default=3
    )

    class Meta:
        verbose_name = _("planning policy")
        verbose_name_plural = _("planning policy")

    def __str__(self) -> str:
        return str(_("Planning policy"))

    @classmethod
    def current(cls) -> PlanningPolicy:
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls.objects.create()


class DailyFigure(models.Model):
    """A metric's figure for one credited person on one local day: what planning.metrics counts
    live, kept so that a year adds up from a few hundred thousand rows (decision 0013); also the
    weighted open pipeline by expected close date. Derived
    data, rebuilt from the records at any time (planning.figures), so neither audited nor
    soft-deleted. ``person`` is None where the live figure has no one to credit."""

    metric = models.CharField(max_length=24)  # a Metric, or figures.PIPELINE
    day = models.DateField()
    person = models.ForeignKey(
        "org.Person", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    value = models.DecimalField(max_digits=24, decimal_places=6)

    class Meta:
        indexes = [
            models.Index(
                fields=["metric", "day", "person"], include=["value"], name="dailyfigure_metric_day"
            ),
            models.Index(fields=["person", "metric", "day"], include=["value"], name="dailyfigure_person"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.day} {self.person_id}: {self.value}"


class StaleDay(models.Model):
    """A day whose figures a write has changed, recorded by database triggers on the source
    tables in the writer's own transaction; planning.figures recomputes it before figures are
    read. ``day`` None: every day of the source. Triggers on SQLite keep one row per (source,
    day); on PostgreSQL rows may repeat (no unique index, so concurrent writers never wait)."""

    source = models.CharField(max_length=16)
    day = models.DateField(null=True)

    def __str__(self) -> str:
        return f"{self.source} {self.day}"
