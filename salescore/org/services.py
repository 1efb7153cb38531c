"""Every write to the organisation: units, regions and people (R1.1, R1.2)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError
from salescore.core.permissions import POSITION_SCOPE, Cap, Duty, Position, Scope, get_in_scope, require
from salescore.core.services import check_version, model_update, required, validate_fields
from salescore.core.tree import is_descendant, tree_move, tree_place
from salescore.org.models import OrgUnit, Person, Region

# ---------------------------------------------------------------------------------------------
# Organisation units


def _check_parent(kind: str, parent: OrgUnit | None) -> None:
    expected = OrgUnit.ALLOWED_PARENT.get(kind, "invalid")
    if expected == "invalid":
        raise ApplicationError(
            _("Unknown kind of unit."), code="invalid", fields={"kind": _("Choose a kind.")}
        )
    if expected is None and parent is not None:
        raise ApplicationError(
            _("A company is the top of the tree and has no parent."),
            code="invalid_parent",
            fields={"parent": _("Leave empty for a company.")},
        )
    if expected is not None and (parent is None or parent.kind != expected):
        raise ApplicationError(
            _("A unit of kind “%(kind)s” must sit under a unit of kind “%(parent)s”.")
            % {"kind": OrgUnit.Kind(kind).label, "parent": OrgUnit.Kind(expected).label},
            code="invalid_parent",
            fields={
                "parent": _("Choose a unit of kind “%(parent)s”.") % {"parent": OrgUnit.Kind(expected).label}
            },
        )


def _effective_duty(kind: str, parent: OrgUnit | None, duty: str) -> str:
    if kind == OrgUnit.Kind.SECTION:
        if duty not in Duty.values:
            raise ApplicationError(
                _("A section needs its duty (R1.2)."),
                code="required",
                fields={"duty": _("Choose the section's duty.")},
            )
        return duty
    if kind == OrgUnit.Kind.TEAM and parent is not None:
        return parent.duty  # a team does its section's work
    return ""


@transaction.atomic
def org_unit_create(
    *,
    actor: User,
    kind: str,
    name: str,
    parent: OrgUnit | None = None,
    name_en: str = "",
    duty: str = "",
    description: str = "",
    description_en: str = "",
    head: Person | None = None,
    sort_order: int = 0,
) -> OrgUnit:
    require(actor, Cap.ORG_MANAGE)
    name, name_en = (name or "").strip(), (name_en or "").strip()
    required({"name": name, "kind": kind})
    _check_parent(kind, parent)
    if parent is not None and parent.is_deleted:
        raise ApplicationError(
            _("The parent unit is deleted."),
            code="invalid_parent",
            fields={"parent": _("Choose a unit that exists.")},
        )
    unit = OrgUnit(
        kind=kind,
        parent=parent,
        name=name,
        name_en=name_en,
        duty=_effective_duty(kind, parent, duty),
        description=description or "",
        description_en=description_en or "",
        head=head,
        sort_order=sort_order,
    )
    validate_fields(unit, ["name", "name_en", "kind", "duty", "description", "description_en"])
    _check_unique_name(parent, name, exclude_pk=None)
    unit.save(actor=actor)
    tree_place(unit)
    return unit


def _check_unique_name(parent: OrgUnit | None, name: str, exclude_pk) -> None:
    clash = OrgUnit.objects.filter(parent=parent, name=name).exclude(pk=exclude_pk)
    if clash.exists():
        raise ApplicationError(
            _("There is already a unit called %(name)s here.") % {"name": name},
            code="duplicate",
            fields={"name": _("Choose another name.")},
        )


@transaction.atomic
def org_unit_update(
    *,
    actor: User,
    unit: OrgUnit,
    version: int | None = None,
    name: str | None = None,
    name_en: str | None = None,
    duty: str | None = None,
    description: str | None = None,
    description_en: str | None = None,
    head: Person | None | type[Ellipsis] = ...,
    sort_order: int | None = None,
) -> OrgUnit:
    require(actor, Cap.ORG_MANAGE)
    check_version(unit, version)
    data: dict = {}
    if name is not None:
        name = name.strip()
        required({"name": name})
        _check_unique_name(unit.parent, name, exclude_pk=unit.pk)
        data["name"] = name
    if name_en is not None:
        data["name_en"] = name_en.strip()
    if description is not None:
        data["description"] = description
    if description_en is not None:
        data["description_en"] = description_en
    if head is not ...:
        data["head"] = head
    if sort_order is not None:
        data["sort_order"] = sort_order
    duty_changed = False
    if duty is not None and unit.kind == OrgUnit.Kind.SECTION and duty != unit.duty:
        data["duty"] = _effective_duty(unit.kind, unit.parent, duty)
        duty_changed = True
    model_update(instance=unit, data=data, actor=actor)
    if duty_changed:
        # The section's teams do the section's work: carry the new duty down, audited per team.
        for team in OrgUnit.objects.filter(parent=unit).exclude(duty=unit.duty):
            team.duty = unit.duty
            team.save(actor=actor)
    return unit


@transaction.atomic
def org_unit_move(
    *, actor: User, unit: OrgUnit, new_parent: OrgUnit | None, version: int | None = None
) -> OrgUnit:
    require(actor, Cap.ORG_MANAGE)
    check_version(unit, version)
    _check_parent(unit.kind, new_parent)
    if new_parent is None:
        return unit  # only a company passes the parent check without a parent: it stays on top
    if new_parent.pk == unit.pk or is_descendant(new_parent, unit):
        raise ApplicationError(
            _("A unit cannot be moved under itself or one of its own units."),
            code="invalid_parent",
            fields={"parent": _("Choose a unit outside this branch.")},
        )
    if new_parent.pk == unit.parent_id:
        return unit
    _check_unique_name(new_parent, unit.name, exclude_pk=unit.pk)
    unit.parent = new_parent
    if unit.kind == OrgUnit.Kind.TEAM:
        unit.duty = new_parent.duty
    unit.save(actor=actor)
    tree_move(unit, new_parent)
    return unit


@transaction.atomic
def org_unit_delete(*, actor: User, unit: OrgUnit) -> None:
    require(actor, Cap.ORG_MANAGE)
    if unit.kind == OrgUnit.Kind.COMPANY:
        raise ApplicationError(_("The company itself cannot be deleted."), code="protected")
    if OrgUnit.objects.filter(parent=unit).exists():
        raise ApplicationError(
            _("Move or delete the units under %(name)s first.") % {"name": unit}, code="has_children"
        )
    if Person.objects.filter(org_unit=unit).exists():
        raise ApplicationError(
            _("Move the people of %(name)s to another unit first.") % {"name": unit}, code="has_members"
        )
    unit.soft_delete(actor=actor)


@transaction.atomic
def org_unit_restore(*, actor: User, record: OrgUnit) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    require(actor, Cap.ORG_MANAGE)
    if record.parent is not None and record.parent.is_deleted:
        raise ApplicationError(
            _("Restore its parent unit %(name)s first.") % {"name": record.parent}, code="parent_deleted"
        )
    if OrgUnit.objects.filter(parent=record.parent, name=record.name).exists():
        raise ApplicationError(
            _("There is already a unit called %(name)s here.") % {"name": record.name}, code="duplicate"
        )
    record.restore(actor=actor)


# ---------------------------------------------------------------------------------------------
# Regions


@transaction.atomic
def region_create(
    *, actor: User, code: str, name: str, level: str, parent: Region | None = None, name_en: str = ""
) -> Region:
    require(actor, Cap.ORG_MANAGE)
    code, name = (code or "").strip(), (name or "").strip()
    required({"code": code, "name": name, "level": level})
    expected = Region.ALLOWED_PARENT.get(level, "invalid")
    if expected == "invalid":
        raise ApplicationError(
            _("Unknown region level."), code="invalid", fields={"level": _("Choose a level.")}
        )
    if (expected is None) != (parent is None) or (parent is not None and parent.level != expected):
        raise ApplicationError(
            _("This region level needs a different parent."),
            code="invalid_parent",
            fields={"parent": _("A province sits in a country, a city in a province.")},
        )
    if Region.objects.filter(code=code).exists():
        raise ApplicationError(
            _("Region code %(code)s is already used.") % {"code": code},
            code="duplicate",
            fields={"code": _("Choose another code.")},
        )
    region = Region(code=code, name=name, name_en=(name_en or "").strip(), level=level, parent=parent)
    validate_fields(region, ["code", "name", "name_en", "level"])
    region.save(actor=actor)
    tree_place(region)
    return region


@transaction.atomic
def region_update(
    *,
    actor: User,
    region: Region,
    version: int | None = None,
    name: str | None = None,
    name_en: str | None = None,
) -> Region:
    require(actor, Cap.ORG_MANAGE)
    data = {}
    if name is not None:
        required({"name": name.strip()})
        data["name"] = name.strip()
    if name_en is not None:
        data["name_en"] = name_en.strip()
    model_update(instance=region, data=data, actor=actor, version=version)
    return region


@transaction.atomic
def region_delete(*, actor: User, region: Region) -> None:
    require(actor, Cap.ORG_MANAGE)
    if Region.objects.filter(parent=region).exists():
        raise ApplicationError(
            _("Delete the regions inside %(name)s first.") % {"name": region}, code="has_children"
        )
    region.soft_delete(actor=actor)


@transaction.atomic
def region_restore(*, actor: User, record: Region) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    require(actor, Cap.ORG_MANAGE)
    if record.parent is not None and record.parent.is_deleted:
        raise ApplicationError(
            _("Restore its parent region %(name)s first.") % {"name": record.parent}, code="parent_deleted"
        )
    if Region.objects.filter(code=record.code).exists():
        raise ApplicationError(
            _("Region code %(code)s is already used.") % {"code": record.code}, code="duplicate"
        )
    record.restore(actor=actor)


# ---------------------------------------------------------------------------------------------
# People


def _check_manager(person: Person | None, manager: Person | None) -> None:
    if manager is None:
        return
    if manager.is_deleted or manager.status != Person.Status.ACTIVE:
        raise ApplicationError(
            _("%(name)s has left and cannot be a manager.") % {"name": manager},
            code="invalid_manager",
            fields={"manager": _("Choose an active person.")},
        )
    if person is None:
        return
    # Walk up from the proposed manager: meeting the person again would make a loop.
    seen, current = set(), manager
    while current is not None and current.pk not in seen:
        if current.pk == person.pk:
            raise ApplicationError(
                _("%(name)s cannot report to someone who reports to them.") % {"name": person},
                code="manager_cycle",
                fields={"manager": _("This would make a reporting loop.")},
            )
        seen.add(current.pk)
        current = current.manager


def _check_unit_for_person(unit: OrgUnit | None) -> None:
    if unit is None or unit.is_deleted:
        raise ApplicationError(
            _("Choose the unit this person works in."),
            code="required",
            fields={"org_unit": _("This field is required.")},
        )


def _check_dates(hire_date: dt.date | None, left_date: dt.date | None) -> None:
    if hire_date and left_date and left_date < hire_date:
        raise ApplicationError(
            _("The leaving date is before the hire date."),
            code="invalid_dates",
            fields={"left_date": _("Use a date on or after the hire date.")},
        )


@transaction.atomic
def person_create(
    *,
    actor: User,
    username: str = "",
    password: str = "",
    name: str,
    employee_no: str,
    position: str,
    org_unit: OrgUnit,
    hire_date: dt.date,
    name_en: str = "",
    manager: Person | None = None,
    phone: str = "",
    email: str = "",
    regions: list[Region] | None = None,
    user: User | None = None,
) -> Person:
    """Create a person and their login in one step, or link an existing login (``user``)."""
    access = require(actor, Cap.PEOPLE_MANAGE)
    username, name, employee_no = (username or "").strip(), (name or "").strip(), (employee_no or "").strip()
    email = (email or "").strip()  # the login gets the same address as the person
    if user is not None:
        username = user.username
        if Person.all_objects.filter(user=user).exists():
            raise ApplicationError(
                _("The login %(username)s already belongs to a person.") % {"username": username},
                code="duplicate",
                fields={"username": _("Choose another username.")},
            )
    required(
        {
            "username": username,
            "password": password if user is None else "-",
            "name": name,
            "employee_no": employee_no,
            "position": position,
            "org_unit": org_unit,
            "hire_date": hire_date,
        }
    )
    if position not in Position.values:
        raise ApplicationError(
            _("Unknown position."), code="invalid", fields={"position": _("Choose a position.")}
        )
    _check_unit_for_person(org_unit)
    _check_leader_can_place(access, org_unit)
    _check_position_allowed(access, position)
    _check_manager(None, manager)
    if user is None and User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            _("The username %(username)s is taken.") % {"username": username},
            code="duplicate",
            fields={"username": _("Choose another username.")},
        )
    if Person.objects.filter(employee_no=employee_no).exists():
        raise ApplicationError(
            _("Employee number %(no)s is already used.") % {"no": employee_no},
            code="duplicate",
            fields={"employee_no": _("Choose another employee number.")},
        )
    if user is None:
        user = _new_login(username=username, password=password, email=email)
    person = Person(
        user=user,
        employee_no=employee_no,
        name=name,
        name_en=(name_en or "").strip(),
        position=position,
        org_unit=org_unit,
        manager=manager,
        hire_date=hire_date,
        phone=(phone or "").strip(),
        email=email,
    )
    validate_fields(person, ["employee_no", "name", "name_en", "position", "phone", "email"])
    try:
        with transaction.atomic():
            person.save(actor=actor)
    except IntegrityError:
        raise ApplicationError(
            _("Employee number %(no)s is already used.") % {"no": employee_no},
            code="duplicate",
            fields={"employee_no": _("Choose another employee number.")},
        ) from None
    if regions:
        person.set_m2m("regions", regions, actor=actor)
    return person


def _new_login(*, username: str, password: str, email: str) -> User:
    user = User(username=username, email=email or "")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(
            _("The password does not meet the policy."),
            code="weak_password",
            fields={"password": " ".join(exc.messages)},
        ) from None
    user.set_password(password)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ApplicationError(
            _("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(exc.message_dict)},
            code="invalid",
            fields={k: " ".join(v) for k, v in exc.message_dict.items()},
        ) from None
    user.save()
    return user


_SCOPE_RANK = {Scope.OWN: 0, Scope.TEAM: 1, Scope.SECTION: 2, Scope.ALL: 3}


def _check_position_allowed(access, position: str) -> None:
    """A leader gives only positions that see less than their own, so a team lead cannot make
    anyone (themselves included) a team lead, section head or director. The administrator
    position (which edits the organisation) is given only by an administrator."""
    if position == Position.ADMIN and not access.can(Cap.ORG_MANAGE):
        raise ApplicationError(
            _("Only an administrator can make someone an administrator."),
            code="out_of_scope",
            fields={"position": _("Choose a position below your own.")},
        )
    if access.scope == Scope.ALL:
        return
    if _SCOPE_RANK[POSITION_SCOPE[position]] >= _SCOPE_RANK[access.scope]:
        raise ApplicationError(
            _("You can only give positions below your own."),
            code="out_of_scope",
            fields={"position": _("Choose a position below your own.")},
        )


def _check_leader_can_place(access, unit: OrgUnit) -> None:
    """A section head of Sales Management manages people inside their own section only."""
    if access.unit_path and not unit.path.startswith(access.unit_path):
        raise ApplicationError(
            _("You can only place people in units of your own section or team."),
            code="out_of_scope",
            fields={"org_unit": _("Choose a unit inside your section.")},
        )


@transaction.atomic
def person_update(
    *, actor: User, person: Person, version: int | None = None, regions: list[Region] | None = None, **fields
) -> Person:
    """Edit a person. ``fields`` may hold name, name_en, employee_no, position, org_unit,
    manager, hire_date, phone, email, status, left_date."""
    access = require(actor, Cap.PEOPLE_MANAGE)
    person = get_in_scope(Person.objects.all(), actor, person.pk) if access.scope != "all" else person
    allowed = {
        "name",
        "name_en",
        "employee_no",
        "position",
        "org_unit",
        "manager",
        "hire_date",
        "phone",
        "email",
        "status",
        "left_date",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    check_version(person, version)
    for key in ("name", "employee_no", "position", "hire_date"):
        if key in fields:
            required({key: fields[key]})
    if "position" in fields and fields["position"] not in Position.values:
        raise ApplicationError(
            _("Unknown position."), code="invalid", fields={"position": _("Choose a position.")}
        )
    if "position" in fields and fields["position"] != person.position:
        _check_position_allowed(access, fields["position"])
    if "org_unit" in fields:
        _check_unit_for_person(fields["org_unit"])
        _check_leader_can_place(access, fields["org_unit"])
    if "manager" in fields:
        _check_manager(person, fields["manager"])
    if (
        "employee_no" in fields
        and Person.objects.filter(employee_no=fields["employee_no"]).exclude(pk=person.pk).exists()
    ):
        raise ApplicationError(
            _("Employee number %(no)s is already used.") % {"no": fields["employee_no"]},
            code="duplicate",
            fields={"employee_no": _("Choose another employee number.")},
        )
    status = fields.get("status", person.status)
    if status not in Person.Status.values:
        raise ApplicationError(_("Unknown status."), code="invalid", fields={"status": _("Choose a status.")})
    left_date = fields.get("left_date", person.left_date)
    if status == Person.Status.LEFT and left_date is None:
        fields["left_date"] = left_date = timezone.localdate()
    _check_dates(fields.get("hire_date", person.hire_date), left_date)
    if "email" in fields and fields["email"]:
        fields["email"] = fields["email"].strip()
    model_update(instance=person, data=fields, actor=actor)
    if regions is not None:
        person.set_m2m("regions", regions, actor=actor)
    _sync_login(person)
    return person


def _sync_login(person: Person) -> None:
    """A person who has left, or whose record is deleted, cannot sign in."""
    should_be_active = person.status == Person.Status.ACTIVE and not person.is_deleted
    User.objects.filter(pk=person.user_id).exclude(is_active=should_be_active).update(
        is_active=should_be_active
    )


@transaction.atomic
def person_delete(*, actor: User, person: Person) -> None:
    require(actor, Cap.PEOPLE_MANAGE)
    person = get_in_scope(Person.objects.all(), actor, person.pk)
    if person.user_id == actor.pk:
        raise ApplicationError(_("You cannot delete your own record."), code="protected")
    if Person.objects.filter(manager=person).exists():
        raise ApplicationError(
            _("People still report to %(name)s: give them another manager first.") % {"name": person},
            code="has_reports",
        )
    person.soft_delete(actor=actor)
    _sync_login(person)


@transaction.atomic
def person_restore(*, actor: User, record: Person) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    if record.org_unit.is_deleted:
        raise ApplicationError(
            _("Restore the unit %(name)s first.") % {"name": record.org_unit},
            code="parent_deleted",
        )
    if Person.objects.filter(employee_no=record.employee_no).exists():
        raise ApplicationError(
            _("Employee number %(no)s is already used.") % {"no": record.employee_no}, code="duplicate"
        )
    record.restore(actor=actor)
    _sync_login(record)


@transaction.atomic
def people_deactivate_departed(*, today: dt.date | None = None) -> int:
    """Mark as left everyone whose leaving date has come, and close their logins. Returns how many."""
    today = today or timezone.localdate()
    due = list(
        Person.objects.filter(status=Person.Status.ACTIVE, left_date__isnull=False, left_date__lte=today)
    )
    for person in due:
        person.status = Person.Status.LEFT
        person.save()
        _sync_login(person)
    return len(due)
