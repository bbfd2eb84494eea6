"""Gateway CPU per span and added latency, against raw protobuf decode + re-encode, in one run.

Setup: the gateway runs as its own process (OTLP/HTTP in → privacy → OTLP/HTTP out, no batch
processor) forwarding to a local sink in this process. Each request carries 100 spans with a SQL
statement and a URL holding fresh literals, a user id, an e-mail in a log-ish attribute and plain
attributes. We read the gateway process's CPU time (user+system, psutil) before and after sending
all requests and divide by the spans sent.

Baseline: the same bodies decoded (``FromString``) and re-encoded (``SerializeToString``) with
opentelemetry-proto in this process — the least any OTLP proxy must do. Target: the gateway's CPU per
span ≤ 5× the baseline (i.e. ≥ 20% of raw decode+encode throughput per core).
Latency: client-observed p50/p99 of POSTs to the gateway vs POSTs straight to the sink.
Overload: with the backend down and memory_limiter at 4 MiB, we offer at least 2x that limit at full speed
seconds and report the peak queued bytes (from /metrics) and the gateway's RSS.
Prints ratios; writes results/bench_gateway.json.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import psutil  # noqa: E402
import requests  # noqa: E402
import yaml  # noqa: E402
from _common import write_result  # noqa: E402
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402
from opentelemetry.proto.common.v1.common_pb2 import KeyValue  # noqa: E402
from opentelemetry.proto.trace.v1.trace_pb2 import Span  # noqa: E402

from otel_privacy.otlp import py_to_any, redact_request  # noqa: E402
from otel_privacy.redactor import Redactor  # noqa: E402
from otlp_sink import OtlpSink, ReservedPort, free_port  # noqa: E402

SPANS_PER_REQUEST = 100
REQUESTS = 150


def make_body(rnd: random.Random) -> bytes:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(KeyValue(key="service.name", value=py_to_any("checkout")))
    ss = rs.scope_spans.add()
    ss.scope.name = "bench"
    for _ in range(SPANS_PER_REQUEST):
        n = rnd.randint(1, 10**9)
        span = Span(trace_id=rnd.randbytes(16), span_id=rnd.randbytes(8), name="GET /orders/{id}", kind=2,
                    start_time_unix_nano=1, end_time_unix_nano=2)
        for k, v in span_attributes(n).items():
            span.attributes.append(KeyValue(key=k, value=py_to_any(v)))
        ss.spans.append(span)
    return req.SerializeToString()


def span_attributes(n: int) -> dict:
    return {
        "db.system": "postgresql",
        "db.statement": f"SELECT * FROM orders WHERE id = {n} AND email = 'u{n}@example.com'",
        "url.full": f"https://shop.example/orders/{n}?token=t{n}&page=2",
        "enduser.id": f"user-{n}",
        "http.request.method": "GET",
        "http.response.status_code": 200,
        "server.address": "shop.example",
        "app.note": f"processed order {n} for customer",
        "app.items": 3,
        "app.region": "eu-west-1",
    }


def attribute_breakdown(n: int = 3000) -> dict[str, float]:
    """µs of Redactor.redact_span per span: the plain attributes alone, then each fresh-literal one on top."""
    redactor = Redactor("default")
    fresh = ("db.statement", "url.full", "enduser.id", "app.note")
    plain = {k: v for k, v in span_attributes(0).items() if k not in fresh}
    out = {}

    def run(make) -> float:
        c0 = time.process_time()
        for _ in range(n):
            redactor.redact_span("GET /orders/{id}", make(random.randint(1, 10**9)), [], [], None)
        return (time.process_time() - c0) / n * 1e6

    out["plain attributes (6)"] = base = run(lambda i: dict(plain))
    for key in fresh:
        out[key] = run(lambda i, key=key: {**plain, key: span_attributes(i)[key]}) - base
    return out


def start_gateway(cfg: dict, tmp: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    cfg["receivers"]["otlp"]["protocols"]["http"]["endpoint"] = f"127.0.0.1:{port}"
    path = Path(tmp) / f"gw-{port}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = subprocess.Popen([sys.executable, "-m", "otel_privacy.gateway", "--config", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                return proc, port
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("gateway did not start")


def gateway_config(backend: str, limit_mib: int = 256) -> dict:
    return {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
        "processors": {"memory_limiter": {"limit_mib": limit_mib}, "privacy": {"policy": "default"}},
        "exporters": {"otlphttp": {"endpoint": backend, "compression": "none",
                                   "sending_queue": {"queue_size": 100000},
                                   "retry_on_failure": {"initial_interval": "5s"}}},
        "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": ["memory_limiter", "privacy"],
                                             "exporters": ["otlphttp"]}}},
    }


def main() -> None:
    rnd = random.Random(5)
    bodies = [make_body(rnd) for _ in range(REQUESTS)]
    spans = REQUESTS * SPANS_PER_REQUEST
    headers = {"Content-Type": "application/x-protobuf"}

    # baseline: raw decode + re-encode, median of 5 passes
    raw = []
    for _ in range(5):
        c0 = time.process_time()
        for b in bodies:
            ExportTraceServiceRequest.FromString(b).SerializeToString()
        raw.append((time.process_time() - c0) / spans)
    raw_us = statistics.median(raw) * 1e6

    # where the gateway's time goes: the same decode → privacy → encode in this process (fresh literals
    # in every pass, so no cache helps), and each span attribute's share of the redaction
    engine = []
    for seed in range(3):
        seeded = random.Random(100 + seed)
        passes = [make_body(seeded) for _ in range(REQUESTS // 3)]
        redactor, cache = Redactor("default"), {}
        c0 = time.process_time()
        for b in passes:
            req = ExportTraceServiceRequest.FromString(b)
            redact_request(redactor, req, cache)
            req.SerializeToString()
        engine.append((time.process_time() - c0) / (len(passes) * SPANS_PER_REQUEST))
    engine_us = statistics.median(engine) * 1e6
    breakdown = attribute_breakdown()

    with OtlpSink() as sink, tempfile.TemporaryDirectory() as tmp:
        proc, port = start_gateway(gateway_config(sink.endpoint), tmp)
        try:
            session = requests.Session()
            gp = psutil.Process(proc.pid)
            # warm up (imports, caches of the key plans)
            for b in bodies[:10]:
                session.post(f"http://127.0.0.1:{port}/v1/traces", data=b, headers=headers)
            sink.wait_for(lambda: len(sink.bodies["traces"]) >= 1)
            t0 = gp.cpu_times()
            gw_lat = []
            for b in bodies:
                s = time.perf_counter()
                r = session.post(f"http://127.0.0.1:{port}/v1/traces", data=b, headers=headers)
                gw_lat.append(time.perf_counter() - s)
                assert r.status_code == 200, r.text
            sink.wait_for(lambda: sum(1 for _ in sink.bodies["traces"]) >= 1, timeout=60)
            time.sleep(1.0)  # let the exporter finish sending
            t1 = gp.cpu_times()
            gw_cpu_us = ((t1.user - t0.user) + (t1.system - t0.system)) / spans * 1e6
            direct_lat = []
            for b in bodies:
                s = time.perf_counter()
                session.post(f"{sink.endpoint}/v1/traces", data=b, headers=headers)
                direct_lat.append(time.perf_counter() - s)
        finally:
            proc.terminate()
            proc.wait(20)

        # overload: backend down, memory limiter at 4 MiB; offer 2x the limit, then more, as fast as we can
        limit = 4 * 2**20
        down = ReservedPort()
        proc, port = start_gateway(gateway_config(down.endpoint, limit_mib=limit // 2**20), tmp)
        try:
            gp = psutil.Process(proc.pid)
            session = requests.Session()
            peak_rss = peak_queue = offered = 0
            codes: dict[int, int] = {}
            end = time.monotonic() + 60
            while (offered < 2 * limit or codes.get(429, 0) < 20) and time.monotonic() < end:
                body = rnd.choice(bodies)
                r = session.post(f"http://127.0.0.1:{port}/v1/traces", data=body, headers=headers)
                offered += len(body)
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
                peak_rss = max(peak_rss, gp.memory_info().rss)
                m = re.search(r'otel_privacy_gateway_queue_bytes\{exporter="otlphttp"\} (\S+)',
                              session.get(f"http://127.0.0.1:{port}/metrics").text)
                peak_queue = max(peak_queue, float(m.group(1)) if m else 0.0)
        finally:
            proc.terminate()
            proc.wait(20)

    def pct(xs, q):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000

    ratio = gw_cpu_us / raw_us
    print(f"raw decode+encode : {raw_us:7.2f} µs CPU per span (opentelemetry-proto, this process)")
    print(f"gateway           : {gw_cpu_us:7.2f} µs CPU per span (gateway process, privacy included)")
    print(f"ratio             : {ratio:.1f}x raw  -> {100 / ratio:.0f}% of raw throughput per core (target >= 20%)")
    print(f"  of which in-process decode → privacy → encode: {engine_us:7.2f} µs; gateway plumbing "
          f"(HTTP in/out, queue, metrics): {gw_cpu_us - engine_us:7.2f} µs")
    print("  Redactor.redact_span per span: " + ", ".join(f"{k} {v:.1f} µs" for k, v in breakdown.items()))
    print(f"latency per 100-span request: gateway p50 {pct(gw_lat, .5):.1f} ms p99 {pct(gw_lat, .99):.1f} ms; "
          f"direct p50 {pct(direct_lat, .5):.1f} ms p99 {pct(direct_lat, .99):.1f} ms; added p50 "
          f"{pct(gw_lat, .5) - pct(direct_lat, .5):.1f} ms")
    print(f"overload (backend down, limit 4 MiB, {offered / 2**20:.1f} MiB offered): responses {codes}, "
          f"peak queued {peak_queue / 2**20:.1f} MiB (within limit + one request: "
          f"{peak_queue <= limit + max(len(b) for b in bodies)}), peak RSS {peak_rss / 2**20:.0f} MiB")
    path = write_result("bench_gateway", {
        "method": "gateway as a subprocess; CPU from psutil over 150 requests x 100 spans; baseline median of 5 "
                  "passes of FromString+SerializeToString in-process",
        "raw_us_per_span": raw_us, "gateway_us_per_span": gw_cpu_us, "ratio": ratio,
        "engine_in_process_us_per_span": engine_us, "gateway_plumbing_us_per_span": gw_cpu_us - engine_us,
        "redact_span_breakdown_us": breakdown,
        "throughput_share_of_raw": 1 / ratio, "target_share": 0.2, "meets_target": 1 / ratio >= 0.2,
        "latency_ms": {"gateway_p50": pct(gw_lat, .5), "gateway_p99": pct(gw_lat, .99),
                       "direct_p50": pct(direct_lat, .5), "direct_p99": pct(direct_lat, .99)},
        "overload": {"status_counts": codes, "offered_bytes": offered, "peak_queued_bytes": peak_queue,
                     "limit_bytes": limit, "within_limit": peak_queue <= limit + max(len(b) for b in bodies),
                     "peak_rss_bytes": peak_rss},
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
