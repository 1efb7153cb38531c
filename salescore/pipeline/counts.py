"""The pipeline board's column totals, kept per owner, stage and currency (decision 0015).

``StageCount`` holds, for each owner, how many live opportunities they have in each stage and
currency and their amount. Triggers on the opportunities record the owners a write touches
(``StaleOwner``); ``refresh`` recomputes those owners' counts before any count is read, so a count
is never older than the last write committed before the read began. ``totals`` answers a board
within the reader's scope: the kept counts of the people whose records they see, plus, counted
live, the few records they see another way (shared with them) that those people do not own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum

from salescore.core.bulk import advisory_lock
from salescore.core.permissions import owner_scope
from salescore.pipeline.models import Opportunity, StageCount, StaleOwner

TRIGGERS = "pipeline_mark_"  # the names of the triggers that mark owners stale
LOCK = 0x5A1E5B0A  # PostgreSQL advisory lock held while counts are recomputed


@dataclass
class StageTotal:
    """One board column's figures: how many opportunities, their amount, the amount per currency."""

    count: int = 0
    amount: Decimal = Decimal("0.00")
    amounts: dict[str, Decimal] = field(default_factory=dict)


def _recompute(owners: set[int] | None) -> int:
    """Replace the counts of ``owners`` (None: everyone's) with the opportunities' own: one DELETE
    and one INSERT ... SELECT, so no row passes through Python."""
    kept = StageCount.objects.all()
    live = Opportunity.objects.order_by()
    if owners is not None:
        kept = kept.filter(owner_id__in=owners)
        live = live.filter(owner_id__in=owners)
    kept.delete()  # nothing refers to these rows: one DELETE
    grouped = live.values("owner_id", "stage_id", "currency").annotate(n=Count("pk"), total=Sum("amount"))
    select, params = grouped.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {StageCount._meta.db_table} (owner_id, stage_id, currency, count, amount) {select}",
            params,
        )
        return cursor.rowcount


def refresh() -> int:
    """Recompute the counts of every owner a write has touched (one cheap query when none has);
    the count rows written. Concurrent callers wait for each other; a write committed meanwhile
    leaves its own marker for the next refresh."""
    if not StaleOwner.objects.exists():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        advisory_lock(cursor, LOCK)
        cursor.execute("DELETE FROM pipeline_staleowner RETURNING owner_id")
        owners = {owner_id for (owner_id,) in cursor.fetchall()}
        if not owners:
            return 0  # another refresh took them meanwhile
        return _recompute(None if None in owners else owners)


def rebuild() -> int:
    """Every count recomputed from the opportunities (after a bulk load, or to check the triggers)."""
    with transaction.atomic(), connection.cursor() as cursor:
        advisory_lock(cursor, LOCK)
        cursor.execute("DELETE FROM pipeline_staleowner")
        return _recompute(None)


def totals(*, user, owner=None) -> dict[int, StageTotal]:
    """Per stage id, the figures of the opportunities ``user`` sees (of ``owner`` only, when given):
    exactly what counting ``opportunity_list(user=user, owner=owner)`` gives. Two queries: the
    freshness check, then the kept counts and the live remainder in one statement."""
    refresh()
    scope = owner_scope(Opportunity, user)
    kept = StageCount.objects.all()
    live = None
    if owner is not None:
        kept = kept.filter(owner=owner)
    if not scope.everything:
        kept = kept.filter(owner__in=scope.owners)
        if scope.others is not None:
            live = Opportunity.objects.filter(scope.others).order_by()
            if owner is not None:
                live = live.filter(owner=owner)
    rows = kept.order_by().values("stage_id", "currency").annotate(n=Sum("count"), total=Sum("amount"))
    if live is not None:
        counted = live.values("stage_id", "currency").annotate(n=Count("pk"), total=Sum("amount"))
        rows = rows.union(counted, all=True)
    found: dict[int, StageTotal] = defaultdict(StageTotal)
    for row in rows:
        column = found[row["stage_id"]]
        total = Decimal(str(row["total"] or 0)).quantize(Decimal("0.01"))
        column.count += int(row["n"] or 0)
        column.amount += total
        column.amounts[row["currency"]] = column.amounts.get(row["currency"], Decimal("0.00")) + total
    return dict(found)
