"""Customer pages in a real browser: htmx filtering, similar names while typing, a logged reveal,
and the confirm dialog before a delete, all under the CSP (no inline scripts)."""

from __future__ import annotations

import pytest

from salescore.core.models import AuditAction, AuditLog
from salescore.core.testing import PASSWORD
from salescore.customers import services
from tests.browser.helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _book(cast):
    ours = services.customer_create(
        actor=cast.rep_a.user, name="厦门海岸机械有限公司", tier="A", tags=["重点"]
    )
    contact = services.contact_create(
        actor=cast.rep_a.user, customer=ours, name="林经理", mobile="13912345678", is_primary=True
    )
    services.customer_create(actor=cast.lead_a.user, name="上海组长物流有限公司", tier="C")
    return ours, contact


def _names(page) -> set[str]:
    cells = page.locator("[data-testid=customers-table] tbody tr td:first-child a")
    return {text.strip() for text in cells.all_inner_texts()}


def test_filter_reveal_and_similar_names(cast, open_page):
    ours, contact = _book(cast)
    page, log = open_page()
    login(page, cast.lead_a.user.username, PASSWORD)

    # The tier select filters the table in place (htmx) and the address follows.
    page.goto("/customers/")
    assert _names(page) == {"厦门海岸机械有限公司", "上海组长物流有限公司"}
    with page.expect_response(lambda r: "/customers/?" in r.url):
        page.select_option("select[name=tier]", "A")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=customers-table] tbody tr').length === 1"
    )
    assert _names(page) == {"厦门海岸机械有限公司"}
    assert "tier=A" in page.url
    screenshot(page, "customers-list-zh-hans")

    # A team lead sees the rep's contact masked; Reveal swaps in the full number and is logged.
    page.goto(f"/customers/{ours.pk}/")
    cell = page.locator(f"#contact-{contact.pk}-mobile")
    assert "139****5678" in cell.inner_text()
    page.click(f"[data-testid=reveal-{contact.pk}-mobile]")
    page.wait_for_selector("[data-testid=revealed]")
    assert page.locator(f"#contact-{contact.pk}-mobile").inner_text().strip() == "13912345678"
    assert AuditLog.objects.filter(action=AuditAction.REVEAL, object_id=contact.pk).count() == 1
    screenshot(page, "customer-detail-zh-hans")

    # Typing a name offers similar customers under the field, without blocking the form.
    page.goto("/customers/new/")
    page.fill("input[name=name]", "厦门海岸机械股份有限公司")
    page.wait_for_selector("[data-testid=similar-customers]")
    assert "厦门海岸机械有限公司" in page.inner_text("#similar-customers")

    # Deleting asks first; dismissing the dialog keeps the customer.
    page.goto(f"/customers/{ours.pk}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-testid=delete-customer]")
    assert page.url.endswith(f"/customers/{ours.pk}/")
    ours.refresh_from_db()
    assert not ours.is_deleted
    log.assert_clean()
