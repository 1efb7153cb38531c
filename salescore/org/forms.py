"""Page forms. They only parse input; every rule lives in org.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salescore.core.permissions import Duty, Position
from salescore.org.models import OrgUnit, Person, Region


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OrgUnitForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgUnit.Kind.choices)
    parent = forms.ModelChoiceField(label=_("Parent unit"), queryset=OrgUnit.objects.all(), required=False)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    duty = forms.ChoiceField(
        label=_("Duty"),
        choices=[("", "—"), *Duty.choices],
        required=False,
        help_text=_("Sections only: decides what their people may do and which queues they see."),
    )
    head = forms.ModelChoiceField(
        label=_("Head"), queryset=Person.objects.filter(status=Person.Status.ACTIVE), required=False
    )
    description = forms.CharField(
        label=_("Responsibilities (Chinese)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    description_en = forms.CharField(
        label=_("Responsibilities (English)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    sort_order = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=100000, initial=0, required=False
    )


class PersonForm(VersionedForm):
    employee_no = forms.CharField(label=_("Employee number"), max_length=32)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)
    org_unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.order_by("path"))
    manager = forms.ModelChoiceField(
        label=_("Manager"), queryset=Person.objects.filter(status=Person.Status.ACTIVE), required=False
    )
    hire_date = forms.DateField(label=_("Hire date"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=Person.Status.choices, initial=Person.Status.ACTIVE)
    left_date = forms.DateField(
        label=_("Leaving date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.order_by("path"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


class PersonCreateForm(PersonForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        help_text=_("At least 10 characters, letters with a digit or symbol; not a common password."),
    )

    field_order = ["username", "password"]


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    org_unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.order_by("path"), required=False
    )
    position = forms.ChoiceField(
        label=_("Position"), choices=[("", _("All positions")), *Position.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Person.Status.choices], required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("path"), required=False
    )
    no_region = forms.BooleanField(label=_("Without region"), required=False)
    leaving = forms.IntegerField(required=False, min_value=0, max_value=3650, widget=forms.HiddenInput)
    order = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("employee_no", _("Employee number")),
            ("name", _("Name")),
            ("unit", _("Unit")),
            ("hire_date", _("Hire date, oldest first")),
            ("-hire_date", _("Hire date, newest first")),
        ],
    )


class RegionForm(VersionedForm):
    code = forms.CharField(label=_("Code"), max_length=12)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=Region.Level.choices)
    parent = forms.ModelChoiceField(
        label=_("Parent region"), queryset=Region.objects.order_by("path"), required=False
    )
