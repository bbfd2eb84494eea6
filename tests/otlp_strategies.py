"""Hypothesis strategies for OTLP export requests: every signal, every AnyValue type, nested bodies, maps,
repeated keys, unknown fields, empty and large messages — built as protobuf messages, so every request is
one the reference path (``otel_privacy.otlp.redact_request``) accepts too.

Values and keys are drawn mostly from pools of what the policy acts on (SQL, URLs, identities, IPs, secrets,
structures inside strings, pseudonyms, numbers written as text), so the interesting plans are reached, and
partly from arbitrary text.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.metrics.v1.metrics_pb2 import Exemplar, Metric
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

TEXTS = [
    "", "plain words", "GET", "POST", "postgresql", "MySQL", "mongodb", "redis", "sqlite",
    "SELECT * FROM users WHERE id = 42 AND email = 'alice@example.com'",
    "select name from orders where total > 10.5 and note = 'x' -- comment",
    "INSERT INTO t (a, b) VALUES (1, 'two'), (3, 'four')",
    "SELECT", "SELECT users", "UPDATE accounts SET balance = 0 WHERE id IN (1, 2, 3)",
    '{"find": "users", "filter": {"email": "bob@example.com"}}', "SET session:42 secret-value",
    "GET /users/123?token=abc", "GET /orders/{id}", "POST /api/orders/9f1c2e3a-1111-2222-3333-444455556666",
    "https://user:pass@shop.example/a/123?q=1&token=xyz#frag", "/api/orders/42?page=2", "shop.example",
    "alice@example.com", "mail canary.user@example.org now", "4111 1111 1111 1111", "DE89370400440532013000",
    "123-45-6789", "Bearer abcdef0123456789abcdef", "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----",
    "203.0.113.7", "10.1.2.3:8080", "2001:db8::1", "[2001:db8::2]:443", "010.1.2.3", "256.1.1.1", "192.168.1.0",
    '{"password": "hunter2", "user": "bob", "n": 3}', "password=hunter2&user=bob", "{'token': 'abc', 'x': 1}",
    '{"db.statement": "SELECT 1 FROM t WHERE a = \'x\'"}', "u_0123456789abcdef", "u_zz", "REDACTED",
    "--password", "hunter2", "12", "3.5", " 7 ", "-1e3", "true", "null", "ünïcødé ✓ 名前", "a%40b.com",
    "alice%2540example.com", "x" * 300, "line one\nline two alice@example.com", "12345678901234567890",
]
KEYS = [
    "db.system", "db.system.name", "db.statement", "db.query.text", "db.query.summary", "db.operation.name",
    "db.collection.name", "url.full", "http.url", "http.target", "url.query", "url.path", "http.route",
    "enduser.id", "user.id", "user.email", "user.name", "client.address", "net.peer.ip", "server.address",
    "http.request.method", "http.response.status_code", "http.request.header.authorization",
    "http.request.header.cookie", "password", "db.password", "api_key", "app.secret", "session.id",
    "token_count", "gen_ai.usage.input_tokens", "app.count", "retry.count", "app.note", "app.items",
    "exception.message", "exception.stacktrace", "process.command_args", "process.command_line", "message",
    "otel_privacy.redacted.count", "otel_privacy.policy", "sent.alice@example.com", "k", "ctx", "",
    "service.name", "deployment.note", "test.pass", "aws.credentials", "log.note",
]


def _text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(TEXTS), st.sampled_from(TEXTS), st.text(max_size=40))


def _key() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(KEYS), st.sampled_from(KEYS), st.sampled_from(KEYS), st.text(max_size=12))


_SCALAR = st.one_of(
    _text().map(lambda s: AnyValue(string_value=s)),
    st.booleans().map(lambda b: AnyValue(bool_value=b)),
    st.one_of(st.integers(-2**63, 2**63 - 1), st.integers(-5, 300)).map(lambda i: AnyValue(int_value=i)),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: AnyValue(double_value=f)),
    st.one_of(st.binary(max_size=24), _text().map(lambda s: s.encode("utf-8"))).map(lambda b: AnyValue(bytes_value=b)),
    st.just(AnyValue()),
    st.integers(0, 5).map(lambda i: AnyValue(string_value_strindex=i)),
)


def _array(children: st.SearchStrategy[AnyValue]) -> st.SearchStrategy[AnyValue]:
    def build(items: list[AnyValue]) -> AnyValue:
        v = AnyValue()
        v.array_value.SetInParent()
        v.array_value.values.extend(items)
        return v
    return st.lists(children, max_size=4).map(build)


def _kvlist(children: st.SearchStrategy[AnyValue]) -> st.SearchStrategy[AnyValue]:
    def build(items: list[tuple[str, AnyValue]]) -> AnyValue:
        v = AnyValue()
        v.kvlist_value.SetInParent()
        for k, child in items:
            v.kvlist_value.values.add(key=k).value.CopyFrom(child)
        return v
    return st.lists(st.tuples(_key(), children), max_size=4).map(build)


ANY_VALUES: st.SearchStrategy[AnyValue] = st.recursive(
    _SCALAR, lambda children: st.one_of(_array(children), _kvlist(children)), max_leaves=12)

# argv-like arrays: the element after --password is a password
_ARGV = st.lists(st.sampled_from(["--password", "hunter2", "-v", "--user", "bob", "--token", "abc"]),
                 max_size=5).map(lambda items: AnyValue(array_value={"values": [AnyValue(string_value=s)
                                                                                for s in items]}))


def _kv(key: str, value: AnyValue | None) -> KeyValue:
    kv = KeyValue(key=key)
    if value is not None:
        kv.value.CopyFrom(value)
    return kv


KEY_VALUES = st.tuples(_key(), st.one_of(ANY_VALUES, _SCALAR, _ARGV, st.none())).map(lambda t: _kv(*t))
ATTRIBUTES = st.lists(KEY_VALUES, max_size=8)
# attribute lists with a database system first (SQL dialects, NoSQL) and the statement keys that read it
DB_ATTRIBUTES = st.tuples(
    st.sampled_from(["postgresql", "mysql", "mongodb", "redis", "sqlite", "PostgreSQL", "", "cassandra"]),
    st.sampled_from(["db.system", "db.system.name"]),
    st.sampled_from(TEXTS[5:16]),
    ATTRIBUTES,
).map(lambda t: [_kv(t[1], AnyValue(string_value=t[0])), _kv("db.statement", AnyValue(string_value=t[2])), *t[3]])

ANY_ATTRIBUTES = st.one_of(ATTRIBUTES, ATTRIBUTES, DB_ATTRIBUTES)

# unknown fields (numbers no OTLP message uses), merged into messages as they were written by a newer producer
_UNKNOWN = st.lists(st.sampled_from([
    b"\xa0\x06\x05",  # field 100 varint
    b"\xa2\x06\x03abc",  # field 100 length-delimited
    b"\xa9\x06" + b"\x01" * 8,  # field 101 fixed64
    b"\xad\x06\x01\x02\x03\x04",  # field 101 fixed32
    b"\xab\x06\xa0\x06\x01\xac\x06",  # field 101 group holding a varint
    b"\xf8\x07\x01",  # field 127 varint
]), max_size=2).map(b"".join)


def _with_unknown(message: Any, unknown: bytes) -> Any:
    if unknown:
        message.MergeFromString(unknown)
    return message


def _resource() -> st.SearchStrategy[Resource]:
    return st.tuples(ANY_ATTRIBUTES, st.integers(0, 3), _UNKNOWN).map(
        lambda t: _with_unknown(Resource(attributes=t[0], dropped_attributes_count=t[1]), t[2]))


def _scope() -> st.SearchStrategy[InstrumentationScope]:
    return st.tuples(st.sampled_from(["", "lib", "io.opentelemetry.sqlite3"]), st.sampled_from(["", "1.0"]),
                     st.one_of(st.just([]), ATTRIBUTES), _UNKNOWN).map(
        lambda t: _with_unknown(InstrumentationScope(name=t[0], version=t[1], attributes=t[2]), t[3]))


_NAMES = st.one_of(_text(), st.sampled_from(["GET /users/123", "SELECT users", "SELECT * FROM t WHERE a = 1",
                                             "HTTP GET", "db.query", "find users"]))


@st.composite
def spans(draw: Any) -> Span:
    span = Span(trace_id=draw(st.binary(min_size=16, max_size=16)), span_id=draw(st.binary(min_size=8, max_size=8)),
                name=draw(_NAMES), kind=draw(st.integers(0, 5)), start_time_unix_nano=draw(st.integers(0, 2**63)),
                trace_state=draw(st.sampled_from(["", "vendor=x"])), flags=draw(st.integers(0, 2**32 - 1)))
    span.attributes.extend(draw(ANY_ATTRIBUTES))
    for _ in range(draw(st.integers(0, 2))):
        ev = span.events.add(name=draw(_NAMES), time_unix_nano=draw(st.integers(0, 10)))
        ev.attributes.extend(draw(st.one_of(ATTRIBUTES, DB_ATTRIBUTES)))
        _with_unknown(ev, draw(_UNKNOWN))
    for _ in range(draw(st.integers(0, 2))):
        link = span.links.add(trace_id=draw(st.binary(min_size=16, max_size=16)))
        link.attributes.extend(draw(ATTRIBUTES))
    status = draw(st.one_of(st.none(), st.tuples(_text(), st.integers(0, 2))))
    if status is not None:
        span.status.CopyFrom(Status(message=status[0], code=status[1]))
    return _with_unknown(span, draw(_UNKNOWN))


@st.composite
def log_records(draw: Any) -> LogRecord:
    lr = LogRecord(time_unix_nano=draw(st.integers(0, 2**63)), severity_number=draw(st.integers(0, 24)),
                   severity_text=draw(st.sampled_from(["", "INFO", "ERROR"])),
                   event_name=draw(st.one_of(st.just(""), _text())))
    body = draw(st.one_of(st.none(), ANY_VALUES, _SCALAR))
    if body is not None:
        lr.body.CopyFrom(body)
    lr.attributes.extend(draw(ANY_ATTRIBUTES))
    return _with_unknown(lr, draw(_UNKNOWN))


@st.composite
def metrics(draw: Any) -> Metric:
    m = Metric(name=draw(st.sampled_from(["orders.duration", "x"])), description=draw(_text()),
               unit=draw(st.sampled_from(["", "ms"])))
    m.metadata.extend(draw(st.one_of(st.just([]), ATTRIBUTES)))
    kind = draw(st.sampled_from(["gauge", "sum", "histogram", "exponential_histogram", "summary", None]))
    if kind is not None:
        data = getattr(m, kind)
        data.SetInParent()
        for _ in range(draw(st.integers(0, 3))):
            point = data.data_points.add(time_unix_nano=draw(st.integers(0, 2**63)))
            point.attributes.extend(draw(ANY_ATTRIBUTES))
            if kind == "histogram":
                point.bucket_counts.extend(draw(st.lists(st.integers(0, 2**64 - 1), max_size=3)))
                point.explicit_bounds.extend(draw(st.lists(st.floats(allow_nan=False), max_size=3)))
            if kind == "exponential_histogram":
                point.positive.bucket_counts.extend(draw(st.lists(st.integers(0, 99), max_size=3)))
            if kind == "summary":
                point.quantile_values.add(quantile=0.5, value=1.0)
            elif kind in ("gauge", "sum"):
                point.as_int = draw(st.integers(-3, 3))
            if kind != "summary":
                for _ in range(draw(st.integers(0, 2))):
                    point.exemplars.append(Exemplar(filtered_attributes=draw(ATTRIBUTES), as_double=1.5,
                                                    span_id=b"\x01" * 8))
            _with_unknown(point, draw(_UNKNOWN))
    return _with_unknown(m, draw(_UNKNOWN))


def _request(cls: Any, group_field: str, scope_field: str, item_field: str,
             items: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    @st.composite
    def build(draw: Any) -> Any:
        req = cls()
        for _ in range(draw(st.integers(0, 2))):
            group = getattr(req, group_field).add()
            if draw(st.booleans()):
                group.resource.CopyFrom(draw(_resource()))
            group.schema_url = draw(st.sampled_from(["", "https://opentelemetry.io/schemas/1.26.0"]))
            for _ in range(draw(st.integers(0, 2))):
                sg = getattr(group, scope_field).add()
                if draw(st.booleans()):
                    sg.scope.CopyFrom(draw(_scope()))
                getattr(sg, item_field).extend(draw(st.lists(items, max_size=3)))
                _with_unknown(sg, draw(_UNKNOWN))
            _with_unknown(group, draw(_UNKNOWN))
        return _with_unknown(req, draw(_UNKNOWN))
    return build()


REQUESTS = {
    "traces": _request(ExportTraceServiceRequest, "resource_spans", "scope_spans", "spans", spans()),
    "logs": _request(ExportLogsServiceRequest, "resource_logs", "scope_logs", "log_records", log_records()),
    "metrics": _request(ExportMetricsServiceRequest, "resource_metrics", "scope_metrics", "metrics", metrics()),
}
