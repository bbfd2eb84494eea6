"""The gateway process: components built from their factories, pipelines wired as the config says.

Exporters and receivers are built once per id and shared by the pipelines that list them;
processors are built once per pipeline, last to first, each handed the next consumer. Every
receiver that a pipeline lists is started. One event loop (its own thread) serves every
receiver's gRPC and HTTP endpoints and the telemetry endpoint; decoding and processing run on a
pool of worker threads.

:class:`Gateway` ``.start()`` binds (port 0 picks a free port; see ``grpc_port``/``http_port`` or
``receivers[id]``), ``.stop(timeout)`` stops the receivers, flushes the batches and drains the
queues, ``.run()`` blocks until SIGTERM/SIGINT.

As one of the processes of ``gateway --workers N`` (``worker=``, see :mod:`.workers`) it binds its ports
with ``SO_REUSEPORT``, labels its series with its index, answers its peers' ``/metrics`` questions on a
unix socket, and stops when its parent is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal as signal_mod
import threading
import time
from concurrent import futures
from pathlib import Path
from typing import Any

from .._version import __version__
from .components import ComponentId, Host
from .config import GatewayConfig, load_config
from .factories import factory
from .pipeline import ExporterFanout, Pipeline
from .processors import PipelineInfo, PrivacyProcessor
from .receivers import serve_http
from .selfmetrics import SelfMetrics, Series
from .workers import WorkerSpec

__all__ = ["Gateway"]

_log = logging.getLogger("otel_privacy.gateway")


class Gateway:
    """An OTLP privacy gateway built from a :class:`GatewayConfig` (or a path / dict)."""

    def __init__(self, config: GatewayConfig | str | Path | dict[str, Any], worker: WorkerSpec | None = None) -> None:
        self.config = config if isinstance(config, GatewayConfig) else load_config(config)
        cfg = self.config
        _log.setLevel(cfg.service.telemetry.log_level.upper())
        self.worker = worker
        self.metrics = SelfMetrics(worker=str(worker.index) if worker is not None else None)
        self.host = Host(self.metrics)
        self.telemetry_port: int | None = None
        self._draining = False
        self._started_at = 0.0
        self._started_wall_ns = time.time_ns()
        self._stop_self_metrics = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._telemetry_runner: Any = None
        self._peer_runner: Any = None
        self._workers: futures.ThreadPoolExecutor | None = None
        self.usage: Any = None

        self.exporters = {cid: factory("exporters", cid).create(ComponentId.parse(cid), c, self.host)
                          for cid, c in cfg.exporters.items()}
        self.host.memory.measure_queues(lambda: sum(e.queue.bytes for e in self.exporters.values()))
        self.receivers = {cid: factory("receivers", cid).create(ComponentId.parse(cid), c, self.host)
                          for cid, c in cfg.receivers.items()}
        self.pipelines: dict[str, Pipeline] = {}
        for pid, p in cfg.service.pipelines.items():
            signal = pid.partition("/")[0]
            exporters = [self.exporters[cid] for cid in p.exporters]
            fanout = ExporterFanout(pid, signal, exporters, self.metrics)
            info = PipelineInfo(pid, signal, len(fanout.queued))
            chain: list[Any] = []
            consumer: Any = fanout
            for cid in reversed(p.processors):  # last to first: each processor gets its next consumer
                consumer = factory("processors", cid).create(ComponentId.parse(cid), cfg.processors[cid], self.host,
                                                             next=consumer, pipeline=info)
                chain.insert(0, consumer)
            pipeline = self.pipelines[pid] = Pipeline(pid, signal, chain, fanout, exporters)
            for rid in p.receivers:
                self.receivers[rid].attach(signal, pipeline)
        for receiver in self.receivers.values():
            receiver.reuse_port = worker is not None  # the workers of one gateway bind the same ports

    # -- what tests and operators look at ---------------------------------------------------
    @property
    def receiver(self) -> Any:
        """The first receiver of the config."""
        return next(iter(self.receivers.values()))

    @property
    def grpc_port(self) -> int | None:
        return self.receiver.grpc_port

    @property
    def http_port(self) -> int | None:
        return self.receiver.http_port

    def privacy_processors(self) -> list[PrivacyProcessor]:
        return [p for pipe in self.pipelines.values() for p in pipe.processors if isinstance(p, PrivacyProcessor)]

    def emit(self, signal: str, request: Any, timeout: float = 10.0) -> None:
        """Send the gateway's own data (self-metrics, usage events) through every pipeline of ``signal``."""
        pending = []
        for pipeline in [p for p in self.pipelines.values() if p.signal == signal]:
            copy = type(request)()
            copy.CopyFrom(request)
            future = pipeline.consume(copy)
            if future is not None:
                pending.append(future)
        for future in pending:
            future.result(timeout)

    # -- ops endpoints ----------------------------------------------------------------------
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
            return web.Response(text=self.metrics.prometheus(await self._peer_series()), content_type="text/plain")

        app.router.add_get("/health", health)
        app.router.add_get("/metrics", metrics)

    async def _peer_series(self) -> list[Series]:
        """Under ``--workers N``: the other workers' series, asked for now (a worker that does not answer in
        a second is left out; ``workers_reporting`` says how many are in)."""
        if self.worker is None:
            return []
        import aiohttp

        async def ask(index: int) -> list[Series] | None:
            path = self.worker.socket_path(index)
            try:
                async with (aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(path)),
                                                  timeout=aiohttp.ClientTimeout(total=1.0)) as session,
                            session.get("http://worker/series") as response):
                    rows = await response.json()
                return [(str(n), tuple((str(k), str(v)) for k, v in labels), float(value)) for n, labels, value in rows]
            except (OSError, ValueError, TypeError, asyncio.TimeoutError, aiohttp.ClientError):
                return None

        answers = await asyncio.gather(*(ask(i) for i in range(self.worker.count) if i != self.worker.index))
        got = [a for a in answers if a is not None]
        reporting = ("workers_reporting", (("worker", str(self.worker.index)),), float(1 + len(got)))
        return [reporting, *(row for rows in got for row in rows)]

    async def _serve_peers(self) -> None:
        """Answer the other workers' ``/metrics`` with this worker's series, on a unix socket of the run directory."""
        from aiohttp import web

        assert self.worker is not None

        async def series(request: web.Request) -> web.Response:
            return web.json_response(self.metrics.series())

        app = web.Application()
        app.router.add_get("/series", series)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.UnixSite(runner, str(self.worker.socket_path(self.worker.index))).start()
        self._peer_runner = runner

    async def _boot(self) -> None:
        assert self._workers is not None
        if self.worker is not None:
            await self._serve_peers()
        for receiver in self.receivers.values():
            await receiver.start(self._workers, self._add_ops_routes, lambda: self._draining)
        address = self.config.service.telemetry.metrics_address
        if address is not None:  # /health and /metrics on their own (plain HTTP) port
            from aiohttp import web

            from .components import split_host_port

            app = web.Application()
            self._add_ops_routes(app)
            host, port = split_host_port(address)
            try:
                self._telemetry_runner, self.telemetry_port = await serve_http(app, host, port,
                                                                               reuse_port=self.worker is not None)
            except OSError as exc:
                raise OSError(f"cannot serve telemetry on {address}: {exc}") from None

    async def _shutdown_loop(self, grace: float) -> None:
        for receiver in self.receivers.values():
            await receiver.stop(grace)
        for runner in (self._telemetry_runner, self._peer_runner):
            if runner is not None:
                with contextlib.suppress(Exception):
                    await runner.cleanup()
        # whatever is still pending (a client that never finished its body …) is cancelled and awaited,
        # so no task is left to be destroyed with the loop
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _self_metrics_loop(self, interval: float) -> None:
        """Send the gateway's own counters and gauges as OTLP metrics into its metrics pipelines."""
        while not self._stop_self_metrics.wait(interval):
            try:
                self.emit("metrics", self.metrics.otlp_request(__version__, self._started_wall_ns))
            except Exception:  # noqa: BLE001 - self-metrics must never break the gateway
                _log.debug("gateway: self-metrics export failed", exc_info=True)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Gateway:
        self._started_at = time.monotonic()
        limit = max(r.cfg.max_concurrent_requests for r in self.receivers.values())
        self._workers = futures.ThreadPoolExecutor(max_workers=max(2, min(16, limit)),
                                                   thread_name_prefix="otel-privacy-gateway-worker")
        for exporter in self.exporters.values():
            exporter.start()
        for pipeline in self.pipelines.values():
            pipeline.start()
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        errors: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._boot())
            except BaseException as exc:  # noqa: BLE001 - reported by start()
                errors.append(exc)
            ready.set()
            if not errors:
                loop.run_forever()

        self._loop = loop
        self._loop_thread = threading.Thread(target=serve, name="otel-privacy-gateway-loop", daemon=True)
        self._loop_thread.start()
        ready.wait(60)
        if errors:
            self.stop(0.5)
            raise errors[0] if isinstance(errors[0], OSError) else OSError(f"cannot start: {errors[0]!r}")
        telemetry = self.config.service.telemetry
        if telemetry.self_metrics_interval and any(p.signal == "metrics" for p in self.pipelines.values()):
            threading.Thread(target=self._self_metrics_loop, args=(telemetry.self_metrics_interval,),
                             name="otel-privacy-gateway-self-metrics", daemon=True).start()
        _log.info("otel-privacy gateway %s listening: %s telemetry=%s pipelines=%s", __version__,
                  " ".join(f"{rid}(grpc={r.grpc_port} http={r.http_port})" for rid, r in self.receivers.items()),
                  self.telemetry_port, ",".join(sorted(self.pipelines)))
        self._usage_started()
        return self

    def _usage_started(self) -> None:
        """The gateway's own lifecycle events, sent into its own logs pipelines (opt-out as usual)."""
        if not self.config.service.telemetry.usage_events:
            return
        try:
            from ..usage import UsageReporter

            policy = next((p.redactor.policy for p in self.privacy_processors()), None)
            has_logs = any(p.signal == "logs" for p in self.pipelines.values())
            sink = (lambda request: self.emit("logs", request)) if has_logs else None
            self.usage = UsageReporter("otel-privacy-gateway", __version__, policy=policy, exporter=sink)
            self.usage.started({
                "pipelines": ",".join(f"{pid}:{len(p.exporters)}" for pid, p in sorted(self.pipelines.items())),
                "exporters": ",".join(sorted(e.split("/", 1)[0] for e in self.exporters)),
                "persistent_queue": any(e.queue.storage is not None for e in self.exporters.values()),
            })
        except Exception as exc:  # noqa: BLE001 - never let usage events break the gateway
            _log.debug("gateway: usage events unavailable: %r", exc)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the receivers, flush the batches, then drain every exporter's queue for up to ``timeout`` seconds."""
        if self.usage is not None:
            with contextlib.suppress(Exception):
                self.usage.stopped()  # goes through the logs pipelines before they drain
        self._draining = True
        self._stop_self_metrics.set()
        deadline = time.monotonic() + timeout
        loop, thread = self._loop, self._loop_thread
        if loop is not None and thread is not None:
            if thread.is_alive() and loop.is_running():
                future = asyncio.run_coroutine_threadsafe(self._shutdown_loop(min(2.0, timeout)), loop)
                with contextlib.suppress(Exception):
                    future.result(max(1.0, timeout))
                loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
            if not loop.is_running():
                loop.close()
            self._loop = None
        for pipeline in self.pipelines.values():
            pipeline.shutdown(max(0.1, deadline - time.monotonic()))
        if self._workers is not None:
            self._workers.shutdown(wait=True)
            self._workers = None
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
        if self.worker is None:
            done.wait()
        else:  # a worker whose parent is gone (SIGKILL) drains and exits rather than serve on alone
            while not done.wait(0.5):
                if os.getppid() != self.worker.parent_pid:
                    _log.warning("gateway: worker %d lost its parent; draining", self.worker.index)
                    break
        self.stop(drain_timeout)
