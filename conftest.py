"""Shared fixtures: the cast, logged-in clients, API clients; CI treats a skip as a failure."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from salescore.core.testing import build_cast


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def cast_reseeded(transactional_db):
    """The cast for a transactional test (PostgreSQL concurrency), after putting back the seeded
    rows an earlier transactional test emptied."""
    from salescore.core.testing import build_cast_reseeded

    return build_cast_reseeded()


@pytest.fixture
def client_as(db):
    """client_as(member_or_user) -> a Client logged in as them."""

    def make(who, **headers):
        user = getattr(who, "user", who)
        client = Client(**headers)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_as(db):
    """api_as(member) -> a Client that sends a personal API token as its Authorization header."""
    from salescore.accounts.services import api_token_create

    def make(who):
        user = getattr(who, "user", who)
        _token, plain = api_token_create(user=user, name="tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")

    return make


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: something the suite should check was not checked."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"CI: {skipped} test(s) skipped; in CI a skip counts as a failure.", red=True)
        session.exitstatus = 1
