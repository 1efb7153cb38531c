"""core.bulk.insert_rows: what it writes reads back as the ORM would have stored it, on SQLite and on
PostgreSQL (COPY); a refused row is Django's IntegrityError and leaves nothing; it is one query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from salescore.core.bulk import insert_rows
from salescore.core.models import AuditLog, audit_bulk
from salescore.customers.models import Customer, Tag

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_values_read_back_as_the_orm_stores_them(cast):
    at = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=SHANGHAI)
    content_type = ContentType.objects.get_for_model(Customer)
    changes = {"amount": {"old": None, "new": "12.50"}, "note": 'quote " and \\ backslash, {braces}'}
    names = ("at", "actor", "actor_name", "origin", "ip", "user_agent", "content_type", "object_id")
    with CaptureQueriesContext(connection) as captured:
        written = insert_rows(
            AuditLog,
            (*names, "object_repr", "action", "changes"),
            [
                (
                    at,
                    cast.rep_a.user.pk,
                    "张三",
                    "web",
                    "10.0.0.1",
                    "",
                    content_type.pk,
                    7,
                    "甲 公司",
                    "create",
                    changes,
                ),
                (at, None, "", "task", None, "", content_type.pk, 8, "", "update", {}),
            ],
        )
    assert written == 2
    assert len(captured) == 1  # one statement, logged on both databases
    first, second = AuditLog.objects.filter(at=at).order_by("object_id")
    assert first.at == at and first.actor_id == cast.rep_a.user.pk and first.ip == "10.0.0.1"
    assert first.changes == changes and first.object_repr == "甲 公司" and first.action == "create"
    assert second.actor_id is None and second.ip is None and second.changes == {}


def test_every_not_null_column_needs_a_value():
    with pytest.raises(ValueError, match="user_agent"):
        insert_rows(AuditLog, ("at", "origin", "content_type", "object_id", "object_repr", "action"), [])


def test_a_refused_row_raises_integrity_error_and_writes_nothing():
    Tag.objects.create(name="重点")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Tag, ("name",), [("华东",), ("重点",)])
    assert list(Tag.objects.values_list("name", flat=True)) == ["重点"]


def test_audit_bulk_writes_one_row_per_entry_with_its_changes(cast):
    entries = [(i, f"客户{i}", {"tier": {"old": "C", "new": Decimal("1.5")}}) for i in range(1, 1201)]
    with CaptureQueriesContext(connection) as captured:
        assert audit_bulk(model=Customer, entries=entries, action="update", actor=cast.rep_a.user) == 1200
    rows = AuditLog.objects.filter(content_type__model="customer", action="update")
    assert rows.count() == 1200
    row = rows.get(object_id=1200)
    assert row.changes == {"tier": {"old": "C", "new": "1.5"}}
    assert row.actor_id == cast.rep_a.user.pk and row.object_repr == "客户1200"
    # The content type, then the rows: one COPY, or one INSERT per 1,000 rows on SQLite.
    assert len(captured) <= 3


def test_rows_that_run_queries_of_their_own_are_written(cast):
    """An audit entry may read a related record while it is produced. The rows are read before
    each COPY starts; a query in the middle of a COPY would wait for ever (the merge's audit)."""
    tags = [Tag.objects.create(name=f"标签{i}") for i in range(3)]
    entries = ((tag.pk, Tag.objects.get(pk=tag.pk).name, {"n": Tag.objects.count()}) for tag in tags)
    assert audit_bulk(model=Tag, entries=entries, action="update", actor=cast.rep_a.user) == 3
    rows = AuditLog.objects.filter(content_type__model="tag").order_by("object_id")
    assert [(r.object_repr, r.changes) for r in rows] == [(t.name, {"n": 3}) for t in tags]
