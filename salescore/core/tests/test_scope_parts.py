"""A user's scope split into its parts (core.permissions.scope_parts), and the pages read part by
part (core.pagination.rows): the parts cover exactly the scope, and a page read by parts is the
plain slice, row for row, for every member of the cast and every kind of list."""

import datetime as dt
import itertools
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.core import pagination
from salescore.core.permissions import scope_filter, scope_parts, scope_queryset
from salescore.core.services import record_share
from salescore.customers.models import Contact, Customer
from salescore.customers.selectors import customer_list, pool_list
from salescore.leads.models import Lead
from salescore.leads.selectors import lead_list
from salescore.leads.tests.factories import make_lead
from salescore.orders.models import Order
from salescore.orders.selectors import orders_for
from salescore.orders.tests.factories import make_order
from salescore.org.models import Person
from salescore.pipeline.models import Activity, Opportunity
from salescore.pipeline.selectors import activity_list, opportunity_list
from salescore.pipeline.services import activity_log
from salescore.pipeline.tests.factories import make_customer, make_opportunity
from salescore.planning.models import Target
from salescore.planning.tests.factories import team_cascade

TOUCH = {"channel": "phone", "subject": "跟进", "next_step": "发报价", "next_step_due": dt.date(2026, 1, 5)}
MODELS = (Customer, Contact, Opportunity, Activity, Order, Lead, Target, Person)


@pytest.fixture
def book(cast):
    """Customers, opportunities, activities, orders and leads of three reps and the pool, some
    shared across teams, with updated times that tie (the lists' order ends on the id)."""
    owners = [cast.rep_a, cast.rep_a, cast.rep_a2, cast.rep_b, cast.rep_b, cast.lead_a]
    customers = []
    for member in owners:
        customer = make_customer(member)
        customers.append(customer)
        opportunity = make_opportunity(member, customer)
        activity_log(actor=member.user, customer=customer, opportunity=opportunity, **TOUCH)
        make_order(member, customer=customer)
        make_lead(member)
    # rep_b logs a touch on a customer rep_a owns now: rep_a sees it, by the customer
    record_share(actor=cast.lead_a.user, record=customers[0], person=cast.rep_b.person)
    activity_log(actor=cast.rep_b.user, customer=customers[0], **TOUCH)
    # the pool: two customers nobody owns, one with a touch
    pool = [make_customer(cast.rep_b), make_customer(cast.rep_b)]
    activity_log(actor=cast.rep_b.user, customer=pool[0], **TOUCH)
    Customer.all_objects.filter(pk__in=[c.pk for c in pool]).update(owner=None)
    # a pool customer shared with rep_a as well: seen two ways, counted once
    record_share(actor=cast.director.user, record=pool[0], person=cast.rep_a.person)
    # shares across teams: rep_b's customer, opportunity and order with rep_a
    for record in (
        customers[3],
        Opportunity.objects.get(customer=customers[4]),
        Order.objects.get(customer=customers[4]),
    ):
        record_share(actor=cast.lead_b.user, record=record, person=cast.rep_a.person)
    # an unassigned lead
    Lead.all_objects.filter(pk=make_lead(cast.rep_b).pk).update(owner=None)
    team_cascade(cast)
    # ties and a spread of times, so that the order is decided by the id as often as by the time
    moment = timezone.now() - dt.timedelta(days=3)
    for model in (Customer, Opportunity, Order, Lead):
        for n, pk in enumerate(model.all_objects.order_by("pk").values_list("pk", flat=True)):
            model.all_objects.filter(pk=pk).update(updated_at=moment - dt.timedelta(hours=n // 2))
    for n, pk in enumerate(Activity.all_objects.order_by("pk").values_list("pk", flat=True)):
        Activity.all_objects.filter(pk=pk).update(occurred_at=moment - dt.timedelta(hours=n % 3))
    return cast


def _any(parts):
    combined = Q(pk__in=[])
    for part in parts:
        combined |= part
    return combined


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_parts_cover_exactly_the_scope(book, model):
    for (name, member), shared, to_change, unowned in itertools.product(
        book.all().items(), (True, False), (False, True), (True, False)
    ):
        options = {"include_shared": shared, "to_change": to_change, "include_unowned": unowned}
        condition = scope_filter(model, member.user, **options)
        parts = scope_parts(model, member.user, **options)
        assert (condition is None) == (parts is None), name
        if condition is None:
            continue
        everything = model._base_manager.all()
        expected = set(everything.filter(condition).values_list("pk", flat=True))
        assert set(everything.filter(_any(parts)).values_list("pk", flat=True)) == expected, (name, options)


def test_a_rep_sees_through_several_parts_and_a_director_through_none(book):
    # rep_a: own, the pool, shared with them
    assert len(scope_parts(Customer, book.rep_a.user)) == 3
    # a contact is seen through its customer: the same parts, one subquery each; an activity keeps
    # its customer's owner, so the same parts are conditions on its own columns
    assert len(scope_parts(Contact, book.rep_a.user)) == 3
    assert len(scope_parts(Activity, book.rep_a.user)) == 3
    assert "customers_customer" not in str(
        Activity.objects.filter(_any(scope_parts(Activity, book.rep_a.user))).query
    )
    assert scope_parts(Customer, book.director.user) is None


def _lists(member):
    user = member.user
    return {
        "customers": customer_list(user=user),
        "customers, pool only": customer_list(user=user, pool=True),
        "every customer in scope": scope_queryset(Customer.objects.all(), user),
        "customers by name": customer_list(user=user, order="name"),
        "customers, search": customer_list(user=user, q="流程客户"),
        "pool": pool_list(user=user),
        "opportunities": opportunity_list(user=user),
        "activities": activity_list(user=user),
        "activities, search": activity_list(user=user, q="流程客户"),
        "opportunities, search": opportunity_list(user=user, q="流程客户"),
        "orders, search": orders_for(user, q="流程客户"),
        "follow-ups": activity_list(user=user, followups_only=True),
        "orders": orders_for(user),
        "leads": lead_list(user=user),
    }


def _pks(rows):
    return [row.pk for row in rows]


@pytest.mark.parametrize("name", ["rep_a", "rep_a2", "rep_b", "lead_a", "head", "director", "agent", "clerk"])
def test_a_page_read_by_parts_is_the_plain_slice(book, name):
    member = book.all()[name]
    for label, queryset in _lists(member).items():
        whole = _pks(queryset)
        for start, stop in ((0, 1), (0, 3), (1, 4), (2, 5), (3, 100), (0, 100), (50, 60)):
            assert _pks(pagination.rows(queryset, start, stop)) == whole[start:stop], (label, start, stop)


@pytest.mark.parametrize("name", ["rep_a", "rep_a2", "rep_b", "lead_a", "head", "director", "agent", "clerk"])
def test_a_count_by_parts_is_the_plain_count(book, name):
    """A record seen two ways (a pool customer shared with the rep) counts once; a part that
    reaches the cap makes the count "more than"."""
    member = book.all()[name]
    for label, queryset in _lists(member).items():
        total = queryset.count()
        for cap in (0, 1, 2, 3, total - 1, total, 100):
            if cap < 0:
                continue
            expected = (total, True) if total <= cap else (cap, False)
            assert pagination.capped_count(queryset, cap=cap) == expected, (label, cap)


def test_a_reps_count_reads_each_part(book):
    with CaptureQueriesContext(connection) as seen:
        count, exact = pagination.capped_count(activity_list(user=book.rep_a.user))
    assert exact and count == activity_list(user=book.rep_a.user).count()
    assert len(seen.captured_queries) == 1
    assert seen.captured_queries[0]["sql"].count(" UNION ") == 2


def test_a_reps_page_reads_each_part_along_its_own_index(book):
    queryset = scope_queryset(Customer.objects.order_by("-updated_at", "-id"), book.rep_a.user)
    with CaptureQueriesContext(connection) as seen:
        page = list(pagination.rows(queryset, 0, 25))
    assert page
    sql = seen.captured_queries[0]["sql"]
    assert sql.count(" UNION ") == 2  # own, the pool, shared with them
    # the order is on the customer's own columns: the parts give them with their ids, and only
    # the first 25 of all their candidates are read whole
    assert "ORDER BY 2 DESC, 1 DESC LIMIT 25) AS candidates" in sql
    # the list of owned customers leaves the pool's part out
    with CaptureQueriesContext(connection) as seen:
        list(pagination.rows(customer_list(user=book.rep_a.user), 0, 25))
    assert seen.captured_queries[0]["sql"].count(" UNION ") == 1
    # a rep's activities too (their customers', the pool's, shared), on the activity's own columns;
    # the two parts that pin the kept owner are ordered by it first, which leads to its index
    with CaptureQueriesContext(connection) as seen:
        assert list(pagination.rows(activity_list(user=book.rep_a.user), 0, 25))
    sql = seen.captured_queries[0]["sql"]
    assert sql.count(" UNION ") == 2
    assert (
        # (the occurred-at column by its place in the part's columns)
        sql.count(
            'ORDER BY "pipeline_activity"."customer_owner_id" ASC, 2 DESC, "pipeline_activity"."id" DESC'
        )
        == 2
    )
    # the director's list has no parts: the plain slice
    with CaptureQueriesContext(connection) as seen:
        list(pagination.rows(customer_list(user=book.director.user), 0, 25))
    assert " UNION " not in seen.captured_queries[0]["sql"]


def test_a_searched_page_tests_the_search_and_the_scope_in_its_candidates_only(book):
    """A page read by parts is cut from candidates that each met the whole queryset (their part
    implies the scope, and the search is tested in each), so the page's own query tests neither
    again: given them, PostgreSQL costed the search's subquery once for every candidate and read
    the whole table instead."""
    from salescore.customers import search

    # the search as the join to the customer's name, on both databases (a part in many names)
    with mock.patch.object(search, "PROBE", 1), mock.patch.object(search, "WIDE", 1):
        lists = (
            opportunity_list(user=book.rep_a.user, q="流程客户"),
            activity_list(user=book.rep_a.user, q="流程客户"),
        )
    for found in lists:
        parts = len(pagination._scope(found)[1])
        with CaptureQueriesContext(connection) as seen:
            page = list(pagination.rows(found, 0, 25))
        assert page and _pks(page) == _pks(found)[:25]
        sql = seen.captured_queries[0]["sql"]
        # once per part's candidates (the search's own text and its customers), never outside them
        assert sql.count("流程客户") == 2 * parts, sql
        outside = sql[: sql.index("IN (SELECT pk FROM")]
        assert "流程客户" not in outside and "core_recordshare" not in outside


def test_the_pages_and_the_api_read_by_parts(book, client_as, api_as):
    expected = _pks(customer_list(user=book.rep_a.user))
    assert len(expected) >= 3
    body = api_as(book.rep_a).get("/api/v1/customers?limit=2&offset=1").json()
    assert [item["id"] for item in body["items"]] == expected[1:3]
    assert body["count"] == len(expected)
    page = client_as(book.rep_a).get("/customers/")
    assert [c.pk for c in page.context["page"].items] == expected[:25]


def test_a_scope_combined_by_or_is_read_plainly(book):
    """``qs | other`` may hold rows outside the parts: the page is then the plain slice."""
    scoped = scope_queryset(Customer.objects.all(), book.rep_a.user)
    wider = (scoped | Customer.objects.filter(owner=book.rep_b.person)).order_by("-updated_at", "-id")
    assert _pks(pagination.rows(wider, 0, 100)) == _pks(wider)
    assert book.rep_b.pk in {c.owner_id for c in pagination.rows(wider, 0, 100)}


def test_a_fixed_number_of_queries_per_page(book, django_assert_max_num_queries):
    queryset = activity_list(user=book.rep_a.user)
    with django_assert_max_num_queries(1):
        list(pagination.rows(queryset, 0, 25))
