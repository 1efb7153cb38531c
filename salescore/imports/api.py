"""REST endpoints for imports (R3.2): upload a file, map its columns, check it (dry run), import
it, follow its progress. Thin: parse, call the service or selector, start the task, shape.

A job is seen by the person who uploaded it (and by those who see everything); anyone else gets 404.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from salescore.core.api import ErrorOut, Pagination, paginate
from salescore.imports import engine, selectors, services, tasks
from salescore.imports.models import MAX_FILE_BYTES, ImportJob

router = Router(tags=["imports"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class JobOut(Schema):
    id: int
    kind: ImportJob.Kind
    status: ImportJob.Status
    file_name: str
    file_format: ImportJob.Format
    encoding: str
    header_row: int
    headers: list[str]
    mapping: dict[str, str] = Field(..., description='{"<column index>": "<field>"}')
    duplicate_policy: ImportJob.DuplicatePolicy
    error_policy: ImportJob.ErrorPolicy
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    skipped_count: int
    error_count: int
    message: str
    created_at: dt.datetime
    validated_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_processed_rows(obj: ImportJob) -> int:
        return engine.processed_rows(obj)


class IssueOut(Schema):
    row: int
    column: str
    field: str
    reason: str
    level: str


class MappingIn(Schema):
    mapping: dict[str, str] = Field(..., description='{"<column index>": "<field>"}; others are ignored')


class PoliciesIn(Schema):
    duplicate_policy: ImportJob.DuplicatePolicy | None = None
    error_policy: ImportJob.ErrorPolicy | None = None


def _job(request, job_id: int) -> ImportJob:
    return selectors.import_job_get_for_user(user=request.auth, pk=job_id)


@router.get("/imports", response={200: list[JobOut], **ERRORS}, summary="Your imports, newest first")
@paginate(Pagination)
def list_jobs(request):
    return selectors.import_jobs_for(request.auth)


@router.post(
    "/imports",
    response={201: JobOut, **ERRORS},
    summary="Upload a CSV or XLSX file (multipart): the header row is read and the mapping guessed",
)
def create_job(
    request,
    kind: Form[ImportJob.Kind],
    file: File[UploadedFile],
    header_row: Form[int] = 1,
):
    job = services.import_job_create(
        actor=request.auth,
        kind=kind,
        file_name=file.name or "upload",
        content=file.read(MAX_FILE_BYTES + 1),
        header_row=header_row,
    )
    return Status(201, job)


@router.get("/imports/{job_id}", response={200: JobOut, **ERRORS}, summary="One import and its progress")
def get_job(request, job_id: int):
    return _job(request, job_id)


@router.put("/imports/{job_id}/mapping", response={200: JobOut, **ERRORS}, summary="Set the column mapping")
def set_mapping(request, job_id: int, payload: MappingIn):
    return services.import_job_set_mapping(
        actor=request.auth, job=_job(request, job_id), mapping=payload.mapping
    )


@router.post(
    "/imports/{job_id}/validate",
    response={202: JobOut, **ERRORS},
    summary="Dry run: check every row, save nothing; poll the job, then read its errors",
)
def validate_job(request, job_id: int, payload: PoliciesIn | None = None):
    job = services.import_job_prepare_check(
        actor=request.auth, job=_job(request, job_id), **_policies(payload)
    )
    tasks.enqueue(tasks.import_check, job.pk)
    job.refresh_from_db()
    return Status(202, job)


@router.post(
    "/imports/{job_id}/commit",
    response={202: JobOut, **ERRORS},
    summary="Import after the dry run: all or nothing, or skip bad rows; poll the job for progress",
)
def commit_job(request, job_id: int, payload: PoliciesIn | None = None):
    job = services.import_job_prepare_run(actor=request.auth, job=_job(request, job_id), **_policies(payload))
    tasks.enqueue(tasks.import_run, job.pk)
    job.refresh_from_db()
    return Status(202, job)


@router.get(
    "/imports/{job_id}/errors",
    response={200: list[IssueOut], **ERRORS},
    summary="Problems of the last check or import by row: errors and skipped duplicates",
)
@paginate(Pagination)
def list_errors(request, job_id: int):
    return selectors.import_issues(_job(request, job_id))


@router.delete("/imports/{job_id}", response={204: None, **ERRORS})
def delete_job(request, job_id: int):
    services.import_job_delete(actor=request.auth, job=_job(request, job_id))
    return Status(204, None)


def _policies(payload: PoliciesIn | None) -> dict:
    if payload is None:
        return {}
    return {k: (v.value if v is not None else None) for k, v in payload.dict().items()}
