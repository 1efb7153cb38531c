"""Builders for the campaign tests: every campaign goes through campaigns.services, leads through
leads.services, customers and opportunities through theirs (a converted lead opens one)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from salescore.campaigns import services
from salescore.campaigns.models import Campaign
from salescore.leads import services as lead_services
from salescore.leads.models import Lead
from salescore.leads.tests.factories import make_lead
from salescore.pipeline import services as pipeline_services
from salescore.pipeline.models import Opportunity
from salescore.pipeline.tests.factories import move, ready_for

_numbers = itertools.count(1)


def make_campaign(member, **fields) -> Campaign:
    """A campaign run by ``member`` (by default a week of June 2026, budget 10,000)."""
    fields.setdefault("name", f"活动{next(_numbers)}")
    fields.setdefault("channel", "offline_event")
    fields.setdefault("start_date", dt.date(2026, 6, 1))
    fields.setdefault("end_date", dt.date(2026, 6, 7))
    fields.setdefault("budget", Decimal("10000.00"))
    return services.campaign_create(actor=member.user, **fields)


def campaign_lead(registrar, campaign: Campaign | None, *, owner, **fields) -> Lead:
    """A lead of ``campaign`` given to ``owner`` (an assigner registers it)."""
    fields.setdefault("channel", "offline_event")
    return make_lead(registrar, campaign=campaign, owner=owner, **fields)


def convert(lead: Lead, *, customer=None) -> Opportunity:
    """The owner converts the lead: customer (new unless given), contact and opportunity."""
    _customer, _contact, opportunity = lead_services.lead_convert(
        actor=lead.owner.user, lead=lead, customer=customer
    )
    return opportunity


def win(member, opportunity: Opportunity, amount: Decimal) -> Opportunity:
    """Take the opportunity through the process to won, at ``amount``."""
    opportunity = ready_for(member, opportunity, "order")
    opportunity = pipeline_services.opportunity_update(
        actor=member.user, opportunity=opportunity, amount=amount
    )
    return move(member, move(member, opportunity, "order"), "won")
