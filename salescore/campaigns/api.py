"""REST endpoints for campaigns with their results. Thin: parse, call a service or selector, shape.

Everyone who sells reads every campaign (``campaigns.view``); those who run campaigns
(``campaigns.manage``) create them and change the ones in their chain of command. Amounts leave
as decimal strings beside their ISO-4217 currency; ROI is a ratio (0.25 is 25 %).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from salescore.campaigns import selectors, services
from salescore.campaigns.models import Campaign
from salescore.core.api import ErrorOut, Pagination, paginate
from salescore.core.api import reference as _ref
from salescore.core.errors import ApplicationError
from salescore.customers.models import Channel
from salescore.org.models import OrgUnit, Person

router = Router(tags=["campaigns"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
AmountIn = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]
Currency = Annotated[str, StringConstraints(pattern="^[A-Z]{3}$")]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


class FiguresOut(Schema):
    leads: int
    qualified: int = Field(..., description="Leads qualified now or converted since")
    converted: int = Field(..., description="Leads converted to customers")
    opportunities: int = Field(..., description="Opportunities credited to the campaign")
    won: int
    won_amount: str
    pipeline_amount: str = Field(..., description="Open opportunities' amount")
    cost: str = Field(..., description="The actual cost once recorded, else the budget")
    cost_per_lead: str | None
    roi: str | None = Field(..., description="(won amount - cost) / cost; null while the cost is zero")
    currency: str

    @staticmethod
    def resolve_won_amount(obj) -> str:
        return _money(obj.won_amount)

    @staticmethod
    def resolve_pipeline_amount(obj) -> str:
        return _money(obj.pipeline_amount)

    @staticmethod
    def resolve_cost(obj) -> str:
        return _money(obj.cost)

    @staticmethod
    def resolve_cost_per_lead(obj) -> str | None:
        return _money(obj.cost_per_lead)

    @staticmethod
    def resolve_roi(obj) -> str | None:
        return None if obj.roi is None else f"{obj.roi:.4f}"


class CampaignOut(Schema):
    id: int
    name: str
    channel: Channel
    status: Campaign.Status
    start_date: dt.date
    end_date: dt.date
    budget: str
    actual_cost: str | None
    currency: str
    owner_id: int
    owner_name: str
    org_unit_id: int
    org_unit_name: str
    audience: str
    description: str
    expected_leads: int | None
    figures: FiguresOut
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_budget(obj: Campaign) -> str:
        return _money(obj.budget)

    @staticmethod
    def resolve_actual_cost(obj: Campaign) -> str | None:
        return _money(obj.actual_cost)

    @staticmethod
    def resolve_owner_name(obj: Campaign) -> str:
        return obj.owner.display_name

    @staticmethod
    def resolve_org_unit_name(obj: Campaign) -> str:
        return obj.org_unit.display_name


class CampaignIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    channel: Channel
    status: Campaign.Status = Campaign.Status.PLANNED
    start_date: dt.date
    end_date: dt.date
    budget: AmountIn
    actual_cost: AmountIn | None = None
    currency: Currency = "CNY"
    owner_id: int | None = Field(None, description="Defaults to you")
    org_unit_id: int | None = Field(None, description="Defaults to the owner's unit")
    audience: str = Field("", max_length=5000)
    description: str = Field("", max_length=5000)
    expected_leads: int | None = Field(None, ge=0, le=10_000_000)


class CampaignPatch(Schema):
    """Send only what changes."""

    version: int = Field(..., ge=1, description="The version you loaded; a stale one gives 409.")
    name: str = Field(None, min_length=1, max_length=120)
    channel: Channel = None
    status: Campaign.Status = None
    start_date: dt.date = None
    end_date: dt.date = None
    budget: AmountIn = None
    actual_cost: AmountIn | None = None
    currency: Currency = None
    owner_id: int = None
    org_unit_id: int = None
    audience: str | None = Field(None, max_length=5000)
    description: str | None = Field(None, max_length=5000)
    expected_leads: int | None = Field(None, ge=0, le=10_000_000)


class CampaignFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Part of the name")
    status: Campaign.Status | None = None
    channel: Channel | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="Campaigns running in that year")


def _with_figures(campaigns: list[Campaign]) -> list[Campaign]:
    figures = selectors.campaign_figures(campaigns)
    for campaign in campaigns:
        campaign.figures = figures[campaign.pk]
    return campaigns


class CampaignPagination(Pagination):
    """Limit/offset, then the figures of the whole page: two grouped queries, whatever its length."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = _with_figures(list(page[self.items_attribute]))
        return page


def _out(user, pk: int) -> Campaign:
    return _with_figures([selectors.campaign_get_for_user(user=user, pk=pk)])[0]


def _refs(data: dict) -> dict:
    if "owner_id" in data:
        data["owner"] = _ref(Person, data.pop("owner_id"), "owner_id")
    if "org_unit_id" in data:
        data["org_unit"] = _ref(OrgUnit, data.pop("org_unit_id"), "org_unit_id")
    return data


_API_FIELD_NAMES = {"owner": "owner_id", "org_unit": "org_unit_id"}


def _api_names(exc):
    exc.fields = {_API_FIELD_NAMES.get(k, k): v for k, v in exc.fields.items()}
    return exc


@router.get("/campaigns", response={200: list[CampaignOut], **ERRORS}, summary="Campaigns with their results")
@paginate(CampaignPagination)
def list_campaigns(request, filters: Query[CampaignFilter]):
    return selectors.campaign_list(
        user=request.auth, q=filters.q, status=filters.status, channel=filters.channel, year=filters.year
    )


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS})
def get_campaign(request, campaign_id: int):
    return _out(request.auth, campaign_id)


@router.post("/campaigns", response={201: CampaignOut, **ERRORS}, summary="Plan a campaign")
def create_campaign(request, payload: CampaignIn):
    data = _refs(payload.dict())
    try:
        campaign = services.campaign_create(actor=request.auth, **data)
    except ApplicationError as exc:
        raise _api_names(exc) from None
    return Status(201, _out(request.auth, campaign.pk))


@router.patch("/campaigns/{campaign_id}", response={200: CampaignOut, **ERRORS})
def update_campaign(request, campaign_id: int, payload: CampaignPatch):
    campaign = selectors.campaign_get_for_user(user=request.auth, pk=campaign_id)
    data = _refs(payload.dict(exclude_unset=True))
    version = data.pop("version")
    for name in ("audience", "description"):
        if name in data and data[name] is None:
            data[name] = ""
    try:
        services.campaign_update(actor=request.auth, campaign=campaign, version=version, **data)
    except ApplicationError as exc:
        raise _api_names(exc) from None
    return _out(request.auth, campaign.pk)


@router.delete("/campaigns/{campaign_id}", response={204: None, **ERRORS}, summary="Move to the recycle bin")
def delete_campaign(request, campaign_id: int):
    campaign = selectors.campaign_get_for_user(user=request.auth, pk=campaign_id)
    services.campaign_delete(actor=request.auth, campaign=campaign)
    return Status(204, None)
