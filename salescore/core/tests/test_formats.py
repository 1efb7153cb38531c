"""core.formats.date_text writes what the ``date`` template filter writes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import translation

from salescore.core import formats
from salescore.core.formats import date_text

FORMATS = ["DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "SHORT_DATE_FORMAT"]


def _filter(value, name):
    return engines["django"].from_string("{{ value|date:name }}").render({"value": value, "name": name})


def _values():
    utc = dt.UTC
    for month in range(1, 13):
        for day in (1, 15, 28):
            yield dt.date(2026, month, day)
            for hour in range(24):
                for minute in (0, 1, 30, 59):
                    yield dt.datetime(2026, month, day, hour, minute, 7, tzinfo=utc)
    # across midnight in Shanghai, a naive datetime, a date-time near the new year
    yield dt.datetime(2026, 12, 31, 16, 0, tzinfo=utc)
    yield dt.datetime(2026, 3, 4, 0, 0)
    yield dt.datetime(2026, 3, 4, 12, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name", FORMATS)
def test_date_text_is_the_date_filter(language, name):
    with translation.override(language):
        assert formats._compiled(language, name) is not None  # the quick path is taken
        for value in _values():
            if isinstance(value, dt.datetime) or name in ("DATE_FORMAT", "SHORT_DATE_FORMAT"):
                assert date_text(value, name) == _filter(value, name), (value, name)


def test_date_text_of_nothing_and_of_a_date_in_a_time_format():
    assert date_text(None, "DATE_FORMAT") == ""
    with translation.override("en"):
        # a date given to a format with time fields goes to Django, which says what it says
        assert date_text(dt.date(2026, 5, 1), "SHORT_DATE_FORMAT") == "05/01/2026"


def test_a_format_with_an_escape_goes_to_django():
    with translation.override("en"):
        assert formats._compiled("en", "\\Y\\e\\a\\r Y") is None
        assert date_text(dt.date(2026, 5, 1), "\\Y\\e\\a\\r Y") == "Year 2026"
