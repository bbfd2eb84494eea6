"""The wire core's memo keeps each kind of step apart: the same bytes as a span name and as free text, as a URL's
host and as one of its path segments, give each its own result, in every order, through the C walker as through
the Python one (a memo that mixed kinds up would hand one the other's answer on the second request)."""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from otel_privacy.otlp import py_to_any
from otel_privacy.wire import compiled_core_available
from wire_faces import Faces

pytestmark = pytest.mark.skipif(not compiled_core_available(), reason="the compiled wire core is not built")

STATEMENT = "SELECT * FROM t WHERE a = 'x'"  # a span name: 'SELECT t'; free text: the literal goes
FACES = Faces({"default": "default"})


def _request(order: list[str]) -> bytes:
    req = ExportTraceServiceRequest()
    spans = req.resource_spans.add().scope_spans.add().spans
    for what in order:
        span = Span(trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="work")
        if what == "name":
            span.name = STATEMENT
        elif what == "status":
            span.status.message = STATEMENT
        elif what == "event":
            span.events.add(name=STATEMENT)
        elif what == "note":
            span.attributes.append(KeyValue(key="app.note", value=py_to_any(STATEMENT)))
        elif what == "host":
            span.attributes.append(KeyValue(key="url.full", value=py_to_any("https://10.1.2.3/x")))
        elif what == "segment":
            span.attributes.append(KeyValue(key="url.full", value=py_to_any("https://shop.example/10.1.2.3/x")))
        spans.append(span)
    return req.SerializeToString()


@pytest.mark.parametrize("order", [["name", "status", "event", "note"], ["note", "event", "status", "name"],
                                   ["host", "segment"], ["segment", "host"]], ids="-".join)
def test_the_same_bytes_as_different_kinds_keep_their_own_results(order):
    FACES._walkers.clear()  # fresh memos: the first request fills them, the second reads them
    for _ in range(2):
        out = ExportTraceServiceRequest.FromString(FACES.same("default", _request(order)))
    spans = {what: span for what, span in zip(order, out.resource_spans[0].scope_spans[0].spans)}
    if "name" in spans:
        assert spans["name"].name == "SELECT t"
        assert spans["status"].status.message == spans["event"].events[0].name == "SELECT * FROM t WHERE a = ?"
    if "host" in spans:
        assert spans["host"].attributes[0].value.string_value.startswith("https://10.1.2.0/")
        assert spans["segment"].attributes[0].value.string_value.startswith("https://shop.example/10.1.2.3/")
