"""Streaming rows into the database in bulk: COPY on PostgreSQL, executemany on SQLite.

Generators hand rows (tuples in the table's column order) to a ``Table``; it buffers ``batch``
rows and writes them in one statement. Values are plain Python: int, str (timestamps already as
UTC text, decimals as text), bool and None, which both drivers pass through unchanged, so the
same row serves both databases. Nothing goes through models, save() or signals: the caller keeps
derived columns right.

The writes run on a background thread, so the database ingests one batch while Python makes the
next (the drivers release the GIL while the server works). It uses the run's connection and
transaction; ``drain()`` waits until everything handed over is written, and must come before the
main thread uses the connection itself (ORM queries), which the run does between its parts.
"""

from __future__ import annotations

import queue
import threading
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
        rows = self.buffer[:]
        self.buffer.clear()
        self.writer.submit(self, rows)


class Writer:
    """One writer per run; ``table()`` declares a table and its columns once."""

    def __init__(self, connection, *, batch: int = 50_000, threaded: bool = True) -> None:
        connection.ensure_connection()
        self.raw = connection.connection  # the DB-API connection, usable from the writer thread
        self.quote = connection.ops.quote_name
        self.vendor = connection.vendor
        self.batch = max(batch, 1)
        self.tables: dict[str, Table] = {}
        self.threaded = threaded
        self._jobs: queue.Queue = queue.Queue(maxsize=2)  # at most two batches waiting: memory stays flat
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

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

    # -- handing batches over ------------------------------------------------------------------

    def flush(self) -> None:
        """Write every buffered row and wait until it is in the database."""
        for table in self.tables.values():
            table.flush()
        self.drain()

    def flush_full(self) -> None:
        """Write the buffers that reached the batch size (for loops that use ``Table.append``)."""
        batch = self.batch
        for table in self.tables.values():
            if len(table.buffer) >= batch:
                table.flush()

    def submit(self, table: Table, rows: list[tuple]) -> None:
        if self._error is not None:
            raise self._error
        if not self.threaded:
            self._write(table, rows)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="gen_data writer", daemon=True)
            self._thread.start()
        self._jobs.put((table, rows))

    def drain(self) -> None:
        if self._thread is not None:
            self._jobs.join()
        if self._error is not None:
            raise self._error

    def close(self, *, abandon: bool = False) -> None:
        """Stop the thread once it has written what it was given (or, with ``abandon``, at once:
        the run failed and its transaction is about to roll back). Safe to call twice."""
        if self._thread is not None:
            if abandon and self._error is None:
                self._error = RuntimeError("abandoned")
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if self._error is None:  # after a failure, only empty the queue
                    self._write(*job)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                self._error = exc
            finally:
                self._jobs.task_done()

    def _write(self, table: Table, rows: list[tuple]) -> None:
        started = time.perf_counter()
        quote = self.quote
        columns = ", ".join(quote(c) for c in table.columns)
        if self.vendor == "postgresql":
            with (
                self.raw.cursor() as cursor,
                cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy,
            ):
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
        else:
            marks = ", ".join("?" * len(table.columns))
            sql = f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608  (model names)
            self.raw.executemany(sql, rows)
        table.seconds += time.perf_counter() - started
        table.rows += len(rows)
