"""What can be imported. Each domain describes its own rows (``<domain>/importers.py``) and
registers them here; the engine knows nothing about customers or leads.

An importer turns one row of text into the keyword arguments of the domain's own create service,
and calls that service: the rules an import obeys are exactly those of entry by hand.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils import translation
from django.utils.translation import gettext as _


class RowError(Exception):
    """One or more fields of a row cannot be read: ``problems`` maps a field name to the reason."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class Column:
    """One field an importer fills. ``aliases`` are header texts (any case, spaces ignored)."""

    name: str
    label: Any  # lazy translated
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: Any = ""


@dataclass
class Importer:
    """The base of every domain importer. Subclasses set the class attributes and implement
    ``parse`` and ``create``; ``update`` when an existing record may be updated from a row."""

    kind: str = ""
    capability: str = ""
    columns: tuple[Column, ...] = ()
    can_update: bool = False
    example: dict[str, str] = field(default_factory=dict)

    # -- to implement ----------------------------------------------------------------------

    def context(self, actor) -> dict:
        """Lookups loaded once per run (regions, people in scope, ...)."""
        return {}

    def prepare(self, rows: list[dict[str, str]], *, actor, context: dict) -> None:
        """Called with the values of a batch's rows before any of them is parsed: load into
        ``context`` what these rows refer to and may be too many to load once per run (the
        customers a contact file names), so a batch costs a fixed number of queries."""

    def parse(self, values: dict[str, str], *, actor, context: dict) -> dict:
        """Text of the mapped columns -> the service's keyword arguments. Raise RowError."""
        raise NotImplementedError

    def identity(self, data: dict) -> list[tuple[str, str]]:
        """(field, key) pairs that must be unique within the file, e.g. the credit code."""
        return []

    def create(self, data: dict, *, actor) -> Model:
        raise NotImplementedError

    def create_many(self, items: list[dict], *, actor, check: bool) -> list[Model | Exception | None]:
        """Optional: create a batch of rows at once, with the same rules as ``create``. Returns,
        per item, the new record or the exception ``create`` would have raised for it. ``check``
        (the dry run): apply every rule but write nothing; a row that passes gets None."""
        raise NotImplementedError

    def update(self, data: dict, *, actor, duplicate) -> Model:
        """Update the record ``duplicate`` (the service's ApplicationError) points to."""
        raise NotImplementedError

    def preview(self, data: dict) -> dict[str, str]:
        """The values as they will be imported, for the dry-run table."""
        return {name: _display(value) for name, value in data.items()}

    # -- shared ------------------------------------------------------------------------------

    @property
    def writes_many(self) -> bool:
        """Whether the importer writes batches (implements ``create_many``)."""
        return type(self).create_many is not Importer.create_many

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(_display(v) for v in value)
    if isinstance(value, Model):
        return str(getattr(value, "display_name", value))
    return str(value)


REGISTRY: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    REGISTRY[importer.kind] = importer
    return importer


def get(kind: str) -> Importer:
    return REGISTRY[kind]


# -- helpers the domain importers share ---------------------------------------------------------

_PUNCT = re.compile(r"[\s\*:：()（）\[\]【】_\-/\\.]+")


def header_key(text: str) -> str:
    """A header as compared with aliases: lower case, no spaces, asterisks or brackets."""
    return _key_of(text if type(text) is str else str(text or ""))


@functools.lru_cache(maxsize=4096)
def _key_of(text: str) -> str:
    # Cached: a file's choice, region and owner columns repeat a few texts on every row.
    return _PUNCT.sub("", text).lower()


def choice_map(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every way a user may write a choice (value, English label, Chinese label) -> its value."""
    found: dict[str, str] = {}
    for value, label in choices:
        found[header_key(value)] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                found[header_key(str(label))] = value
    for text, value in (extra or {}).items():
        found[header_key(text)] = value
    return found


def pick_choice(text: str, mapping: dict[str, str], *, field_name: str, choices) -> str:
    """The choice value ``text`` names. ``choices`` (pairs, or a Choices class) words the error."""
    if not text:
        return ""
    value = mapping.get(header_key(text))
    if value is None:
        choices = getattr(choices, "choices", choices)
        raise RowError(
            {
                field_name: _("%(value)s is not one of: %(choices)s.")
                % {"value": text, "choices": ", ".join(str(label) for _v, label in choices)}
            }
        )
    return value


TRUE_WORDS = {"1", "y", "yes", "true", "是", "对", "√", "x"}
FALSE_WORDS = {"", "0", "n", "no", "false", "否", "不是"}


def parse_bool(text: str, *, field_name: str) -> bool:
    key = header_key(text)
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise RowError({field_name: _("Write yes or no (是 / 否).")})


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，;；、|]", text or "") if part.strip()]


def read_choices_and_lookups(
    values: dict[str, str], context: dict, *, choices, lookups, data: dict, problems: dict, memo=None
) -> None:
    """Read the choice columns (``(name, choices)``: a value from ``context[name]``'s word map)
    and the lookup columns (``(name, context_key)``: a region or person found by ``.find``) of
    one row into ``data``, collecting each column's problem in ``problems``.

    ``memo``: a dict kept for the run, so that a text a column has on many rows (a tier, a
    region, an owner) is read once. What a text reads as depends only on the run's context; a
    text that cannot be read is read again on each row, so its problem is worded anew."""
    for name, options in choices:
        text = values.get(name, "").strip()
        value = memo.get((name, text)) if memo is not None else None
        if value is None:
            try:
                value = pick_choice(text, context[name], field_name=name, choices=options)
            except RowError as exc:
                problems.update(exc.problems)
                continue
            if memo is not None:
                memo[(name, text)] = value
        if value:
            data[name] = value
    for name, key in lookups:
        text = values.get(name, "")
        found = memo.get((name, text)) if memo is not None else None
        if found is None:
            try:
                found = context[key].find(text, field_name=name)
            except RowError as exc:
                problems.update(exc.problems)
                continue
            if memo is not None and found is not None:
                memo[(name, text)] = found
        if found is not None:
            data[name] = found
