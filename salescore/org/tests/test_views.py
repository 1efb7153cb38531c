"""Organisation pages: the same services as the API, behind forms, in Chinese and in English."""

from __future__ import annotations

import pytest
from django.test import Client

from salescore.core.models import AuditLog
from salescore.org.models import OrgUnit, Person, Region
from salescore.org.tests.factories import person_edit_form


@pytest.fixture
def admin(cast, client_as) -> Client:
    client = client_as(cast.admin)
    client.cookies["salescore_language"] = "en"
    return client


def _unit_form(**values) -> dict:
    form = {"kind": "team", "name": "", "name_en": "", "duty": "", "description": "", "sort_order": 0}
    form.update(values)
    return form


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# -- organisation units -----------------------------------------------------------------------------


def test_unit_create_edit_delete(cast, admin):
    # create
    response = admin.post("/org/units/new/", _unit_form(name="华北组", parent=cast.sales_management.pk))
    unit = OrgUnit.objects.get(name="华北组")
    assert response.status_code == 302 and response["Location"] == f"/org/units/{unit.pk}/"
    assert unit.duty == "sales_management"

    # edit: rename and move under Customer Service in one form
    service = cast.care_team.parent
    response = admin.post(
        f"/org/units/{unit.pk}/edit/",
        _unit_form(name="华北服务组", parent=service.pk, version=unit.version),
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(pk=unit.pk)
    assert (unit.name, unit.parent_id, unit.duty) == ("华北服务组", service.pk, "customer_service")

    # delete
    response = admin.post(f"/org/units/{unit.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/org/"
    assert "It can be restored from the recycle bin." in " ".join(_messages(response))
    assert OrgUnit.all_objects.get(pk=unit.pk).is_deleted


def test_unit_form_shows_the_rule_beside_the_field(cast, admin):
    response = admin.post("/org/units/new/", _unit_form(name="错组", parent=cast.department.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A unit of kind “Team” must sit under a unit of kind “Section”." in html
    assert 'id="id_parent_error"' in html
    assert not OrgUnit.objects.filter(name="错组").exists()


def test_unit_with_members_is_not_deleted(cast, admin):
    response = admin.post(f"/org/units/{cast.team_a.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == f"/org/units/{cast.team_a.pk}/"
    assert "Move the people of" in " ".join(_messages(response))
    assert not OrgUnit.all_objects.get(pk=cast.team_a.pk).is_deleted


def test_new_unit_form_offers_the_right_kind_under_a_parent(cast, admin):
    response = admin.get(f"/org/units/new/?parent={cast.sales_management.pk}")
    assert response.context["form"].initial["kind"] == "team"


def test_tree_page_lists_units_with_counts(cast, admin):
    response = admin.get("/org/")
    units = response.context["units"]
    assert [u.path for u in units] == sorted(u.path for u in units)
    assert {u.pk: u.member_count for u in units}[cast.team_a.pk] == 3


# -- people -----------------------------------------------------------------------------------------


def test_person_create_edit_delete(cast, admin):
    region = Region.objects.get(code="440000")
    form = {
        "username": "page_rep",
        "password": "Page-Person-2026",
        "employee_no": "W001",
        "name": "页面代表",
        "position": "rep",
        "org_unit": cast.team_b.pk,
        "manager": cast.lead_b.pk,
        "hire_date": "2026-02-02",
        "status": "active",
        "regions": [region.pk],
    }
    response = admin.post("/people/new/", form)
    person = Person.objects.get(employee_no="W001")
    assert response.status_code == 302 and response["Location"] == f"/people/{person.pk}/"
    assert list(person.regions.all()) == [region]

    response = admin.post(
        f"/people/{person.pk}/edit/",
        {**person_edit_form(person, phone="13500000000"), "regions": [region.pk]},
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).phone == "13500000000"

    response = admin.post(f"/people/{person.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/people/"
    assert Person.all_objects.get(pk=person.pk).is_deleted


def test_person_form_errors_name_the_field(cast, admin):
    person = cast.rep_a.person
    response = admin.post(f"/people/{person.pk}/edit/", person_edit_form(person, employee_no="T008"))
    assert response.status_code == 200
    assert 'id="id_employee_no_error"' in response.content.decode()
    assert "Employee number T008 is already used." in response.content.decode()
    assert Person.objects.get(pk=person.pk).employee_no == "T006"


def test_deleting_someone_with_reports_explains_why(cast, admin):
    response = admin.post(f"/people/{cast.lead_a.pk}/delete/", follow=True)
    assert "People still report to" in " ".join(_messages(response))
    assert not Person.all_objects.get(pk=cast.lead_a.pk).is_deleted


def test_nobody_deletes_themselves(cast, admin):
    response = admin.post(f"/people/{cast.admin.pk}/delete/", follow=True)
    assert "You cannot delete your own record." in " ".join(_messages(response))


def test_people_filters(cast, admin):
    def listed(**params):
        return {p.user.username for p in admin.get("/people/", params).context["page"].items}

    assert listed(org_unit=cast.team_b.pk) == {"lead_b", "rep_b"}
    assert listed(position="cs_agent") == {"agent"}
    assert listed(no_region=1) == {m.user.username for m in cast.all().values()}
    assert listed(status="left") == set()


def test_people_search_as_htmx_returns_the_table_only(cast, admin):
    response = admin.get("/people/", {"q": "rep_b"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-testid="people-table"' in html
    assert "<html" not in html
    assert cast.rep_b.person.name in html and cast.rep_a.person.name not in html


def test_people_page_size_is_capped(cast, admin):
    assert admin.get("/people/", {"page_size": 5000}).context["page"].page_size == 100


def test_region_create_edit_delete(cast, admin):
    china = Region.objects.get(code="CN")
    response = admin.post(
        "/regions/new/",
        {"code": "990000", "name": "测试省", "name_en": "", "level": "province", "parent": china.pk},
    )
    region = Region.objects.get(code="990000")
    assert response.status_code == 302 and response["Location"] == f"/regions/?parent={china.pk}"

    response = admin.post(
        f"/regions/{region.pk}/edit/", {"name": "测试省改", "name_en": "Test", "version": region.version}
    )
    assert response.status_code == 302
    assert Region.objects.get(pk=region.pk).name == "测试省改"

    assert admin.post(f"/regions/{region.pk}/delete/").status_code == 302
    assert Region.all_objects.get(pk=region.pk).is_deleted


def test_regions_page_browses_the_tree_and_searches(cast, admin):
    top = admin.get("/regions/").context["page"].items
    assert [r.code for r in top] == ["CN"]
    provinces = admin.get("/regions/", {"parent": top[0].pk}).context
    assert provinces["ancestors"] == [top[0]] and provinces["page"].count > 30
    found = admin.get("/regions/", {"q": "上海"}).context["page"].items
    assert "310000" in [r.code for r in found]


# -- capabilities and CSRF on pages -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("/org/units/new/", "get"),
        ("/org/units/{team_a}/edit/", "get"),
        ("/org/units/{team_a}/delete/", "post"),
        ("/regions/new/", "get"),
        ("/regions/{region}/delete/", "post"),
    ],
)
def test_org_pages_need_org_manage(cast, client_as, url, method):
    url = url.format(team_a=cast.team_a.pk, region=Region.objects.get(code="110000").pk)
    client = client_as(cast.director)
    client.cookies["salescore_language"] = "en"
    response = getattr(client, method)(url)
    assert response.status_code == 403
    assert "Your position does not allow this action." in response.content.decode()
    assert not OrgUnit.all_objects.get(pk=cast.team_a.pk).is_deleted
    assert not Region.all_objects.get(code="110000").is_deleted


def test_page_post_without_csrf_token_is_refused(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin.user)
    count = AuditLog.objects.count()
    assert client.post(f"/people/{cast.rep_a.pk}/delete/").status_code == 403
    assert (
        client.post("/org/units/new/", _unit_form(name="x", parent=cast.sales_management.pk)).status_code
        == 403
    )
    assert not Person.all_objects.get(pk=cast.rep_a.pk).is_deleted
    assert AuditLog.objects.count() == count


def test_page_post_with_the_csrf_token_works(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin.user)
    client.get(f"/people/{cast.rep_a2.pk}/")
    token = client.cookies["csrftoken"].value
    response = client.post(f"/people/{cast.rep_a2.pk}/delete/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Person.all_objects.get(pk=cast.rep_a2.pk).is_deleted


# -- every page renders, in both languages ----------------------------------------------------------

OPEN_TO_ALL = ["/", "/org/", "/people/", "/regions/", "/accounts/tokens/", "/accounts/password/"]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize("name", ["admin", "director", "head", "lead_a", "rep_a", "agent"])
def test_pages_render_in_both_languages(cast, client_as, name, lang):
    member = getattr(cast, name)
    client = client_as(member)
    client.cookies["salescore_language"] = lang
    urls = [
        *OPEN_TO_ALL,
        f"/people/{member.pk}/",
        f"/history/org.person/{member.pk}/",
        f"/org/units/{cast.team_a.pk}/",
        f"/history/org.orgunit/{cast.team_a.pk}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert f'<html lang="{lang}"' in response.content.decode(), url

    # the forms render for those who may use them, and are refused to the others
    managers = {"admin", "director", "head", "lead_a"}
    forms = {
        f"/people/{member.pk}/edit/": managers,
        "/people/new/": managers,
        f"/org/units/{cast.team_a.pk}/edit/": {"admin"},
        "/org/units/new/": {"admin"},
        "/regions/new/": {"admin"},
    }
    for url, allowed in forms.items():
        response = client.get(url)
        assert response.status_code == (200 if name in allowed else 403), (url, response.status_code)
        assert f'<html lang="{lang}"' in response.content.decode(), url


def test_home_shows_queues_by_capability(cast, client_as):
    def queues(member):
        return {q["key"] for q in client_as(member).get("/").context["queues"]}

    leads = {"leads_overdue", "leads_new"}  # their own leads; assigners also see the unassigned
    orders = {"quote_approvals", "late_deliveries"}  # approvals for managers and sellers, their orders
    planning = {"target_revisions", "plans_to_approve", "report_due"}  # Sales Management leaders
    assert (
        queues(cast.head)
        == {"people_without_region", "departures_due", "followups_due", "leads_unassigned"}
        | leads
        | orders
        | planning
    )
    assert queues(cast.rep_a) == {"departures_due", "followups_due"} | leads | orders
