"""Gateway exporters: OTLP/HTTP, OTLP/gRPC, file (OTLP JSON lines, rotating) and debug.

Each exporter owns a :class:`SendingQueue` and a worker thread. The worker batches queued
requests, sends them, and retries per the OTLP specification: retryable outcomes (HTTP 429, 502,
503, 504, connection errors; gRPC UNAVAILABLE, RESOURCE_EXHAUSTED, …) back off exponentially with
jitter, honouring ``Retry-After`` / ``RetryInfo``; anything else is a permanent failure, counted as
a drop. Partial success responses are logged and counted.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ..otlp_json import REQUEST_TYPES, dumps
from .config import (
    DebugExporterConfig,
    ExporterBase,
    FileExporterConfig,
    OtlpGrpcExporterConfig,
    OtlpHttpExporterConfig,
)
from .queue import QueueItem, SelfMetrics, SendingQueue

__all__ = ["Exporter", "build_exporter", "SendResult"]

_log = logging.getLogger("otel_privacy.gateway")


class SendResult:
    """Outcome of one attempt: ``ok``, or a failure that may be retried after ``delay`` seconds."""

    __slots__ = ("ok", "retryable", "delay", "reason", "rejected")

    def __init__(self, ok: bool, retryable: bool = False, delay: float | None = None, reason: str = "",
                 rejected: int = 0) -> None:
        self.ok, self.retryable, self.delay, self.reason, self.rejected = ok, retryable, delay, reason, rejected


class Exporter:
    """Base: queue + worker + retry. Subclasses implement :meth:`send`."""

    def __init__(self, name: str, cfg: ExporterBase, metrics: SelfMetrics, *, batch_size: int = 512,
                 linger: float = 0.2) -> None:
        self.name = name
        self.cfg = cfg
        self.metrics = metrics
        self.queue = SendingQueue(cfg.sending_queue.queue_size, cfg.sending_queue.storage)
        self.batch_size = batch_size
        self.linger = linger
        self._stop = threading.Event()
        self._drain_deadline: float | None = None
        self._thread = threading.Thread(target=self._run, name=f"otel-privacy-export-{name}", daemon=True)
        self._idle = threading.Event()
        self._idle.set()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Stop taking new data elsewhere first; here: drain the queue for up to ``timeout`` seconds."""
        self._drain_deadline = time.monotonic() + timeout
        end = self._drain_deadline
        while (len(self.queue) or not self._idle.is_set()) and time.monotonic() < end:
            time.sleep(0.02)
        self._stop.set()
        self._thread.join(max(0.1, end - time.monotonic() + 1))
        left = len(self.queue)
        if left:
            kept = " (kept on disk for the next start)" if self.queue.storage else ""
            _log.warning("exporter %s: %d batch(es) not delivered at shutdown%s", self.name, left, kept)
            if not self.queue.storage:
                self.metrics.add("dropped", sum(i.records for i in list(self.queue._items)), exporter=self.name,
                                 reason="shutdown")
        self.close()

    def close(self) -> None:
        pass

    # -- queue ----------------------------------------------------------------------------
    def full(self) -> bool:
        return self.queue.full()

    def enqueue(self, signal: str, payload: bytes, records: int) -> None:
        if self.queue.full():  # only reached with on_full=drop
            self.metrics.add("dropped", records, exporter=self.name, reason="queue_full")
            return
        self.queue.put(signal, payload, records)
        self._gauges()

    def _gauges(self) -> None:
        self.metrics.set("queue_size", len(self.queue), exporter=self.name)
        self.metrics.set("queue_bytes", self.queue.bytes, exporter=self.name)

    # -- worker ---------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self.queue.take(self.batch_size, self.linger, self._stop)
            if not batch:
                continue
            self._idle.clear()
            try:
                self._deliver(batch)
            except Exception:  # noqa: BLE001 - the worker must survive anything
                _log.exception("exporter %s: unexpected failure; batch dropped", self.name)
                self.metrics.add("dropped", sum(i.records for i in batch), exporter=self.name, reason="error")
                SendingQueue.done(batch)
            finally:
                self._gauges()
                self._idle.set()

    def _deliver(self, batch: list[QueueItem]) -> None:
        signal = batch[0].signal
        payload = b"".join(i.payload for i in batch)  # same-type protobuf messages merge by concatenation
        records = sum(i.records for i in batch)
        retry = self.cfg.retry_on_failure
        started = time.monotonic()
        interval = retry.initial_interval
        while True:
            try:
                result = self.send(signal, payload)
            except Exception as exc:  # noqa: BLE001
                result = SendResult(False, retryable=True, reason=f"{type(exc).__name__}: {exc}")
            if result.ok:
                if result.rejected:
                    self.metrics.add("partial_rejected", result.rejected, exporter=self.name)
                    _log.warning("exporter %s: backend rejected %d %s record(s): %s", self.name, result.rejected,
                                 signal, result.reason)
                self.metrics.add("exported", records - result.rejected, exporter=self.name, signal=signal)
                SendingQueue.done(batch)
                return
            now = time.monotonic()
            out_of_time = retry.max_elapsed_time and now - started >= retry.max_elapsed_time
            if not result.retryable or not retry.enabled or out_of_time:
                _log.error("exporter %s: dropping %d %s record(s): %s", self.name, records, signal, result.reason)
                self.metrics.add("dropped", records, exporter=self.name,
                                 reason="permanent" if not result.retryable else "retries_exhausted")
                SendingQueue.done(batch)
                return
            if self._stop.is_set() or (self._drain_deadline and now >= self._drain_deadline):
                if self.queue.storage is not None:
                    self.queue.requeue_front(batch)  # still on disk: the next start resends it
                else:
                    self.metrics.add("dropped", records, exporter=self.name, reason="shutdown")
                return
            delay = result.delay if result.delay is not None else interval * (
                1 + retry.randomization_factor * (2 * random.random() - 1))
            interval = min(interval * retry.multiplier, retry.max_interval)
            if self._drain_deadline:
                delay = min(delay, max(0.0, self._drain_deadline - now))
            self.metrics.add("retried", exporter=self.name)
            _log.info("exporter %s: %s; retrying in %.2fs", self.name, result.reason, delay)
            self._stop.wait(delay)

    def send(self, signal: str, payload: bytes) -> SendResult:  # pragma: no cover - abstract
        raise NotImplementedError


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _partial(signal: str, body: bytes) -> tuple[int, str]:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
    from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    resp_type = {"traces": ExportTraceServiceResponse, "logs": ExportLogsServiceResponse,
                 "metrics": ExportMetricsServiceResponse}[signal]
    try:
        resp = resp_type.FromString(body)
    except Exception:  # noqa: BLE001 - a response we cannot read is still a success
        return 0, ""
    if not resp.HasField("partial_success"):
        return 0, ""
    ps = resp.partial_success
    rejected = getattr(ps, {"traces": "rejected_spans", "logs": "rejected_log_records",
                            "metrics": "rejected_data_points"}[signal])
    return int(rejected), ps.error_message


class OtlpHttpExporter(Exporter):
    """OTLP/HTTP protobuf over a pooled ``urllib3`` connection (keep-alive, optional TLS/mTLS)."""

    cfg: OtlpHttpExporterConfig
    RETRYABLE = frozenset({429, 502, 503, 504})

    def __init__(self, name: str, cfg: OtlpHttpExporterConfig, metrics: SelfMetrics, **kw: Any) -> None:
        super().__init__(name, cfg, metrics, **kw)
        import urllib3

        tls = cfg.tls
        pool_kw: dict[str, Any] = {"maxsize": 2, "retries": False,
                                   "timeout": urllib3.Timeout(connect=min(5.0, cfg.timeout), read=cfg.timeout)}
        if cfg.endpoint.startswith("https://"):
            if tls.insecure_skip_verify:
                pool_kw["cert_reqs"] = "CERT_NONE"
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            elif tls.ca_file:
                pool_kw["ca_certs"] = tls.ca_file
            if tls.cert_file:
                pool_kw["cert_file"], pool_kw["key_file"] = tls.cert_file, tls.key_file
        self._http = urllib3.PoolManager(**pool_kw)
        base = cfg.endpoint.rstrip("/")
        self._urls = {
            "traces": cfg.traces_endpoint or f"{base}/v1/traces",
            "logs": cfg.logs_endpoint or f"{base}/v1/logs",
            "metrics": cfg.metrics_endpoint or f"{base}/v1/metrics",
        }
        self._headers = {"Content-Type": "application/x-protobuf", "User-Agent": "otel-privacy-gateway",
                         **cfg.headers}
        if cfg.compression == "gzip":
            self._headers["Content-Encoding"] = "gzip"

    def send(self, signal: str, payload: bytes) -> SendResult:
        import urllib3

        body = gzip.compress(payload, compresslevel=5) if self.cfg.compression == "gzip" else payload
        try:
            resp = self._http.request("POST", self._urls[signal], body=body, headers=self._headers,
                                      redirect=False, preload_content=True)
        except urllib3.exceptions.HTTPError as exc:
            return SendResult(False, retryable=True, reason=type(exc).__name__)
        status = resp.status
        if 200 <= status < 300:
            rejected, message = _partial(signal, resp.data)
            return SendResult(True, rejected=rejected, reason=message)
        reason = f"HTTP {status} {resp.data[:120]!r}"
        if status in self.RETRYABLE:
            return SendResult(False, retryable=True, delay=_retry_after(resp.headers.get("Retry-After")),
                              reason=reason)
        return SendResult(False, reason=reason)

    def close(self) -> None:
        self._http.clear()


_GRPC_METHODS = {
    "traces": "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "logs": "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    "metrics": "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
}


class OtlpGrpcExporter(Exporter):
    cfg: OtlpGrpcExporterConfig

    def __init__(self, name: str, cfg: OtlpGrpcExporterConfig, metrics: SelfMetrics, **kw: Any) -> None:
        super().__init__(name, cfg, metrics, **kw)
        import grpc

        target = cfg.endpoint.removeprefix("http://").removeprefix("https://")
        tls = cfg.tls
        if cfg.insecure or tls.insecure or cfg.endpoint.startswith("http://"):
            self._channel = grpc.insecure_channel(target)
        else:
            ca_file = tls.ca_file or cfg.ca_file
            creds = grpc.ssl_channel_credentials(
                root_certificates=Path(ca_file).read_bytes() if ca_file else None,
                private_key=Path(tls.key_file).read_bytes() if tls.key_file else None,
                certificate_chain=Path(tls.cert_file).read_bytes() if tls.cert_file else None)
            self._channel = grpc.secure_channel(target, creds)
        self._calls = {s: self._channel.unary_unary(m, request_serializer=None, response_deserializer=None)
                       for s, m in _GRPC_METHODS.items()}
        self._compression = grpc.Compression.Gzip if cfg.compression == "gzip" else grpc.Compression.NoCompression

    RETRYABLE = frozenset({"UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED", "ABORTED", "CANCELLED",
                           "OUT_OF_RANGE", "DATA_LOSS"})

    def send(self, signal: str, payload: bytes) -> SendResult:
        import grpc

        try:
            body = self._calls[signal](payload, timeout=self.cfg.timeout,
                                       metadata=tuple((k.lower(), v) for k, v in self.cfg.headers.items()),
                                       compression=self._compression)
        except grpc.RpcError as exc:
            code = exc.code().name if hasattr(exc, "code") and exc.code() else "UNKNOWN"
            delay = _grpc_retry_delay(exc)
            # per the OTLP spec RESOURCE_EXHAUSTED is retryable only when the server says when (RetryInfo)
            retryable = code in self.RETRYABLE and (code != "RESOURCE_EXHAUSTED" or delay is not None)
            return SendResult(False, retryable=retryable, delay=delay, reason=f"gRPC {code}")
        rejected, message = _partial(signal, body or b"")
        return SendResult(True, rejected=rejected, reason=message)

    def close(self) -> None:
        self._channel.close()


def _grpc_retry_delay(exc: Any) -> float | None:
    """``RetryInfo.retry_delay`` from ``grpc-status-details-bin``, when the server sent one."""
    try:
        from google.rpc import error_details_pb2, status_pb2

        for key, value in exc.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                status = status_pb2.Status.FromString(value)
                for detail in status.details:
                    if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                        info = error_details_pb2.RetryInfo()
                        detail.Unpack(info)
                        return info.retry_delay.seconds + info.retry_delay.nanos / 1e9
    except Exception:  # noqa: BLE001
        return None
    return None


class FileExporter(Exporter):
    """OTLP/JSON lines (one export request per line), rotated at ``rotate_bytes``."""

    cfg: FileExporterConfig

    def __init__(self, name: str, cfg: FileExporterConfig, metrics: SelfMetrics, **kw: Any) -> None:
        super().__init__(name, cfg, metrics, **kw)
        self.path = Path(cfg.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def send(self, signal: str, payload: bytes) -> SendResult:
        line = dumps(REQUEST_TYPES[signal].FromString(payload)) + b"\n"
        with self._lock:
            if self.path.exists() and self.path.stat().st_size + len(line) > self.cfg.rotate_bytes:
                self._rotate()
            with open(self.path, "ab") as fh:
                fh.write(line)
        return SendResult(True)

    def _rotate(self) -> None:
        """file → file.1 → file.2 … (the oldest beyond ``backups`` is removed)."""
        n = self.cfg.backups
        if n == 0:
            self.path.unlink(missing_ok=True)
            return
        oldest = self.path.with_name(f"{self.path.name}.{n}")
        oldest.unlink(missing_ok=True)
        for i in range(n - 1, 0, -1):
            src = self.path.with_name(f"{self.path.name}.{i}")
            if src.exists():
                src.replace(self.path.with_name(f"{self.path.name}.{i + 1}"))
        self.path.replace(self.path.with_name(f"{self.path.name}.1"))


class DebugExporter(Exporter):
    """Print what is sent: a summary line per batch, or the OTLP JSON with ``verbosity: detailed``."""

    cfg: DebugExporterConfig

    def send(self, signal: str, payload: bytes) -> SendResult:
        message = REQUEST_TYPES[signal].FromString(payload)
        if self.cfg.verbosity == "detailed":
            print(json.dumps(json.loads(dumps(message)), indent=2), file=sys.stdout, flush=True)
        else:
            from .pipeline import count_records

            print(f"otel-privacy gateway: {signal}: {count_records(signal, message)} record(s), "
                  f"{len(payload)} bytes", file=sys.stdout, flush=True)
        return SendResult(True)


def build_exporter(name: str, cfg: ExporterBase, metrics: SelfMetrics, *, batch_size: int, linger: float) -> Exporter:
    kind = name.split("/", 1)[0]
    cls = {"otlphttp": OtlpHttpExporter, "otlp": OtlpGrpcExporter, "file": FileExporter, "debug": DebugExporter}[kind]
    return cls(name, cfg, metrics, batch_size=batch_size, linger=linger)
