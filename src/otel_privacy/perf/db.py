"""Rows affected on database spans, for every instrumentation built on the official DB-API one
(sqlite3, psycopg, psycopg2, mysql-connector, pymysql, ...).

DB-API cursors report ``rowcount`` (rows produced or affected; -1 when unknown) after execute, but
the instrumentations do not record it. We wrap the query method inside the instrumentation's span
and set ``db.response.returned_rows`` when the driver knows the number. It is a count, so it is
safe to send; nothing else about the result is read.
"""

from __future__ import annotations

import functools
from typing import Any

from opentelemetry import trace

__all__ = ["instrument_rowcount", "uninstrument_rowcount", "ROWS_KEY"]

ROWS_KEY = "db.response.returned_rows"
_original: Any = None


def instrument_rowcount() -> bool:
    """Patch ``CursorTracer.traced_execution`` once; False when the DB-API instrumentation is absent."""
    global _original
    try:
        from opentelemetry.instrumentation.dbapi import CursorTracer
    except ImportError:
        return False
    if _original is not None:
        return True
    original = CursorTracer.traced_execution

    @functools.wraps(original)
    def traced_execution(self: Any, cursor: Any, query_method: Any, *args: Any, **kwargs: Any) -> Any:
        def execute_and_count(*a: Any, **k: Any) -> Any:
            result = query_method(*a, **k)
            try:
                count = getattr(cursor, "rowcount", -1)
                if isinstance(count, int) and count >= 0:
                    span = trace.get_current_span()
                    if span.is_recording():
                        span.set_attribute(ROWS_KEY, count)
            except Exception:  # noqa: BLE001 - counting must never break a query
                pass
            return result

        return original(self, cursor, execute_and_count, *args, **kwargs)

    CursorTracer.traced_execution = traced_execution
    _original = original
    return True


def uninstrument_rowcount() -> None:
    global _original
    if _original is None:
        return
    from opentelemetry.instrumentation.dbapi import CursorTracer

    CursorTracer.traced_execution = _original
    _original = None
