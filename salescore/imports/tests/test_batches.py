"""Customers are imported in batches (create_many): the outcome of every row is the one row by row
would give, duplicates within the file included, within a batch and across batches."""

from __future__ import annotations

import pytest

from salescore.customers.models import Customer
from salescore.imports import engine
from salescore.imports.tests.helpers import check, credit_code, issues, run, upload

HEADER = ["客户名称", "统一社会信用代码", "等级", "电话"]


def _rows():
    return [
        HEADER,
        ["一号有限公司", credit_code(1), "Z", ""],  # row 2: no tier Z, so it is not written
        ["二号有限公司", credit_code(1), "A", ""],  # row 3: same code as row 2, which failed: written
        ["三号有限公司", credit_code(1), "B", ""],  # row 4: same code as row 3: refused
        ["四号有限公司", credit_code(4), "B", "0571-88880004"],  # row 5
        ["五号有限公司", credit_code(5), "C", "0571 8888 0004"],  # row 6: same phone as row 5
        ["六号有限公司", credit_code(6), "C", ""],  # row 7
    ]


@pytest.mark.parametrize("batch_size", [500, 2])
def test_duplicates_within_the_file_as_row_by_row(cast, monkeypatch, batch_size):
    monkeypatch.setattr(engine, "BATCH_SIZE", batch_size)
    job = check(cast.rep_a, upload(cast.rep_a, "customers", _rows()))
    expected = {(2, "tier"), (4, "credit_code"), (6, "phone")}
    assert {(row, field) for row, field, _reason in issues(job)} == expected
    reasons = {row: reason for row, _field, reason in issues(job)}
    assert "Row 3 of this file" in reasons[4] and "Row 5 of this file" in reasons[6]
    assert (job.created_count, job.error_count) == (3, 3)
    assert [p["row"] for p in job.preview] == [2, 3, 4, 5, 6, 7]
    assert [p["outcome"] for p in job.preview] == ["error", "created", "error", "created", "error", "created"]
    assert not Customer.objects.exists()

    job = run(cast.rep_a, job, error_policy="skip_bad_rows")
    assert (job.created_count, job.error_count) == (3, 3)
    assert {(row, field) for row, field, _reason in issues(job)} == expected
    assert sorted(Customer.objects.values_list("name", flat=True)) == [
        "二号有限公司",
        "六号有限公司",
        "四号有限公司",
    ]


def test_the_dry_run_finds_what_the_import_meets(cast):
    """The dry run writes nothing, yet a row that repeats a customer already in the database, or
    one the importer may not give customers to, is refused by both in the same words."""
    from salescore.pipeline.tests.factories import make_customer

    make_customer(cast.rep_b, credit_code=credit_code(5))
    rows = [HEADER + ["负责人"], ["甲有限公司", credit_code(5), "A", "", ""]]
    rows += [["乙有限公司", credit_code(8), "A", "", cast.rep_b.person.employee_no]]
    rows += [["丙有限公司", credit_code(9), "A", "", ""]]
    checked = check(cast.rep_a, upload(cast.rep_a, "customers", rows))
    found = issues(checked) + issues(checked, level="skipped")
    done = run(cast.rep_a, checked, error_policy="skip_bad_rows")
    assert issues(done) + issues(done, level="skipped") == found
    assert [(row, field) for row, field, _reason in found] == [(3, "owner"), (2, "credit_code")]
    assert (checked.created_count, checked.skipped_count, checked.error_count) == (1, 1, 1)
    assert (done.created_count, done.skipped_count, done.error_count) == (1, 1, 1)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_column_checks_report_what_field_by_field_checks_report(cast, monkeypatch, language):
    """A file of good and bad e-mails, codes, phones, lengths and choices: the dry run's issues
    (row, field, reason) and outcomes are the same when every field goes through Field.clean."""
    from django.utils import translation

    from salescore.core import services as core_services

    header = ["客户名称", "统一社会信用代码", "等级", "电话", "邮箱", "地址"]
    rows = [header]
    for n in range(40):
        good = [
            f"{n}号有限公司",
            credit_code(100 + n),
            "ABC"[n % 3],
            f"0571-8{n:07d}",
            f"u{n}@例子.中国",
            "杭州",
        ]
        bad = {
            0: ["坏邮箱有限公司", "", "A", "", "not an email", ""],
            1: ["长名" * 101, credit_code(900), "A", "1" * 33, "用户@example.com", "地" * 301],
            2: ["错码有限公司", "91330100MA2A000019", "B", "", '"quoted"@example.com', ""],
            3: ["空格有限公司", " " + credit_code(901).lower(), "c", "", "a@b", ""],
        }.get(n % 7)
        rows.append(bad or good)
    with translation.override(language):
        job = check(cast.rep_a, upload(cast.rep_a, "customers", rows))
        found = (issues(job), [(p["row"], p["outcome"]) for p in job.preview], job.error_count)
        monkeypatch.setattr(
            core_services, "_unsure_rows", lambda field, column, memo: list(range(len(column)))
        )
        job = check(cast.rep_a, upload(cast.rep_a, "customers", rows))
        by_fields = (issues(job), [(p["row"], p["outcome"]) for p in job.preview], job.error_count)
    assert found == by_fields
    assert (job.created_count, job.error_count) == (16, 24) and len(issues(job)) > 24


def test_the_objects_set_aside_for_a_run_are_handed_back(cast, monkeypatch):
    """The run keeps the garbage collector off the objects older than it (gc.freeze), and gives
    them back when it ends, whether it ends well or not."""
    import gc

    from salescore.customers.importers import CustomerImporter

    frozen = []
    parse = CustomerImporter.parse

    def watched(self, values, **kwargs):
        frozen.append(gc.get_freeze_count())
        return parse(self, values, **kwargs)

    monkeypatch.setattr(CustomerImporter, "parse", watched)
    job = check(cast.rep_a, upload(cast.rep_a, "customers", _rows()))
    assert job.error_count == 3 and frozen and min(frozen) > 0
    assert gc.get_freeze_count() == 0

    def broken(self, values, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(CustomerImporter, "parse", broken)
    job = check(cast.rep_a, job)
    assert job.status == "failed" and gc.get_freeze_count() == 0


def test_a_dry_run_costs_the_same_queries_a_batch_whatever_its_size(cast, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(batch_size: int, count: int) -> int:
        monkeypatch.setattr(engine, "BATCH_SIZE", batch_size)
        rows = [HEADER] + [[f"{n}号有限公司", credit_code(n), "A", f"0571-8{n:07d}"] for n in range(count)]
        job = upload(cast.rep_a, "customers", rows)
        with CaptureQueriesContext(connection) as captured:
            job = check(cast.rep_a, job)
        assert (job.created_count, job.error_count) == (count, 0)
        return len(captured)

    queries(10, 10)  # warm the caches (content types, the actor's access)
    assert queries(10, 40) == queries(20, 80)  # four batches each
    # A batch: its savepoint (opened, rolled back, released), the importer's own person (the
    # rows name no owner), the owners' scope, the duplicates, the job's counts.
    assert queries(10, 80) - queries(10, 40) == 4 * 7
