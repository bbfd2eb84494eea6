"""Performance capture that is safe to send: per-span CPU/GC, a profiler linked to spans, safe args.

    python examples/perf_demo.py            # prints what would be sent: the redacted spans
    python examples/perf_demo.py --pprof /tmp/profile.pb.gz   # also write the process profile
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

import otel_privacy
from otel_privacy import trace_function


@trace_function(capture_args=True)
def price(order_id: int, card_number: str, coupon: str | None = None) -> float:
    total = 0.0
    for i in range(2_000_000):  # something for the profiler to see
        total += (i % 7) * 0.01
    return round(total, 2)


class PrintExporter(SpanExporter):
    """Shows exactly what leaves the process (after the privacy processor)."""

    def export(self, spans):
        for span in spans:
            print(json.dumps({"name": span.name, "attributes": dict(span.attributes),
                              "events": [{"name": e.name, "attributes": dict(e.attributes)} for e in span.events]},
                             indent=2, default=str))
        return SpanExportResult.SUCCESS

    def shutdown(self):
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pprof", help="write the whole-process profile here (.pb.gz → pprof)")
    args = parser.parse_args()
    os.environ.setdefault("OTEL_TRACES_EXPORTER", "none")  # the demo needs no collector
    providers = otel_privacy.configure(
        "default", service_name="perf-demo", console=False, traces=True, logs=False, metrics_enabled=False,
        span_exporters=[PrintExporter()], set_global=True,
        perf={"profiler": True, "profiler_hz": 200, "profile_output": args.pprof},
    )
    with providers.tracer_provider.get_tracer("perf-demo").start_as_current_span("checkout"):
        price(42, "4111 1111 1111 1111", coupon="SPRING")
    providers.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
