"""customers_create_many: an import's batch meets exactly the rules of customer_create, with a
fixed number of queries, and writes its rows, audit rows and tags in bulk."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from salescore.core.errors import ApplicationError
from salescore.core.models import AuditAction, AuditLog
from salescore.customers import services
from salescore.customers.models import Customer
from salescore.imports.tests.helpers import credit_code
from salescore.pipeline.tests.factories import make_customer


def _rows(cast, start: int, count: int) -> list[dict]:
    return [
        {
            "name": f"批量{start + i}号有限公司",
            "credit_code": credit_code(start + i),
            "phone": f"0571-8{start + i:07d}",
            "email": f"buyer{start + i}@example.cn",
            "owner": cast.rep_a.person,
            "tier": "B",
        }
        for i in range(count)
    ]


def _code(result) -> str:
    return result.code if isinstance(result, ApplicationError) else "created"


def test_each_row_gets_the_answer_customer_create_gives(cast):
    existing = make_customer(cast.rep_b, credit_code=credit_code(900), phone="0571-66660000")
    bad_rows = [
        {"name": "好客户有限公司", "credit_code": credit_code(1)},
        {"name": "", "credit_code": credit_code(2)},  # no name
        {"name": "错码有限公司", "credit_code": "91330100MA2A000019"},  # wrong check character
        {"name": "撞码有限公司", "credit_code": credit_code(900)},  # rep_b's customer has it
        {"name": "撞电话有限公司", "phone": "0571 6666 0000"},
        {"name": "越权有限公司", "owner": cast.rep_b.person},  # rep_a cannot give to rep_b
        {"name": "坏邮箱有限公司", "email": "not-an-email"},
        {"name": "未知字段有限公司", "colour": "red"},
        {"name": "价格表有限公司", "price_list": None, "tier": "Q"},  # no tier Q
    ]
    one_by_one = []
    with transaction.atomic():
        for row in bad_rows:
            try:
                services.customer_create(actor=cast.rep_a.user, **row)
            except ApplicationError as exc:
                one_by_one.append(exc.code)
            else:
                one_by_one.append("created")
        transaction.set_rollback(True)  # the batch below creates the same customer again
    batch = services.customers_create_many(actor=cast.rep_a.user, rows=bad_rows)
    assert [_code(r) for r in batch] == one_by_one
    assert one_by_one == [
        "created",
        "required",
        "invalid_credit_code",
        "duplicate",
        "duplicate",
        "out_of_scope",
        "invalid",
        "invalid",
        "invalid",
    ]
    # A duplicate names the existing customer (not theirs: no link for rep_a).
    assert batch[3].extra["existing_id"] == existing.pk and batch[3].extra["existing_url"] is None
    assert set(batch[4].fields) == {"phone"} and batch[4].extra["existing_id"] == existing.pk


def test_rows_of_one_batch_with_the_same_keys(cast):
    rows = _rows(cast, 10, 3)
    rows[2]["credit_code"] = rows[0]["credit_code"]
    rows[1]["email"] = rows[0]["email"].upper()
    with translation.override("en"):
        results = services.customers_create_many(actor=cast.rep_a.user, rows=rows)
    assert isinstance(results[0], Customer)
    assert [_code(r) for r in results[1:]] == ["invalid", "invalid"]
    assert set(results[1].fields) == {"email"} and set(results[2].fields) == {"credit_code"}
    assert "Row 1 of the same batch" in results[2].message
    assert Customer.objects.count() == 1


def test_valid_rows_are_written_with_their_audit_rows_and_tags(cast):
    rows = _rows(cast, 20, 4)
    rows[0]["tags"] = ["重点", " 华东 ", ""]
    rows[1]["tags"] = ["华东"]
    results = services.customers_create_many(actor=cast.lead_a.user, rows=rows)
    assert all(isinstance(r, Customer) and r.pk for r in results)
    first = Customer.objects.get(pk=results[0].pk)
    assert first.owner == cast.rep_a.person and first.created_by == cast.lead_a.user
    assert first.name_key and first.phone_key == "057180000020"
    assert sorted(first.tags.values_list("name", flat=True)) == ["华东", "重点"]
    audit = AuditLog.objects.filter(content_type__model="customer", object_id=first.pk).order_by("id")
    assert [a.action for a in audit] == [AuditAction.CREATE, AuditAction.UPDATE]
    created = audit[0]
    assert created.actor == cast.lead_a.user
    assert created.changes["credit_code"] == {"old": None, "new": credit_code(20)}
    assert created.changes["owner"]["new_display"] == str(cast.rep_a.person)
    assert audit[1].changes["tags"]["new_display"] == "华东, 重点"
    # The customers returned can be changed at once (their version and audit baseline are set).
    services.customer_update(actor=cast.rep_a.user, customer=results[2], version=1, tier="A")
    assert AuditLog.objects.filter(object_id=results[2].pk, action=AuditAction.UPDATE).count() == 1


def test_write_false_checks_everything_and_writes_nothing(cast):
    rows = _rows(cast, 30, 3)
    rows[1]["credit_code"] = "bad"
    results = services.customers_create_many(actor=cast.rep_a.user, rows=rows, write=False)
    assert [_code(r) for r in results] == ["created", "invalid_credit_code", "created"]
    assert results[0] is None and results[2] is None  # passed; no record is built
    assert not Customer.objects.exists()
    assert not AuditLog.objects.filter(content_type__model="customer").exists()


@pytest.mark.parametrize("write", [True, False])
def test_the_queries_do_not_grow_with_the_rows(cast, write):
    def queries(start: int, count: int) -> int:
        rows = _rows(cast, start, count)
        for row in rows[::2]:
            row["tags"] = ["重点"]
        with CaptureQueriesContext(connection) as captured:
            results = services.customers_create_many(actor=cast.lead_a.user, rows=rows, write=write)
        assert all(isinstance(r, Customer) if write else r is None for r in results)
        return len(captured)

    queries(100, 2)  # warm the caches (content types, the actor's access)
    # 30 rows fit one INSERT on every database (SQLite binds at most 999 values a statement;
    # beyond that, one more INSERT per batch of rows, never one per row).
    small, large = queries(200, 5), queries(300, 30)
    assert small == large
    # The checks: the owners' scope and the duplicates (one query for the credit codes, phones
    # and e-mails). Writing adds a savepoint and its release, the customers, their audit rows and
    # tags.
    assert large == (11 if write else 2)


def test_a_refused_price_list_and_a_missing_region(cast):
    from salescore.catalog.tests.factories import make_price_list
    from salescore.org.models import Region

    region = Region.objects.get(code="110000")
    gone = Region(pk=Region.objects.order_by("-pk").first().pk + 1, name="不存在")
    results = services.customers_create_many(
        actor=cast.rep_a.user,
        rows=[
            {"name": "甲有限公司", "price_list": make_price_list(cast)},
            {"name": "乙有限公司", "region": gone},
            {"name": "丙有限公司", "region": region},
        ],
    )
    assert [_code(r) for r in results] == ["permission_denied", "invalid", "created"]
    assert set(results[1].fields) == {"region"}


def test_a_batch_of_credit_codes_names_the_unique_index_condition(cast):
    """The unique index leaves out blank codes. With more than 100 codes PostgreSQL cannot prove
    from the list alone that none is blank, so the lookup says so itself; without it the lookup
    read every customer (180 ms a batch at a million customers, against 1.4 ms through the
    index: docs/performance.md)."""
    rows = _rows(cast, 500, 150)
    with CaptureQueriesContext(connection) as captured:
        services.customers_create_many(actor=cast.rep_a.user, rows=rows, write=False)
    # PostgreSQL takes the batch's codes as one array (core.permissions.AnyOf), SQLite as a list;
    # the lookup is a subquery of the duplicate check's one query (alias U0).
    ways = ('U0."credit_code" IN', 'U0."credit_code" = ANY(')
    (lookup,) = [q["sql"] for q in captured if any(way in q["sql"] for way in ways)]
    assert "NOT (U0.\"credit_code\" = '')" in lookup


def _mixed_rows(cast) -> list[dict]:
    """Good and bad rows of every kind the field checks meet, some twice, in one batch."""
    good = _rows(cast, 600, 6)
    for row in good:
        row["owner"] = None  # the actor's own
    good[1].update(email="O'Neil.Ulrich@Example.COM", credit_code=" " + credit_code(601).lower() + " ")
    good[2].update(email="user@例子.中国", phone=" +86 139 1234 5678 ", kind="individual")
    good[3].update(email='"quoted"@example.com', name="甲" * 200, address="地" * 300, size="")
    good[4].update(email="", tier="C", industry="it", source="referral", notes="长" * 3000)
    good[5].update(email="x" * 242 + "@example.com", website="w" * 200, phone="1" * 32)
    bad = [
        {"name": "坏邮箱有限公司", "email": "not an email"},
        {"name": "长邮箱有限公司", "email": "x" * 243 + "@example.com"},
        {"name": "中文邮箱有限公司", "email": "用户@example.com"},
        {"name": "错码有限公司", "credit_code": "91330100MA2A000019"},
        {"name": "短码有限公司", "credit_code": "9133"},
        {"name": "字母有限公司", "credit_code": "91330100MA2A0000IO"},
        {"name": "长名" * 101},
        {"name": "长电话有限公司", "phone": "1" * 33, "address": "地" * 301, "website": "w" * 201},
        {"name": "等级有限公司", "tier": "Z", "kind": "", "industry": "nonsense", "size": "huge"},
        {"name": "全错有限公司", "tier": "a", "email": "a@b", "phone": "1" * 40},
        {"name": "   "},
        {"name": "未知字段有限公司", "colour": "red"},
    ]
    rows = [row for pair in zip(good, bad, strict=False) for row in pair] + bad[len(good) :]
    return rows + [dict(row) for row in rows[::-1]]


def _outcomes(results) -> list:
    return [
        (type(r).__name__, r.code, r.message, list(r.fields.items()))
        if isinstance(r, ApplicationError)
        else r
        for r in results
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_column_checks_give_what_every_field_through_field_clean_gives(cast, monkeypatch, language):
    """The same batch with every row through Field.clean (the column checks passing none):
    the same rows refused, with the same fields and messages, and the same values kept."""
    from salescore.core import services as core_services

    rows = _mixed_rows(cast)
    owner = cast.rep_a.person
    with translation.override(language):
        by_columns = services._new_customers(rows, default_owner=owner, memo={})
        checked = services.customers_create_many(actor=cast.rep_a.user, rows=rows, write=False)
        monkeypatch.setattr(
            core_services, "_unsure_rows", lambda field, column, memo: list(range(len(column)))
        )
        by_fields = services._new_customers(rows, default_owner=owner, memo={})
        checked_by_fields = services.customers_create_many(actor=cast.rep_a.user, rows=rows, write=False)
    assert _outcomes(by_columns) == _outcomes(by_fields)
    assert _outcomes(checked) == _outcomes(checked_by_fields)
    refused = [r for r in by_columns if isinstance(r, ApplicationError)]
    assert len(refused) == 24 and len(by_columns) - len(refused) == 12
    kept = by_columns[2][0]
    assert (kept["credit_code"], kept["email"]) == (credit_code(601), "O'Neil.Ulrich@Example.COM")
    assert by_columns[4][0]["phone_key"] == "13912345678"
