"""Turning audit rows into what a person reads: field labels and values, translated now."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _


def _value(field, raw, display):
    if display is not None:
        return display
    if raw is None or raw == "":
        return "—"
    if field is None:
        return str(raw)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(raw, raw))
    internal = field.get_internal_type()
    if internal == "BooleanField":
        return _("Yes") if raw else _("No")
    if internal == "DateTimeField":
        parsed = parse_datetime(str(raw))
        return date_format(localtime(parsed), "DATETIME_FORMAT") if parsed else str(raw)
    if internal == "DateField":
        parsed = parse_date(str(raw))
        return date_format(parsed, "DATE_FORMAT") if parsed else str(raw)
    return str(raw)


def describe_changes(model, changes: dict) -> list[dict]:
    rows = []
    for name, change in (changes or {}).items():
        try:
            field = model._meta.get_field(name)
            label = str(getattr(field, "verbose_name", name))
        except (FieldDoesNotExist, AttributeError):
            field, label = None, name
        if not isinstance(change, dict):
            rows.append({"field": label, "old": "—", "new": str(change)})
            continue
        rows.append(
            {
                "field": label,
                "old": _value(field, change.get("old"), change.get("old_display")),
                "new": _value(field, change.get("new"), change.get("new_display")),
            }
        )
    return rows
