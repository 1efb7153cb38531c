"""Reads of quotes, approvals, orders and receivables, always scoped (core.permissions).

Lists are lazy querysets with their relations joined, so a page costs the same number of queries
whatever its length; aggregations (receivables) run in SQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.utils import timezone

from salescore.core.pagination import searched
from salescore.core.permissions import access_for, get_in_scope, scope_queryset
from salescore.customers import search as customer_search
from salescore.orders import receivables as kept
from salescore.orders.authority import LEVELS, rank
from salescore.orders.models import OWED_STATUSES, Approval, Credit, Instalment, Order, OrdersPolicy, Quote
from salescore.orders.services.orders import delivery_flags

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=18, decimal_places=2))
AMOUNT = DecimalField(max_digits=18, decimal_places=2)

QUOTE_ORDERINGS = {
    "-updated": ["-updated_at", "-id"],
    "number": ["number", "-revision"],
    "-number": ["-number", "-revision"],
    "-total": ["-total", "-id"],
    "valid_until": [F("valid_until").asc(nulls_last=True), "id"],
    "customer": ["customer__name", "-id"],
}
ORDER_ORDERINGS = {
    "-updated": ["-updated_at", "-id"],
    "-number": [F("number").desc(nulls_first=True), "-id"],
    "-total": ["-total", "-id"],
    "promised": [F("promised_date").asc(nulls_last=True), "id"],
    "customer": ["customer__name", "-id"],
}
DELIVERY_FLAGS = ("at_risk", "late")
RECEIVABLE_GROUPS = ("customer", "owner", "team")


def _today() -> dt.date:
    return timezone.localdate()


# -- quotes ------------------------------------------------------------------------------------


def quotes_for(
    user,
    *,
    status: str | None = None,
    q: str | None = None,
    owner=None,
    customer=None,
    opportunity=None,
    order: str = "-updated",
) -> QuerySet[Quote]:
    rows = scope_queryset(Quote.objects.all(), user)
    if status:
        rows = rows.filter(status=status)
    if q:
        q = q.strip()
        rows = searched(rows, *customer_search.named(rows, q, own=("number",)))
    if owner is not None:
        rows = rows.filter(owner=owner)
    if customer is not None:
        rows = rows.filter(customer=customer)
    if opportunity is not None:
        rows = rows.filter(opportunity=opportunity)
    return rows.select_related("customer", "owner", "opportunity").order_by(
        *QUOTE_ORDERINGS.get(order, QUOTE_ORDERINGS["-updated"])
    )


def quote_get_for_user(*, user, pk) -> Quote:
    return get_in_scope(
        Quote.objects.select_related(
            "customer", "owner", "opportunity", "contact", "previous", "approved_by"
        ),
        user,
        pk,
    )


def quote_revisions(quote: Quote) -> dict:
    """The previous and the next revision of ``quote`` (same number)."""
    following = Quote.objects.filter(previous=quote).only("pk", "number", "revision").first()
    return {"previous": quote.previous, "next": following}


# -- approvals ---------------------------------------------------------------------------------


def approvals_for(user) -> QuerySet[Approval]:
    """The pending requests ``user`` may decide (services.quotes.can_decide), in one query:
    the ones naming them, and those at or below their level on quotes in their scope."""
    access = access_for(user)
    if access.user_id is None:
        return Approval.objects.none()
    covered = [level for level in LEVELS if rank(level) <= rank(access.position)]
    mine = Q(pk__in=[])
    if access.person_id is not None:
        mine = Q(approver_id=access.person_id)
    if covered:
        in_scope = scope_queryset(Quote.objects.all(), user, include_shared=False).values("pk")
        mine |= Q(required_level__in=covered, quote_id__in=in_scope)
    return (
        Approval.objects.filter(mine, status=Approval.Status.PENDING, quote__deleted_at__isnull=True)
        .exclude(requested_by_id=user.pk)
        .select_related("quote", "quote__customer", "quote__owner", "approver", "requested_by")
        .order_by("requested_at", "id")
    )


def approvals_decided(user) -> QuerySet[Approval]:
    """Requests this user decided, newest first."""
    return (
        scope_queryset(Approval.objects.all(), user)
        .filter(decided_by_id=user.pk)
        .exclude(status__in=[Approval.Status.PENDING, Approval.Status.WITHDRAWN])
        .select_related("quote", "quote__customer", "quote__owner", "approver", "requested_by")
        .order_by("-decided_at", "-id")
    )


# -- orders ------------------------------------------------------------------------------------


def with_delivery_flag(rows: QuerySet[Order], *, today: dt.date | None = None) -> QuerySet[Order]:
    """Annotate ``delivery`` ('late', 'at_risk' or '') from services.orders.delivery_flags."""
    at_risk, late = delivery_flags(today or _today(), OrdersPolicy.current().late_risk_days)
    return rows.annotate(
        delivery=Case(
            When(late, then=Value("late")),
            When(at_risk, then=Value("at_risk")),
            default=Value(""),
        )
    )


def orders_for(
    user,
    *,
    status: str | None = None,
    q: str | None = None,
    owner=None,
    customer=None,
    delivery: str | None = None,
    team=None,
    owing: bool = False,
    order: str = "-updated",
    today: dt.date | None = None,
    ordered_from: dt.date | None = None,
    ordered_to: dt.date | None = None,
    credited_to=None,
    counted: bool = False,
) -> QuerySet[Order]:
    rows = with_delivery_flag(scope_queryset(Order.objects.all(), user), today=today)
    if ordered_from is not None:
        rows = rows.filter(order_date__gte=ordered_from)
    if ordered_to is not None:
        rows = rows.filter(order_date__lte=ordered_to)
    if credited_to is not None:
        rows = rows.filter(credited_filter(credited_to))
    if counted:
        # The orders a sales target counts (planning.metrics): submitted or later, not cancelled.
        rows = rows.filter(status__in=OWED_STATUSES)
    if status:
        rows = rows.filter(status=status)
    if q:
        q = q.strip()
        rows = searched(rows, *customer_search.named(rows, q, own=("number", "customer_po")))
    if owner is not None:
        rows = rows.filter(owner=owner)
    if customer is not None:
        rows = rows.filter(customer=customer)
    if delivery in DELIVERY_FLAGS:
        rows = rows.filter(delivery=delivery)
    if team is not None:
        rows = rows.filter(owner__org_unit=team)
    if owing:
        # The orders behind the receivables figures: submitted, with an instalment still open.
        rows = rows.filter(
            status__in=OWED_STATUSES,
            pk__in=Instalment.objects.filter(received__lt=F("amount")).values("order_id"),
        )
    return rows.select_related("customer", "owner", "quote").order_by(
        *ORDER_ORDERINGS.get(order, ORDER_ORDERINGS["-updated"])
    )


def late_deliveries(user, *, today: dt.date | None = None) -> QuerySet[Order]:
    """The orders ``orders_for(user, delivery="late")`` lists, without reading OrdersPolicy:
    its risk window decides only which orders are at risk, never which are late."""
    _at_risk, late = delivery_flags(today or _today(), 0)
    return scope_queryset(Order.objects.all(), user).filter(late)


def credited_filter(who) -> Q:
    """Orders credited (wholly or in part) to a person, or to anyone in a unit's subtree: the
    split's people when the order is split, else its owner (as planning.metrics counts them)."""
    from salescore.org.models import OrgUnit

    split = Exists(Credit.objects.filter(order=OuterRef("pk")))
    if isinstance(who, OrgUnit):
        mine = Credit.objects.filter(order=OuterRef("pk"), person__org_unit__path__startswith=who.path)
        return Q(Exists(mine)) | (Q(owner__org_unit__path__startswith=who.path) & ~Q(split))
    return Q(Exists(Credit.objects.filter(order=OuterRef("pk"), person=who))) | (Q(owner=who) & ~Q(split))


def order_get_for_user(*, user, pk) -> Order:
    return get_in_scope(
        with_delivery_flag(
            Order.objects.select_related("customer", "owner", "quote", "contact", "opportunity")
        ),
        user,
        pk,
    )


def order_instalments(order: Order, *, today: dt.date | None = None) -> tuple[list[Instalment], dict]:
    """The order's instalments (by number) and its money, in one query: received, outstanding and
    overdue are window sums over the instalment rows, so the page that lists the plan does not
    read it twice. No instalment: the sums are zero."""
    today = today or _today()
    owed = F("amount") - F("received")
    rows = list(
        order.instalments.annotate(
            planned_sum=Window(Sum("amount")),
            received_sum=Window(Sum("received")),
            overdue_sum=Window(
                Sum(Case(When(due_date__lt=today, then=owed), default=ZERO, output_field=AMOUNT))
            ),
        ).order_by("seq")
    )
    first = rows[0] if rows else None
    planned = first.planned_sum if first else Decimal("0.00")
    received = first.received_sum if first else Decimal("0.00")
    money = {
        "planned": planned,
        "received": received,
        "overdue": first.overdue_sum if first else Decimal("0.00"),
        "outstanding": order.total - received,
    }
    return rows, money


def order_money(order: Order, *, today: dt.date | None = None) -> dict:
    """Received, outstanding and overdue of one order, in one query."""
    return order_instalments(order, today=today)[1]


# -- receivables -------------------------------------------------------------------------------


RECEIVABLE_KEYS = {
    "customer": "order__customer_id",
    "owner": "order__owner_id",
    "team": "order__owner__org_unit_id",
}
# The same keys on the kept rows (orders.receivables, decision 0016).
KEPT_KEYS = {"customer": "customer_id", "owner": "owner_id", "team": "owner__org_unit_id"}


def _owed_instalments(user):
    return scope_queryset(kept.owed_instalments(), user)


def receivables(user, *, group_by: str = "customer", today: dt.date | None = None) -> QuerySet:
    """Outstanding (amount - received) and overdue (the part due before today) of every
    submitted order, per customer, owner or team and currency; summed in SQL, largest first (ties
    by id). Rows are dicts (who_id, currency, outstanding, overdue, orders); slice or paginate them,
    then ``receivables_named`` adds the names of the rows shown (not joined before grouping: at a
    million customers that join and its sort cost more than the sums). The sums are those kept per
    customer and owner (orders.receivables), added up live for a reader who sees shared orders."""
    today = today or _today()
    group_by = group_by if group_by in RECEIVABLE_GROUPS else "customer"
    order = ("-outstanding", "who_id", "currency")
    totals = kept.customer_totals(user, today) if group_by == "customer" else None
    if totals is not None:
        # A reader who sees every order: the sums per customer are kept too, read in page order.
        shown = ("currency", "outstanding", "overdue", "orders")
        return totals.values(*shown, who_id=F("customer_id")).order_by(*order)
    rows = kept.source(user, today)
    if rows is not None:
        return (
            rows.values("currency", who_id=F(KEPT_KEYS[group_by]))
            .annotate(
                outstanding=Sum("outstanding", output_field=AMOUNT),
                overdue=Sum("overdue", output_field=AMOUNT),
                orders=Sum("orders"),
            )
            .order_by(*order)
        )
    return (
        _owed_instalments(user)
        .values("currency", who_id=F(RECEIVABLE_KEYS[group_by]))
        .annotate(**kept.owed_sums(today, AMOUNT), orders=Count("order_id", distinct=True))
        .order_by(*order)
    )


def receivables_named(rows, *, group_by: str = "customer") -> list[dict]:
    """The rows of ``receivables`` (a page of them) with ``who``, the name (one query)."""
    from salescore.customers.models import Customer
    from salescore.org.models import OrgUnit, Person

    rows = [dict(row) for row in rows]
    model = {"owner": Person, "team": OrgUnit}.get(group_by, Customer)
    manager = getattr(model, "all_objects", model.objects)  # a deleted customer may still owe
    ids = {row["who_id"] for row in rows if row["who_id"] is not None}
    names = dict(manager.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    for row in rows:
        row["who"] = names.get(row["who_id"])
    return rows


def receivables_totals(user, *, today: dt.date | None = None) -> list[dict]:
    """The grand totals per currency."""
    today = today or _today()
    rows = kept.source(user, today)
    if rows is not None:
        sums = {
            "outstanding": Sum("outstanding", output_field=AMOUNT),
            "overdue": Sum("overdue", output_field=AMOUNT),
        }
    else:
        rows, sums = _owed_instalments(user), kept.owed_sums(today, AMOUNT)
    return list(rows.values("currency").annotate(**sums).order_by("currency"))


def instalments_due(
    user,
    *,
    overdue_only: bool = False,
    before: dt.date | None = None,
    customer=None,
    owner=None,
    today: dt.date | None = None,
) -> QuerySet[Instalment]:
    """Open instalments of submitted orders, earliest due first, flagged ``is_overdue``."""
    today = today or _today()
    rows = _owed_instalments(user)
    if overdue_only:
        rows = rows.filter(due_date__lt=today)
        owing = kept.overdue_customers(user, today)
        if owing is not None:
            # Said again through the kept rows: the few customers who owe a rep money past due
            # lead the plan, instead of the due-date index walked past every paid instalment of
            # everyone else's (a rep's list: 190 -> 38 ms at 100,000 customers).
            rows = rows.filter(order__customer_id__in=owing)
    if before is not None:
        rows = rows.filter(due_date__lte=before)
    if customer is not None:
        rows = rows.filter(order__customer=customer)
    if owner is not None:
        rows = rows.filter(order__owner=owner)
    return (
        rows.annotate(
            open_amount=F("amount") - F("received"),
            is_overdue=Case(
                When(due_date__lt=today, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .select_related("order", "order__customer", "order__owner")
        .order_by("due_date", "order_id", "seq")
    )
