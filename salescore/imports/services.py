"""Every write to import jobs: upload, map the columns, check (dry run), import.

The rows themselves are written by the domains' own services (through ``engine``), with the
importing user as the actor, so every created record has its normal audit row.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salescore.accounts.models import User
from salescore.core.errors import ApplicationError
from salescore.core.permissions import require
from salescore.imports import engine, registry
from salescore.imports.models import MAX_FILE_BYTES, ImportIssue, ImportJob

logger = logging.getLogger(__name__)

COUNTS = ("processed_rows", "created_count", "updated_count", "skipped_count", "error_count")
# Every field of a job but the uploaded file, which import_job_create writes once and nothing
# changes: saving or reloading it with each change of state cost about 0.2 s per 5 MB file.
STATE_FIELDS = tuple(f.attname for f in ImportJob._meta.concrete_fields if f.name not in ("id", "content"))


def _save(job: ImportJob) -> None:
    """Save the job's state (not its file; nor a field that was never loaded, as save() does)."""
    deferred = job.get_deferred_fields()
    job.save(update_fields=[name for name in STATE_FIELDS if name not in deferred])


def _importer(kind: str) -> registry.Importer:
    try:
        return registry.get(kind)
    except KeyError:
        raise ApplicationError(
            _("Choose what the file holds: customers, contacts or leads."),
            code="invalid",
            fields={"kind": _("Choose one of: %(values)s.") % {"values": ", ".join(registry.REGISTRY)}},
        ) from None


def import_job_create(
    *, actor: User, kind: str, file_name: str, content: bytes, header_row: int = 1
) -> ImportJob:
    """Keep the uploaded file, read its header row and guess the column mapping."""
    importer = _importer(kind)
    require(actor, importer.capability)
    if not content:
        raise ApplicationError(
            _("The file is empty."), code="invalid", fields={"file": _("Choose a file with rows.")}
        )
    if len(content) > MAX_FILE_BYTES:
        raise ApplicationError(
            _("The file is larger than %(mb)s MB: split it into smaller files.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
            code="too_large",
            fields={"file": _("File too large.")},
        )
    if not 1 <= header_row <= 100:
        raise ApplicationError(
            _("The header row must be between 1 and 100."),
            code="invalid",
            fields={"header_row": _("Use 1 to 100.")},
        )
    file_format = engine.detect_format(file_name, content)
    encoding = engine.decode(content)[1] if file_format == ImportJob.Format.CSV else ""
    headers = engine.read_headers(content, file_format, header_row)
    if not any(headers):
        raise ApplicationError(
            _("Row %(row)s of the file is empty: it should hold the column names.") % {"row": header_row},
            code="no_header",
            fields={"header_row": _("No column names in this row.")},
        )
    total = engine.count_rows(content, file_format, header_row)
    if total == 0:
        raise ApplicationError(
            _("The file has column names but no rows below them."),
            code="no_rows",
            fields={"file": _("No rows to import.")},
        )
    return ImportJob.objects.create(
        kind=kind,
        file_name=(file_name or "upload")[:255],
        file_format=file_format,
        content=content,
        encoding=encoding,
        header_row=header_row,
        headers=headers,
        mapping=engine.guess_mapping(headers, importer),
        total_rows=total,
        created_by=actor,
    )


def _check_idle(job: ImportJob) -> None:
    if job.is_busy:
        raise ApplicationError(_("This import is still running."), code="busy", status=409)
    if job.status == ImportJob.Status.DONE or (job.status == ImportJob.Status.FAILED and job.started_at):
        raise ApplicationError(
            _("This file has been imported already: upload it again to import it once more."),
            code="finished",
            status=409,
        )


def _reset(job: ImportJob) -> None:
    for name in COUNTS:
        setattr(job, name, 0)
    job.preview = []
    job.message = ""
    ImportIssue.objects.filter(job=job).delete()
    cache.delete(engine.progress_key(job))


@transaction.atomic
def import_job_set_mapping(*, actor: User, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Which column holds which field. Unmapped columns are left out; each field at most once."""
    _check_idle(job)
    importer = _importer(job.kind)
    require(actor, importer.capability)
    known = {column.name for column in importer.columns}
    cleaned: dict[str, str] = {}
    problems: dict[str, str] = {}
    for key, name in (mapping or {}).items():
        if not name:
            continue
        try:
            index = int(key)
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(job.headers):
            problems[str(key)] = _("There is no column %(key)s in the file.") % {"key": key}
        elif name not in known:
            problems[str(key)] = _("%(name)s is not a field that can be imported here.") % {"name": name}
        elif name in cleaned.values():
            problems[str(key)] = _("Another column is already %(field)s.") % {
                "field": importer.column(name).label
            }
        else:
            cleaned[str(index)] = name
    missing = [c for c in importer.columns if c.required and c.name not in cleaned.values()]
    for column in missing:
        problems[column.name] = _("Choose the column that holds %(field)s.") % {"field": column.label}
    if problems:
        raise ApplicationError(
            _("Correct the column mapping: %(n)s problem(s).") % {"n": len(problems)},
            code="invalid_mapping",
            fields=problems,
        )
    job.mapping = cleaned
    job.status = ImportJob.Status.MAPPED
    _reset(job)
    _save(job)
    return job


def _set_policies(job: ImportJob, duplicate_policy: str | None, error_policy: str | None) -> None:
    problems = {}
    if duplicate_policy is not None:
        if duplicate_policy not in ImportJob.DuplicatePolicy.values:
            problems["duplicate_policy"] = _("Choose one of: %(values)s.") % {
                "values": ", ".join(ImportJob.DuplicatePolicy.values)
            }
        else:
            job.duplicate_policy = duplicate_policy
    if error_policy is not None:
        if error_policy not in ImportJob.ErrorPolicy.values:
            problems["error_policy"] = _("Choose one of: %(values)s.") % {
                "values": ", ".join(ImportJob.ErrorPolicy.values)
            }
        else:
            job.error_policy = error_policy
    if problems:
        raise ApplicationError(_("Choose how to import."), code="invalid", fields=problems)


def _check_mapped(job: ImportJob) -> None:
    if job.status == ImportJob.Status.UPLOADED or not job.mapping:
        raise ApplicationError(
            _("Map the columns first."), code="not_mapped", fields={"mapping": _("Not mapped yet.")}
        )


def import_job_prepare_check(
    *, actor: User, job: ImportJob, duplicate_policy: str | None = None, error_policy: str | None = None
) -> ImportJob:
    """Mark the job as being checked (the check itself runs as a task: import_job_check)."""
    _check_idle(job)
    require(actor, _importer(job.kind).capability)
    _check_mapped(job)
    _set_policies(job, duplicate_policy, error_policy)
    _reset(job)
    job.status = ImportJob.Status.VALIDATING
    _save(job)
    return job


def import_job_prepare_run(
    *, actor: User, job: ImportJob, duplicate_policy: str | None = None, error_policy: str | None = None
) -> ImportJob:
    """Mark the job as importing (the import itself runs as a task: import_job_run). The dry run
    comes first, so the person importing has seen what will happen."""
    _check_idle(job)
    require(actor, _importer(job.kind).capability)
    _check_mapped(job)
    if job.status != ImportJob.Status.VALIDATED:
        raise ApplicationError(
            _("Check the file (dry run) before importing it."), code="not_checked", status=409
        )
    _set_policies(job, duplicate_policy, error_policy)
    _reset(job)
    job.status = ImportJob.Status.RUNNING
    job.started_at = timezone.now()
    _save(job)
    return job


def _execute(job_id: int, *, dry_run: bool) -> ImportJob:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    expected = ImportJob.Status.VALIDATING if dry_run else ImportJob.Status.RUNNING
    if job.status != expected:
        return job  # a task delivered twice, or a job reset meanwhile
    actor = job.created_by
    try:
        run = engine.process(job, actor=actor, dry_run=dry_run)
    except ApplicationError as exc:
        job.refresh_from_db(fields=STATE_FIELDS)
        job.status = ImportJob.Status.FAILED if not dry_run else ImportJob.Status.MAPPED
        job.message = exc.message[:500]
        job.finished_at = timezone.now() if not dry_run else None
        _save(job)
        return job
    except Exception:
        logger.exception("import job %s failed", job_id)
        job.refresh_from_db(fields=STATE_FIELDS)
        job.status = ImportJob.Status.FAILED
        job.message = _("Something went wrong on the server. The error has been logged.")
        job.finished_at = timezone.now()
        _save(job)
        return job
    job.refresh_from_db(fields=STATE_FIELDS)
    job.preview = run.preview
    now = timezone.now()
    if dry_run:
        job.status = ImportJob.Status.VALIDATED
        job.validated_at = now
    elif run.errors and job.error_policy == ImportJob.ErrorPolicy.ALL_OR_NOTHING:
        job.status = ImportJob.Status.FAILED
        job.finished_at = now
        job.message = _(
            "Nothing was imported: %(n)s row(s) have errors. Correct them and upload the file again."
        ) % {"n": run.errors}
    else:
        job.status = ImportJob.Status.DONE
        job.finished_at = now
    _save(job)
    return job


def import_job_check(*, job_id: int) -> ImportJob:
    """The dry run: every row through the domain services, then undone."""
    return _execute(job_id, dry_run=True)


def import_job_run(*, job_id: int) -> ImportJob:
    return _execute(job_id, dry_run=False)


@transaction.atomic
def import_job_delete(*, actor: User, job: ImportJob) -> None:
    if job.is_busy:
        raise ApplicationError(_("This import is still running."), code="busy", status=409)
    job.delete()
