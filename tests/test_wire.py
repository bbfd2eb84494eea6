"""The wire walker (OTLP bytes → bytes) against the reference path (protobuf messages through the Redactor).

Every test runs on both faces of the walker: the compiled core (``otel_privacy._wirecore``) and the Python
walker. The property: for any export request, the walker's output, parsed, equals what
``otel_privacy.otlp.redact_request`` makes of the parsed request — same values changed, same records
counted, same redactor statistics. Malformed bytes raise :class:`WireError` exactly when protobuf refuses
them, and nothing is emitted then.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from leak_corpus import Corpus, build_requests
from otel_privacy import Redactor
from otel_privacy.otlp import redact_request
from otel_privacy.otlp_json import REQUEST_TYPES
from otel_privacy.wire import WireError, WireRedactor, compiled_core_available
from otlp_strategies import REQUESTS

POLICIES = ("default", "strict")


@pytest.fixture(params=["c", "python"])
def face(request):
    """Each test runs with the compiled core and with the Python walker."""
    if request.param == "c" and not compiled_core_available():
        pytest.skip("the compiled wire core is not built")
    return request.param


class Pair:
    """A reference redactor and a wire walker with the same policy, kept across examples (their caches too)."""

    def __init__(self, policy: str, face: str) -> None:
        self.ref = Redactor(policy)
        self.walker = WireRedactor(Redactor(policy), compiled=face == "c")
        self.ref_cache: dict = {}  # each side keeps its resource cache across requests, as a processor does

    def check(self, signal: str, data: bytes, stats: bool = True) -> bytes:
        cls = REQUEST_TYPES[signal]
        expected = cls.FromString(data)
        ref_stats, wire_stats = Counter(self.ref.stats), Counter(self.walker.redactor.stats)
        changed = redact_request(self.ref, expected, self.ref_cache)
        result = self.walker.redact(signal, data)
        got = cls.FromString(result.data)
        assert got == expected
        assert result.data == expected.SerializeToString() or \
            got.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True)
        assert result.changed == changed
        assert result.records == _records(signal, expected)
        if stats:  # (resource caches key by raw bytes here, by re-serialized bytes there: fuzzed bytes differ)
            assert Counter(self.walker.redactor.stats) - wire_stats == Counter(self.ref.stats) - ref_stats
        return result.data


def _records(signal: str, request) -> int:
    from otel_privacy.otlp_walk import count_records

    return count_records(signal, request)


_PAIRS: dict[tuple[str, str], Pair] = {}


def pair(policy: str, face: str) -> Pair:
    if (policy, face) not in _PAIRS:
        _PAIRS[policy, face] = Pair(policy, face)
    return _PAIRS[policy, face]


def test_the_compiled_core_is_built_and_used():
    # `make` installs with a C compiler; without one the package still works (the Python walker), but this
    # project's own test runs must exercise the C code
    assert compiled_core_available()
    assert WireRedactor(Redactor("default")).compiled


# -- the property ------------------------------------------------------------------------------------

def _faces() -> list[str]:
    return ["python", "c"] if compiled_core_available() else ["python"]


@pytest.mark.parametrize("signal", sorted(REQUESTS))
@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_wire_output_equals_the_reference(policy, signal, data):
    """Each generated request through both faces: each equals the reference, and the two are byte-identical."""
    raw = data.draw(REQUESTS[signal]).SerializeToString()
    outputs = {face: pair(policy, face).check(signal, raw) for face in _faces()}
    assert len(set(outputs.values())) == 1


def test_the_leak_corpus_through_the_wire(face):
    corpus = Corpus()
    p = Pair("default", face)
    out = b""
    for signal, request in build_requests(corpus).items():
        out += p.check(signal, request.SerializeToString())
    assert corpus.leaks(out) == []
    assert p.walker.fallbacks == 0  # the compiled core walked all of it itself


# -- shapes the field-by-field walk must not take at face value --------------------------------------

def _span_request(span_bytes: bytes) -> bytes:
    """An ExportTraceServiceRequest holding one span given as bytes."""
    scope_spans = b"\x12" + _len(span_bytes) + span_bytes
    resource_spans = b"\x12" + _len(scope_spans) + scope_spans
    return b"\x0a" + _len(resource_spans) + resource_spans


def _len(b: bytes) -> bytes:
    return _len_of(len(b))


def _len_of(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _len_of(number << 3 | 2) + _len_of(len(payload)) + payload


def _kv(key: bytes, value: bytes) -> bytes:
    return _field(1, key) + _field(2, value)


_SQL = AnyValue(string_value="SELECT * FROM users WHERE email = 'alice@example.com'").SerializeToString()
_MAIL = AnyValue(string_value="mail alice@example.com").SerializeToString()

NON_CANONICAL = {
    # protobuf keeps the last of a singular field: the first name must not decide, nor be counted
    "span name twice": _field(5, b"SELECT * FROM t WHERE a = 'alice@example.com'") + _field(5, b"GET /users/42"),
    # messages written twice are merged
    "status twice": _field(15, _field(2, b"alice@example.com failed")) + _field(15, b"\x18\x02"),
    "AnyValue with two members": _field(9, _kv(b"app.note", _MAIL + b"\x18\x05")),
    "KeyValue with two keys": _field(9, _field(1, b"password") + _field(1, b"app.note") + _field(2, _MAIL)),
    "KeyValue with two values": _field(9, _field(1, b"db.statement") + _field(2, _SQL) + _field(2, _MAIL)),
    "repeated key": _field(9, _kv(b"app.note", _MAIL)) + _field(9, _kv(b"app.note", _SQL)),
    "key rewritten by the detectors": _field(9, _kv(b"sent.alice@example.com", _MAIL)),
    "wrong wire type for the name": b"\x28\x07" + _field(5, b"alice@example.com"),
}


@pytest.mark.parametrize("case", sorted(NON_CANONICAL))
def test_shapes_protobuf_reads_differently_from_a_walk(face, case):
    Pair("default", face).check("traces", _span_request(NON_CANONICAL[case]))


def test_a_request_with_two_resources_and_a_metric_with_two_data_members(face):
    p = Pair("default", face)
    resource = _field(1, _kv(b"deployment.note", _MAIL))
    group = _field(1, resource) + _field(1, _field(1, _kv(b"service.name", b"\x0a\x03svc"))) + \
        _field(2, _field(2, _field(5, b"")))
    p.check("traces", _field(1, group))
    point = _field(7, _kv(b"app.note", _MAIL))
    metric = _field(1, b"m") + _field(5, _field(1, point)) + _field(7, _field(1, point))
    p.check("metrics", _field(1, _field(2, _field(2, metric))))


# -- malformed bytes ------------------------------------------------------------------------------

def _deep_body(levels: int) -> bytes:
    value = AnyValue(string_value="x")
    for _ in range(levels):
        outer = AnyValue()
        outer.array_value.values.add().CopyFrom(value)
        value = outer
    log = _field(5, value.SerializeToString())
    return _field(1, _field(2, _field(2, log)))


MALFORMED = {
    "truncated tag": b"\x0a\x02\x12",
    "length past the end": b"\x0a\x05\x12\x00",
    "varint longer than ten bytes": _span_request(b"\x30" + b"\xff" * 10 + b"\x01"),
    "field number zero": b"\x02\x00",
    "wire type 6": b"\x0e",
    "wire type 7": b"\x0f",
    "stray end group": _span_request(b"\x7c"),
    "unterminated group": _span_request(b"\x7b"),
    "bad UTF-8 in a key": _span_request(_field(9, _kv(b"\xff\xfe", _MAIL))),
    "bad UTF-8 in a kept value": _span_request(_field(9, _kv(b"http.request.method", b"\x0a\x02\xc0\x80"))),
    "bad UTF-8 in the name": _span_request(_field(5, b"\xed\xa0\x80")),
    "bad UTF-8 in trace_state": _span_request(_field(3, b"\xff")),
    "bad UTF-8 deep in a body": _field(1, _field(2, _field(2, _field(5, _field(5, _field(1, b"\x0a\x01\xff")))))),
    "nested deeper than protobuf allows": _deep_body(49),
    "packed fixed64 of 7 bytes": _field(1, _field(2, _field(2, _field(1, b"h") + _field(9, _field(1, _field(
        6, b"\x00" * 7)))))),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_bytes_raise_wire_error(face, case):
    data = MALFORMED[case]
    signal = "logs" if case in ("bad UTF-8 deep in a body", "nested deeper than protobuf allows") else \
        "metrics" if case.startswith("packed") else "traces"
    with pytest.raises(Exception) as refused:
        REQUEST_TYPES[signal].FromString(data)
    assert "DecodeError" in type(refused.value).__name__ or "Error" in type(refused.value).__name__
    with pytest.raises(WireError):
        WireRedactor(Redactor("default"), compiled=face == "c").redact(signal, data)


def test_the_deepest_body_protobuf_accepts_is_walked(face):
    Pair("default", face).check("logs", _deep_body(48))


def test_fuzzed_requests_raise_wire_error_exactly_when_protobuf_refuses_them(face):
    """Seeded, bounded: truncations, bit flips, inserted and repeated slices of real requests."""
    rnd = random.Random(20)
    corpus = Corpus()
    seeds = [(s, r.SerializeToString()) for s, r in build_requests(corpus).items()]
    p = Pair("default", face)
    refused = accepted = 0
    for i in range(900 if face == "c" else 400):
        signal, data = seeds[i % len(seeds)]
        data = _mutate(rnd, data)
        try:
            REQUEST_TYPES[signal].FromString(data)
        except Exception:  # protobuf refuses: so must the walker, with its own error class and no output
            with pytest.raises(WireError):
                p.walker.redact(signal, data)
            refused += 1
            continue
        p.check(signal, data, stats=False)
        accepted += 1
    assert refused > i // 10 and accepted > i // 20  # both outcomes are really exercised


def _mutate(rnd: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.randrange(5)
        at = rnd.randrange(len(b) + 1)
        if op == 0:
            del b[at:]
        elif op == 1 and b:
            b[min(at, len(b) - 1)] ^= 1 << rnd.randrange(8)
        elif op == 2:
            b[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
        elif op == 3 and b:
            end = min(len(b), at + rnd.randint(1, 40))
            b[at:at] = b[at:end]
        elif b:
            b[min(at, len(b) - 1)] = rnd.choice([0x00, 0x7F, 0x80, 0xFF, 0x0A, 0x12])
    return bytes(b)


# -- the rest ------------------------------------------------------------------------------------

def test_an_empty_request_and_a_large_one(face):
    p = Pair("default", face)
    for signal in REQUESTS:
        assert p.walker.redact(signal, b"").data == b""
    corpus = Corpus()
    request = build_requests(corpus)["traces"]
    spans = request.resource_spans[0].scope_spans[0].spans
    for _ in range(11):  # 2048 spans
        spans.extend(list(spans))
    p.check("traces", request.SerializeToString())


def test_policy_off_returns_the_request_as_it_is(face):
    data = build_requests(Corpus())["logs"].SerializeToString()
    result = WireRedactor(Redactor("off"), compiled=face == "c").redact("logs", data)
    assert result.data == data and result.changed == 0 and result.records == 1


def test_each_walker_has_its_own_resource_cache(face):
    """Two walkers with different policies in a row (a processor chain): the second applies its own rules."""
    corpus = Corpus()
    data = build_requests(corpus)["traces"].SerializeToString()
    keep_all = WireRedactor(Redactor({"rules": [{"match": ["*"], "action": "keep"}], "record_summary": False}),
                            compiled=face == "c")
    default = WireRedactor(Redactor("default"), compiled=face == "c")
    once = keep_all.redact("traces", data).data
    twice = default.redact("traces", once).data
    assert b"canary" in once and corpus.leaks(twice) == []


# -- builds -----------------------------------------------------------------------------------------

def test_without_the_extension_the_python_walker_is_used():
    # as on a machine where `pip install` found no compiler: the import fails, nothing else changes
    import os
    import subprocess
    import sys

    script = """
import sys
sys.modules["otel_privacy._wirecore"] = None  # ImportError on import
from leak_corpus import Corpus, build_requests
from otel_privacy import Redactor
from otel_privacy.wire import WireRedactor, compiled_core_available
assert not compiled_core_available()
walker = WireRedactor(Redactor("default"))
assert not walker.compiled
corpus = Corpus()
out = b"".join(walker.redact(s, r.SerializeToString()).data for s, r in build_requests(corpus).items())
assert corpus.leaks(out) == [] and b"corpus-svc" in out
print("ok")
"""
    tests_dir = os.path.dirname(os.path.abspath(__file__))  # leak_corpus lives beside this file
    path = os.pathsep.join(p for p in (tests_dir, os.environ.get("PYTHONPATH", "")) if p)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=path))
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_the_core_built_without_openssl_asks_the_engine_for_pseudonyms(tmp_path, monkeypatch):
    """Without OpenSSL's headers the core is built all the same; its pseudonyms come from the engine."""
    import importlib.util
    import shutil
    import subprocess
    import sysconfig
    from pathlib import Path

    import otel_privacy.wire as wire

    if shutil.which("gcc") is None:
        pytest.skip("no C compiler")
    source = Path(wire.__file__).with_name("_wirecore.c")
    target = tmp_path / ("_wirecore" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-DWIRE_NO_OPENSSL", f"-I{sysconfig.get_paths()['include']}",
                    str(source), "-o", str(target)], check=True, capture_output=True, timeout=120)
    spec = importlib.util.spec_from_file_location("_wirecore", target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.NATIVE_HMAC == 0
    monkeypatch.setattr(wire, "_core", module)
    corpus = Corpus()
    p = Pair("default", "c")
    assert p.walker.compiled
    for signal, request in build_requests(corpus).items():
        p.check(signal, request.SerializeToString())
    assert p.walker.fallbacks == 0


# -- GenAI message events: the event name says the body is conversation content ----------------------------------

def _genai_logs() -> bytes:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    from otel_privacy.otlp import py_to_any

    message = {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {
        "name": "lookup", "arguments": '{"email": "bob@example.org", "password": "hunter2"}'}}]}
    records = [  # (event_name field, event.name attribute, body)
        ("gen_ai.user.message", None, {"content": "I am Priya, mail alice@example.com"}),
        ("gen_ai.assistant.message", None, message),
        ("gen_ai.choice", None, {"index": 0, "finish_reason": "stop", "message": {"content": "call 4111 1111 1111 1111"}}),
        ("", "gen_ai.system.message", {"content": "key ghp_abcdefghijklmnopqrstuvwxyz0123456789"}),
        ("gen_ai.user.message", None, "a plain string body, mail alice@example.com"),
        ("app.event", None, {"content": "not conversation, mail alice@example.com"}),
        ("", None, "no event at all, mail alice@example.com"),
    ]
    req = ExportLogsServiceRequest()
    scope = req.resource_logs.add().scope_logs.add()
    for name, attr, body in records:
        lr = scope.log_records.add(event_name=name)
        if attr:
            lr.attributes.add(key="event.name").value.string_value = attr
        lr.body.CopyFrom(py_to_any(body))
    return req.SerializeToString()


@pytest.mark.parametrize("policy", ["default", "strict", "hash"])
def test_genai_event_bodies_are_read_as_conversation_content(face, policy):
    """A body whose event name (the field, else the ``event.name`` attribute) is a GenAI message event is walked
    as that carrier in both walkers, as the reference does; the same record twice hits the memo the same way."""
    p = Pair({"genai": {"content": "hash"}} if policy == "hash" else policy, face)  # type: ignore[arg-type]
    data = _genai_logs()
    out = p.check("logs", data)
    assert p.check("logs", data) == out
    for planted in (b"alice@example.com", b"hunter2", b"4111 1111 1111 1111", b"ghp_abcdefghij", b"bob@example.org"):
        assert planted not in out, planted
    assert b"lookup" in out and b"assistant" in out
    if policy != "default":  # the mode of the GenAI walker, not the generic one
        assert (b"<dropped: " if policy == "strict" else b"h_") in out
