"""Target pages (R2.1, R2.4, R2.5): the cascade for a period and metric, one target with its
progress, trend, children and revisions, and the actions on them. Thin: parse, call one service
or selector, render."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.permissions import Cap, access_for, get_in_scope, require
from salescore.core.web import form_error, url_for_pk
from salescore.planning import selectors, services
from salescore.planning.forms import (
    DecideForm,
    MarketSizeForm,
    ReviseForm,
    SplitForm,
    TargetFilterForm,
    TargetForm,
    period_value,
    split_values,
)
from salescore.planning.models import MarketSize, Metric, Target, TargetRevision
from salescore.planning.periods import period_bounds
from salescore.planning.rows import cells

# What a listed target shows of its related rows: its owner (a unit or a person) and segment, not
# its parent's whole row.
LISTED_RELATED = ("org_unit", "person", "category", "region")
ORDER_METRICS = {Metric.SALES_AMOUNT, Metric.COLLECTED_AMOUNT, Metric.SALES_QUANTITY, Metric.MARKET_SHARE}


def records_url(target: Target) -> str:
    """The list of the records behind a target's actual: orders credited to its owner in its
    period, the owner's customers, or their visits and calls."""
    if target.metric in ORDER_METRICS:
        query = {
            "ordered_from": target.period_start.isoformat(),
            "ordered_to": target.period_end.isoformat(),
            "counted": "True",
        }
        if target.person_id:
            query["credited_person"] = target.person_id
        else:
            query["credited_unit"] = target.org_unit_id
        return reverse("orders:orders") + "?" + urlencode(query)
    who = {"owner": target.person_id} if target.person_id else {"unit": target.org_unit_id}
    start, end = target.period_start.isoformat(), target.period_end.isoformat()
    if target.metric == Metric.NEW_CUSTOMERS:
        # Owned customers only, as the metric counts (pool=0: not in the public pool).
        query = {**who, "created_from": start, "created_to": end, "pool": "0"}
        return reverse("customers:list") + "?" + urlencode(query)
    channel = "visit" if target.metric == Metric.VISITS else "phone"
    query = {**who, "channel": channel, "occurred_from": start, "occurred_to": end}
    return reverse("pipeline:activities") + "?" + urlencode(query)


def target_rows(targets, *, today: dt.date | None = None) -> list[dict]:
    """The targets as a cascade (parents before their children, with a depth), each with its
    reconciliation and progress: a fixed number of queries whatever the number of targets."""
    targets = list(targets)
    checks = selectors.reconcile(targets)
    progress = {item.target.pk: item for item in selectors.progress(targets, today=today)}
    ids = {t.pk for t in targets}
    children: dict[int | None, list[Target]] = {}
    for target in targets:
        children.setdefault(target.parent_id if target.parent_id in ids else None, []).append(target)
    rows: list[dict] = []
    detail = url_for_pk("planning:target_detail")

    def walk(parent_id, depth):
        for target in children.get(parent_id, []):
            rows.append(
                {
                    "target": target,
                    "depth": depth,
                    "indent": depth * 1.25,
                    "check": checks[target.pk],
                    "progress": progress[target.pk],
                    "records_url": records_url(target),
                    "url": detail(target.pk),
                    **cells(target, progress[target.pk], checks[target.pk]),
                }
            )
            walk(target.pk, depth + 1)

    walk(None, 0)
    return rows


@login_required
def target_list(request):
    form = TargetFilterForm(request.GET or None)
    kind, start, metric = form.selected()
    try:
        start, end = period_bounds(kind, start)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("planning:targets")
    targets = (
        selectors.targets_for(request.user, period_start=start, period_end=end, metric=metric)
        .filter(period_kind=kind, period_start=start)
        .order_by("org_unit__path", "person__name", "id")
        .select_related(None)
        .select_related(*LISTED_RELATED)
    )
    rows = target_rows(targets)
    ids = [row["target"].pk for row in rows]
    pending = {
        r.target_id: r
        for r in TargetRevision.objects.filter(
            target__in=ids, status=TargetRevision.Status.PENDING
        ).select_related("requested_by")
    }
    decidable = set(
        selectors.revisions_to_decide(request.user).filter(target__in=ids).values_list("pk", flat=True)
    )
    for row in rows:
        revision = pending.get(row["target"].pk)
        row["pending"] = revision
        row["may_decide"] = revision is not None and revision.pk in decidable
    access = access_for(request.user)
    initial_period = period_value(kind, start)
    return render(
        request,
        "planning/target_list.html",
        {
            "form": form,
            "rows": rows,
            "metric": Metric(metric),
            "period": initial_period,
            "can_manage": access.can(Cap.TARGETS_MANAGE),
            "new_form": TargetForm(user=request.user, initial={"metric": metric, "period": initial_period}),
        },
    )


@login_required
def target_create(request):
    require(request.user, Cap.TARGETS_MANAGE)
    form = TargetForm(request.POST or None, user=request.user, initial={"period": request.GET.get("period")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind, start = data["period"]
        try:
            target = services.target_set(
                actor=request.user,
                metric=data["metric"],
                period_kind=kind,
                period_start=start,
                value=data["value"],
                org_unit=data["org_unit"],
                person=data["person"],
                category=data["category"],
                industry=data["industry"] or "",
                region=data["region"],
                notes=data["notes"],
            )
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(target)s is set as a draft.") % {"target": target})
            return redirect("planning:target_detail", pk=target.pk)
    return render(request, "planning/target_form.html", {"form": form})


def _target(request, pk) -> Target:
    return get_in_scope(
        Target.objects.select_related("org_unit", "person", "parent", "category", "region"), request.user, pk
    )


@login_required
def target_detail(request, pk: int):
    target = _target(request, pk)
    bucket = "week" if request.GET.get("bucket") == "week" else "month"
    children = list(
        selectors.targets_for(request.user, parent=target).order_by("org_unit__path", "person__name", "id")
    )
    [item] = selectors.progress([target])
    check = selectors.reconcile([target])[target.pk]
    child_rows = target_rows(children) if children else []
    revisions = list(target.revisions.select_related("requested_by", "decided_by"))
    pending = next((r for r in revisions if r.status == TargetRevision.Status.PENDING), None)
    may_decide = (
        pending is not None and selectors.revisions_to_decide(request.user).filter(pk=pending.pk).exists()
    )
    access = access_for(request.user)
    trend = selectors.trend(target, bucket=bucket)
    chart = trend_chart(target, trend, item, bucket=bucket)
    return render(
        request,
        "planning/target_detail.html",
        {
            "target": target,
            "item": item,
            "check": check,
            "child_rows": child_rows,
            "revisions": revisions,
            "pending": pending,
            "may_decide": may_decide,
            "plans": list(selectors.plans_for(request.user, target=target).order_by("-updated_at")),
            "can_manage": access.can(Cap.TARGETS_MANAGE),
            "records_url": records_url(target),
            "bucket": bucket,
            "chart": chart,
            "trend": trend,
            "revise_form": ReviseForm(initial={"new_value": target.value}),
            "decide_form": DecideForm(),
            "split_form": SplitForm(initial={"method": target.split_method or "equal"}),
            "split_owners": _split_owners(target, children),
        },
    )


def _split_owners(target: Target, children: list[Target]) -> list[dict]:
    if target.person_id:
        return []
    values = {(c.org_unit_id, c.person_id): c.value for c in children}
    rows = []
    for owner in services.split_owners(target):
        key = (None, owner.pk) if hasattr(owner, "employee_no") else (owner.pk, None)
        rows.append({"owner": owner, "value": values.get(key, "")})
    return rows


def trend_chart(target: Target, trend, item, *, bucket: str) -> dict:
    """Cumulative actual per bucket against the target's even pace, and the projection to the
    period's end (for the ECharts line chart)."""
    labels, actual, pace, projection = [], [], [], []
    running = Decimal(0)
    days = (target.period_end - target.period_start).days + 1
    points = _buckets(target.period_start, target.period_end, bucket)
    by_bucket = dict(trend)
    today = timezone.localdate()
    # selectors.trend gives a share's sales; the share is those over the market size
    scale = (
        Decimal(100) / item.market_size if target.metric == Metric.MARKET_SHARE and item.market_size else 1
    )
    for index, (key, end) in enumerate(points):
        running += by_bucket.get(key, 0) * scale
        labels.append(key.isoformat() if bucket == "week" else key.strftime("%Y-%m"))
        share = ((end - target.period_start).days + 1) / days
        pace.append(float(round(target.value * Decimal(str(share)), 2)))
        actual.append(float(round(running, 2)) if key <= today else None)
        projection.append(None)
        if index == len(points) - 1:
            projection[-1] = float(item.projection)
    # The projection line starts where the actual stops.
    last = max((i for i, v in enumerate(actual) if v is not None), default=None)
    if last is not None and last < len(points) - 1:
        projection[last] = actual[last]
    return {
        "type": "lines",
        "labels": labels,
        "series": [
            {"name": str(_("Target (even pace)")), "values": pace, "dashed": False},
            {"name": str(_("Actual")), "values": actual, "dashed": False},
            {"name": str(_("Projection")), "values": projection, "dashed": True},
        ],
    }


def _buckets(start: dt.date, end: dt.date, bucket: str) -> list[tuple[dt.date, dt.date]]:
    """(key, last day) of each week (Monday keys) or month of the period."""
    rows = []
    if bucket == "week":
        key = start - dt.timedelta(days=start.weekday())
        while key <= end:
            rows.append((key, min(key + dt.timedelta(days=6), end)))
            key += dt.timedelta(days=7)
        return rows
    key = start.replace(day=1)
    while key <= end:
        following = (key.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        rows.append((key, min(following - dt.timedelta(days=1), end)))
        key = following
    return rows


def _back(request, target: Target):
    return redirect(request.POST.get("next") or reverse("planning:target_detail", args=[target.pk]))


def _act(request, target, call, success: str):
    try:
        call()
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return _back(request, target)


@login_required
@require_POST
def target_split(request, pk: int):
    target = _target(request, pk)
    require(request.user, Cap.TARGETS_MANAGE)
    form = SplitForm(request.POST)
    method = form.cleaned_data["method"] if form.is_valid() else ""
    owners = services.split_owners(target) if not target.person_id else []
    values = split_values(request.POST, owners) if method == "manual" else None
    return _act(
        request,
        target,
        lambda: services.target_split(actor=request.user, target=target, method=method, values=values),
        _("%(target)s is split.") % {"target": target},
    )


@login_required
@require_POST
def target_approve(request, pk: int):
    target = _target(request, pk)
    return _act(
        request,
        target,
        lambda: services.target_approve(actor=request.user, target=target),
        _("%(target)s is approved.") % {"target": target},
    )


@login_required
@require_POST
def target_revise(request, pk: int):
    target = _target(request, pk)
    form = ReviseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the new target and the reason."))
        return _back(request, target)
    result = {}

    def call():
        result["revision"] = services.target_adjust(
            actor=request.user,
            target=target,
            new_value=form.cleaned_data["new_value"],
            reason=form.cleaned_data["reason"],
        )

    response = _act(request, target, call, _("The revision is recorded."))
    revision = result.get("revision")
    if revision is not None and revision.status == TargetRevision.Status.PENDING:
        messages.info(request, _("It waits for the approval of the level above."))
    return response


@login_required
@require_POST
def revision_decide(request, pk: int):
    revision = get_in_scope(TargetRevision.objects.select_related("target"), request.user, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        raise Http404
    approve = form.cleaned_data["decision"] == "approve"
    return _act(
        request,
        revision.target,
        lambda: services.revision_decide(
            actor=request.user, revision=revision, approve=approve, comment=form.cleaned_data["comment"]
        ),
        _("The revision is approved.") if approve else _("The revision is rejected."),
    )


@login_required
@require_POST
def target_delete(request, pk: int):
    target = _target(request, pk)
    try:
        services.target_delete(actor=request.user, target=target)
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back(request, target)
    messages.success(request, _("%(target)s is deleted.") % {"target": target})
    return redirect(
        reverse("planning:targets")
        + "?"
        + urlencode(
            {"period": period_value(target.period_kind, target.period_start), "metric": target.metric}
        )
    )


@login_required
def revisions(request):
    """Revisions waiting for this user's decision (a work queue)."""
    require(request.user, Cap.TARGETS_MANAGE)
    return render(
        request,
        "planning/revisions.html",
        {"revisions": list(selectors.revisions_to_decide(request.user)), "decide_form": DecideForm()},
    )


# -- market sizes ----------------------------------------------------------------------------------


def _require_market(request):
    access = access_for(request.user)
    if not (access.can(Cap.MARKET_RESEARCH) or access.can(Cap.TARGETS_MANAGE)):
        raise PermissionDeniedError(_("Your position does not allow this action."), code="permission_denied")


@login_required
def market_sizes(request):
    _require_market(request)
    form = MarketSizeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.market_size_save(actor=request.user, **form.cleaned_data)
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The market size %(entry)s is saved.") % {"entry": entry.amount})
            return redirect("planning:market_sizes")
    rows = MarketSize.objects.select_related("region").order_by("-period_start", "industry", "id")[:200]
    return render(request, "planning/market_sizes.html", {"form": form, "rows": rows})
