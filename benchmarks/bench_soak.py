"""Gateway memory under a long full load: its RSS should stay flat (every cache is bounded).

A gateway process (OTLP/HTTP in → memory_limiter → privacy → OTLP/HTTP out) is fed as fast as two client
threads can post, for ``--seconds`` (default 600), with fresh values in every request (new SQL literals,
URLs, user ids, e-mails, a new resource now and then and new attribute keys now and then, so that the
resource cache, the key plans and the value memo keep filling and must bound themselves). The gateway's
RSS is sampled every 5 s; after a warm-up of a fifth of the run, a least-squares line through the samples
gives the slope in MiB per minute. A leak shows as a steady positive slope; allocator noise as a few
hundred KiB either way. Prints the slope and writes results/bench_soak.json.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import psutil  # noqa: E402
import requests  # noqa: E402
from _common import write_result  # noqa: E402
from bench_gateway import gateway_config, make_body, start_gateway  # noqa: E402
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402
from opentelemetry.proto.common.v1.common_pb2 import KeyValue  # noqa: E402

from otel_privacy.otlp import py_to_any  # noqa: E402
from otlp_sink import OtlpSink  # noqa: E402


def body(rnd: random.Random, n: int) -> bytes:
    """A request of 100 fresh spans; every 50th has a new resource, every 20th span a new attribute key."""
    req = ExportTraceServiceRequest.FromString(make_body(rnd))
    if n % 50 == 0:
        req.resource_spans[0].resource.attributes.append(KeyValue(key="host.name", value=py_to_any(f"host-{n}")))
    for i, span in enumerate(req.resource_spans[0].scope_spans[0].spans):
        if i % 20 == 0:
            span.attributes.append(KeyValue(key=f"app.custom_{n}_{i}", value=py_to_any(f"v{n}")))
    return req.SerializeToString()


def slope_mib_per_min(samples: list[tuple[float, int]]) -> float:
    xs = [t / 60 for t, _ in samples]
    ys = [rss / 2**20 for _, rss in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)))
    args = parser.parse_args()
    headers = {"Content-Type": "application/x-protobuf"}
    stop = threading.Event()
    sent = [0, 0]

    with OtlpSink() as sink, tempfile.TemporaryDirectory() as tmp:
        proc, port = start_gateway(gateway_config(sink.endpoint), tmp)
        gp = psutil.Process(proc.pid)

        def client(k: int) -> None:
            rnd = random.Random(k)
            session = requests.Session()
            n = k
            while not stop.is_set():
                r = session.post(f"http://127.0.0.1:{port}/v1/traces", data=body(rnd, n), headers=headers)
                if r.status_code == 200:
                    sent[k] += 1
                else:
                    time.sleep(0.5)  # the gateway pushed back: honour it
                n += 2
                if len(sink.bodies["traces"]) > 200:  # the sink keeps what it gets: let it forget
                    sink.bodies["traces"].clear()

        threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in (0, 1)]
        start = time.monotonic()
        for t in threads:
            t.start()
        samples: list[tuple[float, int]] = []
        try:
            while (elapsed := time.monotonic() - start) < args.seconds:
                samples.append((elapsed, gp.memory_info().rss))
                time.sleep(5)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
            proc.terminate()
            proc.wait(20)

    steady = [s for s in samples if s[0] >= args.seconds / 5]
    slope = slope_mib_per_min(steady) if len(steady) >= 3 else float("nan")
    spans = sum(sent) * 100
    print(f"bench_soak: {args.seconds:.0f} s at full load (2 clients), {spans} spans "
          f"({spans / args.seconds:.0f}/s) through the privacy gateway")
    print(f"  RSS: start {samples[0][1] / 2**20:.0f} MiB, after warm-up {steady[0][1] / 2**20:.0f} MiB, "
          f"end {samples[-1][1] / 2**20:.0f} MiB, peak {max(r for _, r in samples) / 2**20:.0f} MiB")
    print(f"  slope after warm-up: {slope:+.2f} MiB/min  (flat: |slope| < 1 MiB/min) "
          f"{'OK' if abs(slope) < 1 else 'GROWING'}")
    path = write_result("bench_soak", {"seconds": args.seconds, "spans": spans, "slope_mib_per_min": slope,
                                       "rss_samples": samples, "flat": abs(slope) < 1})
    print(f"  wrote {path}")


if __name__ == "__main__":
    main()
