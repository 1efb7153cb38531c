"""Merging duplicate customers (R3.2): everything moves to the survivor and is audited, in one
transaction, by the owner of both or a manager who sees both."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from salescore.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from salescore.core.models import AuditAction, AuditLog, RecordShare
from salescore.core.selectors import history_for_record
from salescore.customers import services
from salescore.customers.merge import customer_merge
from salescore.customers.models import Contact, Customer, PoolMove
from salescore.customers.tests.test_services import audit_rows, credit_code, make_contact, make_customer
from salescore.leads import services as lead_services
from salescore.leads.models import Lead
from salescore.leads.tests.factories import make_lead
from salescore.pipeline import services as pipeline_services
from salescore.pipeline.models import Activity, Opportunity
from salescore.pipeline.tests.factories import make_opportunity


def log_activities(member, customer, n: int, contact=None) -> list[Activity]:
    return [
        pipeline_services.activity_log(
            actor=member.user, customer=customer, contact=contact, channel="phone", subject=f"电话{i}"
        )
        for i in range(n)
    ]


def same_person(member, customer, *, like: Contact) -> Contact:
    """A contact with another contact's mobile: entry refuses it, but imports and old data have them."""
    contact = Contact(customer=customer, name=like.name, mobile=like.mobile, mobile_key=like.mobile_key)
    contact.save(actor=member.user)
    return contact


@pytest.fixture
def pair(cast):
    survivor = make_customer(cast.rep_a, name="杭州某某科技有限公司", tier="A", industry="")
    duplicate = make_customer(
        cast.rep_a, name="杭州某某科技", tier="C", industry="electronics", credit_code=credit_code(7001)
    )
    return survivor, duplicate


def test_merge_moves_everything_to_the_survivor_and_audits_each_record(cast, pair):
    survivor, duplicate = pair
    # Given: the duplicate has contacts (one the same person as the survivor's), activities,
    # an opportunity, a converted lead, collaborators, tags and pool history.
    zhang = make_contact(cast.rep_a, survivor, name="张三", mobile="13900001111", is_primary=True)
    twin = same_person(cast.rep_a, duplicate, like=zhang)
    li = make_contact(cast.rep_a, duplicate, name="李四", mobile="13900002222", is_primary=True)
    activities = log_activities(cast.rep_a, duplicate, 3, contact=twin)
    opportunity = make_opportunity(cast.rep_a, duplicate, contacts=[twin, li])
    lead = make_lead(cast.lead_a, owner=cast.rep_a.person)
    lead_services.lead_convert(actor=cast.rep_a.user, lead=lead, customer=duplicate, create_opportunity=False)
    services.customer_add_collaborator(actor=cast.rep_a.user, customer=duplicate, person=cast.rep_a2.person)
    services.customer_set_tags(actor=cast.rep_a.user, customer=duplicate, names=["展会"])
    services.customer_set_tags(actor=cast.rep_a.user, customer=survivor, names=["重点"])
    released = services.customer_release(actor=cast.rep_a.user, customer=duplicate, reason="测试")
    services.customer_assign_from_pool(actor=cast.director.user, customer=released, person=cast.rep_a.person)
    duplicate.refresh_from_db()
    survivor.refresh_from_db()

    # When: the owner merges, taking the industry and credit code from the duplicate.
    result = customer_merge(
        actor=cast.rep_a.user,
        survivor=survivor,
        duplicate=duplicate,
        take_from_duplicate=["industry", "credit_code"],
        survivor_version=survivor.version,
        duplicate_version=duplicate.version,
    )

    # Then: everything is the survivor's.
    survivor = Customer.objects.get(pk=survivor.pk)
    assert (survivor.name, survivor.tier, survivor.industry) == ("杭州某某科技有限公司", "A", "electronics")
    assert survivor.credit_code == credit_code(7001)
    assert sorted(t.name for t in survivor.tags.all()) == ["展会", "重点"]
    assert Activity.objects.filter(customer=survivor).count() == 3
    assert set(Activity.objects.filter(customer=survivor).values_list("contact_id", flat=True)) == {zhang.pk}
    opportunity = Opportunity.objects.get(pk=opportunity.pk)
    assert opportunity.customer_id == survivor.pk
    assert set(opportunity.contacts.values_list("pk", flat=True)) == {zhang.pk, li.pk}
    assert Lead.objects.get(pk=lead.pk).customer_id == survivor.pk
    assert PoolMove.objects.filter(customer=survivor).count() == 2
    assert not PoolMove.objects.filter(customer=duplicate).exists()
    # The same person is kept once; the other contact moves and is no longer a second primary.
    live = {c.name: c for c in Contact.objects.filter(customer=survivor)}
    assert set(live) == {"张三", "李四", lead.name}
    assert live["张三"].is_primary and not live["李四"].is_primary
    assert Contact.all_objects.get(pk=twin.pk).is_deleted
    assert result.moved["contacts"] == 3 and result.moved["same_people"] == 1
    # Whoever worked on the duplicate keeps working on the survivor.
    shared = RecordShare.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=survivor.pk
    ).values_list("person_id", flat=True)
    assert set(shared) == {cast.rep_a2.pk}

    # The duplicate is gone for good, pointing at the survivor.
    gone = Customer.all_objects.get(pk=duplicate.pk)
    assert gone.is_deleted and gone.merged_into_id == survivor.pk
    assert audit_rows(gone).last().action == AuditAction.DELETE
    assert audit_rows(gone).last().changes["merged_into"]["new"] == survivor.pk

    # Every moved record has its own audit row naming the change.
    for activity in activities:
        row = audit_rows(activity).filter(changes__has_key="customer").last()
        assert row.changes["customer"] == {
            "old": duplicate.pk,
            "new": survivor.pk,
            "old_display": "杭州某某科技",
            "new_display": "杭州某某科技有限公司",
        }
        assert row.actor_id == cast.rep_a.user.pk
    for record in (opportunity, Lead.objects.get(pk=lead.pk), li):
        change = audit_rows(record).filter(changes__has_key="customer").last().changes["customer"]
        assert (change["old"], change["new"]) == (duplicate.pk, survivor.pk)
    merge_row = audit_rows(survivor).filter(changes__has_key="merged_from").get()
    assert merge_row.changes["merge_moved"]["new"]["activities"] == 3

    # The survivor's History shows the duplicate's history too.
    record, rows = history_for_record(user=cast.rep_a.user, model=Customer, pk=survivor.pk)
    assert record.merged_ids == [duplicate.pk]
    assert set(rows.values_list("object_id", flat=True)) == {survivor.pk, duplicate.pk}


def test_the_query_count_does_not_grow_with_the_number_of_activities(cast):
    def merge_with(n: int) -> int:
        survivor = make_customer(cast.rep_a)
        duplicate = make_customer(cast.rep_a)
        log_activities(cast.rep_a, duplicate, n)
        make_opportunity(cast.rep_a, duplicate)
        with CaptureQueriesContext(connection) as queries:
            customer_merge(actor=cast.rep_a.user, survivor=survivor, duplicate=duplicate)
        assert Activity.objects.filter(customer=survivor).count() == n
        return len(queries)

    assert merge_with(2) == merge_with(40)


def test_a_rep_cannot_merge_a_customer_outside_their_scope(cast):
    mine = make_customer(cast.rep_a)
    theirs = make_customer(cast.rep_b)
    with pytest.raises(Http404):
        customer_merge(actor=cast.rep_a.user, survivor=mine, duplicate=theirs)
    with pytest.raises(Http404):
        customer_merge(actor=cast.rep_a.user, survivor=theirs, duplicate=mine)
    assert not Customer.all_objects.get(pk=theirs.pk).is_deleted


def test_merging_needs_the_capability(cast):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_a)
    # The customer-service agent may not enter customers, so may not merge them either.
    with pytest.raises(PermissionDeniedError):
        customer_merge(actor=cast.agent.user, survivor=a, duplicate=b)


def test_a_collaborator_may_not_merge_but_the_team_lead_may(cast):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_a2)
    services.customer_add_collaborator(actor=cast.rep_a2.user, customer=b, person=cast.rep_a.person)
    with pytest.raises(PermissionDeniedError):
        customer_merge(actor=cast.rep_a.user, survivor=a, duplicate=b)
    result = customer_merge(actor=cast.lead_a.user, survivor=a, duplicate=b)
    assert result.survivor.owner_id == cast.rep_a.pk
    # rep_a2 owned the duplicate: they now work on the survivor.
    assert services.scope_queryset(Customer.objects.filter(pk=a.pk), cast.rep_a2.user).exists()


def test_a_stale_version_is_refused_and_nothing_changes(cast):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_a)
    log_activities(cast.rep_a, b, 1)
    services.customer_update(actor=cast.rep_a.user, customer=b, notes="someone else edited")
    with pytest.raises(ConflictError):
        customer_merge(
            actor=cast.rep_a.user, survivor=a, duplicate=b, survivor_version=1, duplicate_version=1
        )
    assert not Customer.all_objects.get(pk=b.pk).is_deleted
    assert Activity.objects.filter(customer=b).count() == 1


def test_unknown_fields_and_merging_with_itself_are_refused(cast):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_a)
    with pytest.raises(ApplicationError) as exc:
        customer_merge(actor=cast.rep_a.user, survivor=a, duplicate=b, take_from_duplicate=["owner"])
    assert exc.value.code == "invalid"
    with pytest.raises(ApplicationError):
        customer_merge(actor=cast.rep_a.user, survivor=a, duplicate=a)


def test_taking_the_duplicates_phone_frees_it_first(cast):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_a, phone="0571-88886666")
    customer_merge(actor=cast.rep_a.user, survivor=a, duplicate=b, take_from_duplicate=["phone", "name"])
    a = Customer.objects.get(pk=a.pk)
    assert (a.phone, a.phone_key, a.name) == ("0571-88886666", "057188886666", b.name)


def test_a_merged_customer_cannot_be_restored(cast):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_a)
    customer_merge(actor=cast.rep_a.user, survivor=a, duplicate=b)
    with pytest.raises(ApplicationError) as exc:
        services.customer_restore(actor=cast.director.user, record=Customer.all_objects.get(pk=b.pk))
    assert exc.value.code == "merged"
    assert a.name in exc.value.message


def test_the_merge_is_one_transaction(cast, monkeypatch):
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_a)
    log_activities(cast.rep_a, b, 2)

    def boom(**kwargs):
        raise ApplicationError("boom")

    monkeypatch.setattr("salescore.customers.merge._leads", boom)
    with pytest.raises(ApplicationError):
        customer_merge(actor=cast.rep_a.user, survivor=a, duplicate=b)
    assert Activity.objects.filter(customer=b).count() == 2
    assert not AuditLog.objects.filter(changes__has_key="merged_from").exists()


# -- the API -----------------------------------------------------------------------------------

JSON = "application/json"


def test_api_merge(cast, api_as, pair):
    survivor, duplicate = pair
    log_activities(cast.rep_a, duplicate, 2)
    client = api_as(cast.rep_a)
    url = f"/api/v1/customers/{survivor.pk}/merge"

    stale = client.post(url, {"duplicate_id": duplicate.pk, "version": 99}, content_type=JSON)
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"

    bad = client.post(
        url, {"duplicate_id": duplicate.pk, "version": 1, "take_from_duplicate": ["owner"]}, content_type=JSON
    )
    assert bad.status_code == 422 and "take_from_duplicate.0" in bad.json()["fields"]

    response = client.post(
        url,
        {"duplicate_id": duplicate.pk, "take_from_duplicate": ["industry"], "version": survivor.version},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["merged_id"] == duplicate.pk and body["moved"]["activities"] == 2
    assert body["customer"]["industry"] == "electronics" and body["customer"]["tier"] == "A"
    # The duplicate is gone from the API.
    assert client.get(f"/api/v1/customers/{duplicate.pk}").status_code == 404


def test_api_merge_scope_and_capability(cast, api_as):
    mine = make_customer(cast.rep_a)
    other_mine = make_customer(cast.rep_a)
    theirs = make_customer(cast.rep_b)
    rep = api_as(cast.rep_a)
    # Someone else's customer as the survivor: 404; as the duplicate: points nowhere (400).
    outside = rep.post(
        f"/api/v1/customers/{theirs.pk}/merge", {"duplicate_id": mine.pk, "version": 1}, content_type=JSON
    )
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    hidden = rep.post(
        f"/api/v1/customers/{mine.pk}/merge", {"duplicate_id": theirs.pk, "version": 1}, content_type=JSON
    )
    assert hidden.status_code == 400 and hidden.json()["code"] == "invalid_reference"
    assert list(hidden.json()["fields"]) == ["duplicate_id"]
    # Customer Service sees every customer but may not enter them, so may not merge them.
    agent = api_as(cast.agent).post(
        f"/api/v1/customers/{mine.pk}/merge", {"duplicate_id": other_mine.pk, "version": 1}, content_type=JSON
    )
    assert agent.status_code == 403 and agent.json()["code"] == "permission_denied"
    assert not Customer.all_objects.get(pk=other_mine.pk).is_deleted
