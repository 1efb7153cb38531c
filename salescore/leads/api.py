"""REST endpoints for leads, their touches and the assignment rules (R3.2). Thin: parse, call, shape.

Scope is the pages' scope: a lead outside it is 404; unassigned leads are visible to assigners.
Phone, email and WeChat leave masked for anyone who sees the lead but does not own it (its
owner's managers); they may reveal one field, which the service logs (R3.8).
"""

import datetime as dt
import enum
from contextlib import contextmanager
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from salescore.campaigns.models import Campaign
from salescore.core.api import ErrorOut, Pagination, paginate
from salescore.core.api import reference as _ref
from salescore.core.errors import ApplicationError
from salescore.core.permissions import Cap, require
from salescore.customers.models import Channel, Customer, Industry
from salescore.leads import selectors, services
from salescore.leads.models import AssignmentRule, Lead
from salescore.org.models import OrgUnit, Person, Region

router = Router(tags=["leads"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LeadPrivateField = enum.StrEnum("LeadPrivateField", {name.upper(): name for name in Lead.private_fields})


# -- schemas -----------------------------------------------------------------------------------


class LeadOut(Schema):
    id: int
    name: str
    company: str
    title: str
    phone: str
    email: str
    wechat: str
    masked: bool = Field(False, description="True when phone, email and WeChat are masked for you")
    channel: Channel
    campaign_id: int | None
    campaign_name: str | None
    source_detail: str
    region_id: int | None
    region_name: str | None
    industry: Industry | Literal[""]
    interest: str
    status: Lead.Status
    owner_id: int | None
    owner_name: str | None
    assigned_at: dt.datetime | None
    first_contact_due: dt.datetime
    first_contacted_at: dt.datetime | None
    overdue: bool = Field(..., description="New, not contacted and past its first-contact deadline")
    disqualify_reason: str
    converted_at: dt.datetime | None
    customer_id: int | None
    opportunity_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_region_name(obj: Lead) -> str | None:
        return obj.region.display_name if obj.region_id else None

    @staticmethod
    def resolve_campaign_name(obj: Lead) -> str | None:
        return obj.campaign.name if obj.campaign_id else None

    @staticmethod
    def resolve_owner_name(obj: Lead) -> str | None:
        return obj.owner.display_name if obj.owner_id else None

    @staticmethod
    def resolve_overdue(obj: Lead) -> bool:
        return obj.is_overdue

    # ``obj`` is a selectors.LeadView where masking applies (``masked`` true: *_shown are masked).
    @staticmethod
    def resolve_masked(obj) -> bool:
        return getattr(obj, "masked", False)

    @staticmethod
    def resolve_phone(obj) -> str:
        return getattr(obj, "phone_shown", obj.phone)

    @staticmethod
    def resolve_email(obj) -> str:
        return getattr(obj, "email_shown", obj.email)

    @staticmethod
    def resolve_wechat(obj) -> str:
        return getattr(obj, "wechat_shown", obj.wechat)


class LeadIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    company: str = Field("", max_length=200)
    title: str = Field("", max_length=100)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    wechat: str = Field("", max_length=64)
    channel: Channel
    campaign_id: int | None = Field(None, description="The campaign it came from (GET /campaigns)")
    source_detail: str = Field("", max_length=120, description="e.g. the web form or the booth")
    region_id: int | None = None
    industry: Industry | None = None
    interest: str = Field("", max_length=5000)
    owner_id: int | None = Field(
        None, description="Assigners only: give the lead to this person instead of the rules"
    )


class LeadPatch(Schema):
    """Send only what changes; the owner changes through /assign, the status through its actions."""

    version: int = Field(..., ge=1, description="The version you loaded; a stale one gives 409.")
    name: str = Field(None, min_length=1, max_length=100)
    company: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    wechat: str | None = Field(None, max_length=64)
    channel: Channel = None
    campaign_id: int | None = Field(None, description="null: no campaign")
    source_detail: str | None = Field(None, max_length=120)
    region_id: int | None = None
    industry: Industry | None = None
    interest: str | None = Field(None, max_length=5000)


class LeadFilter(Schema):
    q: str | None = Field(None, max_length=100, description="Name, company, phone or email")
    status: Lead.Status | None = None
    channel: Channel | None = None
    campaign_id: int | None = None
    owner_id: int | None = None
    open_only: bool = Field(False, description="New, contacted or qualified")
    overdue_only: bool = Field(False, description="Past the first-contact deadline, not contacted")
    unassigned_only: bool = Field(False, description="Assigners only: leads no rule matched")
    mine: bool = Field(False, description="Only the leads you own")


class TouchOut(Schema):
    id: int
    lead_id: int
    channel: Channel
    at: dt.datetime
    by_id: int
    by_name: str
    summary: str
    reached: bool

    @staticmethod
    def resolve_by_name(obj) -> str:
        return obj.by.display_name


class TouchIn(Schema):
    channel: Channel
    summary: str = Field(..., min_length=1, max_length=500)
    reached: bool = True
    at: dt.datetime | None = Field(None, description="When it happened; defaults to now")


class AssignIn(Schema):
    owner_id: int


class DisqualifyIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class ConvertIn(Schema):
    customer_id: int | None = Field(None, description="Convert into this existing customer")
    customer_name: str = Field(
        "", max_length=200, description="Name of the new customer; defaults to the lead's company"
    )
    opportunity_name: str = Field("", max_length=200)
    create_opportunity: bool = True


class ConvertOut(Schema):
    lead_id: int
    customer_id: int
    contact_id: int
    opportunity_id: int | None


class RuleOut(Schema):
    id: int
    name: str
    region_id: int | None
    region_name: str | None
    channel: Channel | Literal[""]
    team_id: int
    team_name: str
    priority: int
    active: bool
    last_assigned_id: int | None
    version: int

    @staticmethod
    def resolve_region_name(obj: AssignmentRule) -> str | None:
        return obj.region.display_name if obj.region_id else None

    @staticmethod
    def resolve_team_name(obj: AssignmentRule) -> str:
        return obj.team.display_name


class RuleIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    region_id: int | None = Field(None, description="Empty: any region; a province matches its cities")
    channel: Channel | None = Field(None, description="Empty: any channel")
    team_id: int
    priority: int = Field(100, ge=0, le=32767, description="Lower numbers are tried first")
    active: bool = True


class RulePatch(Schema):
    version: int = Field(..., ge=1)
    name: str = Field(None, min_length=1, max_length=100)
    region_id: int | None = None
    channel: Channel | None = None
    team_id: int = None
    priority: int = Field(None, ge=0, le=32767)
    active: bool = None


# -- helpers -----------------------------------------------------------------------------------

_API_FIELD_NAMES = {
    "owner": "owner_id",
    "region": "region_id",
    "team": "team_id",
    "customer": "customer_id",
    "campaign": "campaign_id",
}
_BLANKABLE = {"company", "title", "phone", "email", "wechat", "source_detail", "industry", "interest"}


@contextmanager
def _api_field_names():
    try:
        yield
    except ApplicationError as exc:
        exc.fields = {_API_FIELD_NAMES.get(k, k): v for k, v in exc.fields.items()}
        raise


def _lead(user, pk: int) -> Lead:
    return selectors.lead_get_for_user(user=user, pk=pk)


def _lead_out(user, pk: int) -> selectors.LeadView:
    return selectors.lead_view(user=user, lead=_lead(user, pk))


class LeadPagination(Pagination):
    """Limit/offset, then masks the page: one look-up of what the user may see in full per page."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = selectors.lead_views(user=request.auth, leads=page[self.items_attribute])
        return page


class LeadRevealIn(Schema):
    field: LeadPrivateField


class LeadRevealOut(Schema):
    field: LeadPrivateField
    value: str


# -- leads -------------------------------------------------------------------------------------


@router.get("/leads", response={200: list[LeadOut], **ERRORS}, summary="Leads in your scope, newest first")
@paginate(LeadPagination)
def list_leads(request, filters: Query[LeadFilter]):
    return selectors.lead_list(
        user=request.auth,
        q=filters.q,
        status=filters.status,
        channel=filters.channel,
        campaign=_ref(Campaign.all_objects.all(), filters.campaign_id, "campaign_id"),
        owner=_ref(Person, filters.owner_id, "owner_id"),
        open_only=filters.open_only,
        overdue_only=filters.overdue_only,
        unassigned_only=filters.unassigned_only,
        mine=filters.mine,
    )


@router.post(
    "/leads",
    response={201: LeadOut, **ERRORS},
    summary="Register a lead: duplicate check, first-contact deadline, assignment by the rules",
)
def create_lead(request, payload: LeadIn):
    data = payload.dict()
    region = _ref(Region, data.pop("region_id"), "region_id")
    owner = _ref(Person, data.pop("owner_id"), "owner_id")
    data["campaign"] = _ref(Campaign, data.pop("campaign_id"), "campaign_id")
    data["industry"] = data["industry"] or ""
    with _api_field_names():
        lead = services.lead_create(actor=request.auth, owner=owner, region=region, **data)
    # The one who registers a lead may not see it afterwards (it went to a rep): answer with it anyway.
    return Status(201, Lead.objects.select_related("owner", "region", "campaign").get(pk=lead.pk))


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS})
def get_lead(request, lead_id: int):
    return _lead_out(request.auth, lead_id)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **ERRORS})
def update_lead(request, lead_id: int, payload: LeadPatch):
    lead = _lead(request.auth, lead_id)
    data = payload.dict(exclude_unset=True)
    data = {k: ("" if v is None and k in _BLANKABLE else v) for k, v in data.items()}
    version = data.pop("version")
    if "region_id" in data:
        data["region"] = _ref(Region, data.pop("region_id"), "region_id")
    if "campaign_id" in data:
        data["campaign"] = _ref(Campaign, data.pop("campaign_id"), "campaign_id")
    with _api_field_names():
        services.lead_update(actor=request.auth, lead=lead, version=version, **data)
    return _lead_out(request.auth, lead.pk)


@router.delete(
    "/leads/{lead_id}", response={204: None, **ERRORS}, summary="Move to the recycle bin (assigners)"
)
def delete_lead(request, lead_id: int):
    services.lead_delete(actor=request.auth, lead=_lead(request.auth, lead_id))
    return Status(204, None)


@router.get("/leads/{lead_id}/touches", response={200: list[TouchOut], **ERRORS}, summary="Newest first")
@paginate(Pagination)
def list_touches(request, lead_id: int):
    return selectors.touches(_lead(request.auth, lead_id))


@router.post(
    "/leads/{lead_id}/touches",
    response={201: TouchOut, **ERRORS},
    summary="Record a contact attempt; the first one meets the first-contact deadline",
)
def create_touch(request, lead_id: int, payload: TouchIn):
    touch = services.lead_record_touch(
        actor=request.auth,
        lead=_lead(request.auth, lead_id),
        channel=payload.channel,
        summary=payload.summary,
        reached=payload.reached,
        at=payload.at,
    )
    return Status(201, selectors.touches(touch.lead).get(pk=touch.pk))


@router.post("/leads/{lead_id}/assign", response={200: LeadOut, **ERRORS})
def assign_lead(request, lead_id: int, payload: AssignIn):
    lead = _lead(request.auth, lead_id)
    owner = _ref(Person, payload.owner_id, "owner_id")
    with _api_field_names():
        services.lead_assign(actor=request.auth, lead=lead, owner=owner)
    # Answered even if the assigner no longer sees it; masked unless it is now theirs.
    return selectors.lead_view(
        user=request.auth, lead=Lead.objects.select_related("owner", "region", "campaign").get(pk=lead.pk)
    )


@router.post("/leads/{lead_id}/qualify", response={200: LeadOut, **ERRORS})
def qualify_lead(request, lead_id: int):
    lead = services.lead_qualify(actor=request.auth, lead=_lead(request.auth, lead_id))
    return _lead_out(request.auth, lead.pk)


@router.post("/leads/{lead_id}/disqualify", response={200: LeadOut, **ERRORS})
def disqualify_lead(request, lead_id: int, payload: DisqualifyIn):
    lead = services.lead_disqualify(
        actor=request.auth, lead=_lead(request.auth, lead_id), reason=payload.reason
    )
    return _lead_out(request.auth, lead.pk)


@router.post(
    "/leads/{lead_id}/reveal",
    response={200: LeadRevealOut, **ERRORS},
    summary="The full value of one masked field; the look-up is recorded in the audit trail",
)
def reveal_lead_field(request, lead_id: int, payload: LeadRevealIn):
    value = services.lead_reveal(
        actor=request.auth, lead=_lead(request.auth, lead_id), field=payload.field.value
    )
    return {"field": payload.field, "value": value}


@router.post(
    "/leads/{lead_id}/convert",
    response={200: ConvertOut, **ERRORS},
    summary="Customer (new or existing) + contact + opportunity in one step; all or nothing",
)
def convert_lead(request, lead_id: int, payload: ConvertIn):
    lead = _lead(request.auth, lead_id)
    customer = _ref(Customer, payload.customer_id, "customer_id")
    with _api_field_names():
        customer, contact, opportunity = services.lead_convert(
            actor=request.auth,
            lead=lead,
            customer=customer,
            customer_name=payload.customer_name,
            opportunity_name=payload.opportunity_name,
            create_opportunity=payload.create_opportunity,
        )
    return {
        "lead_id": lead.pk,
        "customer_id": customer.pk,
        "contact_id": contact.pk,
        "opportunity_id": opportunity.pk if opportunity else None,
    }


# -- assignment rules --------------------------------------------------------------------------


@router.get("/lead-rules", response={200: list[RuleOut], **ERRORS}, summary="In the order they are tried")
@paginate(Pagination)
def list_rules(request):
    require(request.auth, Cap.LEADS_ASSIGN)
    return selectors.rules_list(request.auth)


@router.post("/lead-rules", response={201: RuleOut, **ERRORS})
def create_rule(request, payload: RuleIn):
    require(request.auth, Cap.LEADS_ASSIGN)
    data = payload.dict()
    with _api_field_names():
        rule = services.rule_save(
            actor=request.auth,
            name=data["name"],
            region=_ref(Region, data["region_id"], "region_id"),
            channel=data["channel"] or "",
            team=_ref(OrgUnit, data["team_id"], "team_id"),
            priority=data["priority"],
            active=data["active"],
        )
    return Status(201, selectors.rules_list(request.auth).get(pk=rule.pk))


@router.patch("/lead-rules/{rule_id}", response={200: RuleOut, **ERRORS})
def update_rule(request, rule_id: int, payload: RulePatch):
    require(request.auth, Cap.LEADS_ASSIGN)
    rule = selectors.rules_list(request.auth).filter(pk=rule_id).first()
    if rule is None:
        raise ApplicationError(_("Not found."), code="not_found", status=404)
    data = payload.dict(exclude_unset=True)
    fields = {
        "name": data.get("name", rule.name),
        "region": _ref(Region, data["region_id"], "region_id") if "region_id" in data else rule.region,
        "channel": (data["channel"] or "") if "channel" in data else rule.channel,
        "team": _ref(OrgUnit, data["team_id"], "team_id") if "team_id" in data else rule.team,
        "priority": data.get("priority", rule.priority),
        "active": data.get("active", rule.active),
    }
    with _api_field_names():
        services.rule_save(actor=request.auth, rule=rule, version=data["version"], **fields)
    return selectors.rules_list(request.auth).get(pk=rule.pk)
