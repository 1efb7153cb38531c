"""The receivables are kept per customer, owner and currency (decision 0016): for every kind of
write, every reader and any day, the page's figures equal adding up the owed instalments the reader
sees; a row counted on one day is recomputed once an open instalment has fallen due."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salescore.core.bulk import triggers_paused
from salescore.core.permissions import scope_queryset
from salescore.core.services import record_share
from salescore.orders import receivables as kept
from salescore.orders import selectors, services
from salescore.orders.models import CustomerReceivable, Instalment, Order, Receivable, StaleReceivable
from salescore.orders.tests.factories import submitted_order
from salescore.orders.tests.test_selectors import plan

pytestmark = pytest.mark.django_db

READERS = ("rep_a", "rep_a2", "rep_b", "lead_a", "head", "director", "cashier")
GROUPS = ("customer", "owner", "team")
KEYS = {"customer": "order__customer_id", "owner": "order__owner_id", "team": "order__owner__org_unit_id"}


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _owed(user):
    return scope_queryset(Instalment.objects.all(), user).filter(
        order__deleted_at__isnull=True,
        order__status__in=[s for s in Order.Status.values if s not in ("draft", "cancelled")],
        received__lt=F("amount"),
    )


def _live(user, group_by: str, today: dt.date) -> dict:
    """Added up from the instalments, independently of the kept rows."""
    rows = _owed(user)
    owed = F("amount") - F("received")
    found = rows.values("currency", who=F(KEYS[group_by])).annotate(
        outstanding=Sum(owed),
        overdue=Sum(owed, filter=Q(due_date__lt=today)),
        orders=Count("order", distinct=True),
    )
    return {
        (row["who"], row["currency"]): (_money(row["outstanding"]), _money(row["overdue"]), row["orders"])
        for row in found
    }


def _page(user, group_by: str, today: dt.date) -> dict:
    return {
        (row["who_id"], row["currency"]): (_money(row["outstanding"]), _money(row["overdue"]), row["orders"])
        for row in selectors.receivables(user, group_by=group_by, today=today)
    }


def assert_kept_equals_live(cast, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    for name in READERS:
        user = getattr(cast, name).user
        for group in GROUPS:
            assert _page(user, group, today) == _live(user, group, today), (name, group)
        totals = {
            row["currency"]: (_money(row["outstanding"]), _money(row["overdue"]))
            for row in selectors.receivables_totals(user, today=today)
        }
        by_currency: dict = {}
        for (_who, currency), (outstanding, overdue, _n) in _live(user, "owner", today).items():
            was = by_currency.get(currency, (Decimal("0.00"), Decimal("0.00")))
            by_currency[currency] = (was[0] + outstanding, was[1] + overdue)
        assert totals == by_currency, name
        # The overdue instalments (a rep's are narrowed through the kept rows) are the same ones.
        overdue = _owed(user).filter(due_date__lt=today).order_by("due_date", "order_id", "seq")
        listed = selectors.instalments_due(user, overdue_only=True, today=today)
        assert list(listed.values_list("pk", flat=True)) == list(overdue.values_list("pk", flat=True)), name
    assert not StaleReceivable.objects.exists()
    # The sums per customer are the kept rows added up over their owners, row for row.
    per_customer = {
        (row.customer_id, row.currency): (row.outstanding, row.overdue, row.orders)
        for row in CustomerReceivable.objects.all()
    }
    summed = (
        Receivable.objects.values("customer_id", "currency")
        .annotate(total=Sum("outstanding"), late=Sum("overdue"), n=Sum("orders"))
        .order_by()
    )
    assert per_customer == {
        (row["customer_id"], row["currency"]): (_money(row["total"]), _money(row["late"]), row["n"])
        for row in summed
    }


@pytest.fixture
def owed(cast):
    today = timezone.localdate()
    past, future = today - dt.timedelta(days=10), today + dt.timedelta(days=10)
    orders = {
        "a1": submitted_order(cast.rep_a),
        "a2": submitted_order(cast.rep_a2),
        "b1": submitted_order(cast.rep_b),
    }
    plan(orders["a1"], (past, "1000.00", "300.00"), (future, "500.00", "0.00"))
    plan(orders["a2"], (past, "400.00", "400.00"), (future, "250.00", "50.00"))
    plan(orders["b1"], (past, "800.00", "0.00"))
    return orders


def test_the_page_reads_the_kept_rows(cast, owed):
    assert StaleReceivable.objects.exists()  # the triggers marked the customers
    assert_kept_equals_live(cast)
    a1 = owed["a1"]
    row = Receivable.objects.get(customer=a1.customer_id, owner=cast.rep_a.person)
    assert (row.outstanding, row.overdue, row.orders) == (Decimal("1200.00"), Decimal("700.00"), 1)
    assert row.next_due == timezone.localdate() + dt.timedelta(days=10)
    # Nothing stale: one query decides, and the page's rows are a grouped read of the kept table;
    # a reader who sees every order reads the sums per customer, in the page's order.
    with CaptureQueriesContext(connection) as queries:
        list(selectors.receivables(cast.lead_a.user))
    assert len(queries) == 2
    assert "orders_receivable" in queries[1]["sql"] and "orders_instalment" not in queries[1]["sql"]
    with CaptureQueriesContext(connection) as queries:
        rows = list(selectors.receivables(cast.director.user))
    assert len(queries) == 2
    assert "orders_customerreceivable" in queries[1]["sql"] and "GROUP BY" not in queries[1]["sql"]
    assert [row["outstanding"] for row in rows] == sorted((row["outstanding"] for row in rows), reverse=True)


def test_every_kind_of_write_keeps_them_equal(cast, owed):
    a1, a2, b1 = owed["a1"], owed["a2"], owed["b1"]
    assert_kept_equals_live(cast)
    services.payment_record(actor=cast.cashier.user, order=a1, amount=Decimal("200.00"))
    assert_kept_equals_live(cast)
    today = timezone.localdate()
    services.payment_plan_set(
        actor=cast.cashier.user,
        order=b1,
        instalments=[
            {"due_date": today - dt.timedelta(days=3), "amount": "300.00"},
            {"due_date": today + dt.timedelta(days=30), "amount": str(b1.total - Decimal("300.00"))},
        ],
    )
    assert_kept_equals_live(cast)
    services.order_cancel(actor=cast.rep_a2.user, order=Order.objects.get(pk=a2.pk), reason="wrong customer")
    assert_kept_equals_live(cast)
    # Only a draft is deleted through the services; a submitted order's deletion (an import's
    # undo, an administrator) and its restore still count.
    Order.objects.filter(pk=b1.pk).update(deleted_at=timezone.now())
    assert_kept_equals_live(cast)
    Order.all_objects.filter(pk=b1.pk).update(deleted_at=None)
    assert_kept_equals_live(cast)
    # A bulk handover, a move to another customer, raw SQL, a currency, a hard delete.
    Order.objects.filter(pk=b1.pk).update(owner=cast.rep_a.person)
    assert_kept_equals_live(cast)
    Order.objects.filter(pk=a1.pk).update(customer=b1.customer)
    assert_kept_equals_live(cast)
    with connection.cursor() as cursor:
        sql = "UPDATE orders_instalment SET received = amount WHERE order_id = %s AND seq = 1"
        cursor.execute(sql, [a1.pk])
    assert_kept_equals_live(cast)
    Instalment.objects.filter(order=b1).update(currency="USD")
    assert_kept_equals_live(cast)
    Instalment.objects.filter(order=b1, seq=2).delete()
    assert_kept_equals_live(cast)
    Order.all_objects.filter(pk=b1.pk).delete()
    assert_kept_equals_live(cast)


def test_a_reminder_marks_nothing(cast, owed):
    kept.refresh()
    Instalment.objects.filter(order=owed["a1"]).update(reminded_overdue_on=timezone.localdate())
    Order.objects.filter(pk=owed["a1"].pk).update(notes="called the buyer")
    assert not StaleReceivable.objects.exists()


def test_a_row_counted_on_one_day_is_recomputed_when_an_instalment_falls_due(cast, owed):
    today = timezone.localdate()
    assert_kept_equals_live(cast, today)
    # Eleven days on, a1's and a2's second instalments are overdue: their rows are outdated.
    later = today + dt.timedelta(days=11)
    assert kept._outdated(later).count() == 2
    assert_kept_equals_live(cast, later)
    assert not kept._outdated(later).exists()
    # b1's row, with nothing left to fall due, stays as counted; the two others were recounted.
    counted = dict(Receivable.objects.values_list("customer_id", "as_of"))
    assert counted[owed["b1"].customer_id] == today
    assert counted[owed["a1"].customer_id] == counted[owed["a2"].customer_id] == later
    # Asking for an earlier day than a row was counted for recomputes it.
    assert_kept_equals_live(cast, today + dt.timedelta(days=40))
    assert_kept_equals_live(cast, today)


def test_a_reader_who_sees_a_shared_order_reads_live(cast, owed):
    kept.refresh()
    record_share(actor=cast.director.user, record=owed["a1"], person=cast.rep_b.person)
    assert kept.source(cast.rep_b.user) is None
    assert kept.source(cast.rep_a.user) is not None
    assert_kept_equals_live(cast)
    assert (cast.rep_a.person.pk, "CNY") in _page(cast.rep_b.user, "owner", timezone.localdate())


def test_a_bulk_load_pauses_the_triggers_and_rebuild_catches_up(cast, owed):
    kept.rebuild()
    with transaction.atomic(), triggers_paused(kept.TRIGGERS):
        Instalment.objects.filter(order=owed["b1"]).update(received=F("amount"))
    assert not StaleReceivable.objects.exists()
    assert kept.rebuild() == Receivable.objects.count()
    assert_kept_equals_live(cast)


def test_a_large_marking_is_recomputed_in_chunks(cast, owed, monkeypatch):
    monkeypatch.setattr(kept, "CHUNK", 1)
    kept.refresh()
    Instalment.objects.update(received=0)
    assert StaleReceivable.objects.count() >= 2
    assert_kept_equals_live(cast)


def test_a_refresh_takes_a_fixed_number_of_statements(cast):
    def statements(n: int) -> int:
        kept.refresh()
        for _ in range(n):
            plan(submitted_order(cast.rep_a), (timezone.localdate(), "10.00", "0.00"))
        with CaptureQueriesContext(connection) as queries:
            assert kept.refresh() == n
        return len(queries)

    assert statements(1) == statements(6)


def test_the_minute_task_refreshes_them(cast, owed, settings):
    from salescore.orders import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["orders-receivables-refresh"]
    assert entry["task"] == tasks.receivables_refresh.name and entry["schedule"] == 60
    assert tasks.receivables_refresh.apply().get() == Receivable.objects.count() > 0
    assert not StaleReceivable.objects.exists()
    assert tasks.receivables_refresh.apply().get() == 0  # nothing stale: nothing written


def test_refresh_figures_covers_them(cast, owed):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_figures", stdout=out)
    assert not StaleReceivable.objects.exists()
    assert f"{Receivable.objects.count():,} receivable rows" in out.getvalue()
    call_command("refresh_figures", "--rebuild", stdout=out)
    assert_kept_equals_live(cast)
