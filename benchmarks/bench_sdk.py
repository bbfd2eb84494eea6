"""Per-span cost of the SDK door: the bare SDK vs the same pipeline behind PrivacySpanProcessor.

Each span has 10 attributes — a SQL statement and a URL with fresh literal values every span (so
no cache helps), a user id, and plain attributes — and is created, ended and OTLP-encoded in
batches of 512 (what BatchSpanProcessor + the OTLP exporter do, minus the network).
Target: privacy ≤ 1.25× the bare SDK. Prints the ratio; writes results/bench_sdk.json.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from _common import measure, write_result  # noqa: E402
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult  # noqa: E402

from otel_privacy import PrivacySpanProcessor, Redactor  # noqa: E402

SPANS = 4000
BATCH = 512


class EncodingExporter(SpanExporter):
    """Collects spans and OTLP-encodes them in batches, like the OTLP exporter minus the socket."""

    def __init__(self) -> None:
        self.pending: list = []
        self.bytes = 0

    def export(self, spans):
        self.pending.extend(spans)
        if len(self.pending) >= BATCH:
            self.flush()
        return SpanExportResult.SUCCESS

    def flush(self) -> None:
        if self.pending:
            self.bytes += len(encode_spans(self.pending).SerializeToString())
            self.pending = []


def make_provider(privacy: bool) -> tuple[TracerProvider, EncodingExporter]:
    exporter = EncodingExporter()
    processor = SimpleSpanProcessor(exporter)
    if privacy:
        processor = PrivacySpanProcessor(processor, redactor=Redactor({"identity": {"key": "bench"}}))
    tp = TracerProvider()
    tp.add_span_processor(processor)
    return tp, exporter


def workload(tp: TracerProvider, exporter: EncodingExporter, offset: list[int]) -> int:
    tracer = tp.get_tracer("bench")
    base = offset[0]
    offset[0] += SPANS
    for i in range(base, base + SPANS):
        with tracer.start_as_current_span("SELECT orders") as span:
            span.set_attribute("db.system", "postgresql")
            span.set_attribute("db.statement", f"SELECT id, total FROM orders WHERE customer_id = {i} AND "
                                               f"status = 'open-{i}' LIMIT 50")
            span.set_attribute("url.full", f"https://api.shop.example/v1/orders/{i}?session=s{i}&page=2")
            span.set_attribute("enduser.id", f"user-{i % 500}")
            span.set_attribute("http.request.method", "GET")
            span.set_attribute("http.response.status_code", 200)
            span.set_attribute("server.address", "api.shop.example")
            span.set_attribute("service.tier", "gold")
            span.set_attribute("retry.count", i % 3)
            span.set_attribute("cache.hit", bool(i % 2))
    exporter.flush()
    return SPANS


def main() -> None:
    os.environ.setdefault("OTEL_PRIVACY_HASH_KEY", "bench")
    bare = make_provider(False)
    private = make_provider(True)
    offsets = {"bare": [0], "privacy": [10_000_000]}  # fresh literal values every span, every repeat
    res = measure({
        "bare_sdk": lambda: workload(*bare, offsets["bare"]),
        "privacy_sdk": lambda: workload(*private, offsets["privacy"]),
    }, repeats=7)
    b, p = res["bare_sdk"]["cpu_s_per_op"], res["privacy_sdk"]["cpu_s_per_op"]
    ratio = p / b
    print(f"bench_sdk: {SPANS} spans x 7 interleaved repeats, 10 attributes, OTLP-encoded in batches of {BATCH}")
    print(f"  baseline bare SDK        : {b * 1e6:8.1f} µs CPU/span (median)")
    print(f"  with PrivacySpanProcessor: {p * 1e6:8.1f} µs CPU/span (median)")
    print(f"  ratio                    : {ratio:.2f}x   (target <= 1.25x) {'OK' if ratio <= 1.25 else 'MISSED'}")
    path = write_result("bench_sdk", {"spans_per_repeat": SPANS, "results": res, "ratio": ratio,
                                      "target_ratio": 1.25, "met": ratio <= 1.25})
    print(f"  wrote {path}")


if __name__ == "__main__":
    main()
