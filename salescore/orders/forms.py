"""Page forms of quotes, approvals, orders and collection. They only parse input; every rule lives
in orders.services (the line editor hands raw rows to services.lines.parse_lines)."""

from __future__ import annotations

import contextlib

from django import forms
from django.utils.translation import gettext_lazy as _

from salescore.catalog.models import Category, Product
from salescore.core.permissions import Cap, Position, access_for
from salescore.core.pickers import use_picker
from salescore.customers.models import Contact, Customer
from salescore.orders.models import Approver, DiscountRule, Order, Payment, PaymentTerms, Quote, Route
from salescore.orders.selectors import DELIVERY_FLAGS, ORDER_ORDERINGS, QUOTE_ORDERINGS
from salescore.org.fields import PersonChoiceField
from salescore.org.models import OrgUnit, Person
from salescore.pipeline.forms import DATE, people_in_scope, visible_customers

QUOTE_SORT_LABELS = {
    "-updated": _("Last update, newest first"),
    "number": _("Number"),
    "-number": _("Number, newest first"),
    "-total": _("Total, largest first"),
    "valid_until": _("Valid until"),
    "customer": _("Customer"),
}
ORDER_SORT_LABELS = {
    "-updated": _("Last update, newest first"),
    "-number": _("Number, newest first"),
    "-total": _("Total, largest first"),
    "promised": _("Promised delivery date"),
    "customer": _("Customer"),
}
DELIVERY_LABELS = {"late": _("Late"), "at_risk": _("At risk")}


def _blank(choices, label):
    return [("", label), *choices]


class _ListFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    owner = PersonChoiceField(
        label=_("Owner"), queryset=Person.objects.none(), required=False, empty_label=_("All owners")
    )
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), required=False, empty_label=_("All customers")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Number or customer")
        self.fields["owner"].queryset = people_in_scope(user)
        self.fields["customer"].queryset = visible_customers(user)
        use_picker(self.fields["customer"], "customer")


class QuoteFilterForm(_ListFilter):
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank(Quote.Status.choices, _("All statuses")), required=False
    )
    order = forms.ChoiceField(
        label=_("Sort"), choices=[(k, QUOTE_SORT_LABELS[k]) for k in QUOTE_ORDERINGS], required=False
    )


class OrderFilterForm(_ListFilter):
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank(Order.Status.choices, _("All statuses")), required=False
    )
    delivery = forms.ChoiceField(
        label=_("Delivery"),
        choices=_blank([(k, DELIVERY_LABELS[k]) for k in DELIVERY_FLAGS], _("Any delivery")),
        required=False,
    )
    team = forms.ModelChoiceField(queryset=OrgUnit.objects.all(), required=False, widget=forms.HiddenInput)
    owing = forms.BooleanField(label=_("Money outstanding"), required=False)
    order = forms.ChoiceField(
        label=_("Sort"), choices=[(k, ORDER_SORT_LABELS[k]) for k in ORDER_ORDERINGS], required=False
    )
    # The orders behind a target's figure (planning): a date range, who is credited, counted only.
    ordered_from = forms.DateField(required=False, widget=forms.HiddenInput)
    ordered_to = forms.DateField(required=False, widget=forms.HiddenInput)
    credited_person = forms.ModelChoiceField(
        queryset=Person.all_objects.all(), required=False, widget=forms.HiddenInput
    )
    credited_unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.all(), required=False, widget=forms.HiddenInput
    )
    counted = forms.BooleanField(required=False, widget=forms.HiddenInput)


# -- line editor ---------------------------------------------------------------------------------

LINE_FIELDS = ("product", "quantity", "discount", "unit_price", "tax_rate", "description")


def lines_from_post(data) -> list[dict]:
    """The editor's rows (parallel lists ``line-<field>``) as raw line dicts for parse_lines; a row
    with neither product nor quantity is an empty row and is left out."""
    columns = {name: data.getlist(f"line-{name}") for name in LINE_FIELDS}
    count = max((len(values) for values in columns.values()), default=0)
    rows = []
    for index in range(count):
        raw = {name: (values[index] if index < len(values) else "") for name, values in columns.items()}
        if not str(raw["product"]).strip() and not str(raw["quantity"]).strip():
            continue
        row = {"product": _int(raw["product"]), "quantity": raw["quantity"].strip()}
        for name in ("discount", "unit_price", "tax_rate"):
            if str(raw[name]).strip():
                row[name] = raw[name].strip()
        # A unit price typed in wins over a discount (pricing.price_line); send only one of them.
        if "unit_price" in row:
            row.pop("discount", None)
        if raw["description"].strip():
            row["description"] = raw["description"].strip()
        rows.append(row)
    return rows


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value or None


def product_choices():
    return list(
        Product.objects.filter(active=True).order_by("code").values_list("pk", "code", "name", "list_price")
    )


# -- quotes --------------------------------------------------------------------------------------


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class QuoteHeaderForm(VersionedForm):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs=DATE))
    terms = forms.CharField(label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer).order_by("name")


class QuoteSubmitForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why this discount"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The approver reads this with the request."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class DecideForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# -- orders --------------------------------------------------------------------------------------


class OrderNewForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    owner = PersonChoiceField(
        label=_("Owner"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("Empty: the customer's owner."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = visible_customers(user)
        use_picker(self.fields["customer"], "customer")
        if access_for(user).can(Cap.ORDERS_PROCESS):
            # The order desk books orders for any salesperson (services.order_create agrees).
            self.fields["owner"].queryset = Person.objects.filter(status=Person.Status.ACTIVE).select_related(
                "org_unit"
            )
        else:
            self.fields["owner"].queryset = people_in_scope(user)


class OrderHeaderForm(VersionedForm):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    order_date = forms.DateField(label=_("Order date"), required=False, widget=forms.DateInput(attrs=DATE))
    delivery_address = forms.CharField(label=_("Delivery address"), required=False, max_length=300)
    promised_date = forms.DateField(
        label=_("Promised delivery date"), required=False, widget=forms.DateInput(attrs=DATE)
    )
    payment_terms = forms.ChoiceField(
        label=_("Payment terms"), choices=_blank(PaymentTerms.choices, "—"), required=False
    )
    customer_po = forms.CharField(label=_("Customer's PO number"), required=False, max_length=60)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, order: Order, editable: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer_id=order.customer_id).order_by(
            "name"
        )
        # Only what the order's status still allows (services.orders decides; the form follows).
        for name in list(self.fields):
            if name != "version" and name not in editable:
                del self.fields[name]

    def service_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class ShipmentForm(forms.Form):
    shipped_on = forms.DateField(label=_("Shipped on"), required=False, widget=forms.DateInput(attrs=DATE))
    carrier = forms.CharField(label=_("Carrier"), required=False, max_length=60)
    tracking_no = forms.CharField(label=_("Tracking number"), required=False, max_length=60)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=300)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = []
        for line in lines:
            left = line.quantity - line.shipped_quantity
            if left <= 0:
                continue
            name = f"quantities.{line.pk}"
            self.fields[name] = forms.DecimalField(
                label=str(line.product), required=False, min_value=0, decimal_places=3, max_digits=12
            )
            self.initial.setdefault(name, left.normalize())
            self.lines.append((line, left, name))

    def line_fields(self):
        return [(line, left, self[name]) for line, left, name in self.lines]

    def quantities(self) -> dict:
        return {
            line.pk: self.cleaned_data.get(name) or 0
            for line, _left, name in self.lines
            if self.cleaned_data.get(name)
        }


class DeliverForm(forms.Form):
    delivered_on = forms.DateField(
        label=_("Delivered on"), required=False, widget=forms.DateInput(attrs=DATE)
    )


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2)
    received_on = forms.DateField(label=_("Received on"), required=False, widget=forms.DateInput(attrs=DATE))
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Bank reference"), required=False, max_length=60)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=300)


def plan_from_post(data) -> list[dict]:
    """The plan editor's rows (``plan-due_date`` / ``plan-amount``) for services.payment_plan_set;
    dates that do not parse stay strings, so the service names the row."""
    dates, amounts = data.getlist("plan-due_date"), data.getlist("plan-amount")
    rows = []
    field = forms.DateField()
    for due, amount in zip(dates, amounts, strict=False):
        if not due.strip() and not amount.strip():
            continue
        with contextlib.suppress(forms.ValidationError):
            due = field.clean(due)
        rows.append({"due_date": due, "amount": amount.strip()})
    return rows


# -- configuration -------------------------------------------------------------------------------


class DiscountRuleForm(VersionedForm):
    position = forms.ChoiceField(label=_("Position"), choices=Approver.choices)
    category = forms.ModelChoiceField(
        label=_("Product category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("Every category"),
    )
    customer_tier = forms.ChoiceField(
        label=_("Customer tier"),
        choices=_blank(DiscountRule._meta.get_field("customer_tier").choices, _("Every tier")),
        required=False,
    )
    max_discount = forms.DecimalField(
        label=_("Maximum discount (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )

    def service_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class RouteForm(VersionedForm):
    event = forms.ChoiceField(label=_("Event"), choices=Route.Event.choices)
    position = forms.ChoiceField(label=_("Position"), choices=_blank(Position.choices, "—"), required=False)
    org_unit = forms.ModelChoiceField(
        label=_("Within unit"), queryset=OrgUnit.objects.order_by("path"), required=False
    )
    person = PersonChoiceField(
        label=_("Person"),
        queryset=Person.objects.filter(status=Person.Status.ACTIVE).select_related("org_unit"),
        required=False,
    )
    email = forms.EmailField(label=_("Mailbox"), required=False)
    purpose = forms.CharField(label=_("What they do"), required=False, max_length=120)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class PolicyForm(forms.Form):
    quote_validity_days = forms.IntegerField(label=_("Quotes valid for (days)"), min_value=1, max_value=365)
    late_risk_days = forms.IntegerField(
        label=_("Flag orders not shipped this many days before the promised date"), min_value=0, max_value=90
    )
    remind_before_days = forms.IntegerField(
        label=_("Remind this many days before a payment is due"), min_value=0, max_value=90
    )
    remind_after_days = forms.IntegerField(
        label=_("Remind again every this many days while overdue"), min_value=1, max_value=90
    )
    default_tax_rate = forms.DecimalField(
        label=_("Default tax rate (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )
