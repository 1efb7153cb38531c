"""Page forms of after-sales service. They only parse input; every rule lives in service.services."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salescore.catalog.models import Product
from salescore.core.permissions import Cap, access_for, scope_queryset
from salescore.core.pickers import use_picker
from salescore.customers.models import Contact
from salescore.org.fields import PersonChoiceField
from salescore.org.models import Person
from salescore.pipeline.forms import visible_customers
from salescore.service.models import Priority, ReturnVisit, Ticket, TicketEntry
from salescore.service.services import POLICY_FIELDS, service_people

DATE = {"type": "date"}
LOG_KINDS = [
    (TicketEntry.Kind.REPLY, TicketEntry.Kind.REPLY.label),
    (TicketEntry.Kind.ACTION, TicketEntry.Kind.ACTION.label),
    (TicketEntry.Kind.CUSTOMER, TicketEntry.Kind.CUSTOMER.label),
    (TicketEntry.Kind.NOTE, TicketEntry.Kind.NOTE.label),
]
BREACHED = [
    ("", _("Any")),
    ("any", _("Any target missed")),
    ("response", _("First response missed")),
    ("resolution", _("Resolution missed")),
]
DUE = [
    ("", _("Any")),
    ("overdue", _("Overdue")),
    ("today", _("Due today")),
    ("due", _("Due today or overdue")),
    ("upcoming", _("Upcoming")),
]


def _blank(choices, label="—"):
    return [("", label), *choices]


def agents():
    return service_people().select_related("org_unit").order_by("name", "pk")


def products():
    return Product.objects.order_by("code", "pk")


# -- tickets -------------------------------------------------------------------------------------


class TicketFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    assignee = PersonChoiceField(label=_("Assigned to"), required=False, queryset=Person.objects.none())
    breached = forms.ChoiceField(label=_("SLA"), required=False, choices=BREACHED)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _blank([("open", _("Open")), *Ticket.Status.choices], _("Any"))
        self.fields["priority"].choices = _blank(Priority.choices, _("Any"))
        self.fields["assignee"].queryset = agents()


class TicketForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    order = forms.ModelChoiceField(label=_("Sales order"), queryset=None, required=False)
    product = forms.ModelChoiceField(label=_("Product"), queryset=None, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Ticket.Category.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[c for c in Ticket.Channel.choices if c[0] != Ticket.Channel.PUBLIC_FORM],
        initial=Ticket.Channel.PHONE,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    reporter_name = forms.CharField(label=_("Reported by"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("Reporter's phone"), max_length=32, required=False)
    assignee = PersonChoiceField(
        label=_("Assign to"),
        required=False,
        queryset=Person.objects.none(),
        help_text=_("Leave empty: the agent with the fewest open tickets gets it."),
    )

    SERVICE_FIELDS = (
        "contact",
        "order",
        "product",
        "category",
        "priority",
        "channel",
        "subject",
        "description",
        "reporter_name",
        "reporter_phone",
        "assignee",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from salescore.orders.models import Order

        self.fields["customer"].queryset = visible_customers(user)
        use_picker(self.fields["customer"], "customer")
        self.fields["customer"].widget.attrs.update(
            {
                "hx-get": reverse("service:customer_choices"),
                "hx-trigger": "change",
                "hx-target": "#customer-dependent",
                "hx-swap": "innerHTML",
            }
        )
        self.fields["product"].queryset = products()
        customer_id = self.data.get("customer") or self.initial.get("customer")
        try:
            customer_id = int(customer_id) if customer_id else None
        except (TypeError, ValueError):
            customer_id = None
        self.fields["contact"].queryset = Contact.objects.filter(customer_id=customer_id).order_by("name")
        self.fields["order"].queryset = scope_queryset(
            Order.objects.filter(customer_id=customer_id).exclude(number=""), user
        ).order_by("-order_date", "-id")
        if access_for(user).can(Cap.SERVICE_HANDLE):
            self.fields["assignee"].queryset = agents()
        else:
            del self.fields["assignee"]

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS if name in self.cleaned_data}


class LogForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LOG_KINDS, initial=TicketEntry.Kind.REPLY)
    body = forms.CharField(label=_("Text"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    assignee = PersonChoiceField(label=_("Assign to"), queryset=Person.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents()


class EscalateForm(forms.Form):
    to = PersonChoiceField(
        label=_("Escalate to"),
        required=False,
        queryset=Person.objects.none(),
        empty_label=_("Customer Service leaders"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = (
            Person.objects.filter(status=Person.Status.ACTIVE)
            .select_related("org_unit")
            .order_by("name", "pk")
        )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


# -- return visits -------------------------------------------------------------------------------


class VisitFilterForm(forms.Form):
    due = forms.ChoiceField(label=_("Due"), required=False, choices=DUE)
    status = forms.ChoiceField(label=_("Status"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _blank(ReturnVisit.Status.choices, _("Any"))


SCORE_CSAT = [(str(n), str(n)) for n in range(1, 6)]
SCORE_NPS = [(str(n), str(n)) for n in range(0, 11)]


class VisitRecordForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ReturnVisit.Status.DONE, _("Reached the customer")),
            (ReturnVisit.Status.UNREACHABLE, ReturnVisit.Status.UNREACHABLE.label),
        ],
        widget=forms.RadioSelect,
        initial=ReturnVisit.Status.DONE,
    )
    summary = forms.CharField(
        label=_("What the customer said"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    csat = forms.TypedChoiceField(
        label=_("Satisfaction (1-5), as the customer said"),
        choices=_blank(SCORE_CSAT),
        coerce=int,
        required=False,
        empty_value=None,
    )
    nps = forms.TypedChoiceField(
        label=_("Likely to recommend (0-10), as the customer said"),
        choices=_blank(SCORE_NPS),
        coerce=int,
        required=False,
        empty_value=None,
    )
    comment = forms.CharField(label=_("Comment"), max_length=5000, required=False)
    send_link = forms.BooleanField(
        label=_("No scores given: make a rating link for the customer instead"), required=False
    )


class VisitRescheduleForm(forms.Form):
    due_date = forms.DateField(label=_("New due date"), widget=forms.DateInput(attrs=DATE))
    assignee = PersonChoiceField(label=_("Assign to"), required=False, queryset=Person.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents()


# -- satisfaction --------------------------------------------------------------------------------


class SatisfactionForm(forms.Form):
    group_by = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[
            ("agent", _("Customer Service agent")),
            ("rep", _("Sales rep")),
            ("product", _("Product")),
            ("customer", _("Customer")),
        ],
    )
    date_from = forms.DateField(label=_("Answered from"), required=False, widget=forms.DateInput(attrs=DATE))
    date_to = forms.DateField(label=_("Answered until"), required=False, widget=forms.DateInput(attrs=DATE))


class RatingFilterForm(SatisfactionForm):
    customer = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    product = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    agent = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    rep = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    none_of = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[("", ""), ("customer", ""), ("product", ""), ("agent", ""), ("rep", "")],
    )
    score = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[("", ""), ("promoters", ""), ("detractors", "")],
    )


# -- the customer's public pages -----------------------------------------------------------------


class PublicReportForm(forms.Form):
    reporter_name = forms.CharField(label=_("Your name"), max_length=100)
    reporter_phone = forms.CharField(label=_("Your phone"), max_length=32)
    category = forms.ChoiceField(label=_("What is it about?"), choices=Ticket.Category.choices)
    product = forms.ModelChoiceField(label=_("Product"), queryset=None, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Describe the problem"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products()


class RatingForm(forms.Form):
    csat = forms.TypedChoiceField(
        label=_("How satisfied are you with our service?"),
        choices=SCORE_CSAT,
        coerce=int,
        widget=forms.RadioSelect,
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend or colleague? (0-10)"),
        choices=SCORE_NPS,
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us?"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# -- configuration -------------------------------------------------------------------------------


class SlaForm(forms.Form):
    """Response and resolution hours of every priority, one pair of fields each."""

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for priority, label in Priority.choices:
            response, resolution = current[priority]
            self.fields[f"{priority}_response"] = forms.IntegerField(
                label=_("%(priority)s: first response within (hours)") % {"priority": label},
                min_value=1,
                max_value=24 * 365,
                initial=response,
            )
            self.fields[f"{priority}_resolution"] = forms.IntegerField(
                label=_("%(priority)s: resolved within (hours)") % {"priority": label},
                min_value=1,
                max_value=24 * 365,
                initial=resolution,
            )

    def rows(self):
        return [
            (label, self[f"{priority}_response"], self[f"{priority}_resolution"])
            for priority, label in Priority.choices
        ]


class PolicyForm(forms.Form):
    visit_after_delivery_days = forms.IntegerField(
        label=_("Return visit this many days after delivery"), min_value=0, max_value=365
    )
    visit_after_ticket_days = forms.IntegerField(
        label=_("Return visit this many days after a ticket is resolved"), min_value=0, max_value=365
    )
    rating_link_days = forms.IntegerField(
        label=_("Rating links stay open (days)"), min_value=1, max_value=365
    )

    FIELDS = POLICY_FIELDS
