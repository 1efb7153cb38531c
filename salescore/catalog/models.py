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


class PriceList(BilingualName, AuditedModel):
    """价格表: the prices agreed for a group of customers (dealers, key accounts), in one currency,
    valid over a period (R2.2 price strategy). A customer on a list that is active and valid on a
    document's date gets its prices as the list price of each line (catalog.selectors.list_prices);
    discounts and discount authority then apply to that price."""

    class Status(models.TextChoices):
        VALID = "valid", _("In force")
        UPCOMING = "upcoming", _("Not yet valid")
        EXPIRED = "expired", _("Expired")
        INACTIVE = "inactive", _("Inactive")

    currency = CurrencyField(_("currency"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(deleted_at__isnull=True), name="price_list_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="price_list_valid_to_after_from",
            ),
        ]
        indexes = [models.Index(fields=["active", "valid_from"], name="price_list_active_idx")]

    def is_valid_on(self, day) -> bool:
        return (
            self.active
            and not self.is_deleted
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )

    def status_on(self, day) -> str:
        if not self.active:
            return self.Status.INACTIVE
        if day < self.valid_from:
            return self.Status.UPCOMING
        if self.valid_to is not None and day > self.valid_to:
            return self.Status.EXPIRED
        return self.Status.VALID


class PriceListItem(models.Model):
    """One product's price on a list. A plain row like a quote's line: the list's History records
    the items replaced as one change (catalog.services.price_list_set_items)."""

    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="price_list_items"
    )
    unit_price = AmountField(_("unit price"))
    # The price applies from this quantity on a line; below it the product's list price does.
    min_quantity = models.DecimalField(
        _("from quantity"), max_digits=12, decimal_places=3, default=Decimal(1)
    )

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        ordering = ["price_list", "product__code"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="price_list_item_unique_product"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="price_list_item_price_positive"),
            models.CheckConstraint(
                condition=Q(min_quantity__gt=0), name="price_list_item_min_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.unit_price}"
