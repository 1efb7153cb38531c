"""Opportunity and activity list exports: the list's filter and scope, fixed query counts."""

from __future__ import annotations

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from salescore.pipeline import services
from salescore.pipeline.tests.factories import make_customer, make_opportunity


def make_activity(member, **fields):
    fields.setdefault("channel", "phone")
    fields.setdefault("subject", "跟进")
    return services.activity_log(actor=member.user, customer=make_customer(member), **fields)


def _csv(response) -> list[str]:
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_opportunity_export_is_scoped_and_filtered(cast, client_as):
    mine = make_opportunity(cast.rep_a, name="华东机会")
    make_opportunity(cast.rep_b, name="华南机会")
    lines = _csv(client_as(cast.lead_a).get(reverse("pipeline:opportunity_export")))
    assert len(lines) == 2 and "华东机会" in lines[1] and str(mine.pk) in lines[1]
    lines = _csv(client_as(cast.director).get(reverse("pipeline:opportunity_export") + "?q=华南"))
    assert len(lines) == 2 and "华南机会" in lines[1]
    assert client_as(cast.rep_a).get(reverse("pipeline:opportunity_export")).status_code == 403


def test_activity_export_xlsx(cast, client_as):
    make_activity(cast.rep_a, subject="首次拜访")
    make_activity(cast.rep_b, subject="电话回访")
    response = client_as(cast.lead_a).get(reverse("pipeline:activity_export") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    subjects = [row[8] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert subjects == ["首次拜访"]


def test_export_query_counts_do_not_grow(cast, client_as, django_assert_max_num_queries):
    client = client_as(cast.director)
    make_opportunity(cast.rep_a)
    make_activity(cast.rep_a)
    counts = {}
    for name in ("pipeline:opportunity_export", "pipeline:activity_export"):
        with CaptureQueriesContext(connection) as few:
            b"".join(client.get(reverse(name)).streaming_content)
        counts[name] = len(few.captured_queries)
    for _n in range(4):
        make_opportunity(cast.rep_b)
        make_activity(cast.rep_b)
    for name, count in counts.items():
        with django_assert_max_num_queries(count):
            b"".join(client.get(reverse(name)).streaming_content)
