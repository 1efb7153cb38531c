"""The signed-in user is read once per request with what every page needs of them: their person
and unit (their access) and their unread notifications (the bell)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.accounts.backends import LockoutModelBackend
from salescore.core.notifications import notify
from salescore.core.permissions import Scope, access_for
from salescore.org.models import Person


def test_the_user_comes_with_their_person_unit_and_unread_count(cast):
    notify(users=[cast.rep_a.user], kind="test", title="一", email=False)
    notify(users=[cast.rep_a.user], kind="test", title="二", email=False)
    with CaptureQueriesContext(connection) as captured:
        user = LockoutModelBackend().get_user(cast.rep_a.user.pk)
        access = access_for(user)
        name = user.person.org_unit.display_name
    assert len(captured) == 1
    assert user.unread_notifications == 2
    assert access.person_id == cast.rep_a.pk and access.scope == Scope.OWN
    assert name == cast.rep_a.person.org_unit.display_name


def test_a_person_who_left_or_was_deleted_gives_no_access(cast):
    Person.all_objects.filter(pk=cast.rep_a.pk).update(status=Person.Status.LEFT)
    assert access_for(LockoutModelBackend().get_user(cast.rep_a.user.pk)).person_id is None
    Person.all_objects.filter(pk=cast.rep_a.pk).update(status=Person.Status.ACTIVE, deleted_at=timezone.now())
    access = access_for(LockoutModelBackend().get_user(cast.rep_a.user.pk))
    assert access.person_id is None and not access.capabilities


def test_a_page_costs_two_queries_before_its_own(cast, client_as):
    client = client_as(cast.rep_a)
    client.get("/inbox/")  # warm up
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/inbox/")
    assert response.status_code == 200
    tables = " ".join(q["sql"] for q in captured.captured_queries[:2])
    assert "django_session" in tables and "accounts_user" in tables
    assert not any('FROM "org_person"' in q["sql"] for q in captured.captured_queries[2:])
