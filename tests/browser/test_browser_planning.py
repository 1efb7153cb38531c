"""Targets in a real browser (R2.1, R2.4): the director opens the sales dashboard and the targets
page in Chinese and in English, splits a team's target equally on its page and sees the cascade
reconcile; the charts draw without a console error."""

from __future__ import annotations

import pytest

from salescore.core.testing import PASSWORD
from salescore.planning.models import Target
from salescore.planning.tests.factories import make_target, this_year
from tests.browser.helpers import (
    assert_styled,
    login,
    screenshot,
    settle,
    switch_language,
    wait_until_unchanged,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_director_splits_a_target_and_reads_the_dashboard(cast, open_page):
    section = make_target(cast.director, unit=cast.sales_management, value="200000.00")
    team = make_target(cast.director, unit=cast.team_a, value="100000.00", parent=section)
    make_target(cast.director, unit=cast.team_b, value="100000.00", parent=section)
    period = f"year:{this_year().isoformat()}"

    page, log = open_page()
    login(page, cast.director.user.username, PASSWORD)
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # the dashboard in Chinese: charts per level, the trend and the ranking
    page.goto(f"/sales-dashboard/?period={period}&metric=sales_amount")
    settle(page)
    assert_styled(page)
    assert page.locator("[data-testid=ranking-row]").count() == 3
    page.wait_for_selector("[data-testid=chart-team] svg")
    wait_until_unchanged(page, "[data-testid=trend-chart]")
    screenshot(page, "planning-dashboard-zh-hans")

    # the targets page: the section reconciles with its two teams, team A is not split yet
    page.goto(f"/targets/?period={period}&metric=sales_amount")
    settle(page)
    row = page.locator(f"[data-testid=target-row][data-target='{section.pk}']")
    assert row.locator("[data-testid=reconciled]").count() == 1
    screenshot(page, "planning-targets-zh-hans")

    # team A's page: split equally, and the three people's shares add up to the fen
    with page.expect_navigation():
        page.click(f"[data-testid=target-row][data-target='{team.pk}'] a")
    page.check("[data-testid=split-form] input[value=equal]")
    with page.expect_navigation():
        page.click("[data-testid=split-submit]")
    assert page.locator("[data-testid=children] tbody tr").count() == 3
    assert page.locator("[data-testid=reconciled]").count() >= 1
    assert sum(Target.objects.filter(parent=team).values_list("value", flat=True)) == team.value
    screenshot(page, "planning-target-split-zh-hans")

    # the same pages in English
    switch_language(page, "en")
    assert "Split down" in page.content()
    page.goto(f"/targets/?period={period}&metric=sales_amount")
    settle(page)
    assert page.locator("[data-testid=target-row]").count() == 6
    assert "Reconciled" in page.locator("[data-testid=target-tree]").inner_text()
    screenshot(page, "planning-targets-en")
    page.goto(f"/sales-dashboard/?period={period}&metric=sales_amount")
    settle(page)
    page.wait_for_selector("[data-testid=chart-person] svg")
    assert "Ranking" in page.content()
    screenshot(page, "planning-dashboard-en")
    log.assert_clean()
