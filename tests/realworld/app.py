"""The application process (the SDK door): real libraries, their official instrumentations, configure().

``python -m realworld.app CONFIG.json`` (from ``tests/``) sets up ``otel_privacy.configure()`` exporting
over OTLP/HTTP to the ``privacy`` receiver, adds unredacted copies of every pipeline to the ``raw``
receiver (the raw bodies prove each secret was planted and feed the gateway and offline doors),
instruments the libraries, starts the local servers and runs one variant's cases. The semantic
conventions and header capture come from the environment, as in a real deployment, so each variant is
a process of its own. It writes ``{"errors": {case: traceback}, "skipped": [...]}`` to ``CONFIG["result"]``.

Attribution: each case runs in a root span carrying ``fuzz.case``; a span processor stamps the same
attribute on every span of that trace (server spans join it through the propagated context) and a
logging filter stamps the records logged while such a span is current.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor

from leakfuzz.carriers import CASE_KEY

from .cases import case_ids

STARTED = time.perf_counter()
#: trace id -> case id, filled by the root span of each case
TRACES: dict[int, int] = {}
CURRENT: contextvars.ContextVar[int | None] = contextvars.ContextVar("realworld_case", default=None)


def current_case() -> int | None:
    ctx = trace.get_current_span().get_span_context()
    return TRACES.get(ctx.trace_id) if ctx.is_valid else CURRENT.get()


class CaseStamper(SpanProcessor):
    """Stamps every span of a case's trace with the case id (spans in server threads included)."""

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        case = TRACES.get(span.get_span_context().trace_id)
        if case is not None:
            span.set_attribute(CASE_KEY, case)


class CaseFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        case = current_case()
        if case is not None:
            setattr(record, CASE_KEY, case)
        return True


@dataclass
class Env:
    """What a case may use: the servers' addresses, the databases, a logger and the tracer."""

    echo: Any
    flask: str
    fastapi: str
    django: str
    aiohttp: str
    grpc: str
    postgres: str | None
    redis_port: int | None
    variant: str
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("shop.app"))


def _telemetry(cfg: dict[str, Any]) -> tuple[Any, list[Any]]:
    from opentelemetry import metrics
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from otel_privacy import RedactingMetricExporter, configure

    privacy, raw = cfg["privacy"], cfg["raw"]
    providers = configure(cfg.get("policy", "default"), service_name="realworld-shop", endpoint=privacy,
                          set_global=True, metrics_enabled=False, capture_logging=True, handle_signals=False)
    providers.tracer_provider.add_span_processor(CaseStamper())
    providers.tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{raw}/v1/traces")))
    providers.logger_provider.add_log_record_processor(
        BatchLogRecordProcessor(OTLPLogExporter(endpoint=f"{raw}/v1/logs")))
    hour = 3_600_000
    mp = MeterProvider(resource=Resource({"service.name": "realworld-shop"}), metric_readers=[
        PeriodicExportingMetricReader(RedactingMetricExporter(OTLPMetricExporter(endpoint=f"{privacy}/v1/metrics"),
                                                              redactor=providers.redactor),
                                      export_interval_millis=hour),
        PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=f"{raw}/v1/metrics"), export_interval_millis=hour)])
    metrics.set_meter_provider(mp)
    providers.logging_handler.addFilter(CaseFilter())
    logging.getLogger().setLevel(logging.INFO)
    return providers, [mp]


def _instrument() -> None:
    """The official instrumentations, as an app enables them (parameters captured where users opt in)."""
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient, GrpcInstrumentorServer
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.logging import LoggingInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor
    from opentelemetry.instrumentation.urllib import URLLibInstrumentor
    from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor

    LoggingInstrumentor().instrument(set_logging_format=False)
    RequestsInstrumentor().instrument()
    URLLib3Instrumentor().instrument()
    URLLibInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    AioHttpClientInstrumentor().instrument()
    SQLite3Instrumentor().instrument()
    PsycopgInstrumentor().instrument(capture_parameters=True)
    SQLAlchemyInstrumentor().instrument()
    RedisInstrumentor().instrument()
    GrpcInstrumentorClient().instrument()
    GrpcInstrumentorServer().instrument()
    BotocoreInstrumentor().instrument()


def main(cfg_path: str) -> int:
    cfg = json.loads(Path(cfg_path).read_text())
    providers, extra = _telemetry(cfg)
    _instrument()
    from . import servers

    stops = []
    echo = servers.EchoServer()
    stops.append(echo.close)
    started = {}
    for name in ("flask", "fastapi", "django", "aiohttp"):
        base, stop = getattr(servers, f"{name}_app")()
        started[name] = base
        stops.append(stop)
    grpc_target, stop = servers.grpc_server()
    stops.append(stop)
    env = Env(echo, grpc=grpc_target, postgres=cfg.get("postgres"), redis_port=cfg.get("redis_port"),
              variant=cfg["variant"], **started)
    tracer = trace.get_tracer("realworld")
    only = set(cfg.get("only") or ())
    errors: dict[str, str] = {}
    skipped: list[str] = []
    durations: dict[str, float] = {"<start>": time.perf_counter() - STARTED}
    for cid, case in case_ids(cfg["variant"]).items():
        if only and case.name not in only:
            continue
        if any(getattr(env, n if n != "redis" else "redis_port") is None for n in case.needs):
            skipped.append(case.name)
            continue
        token = CURRENT.set(cid)
        started = time.perf_counter()
        try:
            with tracer.start_as_current_span(f"case {case.name}", attributes={CASE_KEY: cid}) as span:
                TRACES[span.get_span_context().trace_id] = cid
                case.run(env)
        except Exception:  # noqa: BLE001 - reported to the test, which fails on it
            errors[case.name] = traceback.format_exc()
        finally:
            CURRENT.reset(token)
            durations[case.name] = time.perf_counter() - started
    time.sleep(0.3)  # server spans end after the response reached the client
    started = time.perf_counter()
    for stop in reversed(stops):
        try:
            stop()
        except Exception:  # noqa: BLE001
            errors.setdefault("<servers>", traceback.format_exc())
    providers.force_flush()
    for p in extra:
        p.force_flush()
    providers.shutdown()
    for p in extra:
        p.shutdown()
    durations["<stop>"] = time.perf_counter() - started
    with open(cfg["result"], "w") as f:
        json.dump({"errors": errors, "skipped": skipped, "durations": durations}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
