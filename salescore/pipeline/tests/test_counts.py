"""The board's column totals are kept per owner, stage and currency (decision 0015): for every
kind of write and every reader, the kept totals equal counting the opportunities the reader sees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext

from salescore.core.bulk import triggers_paused
from salescore.core.services import record_share
from salescore.pipeline import counts, selectors
from salescore.pipeline import services as pipeline
from salescore.pipeline.models import Opportunity, StageCount, StaleOwner
from salescore.pipeline.tests.factories import make_customer, make_opportunity, stage

READERS = ("rep_a", "rep_a2", "rep_b", "lead_a", "head", "director", "clerk", "agent")


def _live(user, owner=None) -> dict:
    rows = selectors.opportunity_list(user=user, owner=owner).order_by()
    found = {}
    for row in rows.values("stage_id", "currency").annotate(n=Count("pk"), total=Sum("amount")):
        count, amounts = found.setdefault(row["stage_id"], (0, {}))
        amounts[row["currency"]] = Decimal(str(row["total"])).quantize(Decimal("0.01"))
        found[row["stage_id"]] = (count + row["n"], amounts)
    return found


def _kept(user, owner=None) -> dict:
    return {pk: (t.count, t.amounts) for pk, t in counts.totals(user=user, owner=owner).items()}


def assert_kept_equals_live(cast) -> None:
    for name in READERS:
        user = getattr(cast, name).user
        assert _kept(user) == _live(user), name
        for owner in (cast.rep_a.person, cast.rep_b.person):
            assert _kept(user, owner) == _live(user, owner), (name, owner.name)
    assert not StaleOwner.objects.exists()


@pytest.fixture
def two_reps(cast):
    counts.refresh()
    a = make_customer(cast.rep_a)
    b = make_customer(cast.rep_b)
    return {
        "a1": make_opportunity(cast.rep_a, a, amount="100.50"),
        "a2": make_opportunity(cast.rep_a, a, amount="200.00", currency="USD"),
        "b1": make_opportunity(cast.rep_b, b, amount="999.99"),
    }


def test_new_opportunities_are_counted_by_their_owner(cast, two_reps):
    assert StaleOwner.objects.exists()  # the triggers marked both owners
    assert_kept_equals_live(cast)
    first = stage("contact").pk
    assert _kept(cast.rep_a.user) == {first: (2, {"CNY": Decimal("100.50"), "USD": Decimal("200.00")})}
    assert _kept(cast.head.user)[first][0] == 3
    assert _kept(cast.rep_b.user, cast.rep_a.person) == {}  # not rep_b's to see


def test_every_kind_of_write_keeps_them_equal(cast, two_reps):
    a1, a2, b1 = two_reps["a1"], two_reps["a2"], two_reps["b1"]
    assert_kept_equals_live(cast)
    pipeline.opportunity_update(actor=cast.rep_a.user, opportunity=a1, amount=Decimal("150.00"))
    assert_kept_equals_live(cast)
    pipeline.opportunity_delete(actor=cast.rep_a.user, opportunity=a2)
    assert_kept_equals_live(cast)
    pipeline.opportunity_restore(actor=cast.director.user, record=Opportunity.all_objects.get(pk=a2.pk))
    assert_kept_equals_live(cast)
    # A bulk handover, a bulk move between stages, raw SQL, a hard delete.
    Opportunity.objects.filter(pk=b1.pk).update(owner=cast.rep_a.person)
    assert_kept_equals_live(cast)
    Opportunity.objects.filter(owner=cast.rep_a.person).update(stage=stage("needs_analysis"))
    assert_kept_equals_live(cast)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pipeline_opportunity SET currency = 'EUR' WHERE id = %s", [a1.pk])
    assert_kept_equals_live(cast)
    Opportunity.all_objects.filter(pk=a2.pk).delete()
    assert_kept_equals_live(cast)
    assert _kept(cast.rep_b.user) == {}
    assert _kept(cast.rep_a.user)[stage("needs_analysis").pk] == (
        2,
        {"CNY": Decimal("999.99"), "EUR": Decimal("150.00")},
    )


def test_a_write_that_changes_no_count_marks_nothing(cast, two_reps):
    counts.refresh()
    a1 = two_reps["a1"]
    pipeline.opportunity_update(actor=cast.rep_a.user, opportunity=a1, name="改名", notes="备注")
    Opportunity.objects.filter(pk=a1.pk).update(expected_close_date="2027-01-31")
    assert not StaleOwner.objects.exists()


def test_records_shared_with_a_reader_are_counted_once(cast, two_reps):
    b1 = two_reps["b1"]
    record_share(actor=cast.rep_b.user, record=b1, person=cast.rep_a.person)
    assert_kept_equals_live(cast)
    first = stage("contact").pk
    assert _kept(cast.rep_a.user)[first][0] == 3  # two of their own and rep_b's shared one
    assert _kept(cast.rep_a.user, cast.rep_b.person) == {first: (1, {"CNY": Decimal("999.99")})}
    assert _kept(cast.head.user)[first][0] == 3  # the head sees all three by their owners


def test_the_board_reads_four_queries_whatever_the_number_of_owners(
    cast, two_reps, django_assert_num_queries
):
    for member in (cast.rep_a2, cast.rep_b, cast.rep_a):
        make_opportunity(member)
    for name in ("rep_a", "head", "director"):
        user = getattr(cast, name).user
        selectors.board(user=user)  # who the reader is, read once per request
        with django_assert_num_queries(4):  # stages, freshness, counts, cards
            columns = selectors.board(user=user)
        assert sum(c.count for c in columns) == sum(n for n, _a in _live(user).values()), name


def test_a_stale_board_refreshes_in_a_fixed_number_of_queries(cast, two_reps, django_assert_num_queries):
    """The first reader after writes recomputes the owners they touched: the same statements
    whether one owner is stale or several (in a savepoint here: lock on PostgreSQL, take the
    markers, delete, insert)."""
    user = cast.director.user
    selectors.board(user=user)
    make_opportunity(cast.rep_a)
    with CaptureQueriesContext(connection) as one:
        selectors.board(user=user)
    for member in (cast.rep_a, cast.rep_a2, cast.rep_b):
        make_opportunity(member)
    with django_assert_num_queries(len(one)):
        selectors.board(user=user)
    assert len(one) <= 4 + 6 and not StaleOwner.objects.exists()
    assert_kept_equals_live(cast)


def test_a_bulk_load_pauses_the_triggers_and_rebuild_catches_up(cast, two_reps):
    counts.refresh()
    with transaction.atomic(), triggers_paused(counts.TRIGGERS):
        make_opportunity(cast.rep_a, amount="5.00")
        assert not StaleOwner.objects.exists()  # nothing marked while paused
    assert counts.rebuild() == StageCount.objects.count()
    assert_kept_equals_live(cast)
    make_opportunity(cast.rep_a, amount="6.00")
    assert StaleOwner.objects.exists()  # back on afterwards
    assert_kept_equals_live(cast)


def test_the_minute_task_refreshes_the_counts(cast, two_reps, settings):
    from salescore.pipeline import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["pipeline-board-counts-refresh"]
    assert entry["task"] == tasks.board_counts_refresh.name and entry["schedule"] == 60
    assert tasks.board_counts_refresh.apply().get() == StageCount.objects.count() > 0
    assert not StaleOwner.objects.exists()
    assert tasks.board_counts_refresh.apply().get() == 0  # nothing stale: nothing written
