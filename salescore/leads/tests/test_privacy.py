"""Lead privacy (R3.8): the owner sees phone, email and WeChat in full; managers who see the lead
in their scope see them masked and may reveal one field, which is logged. The same rule as a
customer's contacts (core.permissions.unmasked_ids, customers.identity.mask_value)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescore.core.models import AuditAction, AuditLog
from salescore.leads import selectors, services
from salescore.leads.models import Lead
from salescore.leads.tests.factories import make_lead

JSON = "application/json"


@pytest.fixture
def lead(cast):
    return make_lead(
        cast.lead_a, owner=cast.rep_a.person, phone="13912345678", email="wang@example.com", wechat="wang_wx"
    )


def reveals(lead: Lead):
    return AuditLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Lead), object_id=lead.pk, action=AuditAction.REVEAL
    )


def test_the_owner_sees_in_full_and_the_team_lead_masked(cast, lead):
    mine = selectors.lead_view(user=cast.rep_a.user, lead=lead)
    assert not mine.masked
    assert (mine.phone_shown, mine.email_shown, mine.wechat_shown) == (
        "13912345678",
        "wang@example.com",
        "wang_wx",
    )
    theirs = selectors.lead_view(user=cast.lead_a.user, lead=lead)
    assert theirs.masked
    assert (theirs.phone_shown, theirs.email_shown, theirs.wechat_shown) == (
        "139****5678",
        "w***@example.com",
        "w***",
    )
    assert selectors.lead_view(user=cast.director.user, lead=lead).masked


def test_reveal_is_logged_and_scoped(cast, lead):
    assert services.lead_reveal(actor=cast.lead_a.user, lead=lead, field="phone") == "13912345678"
    row = reveals(lead).get()
    assert row.actor_id == cast.lead_a.user.pk and row.changes == {"phone": {"old": None, "new": "***"}}
    from django.http import Http404

    with pytest.raises(Http404):
        services.lead_reveal(actor=cast.rep_b.user, lead=lead, field="phone")
    from salescore.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        services.lead_reveal(actor=cast.lead_a.user, lead=lead, field="interest")
    assert reveals(lead).count() == 1


def test_detail_page_masks_for_the_team_lead_and_reveals_on_request(cast, client_as, lead):
    owner_page = client_as(cast.rep_a).get(f"/leads/{lead.pk}/").content.decode()
    assert "13912345678" in owner_page and 'data-testid="reveal-phone"' not in owner_page

    client = client_as(cast.lead_a)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "13912345678" not in page and "wang@example.com" not in page
    assert "139****5678" in page and 'data-testid="reveal-phone"' in page

    response = client.post(f"/leads/{lead.pk}/reveal/phone/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "13912345678" in response.content.decode()
    assert reveals(lead).count() == 1
    # Without htmx the value comes back as a message on the lead's page.
    response = client.post(f"/leads/{lead.pk}/reveal/email/", follow=True)
    assert "wang@example.com" in response.content.decode()
    assert client_as(cast.rep_b).post(f"/leads/{lead.pk}/reveal/phone/").status_code == 404
    assert reveals(lead).count() == 2


def test_api_masks_for_managers_and_reveals(cast, api_as, lead):
    owner = api_as(cast.rep_a).get(f"/api/v1/leads/{lead.pk}").json()
    assert (owner["phone"], owner["masked"]) == ("13912345678", False)

    manager = api_as(cast.lead_a)
    body = manager.get(f"/api/v1/leads/{lead.pk}").json()
    assert (body["phone"], body["email"], body["masked"]) == ("139****5678", "w***@example.com", True)
    listed = {row["id"]: row for row in manager.get("/api/v1/leads").json()["items"]}
    assert listed[lead.pk]["phone"] == "139****5678"

    revealed = manager.post(f"/api/v1/leads/{lead.pk}/reveal", {"field": "wechat"}, content_type=JSON)
    assert revealed.json() == {"field": "wechat", "value": "wang_wx"}
    assert reveals(lead).get().actor_id == cast.lead_a.user.pk
    bad = manager.post(f"/api/v1/leads/{lead.pk}/reveal", {"field": "interest"}, content_type=JSON)
    assert bad.status_code == 422


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def test_lists_do_not_cost_more_with_more_leads(cast, client_as, api_as, lead):
    page, api = client_as(cast.lead_a), api_as(cast.lead_a)
    api.get("/api/v1/leads")  # the token's first use is stamped once
    before = (_count(page, "/leads/"), _count(api, "/api/v1/leads"))
    for _ in range(6):
        make_lead(cast.lead_a, owner=cast.rep_a.person)
    assert (_count(page, "/leads/"), _count(api, "/api/v1/leads")) == before


def test_edit_form_hides_the_private_fields_from_a_manager_and_keeps_them(cast, client_as, lead):
    client = client_as(cast.lead_a)

    page = client.get(f"/leads/{lead.pk}/edit/").content.decode()

    assert "13912345678" not in page and "wang@example.com" not in page and "wang_wx" not in page
    assert "139****5678" in page  # shown as a placeholder of the empty field
    form = {
        "version": lead.version,
        "name": lead.name,
        "company": "改过的公司",
        "channel": lead.channel,
        "phone": "",
        "email": "",
        "wechat": "",
    }
    response = client.post(f"/leads/{lead.pk}/edit/", form)
    assert response.status_code == 302, response.content.decode()[:500]
    lead.refresh_from_db()
    assert (lead.company, lead.phone, lead.email, lead.wechat) == (
        "改过的公司",
        "13912345678",
        "wang@example.com",
        "wang_wx",
    )
    # the owner still edits them in full
    assert "13912345678" in client_as(cast.rep_a).get(f"/leads/{lead.pk}/edit/").content.decode()
