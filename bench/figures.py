"""The application's own figures for what each floor computes (through its selectors), so the
benchmark can say whether its hand-written SQL really is the same work. Run once per floor,
outside the timings."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal


def _targets(user, *, metric, kind, start, end):
    from salescore.planning import selectors

    return list(
        selectors.targets_for(user, period_start=start, period_end=end, metric=metric)
        .filter(period_kind=kind, period_start=start)
        .order_by("org_unit__path", "person__name", "id")
    )


def _progress(targets) -> dict:
    from salescore.planning import selectors

    return {item.target.pk: (item.actual, item.projection) for item in selectors.progress(targets)}


def targets_list(user, *, metric, kind, start, end, today) -> dict:
    return {"progress": _progress(_targets(user, metric=metric, kind=kind, start=start, end=end))}


def dashboard(user, *, metric, kind, start, end, today) -> dict:
    from salescore.planning import selectors

    targets = _targets(user, metric=metric, kind=kind, start=start, end=end)
    units = [t for t in targets if t.org_unit_id]
    top = min(units, key=lambda t: len(t.org_unit.path), default=None)
    return {
        "progress": _progress(targets),
        "trend": selectors.trend(top, bucket="month") if top else [],
    }


def target_detail(user, *, target_id, today) -> dict:
    from salescore.planning import selectors
    from salescore.planning.models import Target

    target = Target.objects.select_related("org_unit", "person").get(pk=target_id)
    children = list(selectors.targets_for(user, parent=target))
    return {
        "progress": _progress([target, *children]),
        "children_total": selectors.reconcile([target])[target.pk].children_total,
        "trend": selectors.trend(target, bucket="month"),
    }


def satisfaction(user) -> dict:
    from salescore.service import selectors

    report = selectors.satisfaction(user=user, group_by="agent")

    def figures(row):
        avg = round(float(row.avg_csat), 4) if row.avg_csat is not None else None
        nps = round(float(row.nps), 4) if row.nps is not None else None
        return (row.answered, row.csat_count, avg, row.nps_count, row.promoters, row.detractors, nps)

    return {"rows": {row.key: figures(row) for row in report.rows}, "total": figures(report.total)}


def receivables(user, *, today, due: bool = True) -> dict:
    from salescore.core.pagination import paginate
    from salescore.orders import selectors

    page = paginate(selectors.receivables(user, group_by="customer", today=today))
    rows = {
        (row.get("who_id", row.get("id")), row["currency"]): (
            Decimal(row["outstanding"]),
            Decimal(row["overdue"]),
            row["orders"],
        )
        for row in page.items
    }
    totals = {
        row["currency"]: (Decimal(row["outstanding"]), Decimal(row["overdue"]))
        for row in selectors.receivables_totals(user, today=today)
    }
    if not due:
        return {"count": page.count, "rows": rows, "totals": totals}
    overdue = [i.pk for i in selectors.instalments_due(user, overdue_only=True, today=today)[:50]]
    return {"count": page.count, "rows": rows, "totals": totals, "due": overdue}


def report_inbox(user, *, week_start) -> dict:
    from salescore.planning import selectors

    data = selectors.reports_inbox(user, kind="weekly", day=week_start)
    return {
        "teams": {line["team"].pk: line["report"].pk if line["report"] else None for line in data["lines"]}
    }


FIGURES = {
    "targets": targets_list,
    "dashboard": dashboard,
    "target": target_detail,
    "satisfaction": satisfaction,
    "receivables": receivables,
    "receivables_api": lambda user, **kwargs: receivables(user, due=False, **kwargs),
    "report_inbox": report_inbox,
}


# -- comparing ------------------------------------------------------------------------------------


def _same(a, b) -> bool:
    if isinstance(a, Decimal | float | int) and isinstance(b, Decimal | float | int):
        if isinstance(a, bool) or isinstance(b, bool):
            return a == b
        x, y = float(a), float(b)
        # SQLite sums money as floats: a cent either way is the same figure.
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=0.011)
    if isinstance(a, dt.datetime | dt.date) or isinstance(b, dt.datetime | dt.date):
        return str(a)[:10] == str(b)[:10]
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def differences(floor: dict, app: dict) -> list[str]:
    """What differs between the floor's figures and the application's (empty: the same)."""
    found = []
    for key in sorted(set(floor) | set(app)):
        mine, theirs = floor.get(key), app.get(key)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            for item in sorted(set(mine) | set(theirs), key=str):
                if not _same(mine.get(item), theirs.get(item)):
                    found.append(f"{key}[{item}]: floor {mine.get(item)!r} != page {theirs.get(item)!r}")
        elif not _same(mine, theirs):
            found.append(f"{key}: floor {mine!r} != page {theirs!r}")
    return found
