"""Bigram indexes for searches by a part of two characters, written by migrations on PostgreSQL.

A trigram index (``core.trigram``) cannot answer a part shorter than three characters, and two
characters are a common search in Chinese: a customer's short name ("成鑫"), a person's name
("张伟"). ``sc_bigrams(text)`` returns every pair of adjacent characters of a text; a GIN index on
``sc_bigrams(UPPER(column))`` finds the rows whose column holds a given pair. For a part of exactly
two characters that is the whole test: ``UPPER(column)`` contains ``UPPER(part)`` exactly when
``UPPER(part)`` is one of its pairs, so no LIKE is needed after it (``HasBigram``).

The function is plain PL/pgSQL (no extension to install). SQLite gets none of this (decision 0022).
"""

from __future__ import annotations

from django.db.models import BooleanField, Func

from salescore.core.trigram import drop_indexes, gin_indexes

__all__ = ["FUNCTION", "HasBigram", "answers", "create_indexes", "drop_indexes"]

FUNCTION = "sc_bigrams"
BUILD_MEMORY = "256MB"

# IMMUTABLE so that an index may use it; the high COST tells the planner that calling it on every
# row of a table (a filter instead of the index) is dear. PL/pgSQL: twice as fast as the SQL
# version with generate_series at building an index (2.3 against 4.5 s per million names).
CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}(t text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
DECLARE
    pairs text[] := '{{}}';
BEGIN
    FOR i IN 1 .. length(t) - 1 LOOP
        pairs := pairs || substr(t, i, 2);
    END LOOP;
    RETURN pairs;
END
$$
"""


def create_indexes(schema_editor, table: str, indexes: dict[str, str]) -> None:
    """``indexes``: {index name: column} on ``table``. Creates the function first (again: it is
    the same in every migration that calls this)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION)
    # a GIN index over millions of rows sorts its keys in this memory (for the migration only)
    schema_editor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
    gin_indexes(schema_editor, table, indexes, FUNCTION + "(UPPER({column}))")


def answers(part: str) -> bool:
    """Whether a bigram index finds ``part`` exactly: two characters that stay two in upper case."""
    return len(part) == 2 and len(part.upper()) == 2


class HasBigram(Func):
    """``sc_bigrams(UPPER(column)) @> ARRAY[UPPER(part)]``: the column contains the two-character
    ``part`` in any case (PostgreSQL; see ``answers``). Written as the index's own expression so the
    planner matches it to the index."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        column, part = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        part_sql, part_params = compiler.compile(part)
        return (
            f"{FUNCTION}(UPPER({column_sql})) @> ARRAY[UPPER({part_sql})]",
            (*column_params, *part_params),
        )
