"""Every detector in every carrier position, through the real SDK and real OTLP/HTTP bytes.

One export plants a unique canary of each kind (email, card, IBAN, SSN, JWT, AWS key, Stripe
key, bearer credential, DSN password, URL parameter) in each place a span, log or metric can
carry a string; each (carrier, kind) pair is then its own assertion on the received bytes.
"""

from __future__ import annotations

import logging

import pytest
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.resources import Resource
from opentelemetry.trace import Link, Status, StatusCode

from leak_corpus import card_number, iban
from otel_privacy import RedactingMetricExporter, configure
from otel_privacy.demo import CaptureReceiver

CARRIERS = ["span_name", "attribute", "array_attribute", "event_name", "event_attribute", "link_attribute",
            "status", "resource", "scope", "log_body", "log_attribute", "exception_message", "metric_attribute",
            "exemplar_attribute"]


KINDS = {
    "email": lambda i: f"canary{i}@example.com",
    "card": lambda i: card_number(i, prefix="4"),
    "iban": lambda i: iban(i, bank="37040044"),
    "ssn": lambda i: f"{123 + i:03d}-45-{6700 + i % 100:04d}",
    "jwt": lambda i: f"eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnki{i:04d}In0.c2lnbmF0dXJl{i:04d}",
    "aws": lambda i: f"AKIA{i:04d}IOSFODNN7EXA",
    "stripe": lambda i: f"sk_live_{i:04d}c4c1e9a77b2d8f0e1a3b",
    "bearer": lambda i: f"Bearer tok{i:04d}abcdefghij",
    "dsn": lambda i: f"password=hunter{i:04d}x",
    "url_param": lambda i: f"/pay?card_ref=ref{i:04d}zz",
}
# The part of each canary that must not reach the wire (e.g. the scheme word of a bearer may).
SECRET_PART = {"bearer": lambda c: c.split()[1], "dsn": lambda c: c.split("=")[1],
               "url_param": lambda c: c.split("=")[1]}


def canary(carrier: str, kind: str) -> str:
    i = CARRIERS.index(carrier) * len(KINDS) + list(KINDS).index(kind)
    return KINDS[kind](i)


def secret(carrier: str, kind: str) -> str:
    c = canary(carrier, kind)
    return SECRET_PART.get(kind, lambda x: x)(c)


def text_for(carrier: str) -> str:
    return " | ".join(canary(carrier, k) for k in KINDS)


@pytest.fixture(scope="module")
def wire():
    with CaptureReceiver() as receiver:
        providers = configure("default", service_name="carrier-svc", endpoint=receiver.endpoint, set_global=False,
                              metrics_enabled=False,
                              resource_attributes={"deployment.note": text_for("resource")})
        tracer = providers.tracer_provider.get_tracer("carrier.scope", attributes={"scope.note": text_for("scope")})
        with tracer.start_as_current_span("linked") as linked:
            pass
        with tracer.start_as_current_span(
            f"checkout {text_for('span_name')}",
            links=[Link(linked.get_span_context(), {"peer.note": text_for("link_attribute")})],
        ) as span:
            span.set_attribute("http.route", "/checkout")
            span.set_attribute("app.note", text_for("attribute"))
            span.set_attribute("app.notes", [text_for("array_attribute"), "plain"])
            span.add_event(f"audit {text_for('event_name')}", {"audit.note": text_for("event_attribute")})
            try:
                raise ValueError(f"charge failed: {text_for('exception_message')}")
            except ValueError as exc:
                span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, text_for("status")))

            # Metrics: the view keeps `app.note` as a dimension; `app.extra` goes to exemplars.
            reader = PeriodicExportingMetricReader(
                RedactingMetricExporter(OTLPMetricExporter(endpoint=f"{receiver.endpoint}/v1/metrics"),
                                        redactor=providers.redactor),
                export_interval_millis=3_600_000)
            mp = MeterProvider(resource=Resource.create({"service.name": "carrier-svc"}), metric_readers=[reader],
                               views=[View(instrument_name="checkout.duration", attribute_keys={"app.note"})])
            mp.get_meter("carrier.meter").create_histogram("checkout.duration", unit="ms").record(
                12.5, {"app.note": text_for("metric_attribute"), "app.extra": text_for("exemplar_attribute")})

        logger = logging.getLogger("carrier.test")
        logger.setLevel(logging.INFO)
        logger.warning("payment note %s", text_for("log_body"), extra={"app.log_note": text_for("log_attribute")})
        mp.shutdown()
        providers.shutdown()
        yield receiver


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("carrier", CARRIERS)
def test_no_canary_reaches_the_wire(wire, carrier, kind):
    assert secret(carrier, kind).encode() not in wire.raw()


def test_the_export_really_carried_every_signal_and_the_useful_parts(wire):
    assert wire.bodies["traces"] and wire.bodies["logs"] and wire.bodies["metrics"]
    raw = wire.raw()
    for useful in (b"carrier-svc", b"checkout", b"/checkout", b"ValueError", b"test_carriers_e2e.py",
                   b"Bearer", b"carrier.scope", b"checkout.duration", b"/pay?card_ref="):
        assert useful in raw, useful
    request = ExportMetricsServiceRequest()
    request.ParseFromString(wire.bodies["metrics"][0])
    point = request.resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points[0]
    assert point.exemplars, "the exemplar carrier was not exercised"
    assert any(kv.key == "app.extra" for kv in point.exemplars[0].filtered_attributes)
