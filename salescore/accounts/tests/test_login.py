"""Signing in: lockout after repeated failures, unlocking, and the password policy."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from salescore.accounts.models import User
from salescore.core.models import AuditAction, AuditLog
from salescore.core.testing import PASSWORD
from salescore.org import services

SHANGHAI = ZoneInfo("Asia/Shanghai")
WRONG = "Not-The-Password-1"
NOON = dt.datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def browser(db) -> Client:
    client = Client()
    client.cookies["salescore_language"] = "en"
    return client


def _login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        response = _login(client, username, WRONG)
        assert response.status_code == 200


def _user(member) -> User:
    return User.objects.get(pk=member.user.pk)


def test_login_page_renders(browser):
    response = browser.get("/accounts/login/")
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_right_password_signs_in(cast, browser):
    response = _login(browser, "rep_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert browser.get("/people/").status_code == 200
    row = AuditLog.objects.filter(action=AuditAction.LOGIN).latest("id")
    assert (row.actor_id, row.origin) == (cast.rep_a.user.pk, "web")


def test_username_is_not_case_sensitive(cast, browser):
    assert _login(browser, "  REP_A ", PASSWORD).status_code == 302


@pytest.mark.parametrize("username", ["rep_a", "no_such_user"])
def test_wrong_password_or_unknown_user_get_the_same_message(cast, browser, username):
    response = _login(browser, username, WRONG)
    assert response.status_code == 200
    assert "The username or password is not correct." in response.content.decode()
    assert "_auth_user_id" not in browser.session


def test_failures_are_counted_and_audited(cast, browser):
    _fail(browser, "rep_a", 2)
    assert _user(cast.rep_a).failed_logins == 2
    rows = AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, object_id=cast.rep_a.user.pk)
    assert rows.count() == 2
    assert rows.first().actor_id is None  # nobody proved who they are


def test_a_success_resets_the_count(cast, browser):
    _fail(browser, "rep_a", settings.LOGIN_MAX_FAILURES - 1)
    assert _login(browser, "rep_a", PASSWORD).status_code == 302
    assert _user(cast.rep_a).failed_logins == 0

    # so another run of failures, one short of the limit, does not lock
    other = Client()
    _fail(other, "rep_a", settings.LOGIN_MAX_FAILURES - 1)
    assert not _user(cast.rep_a).is_locked


def test_lockout_after_too_many_failures(cast, browser):
    # given the rep mistypes their password LOGIN_MAX_FAILURES times at noon
    with time_machine.travel(NOON, tick=False):
        _fail(browser, "rep_a", settings.LOGIN_MAX_FAILURES)

        # then the account is locked until LOGIN_LOCKOUT_MINUTES later
        user = _user(cast.rep_a)
        until = NOON + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        assert user.locked_until == until
        assert AuditLog.objects.filter(action=AuditAction.LOCKED, object_id=user.pk).count() == 1

        # and even the right password is refused, saying when to try again (local time)
        response = _login(browser, "rep_a", PASSWORD)
        assert response.status_code == 200
        html = response.content.decode()
        assert "This account is locked" in html
        assert until.astimezone(SHANGHAI).strftime("%H:%M") in html
        assert "_auth_user_id" not in browser.session


def test_lock_expires_with_time(cast, browser):
    with time_machine.travel(NOON, tick=False):
        _fail(browser, "rep_a", settings.LOGIN_MAX_FAILURES)
    # one minute before the end it is still locked
    with time_machine.travel(NOON + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES - 1), tick=False):
        assert _login(browser, "rep_a", PASSWORD).status_code == 200
    # after the end, the right password works
    with time_machine.travel(
        NOON + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1), tick=False
    ):
        assert _login(browser, "rep_a", PASSWORD).status_code == 302


def test_lockout_limit_comes_from_settings(cast, browser, settings):
    settings.LOGIN_MAX_FAILURES = 2
    _fail(browser, "rep_b", 2)
    assert _user(cast.rep_b).is_locked


def test_an_administrator_unlocks(cast, browser, client_as):
    # given rep_a is locked
    _fail(browser, "rep_a", settings.LOGIN_MAX_FAILURES)
    assert _user(cast.rep_a).is_locked

    # when the admin unlocks them from their profile
    admin = client_as(cast.admin)
    assert (
        "Unlock login" in admin.get(f"/people/{cast.rep_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    response = admin.post(f"/people/{cast.rep_a.pk}/unlock/")
    assert response.status_code == 302

    # then the lock is gone, audited, and the right password works at once
    user = _user(cast.rep_a)
    assert user.locked_until is None and user.failed_logins == 0
    row = AuditLog.objects.filter(action=AuditAction.UNLOCKED).latest("id")
    assert (row.object_id, row.actor_id) == (user.pk, cast.admin.user.pk)
    assert _login(browser, "rep_a", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("name", "status"), [("director", 403), ("lead_a", 403), ("lead_b", 404), ("rep_a2", 404)]
)
def test_only_administrators_unlock(cast, browser, client_as, name, status):
    _fail(browser, "rep_a", settings.LOGIN_MAX_FAILURES)
    response = client_as(getattr(cast, name)).post(f"/people/{cast.rep_a.pk}/unlock/")
    assert response.status_code == status
    assert _user(cast.rep_a).is_locked


def test_a_person_who_left_cannot_sign_in(cast, browser):
    services.person_update(actor=cast.admin.user, person=cast.rep_b.person, status="left")
    response = _login(browser, "rep_b", PASSWORD)
    assert response.status_code == 200
    assert "The username or password is not correct." in response.content.decode()


# -- password policy ---------------------------------------------------------------------------------

WEAK = [
    ("Ab1!", "at least 10 characters"),
    ("abcdefghijkl", "letters and at least one digit or symbol"),
    ("38295710462", "entirely numeric"),
    ("password123", "too common"),
]


def _person_form(cast, password: str) -> dict:
    return {
        "username": "newhire",
        "password": password,
        "employee_no": "P100",
        "name": "新员工",
        "position": "rep",
        "org_unit": cast.team_a.pk,
        "hire_date": "2026-03-01",
        "status": "active",
    }


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_policy_on_person_creation(cast, client_as, password, reason):
    client = client_as(cast.admin)
    client.cookies["salescore_language"] = "en"
    response = client.post("/people/new/", _person_form(cast, password))
    assert response.status_code == 200
    html = response.content.decode()
    # the reason is shown beside the password field
    assert 'id="id_password_error"' in html
    assert reason in html.split('id="id_password_error"', 1)[1].split("</div>", 1)[0]
    assert not User.objects.filter(username="newhire").exists()


def test_a_strong_password_is_accepted_on_creation(cast, client_as, browser):
    response = client_as(cast.admin).post("/people/new/", _person_form(cast, "Strong-Hire-2026"))
    assert response.status_code == 302
    assert _login(browser, "newhire", "Strong-Hire-2026").status_code == 302


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_policy_on_password_change(cast, client_as, password, reason):
    client = client_as(cast.rep_a)
    client.cookies["salescore_language"] = "en"
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert _user(cast.rep_a).check_password(PASSWORD)


def test_password_change(cast, client_as, browser):
    client = client_as(cast.rep_a)
    new = "Changed-Pass-2027"
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert client.get("/people/").status_code == 200  # still signed in
    assert _login(browser, "rep_a", PASSWORD).status_code == 200
    assert _login(browser, "rep_a", new).status_code == 302


def test_password_change_needs_the_old_password(cast, client_as):
    client = client_as(cast.rep_a)
    response = client.post(
        "/accounts/password/",
        {"old_password": WRONG, "new_password1": "Changed-Pass-2027", "new_password2": "Changed-Pass-2027"},
    )
    assert response.status_code == 200
    assert _user(cast.rep_a).check_password(PASSWORD)
