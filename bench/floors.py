"""The floor of each dashboard and report: hand-written SQL that computes the page's figures
directly on the same database, so ``page p95 / floor p95`` says how much the application adds
over the data work itself (the target is 1.3x or less).

The definitions follow salescore/planning/metrics.py (the one place the metrics are defined) and
the selectors of the reports:

* sales amount: orders submitted or later (not cancelled, not deleted) by order date inside the
  period's local dates, amount before tax (``net_total``); an order with a split (orders_credit)
  counts ``share`` % for each credited person, an order without one counts in full for its owner;
  a unit's figure is the sum over the people whose unit path starts with the unit's path.
* weighted pipeline: open opportunities (stage neither won nor lost, not deleted) expected to
  close from max(period start, today) to the period's end, amount x probability / 100.
* satisfaction: answered ratings (``answered_at`` set) per agent: count, CSAT count and average,
  NPS count, promoters (9-10), detractors (0-6); NPS = (promoters - detractors) x 100 / NPS count.
* receivables: instalments not fully received of orders submitted or later (not cancelled, not
  deleted): outstanding = amount - received, overdue = the part due before today.
* report inbox: the sales teams with their weekly report of the week.

Each floor runs the fewest statements a careful hand would write for the figures the page shows,
scoped to what the page needs (a person's target reads only that person's orders), and returns
the figures so ``check_*`` can compare them with the application's. SQLite and PostgreSQL differ
only in truncating a date to its month (``_month``).
"""

# The SQL below is assembled only from this module's constants (column lists, IN placeholders and
# dialect snippets); every value travels as a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

COUNTED = ("submitted", "confirmed", "in_fulfilment", "shipped", "delivered", "closed")
CENT = Decimal("0.01")


def _d(value) -> Decimal:
    return Decimal(str(value or 0))


def _in(values) -> str:
    return ", ".join(["%s"] * len(values))


def _month(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"strftime('%%Y-%%m-01', {column})"


def _bucket(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


# -- credited sales amount ------------------------------------------------------------------------


def _who(person_id: int | None, path: str | None) -> tuple[str, list]:
    """A condition on a person-id column ``{col}``: one person, the people of one unit's subtree,
    or everyone. It goes inside each half of the credited rows, so an index narrows both."""
    if person_id is not None:
        return "{col} = %s", [person_id]
    if path:
        subtree = (
            "SELECT sp.id FROM org_person sp JOIN org_orgunit su ON su.id = sp.org_unit_id"
            " WHERE su.path LIKE %s"
        )
        return "{col} IN (" + subtree + ")", [path + "%"]
    return "1 = 1", []


COUNTED_ORDER = f"""o.deleted_at IS NULL AND o.status IN ({_in(COUNTED)})
              AND o.order_date >= %s AND o.order_date <= %s"""


def _credited(cursor, select: str, group: str, start, end, person_id, path) -> list[tuple]:
    """Credited orders as (person, amount, date) rows: the split part (a row per credited person)
    and the unsplit orders (their owner in full), then grouped."""
    who, params = _who(person_id, path)
    cursor.execute(
        f"""
        SELECT {select}
        FROM (
            SELECT c.person_id, o.net_total * c.share / 100 AS amount, o.order_date
            FROM orders_credit c JOIN orders_order o ON o.id = c.order_id
            WHERE {COUNTED_ORDER} AND {who.format(col="c.person_id")}
            UNION ALL
            SELECT o.owner_id, o.net_total, o.order_date
            FROM orders_order o
            WHERE {COUNTED_ORDER} AND {who.format(col="o.owner_id")}
              AND NOT EXISTS (SELECT 1 FROM orders_credit c WHERE c.order_id = o.id)
        ) x
        LEFT JOIN org_person p ON p.id = x.person_id
        LEFT JOIN org_orgunit u ON u.id = p.org_unit_id
        GROUP BY {group}
        """,
        [*COUNTED, start, end, *params, *COUNTED, start, end, *params],
    )
    return cursor.fetchall()


def credited_totals(cursor, start, end, *, person_id=None, path=None) -> list[tuple[int, str, Decimal]]:
    rows = _credited(
        cursor, "x.person_id, u.path, SUM(x.amount)", "x.person_id, u.path", start, end, person_id, path
    )
    return [(pk, unit or "", _d(value)) for pk, unit, value in rows]


def credited_trend(cursor, vendor, start, end, *, person_id=None, path=None) -> list[tuple[dt.date, Decimal]]:
    month = _month(vendor, "x.order_date")
    rows = _credited(cursor, f"{month} AS bucket, SUM(x.amount)", month, start, end, person_id, path)
    return sorted((_bucket(b), _d(v).quantize(CENT)) for b, v in rows)


def weighted_pipeline(cursor, start, end, today, *, person_id=None, path=None) -> list[tuple]:
    start = max(start, today)
    if start > end:
        return []
    who, params = _who(person_id, path)
    where = who.format(col="o.owner_id")
    cursor.execute(
        f"""
        SELECT o.owner_id, u.path, SUM(o.amount * o.probability / 100)
        FROM pipeline_opportunity o
        JOIN pipeline_stage s ON s.id = o.stage_id
        LEFT JOIN org_person p ON p.id = o.owner_id
        LEFT JOIN org_orgunit u ON u.id = p.org_unit_id
        WHERE o.deleted_at IS NULL AND s.is_won = %s AND s.is_lost = %s
          AND o.expected_close_date >= %s AND o.expected_close_date <= %s AND {where}
        GROUP BY o.owner_id, u.path
        """,
        [False, False, start, end, *params],
    )
    return [(pk, unit or "", _d(value)) for pk, unit, value in cursor.fetchall()]


class Folded:
    """Rows (person, unit path, value) summed per person and per unit path, for many targets."""

    def __init__(self, rows) -> None:
        self.person: dict[int, Decimal] = defaultdict(Decimal)
        self.path: dict[str, Decimal] = defaultdict(Decimal)
        for pk, unit, value in rows:
            if pk is not None:
                self.person[pk] += value
            if unit:
                self.path[unit] += value

    def for_target(self, person_id, unit_path) -> Decimal:
        if person_id is not None:
            return self.person.get(person_id, Decimal(0))
        return sum((v for p, v in self.path.items() if p.startswith(unit_path)), Decimal(0))


def _targets(cursor, where: str, params: list) -> list[tuple]:
    cursor.execute(
        f"""
        SELECT t.id, t.person_id, u.path, t.value, t.period_start, t.period_end
        FROM planning_target t LEFT JOIN org_orgunit u ON u.id = t.org_unit_id
        WHERE t.deleted_at IS NULL AND {where}
        ORDER BY u.path, t.id
        """,
        params,
    )
    return cursor.fetchall()


def _progress(targets, actuals: Folded, pipeline: Folded) -> dict[int, tuple[Decimal, Decimal]]:
    """{target id: (actual, projection)} as selectors.progress computes them for sales amount."""
    figures = {}
    for pk, person_id, path, _value, _start, _end in targets:
        actual = actuals.for_target(person_id, path)
        projection = actual + pipeline.for_target(person_id, path)
        figures[pk] = (
            actual.quantize(CENT, ROUND_HALF_UP),
            projection.quantize(CENT, ROUND_HALF_UP),
        )
    return figures


# -- the floors -----------------------------------------------------------------------------------


def targets_list(cursor, vendor, *, metric, kind, start, end, today) -> dict:
    """The target list (and /api/v1/targets) of someone who sees every target: the period's targets
    with actual and projection."""
    targets = _targets(
        cursor, "t.metric = %s AND t.period_kind = %s AND t.period_start = %s", [metric, kind, start]
    )
    actuals = Folded(credited_totals(cursor, start, end))
    pipeline = Folded(weighted_pipeline(cursor, start, end, today))
    return {"progress": _progress(targets, actuals, pipeline)}


def dashboard(cursor, vendor, *, metric, kind, start, end, today) -> dict:
    """The sales dashboard: every target's progress and the monthly trend of the top target."""
    result = targets_list(cursor, vendor, metric=metric, kind=kind, start=start, end=end, today=today)
    cursor.execute(
        """
        SELECT t.person_id, u.path FROM planning_target t LEFT JOIN org_orgunit u ON u.id = t.org_unit_id
        WHERE t.deleted_at IS NULL AND t.metric = %s AND t.period_kind = %s AND t.period_start = %s
          AND t.org_unit_id IS NOT NULL
        ORDER BY LENGTH(u.path), u.path, t.id
        LIMIT 1
        """,
        [metric, kind, start],
    )
    top = cursor.fetchone()
    result["trend"] = credited_trend(cursor, vendor, start, end, path=top[1]) if top else []
    return result


def target_detail(cursor, vendor, *, target_id, today) -> dict:
    """One sales-amount target: its progress, its children's and its monthly trend, reading only
    the orders and opportunities of its owner's subtree."""
    [target] = _targets(cursor, "t.id = %s", [target_id])
    _pk, person_id, path, _value, start, end = target
    children = _targets(cursor, "t.parent_id = %s", [target_id])
    actuals = Folded(credited_totals(cursor, start, end, person_id=person_id, path=path))
    pipeline = Folded(weighted_pipeline(cursor, start, end, today, person_id=person_id, path=path))
    return {
        "progress": _progress([target, *children], actuals, pipeline),
        "children_total": sum((_d(row[3]) for row in children), Decimal(0)),
        "trend": credited_trend(cursor, vendor, start, end, person_id=person_id, path=path),
    }


def satisfaction(cursor, vendor) -> dict:
    """Answered ratings per agent, and the total (for someone who sees every rating)."""
    figures = """COUNT(*), COUNT(r.csat), AVG(r.csat), COUNT(r.nps),
        SUM(CASE WHEN r.nps >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN r.nps <= 6 THEN 1 ELSE 0 END)"""
    cursor.execute(
        f"""
        SELECT r.agent_id, p.name, p.name_en, {figures}
        FROM service_rating r LEFT JOIN org_person p ON p.id = r.agent_id
        WHERE r.answered_at IS NOT NULL
        GROUP BY r.agent_id, p.name, p.name_en
        ORDER BY 4 DESC, 1
        """
    )
    rows = {row[0]: _rating(row[3:]) for row in cursor.fetchall()}
    cursor.execute(f"SELECT {figures} FROM service_rating r WHERE r.answered_at IS NOT NULL")
    return {"rows": rows, "total": _rating(cursor.fetchone())}


def _rating(values) -> tuple:
    answered, csat_count, avg_csat, nps_count, promoters, detractors = values
    promoters, detractors = int(promoters or 0), int(detractors or 0)
    nps = (promoters - detractors) * 100.0 / nps_count if nps_count else None
    # Shown as the page shows them: CSAT to two places, NPS to one.
    avg = round(float(avg_csat), 2) if avg_csat is not None else None
    return (
        answered,
        csat_count,
        avg,
        nps_count,
        promoters,
        detractors,
        None if nps is None else round(nps, 1),
    )


PAGE = 25  # rows of a list page (salescore.core.pagination.DEFAULT_PAGE_SIZE)
COUNT_CAP = 10_000  # lists count no further (salescore.core.pagination.COUNT_CAP)


def receivables(cursor, vendor, *, today, due: bool = True) -> dict:
    """The receivables page of someone who sees every order: the first page of outstanding and
    overdue per customer and currency (largest first) with the number of such rows counted no
    further than the lists count, the totals, and the first 50 overdue instalments."""
    owed = f"""
        FROM orders_instalment i JOIN orders_order o ON o.id = i.order_id {{joins}}
        WHERE o.deleted_at IS NULL AND o.status IN ({_in(COUNTED)}) AND i.received < i.amount
    """
    customer = "JOIN customers_customer c ON c.id = o.customer_id"
    owner = "LEFT JOIN org_person p ON p.id = o.owner_id"
    sums = "SUM(i.amount - i.received), SUM(CASE WHEN i.due_date < %s THEN i.amount - i.received ELSE 0 END)"
    cursor.execute(
        f"""
        SELECT COUNT(*) FROM (
            SELECT 1 {owed.format(joins="")} GROUP BY o.customer_id, i.currency LIMIT {COUNT_CAP + 1}
        ) groups
        """,
        COUNTED,
    )
    count = min(cursor.fetchone()[0], COUNT_CAP)
    cursor.execute(
        f"""
        SELECT o.customer_id, i.currency, {sums}, COUNT(DISTINCT i.order_id)
        {owed.format(joins="")}
        GROUP BY o.customer_id, i.currency
        ORDER BY 3 DESC, 1, 2
        LIMIT {PAGE}
        """,
        [today, *COUNTED],
    )
    rows = {(pk, currency): (_d(out), _d(late), n) for pk, currency, out, late, n in cursor.fetchall()}
    shown = [pk for pk, _currency in rows]
    if shown:  # the page's names, once the page is known
        cursor.execute(f"SELECT id, name FROM customers_customer WHERE id IN ({_in(shown)})", shown)
        cursor.fetchall()
    cursor.execute(
        f"SELECT i.currency, {sums} {owed.format(joins='')} GROUP BY i.currency ORDER BY 1", [today, *COUNTED]
    )
    totals = {currency: (_d(out), _d(late)) for currency, out, late in cursor.fetchall()}
    if not due:  # the API answers without the overdue instalments
        return {"count": count, "rows": rows, "totals": totals}
    cursor.execute(
        f"""
        SELECT i.id, i.due_date, i.amount - i.received, o.number, c.name, p.name
        {owed.format(joins=f"{customer} {owner}")}
          AND i.due_date < %s
        ORDER BY i.due_date, i.order_id, i.seq
        LIMIT 50
        """,
        [*COUNTED, today],
    )
    due = [row[0] for row in cursor.fetchall()]
    return {"count": count, "rows": rows, "totals": totals, "due": due}


def report_inbox(cursor, vendor, *, week_start) -> dict:
    """The sales teams and their weekly report of the week (for someone who sees every team)."""
    cursor.execute(
        """
        SELECT u.id, u.name, r.id, r.status, r.submitted_at, r.due_date, r.figures, a.name
        FROM org_orgunit u
        LEFT JOIN planning_progressreport r
               ON r.org_unit_id = u.id AND r.kind = %s AND r.period_start = %s AND r.deleted_at IS NULL
        LEFT JOIN org_person a ON a.id = r.author_id
        WHERE u.deleted_at IS NULL AND u.kind = %s AND u.duty = %s
        ORDER BY u.path
        """,
        ["weekly", week_start, "team", "sales_management"],
    )
    teams = {row[0]: row[2] for row in cursor.fetchall()}
    cursor.execute(
        "SELECT weekly_report_due_days, monthly_report_due_days"
        " FROM planning_planningpolicy ORDER BY id LIMIT 1"
    )
    cursor.fetchone()
    return {"teams": teams}


FLOORS = {
    "targets": targets_list,
    "dashboard": dashboard,
    "target": target_detail,
    "satisfaction": satisfaction,
    "receivables": receivables,
    "receivables_api": lambda cursor, vendor, **kwargs: receivables(cursor, vendor, due=False, **kwargs),
    "report_inbox": report_inbox,
}
