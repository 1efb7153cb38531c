"""List pages and list APIs of the organisation run a fixed number of queries, however many rows.

Each test measures a list with the cast, adds 30 people with regions and managers, and requires the
same count again: any per-row query (an N+1) would grow with the rows.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescore.org.models import Region
from salescore.org.tests.factories import PersonFactory, TeamFactory

# (url, viewer, budget). Measured when written: 8 per people page, 5 for /org/, 5 for the people
# API, 4 for the units API. The budget leaves a little room and catches a fixed but wasteful list.
ENDPOINTS = [
    ("/people/", "director", 10),
    ("/people/", "head", 10),
    ("/people/?q=example.com&order=unit", "lead_a", 10),
    ("/org/", "director", 7),
    ("/api/v1/people?limit=100", "director", 6),
    ("/api/v1/people?limit=100", "head", 6),
    ("/api/v1/org/units?limit=100", "director", 5),
]


def _grow(cast, n: int = 30) -> None:
    """n more people in the sales teams, each with a manager and two regions, and a few more units."""
    regions = list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")[:10])
    teams = [(cast.team_a, cast.lead_a.person), (cast.team_b, cast.lead_b.person)]
    for i in range(n):
        team, lead = teams[i % 2]
        PersonFactory(org_unit=team, manager=lead, regions=[regions[i % 10], regions[(i + 1) % 10]])
    for _ in range(5):
        TeamFactory(parent=cast.sales_management)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx)


@pytest.mark.parametrize(("url", "viewer", "budget"), ENDPOINTS)
def test_list_runs_a_fixed_number_of_queries(
    cast, client_as, api_as, django_assert_num_queries, django_assert_max_num_queries, url, viewer, budget
):
    member = getattr(cast, viewer)
    client = api_as(member) if url.startswith("/api/") else client_as(member)
    client.get(url)  # a token records its first use once; measure the steady state

    # given the cast only
    small = _queries(client, url)

    # when 30 more people (with regions and managers) and 5 more units exist
    _grow(cast)

    # then the same page costs the same number of queries, within the budget
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    with django_assert_max_num_queries(budget):
        client.get(url)
    # and it really lists more rows now, so the count was not flat by accident
    if "people" in url and viewer != "lead_a":
        body = response.json() if url.startswith("/api/") else None
        count = body["count"] if body else response.context["page"].count
        assert count >= 30
