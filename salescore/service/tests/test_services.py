"""Service writes (R3.7): SLA due times, assignment, the log and first response, escalation,
resolution with its return visit and rating link, the SLA watch, return visits and ratings,
the customer's public link, configuration."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from salescore.core.errors import ApplicationError
from salescore.core.models import AuditLog, Notification
from salescore.pipeline.models import Activity
from salescore.service import services
from salescore.service.models import Rating, ReturnVisit, ServicePolicy, Sla, Ticket, TicketEntry
from salescore.service.tests.factories import (
    delivered_order,
    make_customer,
    make_ticket,
    service_person,
)

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("priority", "response", "resolution"),
    [("urgent", 2, 24), ("high", 4, 48), ("normal", 8, 72), ("low", 24, 168)],
)
def test_due_times_follow_the_priority(cast, priority, response, resolution):
    with time_machine.travel(NOW, tick=False):
        ticket = make_ticket(cast.agent, make_customer(cast.rep_a), priority=priority)
    assert ticket.opened_at == NOW
    assert ticket.response_due_at == NOW + dt.timedelta(hours=response)
    assert ticket.resolution_due_at == NOW + dt.timedelta(hours=resolution)
    assert ticket.status == Ticket.Status.NEW and ticket.number.startswith("TK")


def test_configured_sla_applies_to_new_tickets(cast):
    services.sla_update(actor=cast.admin.user, priority="normal", response_hours=1, resolution_hours=5)
    with time_machine.travel(NOW, tick=False):
        ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    assert ticket.response_due_at == NOW + dt.timedelta(hours=1)
    assert ticket.resolution_due_at == NOW + dt.timedelta(hours=5)
    assert AuditLog.objects.filter(object_id=Sla.objects.get(priority="normal").pk).exists()


def test_sla_update_is_checked_and_guarded(cast):
    with pytest.raises(ApplicationError) as exc:
        services.sla_update(actor=cast.admin.user, priority="normal", response_hours=10, resolution_hours=5)
    assert "resolution_hours" in exc.value.fields
    with pytest.raises(ApplicationError):
        services.sla_update(actor=cast.admin.user, priority="normal", response_hours=0, resolution_hours=5)
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied from require()
        services.sla_update(actor=cast.agent.user, priority="normal", response_hours=1, resolution_hours=5)


def test_service_policy_update_audits_the_change(cast):
    policy = services.service_policy_update(actor=cast.admin.user, visit_after_ticket_days=5)
    assert policy.visit_after_ticket_days == 5 == ServicePolicy.current().visit_after_ticket_days
    row = AuditLog.objects.get(object_id=policy.pk, action="update")
    assert row.changes["visit_after_ticket_days"] == {"old": 3, "new": 5}
    with pytest.raises(ApplicationError):
        services.service_policy_update(actor=cast.admin.user, rating_link_days=0)


def test_auto_assignment_spreads_the_load(cast):
    second = service_person(cast, "agent2")
    customer = make_customer(cast.rep_a)
    assignees = [make_ticket(cast.agent, customer).assignee_id for _ in range(4)]
    assert sorted(assignees) == sorted([cast.agent.pk, cast.agent.pk, second.pk, second.pk])
    assert Notification.objects.filter(kind="ticket_assigned").count() == 4


def test_only_customer_service_is_assigned(cast):
    ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign(actor=cast.agent.user, ticket=ticket, assignee=cast.rep_a.person)
    assert "assignee" in exc.value.fields


def test_a_rep_opens_a_ticket_for_their_customer_but_not_for_another(cast):
    mine = make_customer(cast.rep_a)
    theirs = make_customer(cast.rep_b)
    assert make_ticket(cast.rep_a, mine).customer == mine
    with pytest.raises(Http404):
        make_ticket(cast.rep_a, theirs)


def test_first_response_is_the_first_reply(cast):
    with time_machine.travel(NOW, tick=False):
        ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        services.ticket_log(actor=cast.agent.user, ticket=ticket, kind="note", body="查看记录")
        ticket.refresh_from_db()
        assert ticket.first_response_at is None and ticket.status == Ticket.Status.NEW
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        services.ticket_log(actor=cast.agent.user, ticket=ticket, kind="reply", body="我们已收到")
    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        services.ticket_log(actor=cast.agent.user, ticket=ticket, kind="reply", body="第二次回复")
    ticket.refresh_from_db()
    assert ticket.first_response_at == NOW + dt.timedelta(hours=2)
    assert ticket.status == Ticket.Status.IN_PROGRESS
    assert not ticket.response_breached()


def test_the_log_refuses_unknown_kinds_and_resolved_tickets(cast):
    ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    with pytest.raises(ApplicationError):
        services.ticket_log(actor=cast.agent.user, ticket=ticket, kind="resolution", body="x")
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="更换轴承")
    with pytest.raises(ApplicationError) as exc:
        services.ticket_log(actor=cast.agent.user, ticket=ticket, kind="reply", body="x")
    assert exc.value.code == "invalid_status"


def test_only_customer_service_works_the_ticket(cast):
    ticket = make_ticket(cast.rep_a, make_customer(cast.rep_a))
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        services.ticket_log(actor=cast.rep_a.user, ticket=ticket, kind="reply", body="x")


def test_waiting_and_the_customers_answer(cast):
    ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    services.ticket_wait(actor=cast.agent.user, ticket=ticket, note="等客户寄回零件")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    services.ticket_log(actor=cast.agent.user, ticket=ticket, kind="customer", body="零件已寄出")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS


def test_escalation_notifies_the_leaders(cast):
    lead = service_person(cast, "cslead", position="team_lead")
    ticket = make_ticket(cast.agent, make_customer(cast.rep_a), priority="normal")
    services.ticket_escalate(actor=cast.agent.user, ticket=ticket, reason="客户投诉升级")
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1 and ticket.priority == "high"
    note = Notification.objects.get(kind="ticket_escalated")
    assert note.recipient == lead.user and "客户投诉升级" in note.body
    assert ticket.entries.filter(kind=TicketEntry.Kind.ESCALATION).exists()
    services.ticket_escalate(actor=cast.agent.user, ticket=ticket, reason="再次", to=cast.head.person)
    assert Notification.objects.filter(kind="ticket_escalated", recipient=cast.head.user).exists()
    with pytest.raises(ApplicationError):
        services.ticket_escalate(actor=cast.agent.user, ticket=ticket, reason=" ")


def test_resolve_plans_a_return_visit_and_a_rating_link(cast):
    product = None
    customer = make_customer(cast.rep_a)
    ticket = make_ticket(cast.agent, customer, product=product)
    with time_machine.travel(NOW, tick=False):
        services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="更换轴承")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED and ticket.resolved_at == NOW
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert visit.reason == "ticket" and visit.assignee == cast.agent.person
    assert visit.due_date == timezone.localdate(NOW) + dt.timedelta(days=3)
    rating = Rating.objects.get(ticket=ticket)
    assert rating.agent == cast.agent.person and rating.rep == cast.rep_a.person
    assert rating.expires_at == NOW + dt.timedelta(days=14) and rating.answered_at is None
    assert Notification.objects.filter(kind="ticket_resolved", recipient=cast.rep_a.user).exists()
    with pytest.raises(ApplicationError):
        services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="again")

    services.ticket_close(actor=cast.agent.user, ticket=ticket)
    services.ticket_reopen(actor=cast.agent.user, ticket=ticket, reason="问题复发")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS and ticket.resolved_at is None
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="再次修复")
    assert ReturnVisit.objects.filter(ticket=ticket).count() == 1  # one visit per ticket


def test_sla_watch_warns_once_per_breach(cast):
    lead = service_person(cast, "cslead", position="team_lead")
    with time_machine.travel(NOW, tick=False):
        ticket = make_ticket(cast.agent, make_customer(cast.rep_a), priority="urgent")
    assert services.sla_watch(now=NOW + dt.timedelta(hours=1)) == 0
    assert services.sla_watch(now=NOW + dt.timedelta(hours=3)) == 1
    assert services.sla_watch(now=NOW + dt.timedelta(hours=4)) == 0
    warned = Notification.objects.filter(kind="ticket_sla_response")
    assert {n.recipient for n in warned} == {lead.user, cast.agent.user}
    assert services.sla_watch(now=NOW + dt.timedelta(hours=25)) == 1
    assert services.sla_watch(now=NOW + dt.timedelta(hours=26)) == 0
    ticket.refresh_from_db()
    assert ticket.breach_warned == "resolution,response"


def test_return_visits_schedule_one_per_delivered_order(cast):
    order = delivered_order(cast)
    assert order.delivered_date == timezone.localdate()
    assert services.return_visits_schedule() == 1
    assert services.return_visits_schedule() == 0
    visit = ReturnVisit.objects.get(order=order)
    assert visit.reason == "delivery" and visit.customer == order.customer
    assert visit.due_date == order.delivered_date + dt.timedelta(days=7)
    assert visit.assignee == cast.agent.person


def test_return_visit_record_is_an_activity_with_the_agents_scores(cast):
    customer = make_customer(cast.rep_a)
    ticket = make_ticket(cast.agent, customer)
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="修好了")
    visit = ReturnVisit.objects.get(ticket=ticket)
    services.return_visit_record(
        actor=cast.agent.user, visit=visit, outcome="done", summary="客户满意", csat="5", nps=9
    )
    visit.refresh_from_db()
    assert visit.status == "done" and visit.activity is not None
    activity = Activity.objects.get(pk=visit.activity_id)
    assert activity.customer == customer and "客户满意" in activity.summary
    rating = Rating.objects.get(return_visit=visit)
    assert (rating.source, rating.csat, rating.nps) == ("agent", 5, 9)
    with pytest.raises(ApplicationError):
        services.return_visit_record(actor=cast.agent.user, visit=visit, outcome="done", summary="again")


def test_return_visit_record_checks_scores_and_can_send_a_link(cast):
    ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="修好了")
    visit = ReturnVisit.objects.get(ticket=ticket)
    with pytest.raises(ApplicationError) as exc:
        services.return_visit_record(actor=cast.agent.user, visit=visit, outcome="done", summary="x", csat=6)
    assert "csat" in exc.value.fields
    services.return_visit_record(
        actor=cast.agent.user, visit=visit, outcome="done", summary="x", send_link=True
    )
    link = Rating.objects.get(return_visit=visit)
    assert link.answered_at is None and link.source == "link"


def test_rating_answer_once_in_range_before_expiry(cast):
    ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    with time_machine.travel(NOW, tick=False):
        services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="修好了")
    rating = Rating.objects.get(ticket=ticket)
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        with pytest.raises(ApplicationError) as exc:
            services.rating_answer(token=rating.token, csat=6, nps=5)
        assert exc.value.fields == {"csat": exc.value.fields["csat"]}
        with pytest.raises(ApplicationError):
            services.rating_answer(token=rating.token, csat=4, nps=11)
        with pytest.raises(ApplicationError) as exc:
            services.rating_answer(token=rating.token, csat=None, nps=5)
        assert exc.value.code == "required"
        services.rating_answer(token=rating.token, csat=4, nps=10, comment="很好")
        with pytest.raises(ApplicationError) as exc:
            services.rating_answer(token=rating.token, csat=5, nps=10)
        assert exc.value.code == "answered"
    rating.refresh_from_db()
    assert (rating.csat, rating.nps, rating.comment) == (4, 10, "很好")

    other = make_ticket(cast.agent, make_customer(cast.rep_a))
    with time_machine.travel(NOW, tick=False):
        services.ticket_resolve(actor=cast.agent.user, ticket=other, resolution="修好了")
    expired = Rating.objects.get(ticket=other)
    with time_machine.travel(NOW + dt.timedelta(days=15), tick=False), pytest.raises(ApplicationError) as exc:
        services.rating_answer(token=expired.token, csat=5, nps=10)
    assert exc.value.code == "expired"
    with pytest.raises(ApplicationError) as exc:
        services.rating_answer(token="nope", csat=5, nps=10)
    assert exc.value.status == 404


def test_public_ticket_through_the_link_and_revocation(cast):
    customer = make_customer(cast.rep_a)
    token = services.service_link_create(actor=cast.rep_a.user, customer=customer)
    ticket = services.ticket_open_public(
        token=token,
        reporter_name="王工",
        reporter_phone="13700000000",
        category="usage",
        subject="不会换刀",
        description="请指导",
    )
    assert ticket.customer == customer and ticket.channel == "public_form"
    assert ticket.assignee == cast.agent.person and ticket.entries.get().author_name == "王工"
    with pytest.raises(Http404):
        services.service_link_create(actor=cast.rep_b.user, customer=customer)
    assert services.service_link_revoke(actor=cast.rep_a.user, customer=customer) == 1
    with pytest.raises(ApplicationError) as exc:
        services.ticket_open_public(
            token=token, reporter_name="x", reporter_phone="1", category="usage", subject="s", description="d"
        )
    assert exc.value.status == 404


def test_delete_and_restore_take_the_planned_visit_along(cast):
    ticket = make_ticket(cast.agent, make_customer(cast.rep_a))
    services.ticket_resolve(actor=cast.agent.user, ticket=ticket, resolution="ok")
    services.ticket_delete(actor=cast.agent.user, ticket=ticket)
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    assert not ReturnVisit.objects.filter(ticket=ticket).exists()
    services.ticket_restore(actor=cast.admin.user, record=Ticket.all_objects.get(pk=ticket.pk))
    assert ReturnVisit.objects.filter(ticket=ticket).exists()
