"""Return visits, satisfaction reports and the service configuration (R3.7)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require
from salescore.core.web import form_error
from salescore.service import selectors, services
from salescore.service.forms import (
    PolicyForm,
    RatingFilterForm,
    SatisfactionForm,
    SlaForm,
    VisitFilterForm,
    VisitRecordForm,
    VisitRescheduleForm,
)
from salescore.service.models import Priority, ServicePolicy
from salescore.service.views import _query

# -- return visits -------------------------------------------------------------------------------


@login_required
def visit_list(request):
    form = VisitFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    person_id = access_for(request.user).person_id
    rows = selectors.return_visits_for(
        user=request.user, status=data.get("status") or None, due=data.get("due") or None
    )
    if data.get("mine"):
        rows = rows.filter(assignee_id=person_id)
    page = paginate(rows, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    return render(
        request,
        "service/visit_list.html",
        {
            "form": form,
            "page": page,
            "query": _query(request),
            "can_handle": access_for(request.user).can(Cap.SERVICE_HANDLE),
        },
    )


def _visit_context(request, visit, *, record_form=None, reschedule_form=None) -> dict:
    ratings = list(visit.ratings.all())
    for rating in ratings:
        rating.absolute_url = request.build_absolute_uri(services.rating_url(rating))
    return {
        "visit": visit,
        "ratings": ratings,
        "can_handle": access_for(request.user).can(Cap.SERVICE_HANDLE),
        "record_form": record_form or VisitRecordForm(),
        "reschedule_form": reschedule_form
        or VisitRescheduleForm(initial={"due_date": visit.due_date, "assignee": visit.assignee_id}),
    }


@login_required
def visit_record(request, pk: int):
    """The return visit's page: record the call, or move it."""
    visit = selectors.return_visit_get_for_user(user=request.user, pk=pk)
    form = VisitRecordForm(request.POST or None)
    if request.method == "POST":
        require(request.user, Cap.SERVICE_HANDLE)
        if form.is_valid():
            try:
                services.return_visit_record(actor=request.user, visit=visit, **form.cleaned_data)
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The return visit is recorded on the customer's timeline."))
                return redirect("service:visit_record", pk=visit.pk)
    return render(request, "service/visit_detail.html", _visit_context(request, visit, record_form=form))


@login_required
@require_POST
def visit_reschedule(request, pk: int):
    visit = selectors.return_visit_get_for_user(user=request.user, pk=pk)
    require(request.user, Cap.SERVICE_HANDLE)
    form = VisitRescheduleForm(request.POST)
    if form.is_valid():
        try:
            services.return_visit_reschedule(actor=request.user, visit=visit, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The return visit is moved."))
            return redirect("service:visit_record", pk=visit.pk)
    return render(
        request,
        "service/visit_detail.html",
        _visit_context(request, visit, reschedule_form=form),
        status=400,
    )


# -- satisfaction --------------------------------------------------------------------------------

FILTER_KEY = {"customer": "customer", "product": "product", "agent": "agent", "rep": "rep"}


def _ratings_url(group_by: str, key, data: dict, **extra) -> str:
    query = {"group_by": group_by}
    if key is None:
        query["none_of"] = group_by
    elif key != "all":
        query[FILTER_KEY[group_by]] = key
    for name in ("date_from", "date_to"):
        if data.get(name):
            query[name] = data[name].isoformat()
    query.update(extra)
    return reverse("service:ratings") + "?" + urlencode(query)


@login_required
def satisfaction(request):
    form = SatisfactionForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    group_by = data.get("group_by") or "agent"
    report = selectors.satisfaction(
        user=request.user, group_by=group_by, date_from=data.get("date_from"), date_to=data.get("date_to")
    )
    for row in [*report.rows, report.total]:
        key = "all" if row is report.total else row.key
        row.url = _ratings_url(group_by, key, data)
        row.promoters_url = _ratings_url(group_by, key, data, score="promoters")
        row.detractors_url = _ratings_url(group_by, key, data, score="detractors")
    chart = {
        "labels": [row.label for row in report.rows],
        "values": [row.avg_csat or 0 for row in report.rows],
        "title": _("Average satisfaction (1-5)"),
    }
    nps_chart = {
        "labels": [row.label for row in report.rows],
        "values": [row.nps or 0 for row in report.rows],
        "title": _("Net promoter score"),
    }
    return render(
        request,
        "service/satisfaction.html",
        {
            "form": form,
            "report": report,
            "chart": chart,
            "nps_chart": nps_chart,
            "group_label": selectors.GROUP_LABELS[report.group_by],
        },
    )


@login_required
def rating_list(request):
    form = RatingFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.ratings_for(
        user=request.user,
        customer_id=data.get("customer"),
        product_id=data.get("product"),
        agent_id=data.get("agent"),
        rep_id=data.get("rep"),
        none_of=data.get("none_of") or None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    if data.get("score") == "promoters":
        rows = rows.filter(nps__gte=9)
    elif data.get("score") == "detractors":
        rows = rows.filter(nps__lte=6)
    page = paginate(rows, page=request.GET.get("page", 1), page_size=request.GET.get("page_size", 25))
    return render(request, "service/rating_list.html", {"form": form, "page": page, "query": _query(request)})


# -- configuration -------------------------------------------------------------------------------


@login_required
def service_config(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    current = {p: services.sla_hours(p) for p in Priority.values}
    policy = ServicePolicy.current()
    policy_initial = {name: getattr(policy, name) for name in PolicyForm.FIELDS}
    posted = request.POST.get("form") if request.method == "POST" else None
    sla_form = SlaForm(request.POST if posted == "sla" else None, current=current)
    policy_form = PolicyForm(request.POST if posted == "policy" else None, initial=policy_initial)
    if posted == "sla" and sla_form.is_valid():
        try:
            with transaction.atomic():
                for priority in Priority.values:
                    services.sla_update(
                        actor=request.user,
                        priority=priority,
                        response_hours=sla_form.cleaned_data[f"{priority}_response"],
                        resolution_hours=sla_form.cleaned_data[f"{priority}_resolution"],
                    )
        except ApplicationError as exc:
            field = next(iter(exc.fields or {}), None)
            sla_form.add_error(None, exc.message if field is None else f"{exc.message} {exc.fields[field]}")
        else:
            messages.success(request, _("The service levels are saved. Tickets opened from now on use them."))
            return redirect("service:config")
    if posted == "policy" and policy_form.is_valid():
        try:
            services.service_policy_update(actor=request.user, **policy_form.cleaned_data)
        except ApplicationError as exc:
            form_error(policy_form, exc)
        else:
            messages.success(request, _("The return-visit and rating settings are saved."))
            return redirect("service:config")
    return render(request, "service/config.html", {"sla_form": sla_form, "policy_form": policy_form})
