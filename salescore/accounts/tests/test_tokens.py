"""Personal API tokens: shown once, stored hashed, refused when revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from salescore.accounts.models import ApiToken, User
from salescore.accounts.services import api_token_create, api_token_revoke
from salescore.core.errors import ApplicationError
from salescore.core.models import AuditAction, AuditLog

JSON = "application/json"


def _bearer(plain: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def _all_database_text() -> str:
    """Every text value in every table, to prove a secret is stored nowhere."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608  (table names come from the schema)
            chunks.extend(str(value) for row in cursor.fetchall() for value in row if value is not None)
    return "\n".join(chunks)


def test_token_is_stored_as_a_hash_only(cast):
    token, plain = api_token_create(user=cast.rep_a.user, name="nightly sync")

    assert plain.startswith(f"sc_{token.prefix}_")
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    secret = plain.split("_", 2)[2]
    stored = _all_database_text()
    assert plain not in stored
    assert secret not in stored
    # the audit trail names the token by its prefix, not its secret
    row = AuditLog.objects.filter(action=AuditAction.TOKEN_CREATED).latest("id")
    assert token.prefix in json.dumps(row.changes)


def test_token_is_shown_once_through_the_api(cast, client_as):
    client = client_as(cast.rep_a)
    created = client.post("/api/v1/tokens", {"name": "laptop", "expires_in_days": 30}, content_type=JSON)
    assert created.status_code == 201
    plain = created.json()["token"]
    assert _bearer(plain).get("/api/v1/me").json()["username"] == "rep_a"

    listed = client.get("/api/v1/tokens").json()["items"]
    assert [t["name"] for t in listed] == ["laptop"]
    assert "token" not in listed[0]
    assert plain not in client.get("/api/v1/tokens").content.decode()


def test_token_is_shown_once_on_the_page(cast, client_as):
    client = client_as(cast.rep_a)
    response = client.post("/accounts/tokens/", {"name": "excel"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=cast.rep_a.user, name="excel")
    html = response.content.decode()
    assert 'data-testid="new-token"' in html
    plain = html.split('data-testid="new-token">', 1)[1].split("<", 1)[0]
    assert plain.startswith(f"sc_{token.prefix}_")

    # when the page is opened again, only the prefix is there
    html = client.get("/accounts/tokens/").content.decode()
    assert plain not in html
    assert f"sc_{token.prefix}" in html


def test_revoked_token_is_refused(cast, client_as):
    token, plain = api_token_create(user=cast.lead_a.user, name="script")
    api = _bearer(plain)
    assert api.get("/api/v1/people").status_code == 200

    # when the owner revokes it on the page
    assert client_as(cast.lead_a).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302

    # then it no longer works, and the answer is the usual 401 shape
    response = api.get("/api/v1/people")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKED, object_id=cast.lead_a.user.pk).exists()


def test_revoke_through_the_api_and_only_your_own(cast, api_as):
    token, plain = api_token_create(user=cast.rep_b.user, name="mine")
    # another user cannot even see it
    response = api_as(cast.director).delete(f"/api/v1/tokens/{token.pk}")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None

    assert _bearer(plain).delete(f"/api/v1/tokens/{token.pk}").status_code == 204
    assert _bearer(plain).get("/api/v1/me").status_code == 401


def test_expired_token_is_refused(cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _token, plain = api_token_create(user=cast.rep_a.user, name="short", expires_in_days=1)
        assert _bearer(plain).get("/api/v1/me").status_code == 200
    with time_machine.travel(start + dt.timedelta(days=1, seconds=1), tick=False):
        response = _bearer(plain).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_token_of_a_closed_login_is_refused(cast):
    _token, plain = api_token_create(user=cast.rep_a.user, name="left")
    User.objects.filter(pk=cast.rep_a.user.pk).update(is_active=False)
    assert _bearer(plain).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer ", "Bearer sc_", "Bearer sc_deadbeef_forged", "Bearer something-else", "Basic cmVwX2E6eA=="],
)
def test_malformed_or_forged_tokens_are_refused(cast, header):
    api_token_create(user=cast.rep_a.user, name="real")
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
    assert response.status_code == 401


def test_token_with_the_right_prefix_and_a_wrong_secret_is_refused(cast):
    token, plain = api_token_create(user=cast.rep_a.user, name="real")
    forged = f"sc_{token.prefix}_{'x' * 43}"
    assert forged != plain
    assert _bearer(forged).get("/api/v1/me").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        token, plain = api_token_create(user=cast.rep_a.user, name="busy")
        _bearer(plain).get("/api/v1/me")
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        assert first == start
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        _bearer(plain).get("/api/v1/me")
        assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        _bearer(plain).get("/api/v1/me")
        assert ApiToken.objects.get(pk=token.pk).last_used_at > first


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"name": " "}, "name"), ({"name": "x" * 101}, "name"), ({"expires_in_days": 0}, "expires_in_days")],
)
def test_token_input_is_checked(cast, kwargs, field):
    values = {"user": cast.rep_a.user, "name": "ok", **kwargs}
    with pytest.raises(ApplicationError) as caught:
        api_token_create(**values)
    assert field in caught.value.fields
    assert not ApiToken.objects.exists()


def test_revoking_twice_writes_one_audit_row(cast):
    token, _plain = api_token_create(user=cast.rep_a.user, name="once")
    api_token_revoke(token=token, actor=cast.rep_a.user)
    api_token_revoke(token=token, actor=cast.rep_a.user)
    assert AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1
