"""Customers (客户) and their contacts (R3.2, R3.8, R1.4)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel
from salescore.core.permissions import Cap


class Channel(models.TextChoices):
    """Where a customer or lead came from, and how a touch happens (R3.2)."""

    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    ONLINE = "online", _("Online platform")
    OFFLINE_EVENT = "offline_event", _("Offline event")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Marketing campaign")
    VISIT = "visit", _("Visit")
    OTHER = "other", _("Other")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    AUTOMOTIVE = "automotive", _("Automotive")
    ELECTRONICS = "electronics", _("Electronics")
    ENERGY = "energy", _("Energy and utilities")
    CONSTRUCTION = "construction", _("Construction")
    LOGISTICS = "logistics", _("Logistics")
    RETAIL = "retail", _("Retail and consumer goods")
    FOOD = "food", _("Food and beverage")
    PHARMA = "pharma", _("Pharmaceuticals and healthcare")
    IT = "it", _("Information technology")
    FINANCE = "finance", _("Finance")
    EDUCATION = "education", _("Education")
    GOVERNMENT = "government", _("Government and public sector")
    OTHER = "other", _("Other")


class Size(models.TextChoices):
    MICRO = "micro", _("Fewer than 10 staff")
    SMALL = "small", _("10–99 staff")
    MEDIUM = "medium", _("100–499 staff")
    LARGE = "large", _("500–1,999 staff")
    ENTERPRISE = "enterprise", _("2,000 staff or more")


class Tier(models.TextChoices):
    """Customer grade; drives visit norms (R3.9) and how long a customer may go without follow-up."""

    A = "A", _("A: key account")
    B = "B", _("B: growth account")
    C = "C", _("C: ordinary account")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(AuditedModel):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    # name without legal-form suffix and punctuation, for duplicate search (identity.name_key)
    name_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    size = models.CharField(_("size"), max_length=16, choices=Size.choices, blank=True)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.C)
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    source = models.CharField(
        _("source channel"), max_length=16, choices=Channel.choices, default=Channel.OTHER
    )
    owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_key = models.CharField(max_length=32, editable=False, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    # The prices agreed with this customer (catalog.PriceList); none: the catalogue's list prices.
    price_list = models.ForeignKey(
        "catalog.PriceList",
        verbose_name=_("price list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    notes = models.TextField(_("notes"), blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    # When the current owner took the customer from the public pool: the follow-up clock of the
    # pool sweep starts again then, or a claimed customer would go straight back.
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True, editable=False)
    # When and why the customer last went into the public pool (its latest PoolMove in), kept by
    # triggers on the pool moves whatever writes them (migration 0009, decision 0021), so that the
    # pool page reads its newest entries along an index. None: never in the pool.
    pool_entered_at = models.DateTimeField(_("in the pool since"), null=True, blank=True, editable=False)
    pool_reason = models.CharField(  # noqa: DJ001 - None (never in the pool), as the API has it
        _("reason"), max_length=16, null=True, blank=True, editable=False
    )
    # Set when this customer was merged into another as a duplicate (customers.merge): it is then
    # deleted for good, and its history is shown with the survivor's.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )

    scope_owner_field = "owner"
    # Customers nobody owns are the public pool (公海): those who sell may browse and claim them.
    scope_unowned_capability = Cap.PIPELINE_WORK
    # The order desk enters orders and Customer Service serves every customer (R1.2, R3.6, R3.7):
    # they see them all, with contact data masked like any manager (R3.8), but change only what
    # their own chain of command gives them (services pass to_change=True).
    scope_read_all_capability = (Cap.ORDERS_PROCESS, Cap.SERVICE_HANDLE)
    audit_ignore = AuditedModel.audit_ignore | {
        "name_key",
        "phone_key",
        "owned_since",
        "pool_entered_at",
        "pool_reason",
    }

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=Q(deleted_at__isnull=True) & ~Q(credit_code=""),
                name="customer_unique_credit_code",
            ),
        ]
        indexes = [
            # A rep's list in its order; deleted_at included, so its count reads the index only.
            models.Index(
                fields=["owner", "-updated_at", "-id"],
                include=["deleted_at"],
                name="customer_owner_updated_idx",
            ),
            # The list's default order: its first page reads 25 index entries, not every customer.
            models.Index(fields=["-updated_at", "-id"], name="customer_updated_idx"),
            models.Index(fields=["tier", "-updated_at"], name="customer_tier_idx"),
            models.Index(fields=["industry"], name="customer_industry_idx"),
            models.Index(fields=["region"], name="customer_region_idx"),
            models.Index(fields=["name"], name="customer_name_idx"),
            models.Index(fields=["email"], name="customer_email_idx"),
            # email__iexact (the duplicate check) compares UPPER(email): this index answers it.
            models.Index(Upper("email"), name="customer_email_upper_idx"),
            # The public pool's page reads its newest entries along customer_pool_entered_idx,
            # written per database by migration 0009 (PostgreSQL needs NULLS LAST, which SQLite's
            # CREATE INDEX refuses and its DESC already does).
        ]

    def __str__(self) -> str:
        return self.name


class Contact(AuditedModel):
    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    mobile_key = models.CharField(max_length=32, editable=False, blank=True, db_index=True)
    phone = models.CharField(_("office phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    role = models.CharField(_("decision role"), max_length=16, choices=Role.choices, default=Role.OTHER)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    # A contact is visible exactly when its customer is (core.permissions.scope_filter).
    scope_via = "customer"
    audit_ignore = AuditedModel.audit_ignore | {"mobile_key"}
    # Fields masked for people who see the customer but are not its owner or collaborators.
    private_fields = ("mobile", "phone", "email", "wechat")

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name", "id"]
        indexes = [
            models.Index(fields=["customer", "name"], name="contact_customer_idx"),
            models.Index(fields=["email"], name="contact_email_idx"),
            # email__iexact (the duplicate check) compares UPPER(email): this index answers it.
            models.Index(Upper("email"), name="contact_email_upper_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class PoolPolicy(models.Model):
    """The rules of the public pool (公海); one row (the first), edited by whoever configures the process."""

    days_a = models.PositiveSmallIntegerField(_("tier A: days without follow-up"), default=90)
    days_b = models.PositiveSmallIntegerField(_("tier B: days without follow-up"), default=60)
    days_c = models.PositiveSmallIntegerField(_("tier C: days without follow-up"), default=30)
    max_held = models.PositiveIntegerField(_("customers one person may hold"), default=200)
    daily_claims = models.PositiveSmallIntegerField(_("claims per person per day"), default=10)
    cooldown_days = models.PositiveSmallIntegerField(_("cooldown for the previous owner (days)"), default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pool policy")
        verbose_name_plural = _("pool policies")

    def __str__(self) -> str:
        return f"A{self.days_a}/B{self.days_b}/C{self.days_c}"

    @classmethod
    def current(cls) -> PoolPolicy:
        policy = cls.objects.order_by("pk").first()
        return policy if policy is not None else cls.objects.create()

    def days_for(self, tier: str) -> int:
        return {Tier.A: self.days_a, Tier.B: self.days_b}.get(tier, self.days_c)


# The names of the triggers that keep Customer.pool_entered_at and pool_reason (migration 0009): a
# bulk load pauses them (core.bulk.triggers_paused) and writes the columns itself.
POOL_ENTRY_TRIGGERS = "customer_pool_entry_"


class PoolMove(models.Model):
    """One move of a customer into or out of the public pool, with its reason. Append-only."""

    class Direction(models.TextChoices):
        IN = "in", _("Into the pool")
        OUT = "out", _("Out of the pool")

    class Reason(models.TextChoices):
        NO_FOLLOW_UP = "no_follow_up", _("No follow-up in time")
        RELEASED = "released", _("Released")
        CLAIMED = "claimed", _("Claimed")
        ASSIGNED = "assigned", _("Assigned")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="pool_moves"
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    previous_owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("previous owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    new_owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("new owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        "accounts.User",
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("pool move")
        verbose_name_plural = _("pool moves")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-at"], name="poolmove_customer_idx"),
            models.Index(fields=["new_owner", "reason", "at"], name="poolmove_claims_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.direction} {self.reason}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Pool moves are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Pool moves are append-only.")
