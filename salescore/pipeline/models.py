"""The standard sales process (R3.1-R3.5): stages with entry criteria, opportunities moving through
them, the needs analysis that feeds the recommendation, the products proposed, the stage scripts,
and every touch with the customer (R3.2)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel
from salescore.core.money import AmountField, CurrencyField
from salescore.customers.models import Channel


class Stage(AuditedModel):
    """A step of the standard process. The list, probabilities and entry criteria are data."""

    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"))
    probability = models.DecimalField(_("win probability (%)"), max_digits=5, decimal_places=2)
    is_won = models.BooleanField(_("won"), default=False)
    is_lost = models.BooleanField(_("lost"), default=False)
    # Keys of pipeline.gates.GATES an opportunity must meet to enter this stage.
    entry_gates = models.JSONField(_("entry criteria"), default=list, blank=True)
    exit_note = models.TextField(_("exit criteria (for people)"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(deleted_at__isnull=True), name="stage_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100), name="stage_probability_range"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "zh-hans").lower().startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


class Opportunity(AuditedModel):
    """商机: a chance to sell to a customer, moving through the stages."""

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    contacts = models.ManyToManyField(
        "customers.Contact", verbose_name=_("contacts"), blank=True, related_name="opportunities"
    )
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    probability = models.DecimalField(_("win probability (%)"), max_digits=5, decimal_places=2)
    amount = AmountField(_("amount"), default=Decimal("0.00"))
    currency = CurrencyField(_("currency"))
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    source = models.CharField(
        _("source channel"), max_length=16, choices=Channel.choices, default=Channel.OTHER
    )
    competitors = models.CharField(_("competitors involved"), max_length=300, blank=True)
    win_reason = models.TextField(_("win reason"), blank=True)
    loss_reason = models.TextField(_("loss reason"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    scope_owner_field = "owner"

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-updated_at", "-id"]
        indexes = [
            # A rep's board: each stage's newest cards of one owner, 30 index entries per stage.
            models.Index(fields=["owner", "stage", "-updated_at", "-id"], name="opp_owner_stage_idx"),
            # A rep's list: their own opportunities newest first (core.pagination.rows reads the
            # scope's parts, this is the owner's).
            # deleted_at included: a rep's count reads the index only (customers, orders alike);
            # the customer too: a rep's search reads their customers from it (customers.search).
            models.Index(
                fields=["owner", "-updated_at", "-id"],
                include=["deleted_at", "customer"],
                name="opp_owner_updated_idx",
            ),
            # The list's default order: its first page reads 25 index entries, not every row.
            models.Index(fields=["-updated_at", "-id"], name="opp_updated_idx"),
            models.Index(fields=["stage", "-updated_at"], name="opp_stage_updated_idx"),
            models.Index(fields=["customer"], name="opp_customer_idx"),
            models.Index(fields=["expected_close_date"], name="opp_close_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="opp_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class StageCount(models.Model):
    """How many live opportunities one owner has in one stage and currency, and their amount: the
    pipeline board's column totals, kept so that a board does not add up millions of rows
    (decision 0015). Derived data, recomputed from the opportunities at any time
    (pipeline.counts), so neither audited nor soft-deleted; read only through pipeline.counts,
    within the reader's scope."""

    owner = models.ForeignKey(
        "org.Person", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    stage = models.ForeignKey(Stage, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    currency = models.CharField(max_length=3)
    count = models.BigIntegerField()
    amount = models.DecimalField(max_digits=24, decimal_places=2)

    class Meta:
        indexes = [
            models.Index(
                fields=["owner", "stage", "currency"],
                include=["count", "amount"],
                name="stagecount_owner_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.stage_id} {self.currency}: {self.count} / {self.amount}"


class StaleOwner(models.Model):
    """An owner whose stage counts a write has changed, recorded by database triggers on the
    opportunities in the writer's own transaction; pipeline.counts recomputes them before counts
    are read. ``owner_id`` None: everyone's. Triggers on SQLite keep one row per owner; on
    PostgreSQL rows may repeat (no unique index, so concurrent writers never wait)."""

    owner_id = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return str(self.owner_id)


class StageChange(models.Model):
    """One move between stages: kept for time-in-stage and conversion, never edited."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(Stage, null=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    seconds_in_previous = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["opportunity", "at"], name="stagechange_opp_idx"),
            models.Index(fields=["to_stage", "at"], name="stagechange_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} -> {self.to_stage_id}"


class NeedsAnalysis(AuditedModel):
    """R3.3: what the customer needs and where it hurts; feeds the recommendation."""

    opportunity = models.OneToOneField(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="needs"
    )
    needs = models.TextField(_("needs"))
    pain_points = models.TextField(_("pain points"), blank=True)
    features = models.ManyToManyField(
        "catalog.Feature", verbose_name=_("required features"), blank=True, related_name="+"
    )
    budget_min = AmountField(_("budget from"), null=True, blank=True)
    budget_max = AmountField(_("budget up to"), null=True, blank=True)
    decision_makers = models.CharField(_("decision makers"), max_length=300, blank=True)
    timeline = models.CharField(_("timeline"), max_length=200, blank=True)
    current_solution = models.TextField(_("current solution"), blank=True)

    scope_via = "opportunity"

    class Meta:
        verbose_name = _("needs analysis")
        verbose_name_plural = _("needs analyses")

    def __str__(self) -> str:
        return str(self.opportunity)


class OpportunityProduct(AuditedModel):
    """A catalogue product proposed for the opportunity (R3.4), with why it was chosen."""

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="products"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    reason = models.CharField(_("why this product"), max_length=500, blank=True)
    score = models.DecimalField(_("match score"), max_digits=5, decimal_places=1, null=True, blank=True)

    scope_via = "opportunity"

    class Meta:
        verbose_name = _("proposed product")
        verbose_name_plural = _("proposed products")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "product"],
                condition=Q(deleted_at__isnull=True),
                name="oppproduct_unique",
            )
        ]

    def __str__(self) -> str:
        return str(self.product)


class Script(AuditedModel):
    """R3.5: the company's standard script (话术) and checklist for a stage, optionally per product."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="scripts"
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("script"))
    checklist = models.TextField(_("checklist (one item a line)"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("script")
        verbose_name_plural = _("scripts")
        ordering = ["stage__sort_order", "product_id", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]


# The names of the triggers that keep Activity.customer_owner (migration 0010): a bulk load pauses
# them (core.bulk.triggers_paused) and writes the column itself.
OWNER_COPY_TRIGGERS = "activity_holder_"


class Activity(AuditedModel):
    """R3.2: every touch with a customer, with its channel; a visit records where and when."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("We reached out")
        INBOUND = "inbound", _("The customer reached us")

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=16, choices=Direction.choices, default=Direction.OUTBOUND
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="activities"
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("by"), on_delete=models.PROTECT, related_name="activities"
    )
    # The customer's owner (None: the public pool), kept by database triggers in the writer's
    # transaction whatever writes the activity or the customer (migration 0010, decision 0018):
    # the scope of an activity is its customer's, and this column lets a list read it by index.
    customer_owner = models.ForeignKey(
        "org.Person",
        null=True,
        editable=False,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    next_step_done = models.BooleanField(_("next step done"), default=False)
    # When the owner was reminded of the next step (once, on its due day).
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Visits: check-in time and place.
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    # The customer's timeline is shared by everyone who may see the customer.
    scope_via = "customer"
    scope_via_owner_field = "customer_owner"  # the customer's owner, kept on the activity
    audit_ignore = AuditedModel.audit_ignore | {"reminded_at", "customer_owner"}

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="activity_customer_idx"),
            models.Index(fields=["-occurred_at", "-id"], name="activity_occurred_idx"),
            models.Index(fields=["opportunity", "-occurred_at"], name="activity_opp_idx"),
            models.Index(fields=["owner", "-occurred_at"], name="activity_owner_idx"),
            # A rep's activities, newest first: those of their customers, then the pool's; with
            # deleted_at, a capped count of them reads the index only (PostgreSQL).
            models.Index(
                fields=["customer_owner", "-occurred_at", "-id"],
                include=["deleted_at"],
                name="activity_holder_idx",
            ),
            # Open next steps only (the "follow-ups due" queue on every rep's home page): a rep's
            # few open ones, not the thousands already done.
            models.Index(
                fields=["owner", "next_step_due"],
                name="activity_open_followup_idx",
                condition=Q(next_step_done=False, next_step_due__isnull=False, deleted_at__isnull=True),
            ),
            # The open follow-ups a rep sees (their customers', the pool's), soonest first.
            models.Index(
                fields=["customer_owner", "next_step_due", "id"],
                name="activity_holder_followup_idx",
                condition=Q(next_step_done=False, next_step_due__isnull=False, deleted_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="activity_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="activity_lng_range",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
