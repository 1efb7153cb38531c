"""Customers (客户) and their contacts (R3.2, R3.8, R1.4)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel


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
    notes = models.TextField(_("notes"), blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)

    scope_owner_field = "owner"
    audit_ignore = AuditedModel.audit_ignore | {"name_key", "phone_key"}

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
            models.Index(fields=["owner", "-updated_at"], name="customer_owner_updated_idx"),
            models.Index(fields=["tier", "-updated_at"], name="customer_tier_idx"),
            models.Index(fields=["industry"], name="customer_industry_idx"),
            models.Index(fields=["region"], name="customer_region_idx"),
            models.Index(fields=["name"], name="customer_name_idx"),
            models.Index(fields=["email"], name="customer_email_idx"),
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
        ]

    def __str__(self) -> str:
        return self.name
