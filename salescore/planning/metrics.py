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

from django.db.models import Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce

from salescore.core.dates import day_range
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
        bounds = day_range(self.start, self.end)
        return bounds["gte"], bounds["lt"]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Totals:
    """One metric over one window: value per person and per unit path (from SQL groups)."""

    rows: list[tuple[int | None, str, Decimal]] = field(default_factory=list)
    # rows summed per person, made on the first look-up (a target list asks for 200 people's).
    _people: dict[int | None, Decimal] | None = field(default=None, init=False, repr=False, compare=False)

    def for_person(self, person_id: int) -> Decimal:
        if self._people is None:
            people: dict[int | None, Decimal] = {}
            for pk, _path, value in self.rows:
                people[pk] = people.get(pk, ZERO) + value
            self._people = people
        return self._people.get(person_id, ZERO)

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


@dataclass(frozen=True)
class Owners:
    """Whose figures are wanted: people, and units with everyone below them. A rep's target
    reads the rows credited to the rep, not the whole company's. None (the default): everyone."""

    person_ids: frozenset[int] = frozenset()
    unit_paths: frozenset[str] = frozenset()

    @classmethod
    def of(cls, targets) -> Owners | None:
        """The owners of ``targets`` (their person, or their unit's subtree)."""
        people, paths = set(), set()
        for target in targets:
            if target.person_id:
                people.add(target.person_id)
            else:
                paths.add(target.org_unit.path)
        # A unit inside another adds nothing: the outer unit's subtree holds it.
        outer = {p for p in paths if not any(p != q and p.startswith(q) for q in paths)}
        return cls(frozenset(people), frozenset(outer))

    def narrow(self, queryset, who: str):
        """Rows whose ``who`` (a path to a Person) is one of these owners."""
        wanted = Q(pk__in=[])
        if self.person_ids:
            wanted |= Q(**{f"{who}_id__in": sorted(self.person_ids)})
        for path in sorted(self.unit_paths):
            wanted |= Q(**{f"{who}__org_unit__path__startswith": path})
        return queryset.filter(wanted)


def _narrowed(queryset, who: str, owners: Owners | None):
    return queryset if owners is None else owners.narrow(queryset, who)


CREDITED = (Metric.SALES_AMOUNT, Metric.COLLECTED_AMOUNT, Metric.SALES_QUANTITY, Metric.MARKET_SHARE)


@dataclass(frozen=True)
class Source:
    """The rows a metric sums or counts over a window: ``amount`` is the summed column (None:
    count rows), ``prefix`` leads from the row to its order (credited metrics), ``date_field``
    is what places a row in a period and ``credited`` says whether an order's split applies."""

    queryset: object
    amount: str | None
    prefix: str
    date_field: str
    credited: bool


def source(metric: str, window: Window, segment: Segment = Segment()) -> Source:
    """The one definition of which rows each metric counts (see the module docstring)."""
    from salescore.customers.models import Customer
    from salescore.orders.models import Order, OrderLine, Payment
    from salescore.pipeline.models import Activity

    if metric == Metric.MARKET_SHARE:
        metric = Metric.SALES_AMOUNT
    if metric in CREDITED:
        if metric == Metric.COLLECTED_AMOUNT:
            base = Payment.objects.filter(received_on__gte=window.start, received_on__lte=window.end)
            amount, prefix, date_field = "amount", "order__", "received_on"
        elif metric == Metric.SALES_QUANTITY:
            base = OrderLine.objects.filter(
                order__status__in=COUNTED_ORDER_STATUSES,
                order__order_date__gte=window.start,
                order__order_date__lte=window.end,
            )
            if segment.category_id:
                base = base.filter(product__category_id=segment.category_id)
            amount, prefix, date_field = "quantity", "order__", "order__order_date"
        else:
            base = Order.objects.filter(
                status__in=COUNTED_ORDER_STATUSES, order_date__gte=window.start, order_date__lte=window.end
            )
            amount, prefix, date_field = "net_total", "", "order_date"
        base = base.filter(**{f"{prefix}deleted_at__isnull": True}).exclude(
            **{f"{prefix}status": "cancelled"}
        )
        if segment.industry:
            base = base.filter(**{f"{prefix}customer__industry": segment.industry})
        if segment.region_path:
            base = base.filter(**{f"{prefix}customer__region__path__startswith": segment.region_path})
        return Source(base, amount, prefix, date_field, credited=True)
    start, end = window.bounds
    if metric == Metric.NEW_CUSTOMERS:
        base = Customer.all_objects.filter(
            created_at__gte=start, created_at__lt=end, owner__isnull=False, merged_into__isnull=True
        ).filter(deleted_at__isnull=True)
        return Source(base, None, "", "created_at", credited=False)
    channel = "visit" if metric == Metric.VISITS else "phone"
    base = Activity.objects.filter(occurred_at__gte=start, occurred_at__lt=end, channel=channel)
    return Source(base, None, "", "occurred_at", credited=False)


def _halves(src: Source):
    """A credited source's split rows (one per credited person, weighted by the share) and its
    unsplit rows (the order's owner in full), as (queryset, owner prefix, value expression)."""
    from salescore.orders.models import Credit

    order_ref = OuterRef(f"{src.prefix}pk") if src.prefix else OuterRef("pk")
    is_split = Exists(Credit.objects.filter(order=order_ref))
    shared = ExpressionWrapper(F(src.amount) * F(f"{src.prefix}credits__share") / HUNDRED, output_field=MONEY)
    return [
        (src.queryset.filter(is_split), f"{src.prefix}credits__person", Sum(shared)),
        (src.queryset.filter(~is_split), f"{src.prefix}owner", Sum(src.amount)),
    ]


def parts(src: Source):
    """The querysets a source's figure adds up, with who is credited and the value summed."""
    if src.credited:
        return _halves(src)
    return [(src.queryset, "owner", Count("id"))]


def totals(
    metric: str,
    window: Window,
    segment: Segment = Segment(),
    *,
    owners: Owners | None = None,
    live: bool = False,
) -> Totals:
    """The metric's figures over the window, grouped by person and unit path (2 queries at most),
    for ``owners`` only when given. Read from the figures kept per day (planning.figures) unless
    the segment is not kept or ``live`` asks for the records themselves. values() joins the
    credits once; the share in the sum comes from that same join."""
    from salescore.planning import figures

    if not live and figures.kept(metric, segment):
        return figures.totals(metric, window, owners=owners)
    rows = []
    for queryset, who, value in parts(source(metric, window, segment)):
        grouped = (
            _narrowed(queryset, who, owners)
            .values(pk=F(f"{who}_id"), path=F(f"{who}__org_unit__path"))
            .annotate(v=value)
        )
        rows += [(r["pk"], r["path"] or "", Decimal(str(r["v"] or 0))) for r in grouped.order_by()]
    return Totals(rows=rows)


def series(
    metric: str,
    window: Window,
    segment: Segment = Segment(),
    *,
    person_id: int | None = None,
    unit_path: str = "",
    bucket: str = "month",
    live: bool = False,
) -> list[tuple[dt.date, Decimal]]:
    """The metric per week (Monday) or month of the window for one person or one unit's subtree,
    from the same rows as ``totals`` (2 queries at most), buckets in local dates."""
    from django.db.models.functions import TruncMonth, TruncWeek

    from salescore.planning import figures

    if not live and figures.kept(metric, segment):
        return figures.series(metric, window, person_id=person_id, unit_path=unit_path, bucket=bucket)

    trunc = TruncWeek if bucket == "week" else TruncMonth
    src = source(metric, window, segment)
    found: dict[dt.date, Decimal] = defaultdict(lambda: Decimal(0))
    for queryset, who, value in parts(src):
        owned = (
            queryset.filter(**{f"{who}_id": person_id})
            if person_id
            else queryset.filter(**{f"{who}__org_unit__path__startswith": unit_path})
        )
        grouped = owned.annotate(bucket=trunc(src.date_field)).values("bucket").annotate(v=value)
        for row in grouped.order_by():
            key = row["bucket"].date() if isinstance(row["bucket"], dt.datetime) else row["bucket"]
            found[key] += Decimal(str(row["v"] or 0))
    return sorted(found.items())


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


WEIGHTED = ExpressionWrapper(F("amount") * F("probability") / HUNDRED, output_field=MONEY)


def open_pipeline(start: dt.date, end: dt.date):
    """Open opportunities expected to close between two dates (both included)."""
    from salescore.pipeline.models import Opportunity

    return Opportunity.objects.filter(
        stage__is_won=False,
        stage__is_lost=False,
        expected_close_date__gte=start,
        expected_close_date__lte=end,
    )


def weighted_pipeline(
    window: Window, *, today: dt.date, owners: Owners | None = None, live: bool = False
) -> Totals:
    """Open opportunities expected to close in the rest of the window, amount x probability
    (``owners``' only, when given); from the figures kept per day unless ``live``."""
    from salescore.planning import figures

    start = max(window.start, today)
    if start > window.end:
        return Totals()
    if not live:
        return figures.totals(figures.PIPELINE, Window(start, window.end), owners=owners)
    grouped = (
        _narrowed(open_pipeline(start, window.end), "owner", owners)
        .values(pk=F("owner_id"), path=F("owner__org_unit__path"))
        .annotate(v=Coalesce(Sum(WEIGHTED), Value(ZERO), output_field=MONEY))
    )
    return Totals(rows=[(r["pk"], r["path"] or "", Decimal(str(r["v"] or 0))) for r in grouped.order_by()])
