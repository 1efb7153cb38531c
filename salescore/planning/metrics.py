"""How each target metric is measured from live data: the one place these definitions live.

Every figure is aggregated in SQL, grouped by the credited person and their unit; a unit's
actual is the sum of the groups in its subtree. Periods are local dates (Asia/Shanghai): a
datetime counts in a period when its local date does.

* sales amount      orders submitted or later (not cancelled), by order date, amount before tax,
                    credited by the order's split (orders.Credit; no split: the owner in full)
* collected amount  payments received (not reversed), by receipt date, credited like their order
* sales quantity    units on those orders' lines (optionally one product category), credited
* new customers     customers created in the period, by their owner
* market share      sales amount to customers of the segment (industry, region) / market size
* visits, calls     activities on the visit / phone channel, by the person who made them
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from salescore.planning.models import Metric

ZERO = Decimal("0.00")
COUNTED_ORDER_STATUSES = ("submitted", "confirmed", "in_fulfilment", "shipped", "delivered", "closed")
MONEY = DecimalField(max_digits=24, decimal_places=6)
HUNDRED = Value(Decimal(100))


@dataclass(frozen=True)
class Segment:
    """Narrowing of a metric: a product category (quantity), an industry and region (share)."""

    category_id: int | None = None
    industry: str = ""
    region_path: str = ""


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes [start, end) of the local dates."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Totals:
    """One metric over one window: value per person and per unit path (from SQL groups)."""

    rows: list[tuple[int | None, str, Decimal]] = field(default_factory=list)

    def for_person(self, person_id: int) -> Decimal:
        return sum((value for pk, _path, value in self.rows if pk == person_id), ZERO)

    def for_unit(self, path: str) -> Decimal:
        return sum((value for _pk, unit, value in self.rows if unit and unit.startswith(path)), ZERO)

    def for_target(self, target) -> Decimal:
        return self.for_person(target.person_id) if target.person_id else self.for_unit(target.org_unit.path)

    def by_person(self) -> dict[int, Decimal]:
        result: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for pk, _path, value in self.rows:
            if pk is not None:
                result[pk] += value
        return dict(result)


def _credited(metric: str, window: Window, segment: Segment) -> Totals:
    """Order-based money and quantity metrics, split by credit: one query for the split orders
    (a row per credited person), one for the orders without a split (their owner in full)."""
    from salescore.orders.models import Credit, Order, OrderLine, Payment

    if metric == Metric.COLLECTED_AMOUNT:
        base = Payment.objects.filter(
            deleted_at__isnull=True, received_on__gte=window.start, received_on__lte=window.end
        )
        amount, prefix = "amount", "order__"
    elif metric == Metric.SALES_QUANTITY:
        base = OrderLine.objects.filter(
            order__status__in=COUNTED_ORDER_STATUSES,
            order__order_date__gte=window.start,
            order__order_date__lte=window.end,
        )
        if segment.category_id:
            base = base.filter(product__category_id=segment.category_id)
        amount, prefix = "quantity", "order__"
    else:
        base = Order.objects.filter(
            status__in=COUNTED_ORDER_STATUSES, order_date__gte=window.start, order_date__lte=window.end
        )
        amount, prefix = "net_total", ""
    base = base.filter(**{f"{prefix}deleted_at__isnull": True}).exclude(**{f"{prefix}status": "cancelled"})
    if segment.industry:
        base = base.filter(**{f"{prefix}customer__industry": segment.industry})
    if segment.region_path:
        base = base.filter(**{f"{prefix}customer__region__path__startswith": segment.region_path})
    order_ref = OuterRef(f"{prefix}pk") if prefix else OuterRef("pk")
    is_split = Exists(Credit.objects.filter(order=order_ref))
    # values() joins the credits once; the share in the sum comes from that same join.
    split = (
        base.filter(is_split)
        .values(pk=F(f"{prefix}credits__person_id"), path=F(f"{prefix}credits__person__org_unit__path"))
        .annotate(
            v=Sum(ExpressionWrapper(F(amount) * F(f"{prefix}credits__share") / HUNDRED, output_field=MONEY))
        )
    )
    whole = (
        base.filter(~is_split)
        .values(pk=F(f"{prefix}owner_id"), path=F(f"{prefix}owner__org_unit__path"))
        .annotate(v=Sum(amount))
    )
    rows = [(r["pk"], r["path"] or "", Decimal(str(r["v"] or 0))) for r in split.order_by()]
    rows += [(r["pk"], r["path"] or "", Decimal(str(r["v"] or 0))) for r in whole.order_by()]
    return Totals(rows=rows)


def _counted(metric: str, window: Window) -> Totals:
    from salescore.customers.models import Customer
    from salescore.pipeline.models import Activity

    start, end = window.bounds
    if metric == Metric.NEW_CUSTOMERS:
        base = Customer.all_objects.filter(
            created_at__gte=start, created_at__lt=end, owner__isnull=False, merged_into__isnull=True
        ).filter(deleted_at__isnull=True)
    else:
        channel = "visit" if metric == Metric.VISITS else "phone"
        base = Activity.objects.filter(occurred_at__gte=start, occurred_at__lt=end, channel=channel)
    grouped = base.values(pk=F("owner_id"), path=F("owner__org_unit__path")).annotate(v=Count("id"))
    return Totals(rows=[(r["pk"], r["path"] or "", Decimal(r["v"])) for r in grouped.order_by()])


def totals(metric: str, window: Window, segment: Segment = Segment()) -> Totals:
    """The metric's figures over the window, grouped (2 queries at most)."""
    if metric in (Metric.SALES_AMOUNT, Metric.COLLECTED_AMOUNT, Metric.SALES_QUANTITY, Metric.MARKET_SHARE):
        return _credited(Metric.SALES_AMOUNT if metric == Metric.MARKET_SHARE else metric, window, segment)
    return _counted(metric, window)


def market_size(window: Window, segment: Segment) -> Decimal | None:
    """The segment's market size for the window: an entry for exactly that period, or one whose
    period contains it, prorated by days."""
    from salescore.planning.models import MarketSize

    rows = MarketSize.objects.filter(
        industry=segment.industry,
        period_start__lte=window.start,
        period_end__gte=window.end,
    )
    rows = (
        rows.filter(region__path=segment.region_path)
        if segment.region_path
        else rows.filter(region__isnull=True)
    )
    entry = rows.order_by("period_end", "-period_start").first()
    if entry is None:
        return None
    days = (entry.period_end - entry.period_start).days + 1
    return entry.amount * Decimal(window.days) / Decimal(days)


def weighted_pipeline(window: Window, *, today: dt.date) -> Totals:
    """Open opportunities expected to close in the rest of the window, amount x probability."""
    from salescore.pipeline.models import Opportunity

    start = max(window.start, today)
    if start > window.end:
        return Totals()
    grouped = (
        Opportunity.objects.filter(
            stage__is_won=False,
            stage__is_lost=False,
            expected_close_date__gte=start,
            expected_close_date__lte=window.end,
        )
        .values(pk=F("owner_id"), path=F("owner__org_unit__path"))
        .annotate(
            v=Coalesce(
                Sum(ExpressionWrapper(F("amount") * F("probability") / HUNDRED, output_field=MONEY)),
                Value(ZERO),
                output_field=MONEY,
            )
        )
    )
    return Totals(rows=[(r["pk"], r["path"] or "", Decimal(str(r["v"] or 0))) for r in grouped.order_by()])
