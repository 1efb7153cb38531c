"""Reads of customers and contacts, scoped through core.permissions; masking of contact data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from salescore.catalog.models import PriceList
from salescore.core.dates import filter_days
from salescore.core.models import RecordShare
from salescore.core.pagination import searched
from salescore.core.permissions import (
    AnyOf,
    Scope,
    access_for,
    get_in_scope,
    get_to_change,
    scope_filter,
    scope_queryset,
    unmasked_ids,
)
from salescore.customers import search
from salescore.customers.identity import (
    credit_code_problem,
    mask_value,
    name_key,
    normalize_credit_code,
    normalize_phone,
)
from salescore.customers.models import Contact, Customer, PoolMove, PoolPolicy, Tag
from salescore.org.models import OrgUnit, Person, Region

ORDERINGS = {
    "-updated": ["-updated_at", "-id"],
    "name": ["name", "id"],
    "tier": ["tier", "-updated_at", "-id"],
    "-created": ["-created_at", "-id"],
    "-last_contact": ["-last_contact_at", "-id"],
}


def with_credit_codes(rows: QuerySet[Customer], codes) -> QuerySet[Customer]:
    """The customers of ``rows`` whose credit code is one of ``codes``, through the unique index on
    credit codes. That index leaves out blank codes, and PostgreSQL cannot prove that a list of
    more than 100 codes holds no blank one, so the condition is stated here, or it reads the
    whole table (180 ms per batch of an import at a million customers)."""
    return rows.filter(AnyOf(F("credit_code"), codes)).exclude(credit_code="")


def live_contacts_count() -> Coalesce:
    """The live contacts of each customer in a list, as a correlated subquery."""
    counted = (
        Contact.objects.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def customer_list(
    *,
    user,
    q: str | None = None,
    tier: str | None = None,
    industry: str | None = None,
    region: Region | None = None,
    owner: Person | None = None,
    source: str | None = None,
    tag: str | None = None,
    mine: bool = False,
    pool: bool | None = None,
    unit: OrgUnit | None = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    price_list: PriceList | None = None,
    order: str = "-updated",
) -> QuerySet[Customer]:
    """The customers this user may see, filtered. The page, the API and the export share it.

    ``pool``: True lists only the public pool, False only owned customers. Left out (None), the
    pool is left out too, except for people who see everything: they saw unowned customers in the
    list before the pool existed, and keep seeing the whole book.
    """
    if pool is None:
        pool = None if access_for(user).scope == Scope.ALL else False
    # A list of owned customers leaves the pool's part of the scope out (each part is read along
    # its own index: core.pagination.rows).
    customers = scope_queryset(Customer.objects.all(), user, include_unowned=pool is not False)
    if pool is not None:
        customers = customers.filter(owner__isnull=pool)
    if q:
        q = q.strip()
        digits = normalize_phone(q)
        # Each term reads an index (customers.search), so the database reads their matches only.
        found = search.name_contains(q)
        condition, sample = found.condition, found.sample
        code = normalize_credit_code(q)
        if credit_code_problem(code) in (None, "check"):  # only a code's shape can equal a stored one
            condition |= Q(credit_code=code)
        key = name_key(q)
        if key and key != q.lower():
            condition |= search.key_starts(key)
        if len(digits) >= 7:
            condition |= Q(phone_key=digits)
        if "@" in q:
            condition |= search.email_is(q)
        customers = searched(customers, condition, sample)
    if tier:
        customers = customers.filter(tier=tier)
    if industry:
        customers = customers.filter(industry=industry)
    if region is not None:
        customers = customers.filter(region__path__startswith=region.path)
    if owner is not None:
        customers = customers.filter(owner=owner)
    if source:
        customers = customers.filter(source=source)
    if tag:
        customers = customers.filter(
            pk__in=Customer.tags.through.objects.filter(tag__name=tag).values("customer_id")
        )
    if unit is not None:
        customers = customers.filter(owner__org_unit__path__startswith=unit.path)
    customers = filter_days(customers, "created_at", created_from, created_to)
    if price_list is not None:
        customers = customers.filter(price_list=price_list)
    if mine:
        # A login without a person owns nothing; owner_id=None would list the unowned customers.
        person_id = access_for(user).person_id
        customers = customers.filter(owner_id=person_id) if person_id else customers.none()
    return (
        customers.select_related("owner", "region", "price_list")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        # A correlated count, worked out for the rows of the page only (a join and GROUP BY would
        # count every customer in scope before the page is cut).
        .annotate(contact_count=live_contacts_count())
        .order_by(*ORDERINGS.get(order, ORDERINGS["-updated"]))
    )


def tag_names(customer_ids) -> dict[int, list[str]]:
    """{customer id: its tag names, sorted} for the given customers, in one query."""
    link = Customer.tags.through
    found: dict[int, list[str]] = {}
    rows = link.objects.filter(customer_id__in=customer_ids).values_list("customer_id", "tag__name")
    for customer_id, tag in rows.order_by("customer_id", "tag__name"):
        found.setdefault(customer_id, []).append(tag)
    return found


def customer_get_for_user(*, user, pk, to_change: bool = False) -> Customer:
    """The customer, or 404; with ``to_change``, 403 for desks that may only look at it."""
    customers = Customer.objects.select_related("owner", "region", "price_list").prefetch_related("tags")
    return get_to_change(customers, user, pk) if to_change else get_in_scope(customers, user, pk)


def collaborators(customer: Customer) -> QuerySet[Person]:
    shared = RecordShare.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=customer.pk
    ).values("person_id")
    return Person.objects.filter(pk__in=shared).order_by("name")


def unmasked_customer_ids(*, user, customer_ids) -> set[int]:
    """Customers whose contact data this user sees in full: the ones they own or collaborate on
    (core.permissions.unmasked_ids, the rule leads follow too)."""
    return unmasked_ids(Customer, user, customer_ids)


@dataclass
class ContactView:
    """A contact as this user may see it: private fields masked unless they need them."""

    contact: Contact
    masked: bool

    def __getattr__(self, name):
        return getattr(self.contact, name)

    def _value(self, field: str) -> str:
        raw = getattr(self.contact, field) or ""
        return mask_value(field, raw) if self.masked else raw

    @property
    def mobile_shown(self) -> str:
        return self._value("mobile")

    @property
    def phone_shown(self) -> str:
        return self._value("phone")

    @property
    def email_shown(self) -> str:
        return self._value("email")

    @property
    def wechat_shown(self) -> str:
        return self._value("wechat")


def contacts_for_customer(*, user, customer: Customer) -> list[ContactView]:
    masked = customer.pk not in unmasked_customer_ids(user=user, customer_ids=[customer.pk])
    return [ContactView(contact, masked) for contact in Contact.objects.filter(customer=customer)]


def contact_view(*, user, contact: Contact) -> ContactView:
    """One contact as ``user`` may see it (masked unless they own or work on its customer)."""
    unmasked = unmasked_customer_ids(user=user, customer_ids=[contact.customer_id])
    return ContactView(contact, contact.customer_id not in unmasked)


def contact_get_for_user(*, user, pk, to_change: bool = False) -> Contact:
    # Scope goes through the customer's owner, deleted or not; a deleted customer's contacts go with it.
    contacts = Contact.objects.filter(customer__deleted_at__isnull=True).select_related("customer")
    return get_to_change(contacts, user, pk) if to_change else get_in_scope(contacts, user, pk)


def contact_list(*, user, q: str | None = None, customer: Customer | None = None) -> QuerySet[Contact]:
    contacts = scope_queryset(Contact.objects.filter(customer__deleted_at__isnull=True), user)
    if customer is not None:
        contacts = contacts.filter(customer=customer)
    if q:
        q = q.strip()
        # a contact's scope is its customer's: the customers named are read within the user's
        found = search.named(contacts, q, within=scope_filter(Customer, user), probe=search.RECORDS)
        condition, sample, sides = found.condition, found.sample, found.sides
        digits = normalize_phone(q)
        others = [Q(mobile_key=digits)] if len(digits) >= 7 else []
        if "@" in q:
            others.append(Q(email__iexact=q))
        for other in others:
            condition |= other
        # each further term is a side of its own (its index answers it)
        contacts = searched(contacts, condition, sample, (*sides, *others) if sides else ())
    return contacts.select_related("customer").order_by("customer__name", "-is_primary", "name", "id")


def similar_customers(*, user, name: str, exclude_pk=None, limit: int = 5) -> list[Customer]:
    """Customers whose name matches once legal-form suffixes are removed (offered, not blocked)."""
    key = name_key(name)
    if len(key) < 2:
        return []
    matches = Customer.objects.filter(search.key_starts(key)).exclude(pk=exclude_pk)
    return list(matches.select_related("owner").order_by("name")[:limit])


def my_customer_count(user) -> int:
    access = access_for(user)
    if access.person_id is None:
        return 0
    return Customer.objects.filter(owner_id=access.person_id).count()


def customer_can_manage(*, user, customer: Customer) -> bool:
    """May this user delete the customer and choose its collaborators? Its owner and their managers
    may; a collaborator, who sees it only because it was shared with them, may not. A pool
    customer has no owner: only those who see everything manage it."""
    if customer.owner_id is None and access_for(user).scope != Scope.ALL:
        return False
    return scope_queryset(
        Customer.objects.filter(pk=customer.pk), user, include_shared=False, to_change=True
    ).exists()


def customer_can_change(*, user, pk: int) -> bool:
    """May this user edit the customer (its owner's chain of command, or a collaborator)? Desks
    that see every customer (Customer Service, the order desk) look but do not change."""
    return scope_queryset(Customer.objects.filter(pk=pk), user, to_change=True).exists()


def visible_customer_ids(*, user, ids) -> set[int]:
    """Which of these customers the user may open (similar names are shown whoever owns them)."""
    ids = list(ids)
    if not ids:
        return set()
    return set(scope_queryset(Customer.objects.filter(pk__in=ids), user).values_list("pk", flat=True))


def contacts_for_export(*, user, customers: QuerySet[Customer]) -> QuerySet[Contact]:
    """The contacts of a (filtered, scoped) customer list, in the list's customers' name order."""
    customer_ids = customers.order_by().values("pk")
    return (
        scope_queryset(Contact.objects.filter(customer_id__in=customer_ids), user)
        .select_related("customer", "customer__owner")
        .order_by("customer__name", "customer_id", "-is_primary", "name", "id")
    )


# -- the public pool ---------------------------------------------------------------------------


def pool_list(*, user, q: str | None = None, tier: str | None = None) -> QuerySet[Customer]:
    """The pool customers this user may see, newest entries first, each with when and why it last
    entered the pool (kept on the customer, decision 0021; a customer never moved in, one created
    without an owner, comes last)."""
    customers = scope_queryset(Customer.objects.filter(owner__isnull=True), user, include_shared=False)
    if q:
        customers = searched(customers, *search.name_contains(q.strip()))
    if tier:
        customers = customers.filter(tier=tier)
    return (
        customers.select_related("region")
        .annotate(last_touch=Coalesce("last_contact_at", "created_at"))
        .order_by(F("pool_entered_at").desc(nulls_last=True), "-id")
    )


POOL_TIMEZONE = ZoneInfo("Asia/Shanghai")


def pool_day_start(now: dt.datetime) -> dt.datetime:
    """Midnight of ``now``'s day in China: the daily claim quota starts again then."""
    local = now.astimezone(POOL_TIMEZONE)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def pool_claims_today(*, person_id: int, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return PoolMove.objects.filter(
        new_owner_id=person_id, reason=PoolMove.Reason.CLAIMED, at__gte=pool_day_start(now)
    ).count()


def pool_moves(*, customer: Customer) -> QuerySet[PoolMove]:
    return PoolMove.objects.filter(customer=customer).select_related("previous_owner", "new_owner", "actor")


def pool_quota_left(*, user, now=None) -> int | None:
    """How many more customers this user may claim today, or None when they cannot claim."""
    access = access_for(user)
    if access.person_id is None:
        return None
    policy = PoolPolicy.current()
    return max(policy.daily_claims - pool_claims_today(person_id=access.person_id, now=now), 0)
