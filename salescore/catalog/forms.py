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


# -- price lists ---------------------------------------------------------------------------------

DATE = {"type": "date"}
ITEM_FIELDS = ("product", "unit_price", "min_quantity")


class PriceListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("valid", _("In force")),
            ("upcoming", _("Not yet valid")),
            ("expired", _("Expired")),
            ("inactive", _("Inactive")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name or notes")


class PriceListForm(VersionedForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        initial="CNY",
        help_text=_("Every product on the list must be priced in this currency."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs=DATE))
    valid_to = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs=DATE),
        help_text=_("Empty: until further notice."),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive list prices nothing; its customers get the catalogue's list prices."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key] for key in ("name", "name_en", "currency", "valid_from", "valid_to", "notes")
        } | {"active": bool(data["active"])}


def item_rows_from_post(data) -> list[dict]:
    """The item editor's rows (parallel lists ``item-<field>``), empty rows included."""
    columns = {name: data.getlist(f"item-{name}") for name in ITEM_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    return [
        {name: (values[index] if index < len(values) else "").strip() for name, values in columns.items()}
        for index in range(count)
    ]


def row_is_filled(row: dict) -> bool:
    return bool(str(row.get("product") or "").strip() or str(row.get("unit_price") or "").strip())


def items_from_rows(rows) -> list[dict]:
    """Editor rows as the raw items catalog.services takes; a row with neither product nor price
    is an empty row and is left out (the service counts the rows that are left: ``items.3``)."""
    items = []
    for row in rows:
        if not row_is_filled(row):
            continue
        product = str(row.get("product") or "").strip()
        item = {"product": int(product) if product.isdigit() else (product or None)}
        item["unit_price"] = str(row.get("unit_price") or "").strip()
        if str(row.get("min_quantity") or "").strip():
            item["min_quantity"] = str(row["min_quantity"]).strip()
        items.append(item)
    return items
