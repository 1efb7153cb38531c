"""Figures kept per metric, local day and credited person (decision 0013), so that a year of a
company's targets adds up from a few hundred thousand rows instead of millions of orders and
activities.

* What a day's figure is: exactly what planning.metrics counts live for that day, computed by the
  same definitions (``metrics.source`` and its halves), so there is one definition of each metric.
* Freshness: database triggers on the tables the figures come from (orders, order lines, credits,
  payments, customers, activities) record each day a write touches in StaleDay, in the writer's
  own transaction, whatever wrote it: a service, a bulk update, a merge, raw SQL
  (planning/migrations/0005). ``refresh`` recomputes those days before any figure is read, under
  a lock, in one transaction, so a figure read is never older than the last committed write.
* Coverage: every metric without a segment, and the weighted open pipeline by expected close date
  (``PIPELINE``; a stage turning won or lost marks every day). A segment (a product category, an
  industry or a region) narrows rows by attributes the days do not record, so those figures stay
  live.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import TruncDate, TruncMonth, TruncWeek

from salescore.core.bulk import advisory_lock
from salescore.planning import metrics
from salescore.planning.models import DailyFigure, Metric, StaleDay

PIPELINE = "weighted_pipeline"  # open opportunities, amount x probability, by expected close date
# Which metrics each source's rows make (the sources the triggers record).
SOURCES = {
    "opportunities": (PIPELINE,),
    "orders": (Metric.SALES_AMOUNT, Metric.SALES_QUANTITY),
    "payments": (Metric.COLLECTED_AMOUNT,),
    "customers": (Metric.NEW_CUSTOMERS,),
    "activities": (Metric.VISITS, Metric.CALLS),
}
# Sources placed in a day by a datetime: the triggers record its UTC date, and the local day can
# be the one before or after it (any time zone within 14 hours of UTC).
STAMPED = frozenset({"customers", "activities"})
KEPT = frozenset(metric for made in SOURCES.values() for metric in made) | {Metric.MARKET_SHARE}
EVERYTHING = metrics.Window(dt.date(1900, 1, 1), dt.date(9998, 12, 31))
TRIGGERS = "planning_mark_"  # the names of the triggers that mark days stale (core.bulk.triggers_paused)
LOCK = 0x5A1E5C0E  # PostgreSQL advisory lock held while figures are recomputed
MAX_RUNS = 16  # more separate runs of stale days than this: recompute from the first to the last


def kept(metric: str, segment: metrics.Segment) -> bool:
    """Are ``metric``'s figures for ``segment`` kept per day (else they are computed live)?"""
    return metric in KEPT and segment == metrics.Segment()


def _stored_metric(metric: str) -> str:
    # Market share's actual is the sales amount (divided by the market size by the caller).
    return Metric.SALES_AMOUNT if metric == Metric.MARKET_SHARE else metric


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _runs(days: set[dt.date]) -> list[metrics.Window]:
    """The days as windows of consecutive days; too many runs become one window."""
    ordered = sorted(days)
    runs: list[list[dt.date]] = []
    for day in ordered:
        if runs and (day - runs[-1][1]).days <= 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    if len(runs) > MAX_RUNS:
        return [metrics.Window(ordered[0], ordered[-1])]
    return [metrics.Window(start, end) for start, end in runs]


def _parts(metric: str, window: metrics.Window):
    """What a day's figure adds up: (querysets with who and value, the field giving the day)."""
    if metric == PIPELINE:
        return [(metrics.open_pipeline(window.start, window.end), "owner", Sum(metrics.WEIGHTED))], (
            "expected_close_date"
        )
    src = metrics.source(metric, window)
    return metrics.parts(src), src.date_field


def _recompute(source: str, window: metrics.Window) -> int:
    """Replace the source's figures for the window's days with what the records say now."""
    written = 0
    for metric in SOURCES[source]:
        DailyFigure.objects.filter(metric=metric, day__gte=window.start, day__lte=window.end).delete()
        parts, date_field = _parts(metric, window)
        day = TruncDate(date_field) if source in STAMPED else F(date_field)
        values: dict[tuple, Decimal] = defaultdict(Decimal)
        for queryset, who, value in parts:
            grouped = queryset.values(d=day, pk=F(f"{who}_id")).annotate(v=value).order_by()
            for row in grouped:
                values[(_as_date(row["d"]), row["pk"])] += Decimal(str(row["v"] or 0))
        rows = [
            DailyFigure(metric=metric, day=d, person_id=pk, value=v) for (d, pk), v in values.items() if v
        ]
        DailyFigure.objects.bulk_create(rows, batch_size=5000)
        written += len(rows)
    return written


def refresh() -> int:
    """Recompute every stale day (one cheap query when there is none); the figure rows written.
    Concurrent callers wait for each other; a write committed meanwhile leaves its own marker."""
    if not StaleDay.objects.exists():
        return 0
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        advisory_lock(cursor, LOCK)
        cursor.execute("DELETE FROM planning_staleday RETURNING source, day")
        stale: dict[str, set] = defaultdict(set)
        for source, day in cursor.fetchall():
            stale[source].add(_as_date(day))
        for source, days in stale.items():
            if source not in SOURCES:
                continue
            if None in days:
                windows = [EVERYTHING]
            else:
                if source in STAMPED:
                    days = {d + dt.timedelta(days=shift) for d in days for shift in (-1, 0, 1)}
                windows = _runs(days)
            for window in windows:
                written += _recompute(source, window)
    return written


def rebuild() -> int:
    """Every figure recomputed from the records (after a bulk load, or to check the triggers)."""
    with transaction.atomic(), connection.cursor() as cursor:
        advisory_lock(cursor, LOCK)
        cursor.execute("DELETE FROM planning_staleday")
        DailyFigure.objects.all().delete()
        return sum(_recompute(source, EVERYTHING) for source in SOURCES)


def _rows(metric: str, window: metrics.Window):
    refresh()
    return DailyFigure.objects.filter(
        metric=_stored_metric(metric), day__gte=window.start, day__lte=window.end
    )


def totals(metric: str, window: metrics.Window, *, owners: metrics.Owners | None = None) -> metrics.Totals:
    """``metrics.totals`` from the kept figures (2 queries: freshness, then one grouped read)."""
    rows = _rows(metric, window)
    if owners is not None:
        rows = owners.narrow(rows, "person")
    grouped = rows.values(pk=F("person_id"), path=F("person__org_unit__path")).annotate(v=Sum("value"))
    return metrics.Totals(
        rows=[(r["pk"], r["path"] or "", Decimal(str(r["v"] or 0))) for r in grouped.order_by()]
    )


def series(
    metric: str, window: metrics.Window, *, person_id: int | None, unit_path: str, bucket: str
) -> list[tuple[dt.date, Decimal]]:
    """``metrics.series`` from the kept figures."""
    rows = _rows(metric, window)
    rows = (
        rows.filter(person_id=person_id)
        if person_id
        else rows.filter(person__org_unit__path__startswith=unit_path)
    )
    trunc = TruncWeek if bucket == "week" else TruncMonth
    grouped = rows.annotate(bucket=trunc("day")).values("bucket").annotate(v=Sum("value")).order_by()
    found = {_as_date(r["bucket"]): Decimal(str(r["v"] or 0)) for r in grouped}
    return sorted(found.items())
