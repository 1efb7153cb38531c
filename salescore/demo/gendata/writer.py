"""Streaming rows into the database in bulk: COPY on PostgreSQL, executemany on SQLite.

Generators hand rows (tuples in the table's column order) to a ``Table``; it buffers ``batch``
rows and writes them in one statement. Values are plain Python: int, str (timestamps already as
UTC text, decimals as text), bool and None, which both drivers pass through unchanged, so the
same row serves both databases. Nothing goes through models, save() or signals: the caller keeps
derived columns right.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import models


class MissingColumn(ValueError):
    pass


@dataclass
class Table:
    writer: Writer
    model: type[models.Model]
    name: str
    columns: tuple[str, ...]
    rows: int = 0
    seconds: float = 0.0
    buffer: list = field(default_factory=list)

    def __post_init__(self) -> None:
        # Hot loops append to the buffer directly (``append``) and call writer.flush_full() now
        # and then; the buffer list is emptied in place, so a bound ``append`` stays valid.
        self.append = self.buffer.append

    def add(self, row: tuple) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.writer.batch:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        started = time.perf_counter()
        self.writer.write(self, self.buffer)
        self.seconds += time.perf_counter() - started
        self.rows += len(self.buffer)
        self.buffer.clear()


class Writer:
    """One writer per run; ``table()`` declares a table and its columns once."""

    def __init__(self, connection, *, batch: int = 50_000) -> None:
        self.connection = connection
        self.vendor = connection.vendor
        self.batch = max(batch, 1)
        self.tables: dict[str, Table] = {}

    def table(self, model: type[models.Model], columns: list[str] | tuple[str, ...]) -> Table:
        """Declare the columns a generator fills. Every NOT NULL column must be among them (no
        column has a database default: Django fills defaults in Python, which is skipped here)."""
        name = model._meta.db_table
        if name in self.tables:
            return self.tables[name]
        known = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise MissingColumn(f"{name}: no such columns {unknown}")
        missing = [c for c, f in known.items() if c not in columns and not f.null]
        if missing:
            raise MissingColumn(f"{name}: NOT NULL columns without a value: {missing}")
        table = Table(writer=self, model=model, name=name, columns=tuple(columns))
        self.tables[name] = table
        return table

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()

    def flush_full(self) -> None:
        """Write the buffers that reached the batch size (for loops that use ``Table.append``)."""
        batch = self.batch
        for table in self.tables.values():
            if len(table.buffer) >= batch:
                table.flush()

    def write(self, table: Table, rows: list[tuple]) -> None:
        self.connection.ensure_connection()
        raw = self.connection.connection
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(c) for c in table.columns)
        if self.vendor == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy,
            ):
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
        else:
            marks = ", ".join("?" * len(table.columns))
            sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608  (model names)
            raw.executemany(sql, rows)
