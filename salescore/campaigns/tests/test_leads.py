"""A lead's campaign on the lead pages: chosen on the form, shown on the lead, filtered on the
list (and in its export), refused when the campaign was cancelled."""

from __future__ import annotations

import pytest

from salescore.campaigns import services
from salescore.campaigns.tests.factories import campaign_lead, make_campaign
from salescore.core.models import AuditLog
from salescore.leads.models import Lead


@pytest.fixture
def fair(cast):
    return make_campaign(cast.analyst, name="2026工博会")


def _form(**values):
    data = {
        "name": "展会孙先生",
        "company": "",
        "title": "",
        "phone": "13755550001",
        "email": "",
        "wechat": "",
        "channel": "offline_event",
        "campaign": "",
        "source_detail": "",
        "region": "",
        "industry": "",
        "interest": "",
    }
    data.update(values)
    return data


def test_the_form_sets_the_campaign_and_the_page_shows_it(cast, client_as, fair):
    client = client_as(cast.director)
    client.cookies["salescore_language"] = "en"
    html = client.get("/leads/new/").content.decode()
    assert f'<option value="{fair.pk}">2026工博会</option>' in html
    response = client.post(
        "/leads/new/", _form(campaign=fair.pk, source_detail="A 馆展位登记", owner=cast.rep_a.pk)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    lead = Lead.objects.get()
    assert (lead.campaign, lead.source_detail) == (fair, "A 馆展位登记")
    assert AuditLog.objects.filter(object_id=lead.pk, changes__campaign__new_display="2026工博会").exists()

    detail = client_as(cast.rep_a).get(f"/leads/{lead.pk}/").content.decode()
    assert f'<a href="/campaigns/{fair.pk}/">2026工博会</a>' in detail
    # a campaign deleted since is still named on its leads, without a link to a page that is gone
    services.campaign_delete(actor=cast.analyst.user, campaign=fair)
    detail = client_as(cast.rep_a).get(f"/leads/{lead.pk}/").content.decode()
    assert "2026工博会" in detail and f"/campaigns/{fair.pk}/" not in detail


def test_editing_keeps_a_campaign_cancelled_since(cast, client_as, fair):
    lead = campaign_lead(cast.director, fair, owner=cast.rep_a.person)
    services.campaign_update(actor=cast.analyst.user, campaign=fair, status="cancelled")
    client = client_as(cast.rep_a)
    html = client.get(f"/leads/{lead.pk}/edit/").content.decode()
    assert f'<option value="{fair.pk}" selected>2026工博会</option>' in html
    response = client.post(
        f"/leads/{lead.pk}/edit/", _form(name="改名", phone="", campaign=fair.pk, version=lead.version)
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.name, lead.campaign) == ("改名", fair)
    # but a new lead cannot name it
    client = client_as(cast.director)
    client.cookies["salescore_language"] = "en"
    html = client.post("/leads/new/", _form(campaign=fair.pk)).content.decode()
    assert 'id="id_campaign_error"' in html
    assert Lead.objects.count() == 1


def test_the_list_filters_by_campaign_and_exports_it(cast, client_as, fair):
    other = make_campaign(cast.analyst, name="线上推广", channel="online")
    ours = campaign_lead(cast.director, fair, owner=cast.rep_a.person, name="展会甲")
    campaign_lead(cast.director, other, owner=cast.rep_a.person, name="线上乙")
    campaign_lead(cast.director, None, owner=cast.rep_a.person, name="无活动丙")
    client = client_as(cast.lead_a)
    client.cookies["salescore_language"] = "en"
    response = client.get(f"/leads/?campaign={fair.pk}")
    assert [lead.pk for lead in response.context["page"].items] == [ours.pk]
    html = response.content.decode()
    assert f'<option value="{fair.pk}" selected>2026工博会</option>' in html
    assert 'data-testid="lead-campaign"' in html
    assert len(client.get("/leads/").context["page"].items) == 3
    response = client.get(f"/leads/export/?campaign={fair.pk}&format=csv")
    export = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Campaign" in export.splitlines()[0] and "2026工博会" in export and "线上乙" not in export
