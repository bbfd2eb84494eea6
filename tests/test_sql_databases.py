"""Real databases through the official OpenTelemetry instrumentations: SQLite (sqlite3) and PostgreSQL
(psycopg 3, against a server the test session starts). Exported spans carry obfuscated statements
and summaries, never the literals the app used."""

from __future__ import annotations

import sqlite3

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_privacy import PrivacySpanProcessor

SECRET_EMAIL = "carol.db@example.com"
SECRET_NUMBER = "918273645"


@pytest.fixture
def provider():
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(exporter), policy="default"))
    return tp, exporter


def _check(exporter, expect_summaries):
    spans = exporter.get_finished_spans()
    dump = repr([(s.name, dict(s.attributes)) for s in spans])
    assert SECRET_EMAIL not in dump and SECRET_NUMBER not in dump
    summaries = {s.attributes.get("db.query.summary") for s in spans}
    assert set(expect_summaries) <= summaries, summaries
    statements = [s.attributes.get("db.statement") or s.attributes.get("db.query.text") for s in spans]
    assert any(st and "WHERE email = ?" in st for st in statements), statements
    return spans


def test_sqlite3_through_the_official_instrumentation(provider, tmp_path):
    from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor

    tp, exporter = provider
    SQLite3Instrumentor().instrument(tracer_provider=tp)
    try:
        conn = sqlite3.connect(tmp_path / "t.db")
        cur = conn.cursor()
        cur.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, phone TEXT)")
        cur.execute(f"INSERT INTO customers (email, phone) VALUES ('{SECRET_EMAIL}', '{SECRET_NUMBER}')")
        cur.execute(f"SELECT id FROM customers WHERE email = '{SECRET_EMAIL}'")
        assert cur.fetchone() == (1,)
        conn.commit()
        conn.close()
    finally:
        SQLite3Instrumentor().uninstrument()
    _check(exporter, {"INSERT customers", "SELECT customers", "CREATE customers"})


@pytest.mark.postgres
def test_postgresql_through_psycopg_instrumentation(provider, postgres):
    import psycopg
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    tp, exporter = provider
    PsycopgInstrumentor().instrument(tracer_provider=tp)
    try:
        with psycopg.connect(postgres, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS accounts")
            cur.execute("CREATE TABLE accounts (id serial PRIMARY KEY, email text, balance numeric)")
            cur.execute(f"INSERT INTO accounts (email, balance) VALUES ('{SECRET_EMAIL}', {SECRET_NUMBER}), "
                        f"(E'x\\'{SECRET_EMAIL}', $${SECRET_NUMBER}$$::numeric)")
            cur.execute(f"SELECT id, balance FROM accounts WHERE email = '{SECRET_EMAIL}'")
            assert cur.fetchone()[0] == 1
            cur.execute("UPDATE accounts SET balance = balance + %s WHERE email = %s", (5, SECRET_EMAIL))
            assert cur.rowcount == 1
    finally:
        PsycopgInstrumentor().uninstrument()
    spans = _check(exporter, {"INSERT accounts", "SELECT accounts", "UPDATE accounts"})
    assert all(s.attributes.get("db.system") == "postgresql" for s in spans)
    insert = next(s for s in spans if s.attributes.get("db.query.summary") == "INSERT accounts")
    assert insert.attributes["db.statement"] == "INSERT INTO accounts (email, balance) VALUES (?, ?), (?, ?::numeric)"
