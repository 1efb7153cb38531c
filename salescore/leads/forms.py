"""Page forms for leads. They only parse input; every rule lives in leads.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salescore.campaigns.models import Campaign
from salescore.campaigns.selectors import campaign_choices
from salescore.core.permissions import Cap, access_for, scope_queryset
from salescore.customers.models import Channel, Customer, Industry
from salescore.leads import selectors
from salescore.leads.models import Lead
from salescore.org.fields import PersonChoiceField, TreeChoiceField
from salescore.org.models import OrgUnit, Person, Region


def _blank(choices, label="—"):
    return [("", label), *choices]


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "\u2003" * max(obj.depth - 2, 0) + obj.display_name


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        owner = obj.owner.display_name if obj.owner_id else "—"
        return f"{obj.name} · {owner}"


def _regions():
    return Region.objects.order_by("path")


class LeadFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, company, phone or email")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank(Lead.Status.choices, _("All statuses")), required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_blank(Channel.choices, _("All channels")), required=False
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.none(), required=False, empty_label=_("All campaigns")
    )
    owner = PersonChoiceField(
        label=_("Owner"), queryset=Person.objects.none(), required=False, empty_label=_("All owners")
    )
    open = forms.BooleanField(label=_("Open only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    unassigned = forms.BooleanField(label=_("Unassigned"), required=False)
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Owners to filter by: the people whose leads this user may see (those who left too).
        self.fields["owner"].queryset = (
            scope_queryset(Person.objects.all(), user, include_shared=False)
            .select_related("org_unit")
            .order_by("name", "pk")
        )
        # Every campaign, cancelled and deleted ones aside: the leads of a finished fair are looked up too.
        self.fields["campaign"].queryset = Campaign.objects.order_by("-start_date", "name")
        if not access_for(user).can(Cap.LEADS_ASSIGN):
            del self.fields["unassigned"]
        for name in ("status", "channel", "campaign", "owner", "open", "overdue", "unassigned", "mine"):
            if name in self.fields:
                self.fields[name].widget.attrs["data-autosubmit"] = ""

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q") or None,
            "status": data.get("status") or None,
            "channel": data.get("channel") or None,
            "campaign": data.get("campaign"),
            "owner": data.get("owner"),
            "open_only": bool(data.get("open")),
            "overdue_only": bool(data.get("overdue")),
            "unassigned_only": bool(data.get("unassigned")),
            "mine": bool(data.get("mine")),
        }


class LeadForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Contact name"), max_length=100)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=64, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=_blank(Channel.choices))
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        help_text=_("The trade fair, promotion or seminar the lead came from."),
    )
    source_detail = forms.CharField(
        label=_("Source detail"),
        max_length=120,
        required=False,
        help_text=_("e.g. the web form, the hotline or the booth."),
    )
    region = TreeChoiceField(
        label=_("Region"),
        queryset=_regions(),
        required=False,
        help_text=_("Decides which team the lead goes to."),
    )
    industry = forms.ChoiceField(label=_("Industry"), choices=_blank(Industry.choices), required=False)
    interest = forms.CharField(
        label=_("What they are interested in"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner = PersonChoiceField(
        label=_("Owner"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("By the assignment rules"),
        help_text=_("Leave empty to let the assignment rules choose."),
    )

    FIELDS = (
        "name",
        "company",
        "title",
        "phone",
        "email",
        "wechat",
        "channel",
        "campaign",
        "source_detail",
        "region",
        "industry",
        "interest",
    )

    def __init__(
        self, *args, user, editing: bool = False, masked_values: dict[str, str] | None = None, **kwargs
    ):
        """``masked_values``: the private fields this user sees masked (R3.8). They are left empty
        (showing them would bypass the logged reveal) and an empty one keeps its value."""
        super().__init__(*args, **kwargs)
        # Campaigns that take leads, and the one the lead names now even if it was cancelled since.
        current = self.initial.get("campaign")
        self.fields["campaign"].queryset = campaign_choices(keep=getattr(current, "pk", current))
        self.masked_fields = set(masked_values or {})
        for name, shown in (masked_values or {}).items():
            self.fields[name].widget.attrs["placeholder"] = shown
            self.fields[name].help_text = _("Hidden from you. Leave empty to keep the current value.")
        if editing or not access_for(user).can(Cap.LEADS_ASSIGN):
            del self.fields["owner"]  # assigning an existing lead has its own form
        else:
            self.fields["owner"].queryset = selectors.assignable_people(user)
        if not editing:
            del self.fields["version"]

    def lead_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.FIELDS}
        for name in self.masked_fields:
            if not fields[name]:
                del fields[name]
        return fields


class TouchForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    summary = forms.CharField(label=_("Summary"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    reached = forms.BooleanField(label=_("Reached the person"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "touch")
        super().__init__(*args, **kwargs)


class AssignForm(forms.Form):
    owner = PersonChoiceField(label=_("New owner"), queryset=Person.objects.none())

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.assignable_people(user)


class DisqualifyForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "disqualify")
        super().__init__(*args, **kwargs)


class ConvertForm(forms.Form):
    NEW, EXISTING = "new", "existing"
    target = forms.ChoiceField(
        label=_("Convert into"),
        choices=[(NEW, _("A new customer")), (EXISTING, _("An existing customer"))],
        initial=NEW,
        widget=forms.RadioSelect,
    )
    customer_name = forms.CharField(
        label=_("New customer's name"),
        max_length=200,
        required=False,
        help_text=_("Defaults to the lead's company."),
    )
    customer = CustomerChoiceField(
        label=_("Existing customer"),
        queryset=Customer.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("Customers with the lead's phone, email or company name come first."),
    )
    opportunity_name = forms.CharField(
        label=_("Opportunity name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to name it after the customer and the interest."),
    )
    create_opportunity = forms.BooleanField(label=_("Open an opportunity"), required=False, initial=True)

    def __init__(self, *args, lead: Lead, user, **kwargs):
        kwargs.setdefault("prefix", "convert")
        super().__init__(*args, **kwargs)
        self.fields["customer_name"].initial = lead.company or lead.name
        field = self.fields["customer"]
        # Any customer the user may see is accepted; the list offers the likely ones.
        field.queryset = scope_queryset(Customer.objects.select_related("owner"), user)
        suggestions = selectors.convert_customer_choices(lead, user=user)
        field.choices = [("", "—")] + [(c.pk, field.label_from_instance(c)) for c in suggestions]
        self.suggestions = suggestions

    def clean(self):
        data = super().clean()
        if data.get("target") == self.EXISTING and not data.get("customer"):
            self.add_error("customer", _("Choose the customer."))
        return data


class RuleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), max_length=100)
    region = TreeChoiceField(
        label=_("Region"),
        queryset=_regions(),
        required=False,
        empty_label=_("Any region"),
        help_text=_("A province also matches its cities."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_blank(Channel.choices, _("Any channel")), required=False
    )
    team = UnitChoiceField(label=_("Team"), queryset=OrgUnit.objects.none())
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=32767,
        initial=100,
        help_text=_("Lower numbers are tried first."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = selectors.rule_teams(user)


class PolicyForm(forms.Form):
    first_contact_hours = forms.IntegerField(
        label=_("First contact within (hours)"),
        min_value=1,
        max_value=720,
        help_text=_("A new lead must be contacted this soon (R3.2)."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "policy")
        super().__init__(*args, **kwargs)
