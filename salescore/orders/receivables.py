"""The receivables kept per customer, owner and currency (decision 0016).

``Receivable`` holds, for each customer, owner and currency, what the submitted orders still owe,
the part of it due before ``as_of`` (overdue) and how many orders. Triggers on the instalments and
the orders record the customers a write touches (``StaleReceivable``). A row also goes out of date
by itself when an open instalment falls due: ``next_due`` says when. ``refresh`` recomputes both
kinds before any row is read, so a figure is never older than the last write committed before the
read began, nor than the day. ``source`` gives the rows a reader sees: the kept rows of the people
whose orders they see; a reader who also sees owed orders shared with them by someone outside
those people reads live (``None``), since kept rows cannot tell a shared order from its owner's.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, DecimalField, F, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from salescore.core.bulk import advisory_lock
from salescore.core.permissions import owner_scope, sees_only_own
from salescore.orders.models import (
    NOT_OWED_STATUSES,
    CustomerReceivable,
    Instalment,
    Order,
    Receivable,
    StaleReceivable,
)

TRIGGERS = "orders_mark_receivable_"  # the names of the triggers that mark customers stale
LOCK = 0x5A1E5B0B  # PostgreSQL advisory lock held while receivables are recomputed
CHUNK = 2000  # customers recomputed per statement (a bulk handover may mark tens of thousands)
KEPT = DecimalField(max_digits=24, decimal_places=2)


def owed_instalments() -> QuerySet[Instalment]:
    """Every instalment still owed on a submitted, live order (unscoped). The status is said as
    the two it is not: SQLite then leads a list by due date with the due-date index instead of
    walking every submitted order by status (the director's overdue list: 840 -> 2 ms at M)."""
    return (
        Instalment.objects.filter(order__deleted_at__isnull=True, received__lt=F("amount"))
        .exclude(order__status__in=NOT_OWED_STATUSES)
        .order_by()
    )


def owed_sums(today: dt.date, output_field=KEPT) -> dict:
    """What an instalment still owes, summed: ``outstanding`` (amount - received) and ``overdue``
    (its part due before ``today``). The one definition of both, for the kept rows and for the
    readers who add them up live (orders.selectors)."""
    owed = F("amount") - F("received")
    zero = Value(0, output_field=output_field)
    return {
        "outstanding": Sum(owed, output_field=output_field),
        "overdue": Coalesce(Sum(owed, filter=Q(due_date__lt=today), output_field=output_field), zero),
    }


def _recompute(customers: list[int] | None, today: dt.date) -> int:
    """Replace the rows of ``customers`` (None: everyone's) with the instalments' own, and their
    sums per customer (``CustomerReceivable``) with those rows': two DELETEs and two INSERT ...
    SELECTs, so no row passes through Python. The number of ``Receivable`` rows written."""
    kept = Receivable.objects.all()
    per_customer = CustomerReceivable.objects.all()
    live = owed_instalments()
    if customers is not None:
        kept = kept.filter(customer_id__in=customers)
        per_customer = per_customer.filter(customer_id__in=customers)
        live = live.filter(order__customer_id__in=customers)
    kept.delete()  # nothing refers to these rows: one DELETE
    per_customer.delete()
    grouped = live.values("order__customer_id", "order__owner_id", "currency").annotate(
        **owed_sums(today),
        orders=Count("order_id", distinct=True),
        next_due=Min("due_date", filter=Q(due_date__gte=today)),
    )
    select, params = grouped.query.sql_with_params()
    columns = "customer_id, owner_id, currency, outstanding, overdue, orders, next_due, as_of"
    # The same customers' rows, once written, added up per customer and currency.
    summed, summed_params = (
        kept.values("customer_id", "currency")
        .annotate(
            total=Sum("outstanding", output_field=KEPT),
            late=Sum("overdue", output_field=KEPT),
            count=Sum("orders"),
        )
        .order_by()
        .query.sql_with_params()
    )
    into = f"{per_customer.model._meta.db_table} (customer_id, currency, outstanding, overdue, orders)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Receivable._meta.db_table} ({columns}) SELECT q.*, %s FROM ({select}) q",  # noqa: S608
            [connection.ops.adapt_datefield_value(today), *params],
        )
        written = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {into} SELECT q.* FROM ({summed}) q",  # noqa: S608  (compiled by the ORM)
            summed_params,
        )
        return written


def _outdated(today: dt.date) -> QuerySet[Receivable]:
    """Rows counted for another day than ``today`` that an open instalment's due date has changed."""
    return Receivable.objects.filter(Q(next_due__lt=today) | Q(as_of__gt=today))


def _exists(*querysets: QuerySet) -> list[bool]:
    """Whether each queryset has a row, in one statement."""
    parts, params = [], []
    for rows in querysets:
        sql, part_params = rows.order_by().values("pk")[:1].query.sql_with_params()
        parts.append(f"EXISTS({sql})")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)  # noqa: S608  (compiled by the ORM)
        return [bool(found) for found in cursor.fetchone()]


def _refresh(today: dt.date) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        advisory_lock(cursor, LOCK)
        customers = set(_outdated(today).values_list("customer_id", flat=True).distinct())
        cursor.execute(f"DELETE FROM {StaleReceivable._meta.db_table} RETURNING customer_id")  # noqa: S608
        customers |= {customer_id for (customer_id,) in cursor.fetchall()}
        if None in customers:
            return _recompute(None, today)
        ordered = sorted(customers)
        return sum(_recompute(ordered[i : i + CHUNK], today) for i in range(0, len(ordered), CHUNK))


def refresh(today: dt.date | None = None) -> int:
    """Recompute the receivables of every customer a write has touched or whose open instalment
    has fallen due since it was counted (one cheap query when there is none); the rows written.
    Concurrent callers wait for each other; a write committed meanwhile leaves its own marker."""
    today = today or timezone.localdate()
    return _refresh(today) if any(_exists(StaleReceivable.objects.all(), _outdated(today))) else 0


def rebuild(today: dt.date | None = None) -> int:
    """Every row recomputed from the instalments (after a bulk load, or to check the triggers)."""
    today = today or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        advisory_lock(cursor, LOCK)
        cursor.execute(f"DELETE FROM {StaleReceivable._meta.db_table}")  # noqa: S608
        return _recompute(None, today)


def source(user, today: dt.date | None = None) -> QuerySet[Receivable] | None:
    """The kept rows ``user`` sees, fresh for ``today``; None when the user also sees owed orders
    shared with them outside their people (those readers add up the instalments live). One query
    when nothing is stale."""
    today = today or timezone.localdate()
    scope = owner_scope(Order, user)
    checks = [StaleReceivable.objects.all(), _outdated(today)]
    if not scope.everything and scope.others is not None:
        # Any open instalment of an order seen another way (a deleted or unsubmitted one too: a
        # needless live read is still right). Led by the few shared orders on both databases;
        # with the order's status in it, SQLite walked every submitted order (270 ms at M).
        others = Order.all_objects.filter(scope.others).values("pk")
        checks.append(Instalment.objects.filter(received__lt=F("amount"), order_id__in=others))
    stale, outdated, *shared = _exists(*checks)
    if any(shared):
        return None
    if stale or outdated:
        _refresh(today)
    rows = Receivable.objects.order_by()
    return rows if scope.everything else rows.filter(owner__in=scope.owners)


def customer_totals(user, today: dt.date | None = None) -> QuerySet[CustomerReceivable] | None:
    """The kept sums per customer and currency, fresh for ``today``, for a reader who sees every
    order (their page by customer); None for any other reader, whose sums are their people's rows."""
    if not owner_scope(Order, user).everything or source(user, today) is None:
        return None
    return CustomerReceivable.objects.order_by()


def overdue_customers(user, today: dt.date | None = None) -> QuerySet | None:
    """The ids of the customers whose orders owe a rep money past due (a subquery), to narrow a
    list of overdue instalments to them. None for a reader who sees more people's (the due-date
    index soon meets theirs; at 100,000 customers a section head's list went 14 -> 166 ms when
    narrowed) or sees shared orders (the kept rows cannot tell)."""
    if not sees_only_own(user):
        return None
    rows = source(user, today)
    return None if rows is None else rows.filter(overdue__gt=0).values("customer_id")
