"""The target list and the dashboard's ranking render the same HTML as before their cells were
worked out in Python (core/tests/legacy_templates/planning/), in both languages, for every kind of
figure: money, quantities, market share, a revised target, a split that does not add up, targets
ahead of pace and behind it. Whitespace is compared collapsed: the old cells' includes left
newlines inside them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from salescore.core.tests.legacy import assert_same_as_legacy
from salescore.customers.models import Customer
from salescore.pipeline.tests.factories import make_customer
from salescore.planning import services
from salescore.planning.models import Metric, Target
from salescore.planning.tests.factories import make_target, team_cascade, this_year

pytestmark = pytest.mark.django_db


def _url(metric) -> str:
    return reverse("planning:targets") + f"?period=year:{this_year().isoformat()}&metric={metric}"


@pytest.fixture
def targets(cast):
    team_a, _team_b = team_cascade(cast, value="90000.50")
    services.target_approve(actor=cast.director.user, target=team_a)
    services.target_adjust(actor=cast.director.user, target=team_a, new_value="120000", reason="扩大")
    first = Target.objects.get(parent=team_a, person=cast.rep_a.person)
    services.target_approve(actor=cast.director.user, target=first)
    services.target_adjust(actor=cast.rep_a.user, target=first, new_value="1", reason="<调低>")  # pending
    lone = make_target(cast.director, unit=cast.team_b, value="1000", metric=Metric.NEW_CUSTOMERS)
    services.target_split(
        actor=cast.director.user,
        target=lone,
        method="manual",
        values={p.pk: "300" for p in services.split_owners(lone)},
    )
    make_target(cast.director, person=cast.rep_a, value="1", metric=Metric.NEW_CUSTOMERS)
    make_customer(cast.rep_a)  # rep_a is ahead of pace on new customers
    assert Customer.objects.filter(owner=cast.rep_a.person).exists()
    make_target(
        cast.director, unit=cast.team_a, value="12.5", metric=Metric.MARKET_SHARE, industry="manufacturing"
    )
    make_target(cast.director, person=cast.rep_b, value="40", metric=Metric.VISITS)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "metric", [Metric.SALES_AMOUNT, Metric.NEW_CUSTOMERS, Metric.MARKET_SHARE, Metric.VISITS]
)
@pytest.mark.parametrize("who", ["director", "lead_a"])
def test_target_list_renders_as_before(cast, client_as, targets, language, metric, who):
    client = client_as(getattr(cast, who))
    client.cookies["salescore_language"] = language
    html = assert_same_as_legacy(client, _url(metric), collapse_whitespace=True)
    assert 'data-testid="target-tree"' in html
    if who == "director" and metric == Metric.NEW_CUSTOMERS:
        assert 'data-testid="not-reconciled"' in html and "text-success" in html and "text-danger" in html
    if who == "director" and metric == Metric.SALES_AMOUNT:
        assert 'data-testid="original-value"' in html and 'data-testid="reconciled"' in html
        assert "#revisions" in html  # the pending revision, which the director may decide


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "metric", [Metric.SALES_AMOUNT, Metric.NEW_CUSTOMERS, Metric.MARKET_SHARE, Metric.VISITS]
)
def test_dashboard_ranking_renders_as_before(cast, client_as, targets, language, metric):
    client = client_as(cast.director)
    client.cookies["salescore_language"] = language
    url = reverse("planning:dashboard") + f"?period=year:{this_year().isoformat()}&metric={metric}"
    html = assert_same_as_legacy(client, url, collapse_whitespace=True)
    assert 'data-testid="ranking-row"' in html
    if metric == Metric.SALES_AMOUNT:
        assert 'data-testid="original-value"' in html
