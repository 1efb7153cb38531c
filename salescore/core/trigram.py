"""Trigram indexes for searches by part of a text (``icontains``: UPPER(column) LIKE UPPER('%...%')),
written by migrations on PostgreSQL. They need the pg_trgm extension; where the database user may
not create it, the indexes are skipped with a warning and the searches read the table. SQLite gets
none (decision 0022). Kept here, small and stable, so that each migration names only its table and
columns."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.utils import DatabaseError

logger = logging.getLogger(__name__)


def create_indexes(schema_editor, table: str, indexes: dict[str, str]) -> None:
    """``indexes``: {index name: column} on ``table``."""
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        logger.warning("pg_trgm is not available (%s); searches of %s will read the table.", exc, table)
        return
    gin_indexes(schema_editor, table, indexes, "UPPER({column}) gin_trgm_ops")


def gin_indexes(schema_editor, table: str, indexes: dict[str, str], expression: str) -> None:
    """GIN indexes {name: column} on ``table`` over ``expression`` of each column (``{column}``);
    also ``core.bigram``'s."""
    for index, column in indexes.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin ({expression.format(column=column)})"
        )


def drop_indexes(schema_editor, indexes) -> None:
    """Drops these indexes (trigram or bigram) on PostgreSQL."""
    if schema_editor.connection.vendor == "postgresql":
        for index in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
