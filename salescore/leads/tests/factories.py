"""Builders for the lead tests: every lead, rule and touch goes through leads.services."""

from __future__ import annotations

import itertools

from salescore.leads import services
from salescore.leads.models import AssignmentRule, Lead
from salescore.org.models import Region

_numbers = itertools.count(1)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def unique_phone() -> str:
    return f"139{next(_numbers):08d}"


def make_lead(member, **fields) -> Lead:
    """A lead registered by ``member`` with a phone of its own; ``region`` may be a code."""
    n = next(_numbers)
    fields.setdefault("name", f"线索人{n}")
    fields.setdefault("company", f"线索公司{n}有限公司")
    fields.setdefault("channel", "phone")
    if "phone" not in fields and "email" not in fields and "wechat" not in fields:
        fields["phone"] = unique_phone()
    if isinstance(fields.get("region"), str):
        fields["region"] = region(fields["region"])
    return services.lead_create(actor=member.user, **fields)


def make_rule(member, team, *, region_code: str | None = None, **fields) -> AssignmentRule:
    fields.setdefault("name", f"规则{next(_numbers)}")
    return services.rule_save(
        actor=member.user, team=team, region=region(region_code) if region_code else None, **fields
    )
