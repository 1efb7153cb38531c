"""Every write to campaigns: plan, change, delete and restore, each audited (old -> new).

Those who hold ``campaigns.manage`` (Market Expansion, Sales Management's leaders, the director)
create campaigns; a campaign is changed by its owner and their managers (core.permissions
get_to_change), so an analyst's campaign is not edited by another section's team lead.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.campaigns.models import Campaign
from salescore.core.errors import ApplicationError
from salescore.core.money import to_decimal
from salescore.core.permissions import Cap, capabilities_for, get_to_change, require, scope_queryset
from salescore.core.services import check_version, model_update, required, validate_fields
from salescore.org.models import OrgUnit, Person

CAMPAIGN_FIELDS = {
    "name",
    "channel",
    "status",
    "start_date",
    "end_date",
    "budget",
    "actual_cost",
    "currency",
    "owner",
    "org_unit",
    "audience",
    "description",
    "expected_leads",
}


def _money(value, *, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    amount = to_decimal(value, field=field)
    if amount < 0:
        raise ApplicationError(
            _("%(field)s cannot be negative.") % {"field": Campaign._meta.get_field(field).verbose_name},
            code="negative",
            fields={field: _("Enter zero or more.")},
        )
    return amount


def _check(data: dict) -> dict:
    """The rules a campaign keeps whatever changed; ``data`` holds every field's value."""
    data["name"] = (data.get("name") or "").strip()
    required(
        {
            "name": data["name"],
            "channel": data.get("channel"),
            "start_date": data.get("start_date"),
            "end_date": data.get("end_date"),
            "budget": data.get("budget"),
            "owner": data.get("owner"),
            "org_unit": data.get("org_unit"),
        }
    )
    data["budget"] = _money(data["budget"], field="budget")
    data["actual_cost"] = _money(data.get("actual_cost"), field="actual_cost")
    start, end = data["start_date"], data["end_date"]
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        raise ApplicationError(
            _("The campaign ends before it starts."),
            code="invalid_dates",
            fields={"end_date": _("Use a date on or after the start date.")},
        )
    expected = data.get("expected_leads")
    if expected is not None and (not isinstance(expected, int) or expected < 0):
        raise ApplicationError(
            _("Expected leads must be a whole number of zero or more."),
            code="invalid",
            fields={"expected_leads": _("Enter zero or more.")},
        )
    return data


def _check_name_free(name: str, *, exclude_pk=None) -> None:
    # Leads name their campaign in imports: two live campaigns of one name would be ambiguous.
    if Campaign.objects.filter(name=name).exclude(pk=exclude_pk).exists():
        raise ApplicationError(
            _("A campaign called %(name)s already exists.") % {"name": name},
            code="duplicate",
            fields={"name": _("Choose another name.")},
        )


def _check_owner(actor: User, owner: Person) -> None:
    """A campaign's owner runs it: an active person who manages campaigns, within the actor's scope."""
    if owner.is_deleted or owner.status != Person.Status.ACTIVE:
        raise ApplicationError(
            _("%(name)s has left and cannot own a campaign.") % {"name": owner},
            code="invalid_owner",
            fields={"owner": _("Choose an active person.")},
        )
    duty = OrgUnit.all_objects.filter(pk=owner.org_unit_id).values_list("duty", flat=True).first()
    if Cap.CAMPAIGNS_MANAGE not in capabilities_for(owner.position, duty):
        raise ApplicationError(
            _("%(name)s does not run campaigns.") % {"name": owner},
            code="invalid_owner",
            fields={"owner": _("Choose someone in Market Expansion or a Sales Management leader.")},
        )
    if not scope_queryset(Person.objects.filter(pk=owner.pk), actor, include_shared=False).exists():
        raise ApplicationError(
            _("You can only give campaigns to yourself or people you manage."),
            code="out_of_scope",
            fields={"owner": _("Choose yourself or someone you manage.")},
        )


def _check_unit(org_unit: OrgUnit) -> None:
    if org_unit.is_deleted:
        raise ApplicationError(
            _("%(name)s no longer exists.") % {"name": org_unit},
            code="invalid",
            fields={"org_unit": _("Choose a unit of the organisation.")},
        )


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    name: str,
    channel: str,
    start_date: dt.date,
    end_date: dt.date,
    budget: Decimal | str | int,
    currency: str = "CNY",
    status: str = Campaign.Status.PLANNED,
    actual_cost: Decimal | str | int | None = None,
    owner: Person | None = None,
    org_unit: OrgUnit | None = None,
    audience: str = "",
    description: str = "",
    expected_leads: int | None = None,
) -> Campaign:
    """Plan a campaign. The owner defaults to the actor, the organising unit to the owner's."""
    access = require(actor, Cap.CAMPAIGNS_MANAGE)
    if owner is None and access.person_id is not None:
        owner = Person.objects.select_related("org_unit").get(pk=access.person_id)
    if org_unit is None and owner is not None:
        org_unit = owner.org_unit
    data = _check(
        {
            "name": name,
            "channel": channel,
            "status": status or Campaign.Status.PLANNED,
            "start_date": start_date,
            "end_date": end_date,
            "budget": budget,
            "actual_cost": actual_cost,
            "currency": currency or "CNY",
            "owner": owner,
            "org_unit": org_unit,
            "audience": (audience or "").strip(),
            "description": (description or "").strip(),
            "expected_leads": expected_leads,
        }
    )
    _check_owner(actor, data["owner"])
    _check_unit(data["org_unit"])
    campaign = Campaign(**data)
    validate_fields(campaign, ["name", "channel", "status", "budget", "actual_cost", "currency"])
    _check_name_free(data["name"])
    campaign.save(actor=actor)
    return campaign


@transaction.atomic
def campaign_update(*, actor: User, campaign: Campaign, version: int | None = None, **fields) -> Campaign:
    """Change what is given; the rest stays. A stale ``version`` is refused (409)."""
    require(actor, Cap.CAMPAIGNS_MANAGE)
    campaign = get_to_change(Campaign.objects.select_related("owner", "org_unit"), actor, campaign.pk)
    check_version(campaign, version)
    unknown = set(fields) - CAMPAIGN_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="invalid",
        )
    for name in ("audience", "description"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    merged = _check({name: getattr(campaign, name) for name in CAMPAIGN_FIELDS} | fields)
    changes = {name: merged[name] for name in fields}
    if "owner" in changes and changes["owner"].pk != campaign.owner_id:
        _check_owner(actor, changes["owner"])
    if "org_unit" in changes and changes["org_unit"].pk != campaign.org_unit_id:
        _check_unit(changes["org_unit"])
    if "name" in changes and changes["name"] != campaign.name:
        _check_name_free(changes["name"], exclude_pk=campaign.pk)
    model_update(instance=campaign, data=changes, actor=actor)
    return campaign


@transaction.atomic
def campaign_delete(*, actor: User, campaign: Campaign) -> None:
    """Move to the recycle bin. Its leads keep pointing at it, so a restore brings the figures back."""
    require(actor, Cap.CAMPAIGNS_MANAGE)
    campaign = get_to_change(Campaign.objects.all(), actor, campaign.pk)
    campaign.soft_delete(actor=actor)


@transaction.atomic
def campaign_restore(*, actor: User, record: Campaign) -> None:
    require(actor, Cap.RECORDS_RESTORE)
    if Campaign.objects.filter(name=record.name).exclude(pk=record.pk).exists():
        raise ApplicationError(
            _("A campaign called %(name)s exists again: rename it before restoring this one.")
            % {"name": record.name},
            code="duplicate",
            fields={"name": _("Choose another name.")},
        )
    record.restore(actor=actor)


def campaign_check_for_leads(campaign: Campaign | None) -> None:
    """A lead may be attributed to a live campaign that was not cancelled (leads.services asks).
    Leads arrive after a fair ends, so planned, running and finished campaigns all take them."""
    if campaign is None:
        return
    if campaign.is_deleted:
        raise ApplicationError(
            _("The campaign %(name)s was deleted.") % {"name": campaign},
            code="invalid",
            fields={"campaign": _("Choose a current campaign.")},
        )
    if campaign.status == Campaign.Status.CANCELLED:
        raise ApplicationError(
            _("The campaign %(name)s was cancelled and brings in no leads.") % {"name": campaign},
            code="cancelled_campaign",
            fields={"campaign": _("Choose a campaign that was not cancelled.")},
        )
