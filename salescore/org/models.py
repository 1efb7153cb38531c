"""The organisation (R1.1, R1.2): the unit tree, regions and people.

Trees are stored with a materialised path ("000001/000004/") so a subtree is one indexed
prefix match, which the record scope of every business list relies on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from salescore.core.models import AuditedModel
from salescore.core.permissions import Duty, Position


class BilingualNameMixin(models.Model):
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        language = (get_language() or "zh-hans").lower()
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def __str__(self) -> str:
        return self.display_name


class OrgUnit(BilingualNameMixin, AuditedModel):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        DEPARTMENT = "department", _("Department")
        SECTION = "section", _("Section")
        TEAM = "team", _("Team")

    # A unit may only sit under the kind before it: company > department > section > team.
    ALLOWED_PARENT = {
        Kind.COMPANY: None,
        Kind.DEPARTMENT: Kind.COMPANY,
        Kind.SECTION: Kind.DEPARTMENT,
        Kind.TEAM: Kind.SECTION,
    }

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The section's duty; teams carry their section's duty so a person's work is one join away.
    duty = models.CharField(_("duty"), max_length=32, choices=Duty.choices, blank=True)
    description = models.TextField(_("responsibilities (Chinese)"), blank=True)
    description_en = models.TextField(_("responsibilities (English)"), blank=True)
    head = models.ForeignKey(
        "org.Person",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=Q(deleted_at__isnull=True),
                name="orgunit_unique_name_per_parent",
            ),
        ]

    audit_ignore = AuditedModel.audit_ignore | {"path", "depth"}

    @property
    def display_description(self) -> str:
        language = (get_language() or "zh-hans").lower()
        if language.startswith("en") and self.description_en:
            return self.description_en
        return self.description


class Region(BilingualNameMixin, AuditedModel):
    """Sales regions (territories): country > province > city, seeded with China's provinces."""

    class Level(models.TextChoices):
        COUNTRY = "country", _("Country")
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")

    ALLOWED_PARENT = {Level.COUNTRY: None, Level.PROVINCE: Level.COUNTRY, Level.CITY: Level.PROVINCE}

    code = models.CharField(_("code"), max_length=12)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(deleted_at__isnull=True), name="region_unique_code"
            ),
        ]

    audit_ignore = AuditedModel.audit_ignore | {"path", "depth"}


class Person(AuditedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Left")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.PROTECT,
        related_name="person",
    )
    employee_no = models.CharField(_("employee number"), max_length=32)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    hire_date = models.DateField(_("hire date"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    left_date = models.DateField(_("leaving date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), blank=True, related_name="people")

    # A person "owns" their own record: a rep sees themselves, a lead their team.
    scope_owner_field = "pk"

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["employee_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee_no"],
                condition=Q(deleted_at__isnull=True),
                name="person_unique_employee_no",
            ),
        ]
        indexes = [
            models.Index(fields=["org_unit", "status"], name="person_unit_status_idx"),
            models.Index(fields=["position"], name="person_position_idx"),
            models.Index(fields=["name"], name="person_name_idx"),
        ]

    @property
    def display_name(self) -> str:
        language = (get_language() or "zh-hans").lower()
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def __str__(self) -> str:
        return self.display_name
