"""Reads of the audit trail and the recycle bin, scoped like the records they describe, and
``count_each``: the sizes of several querysets in one statement (the home page's work queues)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.http import Http404
from django.utils.translation import gettext as _

from salescore.core.models import AuditedModel, AuditLog, RecordShare
from salescore.core.pagination import searched
from salescore.core.permissions import Cap, can, require, scope_queryset
from salescore.core.trash import TRASH


def audited_model(label: str) -> type[AuditedModel]:
    """'org.person' -> the model, only for business models (404 for anything else)."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    if not issubclass(model, AuditedModel):
        raise Http404
    return model


def record_get_any_state(*, user, model: type[AuditedModel], pk) -> AuditedModel:
    """A record (live or deleted) the user may see, or 404. Reference data needs org.view."""
    reference_data = model.scope_owner_field is None and getattr(model, "scope_via", None) is None
    if reference_data and not can(user, Cap.ORG_VIEW):
        raise Http404
    try:
        return scope_queryset(model.all_objects.all(), user).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def merged_record_ids(model: type[AuditedModel], pk: int) -> list[int]:
    """The records merged into this one, and those merged into them (a model with a
    ``merged_into`` foreign key to itself, e.g. customers.Customer). One query per merge level."""
    if not any(f.name == "merged_into" for f in model._meta.concrete_fields):
        return []
    found: list[int] = []
    seen = {pk}
    frontier = [pk]
    while frontier:
        frontier = [
            other
            for other in model._base_manager.filter(merged_into__in=frontier).values_list("pk", flat=True)
            if other not in seen
        ]
        seen.update(frontier)
        found.extend(frontier)
    return found


def history_for_record(*, user, model: type[AuditedModel], pk) -> tuple[AuditedModel, models.QuerySet]:
    """The record's audit rows, and those of the records merged into it (a merge keeps the
    duplicate's history reachable from the survivor). ``record.merged_ids`` lists the latter."""
    record = record_get_any_state(user=user, model=model, pk=pk)
    content_type = ContentType.objects.get_for_model(model)
    record.merged_ids = merged_record_ids(model, record.pk)
    rows = AuditLog.objects.filter(
        content_type=content_type, object_id__in=[record.pk, *record.merged_ids]
    ).select_related("content_type", "actor__person")
    return record, rows


def audit_log_list(
    *,
    user,
    actor_id: int | None = None,
    action: str | None = None,
    model_label: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    q: str | None = None,
) -> models.QuerySet:
    """The whole trail, for those allowed to read all of it."""
    require(user, Cap.AUDIT_VIEW_ALL)
    rows = AuditLog.objects.select_related("content_type", "actor__person")
    if actor_id:
        rows = rows.filter(actor_id=actor_id)
    if action:
        rows = rows.filter(action=action)
    if model_label:
        try:
            app_label, model_name = model_label.split(".", 1)
        except ValueError:
            raise Http404 from None
        rows = rows.filter(content_type__app_label=app_label, content_type__model=model_name)
    if date_from:
        rows = rows.filter(at__date__gte=date_from)
    if date_to:
        rows = rows.filter(at__date__lte=date_to)
    if q:
        rows = searched(rows, models.Q(object_repr__icontains=q.strip()))
    return rows


def trash_list(*, user, limit: int = 50) -> list[dict]:
    """Deleted records per kind within the user's scope (two queries per kind)."""
    require(user, Cap.RECORDS_RESTORE)
    sections = []
    for label, entry in TRASH.items():
        if entry.capability and not can(user, entry.capability):
            continue  # shown only to those who may restore it
        deleted = scope_queryset(entry.model.all_objects.filter(deleted_at__isnull=False), user)
        sections.append(
            {
                "label": label,
                "name": entry.model._meta.verbose_name_plural,
                "count": deleted.count(),
                "rows": list(deleted.select_related("deleted_by").order_by("-deleted_at")[:limit]),
            }
        )
    return sections


def trash_get(*, user, label: str, pk) -> tuple[AuditedModel, object]:
    require(user, Cap.RECORDS_RESTORE)
    entry = TRASH.get(label)
    if entry is None or (entry.capability and not can(user, entry.capability)):
        raise Http404
    try:
        record = scope_queryset(entry.model.all_objects.filter(deleted_at__isnull=False), user).get(pk=pk)
    except (entry.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None
    return record, entry


def record_share_count(record: models.Model) -> int:
    """How many people ``record`` is shared with."""
    return RecordShare.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    ).count()


def _rows_sql(queryset: models.QuerySet) -> tuple[str, tuple]:
    """The SELECT of ``queryset``'s rows, as cheap to count as it can be made.

    A plain queryset selects only its primary key, unordered and without its joined relations;
    one whose rows depend on what it selects (distinct, grouped, sliced, a union) is kept as it is,
    so the count is always ``queryset.count()``'s. Raises EmptyResultSet when no row can match.
    """
    query = queryset.query
    if not (query.distinct or query.group_by is not None or query.is_sliced or query.combinator):
        queryset = queryset.order_by().values("pk")
    return queryset.query.get_compiler(using=queryset.db).as_sql(with_col_aliases=True)


def count_each(querysets: Sequence[models.QuerySet]) -> list[int]:
    """``[qs.count() for qs in querysets]`` in one statement (per database) instead of one each:
    ``SELECT (SELECT COUNT(*) FROM (<rows 1>) q0), (SELECT COUNT(*) FROM (<rows 2>) q1), ...``.
    A queryset that cannot match (``.none()``) counts 0 without being sent."""
    counts = [0] * len(querysets)
    by_database: dict[str, list[tuple[int, str, tuple]]] = {}
    for index, queryset in enumerate(querysets):
        try:
            sql, params = _rows_sql(queryset)
        except EmptyResultSet:
            continue
        by_database.setdefault(queryset.db, []).append((index, sql, params))
    for alias, parts in by_database.items():
        # Each part is SQL the ORM compiled, its values left to the parameters.
        columns = ", ".join(
            f"(SELECT COUNT(*) FROM ({sql}) q{n})"  # noqa: S608  (compiled by the ORM)
            for n, (_i, sql, _p) in enumerate(parts)
        )
        params = [param for _i, _sql, part in parts for param in part]
        with connections[alias].cursor() as cursor:
            cursor.execute(f"SELECT {columns}", params)
            row = cursor.fetchone()
        for (index, _sql, _params), count in zip(parts, row, strict=True):
            counts[index] = count
    return counts
