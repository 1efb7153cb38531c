"""Plan pages (R2.2, R2.3): the list, the editor with the four strategies, inputs, steps and the
feasibility check, and the way through submitted > approved > active > closed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.pagination import paginate
from salescore.core.permissions import Cap, access_for, get_in_scope, require
from salescore.core.web import form_error
from salescore.customers.models import Channel
from salescore.planning import selectors, services
from salescore.planning.forms import PlanDecideForm, PlanForm, PlanNewForm, StepForm
from salescore.planning.models import Plan, PlanStep, Target

EDITABLE = (Plan.Status.DRAFT, Plan.Status.REJECTED)


def _plan(request, pk) -> Plan:
    return get_in_scope(
        Plan.objects.select_related("target", "target__org_unit", "target__person", "owner", "approved_by"),
        request.user,
        pk,
    )


@login_required
def plan_list(request):
    require(request.user, Cap.TARGETS_MANAGE)
    status = request.GET.get("status") or ""
    if status not in Plan.Status.values:
        status = ""
    rows = selectors.plans_for(request.user, status=status or None).order_by("-updated_at", "-id")
    page = paginate(rows, page=request.GET.get("page", 1))
    return render(
        request,
        "planning/plan_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Plan.Status.choices,
            "to_decide": list(selectors.plans_to_decide(request.user)[:50]),
        },
    )


@login_required
def plan_create(request, target_pk: int):
    require(request.user, Cap.TARGETS_MANAGE)
    target = get_in_scope(Target.objects.select_related("org_unit", "person"), request.user, target_pk)
    form = PlanNewForm(request.POST or None, initial={"title": _("Plan for %(target)s") % {"target": target}})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, target=target, title=form.cleaned_data["title"])
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The plan is created: describe its strategies and steps."))
            return redirect("planning:plan_detail", pk=plan.pk)
    return render(request, "planning/plan_new.html", {"form": form, "target": target})


def _context(request, plan: Plan, **forms) -> dict:
    access = access_for(request.user)
    steps = list(plan.steps.select_related("owner", "depends_on"))
    editable = plan.status in EDITABLE and access.can(Cap.TARGETS_MANAGE)
    can_steps = plan.status != Plan.Status.CLOSED and access.can(Cap.TARGETS_MANAGE)
    step_forms = forms.get("step_forms") or {}
    channels = dict(Channel.choices)
    return {
        "plan": plan,
        "form": forms.get("form") or PlanForm.for_plan(plan),
        "editable": editable,
        "can_steps": can_steps,
        "steps": [
            {
                "step": step,
                "form": step_forms.get(step.pk) or StepForm(user=request.user, plan=plan, step=step),
            }
            for step in steps
        ],
        "new_step": forms.get("new_step") or StepForm(user=request.user, plan=plan, prefix="new"),
        "feasibility": selectors.feasibility(plan),
        "products": list(plan.products.order_by("code")),
        "price_lists": list(plan.price_lists.order_by("name", "id")),
        "campaigns": list(plan.campaigns.order_by("-start_date", "id")),
        "channel_labels": [channels.get(c, c) for c in plan.channels],
        "may_decide": plan.status == Plan.Status.SUBMITTED
        and selectors.plans_to_decide(request.user).filter(pk=plan.pk).exists(),
        "decide_form": forms.get("decide_form") or PlanDecideForm(),
        "can_manage": access.can(Cap.TARGETS_MANAGE),
    }


@login_required
def plan_detail(request, pk: int):
    plan = _plan(request, pk)
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services.plan_update(
                    actor=request.user,
                    plan=plan,
                    version=form.cleaned_data.get("version"),
                    products=list(form.cleaned_data["products"]),
                    price_lists=list(form.cleaned_data["price_lists"]),
                    campaigns=list(form.cleaned_data["campaigns"]),
                    **form.service_fields(),
                )
            except PermissionDeniedError:
                raise
            except ApplicationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The plan is saved."))
                return redirect("planning:plan_detail", pk=plan.pk)
        return render(request, "planning/plan_detail.html", _context(request, plan, form=form))
    return render(request, "planning/plan_detail.html", _context(request, plan))


@login_required
@require_POST
def step_save(request, pk: int, step_pk: int | None = None):
    plan = _plan(request, pk)
    step = get_object_or_404(PlanStep, pk=step_pk, plan=plan) if step_pk else None
    form = StepForm(
        request.POST, user=request.user, plan=plan, step=step, prefix=f"step{step.pk}" if step else "new"
    )
    if form.is_valid():
        try:
            services.plan_step_save(actor=request.user, plan=plan, step=step, **form.cleaned_data)
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The step is saved."))
            return redirect("planning:plan_detail", pk=plan.pk)
    forms = {"step_forms": {step.pk: form}} if step else {"new_step": form}
    return render(request, "planning/plan_detail.html", _context(request, plan, **forms), status=400)


def _act(request, plan, call, success):
    try:
        call()
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("planning:plan_detail", pk=plan.pk)


@login_required
@require_POST
def step_delete(request, pk: int, step_pk: int):
    plan = _plan(request, pk)
    step = get_object_or_404(PlanStep, pk=step_pk, plan=plan)
    return _act(
        request,
        plan,
        lambda: services.plan_step_delete(actor=request.user, step=step),
        _("The step is deleted."),
    )


@login_required
@require_POST
def plan_submit(request, pk: int):
    plan = _plan(request, pk)
    return _act(
        request,
        plan,
        lambda: services.plan_submit(actor=request.user, plan=plan),
        _("The plan is submitted."),
    )


@login_required
@require_POST
def plan_decide(request, pk: int):
    plan = _plan(request, pk)
    form = PlanDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or return."))
        return redirect("planning:plan_detail", pk=plan.pk)
    approve = form.cleaned_data["decision"] == "approve"
    return _act(
        request,
        plan,
        lambda: services.plan_decide(
            actor=request.user, plan=plan, approve=approve, comment=form.cleaned_data["comment"]
        ),
        _("The plan is approved.") if approve else _("The plan is returned for changes."),
    )


@login_required
@require_POST
def plan_status(request, pk: int):
    plan = _plan(request, pk)
    status = request.POST.get("status", "")
    return _act(
        request,
        plan,
        lambda: services.plan_set_status(actor=request.user, plan=plan, status=status),
        _("The plan is now %(status)s.")
        % {"status": Plan.Status(status).label if status in Plan.Status.values else status},
    )
