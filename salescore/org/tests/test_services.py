"""org.services: the rules of the organisation tree and of people."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from salescore.core.models import AuditAction, AuditLog
from salescore.core.permissions import Cap, Duty, Position, access_for
from salescore.core.testing import PASSWORD
from salescore.core.tree import segment
from salescore.org import services
from salescore.org.models import OrgUnit, Person, Region
from salescore.org.tests.factories import PersonFactory, TeamFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


@contextlib.contextmanager
def _refused(code: str, field: str | None = None):
    """The block raises ApplicationError with this code, naming this field."""
    with pytest.raises(ApplicationError) as caught:
        yield caught
    assert caught.value.code == code, caught.value.as_dict()
    if field is not None:
        assert field in caught.value.fields, caught.value.as_dict()


def _unit(pk) -> OrgUnit:
    return OrgUnit.all_objects.get(pk=pk)


# -- units: kinds and parents -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "parent", "field"),
    [
        (OrgUnit.Kind.TEAM, "department", "parent"),  # a team sits under a section
        (OrgUnit.Kind.SECTION, "team_a", "parent"),  # a section sits under the department
        (OrgUnit.Kind.DEPARTMENT, None, "parent"),  # a department needs its company
        (OrgUnit.Kind.COMPANY, "department", "parent"),  # the company is the top
        ("galaxy", None, "kind"),
    ],
)
def test_unit_kind_decides_its_parent(cast, kind, parent, field):
    with _refused("invalid_parent" if field == "parent" else "invalid", field):
        services.org_unit_create(
            actor=cast.admin.user,
            kind=kind,
            name="新单位",
            parent=getattr(cast, parent) if parent else None,
            duty=Duty.SALES_MANAGEMENT,
        )


def test_section_needs_a_duty(cast):
    with _refused("required", "duty"):
        services.org_unit_create(
            actor=cast.admin.user, kind=OrgUnit.Kind.SECTION, parent=cast.department, name="战略科"
        )


def test_team_carries_its_sections_duty_whatever_is_asked(cast):
    team = services.org_unit_create(
        actor=cast.admin.user,
        kind=OrgUnit.Kind.TEAM,
        parent=cast.care_team.parent,
        name="回访组",
        duty=Duty.SALES_MANAGEMENT,  # ignored: a team does its section's work
    )
    assert team.duty == Duty.CUSTOMER_SERVICE
    assert team.path == cast.care_team.parent.path + segment(team.pk)
    assert team.depth == 3


def test_unit_names_are_unique_per_parent_only(cast):
    with _refused("duplicate", "name"):
        services.org_unit_create(
            actor=cast.admin.user, kind=OrgUnit.Kind.TEAM, parent=cast.sales_management, name="华东一组"
        )
    # the same name under another section is fine
    other = services.org_unit_create(
        actor=cast.admin.user, kind=OrgUnit.Kind.TEAM, parent=cast.care_team.parent, name="华东一组"
    )
    assert other.pk


def test_units_need_org_manage(cast):
    with pytest.raises(PermissionDeniedError):
        services.org_unit_create(
            actor=cast.director.user, kind=OrgUnit.Kind.TEAM, parent=cast.sales_management, name="x"
        )


def test_unit_under_a_deleted_parent_is_refused(cast):
    # given a second department that was deleted
    company = OrgUnit.objects.get(kind=OrgUnit.Kind.COMPANY)
    old = services.org_unit_create(
        actor=cast.admin.user, kind=OrgUnit.Kind.DEPARTMENT, parent=company, name="旧部门"
    )
    services.org_unit_delete(actor=cast.admin.user, unit=old)

    # then no section can be added under it
    with _refused("invalid_parent", "parent"):
        services.org_unit_create(
            actor=cast.admin.user,
            kind=OrgUnit.Kind.SECTION,
            parent=_unit(old.pk),
            name="新科",
            duty=Duty.SALES_SUPPORT,
        )
    assert not OrgUnit.all_objects.filter(name="新科").exists()


# -- units: duty changes -----------------------------------------------------------------------


def test_changing_a_sections_duty_carries_it_to_its_teams(cast):
    # given Sales Management turns into a Customer Service section
    services.org_unit_update(actor=cast.admin.user, unit=cast.sales_management, duty=Duty.CUSTOMER_SERVICE)

    # then both teams follow, each with its own audit row
    for team in (cast.team_a, cast.team_b):
        assert _unit(team.pk).duty == Duty.CUSTOMER_SERVICE
        assert AuditLog.objects.filter(object_id=team.pk, action=AuditAction.UPDATE).exists()
    # and the people in them gain and lose capabilities accordingly
    access = access_for(User.objects.get(pk=cast.lead_a.user.pk))
    assert Cap.SERVICE_HANDLE in access.capabilities
    assert Cap.PEOPLE_MANAGE not in access.capabilities


def test_a_teams_duty_cannot_be_changed_on_its_own(cast):
    services.org_unit_update(actor=cast.admin.user, unit=cast.team_a, duty=Duty.SALES_SUPPORT)
    assert _unit(cast.team_a.pk).duty == Duty.SALES_MANAGEMENT


# -- units: moves --------------------------------------------------------------------------------


def test_move_repaths_the_whole_subtree_in_one_update(cast):
    # given a second department
    company = OrgUnit.objects.get(kind=OrgUnit.Kind.COMPANY)
    dept2 = services.org_unit_create(
        actor=cast.admin.user, kind=OrgUnit.Kind.DEPARTMENT, parent=company, name="海外部"
    )
    section = _unit(cast.sales_management.pk)

    # when Sales Management (with its two teams) moves there
    with CaptureQueriesContext(connection) as queries:
        services.org_unit_move(actor=cast.admin.user, unit=section, new_parent=dept2, version=section.version)

    # then one UPDATE re-pathed the subtree, besides the one that saved the section's own row
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "org_orgunit"')]
    # SQLite writes "path" LIKE ..., PostgreSQL "org_orgunit"."path"::text LIKE ...
    subtree = [sql for sql in updates if re.search(r'"path"(::text)? LIKE', sql)]
    assert len(subtree) == 1
    assert len(updates) == 2
    # and every descendant has the new prefix and the same depth as before (the levels did not change)
    section = _unit(section.pk)
    assert section.parent_id == dept2.pk
    assert section.path == dept2.path + segment(section.pk)
    for team in (cast.team_a, cast.team_b):
        moved = _unit(team.pk)
        assert moved.path == section.path + segment(team.pk)
        assert moved.depth == 3
    # scope follows: the head still sees both teams, through the new path
    head = User.objects.get(pk=cast.head.user.pk)
    assert access_for(head).unit_path == section.path
    # and the move is in the section's history
    row = AuditLog.objects.filter(object_id=section.pk, action=AuditAction.UPDATE).first()
    assert row.changes["parent"]["new_display"] == "海外部"


def test_moving_a_team_changes_its_duty_and_its_leads_scope(cast):
    service_section = cast.care_team.parent
    team_b = _unit(cast.team_b.pk)
    services.org_unit_move(actor=cast.admin.user, unit=team_b, new_parent=service_section)

    team_b = _unit(team_b.pk)
    assert team_b.duty == Duty.CUSTOMER_SERVICE
    assert team_b.path.startswith(service_section.path)
    head = User.objects.get(pk=cast.head.user.pk)
    assert not Person.objects.filter(pk=cast.rep_b.pk, org_unit__path__startswith=access_for(head).unit_path)


@pytest.mark.parametrize("target", ["itself", "own_team"])
def test_a_unit_cannot_move_under_itself(cast, target):
    section = _unit(cast.sales_management.pk)
    new_parent = section if target == "itself" else cast.team_a
    with _refused("invalid_parent", "parent"):
        services.org_unit_move(actor=cast.admin.user, unit=section, new_parent=new_parent)
    assert _unit(section.pk).path == cast.sales_management.path


def test_move_with_a_stale_version_is_a_conflict(cast):
    section = _unit(cast.care_team.parent.pk)
    with pytest.raises(ConflictError):
        services.org_unit_move(
            actor=cast.admin.user, unit=_unit(cast.team_a.pk), new_parent=section, version=99
        )


def test_the_company_stays_at_the_top(cast):
    company = OrgUnit.objects.get(kind=OrgUnit.Kind.COMPANY)
    assert services.org_unit_move(actor=cast.admin.user, unit=company, new_parent=None) is company
    with _refused("invalid_parent", "parent"):
        services.org_unit_move(actor=cast.admin.user, unit=company, new_parent=cast.department)


# -- units: deleting -----------------------------------------------------------------------------


def test_delete_refuses_units_with_children_or_members(cast):
    with _refused("has_children"):
        services.org_unit_delete(actor=cast.admin.user, unit=cast.sales_management)
    with _refused("has_members"):
        services.org_unit_delete(actor=cast.admin.user, unit=cast.team_a)
    with _refused("protected"):
        services.org_unit_delete(actor=cast.admin.user, unit=OrgUnit.objects.get(kind=OrgUnit.Kind.COMPANY))
    assert not _unit(cast.team_a.pk).is_deleted


def test_delete_an_empty_unit_is_soft(cast):
    team = TeamFactory(parent=cast.sales_management)
    services.org_unit_delete(actor=cast.admin.user, unit=team)
    assert not OrgUnit.objects.filter(pk=team.pk).exists()
    assert _unit(team.pk).deleted_by_id == cast.admin.user.pk


# -- people: creation -----------------------------------------------------------------------------


def _create(cast, **overrides) -> Person:
    values = {
        "actor": cast.admin.user,
        "username": "newrep",
        "password": "Strong-Pass-2026",
        "name": "新代表",
        "employee_no": "N001",
        "position": Position.REP,
        "org_unit": cast.team_a,
        "hire_date": dt.date(2026, 2, 1),
    }
    values.update(overrides)
    return services.person_create(**values)


def test_person_create_makes_the_login_and_the_record(cast):
    region = Region.objects.get(code="310000")
    person = _create(cast, manager=cast.lead_a.person, regions=[region], email=" new@example.com ")
    assert person.user.username == "newrep" and person.user.is_active
    assert person.user.check_password("Strong-Pass-2026")
    assert person.email == "new@example.com"
    assert list(person.regions.all()) == [region]
    # the create and the regions are each one audit row
    assert AuditLog.objects.filter(object_id=person.pk, content_type__model="person").count() == 2


@pytest.mark.parametrize("password", ["Ab1!", "abcdefghijkl", "1234567890123", "password123", "newrep2026!"])
def test_weak_passwords_are_refused_naming_the_field(cast, password):
    with _refused("weak_password", "password"):
        _create(cast, password=password)
    assert not User.objects.filter(username="newrep").exists()


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"username": "REP_A"}, "duplicate", "username"),
        ({"employee_no": "T006"}, "duplicate", "employee_no"),
        ({"name": "  "}, "required", "name"),
        ({"employee_no": ""}, "required", "employee_no"),
        ({"password": ""}, "required", "password"),
        ({"position": "astronaut"}, "invalid", "position"),
        ({"email": "not-an-email"}, "invalid", "email"),
    ],
)
def test_person_create_validation(cast, overrides, code, field):
    with _refused(code, field):
        _create(cast, **overrides)
    assert not Person.objects.filter(name="新代表").exists()


def test_manager_must_be_active(cast):
    services.person_update(actor=cast.admin.user, person=cast.lead_b.person, status=Person.Status.LEFT)
    with _refused("invalid_manager", "manager"):
        _create(cast, manager=Person.objects.get(pk=cast.lead_b.pk))


@pytest.mark.parametrize(("person", "manager"), [("lead_a", "rep_a"), ("head", "rep_b"), ("rep_a", "rep_a")])
def test_a_manager_loop_is_refused(cast, person, manager):
    subject = getattr(cast, person).person
    with _refused("manager_cycle", "manager"):
        services.person_update(actor=cast.admin.user, person=subject, manager=getattr(cast, manager).person)
    assert Person.objects.get(pk=subject.pk).manager_id == subject.manager_id


def test_leaders_place_people_in_their_own_unit_only(cast):
    with _refused("out_of_scope", "org_unit"):
        _create(cast, actor=cast.lead_a.user, org_unit=cast.team_b)
    with _refused("out_of_scope", "position"):
        _create(cast, actor=cast.lead_a.user, position=Position.TEAM_LEAD)
    assert _create(cast, actor=cast.lead_a.user).org_unit_id == cast.team_a.pk
    # the head may add a team lead anywhere in the section
    assert (
        _create(
            cast,
            actor=cast.head.user,
            username="lead_c",
            employee_no="N002",
            org_unit=cast.team_b,
            position=Position.TEAM_LEAD,
        ).position
        == Position.TEAM_LEAD
    )


def test_people_need_people_manage(cast):
    with pytest.raises(PermissionDeniedError):
        _create(cast, actor=cast.rep_a.user)
    head_of_service = PersonFactory(org_unit=cast.care_team.parent, position=Position.SECTION_HEAD)
    with pytest.raises(PermissionDeniedError):
        _create(cast, actor=User.objects.get(pk=head_of_service.user_id), org_unit=cast.care_team)


# -- people: leaving -------------------------------------------------------------------------------


def test_leaving_closes_the_login(cast):
    # given rep_a leaves today
    with time_machine.travel(dt.datetime(2026, 5, 6, 10, 0, tzinfo=SHANGHAI), tick=False):
        services.person_update(actor=cast.lead_a.user, person=cast.rep_a.person, status=Person.Status.LEFT)

    # then the leaving date is today and the login is closed
    person = Person.objects.get(pk=cast.rep_a.pk)
    assert person.left_date == dt.date(2026, 5, 6)
    assert not User.objects.get(pk=cast.rep_a.user.pk).is_active

    # and coming back opens it again
    services.person_update(actor=cast.admin.user, person=person, status=Person.Status.ACTIVE, left_date=None)
    assert User.objects.get(pk=cast.rep_a.user.pk).is_active


def test_leaving_date_cannot_precede_the_hire_date(cast):
    with _refused("invalid_dates", "left_date"):
        services.person_update(actor=cast.admin.user, person=cast.rep_a.person, left_date=dt.date(2023, 1, 1))


def test_departed_people_are_deactivated_on_their_leaving_date(cast):
    # given rep_a's last day is 31 March (Shanghai time) and rep_b's is in April
    services.person_update(actor=cast.admin.user, person=cast.rep_a.person, left_date=dt.date(2026, 3, 31))
    services.person_update(actor=cast.admin.user, person=cast.rep_b.person, left_date=dt.date(2026, 4, 30))

    # when the nightly job runs on 30 March, nothing happens yet
    with time_machine.travel(dt.datetime(2026, 3, 30, 12, 0, tzinfo=SHANGHAI), tick=False):
        assert services.people_deactivate_departed() == 0
    assert User.objects.get(pk=cast.rep_a.user.pk).is_active

    # when it runs at 23:30 UTC on 30 March, which is already 31 March in Shanghai
    since = AuditLog.objects.order_by("-id").values_list("id", flat=True).first()
    with time_machine.travel(dt.datetime(2026, 3, 30, 23, 30, tzinfo=dt.UTC), tick=False):
        assert services.people_deactivate_departed() == 1

    # then rep_a has left, their login is closed, and the system did it
    assert Person.objects.get(pk=cast.rep_a.pk).status == Person.Status.LEFT
    assert not User.objects.get(pk=cast.rep_a.user.pk).is_active
    assert User.objects.get(pk=cast.rep_b.user.pk).is_active
    [row] = AuditLog.objects.filter(pk__gt=since)
    assert (row.origin, row.actor_id, row.object_id) == ("system", None, cast.rep_a.pk)
    assert row.changes["status"] == {"old": "active", "new": "left"}

    # and running it again changes nothing
    with time_machine.travel(dt.datetime(2026, 4, 1, 3, 0, tzinfo=SHANGHAI), tick=False):
        assert services.people_deactivate_departed() == 0


# -- uniqueness and soft deletes -------------------------------------------------------------------


def test_employee_number_of_a_deleted_person_can_be_reused(cast):
    # given rep_a2 (T007) is deleted
    services.person_delete(actor=cast.admin.user, person=cast.rep_a2.person)

    # then a newcomer may take T007, but not the deleted login's username
    newcomer = _create(cast, employee_no=cast.rep_a2.person.employee_no)
    assert newcomer.employee_no == "T007"
    with _refused("duplicate", "username"):
        _create(cast, username="rep_a2", employee_no="N009")


def test_database_refuses_two_live_people_with_one_employee_number(cast):
    clone = Person(
        user=User.objects.create_user("clone", password=PASSWORD),
        employee_no="T006",
        name="克隆",
        position=Position.REP,
        org_unit=cast.team_a,
        hire_date=dt.date(2025, 1, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save(actor=cast.admin.user)


def test_update_to_a_taken_employee_number_is_refused(cast):
    with _refused("duplicate", "employee_no"):
        services.person_update(actor=cast.admin.user, person=cast.rep_a.person, employee_no="T008")


def test_deleted_unit_name_can_be_reused_but_not_restored_twice(cast):
    team = TeamFactory(parent=cast.sales_management, name="临时组")
    services.org_unit_delete(actor=cast.admin.user, unit=team)
    again = TeamFactory(parent=cast.sales_management, name="临时组")
    assert again.pk != team.pk
    with _refused("duplicate"):
        services.org_unit_restore(actor=cast.admin.user, record=_unit(team.pk))


def test_region_codes_are_unique_among_live_regions(cast):
    china = Region.objects.get(code="CN")
    with _refused("duplicate", "code"):
        services.region_create(
            actor=cast.admin.user, code="110000", name="重复", level="province", parent=china
        )
    test_region = services.region_create(
        actor=cast.admin.user, code="990000", name="测试省", level="province", parent=china
    )
    services.region_delete(actor=cast.admin.user, region=test_region)
    replacement = services.region_create(
        actor=cast.admin.user, code="990000", name="测试省二", level="province", parent=china
    )
    assert replacement.pk != test_region.pk
    with _refused("duplicate"):
        services.region_restore(actor=cast.admin.user, record=Region.all_objects.get(pk=test_region.pk))


def test_person_delete_rules(cast):
    with _refused("has_reports"):
        services.person_delete(actor=cast.admin.user, person=cast.lead_a.person)
    with _refused("protected"):
        services.person_delete(actor=cast.head.user, person=cast.head.person)
