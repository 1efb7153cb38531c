"""What only an administrator may do: give the administrator position, restore units and regions."""

import datetime as dt
import json

import pytest

from salescore.core.errors import ApplicationError
from salescore.core.permissions import Position
from salescore.core.selectors import trash_list
from salescore.org import services


def test_director_cannot_make_an_administrator(cast):
    with pytest.raises(ApplicationError) as exc:
        services.person_update(actor=cast.director.user, person=cast.rep_a.person, position=Position.ADMIN)
    assert exc.value.code == "out_of_scope"
    assert "position" in exc.value.fields
    cast.rep_a.person.refresh_from_db()
    assert cast.rep_a.person.position == Position.REP


def test_director_cannot_create_an_administrator_through_the_api(cast, api_as):
    response = api_as(cast.director).post(
        "/api/v1/people",
        data=json.dumps(
            {
                "username": "new_admin",
                "password": "Admin-Pass-2026",
                "employee_no": "T777",
                "name": "新管理员",
                "position": "admin",
                "org_unit_id": cast.department.pk,
                "hire_date": "2025-01-02",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"position": response.json()["fields"]["position"]}


def test_administrator_can_make_an_administrator(cast):
    person = services.person_create(
        actor=cast.admin.user,
        username="second_admin",
        password="Admin-Pass-2026",
        name="第二管理员",
        employee_no="T778",
        position=Position.ADMIN,
        org_unit=cast.department,
        hire_date=dt.date(2025, 1, 2),
    )
    assert person.position == Position.ADMIN


def test_recycle_bin_shows_units_and_regions_only_to_those_who_may_restore_them(cast):
    empty_team = services.org_unit_create(
        actor=cast.admin.user, kind="team", parent=cast.sales_management, name="待撤销组"
    )
    services.org_unit_delete(actor=cast.admin.user, unit=empty_team)

    director_kinds = {section["label"] for section in trash_list(user=cast.director.user)}
    admin_sections = {section["label"]: section for section in trash_list(user=cast.admin.user)}
    assert "org.person" in director_kinds
    assert not {"org.orgunit", "org.region"} & director_kinds
    assert admin_sections["org.orgunit"]["count"] == 1


def test_restore_url_for_a_unit_is_not_found_for_a_director(cast, client_as):
    team = services.org_unit_create(
        actor=cast.admin.user, kind="team", parent=cast.sales_management, name="临时组"
    )
    services.org_unit_delete(actor=cast.admin.user, unit=team)
    response = client_as(cast.director).post(f"/trash/org.orgunit/{team.pk}/restore/")
    assert response.status_code == 404
    response = client_as(cast.admin).post(f"/trash/org.orgunit/{team.pk}/restore/")
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.deleted_at is None
