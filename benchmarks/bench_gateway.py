"""Gateway CPU per span with privacy against the same gateway without it, measured in one run.

Setup: each gateway runs as its own process (OTLP/HTTP in → [privacy] → OTLP/HTTP out, no batch
processor) forwarding to its own local sink in this process. Each request carries 100 spans with a SQL
statement and a URL holding fresh literals, a user id, an e-mail in a log-ish attribute and plain
attributes; every round sends new bodies (fresh values, so no cache helps).

Method: three gateways started once — ``privacy`` (memory_limiter + privacy), ``bare`` (memory_limiter
only) and ``bare_again`` (the same as ``bare``: an A/A control that shows this run's noise floor). In
each round every gateway gets the same 30 requests, in a rotated order; its CPU time (user+system, psutil)
over the round is divided by the spans it forwarded. The ratio privacy/bare is taken per round and the
median printed. Target: privacy ≤ 2× the same gateway without privacy.

Also: raw protobuf decode + re-encode (the least any OTLP proxy does), the same requests redacted in this
process by the reference path (protobuf messages through the Redactor) and by the wire engine (C core and
Python walker), each attribute's share of the redaction, client-observed latency, and overload behaviour
(backend down, memory_limiter at 4 MiB). Writes results/bench_gateway.json.
"""

from __future__ import annotations

import contextlib
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
from otel_privacy.wire import WireRedactor, compiled_core_available  # noqa: E402
from otlp_sink import OtlpSink, ReservedPort, free_port  # noqa: E402

SPANS_PER_REQUEST = 100
REQUESTS = 150
ROUNDS = 7
PER_ROUND = 30


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


def start_gateway(cfg: dict, tmp: str, workers: int = 1) -> tuple[subprocess.Popen, int]:
    """A gateway process (one worker unless asked: CPU per span is read from that one process)."""
    port = free_port()
    cfg["receivers"]["otlp"]["protocols"]["http"]["endpoint"] = f"127.0.0.1:{port}"
    path = Path(tmp) / f"gw-{port}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    log = path.with_suffix(".log")
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "otel_privacy.gateway", "--config", str(path),
                                 "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=err)
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"gateway exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                return proc, port
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("gateway did not start")


def gateway_config(backend: str, limit_mib: int = 256, privacy: bool = True) -> dict:
    processors = ["memory_limiter", "privacy"] if privacy else ["memory_limiter"]
    configs = {"memory_limiter": {"limit_mib": limit_mib}, "privacy": {"policy": "default"}}
    return {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
        "processors": {p: configs[p] for p in processors},  # a processor no pipeline uses is a config error
        "exporters": {"otlphttp": {"endpoint": backend, "compression": "none",
                                   "sending_queue": {"queue_size": 100000},
                                   "retry_on_failure": {"initial_interval": "5s"}}},
        "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": processors,
                                             "exporters": ["otlphttp"]}}},
    }


def in_process(seeds: range) -> dict[str, float]:
    """µs per span, median over passes with fresh bodies: decode+encode, the reference path, the wire engine."""
    out: dict[str, list[float]] = {"raw decode+encode": [], "reference (messages)": [], "wire, C core": [],
                                   "wire, Python walker": []}
    ref, cache = Redactor("default"), {}
    walkers = {"wire, C core": WireRedactor(Redactor("default"), compiled=True) if compiled_core_available() else None,
               "wire, Python walker": WireRedactor(Redactor("default"), compiled=False)}

    def reference(b: bytes) -> None:
        req = ExportTraceServiceRequest.FromString(b)
        redact_request(ref, req, cache)
        req.SerializeToString()

    for seed in seeds:
        bodies = [make_body(random.Random(seed * 1000 + i)) for i in range(10)]
        runs = {"raw decode+encode": lambda b: ExportTraceServiceRequest.FromString(b).SerializeToString(),
                "reference (messages)": reference}
        for name, walker in walkers.items():
            if walker is not None:
                runs[name] = lambda b, walker=walker: walker.redact("traces", b)
        for name, fn in runs.items():
            c0 = time.process_time()
            for b in bodies:
                fn(b)
            out[name].append((time.process_time() - c0) / (len(bodies) * SPANS_PER_REQUEST) * 1e6)
    return {k: statistics.median(v) for k, v in out.items() if v}


def gateway_rounds(rounds: int, per_round: int) -> dict:
    """Paired rounds over three gateway processes; CPU µs per span per gateway and round."""
    names = ["privacy", "bare", "bare_again"]
    headers = {"Content-Type": "application/x-protobuf"}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        sinks = {n: stack.enter_context(OtlpSink()) for n in names}
        gws = {}
        for n in names:
            proc, port = start_gateway(gateway_config(sinks[n].endpoint, privacy=n == "privacy"), tmp)
            stack.callback(lambda proc=proc: (proc.terminate(), proc.wait(20)))
            gws[n] = (psutil.Process(proc.pid), port, requests.Session())
        for n in names:  # warm up: imports, key plans, caches of what repeats (resource, methods, hosts)
            for b in [make_body(random.Random(7 + i)) for i in range(5)]:
                gws[n][2].post(f"http://127.0.0.1:{gws[n][1]}/v1/traces", data=b, headers=headers)
            sinks[n].wait_for(lambda n=n: len(sinks[n].bodies["traces"]) >= 5, timeout=60)
        for r in range(rounds):
            bodies = [make_body(random.Random(10_000 + r * per_round + i)) for i in range(per_round)]
            for n in names[r % 3:] + names[:r % 3]:
                gp, port, session = gws[n]
                expected = len(sinks[n].bodies["traces"]) + per_round
                t0 = gp.cpu_times()
                for b in bodies:
                    resp = session.post(f"http://127.0.0.1:{port}/v1/traces", data=b, headers=headers)
                    assert resp.status_code == 200, resp.text
                assert sinks[n].wait_for(lambda n=n, e=expected: len(sinks[n].bodies["traces"]) >= e, timeout=120)
                t1 = gp.cpu_times()
                cpu[n].append(((t1.user - t0.user) + (t1.system - t0.system)) / (per_round * SPANS_PER_REQUEST) * 1e6)
    ratio = statistics.median(p / b for p, b in zip(cpu["privacy"], cpu["bare"]))
    control = statistics.median(a / b for a, b in zip(cpu["bare_again"], cpu["bare"]))
    return {"cpu_us_per_span": {n: statistics.median(v) for n, v in cpu.items()}, "rounds": cpu,
            "ratio_privacy_to_bare": ratio, "aa_control": control}


def main() -> None:
    rnd = random.Random(5)
    bodies = [make_body(rnd) for _ in range(REQUESTS)]
    headers = {"Content-Type": "application/x-protobuf"}

    engine = in_process(range(3))
    breakdown = attribute_breakdown()
    gw = gateway_rounds(ROUNDS, PER_ROUND)

    with OtlpSink() as sink, tempfile.TemporaryDirectory() as tmp:
        proc, port = start_gateway(gateway_config(sink.endpoint), tmp)
        try:
            session = requests.Session()
            for b in bodies[:10]:
                session.post(f"http://127.0.0.1:{port}/v1/traces", data=b, headers=headers)
            gw_lat = []
            for b in bodies:
                s = time.perf_counter()
                r = session.post(f"http://127.0.0.1:{port}/v1/traces", data=b, headers=headers)
                gw_lat.append(time.perf_counter() - s)
                assert r.status_code == 200, r.text
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

    per = gw["cpu_us_per_span"]
    ratio = gw["ratio_privacy_to_bare"]
    print(f"bench_gateway: {ROUNDS} rounds x {PER_ROUND} requests x {SPANS_PER_REQUEST} spans per gateway, order "
          f"rotated, fresh values every round; compiled wire core: {'yes' if compiled_core_available() else 'NO'}")
    print(f"  gateway without privacy : {per['bare']:7.2f} µs CPU per span (median of rounds)")
    print(f"  gateway with privacy    : {per['privacy']:7.2f} µs CPU per span")
    print(f"  ratio (paired rounds)   : {ratio:.2f}x  (target <= 2x) {'OK' if ratio <= 2 else 'MISSED'}; "
          f"A/A control (bare twice): {gw['aa_control']:.2f}x")
    print("  in this process, per span: " + ", ".join(f"{k} {v:.1f} µs" for k, v in engine.items()))
    print("  Redactor.redact_span per span: " + ", ".join(f"{k} {v:.1f} µs" for k, v in breakdown.items()))
    print(f"  latency per 100-span request: gateway p50 {pct(gw_lat, .5):.1f} ms p99 {pct(gw_lat, .99):.1f} ms; "
          f"direct p50 {pct(direct_lat, .5):.1f} ms p99 {pct(direct_lat, .99):.1f} ms")
    print(f"  overload (backend down, limit 4 MiB, {offered / 2**20:.1f} MiB offered): responses {codes}, "
          f"peak queued {peak_queue / 2**20:.1f} MiB (within limit + one request: "
          f"{peak_queue <= limit + max(len(b) for b in bodies)}), peak RSS {peak_rss / 2**20:.0f} MiB")
    path = write_result("bench_gateway", {
        "method": "three gateway processes (privacy, bare, bare again); paired rounds in rotated order; CPU from "
                  "psutil per gateway and round; ratio = median of per-round privacy/bare",
        "gateway": gw, "ratio": ratio, "target_ratio": 2.0, "met": ratio <= 2.0,
        "in_process_us_per_span": engine, "redact_span_breakdown_us": breakdown,
        "compiled_core": compiled_core_available(),
        "latency_ms": {"gateway_p50": pct(gw_lat, .5), "gateway_p99": pct(gw_lat, .99),
                       "direct_p50": pct(direct_lat, .5), "direct_p99": pct(direct_lat, .99)},
        "overload": {"status_counts": codes, "offered_bytes": offered, "peak_queued_bytes": peak_queue,
                     "limit_bytes": limit, "within_limit": peak_queue <= limit + max(len(b) for b in bodies),
                     "peak_rss_bytes": peak_rss},
    })
    print(f"  wrote {path}")


if __name__ == "__main__":
    main()
