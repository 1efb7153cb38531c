"""Every write of the sales process. ``opportunity_advance`` is the one place a stage changes:
pages, the board and the API all call it, so the entry criteria cannot be skipped (R3.1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError
from salescore.core.i18n import join_clauses
from salescore.core.money import to_decimal
from salescore.core.permissions import Cap, access_for, get_in_scope, require, scope_queryset
from salescore.core.services import bulk_reassign, check_version, model_update, required, validate_fields
from salescore.customers.models import Contact, Customer
from salescore.org.models import Person
from salescore.pipeline.gates import GATES, missing_criteria
from salescore.pipeline.models import (
    Activity,
    NeedsAnalysis,
    Opportunity,
    OpportunityProduct,
    Script,
    Stage,
    StageChange,
)

OPPORTUNITY_FIELDS = {
    "name",
    "amount",
    "currency",
    "expected_close_date",
    "source",
    "competitors",
    "notes",
    "owner",
    "probability",
}


def first_stage() -> Stage:
    stage = Stage.objects.filter(active=True, is_won=False, is_lost=False).order_by("sort_order").first()
    if stage is None:
        raise ApplicationError(_("No active stage is configured."), code="not_configured")
    return stage


def _check_owner(actor, owner: Person) -> None:
    if owner.is_deleted or owner.status != Person.Status.ACTIVE:
        raise ApplicationError(
            _("%(name)s has left and cannot own opportunities.") % {"name": owner},
            code="invalid_owner",
            fields={"owner": _("Choose an active person.")},
        )
    if not scope_queryset(Person.objects.filter(pk=owner.pk), actor, include_shared=False).exists():
        raise ApplicationError(
            _("You can only give opportunities to people you manage."),
            code="out_of_scope",
            fields={"owner": _("Choose yourself or someone you manage.")},
        )


def _check_contacts(customer: Customer, contacts) -> list[Contact]:
    contacts = list(contacts or [])
    strangers = [c for c in contacts if c.customer_id != customer.pk or c.is_deleted]
    if strangers:
        raise ApplicationError(
            _("%(name)s is not a contact of %(customer)s.") % {"name": strangers[0], "customer": customer},
            code="invalid_contact",
            fields={"contacts": _("Choose contacts of this customer.")},
        )
    return contacts


def _amount(value, *, field: str = "amount") -> Decimal:
    amount = to_decimal(value, field=field) if not isinstance(value, Decimal) else value
    if amount < 0:
        raise ApplicationError(
            _("The amount cannot be negative."), code="invalid", fields={field: _("Enter 0 or more.")}
        )
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def opportunity_create(
    *, actor: User, customer: Customer, name: str, contacts=None, stage: Stage | None = None, **fields
) -> Opportunity:
    access = require(actor, Cap.PIPELINE_WORK)
    customer = get_in_scope(Customer.objects.all(), actor, customer.pk)
    unknown = set(fields) - OPPORTUNITY_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    name = (name or "").strip()
    required({"name": name})
    owner = fields.pop("owner", None) or Person.objects.filter(pk=access.person_id).first()
    if owner is None:
        raise ApplicationError(
            _("Choose the owner."), code="required", fields={"owner": _("This field is required.")}
        )
    _check_owner(actor, owner)
    if "amount" in fields:
        fields["amount"] = _amount(fields["amount"])
    start = first_stage()
    probability = fields.pop("probability", None)  # 0 is a valid estimate, only None means "the stage's"
    opportunity = Opportunity(
        customer=customer,
        name=name,
        owner=owner,
        stage=start,
        probability=start.probability if probability is None else probability,
        **fields,
    )
    validate_fields(opportunity, ["name", "currency", "source", "competitors", "probability"])
    opportunity.save(actor=actor)
    StageChange.objects.create(opportunity=opportunity, from_stage=None, to_stage=start, actor=actor)
    if contacts:
        opportunity.set_m2m("contacts", _check_contacts(customer, contacts), actor=actor)
    if stage is not None and stage.pk != start.pk:
        opportunity_advance(actor=actor, opportunity=opportunity, to_stage=stage)
    return opportunity


@transaction.atomic
def opportunity_update(
    *, actor: User, opportunity: Opportunity, version: int | None = None, contacts=None, **fields
) -> Opportunity:
    require(actor, Cap.PIPELINE_WORK)
    opportunity = get_in_scope(Opportunity.objects.select_related("customer"), actor, opportunity.pk)
    check_version(opportunity, version)
    unknown = set(fields) - OPPORTUNITY_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        required({"name": fields["name"]})
    if "amount" in fields:
        fields["amount"] = _amount(fields["amount"])
    if "owner" in fields and fields["owner"] != opportunity.owner:
        _check_owner(actor, fields["owner"])
    model_update(instance=opportunity, data=fields, actor=actor)
    if contacts is not None:
        opportunity.set_m2m("contacts", _check_contacts(opportunity.customer, contacts), actor=actor)
    return opportunity


@transaction.atomic
def opportunity_advance(
    *, actor: User, opportunity: Opportunity, to_stage: Stage, reason: str = "", version: int | None = None
) -> Opportunity:
    """Move to ``to_stage`` if its entry criteria are met; a refusal names what is missing."""
    require(actor, Cap.PIPELINE_WORK)
    opportunity = get_in_scope(
        Opportunity.objects.select_for_update().select_related("stage"), actor, opportunity.pk
    )
    check_version(opportunity, version)
    if not to_stage.active or to_stage.is_deleted:
        raise ApplicationError(
            _("This stage is not in use."), code="invalid_stage", fields={"stage": _("Choose another stage.")}
        )
    if to_stage.pk == opportunity.stage_id:
        return opportunity
    if opportunity.stage.is_closed:
        raise ApplicationError(
            _("%(name)s is closed (%(stage)s). Reopen it before moving it.")
            % {"name": opportunity, "stage": opportunity.stage},
            code="closed",
            fields={"stage": _("Reopen the opportunity first.")},
        )
    reason = (reason or "").strip()
    if to_stage.is_lost and not reason:
        raise ApplicationError(
            _("Say why the opportunity was lost."),
            code="gate",
            fields={"loss_reason": _("A reason is required.")},
        )
    missing = missing_criteria(opportunity, to_stage)
    if missing:
        raise ApplicationError(
            _("%(stage)s needs: %(missing)s.")
            % {"stage": to_stage, "missing": join_clauses(gate.label for gate in missing)},
            code="gate",
            fields={gate.key: str(gate.label) for gate in missing},
        )
    now = timezone.now()
    previous, entered = opportunity.stage, opportunity.stage_entered_at
    opportunity.stage = to_stage
    opportunity.stage_entered_at = now
    opportunity.probability = to_stage.probability
    if to_stage.is_closed:
        opportunity.closed_at = now
        if to_stage.is_lost:
            opportunity.loss_reason = reason
        elif reason:
            opportunity.win_reason = reason
    opportunity.save(actor=actor)
    StageChange.objects.create(
        opportunity=opportunity,
        from_stage=previous,
        to_stage=to_stage,
        at=now,
        actor=actor,
        seconds_in_previous=int((now - entered).total_seconds()) if entered else None,
    )
    return opportunity


@transaction.atomic
def opportunity_reopen(*, actor: User, opportunity: Opportunity, reason: str) -> Opportunity:
    """A closed opportunity comes back to the last open stage it was in."""
    require(actor, Cap.PIPELINE_WORK)
    opportunity = get_in_scope(Opportunity.objects.select_related("stage"), actor, opportunity.pk)
    if not opportunity.stage.is_closed:
        return opportunity
    reason = (reason or "").strip()
    required({"reason": reason})
    last_open = (
        StageChange.objects.filter(opportunity=opportunity, to_stage__is_won=False, to_stage__is_lost=False)
        .select_related("to_stage")
        .order_by("-at", "-id")
        .first()
    )
    stage = last_open.to_stage if last_open else first_stage()
    now = timezone.now()
    previous, entered = opportunity.stage, opportunity.stage_entered_at
    opportunity.stage, opportunity.stage_entered_at, opportunity.closed_at = stage, now, None
    opportunity.probability = stage.probability
    opportunity.notes = (opportunity.notes + "\n" if opportunity.notes else "") + _(
        "Reopened: %(reason)s"
    ) % {"reason": reason}
    opportunity.save(actor=actor)
    StageChange.objects.create(
        opportunity=opportunity,
        from_stage=previous,
        to_stage=stage,
        at=now,
        actor=actor,
        seconds_in_previous=int((now - entered).total_seconds()),
    )
    return opportunity


@transaction.atomic
def opportunity_delete(*, actor: User, opportunity: Opportunity) -> None:
    require(actor, Cap.PIPELINE_WORK)
    opportunity = get_in_scope(Opportunity.objects.all(), actor, opportunity.pk, include_shared=False)
    opportunity.soft_delete(actor=actor)


@transaction.atomic
def opportunity_restore(*, actor: User, record: Opportunity) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    if record.customer.is_deleted:
        raise ApplicationError(
            _("Restore the customer %(name)s first.") % {"name": record.customer}, code="parent_deleted"
        )
    record.restore(actor=actor)


# -- needs analysis and recommendation --------------------------------------------------------

NEEDS_FIELDS = {
    "needs",
    "pain_points",
    "budget_min",
    "budget_max",
    "decision_makers",
    "timeline",
    "current_solution",
}


@transaction.atomic
def needs_record(
    *, actor: User, opportunity: Opportunity, features=None, version: int | None = None, **fields
) -> NeedsAnalysis:
    """Create or update the needs analysis (R3.3)."""
    require(actor, Cap.PIPELINE_WORK)
    opportunity = get_in_scope(Opportunity.objects.all(), actor, opportunity.pk)
    unknown = set(fields) - NEEDS_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    for key in ("budget_min", "budget_max"):
        if fields.get(key) not in (None, ""):
            fields[key] = _amount(fields[key], field=key)
        elif key in fields:
            fields[key] = None
    analysis = NeedsAnalysis.objects.filter(opportunity=opportunity).first()
    budget_min = fields.get("budget_min", analysis.budget_min if analysis else None)
    budget_max = fields.get("budget_max", analysis.budget_max if analysis else None)
    if budget_min is not None and budget_max is not None and budget_min > budget_max:
        raise ApplicationError(
            _("The budget range is upside down."),
            code="invalid",
            fields={"budget_max": _("Use a value at least the lower bound.")},
        )
    if analysis is None:
        fields["needs"] = (fields.get("needs") or "").strip()
        required({"needs": fields["needs"]})
        analysis = NeedsAnalysis(opportunity=opportunity, **fields)
        validate_fields(analysis, list(fields))
        analysis.save(actor=actor)
    else:
        if "needs" in fields:
            fields["needs"] = (fields["needs"] or "").strip()
            required({"needs": fields["needs"]})
        model_update(instance=analysis, data=fields, actor=actor, version=version)
    if features is not None:
        analysis.set_m2m("features", list(features), actor=actor)
    return analysis


@transaction.atomic
def product_propose(
    *, actor: User, opportunity: Opportunity, product, quantity: int = 1, reason: str = "", score=None
) -> OpportunityProduct:
    """Accept a (recommended) product into the opportunity."""
    require(actor, Cap.PIPELINE_WORK)
    opportunity = get_in_scope(Opportunity.objects.all(), actor, opportunity.pk)
    if not product.active or product.is_deleted:
        raise ApplicationError(
            _("%(name)s is not sold any more.") % {"name": product},
            code="inactive_product",
            fields={"product": _("Choose an active product.")},
        )
    if quantity < 1:
        raise ApplicationError(
            _("The quantity must be at least 1."), code="invalid", fields={"quantity": _("Enter 1 or more.")}
        )
    existing = OpportunityProduct.objects.filter(opportunity=opportunity, product=product).first()
    if existing is not None:
        model_update(instance=existing, data={"quantity": quantity}, actor=actor)
        return existing
    line = OpportunityProduct(
        opportunity=opportunity, product=product, quantity=quantity, reason=(reason or "")[:500], score=score
    )
    line.save(actor=actor)
    return line


@transaction.atomic
def product_withdraw(*, actor: User, line: OpportunityProduct) -> None:
    require(actor, Cap.PIPELINE_WORK)
    line = get_in_scope(OpportunityProduct.objects.all(), actor, line.pk)
    line.soft_delete(actor=actor)


# -- activities --------------------------------------------------------------------------------

ACTIVITY_FIELDS = {
    "channel",
    "direction",
    "occurred_at",
    "subject",
    "summary",
    "outcome",
    "next_step",
    "next_step_due",
    "checked_in_at",
    "location",
    "latitude",
    "longitude",
}


@transaction.atomic
def activity_log(
    *,
    actor: User,
    customer: Customer,
    opportunity: Opportunity | None = None,
    contact: Contact | None = None,
    **fields,
) -> Activity:
    """Record one touch with the customer (R3.2), and move the customer's last-contact time."""
    access = access_for(actor)
    customer = get_in_scope(Customer.objects.all(), actor, customer.pk)
    if access.person_id is None:
        raise ApplicationError(_("Only people of the organisation record activities."), code="no_person")
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    if opportunity is not None:
        opportunity = get_in_scope(Opportunity.objects.all(), actor, opportunity.pk)
        if opportunity.customer_id != customer.pk:
            raise ApplicationError(
                _("The opportunity belongs to another customer."),
                code="invalid",
                fields={"opportunity": _("Choose an opportunity of this customer.")},
            )
    if contact is not None and contact.customer_id != customer.pk:
        raise ApplicationError(
            _("%(name)s is not a contact of %(customer)s.") % {"name": contact, "customer": customer},
            code="invalid_contact",
            fields={"contact": _("Choose a contact of this customer.")},
        )
    fields["subject"] = (fields.get("subject") or "").strip()
    required({"channel": fields.get("channel"), "subject": fields["subject"]})
    occurred_at = fields.get("occurred_at") or timezone.now()
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ApplicationError(
            _("An activity that has not happened yet is a follow-up: set it as the next step."),
            code="invalid",
            fields={"occurred_at": _("Use a time that has passed.")},
        )
    fields["occurred_at"] = occurred_at
    if fields.get("channel") == "visit" and not fields.get("checked_in_at"):
        fields["checked_in_at"] = occurred_at
    if (fields.get("latitude") is None) != (fields.get("longitude") is None):
        raise ApplicationError(
            _("Give both latitude and longitude, or neither."),
            code="invalid",
            fields={"longitude": _("Both coordinates are needed.")},
        )
    # The database refuses coordinates off the globe too, but as an error nobody can read.
    for key, limit in (("latitude", 90), ("longitude", 180)):
        if fields.get(key) is not None:
            fields[key] = to_decimal(fields[key], field=key)
            if not -limit <= fields[key] <= limit:
                raise ApplicationError(
                    _("The %(field)s is off the globe.")
                    % {"field": Activity._meta.get_field(key).verbose_name},
                    code="invalid",
                    fields={key: _("Use a value from -%(limit)s to %(limit)s.") % {"limit": limit}},
                )
    activity = Activity(
        customer=customer, opportunity=opportunity, contact=contact, owner_id=access.person_id, **fields
    )
    validate_fields(activity, list(fields))
    activity.save(actor=actor)
    if customer.last_contact_at is None or occurred_at > customer.last_contact_at:
        # Bookkeeping, not a change someone made to the customer: no audit row, no version bump.
        Customer.all_objects.filter(pk=customer.pk).update(last_contact_at=occurred_at)
    return activity


@transaction.atomic
def activity_complete_next_step(*, actor: User, activity: Activity) -> Activity:
    activity = get_in_scope(Activity.objects.all(), actor, activity.pk)
    model_update(instance=activity, data={"next_step_done": True}, actor=actor)
    return activity


@transaction.atomic
def activity_delete(*, actor: User, activity: Activity) -> None:
    activity = get_in_scope(Activity.objects.all(), actor, activity.pk)
    access = access_for(actor)
    if activity.owner_id != access.person_id and not access.can(Cap.RECORDS_RESTORE):
        raise ApplicationError(
            _("Only the person who recorded an activity can delete it."), code="permission_denied", status=403
        )
    activity.soft_delete(actor=actor)


@transaction.atomic
def activity_restore(*, actor: User, record: Activity) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    record.restore(actor=actor)


# -- configuration: stages and scripts ---------------------------------------------------------


@transaction.atomic
def stage_update(*, actor: User, stage: Stage, version: int | None = None, **fields) -> Stage:
    require(actor, Cap.PROCESS_CONFIGURE)
    allowed = {"name", "name_en", "probability", "entry_gates", "exit_note", "active", "sort_order"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    if "entry_gates" in fields:
        bad = [key for key in fields["entry_gates"] if key not in GATES]
        if bad:
            raise ApplicationError(
                _("Unknown entry criteria: %(keys)s.") % {"keys": ", ".join(bad)},
                code="invalid",
                fields={"entry_gates": ", ".join(GATES)},
            )
    if "probability" in fields:
        probability = to_decimal(fields["probability"], field="probability")
        if not Decimal(0) <= probability <= Decimal(100):
            raise ApplicationError(
                _("A probability is between 0 and 100."),
                code="invalid",
                fields={"probability": _("Use 0 to 100.")},
            )
        fields["probability"] = probability
    model_update(instance=stage, data=fields, actor=actor, version=version)
    return stage


@transaction.atomic
def script_save(
    *,
    actor: User,
    stage: Stage,
    title: str,
    body: str,
    checklist: str = "",
    product=None,
    script: Script | None = None,
    active: bool = True,
    version: int | None = None,
) -> Script:
    require(actor, Cap.PROCESS_CONFIGURE)
    title, body = (title or "").strip(), (body or "").strip()
    required({"title": title, "body": body})
    data = {
        "stage": stage,
        "title": title,
        "body": body,
        "checklist": checklist or "",
        "product": product,
        "active": active,
    }
    if script is None:
        script = Script(**data)
        validate_fields(script, ["title", "body", "checklist"])
        script.save(actor=actor)
    else:
        model_update(instance=script, data=data, actor=actor, version=version)
    return script


@transaction.atomic
def script_delete(*, actor: User, script: Script) -> None:
    require(actor, Cap.PROCESS_CONFIGURE)
    script.soft_delete(actor=actor)


def followups_remind(*, today: dt.date | None = None) -> int:
    """Remind each owner, once, of the next steps due today or overdue (R3.2 "scheduled follow-ups
    remind the owner"): one inbox message per person listing them. Returns how many were reminded."""
    from django.urls import reverse

    from salescore.core.i18n import join_clauses
    from salescore.core.notifications import notify

    today = today or timezone.localdate()
    due = list(
        Activity.objects.filter(next_step_done=False, next_step_due__lte=today, reminded_at__isnull=True)
        .exclude(next_step="")
        .select_related("owner__user", "customer")
        .order_by("owner_id", "next_step_due", "id")
    )
    by_owner: dict[int, list[Activity]] = {}
    for activity in due:
        by_owner.setdefault(activity.owner_id, []).append(activity)
    now = timezone.now()
    for activities in by_owner.values():
        with transaction.atomic():
            owner = activities[0].owner
            notify(
                users=[owner.user],
                kind="followup_due",
                title=_("%(n)s follow-ups are due") % {"n": len(activities)},
                body=join_clauses(
                    f"{a.customer.name}: {a.next_step} ({a.next_step_due:%Y-%m-%d})" for a in activities[:20]
                ),
                url=reverse("pipeline:activities") + "?followups=1",
            )
            Activity.all_objects.filter(pk__in=[a.pk for a in activities]).update(reminded_at=now)
    return len(due)


# -- a merge of duplicate customers (customers.merge) ---------------------------------------------
# The caller holds the transaction and has checked that the actor manages both customers. Each
# moved record gets its own audit row; the query count does not grow with the number of records.


def opportunities_move_customer(
    *, actor: User, source: Customer, target: Customer, contact_map: dict[int, Contact] | None = None
) -> int:
    """Opportunities of ``source`` (deleted ones too) now belong to ``target``. ``contact_map``
    replaces contacts that were the same person as one of ``target``'s. Returns how many moved."""
    moved = bulk_reassign(
        queryset=Opportunity.all_objects.filter(customer=source), field="customer", to=target, actor=actor
    )
    for old_id, new_contact in (contact_map or {}).items():
        linked = Opportunity.all_objects.filter(contacts__pk=old_id).prefetch_related("contacts")
        for opportunity in linked:
            contacts = [c for c in opportunity.contacts.all() if c.pk != old_id]
            if new_contact.pk not in {c.pk for c in contacts}:
                contacts.append(new_contact)
            opportunity.set_m2m("contacts", contacts, actor=actor)
    return moved


def activities_move_customer(
    *, actor: User, source: Customer, target: Customer, contact_map: dict[int, Contact] | None = None
) -> int:
    """Activities of ``source`` (deleted ones too) now belong to ``target``'s timeline; those with
    a contact in ``contact_map`` now name the surviving contact. Returns how many moved."""
    moved = bulk_reassign(
        queryset=Activity.all_objects.filter(customer=source), field="customer", to=target, actor=actor
    )
    for old_id, new_contact in (contact_map or {}).items():
        bulk_reassign(
            queryset=Activity.all_objects.filter(contact_id=old_id),
            field="contact",
            to=new_contact,
            actor=actor,
        )
    return moved
