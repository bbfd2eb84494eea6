"""The gateway process: OTLP/gRPC and OTLP/HTTP receivers in front of the pipelines.

* gRPC: ``grpcio`` with the three OTLP services registered as raw-bytes handlers, so a malformed
  message is ours to reject with ``INVALID_ARGUMENT`` (and a short reason) rather than a crash.
* HTTP: ``aiohttp`` on its own event-loop thread: ``POST /v1/traces|logs|metrics`` with
  protobuf or JSON bodies, gzip; ``GET /health`` and ``GET /metrics`` (Prometheus).
* Limits are checked before work is done: the bearer token before the body is read, the declared
  length before reading, the compressed and the decompressed size separately (a gzip bomb stops
  at the limit), and a cap on concurrent requests.
* Refusals push back: ``RESOURCE_EXHAUSTED`` / HTTP 429 with ``Retry-After``.

:class:`Gateway` ``.start()`` binds (port 0 picks a free port; see ``grpc_port``/``http_port``),
``.stop(timeout)`` stops the receivers and drains the queues, ``.run()`` blocks until SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal as signal_mod
import ssl
import threading
import time
import zlib
from concurrent import futures
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError

from .._version import __version__
from ..otlp_json import REQUEST_TYPES, OtlpJsonError
from ..otlp_json import loads as json_loads
from ..policy import Policy
from ..redactor import Redactor
from .config import BatchProcessor, GatewayConfig, OtlpReceiver, PrivacyProcessor, load_config
from .exporters import Exporter, build_exporter
from .pipeline import Admission, Pipeline
from .queue import SelfMetrics

__all__ = ["Gateway"]

_log = logging.getLogger("otel_privacy.gateway")

_SERVICES = {
    "traces": "opentelemetry.proto.collector.trace.v1.TraceService",
    "logs": "opentelemetry.proto.collector.logs.v1.LogsService",
    "metrics": "opentelemetry.proto.collector.metrics.v1.MetricsService",
}


def _status_details(code: int, message: str, retry_after: float) -> bytes:
    """A serialized ``google.rpc.Status`` carrying ``RetryInfo`` (the ``grpc-status-details-bin`` trailer)."""
    from google.protobuf.any_pb2 import Any as AnyProto
    from google.protobuf.duration_pb2 import Duration
    from google.rpc import error_details_pb2, status_pb2

    detail = AnyProto()
    seconds = int(retry_after)
    detail.Pack(error_details_pb2.RetryInfo(retry_delay=Duration(seconds=seconds,
                                                                 nanos=int((retry_after - seconds) * 1e9))))
    return status_pb2.Status(code=code, message=message, details=[detail]).SerializeToString()


class _TooLarge(Exception):
    pass


def _gunzip(data: bytes, limit: int) -> bytes:
    """Decompress at most ``limit`` bytes; raise :class:`_TooLarge` beyond (a gzip bomb stops here)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, limit + 1)
    if len(out) > limit or d.unconsumed_tail:
        raise _TooLarge
    return out + d.flush()


class Gateway:
    """An OTLP privacy gateway built from a :class:`GatewayConfig` (or a path / dict)."""

    def __init__(self, config: GatewayConfig | str | Path | dict[str, Any]) -> None:
        self.config = config if isinstance(config, GatewayConfig) else load_config(config)
        self.metrics = SelfMetrics()
        self.grpc_port: int | None = None
        self.http_port: int | None = None
        self._grpc_server: Any = None
        self._http_runner: Any = None
        self._runners: list[Any] = []
        self.telemetry_port: int | None = None
        self._stop_self_metrics = threading.Event()
        self._started_wall_ns = time.time_ns()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._draining = False
        self._started_at = 0.0
        cfg = self.config
        self.redactors = {cid: Redactor(Policy.load(p.policy)) for cid, p in cfg.processors.items()
                          if isinstance(p, PrivacyProcessor)}
        used = {cid for p in cfg.service.pipelines.values() for cid in p.processors}
        batch = next((p for cid, p in cfg.processors.items() if isinstance(p, BatchProcessor) and cid in used), None)
        self.exporters: dict[str, Exporter] = {
            cid: build_exporter(cid, e, self.metrics, batch_size=batch.send_batch_size if batch else 1,
                                linger=batch.timeout if batch else 0.0)
            for cid, e in cfg.exporters.items()
        }
        all_exporters = list(self.exporters.values())
        self.pipelines: dict[str, Pipeline] = {}
        for signal, p in cfg.service.pipelines.items():
            self.pipelines[signal] = Pipeline(
                signal, [(cid, cfg.processors[cid]) for cid in p.processors],
                [self.exporters[cid] for cid in p.exporters], self.metrics, self.redactors, all_exporters)
        receivers = {cid for p in cfg.service.pipelines.values() for cid in p.receivers}
        self.receiver: OtlpReceiver = cfg.receivers[sorted(receivers)[0]]
        tokens = self.receiver.auth.tokens() if self.receiver.auth else []
        self._tokens = [b"Bearer " + t for t in tokens]

    # -- admission shared by both receivers ----------------------------------------------
    def _authorized(self, header: str | None) -> bool:
        if not self._tokens:
            return True
        given = (header or "").encode()
        ok = False
        for token in self._tokens:  # constant time per token, and every token is compared
            ok |= hmac.compare_digest(given, token)
        return ok

    def _handle(self, signal: str, request: Any) -> Admission:
        pipeline = self.pipelines.get(signal)
        if pipeline is None:
            self.metrics.add("refused", signal=signal, reason="no_pipeline")
            return Admission(False, f"no {signal} pipeline configured", 0)
        if self._draining:
            return Admission(False, "shutting down", 5.0)
        return pipeline.submit(request)

    # -- gRPC -----------------------------------------------------------------------------
    def _grpc_handler(self, signal: str):
        import grpc

        request_type = REQUEST_TYPES[signal]
        response = REQUEST_TYPES[signal].__name__.replace("Request", "Response")
        module = __import__(request_type.__module__, fromlist=[response])
        response_type = getattr(module, response)

        def export(data: bytes, context: grpc.ServicerContext) -> bytes:
            if not self._authorized(dict(context.invocation_metadata()).get("authorization")):
                self.metrics.add("refused", signal=signal, reason="unauthenticated")
                context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")
            try:
                request = request_type.FromString(data)
            except DecodeError as exc:
                self.metrics.add("refused", signal=signal, reason="malformed")
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"malformed {signal} request: {exc}"[:200])
            try:
                admission = self._handle(signal, request)
            except Exception as exc:  # noqa: BLE001 - fail closed: nothing was forwarded
                _log.exception("gateway: %s request failed", signal)
                context.abort(grpc.StatusCode.INTERNAL, f"processing failed: {type(exc).__name__}")
            if not admission.accepted:
                code = grpc.StatusCode.RESOURCE_EXHAUSTED if admission.retry_after else grpc.StatusCode.UNAVAILABLE
                delay = admission.retry_after or 1.0
                context.set_trailing_metadata((
                    ("retry-after", str(max(1, round(delay)))),
                    # RetryInfo: per the OTLP spec RESOURCE_EXHAUSTED is only retried when the server says when
                    ("grpc-status-details-bin", _status_details(code.value[0], admission.reason, delay)),
                ))
                context.abort(code, admission.reason)
            return response_type().SerializeToString()

        return grpc.unary_unary_rpc_method_handler(export, request_deserializer=None, response_serializer=None)

    def _start_grpc(self) -> None:
        import grpc

        ep = self.receiver.protocols.grpc
        if ep is None:
            return
        options = [("grpc.max_receive_message_length", self.receiver.max_decompressed_bytes),
                   ("grpc.so_reuseport", 0)]
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=min(32, self.receiver.max_concurrent_requests)),
                             options=options, maximum_concurrent_rpcs=self.receiver.max_concurrent_requests)
        for signal, service in _SERVICES.items():
            server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
                service, {"Export": self._grpc_handler(signal)}),))
        address = f"{ep.host}:{ep.port}"
        tls = self.receiver.tls
        if tls is not None:
            creds = grpc.ssl_server_credentials(
                [(Path(tls.key_file).read_bytes(), Path(tls.cert_file).read_bytes())],
                root_certificates=Path(tls.client_ca_file).read_bytes() if tls.client_ca_file else None,
                require_client_auth=bool(tls.client_ca_file))
            self.grpc_port = server.add_secure_port(address, creds)
        else:
            self.grpc_port = server.add_insecure_port(address)
        if not self.grpc_port:
            raise OSError(f"cannot bind the OTLP/gRPC receiver to {address}")
        server.start()
        self._grpc_server = server

    # -- HTTP -----------------------------------------------------------------------------
    def _http_app(self) -> Any:
        from aiohttp import web

        rcv = self.receiver
        limiter = asyncio.Semaphore(rcv.max_concurrent_requests)

        async def export(request: web.Request) -> web.Response:
            signal = request.match_info["signal"]
            if signal not in REQUEST_TYPES:
                return web.Response(status=404, text="unknown signal")
            if not self._authorized(request.headers.get("Authorization")):
                self.metrics.add("refused", signal=signal, reason="unauthenticated")
                return web.Response(status=401, text="missing or invalid bearer token",
                                    headers={"WWW-Authenticate": "Bearer"})
            ctype = request.content_type
            if ctype not in ("application/x-protobuf", "application/json"):
                self.metrics.add("refused", signal=signal, reason="content_type")
                return web.Response(status=415, text="use application/x-protobuf or application/json")
            if request.content_length is not None and request.content_length > rcv.max_request_bytes:
                self.metrics.add("refused", signal=signal, reason="too_large")
                return web.Response(status=413, text="request body too large")
            if limiter.locked():
                self.metrics.add("refused", signal=signal, reason="concurrency")
                return web.Response(status=503, text="too many concurrent requests", headers={"Retry-After": "1"})
            async with limiter:
                try:
                    body = await request.read()
                except web.HTTPRequestEntityTooLarge:
                    self.metrics.add("refused", signal=signal, reason="too_large")
                    return web.Response(status=413, text="request body too large")
                encoding = request.headers.get("Content-Encoding", "").lower()
                if encoding == "gzip":
                    try:
                        body = _gunzip(body, rcv.max_decompressed_bytes)
                    except _TooLarge:
                        self.metrics.add("refused", signal=signal, reason="too_large_decompressed")
                        return web.Response(status=413, text="decompressed body too large")
                    except zlib.error:
                        self.metrics.add("refused", signal=signal, reason="malformed")
                        return web.Response(status=400, text="invalid gzip body")
                elif encoding not in ("", "identity"):
                    return web.Response(status=415, text=f"unsupported Content-Encoding {encoding!r}")
                elif len(body) > rcv.max_decompressed_bytes:
                    return web.Response(status=413, text="request body too large")
                # decode + redact + enqueue is CPU work: run it off the event loop so health checks,
                # 401/413/415 answers and body reads stay responsive while a big request is processed
                outcome = await asyncio.get_running_loop().run_in_executor(
                    self._http_workers, self._decode_and_admit, signal, ctype, body)
                if isinstance(outcome, web.Response):
                    return outcome
                admission = outcome
            if not admission.accepted:
                status = 429 if admission.retry_after else 503
                return web.Response(status=status, text=admission.reason,
                                    headers={"Retry-After": str(max(1, round(admission.retry_after)))})
            if ctype == "application/json":
                return web.Response(body=b"{}", content_type="application/json")
            return web.Response(body=b"", content_type="application/x-protobuf")

        app = web.Application(client_max_size=rcv.max_request_bytes)
        app.router.add_post("/v1/{signal}", export)
        self._add_ops_routes(app)
        return app

    def _telemetry_app(self) -> Any:
        from aiohttp import web

        app = web.Application()
        self._add_ops_routes(app)
        return app

    def _add_ops_routes(self, app: Any) -> None:
        """``GET /health`` (503 while draining) and ``GET /metrics`` (Prometheus text) on ``app``."""
        from aiohttp import web

        async def health(request: web.Request) -> web.Response:
            if self._draining:
                return web.json_response({"status": "draining"}, status=503)
            return web.json_response({"status": "ok", "version": __version__,
                                      "uptime_s": round(time.monotonic() - self._started_at, 1),
                                      "pipelines": sorted(self.pipelines)})

        async def metrics(request: web.Request) -> web.Response:
            return web.Response(text=self.metrics.prometheus(), content_type="text/plain")

        app.router.add_get("/health", health)
        app.router.add_get("/metrics", metrics)

    def _self_metrics_loop(self, interval: float) -> None:
        """Send the gateway's own counters and gauges as OTLP metrics into its metrics pipeline."""
        while not self._stop_self_metrics.wait(interval):
            try:
                self._handle("metrics", self.metrics.otlp_request(__version__, self._started_wall_ns))
            except Exception:  # noqa: BLE001 - self-metrics must never break the gateway
                _log.debug("gateway: self-metrics export failed", exc_info=True)

    def _decode_and_admit(self, signal: str, ctype: str, body: bytes) -> Any:
        from aiohttp import web

        try:
            if ctype == "application/json":
                message = json_loads(signal, body)
            else:
                message = REQUEST_TYPES[signal].FromString(body)
        except (DecodeError, OtlpJsonError) as exc:
            self.metrics.add("refused", signal=signal, reason="malformed")
            return web.Response(status=400, text=f"malformed {signal} request: {exc}"[:200])
        try:
            return self._handle(signal, message)
        except Exception as exc:  # noqa: BLE001 - fail closed: nothing was forwarded
            _log.exception("gateway: %s request failed", signal)
            return web.Response(status=500, text=f"processing failed: {type(exc).__name__}")

    def _start_http(self) -> None:
        from aiohttp import web

        self._http_workers = futures.ThreadPoolExecutor(
            max_workers=max(1, min(8, self.receiver.max_concurrent_requests)),
            thread_name_prefix="otel-privacy-gateway-http-worker")

        ep = self.receiver.protocols.http
        telemetry = self.config.service.telemetry.metrics_address
        if ep is None and telemetry is None:
            return
        ready = threading.Event()
        errors: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop
        ssl_ctx = None
        tls = self.receiver.tls
        if tls is not None:
            ssl_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ssl_ctx.load_cert_chain(tls.cert_file, tls.key_file)
            if tls.client_ca_file:
                ssl_ctx.load_verify_locations(tls.client_ca_file)
                ssl_ctx.verify_mode = ssl.CERT_REQUIRED

        async def site_on(app: Any, host: str, port: int, ssl_context: Any = None) -> int:
            # auto_decompress=False: we decompress ourselves, with our own limit (gzip bombs)
            runner = web.AppRunner(app, access_log=None, handle_signals=False, auto_decompress=False)
            await runner.setup()
            site = web.TCPSite(runner, host, port, ssl_context=ssl_context, reuse_address=True)
            await site.start()
            self._runners.append(runner)
            sockets = [s for server in [site._server] if server for s in server.sockets]  # noqa: SLF001
            return sockets[0].getsockname()[1]

        async def boot() -> None:
            if ep is not None:
                self.http_port = await site_on(self._http_app(), ep.host, ep.port, ssl_ctx)
                self._http_runner = self._runners[-1]
            if telemetry is not None:  # /health and /metrics on their own (plain HTTP) port
                host, _, port = telemetry.rpartition(":")
                self.telemetry_port = await site_on(self._telemetry_app(), host or "127.0.0.1", int(port))

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(boot())
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._loop_thread = threading.Thread(target=serve, name="otel-privacy-gateway-http", daemon=True)
        self._loop_thread.start()
        ready.wait(30)
        if errors:
            where = ep.endpoint if ep is not None else telemetry
            raise OSError(f"cannot start the OTLP/HTTP receiver or telemetry endpoint ({where}): {errors[0]}")

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> Gateway:
        self._started_at = time.monotonic()
        for exporter in self.exporters.values():
            exporter.start()
        self._start_grpc()
        self._start_http()
        telemetry = self.config.service.telemetry
        if telemetry.self_metrics_interval and "metrics" in self.pipelines:
            threading.Thread(target=self._self_metrics_loop, args=(telemetry.self_metrics_interval,),
                             name="otel-privacy-gateway-self-metrics", daemon=True).start()
        _log.info("otel-privacy gateway %s listening: grpc=%s http=%s telemetry=%s pipelines=%s", __version__,
                  self.grpc_port, self.http_port, self.telemetry_port, ",".join(sorted(self.pipelines)))
        self._usage_started()
        return self

    def _usage_started(self) -> None:
        """The gateway's own lifecycle events, sent into its own logs pipeline (opt-out as usual)."""
        self.usage = None
        if not self.config.service.telemetry.usage_events:
            return
        try:
            from ..usage import UsageReporter

            policy = next((r.policy for r in self.redactors.values()), None)
            sink = (lambda request: self._handle("logs", request)) if "logs" in self.pipelines else None
            self.usage = UsageReporter("otel-privacy-gateway", __version__, policy=policy, exporter=sink)
            self.usage.started({
                "pipelines": ",".join(f"{s}:{len(p.exporters)}" for s, p in sorted(self.pipelines.items())),
                "exporters": ",".join(sorted(e.split("/", 1)[0] for e in self.exporters)),
                "persistent_queue": any(e.queue.storage is not None for e in self.exporters.values()),
            })
        except Exception as exc:  # noqa: BLE001 - never let usage events break the gateway
            _log.debug("gateway: usage events unavailable: %r", exc)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the receivers, then drain every exporter's queue for up to ``timeout`` seconds."""
        usage = getattr(self, "usage", None)
        if usage is not None:
            usage.stopped()  # goes through the logs pipeline before it drains
        self._draining = True
        if self._grpc_server is not None:
            self._grpc_server.stop(grace=min(2.0, timeout)).wait(timeout)
        self._stop_self_metrics.set()
        if self._loop is not None and self._runners:
            for runner in self._runners:
                fut = asyncio.run_coroutine_threadsafe(runner.cleanup(), self._loop)
                with contextlib.suppress(Exception):
                    fut.result(timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._loop_thread is not None:
                self._loop_thread.join(5)
        workers = getattr(self, "_http_workers", None)
        if workers is not None:
            workers.shutdown(wait=True)
        deadline = time.monotonic() + timeout
        for exporter in self.exporters.values():
            exporter.stop(max(0.1, deadline - time.monotonic()))

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def run(self, drain_timeout: float = 10.0) -> None:
        """Serve until SIGTERM or SIGINT, then shut down gracefully."""
        done = threading.Event()

        def on_signal(signum: int, frame: Any) -> None:
            _log.info("gateway: signal %d received; draining", signum)
            done.set()

        signal_mod.signal(signal_mod.SIGTERM, on_signal)
        signal_mod.signal(signal_mod.SIGINT, on_signal)
        self.start()
        done.wait()
        self.stop(drain_timeout)
