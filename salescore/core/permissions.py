"""The one authorization module.

Two questions, answered here and nowhere else:

* What may this user *do*?  ``capabilities``: the union of what their position allows and what
  their section's duty (R1.2) adds. ``require(user, cap)`` raises 403 when missing.
* Which records may this user *see*?  ``scope``: own, team, section or all. ``scope_queryset``
  filters any business model by its owner (and the people it is shared with, RecordShare);
  ``get_in_scope`` returns one record or raises 404, so existence does not leak.

Every list, detail, search, export and API goes through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import F, Lookup, Q
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from salescore.core.errors import PermissionDeniedError
from salescore.core.pagination import mark_scope
from salescore.core.tree import segment


class Position(models.TextChoices):
    DIRECTOR = "director", _("Sales director")
    SECTION_HEAD = "section_head", _("Section head")
    TEAM_LEAD = "team_lead", _("Team lead")
    REP = "rep", _("Sales rep")
    CS_AGENT = "cs_agent", _("Customer-service agent")
    SUPPORT_CLERK = "support_clerk", _("Sales-support clerk")
    MARKET_ANALYST = "market_analyst", _("Market analyst")
    # Outside the Sales Department, but the order process hands work to them (R3.6).
    WAREHOUSE = "warehouse", _("Warehouse and shipping")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Administrator")


class Duty(models.TextChoices):
    """The four sections of the Sales Department and what each is for (R1.2)."""

    SALES_MANAGEMENT = "sales_management", _("Sales Management")
    MARKET_EXPANSION = "market_expansion", _("Market Expansion")
    CUSTOMER_SERVICE = "customer_service", _("Customer Service")
    SALES_SUPPORT = "sales_support", _("Sales Support")


class Scope(models.TextChoices):
    OWN = "own", _("Own records")
    TEAM = "team", _("My team")
    SECTION = "section", _("My section")
    ALL = "all", _("Everything")


class Cap:
    """Capability names. Strings so later domains can add theirs without touching a registry."""

    ORG_VIEW = "org.view"
    ORG_MANAGE = "org.manage"
    PEOPLE_VIEW = "people.view"
    PEOPLE_MANAGE = "people.manage"
    PEOPLE_EXPORT = "people.export"
    ACCOUNTS_UNLOCK = "accounts.unlock"
    AUDIT_VIEW_ALL = "audit.view_all"
    RECORDS_RESTORE = "records.restore"
    API_TOKENS = "api.tokens"
    CUSTOMERS_CREATE = "customers.create"
    CUSTOMERS_EXPORT = "customers.export"  # the customer list as CSV (no contact data)
    CONTACTS_EXPORT = "contacts.export"  # bulk export of people's phones and emails (R3.8)
    PIPELINE_WORK = "pipeline.work"  # open and move opportunities (R3.1)
    LEADS_CREATE = "leads.create"  # anyone may register a lead that reached them (R3.2)
    LEADS_ASSIGN = "leads.assign"  # see unassigned leads, assign and reassign them
    PROCESS_CONFIGURE = "process.configure"  # stages, entry criteria, scripts, catalogue (R3.1, R3.5)
    # Duty work (R1.2-R1.4): granted by the section a person sits in.
    TEAM_MANAGE = "team.manage"  # recruiting, training, evaluation, incentives (R1.3)
    TARGETS_MANAGE = "targets.manage"  # set targets and plans, track progress (R1.3)
    MARKET_RESEARCH = "market.research"  # research, competitors, forecasts (R1.4)
    CAMPAIGNS_VIEW = "campaigns.view"  # read campaigns and their results: everyone who sells (R1.4)
    CAMPAIGNS_MANAGE = "campaigns.manage"  # plan and run marketing campaigns (营销活动, R1.4, R2.2)
    SERVICE_HANDLE = "service.handle"  # after-sales tickets and return visits (R3.7)
    ORDERS_PROCESS = "orders.process"  # enter, confirm and track every order (R3.6)
    ORDERS_FULFIL = "orders.fulfil"  # record shipments and deliveries of every order (R3.6)
    PAYMENTS_RECORD = "payments.record"  # payment plans, received payments, receivables (回款)
    QUOTES_WORK = "quotes.work"  # quote and turn accepted quotes into orders (R3.6, R3.9)


_EVERYONE = {Cap.ORG_VIEW, Cap.PEOPLE_VIEW, Cap.API_TOKENS, Cap.LEADS_CREATE}
_MANAGERS = _EVERYONE | {Cap.PEOPLE_EXPORT, Cap.CUSTOMERS_EXPORT}

POSITION_CAPABILITIES: dict[str, frozenset[str]] = {
    Position.ADMIN: frozenset(
        _MANAGERS
        | {
            Cap.ORG_MANAGE,
            Cap.PEOPLE_MANAGE,
            Cap.ACCOUNTS_UNLOCK,
            Cap.AUDIT_VIEW_ALL,
            Cap.RECORDS_RESTORE,
            Cap.CUSTOMERS_CREATE,
            Cap.CONTACTS_EXPORT,
            Cap.PIPELINE_WORK,
            Cap.PROCESS_CONFIGURE,
            Cap.LEADS_ASSIGN,
            Cap.QUOTES_WORK,
            Cap.ORDERS_PROCESS,
            Cap.ORDERS_FULFIL,
            Cap.PAYMENTS_RECORD,
            Cap.CAMPAIGNS_VIEW,
            Cap.CAMPAIGNS_MANAGE,
        }
    ),
    Position.DIRECTOR: frozenset(
        _MANAGERS
        | {
            Cap.PEOPLE_MANAGE,
            Cap.AUDIT_VIEW_ALL,
            Cap.RECORDS_RESTORE,
            Cap.TEAM_MANAGE,
            Cap.TARGETS_MANAGE,
            Cap.CUSTOMERS_CREATE,
            Cap.CONTACTS_EXPORT,
            Cap.PIPELINE_WORK,
            Cap.PROCESS_CONFIGURE,
            Cap.LEADS_ASSIGN,
            Cap.QUOTES_WORK,
            Cap.CAMPAIGNS_VIEW,
            Cap.CAMPAIGNS_MANAGE,
        }
    ),
    Position.SECTION_HEAD: frozenset(_MANAGERS),
    Position.TEAM_LEAD: frozenset(_MANAGERS),
    Position.REP: frozenset(_EVERYONE),
    Position.CS_AGENT: frozenset(_EVERYONE),
    Position.SUPPORT_CLERK: frozenset(_EVERYONE),
    Position.MARKET_ANALYST: frozenset(_EVERYONE),
    Position.WAREHOUSE: frozenset(_EVERYONE | {Cap.ORDERS_FULFIL}),
    Position.FINANCE: frozenset(_EVERYONE | {Cap.PAYMENTS_RECORD}),
}

# What a section's duty adds, for everyone in it and for its leaders only.
DUTY_CAPABILITIES: dict[str, frozenset[str]] = {
    # Sales teams and Market Expansion (the relationship network, R1.4) bring in customers; both
    # read the campaigns the leads come from, Market Expansion plans and runs them (R1.4).
    Duty.SALES_MANAGEMENT: frozenset(
        {Cap.CUSTOMERS_CREATE, Cap.PIPELINE_WORK, Cap.QUOTES_WORK, Cap.CAMPAIGNS_VIEW}
    ),
    Duty.MARKET_EXPANSION: frozenset(
        {Cap.MARKET_RESEARCH, Cap.CUSTOMERS_CREATE, Cap.CAMPAIGNS_VIEW, Cap.CAMPAIGNS_MANAGE}
    ),
    Duty.CUSTOMER_SERVICE: frozenset({Cap.SERVICE_HANDLE}),
    # Sales Support keeps the order desk: every order, its documents and its collection (R1.2).
    Duty.SALES_SUPPORT: frozenset({Cap.ORDERS_PROCESS, Cap.PAYMENTS_RECORD}),
}
DUTY_LEADER_CAPABILITIES: dict[str, frozenset[str]] = {
    # Sales Management runs the team: its heads recruit, appraise and set targets (R1.3), and
    # run the campaigns their plans' promotion strategy calls for (R2.2).
    Duty.SALES_MANAGEMENT: frozenset(
        {Cap.TEAM_MANAGE, Cap.TARGETS_MANAGE, Cap.PEOPLE_MANAGE, Cap.LEADS_ASSIGN, Cap.CAMPAIGNS_MANAGE}
    ),
    Duty.MARKET_EXPANSION: frozenset(),
    Duty.CUSTOMER_SERVICE: frozenset(),
    Duty.SALES_SUPPORT: frozenset(),
}
LEADER_POSITIONS = frozenset({Position.SECTION_HEAD, Position.TEAM_LEAD})

POSITION_SCOPE: dict[str, str] = {
    Position.ADMIN: Scope.ALL,
    Position.DIRECTOR: Scope.ALL,
    Position.SECTION_HEAD: Scope.SECTION,
    Position.TEAM_LEAD: Scope.TEAM,
    Position.REP: Scope.OWN,
    Position.CS_AGENT: Scope.OWN,
    Position.SUPPORT_CLERK: Scope.OWN,
    Position.MARKET_ANALYST: Scope.OWN,
    Position.WAREHOUSE: Scope.OWN,
    Position.FINANCE: Scope.OWN,
}


@dataclass(frozen=True)
class Access:
    """What one user may do and see, computed once per request."""

    user_id: int | None
    person_id: int | None = None
    position: str | None = None
    duty: str | None = None
    scope: str = Scope.OWN
    unit_path: str | None = None  # the subtree a TEAM/SECTION scope covers
    home_path: str | None = None  # the person's own unit: its ancestors' shared records are visible
    capabilities: frozenset[str] = field(default_factory=frozenset)

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def scope_label(self) -> str:
        return str(Scope(self.scope).label)


NO_ACCESS = Access(user_id=None)


def capabilities_for(position: str | None, duty: str | None) -> frozenset[str]:
    caps = set(POSITION_CAPABILITIES.get(position or "", frozenset()))
    if duty:
        caps |= DUTY_CAPABILITIES.get(duty, frozenset())
        if position in LEADER_POSITIONS:
            caps |= DUTY_LEADER_CAPABILITIES.get(duty, frozenset())
    return frozenset(caps)


def _all_capabilities() -> frozenset[str]:
    caps: set[str] = set()
    for group in (POSITION_CAPABILITIES, DUTY_CAPABILITIES, DUTY_LEADER_CAPABILITIES):
        for value in group.values():
            caps |= value
    return frozenset(caps)


def access_for(user) -> Access:
    """The user's access, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_salescore_access", None)
    if cached is not None:
        return cached
    Person = apps.get_model("org", "Person")
    link = Person.user.field.remote_field  # user.person
    if link.is_cached(user):
        # Read with the user by the authentication backend, dead or alive: only an active one counts.
        person = link.get_cached_value(user)
        if person is not None and (person.deleted_at is not None or person.status != Person.Status.ACTIVE):
            person = None
    else:
        person = (
            Person.objects.select_related("org_unit")
            .filter(user_id=user.pk, status=Person.Status.ACTIVE)
            .first()
        )
    if person is None:
        # A superuser made with createsuperuser has no person record: treat as administrator.
        access = (
            Access(user_id=user.pk, scope=Scope.ALL, capabilities=_all_capabilities())
            if user.is_superuser
            else Access(user_id=user.pk)
        )
    else:
        # user.person is the person just read: pages that show it (the header, home) read no more.
        Person.user.field.remote_field.set_cached_value(user, person)
        unit = person.org_unit
        scope = POSITION_SCOPE.get(person.position, Scope.OWN)
        unit_path = None
        if scope in (Scope.TEAM, Scope.SECTION) and unit is not None:
            unit_path = unit.path
        elif scope in (Scope.TEAM, Scope.SECTION):
            scope = Scope.OWN
        access = Access(
            user_id=user.pk,
            person_id=person.pk,
            position=person.position,
            duty=unit.duty if unit else None,
            scope=scope,
            unit_path=unit_path,
            home_path=unit.path if unit is not None else None,
            capabilities=capabilities_for(person.position, unit.duty if unit else None),
        )
    user._salescore_access = access
    return access


def can(user, capability: str) -> bool:
    return access_for(user).can(capability)


def require(user, capability: str) -> Access:
    access = access_for(user)
    if not access.can(capability):
        raise PermissionDeniedError(
            gettext("Your position does not allow this action."), code="permission_denied"
        )
    return access


def require_any(user, *capabilities: str) -> Access:
    """Like ``require``, for an action anyone holding one of ``capabilities`` may take."""
    access = access_for(user)
    if not any(access.can(capability) for capability in capabilities):
        raise PermissionDeniedError(
            gettext("Your position does not allow this action."), code="permission_denied"
        )
    return access


def _sees_only_themselves(access: Access) -> bool:
    """Whether the people whose records this access sees are its own person alone (a rep)."""
    if access.person_id is None or access.scope == Scope.ALL:
        return False
    return not (access.scope in (Scope.TEAM, Scope.SECTION) and access.unit_path)


def sees_only_own(user) -> bool:
    """Whether ``user`` sees the records of their own person alone (a rep), shares aside."""
    return _sees_only_themselves(access_for(user))


def visible_people(user) -> models.QuerySet:
    """The people whose records this user may see (as a subquery-able queryset of ids)."""
    Person = apps.get_model("org", "Person")
    access = access_for(user)
    people = Person.all_objects.all()
    if access.scope == Scope.ALL and access.user_id is not None:
        return people.values("pk")
    if access.person_id is None:
        return people.none().values("pk")
    if _sees_only_themselves(access):
        return people.filter(pk=access.person_id).values("pk")
    return people.filter(Q(org_unit__path__startswith=access.unit_path) | Q(pk=access.person_id)).values("pk")


def _owned_by_visible(owner_field: str, access: Access, user) -> Q:
    """Records owned by one of the people this user sees. A rep's is ``owner = <their id>``, a
    condition PostgreSQL estimates from the column's statistics (an array from a subquery it
    cannot, so it planned a rep's pages as if the scope held many people)."""
    if _sees_only_themselves(access):
        return Q(**{owner_field: access.person_id})
    return Q(AnyOf(F(owner_field), visible_people(user)))


class AnyOf(Lookup):
    """``column`` is one of the ids a subquery returns (or one of a list of values), written so
    that the database can use the column's index inside an OR: PostgreSQL reads the subquery once
    into an array (an InitPlan) and matches the column against it (``= ANY(ARRAY(...))``), which a
    bitmap index scan and an index filter both take; ``IN (subquery)`` inside an OR is a per-row
    subplan instead. SQLite builds a temporary index for ``IN (subquery)`` once and uses it the
    same way."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if isinstance(self.rhs, (list, tuple, set, frozenset)):
            return self._values_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def _values_sql(self, compiler, connection):
        """A list of values (an import batch's 500 phone numbers): one array parameter on
        PostgreSQL (``= ANY(%s)``), where ``IN`` costs Django and psycopg a placeholder each."""
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        if _keeps_text(type(field)) and all(type(value) is str for value in self.rhs):
            values = list(self.rhs)  # what the conversion below gives, without 1,500 calls a batch
        else:
            values = [field.get_db_prep_value(value, connection, prepared=False) for value in self.rhs]
        if not values:
            return "1 = 0", ()
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", (*lhs_params, *values)


def _keeps_text(field_class: type[models.Field]) -> bool:
    """Whether the field's conversion of a value for the database gives back a text as it is:
    a text field that does not change Django's own conversion."""
    return (
        issubclass(field_class, models.CharField | models.TextField)
        and field_class.get_db_prep_value is models.Field.get_db_prep_value
        and field_class.get_prep_value in (models.CharField.get_prep_value, models.TextField.get_prep_value)
        and field_class.to_python in (models.CharField.to_python, models.TextField.to_python)
    )


def scope_filter(
    model: type[models.Model],
    user,
    *,
    include_shared: bool = True,
    to_change: bool = False,
    include_unowned: bool = True,
) -> Q | None:
    """The Q that limits ``model`` to the user's scope, or None when nothing is hidden.
    ``include_shared=False`` leaves out the records shared with the user, ``include_unowned=False``
    the unowned ones (a list of owned customers has no use for the public pool's part)."""
    ways = {"include_shared": include_shared, "to_change": to_change, "include_unowned": include_unowned}
    via = getattr(model, "scope_via", None)
    if via is not None:
        # A child record (a customer's contact) is visible exactly when its parent is.
        parent = model._meta.get_field(via).related_model
        if getattr(model, "scope_via_owner_field", None):
            parts = _owner_parts(parent, user, **ways, child=model)
            return None if parts is None else _any(parts)
        parent_condition = scope_filter(parent, user, **ways)
        if parent_condition is None:
            return None
        return Q(**{f"{via}__in": parent._base_manager.filter(parent_condition).values("pk")})
    parts = _owner_parts(model, user, **ways)
    return None if parts is None else _any(parts)


def scope_parts(
    model: type[models.Model],
    user,
    *,
    include_shared: bool = True,
    to_change: bool = False,
    include_unowned: bool = True,
) -> list[Q] | None:
    """``scope_filter`` split into the ways the user sees a record (their people's, the unowned,
    a unit's, those shared with them): a record is in scope exactly when one part holds (tested).
    A list ordered by an index reads each part's first rows along its own index
    (``core.pagination``) where their OR walks one index testing every row. None: nothing hidden."""
    ways = {"include_shared": include_shared, "to_change": to_change, "include_unowned": include_unowned}
    via = getattr(model, "scope_via", None)
    if via is not None:
        parent = model._meta.get_field(via).related_model
        if getattr(model, "scope_via_owner_field", None):
            return _owner_parts(parent, user, **ways, child=model)
        parent_parts = scope_parts(parent, user, **ways)
        if parent_parts is None:
            return None
        return [Q(**{f"{via}__in": parent._base_manager.filter(part).values("pk")}) for part in parent_parts]
    return _owner_parts(model, user, **ways)


def _any(conditions: list[Q]) -> Q:
    combined = Q(conditions[0])
    for condition in conditions[1:]:
        combined |= Q(condition)
    return combined


def _owner_parts(
    model, user, *, include_shared: bool, to_change: bool, include_unowned: bool, child=None
) -> list[Q] | None:
    """``model``'s scope as its parts; with ``child`` (a model that keeps its ``model`` parent's
    owner in ``scope_via_owner_field``: an activity, its customer's), the same parts written on the
    child's own columns, so that the child's list reads them along its own indexes."""
    owner_field = getattr(model, "scope_owner_field", None)
    if owner_field is None:
        return None
    key = "pk"
    if child is not None:
        owner_field, key = child.scope_via_owner_field, child.scope_via
    access = access_for(user)
    if access.user_id is None:
        return [Q(pk__in=[])]
    if access.scope == Scope.ALL:
        return None
    all_capabilities = getattr(model, "scope_all_capability", None) or ()
    if isinstance(all_capabilities, str):
        all_capabilities = (all_capabilities,)
    if any(access.can(capability) for capability in all_capabilities):
        # A desk that serves everyone's records (Sales Support and every order) sees them all.
        return None
    read_capabilities = getattr(model, "scope_read_all_capability", None) or ()
    if not to_change and any(access.can(capability) for capability in read_capabilities):
        # A desk that needs to look at everyone's records (Customer Service and every customer)
        # sees them all, but changes only those its chain of command gives it.
        return None
    owned = _owned_by_visible(owner_field, access, user)
    others = _scope_branches(
        model, owner_field, access, include_shared=include_shared, include_unowned=include_unowned, key=key
    )
    return [owned, *others]


def _scope_branches(
    model,
    owner_field: str,
    access: Access,
    *,
    include_shared: bool,
    include_unowned: bool = True,
    key: str = "pk",
) -> list[Q]:
    """The ways a user sees a record other than through its owner: the unowned ones, a unit's,
    those shared with them. ``key``: the column holding the record's id (a child's parent key,
    when the conditions are written on a child that keeps its parent's owner)."""
    # Each way of seeing a record is one condition on the record's own columns, against a small
    # set read in the same statement (the people, units or shares that open it: AnyOf). Their OR
    # stays on indexes: a count ORs one index scan per branch, and a page walks the index of its
    # order, testing each row cheaply, until it has its 25 rows (decision 0012).
    branches = []
    unowned_capability = getattr(model, "scope_unowned_capability", None)
    if include_unowned and unowned_capability and access.can(unowned_capability):
        # Records nobody owns yet (a lead no rule assigned) are visible to those who hand them out.
        branches.append(Q(**{f"{owner_field}__isnull": True}))
    unit_field = getattr(model, "scope_unit_field", None)
    if unit_field and key != "pk":
        raise ImproperlyConfigured(f"{model.__name__}'s unit is not kept on its children")
    if unit_field:
        # Records that belong to a unit (a team's target, its reports): managers see their
        # subtree's; everyone sees those of the units they sit in, up to the company.
        OrgUnit = apps.get_model("org", "OrgUnit")
        if access.unit_path:
            subtree = OrgUnit.all_objects.filter(path__startswith=access.unit_path)
            branches.append(Q(AnyOf(F(unit_field), subtree.values("pk"))))
        if access.home_path:
            step = len(segment(0))
            ancestors = [access.home_path[:end] for end in range(step, len(access.home_path) + 1, step)]
            units = OrgUnit.all_objects.filter(path__in=ancestors).values("pk")
            branches.append(Q(AnyOf(F(unit_field), units)))
    if include_shared and access.person_id is not None:
        # Records shared with this person (core.RecordShare) are visible whatever their owner.
        RecordShare = apps.get_model("core", "RecordShare")
        shared = RecordShare.objects.filter(
            content_type=ContentType.objects.get_for_model(model), person_id=access.person_id
        )
        branches.append(Q(AnyOf(F(key), shared.order_by().values("object_id"))))
    return branches


@dataclass(frozen=True)
class OwnerScope:
    """A user's scope on a model split in two, for figures kept per owner: the records of the
    people in ``owners`` (a subquery of person ids), plus the records ``others`` opens (shares,
    units, the unowned) whose owner is not one of them. ``everything``: nothing is hidden."""

    everything: bool
    owners: models.QuerySet | None = None
    others: Q | None = None
    owned: Q | None = None  # the owners' records, as scope_filter writes it (a rep's: owner = id)


def owner_scope(model: type[models.Model], user, *, include_shared: bool = True) -> OwnerScope:
    """The scope of ``scope_filter`` as an ``OwnerScope``: its records are exactly those of
    ``scope_filter`` (tested), so a figure kept per owner adds up to the same as a live count."""
    owner_field = model.scope_owner_field
    if scope_filter(model, user, include_shared=include_shared) is None:
        return OwnerScope(everything=True)
    access = access_for(user)
    if access.user_id is None:
        return OwnerScope(everything=False, owners=visible_people(user), owned=Q(pk__in=[]))
    owned = _owned_by_visible(owner_field, access, user)
    branches = _scope_branches(model, owner_field, access, include_shared=include_shared)
    others = _any(branches) if branches else None
    if others is not None:
        # Not owned by one of them, null-safe: NOT (NULL = ANY(...)) would drop unowned records.
        others = others & ~(owned & Q(**{f"{owner_field}__isnull": False}))
    return OwnerScope(everything=False, owners=visible_people(user), others=others, owned=owned)


def scope_queryset(
    queryset: models.QuerySet,
    user,
    *,
    include_shared: bool = True,
    to_change: bool = False,
    include_unowned: bool = True,
) -> models.QuerySet:
    """Every list, search and export of a business record passes through here. The scope's parts
    go with the queryset (``core.pagination.rows`` reads a page part by part)."""
    ways = {"include_shared": include_shared, "to_change": to_change, "include_unowned": include_unowned}
    model = queryset.model
    if getattr(model, "scope_via", None) and not getattr(model, "scope_via_owner_field", None):
        # A child's parts are its parent's, each a subquery of the parents that part opens: a
        # contact's page would walk its whole index once per part, so it is read plainly. A child
        # that keeps its parent's owner (an activity) has parts on its own columns.
        condition = scope_filter(model, user, **ways)
        return queryset if condition is None else queryset.filter(condition)
    parts = scope_parts(model, user, **ways)
    if parts is None:
        return queryset
    # The parts' OR is scope_filter's condition (built from the same parts).
    return mark_scope(queryset.filter(_any(parts)), parts)


def get_in_scope(
    queryset: models.QuerySet, user, pk, *, include_shared: bool = True, to_change: bool = False
) -> models.Model:
    """One record the user may see, or 404 (never 403: existence must not leak)."""
    try:
        return scope_queryset(queryset, user, include_shared=include_shared, to_change=to_change).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def unmasked_ids(model: type[models.Model], user, ids) -> set[int]:
    """Which of these records' private data (phones, emails, WeChat: R3.8) this user sees in full:
    the ones they own and the ones shared with them to work on. Everyone else who sees a record
    (their managers, say) sees it masked and may reveal one field at a time, which is logged.

    One query whatever the number of ids; none when the user is no person.
    """
    access = access_for(user)
    ids = list(ids)
    if access.person_id is None or not ids:
        return set()
    RecordShare = apps.get_model("core", "RecordShare")
    shared = RecordShare.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=ids,
        person_id=access.person_id,
    ).values("object_id")
    owned = Q(**{model.scope_owner_field: access.person_id})
    rows = model._base_manager.filter(pk__in=ids).filter(owned | Q(pk__in=shared)).order_by()
    return set(rows.values_list("pk", flat=True))


def get_to_change(queryset: models.QuerySet, user, pk, *, include_shared: bool = True) -> models.Model:
    """One record the user may change: 404 when they cannot see it, 403 when they see it only as
    a desk that looks at everyone's (scope_read_all_capability) without owning or managing it."""
    try:
        return get_in_scope(queryset, user, pk, include_shared=include_shared, to_change=True)
    except Http404:
        get_in_scope(queryset, user, pk, include_shared=include_shared)  # 404 if not even visible
        raise PermissionDeniedError(
            gettext("You may look at this record, but only its owner and their managers change it."),
            code="permission_denied",
        ) from None
