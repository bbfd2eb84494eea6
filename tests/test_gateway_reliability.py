"""The gateway against hostile input and overload, from outside, with real clients and sockets.

Bad input is a 400 at any depth and never a traceback per request; incomplete compressed bodies
are refused; every refusal says when to retry (RetryInfo / Retry-After) on both protocols, the
concurrency limit included; the memory limit reserves before it accepts; auth schemes are
case-insensitive; shutdown leaves no pending task behind.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import gzip
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib

import grpc
import pytest
import requests
import yaml
from google.rpc import error_details_pb2, status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from leak_corpus import Corpus, build_requests
from otel_privacy.gateway import Gateway, load_config
from otlp_sink import OtlpSink, ReservedPort, free_port, wait_until_serving

PROTO = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}
TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
FAST_RETRY = {"initial_interval": "30ms", "max_interval": "100ms", "max_elapsed_time": "20s"}


def _cfg(exporters: dict, processors: dict | None = None, receiver: dict | None = None) -> dict:
    processors = processors or {}
    return {
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:0"},
                                             "http": {"endpoint": "127.0.0.1:0"}}, **(receiver or {})}},
        "processors": processors,
        "exporters": exporters,
        "service": {"pipelines": {s: {"receivers": ["otlp"], "processors": list(processors),
                                      "exporters": list(exporters)} for s in ("traces", "logs")}},
    }


def _trace_body() -> bytes:
    return build_requests(Corpus())["traces"].SerializeToString()


def _retry_delay(exc: grpc.RpcError) -> float | None:
    for key, value in exc.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.RetryInfo()
                if detail.Unpack(info):
                    return info.retry_delay.seconds + info.retry_delay.nanos / 1e9
    return None


@pytest.fixture
def sink():
    with OtlpSink() as s:
        yield s


@pytest.fixture
def gateway(sink):
    gw = Gateway(load_config(_cfg({"otlphttp": {"endpoint": sink.endpoint, "retry_on_failure": FAST_RETRY}},
                                  {"privacy": {"policy": "default"}}))).start()
    yield gw
    gw.stop(5)


# -- nesting depth ---------------------------------------------------------------------------------

def _nested_log_json(depth: int) -> bytes:
    return (b'{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":' + b'{"arrayValue":{"values":[' * depth
            + b'{"stringValue":"leaf"}' + b"]}}" * depth + b"}]}]}]}")


def _nested_log_protobuf(depth: int) -> bytes:
    def field(number: int, payload: bytes) -> bytes:
        n, size = len(payload), b""
        while True:
            byte, n = n & 0x7F, n >> 7
            size += bytes([byte | 0x80]) if n else bytes([byte])
            if not n:
                break
        return bytes([(number << 3) | 2]) + size + payload

    value = field(1, b"leaf")  # AnyValue.string_value
    for _ in range(depth):
        value = field(5, field(1, value))  # AnyValue.array_value.values[0]
    return field(1, field(2, field(2, field(5, value))))  # resource_logs / scope_logs / log_records / body


DEPTH_CASES = [
    pytest.param(b"[" * 3000 + b"]" * 3000, JSON, id="json-plain-brackets"),
    pytest.param(b'{"a":' * 3000 + b"1" + b"}" * 3000, JSON, id="json-plain-objects"),
    pytest.param(b'{"resourceLogs":' + b"[" * 100_000 + b"]" * 100_000 + b"}", JSON, id="json-100k-deep"),
    pytest.param(_nested_log_json(150), JSON, id="json-otlp-body-150-deep"),
    pytest.param(_nested_log_json(5000), JSON, id="json-otlp-body-5000-deep"),
    pytest.param(_nested_log_protobuf(200), PROTO, id="protobuf-body-200-deep"),
    pytest.param(_nested_log_protobuf(20000), PROTO, id="protobuf-body-20000-deep"),
]


@pytest.mark.parametrize("body, headers", DEPTH_CASES)
def test_deeply_nested_bodies_are_400_without_a_traceback(gateway, caplog, body, headers):
    caplog.set_level(logging.WARNING)
    r = requests.post(f"http://127.0.0.1:{gateway.http_port}/v1/logs", data=body, headers=headers, timeout=30)
    assert r.status_code == 400, (r.status_code, r.text[:200])
    assert len(r.text) < 300
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR or rec.exc_info], caplog.text[:2000]
    assert requests.get(f"http://127.0.0.1:{gateway.http_port}/health", timeout=5).status_code == 200


@pytest.mark.parametrize("depth", [1, 10, 20])
def test_what_is_accepted_at_any_depth_reaches_the_backend_intact(gateway, sink, depth):
    """Nesting within the limits is accepted (JSON and protobuf alike) and the backend can parse it."""
    for body, headers in ((_nested_log_json(depth), JSON), (_nested_log_protobuf(depth), PROTO)):
        r = requests.post(f"http://127.0.0.1:{gateway.http_port}/v1/logs", data=body, headers=headers, timeout=30)
        assert r.status_code == 200, r.text
    assert sink.wait_for(lambda: len(sink.bodies["logs"]) == 2)
    for request in sink.requests("logs"):
        value = request.resource_logs[0].scope_logs[0].log_records[0].body
        for _ in range(depth):
            value = value.array_value.values[0]
        assert value.string_value == "leaf"


def test_deep_protobuf_over_grpc_is_invalid_argument(gateway):
    call = grpc.insecure_channel(f"127.0.0.1:{gateway.grpc_port}").unary_unary(
        "/opentelemetry.proto.collector.logs.v1.LogsService/Export", None, None)
    with pytest.raises(grpc.RpcError) as exc:
        call(_nested_log_protobuf(20000), timeout=10)
    assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# -- compressed bodies -----------------------------------------------------------------------------

def _unfinished_deflate(data: bytes, wbits: int) -> bytes:
    c = zlib.compressobj(wbits=wbits)
    return c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)  # every byte is there, but the stream never ends


COMPRESSION_CASES = [
    pytest.param(lambda d: gzip.compress(d)[:-8], "gzip", 400, id="gzip-trailer-cut-off"),
    pytest.param(lambda d: gzip.compress(d)[:-3], "gzip", 400, id="gzip-trailer-half-there"),
    pytest.param(lambda d: _unfinished_deflate(d, 16 + zlib.MAX_WBITS), "gzip", 400, id="gzip-deflate-never-ends"),
    pytest.param(lambda d: _unfinished_deflate(d, zlib.MAX_WBITS), "deflate", 400, id="deflate-never-ends"),
    pytest.param(lambda d: gzip.compress(d) + b"junk", "gzip", 400, id="gzip-then-junk"),
    pytest.param(lambda d: gzip.compress(d), "gzip", 200, id="gzip-complete"),
    pytest.param(lambda d: gzip.compress(d[:40]) + gzip.compress(d[40:]), "gzip", 200, id="gzip-two-members"),
    pytest.param(lambda d: zlib.compress(d), "deflate", 200, id="deflate-zlib-complete"),
    pytest.param(lambda d: zlib.compress(d)[2:-4], "deflate", 200, id="deflate-raw-complete"),
    pytest.param(lambda d: d, "br", 415, id="unsupported-encoding"),
]


@pytest.mark.parametrize("encode, encoding, status", COMPRESSION_CASES)
def test_incomplete_compressed_bodies_are_refused(gateway, sink, encode, encoding, status):
    body = _trace_body()
    r = requests.post(f"http://127.0.0.1:{gateway.http_port}/v1/traces", data=encode(body),
                      headers={**PROTO, "Content-Encoding": encoding}, timeout=10)
    assert r.status_code == status, r.text
    if status == 200:
        assert sink.wait_for(lambda: len(sink.bodies["traces"]) == 1)


# -- authorization ---------------------------------------------------------------------------------

@pytest.mark.parametrize("header, ok", [
    pytest.param("Bearer t0ken-a", True, id="canonical"),
    pytest.param("bearer t0ken-a", True, id="lower-case-scheme"),
    pytest.param("BEARER  t0ken-b", True, id="upper-case-scheme-extra-space"),
    pytest.param("Bearer t0ken-A", False, id="tokens-are-case-sensitive"),
    pytest.param("Basic t0ken-a", False, id="other-scheme"),
    pytest.param("Bearer", False, id="no-token"),
    pytest.param("t0ken-a", False, id="no-scheme"),
])
def test_auth_scheme_is_case_insensitive_on_both_protocols(sink, header, ok):
    gw = Gateway(load_config(_cfg({"otlphttp": {"endpoint": sink.endpoint}},
                                  receiver={"auth": {"bearer_tokens": ["t0ken-a", "t0ken-b"]}}))).start()
    try:
        r = requests.post(f"http://127.0.0.1:{gw.http_port}/v1/traces", data=_trace_body(),
                          headers={**PROTO, "Authorization": header}, timeout=10)
        assert r.status_code == (200 if ok else 401)
        call = grpc.insecure_channel(f"127.0.0.1:{gw.grpc_port}").unary_unary(TRACE_EXPORT, None, None)
        if ok:
            assert call(_trace_body(), timeout=10, metadata=(("authorization", header),)) == b""
        else:
            with pytest.raises(grpc.RpcError) as exc:
                call(_trace_body(), timeout=10, metadata=(("authorization", header),))
            assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        gw.stop(2)


# -- overload --------------------------------------------------------------------------------------

class Hold:
    """Hold every request inside the privacy processor until released: a gateway whose CPU is saturated."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import otel_privacy.gateway.processors as processors

        self.inside = threading.Semaphore(0)
        self.release = threading.Event()
        real = processors.WireRedactor.redact_message  # the privacy processor's one redaction entry point

        def held(*args, **kwargs):
            self.inside.release()
            self.release.wait(30)
            return real(*args, **kwargs)

        monkeypatch.setattr(processors.WireRedactor, "redact_message", held)

    def wait_inside(self, n: int) -> None:
        for _ in range(n):
            assert self.inside.acquire(timeout=30), "the requests did not reach processing"


def test_past_the_concurrency_limit_both_protocols_push_back_with_a_retry_delay(sink, monkeypatch):
    """The (limit+1)th request in flight is refused with RetryInfo on gRPC (grpcio's own refusal has
    none, so OTLP clients would drop the data) and Retry-After on HTTP; in-flight ones complete."""
    hold = Hold(monkeypatch)
    gw = Gateway(load_config(_cfg({"otlphttp": {"endpoint": sink.endpoint, "retry_on_failure": FAST_RETRY}},
                                  {"privacy": {"policy": "default"}}, {"max_concurrent_requests": 2}))).start()
    try:
        call = grpc.insecure_channel(f"127.0.0.1:{gw.grpc_port}").unary_unary(TRACE_EXPORT, None, None)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            busy = [pool.submit(call, _trace_body(), timeout=30) for _ in range(2)]
            hold.wait_inside(2)
            with pytest.raises(grpc.RpcError) as exc:
                call(_trace_body(), timeout=10)
            assert exc.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)
            delay = _retry_delay(exc.value)
            assert delay is not None and delay >= 1
            r = requests.post(f"http://127.0.0.1:{gw.http_port}/v1/traces", data=_trace_body(), headers=PROTO,
                              timeout=10)
            assert r.status_code == 503 and int(r.headers["Retry-After"]) >= 1
            hold.release.set()
            assert [f.result(30) for f in busy] == [b"", b""]
        assert gw.metrics.get("refused", reason="concurrency") == 2
        assert call(_trace_body(), timeout=10) == b""  # and it serves again
    finally:
        hold.release.set()
        gw.stop(5)


def test_memory_limit_reserves_before_it_accepts(monkeypatch):
    """Concurrent requests cannot all be admitted against the same free space: what is held never exceeds
    the limit, however many arrive at once."""
    import otel_privacy.gateway.processors as processors

    down = ReservedPort()
    limit = 1024 * 1024
    started = threading.Barrier(12, timeout=2)
    real = processors.WireRedactor.redact_message  # the privacy processor's one redaction entry point

    def together(*args, **kwargs):  # let every admitted request redact at the same time
        with contextlib.suppress(threading.BrokenBarrierError):
            started.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(processors.WireRedactor, "redact_message", together)
    cfg = _cfg({"otlphttp": {"endpoint": down.endpoint, "retry_on_failure": {"initial_interval": "10s"}}},
               {"memory_limiter": {"limit_mib": 1}, "privacy": {"policy": "default"}},
               {"max_concurrent_requests": 64})
    gw = Gateway(load_config(cfg)).start()
    try:
        big = build_requests(Corpus())["logs"]
        while big.ByteSize() < 200_000:
            big.resource_logs.extend(list(big.resource_logs))
        body = big.SerializeToString()
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(lambda _: requests.post(f"http://127.0.0.1:{gw.http_port}/v1/logs", data=body,
                                                          headers=PROTO, timeout=30).status_code, range(12)))
        assert 200 in codes and 429 in codes, codes
        queued = sum(e.queue.bytes for e in gw.exporters.values())
        assert queued <= limit, (queued, codes)
        assert queued > 0  # what was accepted is held (the request being retried included)
        assert gw.host.memory.reserved == 0  # every reservation was settled or released
    finally:
        gw.stop(0.5)
        down.release()


# -- shutdown --------------------------------------------------------------------------------------

def test_shutdown_with_requests_in_flight_logs_no_pending_task_errors(tmp_path):
    http_port, grpc_port = free_port(), free_port()
    cfg = tmp_path / "gw.yaml"
    cfg.write_text(yaml.safe_dump({
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": f"127.0.0.1:{grpc_port}"},
                                             "http": {"endpoint": f"127.0.0.1:{http_port}"}}}},
        "processors": {"privacy": {"policy": "default"}, "batch": {"timeout": "100ms"}},
        "exporters": {"debug": {}},
        "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": ["privacy", "batch"],
                                             "exporters": ["debug"]}}},
    }))
    proc = subprocess.Popen([sys.executable, "-m", "otel_privacy.gateway", "--config", str(cfg), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
    sockets = []
    try:
        wait_until_serving(f"http://127.0.0.1:{http_port}/health", proc, lambda: "")
        session = requests.Session()  # keep-alive connections stay open
        for _ in range(5):
            assert session.post(f"http://127.0.0.1:{http_port}/v1/traces", data=_trace_body(), headers=PROTO,
                                timeout=10).status_code == 200
        assert grpc.insecure_channel(f"127.0.0.1:{grpc_port}").unary_unary(TRACE_EXPORT, None, None)(
            _trace_body(), timeout=10) == b""
        for _ in range(5):  # clients that sent their headers and never finish the body
            s = socket.create_connection(("127.0.0.1", http_port))
            s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                      b"Content-Length: 1000\r\n\r\npartial")
            sockets.append(s)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        for s in sockets:
            s.close()
        if proc.poll() is None:
            proc.kill()
    log = err.decode()
    assert proc.returncode == 0, log[-2000:]
    assert "draining" in log
    for bad in ("Task was destroyed", "Event loop is closed", "Traceback", '"level": "error"'):
        assert bad not in log, log[-3000:]


def test_refusal_while_draining_carries_retry_info(sink):
    gw = Gateway(load_config(_cfg({"otlphttp": {"endpoint": sink.endpoint}}))).start()
    try:
        receiver = gw.receivers["otlp"]
        gw._draining = True  # as between SIGTERM and the receivers closing
        call = grpc.insecure_channel(f"127.0.0.1:{receiver.grpc_port}").unary_unary(TRACE_EXPORT, None, None)
        with pytest.raises(grpc.RpcError) as exc:
            call(_trace_body(), timeout=10)
        assert exc.value.code() == grpc.StatusCode.UNAVAILABLE and _retry_delay(exc.value) >= 1
        r = requests.post(f"http://127.0.0.1:{receiver.http_port}/v1/traces", data=_trace_body(), headers=PROTO,
                          timeout=10)
        assert r.status_code == 503 and int(r.headers["Retry-After"]) >= 1
    finally:
        gw._draining = False
        gw.stop(2)


def test_log_request_type_is_what_the_logs_endpoint_parses():
    assert ExportLogsServiceRequest.FromString(_nested_log_protobuf(3)).resource_logs
