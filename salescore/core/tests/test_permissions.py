"""core.permissions: what each position and section duty may do, and which records each may see."""

from __future__ import annotations

import pytest
from django.http import Http404

from salescore.accounts.models import User
from salescore.core.errors import PermissionDeniedError
from salescore.core.permissions import (
    NO_ACCESS,
    Cap,
    Duty,
    Position,
    Scope,
    access_for,
    can,
    capabilities_for,
    get_in_scope,
    require,
    visible_people,
)
from salescore.org import services
from salescore.org.models import OrgUnit, Person
from salescore.org.tests.factories import PersonFactory

EVERYONE = {Cap.ORG_VIEW, Cap.PEOPLE_VIEW, Cap.API_TOKENS, Cap.LEADS_CREATE}
MANAGERS = EVERYONE | {Cap.PEOPLE_EXPORT, Cap.CUSTOMERS_EXPORT}
# customers, deals and quotes, and the campaigns their leads come from
SALES = {Cap.CUSTOMERS_CREATE, Cap.PIPELINE_WORK, Cap.QUOTES_WORK, Cap.CAMPAIGNS_VIEW}
SALES_LEADER = MANAGERS | SALES | {Cap.PEOPLE_MANAGE, Cap.TEAM_MANAGE, Cap.TARGETS_MANAGE, Cap.LEADS_ASSIGN}
# Sales Management's leaders run the campaigns their plans' promotion strategy calls for (R2.2).
SALES_LEADER |= {Cap.CAMPAIGNS_MANAGE}

# Written out by hand, not copied from the tables in permissions.py: this is the specification.
EXPECTED_CAPABILITIES = {
    "admin": MANAGERS
    | SALES
    | {
        Cap.ORG_MANAGE,
        Cap.PEOPLE_MANAGE,
        Cap.ACCOUNTS_UNLOCK,
        Cap.AUDIT_VIEW_ALL,
        Cap.RECORDS_RESTORE,
        Cap.CONTACTS_EXPORT,
        Cap.PROCESS_CONFIGURE,
        Cap.LEADS_ASSIGN,
        Cap.ORDERS_PROCESS,
        Cap.ORDERS_FULFIL,
        Cap.PAYMENTS_RECORD,
        Cap.CAMPAIGNS_MANAGE,
    },
    "director": MANAGERS
    | SALES
    | {
        Cap.PEOPLE_MANAGE,
        Cap.AUDIT_VIEW_ALL,
        Cap.RECORDS_RESTORE,
        Cap.TEAM_MANAGE,
        Cap.TARGETS_MANAGE,
        Cap.CONTACTS_EXPORT,
        Cap.PROCESS_CONFIGURE,
        Cap.LEADS_ASSIGN,
        Cap.CAMPAIGNS_MANAGE,
    },
    "head": SALES_LEADER,
    "lead_a": SALES_LEADER,
    "lead_b": SALES_LEADER,
    "rep_a": EVERYONE | SALES,
    "rep_a2": EVERYONE | SALES,
    "rep_b": EVERYONE | SALES,
    "agent": EVERYONE | {Cap.SERVICE_HANDLE},
    # The order desk keeps every order and its collection (R1.2, R3.6).
    "clerk": EVERYONE | {Cap.ORDERS_PROCESS, Cap.PAYMENTS_RECORD},
    # Market Expansion builds the relationship network (R1.4): it brings in customers too, and
    # plans and runs the marketing campaigns.
    "analyst": EVERYONE
    | {Cap.CUSTOMERS_CREATE, Cap.MARKET_RESEARCH, Cap.CAMPAIGNS_VIEW, Cap.CAMPAIGNS_MANAGE},
    # Outside the Sales Department, handed work by the order process (R3.6).
    "keeper": EVERYONE | {Cap.ORDERS_FULFIL},
    "cashier": EVERYONE | {Cap.PAYMENTS_RECORD},
}

EXPECTED_SCOPE = {
    "admin": Scope.ALL,
    "director": Scope.ALL,
    "head": Scope.SECTION,
    "lead_a": Scope.TEAM,
    "lead_b": Scope.TEAM,
    "rep_a": Scope.OWN,
    "rep_a2": Scope.OWN,
    "rep_b": Scope.OWN,
    "agent": Scope.OWN,
    "clerk": Scope.OWN,
    "analyst": Scope.OWN,
    "keeper": Scope.OWN,
    "cashier": Scope.OWN,
}

EVERYBODY = set(EXPECTED_SCOPE)
EXPECTED_VISIBLE = {
    "admin": EVERYBODY,
    "director": EVERYBODY,
    "head": {"head", "lead_a", "lead_b", "rep_a", "rep_a2", "rep_b"},
    "lead_a": {"lead_a", "rep_a", "rep_a2"},
    "lead_b": {"lead_b", "rep_b"},
    **{
        name: {name}
        for name in ("rep_a", "rep_a2", "rep_b", "agent", "clerk", "analyst", "keeper", "cashier")
    },
}


def _fresh(user: User) -> User:
    """The user as the next request would load it: no access cached from an earlier call."""
    return User.objects.get(pk=user.pk)


def _section(duty: str) -> OrgUnit:
    return OrgUnit.objects.get(kind=OrgUnit.Kind.SECTION, duty=duty)


@pytest.mark.parametrize("name", sorted(EXPECTED_CAPABILITIES))
def test_capabilities_of_each_cast_member(cast, name):
    access = access_for(getattr(cast, name).user)
    assert set(access.capabilities) == EXPECTED_CAPABILITIES[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_SCOPE))
def test_scope_of_each_position(cast, name):
    member = getattr(cast, name)
    access = access_for(member.user)
    assert access.scope == EXPECTED_SCOPE[name]
    assert access.person_id == member.pk
    assert access.position == member.person.position


def test_team_and_section_scopes_cover_their_unit(cast):
    assert access_for(cast.lead_a.user).unit_path == cast.team_a.path
    assert access_for(cast.head.user).unit_path == cast.sales_management.path
    # Own and all scopes do not need a subtree.
    assert access_for(cast.rep_a.user).unit_path is None
    assert access_for(cast.director.user).unit_path is None


@pytest.mark.parametrize("name", sorted(EXPECTED_VISIBLE))
def test_visible_people_follow_the_scope(cast, name):
    names = {member.pk: key for key, member in cast.all().items()}
    ids = Person.objects.filter(pk__in=visible_people(getattr(cast, name).user)).values_list("pk", flat=True)
    assert {names[pk] for pk in ids} == EXPECTED_VISIBLE[name]


@pytest.mark.parametrize(
    ("duty", "capability"),
    [
        (Duty.CUSTOMER_SERVICE, Cap.SERVICE_HANDLE),
        (Duty.SALES_SUPPORT, Cap.ORDERS_PROCESS),
        (Duty.MARKET_EXPANSION, Cap.MARKET_RESEARCH),
    ],
)
def test_section_duty_gives_its_work_to_everyone_in_it(cast, duty, capability):
    # given a plain rep placed straight in the section (not a team)
    person = PersonFactory(org_unit=_section(duty), position=Position.REP)

    # then the section's duty adds its work, and nothing beyond the duty's list
    caps = access_for(_fresh(person.user)).capabilities
    assert capability in caps
    extra = {
        Duty.MARKET_EXPANSION: {Cap.CUSTOMERS_CREATE, Cap.CAMPAIGNS_VIEW, Cap.CAMPAIGNS_MANAGE},
        Duty.SALES_SUPPORT: {Cap.PAYMENTS_RECORD},  # the order desk also follows collection
    }.get(duty, set())
    assert set(caps) == EVERYONE | {capability} | extra


def test_section_head_of_sales_management_manages_people_and_targets(cast):
    caps = access_for(cast.head.user).capabilities
    assert {Cap.PEOPLE_MANAGE, Cap.TARGETS_MANAGE, Cap.TEAM_MANAGE} <= caps
    assert Cap.ORG_MANAGE not in caps
    assert Cap.AUDIT_VIEW_ALL not in caps


@pytest.mark.parametrize(
    ("duty", "work"),
    [
        (Duty.CUSTOMER_SERVICE, Cap.SERVICE_HANDLE),
        (Duty.SALES_SUPPORT, Cap.ORDERS_PROCESS),
        (Duty.MARKET_EXPANSION, Cap.MARKET_RESEARCH),
    ],
)
def test_heads_of_other_sections_do_not_manage_people_or_targets(cast, duty, work):
    head = PersonFactory(org_unit=_section(duty), position=Position.SECTION_HEAD)
    caps = access_for(_fresh(head.user)).capabilities
    assert Cap.PEOPLE_MANAGE not in caps
    assert Cap.TARGETS_MANAGE not in caps
    assert Cap.TEAM_MANAGE not in caps
    # they still lead: export their section's list and do their section's work
    assert {Cap.PEOPLE_EXPORT, work} <= caps
    assert access_for(_fresh(head.user)).scope == Scope.SECTION


def test_team_lead_in_customer_service_handles_service_but_not_people(cast):
    lead = PersonFactory(org_unit=cast.care_team, position=Position.TEAM_LEAD)
    caps = access_for(_fresh(lead.user)).capabilities
    assert Cap.SERVICE_HANDLE in caps
    assert Cap.PEOPLE_MANAGE not in caps


@pytest.mark.parametrize("duty", [d.value for d in Duty])
@pytest.mark.parametrize("position", [p.value for p in Position])
def test_capabilities_for_is_the_union_of_position_and_duty(position, duty):
    caps = capabilities_for(position, duty)
    assert capabilities_for(position, None) <= caps
    leader = position in (Position.SECTION_HEAD, Position.TEAM_LEAD)
    assert (Cap.PEOPLE_MANAGE in caps) == (
        position in (Position.ADMIN, Position.DIRECTOR) or (leader and duty == Duty.SALES_MANAGEMENT)
    )


def test_unknown_position_gives_nothing():
    assert capabilities_for("astronaut", None) == frozenset()
    assert capabilities_for(None, None) == frozenset()


def test_superuser_without_a_person_is_an_administrator(db):
    root = User.objects.create_superuser("boss", "boss@example.com", "Super-Secret-2026")
    access = access_for(root)
    assert access.person_id is None
    assert access.scope == Scope.ALL
    every_cap = {value for key, value in vars(Cap).items() if key.isupper()}
    assert set(access.capabilities) == every_cap


def test_user_without_person_or_superuser_gets_nothing(cast):
    plain = User.objects.create_user("nobody", password="Plain-User-2026")
    access = access_for(plain)
    assert access.capabilities == frozenset()
    assert access.scope == Scope.OWN
    assert not visible_people(plain).exists()
    with pytest.raises(Http404):
        get_in_scope(Person.objects.all(), plain, cast.rep_a.pk)


def test_anonymous_gets_nothing(db):
    from django.contrib.auth.models import AnonymousUser

    assert access_for(AnonymousUser()) is NO_ACCESS
    assert access_for(None) is NO_ACCESS
    assert not can(AnonymousUser(), Cap.ORG_VIEW)


def test_inactive_user_gets_nothing(cast):
    # given the director's login is switched off
    user = _fresh(cast.director.user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    # then they have no capability and see no one, despite the position
    access = access_for(user)
    assert access is NO_ACCESS
    assert not can(user, Cap.PEOPLE_VIEW)
    assert not visible_people(user).exists()


def test_person_who_left_gets_nothing_even_with_an_active_login(cast):
    Person.objects.filter(pk=cast.lead_a.pk).update(status=Person.Status.LEFT)
    access = access_for(_fresh(cast.lead_a.user))
    assert access.person_id is None
    assert access.capabilities == frozenset()


def test_inactive_user_is_signed_out_of_pages_and_api(cast, client_as, api_as):
    page, api = client_as(cast.lead_a), api_as(cast.lead_a)
    assert page.get("/people/").status_code == 200
    User.objects.filter(pk=cast.lead_a.user.pk).update(is_active=False)
    response = page.get("/people/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")
    assert api.get("/api/v1/people").status_code == 401


def test_require_raises_403_with_a_stable_code(cast):
    assert require(cast.admin.user, Cap.ORG_MANAGE).person_id == cast.admin.pk
    with pytest.raises(PermissionDeniedError) as caught:
        require(cast.rep_a.user, Cap.ORG_MANAGE)
    assert caught.value.status == 403
    assert caught.value.code == "permission_denied"


@pytest.mark.parametrize("pk", ["abc", None, 10**9])
def test_get_in_scope_answers_404_for_bad_or_missing_ids(cast, pk):
    with pytest.raises(Http404):
        get_in_scope(Person.objects.all(), cast.director.user, pk)


def test_access_is_computed_once_per_user_object(cast, django_assert_num_queries):
    user = _fresh(cast.head.user)
    with django_assert_num_queries(1):
        first = access_for(user)
    with django_assert_num_queries(0):
        assert access_for(user) is first
        assert can(user, Cap.PEOPLE_MANAGE)


def test_scope_follows_a_person_moved_to_another_team(cast):
    # given rep_b moves from team B to team A
    services.person_update(actor=cast.admin.user, person=cast.rep_b.person, org_unit=cast.team_a)

    # then lead_a sees them and lead_b no longer does
    assert visible_people(_fresh(cast.lead_a.user)).filter(pk=cast.rep_b.pk).exists()
    assert not visible_people(_fresh(cast.lead_b.user)).filter(pk=cast.rep_b.pk).exists()


def test_duty_follows_a_person_moved_to_another_section(cast):
    services.person_update(actor=cast.admin.user, person=cast.rep_a.person, org_unit=cast.care_team)
    caps = access_for(_fresh(cast.rep_a.user)).capabilities
    assert Cap.SERVICE_HANDLE in caps


def test_api_me_reports_the_computed_access(cast, api_as):
    body = api_as(cast.agent).get("/api/v1/me").json()
    assert body["person_id"] == cast.agent.pk
    assert body["position"] == Position.CS_AGENT
    assert body["duty"] == Duty.CUSTOMER_SERVICE
    assert body["scope"] == Scope.OWN
    assert set(body["capabilities"]) == EXPECTED_CAPABILITIES["agent"]


# Each page that needs a capability, and who holds it.
PAGE_CAPABILITIES = [
    ("/audit/", {"admin", "director"}),
    ("/trash/", {"admin", "director"}),
    ("/org/units/new/", {"admin"}),
    ("/regions/new/", {"admin"}),
    ("/people/new/", {"admin", "director", "head", "lead_a", "lead_b"}),
    ("/people/export.csv", {"admin", "director", "head", "lead_a", "lead_b"}),
    ("/org/", EVERYBODY),
    ("/people/", EVERYBODY),
    ("/regions/", EVERYBODY),
    ("/accounts/tokens/", EVERYBODY),
]


@pytest.mark.parametrize("name", ["admin", "director", "head", "lead_a", "rep_a", "agent", "clerk"])
def test_pages_answer_403_exactly_where_a_capability_is_missing(cast, client_as, name):
    client = client_as(getattr(cast, name))
    for url, allowed in PAGE_CAPABILITIES:
        response = client.get(url)
        expected = 200 if name in allowed else 403
        assert response.status_code == expected, (name, url, response.status_code)
