"""Turning audit rows into what a person reads: field labels and values in today's language.

References (a unit, a manager, regions) are looked up again when shown, so a name reads in the
viewer's language and as it is now; the name stored at write time is the fallback for a record
that is gone. Lookups are batched: one query per kind of referenced record on a page.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ORIGINS = {
    "web": gettext_lazy("Web page"),
    "api": gettext_lazy("API"),
    "task": gettext_lazy("Background task"),
    "cli": gettext_lazy("Command line"),
    "system": gettext_lazy("System"),
}


def origin_label(origin: str) -> str:
    return str(ORIGINS.get(origin, origin))


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        return None


def _label(obj) -> str:
    if isinstance(obj, get_user_model()):
        return obj.get_username()  # str(user) would look up their person: one query each
    return str(getattr(obj, "display_name", obj))


def _ids(value) -> list:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def resolve_references(entries) -> dict:
    """{(model, pk): label} for every record the changes of ``entries`` point to."""
    wanted: dict = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, change in (entry.changes or {}).items():
            field = _field(model, name)
            if field is None or not field.is_relation or not isinstance(change, dict):
                continue
            for key in ("old", "new"):
                wanted[field.related_model].update(_ids(change.get(key)))
    labels = {}
    for related, pks in wanted.items():
        pks = {pk for pk in pks if isinstance(pk, int)}
        if pks:
            for obj in related._base_manager.filter(pk__in=pks):
                labels[(related, obj.pk)] = _label(obj)
    return labels


def _value(field, raw, display, labels):
    if field is not None and field.is_relation and labels is not None and raw not in (None, "", []):
        found = [labels.get((field.related_model, pk)) for pk in _ids(raw)]
        if all(found):
            return ", ".join(found)
    if display is not None:
        return display or "—"
    if raw is None or raw == "" or raw == []:
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


def describe_changes(model, changes: dict, labels: dict | None = None) -> list[dict]:
    """One {"field", "old", "new"} row per changed field. Without ``labels`` no query is made."""
    rows = []
    for name, change in (changes or {}).items():
        field = _field(model, name)
        label = str(getattr(field, "verbose_name", name)) if field is not None else name
        if name == "shared_with":
            label = _("shared with")
        elif name == "merged_from":
            label = _("merged from")
        elif name == "merge_moved":
            label = _("moved by the merge")
        if not isinstance(change, dict):
            rows.append({"field": label, "old": "—", "new": str(change)})
            continue
        rows.append(
            {
                "field": label,
                "old": _value(field, change.get("old"), change.get("old_display"), labels),
                "new": _value(field, change.get("new"), change.get("new_display"), labels),
            }
        )
    return rows
