"""Rows affected on database spans through the official instrumentations (sqlite3, and psycopg against the
test-started PostgreSQL)."""

from __future__ import annotations

import sqlite3

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_privacy import PrivacySpanProcessor, Redactor
from otel_privacy.perf import PerfConfig, install_perf
from otel_privacy.perf.db import ROWS_KEY


@pytest.fixture
def traced():
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(exporter), policy="default"))
    capture = install_perf(tp, None, PerfConfig(enabled=True, cpu=False, gc=False), Redactor("default"))
    yield tp, exporter
    capture.shutdown()


def test_sqlite3_rows_affected(traced, tmp_path):
    from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor

    tp, exporter = traced
    SQLite3Instrumentor().instrument(tracer_provider=tp)
    try:
        conn = sqlite3.connect(tmp_path / "rows.db")
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (id INTEGER, v TEXT)")
        cur.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x") for i in range(5)])
        cur.execute("UPDATE t SET v = 'secret-value' WHERE id < 3")
        conn.close()
    finally:
        SQLite3Instrumentor().uninstrument()
    spans = {s.attributes.get("db.query.summary"): s.attributes for s in exporter.get_finished_spans()}
    assert spans["UPDATE t"][ROWS_KEY] == 3
    assert spans["INSERT t"][ROWS_KEY] == 5
    assert "secret-value" not in repr(spans)


@pytest.mark.postgres
def test_postgresql_rows_affected(traced, postgres):
    import psycopg
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    tp, exporter = traced
    PsycopgInstrumentor().instrument(tracer_provider=tp)
    try:
        with psycopg.connect(postgres, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS rows_t")
            cur.execute("CREATE TABLE rows_t (id int)")
            cur.execute("INSERT INTO rows_t SELECT generate_series(1, 7)")
            cur.execute("SELECT * FROM rows_t WHERE id > 4")
            assert len(cur.fetchall()) == 3
    finally:
        PsycopgInstrumentor().uninstrument()
    by_summary = {s.attributes.get("db.query.summary"): s.attributes for s in exporter.get_finished_spans()}
    assert by_summary["INSERT rows_t SELECT"][ROWS_KEY] == 7
    assert by_summary["SELECT rows_t"][ROWS_KEY] == 3


def test_uninstrument_restores_the_original():
    from opentelemetry.instrumentation.dbapi import CursorTracer

    from otel_privacy.perf.db import instrument_rowcount, uninstrument_rowcount

    before = CursorTracer.traced_execution
    assert instrument_rowcount()
    assert CursorTracer.traced_execution is not before
    uninstrument_rowcount()
    assert CursorTracer.traced_execution is before
