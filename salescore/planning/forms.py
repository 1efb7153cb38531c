"""Page forms of targets, plans and progress reports. They only parse input; every rule lives in
planning.services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salescore.campaigns.models import Campaign
from salescore.catalog.models import Category, PriceList, Product
from salescore.core.permissions import Scope, access_for
from salescore.customers.models import Channel, Industry
from salescore.org.fields import PersonChoiceField
from salescore.org.models import OrgUnit, Person, Region
from salescore.pipeline.forms import DATE, people_in_scope
from salescore.planning.models import Metric, PeriodKind, Plan, PlanStep, ProgressReport, SplitMethod

QUARTER = _("Q%(n)s")


def period_choices(today: dt.date | None = None) -> list[tuple[str, str]]:
    """Last, this and next year, this year's quarters and months: values "kind:YYYY-MM-DD"."""
    year = (today or timezone.localdate()).year
    rows = [(f"year:{y}-01-01", str(y)) for y in (year, year - 1, year + 1)]
    rows += [(f"quarter:{year}-{m:02d}-01", f"{year} Q{(m - 1) // 3 + 1}") for m in (1, 4, 7, 10)]
    rows += [(f"month:{year}-{m:02d}-01", f"{year}-{m:02d}") for m in range(1, 13)]
    return rows


def parse_period(value: str) -> tuple[str, dt.date] | None:
    try:
        kind, start = value.split(":", 1)
        day = dt.date.fromisoformat(start)
    except (AttributeError, ValueError):
        return None
    return (kind, day) if kind in PeriodKind.values else None


def period_value(kind: str, start: dt.date) -> str:
    return f"{kind}:{start.isoformat()}"


class PeriodField(forms.ChoiceField):
    """A period as "kind:start"; any kind and first day is accepted (the service checks it)."""

    def __init__(self, **kwargs):
        super().__init__(choices=period_choices, **kwargs)

    def valid_value(self, value):
        return parse_period(value) is not None

    def clean(self, value):
        value = super().clean(value)
        return parse_period(value) if value else None


def units_in_scope(user):
    """The units whose targets this user may set: all for the director, else their subtree."""
    access = access_for(user)
    units = OrgUnit.objects.exclude(kind=OrgUnit.Kind.TEAM, duty__in=["customer_service", "sales_support"])
    if access.scope != Scope.ALL:
        units = units.filter(path__startswith=access.unit_path or "-")
    return units.order_by("path")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "— " * obj.depth + str(obj.display_name)


class TargetFilterForm(forms.Form):
    period = PeriodField(label=_("Period"), required=False)
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["data-autosubmit"] = ""

    def selected(self) -> tuple[str, dt.date, str]:
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        kind, start = data.get("period") or ("year", dt.date(today.year, 1, 1))
        return kind, start, data.get("metric") or Metric.SALES_AMOUNT


class TargetForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices)
    period = PeriodField(label=_("Period"))
    org_unit = UnitChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("— a person —")
    )
    person = PersonChoiceField(
        label=_("Person"), queryset=Person.objects.none(), required=False, empty_label=_("— a unit —")
    )
    value = forms.DecimalField(label=_("Target"), min_value=0, max_digits=17, decimal_places=2)
    category = forms.ModelChoiceField(
        label=_("Product category (quantity)"),
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label=_("All products"),
    )
    industry = forms.ChoiceField(
        label=_("Industry (market share)"),
        choices=[("", _("Any industry")), *Industry.choices],
        required=False,
    )
    region = forms.ModelChoiceField(
        label=_("Region (market share)"),
        queryset=Region.objects.filter(depth__lte=1).order_by("path"),
        required=False,
        empty_label=_("Any region"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units_in_scope(user)
        self.fields["person"].queryset = people_in_scope(user)


class SplitForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Split"), choices=SplitMethod.choices, widget=forms.RadioSelect, initial=SplitMethod.EQUAL
    )


def split_values(data, owners) -> dict:
    """The manual shares typed in per owner (inputs named value-<pk>)."""
    return {owner.pk: (data.get(f"value-{owner.pk}") or "").strip() for owner in owners}


class ReviseForm(forms.Form):
    new_value = forms.DecimalField(label=_("New target"), min_value=0, max_digits=17, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class DashboardForm(TargetFilterForm):
    bucket = forms.ChoiceField(
        label=_("Trend by"), choices=[("month", _("Month")), ("week", _("Week"))], required=False
    )


class MarketSizeForm(forms.Form):
    industry = forms.ChoiceField(
        label=_("Industry"), choices=[("", _("Any industry")), *Industry.choices], required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.filter(depth__lte=1).order_by("path"),
        required=False,
        empty_label=_("Any region"),
    )
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs=DATE))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs=DATE))
    amount = forms.DecimalField(label=_("Market size"), min_value=0, max_digits=17, decimal_places=2)
    source = forms.CharField(label=_("Source"), required=False, max_length=200)


# -- plans ---------------------------------------------------------------------------------------


class PlanNewForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)


TEXT = {"rows": 3}
# What a plan links to besides text: set through services.plan_update, not as plain fields.
LINKS = ("products", "price_lists", "campaigns")


class PlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    product_strategy = forms.CharField(
        label=_("Product strategy"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    price_strategy = forms.CharField(
        label=_("Price strategy"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    channel_strategy = forms.CharField(
        label=_("Channel strategy"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    promotion_strategy = forms.CharField(
        label=_("Promotion strategy"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    products = forms.ModelMultipleChoiceField(
        label=_("Products"),
        queryset=Product.objects.filter(active=True).order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    price_lists = forms.ModelMultipleChoiceField(
        label=_("Price lists"),
        queryset=PriceList.objects.order_by("name", "id"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    campaigns = forms.ModelMultipleChoiceField(
        label=_("Campaigns"),
        queryset=Campaign.objects.exclude(status=Campaign.Status.CANCELLED).order_by("-start_date", "id"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    industry_trends = forms.CharField(
        label=_("Industry trends"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    demand_changes = forms.CharField(
        label=_("Demand changes"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    competitor_moves = forms.CharField(
        label=_("Competitor moves"), required=False, widget=forms.Textarea(attrs=TEXT)
    )
    headcount = forms.IntegerField(label=_("People"), required=False, min_value=0, max_value=100000)
    budget = forms.DecimalField(
        label=_("Budget"), required=False, min_value=0, max_digits=17, decimal_places=2
    )
    technical_resources = forms.CharField(
        label=_("Technical resources"), required=False, widget=forms.Textarea(attrs=TEXT)
    )

    STRATEGIES = ("product_strategy", "price_strategy", "channel_strategy", "promotion_strategy")
    ENVIRONMENT = ("industry_trends", "demand_changes", "competitor_moves")
    RESOURCES = ("headcount", "budget", "technical_resources")

    @classmethod
    def for_plan(cls, plan: Plan, data=None) -> PlanForm:
        initial = {name: getattr(plan, name) for name in (*cls.STRATEGIES, *cls.ENVIRONMENT, *cls.RESOURCES)}
        initial.update(
            title=plan.title,
            channels=plan.channels,
            products=list(plan.products.all()),
            price_lists=list(plan.price_lists.all()),
            campaigns=list(plan.campaigns.all()),
            version=plan.version,
        )
        return cls(data, initial=initial)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        for name in LINKS:
            data.pop(name, None)
        data["channels"] = list(data.get("channels") or [])
        for name in (*self.STRATEGIES, *self.ENVIRONMENT, "technical_resources"):
            data[name] = data.get(name) or ""
        return data


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step"), max_length=200)
    owner = PersonChoiceField(label=_("Owner"), queryset=Person.objects.none())
    start_date = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs=DATE))
    due_date = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs=DATE))
    status = forms.ChoiceField(
        label=_("Status"), choices=PlanStep.Status.choices, initial=PlanStep.Status.TODO
    )
    depends_on = forms.ModelChoiceField(
        label=_("After"), queryset=PlanStep.objects.none(), required=False, empty_label=_("—")
    )

    def __init__(self, *args, user, plan: Plan, step: PlanStep | None = None, **kwargs):
        if step is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": step.title,
                "owner": step.owner_id,
                "start_date": step.start_date,
                "due_date": step.due_date,
                "status": step.status,
                "depends_on": step.depends_on_id,
            }
            kwargs.setdefault("prefix", f"step{step.pk}")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_in_scope(user, keep=step.owner_id if step else None)
        steps = PlanStep.objects.filter(plan=plan)
        if step is not None:
            steps = steps.exclude(pk=step.pk)
        self.fields["depends_on"].queryset = steps.order_by("sort_order", "id")
        if step is not None:
            # The row's inputs sit in a table cell; they belong to the row's own form.
            for field in self.fields.values():
                field.widget.attrs["form"] = f"step-form-{step.pk}"


class PlanDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return for changes"))])
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# -- reports -------------------------------------------------------------------------------------


class ReportForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    commentary = forms.CharField(
        label=_("Commentary"), required=False, max_length=5000, widget=forms.Textarea(attrs=TEXT)
    )
    problems = forms.CharField(
        label=_("Problems"), required=False, max_length=5000, widget=forms.Textarea(attrs=TEXT)
    )
    help_needed = forms.CharField(
        label=_("Help needed"), required=False, max_length=5000, widget=forms.Textarea(attrs=TEXT)
    )

    @classmethod
    def for_report(cls, report: ProgressReport, data=None) -> ReportForm:
        return cls(
            data,
            initial={
                "version": report.version,
                "commentary": report.commentary,
                "problems": report.problems,
                "help_needed": report.help_needed,
            },
        )


class InboxForm(forms.Form):
    kind = forms.ChoiceField(label=_("Reports"), choices=ProgressReport.Kind.choices, required=False)
    day = forms.DateField(label=_("Period containing"), required=False, widget=forms.DateInput(attrs=DATE))
