"""Reads of campaigns, and their results: the one place the campaign figures are defined.

Attribution, in words (the figures below follow it and nothing else):

* a campaign's **leads** are the live leads that name it; **qualified** ones reached
  qualification (qualified now, or converted since); **converted** ones became a customer;
* an **opportunity** is credited to a campaign when it was opened by converting one of the
  campaign's leads, or, opened later for a customer such a lead was converted into, when that
  lead is the customer's latest conversion before the opportunity was opened (last touch), so
  repeat business counts and no opportunity counts for two campaigns;
* **won amount** sums the won opportunities in the campaign's currency, **pipeline** the open ones;
* **cost** is the actual cost once recorded, else the budget (nothing for a cancelled campaign
  without recorded bills); **cost per lead** = cost / leads; **ROI** = (won amount - cost) / cost;
  neither is given for a planned campaign (it has not run) nor without a cost or a lead.

Every figure of any number of campaigns costs two grouped queries (``campaign_figures``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.http import Http404

from salescore.campaigns.models import Campaign
from salescore.core.pagination import searched
from salescore.core.permissions import (
    DUTY_CAPABILITIES,
    DUTY_LEADER_CAPABILITIES,
    LEADER_POSITIONS,
    POSITION_CAPABILITIES,
    Cap,
    access_for,
    get_to_change,
    require,
    scope_queryset,
)
from salescore.leads.models import Lead
from salescore.org.models import OrgUnit, Person
from salescore.pipeline.models import Opportunity

ZERO = Decimal("0.00")
QUALIFIED_STATUSES = [Lead.Status.QUALIFIED, Lead.Status.CONVERTED]


# -- campaigns ------------------------------------------------------------------------------------


def visible_campaigns(user) -> QuerySet[Campaign]:
    """Every campaign for those who sell (Campaign.scope_read_all_capability); 403 for the rest."""
    require(user, Cap.CAMPAIGNS_VIEW)
    return scope_queryset(Campaign.objects.all(), user)


def campaign_get_for_user(*, user, pk) -> Campaign:
    try:
        return visible_campaigns(user).select_related("owner", "org_unit").get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def campaign_get_to_change(*, user, pk) -> Campaign:
    """One campaign the user may change: 404 when they cannot see it, 403 when it is not in their
    chain of command or they do not run campaigns."""
    require(user, Cap.CAMPAIGNS_MANAGE)
    return get_to_change(visible_campaigns(user).select_related("owner", "org_unit"), user, pk)


def campaign_list(
    *,
    user,
    q: str | None = None,
    status: str | None = None,
    channel: str | None = None,
    year: int | None = None,
) -> QuerySet[Campaign]:
    """Newest first. ``year``: the campaigns running at some time in that calendar year."""
    rows = visible_campaigns(user)
    if q:
        rows = searched(rows, Q(name__icontains=q.strip()))
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    if year:
        rows = rows.filter(start_date__lte=dt.date(year, 12, 31), end_date__gte=dt.date(year, 1, 1))
    return rows.select_related("owner", "org_unit").order_by("-start_date", "-id")


def campaign_years() -> list[int]:
    """The calendar years campaigns ran in, newest first (one query), for the list's filter."""
    span = Campaign.objects.aggregate(first=Min("start_date"), last=Max("end_date"))
    if span["first"] is None:
        return []
    return list(range(span["last"].year, span["first"].year - 1, -1))


def campaign_can_change(*, user, campaign: Campaign) -> bool:
    """What services.campaign_update lets through: the capability and the campaign in the user's
    chain of command (its owner or their managers)."""
    if not access_for(user).can(Cap.CAMPAIGNS_MANAGE):
        return False
    return scope_queryset(Campaign.objects.filter(pk=campaign.pk), user, to_change=True).exists()


def campaign_choices(*, keep: int | None = None) -> QuerySet[Campaign]:
    """Campaigns a lead may be attributed to (live, not cancelled), and the one it names now
    (``keep``, even if cancelled or deleted since, so editing the lead does not drop it)."""
    condition = Q(deleted_at__isnull=True) & ~Q(status=Campaign.Status.CANCELLED)
    if keep:
        condition |= Q(pk=keep)
    return Campaign.all_objects.filter(condition).order_by("-start_date", "name")


def _campaign_runners() -> Q:
    """People whose position or section duty lets them run campaigns (core.permissions)."""
    positions = [p for p, caps in POSITION_CAPABILITIES.items() if Cap.CAMPAIGNS_MANAGE in caps]
    duties = [d for d, caps in DUTY_CAPABILITIES.items() if Cap.CAMPAIGNS_MANAGE in caps]
    leader_duties = [d for d, caps in DUTY_LEADER_CAPABILITIES.items() if Cap.CAMPAIGNS_MANAGE in caps]
    condition = Q(position__in=positions) | Q(org_unit__duty__in=duties)
    if leader_duties:
        condition |= Q(position__in=list(LEADER_POSITIONS), org_unit__duty__in=leader_duties)
    return condition


def owner_choices(user) -> QuerySet[Person]:
    """Whom this user may make a campaign's owner (services check the same): active people in
    their scope who run campaigns."""
    people = Person.objects.filter(_campaign_runners(), status=Person.Status.ACTIVE)
    return (
        scope_queryset(people, user, include_shared=False)
        .select_related("org_unit")
        .order_by("org_unit__path", "employee_no")
    )


def unit_choices() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.order_by("path")


# -- figures --------------------------------------------------------------------------------------


def _ratio(numerator: Decimal, denominator: Decimal, places: str) -> Decimal:
    return (numerator / denominator).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CampaignFigures:
    campaign_id: int
    currency: str
    cost: Decimal
    has_results: bool = True
    leads: int = 0
    qualified: int = 0
    converted: int = 0
    opportunities: int = 0
    won: int = 0
    won_amount: Decimal = ZERO
    pipeline_amount: Decimal = ZERO

    @property
    def cost_per_lead(self) -> Decimal | None:
        return _ratio(self.cost, Decimal(self.leads), "0.01") if self.has_results and self.leads else None

    @property
    def roi(self) -> Decimal | None:
        """(won amount - cost) / cost as a ratio (0.25 is 25 %); None while nothing was spent."""
        if not self.has_results or self.cost <= 0:
            return None
        return _ratio(self.won_amount - self.cost, self.cost, "0.0001")

    @property
    def roi_percent(self) -> Decimal | None:
        return None if self.roi is None else (self.roi * 100).quantize(Decimal("0.1"))

    @property
    def conversion_percent(self) -> Decimal | None:
        """Leads converted to customers, of all the campaign's leads."""
        return _ratio(Decimal(self.converted * 100), Decimal(self.leads), "0.1") if self.leads else None

    def as_dict(self) -> dict:
        return {
            "leads": self.leads,
            "qualified": self.qualified,
            "converted": self.converted,
            "opportunities": self.opportunities,
            "won": self.won,
            "won_amount": self.won_amount,
            "pipeline_amount": self.pipeline_amount,
            "cost": self.cost,
            "cost_per_lead": self.cost_per_lead,
            "roi": self.roi,
            "roi_percent": self.roi_percent,
            "conversion_percent": self.conversion_percent,
            "currency": self.currency,
        }


def credited_opportunities(campaign_ids: Iterable[int]) -> QuerySet[Opportunity]:
    """The live opportunities credited to these campaigns, each annotated with ``campaign_id``
    (the attribution rule of this module's docstring)."""
    ids = list(campaign_ids)
    own_lead = Lead.objects.filter(opportunity=OuterRef("pk")).order_by("pk")
    latest_conversion = Lead.objects.filter(
        customer=OuterRef("customer_id"), converted_at__lte=OuterRef("created_at")
    ).order_by("-converted_at", "-pk")
    # Only opportunities these campaigns' leads could have led to are looked at.
    candidates = Q(
        pk__in=Lead.objects.filter(campaign_id__in=ids, opportunity__isnull=False).values("opportunity_id")
    ) | Q(
        customer_id__in=Lead.objects.filter(campaign_id__in=ids, customer__isnull=False).values("customer_id")
    )
    return (
        Opportunity.objects.filter(candidates)
        .annotate(
            campaign_id=Case(
                When(Exists(own_lead), then=Subquery(own_lead.values("campaign_id")[:1])),
                default=Subquery(latest_conversion.values("campaign_id")[:1]),
                output_field=BigIntegerField(),
            )
        )
        .filter(campaign_id__in=ids)
    )


def campaign_figures(campaigns: Iterable[Campaign]) -> dict[int, CampaignFigures]:
    """Figures of each campaign by its id: two grouped queries whatever the number of campaigns."""
    campaigns = list(campaigns)
    if not campaigns:
        return {}
    ids = [c.pk for c in campaigns]
    leads = {
        row["campaign_id"]: row
        for row in Lead.objects.filter(campaign_id__in=ids)
        .values("campaign_id")
        .annotate(
            leads=Count("pk"),
            qualified=Count("pk", filter=Q(status__in=QUALIFIED_STATUSES)),
            converted=Count("pk", filter=Q(status=Lead.Status.CONVERTED)),
        )
        .order_by()
    }
    deals: dict[int, list[dict]] = {}
    for row in (
        credited_opportunities(ids)
        .values("campaign_id", "currency")
        .annotate(
            opportunities=Count("pk"),
            won=Count("pk", filter=Q(stage__is_won=True)),
            won_amount=Sum("amount", filter=Q(stage__is_won=True)),
            pipeline_amount=Sum("amount", filter=Q(stage__is_won=False, stage__is_lost=False)),
        )
        .order_by()
    ):
        deals.setdefault(row["campaign_id"], []).append(row)
    figures = {}
    for campaign in campaigns:
        counted = leads.get(campaign.pk, {})
        rows = deals.get(campaign.pk, [])
        # Amounts in another currency cannot be added to this one; they still count as deals.
        same = [row for row in rows if row["currency"] == campaign.currency]
        figures[campaign.pk] = CampaignFigures(
            campaign_id=campaign.pk,
            currency=campaign.currency,
            cost=campaign.cost,
            has_results=campaign.has_results,
            leads=counted.get("leads", 0),
            qualified=counted.get("qualified", 0),
            converted=counted.get("converted", 0),
            opportunities=sum(row["opportunities"] for row in rows),
            won=sum(row["won"] for row in rows),
            won_amount=sum((row["won_amount"] or ZERO for row in same), ZERO),
            pipeline_amount=sum((row["pipeline_amount"] or ZERO for row in same), ZERO),
        )
    return figures


def campaign_rows(campaigns: Iterable[Campaign]) -> list[tuple[Campaign, CampaignFigures]]:
    """Each campaign with its figures, in the given order (a page of the list)."""
    campaigns = list(campaigns)
    figures = campaign_figures(campaigns)
    return [(campaign, figures[campaign.pk]) for campaign in campaigns]


def campaign_lead_statuses(campaign: Campaign) -> list[tuple[str, str, int]]:
    """(status, label, count) of the campaign's leads in the process's order: one query."""
    counts = {
        row["status"]: row["n"]
        for row in Lead.objects.filter(campaign=campaign).values("status").annotate(n=Count("pk")).order_by()
    }
    return [(value, label, counts.get(value, 0)) for value, label in Lead.Status.choices]
