"""Reads of leads, scoped; unassigned leads are visible to those who assign them."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from salescore.core.permissions import Cap, access_for, scope_filter
from salescore.customers.identity import normalize_phone
from salescore.customers.models import Contact
from salescore.leads.models import OPEN_STATUSES, Lead, LeadTouch
from salescore.org.models import Person


def visible_leads(user) -> QuerySet[Lead]:
    condition = scope_filter(Lead, user)
    if access_for(user).can(Cap.LEADS_ASSIGN):
        condition = None if condition is None else condition | Q(owner__isnull=True)
    return Lead.objects.all() if condition is None else Lead.objects.filter(condition)


def lead_get_for_user(*, user, pk) -> Lead:
    try:
        return visible_leads(user).select_related("owner", "region", "customer", "opportunity").get(pk=pk)
    except (Lead.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def lead_list(
    *,
    user,
    q: str | None = None,
    status: str | None = None,
    channel: str | None = None,
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
        rows = rows.filter(condition)
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
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
        rows = rows.filter(owner_id=access_for(user).person_id)
    return rows.select_related("owner", "region").order_by("-created_at", "-id")


def touches(lead: Lead) -> QuerySet[LeadTouch]:
    return LeadTouch.objects.filter(lead=lead).select_related("by")


def matching_contacts(lead: Lead, limit: int = 5) -> list[Contact]:
    """Existing customer contacts with the lead's phone or email: convert into their customer."""
    condition = Q()
    if lead.phone_key:
        condition |= Q(mobile_key=lead.phone_key)
    if lead.email:
        condition |= Q(email__iexact=lead.email)
    if not condition:
        return []
    return list(Contact.objects.filter(condition).select_related("customer", "customer__owner")[:limit])


def my_overdue_count(user) -> int:
    person_id = access_for(user).person_id
    if person_id is None:
        return 0
    return Lead.objects.filter(
        owner_id=person_id,
        status=Lead.Status.NEW,
        first_contacted_at__isnull=True,
        first_contact_due__lt=timezone.now(),
    ).count()


def my_new_count(user) -> int:
    person_id = access_for(user).person_id
    if person_id is None:
        return 0
    return Lead.objects.filter(owner_id=person_id, status=Lead.Status.NEW).count()


def unassigned_count(user) -> int:
    return Lead.objects.filter(owner__isnull=True, status__in=OPEN_STATUSES).count()
