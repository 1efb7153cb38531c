"""Every write of targets and plans (R2): setting and splitting targets down the organisation,
revising them with history, plans with their strategies and steps, early warnings and the
team leads' progress reports."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.models import AuditAction, audit_event
from salescore.core.notifications import notify
from salescore.core.permissions import Cap, Scope, access_for, get_in_scope, require, scope_queryset
from salescore.core.services import check_version, model_update, required, validate_fields
from salescore.org.models import OrgUnit, Person
from salescore.planning import metrics, selectors
from salescore.planning.models import (
    MarketSize,
    Metric,
    Plan,
    PlanningPolicy,
    PlanStep,
    ProgressReport,
    SplitMethod,
    Target,
    TargetRevision,
)
from salescore.planning.periods import containing, period_bounds, previous_period, week_of

CENT = Decimal("0.01")
COUNT_METRICS = frozenset({Metric.NEW_CUSTOMERS, Metric.VISITS, Metric.CALLS, Metric.SALES_QUANTITY})


# -- who may set what ---------------------------------------------------------------------------


def _check_owner(actor, *, org_unit: OrgUnit | None, person: Person | None) -> None:
    """A manager sets targets for what their scope covers: their subtree and its people."""
    if (org_unit is None) == (person is None):
        raise ApplicationError(
            _("A target belongs to one unit or one person."),
            code="invalid",
            fields={"owner": _("Choose a unit or a person.")},
        )
    access = access_for(actor)
    if person is not None:
        get_in_scope(Person.all_objects.all(), actor, person.pk)
        return
    if access.scope == Scope.ALL:
        return
    if not (access.unit_path and org_unit.path.startswith(access.unit_path)):
        raise PermissionDeniedError(
            _("%(unit)s is outside the part of the organisation you manage.") % {"unit": org_unit},
            code="permission_denied",
        )


def _value(metric: str, raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except Exception:  # noqa: BLE001 - any unparsable value is the same user error
        value = None
    if value is None or not value.is_finite() or value < 0 or value >= Decimal(10) ** 15:
        raise ApplicationError(
            _("Enter a target of 0 or more."), code="invalid", fields={"value": _("Enter a number.")}
        )
    if metric in COUNT_METRICS - {Metric.SALES_QUANTITY} and value != value.to_integral_value():
        raise ApplicationError(
            _("This target counts whole things."),
            code="invalid",
            fields={"value": _("Enter a whole number.")},
        )
    if metric == Metric.MARKET_SHARE and value > 100:
        raise ApplicationError(
            _("A market share is at most 100%."), code="invalid", fields={"value": _("Enter 0 to 100.")}
        )
    return value.quantize(CENT)


def _matches_parent(parent: Target, *, org_unit, person) -> None:
    unit_path = parent.org_unit.path if parent.org_unit_id else None
    if parent.person_id or unit_path is None:
        raise ApplicationError(_("A person's target is not split further."), code="invalid")
    inside = (
        org_unit is not None and org_unit.path.startswith(unit_path) and org_unit.pk != parent.org_unit_id
    ) or (person is not None and person.org_unit.path.startswith(unit_path))
    if not inside:
        raise ApplicationError(
            _("%(owner)s is not part of %(unit)s.") % {"owner": org_unit or person, "unit": parent.org_unit},
            code="invalid",
            fields={"owner": _("Choose a unit or person inside the parent's unit.")},
        )


@transaction.atomic
def target_set(
    *,
    actor: User,
    metric: str,
    period_kind: str,
    period_start: dt.date,
    value,
    org_unit: OrgUnit | None = None,
    person: Person | None = None,
    parent: Target | None = None,
    category=None,
    industry: str = "",
    region=None,
    notes: str = "",
) -> Target:
    """Create a target (a draft until approved)."""
    require(actor, Cap.TARGETS_MANAGE)
    if metric not in Metric.values:
        raise ApplicationError(_("Choose a metric."), code="invalid", fields={"metric": _("Unknown metric.")})
    start, end = period_bounds(period_kind, period_start)
    _check_owner(actor, org_unit=org_unit, person=person)
    if parent is not None:
        parent = get_in_scope(Target.objects.select_related("org_unit"), actor, parent.pk)
        _matches_parent(parent, org_unit=org_unit, person=person)
        if (parent.metric, parent.period_start, parent.period_end) != (metric, start, end):
            raise ApplicationError(
                _("A split target has its parent's metric and period."), code="invalid", fields={"parent": ""}
            )
        category, industry, region = parent.category, parent.industry, parent.region
    if metric == Metric.MARKET_SHARE and not industry and region is None:
        raise ApplicationError(
            _("A market-share target names its segment: an industry, a region or both."),
            code="required",
            fields={"industry": _("Choose an industry or a region.")},
        )
    value = _value(metric, value)
    target = Target(
        metric=metric,
        period_kind=period_kind,
        period_start=start,
        period_end=end,
        org_unit=org_unit,
        person=person,
        parent=parent,
        value=value,
        original_value=value,
        category=category,
        industry=industry or "",
        region=region,
        notes=notes,
    )
    validate_fields(target, ["metric", "period_kind", "industry", "notes"])
    if Target.objects.filter(
        metric=metric,
        period_start=start,
        period_end=end,
        org_unit=org_unit,
        person=person,
        category=category,
        industry=industry or "",
        region=region,
    ).exists():
        raise ApplicationError(
            _("%(owner)s already has this target for the period.") % {"owner": org_unit or person},
            code="duplicate",
        )
    target.save(actor=actor)
    return target


def _get_target(actor, target, *, lock: bool = False) -> Target:
    queryset = Target.objects.select_related("org_unit", "person", "parent")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return get_in_scope(queryset, actor, target.pk)


@transaction.atomic
def target_update(
    *, actor: User, target: Target, value=None, notes=None, version: int | None = None
) -> Target:
    """Change a draft target; an approved one is revised with target_adjust (R2.5)."""
    require(actor, Cap.TARGETS_MANAGE)
    target = _get_target(actor, target, lock=True)
    check_version(target, version)
    _check_owner(actor, org_unit=target.org_unit, person=target.person)
    if target.status != Target.Status.DRAFT:
        raise ApplicationError(
            _("The target is approved: revise it with a reason instead."), code="not_editable"
        )
    data = {}
    if value is not None:
        data["value"] = data["original_value"] = _value(target.metric, value)
    if notes is not None:
        data["notes"] = notes
    model_update(instance=target, data=data, actor=actor)
    return target


def _split_values(total: Decimal, weights: list[Decimal], *, whole: bool) -> list[Decimal]:
    """Split ``total`` by ``weights`` exactly: each share rounded down to the unit (a fen, or 1
    for counts), the remainder handed out one unit at a time from the largest fraction."""
    unit = Decimal(1) if whole else CENT
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights, weight_sum = [Decimal(1)] * len(weights), Decimal(len(weights))
    exact = [total * w / weight_sum for w in weights]
    shares = [(value / unit).to_integral_value(ROUND_DOWN) * unit for value in exact]
    left = int(((total - sum(shares)) / unit).to_integral_value())
    order = sorted(range(len(exact)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[:left]:
        shares[i] += unit
    return shares


def split_owners(target: Target) -> list[OrgUnit | Person]:
    """Whom a unit's target splits to by default: its child units, or a team's active people."""
    children = list(OrgUnit.objects.filter(parent=target.org_unit).order_by("sort_order", "path"))
    if children:
        return children
    return list(
        Person.objects.filter(org_unit=target.org_unit, status=Person.Status.ACTIVE).order_by("employee_no")
    )


@transaction.atomic
def target_split(
    *,
    actor: User,
    target: Target,
    method: str,
    owners: list | None = None,
    values: dict | None = None,
) -> list[Target]:
    """Split a unit's target to its children (equal, by last period's share, or by hand).
    Existing children of the same owners are updated; the result is checked by reconcile()."""
    require(actor, Cap.TARGETS_MANAGE)
    target = _get_target(actor, target, lock=True)
    if target.person_id:
        raise ApplicationError(_("A person's target is not split further."), code="invalid")
    if method not in SplitMethod.values:
        raise ApplicationError(
            _("Choose how to split."), code="invalid", fields={"method": _("Unknown method.")}
        )
    owners = owners if owners is not None else split_owners(target)
    if not owners:
        raise ApplicationError(
            _("%(unit)s has nobody to split to.") % {"unit": target.org_unit}, code="invalid"
        )
    whole = target.metric in COUNT_METRICS - {Metric.SALES_QUANTITY}
    if method == SplitMethod.MANUAL:
        values = values or {}
        amounts = []
        errors = {}
        for index, owner in enumerate(owners, start=1):
            try:
                amounts.append(_value(target.metric, values.get(owner.pk, values.get(str(owner.pk)))))
            except ApplicationError:
                errors[f"values.{index}"] = _("Enter a number for %(owner)s.") % {"owner": owner}
        if errors:
            raise ApplicationError(_("Some shares are not valid."), code="invalid", fields=errors)
    elif method == SplitMethod.LAST_PERIOD:
        start, end = previous_period(target.period_kind, target.period_start)
        owned = metrics.Owners(
            person_ids=frozenset(o.pk for o in owners if isinstance(o, Person)),
            unit_paths=frozenset(o.path for o in owners if isinstance(o, OrgUnit)),
        )
        window = metrics.Window(start, end)
        totals = metrics.totals(target.metric, window, selectors.segment_of(target), owners=owned)
        weights = [
            totals.for_person(o.pk) if isinstance(o, Person) else totals.for_unit(o.path) for o in owners
        ]
        amounts = _split_values(target.value, weights, whole=whole)
    else:
        amounts = _split_values(target.value, [Decimal(1)] * len(owners), whole=whole)
    existing = {
        (child.org_unit_id, child.person_id): child
        for child in Target.objects.select_for_update(of=("self",)).filter(parent=target)
    }
    children = []
    for owner, amount in zip(owners, amounts, strict=True):
        key = (owner.pk, None) if isinstance(owner, OrgUnit) else (None, owner.pk)
        child = existing.get(key)
        if child is None:
            child = target_set(
                actor=actor,
                metric=target.metric,
                period_kind=target.period_kind,
                period_start=target.period_start,
                value=amount,
                org_unit=owner if isinstance(owner, OrgUnit) else None,
                person=owner if isinstance(owner, Person) else None,
                parent=target,
            )
        elif child.status == Target.Status.DRAFT:
            model_update(instance=child, data={"value": amount, "original_value": amount}, actor=actor)
        elif child.value != amount:
            target_adjust(actor=actor, target=child, new_value=amount, reason=_("Split of the parent target"))
        children.append(child)
    model_update(instance=target, data={"split_method": method}, actor=actor)
    return children


def _reconciliation_error(target: Target) -> ApplicationError | None:
    check = selectors.reconcile([target])[target.pk]
    if check.ok:
        return None
    return ApplicationError(
        _("The targets split from %(target)s add up to %(sum)s, not %(value)s (difference %(diff)s).")
        % {
            "target": target,
            "sum": check.children_total,
            "value": target.value,
            "diff": check.difference,
        },
        code="not_reconciled",
        fields={"value": _("Make the children add up to the parent.")},
    )


@transaction.atomic
def target_approve(*, actor: User, target: Target) -> Target:
    """Fix a target (and its draft children): from now on it changes only by revision."""
    require(actor, Cap.TARGETS_MANAGE)
    target = _get_target(actor, target, lock=True)
    error = _reconciliation_error(target)
    if error:
        raise error
    for child in [target, *Target.objects.filter(parent=target, status=Target.Status.DRAFT)]:
        if child.status == Target.Status.DRAFT:
            model_update(instance=child, data={"status": Target.Status.APPROVED}, actor=actor)
    return target


def _may_decide(actor, target: Target, requester_id: int | None) -> bool:
    access = access_for(actor)
    if not access.can(Cap.TARGETS_MANAGE):
        return False
    if access.scope == Scope.ALL:
        return True
    if requester_id == actor.pk or (target.person_id and target.person_id == access.person_id):
        return False
    path = target.org_unit.path if target.org_unit_id else target.person.org_unit.path
    # The level above: the target lies strictly inside the approver's subtree.
    return (
        bool(access.unit_path)
        and path.startswith(access.unit_path)
        and (target.person_id is not None or path != access.unit_path)
    )


@transaction.atomic
def target_adjust(*, actor: User, target: Target, new_value, reason: str) -> TargetRevision:
    """Ask to change an approved target during its period (R2.5). Someone above the target's
    owner (or the director) decides; their own request is applied at once."""
    target = _get_target(actor, target, lock=True)
    reason = (reason or "").strip()
    required({"reason": reason})
    new_value = _value(target.metric, new_value)
    if TargetRevision.objects.filter(target=target, status=TargetRevision.Status.PENDING).exists():
        raise ApplicationError(_("A revision of this target is already awaiting approval."), code="pending")
    revision = TargetRevision.objects.create(
        target=target, old_value=target.value, new_value=new_value, reason=reason[:2000], requested_by=actor
    )
    if _may_decide(actor, target, requester_id=None):
        return _apply_revision(revision, actor=actor, comment="")
    manager = _approver_for(target)
    if manager is not None:
        notify(
            users=[manager.user],
            kind="target_revision",
            title=_("Revise %(target)s from %(old)s to %(new)s?")
            % {"target": target, "old": target.value, "new": new_value},
            body=reason,
            url=reverse("planning:target_detail", args=[target.pk]),
        )
    return revision


def _approver_for(target: Target) -> Person | None:
    if target.person_id:
        return target.person.manager
    unit = target.org_unit.parent
    while unit is not None:
        if unit.head_id:
            return unit.head
        unit = unit.parent
    return Person.objects.filter(position="director", status=Person.Status.ACTIVE).order_by("pk").first()


def _apply_revision(revision: TargetRevision, *, actor, comment: str) -> TargetRevision:
    revision.status = TargetRevision.Status.APPROVED
    revision.decided_by, revision.decided_at, revision.comment = actor, timezone.now(), comment[:2000]
    revision.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    target = revision.target
    target.value = revision.new_value
    target.save(actor=actor)
    return revision


@transaction.atomic
def revision_decide(
    *, actor: User, revision: TargetRevision, approve: bool, comment: str = ""
) -> TargetRevision:
    revision = (
        TargetRevision.objects.select_for_update(of=("self",)).select_related("target").get(pk=revision.pk)
    )
    target = _get_target(actor, revision.target, lock=True)
    if revision.status != TargetRevision.Status.PENDING:
        raise ApplicationError(_("This revision was already decided."), code="invalid_status")
    if not _may_decide(actor, target, requester_id=revision.requested_by_id):
        raise PermissionDeniedError(
            _("Only a manager above the target's owner may decide its revision."), code="permission_denied"
        )
    comment = (comment or "").strip()
    if approve:
        _apply_revision(revision, actor=actor, comment=comment)
    else:
        if not comment:
            raise ApplicationError(
                _("Say why the revision is rejected."), code="required", fields={"comment": _("Required.")}
            )
        revision.status = TargetRevision.Status.REJECTED
        revision.decided_by, revision.decided_at, revision.comment = actor, timezone.now(), comment[:2000]
        revision.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    notify(
        users=[revision.requested_by],
        kind="target_revision_decided",
        title=(_("Revision of %(target)s approved") if approve else _("Revision of %(target)s rejected"))
        % {"target": target},
        body=comment,
        url=reverse("planning:target_detail", args=[target.pk]),
    )
    return revision


@transaction.atomic
def target_delete(*, actor: User, target: Target) -> None:
    require(actor, Cap.TARGETS_MANAGE)
    target = _get_target(actor, target, lock=True)
    if target.status != Target.Status.DRAFT:
        raise ApplicationError(_("Only a draft target can be deleted."), code="invalid_status")
    if target.children.exists():
        raise ApplicationError(_("Delete the targets split from it first."), code="has_children")
    target.soft_delete(actor=actor)


@transaction.atomic
def target_restore(*, actor: User, record: Target) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    record.restore(actor=actor)


# -- market sizes (Market Expansion, R1.4) -------------------------------------------------------


@transaction.atomic
def market_size_save(
    *,
    actor: User,
    industry: str,
    region,
    period_start: dt.date,
    period_end: dt.date,
    amount,
    source: str = "",
) -> MarketSize:
    access = access_for(actor)
    if not (access.can(Cap.MARKET_RESEARCH) or access.can(Cap.TARGETS_MANAGE)):
        raise PermissionDeniedError(_("Your position does not allow this action."), code="permission_denied")
    if period_end < period_start:
        raise ApplicationError(
            _("The period ends before it starts."),
            code="invalid",
            fields={"period_end": _("Choose a later date.")},
        )
    amount = _value(Metric.SALES_AMOUNT, amount)
    if amount <= 0:
        raise ApplicationError(
            _("Enter the market size."), code="invalid", fields={"amount": _("Above zero.")}
        )
    entry = MarketSize.objects.filter(
        industry=industry or "", region=region, period_start=period_start, period_end=period_end
    ).first()
    if entry is not None:
        model_update(instance=entry, data={"amount": amount, "source": source}, actor=actor)
        return entry
    entry = MarketSize(
        industry=industry or "",
        region=region,
        period_start=period_start,
        period_end=period_end,
        amount=amount,
        source=source,
    )
    validate_fields(entry, ["industry", "source"])
    entry.save(actor=actor)
    return entry


# -- plans (R2.2, R2.3) --------------------------------------------------------------------------

PLAN_FIELDS = {
    "title",
    "product_strategy",
    "price_strategy",
    "channel_strategy",
    "promotion_strategy",
    "channels",
    "industry_trends",
    "demand_changes",
    "competitor_moves",
    "headcount",
    "budget",
    "technical_resources",
}


def _get_plan(actor, plan, *, lock: bool = False) -> Plan:
    queryset = Plan.objects.select_related("target", "target__org_unit", "owner")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return get_in_scope(queryset, actor, plan.pk)


@transaction.atomic
def plan_create(
    *,
    actor: User,
    target: Target,
    title: str,
    owner: Person | None = None,
    products=None,
    price_lists=None,
    campaigns=None,
    **fields,
) -> Plan:
    """A draft plan of ``target``; ``products``, ``price_lists`` and ``campaigns`` link it to those
    records in the same transaction, so a plan is never left half-made."""
    access = require(actor, Cap.TARGETS_MANAGE)
    target = _get_target(actor, target)
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise ApplicationError(_("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    title = (title or "").strip()
    required({"title": title})
    owner = owner or Person.objects.filter(pk=access.person_id).first()
    if owner is None:
        raise ApplicationError(_("Choose the owner."), code="required", fields={"owner": _("Required.")})
    get_in_scope(Person.all_objects.all(), actor, owner.pk)
    plan = Plan(target=target, title=title, owner=owner, currency=target.currency, **fields)
    validate_fields(plan, ["title", *fields])
    plan.save(actor=actor)
    links = {"products": products, "price_lists": price_lists, "campaigns": campaigns}
    for name, objects in links.items():
        if objects:
            plan.set_m2m(name, objects, actor=actor)
    return plan


@transaction.atomic
def plan_update(
    *,
    actor: User,
    plan: Plan,
    version: int | None = None,
    products=None,
    price_lists=None,
    campaigns=None,
    **fields,
) -> Plan:
    """Change a draft (or returned) plan; ``products``, ``price_lists`` and ``campaigns`` replace
    the linked sets when given."""
    require(actor, Cap.TARGETS_MANAGE)
    plan = _get_plan(actor, plan, lock=True)
    check_version(plan, version)
    if plan.status not in (Plan.Status.DRAFT, Plan.Status.REJECTED):
        raise ApplicationError(_("The plan was submitted; it can no longer be changed."), code="not_editable")
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    model_update(instance=plan, data=fields, actor=actor)
    links = {"products": products, "price_lists": price_lists, "campaigns": campaigns}
    for name, objects in links.items():
        if objects is not None:
            plan.set_m2m(name, objects, actor=actor)
    return plan


def _check_step(plan: Plan, *, start: dt.date, due: dt.date, depends_on: PlanStep | None, step=None) -> None:
    errors = {}
    if due < start:
        errors["due_date"] = _("The step is due before it starts.")
    if depends_on is not None:
        if depends_on.plan_id != plan.pk:
            errors["depends_on"] = _("Choose a step of the same plan.")
        else:
            seen, node = set(), depends_on
            while node is not None and node.pk not in seen:
                if step is not None and node.pk == step.pk:
                    errors["depends_on"] = _("Steps cannot wait for each other in a circle.")
                    break
                seen.add(node.pk)
                node = node.depends_on
            if depends_on.due_date > start and "depends_on" not in errors:
                errors["start_date"] = _("It starts before the step it waits for is due (%(date)s).") % {
                    "date": depends_on.due_date
                }
    if errors:
        raise ApplicationError(_("The step's dates or order are not valid."), code="invalid", fields=errors)


@transaction.atomic
def plan_step_save(
    *,
    actor: User,
    plan: Plan,
    title: str,
    owner: Person,
    start_date: dt.date,
    due_date: dt.date,
    status: str = PlanStep.Status.TODO,
    depends_on: PlanStep | None = None,
    step: PlanStep | None = None,
) -> PlanStep:
    """Add a step, or change one (its status may change at any time before the plan closes)."""
    require(actor, Cap.TARGETS_MANAGE)
    plan = _get_plan(actor, plan, lock=True)
    if plan.status == Plan.Status.CLOSED:
        raise ApplicationError(_("The plan is closed."), code="invalid_status")
    title = (title or "").strip()
    required({"title": title})
    get_in_scope(Person.all_objects.all(), actor, owner.pk)
    _check_step(plan, start=start_date, due=due_date, depends_on=depends_on, step=step)
    data = {
        "title": title,
        "owner": owner,
        "start_date": start_date,
        "due_date": due_date,
        "status": status,
        "depends_on": depends_on,
    }
    if step is None:
        step = PlanStep(plan=plan, sort_order=plan.steps.count(), **data)
        validate_fields(step, ["title", "status"])
        step.save(actor=actor)
        return step
    step = PlanStep.objects.get(pk=step.pk, plan=plan)
    model_update(instance=step, data=data, actor=actor)
    return step


@transaction.atomic
def plan_step_delete(*, actor: User, step: PlanStep) -> None:
    require(actor, Cap.TARGETS_MANAGE)
    plan = _get_plan(actor, step.plan, lock=True)
    step = PlanStep.objects.get(pk=step.pk, plan=plan)
    if plan.status not in (Plan.Status.DRAFT, Plan.Status.REJECTED):
        raise ApplicationError(_("The plan was submitted; its steps stay."), code="not_editable")
    PlanStep.objects.filter(depends_on=step).update(depends_on=None)
    step.soft_delete(actor=actor)


@transaction.atomic
def plan_submit(*, actor: User, plan: Plan) -> Plan:
    require(actor, Cap.TARGETS_MANAGE)
    plan = _get_plan(actor, plan, lock=True)
    if plan.status not in (Plan.Status.DRAFT, Plan.Status.REJECTED):
        raise ApplicationError(_("Only a draft plan can be submitted."), code="invalid_status")
    missing = {
        name: _("Describe the %(what)s.") % {"what": Plan._meta.get_field(name).verbose_name}
        for name in ("product_strategy", "price_strategy", "channel_strategy", "promotion_strategy")
        if not getattr(plan, name).strip()
    }
    if not plan.steps.exists():
        missing["steps"] = _("Add at least one step.")
    if missing:
        raise ApplicationError(
            _("The plan is not complete: %(fields)s.") % {"fields": ", ".join(missing)},
            code="incomplete",
            fields=missing,
        )
    plan.status, plan.submitted_at = Plan.Status.SUBMITTED, timezone.now()
    plan.save(actor=actor)
    approver = _approver_for(plan.target) if plan.target.person_id is None else plan.owner.manager
    if approver is not None and approver.user_id != actor.pk:
        notify(
            users=[approver.user],
            kind="plan_submitted",
            title=_("Approve the plan %(plan)s") % {"plan": plan},
            url=reverse("planning:plan_detail", args=[plan.pk]),
        )
    return plan


@transaction.atomic
def plan_decide(*, actor: User, plan: Plan, approve: bool, comment: str = "") -> Plan:
    """The level above approves or returns the plan; approval needs a reconciled cascade."""
    require(actor, Cap.TARGETS_MANAGE)
    plan = _get_plan(actor, plan, lock=True)
    if plan.status != Plan.Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted plan can be decided."), code="invalid_status")
    access = access_for(actor)
    if plan.owner_id == access.person_id and access.scope != Scope.ALL:
        raise PermissionDeniedError(
            _("A plan is approved by the level above its owner."), code="permission_denied"
        )
    comment = (comment or "").strip()
    if approve:
        error = _reconciliation_error(plan.target)
        if error:
            raise error
        plan.status, plan.approved_at, plan.approved_by = Plan.Status.APPROVED, timezone.now(), actor
    else:
        required({"comment": comment})
        plan.status = Plan.Status.REJECTED
    plan.review_comment = comment[:2000]
    plan.save(actor=actor)
    notify(
        users=[plan.owner.user],
        kind="plan_decided",
        title=(_("Plan %(plan)s approved") if approve else _("Plan %(plan)s returned for changes"))
        % {"plan": plan},
        body=comment,
        url=reverse("planning:plan_detail", args=[plan.pk]),
    )
    return plan


@transaction.atomic
def plan_set_status(*, actor: User, plan: Plan, status: str) -> Plan:
    """Approved > active (work starts) > closed (the period is over)."""
    require(actor, Cap.TARGETS_MANAGE)
    plan = _get_plan(actor, plan, lock=True)
    allowed = {Plan.Status.ACTIVE: Plan.Status.APPROVED, Plan.Status.CLOSED: Plan.Status.ACTIVE}
    if allowed.get(status) != plan.status:
        raise ApplicationError(
            _("A %(from)s plan cannot become %(to)s.")
            % {
                "from": plan.get_status_display(),
                "to": Plan.Status(status).label if status in Plan.Status.values else status,
            },
            code="invalid_status",
        )
    plan.status = status
    plan.save(actor=actor)
    return plan


# -- early warning (R2.4) ------------------------------------------------------------------------


def _people_to_warn(target: Target) -> list:
    if target.person_id:
        people = [target.person, target.person.manager]
    else:
        people = [target.org_unit.head, _approver_for(target)]
    return [p.user for p in people if p is not None and p.status == Person.Status.ACTIVE]


def targets_warn(*, today: dt.date | None = None) -> int:
    """Warn the owner and their manager once when a target's pace gap passes the threshold;
    a target that recovers is armed again for the next crossing."""
    today = today or timezone.localdate()
    threshold = PlanningPolicy.current().warning_gap
    running = Target.objects.filter(
        status=Target.Status.APPROVED, period_start__lte=today, period_end__gte=today
    ).select_related("org_unit__head__user", "org_unit__parent", "person__user", "person__manager__user")
    sent = 0
    for item in selectors.progress(running, today=today):
        target = item.target
        lagging = item.gap is not None and item.gap <= -threshold
        if lagging and target.warning_since is None:
            notify(
                users=_people_to_warn(target),
                kind="target_warning",
                title=_("%(target)s is behind pace: %(att)s%% reached, %(el)s%% of the period gone")
                % {"target": target, "att": item.attainment, "el": item.elapsed},
                body=_("Actual %(actual)s of %(value)s; projected %(projection)s.")
                % {"actual": item.actual, "value": target.value, "projection": item.projection},
                url=reverse("planning:target_detail", args=[target.pk]),
            )
            Target.objects.filter(pk=target.pk).update(warning_since=timezone.now())
            sent += 1
        elif not lagging and target.warning_since is not None:
            Target.objects.filter(pk=target.pk).update(warning_since=None)
    return sent


# -- progress reports (R2.4) ---------------------------------------------------------------------


def report_window(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    return week_of(day) if kind == ProgressReport.Kind.WEEKLY else containing("month", day)


def report_figures(org_unit: OrgUnit, start: dt.date, end: dt.date) -> list[dict]:
    """What the report is pre-filled with: the unit's figures in the report window, and the
    progress of its targets running then."""
    window = metrics.Window(start, end)
    figures = []
    for metric in (
        Metric.SALES_AMOUNT,
        Metric.COLLECTED_AMOUNT,
        Metric.NEW_CUSTOMERS,
        Metric.VISITS,
        Metric.CALLS,
    ):
        unit = metrics.Owners(unit_paths=frozenset({org_unit.path}))
        value = metrics.totals(metric, window, owners=unit).for_unit(org_unit.path)
        figures.append({"kind": "period", "metric": metric, "actual": str(value)})
    running = Target.objects.filter(
        org_unit=org_unit, status=Target.Status.APPROVED, period_start__lte=end, period_end__gte=start
    ).select_related("org_unit")
    for item in selectors.progress(running, today=min(end, timezone.localdate())):
        figures.append(
            {
                "kind": "target",
                "target": item.target.pk,
                "metric": item.target.metric,
                "period": item.target.period_label,
                "value": str(item.target.value),
                "actual": str(item.actual),
                "attainment": None if item.attainment is None else str(item.attainment),
                "elapsed": str(item.elapsed),
                "projection": str(item.projection),
            }
        )
    return figures


@transaction.atomic
def report_start(*, actor: User, kind: str, org_unit: OrgUnit, day: dt.date | None = None) -> ProgressReport:
    """Open (or return) this period's report of the unit, pre-filled with live figures."""
    access = access_for(actor)
    if kind not in ProgressReport.Kind.values:
        raise ApplicationError(_("Choose weekly or monthly."), code="invalid", fields={"kind": _("Unknown.")})
    if access.person_id is None:
        raise ApplicationError(_("Only people of the organisation write reports."), code="no_person")
    if access.scope != Scope.ALL and not (access.unit_path and org_unit.path.startswith(access.unit_path)):
        raise PermissionDeniedError(_("You report on the unit you lead."), code="permission_denied")
    start, end = report_window(kind, day or timezone.localdate())
    existing = ProgressReport.objects.filter(kind=kind, org_unit=org_unit, period_start=start).first()
    if existing is not None:
        return existing
    policy = PlanningPolicy.current()
    due_days = (
        policy.weekly_report_due_days
        if kind == ProgressReport.Kind.WEEKLY
        else policy.monthly_report_due_days
    )
    report = ProgressReport(
        kind=kind,
        org_unit=org_unit,
        author_id=access.person_id,
        period_start=start,
        period_end=end,
        due_date=end + dt.timedelta(days=due_days),
        figures=report_figures(org_unit, start, end),
    )
    report.save(actor=actor)
    return report


@transaction.atomic
def report_update(
    *, actor: User, report: ProgressReport, version: int | None = None, **fields
) -> ProgressReport:
    report = get_in_scope(ProgressReport.objects.select_for_update(of=("self",)), actor, report.pk)
    check_version(report, version)
    if report.status != ProgressReport.Status.DRAFT:
        raise ApplicationError(_("The report was submitted."), code="not_editable")
    unknown = set(fields) - {"commentary", "problems", "help_needed"}
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    model_update(instance=report, data=fields, actor=actor)
    return report


@transaction.atomic
def report_refresh(*, actor: User, report: ProgressReport) -> ProgressReport:
    """Fill the figures in again from live data (a draft only)."""
    report = get_in_scope(
        ProgressReport.objects.select_for_update(of=("self",)).select_related("org_unit"), actor, report.pk
    )
    if report.status != ProgressReport.Status.DRAFT:
        raise ApplicationError(_("The report was submitted."), code="not_editable")
    report.figures = report_figures(report.org_unit, report.period_start, report.period_end)
    report.save(actor=actor)
    return report


@transaction.atomic
def report_submit(*, actor: User, report: ProgressReport) -> ProgressReport:
    report = get_in_scope(ProgressReport.objects.select_for_update(of=("self",)), actor, report.pk)
    if report.status != ProgressReport.Status.DRAFT:
        raise ApplicationError(_("The report was already submitted."), code="invalid_status")
    required({"commentary": report.commentary.strip()})
    report.status, report.submitted_at = ProgressReport.Status.SUBMITTED, timezone.now()
    report.save(actor=actor)
    audit_event(
        obj=report, action=AuditAction.UPDATE, actor=actor, changes={"submitted": {"old": None, "new": True}}
    )
    return report


def reports_due(user, *, kind: str, day: dt.date | None = None):
    """For each sales team in the user's scope: its report of the period (or None) and whether it
    is late or missing. One query for the teams, one for the reports."""
    from salescore.core.permissions import Duty

    start, end = report_window(kind, day or timezone.localdate())
    teams = OrgUnit.objects.filter(kind=OrgUnit.Kind.TEAM, duty=Duty.SALES_MANAGEMENT).select_related("head")
    access = access_for(user)
    if access.scope != Scope.ALL:
        teams = teams.filter(path__startswith=access.unit_path or "-")
    reports = {
        r.org_unit_id: r
        for r in scope_queryset(
            ProgressReport.objects.filter(kind=kind, period_start=start), user
        ).select_related("author")
    }
    return start, end, [(team, reports.get(team.pk)) for team in teams.order_by("path")]
