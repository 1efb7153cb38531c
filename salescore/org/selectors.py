"""Reads of the organisation. Person reads are scoped through core.permissions."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from salescore.core.pagination import searched
from salescore.core.permissions import get_in_scope, scope_queryset, visible_people
from salescore.org.models import OrgUnit, Person, Region


def org_unit_tree() -> QuerySet[OrgUnit]:
    """All live units in tree order, with their head and count of active members: one query."""
    return (
        OrgUnit.objects.select_related("head")
        .annotate(
            member_count=Count(
                "members",
                filter=Q(members__deleted_at__isnull=True, members__status=Person.Status.ACTIVE),
            )
        )
        .order_by("path")
    )


def org_unit_get(*, pk) -> OrgUnit:
    try:
        return OrgUnit.objects.select_related("parent", "head").get(pk=pk)
    except (OrgUnit.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def people_list(
    *,
    user,
    q: str | None = None,
    org_unit: OrgUnit | None = None,
    position: str | None = None,
    status: str | None = None,
    region: Region | None = None,
    no_region: bool = False,
    leaving_within_days: int | None = None,
    order: str = "employee_no",
) -> QuerySet[Person]:
    """The people this user may see, filtered. Used by the page, the API and the export."""
    people = scope_queryset(Person.objects.all(), user)
    if q:
        q = q.strip()
        people = searched(
            people,
            (
                Q(name__icontains=q)
                | Q(name_en__icontains=q)
                | Q(employee_no__icontains=q)
                | Q(user__username__icontains=q)
                | Q(email__icontains=q)
            ),
        )
    if org_unit is not None:
        people = people.filter(org_unit__path__startswith=org_unit.path)
    if position:
        people = people.filter(position=position)
    if status:
        people = people.filter(status=status)
    if region is not None:
        people = people.filter(
            pk__in=Person.regions.through.objects.filter(region__path__startswith=region.path).values(
                "person_id"
            )
        )
    if no_region:
        people = people.filter(regions__isnull=True)
    if leaving_within_days is not None:
        horizon = timezone.localdate() + dt.timedelta(days=leaving_within_days)
        people = people.filter(left_date__isnull=False, left_date__lte=horizon, status=Person.Status.ACTIVE)
    ordering = {
        "employee_no": ["employee_no"],
        "name": ["name", "employee_no"],
        "hire_date": ["hire_date", "employee_no"],
        "-hire_date": ["-hire_date", "employee_no"],
        "unit": ["org_unit__path", "employee_no"],
    }.get(order, ["employee_no"])
    return (
        people.select_related("org_unit", "manager", "user")
        .prefetch_related(Prefetch("regions", queryset=Region.objects.order_by("path")))
        .order_by(*ordering)
    )


def person_get_for_user(*, user, pk) -> Person:
    """One person the user may see, or 404."""
    return get_in_scope(
        Person.objects.select_related("org_unit", "manager", "user").prefetch_related("regions"),
        user,
        pk,
    )


def headcount_by_section(*, user) -> list[dict]:
    """Active people per section within the user's scope: the sections and their counts in one
    query (a correlated count per section; a section is few rows, its people one index away)."""
    # Sections sit at depth 2 (company > department > section > team, org.services): the people of
    # a section are those of the units whose path starts with the section's.
    members = (
        Person.objects.filter(
            pk__in=visible_people(user),
            status=Person.Status.ACTIVE,
            org_unit__path__startswith=OuterRef("path"),
        )
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    sections = (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION)
        .annotate(headcount=Subquery(members, output_field=IntegerField()))
        .order_by("path")
    )
    return [{"unit": section, "count": section.headcount} for section in sections]


def regions_list(
    *, parent: Region | None = None, level: str | None = None, q: str | None = None
) -> QuerySet[Region]:
    regions = Region.objects.all()
    if parent is not None:
        regions = regions.filter(parent=parent)
    if level:
        regions = regions.filter(level=level)
    if q:
        regions = searched(regions, Q(name__icontains=q) | Q(name_en__icontains=q) | Q(code__startswith=q))
    return regions.annotate(
        child_count=Count("children", filter=Q(children__deleted_at__isnull=True))
    ).order_by("code")


def region_get(*, pk) -> Region:
    try:
        return Region.objects.select_related("parent").get(pk=pk)
    except (Region.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# -- work queues (org.queues): the people each queue lists; the home page counts them together -----


def people_without_region(user) -> QuerySet[Person]:
    return people_list(user=user, status=Person.Status.ACTIVE, no_region=True)


def departures_due(user) -> QuerySet[Person]:
    return people_list(user=user, leaving_within_days=30)
