"""A rep sees their own records and the ones shared with them: one rule for every kind of record."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.http import Http404

from salescore.core.models import AuditLog, RecordShare
from salescore.core.permissions import scope_queryset
from salescore.core.services import record_share, record_unshare
from salescore.org.models import Person


def visible_ids(member):
    return set(scope_queryset(Person.objects.all(), member.user).values_list("pk", flat=True))


def test_shared_record_becomes_visible_to_that_person_only(cast, client_as, api_as):
    # Given rep_b's record, which rep_a (another team) cannot see
    assert cast.rep_b.pk not in visible_ids(cast.rep_a)
    assert client_as(cast.rep_a).get(f"/people/{cast.rep_b.pk}/").status_code == 404

    # When rep_b's team lead shares it with rep_a
    assert record_share(actor=cast.lead_b.user, record=cast.rep_b.person, person=cast.rep_a.person)

    # Then rep_a sees it on the page, in the list and through the API; rep_a2 still does not
    assert cast.rep_b.pk in visible_ids(cast.rep_a)
    assert client_as(cast.rep_a).get(f"/people/{cast.rep_b.pk}/").status_code == 200
    assert api_as(cast.rep_a).get(f"/api/v1/people/{cast.rep_b.pk}").status_code == 200
    listed = {p["id"] for p in api_as(cast.rep_a).get("/api/v1/people").json()["items"]}
    assert listed == {cast.rep_a.pk, cast.rep_b.pk}
    assert cast.rep_b.pk not in visible_ids(cast.rep_a2)

    # And the grant is in the record's history
    last = AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Person), object_id=cast.rep_b.pk
    ).first()
    assert last.changes["shared_with"]["new"] == cast.rep_a.pk
    assert last.actor_id == cast.lead_b.user.pk


def test_sharing_twice_is_one_grant(cast):
    assert record_share(actor=cast.lead_b.user, record=cast.rep_b.person, person=cast.rep_a.person)
    assert not record_share(actor=cast.lead_b.user, record=cast.rep_b.person, person=cast.rep_a.person)
    assert RecordShare.objects.count() == 1


def test_unshare_hides_it_again(cast, client_as):
    record_share(actor=cast.director.user, record=cast.rep_b.person, person=cast.rep_a.person)
    assert record_unshare(actor=cast.director.user, record=cast.rep_b.person, person=cast.rep_a.person)
    assert client_as(cast.rep_a).get(f"/people/{cast.rep_b.pk}/").status_code == 404
    assert not record_unshare(actor=cast.director.user, record=cast.rep_b.person, person=cast.rep_a.person)


def test_only_those_who_see_a_record_by_scope_may_share_it(cast):
    # rep_a cannot share rep_b's record: it does not exist for them
    with pytest.raises(Http404):
        record_share(actor=cast.rep_a.user, record=cast.rep_b.person, person=cast.rep_a2.person)
    # a person who received a share cannot pass it on
    record_share(actor=cast.lead_b.user, record=cast.rep_b.person, person=cast.rep_a.person)
    with pytest.raises(Http404):
        record_share(actor=cast.rep_a.user, record=cast.rep_b.person, person=cast.rep_a2.person)


def test_every_way_of_seeing_a_customer_at_once(cast):
    """Own, pool and shared customers are each visible to a rep, through one indexable condition
    per way (decision 0012), and a team lead sees the team's, whatever the database."""
    from django.db import connection

    from salescore.customers.models import Customer
    from salescore.pipeline.tests.factories import make_customer

    own = make_customer(cast.rep_a)
    teammate = make_customer(cast.rep_a2)
    other_team = make_customer(cast.rep_b)
    shared = make_customer(cast.rep_b)
    record_share(actor=cast.lead_b.user, record=shared, person=cast.rep_a.person)
    pool = make_customer(cast.rep_b)
    Customer.all_objects.filter(pk=pool.pk).update(owner=None)

    def seen(member, **flags):
        rows = scope_queryset(Customer.objects.all(), member.user, **flags)
        return set(rows.values_list("pk", flat=True)), str(rows.query)

    ids, sql = seen(cast.rep_a)
    assert ids == {own.pk, shared.pk, pool.pk}
    assert ("= ANY(ARRAY(" in sql) == (connection.vendor == "postgresql")
    assert seen(cast.rep_a, include_shared=False)[0] == {own.pk, pool.pk}
    assert seen(cast.lead_a)[0] >= {own.pk, teammate.pk, pool.pk}
    assert other_team.pk not in seen(cast.lead_a)[0] and shared.pk not in seen(cast.lead_a)[0]
    # A capped count and a page of the same scope agree.
    rows = scope_queryset(Customer.objects.filter(owner__isnull=False), cast.rep_a.user)
    assert rows.count() == len(rows.order_by("-updated_at", "-id")[:25]) == 2


def test_owner_scope_splits_every_way_of_seeing_into_owned_and_the_rest(cast):
    """Figures kept per owner add up over ``owner_scope``: its owners' records plus the others it
    opens are exactly the records ``scope_queryset`` gives, and the two parts never overlap."""
    from salescore.core.permissions import owner_scope
    from salescore.customers.models import Customer
    from salescore.pipeline.tests.factories import make_customer

    make_customer(cast.rep_a)
    make_customer(cast.rep_a2)
    make_customer(cast.rep_b)
    shared = make_customer(cast.rep_b)
    record_share(actor=cast.lead_b.user, record=shared, person=cast.rep_a.person)
    pool = make_customer(cast.rep_b)
    Customer.all_objects.filter(pk=pool.pk).update(owner=None)
    everyone = set(Customer.objects.values_list("pk", flat=True))
    names = ("rep_a", "rep_a2", "rep_b", "lead_a", "lead_b", "head", "director", "agent", "clerk", "analyst")
    for name in names:
        user = getattr(cast, name).user
        seen = set(scope_queryset(Customer.objects.all(), user).values_list("pk", flat=True))
        scope = owner_scope(Customer, user)
        if scope.everything:
            assert seen == everyone, name
            continue
        owned = set(Customer.objects.filter(owner__in=scope.owners).values_list("pk", flat=True))
        others = (
            set(Customer.objects.filter(scope.others).values_list("pk", flat=True)) if scope.others else set()
        )
        assert owned | others == seen and not owned & others, name
    assert owner_scope(Customer, cast.rep_a.user).others is not None  # the pool and the share
