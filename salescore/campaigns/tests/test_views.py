"""Campaign pages in both languages for the whole cast: list with filters and figures, detail with
its funnel linked to the lead list, entry and editing with errors beside their fields, delete."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from salescore.campaigns.models import Campaign
from salescore.campaigns.tests.factories import campaign_lead, convert, make_campaign
from salescore.core.permissions import Cap, access_for

SELLERS = {"admin", "director", "head", "lead_a", "lead_b", "rep_a", "rep_a2", "rep_b", "analyst"}


@pytest.fixture
def fair(cast):
    campaign = make_campaign(
        cast.analyst,
        name="2026工博会",
        status="finished",
        start_date=dt.date(2026, 9, 16),
        end_date=dt.date(2026, 9, 20),
        budget="180000",
        actual_cost="172600",
        expected_leads=40,
    )
    convert(campaign_lead(cast.director, campaign, owner=cast.rep_a.person, name="展会赵先生"))
    campaign_lead(cast.director, campaign, owner=cast.rep_b.person, name="展会钱女士")
    return campaign


def form_data(**values) -> dict:
    data = {
        "name": "客户技术沙龙",
        "channel": "offline_event",
        "status": "planned",
        "start_date": "2026-12-10",
        "end_date": "2026-12-10",
        "budget": "25000",
        "actual_cost": "",
        "currency": "CNY",
        "expected_leads": "20",
        "owner": "",
        "org_unit": "",
        "audience": "重点客户技术负责人",
        "description": "",
    }
    data.update(values)
    return data


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_render_for_the_cast(cast, client_as, fair, language):
    for name, member in cast.all().items():
        client = client_as(member)
        client.cookies["salescore_language"] = language
        sells = name in SELLERS
        response = client.get("/campaigns/")
        assert response.status_code == (200 if sells else 403), name
        assert client.get(f"/campaigns/{fair.pk}/").status_code == (200 if sells else 403), name
        plans = access_for(member.user).can(Cap.CAMPAIGNS_MANAGE)
        assert client.get("/campaigns/new/").status_code == (200 if plans else 403), name
        changes = name in {"admin", "director", "analyst"}
        assert client.get(f"/campaigns/{fair.pk}/edit/").status_code == (200 if changes else 403), name
        if not sells:
            continue
        html = response.content.decode()
        assert f'lang="{language}"' in html and "2026工博会" in html
        if language == "en":
            assert "Campaigns" in html and "Cost per lead" in html
        else:
            assert "营销活动" in html or "活动" in html


def test_the_list_shows_each_campaigns_figures_and_filters(cast, client_as, fair):
    make_campaign(
        cast.head,
        name="线上推广",
        channel="online",
        start_date=dt.date(2025, 3, 1),
        end_date=dt.date(2025, 4, 1),
    )
    client = client_as(cast.rep_a)
    client.cookies["salescore_language"] = "en"
    response = client.get("/campaigns/")
    rows = {campaign.name: figures for campaign, figures in response.context["page"].items}
    assert set(rows) == {"2026工博会", "线上推广"}
    assert (rows["2026工博会"].leads, rows["2026工博会"].converted) == (2, 1)
    html = response.content.decode()
    assert "CN¥172,600.00" in html and "CN¥86,300.00" in html  # the cost, and per lead
    assert "-100.0%" in html  # nothing won yet

    def listed(query):
        return [c.name for c, _f in client.get(f"/campaigns/?{query}").context["page"].items]

    assert listed("status=finished") == ["2026工博会"]
    assert listed("channel=online") == ["线上推广"]
    assert listed("year=2025") == ["线上推广"]
    assert listed("q=工博") == ["2026工博会"]
    assert listed("year=1999") == ["2026工博会", "线上推广"]  # not a year on offer: left out
    partial = client.get("/campaigns/?status=planned", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"campaigns-table" in partial.content


def test_the_detail_links_its_figures_to_the_scoped_lead_list(cast, client_as, fair):
    client = client_as(cast.rep_a)
    client.cookies["salescore_language"] = "en"
    html = client.get(f"/campaigns/{fair.pk}/").content.decode()
    assert f'href="/leads/?campaign={fair.pk}"' in html
    assert f"/leads/?campaign={fair.pk}&amp;status=converted" in html
    assert "data-campaign-funnel" in html and 'id="campaign-funnel"' in html
    assert 'data-testid="scope-note"' in html  # the rep's lead list shows only their own
    assert 'data-testid="edit-campaign"' not in html
    # the rep follows the link: only their own lead of the campaign
    leads = client.get(f"/leads/?campaign={fair.pk}").context["page"].items
    assert [lead.name for lead in leads] == ["展会赵先生"]
    director = client_as(cast.director).get(f"/campaigns/{fair.pk}/").content.decode()
    assert 'data-testid="scope-note"' not in director and 'data-testid="edit-campaign"' in director


def test_pages_have_no_inline_scripts(cast, client_as, fair):
    client = client_as(cast.analyst)
    for url in ["/campaigns/", f"/campaigns/{fair.pk}/", "/campaigns/new/", f"/campaigns/{fair.pk}/edit/"]:
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert scripts == [], (url, scripts)


def test_create_edit_and_delete_through_the_pages(cast, client_as):
    client = client_as(cast.analyst)
    client.cookies["salescore_language"] = "en"

    # an end before the start is shown beside the end date, nothing is saved
    html = client.post("/campaigns/new/", form_data(end_date="2026-12-01")).content.decode()
    assert 'id="id_end_date_error"' in html and "on or after the start date" in html
    html = client.post("/campaigns/new/", form_data(budget="-1")).content.decode()
    assert 'id="id_budget_error"' in html
    assert not Campaign.objects.exists()

    response = client.post("/campaigns/new/", form_data(owner=cast.analyst.pk))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/"
    assert (campaign.owner, campaign.org_unit, campaign.expected_leads) == (
        cast.analyst.person,
        cast.research_team,
        20,
    )

    response = client.post(
        f"/campaigns/{campaign.pk}/edit/",
        form_data(owner=cast.analyst.pk, version=campaign.version, status="running", actual_cost="24000.50"),
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.status, campaign.actual_cost) == ("running", Decimal("24000.50"))
    # a copy opened before that change is refused
    html = client.post(
        f"/campaigns/{campaign.pk}/edit/", form_data(owner=cast.analyst.pk, version=1, name="旧")
    ).content.decode()
    assert "Someone else changed this record" in html

    assert client_as(cast.rep_a).post(f"/campaigns/{campaign.pk}/delete/").status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/delete/").status_code == 302
    assert not Campaign.objects.exists() and Campaign.all_objects.filter(pk=campaign.pk).exists()
    trash = client_as(cast.director).get("/trash/").content.decode()
    assert "客户技术沙龙" in trash


def test_campaigns_are_in_the_menu_of_those_who_sell(cast, client_as):
    from salescore.core.navigation import menu_for

    for name, member in cast.all().items():
        keys = {row["key"] for row in menu_for(member.user)}
        assert ("campaigns" in keys) == (name in SELLERS), name
