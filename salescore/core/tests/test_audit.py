"""The audit trail, history, recycle bin and optimistic locking (core.models, core.selectors, core.views)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction

from salescore.core.audit import audit_context
from salescore.core.errors import ApplicationError, ConflictError
from salescore.core.models import AuditAction, AuditLog
from salescore.org import services
from salescore.org.models import OrgUnit, Person, Region
from salescore.org.tests.factories import person_edit_form

PERSON = "org.person"


def _rows_for(obj) -> list[AuditLog]:
    content_type = ContentType.objects.get_for_model(type(obj))
    return list(AuditLog.objects.filter(content_type=content_type, object_id=obj.pk).order_by("id"))


def _new_rows(since: int) -> list[AuditLog]:
    return list(AuditLog.objects.filter(pk__gt=since).order_by("id"))


def _last_id() -> int:
    return AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0


# -- one row per change, stamped with who, where from and what --------------------------------


def test_create_writes_one_row_with_every_field(cast):
    # given a service call outside any request (a script, a task)
    since = _last_id()
    unit = services.org_unit_create(
        actor=cast.admin.user, kind=OrgUnit.Kind.TEAM, parent=cast.sales_management, name="华北组"
    )

    # then exactly one row describes it
    [row] = _new_rows(since)
    assert row.action == AuditAction.CREATE
    assert (row.actor_id, row.actor_name) == (cast.admin.user.pk, cast.admin.person.name)
    assert row.origin == "system" and row.ip is None
    assert row.object_id == unit.pk and row.object_repr == "华北组"
    assert row.changes["name"] == {"old": None, "new": "华北组"}
    assert row.changes["duty"] == {"old": None, "new": "sales_management"}
    # an FK shows the name of what it points to, not only its id
    assert row.changes["parent"]["new"] == cast.sales_management.pk
    assert row.changes["parent"]["new_display"] == str(cast.sales_management)
    # bookkeeping columns are not business changes
    assert not {"created_at", "updated_at", "version", "path", "depth"} & set(row.changes)


def test_update_through_the_api_records_origin_ip_and_old_to_new(cast, api_as):
    # given the director moves rep_a to team B through the API, from a known address
    api = api_as(cast.director)
    since = _last_id()
    response = api.patch(
        f"/api/v1/people/{cast.rep_a.pk}",
        {"version": 1, "org_unit_id": cast.team_b.pk, "phone": "13712345678"},
        content_type="application/json",
        REMOTE_ADDR="10.20.30.40",
        HTTP_USER_AGENT="sync-script/1.0",
    )
    assert response.status_code == 200

    # then one update row, from the API, with both fields old -> new and unit names shown
    [row] = _new_rows(since)
    assert row.action == AuditAction.UPDATE
    assert row.actor_id == cast.director.user.pk
    assert (row.origin, row.ip, row.user_agent) == ("api", "10.20.30.40", "sync-script/1.0")
    assert set(row.changes) == {"org_unit", "phone"}
    assert row.changes["phone"] == {"old": "13800000000", "new": "13712345678"}
    assert row.changes["org_unit"]["old_display"] == "华东一组"
    assert row.changes["org_unit"]["new_display"] == "华南组"


def test_update_through_a_page_is_stamped_web(cast, client_as):
    since = _last_id()
    response = client_as(cast.admin).post(
        f"/people/{cast.rep_b.pk}/edit/",
        person_edit_form(cast.rep_b.person, name="黄新名"),
        REMOTE_ADDR="192.168.1.7",
    )
    assert response.status_code == 302
    [row] = _new_rows(since)
    assert (row.origin, row.ip, row.actor_id) == ("web", "192.168.1.7", cast.admin.user.pk)
    assert row.changes == {"name": {"old": "黄代表", "new": "黄新名"}}


def test_soft_delete_and_restore_write_one_row_each(cast, client_as, api_as):
    page, api = client_as(cast.admin), api_as(cast.admin)  # making the API token is audited too

    # when the admin deletes rep_a2 on the page
    since = _last_id()
    assert page.post(f"/people/{cast.rep_a2.pk}/delete/").status_code == 302
    [deleted] = _new_rows(since)
    assert deleted.action == AuditAction.DELETE and deleted.origin == "web"
    assert deleted.changes["deleted_at"]["old"] is None
    assert deleted.changes["deleted_by"]["new_display"] == cast.admin.person.name

    # and restores them through the API
    since = _last_id()
    response = api.post(f"/api/v1/trash/{PERSON}/{cast.rep_a2.pk}/restore")
    assert response.status_code == 200
    [restored] = _new_rows(since)
    assert restored.action == AuditAction.RESTORE and restored.origin == "api"
    assert restored.changes["deleted_at"]["new"] is None


def test_many_to_many_changes_are_one_row_through_set_m2m(cast):
    person = Person.objects.get(pk=cast.rep_a.pk)
    beijing, shanghai = Region.objects.get(code="110000"), Region.objects.get(code="310000")

    since = _last_id()
    person.set_m2m("regions", [beijing, shanghai], actor=cast.admin.user)
    [row] = _new_rows(since)
    assert row.changes["regions"]["old"] == []
    assert row.changes["regions"]["new"] == sorted([beijing.pk, shanghai.pk])
    assert set(row.changes["regions"]["new_display"].split(", ")) == {str(beijing), str(shanghai)}

    # setting the same set again changes nothing and writes nothing
    since = _last_id()
    person.set_m2m("regions", [shanghai, beijing], actor=cast.admin.user)
    assert _new_rows(since) == []


def test_a_no_op_save_writes_no_row_and_keeps_the_version(cast, api_as):
    person = Person.objects.get(pk=cast.rep_a.pk)
    api = api_as(cast.admin)
    since = _last_id()

    person.save()
    services.person_update(actor=cast.admin.user, person=person, name=person.name, phone=person.phone)
    response = api.patch(
        f"/api/v1/people/{person.pk}", {"version": 1, "name": person.name}, content_type="application/json"
    )

    assert response.status_code == 200
    assert _new_rows(since) == []
    assert Person.objects.get(pk=person.pk).version == 1


def test_reloading_a_record_does_not_credit_someone_elses_change(cast):
    """A record refreshed from the database takes the stored values as its new baseline."""
    # given two copies, and the director renames through one of them
    mine = Person.objects.get(pk=cast.rep_a.pk)
    services.person_update(actor=cast.director.user, person=Person.objects.get(pk=mine.pk), name="刘新")

    # when the other copy is reloaded and saved without a change
    mine.refresh_from_db()
    since = _last_id()
    mine.save(actor=cast.admin.user)

    # then the admin is not recorded as having renamed anyone
    assert _new_rows(since) == []


def test_audit_context_names_tasks_and_scripts(cast):
    with audit_context(origin="task", actor=cast.director.user):
        services.region_update(actor=cast.admin.user, region=Region.objects.get(code="CN"), name="中华")
    [row] = _rows_for(Region.objects.get(code="CN"))[-1:]
    assert row.origin == "task"


# -- audit rows cannot be changed -------------------------------------------------------------


def test_audit_rows_refuse_changes_through_the_orm(cast):
    row = AuditLog.objects.first()
    row.actor_name = "someone else"
    with pytest.raises(ApplicationError) as caught:
        row.save()
    assert caught.value.code == "audit_immutable"
    with pytest.raises(ApplicationError):
        row.delete()
    with pytest.raises(ApplicationError):
        AuditLog.objects.filter(pk=row.pk).update(actor_name="x")
    with pytest.raises(ApplicationError):
        AuditLog.objects.filter(pk=row.pk).delete()
    with pytest.raises(ApplicationError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get(pk=row.pk).actor_name != "someone else"


def test_the_database_refuses_a_raw_update(cast):
    row = AuditLog.objects.first()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditlog SET actor_name = %s WHERE id = %s", ["forged", row.pk])
    assert AuditLog.objects.get(pk=row.pk).actor_name == row.actor_name


def test_business_records_cannot_be_hard_deleted(cast):
    with pytest.raises(TypeError, match="soft_delete"):
        Person.objects.get(pk=cast.rep_a.pk).delete()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/api/v1/audit", "/api/v1/history/org.person/1"])
def test_no_api_endpoint_modifies_audit_rows(cast, api_as, method, url):
    api = api_as(cast.admin)
    count = AuditLog.objects.count()
    response = getattr(api, method)(url, {}, content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json()["code"] == "method_not_allowed"
    assert set(response.json()) == {"code", "message", "fields"}
    assert AuditLog.objects.count() == count


def test_audit_row_urls_do_not_exist(cast, api_as):
    row = AuditLog.objects.first()
    response = api_as(cast.admin).delete(f"/api/v1/audit/{row.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# -- reading the trail --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"), [("admin", 200), ("director", 200), ("head", 403), ("rep_a", 403)]
)
def test_whole_trail_is_for_directors_and_admins(cast, client_as, api_as, name, status):
    member = getattr(cast, name)
    assert client_as(member).get("/audit/").status_code == status
    assert api_as(member).get("/api/v1/audit").status_code == status


def test_audit_list_filters(cast, api_as):
    services.person_update(actor=cast.director.user, person=cast.rep_a.person, phone="13700000001")
    api = api_as(cast.admin)
    body = api.get("/api/v1/audit", {"model": PERSON, "action": "update"}).json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["model"] == PERSON and item["object_id"] == cast.rep_a.pk
    assert item["actor_id"] == cast.director.user.pk
    assert (
        api.get("/api/v1/audit", {"actor_id": cast.director.user.pk, "action": "update"}).json()["count"] == 1
    )
    assert api.get("/api/v1/audit", {"q": "刘代表"}).json()["count"] >= 2  # its create and its update
    assert api.get("/api/v1/audit", {"model": "Bad Label"}).status_code == 422


@pytest.mark.parametrize(
    ("viewer", "status"),
    [("rep_a", 200), ("lead_a", 200), ("head", 200), ("director", 200), ("rep_a2", 404), ("lead_b", 404)],
)
def test_history_respects_the_record_scope(cast, client_as, api_as, viewer, status):
    services.person_update(actor=cast.admin.user, person=cast.rep_a.person, phone="13700000002")
    member = getattr(cast, viewer)

    page = client_as(member).get(f"/history/{PERSON}/{cast.rep_a.pk}/")
    api = api_as(member).get(f"/api/v1/history/{PERSON}/{cast.rep_a.pk}")

    assert page.status_code == api.status_code == status
    if status == 200:
        assert "13700000002" in page.content.decode()
        actions = [item["action"] for item in api.json()["items"]]
        assert actions == ["update", "create"]  # newest first
        change = api.json()["items"][0]["changes"][0]
        assert (change["old"], change["new"]) == ("13800000000", "13700000002")
    else:
        assert api.json()["code"] == "not_found"


@pytest.mark.parametrize("label", ["accounts.user", "core.auditlog", "auth.group", "nope.nothing", "org"])
def test_history_only_exists_for_business_records(cast, api_as, label):
    assert api_as(cast.admin).get(f"/api/v1/history/{label}/1").status_code == 404


# -- recycle bin --------------------------------------------------------------------------------


@pytest.fixture
def deleted_rep(cast):
    services.person_delete(actor=cast.director.user, person=cast.rep_a2.person)
    return Person.all_objects.get(pk=cast.rep_a2.pk)


@pytest.mark.parametrize(
    ("name", "status"), [("admin", 200), ("director", 200), ("head", 403), ("lead_a", 403)]
)
def test_recycle_bin_is_for_directors_and_admins(cast, client_as, deleted_rep, name, status):
    response = client_as(getattr(cast, name)).get("/trash/")
    assert response.status_code == status
    if status == 200:
        assert f"/trash/{PERSON}/{deleted_rep.pk}/restore/" in response.content.decode()


def test_restore_from_the_page(cast, client_as, deleted_rep):
    assert not deleted_rep.user.is_active
    response = client_as(cast.director).post(f"/trash/{PERSON}/{deleted_rep.pk}/restore/")
    assert response.status_code == 302 and response["Location"] == "/trash/"
    person = Person.objects.get(pk=deleted_rep.pk)
    assert person.deleted_at is None and person.deleted_by is None
    assert person.user.is_active  # the login opens again


@pytest.mark.parametrize("name", ["head", "lead_a", "rep_a"])
def test_restore_is_refused_without_the_capability(cast, client_as, api_as, deleted_rep, name):
    member = getattr(cast, name)
    assert client_as(member).post(f"/trash/{PERSON}/{deleted_rep.pk}/restore/").status_code == 403
    response = api_as(member).post(f"/api/v1/trash/{PERSON}/{deleted_rep.pk}/restore")
    assert response.status_code == 403
    assert Person.all_objects.get(pk=deleted_rep.pk).is_deleted


def test_restore_through_the_api(cast, api_as, deleted_rep):
    response = api_as(cast.admin).post(f"/api/v1/trash/{PERSON}/{deleted_rep.pk}/restore")
    assert response.status_code == 200
    assert response.json()["id"] == deleted_rep.pk and response.json()["model"] == PERSON
    # a live record is not in the bin
    again = api_as(cast.admin).post(f"/api/v1/trash/{PERSON}/{deleted_rep.pk}/restore")
    assert again.status_code == 404
    assert (
        api_as(cast.admin).post(f"/api/v1/trash/accounts.user/{cast.rep_a.user.pk}/restore").status_code
        == 404
    )


def test_restore_refuses_while_the_persons_unit_is_deleted(cast, client_as, api_as):
    # given a team whose only member is deleted, and then the team itself
    team = services.org_unit_create(
        actor=cast.admin.user, kind=OrgUnit.Kind.TEAM, parent=cast.sales_management, name="临时组"
    )
    services.person_update(actor=cast.admin.user, person=cast.rep_b.person, org_unit=team)
    services.person_delete(actor=cast.admin.user, person=Person.objects.get(pk=cast.rep_b.pk))
    services.org_unit_delete(actor=cast.admin.user, unit=team)

    # when the person is restored, through the API and through the page
    response = api_as(cast.admin).post(f"/api/v1/trash/{PERSON}/{cast.rep_b.pk}/restore")
    assert response.status_code == 400
    assert response.json()["code"] == "parent_deleted"
    page = client_as(cast.admin)
    page.cookies["salescore_language"] = "en"
    response = page.post(f"/trash/{PERSON}/{cast.rep_b.pk}/restore/", follow=True)
    assert "Restore the unit 临时组 first" in response.content.decode()

    # then they stay in the bin until the unit is back
    assert Person.all_objects.get(pk=cast.rep_b.pk).is_deleted
    services.org_unit_restore(actor=cast.admin.user, record=OrgUnit.all_objects.get(pk=team.pk))
    assert api_as(cast.admin).post(f"/api/v1/trash/{PERSON}/{cast.rep_b.pk}/restore").status_code == 200


def test_restore_refuses_when_the_employee_number_was_reused(cast, api_as, deleted_rep):
    services.person_create(
        actor=cast.admin.user,
        username="newcomer",
        password="Newcomer-Pass-2026",
        name="新人",
        employee_no=deleted_rep.employee_no,
        position="rep",
        org_unit=cast.team_a,
        hire_date=deleted_rep.hire_date,
    )
    response = api_as(cast.admin).post(f"/api/v1/trash/{PERSON}/{deleted_rep.pk}/restore")
    assert response.status_code == 400 and response.json()["code"] == "duplicate"


# -- optimistic locking ---------------------------------------------------------------------------


def test_stale_patch_gets_409_and_changes_nothing(cast, api_as):
    # given the lead and the director both loaded rep_a at version 1, and the lead saved first
    lead, director = api_as(cast.lead_a), api_as(cast.director)
    first = lead.patch(
        f"/api/v1/people/{cast.rep_a.pk}", {"version": 1, "phone": "111"}, content_type="application/json"
    )
    assert first.status_code == 200 and first.json()["version"] == 2

    # when the director saves their stale copy
    second = director.patch(
        f"/api/v1/people/{cast.rep_a.pk}", {"version": 1, "phone": "222"}, content_type="application/json"
    )

    # then 409 conflict, and the lead's change stands
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"
    assert set(second.json()) == {"code", "message", "fields"}
    assert "version" in second.json()["fields"]
    assert Person.objects.get(pk=cast.rep_a.pk).phone == "111"


def test_stale_unit_patch_gets_409(cast, api_as):
    api = api_as(cast.admin)
    assert (
        api.patch(
            f"/api/v1/org/units/{cast.team_a.pk}",
            {"version": 1, "name": "一组"},
            content_type="application/json",
        ).status_code
        == 200
    )
    stale = api.patch(
        f"/api/v1/org/units/{cast.team_a.pk}", {"version": 1, "name": "二组"}, content_type="application/json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"


def test_stale_form_shows_the_conflict_on_the_page(cast, client_as):
    person = Person.objects.get(pk=cast.rep_a.pk)
    services.person_update(actor=cast.director.user, person=Person.objects.get(pk=person.pk), phone="333")
    client = client_as(cast.admin)
    client.cookies["salescore_language"] = "en"
    response = client.post(f"/people/{person.pk}/edit/", person_edit_form(person, name="覆盖"))
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert Person.objects.get(pk=person.pk).name == person.name


def test_save_rechecks_the_version_even_without_a_form(cast):
    a, b = Person.objects.get(pk=cast.rep_a.pk), Person.objects.get(pk=cast.rep_a.pk)
    a.phone = "444"
    a.save(actor=cast.admin.user)
    b.phone = "555"
    with pytest.raises(ConflictError):
        b.save(actor=cast.director.user)
    assert Person.objects.get(pk=cast.rep_a.pk).phone == "444"
