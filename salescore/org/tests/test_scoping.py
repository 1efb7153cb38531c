"""The key proof: nobody reads, finds, exports or changes a person record outside their scope.

Every endpoint that touches one person, or lists people, is tried as the owner, a teammate and an
outsider. A record outside the scope answers 404 (never 403, so its existence does not leak) and never
appears in a list, a search or an export.
"""

from __future__ import annotations

import csv
import io

import pytest

from salescore.core.models import AuditLog
from salescore.org import services
from salescore.org.models import Person
from salescore.org.tests.factories import person_edit_form

EVERYBODY = {
    "admin",
    "director",
    "head",
    "lead_a",
    "lead_b",
    "rep_a",
    "rep_a2",
    "rep_b",
    "agent",
    "clerk",
    "analyst",
    "keeper",
    "cashier",
}
VISIBLE = {
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

# (viewer, record owner, relation): the relation is only there to read the test ids.
PAIRS = [
    ("rep_a", "rep_a", "owner"),
    ("rep_a2", "rep_a", "teammate"),
    ("rep_b", "rep_a", "outsider"),
    ("agent", "rep_a", "other-section"),
    ("lead_a", "rep_a", "own-team-lead"),
    ("lead_b", "rep_a", "other-team-lead"),
    ("lead_a", "rep_b", "other-team-lead"),
    ("head", "rep_b", "section-head"),
    ("head", "agent", "other-section-head"),
    ("head", "director", "above-head"),
    ("director", "agent", "director"),
    ("clerk", "analyst", "outsider"),
]
PAIR_IDS = [f"{viewer}-sees-{owner}-as-{relation}" for viewer, owner, relation in PAIRS]

# Who may change a record they can see (people.manage).
MANAGERS = {"admin", "director", "head", "lead_a", "lead_b"}


def _visible(viewer: str, owner: str) -> bool:
    return owner in VISIBLE[viewer]


def _read_urls(pk: int) -> list[str]:
    return [
        f"/people/{pk}/",
        f"/api/v1/people/{pk}",
        f"/history/org.person/{pk}/",
        f"/api/v1/history/org.person/{pk}",
    ]


@pytest.mark.parametrize(("viewer", "owner", "relation"), PAIRS, ids=PAIR_IDS)
def test_reading_one_record(cast, client_as, api_as, viewer, owner, relation):
    target = getattr(cast, owner)
    page, api = client_as(getattr(cast, viewer)), api_as(getattr(cast, viewer))
    expected = 200 if _visible(viewer, owner) else 404
    for url in _read_urls(target.pk):
        client = api if url.startswith("/api/") else page
        response = client.get(url)
        assert response.status_code == expected, (url, response.status_code)
        if expected == 404:
            # The answer says nothing about the record, not even its name.
            assert target.person.name not in response.content.decode()
            assert target.person.employee_no not in response.content.decode()


HIDDEN = [(viewer, owner) for viewer, owner, _relation in PAIRS if not _visible(viewer, owner)]


@pytest.mark.parametrize(("viewer", "owner"), HIDDEN)
def test_hidden_record_answers_exactly_like_a_missing_one(cast, api_as, viewer, owner):
    api = api_as(getattr(cast, viewer))
    hidden = api.get(f"/api/v1/people/{getattr(cast, owner).pk}")
    missing = api.get("/api/v1/people/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert hidden.json()["code"] == "not_found" and hidden.json()["fields"] == {}


@pytest.mark.parametrize(("viewer", "owner", "relation"), PAIRS, ids=PAIR_IDS)
def test_list_and_search(cast, client_as, api_as, viewer, owner, relation):
    target = getattr(cast, owner)
    page, api = client_as(getattr(cast, viewer)), api_as(getattr(cast, viewer))
    visible = _visible(viewer, owner)
    link = f'href="/people/{target.pk}/"'

    # the plain list, on the page and through the API
    assert (link in page.get("/people/").content.decode()) is visible
    ids = [p["id"] for p in api.get("/api/v1/people?limit=100").json()["items"]]
    assert (target.pk in ids) is visible

    # a search for the record's own name, employee number and username
    for q in (target.person.name, target.person.employee_no, target.user.username):
        assert (link in page.get("/people/", {"q": q}).content.decode()) is visible, q
        found = api.get("/api/v1/people", {"q": q}).json()
        assert (target.pk in [p["id"] for p in found["items"]]) is visible, q

    # a filter on the record's unit finds nothing more than the scope allows
    unit_filter = api.get("/api/v1/people", {"org_unit_id": target.person.org_unit_id}).json()
    assert (target.pk in [p["id"] for p in unit_filter["items"]]) is visible


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
def test_lists_show_exactly_the_scope(cast, client_as, api_as, viewer):
    names = {member.pk: key for key, member in cast.all().items()}
    body = api_as(getattr(cast, viewer)).get("/api/v1/people?limit=100").json()
    assert {names[p["id"]] for p in body["items"]} == VISIBLE[viewer]
    assert body["count"] == len(VISIBLE[viewer])

    html = client_as(getattr(cast, viewer)).get("/people/").content.decode()
    shown = {key for key, member in cast.all().items() if f'href="/people/{member.pk}/"' in html}
    # The layout links "My profile" to the viewer's own record, which is in scope anyway.
    assert shown == VISIBLE[viewer]


def _export(client, **params) -> list[dict]:
    response = client.get("/people/export.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("viewer", ["admin", "director", "head", "lead_a", "lead_b"])
def test_export_holds_exactly_the_scope(cast, client_as, viewer):
    client = client_as(getattr(cast, viewer))
    client.cookies["salescore_language"] = "en"
    rows = _export(client)
    employee_numbers = {row["Employee number"] for row in rows}
    expected = {getattr(cast, name).person.employee_no for name in VISIBLE[viewer]}
    assert employee_numbers == expected

    # a search inside the export cannot reach outside the scope either
    rows = _export(client, q=cast.rep_b.person.name)
    assert bool(rows) is ("rep_b" in VISIBLE[viewer])


@pytest.mark.parametrize("viewer", ["rep_a", "agent", "clerk", "analyst"])
def test_people_without_export_capability_get_403_on_export(cast, client_as, viewer):
    assert client_as(getattr(cast, viewer)).get("/people/export.csv").status_code == 403


def _snapshot(pk: int) -> tuple:
    person = Person.all_objects.get(pk=pk)
    return person.version, person.name, person.deleted_at, person.user.is_active


@pytest.mark.parametrize(("viewer", "owner", "relation"), PAIRS, ids=PAIR_IDS)
def test_changing_a_record(cast, client_as, api_as, viewer, owner, relation):
    target = getattr(cast, owner)
    page, api = client_as(getattr(cast, viewer)), api_as(getattr(cast, viewer))
    visible = _visible(viewer, owner)
    allowed = visible and viewer in MANAGERS
    before = _snapshot(target.pk)
    audit_rows = AuditLog.objects.count()
    # outside the scope: 404; inside but without people.manage: 403
    refused = 404 if not visible else 403

    # when they open the edit page and post the form
    response = page.get(f"/people/{target.pk}/edit/")
    assert response.status_code == (200 if allowed else refused)
    response = page.post(f"/people/{target.pk}/edit/", person_edit_form(target.person, phone="13911112222"))
    assert response.status_code == (302 if allowed else refused)

    # and PATCH it through the API
    response = api.patch(
        f"/api/v1/people/{target.pk}",
        {"version": Person.objects.get(pk=target.pk).version, "phone": "13933334444"},
        content_type="application/json",
    )
    assert response.status_code == (200 if allowed else refused), response.content
    if not allowed:
        assert response.json()["code"] == ("not_found" if refused == 404 else "permission_denied")
        # then nothing changed and nothing was written to the audit trail
        assert _snapshot(target.pk) == before
        assert AuditLog.objects.count() == audit_rows
    else:
        assert Person.objects.get(pk=target.pk).phone == "13933334444"


@pytest.mark.parametrize(("viewer", "owner", "relation"), PAIRS, ids=PAIR_IDS)
def test_deleting_and_unlocking_a_record(cast, client_as, api_as, viewer, owner, relation):
    target = getattr(cast, owner)
    page, api = client_as(getattr(cast, viewer)), api_as(getattr(cast, viewer))
    visible = _visible(viewer, owner)
    before = _snapshot(target.pk)
    refused = 404 if not visible else 403

    # unlocking is an administrator's job, and only on records they can see
    response = page.post(f"/people/{target.pk}/unlock/")
    if not visible:
        assert response.status_code == 404
    else:
        assert response.status_code == (302 if viewer == "admin" else 403)

    if not visible or viewer not in MANAGERS:
        # then every way of deleting is refused and the record stays
        assert page.post(f"/people/{target.pk}/delete/").status_code == refused
        assert api.delete(f"/api/v1/people/{target.pk}").status_code == refused
        assert _snapshot(target.pk) == before
    else:
        # people with reports cannot be deleted; give them away first, as the service demands
        Person.objects.filter(manager_id=target.pk).update(manager=None)
        assert page.post(f"/people/{target.pk}/delete/").status_code == 302
        assert Person.all_objects.get(pk=target.pk).is_deleted
        assert not type(target.user).objects.get(pk=target.user.pk).is_active
        # and once deleted, it is gone for them too
        assert api.delete(f"/api/v1/people/{target.pk}").status_code == 404


def test_unit_page_lists_only_members_in_scope(cast, client_as):
    # given lead_a opens team B's page (units themselves are not secret)
    response = client_as(cast.lead_a).get(f"/org/units/{cast.team_b.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    # then team B's members are not listed
    assert f'href="/people/{cast.rep_b.pk}/"' not in html
    assert cast.rep_b.person.name not in html
    # while the head sees them there
    html = client_as(cast.head).get(f"/org/units/{cast.team_b.pk}/").content.decode()
    assert f'href="/people/{cast.rep_b.pk}/"' in html


def test_direct_reports_on_a_profile_are_scoped(cast, client_as):
    # given rep_b (team B) is made to report to lead_a (team A)
    services.person_update(actor=cast.admin.user, person=cast.rep_b.person, manager=cast.lead_a.person)

    # then lead_a's profile lists only the reports lead_a may see
    reports = client_as(cast.lead_a).get(f"/people/{cast.lead_a.pk}/").context["reports"]
    assert {p.pk for p in reports} == {cast.rep_a.pk, cast.rep_a2.pk}
    # while the director sees all three
    reports = client_as(cast.director).get(f"/people/{cast.lead_a.pk}/").context["reports"]
    assert {p.pk for p in reports} == {cast.rep_a.pk, cast.rep_a2.pk, cast.rep_b.pk}


def test_deleted_record_disappears_from_every_list(cast, client_as, api_as):
    # given the director deletes rep_a2
    assert api_as(cast.director).delete(f"/api/v1/people/{cast.rep_a2.pk}").status_code == 204

    # then lead_a no longer finds them, and opening them is 404
    api, page = api_as(cast.lead_a), client_as(cast.lead_a)
    assert cast.rep_a2.pk not in [p["id"] for p in api.get("/api/v1/people").json()["items"]]
    assert f'href="/people/{cast.rep_a2.pk}/"' not in page.get("/people/").content.decode()
    assert api.get(f"/api/v1/people/{cast.rep_a2.pk}").status_code == 404
    assert page.get(f"/people/{cast.rep_a2.pk}/").status_code == 404
    # but its history stays readable to whoever may see it
    assert page.get(f"/history/org.person/{cast.rep_a2.pk}/").status_code == 200


def test_team_lead_cannot_place_someone_outside_their_team(cast, api_as):
    response = api_as(cast.lead_a).patch(
        f"/api/v1/people/{cast.rep_a.pk}",
        {"version": cast.rep_a.person.version, "org_unit_id": cast.team_b.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "out_of_scope"
    assert "org_unit" in response.json()["fields"]
    assert Person.objects.get(pk=cast.rep_a.pk).org_unit_id == cast.team_a.pk


@pytest.mark.parametrize(
    ("who", "target", "position"),
    [
        ("lead_a", "lead_a", "director"),
        ("lead_a", "lead_a", "section_head"),
        ("lead_a", "rep_a", "team_lead"),
        ("head", "head", "director"),
        ("head", "rep_a", "section_head"),
        ("head", "lead_a", "admin"),
    ],
)
def test_leaders_cannot_raise_anyone_to_their_own_level_or_above(cast, api_as, who, target, position):
    """A team lead once could PATCH their own position to "director" and see everything."""
    person = getattr(cast, target).person
    response = api_as(getattr(cast, who)).patch(
        f"/api/v1/people/{person.pk}",
        {"version": person.version, "position": position},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "out_of_scope"
    assert "position" in response.json()["fields"]
    assert Person.objects.get(pk=person.pk).position == person.position


def test_section_head_may_promote_a_rep_to_team_lead(cast, api_as):
    response = api_as(cast.head).patch(
        f"/api/v1/people/{cast.rep_a.pk}",
        {"version": cast.rep_a.person.version, "position": "team_lead"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["position"] == "team_lead"
