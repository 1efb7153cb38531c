"""An API list page's items as plain values, read straight from the records, without pydantic.

ninja answers a list by validating every item against its schema (a wrapper object per record, a
Python call per field) and dumping the validated models again: about a third of a page of 100
customers. A page's items need neither: their values come from our own records, already of the
schema's types. ``row_writer(Schema)`` reads each field as ninja would (a ``resolve_<field>``
method, else the attribute or the dotted ``alias``, managers listed, callables called) and checks
that the value already is what the schema's annotation holds (an ``int`` for ``int``, a member's
value for an enum, ...); the values then go to the same JSON renderer, so the bytes are the same.

A value that is not (a ``float`` for a ``Decimal``, a missing attribute) sends its row through
the schema as before, so nothing is ever written differently, only more slowly. A schema with
anything the writer does not know (validators, serialisers, computed fields, other types) is
always written by pydantic: ``row_writer`` then returns None.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from decimal import Decimal
from functools import cache
from typing import Any, Literal, Union

from django.db.models import Manager, Prefetch, QuerySet
from django.db.models.fields.files import FieldFile
from ninja import Schema
from ninja.schema import Resolver
from pydantic import BaseModel

# What a check answers when the value is not already of the annotation's type.
_NO = object()
_EXACT = {int: int, str: str, bool: bool, float: float, Decimal: Decimal, dt.datetime: dt.datetime}
_PLAIN = (int, str, bool, float, Decimal, dt.datetime, dt.date, type(None))


def _ANY(v):
    return v


class Unsupported(Exception):
    """The schema uses something the writer does not reproduce: pydantic writes it."""


def _check(annotation):
    """A function value -> the value as pydantic would dump it (python mode), or _NO."""
    if annotation is Any:
        return _ANY
    if annotation is type(None) or annotation is None:
        return lambda v: v if v is None else _NO
    if annotation in _EXACT:
        kind = _EXACT[annotation]
        return lambda v: v if type(v) is kind else _NO
    if annotation is dt.date:
        return lambda v: v if type(v) is dt.date else _NO
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = {m.value: m for m in annotation}
        # A raw value (str or int from the database) stands for its member; JSON writes both alike.
        return lambda v: members.get(v, _NO) if type(v) in (str, int) or isinstance(v, annotation) else _NO
    if origin is Literal:
        allowed = {(type(a), a) for a in args}
        return lambda v: v if (type(v), v) in allowed else _NO
    if origin in (Union, types.UnionType):
        choices = [_check(a) for a in args]

        def union(v):
            for choice in choices:
                out = choice(v)
                if out is not _NO:
                    return out
            return _NO

        return union
    if origin is list and len(args) == 1:
        item = _check(args[0])

        def many(v):
            if isinstance(v, Manager):
                v = list(v.all())
            elif isinstance(v, QuerySet):
                v = list(v)
            if type(v) is not list:
                return _NO
            out = [item(x) for x in v]
            return _NO if any(x is _NO for x in out) else out

        return many
    if annotation is dict or origin is dict:
        key, value = (_check(a) for a in args) if args else (_ANY, _ANY)

        def mapping(v):
            if type(v) is not dict:
                return _NO
            out = {key(k): value(x) for k, x in v.items()}
            return _NO if _NO in out or any(x is _NO for x in out.values()) else out

        return mapping
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        write = row_writer(annotation)
        if write is None:
            raise Unsupported(annotation)
        return lambda v: _NO if v is None else write(v)
    raise Unsupported(annotation)


def _convert(value):
    """What ninja's DjangoGetter makes of an attribute: managers and querysets listed, callables
    called, files as their URL."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Manager):
        return list(value.all())
    if isinstance(value, QuerySet):
        return list(value)
    if callable(value):
        return value()
    if isinstance(value, FieldFile):
        return value.url if value else None
    return value


def _getter(schema, name: str, field):
    resolver = schema._ninja_resolvers.get(name)
    if resolver is not None:
        if not isinstance(resolver, Resolver) or not resolver._static or resolver._takes_context:
            raise Unsupported(name)
        func = resolver._func
        return lambda obj: _convert(func(obj))
    key = field.alias or name
    path = key.split(".")
    if len(path) == 1:

        def attribute(obj):
            return _convert(obj[key] if isinstance(obj, dict) else getattr(obj, key))

        return attribute

    def dotted(obj):
        for part in path:
            obj = _convert(obj[part] if isinstance(obj, dict) else getattr(obj, part))
        return obj

    return dotted


def _supported(schema) -> bool:
    decorators = schema.__pydantic_decorators__
    validators = [name for name in decorators.model_validators if name != "_run_root_validator"]
    return not (
        validators
        or decorators.field_validators
        or decorators.field_serializers
        or decorators.model_serializers
        or decorators.computed_fields
        or decorators.validators
        or decorators.root_validators
    )


@cache
def row_writer(schema: type[BaseModel]):
    """A function record -> the dict ninja would dump for it with ``schema``, or None when this
    schema is always left to pydantic."""
    if not (isinstance(schema, type) and issubclass(schema, Schema)) or not _supported(schema):
        return None
    try:
        plan = []
        for name, field in schema.model_fields.items():
            if field.exclude or field.metadata and _transforms(field.metadata):
                raise Unsupported(name)
            required = field.is_required()
            plan.append((name, _getter(schema, name, field), _check(field.annotation), required, field))
    except Unsupported:
        return None

    def write(obj):
        row = {}
        for name, get, check, required, field in plan:
            try:
                value = get(obj)
            except (AttributeError, KeyError):
                if required:
                    return slow(schema, obj)  # pydantic names what is missing
                row[name] = field.get_default(call_default_factory=True)
                continue
            out = check(value)
            if out is _NO:
                return slow(schema, obj)
            row[name] = out
        return row

    return write


def slow(schema, obj) -> dict:
    """The row as ninja writes it: validated by the schema, then dumped."""
    return schema.model_validate(obj).model_dump()


def _transforms(metadata) -> bool:
    """Constraints that change a value (strip, case) rather than only check it."""
    for item in metadata:
        for attr in ("strip_whitespace", "to_upper", "to_lower"):
            if getattr(item, attr, None):
                return True
    return False


# -- related records read for a page -----------------------------------------------------------


def listed(queryset, *names: str):
    """``queryset`` whose prefetches of ``names`` are read into plain lists (``<name>_listed``).

    To cache a record's prefetched rows, Django builds it a filtered queryset of its own: 100
    opportunities with their contacts cost 100 ``filter()`` calls, a third of the page. A list
    read with ``to_attr`` gets the same rows in the same order without them; ``related`` reads
    them back, and falls back to the relation for a record read some other way."""
    lookups, found = [], set()
    for lookup in queryset._prefetch_related_lookups:
        through = lookup.prefetch_through if isinstance(lookup, Prefetch) else lookup
        if through in names and getattr(lookup, "to_attr", None) in (None, through):
            rows = getattr(lookup, "queryset", None)
            lookup = Prefetch(through, queryset=rows, to_attr=f"{through}_listed")
            found.add(through)
        lookups.append(lookup)
    if missing := set(names) - found:
        raise ValueError(f"No prefetch of {', '.join(sorted(missing))} to list")
    return queryset.prefetch_related(None).prefetch_related(*lookups)


def related(obj, name: str) -> list:
    """The records of ``obj``'s to-many relation ``name``: those ``listed`` read for its page,
    else ``obj.<name>.all()``."""
    rows = getattr(obj, f"{name}_listed", None)
    return list(getattr(obj, name).all()) if rows is None else rows


def only_related(queryset, **keep):
    """``queryset`` reading, of each related record it selects (``select_related``), only the
    columns its page shows: ``only_related(rows, customer=["name"], owner=["name", "name_en"])``.
    A list that names its customer read the customer's forty columns and built each from them (a
    datetime parsed per column): about 4 ms of an API page of 100 opportunities. A column left out
    and read anyway costs a query per record, which the lists' query-count tests catch."""
    deferred = []
    for relation, names in keep.items():
        related = queryset.model._meta.get_field(relation).related_model
        deferred += [
            f"{relation}__{f.name}"
            for f in related._meta.concrete_fields
            if not f.primary_key and f.name not in names and f.attname not in names
        ]
    return queryset.defer(*deferred)
