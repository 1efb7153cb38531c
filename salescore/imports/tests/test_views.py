"""The import pages: upload, mapping, dry run, import, progress, problems, templates; scope."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from salescore.customers.models import Customer
from salescore.imports.models import ImportJob
from salescore.imports.tests.helpers import csv_bytes, upload

ROWS = [["客户名称", "等级", "电话"], ["甲有限公司", "A", "0571-1"], ["乙有限公司", "Z", ""]]


def _upload(client, rows=ROWS, kind="customers"):
    file = SimpleUploadedFile("book.csv", csv_bytes(rows), content_type="text/csv")
    return client.post(reverse("imports:create"), {"kind": kind, "file": file, "header_row": 1})


def test_the_whole_flow_in_pages(cast, client_as, django_capture_on_commit_callbacks):
    client = client_as(cast.rep_a)
    assert client.get(reverse("imports:list")).status_code == 200
    response = _upload(client)
    job = ImportJob.objects.get()
    assert response.url == reverse("imports:detail", args=[job.pk])

    page = client.get(response.url)
    assert page.status_code == 200
    assert b'data-testid="mapping"' in page.content
    assert "甲有限公司" in page.content.decode()  # sample values beside the columns

    with django_capture_on_commit_callbacks(execute=True):  # the dry run starts once committed
        response = client.post(
            reverse("imports:mapping", args=[job.pk]), {"col_0": "name", "col_1": "tier", "col_2": "phone"}
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "validated" and job.error_count == 1

    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert 'data-testid="preview-table"' in page and 'data-testid="errors-table"' in page
    assert "等级" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:run", args=[job.pk]),
            {"duplicate_policy": "skip", "error_policy": "skip_bad_rows"},
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done" and job.created_count == 1
    assert list(Customer.objects.values_list("name", flat=True)) == ["甲有限公司"]

    report = client.get(reverse("imports:errors", args=[job.pk]))
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("3,")


def test_a_bad_mapping_shows_the_form_again(cast, client_as):
    client = client_as(cast.rep_a)
    _upload(client)
    job = ImportJob.objects.get()
    response = client.post(reverse("imports:mapping", args=[job.pk]), {"col_0": "", "col_1": "tier"})
    assert response.status_code == 400
    assert b'data-testid="form-errors"' in response.content


def test_a_bad_file_is_refused_on_the_upload_form(cast, client_as):
    client = client_as(cast.rep_a)
    file = SimpleUploadedFile(
        "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", content_type="application/vnd.ms-excel"
    )
    response = client.post(reverse("imports:create"), {"kind": "customers", "file": file, "header_row": 1})
    assert response.status_code == 400
    assert ".xlsx" in response.content.decode()


def test_progress_polls_while_busy_and_refreshes_when_done(cast, client_as):
    client = client_as(cast.rep_a)
    job = upload(cast.rep_a, "customers", ROWS)
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=1)
    response = client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'hx-trigger="every 1s"' in response.content and b"1 / 2" in response.content
    ImportJob.objects.filter(pk=job.pk).update(status="done")
    response = client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_another_persons_job_is_not_found(cast, client_as):
    job = upload(cast.rep_a, "customers", ROWS)
    client = client_as(cast.rep_a2)
    for name in ("detail", "progress", "errors"):
        assert client.get(reverse(f"imports:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("imports:delete", args=[job.pk])).status_code == 404
    assert client_as(cast.director).get(reverse("imports:detail", args=[job.pk])).status_code == 200


def test_upload_kinds_follow_capabilities(cast, client_as):
    page = client_as(cast.agent).get(reverse("imports:list")).content.decode()
    assert 'value="leads"' in page and 'value="customers"' not in page
    response = _upload(client_as(cast.agent), kind="customers")
    assert response.status_code == 400
    assert (
        client_as(cast.agent).get(reverse("imports:template", args=["customers", "csv"])).status_code == 403
    )


def test_templates_have_the_column_names(cast, client_as):
    client = client_as(cast.rep_a)
    response = client.get(reverse("imports:template", args=["leads", "csv"]), HTTP_ACCEPT_LANGUAGE="en")
    header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Contact name,Company,Job title,Phone,Email")
    response = client.get(
        reverse("imports:template", args=["customers", "xlsx"]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.cell(1, 1).value == "名称"
    assert sheet.cell(2, 1).value == "杭州示例机械有限公司"


def test_job_list_query_count_does_not_grow(cast, client_as, django_assert_num_queries):
    client = client_as(cast.director)
    upload(cast.rep_a, "customers", ROWS)
    client.get(reverse("imports:list"))  # warm the session and the per-process caches
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("imports:list"))
    for _n in range(3):
        upload(cast.rep_b, "customers", ROWS)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("imports:list"))
