"""Overhead of performance capture, in one run.

(a) per-span capture: the cost of creating and ending a span with 10 attributes (exported to a no-op
    exporter through SimpleSpanProcessor) with and without per-span capture (CPU + GC + exception
    path tidying, the defaults). Two baselines: the bare SDK, and the product's own pipeline
    (PrivacySpanProcessor in front of the exporter, as configure() builds it).
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

from otel_privacy import PrivacySpanProcessor, Redactor  # noqa: E402
from otel_privacy.perf import PerfConfig, install_perf  # noqa: E402

ATTRS = {f"app.attr{i}": f"value-{i}" for i in range(8)} | {"http.response.status_code": 200, "app.n": 3}


class Null(SpanExporter):
    def export(self, spans):
        return SpanExportResult.SUCCESS

    def shutdown(self):
        pass


def provider(privacy: bool = False, **perf):
    tp = TracerProvider()
    exporting = SimpleSpanProcessor(Null())
    tp.add_span_processor(PrivacySpanProcessor(exporting, policy="default") if privacy else exporting)
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
    priv, _ = provider(privacy=True)
    priv_cap, c3 = provider(privacy=True, cpu=True, gc=True, profiler=False)
    prof, c2 = provider(cpu=False, gc=False, exceptions=False, profiler=True, profiler_hz=100)
    repeats = 15
    res = measure({
        "span_plain": spans(plain),
        "span_capture": spans(percap),
        "span_privacy": spans(priv),
        "span_privacy_capture": spans(priv_cap),
        "work_plain": workload(plain),
        "work_profiler": workload(prof),
    }, repeats=repeats)
    samples = c2.profiler.samples
    for c in (c1, c2, c3):
        c.shutdown()

    def cost(k: str) -> float:
        return res[k]["cpu_s_per_op"]

    span_ratio = cost("span_capture") / cost("span_plain")
    priv_ratio = cost("span_privacy_capture") / cost("span_privacy")
    prof_ratio = cost("work_profiler") / cost("work_plain")
    added_us = (cost("span_capture") - cost("span_plain")) * 1e6
    print(f"span with 10 attributes, bare SDK: {cost('span_plain') * 1e6:.2f} µs; with per-span capture "
          f"{cost('span_capture') * 1e6:.2f} µs -> +{(span_ratio - 1) * 100:.1f}% (+{added_us:.2f} µs; target <= 5%)")
    print(f"same span through the privacy pipeline: {cost('span_privacy') * 1e6:.2f} µs; with per-span capture "
          f"{cost('span_privacy_capture') * 1e6:.2f} µs -> +{(priv_ratio - 1) * 100:.1f}%")
    print(f"CPU-bound workload: profiler at 100 Hz adds {(prof_ratio - 1) * 100:.1f}% process CPU (target <= 2%); "
          f"samples taken: {samples}")
    path = write_result("bench_perf", {
        "method": f"median of {repeats} interleaved repeats, process CPU time (includes the sampler thread)",
        "results": res,
        "per_span_overhead": span_ratio - 1, "per_span_added_us": added_us,
        "per_span_overhead_vs_privacy_pipeline": priv_ratio - 1,
        "profiler_overhead": prof_ratio - 1, "profiler_samples": samples,
        "targets": {"per_span": 0.05, "profiler": 0.02},
        "meets_targets": {"per_span": span_ratio - 1 <= 0.05, "per_span_vs_privacy_pipeline": priv_ratio - 1 <= 0.05,
                          "profiler": prof_ratio - 1 <= 0.02},
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
