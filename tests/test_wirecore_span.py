"""PrivacySpanProcessor's way onto the wire engine (``_wirecore.span_request`` / ``span_result``): a span's name and
attributes encoded exactly as protobuf encodes them, read back as the SDK holds them, and every other value left to
the Python steps. (That the processor's output equals the Python steps' is tests/test_parity.py.)"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue

from otel_privacy.otlp import py_to_any
from otel_privacy.wire import compiled_core_available

pytestmark = pytest.mark.skipif(not compiled_core_available(), reason="the compiled wire core is not built")

SCALARS = st.one_of(st.text(max_size=12), st.booleans(), st.integers(-(2 ** 63), 2 ** 63 - 1),
                    st.floats(allow_nan=False), st.sampled_from(["", "é", "a\u0000b", "日本"]))
ATTRIBUTES = st.dictionaries(st.text(max_size=8), st.one_of(SCALARS, st.lists(SCALARS, max_size=4).map(tuple)),
                             max_size=8)


def _protobuf(name: str, attributes: dict) -> bytes:
    req = ExportTraceServiceRequest()
    span = req.resource_spans.add().scope_spans.add().spans.add()
    span.name = name
    for k, v in attributes.items():
        span.attributes.append(KeyValue(key=k, value=py_to_any(v)))
    return req.SerializeToString()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=10), ATTRIBUTES)
def test_a_span_encodes_as_protobuf_does_and_reads_back(name, attributes):
    from otel_privacy import _wirecore

    data = _wirecore.span_request(name, attributes)
    assert data == _protobuf(name, attributes)
    assert _wirecore.span_result(data) == (name, attributes)


@pytest.mark.parametrize(("name", "value"), [
    ("bytes", b"x"), ("list", ["a"]), ("int-beyond-int64", 2 ** 63), ("map", {"a": 1}), ("nested", (("a",),)),
    ("none-in-array", (None,)), ("surrogate", "\ud800"), ("int-subclass", type("Count", (int,), {})(3)),
])
def test_values_the_encoder_does_not_take_go_to_the_python_steps(name, value):
    from otel_privacy import _wirecore

    assert _wirecore.span_request("span", {"a": "x", "v": value}) is None


@pytest.mark.parametrize(("name", "any_bytes"), [
    ("bytes", b"\x3a\x01x"), ("kvlist", b"\x32\x00"), ("empty", b""), ("nested-array", b"\x2a\x04\x0a\x02\x2a\x00"),
])
def test_values_the_reader_does_not_take_give_none(name, any_bytes):
    from otel_privacy import _wirecore

    kv = b"\x0a\x01a\x12" + bytes([len(any_bytes)]) + any_bytes
    span = b"\x4a" + bytes([len(kv)]) + kv
    data = b"\x0a" + bytes([len(span) + 4]) + b"\x12" + bytes([len(span) + 2]) + b"\x12" + bytes([len(span)]) + span
    assert _wirecore.span_result(data) is None
