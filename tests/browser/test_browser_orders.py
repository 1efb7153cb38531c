"""Quote to order in a real browser: a rep prices a quote beyond their discount authority in the
htmx line editor and submits it; the team lead approves it from the queue; the rep turns it into
an order, completes it and submits it. Pages load in Chinese and in English."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.utils import timezone

from salescore.core.testing import PASSWORD
from salescore.customers import services as customer_services
from salescore.orders.models import Order, Quote
from salescore.pipeline import services as pipeline_services
from salescore.pipeline.tests.factories import make_product
from tests.browser.helpers import login, screenshot, settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _seeded(_seed):
    """The flush after each live-server test removes what migrations seed: the stages, the
    discount-authority matrix and the routing table. Put them back."""
    from django.apps import apps

    importlib.import_module("salescore.pipeline.migrations.0002_default_stages").forwards(apps, None)
    importlib.import_module("salescore.orders.migrations.0002_default_authority_and_routes").forwards(
        apps, None
    )


def test_quote_approval_order(cast, open_page):
    customer = customer_services.customer_create(
        actor=cast.rep_a.user, name="华东精密机械有限公司", address="上海市浦东新区张江路1号"
    )
    contact = customer_services.contact_create(actor=cast.rep_a.user, customer=customer, name="王经理")
    opportunity = pipeline_services.opportunity_create(
        actor=cast.rep_a.user, customer=customer, name="产线改造", contacts=[contact], amount="80000"
    )
    product = make_product(name="伺服电机")

    # The rep (Chinese) starts a quote from the opportunity page.
    page, log = open_page()
    login(page, cast.rep_a.user.username, PASSWORD)
    page.goto(f"/pipeline/opportunities/{opportunity.pk}/")
    page.locator("[data-testid=new-quote]").wait_for()
    with page.expect_navigation():
        page.click("[data-testid=new-quote]")
    quote = Quote.objects.get(opportunity=opportunity)

    # The line editor prices on the server: 8% is beyond a rep's 5%.
    page.select_option("#line-editor select[name=line-product]", str(product.pk))
    page.locator("[data-testid=preview-total]").wait_for()
    page.fill("[data-testid=line-discount]", "8")
    page.click("[data-testid=recalc]")
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=preview-total]') || {}).textContent?.includes('10,396')"
    )
    settle(page)
    with page.expect_navigation():
        page.click("[data-testid=save-lines]")
    needs = page.locator("[data-testid=needs-approval]")
    assert str(cast.lead_a.person) in needs.inner_text()
    page.fill("textarea[name=reason]", "战略客户，首单")
    with page.expect_navigation():
        page.click("[data-testid=submit-quote]")
    quote.refresh_from_db()
    assert quote.status == Quote.Status.PENDING
    screenshot(page, "orders-quote-pending-zh")

    # The team lead (English) approves from the queue.
    lead, lead_log = open_page(locale="en-US")
    login(lead, cast.lead_a.user.username, PASSWORD)
    lead.context.add_cookies([{"name": "salescore_language", "value": "en", "url": lead.url}])
    lead.goto("/approvals/")
    row = lead.locator("[data-testid=approval-row]")
    assert quote.number in row.inner_text() and "Team lead" in row.inner_text()
    row.locator("textarea").fill("Approved for the first order")
    screenshot(lead, "orders-approval-queue-en")
    with lead.expect_navigation():
        row.locator("[data-testid=approve]").click()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED
    lead.goto(f"/quotes/{quote.pk}/")
    assert "Approved" in lead.locator("[data-testid=quote-status]").inner_text()
    lead_log.assert_clean()

    # The rep turns it into an order, completes it and submits it.
    page.goto(f"/quotes/{quote.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=create-order]")
    order = Order.objects.get(quote=quote)
    assert page.locator("[data-testid=checklist]").count() == 1
    promised = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    page.fill("input[name=promised_date]", promised)
    page.select_option("select[name=payment_terms]", "net_30")
    with page.expect_navigation():
        page.click("[data-testid=save-header]")
    page.locator("[data-testid=checklist-ok]").wait_for()
    with page.expect_navigation():
        page.click("[data-testid=submit-order]")
    order.refresh_from_db()
    assert order.status == Order.Status.SUBMITTED and order.number.startswith("SO-")
    assert order.number in page.locator("[data-testid=order-title]").inner_text()
    screenshot(page, "orders-order-submitted-zh")
    log.assert_clean()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_orders_pages_load(cast, open_page, language):
    page, log = open_page(locale="en-US" if language == "en" else "zh-CN")
    login(page, cast.clerk.user.username, PASSWORD)
    page.context.add_cookies([{"name": "salescore_language", "value": language, "url": page.url}])
    for url in ("/orders/", "/orders/new/", "/receivables/", "/orders/?delivery=late"):
        page.goto(url)
        settle(page)
        assert page.locator("html").get_attribute("lang") == language
    log.assert_clean()
