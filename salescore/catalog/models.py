"""The product catalogue (R3.4): what the company sells, its features, list prices and price floors."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel
from salescore.core.money import AmountField, CurrencyField


class BilingualName(models.Model):
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "zh-hans").lower().startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Category(BilingualName, AuditedModel):
    code = models.SlugField(_("code"), max_length=40)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(deleted_at__isnull=True), name="category_unique_code"
            )
        ]


class Feature(BilingualName):
    """A capability or need a product answers ("high precision", "energy saving"); needs analyses
    pick the same features, which is how recommendations match (R3.3 -> R3.4)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        ordering = ["code"]


class Product(BilingualName, AuditedModel):
    code = models.CharField(_("product code"), max_length=40)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    description = models.TextField(_("description"), blank=True)
    features = models.ManyToManyField(
        Feature, verbose_name=_("features"), blank=True, related_name="products"
    )
    # Which customers it suits: lists of customers.Industry / customers.Size values; empty = any.
    industries = models.JSONField(_("suitable industries"), default=list, blank=True)
    sizes = models.JSONField(_("suitable company sizes"), default=list, blank=True)
    list_price = AmountField(_("list price"), default=Decimal("0.00"))
    price_floor = AmountField(_("price floor"), default=Decimal("0.00"))
    currency = CurrencyField(_("currency"))
    unit = models.CharField(_("unit"), max_length=16, default="台")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["category__sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(deleted_at__isnull=True), name="product_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(price_floor__lte=models.F("list_price")), name="product_floor_below_list"
            ),
            models.CheckConstraint(condition=Q(price_floor__gte=0), name="product_floor_not_negative"),
        ]
        indexes = [models.Index(fields=["active", "category"], name="product_active_idx")]
