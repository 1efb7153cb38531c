"""The import engine: read a CSV or XLSX file, guess which column is which field, and run every row
through the domain's importer, in batches, with its errors kept per row and column.

A dry run is the real import rolled back: each batch runs the domain's own create services inside a
transaction that is then undone, so the check applies exactly the rules a real import meets
(duplicates, scope, formats), and nothing is written. An importer that writes batches
(``create_many``, customers) checks a whole batch with set-based lookups before writing any of it,
so its dry run stops there instead of writing and undoing. Duplicates within the file are caught here,
by the keys each importer names, because a batch cannot see the rows of a batch already undone.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from salescore.core.errors import ApplicationError
from salescore.core.permissions import require
from salescore.core.services import from_validation_error
from salescore.imports import registry
from salescore.imports.models import MAX_ROWS, ImportIssue, ImportJob
from salescore.imports.registry import Importer, RowError, header_key

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
PREVIEW_ROWS = 10
MAX_STORED_ISSUES = 5000

# -- reading files ------------------------------------------------------------------------------


def detect_format(file_name: str, content: bytes) -> str:
    name = (file_name or "").lower()
    if content[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        return ImportJob.Format.XLSX
    if name.endswith(".xls") or content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ApplicationError(
            _("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV and upload that."),
            code="unsupported_format",
            fields={"file": _("Use .xlsx or .csv.")},
        )
    return ImportJob.Format.CSV


def decode(content: bytes) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with or without BOM), else GBK.

    Excel in a Chinese locale saves "CSV" as GBK; GB18030 is its superset, so read with that.
    """
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "gbk"
    except UnicodeDecodeError:
        raise ApplicationError(
            _("The file is neither UTF-8 nor GBK text: save it as CSV (UTF-8) or .xlsx."),
            code="unreadable",
            fields={"file": _("Unknown text encoding.")},
        ) from None


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _cell(value) -> str:
    if type(value) is str:  # most cells: no other test applies
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        # Excel keeps a phone number typed as a number as 13912345678.0.
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_table(content: bytes, file_format: str) -> Iterator[list[str]]:
    """Every row of the file (header rows included) as a list of stripped strings."""
    if file_format == ImportJob.Format.XLSX:
        yield from _read_xlsx(content)
        return
    text, _encoding = decode(content)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)):
        yield [cell.strip() for cell in row]


def _read_xlsx(content: bytes) -> Iterator[list[str]]:
    """The first sheet's rows, read by calamine (Rust): about fifteen times faster than openpyxl's
    read-only mode, which made reading a 50,000-row sheet take longer than checking its rows. The
    sheet is held in memory while it is read; MAX_FILE_BYTES bounds it (decision 0011)."""
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception:  # calamine raises several kinds for a damaged or foreign file
        raise ApplicationError(
            _("The file cannot be read as an Excel workbook (.xlsx)."),
            code="unreadable",
            fields={"file": _("Damaged or not an .xlsx file.")},
        ) from None
    for row in rows:
        yield [_cell(value) for value in row]


def _blank(row: list[str]) -> bool:
    return not any(row)


def read_headers(content: bytes, file_format: str, header_row: int) -> list[str]:
    for number, row in enumerate(read_table(content, file_format), start=1):
        if number == header_row:
            while row and not row[-1]:
                row = row[:-1]
            return row
    return []


def data_rows(job: ImportJob) -> Iterator[tuple[int, list[str]]]:
    """(row number as the spreadsheet shows it, cells) for every non-blank row below the header."""
    for number, row in enumerate(read_table(bytes(job.content), job.file_format), start=1):
        if number > job.header_row and not _blank(row):
            yield number, row


def count_rows(content: bytes, file_format: str, header_row: int) -> int:
    count = 0
    for number, row in enumerate(read_table(content, file_format), start=1):
        if number > header_row and not _blank(row):
            count += 1
            if count > MAX_ROWS:
                raise ApplicationError(
                    _("The file has more than %(max)s rows: split it into smaller files.")
                    % {"max": MAX_ROWS},
                    code="too_many_rows",
                    fields={"file": _("Too many rows.")},
                )
    return count


# -- the column mapping -------------------------------------------------------------------------


def _aliases(importer: Importer) -> dict[str, str]:
    found: dict[str, str] = {}
    for column in importer.columns:
        texts = [column.name, *column.aliases]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                texts.append(str(column.label))
        for text in texts:
            found.setdefault(header_key(text), column.name)
    return found


def guess_mapping(headers: list[str], importer: Importer) -> dict[str, str]:
    """{column index: field} from the header texts, in Chinese or English; each field once."""
    aliases = _aliases(importer)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        key = header_key(header)
        name = aliases.get(key)
        if name is None and key:
            # "客户名称（必填）", "Email address": a known header at the start of the text.
            matches = [n for alias, n in aliases.items() if len(alias) >= 2 and key.startswith(alias)]
            name = matches[0] if matches else None
        if name and name not in used:
            mapping[str(index)] = name
            used.add(name)
    return mapping


# -- running the rows -------------------------------------------------------------------------


class Outcome:
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass
class _Run:
    job: ImportJob
    importer: Importer
    actor: object
    dry_run: bool
    context: dict
    mapping: dict[int, str]
    processed: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    stored_issues: int = 0
    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    pending: list[ImportIssue] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)

    def column_of(self, name: str) -> str:
        for index, mapped in self.mapping.items():
            if mapped == name and index < len(self.job.headers):
                return self.job.headers[index]
        column = self.importer.column(name)
        return str(column.label) if column else ""

    def issue(self, row: int, name: str, reason: str, level: str = ImportIssue.Level.ERROR) -> None:
        if self.stored_issues >= MAX_STORED_ISSUES:
            return
        self.stored_issues += 1
        self.pending.append(
            ImportIssue(
                job=self.job,
                row=row,
                column=self.column_of(name)[:200] if name and name != "__all__" else "",
                field=(name or "")[:40],
                reason=str(reason)[:500],
                level=level,
            )
        )


def _error_from(run: _Run, row: int, exc: ApplicationError) -> None:
    fields = {k: str(v) for k, v in (exc.fields or {}).items()}
    if not fields:
        run.issue(row, "", exc.message)
    elif len(fields) == 1:
        ((name, text),) = fields.items()
        reason = exc.message if text in exc.message else f"{exc.message} {text}"
        run.issue(row, name, reason)
    else:
        for name, text in fields.items():
            run.issue(row, name, text)


def _write(run: _Run, row: int, data: dict) -> str:
    """Create the row's record through the domain service; a duplicate is skipped or updated."""
    try:
        with transaction.atomic():
            run.importer.create(data, actor=run.actor)
        return Outcome.CREATED
    except (ApplicationError, ValidationError, Http404, IntegrityError) as exc:
        return _refused(run, row, data, exc)


def _refused(run: _Run, row: int, data: dict, exc: Exception) -> str:
    """The service refused the row: record why, or skip or update it when it is a duplicate."""
    if isinstance(exc, ValidationError):
        exc = from_validation_error(exc)
    if isinstance(exc, Http404):
        run.issue(row, "", _("A record this row refers to is not one you may change."))
        return Outcome.ERROR
    if isinstance(exc, IntegrityError):
        run.issue(row, "", _("Someone saved the same record at the same moment: check the row again."))
        return Outcome.ERROR
    if exc.code != "duplicate":
        _error_from(run, row, exc)
        return Outcome.ERROR
    duplicate = exc
    importer = run.importer
    name = next(iter(duplicate.fields), "")
    if run.job.duplicate_policy != ImportJob.DuplicatePolicy.UPDATE or not importer.can_update:
        run.issue(row, name, duplicate.message, level=ImportIssue.Level.SKIPPED)
        return Outcome.SKIPPED
    try:
        with transaction.atomic():
            importer.update(data, actor=run.actor, duplicate=duplicate)
        return Outcome.UPDATED
    except ApplicationError as exc:
        _error_from(run, row, exc)
    except Http404:
        run.issue(
            row,
            name,
            _("%(message)s It is not one of your records, so it cannot be updated.")
            % {"message": duplicate.message},
        )
    return Outcome.ERROR


def _values(run: _Run, cells: list[str]) -> dict[str, str]:
    return {name: (cells[index] if index < len(cells) else "") for index, name in run.mapping.items()}


def _parse(run: _Run, row: int, values: dict[str, str]) -> dict | None:
    """The row's data, or None when a field cannot be read (the problems are recorded)."""
    try:
        return run.importer.parse(values, actor=run.actor, context=run.context)
    except RowError as exc:
        for name, reason in exc.problems.items():
            run.issue(row, name, reason)
        return None


def _repeats(run: _Run, row: int, keys: list[tuple[str, str]]) -> bool:
    """Whether an earlier row of the file, already written, has one of the row's keys."""
    if run.seen.keys().isdisjoint(keys):  # most rows: one call
        return False
    earlier = next(((name, run.seen[(name, key)]) for name, key in keys if (name, key) in run.seen), None)
    if earlier is None:
        return False
    name, first_row = earlier
    run.issue(
        row,
        name,
        _("Row %(row)s of this file has the same %(column)s.")
        % {"row": first_row, "column": run.column_of(name)},
    )
    return True


def _done(run: _Run, row: int, values: dict, data: dict | None, keys, outcome: str) -> None:
    """Count the row's outcome, remember its keys when it was written, keep it for the preview."""
    if outcome != Outcome.ERROR:
        for key in keys:
            run.seen.setdefault(key, row)
    run.processed += 1
    if outcome == Outcome.CREATED:
        run.created += 1
    elif outcome == Outcome.UPDATED:
        run.updated += 1
    elif outcome == Outcome.SKIPPED:
        run.skipped += 1
    else:
        run.errors += 1
    if len(run.preview) < PREVIEW_ROWS or row < run.preview[-1]["row"]:
        shown = run.importer.preview(data) if data else {}
        fields = _ordered_fields(run.importer, run.mapping)
        run.preview.append(
            {
                "row": row,
                "outcome": outcome,
                "values": [shown.get(name, values.get(name, "")) for name in fields],
            }
        )
        # Rows held back in a batch (see _many) come after later rows: keep the first ones.
        run.preview.sort(key=lambda shown_row: shown_row["row"])
        del run.preview[PREVIEW_ROWS:]


def _one(run: _Run, row: int, values: dict[str, str]) -> None:
    data = _parse(run, row, values)
    keys = run.importer.identity(data) if data is not None else []
    outcome = Outcome.ERROR
    if data is not None and not _repeats(run, row, keys):
        outcome = _write(run, row, data)
    _done(run, row, values, data, keys, outcome)


def _many(run: _Run, batch: list[tuple[int, dict[str, str]]]) -> None:
    """A batch through the importer's create_many: read every row, write the readable ones at once.

    The outcome is the one row by row would give. A row whose key (credit code, phone...) an
    earlier row of the same batch also has waits until that row is written or refused, then goes
    through _one: it repeats a row of the file only if that row was written.
    """
    ready: list[tuple[int, dict, dict, list]] = []
    held: list[tuple[int, dict[str, str]]] = []
    claimed: set[tuple[str, str]] = set()
    for row, values in batch:
        data = _parse(run, row, values)
        keys = run.importer.identity(data) if data is not None else []
        if data is None or _repeats(run, row, keys):
            _done(run, row, values, data, keys, Outcome.ERROR)
        elif claimed.intersection(keys):
            held.append((row, values))
        else:
            claimed.update(keys)
            ready.append((row, values, data, keys))
    if ready:
        results = run.importer.create_many(
            [data for _row, _values, data, _keys in ready], actor=run.actor, check=run.dry_run
        )
        for (row, values, data, keys), result in zip(ready, results, strict=True):
            outcome = _refused(run, row, data, result) if isinstance(result, Exception) else Outcome.CREATED
            _done(run, row, values, data, keys, outcome)
    for row, values in held:
        _one(run, row, values)


def _rows(run: _Run, batch: list[tuple[int, list[str]]]) -> None:
    read = [(row, _values(run, cells)) for row, cells in batch]
    run.importer.prepare([values for _row, values in read], actor=run.actor, context=run.context)
    if run.importer.writes_many:
        _many(run, read)
    else:
        for row, values in read:
            _one(run, row, values)


def _ordered_fields(importer: Importer, mapping: dict[int, str]) -> list[str]:
    chosen = set(mapping.values())
    return [column.name for column in importer.columns if column.name in chosen]


def preview_columns(job: ImportJob) -> list[str]:
    importer = registry.get(job.kind)
    mapping = {int(k): v for k, v in job.mapping.items() if v}
    return [str(importer.column(name).label) for name in _ordered_fields(importer, mapping)]


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def progress_key(job: ImportJob) -> str:
    # The upload time too: SQLite may give a deleted job's id to the next one.
    return f"imports:job:{job.pk}:{job.created_at.timestamp()}:processed"


def processed_rows(job: ImportJob) -> int:
    """How far a running job is. Within one all-or-nothing transaction the job row cannot show it
    to other connections, so the engine also leaves the number in the cache."""
    live = cache.get(progress_key(job)) if job.is_busy else None
    return max(job.processed_rows, live or 0)


def _flush(run: _Run, *, counts: bool) -> None:
    """Store the batch's problems and, outside a transaction, the counts so far."""
    cache.set(progress_key(run.job), run.processed, 3600)
    if counts:
        if run.pending:
            ImportIssue.objects.bulk_create(run.pending)
            run.pending = []
        ImportJob.objects.filter(pk=run.job.pk).update(
            processed_rows=run.processed,
            created_count=run.created,
            updated_count=run.updated,
            skipped_count=run.skipped,
            error_count=run.errors,
        )


@contextmanager
def _older_objects_set_aside() -> Iterator[None]:
    """Keep the cyclic garbage collector off the objects that existed before the import.

    An import makes and drops millions of objects, so the collector runs a full pass every
    10,000 rows or so, and a full pass walks every object of the process (Django, the
    application, the worker's own): about 40 ms each time, 4 us a row, more in a process that
    holds more. ``gc.freeze`` moves the objects alive now out of the collector's sight, and
    ``gc.unfreeze`` hands them back at the end, so garbage among them is collected then. The
    import's own objects are collected as usual meanwhile."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def process(job: ImportJob, *, actor, dry_run: bool) -> _Run:
    """Run every row of the job. ``dry_run``: nothing stays written. Otherwise all or nothing
    (one transaction, undone if any row fails) or skip bad rows (batches of savepoints)."""
    with _older_objects_set_aside():
        return _process(job, actor=actor, dry_run=dry_run)


def _process(job: ImportJob, *, actor, dry_run: bool) -> _Run:
    importer = registry.get(job.kind)
    require(actor, importer.capability)
    run = _Run(
        job=job,
        importer=importer,
        actor=actor,
        dry_run=dry_run,
        context=importer.context(actor),
        mapping={int(k): v for k, v in job.mapping.items() if v},
    )
    ImportIssue.objects.filter(job=job).delete()
    one_transaction = not dry_run and job.error_policy == ImportJob.ErrorPolicy.ALL_OR_NOTHING
    if one_transaction:
        with transaction.atomic():
            for batch in _batches(data_rows(job), BATCH_SIZE):
                _rows(run, batch)
                _flush(run, counts=False)
            if run.errors:
                transaction.set_rollback(True)
        if run.errors:
            run.created = run.updated = 0
        _flush(run, counts=True)
    else:
        for batch in _batches(data_rows(job), BATCH_SIZE):
            with transaction.atomic():
                _rows(run, batch)
                if dry_run:
                    transaction.set_rollback(True)
            _flush(run, counts=True)
    return run
