"""Overhead of performance capture, in one run.

(a) per-span capture: the cost of creating and ending a span with 10 attributes (exported to a no-op
    exporter through SimpleSpanProcessor) with and without the per-span CPU/GC processor.
    Target: ≤ 5% added to the span's own cost.
(b) profiler: a CPU-bound workload inside spans, with and without the sampler at 100 Hz, measured as
    process CPU time (which includes the sampler thread). Target: ≤ 2% of workload CPU.
Medians of interleaved repeats; prints ratios; writes results/bench_perf.json.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from _common import measure, write_result  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult  # noqa: E402

from otel_privacy import Redactor  # noqa: E402
from otel_privacy.perf import PerfConfig, install_perf  # noqa: E402

ATTRS = {f"app.attr{i}": f"value-{i}" for i in range(8)} | {"http.response.status_code": 200, "app.n": 3}


class Null(SpanExporter):
    def export(self, spans):
        return SpanExportResult.SUCCESS

    def shutdown(self):
        pass


def provider(**perf):
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(Null()))
    capture = install_perf(tp, None, PerfConfig(enabled=True, **perf), Redactor("default")) if perf else None
    return tp, capture


def spans(tp, n=3000):
    tracer = tp.get_tracer("bench")

    def run() -> int:
        for _ in range(n):
            with tracer.start_as_current_span("op", attributes=ATTRS):
                pass
        return n

    return run


def workload(tp, n=20):
    tracer = tp.get_tracer("bench")

    def run() -> int:
        for _ in range(n):
            with tracer.start_as_current_span("work"):
                total = 0
                for i in range(60_000):
                    total += i * i % 7
        return n

    return run


def main() -> None:
    plain, _ = provider()
    percap, c1 = provider(cpu=True, gc=True, profiler=False)
    prof, c2 = provider(cpu=False, gc=False, profiler=True, profiler_hz=100)
    res = measure({
        "span_plain": spans(plain),
        "span_capture": spans(percap),
        "work_plain": workload(plain),
        "work_profiler": workload(prof),
    }, repeats=9)
    c1.shutdown()
    c2.shutdown()
    span_ratio = res["span_capture"]["cpu_s_per_op"] / res["span_plain"]["cpu_s_per_op"]
    prof_ratio = res["work_profiler"]["cpu_s_per_op"] / res["work_plain"]["cpu_s_per_op"]
    print(f"span with 10 attributes: plain {res['span_plain']['cpu_s_per_op'] * 1e6:.2f} µs, with per-span "
          f"capture {res['span_capture']['cpu_s_per_op'] * 1e6:.2f} µs -> +{(span_ratio - 1) * 100:.1f}% "
          f"(target <= 5%)")
    print(f"CPU-bound workload: profiler at 100 Hz adds {(prof_ratio - 1) * 100:.1f}% process CPU (target <= 2%); "
          f"samples taken: {c2.profiler.samples}")
    path = write_result("bench_perf", {
        "method": "median of 9 interleaved repeats, process CPU time (includes the sampler thread)",
        "results": res, "per_span_overhead": span_ratio - 1, "profiler_overhead": prof_ratio - 1,
        "targets": {"per_span": 0.05, "profiler": 0.02},
        "meets_targets": {"per_span": span_ratio - 1 <= 0.05, "profiler": prof_ratio - 1 <= 0.02},
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
