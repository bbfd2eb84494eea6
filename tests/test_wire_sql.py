"""The wire core's SQL path (the SQL core's C API, no Python round trip) against the Python engine, byte for byte.

For a record whose database system routes every statement to one SQL dialect, the compiled wire core calls
the Redactor's own SQL obfuscator through ``scrub/_sqlcore_api.h`` and adds the derived attributes itself
(``db.query.summary``, ``db.operation.name``, ``db.collection.name``); NoSQL stores, query languages, records
without a database system, failures, truncation and joins to report stay with the Python step. These tests
generate statements and database systems around that split and require the C walker's output to equal the
Python walker's (the reference) byte for byte, statistics included, under several SQL policies.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from otel_privacy import Redactor
from otel_privacy.wire import WireRedactor, compiled_core_available
from wire_faces import Faces

POLICIES = {
    "default": "default",
    "no summary": {"sql": {"summary": False}},
    "relationships": {"sql": {"relationships": True}},
    "mysql dialect": {"sql": {"dialect": "mysql"}, "max_value_length": 48},
}
SYSTEMS = [None, "postgresql", "PostgreSQL", "mysql", "sqlite", "mssql", "oracle", "snowflake", "mongodb", "redis",
           "neo4j", "influxdb", "elasticsearch", "", "cassandra"]
STATEMENTS = [
    "SELECT * FROM orders WHERE id = 42 AND email = 'a@b.example'",
    "select id, total from orders o join customers c on c.id = o.cid where c.name = 'x'",
    "INSERT INTO users (name, ssn) VALUES ('alice', '123-45-6789'), ('bob', '987-65-4321')",
    "UPDATE accounts SET balance = 10.5 WHERE id IN (1, 2, 3)",
    "DELETE FROM sessions WHERE token = $1",
    "SELECT 1",
    "",
    "MATCH (n:Person {name: 'alice'}) RETURN n",
    "g.V().has('name', 'alice')",
    '{"find": "users", "filter": {"email": "a@b.example"}}',
    "SET session:abc 1",
    "query { user(id: 1) { name } }",
    "SELECT * FROM t WHERE s = 'it''s' -- comment",
    "SELECT * FROM t WHERE a = E'\\x41' AND b = \"quoted\"",
    "SELECT 'é' FROM ünicode WHERE x = 'ü'",
    "WITH x AS (SELECT * FROM a) SELECT * FROM x, y WHERE x.id = y.id",
]


@st.composite
def statements(draw) -> str:
    base = draw(st.sampled_from(STATEMENTS))
    if draw(st.booleans()):
        base = base.replace("42", str(draw(st.integers(0, 10**12))))
    if draw(st.booleans()):
        base += draw(st.text("SELECT *FROMWHERE'\"=?();,-/1a é", max_size=20))
    return base


def _request(records: list[tuple[str | None, str]]) -> bytes:
    req = ExportTraceServiceRequest()
    spans = req.resource_spans.add().scope_spans.add().spans
    for i, (system, statement) in enumerate(records):
        span = Span(trace_id=bytes(16), span_id=i.to_bytes(8, "big"), name="db")
        if system is not None:
            span.attributes.append(KeyValue(key="db.system", value=AnyValue(string_value=system)))
        span.attributes.append(KeyValue(key="db.statement", value=AnyValue(string_value=statement)))
        span.attributes.append(KeyValue(key="db.query.text", value=AnyValue(string_value=statement[::-1])))
        spans.append(span)
    return req.SerializeToString()


FACES = Faces(POLICIES)


def walkers(policy: str) -> tuple[WireRedactor, WireRedactor]:
    return FACES.walkers(policy)


def same_through_both(policy: str, records: list[tuple[str | None, str]]) -> bytes:
    return FACES.same(policy, _request(records))


def _native_sql() -> bool:
    return compiled_core_available() and "sql" in WireRedactor(Redactor("default"), compiled=True)._core.native_counts() \
        and WireRedactor(Redactor("default"))._engine.native_sql["engine"] is not None


pytestmark = pytest.mark.skipif(not compiled_core_available(), reason="the compiled wire core is not built")


@pytest.mark.parametrize("policy", sorted(POLICIES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=st.lists(st.tuples(st.sampled_from(SYSTEMS), statements()), min_size=1, max_size=4))
def test_generated_statements_are_byte_identical_through_the_sql_core(policy, records):
    same_through_both(policy, records)


def test_statements_of_sql_stores_take_the_c_path():
    if not _native_sql():
        pytest.skip("the SQL core's C API is not available (no compiler, or the Python SQL engine is in use)")
    c, _ = walkers("default")
    before = c._core.native_counts()["sql"]
    out = same_through_both("default", [("postgresql", "SELECT * FROM orders WHERE id = 42")])
    assert c._core.native_counts()["sql"] - before == 2  # db.statement and db.query.text
    assert b"SELECT * FROM orders WHERE id = ?" in out and b"db.query.summary" in out
    same_through_both("default", [("mongodb", '{"find": "users"}'), (None, "SELECT 1"), ("neo4j", "MATCH (n) RETURN n")])
    assert c._core.native_counts()["sql"] - before == 2  # none of these: the Python step routes them
