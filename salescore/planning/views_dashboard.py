"""The sales dashboard (R2.4): attainment by section, team and person, a ranking and the trend of
the top target against its pace and projection. Every figure is aggregated in SQL by
planning.metrics and the page costs a fixed number of queries whatever the number of targets."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from salescore.core.permissions import Cap, require
from salescore.core.web import url_for_pk
from salescore.org.models import OrgUnit
from salescore.planning import selectors
from salescore.planning.forms import DashboardForm
from salescore.planning.models import Metric
from salescore.planning.periods import period_bounds
from salescore.planning.rows import cells
from salescore.planning.views_targets import LISTED_RELATED, records_url, trend_chart

LEVELS = (
    ("section", OrgUnit.Kind.SECTION),
    ("team", OrgUnit.Kind.TEAM),
    ("person", None),
)


def _bars(title: str, items) -> dict:
    detail = url_for_pk("planning:target_detail")
    return {
        "type": "bars",
        "title": title,
        "labels": [item.target.owner_name for item in items],
        "values": [float(item.attainment) if item.attainment is not None else 0 for item in items],
        "links": [detail(item.target.pk) for item in items],
    }


@login_required
def dashboard(request):
    require(request.user, Cap.TARGETS_MANAGE)
    form = DashboardForm(request.GET or None)
    kind, start, metric = form.selected()
    bucket = "week" if form.is_valid() and form.cleaned_data.get("bucket") == "week" else "month"
    start, end = period_bounds(kind, start)
    targets = list(
        selectors.targets_for(request.user, period_start=start, period_end=end, metric=metric)
        .filter(period_kind=kind, period_start=start)
        .order_by("org_unit__path", "person__name", "id")
        .select_related(None)
        .select_related(*LISTED_RELATED)
    )
    items = selectors.progress(targets)
    detail = url_for_pk("planning:target_detail")
    levels = []
    titles = {
        "section": _("Attainment by section (%)"),
        "team": _("Attainment by team (%)"),
        "person": _("Attainment by person (%)"),
    }
    for key, unit_kind in LEVELS:
        chosen = [
            item
            for item in items
            if (
                item.target.person_id is not None
                if unit_kind is None
                else (item.target.org_unit_id is not None and item.target.org_unit.kind == unit_kind)
            )
        ]
        if chosen:
            levels.append({"key": key, "chart": _bars(titles[key], chosen)})
    ranking = sorted(
        (item for item in items if item.attainment is not None),
        key=lambda item: (-item.attainment, item.target.owner_name),
    )
    top = min(
        items,
        key=lambda item: len(item.target.org_unit.path) if item.target.org_unit_id else 10**6,
        default=None,
    )
    trend = None
    if top is not None:
        trend = trend_chart(top.target, selectors.trend(top.target, bucket=bucket), top, bucket=bucket)
        trend["title"] = str(top.target)
    return render(
        request,
        "planning/dashboard.html",
        {
            "form": form,
            "metric": Metric(metric),
            "levels": levels,
            "ranking": [
                {
                    "item": item,
                    "records_url": records_url(item.target),
                    "url": detail(item.target.pk),
                    **cells(item.target, item),
                }
                for item in ranking
            ],
            "top": top,
            "top_records_url": records_url(top.target) if top else "",
            "trend": trend,
        },
    )
