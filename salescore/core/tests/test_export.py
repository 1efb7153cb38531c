"""The shared exporter: CSV with a BOM, XLSX in chunks, formulas neutralised."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from salescore.core.export import export_response


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_csv_has_a_bom_and_neutralises_formulas():
    response = export_response(
        header=["名称", "金额"],
        rows=iter([["甲公司", Decimal("12.50")], ["=HYPERLINK(1)", "+86 139 0000 0000"], ["-SUM(A1)", None]]),
        name="things",
    )
    assert response["Content-Type"].startswith("text/csv")
    assert (
        'filename="things-' in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    )
    body = _body(response)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines == ["名称,金额", "甲公司,12.50", "'=HYPERLINK(1),+86 139 0000 0000", "'-SUM(A1),"]


def test_xlsx_keeps_text_as_text_and_numbers_as_numbers():
    when = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
    response = export_response(
        header=["名称", "数量", "时间", "日期"],
        rows=([f"公司{n}", n, when, dt.date(2026, 3, 1)] for n in range(3)),
        name="things",
        file_format="xlsx",
    )
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response2 = export_response(header=["x"], rows=[["=1+1"], ["bad\x01char"]], name="t", file_format="xlsx")
    sheet = load_workbook(io.BytesIO(_body(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("名称", "数量", "时间", "日期")
    assert rows[1] == ("公司0", 0, "2026-03-01 16:30", "2026-03-01")
    assert len(rows) == 4
    sheet2 = load_workbook(io.BytesIO(_body(response2))).active
    assert [c.value for c in sheet2["A"]] == ["x", "=1+1", "badchar"]
    assert sheet2["A2"].data_type == "s"
