"""The lead list export: the list's filter, the user's scope, contact data only with its capability,
a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import load_workbook

from salescore.leads.tests.factories import make_lead


def _csv(response) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_export_follows_the_filter_and_scope(cast, client_as):
    make_lead(cast.director, owner=cast.rep_a.person, name="甲", channel="phone")
    make_lead(cast.director, owner=cast.rep_a.person, name="乙", channel="email", email="b@example.com")
    make_lead(cast.director, owner=cast.rep_b.person, name="丙", channel="phone")
    lines = _csv(client_as(cast.lead_a).get(reverse("leads:export") + "?channel=phone"))
    assert len(lines) == 2 and "甲" in lines[1]
    lines = _csv(client_as(cast.director).get(reverse("leads:export")))
    assert len(lines) == 4


def test_contact_columns_need_the_contact_export_capability(cast, client_as):
    make_lead(cast.director, owner=cast.rep_a.person, name="甲", phone="13911112222")
    director = _csv(client_as(cast.director).get(reverse("leads:export"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Phone" in director[0] and "13911112222" in director[1]
    lead = _csv(client_as(cast.lead_a).get(reverse("leads:export"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Phone" not in lead[0] and "13911112222" not in lead[1]


def test_reps_may_not_export_lists(cast, client_as):
    assert client_as(cast.rep_a).get(reverse("leads:export")).status_code == 403


def test_xlsx_export(cast, client_as):
    make_lead(cast.director, owner=cast.rep_a.person, name="甲")
    response = client_as(cast.director).get(reverse("leads:export") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 2 and sheet.cell(2, 2).value == "甲"


def test_export_query_count_is_fixed(cast, client_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(cast.director)
    make_lead(cast.director, owner=cast.rep_a.person)
    with CaptureQueriesContext(connection) as few:
        b"".join(client.get(reverse("leads:export")).streaming_content)
    for _n in range(5):
        make_lead(cast.director, owner=cast.rep_b.person)
    with django_assert_max_num_queries(len(few.captured_queries)):
        b"".join(client.get(reverse("leads:export") + "?format=xlsx").streaming_content)
