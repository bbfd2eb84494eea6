"""Gateway exporters: OTLP/HTTP, OTLP/gRPC, file (OTLP JSON lines, rotating) and debug.

Each exporter owns a :class:`~.queue.SendingQueue` and a worker thread. The worker sends queued
requests one at a time (batching is the ``batch`` processor's job, at its place in a pipeline) and
retries per the OTLP specification: retryable outcomes (HTTP 429, 502, 503, 504, connection errors;
gRPC UNAVAILABLE, RESOURCE_EXHAUSTED with RetryInfo, …) back off exponentially with jitter,
honouring ``Retry-After`` / ``RetryInfo``; anything else is a permanent failure, counted as a drop.
Partial success responses are logged and counted.

With ``sending_queue: {enabled: false}`` an exporter sends while the client waits: the client's
answer is the backend's (a retryable failure is a retryable refusal, so the *client* retries).
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
from typing import Any, Literal

from pydantic import Field, model_validator

from ..otlp_json import REQUEST_TYPES, dumps
from ..otlp_walk import count_records, iter_items
from .components import ComponentConfig, ComponentId, Duration, Factory, Host, Refused
from .queue import QueueItem, SendingQueue

__all__ = ["Exporter", "SendResult", "FACTORIES"]

_log = logging.getLogger("otel_privacy.gateway")


# -- configs ---------------------------------------------------------------------------------------

class SendingQueueConfig(ComponentConfig):
    enabled: bool = Field(True, description="false: send while the client waits (no queue, no retries here).")
    queue_size: int = Field(1000, ge=1, description="Requests held before the receivers push back.")
    storage: str | None = Field(None, description="Directory for a persistent queue (survives crashes).")
    on_full: Literal["block", "drop"] = Field("block", description="block: refuse with 429/RESOURCE_EXHAUSTED; "
                                                                   "drop: accept and count the drop.")
    unsupported = {"num_consumers": "each exporter sends from one worker, in order",
                   "sizer": "the queue counts requests"}


class RetryOnFailure(ComponentConfig):
    enabled: bool = True
    initial_interval: Duration = Field(5.0, gt=0)
    max_interval: Duration = Field(30.0, gt=0)
    max_elapsed_time: Duration = Field(300.0, ge=0, description="Give up (and count a drop) after this; 0 = never.")
    multiplier: float = Field(1.5, ge=1)
    randomization_factor: float = Field(0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> RetryOnFailure:
        if self.max_interval < self.initial_interval:
            raise ValueError("max_interval must not be shorter than initial_interval")
        return self


class ExporterConfig(ComponentConfig):
    sending_queue: SendingQueueConfig = Field(default_factory=SendingQueueConfig)

    @model_validator(mode="after")
    def _queue_off_means_no_queue_options(self) -> ExporterConfig:
        if not self.sending_queue.enabled:
            set_here = sorted(self.sending_queue.model_fields_set - {"enabled"})
            if set_here:
                raise ValueError(f"sending_queue.{set_here[0]}: has no effect with sending_queue.enabled: false")
        return self

    @property
    def retry(self) -> RetryOnFailure:
        return _NO_RETRY_SETTINGS


class RetryingExporterConfig(ExporterConfig):
    """An exporter whose sends can fail (a backend, a disk) retries per ``retry_on_failure``."""

    retry_on_failure: RetryOnFailure = Field(default_factory=RetryOnFailure)

    @model_validator(mode="after")
    def _queue_off_means_no_retries(self) -> RetryingExporterConfig:
        if not self.sending_queue.enabled and self.retry_on_failure.model_fields_set:
            raise ValueError("retry_on_failure: has no effect with sending_queue.enabled: false "
                             "(the client's request waits for the backend, and the client retries)")
        return self

    @property
    def retry(self) -> RetryOnFailure:
        return self.retry_on_failure


_NO_RETRY_SETTINGS = RetryOnFailure(enabled=False)


class ClientTls(ComponentConfig):
    """Exporter-side TLS (the Collector's ``configtls`` client settings)."""

    insecure: bool = Field(False, description="gRPC only: plaintext connection.")
    insecure_skip_verify: bool = Field(False, description="otlphttp only: do not verify the server certificate "
                                                          "(testing only).")
    ca_file: str | None = Field(None, description="CA bundle that signed the backend's certificate.")
    cert_file: str | None = Field(None, description="Client certificate for mTLS.")
    key_file: str | None = Field(None, description="Client key for mTLS.")
    unsupported = {"ca_pem": "use ca_file", "cert_pem": "use cert_file", "key_pem": "use key_file",
                   "min_version": "the Python ssl defaults apply", "max_version": "the Python ssl defaults apply",
                   "server_name_override": "not implemented", "reload_interval": "files are read at start"}

    @model_validator(mode="after")
    def _pair(self) -> ClientTls:
        if bool(self.cert_file) != bool(self.key_file):
            raise ValueError("cert_file and key_file must be given together")
        if self.insecure and (self.ca_file or self.cert_file or self.insecure_skip_verify):
            raise ValueError("insecure (plaintext) cannot be combined with TLS settings")
        return self  # files are read at start, like the receiver's (configs validate on build machines)

    def secure_settings(self) -> list[str]:
        return [k for k in ("insecure_skip_verify", "ca_file", "cert_file") if getattr(self, k)]


class OtlpClientConfig(RetryingExporterConfig):
    """What both OTLP exporters (``otlp`` over gRPC, ``otlphttp``) take besides their endpoint."""

    tls: ClientTls = Field(default_factory=ClientTls)
    headers: dict[str, str] = Field(default_factory=dict, description="Sent with every request (gRPC metadata).")
    compression: Literal["gzip", "none"] = "gzip"
    timeout: Duration = Field(10.0, gt=0, description="Longest one attempt may take.")


class OtlpHttpExporterConfig(OtlpClientConfig):
    endpoint: str = Field(description="Base URL; /v1/traces etc. are appended unless traces_endpoint is set.")
    traces_endpoint: str | None = None
    logs_endpoint: str | None = None
    metrics_endpoint: str | None = None
    unsupported = {"encoding": "the gateway sends OTLP protobuf", "proxy_url": "not implemented",
                   "auth": "set an authorization header under headers"}

    @model_validator(mode="after")
    def _urls(self) -> OtlpHttpExporterConfig:
        urls = [self.endpoint, self.traces_endpoint, self.logs_endpoint, self.metrics_endpoint]
        for url in filter(None, urls):
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"{url!r}: an OTLP/HTTP endpoint is an http:// or https:// URL")
        if self.tls.insecure:
            raise ValueError("tls.insecure is for gRPC; an http:// endpoint is plaintext")
        if not any(u.startswith("https://") for u in filter(None, urls)) and self.tls.secure_settings():
            raise ValueError(f"tls.{self.tls.secure_settings()[0]}: needs an https:// endpoint")
        return self


class OtlpGrpcExporterConfig(OtlpClientConfig):
    endpoint: str = Field(description="host:port (http:// means plaintext, https:// TLS).")
    insecure: bool = Field(False, description="Plaintext (same as tls.insecure).")
    ca_file: str | None = Field(None, description="Same as tls.ca_file (older spelling).")
    unsupported = {"balancer_name": "one channel per exporter", "keepalive": "gRPC defaults apply",
                   "auth": "set an authorization header under headers"}

    @model_validator(mode="after")
    def _plaintext_or_tls(self) -> OtlpGrpcExporterConfig:
        if self.tls.insecure_skip_verify:
            raise ValueError("tls.insecure_skip_verify: grpcio cannot skip certificate verification; "
                             "give tls.ca_file (the CA that signed the backend's certificate)")
        if self.ca_file and self.tls.ca_file:
            raise ValueError("ca_file and tls.ca_file: give one")
        plaintext = self.insecure or self.tls.insecure or self.endpoint.startswith("http://")
        secure = self.tls.secure_settings() + (["ca_file"] if self.ca_file else [])
        if plaintext and secure:
            raise ValueError(f"{secure[0]}: has no effect on a plaintext (insecure / http://) connection")
        return self


class FileExporterConfig(RetryingExporterConfig):
    path: str
    rotate_bytes: int = Field(100 * 1024 * 1024, ge=1024)
    backups: int = Field(5, ge=0)
    unsupported = {"rotation": "use rotate_bytes and backups", "format": "the file exporter writes OTLP/JSON lines",
                   "compression": "files are written uncompressed"}


class DebugExporterConfig(ExporterConfig):
    verbosity: Literal["basic", "normal", "detailed"] = Field(
        "basic", description="basic: a line per request; normal: a line per record; detailed: the OTLP JSON.")
    unsupported = {"sampling_initial": "every request is printed", "sampling_thereafter": "every request is printed",
                   "use_internal_logger": "the debug exporter prints to stdout"}


# -- exporters -------------------------------------------------------------------------------------

class SendResult:
    """Outcome of one attempt: ``ok``, or a failure that may be retried after ``delay`` seconds."""

    __slots__ = ("ok", "retryable", "delay", "reason", "rejected")

    def __init__(self, ok: bool, retryable: bool = False, delay: float | None = None, reason: str = "",
                 rejected: int = 0) -> None:
        self.ok, self.retryable, self.delay, self.reason, self.rejected = ok, retryable, delay, reason, rejected


class Exporter:
    """Base: queue + worker + retry (or a send while the client waits). Subclasses implement :meth:`send`."""

    def __init__(self, cid: ComponentId, cfg: ExporterConfig, host: Host) -> None:
        self.name = str(cid)
        self.cfg = cfg
        self.metrics = host.metrics
        self.queued = cfg.sending_queue.enabled
        self.queue = SendingQueue(cfg.sending_queue.queue_size, cfg.sending_queue.storage)
        self._stop = threading.Event()
        self._drain_deadline: float | None = None
        self._thread = threading.Thread(target=self._run, name=f"otel-privacy-export-{self.name}", daemon=True)
        self._idle = threading.Event()
        self._idle.set()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        if self.queued:
            self._thread.start()

    def stop(self, timeout: float) -> None:
        """Stop taking new data elsewhere first; here: drain the queue for up to ``timeout`` seconds."""
        if self.queued:
            self._drain_deadline = time.monotonic() + timeout
            end = self._drain_deadline
            while (len(self.queue) or not self._idle.is_set()) and time.monotonic() < end:
                time.sleep(0.02)
            self._stop.set()
            self._thread.join(max(0.1, end - time.monotonic() + 1))
            left = len(self.queue)
            if left:
                kept = " (kept on disk for the next start)" if self.queue.storage else ""
                _log.warning("exporter %s: %d request(s) not delivered at shutdown%s", self.name, left, kept)
                if not self.queue.storage:
                    self.metrics.add("dropped", self.queue.records(), exporter=self.name, reason="shutdown")
        self.close()

    def close(self) -> None:
        pass

    # -- admission ------------------------------------------------------------------------
    def reserve_slot(self) -> bool:
        """Take a queue slot for a request about to be accepted; False when full and ``on_full: block``."""
        if self.cfg.sending_queue.on_full == "drop":
            return True  # a full queue drops at enqueue time, counted
        return self.queue.reserve()

    def release_slot(self) -> None:
        if self.cfg.sending_queue.on_full == "block":
            self.queue.unreserve()

    def full(self) -> bool:
        return self.cfg.sending_queue.on_full == "block" and self.queue.full()

    def enqueue(self, signal: str, payload: bytes, records: int) -> None:
        """Put an admitted request in the queue (its slot was taken with :meth:`reserve_slot`)."""
        if self.cfg.sending_queue.on_full == "drop":
            if self.queue.full():
                self.metrics.add("dropped", records, exporter=self.name, reason="queue_full")
                return
            self.queue.put(signal, payload, records)
        else:
            self.queue.put(signal, payload, records, reserved=True)
        self._gauges()

    def send_now(self, signal: str, payload: bytes, records: int) -> None:
        """``sending_queue.enabled: false``: one attempt while the client waits; a failure refuses the request."""
        result = self._attempt(signal, payload, records)
        if result.ok:
            return
        self.metrics.add("refused", signal=signal, reason="backend", exporter=self.name)
        raise Refused(f"exporter {self.name}: {result.reason}"[:200], retry_after=result.delay or 1.0,
                      retryable=result.retryable, metric_reason="backend")

    def _gauges(self) -> None:
        self.metrics.set("queue_size", len(self.queue), exporter=self.name)
        self.metrics.set("queue_bytes", self.queue.bytes, exporter=self.name)

    # -- worker ---------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            item = self.queue.take(self._stop)
            if item is None:
                continue
            self._idle.clear()
            try:
                self._deliver(item)
            except Exception:  # noqa: BLE001 - the worker must survive anything
                _log.exception("exporter %s: unexpected failure; request dropped", self.name)
                self.metrics.add("dropped", item.records, exporter=self.name, reason="error")
                self.queue.done(item)
            finally:
                self._gauges()
                self._idle.set()

    def _attempt(self, signal: str, payload: bytes, records: int) -> SendResult:
        """One send; an exception is a retryable failure, a success is counted (partial success too)."""
        try:
            result = self.send(signal, payload)
        except Exception as exc:  # noqa: BLE001
            return SendResult(False, retryable=True, reason=f"{type(exc).__name__}: {exc}")
        if result.ok:
            self._exported(signal, records, result)
        return result

    def _exported(self, signal: str, records: int, result: SendResult) -> None:
        if result.rejected:
            self.metrics.add("partial_rejected", result.rejected, exporter=self.name)
            _log.warning("exporter %s: backend rejected %d %s record(s): %s", self.name, result.rejected,
                         signal, result.reason)
        self.metrics.add("exported", records - result.rejected, exporter=self.name, signal=signal)

    def _deliver(self, item: QueueItem) -> None:
        signal, payload, records = item.signal, item.payload, item.records
        retry = self.cfg.retry
        started = time.monotonic()
        interval = retry.initial_interval
        while True:
            result = self._attempt(signal, payload, records)
            if result.ok:
                self.queue.done(item)
                return
            now = time.monotonic()
            out_of_time = retry.max_elapsed_time and now - started >= retry.max_elapsed_time
            if not result.retryable or not retry.enabled or out_of_time:
                _log.error("exporter %s: dropping %d %s record(s): %s", self.name, records, signal, result.reason)
                self.metrics.add("dropped", records, exporter=self.name,
                                 reason="permanent" if not result.retryable else "retries_exhausted")
                self.queue.done(item)
                return
            if self._stop.is_set() or (self._drain_deadline and now >= self._drain_deadline):
                if self.queue.storage is not None:
                    self.queue.requeue_front(item)  # still on disk: the next start resends it
                else:
                    self.metrics.add("dropped", records, exporter=self.name, reason="shutdown")
                return
            backoff, interval = next_backoff(retry, interval, random.random())
            delay = result.delay if result.delay is not None else backoff
            if self._drain_deadline:
                delay = min(delay, max(0.0, self._drain_deadline - now))
            self.metrics.add("retried", exporter=self.name)
            _log.info("exporter %s: %s; retrying in %.2fs", self.name, result.reason, delay)
            self._stop.wait(delay)

    def send(self, signal: str, payload: bytes) -> SendResult:  # pragma: no cover - abstract
        raise NotImplementedError


def next_backoff(retry: RetryOnFailure, interval: float, rand: float) -> tuple[float, float]:
    """The delay before the next attempt and the interval after it (exponential, with jitter, capped).

    ``rand`` in [0, 1) picks the jitter: the delay is ``interval`` ± ``randomization_factor``.
    """
    delay = interval * (1 + retry.randomization_factor * (2 * rand - 1))
    return delay, min(interval * retry.multiplier, retry.max_interval)


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

    def __init__(self, cid: ComponentId, cfg: OtlpHttpExporterConfig, host: Host) -> None:
        super().__init__(cid, cfg, host)
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

    def __init__(self, cid: ComponentId, cfg: OtlpGrpcExporterConfig, host: Host) -> None:
        super().__init__(cid, cfg, host)
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

    def __init__(self, cid: ComponentId, cfg: FileExporterConfig, host: Host) -> None:
        super().__init__(cid, cfg, host)
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
    """Print what is sent: a line per request (basic), a line per record (normal), or the OTLP JSON (detailed)."""

    cfg: DebugExporterConfig

    def send(self, signal: str, payload: bytes) -> SendResult:
        message = REQUEST_TYPES[signal].FromString(payload)
        verbosity = self.cfg.verbosity
        if verbosity == "detailed":
            print(json.dumps(json.loads(dumps(message)), indent=2), file=sys.stdout, flush=True)
            return SendResult(True)
        lines = [f"otel-privacy gateway: {signal}: {count_records(signal, message)} record(s), {len(payload)} bytes"]
        if verbosity == "normal":
            lines += [f"  {_record_line(signal, item)}" for _, _, item in iter_items(signal, message)]
        print("\n".join(lines), file=sys.stdout, flush=True)
        return SendResult(True)


def _record_line(signal: str, item: Any) -> str:
    if signal == "traces":
        return f"span {item.name!r} trace {item.trace_id.hex()} span {item.span_id.hex()} " \
               f"{max(item.end_time_unix_nano - item.start_time_unix_nano, 0) / 1e6:.1f} ms"
    if signal == "logs":
        kind = item.body.WhichOneof("value")
        body = item.body.string_value if kind == "string_value" else f"<{kind}>"
        return f"log {item.severity_text or item.severity_number} {str(body)[:120]!r}"
    return f"metric {item.name!r} {item.WhichOneof('data')}"


def _factory(type_: str, config: type[ExporterConfig], cls: type[Exporter]) -> Factory:
    return Factory("exporters", type_, config, lambda cid, cfg, host: cls(cid, cfg, host))


FACTORIES = (
    _factory("otlp", OtlpGrpcExporterConfig, OtlpGrpcExporter),
    _factory("otlphttp", OtlpHttpExporterConfig, OtlpHttpExporter),
    _factory("file", FileExporterConfig, FileExporter),
    _factory("debug", DebugExporterConfig, DebugExporter),
)
