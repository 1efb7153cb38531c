"""The opportunity and activity lists render the same HTML as before their rows were worked out in
Python (core/tests/legacy_templates: the tables as they were), for a rep and the director, in both
languages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from salescore.core.tests.legacy import assert_same_as_legacy
from salescore.pipeline.models import Activity, Opportunity, Stage
from salescore.pipeline.tests.factories import make_contact, make_customer, make_opportunity
from salescore.pipeline.tests.test_views import log


@pytest.fixture
def varied(cast):
    ours = make_customer(cast.rep_a, name="Ann & <Bob> 有限公司")
    theirs = make_customer(cast.rep_b)
    won = make_opportunity(cast.rep_a, ours, name="<won>", amount=Decimal("1234567.89"))
    lost = make_opportunity(cast.rep_a, ours, amount=Decimal("5.5"), currency="USD")
    make_opportunity(cast.rep_a, ours, expected_close_date=dt.date(2027, 1, 9), amount=Decimal("0"))
    make_opportunity(cast.rep_b, theirs)
    Opportunity.objects.filter(pk=won.pk).update(stage=Stage.objects.filter(is_won=True).first())
    Opportunity.objects.filter(pk=lost.pk).update(stage=Stage.objects.filter(is_lost=True).first())

    contact = make_contact(cast.rep_a, ours, name="林经理 <x>")
    today = timezone.localdate()
    log(cast.rep_a, ours, channel="visit", location="厦门 & 泉州", opportunity=won, contact=contact)
    log(cast.rep_a, ours, channel="visit", next_step="报价", next_step_due=today)
    log(cast.rep_a, ours, next_step="回访", next_step_due=today + dt.timedelta(days=3))
    log(cast.rep_a, ours, next_step="寄样", next_step_due=today - dt.timedelta(days=3))
    done = log(cast.rep_a, ours, next_step="签约", next_step_due=today - dt.timedelta(days=1))
    Activity.objects.filter(pk=done.pk).update(next_step_done=True)
    log(cast.rep_a, ours, channel="email", next_step="无期限")
    log(cast.rep_b, theirs, next_step="别人的", next_step_due=today)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["rep_a", "director"])
@pytest.mark.parametrize(
    "url",
    [
        "/pipeline/opportunities/",
        "/pipeline/opportunities/?page_size=2&page=2",
        "/pipeline/opportunities/?q=nothing-matches",
        "/activities/",
        "/activities/?followups=on",
        "/activities/?page_size=3&page=2",
        "/activities/?q=nothing-matches",
    ],
)
def test_lists_render_as_before(cast, client_as, varied, who, language, url):
    client = client_as(getattr(cast, who))
    client.cookies["salescore_language"] = language
    html = assert_same_as_legacy(client, url)
    assert "<table" in html


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("/pipeline/opportunities/", ["text-bg-success", "text-bg-secondary", "text-bg-primary", "—"]),
        (
            "/activities/",
            [
                "text-danger fw-semibold",
                "data-confirm",
                "bi-geo-alt",
                "followup-done",
                "text-bg-success",
                "林经理",
            ],
        ),
    ],
)
def test_table_fragments_render_as_before(cast, client_as, varied, url, shown):
    html = assert_same_as_legacy(client_as(cast.rep_a), url, HTTP_HX_REQUEST="true")
    assert "&lt;" in html
    for text in shown:  # every kind of cell is on the page compared
        assert text in html, text
