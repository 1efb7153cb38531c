"""Dates in the active language's formats, as the ``date`` template filter writes them, cheaply.

The filter costs about 50 us a value (it parses the format string and looks the format up again
every time); a list page of 100 rows formats 100-200 dates. Here a format is split once per
language and format name into literal text and fields; numeric fields are Python's formatting, and
the others (month names, "p.m.", "noon") are Django's own output kept per month or per hour and
minute. A format is trusted only after it writes Django's text for a set of probe dates (as
``core.money`` does for amounts); otherwise, and for any format with an escape or a field not
handled here, Django formats the value.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.utils import formats, timezone
from django.utils.dateformat import DateFormat, re_formatchars
from django.utils.translation import get_language

_NUMERIC = {
    "Y": lambda v: f"{v.year:04d}",
    "n": lambda v: str(v.month),
    "m": lambda v: f"{v.month:02d}",
    "j": lambda v: str(v.day),
    "d": lambda v: f"{v.day:02d}",
}
_NUMERIC_TIME = {
    "H": lambda v: f"{v.hour:02d}",
    "G": lambda v: str(v.hour),
    "i": lambda v: f"{v.minute:02d}",
}
_BY_MONTH = frozenset("NFMbE")  # month names: depend on the month (and the language) only
_BY_TIME = frozenset("PaAfgh")  # "4:30 p.m.", "noon": depend on the hour and minute only

_PROBE_DATES = [dt.date(2026, month, day) for month in range(1, 13) for day in (1, 9, 28)] + [
    dt.date(999, 1, 2)
]
_PROBE_TIMES = [dt.time(h, m) for h in (0, 1, 9, 11, 12, 13, 23) for m in (0, 5, 30, 59)]


def _field(char: str):
    if char in _NUMERIC:
        return _NUMERIC[char], False
    if char in _NUMERIC_TIME:
        return _NUMERIC_TIME[char], True
    if char in _BY_MONTH:
        kept: dict = {}

        def by_month(v, kept=kept, char=char):
            text = kept.get(v.month)
            if text is None:
                text = kept[v.month] = DateFormat(v).format(char)
            return text

        return by_month, False
    if char in _BY_TIME:
        kept = {}

        def by_time(v, kept=kept, char=char):
            key = (v.hour, v.minute)
            text = kept.get(key)
            if text is None:
                text = kept[key] = DateFormat(v).format(char)
            return text

        return by_time, True
    return None, False


@lru_cache(maxsize=64)
def _compiled(language: str, format_name: str):
    """(pieces, has time fields) for the format in this language, or None to let Django format."""
    pattern = str(formats.get_format(format_name))
    if "\\" in pattern:
        return None
    pieces, timed = [], False
    for i, piece in enumerate(re_formatchars.split(pattern)):
        if i % 2:
            field, is_time = _field(piece)
            if field is None:
                return None
            pieces.append(field)
            timed = timed or is_time
        elif piece:
            pieces.append(piece)
    compiled = (tuple(pieces), timed)
    probes = (
        [dt.datetime.combine(d, t) for d in _PROBE_DATES for t in _PROBE_TIMES] if timed else _PROBE_DATES
    )
    for probe in probes:
        if _render(compiled[0], probe) != formats.date_format(probe, format_name):
            return None
    return compiled


def _render(pieces, value) -> str:
    return "".join(piece if isinstance(piece, str) else piece(value) for piece in pieces)


def date_text(value, format_name: str = "DATE_FORMAT") -> str:
    """``{{ value|date:format_name }}`` for a date or datetime (an aware one in local time), ""
    for None; ``format_name`` is a format setting such as "DATE_FORMAT" or "SHORT_DATETIME_FORMAT"."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    compiled = _compiled(get_language() or "", format_name)
    if compiled is None or (compiled[1] and not isinstance(value, dt.datetime)):
        return formats.date_format(value, format_name)
    return _render(compiled[0], value)
