"""Page forms of the sales process. They only parse input; every rule lives in pipeline.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salescore.catalog.models import Feature
from salescore.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from salescore.core.permissions import access_for, scope_queryset
from salescore.core.pickers import use_picker
from salescore.customers.models import Channel, Contact, Customer
from salescore.org.fields import PersonChoiceField
from salescore.org.models import OrgUnit, Person
from salescore.pipeline.models import Activity, Opportunity, Stage
from salescore.pipeline.selectors import OPPORTUNITY_ORDERINGS

ORDER_LABELS = {
    "-updated": _("Last update, newest first"),
    "close_date": _("Expected close date"),
    "-amount": _("Amount, largest first"),
    "stage": _("Stage"),
}
# Every ordering the selector knows, labelled where a label exists.
ORDER_CHOICES = [(key, ORDER_LABELS.get(key, key)) for key in OPPORTUNITY_ORDERINGS]

DATE = {"type": "date"}
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.probability.normalize():f}%)"


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes styled for Bootstrap (rendered by pipeline/_partials/fields.html)."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-check-input", **(attrs or {})})


def people_in_scope(user, *, keep: int | None = None):
    """Active people this user may give records to (as the services check), plus ``keep``."""
    people = scope_queryset(Person.objects.filter(status=Person.Status.ACTIVE), user, include_shared=False)
    if keep:
        people = people | Person.objects.filter(pk=keep)
    return people.select_related("org_unit").order_by("name", "pk")


def visible_customers(user):
    return scope_queryset(Customer.objects.all(), user).order_by("name", "pk")


def _reload_on_change(field, form: str) -> None:
    """Choosing another customer reloads the fields that depend on it (its contacts, opportunities)."""
    field.widget.attrs.update(
        {
            "hx-get": reverse("pipeline:customer_choices") + f"?form={form}",
            "hx-trigger": "change",
            "hx-target": "#customer-dependent",
            "hx-swap": "innerHTML",
        }
    )


def _blank(choices, label="—"):
    return [("", label), *choices]


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# -- filters -----------------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    owner = PersonChoiceField(
        label=_("Owner"), queryset=Person.objects.none(), required=False, empty_label=_("All owners")
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_in_scope(user)
        self.fields["owner"].widget.attrs["data-autosubmit"] = ""
        self.fields["mine"].widget.attrs["data-autosubmit"] = ""

    def owner_for(self, user) -> Person | None:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("mine"):
            person_id = access_for(user).person_id
            # A login without a person owns nothing: an impossible owner lists nothing.
            return Person(pk=person_id or 0)
        return data.get("owner")


class OpportunityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    stage = StageChoiceField(
        label=_("Stage"), queryset=Stage.objects.none(), required=False, empty_label=_("All stages")
    )
    owner = PersonChoiceField(
        label=_("Owner"), queryset=Person.objects.none(), required=False, empty_label=_("All owners")
    )
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput
    )
    open = forms.BooleanField(label=_("Open only"), required=False)
    closing_before = forms.DateField(
        label=_("Closing by"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    order = forms.ChoiceField(label=_("Sort"), choices=ORDER_CHOICES, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name or customer")
        self.fields["stage"].queryset = Stage.objects.filter(active=True).order_by("sort_order")
        self.fields["owner"].queryset = people_in_scope(user)
        self.fields["customer"].queryset = scope_queryset(Customer.objects.all(), user)
        for name in ("stage", "owner", "open", "order"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_blank(Channel.choices, _("All channels")), required=False
    )
    owner = PersonChoiceField(
        label=_("By"), queryset=Person.objects.none(), required=False, empty_label=_("Everyone")
    )
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput
    )
    followups = forms.BooleanField(label=_("Open follow-ups only"), required=False)
    # The home page's "Follow-ups due" opens the list with these (pipeline.selectors.followups_due).
    due = forms.BooleanField(required=False, widget=forms.HiddenInput)
    mine = forms.BooleanField(required=False, widget=forms.HiddenInput)
    occurred_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    occurred_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # The touches behind a unit's figure (planning): made by people in this unit or below it.
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.all(), required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        start, end = data.get("occurred_from"), data.get("occurred_to")
        if start and end and start > end:
            self.add_error("occurred_to", _("The end date is before the start date."))
        return data

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Subject or customer")
        self.fields["owner"].queryset = people_in_scope(user)
        self.fields["customer"].queryset = scope_queryset(Customer.objects.all(), user)
        for name in ("channel", "owner", "followups", "occurred_from", "occurred_to"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""


# -- opportunities -----------------------------------------------------------------------------


class OpportunityForm(VersionedForm):
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), empty_label=_("Choose a customer")
    )
    name = forms.CharField(label=_("Opportunity name"), max_length=200)
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=CheckboxList,
        help_text=_("The customer's people involved. Needed before needs analysis."),
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=0,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        required=False,
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    source = forms.ChoiceField(label=_("Source channel"), choices=Channel.choices, initial=Channel.OTHER)
    competitors = forms.CharField(label=_("Competitors involved"), max_length=300, required=False)
    owner = PersonChoiceField(label=_("Owner"), queryset=Person.objects.none())
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, user, opportunity: Opportunity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].initial = settings.DEFAULT_CURRENCY
        self.fields["customer"].queryset = visible_customers(user)
        use_picker(self.fields["customer"], "customer")
        self.fields["owner"].queryset = people_in_scope(
            user, keep=opportunity.owner_id if opportunity else None
        )
        if opportunity is not None:
            # An opportunity stays with its customer; contacts come from that customer.
            self.fields["customer"].disabled = True
            customer_id = opportunity.customer_id
        else:
            customer_id = self._chosen("customer")
            _reload_on_change(self.fields["customer"], "opportunity")
        self.fields["contacts"].queryset = Contact.objects.filter(customer_id=customer_id or 0).order_by(
            "-is_primary", "name", "pk"
        )

    def _chosen(self, name):
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        value = getattr(value, "pk", value)
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in ("name", "currency", "expected_close_date", "source", "competitors", "owner", "notes")
        }
        fields["currency"] = fields["currency"].upper()
        fields["amount"] = data["amount"] if data["amount"] is not None else 0
        return fields


class MoveForm(forms.Form):
    stage = StageChoiceField(
        label=_("Move to"), queryset=Stage.objects.none(), empty_label=_("Choose a stage")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        help_text=_("Required when the opportunity is lost."),
    )
    # The version the page or board card was rendered with: a move made on a stale copy is refused
    # (someone changed the opportunity meanwhile). Optional, so older pages and scripts still move.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(
        self,
        *args,
        opportunity: Opportunity | None = None,
        active_stages: list[Stage] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if opportunity is not None and not self.is_bound:
            self.fields["version"].initial = opportunity.version
        stages = Stage.objects.filter(active=True).order_by("sort_order")
        if opportunity is not None and not self.is_bound:
            stages = stages.exclude(pk=opportunity.stage_id)
        field = self.fields["stage"]
        field.queryset = stages
        if active_stages is not None and not self.is_bound:
            # The page has read the active stages (selectors.stages()) already: list the same rows
            # from them instead of asking again. A posted form still validates against the query.
            choice = field.iterator(field).choice
            field.choices = [
                ("", field.empty_label),
                *(choice(s) for s in active_stages if opportunity is None or s.pk != opportunity.stage_id),
            ]


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen it?"), max_length=1000)


class NeedsForm(VersionedForm):
    needs = forms.CharField(label=_("Needs"), widget=forms.Textarea(attrs={"rows": 3}))
    pain_points = forms.CharField(
        label=_("Pain points"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    features = forms.ModelMultipleChoiceField(
        label=_("Required features"),
        queryset=Feature.objects.order_by("code"),
        required=False,
        widget=CheckboxList,
        help_text=_("The recommendation matches products on these."),
    )
    budget_min = forms.DecimalField(
        label=_("Budget from"),
        min_value=0,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        required=False,
    )
    budget_max = forms.DecimalField(
        label=_("Budget up to"),
        min_value=0,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        required=False,
    )
    decision_makers = forms.CharField(label=_("Decision makers"), max_length=300, required=False)
    timeline = forms.CharField(label=_("Timeline"), max_length=200, required=False)
    current_solution = forms.CharField(
        label=_("Current solution"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    SERVICE_FIELDS = (
        "needs",
        "pain_points",
        "budget_min",
        "budget_max",
        "decision_makers",
        "timeline",
        "current_solution",
    )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


# -- activities --------------------------------------------------------------------------------


class ActivityForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), empty_label=_("Choose a customer")
    )
    opportunity = forms.ModelChoiceField(
        label=_("Opportunity"), queryset=Opportunity.objects.none(), required=False
    )
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Activity.Direction.choices, initial=Activity.Direction.OUTBOUND
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    outcome = forms.CharField(label=_("Outcome"), max_length=300, required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_step_due = forms.DateField(
        label=_("Next step due"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    location = forms.CharField(
        label=_("Check-in location"),
        max_length=300,
        required=False,
        help_text=_("Visits: where you met the customer."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False
    )

    SERVICE_FIELDS = (
        "channel",
        "direction",
        "occurred_at",
        "subject",
        "summary",
        "outcome",
        "next_step",
        "next_step_due",
        "location",
        "latitude",
        "longitude",
    )
    VISIT_FIELDS = ("location", "latitude", "longitude")

    def __init__(self, *args, user, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if customer is not None:
            # The customer is given by the page (an opportunity's or a customer's): no choice to load.
            self.fields["customer"].queryset = Customer.objects.filter(pk=customer.pk)
            self.fields["customer"].widget = forms.HiddenInput()
            self.initial.setdefault("customer", customer.pk)
            customer_id = customer.pk
        else:
            self.fields["customer"].queryset = visible_customers(user)
            customer_id = self._chosen("customer")
            _reload_on_change(self.fields["customer"], "activity")
            use_picker(self.fields["customer"], "customer")
        self.fields["opportunity"].queryset = (
            scope_queryset(Opportunity.objects.filter(customer_id=customer_id or 0), user)
            .select_related("stage")
            .order_by("-updated_at", "-id")
        )
        self.fields["contact"].queryset = Contact.objects.filter(customer_id=customer_id or 0).order_by(
            "-is_primary", "name", "pk"
        )
        # app.js shows the check-in fields only while the channel is a visit.
        self.fields["channel"].widget.attrs["data-visit-toggle"] = Channel.VISIT

    def _chosen(self, name):
        value = self.data.get(name) if self.is_bound else self.initial.get(name)
        value = getattr(value, "pk", value)
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.SERVICE_FIELDS}
        if data["channel"] != Channel.VISIT:
            for name in self.VISIT_FIELDS:
                fields.pop(name)
        else:
            fields["location"] = fields["location"] or ""
        return fields
