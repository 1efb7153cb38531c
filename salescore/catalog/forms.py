"""Page forms. They only parse input; every rule lives in catalog.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salescore.catalog.models import Category, Feature
from salescore.customers.models import Industry, Size


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("sort_order", "code"),
        required=False,
        empty_label=_("All categories"),
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("On sale")), ("inactive", _("Not on sale")), ("all", _("All"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Code, name or description")


class ProductForm(VersionedForm):
    code = forms.CharField(label=_("Product code"), max_length=40)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.order_by("sort_order", "code")
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    # Text, not DecimalField: the service says what is wrong (negative, too many decimals).
    list_price = forms.CharField(label=_("List price"), max_length=24)
    price_floor = forms.CharField(
        label=_("Price floor"),
        max_length=24,
        help_text=_("The lowest price a rep may quote without approval; at most the list price."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    unit = forms.CharField(label=_("Unit"), max_length=16, initial="台")
    features = forms.ModelMultipleChoiceField(
        label=_("Features"),
        queryset=Feature.objects.order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    industries = forms.MultipleChoiceField(
        label=_("Suitable industries"),
        choices=Industry.choices,
        required=False,
        help_text=_("None chosen: suits every industry."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    sizes = forms.MultipleChoiceField(
        label=_("Suitable company sizes"),
        choices=Size.choices,
        required=False,
        help_text=_("None chosen: suits every size."),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    active = forms.BooleanField(label=_("On sale"), required=False, initial=True)


class CategoryForm(VersionedForm):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits, hyphens and underscores.")
    )
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    sort_order = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=100000, initial=0, required=False
    )


class FeatureForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits, hyphens and underscores.")
    )
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
