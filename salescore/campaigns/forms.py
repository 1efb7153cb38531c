"""Page forms for campaigns. They only parse input; every rule lives in campaigns.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from salescore.campaigns import selectors
from salescore.campaigns.models import Campaign
from salescore.customers.models import Channel
from salescore.org.fields import PersonChoiceField, TreeChoiceField


def _blank(choices, label="—"):
    return [("", label), *choices]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class CampaignFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Campaign name")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank(Campaign.Status.choices, _("All statuses")), required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_blank(Channel.choices, _("All channels")), required=False
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _blank(
            [(y, str(y)) for y in selectors.campaign_years()], _("All years")
        )
        for name in ("status", "channel", "year"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""

    def filters(self) -> dict:
        # A field with a bad value is left out (its error shows beside it); the others still apply.
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q") or None,
            "status": data.get("status") or None,
            "channel": data.get("channel") or None,
            "year": data.get("year") or None,
        }


class CampaignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), max_length=120)
    channel = forms.ChoiceField(label=_("Channel"), choices=_blank(Channel.choices))
    status = forms.ChoiceField(label=_("Status"), choices=Campaign.Status.choices, initial="planned")
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    budget = forms.DecimalField(label=_("Budget"), max_digits=18, decimal_places=2)
    actual_cost = forms.DecimalField(
        label=_("Actual cost"),
        max_digits=18,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty until the bills are in; the figures use the budget meanwhile."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    expected_leads = forms.IntegerField(label=_("Expected leads"), required=False)
    owner = PersonChoiceField(
        label=_("Owner"), queryset=None, required=False, empty_label=_("Me"), help_text=_("Who runs it.")
    )
    org_unit = TreeChoiceField(
        label=_("Organised by"),
        queryset=None,
        required=False,
        help_text=_("Leave empty for the owner's unit."),
    )
    audience = forms.CharField(
        label=_("Target audience"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    FIELDS = (
        "name",
        "channel",
        "status",
        "start_date",
        "end_date",
        "budget",
        "actual_cost",
        "currency",
        "expected_leads",
        "owner",
        "org_unit",
        "audience",
        "description",
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.owner_choices(user)
        self.fields["org_unit"].queryset = selectors.unit_choices()
        self.fields["currency"].initial = settings.DEFAULT_CURRENCY
        if not editing:
            del self.fields["version"]

    def campaign_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}
