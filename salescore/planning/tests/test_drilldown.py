"""Every figure links to the records behind it: following a target's link lists exactly the
customers or touches its actual counts, with the period's Asia/Shanghai day boundaries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from salescore.orders.tests.factories import make_customer
from salescore.pipeline import services as pipeline
from salescore.planning import selectors
from salescore.planning.models import Metric, Target
from salescore.planning.views_targets import records_url

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def _target(metric, *, unit=None, person=None):
    return Target.objects.create(
        metric=metric,
        period_kind="month",
        period_start=MARCH[0],
        period_end=MARCH[1],
        org_unit=unit,
        person=person.person if person is not None else None,
        value=10,
        original_value=10,
        status=Target.Status.APPROVED,
    )


def _customer_at(member, local: dt.datetime, name: str):
    with time_machine.travel(local, tick=False):
        return make_customer(member, name=name)


def _visit_at(member, customer, local: dt.datetime, channel="visit"):
    with time_machine.travel(local + dt.timedelta(minutes=1), tick=False):
        return pipeline.activity_log(
            actor=member.user, customer=customer, channel=channel, subject="拜访", occurred_at=local
        )


def _listed_ids(html: str, attribute: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'{attribute}="(\d+)"', html)}


def test_new_customers_link_lists_the_units_customers_of_the_period(cast, client_as):
    # Created at 23:30 on 28 Feb (Shanghai): February. At 00:10 on 1 March: March, though UTC says February.
    _customer_at(cast.rep_a, dt.datetime(2026, 2, 28, 23, 30, tzinfo=SHANGHAI), "二月客户有限公司")
    march_first = _customer_at(
        cast.rep_a, dt.datetime(2026, 3, 1, 0, 10, tzinfo=SHANGHAI), "三月一号有限公司"
    )
    march_end = _customer_at(cast.rep_a2, dt.datetime(2026, 3, 31, 23, 50, tzinfo=SHANGHAI), "三月底有限公司")
    _customer_at(cast.rep_b, dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI), "乙队客户有限公司")  # team B
    _customer_at(cast.rep_a, dt.datetime(2026, 4, 1, 0, 5, tzinfo=SHANGHAI), "四月客户有限公司")
    target = _target(Metric.NEW_CUSTOMERS, unit=cast.team_a)

    [item] = selectors.progress([target], today=dt.date(2026, 4, 2))
    url = records_url(target)
    html = client_as(cast.lead_a).get(url).text

    assert item.actual == 2
    assert "created_from=2026-03-01" in url and "created_to=2026-03-31" in url
    assert _listed_ids(html, "data-customer") == {march_first.pk, march_end.pk}
    assert 'data-testid="unit-filter"' in html


def test_visits_link_lists_the_persons_visits_of_the_period(cast, client_as):
    customer = make_customer(cast.rep_a)
    _visit_at(cast.rep_a, customer, dt.datetime(2026, 2, 28, 23, 59, tzinfo=SHANGHAI))
    inside = _visit_at(cast.rep_a, customer, dt.datetime(2026, 3, 1, 0, 0, tzinfo=SHANGHAI))
    _visit_at(cast.rep_a, customer, dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI), channel="phone")
    last = _visit_at(cast.rep_a, customer, dt.datetime(2026, 3, 31, 23, 59, tzinfo=SHANGHAI))
    target = _target(Metric.VISITS, person=cast.rep_a)

    [item] = selectors.progress([target], today=dt.date(2026, 4, 2))
    html = client_as(cast.rep_a).get(records_url(target)).text

    assert item.actual == 2
    assert _listed_ids(html, "data-activity") == {inside.pk, last.pk}


def test_unit_calls_link_counts_the_whole_subtree(cast, client_as):
    customer_a = make_customer(cast.rep_a)
    customer_b = make_customer(cast.rep_b)
    calls = [
        _visit_at(cast.rep_a, customer_a, dt.datetime(2026, 3, 3, 9, tzinfo=SHANGHAI), channel="phone"),
        _visit_at(cast.rep_b, customer_b, dt.datetime(2026, 3, 4, 9, tzinfo=SHANGHAI), channel="phone"),
    ]
    target = _target(Metric.CALLS, unit=cast.sales_management)

    [item] = selectors.progress([target], today=dt.date(2026, 4, 2))
    html = client_as(cast.director).get(records_url(target)).text

    assert item.actual == 2
    assert _listed_ids(html, "data-activity") == {call.pk for call in calls}


def test_a_backwards_date_range_says_which_field_and_keeps_the_other_filters(cast, client_as):
    march = _customer_at(cast.rep_a, dt.datetime(2026, 3, 31, 9, 0, tzinfo=SHANGHAI), "三月客户有限公司")
    april = _customer_at(cast.rep_a, dt.datetime(2026, 4, 2, 9, 0, tzinfo=SHANGHAI), "四月客户有限公司")
    response = client_as(cast.rep_a).get(
        reverse("customers:list") + "?created_from=2026-03-31&created_to=2026-03-01"
    )

    assert response.status_code == 200
    assert 'data-testid="filter-error"' in response.text
    # The start date still applies; only the backwards end date is refused.
    assert _listed_ids(response.text, "data-customer") == {march.pk, april.pk}
    assert _listed_ids(
        client_as(cast.rep_a).get(reverse("customers:list") + "?created_to=2026-03-31").text, "data-customer"
    ) == {march.pk}


def test_api_filters_customers_and_activities_by_date_and_unit(cast, api_as):
    customer = _customer_at(cast.rep_a, dt.datetime(2026, 3, 1, 0, 10, tzinfo=SHANGHAI), "接口客户有限公司")
    _customer_at(cast.rep_b, dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), "接口乙队有限公司")
    visit = _visit_at(cast.rep_a, customer, dt.datetime(2026, 3, 1, 0, 5, tzinfo=SHANGHAI))
    api = api_as(cast.director)

    customers = api.get(
        "/api/v1/customers",
        {"unit_id": cast.team_a.pk, "created_from": "2026-03-01", "created_to": "2026-03-31"},
    ).json()
    activities = api.get(
        "/api/v1/activities",
        {"unit_id": cast.team_a.pk, "occurred_from": "2026-03-01", "occurred_to": "2026-03-01"},
    ).json()
    backwards = api.get("/api/v1/customers", {"created_from": "2026-03-31", "created_to": "2026-03-01"})

    assert [row["id"] for row in customers["items"]] == [customer.pk]
    assert [row["id"] for row in activities["items"]] == [visit.pk]
    assert backwards.status_code == 400
    assert backwards.json()["code"] == "invalid_range" and "created_to" in backwards.json()["fields"]
