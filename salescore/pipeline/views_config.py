"""Process configuration pages (R3.1, R3.5): the stages with their entry criteria, and the
standard scripts (话术). For Cap.PROCESS_CONFIGURE only; thin, like every page: parse the form,
call pipeline.services, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError
from salescore.core.permissions import Cap, require
from salescore.core.web import form_error
from salescore.pipeline import services
from salescore.pipeline.forms_config import ScriptForm, StageForm
from salescore.pipeline.gates import GATES
from salescore.pipeline.models import Opportunity, Script, Stage

# -- stages --------------------------------------------------------------------------------------


def _stage_initial(stage: Stage) -> dict:
    return {
        "name": stage.name,
        "name_en": stage.name_en,
        "probability": stage.probability,
        "entry_gates": list(stage.entry_gates),
        "exit_note": stage.exit_note,
        "active": stage.active,
        "version": stage.version,
    }


def _stages_page(request, *, bound: StageForm | None = None, bound_pk: int | None = None):
    stages = list(Stage.objects.order_by("sort_order"))
    counts = dict(Opportunity.objects.values("stage_id").annotate(n=Count("pk")).values_list("stage_id", "n"))
    rows = [
        {
            "stage": stage,
            "form": bound
            if stage.pk == bound_pk
            else StageForm(initial=_stage_initial(stage), prefix=f"stage-{stage.pk}"),
            "opportunities": counts.get(stage.pk, 0),
        }
        for stage in stages
    ]
    return render(request, "pipeline/config/stages.html", {"rows": rows, "gates": GATES})


@login_required
def stages(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    return _stages_page(request)


@login_required
@require_POST
def stage_save(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    stage = Stage.objects.filter(pk=pk).first()
    if stage is None:
        raise Http404
    form = StageForm(request.POST, initial=_stage_initial(stage), prefix=f"stage-{stage.pk}")
    if form.is_valid():
        data = form.cleaned_data
        chosen = set(data["entry_gates"])
        try:
            services.stage_update(
                actor=request.user,
                stage=stage,
                version=data["version"],
                name=data["name"],
                name_en=data["name_en"],
                probability=data["probability"],
                # In the order the criteria are listed, so the stored list reads the same way.
                entry_gates=[key for key in GATES if key in chosen],
                exit_note=data["exit_note"],
                active=data["active"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": stage})
            return redirect(reverse("pipeline_config:stages") + f"#stage-{stage.pk}")
    return _stages_page(request, bound=form, bound_pk=stage.pk)


# -- scripts -------------------------------------------------------------------------------------


@login_required
def scripts(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    by_stage: dict[int, list[Script]] = {}
    for script in Script.objects.select_related("product").order_by("product_id", "title"):
        by_stage.setdefault(script.stage_id, []).append(script)
    groups = [
        {"stage": stage, "scripts": by_stage.get(stage.pk, [])}
        for stage in Stage.objects.order_by("sort_order")
        if not stage.is_closed or by_stage.get(stage.pk)
    ]
    return render(request, "pipeline/config/scripts.html", {"groups": groups})


def _script_get(pk: int) -> Script:
    script = Script.objects.select_related("stage", "product").filter(pk=pk).first()
    if script is None:
        raise Http404
    return script


def _script_kwargs(data) -> dict:
    return {
        "stage": data["stage"],
        "product": data["product"],
        "title": data["title"],
        "body": data["body"],
        "checklist": "\n".join(line.strip() for line in data["checklist"].splitlines() if line.strip()),
        "active": data["active"],
    }


def _scripts_url(stage_pk: int) -> str:
    return reverse("pipeline_config:scripts") + f"#stage-{stage_pk}"


@login_required
def script_create(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    stage = Stage.objects.filter(pk=request.GET.get("stage") or 0).first()
    form = ScriptForm(request.POST or None, initial={"stage": stage, "active": True})
    if request.method == "POST" and form.is_valid():
        try:
            script = services.script_save(actor=request.user, **_script_kwargs(form.cleaned_data))
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is created.") % {"name": script})
            return redirect(_scripts_url(script.stage_id))
    return render(request, "pipeline/config/script_form.html", {"form": form, "script": None})


@login_required
def script_edit(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    script = _script_get(pk)
    initial = {
        "stage": script.stage,
        "product": script.product,
        "title": script.title,
        "body": script.body,
        "checklist": script.checklist,
        "active": script.active,
        "version": script.version,
    }
    form = ScriptForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.script_save(
                actor=request.user, script=script, version=data["version"], **_script_kwargs(data)
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": script})
            return redirect(_scripts_url(script.stage_id))
    return render(request, "pipeline/config/script_form.html", {"form": form, "script": script})


@login_required
@require_POST
def script_delete(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    script = _script_get(pk)
    services.script_delete(actor=request.user, script=script)
    messages.success(request, _("%(name)s is deleted.") % {"name": script})
    return redirect(_scripts_url(script.stage_id))
