"""REST endpoints of the audit trail and the recycle bin. Audit rows are read-only here."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from salescore.core.api import MAX_ID, ErrorOut, Pagination, paginate
from salescore.core.history import describe_changes
from salescore.core.models import AuditAction
from salescore.core.selectors import (
    audit_log_list,
    audited_model,
    history_for_record,
    trash_get,
)

router = Router(tags=["audit"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ChangeOut(Schema):
    field: str
    old: str
    new: str


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    origin: str
    ip: str | None
    action: AuditAction
    record: str = Field(..., alias="object_repr")
    model: str
    object_id: int
    changes: list[ChangeOut]

    @staticmethod
    def resolve_model(obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    @staticmethod
    def resolve_changes(obj) -> list[dict]:
        return describe_changes(obj.content_type.model_class(), obj.changes)


class AuditFilter(Schema):
    actor_id: int | None = Field(None, ge=1, le=MAX_ID)
    action: AuditAction | None = None
    model: str | None = Field(None, pattern=r"^[a-z_]+\.[a-z_]+$", description="e.g. org.person")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str | None = Field(None, max_length=100)


class RestoredOut(Schema):
    model: str
    id: int
    message: str


@router.get("/audit", response={200: list[AuditOut], **ERRORS}, summary="The whole audit trail")
@paginate(Pagination)
def list_audit(request, filters: Query[AuditFilter]):
    return audit_log_list(
        user=request.auth,
        actor_id=filters.actor_id,
        action=filters.action,
        model_label=filters.model,
        date_from=filters.date_from,
        date_to=filters.date_to,
        q=filters.q,
    )


@router.get(
    "/history/{model}/{record_id}",
    response={200: list[AuditOut], **ERRORS},
    summary="History of one record (who changed what, when, old -> new)",
)
@paginate(Pagination)
def record_history(request, model: str, record_id: int):
    _record, rows = history_for_record(user=request.auth, model=audited_model(model), pk=record_id)
    return rows


@router.post(
    "/trash/{model}/{record_id}/restore",
    response={200: RestoredOut, **ERRORS},
    summary="Restore a deleted record",
)
def restore_record(request, model: str, record_id: int):
    record, entry = trash_get(user=request.auth, label=model, pk=record_id)
    entry.restore(actor=request.auth, record=record)
    return {"model": model, "id": record.pk, "message": _("%(record)s is restored.") % {"record": record}}
