"""Reads of the sales process, scoped; the recommendation (R3.4) and the stage script (R3.5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections
from django.db.models import Count, F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.catalog.models import Product
from salescore.core.dates import filter_days
from salescore.core.i18n import join_clauses, join_items
from salescore.core.pagination import searched
from salescore.core.permissions import access_for, get_in_scope, owner_scope, scope_filter, scope_queryset
from salescore.customers import search as customer_search
from salescore.customers.models import Customer
from salescore.org.fields import bilingual, english
from salescore.org.models import OrgUnit, Person
from salescore.pipeline import counts
from salescore.pipeline.gates import GATES
from salescore.pipeline.models import (
    Activity,
    NeedsAnalysis,
    Opportunity,
    OpportunityProduct,
    Script,
    Stage,
    StageChange,
)

OPPORTUNITY_ORDERINGS = {
    "-updated": ["-updated_at", "-id"],
    # Opportunities without a close date last, on every database.
    "close_date": [F("expected_close_date").asc(nulls_last=True), "id"],
    "-amount": ["-amount", "-id"],
    "stage": ["stage__sort_order", "-updated_at", "-id"],
}


def stages(*, include_inactive: bool = False) -> list[Stage]:
    rows = Stage.objects.all()
    if not include_inactive:
        rows = rows.filter(active=True)
    return list(rows.order_by("sort_order"))


def opportunity_list(
    *,
    user,
    q: str | None = None,
    stage: Stage | None = None,
    owner: Person | None = None,
    customer: Customer | None = None,
    open_only: bool = False,
    closing_before: dt.date | None = None,
    order: str = "-updated",
) -> QuerySet[Opportunity]:
    rows = scope_queryset(Opportunity.objects.all(), user)
    if q:
        q = q.strip()
        rows = searched(rows, *customer_search.named(rows, q))
    if stage is not None:
        rows = rows.filter(stage=stage)
    if owner is not None:
        rows = rows.filter(owner=owner)
    if customer is not None:
        rows = rows.filter(customer=customer)
    if open_only:
        rows = rows.filter(stage__is_won=False, stage__is_lost=False)
    if closing_before is not None:
        rows = rows.filter(expected_close_date__lte=closing_before)
    return rows.select_related("customer", "owner", "stage").order_by(
        *OPPORTUNITY_ORDERINGS.get(order, OPPORTUNITY_ORDERINGS["-updated"])
    )


def opportunity_get_for_user(*, user, pk) -> Opportunity:
    return get_in_scope(
        Opportunity.objects.select_related("customer", "owner", "stage").prefetch_related("contacts"),
        user,
        pk,
    )


def _proposed_lines() -> QuerySet[OpportunityProduct]:
    return OpportunityProduct.objects.select_related("product", "product__category")


# The parts of the opportunity page it loads on their own (htmx), so the page does not pay for them.
PAGE_PANELS = ("timeline", "recommendations")


def opportunity_page_get_for_user(*, user, pk, panel: str | None = None) -> Opportunity:
    """The opportunity for its page, or for one ``panel`` of it, with the related rows that part
    shows: the page its contacts, needs analysis (with features) and proposed products; the
    recommendations the needs and the products; the timeline nothing more. Loaded with the
    opportunity, they answer the page, the entry criteria (pipeline.gates), the recommendation
    and the scripts without asking again."""
    rows = Opportunity.objects.select_related("customer", "owner", "stage")
    if panel != "timeline":
        rows = rows.select_related("needs").prefetch_related(
            "needs__features", Prefetch("products", queryset=_proposed_lines())
        )
    if panel is None:
        rows = rows.prefetch_related("contacts")
    return get_in_scope(rows, user, pk)


def opportunity_page_load(opportunity: Opportunity) -> Opportunity:
    """Load what the page shows onto an opportunity read another way (a form that came back with
    errors re-renders the page); what is already loaded is not asked for again."""
    prefetch_related_objects(
        [opportunity],
        "contacts",
        Prefetch("needs", queryset=NeedsAnalysis.objects.all()),
        "needs__features",
        Prefetch("products", queryset=_proposed_lines()),
    )
    return opportunity


@dataclass(frozen=True, slots=True)
class Card:
    """An opportunity as a board card shows it: the columns of its card, read as values (not an
    Opportunity with its customer and owner: 440 model instances a board, an eighth of its time)."""

    pk: int
    name: str
    customer_id: int
    customer_name: str
    owner_id: int
    owner_name: str  # in the reader's language
    stage_id: int
    amount: Decimal
    currency: str
    probability: Decimal
    expected_close_date: dt.date | None
    stage_entered_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @property
    def id(self) -> int:
        return self.pk


@dataclass
class BoardColumn:
    stage: Stage
    cards: list[Card]
    count: int
    amount: Decimal
    # The total per currency: ``amount`` adds numbers of different currencies when a column mixes them.
    amounts: dict[str, Decimal] = field(default_factory=dict)
    # Whether the stage has cards after these (in the reader's scope and the board's filter).
    more: bool = False


# Card's columns as the query reads them (the owner's two names become its owner_name).
CARD_COLUMNS = (
    "pk",
    "name",
    "customer_id",
    "customer__name",
    "owner_id",
    "owner__name",
    "owner__name_en",
    "stage_id",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "stage_entered_at",
    "updated_at",
    "version",
)


def _card_sources(*, user, owner: Person | None) -> list[QuerySet[Opportunity]]:
    """The opportunities a board shows, split by the ways the user sees them: their people's and
    the rest (shared with them). Each part is a condition an index walks in card order; their OR
    is not (a rep's cards walked every stage's index, testing each card's owner)."""
    rows = Opportunity.objects.all()
    if owner is not None:
        rows = rows.filter(owner=owner)
    scope = owner_scope(Opportunity, user)
    if scope.everything:
        return [rows]
    return [rows.filter(scope.owned)] + ([rows.filter(scope.others)] if scope.others is not None else [])


def _newest_per_stage(base, sources, columns, per_stage: int, before: tuple[dt.datetime, int] | None = None):
    """The newest ``per_stage`` opportunities of each stage, in one query: a UNION ALL of one
    LIMITed part per stage and per way seen (``sources``), each reading the (owner, stage,
    updated) or (stage, updated) index in card order and stopping. A stage may return up to
    ``per_stage`` rows per source; the board keeps the newest. Each part is a subquery of its own
    (``SELECT * FROM (...)``), which both databases take with its ORDER BY and LIMIT; Django's
    ``union`` refuses a sliced part on SQLite, and the window rank used there before numbered
    every opportunity in scope (4 s for a director at 300,000). ``before`` (updated at, id) gives
    the cards after a card already shown, in the same order."""
    order = ("-updated_at", "-id")
    if not columns:
        return base.none()
    if before is not None:
        at, pk = before
        after = Q(updated_at__lt=at) | Q(updated_at=at, pk__lt=pk)
        sources = [rows.filter(after) for rows in sources]
    sql, params = [], []
    for n, (stage, rows) in enumerate((stage, rows) for stage in columns for rows in sources):
        part = rows.filter(stage=stage).order_by(*order).values("pk")[:per_stage]
        part_sql, part_params = part.query.get_compiler(connection=connections[part.db]).as_sql()
        sql.append(f"SELECT * FROM ({part_sql}) AS card{n}")  # noqa: S608  (compiled by the ORM)
        params.extend(part_params)
    newest = RawSQL(" UNION ALL ".join(sql), params)  # noqa: S611  (compiled by the ORM)
    return base.filter(pk__in=newest).order_by(*order)


BOARD_CARDS = 20  # the cards a board column shows at first, and how many more it loads at a time


def _cards(*, user, owner, columns, per_stage: int, before=None) -> dict[int, list[Card]]:
    """The newest ``per_stage`` + 1 cards of each stage in ``columns`` (one query): the extra one
    tells whether a column has more."""
    base = opportunity_list(user=user, owner=owner)
    sources = _card_sources(user=user, owner=owner)
    in_english = english()
    cards: dict[int, list[Card]] = {}
    # A card shows a few columns of the opportunity, its customer's name and its owner's: not the
    # customer's forty columns (reading 210 cards' whole rows was a third of the page).
    rows = _newest_per_stage(base, sources, columns, per_stage + 1, before).values_list(*CARD_COLUMNS)
    for pk, name, customer_id, customer, owner_id, owner_name, owner_name_en, stage_id, *rest in rows:
        owner_shown = bilingual(owner_name, owner_name_en, in_english)
        card = Card(pk, name, customer_id, customer, owner_id, owner_shown, stage_id, *rest)
        cards.setdefault(stage_id, []).append(card)
    return {stage: rows[: per_stage + 1] for stage, rows in cards.items()}


def board(*, user, owner: Person | None = None, per_stage: int = BOARD_CARDS) -> list[BoardColumn]:
    """The pipeline board: per stage its newest cards, how many there are and their total amount.

    Four queries whatever the size: the stages, the counts' freshness, the counts and sums (kept
    per owner, pipeline.counts), the cards.
    """
    columns = stages()
    totals = counts.totals(user=user, owner=owner)
    cards = _cards(user=user, owner=owner, columns=columns, per_stage=per_stage)
    empty = counts.StageTotal()
    return [
        BoardColumn(
            stage=stage,
            cards=cards.get(stage.pk, [])[:per_stage],
            count=totals.get(stage.pk, empty).count,
            amount=totals.get(stage.pk, empty).amount,
            amounts=dict(sorted(totals.get(stage.pk, empty).amounts.items())),
            more=len(cards.get(stage.pk, [])) > per_stage,
        )
        for stage in columns
    ]


def board_more(
    *,
    user,
    stage: Stage,
    before: tuple[dt.datetime, int],
    owner: Person | None = None,
    per_stage: int = BOARD_CARDS,
) -> tuple[list[Card], bool]:
    """A board column's next cards after the card ``before`` (its updated-at and id), in the
    board's order, and whether there are more after them. One query."""
    cards = _cards(user=user, owner=owner, columns=[stage], per_stage=per_stage, before=before)
    cards = cards.get(stage.pk, [])
    return cards[:per_stage], len(cards) > per_stage


@dataclass
class TimelineEntry:
    at: dt.datetime
    kind: str  # activity | stage | a registered source's kind (order, ticket)
    activity: Activity | None = None
    change: StageChange | None = None
    # Entries from other domains: what happened, a status, where to read more, an icon.
    title: str = ""
    status: str = ""
    url: str = ""
    icon: str = "record-circle"


# Other domains add their records to the timeline (orders, tickets) without this app knowing
# their models: source(user=, customer=, opportunity=, limit=) -> list[TimelineEntry], scoped.
TIMELINE_SOURCES: list = []


def register_timeline_source(source) -> None:
    if source not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(source)


def timeline(
    *, user, customer: Customer | None = None, opportunity: Opportunity | None = None, limit: int = 50
) -> list[TimelineEntry]:
    """Activities, stage changes and the registered sources (orders, tickets), newest first.
    Each source costs a fixed number of queries, however long the history."""
    activities = scope_queryset(Activity.objects.all(), user).select_related(
        "customer", "owner", "contact", "opportunity"
    )
    changes = StageChange.objects.select_related("from_stage", "to_stage", "actor__person", "opportunity")
    if opportunity is not None:
        activities = activities.filter(opportunity=opportunity)
        changes = changes.filter(opportunity=opportunity)
    elif customer is not None:
        activities = activities.filter(customer=customer)
        changes = changes.filter(
            opportunity__in=scope_queryset(Opportunity.objects.filter(customer=customer), user)
        )
    entries = [TimelineEntry(at=a.occurred_at, kind="activity", activity=a) for a in activities[:limit]]
    entries += [
        TimelineEntry(at=c.at, kind="stage", change=c) for c in changes.order_by("-at", "-id")[:limit]
    ]
    for source in TIMELINE_SOURCES:
        entries += source(user=user, customer=customer, opportunity=opportunity, limit=limit)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def activity_list(
    *,
    user,
    owner: Person | None = None,
    channel: str | None = None,
    customer: Customer | None = None,
    q: str | None = None,
    followups_only: bool = False,
    due_only: bool = False,
    mine: bool = False,
    unit: OrgUnit | None = None,
    occurred_from: dt.date | None = None,
    occurred_to: dt.date | None = None,
) -> QuerySet[Activity]:
    """Touches in this user's scope. ``unit``: made by people in that unit or below it;
    ``occurred_from``/``occurred_to``: local dates, both included; ``mine``: made by the user;
    ``due_only`` (with ``followups_only``): next steps due today or overdue."""
    rows = scope_queryset(Activity.objects.all(), user)
    if mine:
        # A login without a person made nothing; owner_id=None would mean something else.
        person_id = access_for(user).person_id
        rows = rows.filter(owner_id=person_id) if person_id else rows.none()
    if owner is not None:
        rows = rows.filter(owner=owner)
    if unit is not None:
        rows = rows.filter(owner__org_unit__path__startswith=unit.path)
    rows = filter_days(rows, "occurred_at", occurred_from, occurred_to)
    if channel:
        rows = rows.filter(channel=channel)
    if customer is not None:
        rows = rows.filter(customer=customer)
    if q:
        # an activity's scope is its customer's: the customers named are read within the user's
        customers = scope_filter(Customer, user)
        rows = searched(rows, *customer_search.named(rows, q.strip(), own=("subject",), within=customers))
    if followups_only:
        rows = rows.filter(next_step_due__isnull=False, next_step_done=False).order_by("next_step_due", "id")
        if due_only:
            rows = rows.filter(next_step_due__lte=timezone.localdate())
        return rows.select_related("customer", "owner", "contact", "opportunity")
    return rows.select_related("customer", "owner", "contact", "opportunity").order_by("-occurred_at", "-id")


FOLLOWUPS_DUE_QUERY = "followups=1&due=1&mine=1"


def followups_due(user) -> QuerySet[Activity]:
    """My follow-ups due today or overdue (the work queue): the activity list its link opens
    (FOLLOWUPS_DUE_QUERY), so the number on the home page is the number of rows listed."""
    return activity_list(user=user, followups_only=True, due_only=True, mine=True)


def followups_due_count(user) -> int:
    return followups_due(user).count()


def needs_for(opportunity: Opportunity, *, with_features: bool = True) -> NeedsAnalysis | None:
    """The opportunity's needs analysis (with its features), or None. Taken from the opportunity
    when its page loaded it (select_related or prefetch of ``needs``); otherwise read, and not kept
    on the opportunity, so a caller that records the needs meanwhile reads the new row."""
    if Opportunity.needs.is_cached(opportunity):
        needs = Opportunity.needs.related.get_cached_value(opportunity)
        # select_related joins the row whatever its state; the default manager hides deleted ones.
        return needs if needs is not None and needs.deleted_at is None else None
    rows = NeedsAnalysis.objects.filter(opportunity=opportunity)
    return (rows.prefetch_related("features") if with_features else rows).first()


def proposed_products(opportunity: Opportunity) -> QuerySet[OpportunityProduct]:
    return _proposed_lines().filter(opportunity=opportunity)


@dataclass
class Recommendation:
    product: Product
    score: Decimal
    reasons: list[str] = field(default_factory=list)
    proposed: bool = False

    @property
    def reason_text(self) -> str:
        """The reasons in one line, stored on the proposed product as why it was chosen."""
        return join_clauses(self.reasons)[:500]


def recommend_products(*, opportunity: Opportunity, limit: int = 8) -> list[Recommendation]:
    """Rank active products for the opportunity from its needs (R3.4), saying why.

    Score out of 100: needed features the product has (60), fit with the customer's industry (15)
    and size (10), and how often won deals of customers in the same industry bought it (15).
    A fixed number of queries: the needs, the products with their features, the won-deal counts.
    """
    needs = needs_for(opportunity)
    wanted = {f.pk: f for f in needs.features.all()} if needs else {}
    customer = opportunity.customer
    products = list(
        Product.objects.filter(active=True)
        .select_related("category")
        .prefetch_related("features")
        .order_by("code")
    )
    won_with = (
        dict(
            OpportunityProduct.objects.filter(
                opportunity__stage__is_won=True,
                opportunity__customer__industry=customer.industry,
                opportunity__deleted_at__isnull=True,
            )
            .exclude(opportunity=opportunity)
            .values("product_id")
            .annotate(n=Count("opportunity_id", distinct=True))
            .values_list("product_id", "n")
        )
        if customer.industry
        else {}
    )
    most_won = max(won_with.values(), default=0)
    # The opportunity's lines: prefetched by its page, else one query.
    proposed = {line.product_id for line in opportunity.products.all()}
    ranked = []
    for product in products:
        reasons = []
        score = Decimal(0)
        has = {f.pk for f in product.features.all()}
        if wanted:
            matched = [wanted[pk].display_name for pk in wanted if pk in has]
            if matched:
                score += Decimal(60) * len(matched) / len(wanted)
                reasons.append(
                    _("meets %(n)s of %(total)s needed features: %(list)s")
                    % {"n": len(matched), "total": len(wanted), "list": join_items(matched)}
                )
        if customer.industry and customer.industry in (product.industries or []):
            score += 15
            reasons.append(
                _("made for the customer's industry (%(industry)s)")
                % {"industry": customer.get_industry_display()}
            )
        if customer.size and customer.size in (product.sizes or []):
            score += 10
            reasons.append(_("fits a company of this size"))
        if won_with.get(product.pk):
            score += Decimal(15) * won_with[product.pk] / most_won
            reasons.append(
                _("bought in %(n)s won deals with customers of the same industry")
                % {"n": won_with[product.pk]}
            )
        if needs and needs.budget_max is not None and product.price_floor > needs.budget_max:
            score -= 10
            reasons.append(_("its price floor is above the customer's budget"))
        if score > 0:
            ranked.append(
                Recommendation(
                    product=product,
                    score=score.quantize(Decimal("0.1")),
                    reasons=reasons,
                    proposed=product.pk in proposed,
                )
            )
    ranked.sort(key=lambda r: (-r.score, r.product.code))
    return ranked[:limit]


def scripts_for(opportunity: Opportunity) -> list[Script]:
    """The standard script for the opportunity's current stage (R3.5): general ones and those for
    its proposed products."""
    product_ids = [line.product_id for line in opportunity.products.all()]
    return list(
        Script.objects.filter(stage=opportunity.stage, active=True)
        .filter(Q(product__isnull=True) | Q(product_id__in=product_ids))
        .select_related("product")
        # General scripts first on every database (PostgreSQL sorts NULL last by default).
        .order_by(F("product_id").asc(nulls_first=True), "title")
    )


def gate_status(opportunity: Opportunity, *, active_stages: list[Stage] | None = None) -> list[dict]:
    """For each later open stage, which entry criteria are still missing (shown on the page).

    Each criterion is checked once, however many stages list it. ``active_stages``: the page's
    ``stages()``, when it has read them already.
    """
    active_stages = stages() if active_stages is None else active_stages
    later = [s for s in active_stages if s.sort_order > opportunity.stage.sort_order and not s.is_closed]
    keys = dict.fromkeys(key for stage in later for key in stage.entry_gates if key in GATES)
    met = {key: GATES[key].check(opportunity) for key in keys}
    return [
        {"stage": stage, "missing": [GATES[key] for key in stage.entry_gates if key in met and not met[key]]}
        for stage in later
    ]
