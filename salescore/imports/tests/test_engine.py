"""Reading files and guessing columns: CSV in UTF-8, UTF-8 with BOM and GBK; XLSX; headers in
Chinese and English."""

from __future__ import annotations

import datetime as dt

import pytest

from salescore.core.errors import ApplicationError
from salescore.imports import engine, registry
from salescore.imports.tests.helpers import csv_bytes, xlsx_bytes

ROWS = [["客户名称", "统一社会信用代码", "手机"], ["杭州一号机械有限公司", "", "13900000001"]]


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (csv_bytes(ROWS), "utf-8"),
        (csv_bytes(ROWS, bom=True), "utf-8-sig"),
        (csv_bytes(ROWS, encoding="gbk"), "gbk"),
    ],
)
def test_csv_encodings_are_detected(content, encoding):
    text, found = engine.decode(content)
    assert found == encoding
    assert list(engine.read_table(content, "csv")) == ROWS
    assert text.startswith("客户名称")


def test_tab_separated_csv():
    content = "名称\t手机\n甲公司\t139\n".encode()
    assert list(engine.read_table(content, "csv")) == [["名称", "手机"], ["甲公司", "139"]]


def test_unreadable_text_is_refused():
    with pytest.raises(ApplicationError) as exc:
        engine.decode(b"\xff\xfe\x00\x81\x30\xff\xff")
    assert exc.value.code == "unreadable"


def test_xlsx_values_as_text():
    content = xlsx_bytes(
        [
            ["名称", "手机", "日期", "数量"],
            ["甲公司", 13912345678, dt.datetime(2026, 3, 1), 1.5],
            [None, None],
        ]
    )
    assert engine.detect_format("a.xlsx", content) == "xlsx"
    rows = list(engine.read_table(content, "xlsx"))
    assert rows[0] == ["名称", "手机", "日期", "数量"]
    assert rows[1] == ["甲公司", "13912345678", "2026-03-01", "1.5"]


def test_old_excel_is_refused_with_advice():
    with pytest.raises(ApplicationError) as exc:
        engine.detect_format("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest")
    assert exc.value.code == "unsupported_format"


def test_data_rows_skip_blank_rows_and_keep_sheet_row_numbers(db):
    from salescore.imports.models import ImportJob

    content = csv_bytes([["名称"], ["甲"], [""], ["乙"]])
    job = ImportJob(content=content, file_format="csv", header_row=1)
    assert list(engine.data_rows(job)) == [(2, ["甲"]), (4, ["乙"])]
    assert engine.count_rows(content, "csv", 1) == 2


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            [
                "客户名称",
                "统一社会信用代码",
                "行业",
                "规模",
                "等级",
                "省份",
                "来源",
                "负责人",
                "电话",
                "邮箱",
            ],
            [
                "name",
                "credit_code",
                "industry",
                "size",
                "tier",
                "region",
                "source",
                "owner",
                "phone",
                "email",
            ],
        ),
        (
            [
                "Name",
                "Credit code",
                "Industry",
                "Size",
                "Tier",
                "Region",
                "Source",
                "Owner",
                "Phone",
                "Email",
            ],
            [
                "name",
                "credit_code",
                "industry",
                "size",
                "tier",
                "region",
                "source",
                "owner",
                "phone",
                "email",
            ],
        ),
        (["客户名称（必填）", "备注*", "无关列"], ["name", "notes", None]),
    ],
)
def test_guess_customer_columns(headers, expected):
    mapping = engine.guess_mapping(headers, registry.get("customers"))
    assert [mapping.get(str(i)) for i in range(len(headers))] == expected


def test_guess_maps_each_field_once():
    mapping = engine.guess_mapping(["名称", "客户名称"], registry.get("customers"))
    assert mapping == {"0": "name"}


def test_guess_lead_and_contact_columns():
    leads = engine.guess_mapping(["姓名", "公司", "手机", "渠道", "活动"], registry.get("leads"))
    assert leads == {"0": "name", "1": "company", "2": "phone", "3": "channel", "4": "campaign"}
    contacts = engine.guess_mapping(["客户", "联系人", "手机", "Email", "微信"], registry.get("contacts"))
    assert contacts == {"0": "customer", "1": "name", "2": "mobile", "3": "email", "4": "wechat"}
