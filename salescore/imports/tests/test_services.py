"""The job's life: upload, map, dry run, import; all or nothing versus skip bad rows; scope."""

from __future__ import annotations

import pytest
from django.http import Http404

from salescore.core.errors import ApplicationError, PermissionDeniedError
from salescore.core.models import AuditAction, AuditLog
from salescore.customers.models import Customer
from salescore.imports import selectors, services
from salescore.imports.models import ImportJob
from salescore.imports.tests.helpers import check, credit_code, issues, run, upload

HEADER = ["客户名称", "统一社会信用代码", "等级", "电话"]


def _rows():
    return [
        HEADER,
        ["一号机械有限公司", credit_code(1), "A", "0571-88880001"],
        ["二号机械有限公司", "91330100MA2A000019", "B", ""],  # wrong check character
        ["三号机械有限公司", credit_code(3), "Z", ""],  # no tier Z
        ["四号机械有限公司", "", "C", "0571 8888 0001"],  # same phone as row 2
    ]


def test_upload_reads_headers_counts_rows_and_guesses_the_mapping(cast):
    job = upload(cast.rep_a, "customers", _rows())
    assert job.status == ImportJob.Status.UPLOADED
    assert job.headers == HEADER
    assert job.total_rows == 4
    assert job.mapping == {"0": "name", "1": "credit_code", "2": "tier", "3": "phone"}


def test_dry_run_lists_errors_per_row_and_column_and_writes_nothing(cast):
    job = check(cast.rep_a, upload(cast.rep_a, "customers", _rows()))
    assert job.status == ImportJob.Status.VALIDATED
    assert (job.total_rows, job.processed_rows, job.created_count, job.error_count) == (4, 4, 1, 3)
    found = {(row, field) for row, field, _reason in issues(job)}
    assert found == {(3, "credit_code"), (4, "tier"), (5, "phone")}
    columns = {i.row: i.column for i in job.issues.all()}
    assert columns == {3: "统一社会信用代码", 4: "等级", 5: "电话"}
    reasons = {row: reason for row, _f, reason in issues(job)}
    assert "check character" in reasons[3]
    assert "Row 2 of this file" in reasons[5]
    assert not Customer.objects.exists()
    assert not AuditLog.objects.filter(content_type__model="customer").exists()
    # The preview shows the first rows as they will be imported.
    assert [p["outcome"] for p in job.preview] == ["created", "error", "error", "error"]
    assert job.preview[0]["values"][0] == "一号机械有限公司"


def test_all_or_nothing_writes_nothing_when_a_row_fails(cast):
    job = check(cast.rep_a, upload(cast.rep_a, "customers", _rows()))
    job = run(cast.rep_a, job, error_policy="all_or_nothing")
    assert job.status == ImportJob.Status.FAILED
    assert job.created_count == 0 and job.error_count == 3
    assert "Nothing was imported" in job.message
    assert not Customer.objects.exists()
    assert len(issues(job)) == 3


def test_skip_bad_rows_writes_the_good_rows_with_audit(cast):
    job = check(cast.rep_a, upload(cast.rep_a, "customers", _rows()))
    job = run(cast.rep_a, job, error_policy="skip_bad_rows")
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.error_count, job.processed_rows) == (1, 3, 4)
    customer = Customer.objects.get()
    assert customer.name == "一号机械有限公司" and customer.owner == cast.rep_a.person
    audit = AuditLog.objects.get(content_type__model="customer", object_id=customer.pk)
    assert audit.action == AuditAction.CREATE and audit.actor == cast.rep_a.user
    assert audit.origin == "task"


def test_all_or_nothing_imports_everything_when_all_rows_are_valid(cast):
    rows = [HEADER, ["甲有限公司", credit_code(11), "A", ""], ["乙有限公司", credit_code(12), "B", ""]]
    job = run(cast.rep_a, check(cast.rep_a, upload(cast.rep_a, "customers", rows)))
    assert job.status == ImportJob.Status.DONE and job.created_count == 2
    assert Customer.objects.count() == 2


def test_database_duplicates_are_skipped_or_updated(cast):
    from salescore.customers import services as customer_services

    existing = customer_services.customer_create(
        actor=cast.rep_a.user, name="老客户", credit_code=credit_code(20)
    )
    rows = [HEADER, ["老客户（新名）", credit_code(20), "A", ""], ["新客户", credit_code(21), "B", ""]]
    job = check(cast.rep_a, upload(cast.rep_a, "customers", rows))
    assert (job.created_count, job.skipped_count, job.error_count) == (1, 1, 0)
    assert issues(job, "skipped")[0][:2] == (2, "credit_code")

    job = check(cast.rep_a, job, duplicate_policy="update")
    assert (job.created_count, job.updated_count) == (1, 1)
    job = run(cast.rep_a, job)
    existing.refresh_from_db()
    assert existing.name == "老客户（新名）" and existing.tier == "A"


def test_a_duplicate_outside_scope_is_not_updated(cast):
    from salescore.customers import services as customer_services

    customer_services.customer_create(actor=cast.rep_b.user, name="别组客户", credit_code=credit_code(30))
    rows = [HEADER, ["别组客户", credit_code(30), "A", ""]]
    job = check(cast.rep_a, upload(cast.rep_a, "customers", rows), duplicate_policy="update")
    assert job.error_count == 1
    assert "not one of your records" in issues(job)[0][2]


def test_owner_column_only_names_people_in_scope(cast):
    rows = [
        ["名称", "负责人"],
        ["甲公司", cast.rep_a.person.employee_no],
        ["乙公司", cast.rep_b.person.name],
        ["丙公司", ""],
    ]
    job = check(cast.rep_a, upload(cast.rep_a, "customers", rows))
    assert [(r, f) for r, f, _ in issues(job)] == [(3, "owner")]
    job = check(cast.lead_a, upload(cast.lead_a, "customers", rows))
    assert [(r, f) for r, f, _ in issues(job)] == [(3, "owner")]
    job = run(cast.head, check(cast.head, upload(cast.head, "customers", rows)))
    owners = dict(Customer.objects.values_list("name", "owner_id"))
    assert owners == {"甲公司": cast.rep_a.pk, "乙公司": cast.rep_b.pk, "丙公司": cast.head.pk}


def test_capabilities(cast):
    rows = [["名称"], ["甲公司"]]
    with pytest.raises(PermissionDeniedError):
        upload(cast.agent, "customers", rows)
    with pytest.raises(PermissionDeniedError):
        upload(cast.clerk, "contacts", rows)
    assert upload(cast.agent, "leads", [["姓名", "手机", "渠道"], ["赵", "139", "电话"]]).pk


def test_jobs_are_seen_by_their_uploader_and_by_those_who_see_everything(cast):
    job = upload(cast.rep_a, "customers", [["名称"], ["甲公司"]])
    assert selectors.import_job_get_for_user(user=cast.rep_a.user, pk=job.pk) == job
    assert selectors.import_job_get_for_user(user=cast.director.user, pk=job.pk) == job
    for member in (cast.rep_a2, cast.lead_a, cast.head):
        with pytest.raises(Http404):
            selectors.import_job_get_for_user(user=member.user, pk=job.pk)
    assert list(selectors.import_jobs_for(cast.rep_a2.user)) == []


def test_mapping_is_checked(cast):
    job = upload(cast.rep_a, "customers", [["名称", "电话"], ["甲", "1"]])
    with pytest.raises(ApplicationError) as exc:
        services.import_job_set_mapping(actor=cast.rep_a.user, job=job, mapping={"0": "phone", "1": "phone"})
    assert set(exc.value.fields) == {"1", "name"}
    with pytest.raises(ApplicationError):
        services.import_job_set_mapping(actor=cast.rep_a.user, job=job, mapping={"0": "name", "7": "email"})
    with pytest.raises(ApplicationError):
        services.import_job_set_mapping(actor=cast.rep_a.user, job=job, mapping={"0": "password"})


def test_import_needs_the_dry_run_first_and_runs_once(cast):
    job = upload(cast.rep_a, "customers", [["名称"], ["甲公司"]])
    services.import_job_set_mapping(actor=cast.rep_a.user, job=job, mapping=job.mapping)
    with pytest.raises(ApplicationError) as exc:
        services.import_job_prepare_run(actor=cast.rep_a.user, job=job)
    assert exc.value.code == "not_checked"
    job = run(cast.rep_a, check(cast.rep_a, job))
    with pytest.raises(ApplicationError) as exc:
        check(cast.rep_a, job)
    assert exc.value.code == "finished"


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "invalid"), (b"\n\n", "no_header"), ("名称\n".encode(), "no_rows")],
)
def test_bad_files(cast, content, code):
    with pytest.raises(ApplicationError) as exc:
        upload(cast.rep_a, "customers", None, content=content)
    assert exc.value.code == code


def test_xlsx_upload_imports(cast):
    from salescore.imports.tests.helpers import xlsx_bytes

    content = xlsx_bytes([["Name", "Phone", "Tier"], ["Alpha Ltd", 13912345678, "A"]])
    job = upload(cast.rep_a, "customers", None, name="book.xlsx", content=content)
    assert job.file_format == "xlsx"
    job = run(cast.rep_a, check(cast.rep_a, job))
    customer = Customer.objects.get()
    assert (customer.name, customer.phone, customer.tier) == ("Alpha Ltd", "13912345678", "A")


def test_the_documented_sample_has_exactly_its_one_bad_row(cast):
    from pathlib import Path

    from django.conf import settings

    content = (Path(settings.BASE_DIR) / "docs" / "samples" / "customers.csv").read_bytes()
    job = check(cast.rep_a, upload(cast.rep_a, "customers", None, content=content))
    assert (job.created_count, job.error_count) == (2, 1)
    assert [(r, f) for r, f, _ in issues(job)] == [(4, "region")]


def test_the_file_is_written_once_and_never_read_back_to_change_the_state(cast):
    """Mapping, the dry run and the import save the job's state, not its file (5 MB for
    20,000 rows, which each save wrote again)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [HEADER, ["一号机械有限公司", credit_code(1), "A", ""], ["二号机械有限公司", "", "B", ""]]
    job = upload(cast.rep_a, "customers", rows)
    content = bytes(job.content)
    with CaptureQueriesContext(connection) as captured:
        job = run(cast.rep_a, check(cast.rep_a, job))
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 2)
    job_writes = [q["sql"] for q in captured if q["sql"].startswith('UPDATE "imports_importjob"')]
    assert len(job_writes) >= 5
    assert not any('"content"' in sql for sql in job_writes)
    assert bytes(ImportJob.objects.get(pk=job.pk).content) == content
