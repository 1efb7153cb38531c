from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from salescore.core import notifications
from salescore.core.errors import ApplicationError
from salescore.core.history import describe_changes, origin_label, resolve_references
from salescore.core.models import AuditAction, AuditedModel
from salescore.core.navigation import queues_for
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, require
from salescore.core.selectors import audit_log_list, audited_model, history_for_record, trash_get, trash_list
from salescore.core.trash import TRASH
from salescore.core.web import safe_next


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request):
    from salescore.org.models import OrgUnit
    from salescore.org.selectors import headcount_by_section

    access = access_for(request.user)
    headcount = headcount_by_section(user=request.user)
    section = None
    if access.person_id:
        # The person and their unit come with the user; a team's section is among the chart's.
        unit = request.user.person.org_unit
        if unit.kind == OrgUnit.Kind.SECTION:
            section = unit
        elif unit.kind == OrgUnit.Kind.TEAM:
            sections = {row["unit"].pk: row["unit"] for row in headcount}
            section = sections.get(unit.parent_id) or unit.parent
    chart = {
        "labels": [row["unit"].display_name for row in headcount],
        "values": [row["count"] for row in headcount],
        "title": _("Active people by section"),
    }
    return render(
        request,
        "core/home.html",
        {"queues": queues_for(request.user), "section": section, "headcount": headcount, "chart": chart},
    )


def _rows(page_items):
    labels = resolve_references(page_items)
    rows = []
    for row in page_items:
        model = row.content_type.model_class()
        link = None
        if model is not None and issubclass(model, AuditedModel):
            link = reverse("core:history", args=[model._meta.label_lower, row.object_id])
        rows.append(
            {
                "entry": row,
                "link": link,
                "actor": row.actor.get_full_name() if row.actor else row.actor_name,
                "origin": origin_label(row.origin),
                "changes": describe_changes(model, row.changes, labels),
            }
        )
    return rows


@login_required
def history(request, model: str, pk: int):
    model_class = audited_model(model)
    record, rows = history_for_record(user=request.user, model=model_class, pk=pk)
    page = paginate(rows, page=request.GET.get("page", 1), page_size=50)
    return render(
        request,
        "core/history.html",
        {
            "record": record,
            "model_name": capfirst(model_class._meta.verbose_name),
            "page": page,
            "rows": _rows(page.items),
            "can_restore": record.is_deleted
            and access_for(request.user).can(Cap.RECORDS_RESTORE)
            and model in TRASH,
            "model_label": model,
            # Rows of records merged into this one say which record they belong to.
            "show_record": bool(record.merged_ids),
        },
    )


@login_required
def audit_log(request):
    require(request.user, Cap.AUDIT_VIEW_ALL)
    filters = {
        "action": request.GET.get("action") or None,
        "model_label": request.GET.get("model") or None,
        "q": request.GET.get("q") or None,
    }
    rows = audit_log_list(user=request.user, **filters)
    page = paginate(rows, page=request.GET.get("page", 1), page_size=50)
    template = (
        "core/_partials/audit_rows.html" if request.headers.get("HX-Request") else "core/audit_log.html"
    )
    return render(
        request,
        template,
        {
            "page": page,
            "rows": _rows(page.items),
            "actions": AuditAction.choices,
            "models": [(label, entry.model._meta.verbose_name_plural) for label, entry in TRASH.items()],
            "filters": request.GET,
        },
    )


@login_required
def trash(request):
    sections = trash_list(user=request.user)
    return render(request, "core/trash.html", {"sections": sections})


@login_required
@require_POST
def restore(request, model: str, pk: int):
    record, entry = trash_get(user=request.user, label=model, pk=pk)
    try:
        entry.restore(actor=request.user, record=record)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(record)s is restored.") % {"record": record})
    return redirect(safe_next(request, "core:trash"))


@login_required
def inbox(request):
    rows = notifications.inbox(request.user)
    if request.GET.get("unread") == "1":
        rows = rows.filter(read_at__isnull=True)
    page = paginate(rows, page=request.GET.get("page", 1), page_size=30)
    return render(request, "core/inbox.html", {"page": page, "unread_only": request.GET.get("unread") == "1"})


@login_required
@require_POST
def inbox_read(request):
    ids = request.POST.getlist("id") or None
    notifications.mark_read(user=request.user, ids=ids)
    return redirect(safe_next(request, "core:inbox"))
