"""A real OTLP backend for tests: OTLP/HTTP and OTLP/gRPC on localhost that records what it receives.

It can be told to fail: `fail_next(n, status=503, retry_after=1)` makes the next n HTTP requests
return that status (and gRPC calls UNAVAILABLE), recording the time of every attempt, so tests
can check backoff and Retry-After handling against real sockets. The headers (HTTP) and metadata
(gRPC) of every request are kept in `headers`. `SilentPort` is a backend that accepts connections
and never answers.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import requests
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from otel_privacy.otlp_json import REQUEST_TYPES

SERVICES = {
    "traces": "opentelemetry.proto.collector.trace.v1.TraceService",
    "logs": "opentelemetry.proto.collector.logs.v1.LogsService",
    "metrics": "opentelemetry.proto.collector.metrics.v1.MetricsService",
}


RESPONSE_TYPES = {
    "traces": ExportTraceServiceResponse,
    "logs": ExportLogsServiceResponse,
    "metrics": ExportMetricsServiceResponse,
}


def _retry_info(seconds: float) -> bytes:
    from google.protobuf.any_pb2 import Any as AnyProto
    from google.protobuf.duration_pb2 import Duration
    from google.rpc import error_details_pb2, status_pb2

    detail = AnyProto()
    detail.Pack(error_details_pb2.RetryInfo(retry_delay=Duration(seconds=int(seconds),
                                                                 nanos=int((seconds % 1) * 1e9))))
    return status_pb2.Status(code=grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], message="throttled",
                             details=[detail]).SerializeToString()


def readable(data: bytes) -> bytes:
    """What a person reading ``data`` would see: gzip decoded, and OTLP/JSON ``bytesValue`` fields
    (base64) decoded and appended, so a canary hidden in a bytes value is still found in JSON output."""
    import base64
    import json

    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    head = data.lstrip()[:1]
    if head not in (b"{", b"["):
        return data
    decoded: list[bytes] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k in ("bytesValue", "bytes_value") and isinstance(v, str):
                    decoded.append(base64.b64decode(v))
                else:
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    try:
        documents = [json.loads(data)]
    except ValueError:  # JSON lines
        documents = [json.loads(line) for line in data.splitlines() if line.strip()]
    for doc in documents:
        walk(doc)
    return b"\n".join([data, *decoded])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReservedPort:
    """A port that refuses connections (bound, not listening) and that nobody else can take,
    until :meth:`release` — a backend that is down, then comes up on the same address."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def release(self) -> int:
        self._sock.close()
        return self.port


class SilentPort:
    """A backend that accepts connections and never answers (a hung server), until closed."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SilentPort:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._sock.close()


class OtlpSink:
    def __init__(self, http_port: int = 0, grpc_port: int = 0) -> None:
        self.bodies: dict[str, list[bytes]] = {"traces": [], "logs": [], "metrics": []}
        self.headers: list[dict[str, str]] = []  # per request, lower-case names
        self.attempts: list[tuple[float, int]] = []  # (monotonic time, status returned)
        self._failures: list[tuple[int, int | None]] = []
        self._partial: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                with sink._lock:
                    sink.headers.append({k.lower(): v for k, v in self.headers.items()})
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, retry_after = sink._next_status()
                answer = b""
                if status == 200:
                    if self.headers.get("Content-Encoding") == "gzip":
                        body = gzip.decompress(body)
                    signal = self.path.rstrip("/").rsplit("/", 1)[-1]
                    sink._record(signal, body)
                    answer = sink._partial_response(signal) if signal in RESPONSE_TYPES else b""
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", str(retry_after))
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", http_port), Handler)
        self.http_port = self._http.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.http_port}"
        self._grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        for signal, service in SERVICES.items():
            self._grpc.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
                service, {"Export": grpc.unary_unary_rpc_method_handler(
                    self._grpc_export(signal), request_deserializer=None, response_serializer=None)}),))
        self.grpc_port = self._grpc.add_insecure_port(f"127.0.0.1:{grpc_port}")
        self.grpc_endpoint = f"127.0.0.1:{self.grpc_port}"

    def _grpc_export(self, signal: str):
        def export(data: bytes, context: grpc.ServicerContext) -> bytes:
            with self._lock:
                self.headers.append({k.lower(): v for k, v in context.invocation_metadata() if isinstance(v, str)})
            status, retry_after = self._next_status()
            if status != 200:
                if retry_after is not None:  # RESOURCE_EXHAUSTED with RetryInfo, as the OTLP spec describes
                    context.set_trailing_metadata((("grpc-status-details-bin", _retry_info(retry_after)),))
                    context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "sink told to throttle")
                context.abort(grpc.StatusCode.UNAVAILABLE, "sink told to fail")
            self._record(signal, data)
            return self._partial_response(signal)

        return export

    def _next_status(self) -> tuple[int, int | None]:
        with self._lock:
            result = self._failures.pop(0) if self._failures else (200, None)
            self.attempts.append((time.monotonic(), result[0]))
            return result

    def _record(self, signal: str, body: bytes) -> None:
        with self._lock:
            self.bodies.setdefault(signal, []).append(body)

    def _partial_response(self, signal: str) -> bytes:
        with self._lock:
            if not self._partial:
                return b""
            rejected, message = self._partial.pop(0)
        response = RESPONSE_TYPES[signal]()
        field = {"traces": "rejected_spans", "logs": "rejected_log_records", "metrics": "rejected_data_points"}
        setattr(response.partial_success, field[signal], rejected)
        response.partial_success.error_message = message
        return response.SerializeToString()

    def partial_next(self, n: int, rejected: int, message: str = "rejected by the sink") -> None:
        """The next ``n`` accepted requests answer with a partial success rejecting ``rejected`` records."""
        with self._lock:
            self._partial.extend([(rejected, message)] * n)

    def fail_next(self, n: int, status: int = 503, retry_after: int | None = None) -> None:
        with self._lock:
            self._failures.extend([(status, retry_after)] * n)

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> OtlpSink:
        # a short poll interval: shutdown() waits for the loop to notice, and suites close dozens of sinks
        threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._grpc.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._grpc.stop(0)

    # -- reading --------------------------------------------------------------------------
    def raw(self) -> bytes:
        with self._lock:
            return b"".join(b for bodies in self.bodies.values() for b in bodies)

    def requests(self, signal: str) -> list[Any]:
        with self._lock:
            return [REQUEST_TYPES[signal].FromString(b) for b in self.bodies[signal]]

    def span_names(self) -> list[str]:
        return [s.name for r in self.requests("traces") for rs in r.resource_spans for ss in rs.scope_spans
                for s in ss.spans]

    def wait_for(self, predicate, timeout: float = 20.0) -> bool:
        return wait_for(predicate, timeout)


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds passed; its last answer."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def wait_until_serving(url: str, proc: Any, output: Callable[[], str], timeout: float = 30.0,
                       interval: float = 0.1) -> None:
    """Poll ``url`` until it answers 200, failing with the process's output if it exits or never answers."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"{url}: the server exited (code {proc.returncode}):\n{output()[-2000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(interval)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s")
