"""Builders for the planning tests: targets through the services, as the director by default."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from salescore.org.models import OrgUnit
from salescore.planning import services
from salescore.planning.models import Metric, Target


def this_year() -> dt.date:
    return dt.date(timezone.localdate().year, 1, 1)


def company() -> OrgUnit:
    return OrgUnit.objects.get(kind=OrgUnit.Kind.COMPANY)


def make_target(
    actor,
    *,
    value="100000",
    metric=Metric.SALES_AMOUNT,
    unit=None,
    person=None,
    kind="year",
    start=None,
    **kw,
) -> Target:
    return services.target_set(
        actor=getattr(actor, "user", actor),
        metric=metric,
        period_kind=kind,
        period_start=start or this_year(),
        value=value,
        org_unit=unit,
        person=getattr(person, "person", person),
        **kw,
    )


def team_cascade(cast, *, value="90000"):
    """Team A's and team B's yearly sales targets, each split equally to its people."""
    team_a = make_target(cast.director, unit=cast.team_a, value=value)
    team_b = make_target(cast.director, unit=cast.team_b, value=value)
    services.target_split(actor=cast.director.user, target=team_a, method="equal")
    services.target_split(actor=cast.director.user, target=team_b, method="equal")
    return team_a, team_b


def make_plan(member, target: Target, *, title="计划"):
    """A draft plan of ``target`` with its four strategies filled in."""
    return services.plan_create(
        actor=getattr(member, "user", member),
        target=target,
        title=title,
        product_strategy="A",
        price_strategy="B",
        channel_strategy="C",
        promotion_strategy="D",
    )
