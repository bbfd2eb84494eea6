"""A record's attributes read together: a driver's parameters beside their statement (scrub/bound.py).

Drivers and ORMs that log or trace a statement often hand the bound values over a second time, next to it, under
a name too common to redact everywhere (Django's ``params`` extra beside ``sql``, node-pg's
``db.postgresql.values`` beside ``db.statement``, Knex's and Laravel's ``bindings``, Ecto's ``params``, a GraphQL
request's ``variables``). Beside a statement every value of such a container is replaced, its shape kept; without
one the container stays as it was (request params, model params). The same holds through every door — the
Redactor (SDK processors), the reference OTLP path, and both wire walkers (C and Python, byte for byte) — and for
maps inside values (a log body, a map-valued attribute).
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_privacy import PrivacyLogProcessor, PrivacySpanProcessor, Redactor
from otel_privacy.otlp import kv_to_dict, py_to_any, redact_request
from otel_privacy.wire import compiled_core_available
from wire_faces import Faces

R = "REDACTED"
TOK, TOK2 = "5tABwMyu14mXGBe4WIf0h01VpaNb6ahq", "KeNQTAqvaBTgMnTFKHXnuA3w9juKQ5rq"
NAME = "Rossi-48213"  # a value that is only a secret as a parameter (no detector finds it)

# (name, attributes, what the containers become: key -> expected value; every other key is checked unchanged
# except the statements, which their own rules rewrite)
BOUND = [
    ("django execute", {"duration": 0.002, "sql": f"SELECT * FROM users WHERE name = '{NAME}'",
                        "params": [NAME, TOK], "alias": "default"}, {"params": [R, R]}),
    ("django executemany", {"sql": "INSERT INTO invites (name, code) VALUES (%s, %s)",
                            "params": [[NAME, TOK], ["Novak-1", TOK2]], "alias": "default"},
     {"params": [[R, R], [R, R]]}),
    ("django named parameters", {"sql": "UPDATE users SET name = %(name)s WHERE id = %(id)s",
                                 "params": {"name": NAME, "id": 42}}, {"params": {"name": R, "id": R}}),
    ("node pg values", {"db.system": "postgresql", "db.statement": "SELECT * FROM t WHERE a = $1 AND b = $2",
                        "db.postgresql.values": [NAME, "7"]}, {"db.postgresql.values": [R, R]}),
    ("node mysql values", {"db.system": "mysql", "db.statement": "SELECT * FROM t WHERE a = ?",
                           "db.mysql.values": [TOK]}, {"db.mysql.values": [R]}),
    ("stable statement key, Sentry's db.params", {"db.query.text": "SELECT * FROM t WHERE email = %(email)s",
                                                 "db.params": {"email": NAME}}, {"db.params": {"email": R}}),
    ("knex bindings", {"sql": "select * from `users` where `name` = ?", "bindings": [NAME],
                       "method": "select"}, {"bindings": [R]}),
    ("laravel bindings", {"sql": "select * from users where token = ?", "bindings": [TOK], "time": 0.41,
                          "connection": "mysql"}, {"bindings": [R]}),
    ("rails binds", {"sql": 'SELECT "users".* FROM "users" WHERE "users"."name" = $1', "name": "User Load",
                     "binds": [NAME], "type_casted_binds": [NAME]}, {"binds": [R], "type_casted_binds": [R]}),
    ("ecto query", {"query": 'SELECT u0."id" FROM "users" AS u0 WHERE (u0."name" = $1)', "params": [NAME],
                    "cast_params": [NAME], "source": "users"}, {"params": [R], "cast_params": [R]}),
    ("asyncpg args as a repr", {"query": "SELECT * FROM t WHERE a = $1 AND b = $2", "args": f"('{TOK}', 3, None)"},
     {"args": f"('{R}', '{R}', None)"}),
    ("prisma params as JSON", {"query": "SELECT `main`.`User`.`id` FROM `main`.`User` WHERE `name` = ?",
                               "params": f'["{NAME}",1]', "duration": 3, "target": "quaint::connector"},
     {"params": f'["{R}","{R}"]'}),
    ("typeorm parameters, a scalar", {"query": "SELECT * FROM user WHERE id = $1", "parameters": 42},
     {"parameters": R}),
    ("a cypher query's parameters", {"query": "MATCH (u:User {name: $name}) RETURN u",
                                     "parameters": {"name": NAME}}, {"parameters": {"name": R}}),
    ("a graphql request's variables", {"query": "query ($n: String!) { user(name: $n) { id } }",
                                       "variables": {"n": NAME}}, {"variables": {"n": R}}),
    ("a numbered member of a container", {"sql": "SELECT * FROM t WHERE a = ?", "db.sql.args.0": NAME},
     {"db.sql.args.0": R}),
    ("booleans, numbers and bytes go, nulls stay", {"db.statement": "SELECT 1", "params": [True, 2.5, None, NAME]},
     {"params": [R, R, None, R]}),
]

KEPT = [
    # (name, attributes): no statement beside the container, or a container that is no parameters
    ("request params", {"http.route": "/search", "params": ["red-shoes", "size-42"], "args": {"page": "2"}}),
    ("model params", {"model": "gpt-4o", "params": {"temperature": 0.2, "max_tokens": 256}}),
    ("a search query is no statement", {"query": "red shoes size 42", "params": ["page", "2"]}),
    ("an empty statement", {"db.statement": "", "params": ["lookup-17"]}),
    ("a statement that is no string", {"sql": 1, "params": ["lookup-17"]}),
    ("the paramstyle and the types beside a statement", {"sql": "SELECT * FROM t WHERE a = %s",
                                                         "db.paramstyle": "format", "types": [2, 1]}),
]


def _set(attrs: Any, values: dict[str, Any]) -> None:
    for k, v in values.items():
        kv = attrs.add(key=k)
        if v is not None:
            kv.value.CopyFrom(py_to_any(v))


def _request(signal: str, attributes: dict[str, Any], body: Any = None) -> Any:
    if signal == "traces":
        req = ExportTraceServiceRequest()
        record = req.resource_spans.add().scope_spans.add().spans.add(name="db", trace_id=bytes(16), span_id=bytes(8))
        for name in ("audit", "link"):  # events and links are attribute sets too
            _set(record.events.add(name=name).attributes if name == "audit" else record.links.add(
                trace_id=bytes(16), span_id=b"\x01" * 8).attributes, attributes)
    else:
        req = ExportLogsServiceRequest()
        record = req.resource_logs.add().scope_logs.add().log_records.add()
        if body is not None:
            record.body.CopyFrom(py_to_any(body))
    _set(record.attributes, attributes)
    return req


def _records(req: Any) -> list[dict[str, Any]]:
    """Every attribute set of the request's one record: its own, then its events' and links'."""
    if isinstance(req, ExportTraceServiceRequest):
        span = req.resource_spans[0].scope_spans[0].spans[0]
        return [kv_to_dict(span.attributes)] + [kv_to_dict(e.attributes) for e in span.events] + \
            [kv_to_dict(x.attributes) for x in span.links]
    return [kv_to_dict(req.resource_logs[0].scope_logs[0].log_records[0].attributes)]


FACES = Faces({"default": "default", "strict": "strict"})
# the reference path (otlp.redact_request), one redactor per policy shared as a processor shares its own
REFS = {policy: Redactor(policy) for policy in ("default", "strict")}


def through_the_wire(signal: str, attributes: dict[str, Any], body: Any = None, policy: str = "default") -> Any:
    """The request through both wire walkers (byte-identical) and the reference path: all three agree."""
    req = _request(signal, attributes, body)
    out = FACES.same(policy, req.SerializeToString(), signal)
    ref = type(req)()
    ref.CopyFrom(req)
    redact_request(REFS[policy], ref)
    got = type(req).FromString(out)
    assert got == ref
    return got


def _plain(v: Any) -> Any:
    """Tuples as lists (the SDK keeps sequences as tuples, OTLP decodes arrays as lists)."""
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _check(out: dict[str, Any], attributes: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in attributes.items():
        if key in expected:
            assert _plain(out[key]) == expected[key], key
        elif key not in ("sql", "query", "db.statement", "db.query.text"):
            assert _plain(out[key]) == _plain(value), key


@pytest.mark.parametrize("name,attributes,expected", BOUND, ids=[c[0] for c in BOUND])
def test_parameters_beside_a_statement_lose_every_value_and_keep_their_shape(name, attributes, expected):
    r = Redactor("default")
    out = r.redact_attributes(attributes)
    _check(out, attributes, expected)
    again = r.redact_attributes(out)  # a second door (the gateway after the SDK) changes nothing more
    assert {k: again[k] for k in expected} == {k: out[k] for k in expected}
    assert r.redact_log(None, attributes).count >= sum(1 for k in expected)
    for signal in ("traces", "logs"):
        for got in _records(through_the_wire(signal, attributes)):
            _check(got, attributes, expected)


@pytest.mark.parametrize("name,attributes", KEPT, ids=[c[0] for c in KEPT])
def test_containers_without_a_statement_beside_them_stay(name, attributes):
    out = Redactor("default").redact_attributes(attributes)
    for key in ("params", "args", "types", "db.paramstyle"):
        if key in attributes:
            assert _plain(out[key]) == _plain(attributes[key]), key
    for signal in ("traces", "logs"):
        for got in _records(through_the_wire(signal, attributes)):
            for key in ("params", "args", "types", "db.paramstyle"):
                if key in attributes:
                    assert _plain(got[key]) == _plain(attributes[key]), key


def test_the_policys_own_rule_for_a_key_comes_first():
    """``db.statement.parameters`` has a redact rule (the whole text goes, as before); a keep rule keeps."""
    attrs = {"db.statement": "SELECT 1", "db.statement.parameters": f"('{TOK}', 1)", "params": [TOK]}
    assert Redactor("default").redact_attributes(attrs)["db.statement.parameters"] == R
    kept = Redactor({"extends": "default", "rules": [{"match": ["params"], "action": "keep"}]})
    assert kept.redact_attributes(attrs)["params"] == [TOK]


def test_maps_inside_values_are_read_together_too():
    """A log body or a map-valued attribute holding a statement and its parameters, through every face."""
    body = {"event": "query", "sql": "SELECT * FROM t WHERE name = %s", "params": [NAME, 3], "ms": 2}
    r = Redactor("default")
    assert r.redact_body(body)["params"] == [R, R]
    assert r.redact_body({"event": "search", "params": ["red-shoes"]})["params"] == ["red-shoes"]
    deep = {"batch": [{"sku": "A-1"}, {"db.query.text": "SELECT 1 WHERE a = %(a)s", "db.params": {"a": NAME}}]}
    assert r.redact_body(deep)["batch"][1]["db.params"] == {"a": R}  # a statement key at the end of a path
    nested = {"app.query": {"statement": "DELETE FROM t WHERE id = $1", "arguments": [TOK]}}
    assert r.redact_attributes(nested)["app.query"]["arguments"] == [R]
    got = through_the_wire("logs", nested, body)
    record = got.resource_logs[0].scope_logs[0].log_records[0]
    assert kv_to_dict(record.attributes)["app.query"]["arguments"] == [R]
    assert [v.string_value for v in next(kv.value for kv in record.body.kvlist_value.values
                                         if kv.key == "params").array_value.values] == [R, R]


EXECUTEMANY_LINES = [
    ("django", f"(0.001) INSERT INTO invites (name, code) VALUES (%s, %s); args=[['{NAME}', '{TOK}'], "
               f"['Novak-1', '{TOK2}']]; alias=default",
     f"(0.001) INSERT INTO invites (name, code) VALUES (%s, %s); args=[['{R}', '{R}'], ['{R}', '{R}']]; alias=default"),
    ("sqlalchemy error", f"[SQL: INSERT INTO t (a, b) VALUES (?, ?)]\n[parameters: [('{NAME}', 1), ('Novak-1', 2)]]",
     f"[SQL: INSERT INTO t (a, b) VALUES (?, ?)]\n[parameters: [('{R}', '{R}'), ('{R}', '{R}')]]"),
    ("sqlalchemy echo", f"[generated in 0.00012s] [('{NAME}', 'x'), ('Novak-1', 'y')]",
     f"[generated in 0.00012s] [('{R}', '{R}'), ('{R}', '{R}')]"),
]


@pytest.mark.parametrize("name,line,expected", EXECUTEMANY_LINES, ids=[c[0] for c in EXECUTEMANY_LINES])
def test_every_row_of_executemany_goes_in_text(name, line, expected):
    """The lines drivers write beside (or instead of) the attributes: rows of parameters are values, not (name,
    value) pairs — a statement without literals (placeholders only) still hands its parameters over."""
    assert Redactor("default").redact_text(line) == expected


def test_the_sdk_processors_redact_django_style_records_and_spans():
    """The SDK door with real providers: a stdlib record with Django's extras through LoggingHandler and the
    PrivacyLogProcessor, a span with node-pg's attributes through the PrivacySpanProcessor."""
    logs = InMemoryLogRecordExporter()
    lp = LoggerProvider()
    lp.add_log_record_processor(PrivacyLogProcessor(SimpleLogRecordProcessor(logs), "default"))
    logger = logging.getLogger("test.bound.django.db.backends")
    logger.setLevel(logging.DEBUG)
    handler = LoggingHandler(logger_provider=lp)
    logger.addHandler(handler)
    try:
        sql = "INSERT INTO invites (name, code) VALUES (%s, %s)"
        logger.debug("(%.3f) %s; args=%s; alias=%s", 0.001, sql, [[NAME, TOK]], "default",
                     extra={"duration": 0.001, "sql": sql, "params": [[NAME, TOK]], "alias": "default"})
        logger.debug("request", extra={"params": ["red-shoes"]})
    finally:
        logger.removeHandler(handler)
    first, second = (x.log_record for x in logs.get_finished_logs())
    assert _plain(first.attributes["params"]) == [[R, R]] and first.attributes["alias"] == "default"
    assert NAME not in str(first.body) and TOK not in str(first.body)
    assert _plain(second.attributes["params"]) == ["red-shoes"]

    spans = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(spans), "default"))
    with tp.get_tracer("t").start_as_current_span("pg.query:SELECT") as span:
        span.set_attributes({"db.system": "postgresql", "db.statement": "SELECT * FROM t WHERE a = $1",
                             "db.postgresql.values": [NAME]})
    [out] = spans.get_finished_spans()
    assert _plain(out.attributes["db.postgresql.values"]) == [R]


# -- C and Python, generated: statements and containers of every shape, byte for byte ----------------------
_KEYS = ["sql", "query", "statement", "db.statement", "db.query.text", "params", "args", "values", "bindings",
         "db.postgresql.values", "db.sql.args.1", "db.statement.parameters", "alias", "duration", "note", "user.id",
         "password"]
_STATEMENTS = ["SELECT * FROM t WHERE a = %s", "", "red shoes", "MATCH (n) RETURN n", "INSERT INTO t VALUES (?, ?)",
               "query { user { id } }", "delete from t where id = 1"]
_scalars = st.one_of(st.sampled_from([NAME, TOK, "REDACTED", "alice@example.com", ""]), st.integers(-3, 10**6),
                     st.booleans(), st.floats(allow_nan=False, allow_infinity=False, width=32), st.none())
_values = st.recursive(_scalars | st.sampled_from(_STATEMENTS) | st.just(f"('{TOK}', 3)") | st.binary(max_size=6),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                           st.sampled_from(["name", "id", "sql", "params", "e"]), inner, max_size=3), max_leaves=6)


@pytest.mark.skipif(not compiled_core_available(), reason="the compiled wire core is not built")
@settings(max_examples=15 if os.environ.get("CI") == "true" else 25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(attributes=st.dictionaries(st.sampled_from(_KEYS), _values, min_size=1, max_size=5),
       signal=st.sampled_from(["traces", "logs"]), policy=st.sampled_from(["default", "default", "strict"]))
def test_generated_attribute_sets_are_byte_identical_c_and_python(attributes, signal, policy):
    got = through_the_wire(signal, attributes, policy=policy)
    statement = any(isinstance(attributes.get(k), str) and attributes[k] for k in ("db.statement", "db.query.text")) \
        or any(attributes.get(k) in _STATEMENTS[:1] + _STATEMENTS[3:] for k in ("sql", "query", "statement"))
    if statement:  # every planted value in a container beside a statement is gone
        for key in ("params", "args", "values", "bindings", "db.postgresql.values", "db.sql.args.1"):
            if key in attributes:
                assert TOK not in repr(_records(got)[0].get(key)) and NAME not in repr(_records(got)[0].get(key))


def test_a_calls_arguments_and_a_frames_locals_are_read_together():
    """Performance capture: ``@trace_function(capture_args=True)`` on ``run(sql, params)`` and the locals of the
    frame an exception left (``capture_locals``, Django's ``_execute(self, sql, params)``)."""
    from otel_privacy import trace_function

    spans = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(spans))  # no privacy processor: perf capture redacts by itself

    @trace_function(tracer_provider=tp, capture_args=True, capture_locals=True)
    def run(sql, params):
        raise RuntimeError("statement failed")

    with pytest.raises(RuntimeError):
        run("INSERT INTO invites (name, code) VALUES (%s, %s)", [NAME, TOK])
    [span] = spans.get_finished_spans()
    assert span.attributes["otel_privacy.args.params.value"] == f"['{R}', '{R}']"
    [event] = [e for e in span.events if e.name == "exception"]
    assert f"params: list = ['{R}', '{R}']" in event.attributes["otel_privacy.exception.locals"]
    assert NAME not in repr(dict(span.attributes)) + repr(dict(event.attributes))

    @trace_function(tracer_provider=tp, capture_args=True)
    def search(query, params):
        return None

    search("red shoes", ["page-2"])
    assert spans.get_finished_spans()[-1].attributes["otel_privacy.args.params.value"] == "['page-2']"


# -- the same written as TEXT: one record's siblings inside a string (scrub/structure.py reads them together) -----
_SQL = "SELECT * FROM users WHERE name = %s AND code = %s"
TEXT_BOUND = [
    # (name, text, expected): every parameter goes, the text's syntax stays
    ("structlog JSON line", f'{{"event": "query", "sql": "{_SQL}", "params": ["{NAME}", "{TOK}"], "ms": 2}}',
     f'{{"event": "query", "sql": "{_SQL}", "params": ["{R}", "{R}"], "ms": 2}}'),
    ("python repr of the extras", f"db {{'sql': '{_SQL}', 'params': ('{NAME}', 3, None)}}",
     f"db {{'sql': '{_SQL}', 'params': ('{R}', '{R}', None)}}"),
    ("logfmt, the parameters a quoted repr", f"event=query sql=\"{_SQL}\" params=\"['{NAME}', 3]\" alias=default",
     f"event=query sql=\"{_SQL}\" params=\"['{R}', '{R}']\" alias=default"),
    ("structlog key=repr", f"event='query' sql='{_SQL}' params=['{NAME}', '{TOK}'] alias='default'",
     f"event='query' sql='{_SQL}' params=['{R}', '{R}'] alias='default'"),
    ("a bare token beside db.statement", f"db.statement=\"SELECT * FROM t WHERE a = $1\" args={NAME}",
     f"db.statement=\"SELECT * FROM t WHERE a = $1\" args={R}"),
    ("ruby hash inspect", f'sql.active_record {{"sql"=>"SELECT * FROM users WHERE name = $1", "binds"=>["{NAME}"]}}',
     f'sql.active_record {{"sql"=>"SELECT * FROM users WHERE name = $1", "binds"=>["{R}"]}}'),
    ("ruby symbols", f'{{:sql=>"SELECT * FROM t WHERE a = ?", :bindings=>["{NAME}", 7]}}',
     f'{{:sql=>"SELECT * FROM t WHERE a = ?", :bindings=>["{R}", "{R}"]}}'),
    ("nested objects: each object's own siblings",
     f'{{"ctx": {{"db.query.text": "DELETE FROM t WHERE id = $1", "db.params": {{"id": "{NAME}"}}}}, '
     f'"params": ["red-shoes"]}}',
     f'{{"ctx": {{"db.query.text": "DELETE FROM t WHERE id = $1", "db.params": {{"id": "{R}"}}}}, '
     f'"params": ["red-shoes"]}}'),
    ("a JSON string holding a JSON literal", f'{{"query": "SELECT a FROM t WHERE b = ?", "params": "[\\"{NAME}\\",1]"}}',
     f'{{"query": "SELECT a FROM t WHERE b = ?", "params": "[\\"{R}\\",\\"{R}\\"]"}}'),
    ("a call's keyword arguments", f"Query(sql='SELECT a FROM t WHERE b = %s', params=('{NAME}',))",
     f"Query(sql='SELECT a FROM t WHERE b = %s', params=('{R}',))"),
]
TEXT_KEPT = [
    # (name, text): no statement beside the container — today's reading stays
    ("request params in JSON", '{"event": "search", "query": "red shoes", "params": ["red-shoes", "size-42"]}'),
    ("model params in a repr", "{'model': 'gpt-4o', 'params': {'temperature': 0.2, 'max_tokens': 256}}"),
    ("logfmt without a statement", "event=search query=\"red shoes\" params=\"['red']\" page=2"),
    # (its statement is now read within its quotes: before, the statement probe ran past the closing quote)
    ("a statement on another line of logfmt", f"sql=\"{_SQL}\"\nparams=\"['red-shoes']\""),
    ("a statement in a sibling object", f'{{"a": {{"sql": "{_SQL}"}}, "b": {{"params": ["red-shoes"]}}}}'),
    ("a graphql request's variables go by their arguments",
     '{"query": "query ($id: ID!) { order(id: $id) { total } }", "variables": {"id": "ord_42"}}'),
]


@pytest.mark.parametrize("name,text,expected", TEXT_BOUND, ids=[c[0] for c in TEXT_BOUND])
def test_parameters_beside_a_statement_in_text_go_and_the_syntax_stays(name, text, expected):
    r = Redactor("default")
    assert r.redact_text(text) == expected
    assert r.redact_text(expected) == expected  # a second door changes nothing more
    assert r.redact_body(text) == expected
    got = through_the_wire("logs", {"app.detail": text}, text)  # an attribute and a string body, every walker
    record = got.resource_logs[0].scope_logs[0].log_records[0]
    assert record.body.string_value == expected and kv_to_dict(record.attributes)["app.detail"] == expected
    [span_attrs, *_] = _records(through_the_wire("traces", {"app.detail": text}))
    assert span_attrs["app.detail"] == expected


@pytest.mark.parametrize("name,text", TEXT_KEPT, ids=[c[0] for c in TEXT_KEPT])
def test_text_containers_without_a_statement_beside_them_keep_todays_reading(name, text):
    """Precision: the pass with the sibling reading equals the pass without it (bound.py's roles switched off)."""
    from otel_privacy.scrub import structure

    r = Redactor("default")
    got = r.redact_text(text)
    if "\n" in text:
        assert got == text
        return
    for kept in ("red-shoes", "size-42", "'red'", "ord_42", "0.2"):
        if kept in text:
            assert kept in got, kept
    roles = dict(structure._ROLES)
    try:
        structure._ROLES.clear()
        structure._ROLES.update(dict.fromkeys(("sql", "query", "params", "variables", "db.query.text"), 0))
        assert Redactor("default").redact_text(text) == got
    finally:
        structure._ROLES.clear()
        structure._ROLES.update(roles)
