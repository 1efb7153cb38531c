"""Lead services (R3.2): assignment by rules (region by path, channel, priority, round-robin),
duplicates among open leads, the first-contact deadline and its warning, touches, conversion in one
transaction, closed leads, scope, as the cast (assigners, owners, outsiders)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.models import AuditLog, Notification
from salescore.customers import services as customer_services
from salescore.customers.models import Contact, Customer
from salescore.leads import selectors, services
from salescore.leads.models import Lead, LeadPolicy
from salescore.leads.tests.factories import make_lead, make_rule, region, unique_phone
from salescore.org import services as org_services
from salescore.org.models import Person
from salescore.pipeline.models import Opportunity

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def rules(cast):
    """Jiangsu goes to team A, Guangdong to team B; Shanghai and Fujian match nothing."""
    return {
        "jiangsu": make_rule(cast.director, cast.team_a, region_code="320000", name="江苏", priority=10),
        "guangdong": make_rule(cast.director, cast.team_b, region_code="440000", name="广东", priority=20),
    }


def notified(member, kind: str) -> int:
    return Notification.objects.filter(recipient=member.user, kind=kind).count()


def visible_to(member, lead) -> bool:
    return selectors.visible_leads(member.user).filter(pk=lead.pk).exists()


# -- assignment ----------------------------------------------------------------------------------


def test_round_robin_over_the_teams_reps_in_employee_order(cast, rules):
    # given team A's reps rep_a (T006) and rep_a2 (T007), and its team lead, who takes no turns
    owners = [make_lead(cast.agent, region="320000").owner for _ in range(5)]

    # then the leads go rep_a, rep_a2, rep_a, ... and each rep is told
    assert [p.pk for p in owners] == [cast.rep_a.pk, cast.rep_a2.pk] * 2 + [cast.rep_a.pk]
    assert notified(cast.rep_a, "lead_assigned") == 3
    assert notified(cast.rep_a2, "lead_assigned") == 2
    assert notified(cast.lead_a, "lead_assigned") == 0
    rules["jiangsu"].refresh_from_db()
    assert rules["jiangsu"].last_assigned_id == cast.rep_a.pk


def test_round_robin_skips_a_rep_who_left(cast, rules):
    first = make_lead(cast.agent, region="320000")
    assert first.owner_id == cast.rep_a.pk
    org_services.person_update(
        actor=cast.admin.user, person=cast.rep_a2.person, status=Person.Status.LEFT, left_date=NOW.date()
    )
    assert make_lead(cast.agent, region="320000").owner_id == cast.rep_a.pk


def test_a_province_rule_matches_the_leads_of_its_cities(cast, rules):
    suzhou = make_lead(cast.agent, region="320500")  # 苏州市, in 江苏省
    guangzhou = make_lead(cast.agent, region="440100")  # 广州市, in 广东省
    assert suzhou.owner.org_unit_id == cast.team_a.pk
    assert guangzhou.owner_id == cast.rep_b.pk
    assert region("320500").path.startswith(region("320000").path)


def test_a_channel_rule_takes_its_channel_first(cast, rules):
    make_rule(cast.director, cast.team_b, name="市场活动", channel="campaign", priority=5)
    campaign = make_lead(cast.analyst, region="320000", channel="campaign")
    phone = make_lead(cast.analyst, region="320000", channel="phone")
    no_region = make_lead(cast.analyst, channel="campaign")
    assert campaign.owner_id == cast.rep_b.pk
    assert phone.owner.org_unit_id == cast.team_a.pk
    assert no_region.owner_id == cast.rep_b.pk  # a rule without a region matches any region


def test_rules_are_tried_in_priority_order_and_inactive_ones_skipped(cast, rules):
    urgent = make_rule(cast.director, cast.team_b, region_code="320500", name="苏州特例", priority=1)
    assert make_lead(cast.agent, region="320500").owner_id == cast.rep_b.pk
    assert make_lead(cast.agent, region="320100").owner.org_unit_id == cast.team_a.pk  # 南京: 江苏 rule

    services.rule_save(
        actor=cast.director.user,
        rule=urgent,
        name=urgent.name,
        team=cast.team_b,
        region=urgent.region,
        priority=1,
        active=False,
    )
    assert make_lead(cast.agent, region="320500").owner.org_unit_id == cast.team_a.pk


def test_no_matching_rule_leaves_the_lead_unassigned_for_the_assigners(cast, rules):
    lead = make_lead(cast.agent, region="350000")  # 福建: no rule
    assert lead.owner_id is None and lead.assigned_at is None
    seen = {name for name, member in cast.all().items() if visible_to(member, lead)}
    assert seen == {"admin", "director", "head", "lead_a", "lead_b"}
    with pytest.raises(Http404):
        selectors.lead_get_for_user(user=cast.rep_a.user, pk=lead.pk)
    assert selectors.unassigned_count(cast.head.user) == 1
    ids = set(selectors.lead_list(user=cast.head.user, unassigned_only=True).values_list("pk", flat=True))
    assert ids == {lead.pk}


def test_an_assigner_gives_a_lead_within_their_scope_to_people_who_sell(cast, rules):
    lead = make_lead(cast.agent, region="350000")

    services.lead_assign(actor=cast.lead_a.user, lead=lead, owner=cast.rep_a2.person)
    lead.refresh_from_db()
    assert lead.owner_id == cast.rep_a2.pk and lead.assigned_at is not None
    assert notified(cast.rep_a2, "lead_assigned") == 1

    with pytest.raises(ApplicationError) as exc:
        services.lead_assign(actor=cast.lead_a.user, lead=lead, owner=cast.rep_b.person)
    assert exc.value.code == "out_of_scope" and "owner" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        services.lead_assign(actor=cast.director.user, lead=lead, owner=cast.agent.person)
    assert exc.value.code == "invalid_owner"  # customer service does not work opportunities
    with pytest.raises(ApplicationError) as exc:
        services.lead_assign(actor=cast.rep_a2.user, lead=lead, owner=cast.rep_a.person)
    assert exc.value.code == "out_of_scope"  # the owner may pass it on, but a rep manages nobody
    with pytest.raises(Http404):
        services.lead_assign(actor=cast.rep_b.user, lead=lead, owner=cast.rep_b.person)


def test_only_assigners_choose_the_owner_at_entry(cast, rules):
    lead = make_lead(cast.head, region="320000", owner=cast.rep_b.person)
    assert lead.owner_id == cast.rep_b.pk  # chosen over the rule
    with pytest.raises(PermissionDeniedError):
        make_lead(cast.rep_a, owner=cast.rep_a.person)
    assert not Lead.objects.filter(created_by=cast.rep_a.user).exists()


def test_rules_are_managed_by_assigners_for_their_own_teams(cast):
    make_rule(cast.lead_a, cast.team_a, region_code="310000")
    with pytest.raises(ApplicationError) as exc:
        make_rule(cast.lead_a, cast.team_b, region_code="310000")
    assert exc.value.code == "out_of_scope"
    with pytest.raises(ApplicationError) as exc:
        make_rule(cast.director, cast.care_team)
    assert exc.value.code == "invalid" and "team" in exc.value.fields
    with pytest.raises(PermissionDeniedError):
        make_rule(cast.rep_a, cast.team_a)


# -- duplicates ------------------------------------------------------------------------------------


def test_duplicates_among_open_leads_are_refused(cast, rules):
    # given an open lead in Guangdong (rep_b's)
    first = make_lead(cast.agent, region="440000", phone="13800138000", email="Buyer@Example.com")

    # then the same phone written another way is refused, naming the field
    with pytest.raises(ApplicationError) as exc:
        make_lead(cast.analyst, phone="+86 138 0013 8000")
    assert exc.value.code == "duplicate" and "phone" in exc.value.fields
    assert exc.value.extra["existing_id"] == first.pk
    assert exc.value.extra["existing_url"] is None  # the analyst may not open rep_b's lead

    # and so is the email in other letters; an assigner gets the link
    with pytest.raises(ApplicationError) as exc:
        make_lead(cast.head, email="buyer@example.COM")
    assert "email" in exc.value.fields
    assert exc.value.extra["existing_url"] == f"/leads/{first.pk}/"

    # and an edit of another lead to the same phone
    other = make_lead(cast.agent, region="440000")
    with pytest.raises(ApplicationError):
        services.lead_update(actor=cast.rep_b.user, lead=other, phone="0086-13800138000")


def test_a_closed_lead_does_not_block_a_new_one(cast, rules):
    first = make_lead(cast.agent, region="440000", phone="13800138000")
    services.lead_disqualify(actor=cast.rep_b.user, lead=first, reason="号码无效")
    second = make_lead(cast.agent, region="440000", phone="13800138000")
    services.lead_convert(actor=cast.rep_b.user, lead=second, create_opportunity=False)
    third = make_lead(cast.agent, region="440000", phone="+8613800138000")
    assert third.status == Lead.Status.NEW


def test_a_lead_needs_a_way_to_reach_them(cast):
    with pytest.raises(ApplicationError) as exc:
        services.lead_create(actor=cast.agent.user, name="无联系方式", channel="phone")
    assert exc.value.code == "required"
    with pytest.raises(ApplicationError) as exc:
        services.lead_create(actor=cast.agent.user, name="x", channel="fax", wechat="abc")
    assert "channel" in exc.value.fields


# -- the first-contact deadline ------------------------------------------------------------------------


def test_the_deadline_follows_the_policy_hours(cast):
    with time_machine.travel(NOW, tick=False):
        assert make_lead(cast.agent).first_contact_due == NOW + dt.timedelta(hours=24)
        services.policy_update(actor=cast.director.user, first_contact_hours=4)
        assert LeadPolicy.current().first_contact_hours == 4
        assert make_lead(cast.agent).first_contact_due == NOW + dt.timedelta(hours=4)
    assert AuditLog.objects.filter(changes__first_contact_hours__new=4).exists()
    with pytest.raises(PermissionDeniedError):
        services.policy_update(actor=cast.head.user, first_contact_hours=8)
    with pytest.raises(ApplicationError) as exc:
        services.policy_update(actor=cast.director.user, first_contact_hours=0)
    assert "first_contact_hours" in exc.value.fields


def test_overdue_leads_warn_owner_and_manager_once(cast, rules):
    with time_machine.travel(NOW, tick=False):
        late = make_lead(cast.agent, region="440000")  # rep_b, managed by lead_b
        contacted = make_lead(cast.agent, region="440000")
        services.lead_record_touch(actor=cast.rep_b.user, lead=contacted, channel="phone", summary="已联系")
        unassigned = make_lead(cast.agent, region="350000")
        assert services.leads_flag_overdue() == 0  # nothing is due yet

    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        late.refresh_from_db()
        contacted.refresh_from_db()
        assert late.is_overdue and not contacted.is_overdue
        assert services.leads_flag_overdue() == 2
        assert notified(cast.rep_b, "lead_overdue") == 1
        assert notified(cast.lead_b, "lead_overdue") == 1
        # the unassigned one goes to the Sales Management heads
        assert notified(cast.director, "lead_overdue") == 1
        assert notified(cast.head, "lead_overdue") == 1
        assert notified(cast.rep_a, "lead_overdue") == 0
        # and nobody is warned twice
        assert services.leads_flag_overdue() == 0
        assert Notification.objects.filter(kind="lead_overdue").count() == 4
        overdue = set(
            selectors.lead_list(user=cast.director.user, overdue_only=True).values_list("pk", flat=True)
        )
        assert overdue == {late.pk, unassigned.pk}
        assert selectors.my_overdue_count(cast.rep_b.user) == 1


# -- touches --------------------------------------------------------------------------------------------


def test_a_touch_meets_the_deadline_and_marks_the_lead_contacted(cast, rules):
    lead = make_lead(cast.agent, region="440000")
    with time_machine.travel(NOW, tick=False):
        first = services.lead_record_touch(
            actor=cast.rep_b.user, lead=lead, channel="phone", summary="未接通", reached=False
        )
    services.lead_record_touch(actor=cast.rep_b.user, lead=lead, channel="email", summary="发了资料")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONTACTED
    assert lead.first_contacted_at == first.at == NOW
    assert [t.summary for t in selectors.touches(lead)] == ["发了资料", "未接通"]
    # a manager may record one too; nobody records one in the future
    services.lead_record_touch(actor=cast.lead_b.user, lead=lead, channel="visit", summary="上门拜访")
    with pytest.raises(ApplicationError) as exc:
        services.lead_record_touch(
            actor=cast.rep_b.user,
            lead=lead,
            channel="phone",
            summary="x",
            at=timezone.now() + dt.timedelta(days=1),
        )
    assert "at" in exc.value.fields


def test_a_touch_keeps_a_qualified_lead_qualified(cast, rules):
    lead = make_lead(cast.agent, region="440000")
    services.lead_qualify(actor=cast.rep_b.user, lead=lead)
    services.lead_record_touch(actor=cast.rep_b.user, lead=lead, channel="phone", summary="约了演示")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.QUALIFIED and lead.first_contacted_at is not None


# -- conversion -------------------------------------------------------------------------------------------


def test_conversion_creates_customer_contact_and_opportunity(cast, rules):
    lead = make_lead(
        cast.agent,
        region="440100",
        company="广州新锐机械有限公司",
        title="采购经理",
        email="li@xinrui.example.cn",
        industry="manufacturing",
        interest="自动化产线",
        channel="offline_event",
    )
    customer, contact, opportunity = services.lead_convert(actor=cast.rep_b.user, lead=lead)

    assert (customer.name, customer.owner_id, customer.region_id) == (
        "广州新锐机械有限公司",
        cast.rep_b.pk,
        lead.region_id,
    )
    assert customer.source == "offline_event" and customer.industry == "manufacturing"
    assert (contact.customer_id, contact.name, contact.mobile_key) == (customer.pk, lead.name, lead.phone_key)
    assert contact.is_primary and contact.title == "采购经理"
    assert opportunity.customer_id == customer.pk and opportunity.owner_id == cast.rep_b.pk
    assert list(opportunity.contacts.all()) == [contact]
    assert "自动化产线" in opportunity.name
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED and lead.converted_at is not None
    assert (lead.customer_id, lead.opportunity_id) == (customer.pk, opportunity.pk)
    assert lead.first_contacted_at is not None  # converting is contacting


def test_conversion_without_an_opportunity_and_with_a_chosen_name(cast, rules):
    lead = make_lead(cast.agent, region="440000", company="")
    customer, _contact, opportunity = services.lead_convert(
        actor=cast.rep_b.user, lead=lead, customer_name="黄先生个人", create_opportunity=False
    )
    assert opportunity is None
    assert customer.name == "黄先生个人" and customer.kind == Customer.Kind.INDIVIDUAL


def test_conversion_is_all_or_nothing_and_works_into_the_existing_customer(cast, rules):
    # given rep_b's customer whose contact has the lead's mobile
    existing = customer_services.customer_create(actor=cast.rep_b.user, name="广州老客户有限公司")
    known = customer_services.contact_create(
        actor=cast.rep_b.user, customer=existing, name="老联系人", mobile="13912340000"
    )
    lead = make_lead(cast.agent, region="440000", phone="+86 139 1234 0000", company="广州老客户")
    assert [c.pk for c in selectors.matching_contacts(lead, user=cast.rep_b.user)] == [known.pk]
    assert selectors.matching_contacts(lead, user=cast.rep_a.user) == []  # not rep_a's customer
    customers, contacts, opportunities = (
        Customer.objects.count(),
        Contact.objects.count(),
        Opportunity.objects.count(),
    )

    # when it is converted into a new customer, the contact clashes
    with pytest.raises(ApplicationError) as exc:
        services.lead_convert(actor=cast.rep_b.user, lead=lead, customer_name="广州老客户二号有限公司")

    # then nothing is kept, and the error leads to the existing customer
    assert exc.value.code == "duplicate"
    assert exc.value.extra["existing_url"] == f"/customers/{existing.pk}/"
    assert (Customer.objects.count(), Contact.objects.count(), Opportunity.objects.count()) == (
        customers,
        contacts,
        opportunities,
    )
    assert not Customer.all_objects.filter(name="广州老客户二号有限公司").exists()
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW and lead.customer_id is None

    # when it is converted into the existing customer, the contact is reused
    customer, contact, opportunity = services.lead_convert(
        actor=cast.rep_b.user, lead=lead, customer=existing
    )
    assert customer.pk == existing.pk and contact.pk == known.pk
    assert Contact.objects.count() == contacts
    assert list(opportunity.contacts.all()) == [known]


def test_conversion_into_a_customer_out_of_scope_is_404(cast, rules):
    theirs = customer_services.customer_create(actor=cast.rep_a.user, name="别人的客户")
    lead = make_lead(cast.agent, region="440000")
    with pytest.raises(Http404):
        services.lead_convert(actor=cast.rep_b.user, lead=lead, customer=theirs)


def test_an_unassigned_lead_is_assigned_before_conversion(cast):
    lead = make_lead(cast.agent)
    with pytest.raises(ApplicationError) as exc:
        services.lead_convert(actor=cast.director.user, lead=lead)
    assert exc.value.code == "unassigned"


def test_closed_leads_refuse_touches_actions_and_conversion(cast, rules):
    lead = make_lead(cast.agent, region="440000")
    services.lead_disqualify(actor=cast.rep_b.user, lead=lead, reason="同行询价")
    lead.refresh_from_db()
    assert lead.disqualify_reason == "同行询价" and not lead.is_open
    for action in (
        lambda: services.lead_record_touch(actor=cast.rep_b.user, lead=lead, channel="phone", summary="x"),
        lambda: services.lead_convert(actor=cast.rep_b.user, lead=lead),
        lambda: services.lead_qualify(actor=cast.rep_b.user, lead=lead),
        lambda: services.lead_disqualify(actor=cast.rep_b.user, lead=lead, reason="x"),
        lambda: services.lead_assign(actor=cast.lead_b.user, lead=lead, owner=cast.lead_b.person),
    ):
        with pytest.raises(ApplicationError) as exc:
            action()
        assert exc.value.code == "closed"
    with pytest.raises(ApplicationError) as exc:
        services.lead_disqualify(
            actor=cast.rep_b.user, lead=make_lead(cast.agent, region="440000"), reason=" "
        )
    assert exc.value.code == "required"


# -- scope -------------------------------------------------------------------------------------------


def test_a_lead_outside_the_scope_does_not_exist(cast, rules):
    lead = make_lead(cast.agent, region="320000")  # rep_a's
    assert lead.owner_id == cast.rep_a.pk
    seen = {name for name, member in cast.all().items() if visible_to(member, lead)}
    assert seen == {"admin", "director", "head", "lead_a", "rep_a"}
    for action in (
        lambda: selectors.lead_get_for_user(user=cast.rep_b.user, pk=lead.pk),
        lambda: services.lead_record_touch(actor=cast.rep_b.user, lead=lead, channel="phone", summary="x"),
        lambda: services.lead_update(actor=cast.rep_a2.user, lead=lead, name="改名"),
        lambda: services.lead_convert(actor=cast.lead_b.user, lead=lead),
        lambda: services.lead_qualify(actor=cast.agent.user, lead=lead),  # registered it, does not own it
    ):
        with pytest.raises(Http404):
            action()
    assert set(selectors.lead_list(user=cast.rep_a.user, mine=True).values_list("pk", flat=True)) == {lead.pk}
    assert not selectors.lead_list(user=cast.rep_b.user, mine=True).exists()


def test_deleting_is_for_assigners_and_can_be_undone(cast, rules):
    lead = make_lead(cast.agent, region="320000")
    with pytest.raises(PermissionDeniedError):
        services.lead_delete(actor=cast.rep_a.user, lead=lead)
    services.lead_delete(actor=cast.lead_a.user, lead=lead)
    assert not Lead.objects.filter(pk=lead.pk).exists()
    # a deleted lead no longer blocks its phone
    make_lead(cast.agent, phone=lead.phone)
    services.lead_restore(actor=cast.director.user, record=Lead.all_objects.get(pk=lead.pk))
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_an_update_is_audited_and_checks_the_version(cast, rules):
    lead = make_lead(cast.agent, region="320000")
    services.lead_update(
        actor=cast.rep_a.user, lead=lead, version=lead.version, company="新名字", phone=unique_phone()
    )
    lead.refresh_from_db()
    assert lead.company == "新名字"
    with pytest.raises(ApplicationError) as exc:
        services.lead_update(actor=cast.rep_a.user, lead=lead, version=1, company="旧")
    assert exc.value.status == 409
    with pytest.raises(ApplicationError):
        services.lead_update(actor=cast.rep_a.user, lead=lead, owner=cast.rep_a2.person)
