"""After-sales ticket pages for staff (R3.7). Thin: parse, call a service or selector, render.

Every action on a ticket posts to its own URL, calls the one service the API calls too, and
comes back to the ticket page (a refusal shows beside the form that caused it).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salescore.core.errors import ApplicationError
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require
from salescore.core.web import form_error, is_htmx
from salescore.customers.selectors import customer_get_for_user
from salescore.service import selectors, services
from salescore.service.forms import (
    AssignForm,
    EscalateForm,
    LogForm,
    NoteForm,
    ReasonForm,
    ResolveForm,
    TicketFilterForm,
    TicketForm,
)
from salescore.service.models import Rating, ServiceLink


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# -- list and new ----------------------------------------------------------------------------------


@login_required
def ticket_list(request):
    form = TicketFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or None
    assignee = data.get("assignee")
    if data.get("mine"):
        assignee = request.user.person if access_for(request.user).person_id else None
    customer = None
    if data.get("customer"):
        customer = customer_get_for_user(user=request.user, pk=data["customer"])
    rows = selectors.tickets_for(
        user=request.user,
        status=None if status == "open" else status,
        open_only=status == "open",
        priority=data.get("priority") or None,
        assignee=assignee,
        customer=customer,
        breached=data.get("breached") or None,
        q=data.get("q"),
    )
    page = paginate(rows, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    context = {"form": form, "page": page, "query": _query(request), "customer": customer}
    template = "service/_partials/ticket_table.html" if is_htmx(request) else "service/ticket_list.html"
    return render(request, template, context)


@login_required
def ticket_create(request):
    initial = {}
    if request.GET.get("customer"):
        initial["customer"] = customer_get_for_user(user=request.user, pk=request.GET["customer"]).pk
    form = TicketForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_open(
                actor=request.user, customer=form.cleaned_data["customer"], **form.service_fields()
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Ticket %(number)s is opened.") % {"number": ticket.number})
            return redirect("service:ticket_detail", pk=ticket.pk)
    return render(request, "service/ticket_form.html", {"form": form})


@login_required
@require_GET
def customer_choices(request):
    """The ticket form's fields that depend on the customer (htmx): its contacts and orders."""
    customer_id = request.GET.get("customer")
    customer = customer_get_for_user(user=request.user, pk=customer_id) if customer_id else None
    form = TicketForm(user=request.user, initial={"customer": customer.pk if customer else None})
    return render(
        request, "service/_partials/customer_fields.html", {"fields": [form["contact"], form["order"]]}
    )


# -- the ticket page -------------------------------------------------------------------------------


def _detail_context(request, ticket, **forms) -> dict:
    access = access_for(request.user)
    rating_links = []
    for rating in Rating.objects.filter(ticket=ticket).select_related("agent").order_by("-sent_at"):
        rating.absolute_url = request.build_absolute_uri(services.rating_url(rating))
        rating_links.append(rating)
    return {
        "ticket": ticket,
        "entries": selectors.ticket_log(ticket),
        "visits": selectors.return_visits_for(user=request.user, ticket=ticket),
        "ratings": rating_links,
        "can_handle": access.can(Cap.SERVICE_HANDLE),
        "log_form": forms.get("log_form") or LogForm(),
        "assign_form": forms.get("assign_form") or AssignForm(initial={"assignee": ticket.assignee_id}),
        "escalate_form": forms.get("escalate_form") or EscalateForm(),
        "wait_form": forms.get("wait_form") or NoteForm(),
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "reopen_form": forms.get("reopen_form") or ReasonForm(),
    }


@login_required
def ticket_detail(request, pk: int):
    ticket = selectors.ticket_get_for_user(user=request.user, pk=pk)
    return render(request, "service/ticket_detail.html", _detail_context(request, ticket))


def _act(request, pk: int, form_class, form_name: str, call, done: str):
    """Run one ticket action from its form; back to the ticket page, or the page with the error."""
    ticket = selectors.ticket_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.SERVICE_HANDLE)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(ticket, form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("service:ticket_detail", pk=ticket.pk)
    context = _detail_context(request, ticket, **{form_name: form})
    return render(request, "service/ticket_detail.html", context, status=400)


@login_required
@require_POST
def ticket_log(request, pk: int):
    def call(ticket, data):
        services.ticket_log(actor=request.user, ticket=ticket, kind=data["kind"], body=data["body"])

    return _act(request, pk, LogForm, "log_form", call, _("Added to the log."))


@login_required
@require_POST
def ticket_assign(request, pk: int):
    def call(ticket, data):
        services.ticket_assign(actor=request.user, ticket=ticket, assignee=data["assignee"])

    return _act(request, pk, AssignForm, "assign_form", call, _("The ticket is assigned."))


@login_required
@require_POST
def ticket_escalate(request, pk: int):
    def call(ticket, data):
        services.ticket_escalate(actor=request.user, ticket=ticket, reason=data["reason"], to=data["to"])

    return _act(request, pk, EscalateForm, "escalate_form", call, _("The ticket is escalated."))


@login_required
@require_POST
def ticket_wait(request, pk: int):
    def call(ticket, data):
        services.ticket_wait(actor=request.user, ticket=ticket, note=data["note"])

    return _act(request, pk, NoteForm, "wait_form", call, _("The ticket waits for the customer."))


@login_required
@require_POST
def ticket_resolve(request, pk: int):
    def call(ticket, data):
        services.ticket_resolve(actor=request.user, ticket=ticket, resolution=data["resolution"])

    return _act(
        request,
        pk,
        ResolveForm,
        "resolve_form",
        call,
        _("The ticket is resolved: a return visit is planned and a rating link is ready."),
    )


@login_required
@require_POST
def ticket_close(request, pk: int):
    ticket = selectors.ticket_get_for_user(user=request.user, pk=pk)
    try:
        services.ticket_close(actor=request.user, ticket=ticket)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The ticket is closed."))
    return redirect("service:ticket_detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_reopen(request, pk: int):
    def call(ticket, data):
        services.ticket_reopen(actor=request.user, ticket=ticket, reason=data["reason"])

    return _act(request, pk, ReasonForm, "reopen_form", call, _("The ticket is open again."))


@login_required
@require_POST
def ticket_delete(request, pk: int):
    ticket = selectors.ticket_get_for_user(user=request.user, pk=pk)
    try:
        services.ticket_delete(actor=request.user, ticket=ticket)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("service:ticket_detail", pk=ticket.pk)
    messages.success(
        request, _("%(name)s is deleted. It can be restored from the recycle bin.") % {"name": ticket.number}
    )
    return redirect("service:tickets")


# -- the customer page's service card ------------------------------------------------------------


def _card(request, customer, *, new_link: str = "", status: int = 200):
    links = ServiceLink.objects.filter(customer=customer, revoked_at__isnull=True).order_by("-created_at")
    return render(
        request,
        "service/_partials/customer_service_card_body.html",
        {
            "customer": customer,
            "links": list(links),
            "new_link": new_link,
            "tickets": selectors.tickets_for(user=request.user, customer=customer)[:10],
            "visits": selectors.return_visits_for(user=request.user, customer=customer, status="planned")[:5],
            "can_handle": access_for(request.user).can(Cap.SERVICE_HANDLE),
        },
        status=status,
    )


@login_required
@require_GET
def customer_card(request, pk: int):
    return _card(request, customer_get_for_user(user=request.user, pk=pk))


@login_required
@require_POST
def service_link_create(request, pk: int):
    customer = customer_get_for_user(user=request.user, pk=pk)
    token = services.service_link_create(actor=request.user, customer=customer)
    return _card(
        request, customer, new_link=request.build_absolute_uri(reverse("service:report", args=[token]))
    )


@login_required
@require_POST
def service_link_revoke(request, pk: int):
    customer = customer_get_for_user(user=request.user, pk=pk)
    services.service_link_revoke(actor=request.user, customer=customer)
    return _card(request, customer)
