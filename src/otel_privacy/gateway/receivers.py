"""The OTLP receiver: OTLP/gRPC and OTLP/HTTP on the gateway's event loop, in front of its pipelines.

* gRPC: ``grpc.aio`` with the OTLP services registered as raw-bytes handlers, so a malformed
  message is ours to reject with ``INVALID_ARGUMENT`` (and a short reason) rather than a crash.
* HTTP: ``aiohttp``: ``POST /v1/traces|logs|metrics`` with protobuf or JSON bodies, gzip or
  deflate; ``GET /health`` and ``GET /metrics`` (Prometheus).
* Limits are checked before work is done: the bearer token before the body is read, the declared
  length before reading, the compressed and the decompressed size separately (a gzip bomb stops
  at the limit), and one cap on requests in flight shared by both protocols, counted by the
  receiver itself so that every refusal carries its retry delay (grpcio's own concurrency limit
  answers without ``RetryInfo``, which an OTLP client must treat as "drop the data").
* Decoding, processing and queueing run on the gateway's worker threads; a request waiting in a
  ``batch`` holds no thread.
* Refusals push back: HTTP 429/503 with ``Retry-After``, gRPC ``RESOURCE_EXHAUSTED``/``UNAVAILABLE``
  with ``RetryInfo``; bad input is HTTP 400 / ``INVALID_ARGUMENT`` at any nesting depth, never a 500.

A receiver feeds every pipeline that lists it (fan-in), each with its own copy of the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import ssl
import zlib
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError
from pydantic import Field, model_validator

from ..otlp_json import REQUEST_TYPES, OtlpJsonError
from ..otlp_json import loads as json_loads
from .components import ComponentConfig, ComponentId, Factory, Host, HostPort, Refused, split_host_port

__all__ = ["OtlpReceiver", "OtlpReceiverConfig", "FACTORIES", "GRPC_SERVICES"]

_log = logging.getLogger("otel_privacy.gateway")

GRPC_SERVICES = {
    "traces": "opentelemetry.proto.collector.trace.v1.TraceService",
    "logs": "opentelemetry.proto.collector.logs.v1.LogsService",
    "metrics": "opentelemetry.proto.collector.metrics.v1.MetricsService",
}


# -- config ----------------------------------------------------------------------------------------

class GrpcProtocol(ComponentConfig):
    endpoint: HostPort = "127.0.0.1:4317"
    unsupported = {"max_recv_msg_size_mib": "use the receiver's max_decompressed_bytes",
                   "max_concurrent_streams": "use the receiver's max_concurrent_requests",
                   "tls": "set tls on the receiver (both protocols)", "auth": "set auth on the receiver",
                   "transport": "TCP only", "keepalive": "gRPC defaults apply",
                   "include_metadata": "not implemented", "read_buffer_size": "gRPC defaults apply",
                   "write_buffer_size": "gRPC defaults apply"}


class HttpProtocol(ComponentConfig):
    endpoint: HostPort = "127.0.0.1:4318"
    unsupported = {"cors": "not implemented", "tls": "set tls on the receiver (both protocols)",
                   "auth": "set auth on the receiver", "max_request_body_size": "use the receiver's max_request_bytes",
                   "traces_url_path": "the OTLP paths /v1/traces, /v1/logs, /v1/metrics are served",
                   "logs_url_path": "the OTLP paths are served", "metrics_url_path": "the OTLP paths are served",
                   "include_metadata": "not implemented", "compression_algorithms": "gzip and deflate are accepted"}


class Protocols(ComponentConfig):
    """As in the Collector: a protocol listed without settings (``grpc:``) is on, with its default endpoint."""

    grpc: GrpcProtocol | None = None
    http: HttpProtocol | None = None

    @model_validator(mode="before")
    @classmethod
    def _listed_means_on(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: ({} if v is None and k in ("grpc", "http") else v) for k, v in data.items()}
            if "grpc" not in data and "http" not in data:
                raise ValueError("enable grpc and/or http")
        return data


class Auth(ComponentConfig):
    """Bearer tokens accepted by the receiver (compared in constant time)."""

    bearer_tokens: list[str] = Field(default_factory=list, description="Prefer bearer_tokens_file / _env.")
    bearer_tokens_file: str | None = None
    bearer_tokens_env: str | None = None
    unsupported = {"authenticator": "the receiver checks bearer tokens itself: bearer_tokens, _file or _env"}

    @model_validator(mode="after")
    def _some(self) -> Auth:
        if not (self.bearer_tokens or self.bearer_tokens_file or self.bearer_tokens_env):
            raise ValueError("give bearer_tokens, bearer_tokens_file or bearer_tokens_env")
        return self

    def tokens(self) -> list[bytes]:
        out = list(self.bearer_tokens)
        if self.bearer_tokens_file:
            out += [t.strip() for t in Path(self.bearer_tokens_file).read_text().splitlines() if t.strip()]
        if self.bearer_tokens_env:
            out += [t.strip() for t in os.environ.get(self.bearer_tokens_env, "").split(",") if t.strip()]
        return [t.encode() for t in out]


class TlsServer(ComponentConfig):
    cert_file: str
    key_file: str
    client_ca_file: str | None = Field(None, description="Set to require client certificates (mTLS).")
    unsupported = {"min_version": "the Python ssl defaults apply", "max_version": "the Python ssl defaults apply",
                   "reload_interval": "files are read at start", "ca_file": "use client_ca_file (mTLS)"}


def _default_protocols() -> Protocols:
    return Protocols(grpc=GrpcProtocol(), http=HttpProtocol())


class OtlpReceiverConfig(ComponentConfig):
    protocols: Protocols = Field(default_factory=_default_protocols)
    max_request_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Limit on the body as received.")
    max_decompressed_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Limit after decompression.")
    max_concurrent_requests: int = Field(64, ge=1, description="Requests in flight (both protocols); past it, "
                                                               "clients are told to retry.")
    auth: Auth | None = None
    tls: TlsServer | None = None


# -- decoding --------------------------------------------------------------------------------------

class BadRequest(Exception):
    """Input we will never accept: HTTP ``status`` (400, 413, 415) / gRPC ``INVALID_ARGUMENT``."""

    def __init__(self, status: int, message: str, metric_reason: str = "malformed") -> None:
        super().__init__(message)
        self.status, self.message, self.metric_reason = status, message[:200], metric_reason


def decompress(data: bytes, encoding: str, limit: int) -> bytes:
    """gzip (any number of members) or deflate (zlib, or raw), at most ``limit`` bytes, complete streams only.

    A stream without its end (a gzip trailer cut off, a deflate stream that never finishes) is
    refused: accepting it would tell the client that a truncated payload was delivered.
    """
    raw_deflate = False
    if encoding == "deflate" and data[:1] and (data[0] & 0x0F != 8 or int.from_bytes(data[:2], "big") % 31):
        raw_deflate = True  # RFC 9110 says zlib; some clients send raw deflate, tell them apart by the header
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else (-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)
    out = bytearray()
    rest = data
    while True:
        d = zlib.decompressobj(wbits)
        try:
            out += d.decompress(rest, limit + 1 - len(out))
            if len(out) > limit or d.unconsumed_tail:
                raise BadRequest(413, "decompressed body too large", "too_large_decompressed")
            out += d.flush()
        except zlib.error as exc:
            raise BadRequest(400, f"invalid {encoding} body: {exc}") from None
        if not d.eof:
            raise BadRequest(400, f"incomplete {encoding} body (the stream does not end)")
        rest = d.unused_data
        if not rest or encoding != "gzip":
            break
    if rest:
        raise BadRequest(400, f"data after the end of the {encoding} stream")
    return bytes(out)


def decode(signal: str, ctype: str, body: bytes) -> Any:
    """An export request from a protobuf or OTLP/JSON body; :class:`BadRequest` for anything else."""
    try:
        if ctype == "application/json":
            return json_loads(signal, body)
        return REQUEST_TYPES[signal].FromString(body)
    except (DecodeError, OtlpJsonError) as exc:
        raise BadRequest(400, f"malformed {signal} request: {exc}") from None
    except RecursionError:
        raise BadRequest(400, f"malformed {signal} request: nested too deeply") from None


def _all(pending: list[Future]) -> Future | None:
    """One future for the requests of several pipelines waiting in batches (the first failure wins)."""
    if not pending:
        return None
    if len(pending) == 1:
        return pending[0]
    out: Future = Future()
    left = [len(pending)]

    def done(_: Future) -> None:
        left[0] -= 1
        if left[0] == 0:
            error = next((f.exception() for f in pending if f.exception() is not None), None)
            out.set_exception(error) if error is not None else out.set_result(None)

    for f in pending:
        f.add_done_callback(done)
    return out


# -- the receiver ----------------------------------------------------------------------------------

class OtlpReceiver:
    """One ``otlp`` receiver: its endpoints, limits, tokens and TLS, feeding the pipelines that list it."""

    def __init__(self, cid: ComponentId, cfg: OtlpReceiverConfig, host: Host) -> None:
        self.id = str(cid)
        self.cfg = cfg
        self.metrics = host.metrics
        self.consumers: dict[str, list[Any]] = {}
        self.grpc_port: int | None = None
        self.http_port: int | None = None
        self._in_flight = 0  # touched on the event loop only
        self._tokens: list[bytes] = []
        self._grpc: Any = None
        self._runner: Any = None
        self._executor: Any = None
        self._draining: Callable[[], bool] = lambda: False
        self._errors_logged: set[str] = set()
        self.reuse_port = False  # gateway --workers N: every worker binds the same ports (SO_REUSEPORT)

    def attach(self, signal: str, pipeline: Any) -> None:
        self.consumers.setdefault(signal, []).append(pipeline)

    # -- shared by both protocols -------------------------------------------------------------
    def _authorized(self, header: str | None) -> bool:
        if not self._tokens:
            return True
        scheme, _, token = (header or "").strip().partition(" ")
        given = token.strip().encode() if scheme.lower() == "bearer" else b""  # RFC 9110: schemes are case-insensitive
        ok = False
        for expected in self._tokens:  # constant time per token, and every token is compared
            ok |= hmac.compare_digest(given, expected)
        return ok and bool(given)

    def _admit(self, signal: str) -> Refused | None:
        """Before any work: draining, or too many requests in flight (both protocols count)."""
        if self._draining():
            return Refused("shutting down", retry_after=5.0, metric_reason="shutdown")
        if self._in_flight >= self.cfg.max_concurrent_requests:
            self.metrics.add("refused", signal=signal, reason="concurrency")
            return Refused("too many concurrent requests", retry_after=1.0, metric_reason="concurrency")
        return None

    def _consume(self, signal: str, decode_request: Callable[[], Any]) -> Future | None:
        """Decode, then run every pipeline of ``signal`` on its own copy (worker thread)."""
        message = decode_request()
        self.metrics.add("received", signal=signal, receiver=self.id)
        pipelines = self.consumers[signal]
        if len(pipelines) > 1:  # refuse before any pipeline queues, so a retry does not duplicate
            for p in pipelines:
                refusal = p.ready()
                if refusal is not None:
                    self.metrics.add("refused", signal=signal, reason=refusal.metric_reason)
                    raise refusal
        copies = [message]
        for _ in pipelines[1:]:
            copy = type(message)()
            copy.CopyFrom(message)
            copies.append(copy)
        pending = [f for f in (p.consume(m) for p, m in zip(pipelines, copies)) if f is not None]
        return _all(pending)

    async def _run(self, signal: str, decode_request: Callable[[], Any]) -> None:
        """Process on a worker thread; raises :class:`Refused` or :class:`BadRequest`, anything else is ours."""
        loop = asyncio.get_running_loop()
        try:
            pending = await loop.run_in_executor(self._executor, self._consume, signal, decode_request)
            if pending is not None:
                await asyncio.wrap_future(pending)
        except (Refused, BadRequest):
            raise
        except RecursionError:
            raise BadRequest(400, f"malformed {signal} request: nested too deeply") from None
        except Exception as exc:  # fail closed: nothing was forwarded; log once per kind, never per request
            kind = type(exc).__name__
            self.metrics.add("refused", signal=signal, reason="error")
            if kind not in self._errors_logged:
                self._errors_logged.add(kind)
                _log.error("receiver %s: %s request failed: %r (logged once per kind)", self.id, signal, exc)
            raise

    # -- gRPC ---------------------------------------------------------------------------------
    def _grpc_handler(self, signal: str) -> Any:
        import grpc

        async def export(data: bytes, context: Any) -> bytes:
            metadata = dict(context.invocation_metadata() or ())
            if not self._authorized(metadata.get("authorization")):
                self.metrics.add("refused", signal=signal, reason="unauthenticated")
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")
            refusal = self._admit(signal)
            if refusal is not None:
                await _grpc_refuse(context, refusal)
            self._in_flight += 1
            try:
                await self._run(signal, lambda: decode(signal, "application/x-protobuf", data))
            except Refused as exc:
                await _grpc_refuse(context, exc)
            except BadRequest as exc:
                self.metrics.add("refused", signal=signal, reason=exc.metric_reason)
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, exc.message)
            except Exception as exc:  # noqa: BLE001 - already logged by _run
                await context.abort(grpc.StatusCode.INTERNAL, f"processing failed: {type(exc).__name__}")
            finally:
                self._in_flight -= 1
            return b""  # an empty Export*ServiceResponse: full success

        return grpc.unary_unary_rpc_method_handler(export, request_deserializer=None, response_serializer=None)

    async def _start_grpc(self) -> None:
        import grpc
        from grpc import aio

        proto = self.cfg.protocols.grpc
        if proto is None:
            return
        host, port = split_host_port(proto.endpoint)
        # No maximum_concurrent_rpcs: the receiver's own gate refuses first, with RetryInfo.
        server = aio.server(options=[("grpc.max_receive_message_length", self.cfg.max_decompressed_bytes),
                                     ("grpc.so_reuseport", int(self.reuse_port))])
        for signal in self.consumers:
            server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
                GRPC_SERVICES[signal], {"Export": self._grpc_handler(signal)}),))
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        tls = self.cfg.tls
        if tls is not None:
            creds = grpc.ssl_server_credentials(
                [(Path(tls.key_file).read_bytes(), Path(tls.cert_file).read_bytes())],
                root_certificates=Path(tls.client_ca_file).read_bytes() if tls.client_ca_file else None,
                require_client_auth=bool(tls.client_ca_file))
            self.grpc_port = server.add_secure_port(address, creds)
        else:
            self.grpc_port = server.add_insecure_port(address)
        if not self.grpc_port:
            raise OSError(f"receiver {self.id}: cannot bind OTLP/gRPC to {proto.endpoint}")
        await server.start()
        self._grpc = server

    # -- HTTP ---------------------------------------------------------------------------------
    def _http_app(self, add_ops_routes: Callable[[Any], None]) -> Any:
        from aiohttp import web

        cfg = self.cfg

        async def export(request: web.Request) -> web.Response:
            signal = request.match_info["signal"]
            if signal not in REQUEST_TYPES:
                return web.Response(status=404, text="unknown signal")
            if signal not in self.consumers:
                return web.Response(status=404, text=f"no {signal} pipeline takes data from receiver {self.id}")
            if not self._authorized(request.headers.get("Authorization")):
                self.metrics.add("refused", signal=signal, reason="unauthenticated")
                return web.Response(status=401, text="missing or invalid bearer token",
                                    headers={"WWW-Authenticate": "Bearer"})
            ctype = request.content_type
            if ctype not in ("application/x-protobuf", "application/json"):
                self.metrics.add("refused", signal=signal, reason="content_type")
                return web.Response(status=415, text="use application/x-protobuf or application/json")
            encoding = request.headers.get("Content-Encoding", "").strip().lower()
            if encoding not in ("", "identity", "gzip", "deflate"):
                self.metrics.add("refused", signal=signal, reason="content_encoding")
                return web.Response(status=415, text=f"unsupported Content-Encoding {encoding!r}")
            if request.content_length is not None and request.content_length > cfg.max_request_bytes:
                self.metrics.add("refused", signal=signal, reason="too_large")
                return web.Response(status=413, text="request body too large")
            refusal = self._admit(signal)
            if refusal is not None:
                return _http_refusal(refusal)
            self._in_flight += 1  # the body read counts: a slow client holds its slot
            try:
                try:
                    body = await request.read()
                except web.HTTPRequestEntityTooLarge:
                    self.metrics.add("refused", signal=signal, reason="too_large")
                    return web.Response(status=413, text="request body too large")

                def decode_request() -> Any:
                    data = body
                    if encoding in ("gzip", "deflate"):
                        data = decompress(data, encoding, cfg.max_decompressed_bytes)
                    elif len(data) > cfg.max_decompressed_bytes:
                        raise BadRequest(413, "request body too large", "too_large")
                    return decode(signal, ctype, data)

                await self._run(signal, decode_request)
            except Refused as exc:
                return _http_refusal(exc)
            except BadRequest as exc:
                self.metrics.add("refused", signal=signal, reason=exc.metric_reason)
                return web.Response(status=exc.status, text=exc.message)
            except Exception as exc:  # noqa: BLE001 - already logged by _run
                return web.Response(status=500, text=f"processing failed: {type(exc).__name__}")
            finally:
                self._in_flight -= 1
            if ctype == "application/json":
                return web.Response(body=b"{}", content_type="application/json")
            return web.Response(body=b"", content_type="application/x-protobuf")

        app = web.Application(client_max_size=cfg.max_request_bytes)
        app.router.add_post("/v1/{signal}", export)
        add_ops_routes(app)
        return app

    async def _start_http(self, add_ops_routes: Callable[[Any], None]) -> None:
        proto = self.cfg.protocols.http
        if proto is None:
            return
        ssl_ctx = None
        tls = self.cfg.tls
        if tls is not None:
            ssl_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ssl_ctx.load_cert_chain(tls.cert_file, tls.key_file)
            if tls.client_ca_file:
                ssl_ctx.load_verify_locations(tls.client_ca_file)
                ssl_ctx.verify_mode = ssl.CERT_REQUIRED
        host, port = split_host_port(proto.endpoint)
        try:
            self._runner, self.http_port = await serve_http(self._http_app(add_ops_routes), host, port, ssl_ctx,
                                                         reuse_port=self.reuse_port)
        except OSError as exc:
            raise OSError(f"receiver {self.id}: cannot bind OTLP/HTTP to {proto.endpoint}: {exc}") from None

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self, executor: Any, add_ops_routes: Callable[[Any], None], draining: Callable[[], bool]) -> None:
        """Bind and serve on the running loop (port 0 picks a free port: see ``grpc_port`` / ``http_port``)."""
        self._executor, self._draining = executor, draining
        self._tokens = self.cfg.auth.tokens() if self.cfg.auth else []
        await self._start_grpc()
        await self._start_http(add_ops_routes)

    async def stop(self, grace: float) -> None:
        """Stop taking requests; requests in flight get ``grace`` seconds to finish."""
        if self._grpc is not None:
            await self._grpc.stop(grace)
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner.cleanup()


async def serve_http(app: Any, host: str, port: int, ssl_context: Any = None,
                     reuse_port: bool = False) -> tuple[Any, int]:
    """Serve ``app`` on ``host:port``; returns the runner and the bound port (``reuse_port``: shared with the
    other workers of the gateway)."""
    from aiohttp import web

    # auto_decompress=False: the receiver decompresses itself, with its own limit (gzip bombs);
    # shutdown_timeout: in-flight requests get a short grace at stop, never a minute.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, auto_decompress=False, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context, reuse_address=True,
                       reuse_port=reuse_port or None)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    sockets = [s for server in [site._server] if server for s in server.sockets]  # noqa: SLF001
    return runner, sockets[0].getsockname()[1]


def _retry_info(code: int, message: str, retry_after: float) -> bytes:
    """A serialized ``google.rpc.Status`` carrying ``RetryInfo`` (the ``grpc-status-details-bin`` trailer)."""
    from google.protobuf.any_pb2 import Any as AnyProto
    from google.protobuf.duration_pb2 import Duration
    from google.rpc import error_details_pb2, status_pb2

    detail = AnyProto()
    seconds = int(retry_after)
    detail.Pack(error_details_pb2.RetryInfo(retry_delay=Duration(seconds=seconds,
                                                                 nanos=int((retry_after - seconds) * 1e9))))
    return status_pb2.Status(code=code, message=message, details=[detail]).SerializeToString()


async def _grpc_refuse(context: Any, refusal: Refused) -> None:
    import grpc

    if not refusal.retryable:
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, refusal.reason)
    code = grpc.StatusCode.RESOURCE_EXHAUSTED if refusal.exhausted else grpc.StatusCode.UNAVAILABLE
    # RetryInfo: per the OTLP spec RESOURCE_EXHAUSTED is only retried when the server says when
    await context.abort(code, refusal.reason, trailing_metadata=(
        ("retry-after", str(max(1, round(refusal.retry_after)))),
        ("grpc-status-details-bin", _retry_info(code.value[0], refusal.reason, refusal.retry_after)),
    ))


def _http_refusal(refusal: Refused) -> Any:
    from aiohttp import web

    if not refusal.retryable:
        return web.Response(status=400, text=refusal.reason)
    return web.Response(status=429 if refusal.exhausted else 503, text=refusal.reason,
                        headers={"Retry-After": str(max(1, round(refusal.retry_after)))})


FACTORIES = (Factory("receivers", "otlp", OtlpReceiverConfig, lambda cid, cfg, host: OtlpReceiver(cid, cfg, host)),)
