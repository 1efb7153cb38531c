"""The figures kept per day (planning.figures, decision 0013) equal the live figures after every
kind of write: services, bulk updates, raw SQL, merges, soft deletes and restores, credit splits,
payments, and datetimes either side of local midnight."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salescore.core.bulk import triggers_paused
from salescore.customers.merge import customer_merge
from salescore.customers.models import Customer
from salescore.orders import services as orders
from salescore.orders.models import Credit, Order, OrderLine, Payment
from salescore.orders.tests.factories import make_customer
from salescore.pipeline import services as pipeline
from salescore.pipeline.models import Activity
from salescore.planning import figures, metrics
from salescore.planning.metrics import Window
from salescore.planning.models import DailyFigure, Metric, StaleDay
from salescore.planning.tests.test_metrics import MARCH, SHANGHAI, _order

KEPT = [Metric.SALES_AMOUNT, Metric.COLLECTED_AMOUNT, Metric.SALES_QUANTITY, Metric.NEW_CUSTOMERS]
KEPT += [Metric.VISITS, Metric.CALLS]
QUARTER = Window(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
SIX = Decimal("0.000001")
NOW = dt.datetime(2026, 3, 28, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def march():
    with time_machine.travel(NOW, tick=False):
        yield


def _figures(totals: metrics.Totals) -> dict:
    found: dict = {}
    for pk, path, value in totals.rows:
        found[(pk, path)] = found.get((pk, path), Decimal(0)) + value
    return {key: value.quantize(SIX) for key, value in found.items() if value}


def assert_kept_equals_live(cast, windows=(MARCH, QUARTER)):
    """Every kept metric, by person and unit, and the monthly series of a person and a unit."""
    for window in windows:
        for metric in KEPT:
            kept = metrics.totals(metric, window)
            live = metrics.totals(metric, window, live=True)
            assert _figures(kept) == _figures(live), (metric, window)
            for unit in (cast.team_a, cast.team_b, cast.sales_management):
                assert kept.for_unit(unit.path).quantize(SIX) == live.for_unit(unit.path).quantize(SIX)
            for who in ({"person_id": cast.rep_a.pk, "unit_path": ""}, {"unit_path": cast.team_a.path}):
                pairs = [
                    metrics.series(metric, window, live=flag, bucket=bucket, **who)
                    for flag in (False, True)
                    for bucket in ("month", "week")
                ]
                kept_month, kept_week, live_month, live_week = (
                    [(k, v.quantize(SIX)) for k, v in rows if v] for rows in pairs
                )
                assert kept_month == live_month, (metric, window, who)
                assert kept_week == live_week, (metric, window, who)
    assert not StaleDay.objects.exists()


def _visit(member, customer, at: dt.datetime, channel="visit"):
    return pipeline.activity_log(
        actor=member.user, customer=customer, channel=channel, subject="拜访", occurred_at=at
    )


@pytest.mark.django_db
def test_orders_through_the_services(cast):
    order = _order(cast.rep_a, day=dt.date(2026, 3, 10), quantity=3, price="1000.00")
    _order(cast.rep_b, day=dt.date(2026, 2, 11), price="250.00")
    draft = _order(cast.rep_a, day=dt.date(2026, 3, 12), status="draft")
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(cast.rep_a.pk) == Decimal("3000.00")

    orders.order_submit(actor=cast.rep_a.user, order=draft)  # the draft now counts
    assert_kept_equals_live(cast)
    orders.order_cancel(actor=cast.rep_a.user, order=order, reason="客户取消")
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(cast.rep_a.pk) == Decimal("10000.00")


@pytest.mark.django_db
def test_soft_delete_and_restore_of_an_order(cast):
    order = _order(cast.rep_a, day=dt.date(2026, 3, 10), price="800.00")
    assert_kept_equals_live(cast)
    Order.objects.filter(pk=order.pk).update(deleted_at=NOW)
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(cast.rep_a.pk) == 0
    Order.all_objects.filter(pk=order.pk).update(deleted_at=None)
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(cast.rep_a.pk) == Decimal("800.00")


@pytest.mark.django_db
def test_split_credit_set_changed_and_removed(cast):
    order = _order(cast.rep_a, day=dt.date(2026, 3, 10), quantity=2, price="1000.00")
    orders.payment_record(
        actor=cast.cashier.user, order=order, amount=Decimal("500.00"), received_on=dt.date(2026, 3, 20)
    )
    assert_kept_equals_live(cast)
    orders.order_credits_set(
        actor=cast.rep_a.user, order=order, shares=[(cast.rep_a.person, "60"), (cast.rep_b.person, "40")]
    )
    assert_kept_equals_live(cast)
    collected = metrics.totals(Metric.COLLECTED_AMOUNT, MARCH)
    assert collected.for_person(cast.rep_b.pk) == Decimal("200.00")
    Credit.objects.filter(order=order, person=cast.rep_b.person).update(share=Decimal("35"))
    Credit.objects.filter(order=order, person=cast.rep_a.person).update(share=Decimal("65"))
    assert_kept_equals_live(cast)
    Credit.objects.filter(order=order).delete()  # back to the owner in full
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(cast.rep_a.pk) == Decimal("2000.00")


@pytest.mark.django_db
def test_bulk_updates_of_owner_date_and_lines(cast):
    made = [_order(cast.rep_a, day=dt.date(2026, 3, d), price="100.00") for d in (3, 4, 20)]
    assert_kept_equals_live(cast)
    # A reassignment of every order at once, as a manager's bulk action or a script would do it.
    Order.objects.filter(pk__in=[o.pk for o in made]).update(owner=cast.rep_b.person)
    assert_kept_equals_live(cast)
    Order.objects.filter(pk=made[0].pk).update(order_date=dt.date(2026, 2, 27))
    assert_kept_equals_live(cast)
    OrderLine.objects.filter(order=made[1]).update(quantity=Decimal("7"))
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.SALES_QUANTITY, MARCH).for_person(cast.rep_b.pk) == Decimal("8")


@pytest.mark.django_db
def test_raw_sql_is_seen_too(cast):
    order = _order(cast.rep_a, day=dt.date(2026, 3, 5), price="100.00")
    assert_kept_equals_live(cast)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE orders_order SET net_total = %s WHERE id = %s", [Decimal("123.45"), order.pk])
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(cast.rep_a.pk) == Decimal("123.45")


@pytest.mark.django_db
def test_payments_recorded_moved_and_reversed(cast):
    order = _order(cast.rep_a, day=dt.date(2026, 2, 10), price="1000.00")
    first = orders.payment_record(
        actor=cast.cashier.user, order=order, amount=Decimal("300.00"), received_on=dt.date(2026, 3, 2)
    )
    orders.payment_record(
        actor=cast.cashier.user, order=order, amount=Decimal("100.00"), received_on=dt.date(2026, 2, 25)
    )
    assert_kept_equals_live(cast)
    Payment.objects.filter(pk=first.pk).update(received_on=dt.date(2026, 1, 30))
    assert_kept_equals_live(cast)
    orders.payment_reverse(actor=cast.cashier.user, payment=Payment.objects.get(pk=first.pk), reason="录错")
    assert_kept_equals_live(cast)
    # The order's owner changes: its payments move with it.
    Order.objects.filter(pk=order.pk).update(owner=cast.rep_b.person)
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.COLLECTED_AMOUNT, QUARTER).for_person(cast.rep_b.pk) == Decimal("100.00")


@pytest.mark.django_db
def test_customers_created_merged_moved_and_deleted(cast):
    survivor = make_customer(cast.rep_a)
    duplicate = make_customer(cast.rep_b)
    third = make_customer(cast.rep_b)
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.NEW_CUSTOMERS, MARCH).for_person(cast.rep_b.pk) == 2
    customer_merge(actor=cast.director.user, survivor=survivor, duplicate=duplicate)
    assert_kept_equals_live(cast)
    Customer.objects.filter(pk=third.pk).update(owner=cast.rep_a2.person)  # a pool move, in bulk
    assert_kept_equals_live(cast)
    Customer.objects.filter(pk=third.pk).update(deleted_at=NOW)
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.NEW_CUSTOMERS, MARCH).for_person(cast.rep_b.pk) == 0


@pytest.mark.django_db
def test_activities_either_side_of_local_midnight(cast):
    customer = make_customer(cast.rep_a)
    # 23:30 on 28 Feb in Shanghai is 15:30 UTC (February); moved by 40 minutes it is 00:10 on 1
    # March (16:10 UTC, the same UTC date): the local day changes while the UTC date does not.
    late = _visit(cast.rep_a, customer, dt.datetime(2026, 2, 28, 23, 30, tzinfo=SHANGHAI))
    _visit(cast.rep_a, customer, dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI), channel="phone")
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.VISITS, MARCH).for_person(cast.rep_a.pk) == 0
    Activity.objects.filter(pk=late.pk).update(occurred_at=dt.datetime(2026, 3, 1, 0, 10, tzinfo=SHANGHAI))
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.VISITS, MARCH).for_person(cast.rep_a.pk) == 1
    Activity.objects.filter(pk=late.pk).update(channel="phone")
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.CALLS, MARCH).for_person(cast.rep_a.pk) == 2


@pytest.mark.django_db
def test_a_person_moving_unit_moves_their_figures(cast):
    _order(cast.rep_a, day=dt.date(2026, 3, 10), price="500.00")
    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_unit(cast.team_a.path) == Decimal("500.00")
    person = cast.rep_a.person
    person.org_unit = cast.team_b
    person.save(update_fields=["org_unit"])
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_unit(cast.team_b.path) == Decimal("500.00")


@pytest.mark.django_db
def test_rebuild_gives_what_the_triggers_kept(cast):
    order = _order(cast.rep_a, day=dt.date(2026, 3, 10), quantity=2, price="300.00")
    orders.order_credits_set(
        actor=cast.rep_a.user, order=order, shares=[(cast.rep_a.person, "50"), (cast.rep_a2.person, "50")]
    )
    _visit(cast.rep_b, make_customer(cast.rep_b), dt.datetime(2026, 3, 4, 9, 0, tzinfo=SHANGHAI))
    figures.refresh()

    def table():
        return sorted(DailyFigure.objects.values_list("metric", "day", "person_id", "value"))

    kept = table()
    assert kept  # sales, quantity, new customers, visits
    assert figures.rebuild() == len(kept)
    assert table() == kept


@pytest.mark.django_db
def test_refresh_costs_the_same_whatever_the_rows(cast):
    def cost(count: int) -> int:
        for _ in range(count):
            _order(cast.rep_a, day=dt.date(2026, 3, 10), price="10.00")
        with CaptureQueriesContext(connection) as captured:
            figures.refresh()
        return len(captured.captured_queries)

    figures.refresh()  # the markers the migration left (every day of every source)
    assert cost(1) == cost(4)
    with CaptureQueriesContext(connection) as idle:
        figures.refresh()
    assert len(idle.captured_queries) == 1  # nothing stale: one look


@pytest.mark.django_db
def test_segments_are_computed_live(cast):
    assert figures.kept(Metric.SALES_AMOUNT, metrics.Segment())
    assert not figures.kept(Metric.SALES_QUANTITY, metrics.Segment(category_id=1))
    assert not figures.kept(Metric.MARKET_SHARE, metrics.Segment(industry="manufacturing"))


def assert_pipeline_kept_equals_live(cast, today=dt.date(2026, 3, 28)):
    for window in (MARCH, Window(dt.date(2026, 3, 1), dt.date(2026, 6, 30))):
        kept = metrics.weighted_pipeline(window, today=today)
        live = metrics.weighted_pipeline(window, today=today, live=True)
        assert _figures(kept) == _figures(live), window
        assert kept.for_unit(cast.team_a.path) == live.for_unit(cast.team_a.path)
    assert not StaleDay.objects.exists()


@pytest.mark.django_db
def test_weighted_pipeline_follows_opportunities_and_stages(cast):
    from salescore.pipeline.models import Opportunity, Stage
    from salescore.pipeline.tests.factories import make_opportunity

    first = make_opportunity(cast.rep_a, amount=Decimal("1000.00"), expected_close_date=dt.date(2026, 3, 30))
    second = make_opportunity(cast.rep_b, amount=Decimal("500.00"), expected_close_date=dt.date(2026, 4, 15))
    make_opportunity(cast.rep_b, amount=Decimal("700.00"), expected_close_date=None)
    assert_pipeline_kept_equals_live(cast)
    assert metrics.weighted_pipeline(MARCH, today=dt.date(2026, 3, 28)).for_person(cast.rep_a.pk) > 0

    # Moved out of March, re-weighted, handed over, deleted and restored, in bulk.
    Opportunity.objects.filter(pk=first.pk).update(expected_close_date=dt.date(2026, 4, 2))
    assert_pipeline_kept_equals_live(cast)
    Opportunity.objects.filter(pk=second.pk).update(probability=Decimal("80"), owner=cast.rep_a.person)
    assert_pipeline_kept_equals_live(cast)
    Opportunity.objects.filter(pk=second.pk).update(deleted_at=NOW)
    assert_pipeline_kept_equals_live(cast)
    Opportunity.all_objects.filter(pk=second.pk).update(deleted_at=None)
    assert_pipeline_kept_equals_live(cast)

    # A stage declared won: its opportunities are no longer open (every day is recomputed).
    stage = Stage.objects.get(pk=first.stage_id)
    Stage.objects.filter(pk=stage.pk).update(is_won=True)
    assert StaleDay.objects.filter(source="opportunities", day__isnull=True).exists()
    assert_pipeline_kept_equals_live(cast)
    assert metrics.weighted_pipeline(MARCH, today=dt.date(2026, 3, 1)).for_person(cast.rep_a.pk) == 0
    Stage.objects.filter(pk=stage.pk).update(name="改名")  # a rename changes nothing
    assert not StaleDay.objects.exists()


@pytest.mark.django_db
def test_a_bulk_load_pauses_the_triggers_and_rebuilds(cast):
    from django.db import transaction

    figures.refresh()
    with transaction.atomic(), triggers_paused(figures.TRIGGERS):
        _order(cast.rep_a, day=dt.date(2026, 3, 10), price="400.00")
        assert not StaleDay.objects.exists()  # nothing marked while paused
    _order(cast.rep_a, day=dt.date(2026, 3, 11), price="100.00")
    assert StaleDay.objects.filter(source="orders").exists()  # back on afterwards
    figures.rebuild()
    assert_kept_equals_live(cast)
    assert metrics.totals(Metric.SALES_AMOUNT, MARCH).for_person(cast.rep_a.pk) == Decimal("500.00")
