"""Target periods: calendar years, quarters and months as local dates."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils.translation import gettext as _

from salescore.core.errors import ApplicationError


def period_bounds(kind: str, start: dt.date) -> tuple[dt.date, dt.date]:
    """The period of ``kind`` that begins on ``start`` (which must be a period's first day)."""
    if kind == "year" and (start.month, start.day) == (1, 1):
        return start, dt.date(start.year, 12, 31)
    if kind == "quarter" and start.day == 1 and start.month in (1, 4, 7, 10):
        end_month = start.month + 2
        return start, dt.date(start.year, end_month, calendar.monthrange(start.year, end_month)[1])
    if kind == "month" and start.day == 1:
        return start, dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    messages = {
        "year": _("A year starts on 1 January."),
        "quarter": _("A quarter starts on 1 January, 1 April, 1 July or 1 October."),
        "month": _("A month starts on its first day."),
    }
    raise ApplicationError(
        messages.get(kind, _("Choose a year, a quarter or a month.")),
        code="invalid_period",
        fields={"period_start": _("Choose the first day of the period.")},
    )


def previous_period(kind: str, start: dt.date) -> tuple[dt.date, dt.date]:
    if kind == "year":
        return period_bounds(kind, dt.date(start.year - 1, 1, 1))
    months = 3 if kind == "quarter" else 1
    month = start.month - months
    year = start.year
    if month < 1:
        month += 12
        year -= 1
    return period_bounds(kind, dt.date(year, month, 1))


def containing(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of ``kind`` that contains ``day``."""
    if kind == "year":
        return period_bounds(kind, dt.date(day.year, 1, 1))
    if kind == "quarter":
        return period_bounds(kind, dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1))
    return period_bounds(kind, dt.date(day.year, day.month, 1))


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday."""
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)
