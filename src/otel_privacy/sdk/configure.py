"""One call that sets up tracing, logs and metrics with the privacy plug-ins in front of OTLP.

``configure()`` honours the standard OpenTelemetry environment variables
(``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_PROTOCOL``, ``OTEL_{TRACES,LOGS,METRICS}_EXPORTER``, and the exporters' own
``OTEL_EXPORTER_OTLP_*`` settings) plus ``OTEL_PRIVACY_POLICY`` (a file path or preset name),
``OTEL_PRIVACY_SHUTDOWN_TIMEOUT`` and ``OTEL_PRIVACY_HANDLE_SIGNALS``. Arguments win over the environment.

The app must not notice us except in its telemetry: logging goes through one handler that leaves the
app's handlers, levels and ``basicConfig`` alone (:mod:`.logging_bridge`); shutdown is bounded by one
deadline, SIGTERM/SIGINT handlers are chained, never replaced, and what could not be sent is reported
once (:mod:`.shutdown`).
"""

from __future__ import annotations

import atexit
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogRecordExporter, LogRecordExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, MetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from ..policy import Policy
from ..redactor import Redactor
from .exporters import RedactingMetricExporter
from .logging_bridge import install_logging_bridge, remove_logging_bridge
from .processors import PrivacyLogProcessor, PrivacySpanProcessor
from .shutdown import (
    AccountedExporter,
    CountingProcessor,
    Delivery,
    GracefulStop,
    resolve_handle_signals,
    resolve_shutdown_timeout,
)
from .wire_export import export_redaction

__all__ = ["configure", "PrivacyProviders"]

_log = logging.getLogger("otel_privacy")

_SIGNAL_PATHS = {"traces": "v1/traces", "logs": "v1/logs", "metrics": "v1/metrics"}


@dataclass
class PrivacyProviders:
    """What :func:`configure` built; ``shutdown()`` flushes and stops everything within the shutdown deadline."""

    redactor: Redactor
    tracer_provider: TracerProvider | None = None
    logger_provider: LoggerProvider | None = None
    meter_provider: MeterProvider | None = None
    logging_handler: logging.Handler | None = None
    extras: list[Any] = field(default_factory=list)
    graceful_stop: GracefulStop | None = None

    def force_flush(self, timeout_millis: int = 30_000) -> None:
        for p in (self.tracer_provider, self.logger_provider, self.meter_provider):
            if p is not None:
                p.force_flush(timeout_millis)

    def shutdown(self) -> None:
        """Flush and stop; bounded by ``shutdown_timeout``; never raises. Also runs at interpreter exit."""
        if self.graceful_stop is None:  # built by hand rather than by configure()
            self.graceful_stop = GracefulStop(resolve_shutdown_timeout(None))
            _plan_shutdown(self, self.graceful_stop)
        self.graceful_stop.shutdown()


def _plan_shutdown(result: PrivacyProviders, stop: GracefulStop) -> None:
    """Perf capture and the logging bridge first, then the three providers in parallel."""

    def detach_logging() -> None:
        if result.logging_handler is not None:
            remove_logging_bridge(result.logging_handler)

    def stop_extras() -> None:
        for extra in result.extras:
            extra.shutdown()  # each guarded by GracefulStop: shutting down must not raise into the app

    stop.first += [stop_extras, detach_logging]
    tp, lp, mp = result.tracer_provider, result.logger_provider, result.meter_provider
    if tp is not None:
        stop.flushes.append(lambda t: tp.force_flush(int(t * 1000)))
        stop.shutdowns.append(lambda t: tp.shutdown())
    if lp is not None:
        stop.flushes.append(lambda t: lp.force_flush(int(t * 1000)))
        stop.shutdowns.append(lambda t: lp.shutdown())
    if mp is not None:
        stop.flushes.append(lambda t: mp.force_flush(int(t * 1000)))
        stop.shutdowns.append(lambda t: mp.shutdown(timeout_millis=t * 1000))


def _exporter_names(signal: str) -> list[str]:
    raw = os.environ.get(f"OTEL_{signal.upper()}_EXPORTER", "otlp")
    return [n.strip().lower() for n in raw.split(",") if n.strip()]


def _otlp_exporter(signal: str, protocol: str, endpoint: str | None, headers: dict[str, str] | None) -> Any:
    kwargs: dict[str, Any] = {}
    if headers:
        kwargs["headers"] = headers
    if protocol == "grpc":
        if endpoint:
            kwargs["endpoint"] = endpoint
        if signal == "traces":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as E
        elif signal == "logs":
            from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as E
        else:
            from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as E
    else:
        if endpoint:  # the base endpoint gets the per-signal path, as the OTLP exporter spec says
            kwargs["endpoint"] = endpoint.rstrip("/") + "/" + _SIGNAL_PATHS[signal]
        if signal == "traces":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as E
        elif signal == "logs":
            from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as E
        else:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as E
    return E(**kwargs)


def _exporters(signal: str, protocol: str, endpoint: str | None, headers: dict[str, str] | None,
               console: bool, extra: Sequence[Any] | None) -> list[Any]:
    names = _exporter_names(signal)
    out: list[Any] = []
    if "otlp" in names:
        out.append(_otlp_exporter(signal, protocol, endpoint, headers))
    if console or "console" in names:
        out.append({"traces": ConsoleSpanExporter, "logs": ConsoleLogRecordExporter,
                    "metrics": ConsoleMetricExporter}[signal]())
    out.extend(extra or ())
    return out


def configure(
    policy: Policy | str | dict | None = None,
    *,
    service_name: str | None = None,
    endpoint: str | None = None,
    protocol: str | None = None,
    headers: dict[str, str] | None = None,
    console: bool = False,
    traces: bool = True,
    logs: bool = True,
    metrics_enabled: bool = True,
    capture_logging: bool = True,
    resource_attributes: dict[str, Any] | None = None,
    span_exporters: Sequence[SpanExporter] | None = None,
    log_exporters: Sequence[LogRecordExporter] | None = None,
    metric_exporters: Sequence[MetricExporter] | None = None,
    metric_export_interval_ms: int | None = None,
    perf: Any = None,
    set_global: bool = True,
    shutdown_timeout: float | None = None,
    handle_signals: bool | None = None,
    redact_at: str | None = None,
) -> PrivacyProviders:
    """Set up tracer, logger and meter providers whose every exporter sees only redacted data.

    Args:
        policy: a :class:`Policy`, preset name, file path or dict; default ``OTEL_PRIVACY_POLICY``
            or the ``default`` preset.
        service_name: overrides ``OTEL_SERVICE_NAME``.
        endpoint: OTLP endpoint (base URL for http/protobuf, host:port URL for grpc); default
            from ``OTEL_EXPORTER_OTLP_ENDPOINT`` as the exporters read it.
        protocol: ``http/protobuf`` (default) or ``grpc``; default ``OTEL_EXPORTER_OTLP_PROTOCOL``.
        console: also print redacted records to stdout.
        capture_logging: bridge the stdlib ``logging`` root logger into OpenTelemetry logs.
        span_exporters / log_exporters / metric_exporters: extra exporters, also behind the policy.
        perf: performance capture settings (``True``, a mapping, or a ``PerfConfig``); default from
            the policy's ``perf:`` section and ``OTEL_PRIVACY_PERF_*``.
        set_global: install the providers as the global ones.
        shutdown_timeout: seconds for the whole shutdown (all signals together, in parallel); default
            ``OTEL_PRIVACY_SHUTDOWN_TIMEOUT`` or 5. What could not be sent by then is reported in one warning.
        handle_signals: chain SIGTERM/SIGINT handlers that flush before the app's own action (or the
            default one) runs; default ``OTEL_PRIVACY_HANDLE_SIGNALS``, else on when ``set_global``.
        redact_at: ``export``: OTLP exporters redact each encoded request in their own thread with the gateway's
            wire engine, nothing is copied per record on the app's thread; other exporters (console, extra ones)
            get the privacy processors. ``processor``: the processors everywhere. Default
            ``OTEL_PRIVACY_REDACT_AT``, else ``export`` where the compiled wire core is built.
    """
    redactor = Redactor(Policy.load(policy if policy is not None else os.environ.get("OTEL_PRIVACY_POLICY")))
    protocol = (protocol or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf").lower()
    if protocol not in ("grpc", "http/protobuf"):
        _log.warning("otel-privacy: unsupported OTLP protocol %r, using http/protobuf", protocol)
        protocol = "http/protobuf"
    attrs = dict(resource_attributes or {})
    if service_name:
        attrs[SERVICE_NAME] = service_name
    resource = Resource.create(attrs)
    result = PrivacyProviders(redactor=redactor)
    # Our own exit hook replaces the SDK's (shutdown_on_exit=False): one deadline for all three.
    stop = result.graceful_stop = GracefulStop(resolve_shutdown_timeout(shutdown_timeout))

    def pipeline(signal: str, unit: str, exporter: Any) -> tuple[Delivery, AccountedExporter]:
        delivery = Delivery(signal, unit)
        accounted = AccountedExporter(exporter, delivery)
        stop.deliveries.append(delivery)
        stop.exporters.append(accounted)
        return delivery, accounted
    at_export = export_redaction(redactor, redact_at)

    if traces:
        tp = TracerProvider(resource=resource, shutdown_on_exit=False)
        result.tracer_provider = tp
        for exporter in _exporters("traces", protocol, endpoint, headers, console, span_exporters):
            hooked = at_export(exporter, "traces")  # the OTLP exporter itself, before it is wrapped for accounting
            delivery, accounted = pipeline("traces", "span", exporter)
            processor = CountingProcessor(BatchSpanProcessor(accounted), delivery)
            tp.add_span_processor(processor if hooked else PrivacySpanProcessor(processor, redactor=redactor))
        if set_global:
            trace.set_tracer_provider(tp)

    if logs:
        lp = LoggerProvider(resource=resource, shutdown_on_exit=False)
        result.logger_provider = lp
        for exporter in _exporters("logs", protocol, endpoint, headers, console, log_exporters):
            hooked = at_export(exporter, "logs")
            delivery, accounted = pipeline("logs", "log record", exporter)
            processor = CountingProcessor(BatchLogRecordProcessor(accounted), delivery)
            lp.add_log_record_processor(processor if hooked else PrivacyLogProcessor(processor, redactor=redactor))
        if set_global:
            set_logger_provider(lp)
        if capture_logging:
            result.logging_handler = install_logging_bridge(lp)

    if metrics_enabled:
        interval = metric_export_interval_ms or int(os.environ.get("OTEL_METRIC_EXPORT_INTERVAL", "60000"))
        readers = [
            PeriodicExportingMetricReader(
                _metric_exporter(e, at_export(e, "metrics"), pipeline, redactor),
                export_interval_millis=interval,
            )
            for e in _exporters("metrics", protocol, endpoint, headers, console, metric_exporters)
        ]
        mp = MeterProvider(resource=resource, metric_readers=readers, shutdown_on_exit=False)
        result.meter_provider = mp
        if set_global:
            metrics.set_meter_provider(mp)

    _install_perf(result, perf, redactor)
    _plan_shutdown(result, stop)
    atexit.register(stop.shutdown)
    if resolve_handle_signals(handle_signals, default=set_global):
        stop.install_signal_handlers()
    return result


def _install_perf(result: PrivacyProviders, perf: Any, redactor: Redactor) -> None:
    """Performance capture is optional; a failure to set it up must not break configure()."""
    try:
        from ..perf import config as perf_config
    except ImportError:
        return
    try:
        cfg = perf_config.PerfConfig.resolve(perf, redactor.policy.perf)
        if cfg is None or not cfg.enabled:
            return
        from ..perf import install_perf

        result.extras.append(install_perf(result.tracer_provider, result.meter_provider, cfg, redactor))
    except Exception as exc:  # noqa: BLE001
        _log.warning("otel-privacy: performance capture not installed: %r", exc)


def _metric_exporter(exporter: Any, hooked: bool, pipeline: Any, redactor: Redactor) -> Any:
    """Accounted, and behind the metrics redaction unless the exporter redacts each request it sends."""
    accounted = pipeline("metrics", "metric point", exporter)[1]
    return accounted if hooked else RedactingMetricExporter(accounted, redactor=redactor)
