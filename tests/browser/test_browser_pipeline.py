"""The pipeline in a real browser: dragging cards across the board through the gated move, the Lost
prompt, the customer page's pipeline section loaded by htmx, and the visit fields of an activity."""

from __future__ import annotations

import importlib

import pytest

from salescore.core.testing import PASSWORD
from salescore.customers import services as customer_services
from salescore.pipeline import services
from salescore.pipeline.models import Opportunity
from salescore.pipeline.selectors import BOARD_CARDS
from tests.browser.helpers import login, screenshot, settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _stages(_seed):
    """The flush after each live-server test removes the stages the migration seeds: put them back."""
    from django.apps import apps

    importlib.import_module("salescore.pipeline.migrations.0002_default_stages").forwards(apps, None)


def _opportunity(member, name: str) -> Opportunity:
    customer = customer_services.customer_create(actor=member.user, name=f"{name}客户有限公司")
    contact = customer_services.contact_create(actor=member.user, customer=customer, name="王经理")
    return services.opportunity_create(
        actor=member.user, customer=customer, name=name, contacts=[contact], amount="80000"
    )


def _card(page, opportunity):
    return page.locator(f"[data-testid=card][data-opportunity='{opportunity.pk}']")


def _column(page, code: str):
    return page.locator(f"[data-testid=column-{code}]")


def test_drag_cards_across_the_board(cast, open_page):
    ours = _opportunity(cast.rep_a, "产线改造")
    other = _opportunity(cast.rep_a, "仓储升级")
    page, log = open_page(locale="en-US")
    login(page, cast.rep_a.user.username, PASSWORD)
    page.context.add_cookies([{"name": "salescore_language", "value": "en", "url": page.url}])
    page.goto("/pipeline/")
    settle(page)

    # refused: two stages ahead without a needs analysis; the card stays, the board says why
    _card(page, ours).drag_to(_column(page, "recommendation"))
    alert = page.locator("[data-testid=move-error]")
    alert.wait_for()
    assert "the needs analysis is recorded" in alert.inner_text()
    assert _column(page, "contact").locator(f"[data-opportunity='{ours.pk}']").count() == 1
    screenshot(page, "pipeline-board-refused-en")

    # accepted: the card lands in the next stage
    _card(page, ours).drag_to(_column(page, "needs_analysis"))
    page.locator("[data-testid=move-done]").wait_for()
    assert _column(page, "needs_analysis").locator(f"[data-opportunity='{ours.pk}']").count() == 1
    ours.refresh_from_db()
    assert ours.stage.code == "needs_analysis"

    # Lost asks for the reason; cancelling leaves the card where it is
    page.once("dialog", lambda dialog: dialog.dismiss())
    _card(page, other).drag_to(_column(page, "lost"))
    page.wait_for_timeout(300)
    other.refresh_from_db()
    assert other.stage.code == "contact"

    page.once("dialog", lambda dialog: dialog.accept("客户选择了竞争对手"))
    _card(page, other).drag_to(_column(page, "lost"))
    _column(page, "lost").locator(f"[data-opportunity='{other.pk}']").wait_for()
    other.refresh_from_db()
    assert other.stage.code == "lost" and other.loss_reason == "客户选择了竞争对手"
    screenshot(page, "pipeline-board-en")
    log.assert_clean()


def test_a_column_loads_more_cards_that_can_be_dragged_too(cast, open_page):
    customer = customer_services.customer_create(actor=cast.rep_a.user, name="看板翻页客户有限公司")
    contact = customer_services.contact_create(actor=cast.rep_a.user, customer=customer, name="李经理")
    rows = [
        services.opportunity_create(
            actor=cast.rep_a.user, customer=customer, name=f"商机{n:02d}", contacts=[contact], amount="1000"
        )
        for n in range(BOARD_CARDS + 2)
    ]
    oldest = rows[0]
    page, log = open_page()
    login(page, cast.rep_a.user.username, PASSWORD)
    page.goto("/pipeline/")
    settle(page)
    column = _column(page, "contact")
    assert column.locator("[data-testid=card]").count() == BOARD_CARDS
    assert _card(page, oldest).count() == 0
    more = column.locator("[data-testid=more-cards]")
    assert more.inner_text() == "显示更多"
    more.click()
    _card(page, oldest).wait_for()
    assert column.locator("[data-testid=card]").count() == BOARD_CARDS + 2
    assert column.locator("[data-testid=more-cards]").count() == 0
    screenshot(page, "pipeline-board-more-zh-hans")

    # a card loaded later is dragged like the others
    _card(page, oldest).drag_to(_column(page, "needs_analysis"))
    page.locator("[data-testid=move-done]").wait_for()
    oldest.refresh_from_db()
    assert oldest.stage.code == "needs_analysis"
    log.assert_clean()

    # a refusal of a fragment is shown where the fragment was going (htmx leaves 4xx out by itself)
    more = column.locator("[data-testid=more-cards]")
    more.wait_for()
    bad = more.get_attribute("hx-get").split("?")[0] + "?before=yesterday"
    page.evaluate(
        "([url, id]) => htmx.ajax('GET', url, {target: document.querySelector(id), swap: 'outerHTML'})",
        [bad, "[data-testid=column-contact] .board-more"],
    )
    column.locator("[data-testid=htmx-error]").wait_for()
    assert "请重新加载看板" in column.locator("[data-testid=htmx-error]").inner_text()

    # once the session has ended, asking for more cards opens the sign-in page, then the board
    page.reload()
    settle(page)
    page.context.clear_cookies()
    column.locator("[data-testid=more-cards]").click()
    page.wait_for_url("**/accounts/login/?next=%2Fpipeline%2F")
    assert log.errors and all("before=yesterday" in error for error in log.errors), log.errors


def test_customer_page_shows_its_pipeline_and_activity_visit_fields(cast, open_page):
    ours = _opportunity(cast.rep_a, "产线改造")
    page, log = open_page()
    login(page, cast.rep_a.user.username, PASSWORD)

    page.goto(f"/customers/{ours.customer_id}/")
    section = page.locator("[data-testid=customer-opportunities]")
    section.wait_for()
    assert "产线改造" in section.inner_text()

    page.goto(f"/pipeline/opportunities/{ours.pk}/")
    settle(page)
    screenshot(page, "pipeline-opportunity-zh-hans")

    # choosing the customer of a new opportunity loads its contacts
    page.goto("/pipeline/opportunities/new/")
    page.select_option("select[name=customer]", str(ours.customer_id))
    page.locator("#customer-dependent input[name=contacts]").wait_for()
    assert "王经理" in page.inner_text("#customer-dependent")

    page.goto(f"/activities/new/?customer={ours.customer_id}")
    visit = page.locator("[data-visit-fields]")
    assert not visit.is_visible()
    page.select_option("select[name=channel]", "visit")
    assert visit.is_visible()
    page.fill("input[name=subject]", "现场拜访")
    page.fill("input[name=location]", "苏州工业园区")
    with page.expect_navigation():
        page.click("[data-testid=activity-form] button[type=submit]")
    assert "现场拜访" in page.inner_text("main")
    log.assert_clean()
