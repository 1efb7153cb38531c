"""Progress reports (R2.4): a team lead's weekly or monthly report pre-filled with live figures,
and Sales Management's inbox of submitted, late and missing reports with a roll-up."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.permissions import Cap, get_in_scope, require
from salescore.core.web import form_error
from salescore.org.models import OrgUnit
from salescore.planning import selectors, services
from salescore.planning.forms import InboxForm, ReportForm
from salescore.planning.models import Metric, ProgressReport


def figure_rows(report: ProgressReport) -> dict:
    """The stored figures, labelled: the period's figures and the progress of running targets."""
    labels = dict(Metric.choices)
    period, targets = [], []
    for row in report.figures or []:
        row = {**row, "label": labels.get(row.get("metric"), row.get("metric"))}
        (period if row.get("kind") == "period" else targets).append(row)
    return {"period_figures": period, "target_figures": targets}


@login_required
def my_reports(request):
    team = selectors.led_team(request.user)
    reports = selectors.reports_for(request.user).order_by("-period_start", "org_unit__path")[:50]
    return render(
        request,
        "planning/my_reports.html",
        {"team": team, "reports": list(reports), "kinds": ProgressReport.Kind.choices},
    )


@login_required
@require_POST
def report_start(request):
    team = selectors.led_team(request.user)
    unit = team
    raw = request.POST.get("org_unit", "")
    if raw:
        # Sales Management may open a team's report too; the service checks the unit is theirs.
        unit = OrgUnit.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if unit is None:
        messages.error(request, _("Reports are written by the lead of a sales team."))
        return redirect("planning:my_reports")
    try:
        report = services.report_start(actor=request.user, kind=request.POST.get("kind", ""), org_unit=unit)
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("planning:my_reports")
    return redirect("planning:report_detail", pk=report.pk)


def _report(request, pk) -> ProgressReport:
    return get_in_scope(ProgressReport.objects.select_related("org_unit", "author"), request.user, pk)


@login_required
def report_detail(request, pk: int):
    report = _report(request, pk)
    form = ReportForm.for_report(report)
    if request.method == "POST":
        form = ReportForm(request.POST)
        action = request.POST.get("action", "save")
        if form.is_valid():
            try:
                if action == "refresh":
                    services.report_refresh(actor=request.user, report=report)
                    done = _("The figures are filled in again from live data.")
                else:
                    data = dict(form.cleaned_data)
                    version = data.pop("version", None)
                    report = services.report_update(
                        actor=request.user, report=report, version=version, **data
                    )
                    done = _("The report is saved.")
                    if action == "submit":
                        services.report_submit(actor=request.user, report=report)
                        done = _("The report is submitted to Sales Management.")
            except PermissionDeniedError:
                raise
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, done)
                return redirect("planning:report_detail", pk=report.pk)
    return render(
        request,
        "planning/report_detail.html",
        {
            "report": report,
            "form": form,
            "editable": report.status == ProgressReport.Status.DRAFT,
            **figure_rows(report),
        },
    )


@login_required
def report_inbox(request):
    """Every sales team's report of a week or month: submitted, late or missing, and a roll-up."""
    require(request.user, Cap.TARGETS_MANAGE)
    form = InboxForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    kind = data.get("kind") or ProgressReport.Kind.WEEKLY
    return render(
        request,
        "planning/report_inbox.html",
        {"form": form, "kind": kind, **selectors.reports_inbox(request.user, kind=kind, day=data.get("day"))},
    )
