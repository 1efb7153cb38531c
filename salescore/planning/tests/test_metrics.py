"""Actuals against hand-computed figures: split credit, period boundaries in Asia/Shanghai,
partial periods, market share and the projection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from salescore.orders import services as orders
from salescore.orders.models import Order
from salescore.orders.tests.factories import make_contact, make_customer, make_product
from salescore.pipeline import services as pipeline
from salescore.planning import figures, metrics, selectors
from salescore.planning.metrics import Segment, Window
from salescore.planning.models import MarketSize, Metric, Target

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MARCH = Window(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
APRIL = Window(dt.date(2026, 4, 1), dt.date(2026, 4, 30))


def _order(
    member, *, day: dt.date, quantity=1, price="10000.00", customer=None, category=None, status="submit"
):
    """A submitted order of ``member`` dated ``day``: quantity x price before tax."""
    customer = customer or make_customer(member, address="杭州市西湖区文三路1号")
    product = make_product(list_price=Decimal(price), price_floor=Decimal("0"), category=category)
    order = orders.order_create(
        actor=member.user,
        customer=customer,
        lines=[{"product": product.pk, "quantity": quantity}],
        contact=make_contact(member, customer),
        order_date=day,
        promised_date=day + dt.timedelta(days=20),
        payment_terms="net_30",
    )
    if status == "submit":
        order = orders.order_submit(actor=member.user, order=order)
    return order


def _target(metric, *, unit=None, person=None, window=MARCH, value="10000", kind="month", **fields):
    return Target.objects.create(
        metric=metric,
        period_kind=kind,
        period_start=window.start,
        period_end=window.end,
        org_unit=unit,
        person=person.person if person is not None else None,
        value=Decimal(value),
        original_value=Decimal(value),
        status=Target.Status.APPROVED,
        **fields,
    )


@pytest.mark.django_db
def test_split_credit_counts_sixty_forty_and_never_twice(cast):
    # Given an order of 1000.00 before tax owned by rep_a, credited 60/40 with rep_a2
    order = _order(cast.rep_a, day=dt.date(2026, 3, 10), price="1000.00")
    orders.order_credits_set(
        actor=cast.rep_a.user, order=order, shares=[(cast.rep_a.person, "60"), (cast.rep_a2.person, "40")]
    )
    # and an unsplit order of 250.00 of rep_b
    _order(cast.rep_b, day=dt.date(2026, 3, 11), price="250.00")

    totals = metrics.totals(Metric.SALES_AMOUNT, MARCH)

    assert totals.for_person(cast.rep_a.pk) == Decimal("600.00")
    assert totals.for_person(cast.rep_a2.pk) == Decimal("400.00")
    assert totals.for_person(cast.rep_b.pk) == Decimal("250.00")
    assert totals.for_unit(cast.team_a.path) == Decimal("1000.00")  # not 2000: one order
    assert totals.for_unit(cast.sales_management.path) == Decimal("1250.00")


@pytest.mark.django_db
def test_drafts_and_cancelled_orders_do_not_count(cast):
    _order(cast.rep_a, day=dt.date(2026, 3, 10), status="draft")
    cancelled = _order(cast.rep_a, day=dt.date(2026, 3, 12))
    orders.order_cancel(actor=cast.rep_a.user, order=cancelled, reason="客户取消")
    _order(cast.rep_a, day=dt.date(2026, 3, 15), price="300.00")

    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(cast.rep_a.pk) == Decimal("300.00")


@pytest.mark.django_db
def test_period_boundaries_follow_shanghai_dates(cast):
    _order(cast.rep_a, day=dt.date(2026, 3, 31), price="100.00")
    _order(cast.rep_a, day=dt.date(2026, 4, 1), price="7.00")
    customer = make_customer(cast.rep_a)
    # 23:30 on 31 March in Shanghai is 15:30 UTC: March. 00:10 on 1 April is 16:10 UTC on 31 March: April.
    for local in (
        dt.datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI),
        dt.datetime(2026, 4, 1, 0, 10, tzinfo=SHANGHAI),
    ):
        with time_machine.travel(local + dt.timedelta(minutes=1), tick=False):
            pipeline.activity_log(
                actor=cast.rep_a.user, customer=customer, channel="visit", subject="拜访", occurred_at=local
            )

    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(cast.rep_a.pk) == Decimal("100.00")
    assert metrics.totals(Metric.SALES_AMOUNT, APRIL).for_person(cast.rep_a.pk) == Decimal("7.00")
    assert metrics.totals(Metric.VISITS, MARCH).for_person(cast.rep_a.pk) == 1
    assert metrics.totals(Metric.VISITS, APRIL).for_person(cast.rep_a.pk) == 1


@pytest.mark.django_db
def test_collected_amount_follows_the_orders_split(cast):
    order = _order(cast.rep_a, day=dt.date(2026, 3, 2), price="1000.00")  # 1130.00 with tax
    orders.order_credits_set(
        actor=cast.rep_a.user, order=order, shares=[(cast.rep_a.person, "75"), (cast.rep_b.person, "25")]
    )
    with time_machine.travel(dt.datetime(2026, 3, 20, 10, tzinfo=SHANGHAI), tick=False):
        orders.payment_record(
            actor=cast.cashier.user, order=order, amount="400.00", received_on=dt.date(2026, 3, 20)
        )

    totals = metrics.totals(Metric.COLLECTED_AMOUNT, MARCH)

    assert totals.for_person(cast.rep_a.pk) == Decimal("300.00")
    assert totals.for_person(cast.rep_b.pk) == Decimal("100.00")
    assert totals.for_unit(cast.department.path) == Decimal("400.00")


@pytest.mark.django_db
def test_quantity_by_category_and_new_customers(cast):
    from salescore.pipeline.tests.factories import make_category

    machines = make_category()
    _order(cast.rep_a, day=dt.date(2026, 3, 5), quantity=3, category=machines)
    _order(cast.rep_a, day=dt.date(2026, 3, 6), quantity=5)
    with time_machine.travel(dt.datetime(2026, 3, 8, 9, tzinfo=SHANGHAI), tick=False):
        make_customer(cast.rep_b)
        make_customer(cast.rep_b)

    assert metrics.totals(Metric.SALES_QUANTITY, MARCH, Segment(category_id=machines.pk)).for_person(
        cast.rep_a.pk
    ) == Decimal("3")
    assert metrics.totals(Metric.SALES_QUANTITY, MARCH).for_person(cast.rep_a.pk) == Decimal("8")
    assert metrics.totals(Metric.NEW_CUSTOMERS, MARCH).for_person(cast.rep_b.pk) == 2


@pytest.mark.django_db
def test_market_share_divides_segment_sales_by_a_prorated_market_size(cast):
    energy = make_customer(cast.rep_a, industry="energy", address="太原市小店区1号")
    _order(cast.rep_a, day=dt.date(2026, 2, 10), price="3000.00", customer=energy)
    _order(cast.rep_a, day=dt.date(2026, 2, 11), price="5000.00")  # another industry: not counted
    MarketSize.objects.create(
        industry="energy",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        amount=Decimal("365000.00"),
    )
    quarter = Window(dt.date(2026, 1, 1), dt.date(2026, 3, 31))  # 90 days: 90,000.00 of the year
    target = _target(
        Metric.MARKET_SHARE,
        unit=cast.department,
        window=quarter,
        kind="quarter",
        value="5",
        industry="energy",
    )

    [item] = selectors.progress([target], today=dt.date(2026, 4, 1))

    assert item.market_size == Decimal("90000.00")
    assert item.actual == Decimal("3.33")  # 3,000 / 90,000
    assert item.attainment == Decimal("66.7")


@pytest.mark.django_db
def test_progress_of_a_partial_month_with_projection_from_the_weighted_pipeline(cast):
    _order(cast.rep_a, day=dt.date(2026, 3, 3), price="2000.00")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI), tick=False):
        pipeline.opportunity_create(
            actor=cast.rep_a.user,
            customer=make_customer(cast.rep_a),
            name="三月商机",
            amount="5000.00",
            expected_close_date=dt.date(2026, 3, 25),
        )  # first stage: 10% -> 500.00 weighted
    target = _target(Metric.SALES_AMOUNT, person=cast.rep_a, value="10000")

    # The morning of 11 March: 10 of 31 days are gone.
    [item] = selectors.progress([target], today=dt.date(2026, 3, 11))

    assert item.actual == Decimal("2000.00")
    assert item.attainment == Decimal("20.0")
    assert item.elapsed == Decimal("32.3")
    assert item.gap == Decimal("-12.3")
    assert item.pipeline == Decimal("500.00")
    assert item.projection == Decimal("2500.00")


@pytest.mark.django_db
def test_a_targets_figures_read_only_its_owners_rows(cast):
    # 60/40 between rep_a and rep_a2 (team A), and rep_b's own order (team B)
    order = _order(cast.rep_a, day=dt.date(2026, 3, 10), price="1000.00")
    orders.order_credits_set(
        actor=cast.rep_a.user, order=order, shares=[(cast.rep_a.person, "60"), (cast.rep_a2.person, "40")]
    )
    _order(cast.rep_b, day=dt.date(2026, 3, 11), price="250.00")
    everyone = metrics.totals(Metric.SALES_AMOUNT, MARCH)

    rep_a2 = metrics.Owners.of([_target(Metric.SALES_AMOUNT, person=cast.rep_a2)])
    narrowed = metrics.totals(Metric.SALES_AMOUNT, MARCH, owners=rep_a2)
    assert {pk for pk, _path, _value in narrowed.rows} == {cast.rep_a2.pk}
    assert narrowed.for_person(cast.rep_a2.pk) == everyone.for_person(cast.rep_a2.pk) == Decimal("400.00")

    team_a = _target(Metric.SALES_AMOUNT, unit=cast.team_a)
    inner = _target(Metric.SALES_AMOUNT, person=cast.rep_a)
    owners = metrics.Owners.of([team_a, inner, _target(Metric.SALES_AMOUNT, person=cast.rep_b)])
    assert owners.unit_paths == {cast.team_a.path}  # rep_a is inside team A: counted once
    narrowed = metrics.totals(Metric.SALES_AMOUNT, MARCH, owners=owners)
    assert narrowed.for_unit(cast.team_a.path) == Decimal("1000.00")
    assert narrowed.for_person(cast.rep_b.pk) == Decimal("250.00")
    for item in selectors.progress([team_a, inner], today=dt.date(2026, 3, 31)):
        assert item.actual == everyone.for_target(item.target)


@pytest.mark.django_db
def test_progress_runs_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    _order(cast.rep_a, day=dt.date(2026, 3, 3))
    people = [cast.rep_a, cast.rep_a2, cast.rep_b, cast.lead_a, cast.lead_b]
    few = [_target(Metric.SALES_AMOUNT, person=m) for m in people[:2]]
    many = (
        few
        + [_target(Metric.SALES_AMOUNT, person=m) for m in people[2:]]
        + [_target(Metric.SALES_AMOUNT, unit=u) for u in (cast.team_a, cast.team_b, cast.department)]
    )
    Order.objects.count()  # warm up content types and the like
    figures.refresh()  # the orders' days, recomputed by whoever reads first (test_figures.py)

    # Kept figures: a freshness check and one read each for the totals and the pipeline.
    with django_assert_max_num_queries(4) as small:
        selectors.progress(few, today=dt.date(2026, 3, 15))
    with django_assert_max_num_queries(4) as large:
        selectors.progress(many, today=dt.date(2026, 3, 15))

    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.django_db
def test_elapsed_is_zero_before_and_full_after_the_period():
    assert selectors._elapsed(MARCH, dt.date(2026, 2, 28)) == 0
    assert selectors._elapsed(MARCH, dt.date(2026, 3, 1)) == 0
    assert selectors._elapsed(MARCH, dt.date(2026, 3, 31)) == 100
    assert selectors._elapsed(MARCH, dt.date(2026, 4, 5)) == 100


def test_now_is_aware():
    assert timezone.is_aware(timezone.now())


@pytest.mark.django_db
def test_trend_counts_new_customers_per_shanghai_month(cast):
    # 00:10 on 1 April in Shanghai is still 31 March in UTC: the customer is April's.
    for local in (
        dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI),
        dt.datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI),
        dt.datetime(2026, 4, 1, 0, 10, tzinfo=SHANGHAI),
    ):
        with time_machine.travel(local, tick=False):
            make_customer(cast.rep_a)
    half = Window(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    target = _target(Metric.NEW_CUSTOMERS, unit=cast.team_a, window=half, kind="year")

    assert selectors.trend(target) == [
        (dt.date(2026, 3, 1), Decimal("2.00")),
        (dt.date(2026, 4, 1), Decimal("1.00")),
    ]


@pytest.mark.django_db
def test_trend_of_quantity_follows_the_split_credit_per_week(cast):
    shared = _order(cast.rep_a, day=dt.date(2026, 3, 4), quantity=10)  # a Wednesday
    orders.order_credits_set(
        actor=cast.rep_a.user, order=shared, shares=[(cast.rep_a.person, "60"), (cast.rep_a2.person, "40")]
    )
    _order(cast.rep_a, day=dt.date(2026, 3, 9), quantity=3)  # the next Monday
    _order(cast.rep_a2, day=dt.date(2026, 3, 10), quantity=2)
    mine = _target(Metric.SALES_QUANTITY, person=cast.rep_a)
    team = _target(Metric.SALES_QUANTITY, unit=cast.team_a)

    assert selectors.trend(mine, bucket="week") == [
        (dt.date(2026, 3, 2), Decimal("6.00")),
        (dt.date(2026, 3, 9), Decimal("3.00")),
    ]
    # The team counts the shared order once: 10, then 3 + 2.
    assert selectors.trend(team, bucket="week") == [
        (dt.date(2026, 3, 2), Decimal("10.00")),
        (dt.date(2026, 3, 9), Decimal("5.00")),
    ]
    # The trend adds up to the same actual as the progress figure.
    [progress] = selectors.progress([team], today=dt.date(2026, 4, 1))
    assert sum(value for _key, value in selectors.trend(team)) == progress.actual
