"""Per-span cost of the SDK door: the bare SDK vs the same pipeline with privacy, both ways configure() can put it.

Each span has 10 attributes — a SQL statement and a URL with fresh literal values every span (so
no cache helps), a user id, and plain attributes — and is created, ended and OTLP-encoded in
batches of 512 (what BatchSpanProcessor + the OTLP exporter do, minus the network).

Variants, measured in interleaved rounds (rotating order) on providers built once:
* ``bare_sdk`` (baseline) and ``bare_sdk_again`` (an A/A control: the noise floor of this run);
* ``export_path``: what configure() does where the compiled wire core is built — the encoded batch is
  redacted bytes → bytes by the wire engine before it would be sent (``redact_at="export"``);
* ``processor_path``: ``PrivacySpanProcessor`` in front of the exporter (a redacted copy of each span; its name and
  attributes redacted by the wire engine as a one-span request where the compiled core is built).

Reports the median of per-round ratios (variant / baseline in the same round). Target: both ≤ 1.25×.
Writes results/bench_sdk.json.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from _common import measure, paired_ratio, write_result  # noqa: E402
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult  # noqa: E402

from otel_privacy import PrivacySpanProcessor, Redactor  # noqa: E402
from otel_privacy.wire import WireRedactor, compiled_core_available  # noqa: E402

SPANS = 4000
BATCH = 512


class EncodingExporter(SpanExporter):
    """Collects spans and OTLP-encodes them in batches, like the OTLP exporter minus the socket; with a wire
    walker, each encoded batch is redacted as configure()'s OTLP exporters redact it."""

    def __init__(self, walker: WireRedactor | None = None) -> None:
        self.pending: list = []
        self.bytes = 0
        self.walker = walker

    def export(self, spans):
        self.pending.extend(spans)
        if len(self.pending) >= BATCH:
            self.flush()
        return SpanExportResult.SUCCESS

    def flush(self) -> None:
        if self.pending:
            data = encode_spans(self.pending).SerializeToString()
            if self.walker is not None:
                data = self.walker.redact("traces", data).data
            self.bytes += len(data)
            self.pending = []


def make_provider(variant: str) -> tuple[TracerProvider, EncodingExporter]:
    redactor = Redactor({"identity": {"key": "bench"}})
    exporter = EncodingExporter(WireRedactor(redactor) if variant == "export" else None)
    processor = SimpleSpanProcessor(exporter)
    if variant == "processor":
        processor = PrivacySpanProcessor(processor, redactor=redactor)
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
    providers = {name: make_provider(kind) for name, kind in (
        ("bare_sdk", "bare"), ("bare_sdk_again", "bare"), ("export_path", "export"), ("processor_path", "processor"))}
    offsets = {name: [i * 10_000_000] for i, name in enumerate(providers)}  # fresh literals every span and repeat
    for name, (tp, exporter) in providers.items():  # warm up: imports, plans, caches of repeating values
        workload(tp, exporter, [90_000_000 + offsets[name][0]])
    res = measure({name: (lambda name=name: workload(*providers[name], offsets[name])) for name in providers},
                  repeats=9, rotate=True)
    base = res["bare_sdk"]["cpu_s_per_op"]
    ratios = {name: paired_ratio(res, name, "bare_sdk") for name in providers if name != "bare_sdk"}
    print(f"bench_sdk: {SPANS} spans x 9 rounds (order rotated), 10 attributes, OTLP-encoded in batches of {BATCH}; "
          f"compiled wire core: {'yes' if compiled_core_available() else 'NO (export path runs the Python walker)'}")
    print(f"  baseline bare SDK             : {base * 1e6:8.1f} µs CPU/span (median)")
    labels = {"bare_sdk_again": "A/A control (bare again)", "export_path": "configure(): redact at export",
              "processor_path": "PrivacySpanProcessor"}
    for name, label in labels.items():
        r = ratios[name]
        target = "" if name == "bare_sdk_again" else f"  (target <= 1.25x) {'OK' if r <= 1.25 else 'MISSED'}"
        print(f"  {label:30}: {res[name]['cpu_s_per_op'] * 1e6:8.1f} µs CPU/span, {r:.2f}x{target}")
    met = all(ratios[n] <= 1.25 for n in ("export_path", "processor_path"))
    path = write_result("bench_sdk", {"spans_per_repeat": SPANS, "results": res, "paired_ratios": ratios,
                                      "target_ratio": 1.25, "met": met,
                                      "compiled_core": compiled_core_available()})
    print(f"  wrote {path}")


if __name__ == "__main__":
    main()
