"""The customers API: CRUD, the one error shape, scope (404), collaborators, masked contacts, logged
reveals, pagination and fixed query counts, tried as owner, teammate, managers and outsiders."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from salescore.core.models import AuditLog
from salescore.customers import services
from salescore.customers.identity import credit_code_check_char
from salescore.customers.models import Contact, Customer
from salescore.org.models import Region

JSON = "application/json"
_numbers = itertools.count(1)


def credit_code(n: int) -> str:
    body = f"91440300{n:09d}"
    return body + credit_code_check_char(body)


def make_customer(member, **fields) -> Customer:
    fields.setdefault("name", f"接口客户{next(_numbers)}有限公司")
    return services.customer_create(actor=member.user, **fields)


def make_contact(member, customer, **fields) -> Contact:
    fields.setdefault("name", f"联系人{next(_numbers)}")
    return services.contact_create(actor=member.user, customer=customer, **fields)


@pytest.fixture
def api(cast, api_as):
    """api(member) -> a token client that asks for English messages."""

    def make(who):
        client = api_as(who)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


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


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# -- customers: CRUD ----------------------------------------------------------------------------


def test_customer_crud(cast, api):
    client = api(cast.rep_a)
    region = Region.objects.get(code="310000")

    # create
    response = client.post(
        "/api/v1/customers",
        {
            "name": "上海示例股份有限公司",
            "credit_code": "9135 0100 m000 100y43",
            "industry": "energy",
            "size": "medium",
            "tier": "B",
            "region_id": region.pk,
            "source": "referral",
            "phone": "+86 138 0013 8000",
            "email": "info@example.cn",
            "tags": ["重点", "新能源"],
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_code"] == "91350100M000100Y43"
    assert (body["owner_id"], body["owner_name"]) == (cast.rep_a.pk, cast.rep_a.person.display_name)
    assert (body["region_id"], body["tier"], body["kind"]) == (region.pk, "B", "company")
    assert body["tags"] == ["新能源", "重点"] and body["version"] == 1

    # read
    body = client.get(f"/api/v1/customers/{body['id']}").json()
    assert body["name"] == "上海示例股份有限公司" and body["industry"] == "energy"

    # update a subset; null empties a text or choice field
    response = client.patch(
        f"/api/v1/customers/{body['id']}",
        {"version": 1, "tier": "A", "industry": None, "region_id": None, "tags": ["重点"]},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    updated = response.json()
    assert (updated["tier"], updated["industry"], updated["region_id"]) == ("A", "", None)
    assert updated["tags"] == ["重点"] and updated["name"] == body["name"]
    assert updated["version"] == 2

    # delete is soft
    assert client.delete(f"/api/v1/customers/{body['id']}").status_code == 204
    assert Customer.all_objects.get(pk=body["id"]).is_deleted
    _error(client.get(f"/api/v1/customers/{body['id']}"), 404, "not_found")


def test_a_manager_creates_for_a_team_member(cast, api):
    response = api(cast.lead_a).post(
        "/api/v1/customers", {"name": "团队客户", "owner_id": cast.rep_a2.pk}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    assert response.json()["owner_id"] == cast.rep_a2.pk


def test_customer_422_names_the_invalid_fields(cast, api):
    client = api(cast.rep_a)
    body = _error(
        client.post(
            "/api/v1/customers",
            {"name": "x" * 201, "tier": "D", "industry": "mining", "tags": ["t" * 41], "kind": "shop"},
            content_type=JSON,
        ),
        422,
        "validation_error",
    )
    assert {"name", "tier", "industry", "kind", "tags.0"} <= set(body["fields"])
    assert "A" in body["fields"]["tier"]
    _error(client.post("/api/v1/customers", {}, content_type=JSON), 422, "validation_error", "name")
    # fields that cannot be empty refuse null on PATCH, and the version is required
    customer = make_customer(cast.rep_a)
    body = _error(
        client.patch(f"/api/v1/customers/{customer.pk}", {"name": None, "tier": None}, content_type=JSON),
        422,
        "validation_error",
    )
    assert {"version", "name", "tier"} <= set(body["fields"])
    _error(client.get("/api/v1/customers?order=owner"), 422, "validation_error", "order")
    _error(client.get("/api/v1/customers?tier=Z"), 422, "validation_error", "tier")


def test_customer_400s_name_the_field(cast, api):
    client = api(cast.rep_a)
    make_customer(cast.rep_b, credit_code="91350100M000100Y43", email="dup@example.cn")

    _error(
        client.post("/api/v1/customers", {"name": "x", "region_id": 999999}, content_type=JSON),
        400,
        "invalid_reference",
        "region_id",
    )
    _error(
        client.post("/api/v1/customers", {"name": "x", "owner_id": 999999}, content_type=JSON),
        400,
        "invalid_reference",
        "owner_id",
    )
    # an owner outside the caller's scope is named with the field the caller sent
    _error(
        client.post("/api/v1/customers", {"name": "x", "owner_id": cast.rep_a2.pk}, content_type=JSON),
        400,
        "out_of_scope",
        "owner_id",
    )
    _error(
        client.post(
            "/api/v1/customers", {"name": "x", "credit_code": "91350100M000100Y44"}, content_type=JSON
        ),
        400,
        "invalid_credit_code",
        "credit_code",
    )
    body = _error(
        client.post(
            "/api/v1/customers", {"name": "x", "credit_code": "91350100m000100y43"}, content_type=JSON
        ),
        400,
        "duplicate",
        "credit_code",
    )
    assert set(body["fields"]) == {"credit_code"}  # the page's extra (a link) stays out of the API
    _error(
        client.post("/api/v1/customers", {"name": "x", "email": "DUP@example.cn"}, content_type=JSON),
        400,
        "duplicate",
        "email",
    )
    _error(
        client.post("/api/v1/customers", {"name": "x", "email": "not-an-email"}, content_type=JSON),
        400,
        "invalid",
        "email",
    )
    _error(client.get("/api/v1/customers?region_id=999999"), 400, "invalid_reference", "region_id")
    _error(client.get("/api/v1/customers?owner_id=999999"), 400, "invalid_reference", "owner_id")
    assert Customer.objects.count() == 1


def test_customer_409_on_a_stale_version(cast, api):
    customer = make_customer(cast.rep_a)
    client = api(cast.rep_a)
    assert (
        client.patch(
            f"/api/v1/customers/{customer.pk}", {"version": 1, "notes": "a"}, content_type=JSON
        ).status_code
        == 200
    )
    _error(
        api(cast.lead_a).patch(
            f"/api/v1/customers/{customer.pk}", {"version": 1, "notes": "b"}, content_type=JSON
        ),
        409,
        "conflict",
        "version",
    )


def test_create_without_the_capability_is_403(cast, api):
    _error(
        api(cast.agent).post("/api/v1/customers", {"name": "x"}, content_type=JSON), 403, "permission_denied"
    )
    _error(Client().get("/api/v1/customers"), 401, "not_authenticated")


def test_customers_outside_scope_are_404(cast, api):
    customer = make_customer(cast.rep_a)
    outsider = api(cast.rep_b)
    url = f"/api/v1/customers/{customer.pk}"

    _error(outsider.get(url), 404, "not_found")
    _error(outsider.patch(url, {"version": 1, "notes": "x"}, content_type=JSON), 404, "not_found")
    _error(outsider.delete(url), 404, "not_found")
    _error(outsider.get(f"{url}/contacts"), 404, "not_found")
    _error(outsider.post(f"{url}/contacts", {"name": "x"}, content_type=JSON), 404, "not_found")
    _error(outsider.get(f"{url}/collaborators"), 404, "not_found")
    _error(
        outsider.post(f"{url}/collaborators", {"person_id": cast.rep_b.pk}, content_type=JSON),
        404,
        "not_found",
    )
    assert _ids(outsider.get("/api/v1/customers")) == []
    # teammates and managers up the owner's chain see it; the other team's lead does not
    assert api(cast.rep_a2).get(url).status_code == 404
    assert api(cast.lead_a).get(url).status_code == 200
    assert api(cast.head).get(url).status_code == 200
    assert api(cast.lead_b).get(url).status_code == 404
    assert Customer.objects.filter(pk=customer.pk, notes="").exists()


def test_customer_list_filters_and_order(cast, api):
    shanghai = Region.objects.get(code="310000")
    a = make_customer(cast.rep_a, name="甲公司", tier="A", industry="energy", region=shanghai, tags=["重点"])
    b = make_customer(cast.rep_a, name="乙公司", tier="B", source="referral", phone="0592-1234567")
    c = make_customer(cast.lead_a, name="丙公司", tier="A", email="c@example.cn")
    client = api(cast.lead_a)

    assert set(_ids(client.get("/api/v1/customers"))) == {a.pk, b.pk, c.pk}
    assert set(_ids(client.get("/api/v1/customers?tier=A"))) == {a.pk, c.pk}
    assert _ids(client.get("/api/v1/customers?industry=energy")) == [a.pk]
    assert _ids(client.get("/api/v1/customers?source=referral")) == [b.pk]
    assert _ids(client.get("/api/v1/customers?tag=重点")) == [a.pk]
    assert _ids(client.get(f"/api/v1/customers?region_id={shanghai.pk}")) == [a.pk]
    assert _ids(client.get(f"/api/v1/customers?region_id={shanghai.parent_id}")) == [a.pk]  # the country
    assert set(_ids(client.get(f"/api/v1/customers?owner_id={cast.rep_a.pk}"))) == {a.pk, b.pk}
    assert _ids(client.get("/api/v1/customers?mine=true")) == [c.pk]
    assert _ids(client.get("/api/v1/customers?q=乙")) == [b.pk]
    assert _ids(client.get("/api/v1/customers?q=%2B86%200592%201234567")) == [b.pk]
    assert _ids(client.get("/api/v1/customers?q=C@EXAMPLE.CN")) == [c.pk]
    names = [i["name"] for i in client.get("/api/v1/customers?order=name").json()["items"]]
    assert names == sorted(names)
    item = next(i for i in client.get("/api/v1/customers").json()["items"] if i["id"] == a.pk)
    assert item["contact_count"] == 0 and item["region_name"] and item["tags"] == ["重点"]


def test_customer_list_pagination(cast, api):
    for _ in range(5):
        make_customer(cast.rep_a)
    client = api(cast.rep_a)
    all_ids = _ids(client.get("/api/v1/customers?limit=100"))
    body = client.get("/api/v1/customers?limit=2&offset=2").json()
    assert body["count"] == 5
    assert [i["id"] for i in body["items"]] == all_ids[2:4]
    _error(client.get("/api/v1/customers?limit=101"), 422, "validation_error", "limit")
    _error(client.get("/api/v1/customers?offset=-1"), 422, "validation_error", "offset")


# -- collaborators ------------------------------------------------------------------------------


def test_collaborators(cast, api):
    customer = make_customer(cast.rep_a)
    contact = make_contact(cast.rep_a, customer, mobile="13900001111")
    owner, colleague = api(cast.rep_a), api(cast.rep_b)
    url = f"/api/v1/customers/{customer.pk}/collaborators"
    _error(colleague.get(f"/api/v1/contacts/{contact.pk}"), 404, "not_found")

    # when the owner adds rep_b (another team)
    response = owner.post(url, {"person_id": cast.rep_b.pk}, content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["id"] == cast.rep_b.pk
    assert owner.post(url, {"person_id": cast.rep_b.pk}, content_type=JSON).status_code == 200  # already
    assert _ids(owner.get(url)) == [cast.rep_b.pk]

    # then rep_b sees the customer and its contacts in full
    assert colleague.get(f"/api/v1/customers/{customer.pk}").status_code == 200
    body = colleague.get(f"/api/v1/contacts/{contact.pk}").json()
    assert (body["mobile"], body["masked"]) == ("13900001111", False)

    # a collaborator cannot share it further, nor delete it
    _error(colleague.post(url, {"person_id": cast.rep_a2.pk}, content_type=JSON), 404, "not_found")
    _error(colleague.delete(f"/api/v1/customers/{customer.pk}"), 404, "not_found")
    _error(colleague.delete(f"{url}/{cast.rep_b.pk}"), 404, "not_found")

    # references that point nowhere
    _error(owner.post(url, {"person_id": 999999}, content_type=JSON), 400, "invalid_reference", "person_id")
    _error(owner.delete(f"{url}/999999"), 404, "not_found")

    # removing: 204, then rep_b loses sight; removing again is 404
    assert owner.delete(f"{url}/{cast.rep_b.pk}").status_code == 204
    _error(colleague.get(f"/api/v1/customers/{customer.pk}"), 404, "not_found")
    _error(owner.delete(f"{url}/{cast.rep_b.pk}"), 404, "not_found")


def test_a_collaborator_cannot_take_the_customer_over(cast, api):
    customer = make_customer(cast.rep_a)
    services.customer_add_collaborator(actor=cast.rep_a.user, customer=customer, person=cast.rep_b.person)
    _error(
        api(cast.rep_b).patch(
            f"/api/v1/customers/{customer.pk}", {"version": 1, "owner_id": cast.rep_b.pk}, content_type=JSON
        ),
        403,
        "permission_denied",
        "owner_id",
    )


def test_someone_who_left_cannot_be_a_collaborator(cast, api):
    from salescore.org.models import Person

    customer = make_customer(cast.rep_a)
    Person.objects.filter(pk=cast.rep_a2.pk).update(status=Person.Status.LEFT)
    _error(
        api(cast.rep_a).post(
            f"/api/v1/customers/{customer.pk}/collaborators", {"person_id": cast.rep_a2.pk}, content_type=JSON
        ),
        400,
        "invalid_person",
        "person_id",
    )


# -- contacts -----------------------------------------------------------------------------------


def test_contact_crud(cast, api):
    customer = make_customer(cast.rep_a)
    client = api(cast.rep_a)

    response = client.post(
        f"/api/v1/customers/{customer.pk}/contacts",
        {
            "name": "李经理",
            "title": "采购经理",
            "mobile": "139 0000 1111",
            "role": "decision_maker",
            "is_primary": True,
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    contact = response.json()
    assert (contact["customer_id"], contact["customer_name"]) == (customer.pk, customer.name)
    assert (contact["mobile"], contact["masked"], contact["is_primary"]) == ("139 0000 1111", False, True)

    second = client.post(
        f"/api/v1/customers/{customer.pk}/contacts", {"name": "王工", "is_primary": True}, content_type=JSON
    ).json()
    assert _ids(client.get(f"/api/v1/customers/{customer.pk}/contacts")) == [second["id"], contact["id"]]
    assert client.get(f"/api/v1/contacts/{contact['id']}").json()["is_primary"] is False

    response = client.patch(
        f"/api/v1/contacts/{contact['id']}",
        {"version": contact["version"] + 1, "title": None, "wechat": "li_wx"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["wechat"]) == ("", "li_wx")
    _error(
        client.patch(f"/api/v1/contacts/{contact['id']}", {"version": 1, "title": "x"}, content_type=JSON),
        409,
        "conflict",
    )
    _error(
        client.patch(f"/api/v1/contacts/{contact['id']}", {"version": 3, "name": None}, content_type=JSON),
        422,
        "validation_error",
        "name",
    )
    _error(
        client.post(
            f"/api/v1/customers/{customer.pk}/contacts", {"name": "x", "role": "boss"}, content_type=JSON
        ),
        422,
        "validation_error",
        "role",
    )
    _error(
        client.post(
            f"/api/v1/customers/{customer.pk}/contacts",
            {"name": "x", "mobile": "+8613900001111"},
            content_type=JSON,
        ),
        400,
        "duplicate",
        "mobile",
    )

    assert client.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
    assert Contact.all_objects.get(pk=contact["id"]).is_deleted
    _error(client.get(f"/api/v1/contacts/{contact['id']}"), 404, "not_found")


def test_contacts_outside_scope_are_404(cast, api):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_b)
    ca = make_contact(cast.rep_a, a)
    cb = make_contact(cast.rep_b, b)
    outsider = api(cast.rep_b)

    _error(outsider.get(f"/api/v1/contacts/{ca.pk}"), 404, "not_found")
    _error(
        outsider.patch(f"/api/v1/contacts/{ca.pk}", {"version": 1, "title": "x"}, content_type=JSON),
        404,
        "not_found",
    )
    _error(outsider.delete(f"/api/v1/contacts/{ca.pk}"), 404, "not_found")
    _error(
        outsider.post(f"/api/v1/contacts/{ca.pk}/reveal", {"field": "mobile"}, content_type=JSON),
        404,
        "not_found",
    )
    assert _ids(outsider.get("/api/v1/contacts")) == [cb.pk]
    _error(outsider.get(f"/api/v1/contacts?customer_id={a.pk}"), 404, "not_found")
    _error(outsider.get("/api/v1/contacts?customer_id=999999"), 400, "invalid_reference", "customer_id")
    assert set(_ids(api(cast.head).get("/api/v1/contacts"))) == {ca.pk, cb.pk}
    assert _ids(api(cast.head).get(f"/api/v1/contacts?customer_id={a.pk}")) == [ca.pk]
    assert Contact.objects.get(pk=ca.pk).title == ""


def test_contact_search(cast, api):
    customer = make_customer(cast.rep_a, name="搜索测试有限公司")
    li = make_contact(cast.rep_a, customer, name="李雷", mobile="13900001111", email="li@example.cn")
    han = make_contact(cast.rep_a, make_customer(cast.rep_a), name="韩梅梅")
    client = api(cast.rep_a)
    assert _ids(client.get("/api/v1/contacts?q=李")) == [li.pk]
    assert _ids(client.get("/api/v1/contacts?q=搜索测试")) == [li.pk]
    assert _ids(client.get("/api/v1/contacts?q=%2B86%20139-0000-1111")) == [li.pk]
    assert _ids(client.get("/api/v1/contacts?q=LI@example.cn")) == [li.pk]
    assert _ids(client.get("/api/v1/contacts?q=梅")) == [han.pk]


@pytest.mark.parametrize(
    ("viewer", "masked"), [("rep_a", False), ("lead_a", True), ("head", True), ("director", True)]
)
def test_contact_data_is_masked_in_api_output(cast, api, viewer, masked):
    customer = make_customer(cast.rep_a)
    contact = make_contact(
        cast.rep_a,
        customer,
        mobile="13900001111",
        phone="0592-5556666",
        email="li@example.cn",
        wechat="li_wx",
    )
    client = api(getattr(cast, viewer))

    for body in (
        client.get(f"/api/v1/contacts/{contact.pk}").json(),
        client.get("/api/v1/contacts").json()["items"][0],
        client.get(f"/api/v1/customers/{customer.pk}/contacts").json()["items"][0],
    ):
        assert body["masked"] is masked
        fields = (body["mobile"], body["phone"], body["email"], body["wechat"])
        if masked:
            assert fields == ("139****1111", "059****6666", "l***@example.cn", "l***")
        else:
            assert fields == ("13900001111", "0592-5556666", "li@example.cn", "li_wx")
        assert body["name"] == contact.name


def test_a_page_mixes_masked_and_unmasked_rows(cast, api):
    own = make_contact(cast.lead_a, make_customer(cast.lead_a), mobile="13900002222")
    team = make_contact(cast.rep_a, make_customer(cast.rep_a), mobile="13900003333")
    rows = {i["id"]: i for i in api(cast.lead_a).get("/api/v1/contacts").json()["items"]}
    assert (rows[own.pk]["masked"], rows[own.pk]["mobile"]) == (False, "13900002222")
    assert (rows[team.pk]["masked"], rows[team.pk]["mobile"]) == (True, "139****3333")


def test_reveal_returns_the_value_and_is_logged(cast, api):
    contact = make_contact(cast.rep_a, make_customer(cast.rep_a), email="li@example.cn")
    client = api(cast.lead_a)

    response = client.post(f"/api/v1/contacts/{contact.pk}/reveal", {"field": "email"}, content_type=JSON)

    assert response.status_code == 200, response.content
    assert response.json() == {"field": "email", "value": "li@example.cn"}
    row = AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id=contact.pk, action="reveal"
    ).get()
    assert row.actor_id == cast.lead_a.user.pk and set(row.changes) == {"email"}
    assert row.origin == "api"
    _error(
        client.post(f"/api/v1/contacts/{contact.pk}/reveal", {"field": "notes"}, content_type=JSON),
        422,
        "validation_error",
        "field",
    )
    _error(
        client.post("/api/v1/contacts/999999/reveal", {"field": "email"}, content_type=JSON), 404, "not_found"
    )


def test_contact_list_pagination(cast, api):
    customer = make_customer(cast.rep_a)
    for _ in range(5):
        make_contact(cast.rep_a, customer)
    body = api(cast.rep_a).get("/api/v1/contacts?limit=2&offset=4").json()
    assert body["count"] == 5 and len(body["items"]) == 1


# -- query counts -------------------------------------------------------------------------------


def _grow(cast, n: int = 30) -> None:
    """n more customers across both teams, each with a region, tags, a collaborator and two contacts."""
    regions = list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")[:5])
    owners = [cast.rep_a, cast.rep_a2, cast.lead_a, cast.rep_b]
    for i in range(n):
        owner = owners[i % len(owners)]
        customer = make_customer(
            owner,
            region=regions[i % 5],
            credit_code=credit_code(1000 + i),
            tags=[f"标签{i % 3}", "批量"],
        )
        if i % 3 == 0:
            services.customer_add_collaborator(actor=owner.user, customer=customer, person=cast.rep_a.person)
        make_contact(owner, customer, mobile=f"1390000{i:04d}", email=f"c{i}@example.cn", is_primary=True)
        make_contact(owner, customer, phone=f"0592-55{i:05d}")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx)


# Measured when written. Customers, 5: token, person, count, page, tags. Contacts, 6: token, person,
# count, page (with the customer), then once per page the owned and the shared customers (masking);
# a search adds on PostgreSQL the three reads of customers.search.named (customers, contacts, scope).
LISTS = [
    ("/api/v1/customers?limit=100", "director", 5),
    ("/api/v1/customers?limit=100&tag=批量&order=name", "lead_a", 5),
    ("/api/v1/customers?limit=100", "rep_a", 5),
    ("/api/v1/contacts?limit=100", "director", 6),
    ("/api/v1/contacts?limit=100", "lead_a", 6),
    ("/api/v1/contacts?limit=100&q=联系人", "rep_a", 9 if connection.vendor == "postgresql" else 6),
]


@pytest.mark.parametrize(("url", "viewer", "budget"), LISTS)
def test_lists_run_a_fixed_number_of_queries(
    cast, api, django_assert_num_queries, django_assert_max_num_queries, url, viewer, budget
):
    client = api(getattr(cast, viewer))
    make_contact(cast.rep_a, make_customer(cast.rep_a, tags=["批量"]), email="first@example.cn")
    client.get(url)  # a token records its first use once; measure the steady state

    # given one customer with one contact
    small = _queries(client, url)

    # when 30 more customers with regions, tags, collaborators and 60 contacts exist
    _grow(cast)

    # then the page costs the same, within the budget, and really lists more rows
    with django_assert_num_queries(small):
        response = client.get(url)
    with django_assert_max_num_queries(budget):
        client.get(url)
    assert response.json()["count"] > 10
