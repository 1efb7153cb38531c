"""Configuration of orders (R3.6, R3.9): the discount-authority matrix, the notification routing
table and the orders policy. Only Cap.PROCESS_CONFIGURE; every change is audited (AuditedModel)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError
from salescore.core.models import AuditAction, audit_event
from salescore.core.permissions import Cap, require
from salescore.core.services import check_version, validate_fields
from salescore.orders.models import DiscountRule, OrdersPolicy, Route

RULE_FIELDS = ("position", "category", "customer_tier", "max_discount")
ROUTE_FIELDS = ("event", "position", "org_unit", "person", "email", "purpose", "active")
POLICY_FIELDS = (
    "quote_validity_days",
    "late_risk_days",
    "remind_before_days",
    "remind_after_days",
    "default_tax_rate",
)


def _set(instance, data: dict, allowed) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set here: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    for name, value in data.items():
        setattr(instance, name, value)


@transaction.atomic
def discount_rule_save(
    *, actor: User, rule: DiscountRule | None = None, version: int | None = None, **fields
) -> DiscountRule:
    """Add a cell of the matrix (``rule`` None) or change one; one rule per position, category
    and tier."""
    require(actor, Cap.PROCESS_CONFIGURE)
    if rule is None:
        rule = DiscountRule()
    else:
        rule = DiscountRule.objects.select_for_update().get(pk=rule.pk)
        check_version(rule, version)
    _set(rule, fields, RULE_FIELDS)
    rule.customer_tier = rule.customer_tier or ""
    validate_fields(rule, [name for name in RULE_FIELDS if name != "category"])
    clash = DiscountRule.objects.filter(
        position=rule.position, category=rule.category, customer_tier=rule.customer_tier
    ).exclude(pk=rule.pk)
    if clash.exists():
        raise ApplicationError(
            _("A rule for this position, category and tier exists already; change that one."),
            code="duplicate",
            fields={"position": _("Already in the matrix.")},
        )
    try:
        with transaction.atomic():
            rule.save(actor=actor)
    except IntegrityError:
        raise ApplicationError(
            _("A rule for this position, category and tier exists already; change that one."),
            code="duplicate",
            fields={"position": _("Already in the matrix.")},
        ) from None
    return rule


@transaction.atomic
def discount_rule_delete(*, actor: User, rule: DiscountRule) -> None:
    require(actor, Cap.PROCESS_CONFIGURE)
    rule.soft_delete(actor=actor)


@transaction.atomic
def route_save(*, actor: User, route: Route | None = None, version: int | None = None, **fields) -> Route:
    require(actor, Cap.PROCESS_CONFIGURE)
    if route is None:
        route = Route()
    else:
        route = Route.objects.select_for_update().get(pk=route.pk)
        check_version(route, version)
    _set(route, fields, ROUTE_FIELDS)
    route.position = route.position or ""
    route.email = route.email or ""
    if not route.position and route.person_id is None and not route.email:
        raise ApplicationError(
            _("Name who hears about it: a position, a person or a mailbox."),
            code="required",
            fields={"position": _("Choose a position, a person or a mailbox.")},
        )
    validate_fields(route, ["event", "position", "email", "purpose"])
    route.save(actor=actor)
    return route


@transaction.atomic
def route_delete(*, actor: User, route: Route) -> None:
    require(actor, Cap.PROCESS_CONFIGURE)
    route.soft_delete(actor=actor)


@transaction.atomic
def orders_policy_update(*, actor: User, **fields) -> OrdersPolicy:
    """Change the orders policy (one row; not an AuditedModel, so the change is audited here)."""
    require(actor, Cap.PROCESS_CONFIGURE)
    policy = OrdersPolicy.current()
    policy = OrdersPolicy.objects.select_for_update().get(pk=policy.pk)
    old = {name: getattr(policy, name) for name in fields}
    _set(policy, fields, POLICY_FIELDS)
    validate_fields(policy, list(fields))
    changes = {
        name: {"old": str(old[name]), "new": str(getattr(policy, name))}
        for name in fields
        if old[name] != getattr(policy, name)
    }
    if changes:
        policy.save(update_fields=list(changes))
        audit_event(obj=policy, action=AuditAction.UPDATE, actor=actor, changes=changes)
    return policy
