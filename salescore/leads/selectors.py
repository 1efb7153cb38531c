"""Reads of leads, scoped; unassigned leads are visible to those who assign them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from salescore.campaigns.models import Campaign
from salescore.core.pagination import searched
from salescore.core.permissions import (
    DUTY_CAPABILITIES,
    DUTY_LEADER_CAPABILITIES,
    LEADER_POSITIONS,
    POSITION_CAPABILITIES,
    Cap,
    Scope,
    access_for,
    scope_queryset,
    unmasked_ids,
)
from salescore.customers.identity import mask_value, normalize_phone
from salescore.customers.models import Contact, Customer
from salescore.leads.models import OPEN_STATUSES, AssignmentRule, Lead, LeadTouch
from salescore.org.models import OrgUnit, Person


def visible_leads(user) -> QuerySet[Lead]:
    """The user's scope; unassigned leads are in it for assigners (Lead.scope_unowned_capability)."""
    return scope_queryset(Lead.objects.all(), user)


def lead_get_for_user(*, user, pk) -> Lead:
    try:
        return (
            visible_leads(user)
            .select_related("owner", "region", "customer", "opportunity", "campaign")
            .get(pk=pk)
        )
    except (Lead.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def lead_list(
    *,
    user,
    q: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    campaign: Campaign | None = None,
    owner: Person | None = None,
    open_only: bool = False,
    overdue_only: bool = False,
    unassigned_only: bool = False,
    mine: bool = False,
) -> QuerySet[Lead]:
    rows = visible_leads(user)
    if q:
        q = q.strip()
        condition = Q(name__icontains=q) | Q(company__icontains=q)
        digits = normalize_phone(q)
        if len(digits) >= 7:
            condition |= Q(phone_key=digits)
        if "@" in q:
            condition |= Q(email__iexact=q)
        rows = searched(rows, condition)
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    if owner is not None:
        rows = rows.filter(owner=owner)
    if open_only:
        rows = rows.filter(status__in=OPEN_STATUSES)
    if overdue_only:
        rows = rows.filter(
            status=Lead.Status.NEW, first_contacted_at__isnull=True, first_contact_due__lt=timezone.now()
        )
    if unassigned_only:
        rows = rows.filter(owner__isnull=True, status__in=OPEN_STATUSES)
    if mine:
        # A login without a person owns nothing; owner_id=None would list the unassigned leads.
        person_id = access_for(user).person_id
        rows = rows.filter(owner_id=person_id) if person_id else rows.none()
    return rows.select_related("owner", "region", "campaign").order_by("-created_at", "-id")


@dataclass
class LeadView:
    """A lead as this user may see it: phone, email and WeChat masked unless they own it or it is
    shared with them (core.permissions.unmasked_ids, the rule customers' contacts follow)."""

    lead: Lead
    masked: bool

    def __getattr__(self, name):
        return getattr(self.lead, name)

    def _value(self, field: str) -> str:
        raw = getattr(self.lead, field) or ""
        return mask_value(field, raw) if self.masked else raw

    @property
    def phone_shown(self) -> str:
        return self._value("phone")

    @property
    def email_shown(self) -> str:
        return self._value("email")

    @property
    def wechat_shown(self) -> str:
        return self._value("wechat")


def lead_views(*, user, leads) -> list[LeadView]:
    """Leads as this user may see them; two queries for the whole page, whatever its length."""
    leads = list(leads)
    unmasked = unmasked_ids(Lead, user, [lead.pk for lead in leads])
    return [LeadView(lead, masked=lead.pk not in unmasked) for lead in leads]


def lead_view(*, user, lead: Lead) -> LeadView:
    return lead_views(user=user, leads=[lead])[0]


def touches(lead: Lead) -> QuerySet[LeadTouch]:
    return LeadTouch.objects.filter(lead=lead).select_related("by")


def matching_contacts(lead: Lead, *, user, limit: int = 5) -> list[Contact]:
    """Contacts of customers this user may see that have the lead's phone or email: convert the
    lead into their customer. Customers outside the user's scope are not suggested (R3.8)."""
    condition = Q()
    if lead.phone_key:
        condition |= Q(mobile_key=lead.phone_key)
    if lead.email:
        condition |= Q(email__iexact=lead.email)
    if not condition:
        return []
    customers = scope_queryset(Customer.objects.all(), user).values("pk")
    return list(
        Contact.objects.filter(condition, customer__in=customers)
        .select_related("customer", "customer__owner")
        .order_by("customer__name", "pk")[:limit]
    )


def convert_customer_choices(lead: Lead, *, user, limit: int = 200) -> list[Customer]:
    """Existing customers to convert the lead into: those with a matching contact first, then the
    ones with the lead's company name, then the lead owner's customers and the user's own."""
    visible = scope_queryset(Customer.objects.select_related("owner"), user)
    chosen: dict[int, Customer] = {}
    for contact in matching_contacts(lead, user=user):
        chosen.setdefault(contact.customer_id, contact.customer)
    if lead.company:
        for customer in visible.filter(name__icontains=lead.company.strip()[:50]).order_by("name")[:10]:
            chosen.setdefault(customer.pk, customer)
    owners = {pk for pk in (lead.owner_id, access_for(user).person_id) if pk}
    if owners:
        for customer in visible.filter(owner_id__in=owners).order_by("name", "pk")[:limit]:
            chosen.setdefault(customer.pk, customer)
    return list(chosen.values())


# -- work queues (leads.queues): the leads each queue lists; the home page counts them together --


def my_overdue_leads(user) -> QuerySet[Lead]:
    """The user's new leads past their first-contact deadline."""
    person_id = access_for(user).person_id
    if person_id is None:
        return Lead.objects.none()
    return Lead.objects.filter(
        owner_id=person_id,
        status=Lead.Status.NEW,
        first_contacted_at__isnull=True,
        first_contact_due__lt=timezone.now(),
    )


def my_overdue_count(user) -> int:
    return my_overdue_leads(user).count()


def my_new_leads(user) -> QuerySet[Lead]:
    person_id = access_for(user).person_id
    if person_id is None:
        return Lead.objects.none()
    return Lead.objects.filter(owner_id=person_id, status=Lead.Status.NEW)


def unassigned_leads(user) -> QuerySet[Lead]:
    """Open leads nobody owns, as the list the queue's link opens shows them (in the user's
    scope, which holds every unowned lead for those who assign leads)."""
    return lead_list(user=user, unassigned_only=True).order_by()


def unassigned_count(user) -> int:
    return unassigned_leads(user).count()


def _pipeline_workers() -> Q:
    """People whose position or section duty lets them work opportunities (core.permissions)."""
    positions = [p for p, caps in POSITION_CAPABILITIES.items() if Cap.PIPELINE_WORK in caps]
    duties = [d for d, caps in DUTY_CAPABILITIES.items() if Cap.PIPELINE_WORK in caps]
    leader_duties = [d for d, caps in DUTY_LEADER_CAPABILITIES.items() if Cap.PIPELINE_WORK in caps]
    condition = Q(position__in=positions) | Q(org_unit__duty__in=duties)
    if leader_duties:
        condition |= Q(position__in=list(LEADER_POSITIONS), org_unit__duty__in=leader_duties)
    return condition


def assignable_people(user) -> QuerySet[Person]:
    """Whom this user may give a lead to (as services.lead_assign checks): active people in their
    scope who work the pipeline."""
    people = Person.objects.filter(_pipeline_workers(), status=Person.Status.ACTIVE)
    return (
        scope_queryset(people, user, include_shared=False)
        .select_related("org_unit")
        .order_by("org_unit__path", "employee_no")
    )


def lead_can_assign(*, user, lead: Lead) -> bool:
    access = access_for(user)
    if access.can(Cap.LEADS_ASSIGN):
        return True
    # An owner who manages people may pass the lead on to one of them.
    return lead.owner_id is not None and lead.owner_id == access.person_id and access.scope != Scope.OWN


def rules_list(user) -> QuerySet[AssignmentRule]:
    return AssignmentRule.objects.select_related("region", "team", "last_assigned").order_by("priority", "id")


def rule_teams(user) -> QuerySet:
    """Units a rule may send leads to, within the user's scope (services.rule_save checks)."""
    access = access_for(user)
    units = OrgUnit.objects.filter(
        kind__in=[OrgUnit.Kind.TEAM, OrgUnit.Kind.SECTION], duty="sales_management"
    ).order_by("path")
    if access.scope == Scope.ALL:
        return units
    if not access.unit_path:
        return units.none()
    return units.filter(path__startswith=access.unit_path)
