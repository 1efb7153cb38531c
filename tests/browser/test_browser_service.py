"""After-sales service in a real browser (R3.7 done-when): the customer opens a ticket through the
public form without logging in, the agent finds it, replies and resolves it within its SLA, the
customer answers the rating page (logged out) and the rating appears in the satisfaction report."""

from __future__ import annotations

import pytest

from salescore.core.testing import PASSWORD
from salescore.customers import services as customer_services
from salescore.service import services
from salescore.service.models import Rating, Ticket
from tests.browser.helpers import login, screenshot, settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_ticket_to_rating_in_the_report(cast, open_page):
    customer = customer_services.customer_create(actor=cast.rep_a.user, name="星河精密机械有限公司")
    token = services.service_link_create(actor=cast.rep_a.user, customer=customer)

    # the customer, logged out, reports a problem through the link
    public, public_log = open_page(locale="en-US")
    public.goto(f"/service/s/{token}/?lang=en")
    assert public.locator("html").get_attribute("lang") == "en"
    assert public.locator("nav.sidebar").count() == 0
    public.fill("input[name=reporter_name]", "王工")
    public.fill("input[name=reporter_phone]", "13700000000")
    public.select_option("select[name=category]", "quality")
    public.fill("input[name=subject]", "主轴异响")
    public.fill("textarea[name=description]", "加工时主轴有异响，请派人检查。")
    with public.expect_navigation():
        public.click("[data-testid=public-report-form] button[type=submit]")
    number = public.locator("[data-testid=public-ticket-number]").inner_text()
    ticket = Ticket.objects.get(number=number)
    assert ticket.customer == customer and ticket.assignee == cast.agent.person
    screenshot(public, "service-public-report-done-en")
    public_log.assert_clean()

    # the agent finds it, replies and resolves it
    page, log = open_page()
    login(page, cast.agent.user.username, PASSWORD)
    page.goto("/service/tickets/?mine=on&status=open")
    settle(page)
    with page.expect_navigation():
        page.click(f"text={number}")
    page.select_option("[data-testid=log-form] select[name=kind]", "reply")
    page.fill("[data-testid=log-form] textarea[name=body]", "您好，工程师明天上午到现场。")
    with page.expect_navigation():
        page.click("[data-testid=log-form] button[type=submit]")
    assert page.locator("[data-testid=sla] [data-sla=met]").count() == 1
    page.fill("[data-testid=resolve-form] textarea[name=resolution]", "更换主轴轴承，试机正常。")
    with page.expect_navigation():
        page.click("[data-testid=resolve-form] button[type=submit]")
    assert page.locator("[data-testid=ticket-status]").inner_text() in ("已解决", "Resolved")
    assert page.locator("[data-testid=sla] [data-sla=met]").count() == 2  # resolved within SLA
    link = page.locator("[data-testid=rating-link]").input_value()
    assert link.endswith(f"/service/r/{Rating.objects.get(ticket=ticket).token}/")
    screenshot(page, "service-ticket-resolved")

    # the customer rates the service, logged out
    rating_page, rating_log = open_page(locale="en-US")
    rating_page.goto(link + "?lang=en")
    rating_page.click("[data-testid=csat] label[for$='_4']")  # the fifth star: 5
    rating_page.click("[data-testid=nps] label[for$='_9']")  # 9
    rating_page.fill("textarea[name=comment]", "响应很快")
    with rating_page.expect_navigation():
        rating_page.click("[data-testid=rating-form] button[type=submit]")
    rating_page.locator("[data-testid=rating-thanks]").wait_for()
    rating_log.assert_clean()
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.csat, rating.nps) == (5, 9)

    # the rating is in the satisfaction report, per agent, with its chart
    page.goto("/service/satisfaction/?group_by=agent")
    settle(page)
    row = page.locator("[data-testid=satisfaction-row]")
    assert row.count() == 1 and cast.agent.person.name in row.inner_text()
    assert page.locator("[data-testid=total-csat]").inner_text() == "5.0"
    assert page.locator("[data-testid=total-nps]").inner_text() == "100.0"
    page.locator(".chart svg").first.wait_for()
    with page.expect_navigation():
        row.locator("a").first.click()
    assert page.locator("[data-testid=rating-row]").count() == 1
    screenshot(page, "service-ratings")
    log.assert_clean()
