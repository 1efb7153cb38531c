"""The demo's leads: a month of them in every channel, through the services, loaded once."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.utils import timezone

from salescore.core.models import Notification
from salescore.demo import company
from salescore.demo import leads as demo_leads
from salescore.leads.models import AssignmentRule, Lead, LeadTouch


def test_the_demo_leads_read_like_a_month_of_work(db):
    company.load()
    assert not demo_leads.is_loaded()

    assert demo_leads.load() == demo_leads.COUNT

    leads = list(Lead.objects.select_related("owner__org_unit", "region"))
    assert len(leads) == demo_leads.COUNT
    # every channel, entered by customer service and market research, over the past 30 days
    assert {lead.channel for lead in leads} == {c.value for c in demo_leads.CHANNELS}
    assert {lead.created_by.username for lead in leads} == {"agent", "analyst"}
    now = timezone.now()
    assert all(now - dt.timedelta(days=31) < lead.created_at < now for lead in leads)
    assert all(lead.first_contact_due - lead.created_at == dt.timedelta(hours=24) for lead in leads)
    # rules for the four teams' provinces; most leads given by them, a few from elsewhere waiting
    assert AssignmentRule.objects.count() == 11
    unassigned = [lead for lead in leads if lead.owner_id is None]
    assert 1 <= len(unassigned) <= 6
    assert all(lead.region.code in demo_leads.UNCOVERED for lead in unassigned)
    statuses = {lead.status for lead in leads}
    assert statuses == set(Lead.Status.values)
    assert sum(lead.is_overdue for lead in leads) >= 3
    assert LeadTouch.objects.count() >= 20
    converted = [lead for lead in leads if lead.status == Lead.Status.CONVERTED]
    assert all(lead.customer_id for lead in converted)
    # warnings went out as they fell due, nobody was e-mailed
    assert Notification.objects.filter(kind="lead_overdue").exists()
    assert mail.outbox == []

    assert demo_leads.is_loaded()
