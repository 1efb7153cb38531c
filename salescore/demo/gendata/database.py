# ruff: noqa: S608 - the SQL names only tables and columns of the models, never input
"""The database around a generation run: schema, reset, indexes off and on, sequences, statistics.

Loading millions of rows into indexed tables is slow on both databases: each row updates every
index and, on PostgreSQL, fires a foreign-key trigger per reference. So the loaded tables lose
their secondary indexes and foreign keys for the run and get them back, with the very names and
definitions the migrations gave them, once the rows are in (one sort per index, one join per key,
which also proves every reference). Everything happens in the run's transaction: a failure rolls
the indexes back with the rows.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import models
from django.db.migrations.executor import MigrationExecutor

from salescore.org import seed

# Reference data the migrations ship (regions, the default tree, stages, discount matrix, routes,
# SLAs, policies): a reset keeps it. "app_label.ModelName".
PRESERVED = {
    "contenttypes.ContentType",
    "auth.Permission",
    "auth.Group",
    "auth.Group_permissions",
    "org.Region",
    "org.OrgUnit",
    "pipeline.Stage",
    "orders.DiscountRule",
    "orders.Route",
    "orders.OrdersPolicy",
    "service.Sla",
    "service.ServicePolicy",
    "customers.PoolPolicy",
    "leads.LeadPolicy",
    "planning.PlanningPolicy",
}
# Referenced by the preserved tables (created_by on every audited row, a unit's head, a route's
# person, a discount rule's category): emptied with DELETE after those references are cleared.
DELETED = ("catalog.Category", "org.Person", "accounts.User")


def label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def migrate_if_needed(connection, stdout=None) -> bool:
    """Create or update the schema (the migrations also seed the reference data)."""
    executor = MigrationExecutor(connection)
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", verbosity=0, interactive=False)
    return True


def has_business_data() -> bool:
    from salescore.customers.models import Customer
    from salescore.org.models import Person

    return Customer.all_objects.exists() or Person.all_objects.exists()


def _truncated_models() -> list[type[models.Model]]:
    """Every table of the project's apps (and the sessions) but the kept and the deleted ones, so
    a domain added later is emptied too."""
    keep = PRESERVED | set(DELETED)
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if (model._meta.app_config.name.startswith("salescore.") or model._meta.app_label == "sessions")
        and label(model) not in keep
        and model._meta.managed
    ]


def reset(connection) -> int:
    """Empty the business data of the database: everything but the reference data the migrations
    ship and the seeded organisation tree. Returns how many tables were emptied."""
    from salescore.orders.models import DiscountRule, Route
    from salescore.org.models import OrgUnit

    quote = connection.ops.quote_name
    doomed = _truncated_models()
    with connection.cursor() as cursor:
        names = [quote(m._meta.db_table) for m in doomed]
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(names)} RESTART IDENTITY")
        else:
            for name in names:
                cursor.execute(f"DELETE FROM {name}")
        # What the preserved rows point at in the tables emptied next.
        deleted = [apps.get_model(name) for name in DELETED]
        for model in (apps.get_model(name) for name in PRESERVED):
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model in deleted and field.null:
                    cursor.execute(
                        f"UPDATE {quote(model._meta.db_table)} SET {quote(field.column)} = NULL "
                        f"WHERE {quote(field.column)} IS NOT NULL"
                    )
        # Units beyond the seeded tree (teams, sections added later) go with the people in them,
        # and so do routes to a person or to those units and discount rules of a category.
        seeded = [name for name, *_rest in seed.SECTIONS]
        units = quote(OrgUnit._meta.db_table)
        marks = ", ".join(["%s"] * len(seeded))
        extra = f"SELECT id FROM {units} WHERE kind = 'team' OR (kind = 'section' AND name NOT IN ({marks}))"
        routes = quote(Route._meta.db_table)
        cursor.execute(
            f"DELETE FROM {routes} WHERE person_id IS NOT NULL OR org_unit_id IN ({extra})", seeded
        )
        cursor.execute(f"DELETE FROM {quote(DiscountRule._meta.db_table)} WHERE category_id IS NOT NULL")
        for name in DELETED:
            cursor.execute(f"DELETE FROM {quote(apps.get_model(name)._meta.db_table)}")
        cursor.execute(f"DELETE FROM {units} WHERE id IN ({extra})", seeded)
        if connection.vendor == "postgresql":
            # Check the deferred keys of those deletes now: a table with pending checks cannot
            # lose its indexes and keys (Indexes.drop) in the same transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return len(doomed) + len(DELETED)


# -- indexes off and on ---------------------------------------------------------------------------


class Indexes:
    """Secondary indexes, unique constraints and foreign keys of the loaded tables, dropped for
    the load and rebuilt after it. ``rebuild_seconds`` tells what the rebuild cost."""

    def __init__(self, connection, tables: list[str]) -> None:
        self.connection = connection
        self.tables = tables
        self.recreate: list[str] = []
        self.rebuild_seconds = 0.0

    def drop(self) -> None:
        if self.connection.vendor == "postgresql":
            self._drop_postgresql()
        else:
            self._drop_sqlite()

    def rebuild(self) -> None:
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for sql in self.recreate:
                cursor.execute(sql)
        self.recreate = []
        self.rebuild_seconds = time.perf_counter() - started

    def _drop_sqlite(self) -> None:
        with self.connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(self.tables))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})",
                self.tables,
            )
            found = cursor.fetchall()
            for name, sql in found:
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
                self.recreate.append(sql)

    def _drop_postgresql(self) -> None:
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            # Foreign keys and unique constraints of the tables (but not a unique constraint
            # another table's foreign key relies on).
            cursor.execute(
                """
                SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
                FROM pg_constraint c
                WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
                  AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid
                      AND c.contype = 'u')
                ORDER BY c.contype DESC
                """,
                [self.tables],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                """
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                                  AND c.conrelid = i.indrelid)
                """,
                [self.tables],
            )
            indexes = cursor.fetchall()
            for table, name, _kind, _definition in constraints:  # foreign keys first ('f' > 'u')
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        self.recreate = [definition for _name, definition in indexes]
        self.recreate += [
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
            for table, name, kind, definition in reversed(constraints)  # unique before foreign keys
        ]


@contextmanager
def tuned(connection):
    """SQLite only, for the length of the run: no fsync, a large page cache, temporary data in
    memory, and (outside a transaction, i.e. not under a test) no per-row foreign-key checks; the
    keys are checked once at the end instead. Restores the settings afterwards."""
    connection.ensure_connection()
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield False  # PostgreSQL needs none of this; inside a transaction (tests) SQLite allows none
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -262144")
        cursor.execute("PRAGMA temp_store = MEMORY")
    unchecked = connection.disable_constraint_checking()
    try:
        yield unchecked
    finally:
        if unchecked:
            connection.enable_constraint_checking()
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous = {int(synchronous)}")
            cursor.execute("PRAGMA cache_size = -2000")
            cursor.execute("PRAGMA temp_store = DEFAULT")


def check_foreign_keys(connection, tables: list[str]) -> None:
    """SQLite: the key check the load skipped (PostgreSQL proves them when it adds them back)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"PRAGMA foreign_key_check({connection.ops.quote_name(table)})")
            broken = cursor.fetchmany(5)
            if broken:
                raise RuntimeError(f"{table}: rows point at missing rows: {broken}")


def reset_sequences(connection, model_list) -> None:
    """PostgreSQL: identity sequences continue after the highest id written."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), model_list):
            cursor.execute(sql)


def analyze(connection, tables: list[str]) -> None:
    """PostgreSQL: statistics for the planner. Outside a transaction also VACUUM, which sets the
    visibility map (index-only scans) and hint bits now, instead of autovacuum doing it in the
    middle of the benchmark that follows."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


def next_ids(connection, model_list) -> dict[type[models.Model], int]:
    """The first free id of each table (rows are written with explicit ids)."""
    result = {}
    with connection.cursor() as cursor:
        for model in model_list:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(model._meta.db_table)}")
            result[model] = (cursor.fetchone()[0] or 0) + 1
    return result
