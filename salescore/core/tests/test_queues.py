"""The work queues: the home page counts every queue a user sees in one query (core.selectors
.count_each), and each count is the size of the records the queue lists (WorkQueue.records)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.core.navigation import QUEUES, queues_for
from salescore.core.selectors import count_each
from salescore.leads import selectors as lead_selectors
from salescore.leads.tests.factories import make_lead
from salescore.orders import selectors as order_selectors
from salescore.orders import services as orders
from salescore.orders.tests.factories import make_order, make_product, make_quote
from salescore.org import services as org
from salescore.org.models import OrgUnit, Person
from salescore.pipeline import services as pipeline
from salescore.pipeline.tests.factories import make_customer
from salescore.planning import services as planning
from salescore.planning.tests.factories import make_plan, make_target, this_year
from salescore.service import services as service
from salescore.service.tests.factories import make_ticket

# -- count_each ------------------------------------------------------------------------------------


def test_count_each_counts_like_count_in_one_query(cast, django_assert_num_queries):
    people = Person.objects.all()
    querysets = [
        people.filter(name__contains="%"),  # a parameter with the placeholder's character
        # a pattern built in SQL: its '%' is written '%%' in the statement
        OrgUnit.objects.filter(Exists(people.filter(org_unit__path__startswith=OuterRef("path")))),
        people.filter(org_unit__path__startswith=cast.sales_management.path).select_related("org_unit"),
        people.order_by("name")[2:5],  # sliced: counted as sliced
        people.filter(regions__isnull=True).distinct(),
        OrgUnit.objects.annotate(n=Count("members")).filter(n__gt=0),  # grouped
        people.none(),
        people.filter(pk__in=[]),
    ]
    expected = [queryset.count() for queryset in querysets]
    assert expected[1] > 0 and expected[2] > 0 and expected[3] == 3 and expected[5] > 0

    with django_assert_num_queries(1):
        assert count_each(querysets) == expected


def test_count_each_sends_nothing_when_no_row_can_match(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert count_each([]) == []
        assert count_each([Person.objects.none(), OrgUnit.objects.filter(pk__in=[])]) == [0, 0]


# -- the queues ------------------------------------------------------------------------------------


def _more_rows(cast) -> None:
    """Leads, tickets, a return visit, an order, follow-ups and quotes in their queues; each call
    adds as many again."""
    today = timezone.localdate()
    # Three days ago: leads not contacted since, a ticket not answered since, an order promised
    # for the day after, a ticket resolved (its return visit is due by now)
    with time_machine.travel(timezone.now() - dt.timedelta(days=3), tick=False):
        make_lead(cast.director, owner=cast.rep_a.person)  # new, past its first-contact deadline
        make_lead(cast.agent)  # no rule matches: unassigned
        make_ticket(cast.agent, make_customer(cast.rep_a), priority="urgent")
        order = make_order(cast.rep_a, promised_date=timezone.localdate() + dt.timedelta(days=1))
        orders.order_submit(actor=cast.rep_a.user, order=order)
    with time_machine.travel(timezone.now() - dt.timedelta(days=30), tick=False):
        resolved = make_ticket(cast.agent, make_customer(cast.rep_b))
        service.ticket_resolve(actor=cast.agent.user, ticket=resolved, resolution="已修复")
    make_lead(cast.director, owner=cast.rep_b.person)  # new, not overdue yet
    # follow-ups due: rep_a's overdue one and lead_a's of today
    customer = make_customer(cast.rep_a)
    for member, due in ((cast.rep_a, today - dt.timedelta(days=2)), (cast.lead_a, today)):
        pipeline.activity_log(
            actor=member.user,
            customer=customer,
            channel="phone",
            subject="跟进",
            next_step="发报价",
            next_step_due=due,
        )
    # discount approvals: 12% is beyond a team lead's authority, 8% within it
    product = make_product()
    for discount in ("12", "8"):
        quote = make_quote(cast.rep_a, lines=[{"product": product.pk, "quantity": 1, "discount": discount}])
        orders.quote_submit(actor=cast.rep_a.user, quote=quote)


def _records_in_every_queue(cast) -> None:
    """A few rows in each queue, for several members of the cast."""
    today = timezone.localdate()
    _more_rows(cast)
    # a target revision asked by rep_a, and team A's plan submitted
    team = make_target(cast.director, unit=cast.team_a, value="300")
    planning.target_split(actor=cast.director.user, target=team, method="equal")
    planning.target_approve(actor=cast.director.user, target=team)
    planning.target_adjust(
        actor=cast.rep_a.user,
        target=team.children.get(person=cast.rep_a.person),
        new_value="120",
        reason="多",
    )
    plan = make_plan(cast.lead_a, team)
    start = this_year() + dt.timedelta(days=60)
    planning.plan_step_save(
        actor=cast.lead_a.user,
        plan=plan,
        title="拜访",
        owner=cast.rep_a.person,
        start_date=start,
        due_date=start + dt.timedelta(days=10),
    )
    planning.plan_submit(actor=cast.lead_a.user, plan=plan)
    # team B reported on last week, team A did not
    report = planning.report_start(
        actor=cast.lead_b.user, kind="weekly", org_unit=cast.team_b, day=today - dt.timedelta(days=7)
    )
    planning.report_update(actor=cast.lead_b.user, report=report, commentary="顺利")
    planning.report_submit(actor=cast.lead_b.user, report=report)
    # rep_a2 leaves in ten days
    org.person_update(
        actor=cast.admin.user, person=cast.rep_a2.person, left_date=today + dt.timedelta(days=10)
    )


def _counts(member) -> dict[str, int]:
    return {row["key"]: row["count"] for row in queues_for(member.user)}


def test_each_count_is_the_size_of_the_queues_records(cast):
    # Given rows in every queue
    _records_in_every_queue(cast)

    # Then each member's counts, taken together, are those of each queue's records taken alone
    for name, member in cast.all().items():
        counts = _counts(member)
        separately = {key: QUEUES[key].records(member.user).count() for key in counts}
        assert counts == separately, name

    # and the data reached the queues it was meant for
    rep_a, lead_a, lead_b, head = (_counts(m) for m in (cast.rep_a, cast.lead_a, cast.lead_b, cast.head))
    assert (rep_a["leads_overdue"], rep_a["leads_new"], rep_a["followups_due"]) == (1, 1, 1)
    assert rep_a["late_deliveries"] == 1 and _counts(cast.rep_b)["leads_new"] == 1
    assert (lead_a["followups_due"], lead_a["quote_approvals"], lead_a["target_revisions"]) == (1, 1, 1)
    assert (lead_a["report_due"], lead_b["report_due"]) == (1, 0)
    assert (head["quote_approvals"], head["plans_to_approve"], head["leads_unassigned"]) == (2, 1, 1)
    assert head["departures_due"] == 1 and head["people_without_region"] == 6
    agent = _counts(cast.agent)
    assert (agent["my_tickets"], agent["tickets_breached"], agent["visits_due"]) == (1, 1, 1)
    assert _counts(cast.keeper)["late_deliveries"] == 1
    # the late deliveries are those the orders list flags late (with the policy's risk window)
    for member in (cast.keeper, cast.rep_a, cast.rep_b):
        flagged = order_selectors.orders_for(member.user, delivery="late")
        assert set(order_selectors.late_deliveries(member.user)) == set(flagged)
    # the unassigned leads are those the lead list shows with its "unassigned" filter
    for member in cast.all().values():
        if "leads_unassigned" in _counts(member):
            listed = lead_selectors.lead_list(user=member.user, unassigned_only=True)
            assert set(QUEUES["leads_unassigned"].records(member.user)) == set(listed)
    director = _counts(cast.director)
    assert (director["quote_approvals"], director["plans_to_approve"]) == (2, 1)
    assert (director["target_revisions"], director["late_deliveries"]) == (1, 1)


def test_a_report_submitted_last_week_empties_the_queue_this_week(cast):
    today = timezone.localdate()
    assert _counts(cast.lead_a)["report_due"] == 1
    report = planning.report_start(
        actor=cast.lead_a.user, kind="weekly", org_unit=cast.team_a, day=today - dt.timedelta(days=7)
    )
    assert _counts(cast.lead_a)["report_due"] == 1  # a draft is not a report
    planning.report_update(actor=cast.lead_a.user, report=report, commentary="顺利")
    planning.report_submit(actor=cast.lead_a.user, report=report)
    assert _counts(cast.lead_a)["report_due"] == 0
    assert "report_due" not in _counts(cast.rep_a) and _counts(cast.head)["report_due"] == 0


# -- the home page ---------------------------------------------------------------------------------

HOME_BUDGET = 10  # issue #6: a page runs at most 10 queries, whatever the row count
ROLES = ("director", "head", "lead_a", "rep_a", "agent", "clerk", "keeper", "cashier", "admin")


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    return len(ctx)


def test_home_runs_a_fixed_number_of_queries(cast, client_as):
    clients = {name: client_as(getattr(cast, name)) for name in ROLES}
    for client in clients.values():
        client.get("/")  # the session's first use
    # Given rows in every queue
    _records_in_every_queue(cast)
    small = {name: _home_queries(client) for name, client in clients.items()}
    assert max(small.values()) <= HOME_BUDGET, small

    # When there are more of them
    _more_rows(cast)
    _more_rows(cast)

    # Then every role's home page costs what it did
    assert {name: _home_queries(client) for name, client in clients.items()} == small


def test_home_shows_the_section_of_a_team_member(cast, client_as):
    response = client_as(cast.lead_a).get("/")
    assert response.context["section"] == cast.sales_management
    assert response.context["section"].get_duty_display() in response.content.decode()
    assert client_as(cast.head).get("/").context["section"] == cast.sales_management
    assert client_as(cast.keeper).get("/").context["section"] is None  # in the department itself
    headcount = {
        row["unit"].pk: row["count"] for row in client_as(cast.director).get("/").context["headcount"]
    }
    # head, two team leads, three reps
    assert headcount[cast.sales_management.pk] == 6
    assert headcount[cast.care_team.parent_id] == 1  # the agent
    in_sections = Person.objects.filter(status=Person.Status.ACTIVE, org_unit__depth__gte=2)
    assert sum(headcount.values()) == in_sections.count()
