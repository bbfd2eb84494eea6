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
from sql_engines import sql_engine  # noqa: F401  (autouse: every test on the C and the Python passes)

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


def test_sqlite_reads_an_unknown_double_quoted_name_as_a_string_and_so_do_we(provider, tmp_path):
    """SQLite's fallback: "x" that names no column is a string literal. The real database proves it (the row is
    found by the e-mail written in double quotes); the exported statement must not hold it. Names in positions
    only a name can take (ORM style: "t"."c", FROM "t") stay."""
    from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor

    tp, exporter = provider
    SQLite3Instrumentor().instrument(tracer_provider=tp)
    try:
        conn = sqlite3.connect(tmp_path / "t.db")
        cur = conn.cursor()
        cur.execute('CREATE TABLE "customers" ("id" INTEGER PRIMARY KEY, "email" TEXT)')
        cur.execute(f"INSERT INTO customers (email) VALUES ('{SECRET_EMAIL}')")
        cur.execute(f'SELECT "customers"."id" FROM "customers" WHERE "customers"."email" = "{SECRET_EMAIL}"')
        assert cur.fetchone() == (1,)  # SQLite read "carol.db@example.com" as a string
        conn.close()
    finally:
        SQLite3Instrumentor().uninstrument()
    spans = exporter.get_finished_spans()
    assert SECRET_EMAIL not in repr([(s.name, dict(s.attributes)) for s in spans])
    select = next(s for s in spans if s.attributes.get("db.query.summary") == "SELECT customers")
    assert select.attributes["db.statement"] == \
        'SELECT "customers"."id" FROM "customers" WHERE "customers"."email" = ?'


@pytest.mark.postgres
@pytest.mark.parametrize("standard_conforming_strings", ["on", "off"])
def test_postgresql_backslashes_never_leak_whichever_way_the_server_reads_them(provider, postgres,
                                                                                standard_conforming_strings):
    """With standard_conforming_strings on, 'C:\\' is a whole string and the e-mail after it another; off, \\'
    is an escaped quote. The server accepts each statement under its setting; the span must not hold the
    e-mail (or the number) under either."""
    import psycopg
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    statement = {
        "on": f"SELECT count(*) FROM people WHERE dir = 'C:\\' OR email = '{SECRET_EMAIL}' OR n = {SECRET_NUMBER}",
        "off": f"SELECT count(*) FROM people WHERE note = 'it\\'s {SECRET_EMAIL}' OR n = {SECRET_NUMBER}",
    }[standard_conforming_strings]
    tp, exporter = provider
    PsycopgInstrumentor().instrument(tracer_provider=tp)
    try:
        with psycopg.connect(postgres, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS people")
            cur.execute("CREATE TABLE people (dir text, email text, note text, n bigint)")
            cur.execute(f"SET standard_conforming_strings = {standard_conforming_strings}")
            cur.execute(statement)
            assert cur.fetchone() == (0,)
    finally:
        PsycopgInstrumentor().uninstrument()
    spans = exporter.get_finished_spans()
    dump = repr([(s.name, dict(s.attributes)) for s in spans])
    assert SECRET_EMAIL not in dump and SECRET_NUMBER not in dump and "carol" not in dump
    select = next(s for s in spans if (s.attributes.get("db.statement") or "").startswith("SELECT count(*)"))
    assert select.attributes["db.query.summary"] == "SELECT people"
