"""Page forms for customers and contacts. They only parse input; every rule lives in services."""

from __future__ import annotations

import re

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salescore.catalog.models import PriceList
from salescore.core.permissions import Cap, access_for, scope_queryset
from salescore.customers.models import Channel, Contact, Customer, Industry, PoolPolicy, Size, Tag, Tier
from salescore.customers.selectors import ORDERINGS
from salescore.org.fields import PersonChoiceField, TreeChoiceField
from salescore.org.models import OrgUnit, Person, Region

ORDER_LABELS = {
    "-updated": _("Last update, newest first"),
    "name": _("Name"),
    "tier": _("Tier"),
    "-created": _("Created, newest first"),
    "-last_contact": _("Last contact, newest first"),
}

_TAG_SEPARATORS = re.compile(r"[,，、;；]")


def split_tags(text: str) -> list[str]:
    """'大客户, 华东，汽车' -> ['大客户', '华东', '汽车']: Chinese and Latin separators both work."""
    return [name.strip() for name in _TAG_SEPARATORS.split(text or "") if name.strip()]


def _regions():
    return Region.objects.order_by("path")


def _blank(choices, label="—"):
    return [("", label), *choices]


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, credit code, phone or email")}
        ),
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=_blank(Tier.choices, _("All tiers")), required=False)
    industry = forms.ChoiceField(
        label=_("Industry"), choices=_blank(Industry.choices, _("All industries")), required=False
    )
    region = TreeChoiceField(
        label=_("Region"), queryset=_regions(), required=False, empty_label=_("All regions")
    )
    owner = PersonChoiceField(
        label=_("Owner"), queryset=Person.objects.none(), required=False, empty_label=_("All owners")
    )
    source = forms.ChoiceField(
        label=_("Source channel"), choices=_blank(Channel.choices, _("All sources")), required=False
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        queryset=Tag.objects.order_by("name"),
        to_field_name="name",
        required=False,
        empty_label=_("All tags"),
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    pool = forms.TypedChoiceField(
        label=_("Public pool"),
        required=False,
        choices=[("", _("Owned customers")), ("1", _("Only the public pool")), ("0", _("Not in the pool"))],
        coerce=lambda value: value == "1",
        empty_value=None,
    )
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # The customers behind a unit's figure (planning): owned by people in this unit or below it.
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.all(), required=False, widget=forms.HiddenInput)
    # The customers on a price list (its page links here); hidden, so the list page costs no query
    # for its choices.
    price_list = forms.ModelChoiceField(
        queryset=PriceList.objects.all(), required=False, widget=forms.HiddenInput
    )
    order = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=[(key, ORDER_LABELS[key]) for key in ORDERINGS]
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end date is before the start date."))
        return data

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Owners to filter by: the people whose customers this user may see (those who left too).
        self.fields["owner"].queryset = (
            scope_queryset(Person.objects.all(), user, include_shared=False)
            .select_related("org_unit")
            .order_by("name", "pk")
        )
        for name in (
            "tier",
            "industry",
            "region",
            "owner",
            "source",
            "tag",
            "mine",
            "pool",
            "created_from",
            "created_to",
            "order",
        ):
            self.fields[name].widget.attrs["data-autosubmit"] = ""


class CustomerForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices, initial=Customer.Kind.COMPANY)
    name = forms.CharField(label=_("Name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=24,
        required=False,
        help_text=_("18 characters, for companies registered in China."),
    )
    industry = forms.ChoiceField(label=_("Industry"), choices=_blank(Industry.choices), required=False)
    size = forms.ChoiceField(label=_("Size"), choices=_blank(Size.choices), required=False)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.C)
    region = TreeChoiceField(label=_("Region"), queryset=_regions(), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    source = forms.ChoiceField(label=_("Source channel"), choices=Channel.choices, initial=Channel.OTHER)
    owner = PersonChoiceField(label=_("Owner"), queryset=Person.objects.none())
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    tags = forms.CharField(
        label=_("Tags"),
        max_length=500,
        required=False,
        help_text=_("Separate tags with commas."),
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    price_list = forms.ModelChoiceField(
        label=_("Price list"),
        queryset=PriceList.objects.order_by("name", "id"),
        required=False,
        empty_label=_("None: the catalogue's list prices"),
        help_text=_("Quotes and orders take their list prices from it while it is active and valid."),
    )

    def __init__(self, *args, user, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The people this user may give customers to (as customers.services checks), and the
        # current owner, who stays selectable even when outside that set.
        assignable = scope_queryset(
            Person.objects.filter(status=Person.Status.ACTIVE), user, include_shared=False
        )
        if customer is not None and customer.owner_id:
            assignable = assignable | Person.objects.filter(pk=customer.owner_id)
        self.fields["owner"].queryset = assignable.select_related("org_unit").order_by("name", "pk")
        if not access_for(user).can(Cap.PROCESS_CONFIGURE):
            # A price list prices below the catalogue without approval: the list keepers assign it.
            self.fields["price_list"].disabled = True
            self.fields["price_list"].help_text = _("Assigned by those who keep the price lists.")
        similar_url = reverse("customers:similar")
        if customer is not None:
            similar_url += f"?exclude={customer.pk}"
        # Similar names are offered while typing, never blocking (customers.selectors.similar_customers).
        self.fields["name"].widget.attrs.update(
            {
                "hx-get": similar_url,
                "hx-trigger": "input changed delay:500ms, change",
                "hx-target": "#similar-customers",
                "hx-swap": "innerHTML",
                "autocomplete": "off",
            }
        )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "kind",
                "name",
                "credit_code",
                "industry",
                "size",
                "tier",
                "region",
                "address",
                "source",
                "owner",
                "phone",
                "email",
                "website",
                "notes",
                "price_list",
            )
        }
        fields["tags"] = split_tags(data["tags"])
        return fields


class ContactForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=32, required=False)
    phone = forms.CharField(label=_("Office phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=64, required=False)
    role = forms.ChoiceField(
        label=_("Decision role"), choices=Contact.Role.choices, initial=Contact.Role.OTHER
    )
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, masked_values: dict[str, str] | None = None, **kwargs):
        """``masked_values``: the private fields this user sees masked. They are left empty here
        (showing them would bypass the logged reveal) and an empty one keeps its value."""
        super().__init__(*args, **kwargs)
        self.masked_fields = set(masked_values or {})
        for name, shown in (masked_values or {}).items():
            field = self.fields[name]
            field.widget.attrs["placeholder"] = shown
            field.help_text = _("Hidden from you. Leave empty to keep the current value.")

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in Contact.private_fields + ("name", "title", "role", "notes")}
        fields["is_primary"] = bool(data["is_primary"])
        for name in self.masked_fields:
            if not fields[name]:
                del fields[name]
        return fields


class CollaboratorForm(forms.Form):
    person = PersonChoiceField(
        label=_("Colleague"), queryset=Person.objects.none(), empty_label=_("Choose a colleague")
    )

    def __init__(self, *args, customer: Customer, exclude_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.filter(status=Person.Status.ACTIVE)
            .exclude(pk__in=[customer.owner_id, *exclude_ids])
            .select_related("org_unit")
            .order_by("org_unit__path", "name", "pk")
        )


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does it go back to the pool?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignFromPoolForm(forms.Form):
    person = PersonChoiceField(
        label=_("Give to"), queryset=Person.objects.none(), empty_label=_("Choose a person")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            scope_queryset(Person.objects.filter(status=Person.Status.ACTIVE), user, include_shared=False)
            .select_related("org_unit")
            .order_by("org_unit__path", "name", "pk")
        )


class PoolPolicyForm(forms.ModelForm):
    class Meta:
        model = PoolPolicy
        fields = ["days_a", "days_b", "days_c", "max_held", "daily_claims", "cooldown_days"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "policy")
        super().__init__(*args, **kwargs)
