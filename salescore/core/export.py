"""Every list export: a header and an iterator of rows, streamed as CSV or XLSX.

CSV is written row by row as the response streams (UTF-8 with a BOM, so Excel opens Chinese text
correctly). XLSX is a zip that can only be finished at the end: openpyxl's write-only workbook
writes the rows to a temporary file as they come, which is then streamed back in chunks. Memory
stays flat either way; pass querysets with ``.iterator(chunk_size=2000)``.

Text that a spreadsheet would run as a formula (=, @, or + and - not followed by a number) is
prefixed with an apostrophe in CSV and stored as plain text in XLSX.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice

from django.http import StreamingHttpResponse
from django.utils import timezone

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CHUNK_BYTES = 64 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_NUMBERISH = re.compile(r"^[+-][\d\s().-]*$")


def labels(choices) -> dict:
    """{value: label} of a field's choices, translated once for a whole export (a model's
    get_FOO_display translates and hashes every label again for every row)."""
    return {value: str(label) for value, label in choices}


def chunked(rows: Iterable, size: int) -> Iterator[list]:
    """``rows`` in lists of ``size`` (the last one shorter), for work done once per chunk."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def export_format(request) -> str:
    """?format=xlsx or csv (the default)."""
    value = (request.GET.get("format") or CSV).lower()
    return value if value in FORMATS else CSV


def _formula_like(text: str) -> bool:
    if not text:
        return False
    if text[0] in "=@\t\r":
        return True
    return text[0] in "+-" and not _NUMBERISH.match(text)


def _text(value) -> str | int | Decimal:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Echo:
    def write(self, value):
        return value


def _csv_chunks(header: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel opens UTF-8 Chinese text correctly
    yield writer.writerow([_text(v) for v in header])
    for row in rows:
        cells = []
        for value in row:
            value = _text(value)
            if isinstance(value, str) and _formula_like(value):
                value = "'" + value
            cells.append(value)
        yield writer.writerow(cells)


def _xlsx_chunks(header: Sequence, rows: Iterable[Sequence], sheet_title: str) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Sheet1")

    def cells(values):
        out = []
        for value in values:
            value = _text(value)
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # never a formula, whatever the text starts with
                out.append(cell)
            else:
                out.append(value)
        return out

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    with tempfile.TemporaryFile() as tmp:
        workbook.save(tmp)
        tmp.seek(0)
        while chunk := tmp.read(CHUNK_BYTES):
            yield chunk


def export_response(
    *, header: Sequence, rows: Iterable[Sequence], name: str, file_format: str = CSV
) -> StreamingHttpResponse:
    """A download of ``rows`` named ``<name>-<local time>.<csv|xlsx>``."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == XLSX:
        response = StreamingHttpResponse(_xlsx_chunks(header, rows, name), content_type=XLSX_TYPE)
    else:
        response = StreamingHttpResponse(_csv_chunks(header, rows), content_type="text/csv; charset=utf-8")
        file_format = CSV
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{file_format}"'
    response["Cache-Control"] = "no-store"
    return response
