"""The adversarial corpus: unique canaries in every carrier position of traces, logs and metrics.

`Corpus` hands out a fresh canary per (carrier, kind) and remembers it, so a test can check that
none reached the wire and report exactly which leaked. Utility markers are values that *must*
survive (table names, operations, URL paths and hosts, methods, status codes, frame function
names, pseudonymous ids). `emit_sdk` plays the corpus through the OpenTelemetry SDK APIs;
`build_requests` builds the same records directly as OTLP protobuf, for the gateway and CLI doors.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
from opentelemetry.proto.metrics.v1.metrics_pb2 import Exemplar, Metric
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from otel_privacy.otlp import py_to_any
from otel_privacy.scrub.text import luhn_valid

KINDS = ("email", "card", "token", "password", "user_id", "ip", "sql_literal", "url_param", "jwt", "iban")

UTILITY = ("orders", "users", "SELECT", "/api/orders", "shop.example", "POST", "checkout_handler", "corpus-svc")


def card_number(i: int, prefix: str = "55") -> str:
    """A unique, Luhn-valid card number (a real detector must catch it)."""
    base = f"{prefix}{i:04d}{'3' * (15 - len(prefix) - 4)}"
    return next(base + d for d in "0123456789" if luhn_valid(base + d))


def iban(i: int, bank: str = "50010517") -> str:
    """A unique German IBAN with valid check digits."""
    bban = f"{bank}{i:010d}"
    numeric = "".join(str(int(c, 36)) for c in bban + "DE00")
    return f"DE{98 - int(numeric) % 97:02d}{bban}"


@dataclass
class Corpus:
    planted: dict[str, str] = field(default_factory=dict)  # canary -> "carrier/kind"
    _n: int = 0

    def canary(self, carrier: str, kind: str) -> str:
        self._n += 1
        i = self._n
        value = {
            "email": f"canary{i}.user@example.org",
            "card": card_number(i),
            "token": f"ghp_canary{i:04d}abcdefghijklmnopqrstuvwxyz",
            "password": f"pw-canary-{i:04d}-x",
            "user_id": f"canary-user-{i:04d}",
            "ip": f"203.0.113.{(i % 250) + 1}",
            "sql_literal": f"lit{i:04d}zz",
            "url_param": f"qv{i:04d}canary",
            "jwt": f"eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnki{i:04d}fQ.c2lnbmF0dXJl{i:04d}",
            "iban": iban(i),
        }[kind]
        self.planted[value] = f"{carrier}/{kind}"
        return value

    def text(self, carrier: str, kinds: tuple[str, ...] = ("email", "card", "token", "jwt", "iban")) -> str:
        return " ; ".join(f"{k} {self.canary(carrier, k)}" for k in kinds)

    def leaks(self, wire: bytes) -> list[str]:
        leaked = []
        for value, where in self.planted.items():
            if where.endswith("/ip"):
                # an address is truncated, not removed: the host byte must be gone
                if value.encode() in wire:
                    leaked.append(where)
            elif value.encode() in wire:
                leaked.append(where)
        return leaked


def attributes(c: Corpus, carrier: str) -> dict[str, Any]:
    """Attributes of every value type carrying canaries, plus keys with rules of their own."""
    return {
        f"{carrier}.note": c.text(carrier),
        f"{carrier}.list": [c.canary(carrier, "email"), "plain"],
        "db.password": c.canary(carrier, "password"),
        "enduser.id": c.canary(carrier, "user_id"),
        "client.address": c.canary(carrier, "ip"),
        f"{carrier}.count": 3,
        f"{carrier}.ratio": 0.5,
        f"{carrier}.flag": True,
    }


def emit_sdk(c: Corpus, tracer_provider: Any, logger_name: str, meter_provider: Any | None) -> None:
    """Play the corpus through the SDK APIs (spans, events, links, status, exceptions, logs, metrics)."""
    from opentelemetry.trace import Link, SpanKind, Status, StatusCode

    tracer = tracer_provider.get_tracer("corpus.scope", attributes={"scope.note": c.text("scope")})
    with tracer.start_as_current_span("linked") as linked:
        pass
    with tracer.start_as_current_span(
        f"POST /api/orders {c.text('span_name', ('email',))}", kind=SpanKind.SERVER,
        links=[Link(linked.get_span_context(), attributes(c, "link"))],
    ) as span:
        span.set_attributes(attributes(c, "span"))
        span.set_attribute("http.request.method", "POST")
        span.set_attribute("http.response.status_code", 500)
        span.set_attribute("url.full", f"https://shop.example/api/orders?email={c.canary('url', 'url_param')}")
        span.set_attribute("db.system", "postgresql")
        span.set_attribute("db.statement",
                           f"SELECT * FROM orders JOIN users ON users.id = orders.user_id "
                           f"WHERE users.email = '{c.canary('sql', 'sql_literal')}'")
        span.add_event(f"audit {c.text('event_name', ('email',))}", attributes(c, "event"))
        try:
            def checkout_handler() -> None:
                raise RuntimeError(f"charge failed: {c.text('exception')}")

            checkout_handler()
        except RuntimeError as exc:
            span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, c.text("status")))
        if meter_provider is not None:
            hist = meter_provider.get_meter("corpus.meter").create_histogram("orders.duration", unit="ms")
            hist.record(5.0, {"metric.note": c.text("metric_attr"), "exemplar.note": c.text("exemplar")})
    log = logging.getLogger(logger_name)
    log.setLevel(logging.INFO)
    log.error("order failed for %s", c.text("log_body"), extra={"log.note": c.text("log_attr")})


def _kvs(values: dict[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=k, value=py_to_any(v)) for k, v in values.items()]


def build_requests(c: Corpus) -> dict[str, Any]:
    """The same kind of records as OTLP protobuf, including nested log-body maps and arrays."""
    resource_attrs = {"service.name": "corpus-svc", "deployment.note": c.text("resource")}
    tr = ExportTraceServiceRequest()
    rs = tr.resource_spans.add()
    rs.resource.attributes.extend(_kvs(resource_attrs))
    ss = rs.scope_spans.add()
    ss.scope.name = "corpus.scope"
    ss.scope.attributes.extend(_kvs({"scope.note": c.text("scope")}))
    span = Span(trace_id=bytes(range(1, 17)), span_id=bytes(range(1, 9)), name=f"POST /api/orders {c.text('name')}",
                kind=Span.SPAN_KIND_SERVER, start_time_unix_nano=1_700_000_000_000_000_000,
                end_time_unix_nano=1_700_000_000_050_000_000)
    span.attributes.extend(_kvs({
        **attributes(c, "span"),
        "http.request.method": "POST", "http.response.status_code": 500,
        "url.full": f"https://shop.example/api/orders?email={c.canary('url', 'url_param')}",
        "db.system": "postgresql",
        "db.statement": f"SELECT * FROM orders JOIN users ON users.id = orders.user_id "
                        f"WHERE users.email = '{c.canary('sql', 'sql_literal')}'",
    }))
    ev = span.events.add(name=f"exception {c.text('event_name', ('email',))}", time_unix_nano=1)
    ev.attributes.extend(_kvs({"exception.type": "RuntimeError",
                               "exception.message": f"charge failed: {c.text('exception')}",
                               "exception.stacktrace": "Traceback (most recent call last):\n  File \"app.py\", "
                               f"line 3, in checkout_handler\nRuntimeError: {c.text('stacktrace')}"}))
    link = span.links.add(trace_id=bytes(range(2, 18)), span_id=bytes(range(2, 10)))
    link.attributes.extend(_kvs(attributes(c, "link")))
    span.status.CopyFrom(Status(code=Status.STATUS_CODE_ERROR, message=c.text("status")))
    ss.spans.append(span)

    lg = ExportLogsServiceRequest()
    rl = lg.resource_logs.add()
    rl.resource.attributes.extend(_kvs(resource_attrs))
    sl = rl.scope_logs.add()
    record = LogRecord(time_unix_nano=1, severity_number=17, severity_text="ERROR")
    record.body.CopyFrom(py_to_any({"message": f"order failed {c.text('log_body')}",
                                    "nested": {"list": [c.canary("log_nested", "email"),
                                                        {"card": c.canary("log_nested", "card")}]},
                                    "raw": c.canary("log_bytes", "token").encode()}))
    record.attributes.extend(_kvs(attributes(c, "log")))
    sl.log_records.append(record)

    mt = ExportMetricsServiceRequest()
    rm = mt.resource_metrics.add()
    rm.resource.attributes.extend(_kvs(resource_attrs))
    sm = rm.scope_metrics.add()
    metric = Metric(name="orders.duration", unit="ms", description=f"checkout {c.text('metric_desc', ('email',))}")
    point = metric.sum.data_points.add(as_double=5.0, time_unix_nano=1)
    metric.sum.aggregation_temporality = 2
    point.attributes.extend(_kvs({"metric.note": c.text("metric_attr"), "enduser.id": c.canary("metric", "user_id")}))
    ex = Exemplar(as_double=5.0, time_unix_nano=1, span_id=bytes(range(1, 9)), trace_id=bytes(range(1, 17)))
    ex.filtered_attributes.extend(_kvs({"exemplar.note": c.text("exemplar")}))
    point.exemplars.append(ex)
    sm.metrics.append(metric)
    return {"traces": tr, "logs": lg, "metrics": mt}

