"""Adversarial leak suite: canaries in every carrier, through every door, checked on the exported bytes.

Doors: the SDK (configure() → real OTLP/HTTP), the engine on OTLP protobuf, the gateway as a real
process (OTLP/gRPC and OTLP/HTTP, protobuf and JSON, over sockets, to a real receiving sink), and the
offline CLI (`otel-privacy redact`). JSON output is read with its base64 bytes values decoded, so a
leak cannot hide there. Each door reports planted / leaked / utility kept.
"""

from __future__ import annotations

import os
import subprocess
import sys

import grpc
import pytest
import requests
import yaml
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.resources import Resource

from conftest import LEAK_REPORT
from leak_corpus import UTILITY, Corpus, build_requests, emit_sdk
from otel_privacy import RedactingMetricExporter, Redactor, configure
from otel_privacy.demo import CaptureReceiver
from otel_privacy.otlp import redact_request
from otel_privacy.otlp_json import dumps
from otel_privacy.wire import WireRedactor, compiled_core_available
from otlp_sink import OtlpSink, free_port, readable, wait_until_serving


def check_door(door: str, corpus: Corpus, wire: bytes, utility: tuple[str, ...] = UTILITY) -> None:
    """Assert no canary in the bytes (gzip and JSON bytes values decoded first) and every utility marker kept."""
    assert corpus.planted, "nothing was planted"
    wire = readable(wire)
    leaked = sorted(corpus.leaks(wire))
    kept = [u for u in utility if u.encode() in wire]
    pseudonyms = wire.count(b"u_")
    LEAK_REPORT.append(f"{door:28} planted {len(corpus.planted):3}  leaked {len(leaked)}  "
                       f"utility kept {len(kept)}/{len(utility)}  pseudonyms {pseudonyms}")
    assert leaked == [], f"{door}: leaked {leaked}"
    assert kept == list(utility), f"{door}: lost utility markers {set(utility) - set(kept)}"
    assert pseudonyms > 0, "stable pseudonymous ids must survive"


@pytest.mark.parametrize("redact_at", ["export", "processor"])
def test_sdk_door(tmp_path, redact_at):
    corpus = Corpus()
    with CaptureReceiver() as receiver:
        providers = configure("default", service_name="corpus-svc", endpoint=receiver.endpoint, set_global=False,
                              metrics_enabled=False, resource_attributes={"deployment.note": corpus.text("resource")},
                              redact_at=redact_at)
        reader = PeriodicExportingMetricReader(
            RedactingMetricExporter(OTLPMetricExporter(endpoint=f"{receiver.endpoint}/v1/metrics"),
                                    redactor=providers.redactor), export_interval_millis=3_600_000)
        mp = MeterProvider(resource=Resource.create({"service.name": "corpus-svc"}), metric_readers=[reader],
                           views=[View(instrument_name="orders.duration", attribute_keys={"metric.note"})])
        emit_sdk(corpus, providers.tracer_provider, "corpus.sdk", mp)
        mp.shutdown()
        providers.shutdown()
        assert receiver.bodies["traces"] and receiver.bodies["logs"] and receiver.bodies["metrics"]
        check_door(f"sdk (OTLP/HTTP, at {redact_at})", corpus, receiver.raw())


def test_engine_on_otlp_protobuf():
    corpus = Corpus()
    requests = build_requests(corpus)
    redactor = Redactor("default")
    raw_before = b"".join(r.SerializeToString() for r in requests.values())
    assert all(v.encode() in raw_before for v in corpus.planted), "the corpus must really be in the input"
    for request in requests.values():
        redact_request(redactor, request)
    check_door("engine (protobuf)", corpus, b"".join(r.SerializeToString() for r in requests.values()))


def test_gateway_door_as_a_process_over_grpc_and_http(tmp_path):
    """`python -m otel_privacy.gateway` with the default policy, fed over real sockets, exporting to a real sink."""
    http_port, grpc_port = free_port(), free_port()
    methods = {"traces": "trace.v1.TraceService", "logs": "logs.v1.LogsService", "metrics": "metrics.v1.MetricsService"}
    with OtlpSink() as sink:
        cfg = tmp_path / "gateway.yaml"
        cfg.write_text(yaml.safe_dump({
            "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": f"127.0.0.1:{grpc_port}"},
                                                 "http": {"endpoint": f"127.0.0.1:{http_port}"}}}},
            "processors": {"privacy": {"policy": "default"}},
            "exporters": {"otlp": {"endpoint": sink.grpc_endpoint, "insecure": True}},
            "service": {"pipelines": {s: {"receivers": ["otlp"], "processors": ["privacy"], "exporters": ["otlp"]}
                                      for s in methods}},
        }))
        proc = subprocess.Popen([sys.executable, "-m", "otel_privacy.gateway", "--config", str(cfg), "--workers", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
        try:
            wait_until_serving(f"http://127.0.0.1:{http_port}/health", proc, lambda: proc.stderr.read().decode())
            channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
            for door, send in (
                ("gateway process (gRPC)", lambda signal, request: channel.unary_unary(
                    f"/opentelemetry.proto.collector.{methods[signal]}/Export", None, None)(
                    request.SerializeToString(), timeout=30)),
                ("gateway process (HTTP)", lambda signal, request: requests.post(
                    f"http://127.0.0.1:{http_port}/v1/{signal}", data=request.SerializeToString(),
                    headers={"Content-Type": "application/x-protobuf"}, timeout=30).raise_for_status()),
                ("gateway process (JSON)", lambda signal, request: requests.post(
                    f"http://127.0.0.1:{http_port}/v1/{signal}", data=dumps(request),
                    headers={"Content-Type": "application/json"}, timeout=30).raise_for_status()),
            ):
                for bodies in sink.bodies.values():
                    bodies.clear()
                corpus = Corpus()
                for signal, request in build_requests(corpus).items():
                    send(signal, request)
                assert sink.wait_for(lambda: all(sink.bodies[s] for s in methods)), door
                check_door(door, corpus, sink.raw())
        finally:
            proc.terminate()
            proc.wait(30)
    assert proc.returncode == 0


def test_json_output_is_read_with_bytes_values_decoded():
    """A canary inside a bytes value is base64 in OTLP/JSON: the check must still see it."""
    corpus = Corpus()
    request = build_requests(corpus)["logs"]  # its body carries a canary as bytes
    assert "log_bytes/token" not in corpus.leaks(dumps(request))  # base64 in the JSON text...
    assert "log_bytes/token" in corpus.leaks(readable(dumps(request)))  # ...found once decoded
@pytest.mark.parametrize("compiled", [True, False], ids=["wire-c", "wire-python"])
def test_wire_engine_on_otlp_bytes(compiled):
    if compiled and not compiled_core_available():
        pytest.skip("the compiled wire core is not built")
    corpus = Corpus()
    walker = WireRedactor(Redactor("default"), compiled=compiled)
    out = b"".join(walker.redact(s, r.SerializeToString()).data for s, r in build_requests(corpus).items())
    check_door(f"wire engine ({'C' if compiled else 'Python'})", corpus, out)


def test_offline_cli_door(tmp_path):
    corpus = Corpus()
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(dumps(r) + b"\n" for r in build_requests(corpus).values()))
    out = tmp_path / "out.jsonl"
    res = subprocess.run([sys.executable, "-m", "otel_privacy.cli", "redact", "-i", str(src), "-o", str(out)],
                         capture_output=True, timeout=120, env=dict(os.environ))
    assert res.returncode == 0, res.stderr
    check_door("offline (otel-privacy redact)", corpus, out.read_bytes())


def test_duplicate_attribute_keys_in_protobuf_never_leak():
    """OTLP allows a key twice; the in-place rewrite must not leave the first copy unscanned."""
    from opentelemetry.proto.common.v1.common_pb2 import KeyValue

    from otel_privacy.otlp import py_to_any

    corpus = Corpus()
    request = build_requests(corpus)["traces"]
    span = request.resource_spans[0].scope_spans[0].spans[0]
    hidden = corpus.canary("duplicate_key", "email")
    span.attributes.extend([KeyValue(key="dup.note", value=py_to_any(f"mail {hidden}")),
                            KeyValue(key="dup.note", value=py_to_any("plain"))])
    redact_request(Redactor("default"), request)
    assert hidden.encode() not in request.SerializeToString()


def test_duplicate_keys_and_metadata_of_metrics_in_protobuf_never_leak():
    """Data points and exemplars with a key twice, and a metric's metadata, are redacted too (the metrics path
    used to skip a list it found unchanged, leaving a repeated key's unscanned first copy behind)."""
    from opentelemetry.proto.common.v1.common_pb2 import KeyValue

    from otel_privacy.otlp import py_to_any

    corpus = Corpus()
    request = build_requests(corpus)["metrics"]
    metric = request.resource_metrics[0].scope_metrics[0].metrics[0]
    point = metric.sum.data_points[0]
    hidden = [corpus.canary(f"metrics_{where}", "email") for where in ("point", "exemplar", "metadata")]
    point.attributes.extend([KeyValue(key="dup.note", value=py_to_any(f"mail {hidden[0]}")),
                             KeyValue(key="dup.note", value=py_to_any("plain"))])
    point.exemplars[0].filtered_attributes.extend([KeyValue(key="dup.note", value=py_to_any(f"mail {hidden[1]}")),
                                                   KeyValue(key="dup.note", value=py_to_any("plain"))])
    metric.metadata.append(KeyValue(key="owner.note", value=py_to_any(f"ask {hidden[2]}")))
    assert redact_request(Redactor("default"), request) > 0
    wire = request.SerializeToString()
    assert [h for h in hidden if h.encode() in wire] == []
