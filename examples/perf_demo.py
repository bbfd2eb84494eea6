"""Performance capture that is safe to send: per-span CPU/GC, a profiler linked to spans, safe args.

    python examples/perf_demo.py            # prints the spans (redacted) to the console
    python examples/perf_demo.py --pprof /tmp/profile.pb.gz   # also write the process profile
"""

from __future__ import annotations

import argparse
import sys

import otel_privacy
from otel_privacy import trace_function


@trace_function(capture_args=True)
def price(order_id: int, card_number: str, coupon: str | None = None) -> float:
    total = 0.0
    for i in range(200_000):  # something for the profiler to see
        total += (i % 7) * 0.01
    return round(total, 2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pprof", help="write the whole-process profile here (.pb.gz → pprof)")
    args = parser.parse_args()
    providers = otel_privacy.configure(
        "default", service_name="perf-demo", console=True, traces=True, logs=False, metrics_enabled=False,
        span_exporters=[], set_global=True,
        perf={"profiler": True, "profiler_hz": 200, "profile_output": args.pprof},
    )
    with providers.tracer_provider.get_tracer("perf-demo").start_as_current_span("checkout"):
        price(42, "4111 1111 1111 1111", coupon="SPRING")
    providers.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
