"""Building files and running jobs in tests."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from salescore.customers.identity import credit_code_check_char
from salescore.imports import services, tasks
from salescore.imports.models import ImportJob


def credit_code(n: int) -> str:
    first = f"91330100MA2A{n:05d}"
    return first + credit_code_check_char(first)


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(member, kind: str, rows, *, name: str = "data.csv", content: bytes | None = None) -> ImportJob:
    content = content if content is not None else csv_bytes(rows)
    return services.import_job_create(actor=member.user, kind=kind, file_name=name, content=content)


def check(member, job: ImportJob, **policies) -> ImportJob:
    """Map as guessed, then the dry run (the task run with apply(), as Celery would)."""
    if job.status == ImportJob.Status.UPLOADED:
        services.import_job_set_mapping(actor=member.user, job=job, mapping=job.mapping)
    services.import_job_prepare_check(actor=member.user, job=job, **policies)
    tasks.import_check.apply(args=[job.pk])
    job.refresh_from_db()
    return job


def run(member, job: ImportJob, **policies) -> ImportJob:
    services.import_job_prepare_run(actor=member.user, job=job, **policies)
    tasks.import_run.apply(args=[job.pk])
    job.refresh_from_db()
    return job


def issues(job: ImportJob, level: str = "error") -> list[tuple[int, str, str]]:
    return [(i.row, i.field, i.reason) for i in job.issues.filter(level=level).order_by("row", "id")]
