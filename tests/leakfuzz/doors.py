"""The three doors, each driven for a whole batch of cases at once over real sockets or files.

* :func:`run_sdk` — the application door: :func:`otel_privacy.configure` with real OTLP/HTTP to a local
  receiver. The same providers also export *unredacted* copies to a second receiver: those raw
  bodies prove every case was really planted, and are what the other doors are fed.
* :class:`GatewayDoor` — the real gateway process (``python -m otel_privacy.gateway``) between a client and
  a real receiving sink; the same bodies go in as OTLP/HTTP protobuf (door ``gateway``), OTLP/HTTP JSON
  (``gateway-json``) and OTLP/gRPC (``gateway-grpc``).
* :func:`run_offline` — ``otel-privacy redact`` as a subprocess, on OTLP JSON lines (door ``offline``) and
  on a protobuf file of the traces (door ``offline-pb``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from .carriers import CASE_KEY, FuzzApp
from .cases import Case
from .wire import Record, parse_bodies

Bodies = dict[str, list[bytes]]
FLUSH_EVERY = 256  # below the SDK batch processors' queue size (2048), so no record is dropped


@dataclass
class DoorOutput:
    door: str
    records: list[Record]
    seconds: float
    signals: frozenset[str] = frozenset({"traces", "logs", "metrics"})  # what this door was given
    by_case: dict[int, list[Record]] = field(default_factory=dict)
    unattributed: list[Record] = field(default_factory=list)

    def __post_init__(self) -> None:
        for r in self.records:
            if r.case is None:
                self.unattributed.append(r)
            else:
                self.by_case.setdefault(r.case, []).append(r)


def run_sdk(cases: Sequence[Case], policy: Any = "default") -> tuple[DoorOutput, DoorOutput, Bodies]:
    """Play ``cases`` through configure(); returns (sdk output, raw output, raw bodies)."""
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics._internal.exemplar import AlwaysOnExemplarFilter
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.metrics.view import View
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from otel_privacy import PrivacySpanProcessor, RedactingMetricExporter, configure
    from otel_privacy.demo import CaptureReceiver

    started = time.perf_counter()
    with CaptureReceiver() as privacy, CaptureReceiver() as raw:
        providers = configure(policy, service_name="leakfuzz", endpoint=privacy.endpoint, set_global=False,
                              metrics_enabled=False, capture_logging=True)
        tp, lp = providers.tracer_provider, providers.logger_provider
        tp.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{raw.endpoint}/v1/traces")))
        lp.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=f"{raw.endpoint}/v1/logs")))
        # Providers with a resource of their own share one redacting and one raw pipeline.
        res_privacy = PrivacySpanProcessor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{privacy.endpoint}/v1/traces")),
                                           redactor=providers.redactor)
        res_raw = BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{raw.endpoint}/v1/traces"))

        def resource_provider(attributes: dict[str, Any]) -> TracerProvider:
            provider = TracerProvider(resource=Resource(attributes))
            provider.add_span_processor(res_privacy)
            provider.add_span_processor(res_raw)
            return provider

        hour = 3_600_000
        mp = MeterProvider(
            resource=Resource({"service.name": "leakfuzz"}), exemplar_filter=AlwaysOnExemplarFilter(),
            metric_readers=[
                PeriodicExportingMetricReader(RedactingMetricExporter(
                    OTLPMetricExporter(endpoint=f"{privacy.endpoint}/v1/metrics"), redactor=providers.redactor),
                    export_interval_millis=hour),
                PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{raw.endpoint}/v1/metrics"),
                                              export_interval_millis=hour)],
            views=[View(instrument_name="leakfuzz.latency", attribute_keys={CASE_KEY}),
                   View(instrument_name="leakfuzz.events")])
        app = FuzzApp(tp, lp, mp, resource_provider)
        # configure()'s logging bridge, on the app's logger only: the planted records stay out of other
        # handlers (pytest's log capture would print thousands of them on a failure).
        app.log.addHandler(providers.logging_handler)
        app.log.propagate = False
        try:
            for n, case in enumerate(cases, 1):
                app.emit(case.id, case.carrier, case.payload)
                if n % FLUSH_EVERY == 0:
                    providers.force_flush()
                    res_privacy.force_flush()
                    res_raw.force_flush()
        finally:
            app.log.removeHandler(providers.logging_handler)
            app.log.propagate = True
            providers.force_flush()
            for p in (res_privacy, res_raw):
                p.force_flush()
            mp.force_flush()
            providers.shutdown()
            res_privacy.shutdown()
            res_raw.shutdown()
            mp.shutdown()
        seconds = time.perf_counter() - started
        raw_bodies = {s: list(b) for s, b in raw.bodies.items()}
        sdk_bodies = {s: list(b) for s, b in privacy.bodies.items()}
    return (DoorOutput("sdk", parse_bodies(sdk_bodies), seconds), DoorOutput("raw", parse_bodies(raw_bodies), 0.0),
            raw_bodies)


#: gateway door name -> how the raw bodies are sent to it
GATEWAY_TRANSPORTS = {"gateway": "http/protobuf", "gateway-json": "http/json", "gateway-grpc": "grpc"}
_GRPC_METHODS = {"traces": "trace.v1.TraceService", "logs": "logs.v1.LogsService", "metrics": "metrics.v1.MetricsService"}


class GatewayDoor:
    """The gateway as a process: OTLP/HTTP (protobuf or JSON) or OTLP/gRPC in, OTLP/HTTP out to a real sink
    (a context manager)."""

    def __init__(self, policy: str = "default") -> None:
        from otlp_sink import OtlpSink, free_port

        self.policy = policy
        self.sink = OtlpSink()
        self.port = free_port()
        self.grpc_port = free_port()
        self._tmp = tempfile.TemporaryDirectory(prefix="leakfuzz-gw-")
        self.proc: subprocess.Popen | None = None
        self._log = Path(self._tmp.name) / "gateway.log"

    def __enter__(self) -> GatewayDoor:
        from otlp_sink import wait_until_serving

        self.sink.__enter__()
        pipeline = {"receivers": ["otlp"], "processors": ["privacy"], "exporters": ["otlphttp"]}
        cfg = {
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{self.port}"},
                                                 "grpc": {"endpoint": f"127.0.0.1:{self.grpc_port}"}},
                                   "max_request_bytes": 64 << 20, "max_decompressed_bytes": 64 << 20}},
            "processors": {"privacy": {"policy": self.policy}},
            "exporters": {"otlphttp": {"endpoint": self.sink.endpoint,
                                       "retry_on_failure": {"initial_interval": "100ms", "max_interval": "500ms"}}},
            "service": {"pipelines": {s: pipeline for s in ("traces", "logs", "metrics")}},
        }
        path = Path(self._tmp.name) / "gateway.yaml"
        path.write_text(yaml.safe_dump(cfg))
        log = open(self._log, "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen([sys.executable, "-m", "otel_privacy.gateway", "--config", str(path),
                                      "--workers", "1"],
                                     stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
        log.close()
        wait_until_serving(f"http://127.0.0.1:{self.port}/health", self.proc, self.output)
        return self

    def output(self) -> str:
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.sink.__exit__(*exc)
        self._tmp.cleanup()

    def _send(self, signal: str, body: bytes, transport: str) -> None:
        if transport == "grpc":
            import grpc

            with grpc.insecure_channel(f"127.0.0.1:{self.grpc_port}") as channel:
                channel.unary_unary(f"/opentelemetry.proto.collector.{_GRPC_METHODS[signal]}/Export", None, None)(
                    body, timeout=60)
            return
        headers = {"Content-Type": "application/x-protobuf"}
        if transport == "http/json":
            from otel_privacy.otlp_json import REQUEST_TYPES, dumps

            body, headers = dumps(REQUEST_TYPES[signal].FromString(body)), {"Content-Type": "application/json"}
        r = requests.post(f"http://127.0.0.1:{self.port}/v1/{signal}", data=body, timeout=60, headers=headers)
        assert r.status_code == 200, f"gateway refused a {signal} request: {r.status_code} {r.text[:200]}"

    def run(self, raw_bodies: Bodies, expected: int, door: str = "gateway", settle: float = 2.0,
            timeout: float = 60.0) -> DoorOutput:
        """Send the raw bodies the way ``door`` says (:data:`GATEWAY_TRANSPORTS`); wait until ``expected``
        records arrived (or nothing new for ``settle`` s)."""
        started = time.perf_counter()
        with self.sink._lock:
            for bodies in self.sink.bodies.values():
                bodies.clear()
        for signal, bodies in raw_bodies.items():
            for body in bodies:
                self._send(signal, body, GATEWAY_TRANSPORTS[door])
        seen: dict[str, int] = {}
        records: list[Record] = []
        last_change, end = time.monotonic(), time.monotonic() + timeout
        while time.monotonic() < end:
            with self.sink._lock:
                fresh = {s: b[seen.get(s, 0):] for s, b in self.sink.bodies.items()}
            for s, b in fresh.items():
                if b:
                    seen[s] = seen.get(s, 0) + len(b)
                    records.extend(parse_bodies({s: b}))
                    last_change = time.monotonic()
            if len(records) >= expected or time.monotonic() - last_change > settle:
                break
            time.sleep(0.05)
        return DoorOutput(door, records, time.perf_counter() - started)


def _merged(raw_bodies: Bodies) -> dict[str, Any]:
    from otel_privacy.otlp_json import REQUEST_TYPES

    out = {}
    for signal, bodies in raw_bodies.items():
        if not bodies:
            continue
        merged = REQUEST_TYPES[signal]()
        for body in bodies:
            merged.MergeFromString(body)  # repeated resource_* fields concatenate
        out[signal] = merged
    return out


def run_offline(raw_bodies: Bodies, policy: str = "default",
                during: Callable[[], object] | None = None) -> list[DoorOutput]:
    """``otel-privacy redact`` on one JSON-lines file (every signal) and on a protobuf file of the traces.

    Both run as subprocesses at once; each output is read back into protobuf (base64 ``bytesValue``
    decoded) so the checks see every string as the CLI wrote it. ``during`` runs while they work (the
    gateway doors: another process each, so a run takes the longer of the two, not their sum); the doors'
    seconds are then from start to collection.
    """
    from otel_privacy.otlp_json import REQUEST_TYPES, dumps, loads

    from .wire import records

    started = time.perf_counter()
    merged = _merged(raw_bodies)
    with tempfile.TemporaryDirectory(prefix="leakfuzz-offline-") as tmp:
        jobs: list[tuple[str, str | None, Path, subprocess.Popen]] = []

        def redact(src: Path, dst: Path, door: str, signal: str | None) -> None:
            cmd = [sys.executable, "-m", "otel_privacy.cli", "redact", "--policy", policy, "-i", str(src),
                   "-o", str(dst)] + (["--signal", signal] if signal else [])
            jobs.append((door, signal, dst, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                             env=dict(os.environ))))

        src = Path(tmp) / "in.jsonl"
        src.write_bytes(b"".join(dumps(req) + b"\n" for req in merged.values()))
        redact(src, Path(tmp) / "out.jsonl", "offline", None)
        if "traces" in merged:
            pb = Path(tmp) / "traces.pb"
            pb.write_bytes(merged["traces"].SerializeToString())
            redact(pb, Path(tmp) / "out-traces.pb", "offline-pb", "traces")
        if during is not None:
            try:
                during()
            except BaseException:
                for *_, proc in jobs:
                    proc.kill()
                    proc.wait()
                raise
        results: dict[str, list[Record]] = {}
        for door, signal, dst, proc in jobs:
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, f"otel-privacy redact failed ({door}): {err.decode(errors='replace')[-2000:]}"
            out = results.setdefault(door, [])
            if signal is None:
                for line in dst.read_bytes().splitlines():
                    if line.strip():
                        req = loads(None, line)
                        out.extend(records(next(s for s, t in REQUEST_TYPES.items() if isinstance(req, t)), req))
            else:
                out.extend(records(signal, REQUEST_TYPES[signal].FromString(dst.read_bytes())))
    seconds = time.perf_counter() - started
    return [DoorOutput(door, recs, seconds, frozenset(merged) if door == "offline" else frozenset({"traces"}))
            for door, recs in results.items()]

