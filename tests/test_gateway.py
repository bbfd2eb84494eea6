"""The gateway on real sockets: the OTel SDK's own exporters in, a real OTLP sink out.

Covers all three signals over gRPC and HTTP, the file exporter, JSON bodies, bad input (malformed,
truncated, wrong content type, oversized, gzip bomb, bad tokens), backpressure, backend outages
and Retry-After, health and Prometheus metrics, and config validation with line numbers.
"""

from __future__ import annotations

import gzip
import logging
import os
import subprocess
import sys
import time

import grpc
import pytest
import requests
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogExporter
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from leak_corpus import build_requests
from otel_privacy.gateway import Gateway, GatewayConfigError, load_config
from otel_privacy.otlp_json import dumps
from otlp_sink import OtlpSink, ReservedPort

SECRETS = {"password": "tr0ub4dor&3", "email": "gw.secret@example.com", "card": "4111111111111111",
           "literal": "lit-918273"}


def config(sink: OtlpSink | None = None, *, exporters: dict | None = None, receiver: dict | None = None,
           processors: list[str] | None = None, extra_processors: dict | None = None) -> dict:
    exporters = exporters or {"otlphttp": {"endpoint": sink.endpoint,
                                           "retry_on_failure": {"initial_interval": "50ms", "max_interval": "200ms"}}}
    processors = processors if processors is not None else ["privacy", "batch"]
    pipe = {"receivers": ["otlp"], "processors": processors, "exporters": list(exporters)}
    defined = {"privacy": {"policy": "default"}, "batch": {"timeout": "20ms"}, **(extra_processors or {})}
    return {
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:0"},
                                             "http": {"endpoint": "127.0.0.1:0"}}, **(receiver or {})}},
        "processors": {cid: body for cid, body in defined.items() if cid in processors},
        "exporters": exporters,
        "service": {"pipelines": {s: pipe for s in ("traces", "logs", "metrics")}},
    }


@pytest.fixture
def sink():
    with OtlpSink() as s:
        yield s


@pytest.fixture
def gateway(sink, tmp_path):
    cfg = config(sink, exporters={
        "otlphttp": {"endpoint": sink.endpoint, "retry_on_failure": {"initial_interval": "50ms"}},
        "file": {"path": str(tmp_path / "out.jsonl")},
    })
    gw = Gateway(load_config(cfg)).start()
    yield gw
    gw.stop(5)


def _emit(tp, lp, mp) -> None:
    with tp.get_tracer("gw.test").start_as_current_span("SELECT users") as span:
        span.set_attribute("db.system", "postgresql")
        span.set_attribute("db.statement", f"SELECT * FROM users WHERE ref = '{SECRETS['literal']}'")
        span.set_attribute("db.password", SECRETS["password"])
        span.set_attribute("note", f"card {SECRETS['card']}")
    logger = logging.getLogger("gw.test")
    handler = LoggingHandler(logger_provider=lp)
    logger.addHandler(handler)
    logger.warning("welcome %s", SECRETS["email"])
    logger.removeHandler(handler)
    mp.get_meter("gw.test").create_counter("logins").add(1, {"user.email": SECRETS["email"]})


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_sdk_exporters_through_the_gateway_all_signals_redacted(gateway, sink, tmp_path, protocol):
    resource = Resource.create({"service.name": "gw-test"})
    if protocol == "grpc":
        target = f"127.0.0.1:{gateway.grpc_port}"
        span_exp, log_exp = GrpcSpanExporter(endpoint=target, insecure=True), GrpcLogExporter(endpoint=target,
                                                                                              insecure=True)
        metric_exp = GrpcMetricExporter(endpoint=target, insecure=True)
    else:
        base = f"http://127.0.0.1:{gateway.http_port}"
        span_exp, log_exp = HttpSpanExporter(endpoint=f"{base}/v1/traces"), HttpLogExporter(endpoint=f"{base}/v1/logs")
        metric_exp = HttpMetricExporter(endpoint=f"{base}/v1/metrics")
    tp = TracerProvider(resource=resource)
    tp.add_span_processor(SimpleSpanProcessor(span_exp))
    lp = LoggerProvider(resource=resource)
    lp.add_log_record_processor(SimpleLogRecordProcessor(log_exp))
    mp = MeterProvider(resource=resource, metric_readers=[PeriodicExportingMetricReader(metric_exp, 3_600_000)])
    _emit(tp, lp, mp)
    tp.shutdown()
    lp.shutdown()
    mp.shutdown()
    assert sink.wait_for(lambda: all(sink.bodies[s] for s in ("traces", "logs", "metrics")))
    wire = sink.raw()
    for secret in SECRETS.values():
        assert secret.encode() not in wire
    assert b"gw-test" in wire and b"users" in wire and b"SELECT * FROM users WHERE ref = ?" in wire
    assert "SELECT users" in sink.span_names()
    # the file exporter got the same, as OTLP JSON lines
    out = tmp_path / "out.jsonl"
    assert sink.wait_for(lambda: out.exists() and out.read_text().count("\n") >= 3)
    text = out.read_text()
    assert all(s not in text for s in SECRETS.values()) and '"resourceSpans"' in text
    metrics = requests.get(f"http://127.0.0.1:{gateway.http_port}/metrics", timeout=5).text
    assert 'otel_privacy_gateway_accepted_total{pipeline="traces",signal="traces"}' in metrics
    assert "otel_privacy_gateway_redacted_values_total" in metrics


def test_json_bodies_and_gzip_are_accepted(gateway, sink):
    request = build_requests(__import__("leak_corpus").Corpus())["traces"]
    url = f"http://127.0.0.1:{gateway.http_port}/v1/traces"
    r = requests.post(url, data=dumps(request), headers={"Content-Type": "application/json"}, timeout=5)
    assert r.status_code == 200 and r.json() == {}
    r = requests.post(url, data=gzip.compress(request.SerializeToString()),
                      headers={"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}, timeout=5)
    assert r.status_code == 200
    assert sink.wait_for(lambda: len(sink.span_names()) >= 2)


def test_bad_input_gets_the_right_status_and_the_gateway_keeps_serving(gateway, sink):
    url = f"http://127.0.0.1:{gateway.http_port}/v1/traces"
    proto = {"Content-Type": "application/x-protobuf"}
    good = build_requests(__import__("leak_corpus").Corpus())["traces"].SerializeToString()
    cases = [
        (b"\xff\xff\xff\xff garbage", proto, 400),
        (good[: len(good) // 2], proto, 400),  # truncated
        (b"{not json", {"Content-Type": "application/json"}, 400),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}',
         {"Content-Type": "application/json"}, 400),
        (good, {"Content-Type": "text/plain"}, 415),
        (b"not gzip", {**proto, "Content-Encoding": "gzip"}, 400),
        (b"x" * (5 * 1024 * 1024), proto, 413),  # over the 4 MiB default
        (gzip.compress(b"\0" * (64 * 1024 * 1024)), {**proto, "Content-Encoding": "gzip"}, 413),  # gzip bomb
    ]
    for body, headers, status in cases:
        r = requests.post(url, data=body, headers=headers, timeout=30)
        assert r.status_code == status, (headers, r.status_code, r.text)
        assert len(r.text) < 300
    channel = grpc.insecure_channel(f"127.0.0.1:{gateway.grpc_port}")
    call = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                               request_serializer=None, response_deserializer=None)
    with pytest.raises(grpc.RpcError) as exc:
        call(b"\xff\xff\xff garbage", timeout=5)
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # ...and it still serves
    assert call(good, timeout=5) == b""
    assert requests.post(url, data=good, headers=proto, timeout=5).status_code == 200
    assert requests.get(f"http://127.0.0.1:{gateway.http_port}/health", timeout=5).json()["status"] == "ok"
    assert gateway.metrics.get("refused", reason="malformed") >= 4


def test_bearer_tokens(sink, monkeypatch):
    monkeypatch.setenv("GW_TOKENS", "t0ken-a,t0ken-b")
    gw = Gateway(load_config(config(sink, receiver={"auth": {"bearer_tokens_env": "GW_TOKENS"}}))).start()
    try:
        url = f"http://127.0.0.1:{gw.http_port}/v1/traces"
        body = build_requests(__import__("leak_corpus").Corpus())["traces"].SerializeToString()
        proto = {"Content-Type": "application/x-protobuf"}
        assert requests.post(url, data=body, headers=proto, timeout=5).status_code == 401
        assert requests.post(url, data=body, headers={**proto, "Authorization": "Bearer nope"},
                             timeout=5).status_code == 401
        assert requests.post(url, data=body, headers={**proto, "Authorization": "Bearer t0ken-b"},
                             timeout=5).status_code == 200
        call = grpc.insecure_channel(f"127.0.0.1:{gw.grpc_port}").unary_unary(
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export", None, None)
        with pytest.raises(grpc.RpcError) as exc:
            call(body, timeout=5)
        assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert call(body, timeout=5, metadata=(("authorization", "Bearer t0ken-a"),)) == b""
    finally:
        gw.stop(5)


def test_backend_down_then_up_loses_nothing():
    down = ReservedPort()
    cfg = config(exporters={"otlphttp": {"endpoint": down.endpoint, "retry_on_failure": {
        "initial_interval": "50ms", "max_interval": "200ms", "max_elapsed_time": "60s"}}})
    gw = Gateway(load_config(cfg)).start()
    try:
        tp = TracerProvider()
        tp.add_span_processor(SimpleSpanProcessor(HttpSpanExporter(endpoint=f"http://127.0.0.1:{gw.http_port}"
                                                                           "/v1/traces")))
        for i in range(20):
            with tp.get_tracer("t").start_as_current_span(f"op-{i}"):
                pass
        time.sleep(0.3)  # the exporter is retrying against a closed port now
        assert gw.metrics.get("retried") >= 1
        with OtlpSink(http_port=down.release()) as sink:
            assert sink.wait_for(lambda: len(set(sink.span_names())) == 20)
        tp.shutdown()
    finally:
        gw.stop(2)
    assert gw.metrics.get("dropped") == 0


def test_retry_after_is_respected(sink):
    gw = Gateway(load_config(config(sink, processors=["privacy"]))).start()
    try:
        sink.fail_next(2, status=503, retry_after=1)
        body = build_requests(__import__("leak_corpus").Corpus())["traces"].SerializeToString()
        r = requests.post(f"http://127.0.0.1:{gw.http_port}/v1/traces", data=body,
                          headers={"Content-Type": "application/x-protobuf"}, timeout=5)
        assert r.status_code == 200
        assert sink.wait_for(lambda: sink.bodies["traces"], timeout=10)
        times = [t for t, _ in sink.attempts]
        assert [s for _, s in sink.attempts][:3] == [503, 503, 200]
        assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 0.9  # waited as told, not 50 ms
    finally:
        gw.stop(2)


def test_full_queue_pushes_back_with_429_and_retry_after():
    down = ReservedPort()
    cfg = config(exporters={"otlphttp": {"endpoint": down.endpoint, "sending_queue": {"queue_size": 2},
                                         "retry_on_failure": {"initial_interval": "1s"}}}, processors=["privacy"])
    gw = Gateway(load_config(cfg)).start()
    try:
        body = build_requests(__import__("leak_corpus").Corpus())["traces"].SerializeToString()
        statuses = [requests.post(f"http://127.0.0.1:{gw.http_port}/v1/traces", data=body,
                                  headers={"Content-Type": "application/x-protobuf"}, timeout=5) for _ in range(8)]
        codes = [r.status_code for r in statuses]
        assert codes[:2] == [200, 200] and 429 in codes
        refused = next(r for r in statuses if r.status_code == 429)
        assert int(refused.headers["Retry-After"]) >= 1
        assert gw.metrics.get("refused", reason="queue_full") >= 1
    finally:
        gw.stop(0.5)


def test_memory_limiter_refuses_over_the_limit():
    down = ReservedPort()
    cfg = config(exporters={"otlphttp": {"endpoint": down.endpoint, "retry_on_failure": {"initial_interval": "5s"}}},
                 processors=["memory_limiter", "privacy"], extra_processors={"memory_limiter": {"limit_mib": 1}})
    gw = Gateway(load_config(cfg)).start()
    try:
        big = build_requests(__import__("leak_corpus").Corpus())["logs"]
        for _ in range(9):
            big.resource_logs.extend(list(big.resource_logs))
        body = big.SerializeToString()
        assert 1024 * 1024 / 4 < len(body) < 4 * 1024 * 1024
        codes = [requests.post(f"http://127.0.0.1:{gw.http_port}/v1/logs", data=body,
                               headers={"Content-Type": "application/x-protobuf"}, timeout=10).status_code
                 for _ in range(8)]
        assert 200 in codes and 429 in codes
        assert gw.metrics.get("refused", reason="memory_limit") >= 1
    finally:
        gw.stop(0.5)


def test_config_errors_name_file_line_and_field(tmp_path, monkeypatch):
    bad = tmp_path / "gw.yaml"
    bad.write_text("receivers:\n  otlp: {}\nexporters:\n  otlphttp:\n    endpoint: http://x\n    compresion: gzip\n"
                   "service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [otlphttp]}\n")
    with pytest.raises(GatewayConfigError, match=r"gw.yaml:6: exporters.otlphttp.compresion: unknown field"):
        load_config(bad)
    bad.write_text("receivers: {otlp: {}}\nexporters: {debug: {}}\nservice:\n  pipelines:\n"
                   "    traces: {receivers: [otlp], exporters: [debug/nope]}\n")
    with pytest.raises(GatewayConfigError, match=r"'debug/nope' is not defined"):
        load_config(bad)
    bad.write_text("receivers: {otlp: {}}\nprocessors:\n  privacy: {policy: {bogus: 1}}\nexporters: {debug: {}}\n"
                   "service: {pipelines: {traces: {receivers: [otlp], processors: [privacy], exporters: [debug]}}}\n")
    with pytest.raises(GatewayConfigError, match=r"gw.yaml:3: processors.privacy.policy.bogus: unknown field"):
        load_config(bad)
    good = tmp_path / "ok.yaml"
    good.write_text("receivers: {otlp: {}}\nexporters:\n  otlphttp: {endpoint: '${env:GW_BACKEND}', "
                    "headers: {x-tenant: '${env:GW_TENANT:-acme}'}}\n"
                    "service: {pipelines: {traces: {receivers: [otlp], exporters: [otlphttp]}}}\n")
    with pytest.raises(GatewayConfigError, match="GW_BACKEND is not set"):
        load_config(good)
    monkeypatch.setenv("GW_BACKEND", "http://backend:4318")
    cfg = load_config(good)
    assert cfg.exporters["otlphttp"].endpoint == "http://backend:4318"
    assert cfg.exporters["otlphttp"].headers == {"x-tenant": "acme"}
    res = subprocess.run([sys.executable, "-m", "otel_privacy.cli", "gateway", "--config", str(good), "--validate"],
                         capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert res.returncode == 0 and "OK" in res.stdout and "traces: otlp → otlphttp" in res.stdout


def test_example_configs_validate():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "examples" / "gateway"
    files = sorted(root.glob("*.yaml"))
    assert files
    for f in files:
        env = {"BACKEND_ENDPOINT": "http://localhost:4318", "OTEL_PRIVACY_HASH_KEY": "k",
               "GATEWAY_TOKENS_FILE": "/dev/null"}
        os.environ.update({k: v for k, v in env.items() if k not in os.environ})
        load_config(f)


def test_health_reports_json(gateway):
    r = requests.get(f"http://127.0.0.1:{gateway.http_port}/health", timeout=5)
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["status"] == "ok" and set(body["pipelines"]) == {"traces", "logs", "metrics"}
    assert body["version"] == __import__("otel_privacy").__version__ and body["uptime_s"] >= 0


def test_concurrency_limit_answers_503_and_recovers(sink):
    """A client that holds the only slot (a body trickling in over a real socket) makes others wait their turn."""
    import socket

    gw = Gateway(load_config(config(sink, receiver={"max_concurrent_requests": 1}, processors=["privacy"]))).start()
    try:
        body = build_requests(__import__("leak_corpus").Corpus())["traces"].SerializeToString()
        slow = socket.create_connection(("127.0.0.1", gw.http_port))
        slow.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        url = f"http://127.0.0.1:{gw.http_port}/v1/traces"
        proto = {"Content-Type": "application/x-protobuf"}
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:  # the slow request takes the slot as soon as its headers are read
            status = requests.post(url, data=body, headers=proto, timeout=5)
            if status.status_code == 503:
                break
            time.sleep(0.05)
        assert status is not None and status.status_code == 503 and status.headers["Retry-After"]
        slow.sendall(body[10:])  # finish the slow request: it is accepted, and the slot frees
        assert b"200 OK" in slow.recv(4096)
        slow.close()
        assert requests.post(url, data=body, headers=proto, timeout=5).status_code == 200
        assert gw.metrics.get("refused", reason="concurrency") >= 1
    finally:
        gw.stop(2)
