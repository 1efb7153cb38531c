"""Who does what with campaigns (core.permissions): planners plan, every seller reads, and the
lead list filtered by a campaign is still the viewer's own scope."""

from __future__ import annotations

import pytest
from django.http import Http404

from salescore.campaigns import selectors
from salescore.campaigns.tests.factories import campaign_lead, make_campaign
from salescore.core.errors import PermissionDeniedError
from salescore.leads import selectors as lead_selectors


def test_a_rep_cannot_create_a_campaign(cast, client_as):
    with pytest.raises(PermissionDeniedError):
        make_campaign(cast.rep_a)
    assert client_as(cast.rep_a).get("/campaigns/new/").status_code == 403
    response = client_as(cast.rep_a).post("/campaigns/new/", {"name": "私自活动"})
    assert response.status_code == 403


def test_a_rep_sees_every_campaign_but_outsiders_see_none(cast):
    ours = make_campaign(cast.analyst, name="展会")
    theirs = make_campaign(cast.head, name="沙龙")
    for member in (cast.rep_a, cast.rep_b, cast.lead_a, cast.analyst):
        assert set(selectors.campaign_list(user=member.user)) == {ours, theirs}
        assert selectors.campaign_get_for_user(user=member.user, pk=theirs.pk) == theirs
    for member in (cast.agent, cast.clerk, cast.keeper, cast.cashier):
        with pytest.raises(PermissionDeniedError):
            selectors.campaign_list(user=member.user)
    with pytest.raises(Http404):
        selectors.campaign_get_for_user(user=cast.rep_a.user, pk=999999)


def test_changing_follows_the_chain_of_command(cast):
    campaign = make_campaign(cast.analyst)
    can = {
        name: selectors.campaign_can_change(user=member.user, campaign=campaign)
        for name, member in cast.all().items()
    }
    assert {name for name, yes in can.items() if yes} == {"admin", "director", "analyst"}


def test_the_lead_list_by_campaign_still_hides_other_reps_leads(cast):
    fair = make_campaign(cast.analyst)
    mine = campaign_lead(cast.director, fair, owner=cast.rep_a.person)
    teammate = campaign_lead(cast.director, fair, owner=cast.rep_a2.person)
    other_team = campaign_lead(cast.director, fair, owner=cast.rep_b.person)
    elsewhere = campaign_lead(cast.director, None, owner=cast.rep_a.person)

    def listed(member):
        return set(lead_selectors.lead_list(user=member.user, campaign=fair))

    assert listed(cast.rep_a) == {mine}
    assert listed(cast.rep_b) == {other_team}
    assert listed(cast.lead_a) == {mine, teammate}
    assert listed(cast.director) == {mine, teammate, other_team}
    assert elsewhere not in listed(cast.director)
    # the analyst who runs the fair registers leads but owns none of them
    assert listed(cast.analyst) == set()
