"""The lead list renders the same HTML as before its rows were worked out in Python
(core/tests/legacy_templates: the table as it was), for a rep and the director, in both languages."""

from __future__ import annotations

import pytest
from django.utils import timezone

from salescore.campaigns.tests.factories import make_campaign
from salescore.core.tests.legacy import assert_same_as_legacy
from salescore.leads.models import Lead
from salescore.leads.tests.factories import make_lead
from salescore.leads.tests.test_views import book  # noqa: F401 - the fixture


@pytest.fixture
def varied(cast, book):  # noqa: F811
    campaign = make_campaign(cast.director, name="展会 <2026>")
    mine = {"owner_id": cast.rep_a.pk}
    cases = [
        {"status": Lead.Status.CONTACTED, "first_contacted_at": timezone.now()},
        {"status": Lead.Status.QUALIFIED, "campaign_id": campaign.pk},
        {"status": Lead.Status.CONVERTED, "source_detail": "官网 & 热线"},
        {"status": Lead.Status.DISQUALIFIED, "company": ""},
        {"status": Lead.Status.NEW, "region_id": None},
    ]
    for changes in cases:
        lead = make_lead(cast.agent, region="320000", name="Ann & <Bob>")
        Lead.objects.filter(pk=lead.pk).update(**mine, **changes)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["rep_a", "director"])
@pytest.mark.parametrize("url", ["/leads/", "/leads/?page_size=3&page=2", "/leads/?q=nothing-matches"])
def test_lead_list_renders_as_before(cast, client_as, varied, who, language, url):
    client = client_as(getattr(cast, who))
    client.cookies["salescore_language"] = language
    html = assert_same_as_legacy(client, url)
    assert 'data-testid="leads-table"' in html


def test_lead_table_fragment_renders_as_before(cast, client_as, varied):
    html = assert_same_as_legacy(client_as(cast.director), "/leads/", HTTP_HX_REQUEST="true")
    shown = ['data-testid="overdue"', 'class="table-danger"', "bi-check2", 'data-testid="unassigned"']
    for text in [
        *shown,
        "lead-campaign",
        "官网 &amp; 热线",
        "text-bg-info",
        "text-bg-warning",
        'text-muted">—',
    ]:
        assert text in html, text
