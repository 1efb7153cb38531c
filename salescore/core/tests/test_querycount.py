"""The benchmark's query-count headers: present and exact with SALESCORE_BENCH on, absent by default."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

QUERYCOUNT = "salescore.core.querycount.QueryCountMiddleware"


def three_queries(request):
    users = get_user_model().objects
    users.count()
    users.filter(is_active=True).exists()
    list(users.values_list("pk", flat=True)[:5])
    return HttpResponse("ok")


def no_query(request):
    return HttpResponse("ok")


def whoami(request):
    return HttpResponse(request.user.get_username())


urlpatterns = [path("three/", three_queries), path("none/", no_query), path("whoami/", whoami)]

# Only the query counter: session and user middlewares would add their own queries.
BENCH = override_settings(ROOT_URLCONF=__name__, SALESCORE_BENCH=True, MIDDLEWARE=[QUERYCOUNT])


@pytest.mark.django_db
def test_headers_count_the_queries_of_the_request(client):
    with BENCH:
        response = client.get("/three/")

    assert response.status_code == 200
    assert response["X-SQL-Queries"] == "3"
    assert float(response["X-SQL-Time-ms"]) >= 0
    assert response["Server-Timing"].startswith("db;dur=")
    assert 'desc="3 SQL queries"' in response["Server-Timing"]
    assert ", app;dur=" in response["Server-Timing"]


@pytest.mark.django_db
def test_a_view_without_queries_reports_zero(client):
    with BENCH:
        response = client.get("/none/")

    assert response["X-SQL-Queries"] == "0"
    assert response["X-SQL-Time-ms"] == "0.00"


@pytest.mark.django_db
def test_each_request_counts_only_its_own_queries(client):
    with BENCH:
        first = client.get("/three/")
        second = client.get("/three/")

    assert first["X-SQL-Queries"] == second["X-SQL-Queries"] == "3"


@pytest.mark.django_db
def test_the_whole_chain_counts_when_it_comes_first(client):
    """Placed first, as settings put it, the session and user middlewares' queries count too."""
    user = get_user_model().objects.create_user(username="counted", password="Counted-2026!")
    client.force_login(user)
    middleware = [QUERYCOUNT, *settings.MIDDLEWARE]
    with override_settings(ROOT_URLCONF=__name__, SALESCORE_BENCH=True, MIDDLEWARE=middleware):
        response = client.get("/whoami/")

    assert response.content == b"counted"
    assert response["X-SQL-Queries"] == "2"  # the session row, then the user


@pytest.mark.django_db
def test_off_by_default(client):
    assert settings.SALESCORE_BENCH is False
    assert QUERYCOUNT not in settings.MIDDLEWARE

    response = client.get("/healthz")

    assert "X-SQL-Queries" not in response
    assert "Server-Timing" not in response


@pytest.mark.django_db
def test_listed_but_switched_off_it_steps_aside(client):
    with override_settings(ROOT_URLCONF=__name__, SALESCORE_BENCH=False, MIDDLEWARE=[QUERYCOUNT]):
        response = client.get("/three/")

    assert response.status_code == 200
    assert "X-SQL-Queries" not in response
