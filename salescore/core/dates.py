"""Local calendar days as datetime ranges: a record stamped with a datetime belongs to the local
date (Asia/Shanghai by default) it falls on, so a day runs from local midnight to local midnight."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def day_start(day: dt.date) -> dt.datetime:
    """The aware datetime at local midnight opening ``day``."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def day_range(start: dt.date | None, end: dt.date | None) -> dict[str, dt.datetime]:
    """Lookup bounds for a datetime field between two local dates, both included:
    ``{"gte": ..., "lt": ...}`` with either left out when its date is."""
    bounds = {}
    if start is not None:
        bounds["gte"] = day_start(start)
    if end is not None:
        bounds["lt"] = day_start(end + dt.timedelta(days=1))
    return bounds


def filter_days(queryset, field: str, start: dt.date | None, end: dt.date | None):
    """``queryset`` narrowed to the rows whose ``field`` falls on a local date in [start, end]."""
    bounds = day_range(start, end)
    return queryset.filter(**{f"{field}__{lookup}": value for lookup, value in bounds.items()})
