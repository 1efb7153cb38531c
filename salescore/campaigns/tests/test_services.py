"""Campaign writes: the rules a campaign keeps (each refusal names its field), who may plan and
change one, and the audit trail of every change, delete and restore."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from salescore.campaigns import services
from salescore.campaigns.models import Campaign
from salescore.campaigns.tests.factories import make_campaign
from salescore.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from salescore.core.models import AuditAction, AuditLog
from salescore.core.selectors import trash_get


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _audit(campaign: Campaign, action: str) -> list[AuditLog]:
    return list(AuditLog.objects.filter(content_type__model="campaign", object_id=campaign.pk, action=action))


def test_an_analyst_plans_a_campaign_for_their_unit(cast):
    campaign = make_campaign(cast.analyst, name="2026工博会", budget="180000", expected_leads=40)

    assert campaign.owner == cast.analyst.person
    assert campaign.org_unit == cast.research_team  # the owner's unit by default
    assert (campaign.status, campaign.currency, campaign.budget) == ("planned", "CNY", Decimal("180000"))
    assert campaign.actual_cost is None and campaign.cost == Decimal("180000")
    created = _audit(campaign, AuditAction.CREATE)
    assert len(created) == 1 and created[0].actor == cast.analyst.user
    assert created[0].changes["budget"]["new"] == "180000"


def test_an_end_before_the_start_is_refused_naming_the_end_date(cast):
    with pytest.raises(ApplicationError) as excinfo:
        make_campaign(cast.analyst, start_date=dt.date(2026, 9, 20), end_date=dt.date(2026, 9, 16))
    assert excinfo.value.code == "invalid_dates"
    assert set(excinfo.value.fields) == {"end_date"}
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("field", ["budget", "actual_cost"])
def test_a_negative_amount_is_refused_naming_its_field(cast, field):
    values = {"budget": "1000", "actual_cost": None, field: "-1"}
    with pytest.raises(ApplicationError) as excinfo:
        make_campaign(cast.analyst, **values)
    assert set(excinfo.value.fields) == {field}
    assert "negative" in excinfo.value.message


def test_missing_fields_and_a_bad_amount_are_named(cast):
    with pytest.raises(ApplicationError) as excinfo:
        services.campaign_create(
            actor=cast.analyst.user, name=" ", channel="", start_date=None, end_date=None, budget=None
        )
    assert {"name", "channel", "start_date", "end_date", "budget"} <= set(excinfo.value.fields)
    with pytest.raises(ApplicationError) as excinfo:
        make_campaign(cast.analyst, budget="十万")
    assert set(excinfo.value.fields) == {"budget"}
    with pytest.raises(ApplicationError) as excinfo:
        make_campaign(cast.analyst, budget="1.005")
    assert set(excinfo.value.fields) == {"budget"}
    with pytest.raises(ApplicationError) as excinfo:
        make_campaign(cast.analyst, expected_leads=-3)
    assert set(excinfo.value.fields) == {"expected_leads"}


def test_two_live_campaigns_cannot_share_a_name(cast):
    first = make_campaign(cast.analyst, name="客户技术沙龙")
    with pytest.raises(ApplicationError) as excinfo:
        make_campaign(cast.head, name=" 客户技术沙龙 ")
    assert excinfo.value.code == "duplicate" and set(excinfo.value.fields) == {"name"}
    # once the first is in the recycle bin its name is free, and it cannot come back under it
    services.campaign_delete(actor=cast.analyst.user, campaign=first)
    make_campaign(cast.head, name="客户技术沙龙")
    record, entry = trash_get(user=cast.director.user, label="campaigns.campaign", pk=first.pk)
    with pytest.raises(ApplicationError) as excinfo:
        entry.restore(actor=cast.director.user, record=record)
    assert excinfo.value.code == "duplicate"


def test_who_may_plan_campaigns(cast):
    # Market Expansion, Sales Management's leaders and the director plan campaigns
    for member in (cast.analyst, cast.head, cast.lead_a, cast.director, cast.admin):
        assert make_campaign(member).owner == member.person
    # reps, Customer Service and the desks do not
    for member in (cast.rep_a, cast.agent, cast.clerk, cast.keeper):
        with pytest.raises(PermissionDeniedError):
            make_campaign(member)


def test_the_owner_runs_campaigns_and_is_in_the_planners_scope(cast):
    # a director gives a campaign to the analyst
    assert make_campaign(cast.director, owner=cast.analyst.person).owner == cast.analyst.person
    # nobody gives one to a rep, who does not run campaigns
    with pytest.raises(ApplicationError) as excinfo:
        make_campaign(cast.director, owner=cast.rep_a.person)
    assert set(excinfo.value.fields) == {"owner"}
    # an analyst cannot hand one to Sales Management's head, who is outside their scope
    with pytest.raises(ApplicationError) as excinfo:
        make_campaign(cast.analyst, owner=cast.head.person)
    assert excinfo.value.code == "out_of_scope" and set(excinfo.value.fields) == {"owner"}


def test_an_update_records_old_and_new_and_refuses_a_stale_copy(cast):
    campaign = make_campaign(cast.analyst, budget="50000")
    loaded = campaign.version

    services.campaign_update(
        actor=cast.analyst.user,
        campaign=campaign,
        version=loaded,
        status=Campaign.Status.FINISHED,
        actual_cost=Decimal("48800.00"),
    )
    campaign.refresh_from_db()
    assert (campaign.status, campaign.actual_cost, campaign.cost) == (
        "finished",
        Decimal("48800"),
        Decimal("48800"),
    )
    changes = _audit(campaign, AuditAction.UPDATE)[0].changes
    assert changes["status"] == {"old": "planned", "new": "finished"}
    assert changes["actual_cost"] == {"old": None, "new": "48800.00"}

    with pytest.raises(ConflictError):
        services.campaign_update(actor=cast.analyst.user, campaign=campaign, version=loaded, name="新名字")
    with pytest.raises(ApplicationError) as excinfo:
        services.campaign_update(actor=cast.analyst.user, campaign=campaign, end_date=dt.date(2026, 5, 1))
    assert set(excinfo.value.fields) == {"end_date"}
    with pytest.raises(ApplicationError) as excinfo:
        services.campaign_update(actor=cast.analyst.user, campaign=campaign, budget=Decimal("-5"))
    assert set(excinfo.value.fields) == {"budget"}


def test_owner_and_managers_change_a_campaign_others_who_plan_do_not(cast):
    campaign = make_campaign(cast.analyst)
    # Sales Management's head plans campaigns but does not manage the analyst: 403, not 404
    with pytest.raises(PermissionDeniedError):
        services.campaign_update(actor=cast.head.user, campaign=campaign, budget="1")
    with pytest.raises(PermissionDeniedError):
        services.campaign_delete(actor=cast.lead_a.user, campaign=campaign)
    # a rep sees it, but may not change it
    with pytest.raises(PermissionDeniedError):
        services.campaign_update(actor=cast.rep_a.user, campaign=campaign, budget="1")
    # the director may
    services.campaign_update(actor=cast.director.user, campaign=campaign, description="展位 A36")
    campaign.refresh_from_db()
    assert campaign.description == "展位 A36"


def test_delete_and_restore_from_the_recycle_bin(cast):
    campaign = make_campaign(cast.analyst, name="线上推广（百度/微信）")

    services.campaign_delete(actor=cast.analyst.user, campaign=campaign)
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert _audit(campaign, AuditAction.DELETE)[0].actor == cast.analyst.user

    # the analyst may not restore (records.restore: directors and administrators)
    with pytest.raises(PermissionDeniedError):
        services.campaign_restore(actor=cast.analyst.user, record=Campaign.all_objects.get(pk=campaign.pk))
    record, entry = trash_get(user=cast.director.user, label="campaigns.campaign", pk=campaign.pk)
    entry.restore(actor=cast.director.user, record=record)
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    assert _audit(campaign, AuditAction.RESTORE)[0].actor == cast.director.user


def test_the_database_keeps_the_dates_and_amounts_too(cast):
    """The constraints hold even for a write that skips the service (a bulk update)."""
    from django.db import IntegrityError, transaction

    campaign = make_campaign(cast.analyst)
    for values in (
        {"end_date": dt.date(2026, 1, 1)},
        {"budget": Decimal("-1")},
        {"actual_cost": Decimal("-1")},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Campaign.objects.filter(pk=campaign.pk).update(**values)
