"""Orders configuration (Cap.PROCESS_CONFIGURE): the discount-authority matrix (R3.9), the
notification routing table (R3.6) and the orders policy. Thin: parse, call services.config."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.permissions import Cap, require
from salescore.core.web import form_error
from salescore.orders.forms import DiscountRuleForm, PolicyForm, RouteForm
from salescore.orders.models import DiscountRule, OrdersPolicy, Route
from salescore.orders.services import config


def _rule_initial(rule: DiscountRule) -> dict:
    return {
        "position": rule.position,
        "category": rule.category_id,
        "customer_tier": rule.customer_tier,
        "max_discount": rule.max_discount,
        "version": rule.version,
    }


def _route_initial(route: Route) -> dict:
    return {
        "event": route.event,
        "position": route.position,
        "org_unit": route.org_unit_id,
        "person": route.person_id,
        "email": route.email,
        "purpose": route.purpose,
        "active": route.active,
        "version": route.version,
    }


def _authority_page(request, *, form=None, edit=None, edit_form=None):
    rules = list(
        DiscountRule.objects.select_related("category").order_by("position", "category_id", "customer_tier")
    )
    rows = [
        {
            "rule": rule,
            "form": edit_form
            if edit == rule.pk and edit_form is not None
            else DiscountRuleForm(initial=_rule_initial(rule), prefix=f"r{rule.pk}"),
        }
        for rule in rules
    ]
    return render(
        request,
        "orders/config/authority.html",
        {"rows": rows, "form": form or DiscountRuleForm(prefix="new")},
    )


@login_required
def authority(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    return _authority_page(request)


@login_required
@require_POST
def rule_save(request, pk: int | None = None):
    require(request.user, Cap.PROCESS_CONFIGURE)
    rule = get_object_or_404(DiscountRule.objects.all(), pk=pk) if pk else None
    form = DiscountRuleForm(request.POST, prefix=f"r{pk}" if pk else "new")
    if form.is_valid():
        try:
            config.discount_rule_save(
                actor=request.user, rule=rule, version=form.cleaned_data["version"], **form.service_fields()
            )
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The discount authority is saved."))
            return redirect("orders:config_authority")
    if rule is None:
        return _authority_page(request, form=form)
    return _authority_page(request, edit=rule.pk, edit_form=form)


@login_required
@require_POST
def rule_delete(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    rule = get_object_or_404(DiscountRule.objects.all(), pk=pk)
    config.discount_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("The rule is deleted."))
    return redirect("orders:config_authority")


def _routes_page(request, *, form=None, edit=None, edit_form=None):
    routes = list(Route.objects.select_related("org_unit", "person").order_by("event", "id"))
    rows = [
        {
            "route": route,
            "form": edit_form
            if edit == route.pk and edit_form is not None
            else RouteForm(initial=_route_initial(route), prefix=f"r{route.pk}"),
        }
        for route in routes
    ]
    return render(
        request,
        "orders/config/routes.html",
        {"rows": rows, "form": form or RouteForm(prefix="new", initial={"active": True})},
    )


@login_required
def routes(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    return _routes_page(request)


@login_required
@require_POST
def route_save(request, pk: int | None = None):
    require(request.user, Cap.PROCESS_CONFIGURE)
    route = get_object_or_404(Route.objects.all(), pk=pk) if pk else None
    form = RouteForm(request.POST, prefix=f"r{pk}" if pk else "new")
    if form.is_valid():
        try:
            config.route_save(
                actor=request.user, route=route, version=form.cleaned_data["version"], **form.service_fields()
            )
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The route is saved."))
            return redirect("orders:config_routes")
    if route is None:
        return _routes_page(request, form=form)
    return _routes_page(request, edit=route.pk, edit_form=form)


@login_required
@require_POST
def route_delete(request, pk: int):
    require(request.user, Cap.PROCESS_CONFIGURE)
    route = get_object_or_404(Route.objects.all(), pk=pk)
    config.route_delete(actor=request.user, route=route)
    messages.success(request, _("The route is deleted."))
    return redirect("orders:config_routes")


@login_required
def policy(request):
    require(request.user, Cap.PROCESS_CONFIGURE)
    current = OrdersPolicy.current()
    initial = {name: getattr(current, name) for name in config.POLICY_FIELDS}
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            config.orders_policy_update(actor=request.user, **form.cleaned_data)
        except PermissionDeniedError:
            raise
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The orders policy is saved."))
            return redirect("orders:config_policy")
    return render(request, "orders/config/policy.html", {"form": form})
