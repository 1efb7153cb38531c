"""The organisation API: CRUD, the one error shape, pagination, CSRF for session callers."""

from __future__ import annotations

import pytest
from django.test import Client

from salescore.core.models import AuditLog
from salescore.org.models import OrgUnit, Person, Region

JSON = "application/json"


@pytest.fixture
def admin_api(cast, api_as):
    client = api_as(cast.admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code, body
    assert body["message"]
    if field is not None:
        assert field in body["fields"], body
        assert body["fields"][field]
    return body


# -- CRUD --------------------------------------------------------------------------------------


def test_org_unit_crud(cast, admin_api):
    # create
    response = admin_api.post(
        "/api/v1/org/units",
        {"kind": "team", "name": "华北组", "name_en": "North", "parent_id": cast.sales_management.pk},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    unit = response.json()
    assert unit["duty"] == "sales_management" and unit["depth"] == 3 and unit["version"] == 1

    # read
    assert admin_api.get(f"/api/v1/org/units/{unit['id']}").json()["name"] == "华北组"

    # update, and move under another section in the same call
    service = cast.care_team.parent
    response = admin_api.patch(
        f"/api/v1/org/units/{unit['id']}",
        {"version": 1, "name": "华北服务组", "parent_id": service.pk},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["parent_id"], body["duty"]) == ("华北服务组", service.pk, "customer_service")
    assert body["version"] == 3  # the move and the rename are two audited saves

    # delete is soft
    assert admin_api.delete(f"/api/v1/org/units/{unit['id']}").status_code == 204
    assert OrgUnit.all_objects.get(pk=unit["id"]).is_deleted
    _error(admin_api.get(f"/api/v1/org/units/{unit['id']}"), 404, "not_found")


def test_org_units_list_in_tree_order_with_member_counts(cast, admin_api):
    body = admin_api.get("/api/v1/org/units?limit=100").json()
    paths = [OrgUnit.objects.get(pk=u["id"]).path for u in body["items"]]
    assert paths == sorted(paths)
    counts = {u["id"]: u["member_count"] for u in body["items"]}
    assert counts[cast.team_a.pk] == 3 and counts[cast.team_b.pk] == 2


def test_person_crud(cast, admin_api):
    regions = list(Region.objects.filter(code__in=["310000", "320000"]).order_by("code"))
    payload = {
        "username": "api_rep",
        "password": "Api-Person-2026",
        "employee_no": "A001",
        "name": "接口代表",
        "position": "rep",
        "org_unit_id": cast.team_a.pk,
        "manager_id": cast.lead_a.pk,
        "hire_date": "2026-01-05",
        "email": "api_rep@example.com",
        "region_ids": [r.pk for r in regions],
    }
    response = admin_api.post("/api/v1/people", payload, content_type=JSON)
    assert response.status_code == 201, response.content
    person = response.json()
    assert person["username"] == "api_rep" and person["org_unit_name"] == "华东一组"
    assert person["region_ids"] == [r.pk for r in regions]
    assert "password" not in person

    response = admin_api.patch(
        f"/api/v1/people/{person['id']}",
        {
            "version": person["version"],
            "name_en": "API Rep",
            "region_ids": [regions[0].pk],
            "manager_id": None,
        },
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name_en"], body["region_ids"], body["manager_id"]) == ("API Rep", [regions[0].pk], None)

    assert admin_api.delete(f"/api/v1/people/{person['id']}").status_code == 204
    _error(admin_api.get(f"/api/v1/people/{person['id']}"), 404, "not_found")
    assert not Person.all_objects.get(pk=person["id"]).user.is_active


def test_region_crud(cast, admin_api):
    china = Region.objects.get(code="CN")
    response = admin_api.post(
        "/api/v1/regions",
        {"code": "990000", "name": "测试省", "level": "province", "parent_id": china.pk},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    region = response.json()
    response = admin_api.patch(
        f"/api/v1/regions/{region['id']}", {"version": 1, "name_en": "Test"}, content_type=JSON
    )
    assert response.json()["name_en"] == "Test"
    found = admin_api.get("/api/v1/regions", {"q": "测试"}).json()
    assert [r["code"] for r in found["items"]] == ["990000"]
    assert admin_api.delete(f"/api/v1/regions/{region['id']}").status_code == 204
    assert admin_api.get("/api/v1/regions", {"q": "测试"}).json()["count"] == 0


def test_people_list_filters(cast, admin_api):
    def usernames(**params):
        return sorted(p["username"] for p in admin_api.get("/api/v1/people", params).json()["items"])

    assert usernames(org_unit_id=cast.team_a.pk) == ["lead_a", "rep_a", "rep_a2"]
    assert usernames(position="team_lead") == ["lead_a", "lead_b"]
    assert usernames(q="REP_A") == ["rep_a", "rep_a2"]
    assert usernames(status="left") == []
    names = [p["name"] for p in admin_api.get("/api/v1/people", {"order": "name"}).json()["items"]]
    assert names == sorted(names)
    _error(admin_api.get("/api/v1/people", {"order": "password"}), 422, "validation_error", "order")


# -- the one error shape ---------------------------------------------------------------------------


def test_422_names_the_invalid_field(cast, admin_api):
    response = admin_api.patch(
        f"/api/v1/people/{cast.rep_a.pk}", {"version": 1, "name": "x" * 101}, content_type=JSON
    )
    body = _error(response, 422, "validation_error", "name")
    assert body["fields"]["name"] == "Use at most 100 characters."
    _error(
        admin_api.post("/api/v1/people", {"username": "x"}, content_type=JSON),
        422,
        "validation_error",
        "hire_date",
    )
    _error(
        admin_api.post("/api/v1/org/units", {"kind": "planet", "name": "x"}, content_type=JSON),
        422,
        "validation_error",
        "kind",
    )
    _error(
        admin_api.patch(
            f"/api/v1/people/{cast.rep_a.pk}", {"version": 1, "hire_date": "soon"}, content_type=JSON
        ),
        422,
        "validation_error",
        "hire_date",
    )
    _error(
        admin_api.patch(f"/api/v1/people/{cast.rep_a.pk}", {"name": "x"}, content_type=JSON),
        422,
        "validation_error",
        "version",
    )


def test_400_for_a_broken_rule_names_the_field(cast, admin_api):
    response = admin_api.post(
        "/api/v1/org/units", {"kind": "team", "name": "x", "parent_id": cast.department.pk}, content_type=JSON
    )
    body = _error(response, 400, "invalid_parent", "parent")
    assert body["message"] == "A unit of kind “Team” must sit under a unit of kind “Section”."
    _error(
        admin_api.post(
            "/api/v1/people",
            {
                "username": "weak",
                "password": "short",
                "employee_no": "W1",
                "name": "弱",
                "position": "rep",
                "org_unit_id": cast.team_a.pk,
                "hire_date": "2026-01-01",
            },
            content_type=JSON,
        ),
        400,
        "weak_password",
        "password",
    )
    _error(
        admin_api.patch(
            f"/api/v1/people/{cast.rep_a.pk}", {"version": 1, "org_unit_id": 999999}, content_type=JSON
        ),
        400,
        "invalid_reference",
        "org_unit_id",
    )
    _error(
        admin_api.patch(
            f"/api/v1/people/{cast.rep_a.pk}", {"version": 1, "region_ids": [999999]}, content_type=JSON
        ),
        400,
        "invalid_reference",
        "region_ids",
    )


def test_404_401_403_and_bad_json(cast, api_as):
    _error(api_as(cast.admin).get("/api/v1/people/999999"), 404, "not_found")
    _error(api_as(cast.admin).get("/api/v1/no/such/endpoint"), 404, "not_found")
    _error(Client().get("/api/v1/people"), 401, "not_authenticated")
    _error(Client(HTTP_AUTHORIZATION="Bearer sc_nope_nope").get("/api/v1/people"), 401, "not_authenticated")
    _error(
        api_as(cast.rep_a).post(
            "/api/v1/org/units",
            {"kind": "team", "name": "x", "parent_id": cast.sales_management.pk},
            content_type=JSON,
        ),
        403,
        "permission_denied",
    )
    _error(api_as(cast.director).delete(f"/api/v1/org/units/{cast.team_a.pk}"), 403, "permission_denied")
    _error(api_as(cast.admin).post("/api/v1/org/units", "{bad", content_type=JSON), 400, "invalid_json")
    assert not OrgUnit.objects.filter(name="x").exists()


def test_company_patch_with_no_parent_is_not_a_server_error(cast, admin_api):
    """PATCH {"parent_id": null} on the company once crashed with a 500."""
    company = OrgUnit.objects.get(kind=OrgUnit.Kind.COMPANY)
    response = admin_api.patch(
        f"/api/v1/org/units/{company.pk}", {"version": company.version, "parent_id": None}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert response.json()["parent_id"] is None
    response = admin_api.patch(
        f"/api/v1/org/units/{cast.team_a.pk}", {"version": 1, "parent_id": None}, content_type=JSON
    )
    _error(response, 400, "invalid_parent", "parent")


# -- pagination ---------------------------------------------------------------------------------------


def test_limit_and_offset(cast, admin_api):
    everyone = admin_api.get("/api/v1/people?limit=100").json()
    assert everyone["count"] == len(cast.all())
    page = admin_api.get("/api/v1/people", {"limit": 3, "offset": 2}).json()
    assert page["count"] == len(cast.all())
    assert [p["id"] for p in page["items"]] == [p["id"] for p in everyone["items"]][2:5]
    past_the_end = admin_api.get("/api/v1/people", {"limit": 3, "offset": 50}).json()
    assert past_the_end["items"] == []


@pytest.mark.parametrize(
    ("params", "field"), [({"limit": 101}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset")]
)
def test_out_of_range_paging_is_refused(cast, admin_api, params, field):
    for url in ("/api/v1/people", "/api/v1/org/units", "/api/v1/audit", "/api/v1/regions"):
        _error(admin_api.get(url, params), 422, "validation_error", field)


def test_largest_page_is_accepted(cast, admin_api):
    body = admin_api.get("/api/v1/regions", {"limit": 100}).json()
    assert len(body["items"]) == min(body["count"], 100)


# -- session callers need the CSRF token ---------------------------------------------------------


def _session(member) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    return client


def test_session_post_without_csrf_token_is_refused(cast):
    client = _session(cast.admin)
    count = AuditLog.objects.count()
    response = client.post(
        "/api/v1/org/units",
        {"kind": "team", "name": "无令牌组", "parent_id": cast.sales_management.pk},
        content_type=JSON,
    )
    _error(response, 403, "csrf_failed")
    assert not OrgUnit.objects.filter(name="无令牌组").exists()
    _error(client.delete(f"/api/v1/people/{cast.rep_a.pk}"), 403, "csrf_failed")
    assert not Person.all_objects.get(pk=cast.rep_a.pk).is_deleted
    assert AuditLog.objects.count() == count


def test_session_post_with_the_csrf_token_works(cast):
    # given a signed-in browser that has loaded a page (and so holds the CSRF cookie)
    client = _session(cast.admin)
    assert client.get("/people/").status_code == 200
    token = client.cookies["csrftoken"].value

    # when it sends the token back in the header, as htmx does
    response = client.post(
        "/api/v1/org/units",
        {"kind": "team", "name": "有令牌组", "parent_id": cast.sales_management.pk},
        content_type=JSON,
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201, response.content


def test_session_reads_need_no_csrf_token(cast):
    assert _session(cast.rep_a).get("/api/v1/people").status_code == 200


def test_bearer_token_callers_need_no_csrf_token(cast, api_as):
    """Scripts send no cookies: with session auth tried first, each of their writes got 403."""
    client = api_as(cast.admin)
    client.handler.enforce_csrf_checks = True
    response = client.post(
        "/api/v1/org/units",
        {"kind": "team", "name": "脚本组", "parent_id": cast.sales_management.pk},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content


def test_schema_and_docs_are_served(cast, api_as):
    client = api_as(cast.rep_a)
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/people" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200
