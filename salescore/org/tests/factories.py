"""Factories for the organisation.

They create through the services, never around them, so every row has its audit trail and its login,
exactly like a record an administrator adds. The actor defaults to the cast's superuser ("root").
"""

from __future__ import annotations

import datetime as dt

import factory

from salescore.accounts.models import User
from salescore.core.permissions import Position
from salescore.core.testing import PASSWORD
from salescore.org import services
from salescore.org.models import OrgUnit, Person


def _root() -> User:
    return User.objects.filter(is_superuser=True).order_by("pk").first()


class TeamFactory(factory.Factory):
    class Meta:
        model = OrgUnit

    actor = factory.LazyFunction(_root)
    kind = OrgUnit.Kind.TEAM
    name = factory.Sequence(lambda n: f"测试组{n:03d}")
    name_en = factory.Sequence(lambda n: f"Test team {n:03d}")

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.org_unit_create(**kwargs)


class PersonFactory(factory.Factory):
    """``PersonFactory(org_unit=team)``; pass ``regions=[...]`` to give them territories."""

    class Meta:
        model = Person

    actor = factory.LazyFunction(_root)
    username = factory.Sequence(lambda n: f"person{n:03d}")
    password = PASSWORD
    name = factory.Sequence(lambda n: f"员工{n:03d}")
    name_en = factory.Sequence(lambda n: f"Employee {n:03d}")
    employee_no = factory.Sequence(lambda n: f"F{n:04d}")
    position = Position.REP
    hire_date = dt.date(2025, 3, 1)
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    phone = "13900000000"

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.person_create(**kwargs)


def person_edit_form(person: Person, **changes) -> dict:
    """The POST of the person edit page as the browser sends it, with ``changes`` applied."""
    data = {
        "version": person.version,
        "employee_no": person.employee_no,
        "name": person.name,
        "name_en": person.name_en,
        "position": person.position,
        "org_unit": person.org_unit_id,
        "manager": person.manager_id or "",
        "hire_date": person.hire_date.isoformat(),
        "status": person.status,
        "left_date": person.left_date.isoformat() if person.left_date else "",
        "phone": person.phone,
        "email": person.email,
    }
    data.update(changes)
    return data
