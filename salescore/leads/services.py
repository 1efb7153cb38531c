"""Every write to leads: entry with duplicate refusal, assignment by rules (region, channel,
round-robin), the first-contact deadline and its warning, touches, and conversion into customer +
contact + opportunity in one step (R3.2)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.campaigns.services import campaign_check_for_leads
from salescore.core.errors import ApplicationError
from salescore.core.models import AuditAction, audit_event
from salescore.core.notifications import notify
from salescore.core.permissions import (
    Cap,
    Position,
    Scope,
    access_for,
    capabilities_for,
    get_in_scope,
    require,
    scope_queryset,
)
from salescore.core.services import (
    bulk_reassign,
    check_version,
    clean_columns,
    from_validation_error,
    model_update,
    record_reveal,
    required,
    validate_fields,
)
from salescore.customers import services as customer_services
from salescore.customers.identity import normalize_phone
from salescore.customers.models import Contact, Customer
from salescore.leads.models import OPEN_STATUSES, AssignmentRule, Lead, LeadPolicy, LeadTouch
from salescore.leads.selectors import lead_get_for_user, visible_leads
from salescore.org.models import OrgUnit, Person
from salescore.pipeline import services as pipeline_services

LEAD_FIELDS = {
    "name",
    "company",
    "title",
    "phone",
    "email",
    "wechat",
    "channel",
    "campaign",
    "source_detail",
    "region",
    "industry",
    "interest",
}


def _check_duplicate(*, actor: User, phone_key: str, email: str, exclude_pk=None) -> None:
    """One open lead per phone and per email. The refusal names the lead and its owner (so the
    person entering it knows whom to talk to) and links to it only if they may open it."""
    others = Lead.objects.filter(status__in=OPEN_STATUSES).exclude(pk=exclude_pk)
    condition = Q()
    if phone_key:
        condition |= Q(phone_key=phone_key)
    if email:
        condition |= Q(email__iexact=email)
    if not condition:
        return
    existing = others.filter(condition).select_related("owner").first()
    if existing:
        field = "phone" if phone_key and existing.phone_key == phone_key else "email"
        visible = visible_leads(actor).filter(pk=existing.pk).exists()
        raise ApplicationError(
            _("An open lead for %(name)s already exists (owner: %(owner)s).")
            % {"name": existing, "owner": existing.owner or _("not assigned")},
            code="duplicate",
            fields={field: _("Already used by lead #%(id)s.") % {"id": existing.pk}},
            extra={
                "existing_id": existing.pk,
                "existing_url": reverse("leads:detail", args=[existing.pk]) if visible else None,
            },
        )


def _staged_lead(fields: dict) -> dict:
    """lead_create's checks before the fields' own: known fields, the required ones, a way to
    reach the lead. Returns the values, stripped."""
    unknown = set(fields) - LEAD_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be set: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid"
        )
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    required({"name": data.get("name"), "channel": data.get("channel")})
    if not (data.get("phone") or data.get("email") or data.get("wechat")):
        raise ApplicationError(
            _("Give at least one way to reach the lead: phone, email or WeChat."),
            code="required",
            fields={"phone": _("Phone, email or WeChat is required.")},
        )
    return data


@transaction.atomic
def lead_create(*, actor: User, owner: Person | None = None, auto_assign: bool = True, **fields) -> Lead:
    """Register a lead. It gets its first-contact deadline now, and an owner by the rules unless
    one is given."""
    (result,) = leads_create_many(actor=actor, rows=[{**fields, "owner": owner, "auto_assign": auto_assign}])
    if isinstance(result, Exception):
        raise result
    return result


def leads_create_many(*, actor: User, rows: list[dict]) -> list[Lead | Exception]:
    """lead_create for each row of a batch (an import's): the same rules, in the same order, with
    the same errors. A row holds lead_create's keyword arguments (``owner`` and ``auto_assign``
    included).

    The fields of the whole batch are checked column by column (core.services.clean_columns)
    before any row is written; a row that fails goes through Field.clean, so its errors are the
    ones row by row. The rest is row by row, each row in a savepoint: the owner given, the
    open-lead duplicates, the assignment rules (round-robin, so in the rows' order). Returns,
    per row, the new lead or the exception lead_create raises for it.
    """
    require(actor, Cap.LEADS_CREATE)
    staged: list[tuple[dict, Person | None, bool] | ApplicationError] = []
    for row in rows:
        fields = dict(row)
        owner, auto_assign = fields.pop("owner", None), fields.pop("auto_assign", True)
        try:
            staged.append((_staged_lead(fields), owner, auto_assign))
        except ApplicationError as exc:
            staged.append(exc)
    checked = [index for index, stage in enumerate(staged) if not isinstance(stage, Exception)]
    answers = clean_columns(Lead, [staged[index][0] for index in checked], LEAD_FIELDS, memo={})
    answer_of = {index: answers.get(position) for position, index in enumerate(checked)}
    hours: list[int] = []  # the policy's first-contact hours, read for the first row that needs them
    results: list[Lead | Exception] = []
    for index, stage in enumerate(staged):
        if isinstance(stage, Exception):
            results.append(stage)
            continue
        data, owner, auto_assign = stage
        try:
            campaign_check_for_leads(data.get("campaign"))
            answer = answer_of[index]
            if isinstance(answer, ApplicationError):
                raise answer
            if not hours:
                hours.append(LeadPolicy.current().first_contact_hours)
            with transaction.atomic():
                results.append(_lead_write(actor, data, answer, owner, auto_assign, hours[0]))
        except (ApplicationError, ValidationError, Http404, IntegrityError) as exc:
            results.append(exc)
    return results


def _lead_write(actor: User, data: dict, cleaned: dict | None, owner, auto_assign: bool, hours: int) -> Lead:
    """A lead whose fields passed their checks: the owner given, duplicates, save, assignment."""
    now = timezone.now()
    lead = Lead(**data, first_contact_due=now + dt.timedelta(hours=hours))
    lead.phone_key = normalize_phone(lead.phone)
    for name, value in (cleaned or {}).items():  # as validate_fields sets them
        attname = Lead._meta.get_field(name).attname
        if value is not getattr(lead, attname):
            setattr(lead, attname, value)
    if owner is not None:
        # Choosing the owner at entry is assigning: only assigners may, within their scope.
        require(actor, Cap.LEADS_ASSIGN)
        _check_assignee(actor, owner)
    _check_duplicate(actor=actor, phone_key=lead.phone_key, email=lead.email)
    lead.save(actor=actor)
    if owner is not None:
        _give(lead, owner, actor=actor, reason=_("by %(name)s") % {"name": actor.get_full_name()})
    elif auto_assign:
        lead_assign_auto(lead=lead, actor=actor)
    return lead


def _check_open(lead: Lead) -> None:
    if not lead.is_open:
        raise ApplicationError(
            _("This lead is closed (%(status)s).") % {"status": lead.get_status_display()}, code="closed"
        )


def _reps_of(team: OrgUnit) -> list[Person]:
    people = Person.objects.filter(
        org_unit__path__startswith=team.path, status=Person.Status.ACTIVE
    ).order_by("employee_no")
    reps = [p for p in people if p.position == Position.REP]
    return reps or [p for p in people if p.position == Position.TEAM_LEAD]


def matching_rule(lead: Lead) -> AssignmentRule | None:
    for rule in (
        AssignmentRule.objects.filter(active=True).select_related("region", "team").order_by("priority", "id")
    ):
        if rule.channel and rule.channel != lead.channel:
            continue
        if rule.region_id and (lead.region is None or not lead.region.path.startswith(rule.region.path)):
            continue
        return rule
    return None


@transaction.atomic
def lead_assign_auto(*, lead: Lead, actor: User | None = None) -> Person | None:
    """Give the lead to the next rep of the first matching rule's team (round-robin)."""
    rule = matching_rule(lead)
    if rule is None:
        return None
    rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk)  # one cursor, even under load
    reps = _reps_of(rule.team)
    if not reps:
        return None
    ids = [p.pk for p in reps]
    start = ids.index(rule.last_assigned_id) + 1 if rule.last_assigned_id in ids else 0
    owner = reps[start % len(reps)]
    AssignmentRule.all_objects.filter(pk=rule.pk).update(last_assigned=owner)
    _give(lead, owner, actor=actor, reason=_("by the rule %(rule)s") % {"rule": rule.name})
    return owner


def _give(lead: Lead, owner: Person, *, actor, reason: str) -> None:
    lead.owner = owner
    lead.assigned_at = timezone.now()
    lead.save(actor=actor)
    if actor is not None and owner.user_id == actor.pk:
        return  # no need to tell people what they just did themselves
    notify(
        users=[owner.user],
        kind="lead_assigned",
        title=_("New lead for you: %(lead)s") % {"lead": lead},
        body=_("Assigned %(reason)s. Contact them by %(due)s.")
        % {"reason": reason, "due": timezone.localtime(lead.first_contact_due).strftime("%Y-%m-%d %H:%M")},
        url=reverse("leads:detail", args=[lead.pk]),
    )


def _check_assignee(actor: User, owner: Person) -> None:
    """Leads go to active people who work the pipeline, within the assigner's scope."""
    if owner.is_deleted or owner.status != Person.Status.ACTIVE:
        raise ApplicationError(
            _("%(name)s has left and cannot take leads.") % {"name": owner},
            code="invalid_owner",
            fields={"owner": _("Choose an active person.")},
        )
    duty = OrgUnit.all_objects.filter(pk=owner.org_unit_id).values_list("duty", flat=True).first()
    if Cap.PIPELINE_WORK not in capabilities_for(owner.position, duty):
        # They could neither work the lead nor convert it into an opportunity.
        raise ApplicationError(
            _("%(name)s does not work on sales opportunities and cannot take leads.") % {"name": owner},
            code="invalid_owner",
            fields={"owner": _("Choose someone in a sales team.")},
        )
    if not scope_queryset(Person.objects.filter(pk=owner.pk), actor, include_shared=False).exists():
        raise ApplicationError(
            _("You can only give leads to people you manage."),
            code="out_of_scope",
            fields={"owner": _("Choose yourself or someone you manage.")},
        )


@transaction.atomic
def lead_assign(*, actor: User, lead: Lead, owner: Person) -> Lead:
    """Hand a lead to someone. Assigners give any lead they see; others may pass their own lead
    to a person they manage."""
    access = access_for(actor)
    lead = lead_get_for_user(user=actor, pk=lead.pk)
    if not access.can(Cap.LEADS_ASSIGN) and (lead.owner_id is None or lead.owner_id != access.person_id):
        raise ApplicationError(
            _("Your position does not allow this action."), code="permission_denied", status=403
        )
    _check_open(lead)
    _check_assignee(actor, owner)
    if lead.owner_id == owner.pk:
        return lead
    _give(lead, owner, actor=actor, reason=_("by %(name)s") % {"name": actor.get_full_name()})
    return lead


@transaction.atomic
def lead_update(*, actor: User, lead: Lead, version: int | None = None, **fields) -> Lead:
    lead = lead_get_for_user(user=actor, pk=lead.pk)
    check_version(lead, version)
    unknown = set(fields) - LEAD_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    if "name" in data:
        required({"name": data["name"]})
    for name in ("company", "title", "phone", "email", "wechat", "source_detail", "industry", "interest"):
        if name in data and data[name] is None:
            data[name] = ""
    if "campaign" in data and getattr(data["campaign"], "pk", None) != lead.campaign_id:
        campaign_check_for_leads(data["campaign"])
    phone_key = normalize_phone(data.get("phone", lead.phone))
    email = data.get("email", lead.email)
    _check_duplicate(
        actor=actor,
        phone_key=phone_key if phone_key != lead.phone_key else "",
        email=email if email.lower() != lead.email.lower() else "",
        exclude_pk=lead.pk,
    )
    if "phone" in data:
        lead.phone_key = phone_key
    model_update(instance=lead, data=data, actor=actor)
    return lead


@transaction.atomic
def lead_record_touch(
    *,
    actor: User,
    lead: Lead,
    channel: str,
    summary: str,
    reached: bool = True,
    at: dt.datetime | None = None,
) -> LeadTouch:
    """One attempt to reach the lead. The first one meets (or misses) the first-contact deadline."""
    access = access_for(actor)
    lead = lead_get_for_user(user=actor, pk=lead.pk)
    if access.person_id is None:
        raise ApplicationError(_("Only people of the organisation record contacts."), code="no_person")
    _check_open(lead)
    summary = (summary or "").strip()
    required({"channel": channel, "summary": summary})
    now = timezone.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ApplicationError(
            _("A contact cannot be recorded in the future."),
            code="invalid",
            fields={"at": _("Use a time that has passed.")},
        )
    touch = LeadTouch(
        lead=lead, channel=channel, summary=summary[:500], reached=reached, at=at, by_id=access.person_id
    )
    try:
        touch.full_clean(exclude=["lead", "by"])
    except ValidationError as exc:
        raise from_validation_error(exc) from None
    touch.save()
    # The deadline is met by the earliest attempt, even one logged late.
    if lead.first_contacted_at is None or at < lead.first_contacted_at:
        lead.first_contacted_at = at
        if lead.status == Lead.Status.NEW:
            lead.status = Lead.Status.CONTACTED
        lead.save(actor=actor)
    return touch


@transaction.atomic
def lead_qualify(*, actor: User, lead: Lead) -> Lead:
    lead = lead_get_for_user(user=actor, pk=lead.pk)
    _check_open(lead)
    model_update(instance=lead, data={"status": Lead.Status.QUALIFIED}, actor=actor)
    return lead


@transaction.atomic
def lead_disqualify(*, actor: User, lead: Lead, reason: str) -> Lead:
    lead = lead_get_for_user(user=actor, pk=lead.pk)
    _check_open(lead)
    reason = (reason or "").strip()
    required({"reason": reason})
    model_update(
        instance=lead,
        data={"status": Lead.Status.DISQUALIFIED, "disqualify_reason": reason[:300]},
        actor=actor,
    )
    return lead


@transaction.atomic
def lead_convert(
    *,
    actor: User,
    lead: Lead,
    customer: Customer | None = None,
    customer_name: str = "",
    opportunity_name: str = "",
    create_opportunity: bool = True,
):
    """Turn a lead into a customer (new or existing), its contact and an opportunity, in one step.

    Returns (customer, contact, opportunity or None). When the lead's phone or email already
    belongs to a contact of another customer, the whole conversion is refused (nothing is kept)
    with a link to that customer, so the user can convert into it instead; converting into an
    existing customer reuses its contact with the same mobile or email.
    """
    lead = lead_get_for_user(user=actor, pk=lead.pk)
    _check_open(lead)
    if lead.owner_id is None:
        raise ApplicationError(
            _("Assign the lead before converting it."),
            code="unassigned",
            fields={"owner": _("This field is required.")},
        )
    owner = lead.owner
    if customer is None:
        name = (customer_name or "").strip() or lead.company or lead.name
        customer = customer_services.customer_create(
            actor=actor,
            kind=Customer.Kind.COMPANY if lead.company else Customer.Kind.INDIVIDUAL,
            name=name,
            region=lead.region,
            industry=lead.industry,
            source=lead.channel if lead.channel != "visit" else "other",
            owner=owner,
        )
    else:
        customer = get_in_scope(Customer.objects.all(), actor, customer.pk)
    contact = _existing_contact(customer, lead)
    if contact is None:
        try:
            contact = customer_services.contact_create(
                actor=actor,
                customer=customer,
                name=lead.name,
                title=lead.title,
                mobile=lead.phone,
                email=lead.email,
                wechat=lead.wechat,
                is_primary=not Contact.objects.filter(customer=customer).exists(),
            )
        except ApplicationError as exc:
            if exc.code != "duplicate":
                raise
            # The person is already a contact of another customer: nothing of this conversion is
            # kept (the raise rolls back the new customer too); convert into that customer instead.
            raise _contact_clash(actor, exc) from None
    opportunity = None
    if create_opportunity:
        opportunity = pipeline_services.opportunity_create(
            actor=actor,
            customer=customer,
            name=(opportunity_name or "").strip()
            or _("%(customer)s: %(interest)s")
            % {"customer": customer.name, "interest": (lead.interest or lead.get_channel_display())[:60]},
            contacts=[contact],
            source=lead.channel,
            owner=owner,
        )
    lead.status = Lead.Status.CONVERTED
    lead.converted_at = timezone.now()
    lead.customer = customer
    lead.opportunity = opportunity
    if lead.first_contacted_at is None:
        lead.first_contacted_at = lead.converted_at
    lead.save(actor=actor)
    return customer, contact, opportunity


def _contact_clash(actor: User, exc: ApplicationError) -> ApplicationError:
    existing_id = exc.extra.get("existing_id")
    visible = (
        existing_id is not None and scope_queryset(Customer.objects.filter(pk=existing_id), actor).exists()
    )
    return ApplicationError(
        _("%(problem)s Convert the lead into that customer instead.") % {"problem": exc.message},
        code="duplicate",
        fields={"customer": _("Already a contact of customer #%(id)s.") % {"id": existing_id}},
        extra={
            "existing_id": existing_id,
            "existing_url": reverse("customers:detail", args=[existing_id]) if visible else None,
        },
    )


def _existing_contact(customer: Customer, lead: Lead) -> Contact | None:
    contacts = Contact.objects.filter(customer=customer)
    key = normalize_phone(lead.phone)
    if key:
        found = contacts.filter(mobile_key=key).first()
        if found:
            return found
    if lead.email:
        return contacts.filter(email__iexact=lead.email).first()
    return None


@transaction.atomic
def lead_delete(*, actor: User, lead: Lead) -> None:
    """Remove a junk or mistaken lead (recycle bin). A rep disqualifies a lead with a reason
    instead, so a missed first contact cannot disappear from the record."""
    lead = lead_get_for_user(user=actor, pk=lead.pk)
    require(actor, Cap.LEADS_ASSIGN)
    lead.soft_delete(actor=actor)


@transaction.atomic
def lead_restore(*, actor: User, record: Lead) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    record.restore(actor=actor)


def leads_flag_overdue(*, now: dt.datetime | None = None) -> int:
    """Warn the owner and their manager, once, about each lead past its first-contact deadline;
    unassigned ones go to the Sales Management heads and the director. Returns how many."""
    now = now or timezone.now()
    due = list(
        Lead.objects.filter(
            status=Lead.Status.NEW,
            first_contacted_at__isnull=True,
            first_contact_due__lt=now,
            overdue_notified_at__isnull=True,
        ).select_related("owner__user", "owner__manager__user")
    )
    assigners = None
    warned = 0
    for lead in due:
        with transaction.atomic():
            if lead.owner is not None:
                users = [lead.owner.user] + ([lead.owner.manager.user] if lead.owner.manager else [])
            else:
                if assigners is None:
                    assigners = [
                        p.user
                        for p in Person.objects.filter(status=Person.Status.ACTIVE)
                        .filter(
                            Q(position=Position.DIRECTOR)
                            | Q(position=Position.SECTION_HEAD, org_unit__duty="sales_management")
                        )
                        .select_related("user")
                    ]
                users = assigners
            # Claim the lead first: a second run at the same moment finds nothing to claim.
            claimed = Lead.all_objects.filter(pk=lead.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            )
            if not claimed:
                continue
            warned += 1
            notify(
                users=users,
                kind="lead_overdue",
                title=_("Lead not contacted in time: %(lead)s") % {"lead": lead},
                body=_("The first contact was due %(due)s (owner: %(owner)s).")
                % {
                    "due": timezone.localtime(lead.first_contact_due).strftime("%Y-%m-%d %H:%M"),
                    "owner": lead.owner or _("not assigned"),
                },
                url=reverse("leads:detail", args=[lead.pk]),
            )
    return warned


def _check_rule_team(access, team: OrgUnit) -> None:
    if team.kind not in (OrgUnit.Kind.TEAM, OrgUnit.Kind.SECTION) or team.duty != "sales_management":
        raise ApplicationError(
            _("Leads go to a sales team or the Sales Management section."),
            code="invalid",
            fields={"team": _("Choose a sales team.")},
        )
    if access.scope != Scope.ALL and not (access.unit_path and team.path.startswith(access.unit_path)):
        raise ApplicationError(
            _("You can only send leads to teams you manage."),
            code="out_of_scope",
            fields={"team": _("Choose a team you manage.")},
        )


@transaction.atomic
def rule_save(
    *,
    actor: User,
    name: str,
    team: OrgUnit,
    region=None,
    channel: str = "",
    priority: int = 100,
    active: bool = True,
    rule: AssignmentRule | None = None,
    version: int | None = None,
) -> AssignmentRule:
    """Create (rule=None) or change an assignment rule. Assigners manage the rules of the teams
    in their scope; a rule is switched off rather than deleted, so History keeps what applied."""
    access = require(actor, Cap.LEADS_ASSIGN)
    name = (name or "").strip()
    required({"name": name, "team": team})
    _check_rule_team(access, team)
    if rule is not None:
        rule = AssignmentRule.objects.select_related("team").get(pk=rule.pk)
        _check_rule_team(access, rule.team)
    data = {
        "name": name,
        "team": team,
        "region": region,
        "channel": channel or "",
        "priority": priority,
        "active": active,
    }
    if rule is None:
        rule = AssignmentRule(**data)
        validate_fields(rule, ["name", "channel", "priority"])
        rule.save(actor=actor)
    else:
        model_update(instance=rule, data=data, actor=actor, version=version)
    return rule


@transaction.atomic
def policy_update(*, actor: User, first_contact_hours: int) -> LeadPolicy:
    """How soon a new lead must be contacted (R3.2); the change is kept in the audit trail."""
    require(actor, Cap.PROCESS_CONFIGURE)
    try:
        hours = int(first_contact_hours)
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= 720:
        raise ApplicationError(
            _("Use 1 to 720 hours."), code="invalid", fields={"first_contact_hours": _("Use 1 to 720 hours.")}
        )
    policy = LeadPolicy.current()
    old = policy.first_contact_hours
    if old == hours:
        return policy
    policy.first_contact_hours = hours
    policy.save(update_fields=["first_contact_hours", "updated_at"])
    audit_event(
        obj=policy,
        action=AuditAction.UPDATE,
        actor=actor,
        changes={"first_contact_hours": {"old": old, "new": hours}},
    )
    return policy


def leads_move_customer(*, actor: User, source: Customer, target: Customer) -> int:
    """Leads converted into ``source`` now point at ``target`` (a merge of duplicate customers,
    customers.merge). Each moved lead gets an audit row; the caller holds the transaction and has
    checked that ``actor`` manages both customers. Returns how many leads moved."""
    return bulk_reassign(
        queryset=Lead.all_objects.filter(customer=source), field="customer", to=target, actor=actor
    )


def lead_reveal(*, actor: User, lead: Lead, field: str) -> str:
    """The full phone, email or WeChat of a lead the actor sees masked, logged (R3.8)."""
    return record_reveal(actor=actor, queryset=visible_leads(actor), pk=lead.pk, field=field)
