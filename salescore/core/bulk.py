"""Rows written in bulk without building model instances: COPY on PostgreSQL, one prepared
INSERT run for every row (executemany) on SQLite, 1,000 rows at a time.

For rows nobody reads back at once and whose keys the writer does not need: the audit rows of a
bulk change. ``bulk_create`` builds an instance per row and, on PostgreSQL, sends each column as
an array literal that psycopg escapes character by character in Python; an import's audit JSON
made that the slowest part of writing customers (decision 0014). Here each value goes through its
field's ``get_db_prep_save`` (the same conversion ``bulk_create`` applies, so both databases store
what the ORM would) and then to the driver as it is.

Nothing runs per row but the conversion: no ``save()``, no signals, no defaults. The caller gives
every NOT NULL column a value, and a relation's value is its key.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import islice

from django.db import connections, models, router

BATCH = 1000


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (tuples of values in the order of the field ``names``) into ``model``'s
    table. Returns how many were written. Runs in the caller's transaction."""
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in names]
    given = {field.column for field in fields}
    missing = [
        f.column
        for f in model._meta.concrete_fields
        if not f.null and f.column not in given and not (f.primary_key and f.db_returning)
    ]
    if missing:
        raise ValueError(f"{model._meta.db_table}: NOT NULL columns without a value: {missing}")
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    prepare = [field.get_db_prep_save for field in fields]

    # Quoted model names only; the values are parameters.
    marks = ", ".join(["%s"] * len(fields))
    sql_insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608

    def prepared(row: Sequence) -> list:
        return [prep(value, connection) for prep, value in zip(prepare, row, strict=True)]

    written = 0
    iterator = iter(rows)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # Each chunk is read and converted in full before it is sent: the caller's rows may run
        # queries of their own (an audit entry naming a related record), which the connection
        # cannot answer in the middle of a COPY.
        while chunk := [prepared(row) for row in islice(iterator, BATCH)]:
            if connection.vendor == "postgresql":
                started = time.monotonic()
                sql = f"COPY {table} ({columns}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in chunk:
                        copy.write_row(row)
                if connection.queries_logged:
                    # COPY bypasses the cursor wrapper: log it as the one statement it is, so
                    # query counts (tests, the debug toolbar) are the same on both databases.
                    connection.queries_log.append(
                        {"sql": f"{sql} -- {len(chunk)} rows", "time": f"{time.monotonic() - started:.3f}"}
                    )
            else:
                cursor.executemany(sql_insert, chunk)
            written += len(chunk)
    return written


@contextmanager
def triggers_paused(*prefixes: str):
    """A bulk load's way around the triggers that mark kept figures stale (those whose names start
    with one of ``prefixes``), inside its transaction: they are off for its length and back when it
    succeeds (a failure rolls their removal back with the rest). The loader then rebuilds the
    figures. On SQLite, where a trigger cannot be disabled, they are dropped and created again
    from their own definitions."""
    connection = connections["default"]
    if not connection.in_atomic_block:
        raise RuntimeError("triggers_paused() needs a transaction, so that a failure restores them")
    if not prefixes:
        raise ValueError("name the triggers to pause by their prefixes")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal")
            found = [(table, name) for table, name in cursor.fetchall() if name.startswith(prefixes)]
            # ALTER TABLE refuses while deferred key checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, name in found:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            found = [(name, sql) for name, sql in cursor.fetchall() if name.startswith(prefixes)]
            for name, _sql in found:
                cursor.execute(f"DROP TRIGGER {name}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, name in found:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's keys are initially deferred
        else:
            for _name, sql in found:
                cursor.execute(sql)


def advisory_lock(cursor, key: int) -> None:
    """Wait for PostgreSQL's transaction-scoped advisory lock ``key``: kept figures are recomputed
    by one transaction at a time (planning.figures, pipeline.counts, orders.receivables). SQLite
    lets one writer in at a time by itself."""
    if cursor.db.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
