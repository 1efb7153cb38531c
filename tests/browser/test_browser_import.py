"""Import in a real browser: upload a CSV with one bad row, see the guessed mapping with sample
values, the dry run's preview naming the bad row's column and reason, choose to skip bad rows,
import, and see the summary."""

from __future__ import annotations

import pytest

from salescore.core.testing import PASSWORD
from salescore.customers.models import Customer
from tests.browser.helpers import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "客户名称,等级,地区,电话\n"
    "厦门海岸机械有限公司,A,福建省,0592-5550001\n"
    "泉州山海贸易有限公司,Z,福建省,0595-5550002\n"
    "福州榕城电子有限公司,B,福建省,0591-5550003\n"
).encode()


def test_upload_map_preview_skip_bad_rows_and_import(cast, open_page):
    page, log = open_page()
    login(page, cast.rep_a.user.username, PASSWORD)

    page.goto("/imports/")
    page.select_option("select[name=kind]", "customers")
    page.set_input_files(
        "input[name=file]", files=[{"name": "客户.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    with page.expect_navigation():
        page.click("[data-testid=upload-submit]")

    # The mapping is guessed from the Chinese headers; the first values sit beside each column.
    mapping = page.locator("[data-testid=mapping]")
    assert page.input_value("select[name=col_0]") == "name"
    assert page.input_value("select[name=col_1]") == "tier"
    assert page.input_value("select[name=col_2]") == "region"
    assert page.input_value("select[name=col_3]") == "phone"
    assert "厦门海岸机械有限公司" in mapping.inner_text()
    screenshot(page, "import-mapping-zh-hans")

    with page.expect_navigation():
        page.click("[data-testid=mapping-submit]")

    # The dry run: two rows to create, the bad row listed with its column and reason; nothing saved.
    page.wait_for_selector("[data-testid=summary]")
    assert page.inner_text("[data-testid=count-created]").strip() == "2"
    assert page.inner_text("[data-testid=count-errors]").strip() == "1"
    errors = page.locator("[data-testid=errors-table] tbody tr")
    assert errors.count() == 1
    cells = errors.first.locator("td").all_inner_texts()
    assert cells[0].strip() == "3" and cells[1].strip() == "等级" and "Z" in cells[2]
    assert page.locator("[data-testid=preview-table] tbody tr").count() == 3
    assert not Customer.objects.exists()
    screenshot(page, "import-preview-zh-hans")

    page.check("input[name=error_policy][value=skip_bad_rows]")
    with page.expect_navigation():
        page.click("[data-testid=run-import]")

    # Eager tasks finish within the request; with a worker the progress bar would poll until done.
    page.wait_for_selector("[data-testid=open-list]")
    assert page.get_attribute("[data-testid=job-status]", "data-status") == "done"
    assert page.inner_text("[data-testid=count-created]").strip() == "2"
    assert set(Customer.objects.values_list("name", flat=True)) == {
        "厦门海岸机械有限公司",
        "福州榕城电子有限公司",
    }
    screenshot(page, "import-done-zh-hans")
    log.assert_clean()


def test_progress_bar_polls_until_the_job_finishes(cast, open_page):
    """A job still running shows the progress bar, which polls and reloads the page when done."""
    from salescore.imports.models import ImportJob
    from salescore.imports.tests.helpers import upload

    job = upload(cast.rep_a, "customers", [["名称"], ["甲有限公司"], ["乙有限公司"]])
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=1)
    page, log = open_page()
    login(page, cast.rep_a.user.username, PASSWORD)
    page.goto(f"/imports/{job.pk}/")
    page.wait_for_selector("[data-testid=job-progress] .progress-bar")
    assert "1 / 2" in page.inner_text("[data-testid=job-progress]")
    ImportJob.objects.filter(pk=job.pk).update(status="done", processed_rows=2, created_count=2)
    page.wait_for_selector("[data-testid=summary]", timeout=5000)
    assert page.locator("[data-testid=job-progress]").count() == 0
    log.assert_clean()
