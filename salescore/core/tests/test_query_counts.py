"""The audit trail's page and API run a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescore.org import services
from salescore.org.models import OrgUnit, Person, Region

# (url, budget). Measured when written: 9 for /audit/, 7 filtered, 10 for a history page, 4 for the
# API. The page resolves references in one query per kind of record referenced, not per row.
ENDPOINTS = [
    ("/audit/", 11),
    ("/audit/?model=org.person&action=update", 9),
    ("/api/v1/audit?limit=100", 5),
    ("/history/org.person/{rep_a}/", 12),
]


def _grow(cast, n: int, start: int = 0) -> None:
    """n more audit rows over people, units and regions; the people's rows point to units."""
    units = [cast.team_a, cast.team_b]
    provinces = list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code"))
    for i in range(start, start + n):
        kind = i % 3
        if kind == 0:
            person = Person.objects.get(pk=cast.rep_a.pk)
            services.person_update(actor=cast.admin.user, person=person, org_unit=units[(i // 3 + 1) % 2])
        elif kind == 1:
            unit = OrgUnit.objects.get(pk=cast.care_team.pk)
            services.org_unit_update(actor=cast.admin.user, unit=unit, sort_order=i)
        else:
            region = provinces[i % len(provinces)]
            services.region_update(actor=cast.admin.user, region=region, name_en=f"Province {i}")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx)


@pytest.mark.parametrize(("url", "budget"), ENDPOINTS)
def test_audit_lists_run_a_fixed_number_of_queries(
    cast, client_as, api_as, django_assert_num_queries, django_assert_max_num_queries, url, budget
):
    url = url.format(rep_a=cast.rep_a.pk)
    client = api_as(cast.director) if url.startswith("/api/") else client_as(cast.director)
    client.get(url)  # a token records its first use once; measure the steady state

    # given the rows the cast left behind, and one change of each kind
    _grow(cast, 3)
    small = _queries(client, url)

    # when 30 more changes are recorded
    _grow(cast, 30, start=3)

    # then the same list costs the same, within the budget, while showing more rows
    with django_assert_num_queries(small):
        response = client.get(url)
    with django_assert_max_num_queries(budget):
        client.get(url)
    shown = len(response.json()["items"]) if url.startswith("/api/") else len(response.context["rows"])
    assert shown >= 10
