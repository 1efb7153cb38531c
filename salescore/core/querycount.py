"""SQL cost of each request in response headers, for the benchmark suite (``make bench``).

Only with ``SALESCORE_BENCH=1``: then config/settings.py puts this middleware first, so the queries
of every other middleware (session, user, ...) count too. It wraps the database connection with
``connection.execute_wrapper``, which works without DEBUG and keeps no list of the queries.

Headers: ``X-SQL-Queries`` (how many), ``X-SQL-Time-ms`` (their time on the connection, driver
round trips included) and ``Server-Timing`` (``db`` and ``app``, which browsers' developer tools
show). A streamed response reports the queries run before its first chunk; its rows are read later.
"""

from __future__ import annotations

import time
from contextlib import ExitStack

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections


class _Counter:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


class QueryCountMiddleware:
    """Counts the SQL queries of each request (every configured database) into response headers."""

    def __init__(self, get_response):
        if not getattr(settings, "SALESCORE_BENCH", False):
            raise MiddlewareNotUsed("SALESCORE_BENCH is off")
        self.get_response = get_response

    def __call__(self, request):
        counter = _Counter()
        started = time.perf_counter()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(counter))
            response = self.get_response(request)
        total_ms = (time.perf_counter() - started) * 1000
        db_ms = counter.seconds * 1000
        response["X-SQL-Queries"] = str(counter.count)
        response["X-SQL-Time-ms"] = f"{db_ms:.2f}"
        response["Server-Timing"] = (
            f'db;dur={db_ms:.2f};desc="{counter.count} SQL queries", app;dur={total_ms:.2f}'
        )
        return response
