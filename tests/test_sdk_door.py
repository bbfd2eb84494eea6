"""The SDK door end to end: real instrumentations, real OTLP/HTTP export, bytes checked on the wire."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, Status, StatusCode

from otel_privacy import (
    PrivacyLogProcessor,
    PrivacySpanProcessor,
    RedactingLogExporter,
    RedactingMetricExporter,
    RedactingSpanExporter,
    Redactor,
    configure,
)
from otel_privacy.demo import PLANTED, CaptureReceiver, run_scenario, start_shop
from otel_privacy.otlp import kv_to_dict

ROOT = Path(__file__).resolve().parents[1]

SECRETS = {
    "attribute": "attr.owner@example.com",
    "event": "event.owner@example.com",
    "link": "link.owner@example.com",
    "resource": "resource.owner@example.com",
    "status": "status.owner@example.com",
    "log body": "log.owner@example.com",
    "password": "correct-horse-battery-staple",
    "bearer": "Bearer abcdefghijklmnop1234",
}


def _emit_everything(providers) -> None:
    tracer = providers.tracer_provider.get_tracer("test.scope")
    with tracer.start_as_current_span("linked") as linked:
        pass
    with tracer.start_as_current_span(
        "checkout",
        links=[Link(linked.get_span_context(), {"peer": SECRETS["link"]})],
    ) as span:
        span.set_attribute("note", f"owner {SECRETS['attribute']}")
        span.set_attribute("db.password", SECRETS["password"])
        span.set_attribute("http.request.header.authorization", [SECRETS["bearer"]])
        span.set_attribute("http.request.method", "POST")
        span.set_attribute("plain.int", 7)
        span.add_event("audit", {"who": SECRETS["event"]})
        span.set_status(Status(StatusCode.ERROR, f"failed for {SECRETS['status']}"))
    logging.getLogger("test.sdk").warning("welcome %s", SECRETS["log body"])


@pytest.fixture
def receiver():
    with CaptureReceiver() as r:
        yield r


def test_configure_exports_only_redacted_bytes_over_otlp_http(receiver):
    providers = configure(
        "default",
        service_name="checkout-svc",
        endpoint=receiver.endpoint,
        resource_attributes={"deployment.owner": SECRETS["resource"]},
        set_global=False,
        metrics_enabled=False,
    )
    logging.getLogger("test.sdk").setLevel(logging.INFO)
    try:
        _emit_everything(providers)
    finally:
        providers.shutdown()
    wire = receiver.raw()
    assert receiver.bodies["traces"] and receiver.bodies["logs"]
    for where, secret in SECRETS.items():
        assert secret.encode() not in wire, f"{where} secret leaked"
    spans = {name: attrs for name, attrs in receiver.spans().values()}
    attrs = spans["checkout"]
    assert attrs["http.request.method"] == "POST"  # untouched keys survive unchanged
    assert attrs["plain.int"] == 7
    assert attrs["note"] == "owner REDACTED"
    assert attrs["db.password"] == "REDACTED"
    assert attrs["otel_privacy.redacted.count"] >= 6
    # the policy fingerprint is on the resource, once, not on every span (Policy.summary.policy = "resource")
    assert "otel_privacy.policy" not in attrs
    resources = [kv_to_dict(rs.resource.attributes) for body in receiver.bodies["traces"]
                 for rs in ExportTraceServiceRequest.FromString(body).resource_spans]
    assert resources and all(r["otel_privacy.policy"] == providers.redactor.fingerprint for r in resources)
    assert b"checkout-svc" in wire  # the service name is useful and kept
    assert any("REDACTED" in str(b) for b in receiver.log_bodies())


def test_instrumented_app_spans_are_redacted_on_the_wire(receiver, tmp_path):
    """Flask + sqlite3 + requests through the official instrumentations, exported for real."""
    os.environ["OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST"] = "authorization,x-user-id"
    providers = configure("default", service_name="shop", endpoint=receiver.endpoint, set_global=False,
                          metrics_enabled=False)
    raw = InMemorySpanExporter()
    providers.tracer_provider.add_span_processor(SimpleSpanProcessor(raw))
    server, base_url, uninstrument = start_shop(providers.tracer_provider, str(tmp_path / "shop.db"))
    try:
        run_scenario(base_url)
    finally:
        uninstrument()
        providers.shutdown()
        os.environ.pop("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST")
    wire = receiver.raw()
    # The app really produced the secrets (the test would be empty otherwise)...
    produced = repr([dict(s.attributes) for s in raw.get_finished_spans()])
    assert PLANTED["email in query string"] in produced and PLANTED["bearer token"] in produced
    # ...and none of these reached the exported bytes.
    for label in ("email in query string", "bearer token", "card number", "user id", "admin email in exception"):
        assert PLANTED[label].encode() not in wire, label
    exported = list(receiver.spans().values())
    names = {name for name, _ in exported}
    assert {"GET /orders/<int:order_id>", "POST /checkout", "SELECT", "INSERT"} <= names
    statements = [a["db.statement"] for _, a in exported if "db.statement" in a]
    assert statements and all("alice" not in s and "99.5" not in s for s in statements)
    assert any("FROM orders JOIN users" in s for s in statements)  # tables survive
    server_span = next(a for n, a in exported if n == "GET /orders/<int:order_id>")
    assert server_span["enduser.id"] == Redactor("default").pseudonymize(PLANTED["user id"])
    # http.target is templated like url.path (issue #15 §3): the route's shape and the query keys survive
    assert server_span["http.target"].startswith("/orders/{id}?email=")


def test_exporter_wrappers_redact_spans_logs_and_metrics():
    span_out = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(span_out, "default")))
    with tp.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("note", "mail bob@example.com")
    assert span_out.get_finished_spans()[0].attributes["note"] == "mail REDACTED"

    log_out = InMemoryLogRecordExporter()
    lp = LoggerProvider()
    lp.add_log_record_processor(SimpleLogRecordProcessor(RedactingLogExporter(log_out, "default")))
    logger = logging.getLogger("test.wrapper")
    handler = LoggingHandler(logger_provider=lp)
    logger.addHandler(handler)
    try:
        logger.error("card holder bob@example.com")
    finally:
        logger.removeHandler(handler)
    [record] = log_out.get_finished_logs()
    assert record.log_record.body == "card holder REDACTED"

    from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult

    captured = []

    class ListExporter(MetricExporter):
        def export(self, metrics_data, timeout_millis=10_000, **kwargs):
            captured.append(metrics_data)
            return MetricExportResult.SUCCESS

        def force_flush(self, timeout_millis=10_000):
            return True

        def shutdown(self, timeout_millis=30_000, **kwargs):
            pass

    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    reader = PeriodicExportingMetricReader(RedactingMetricExporter(ListExporter(), "default"),
                                           export_interval_millis=60_000)
    raw_reader = InMemoryMetricReader()  # what the app produced, read next to the redacting exporter
    mp = MeterProvider(metric_readers=[reader, raw_reader], resource=Resource.create({"owner": "ops@example.com"}))
    counter = mp.get_meter("m").create_counter("orders")
    counter.add(1, {"customer": "bob@example.com", "region": "eu"})
    mp.force_flush()
    mp.shutdown()
    rm = captured[0].resource_metrics[0]
    point = rm.scope_metrics[0].metrics[0].data.data_points[0]
    # a "customer" key names a person: the same keyed pseudonym the span attribute would get
    assert dict(point.attributes) == {"customer": Redactor("default").pseudonymize("bob@example.com"), "region": "eu"}
    assert rm.resource.attributes["owner"] == "REDACTED"
    # the wrapper redacted a copy: the app's own data (another reader) is unchanged and really had the secrets
    raw = raw_reader.get_metrics_data().resource_metrics[0]
    assert dict(raw.scope_metrics[0].metrics[0].data.data_points[0].attributes)["customer"] == "bob@example.com"
    assert raw.resource.attributes["owner"] == "ops@example.com"


def test_processors_never_break_the_app_and_fail_closed():
    exported = InMemorySpanExporter()
    tp = TracerProvider()
    processor = PrivacySpanProcessor(SimpleSpanProcessor(exported), "default")
    tp.add_span_processor(processor)

    def boom(*_a, **_k):
        raise RuntimeError("scrubber bug")

    processor.redactor.url.sanitize = boom  # a scrubber that raises
    with tp.get_tracer("t").start_as_current_span("req") as span:
        span.set_attribute("url.full", "https://shop.test/?email=bob@example.com")
        span.set_attribute("http.request.method", "GET")
    [out] = exported.get_finished_spans()
    assert "url.full" not in out.attributes  # dropped, never exported raw
    assert out.attributes["http.request.method"] == "GET"
    assert processor.redactor.stats["errors"] == 1

    processor._copier.span = boom  # the whole copy fails: the span is dropped, the app goes on
    with tp.get_tracer("t").start_as_current_span("req2"):
        pass
    assert len(exported.get_finished_spans()) == 1
    assert processor.safety.errors == 1


def test_log_processor_copies_and_keeps_the_original():
    out = InMemoryLogRecordExporter()
    lp = LoggerProvider()
    lp.add_log_record_processor(PrivacyLogProcessor(SimpleLogRecordProcessor(out), "default"))
    logger = lp.get_logger("t")
    from opentelemetry._logs import LogRecord

    logger.emit(LogRecord(body={"msg": "hi bob@example.com", "password": "pw"}, attributes={"user.id": "u1"}))
    [record] = out.get_finished_logs()
    assert record.log_record.body == {"msg": "hi REDACTED", "password": "REDACTED"}
    assert record.log_record.attributes["user.id"].startswith("u_")


def test_opentelemetry_instrument_picks_up_the_distro(receiver, tmp_path):
    env = dict(os.environ)
    env.update({
        "OTEL_PYTHON_DISTRO": "otel_privacy",
        "OTEL_PYTHON_CONFIGURATOR": "otel_privacy",
        "OTEL_SERVICE_NAME": "script",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_BSP_SCHEDULE_DELAY": "50",
    })
    bindir = Path(sys.executable).parent
    subprocess.run([str(bindir / "opentelemetry-instrument"), sys.executable,
                    str(ROOT / "examples" / "instrumented_script.py")],
                   env=env, check=True, timeout=60, cwd=tmp_path)
    wire = receiver.raw()
    spans = {name: attrs for name, attrs in receiver.spans().values()}
    assert "nightly-job" in spans
    for secret in ("carol@example.com", "correct-horse-battery", "dave@example.com", "erin@example.com"):
        assert secret.encode() not in wire, secret
    assert spans["nightly-job"]["user.email"].startswith("u_")
    assert any(n.startswith("INSERT") for n in spans)  # sqlite3 auto-instrumented, statement obfuscated
    # the script's spans came from its global tracer (`trace.get_tracer("example.script")`), set up by the distro
    scopes = {ss.scope.name for body in receiver.bodies["traces"]
              for rs in ExportTraceServiceRequest.FromString(body).resource_spans for ss in rs.scope_spans}
    assert "example.script" in scopes


def test_span_copies_keep_the_dropped_counts_the_sdk_exports():
    """Attribute/event/link limits: the redacted copy still reports what the SDK dropped (OTLP *_count fields)."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import SpanLimits

    out = InMemorySpanExporter()
    tp = TracerProvider(span_limits=SpanLimits(max_span_attributes=2, max_events=1, max_links=1))
    tp.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(out), "default"))
    tracer = tp.get_tracer("t")
    with tracer.start_as_current_span("a") as other:
        pass
    ctx = other.get_span_context()
    with tracer.start_as_current_span("b", links=[Link(ctx), Link(ctx), Link(ctx)]) as span:
        for i in range(5):
            span.set_attribute(f"k{i}", f"mail{i}@example.com")
            span.add_event(f"e{i}")
    span_b = [s for s in out.get_finished_spans() if s.name == "b"][0]
    assert (span_b.dropped_attributes, span_b.dropped_events, span_b.dropped_links) == (3, 4, 2)
    [wire] = encode_spans([span_b]).resource_spans[0].scope_spans[0].spans
    assert (wire.dropped_attributes_count, wire.dropped_events_count, wire.dropped_links_count) == (3, 4, 2)
    assert {kv.key: kv.value.string_value for kv in wire.attributes if kv.key.startswith("k")} == {
        "k3": "REDACTED", "k4": "REDACTED"}  # the SDK keeps the newest


def test_the_sdk_door_does_not_load_the_gateway_or_cli_stack(receiver):
    """`pip install otel-privacy` is the SDK door and the engine: an app using it never imports the gateway's
    server stack (aiohttp, the gRPC server) or the CLI's terminal output (rich)."""
    script = f"""
import logging, sys
import otel_privacy
providers = otel_privacy.configure("default", service_name="footprint", endpoint={receiver.endpoint!r},
                                   set_global=False, metrics_enabled=False)
with providers.tracer_provider.get_tracer("t").start_as_current_span("s") as span:
    span.set_attribute("user.email", "footprint@example.com")
providers.shutdown()
print(",".join(sorted({{m.split(".")[0] if not m.startswith("otel_privacy") else ".".join(m.split(".")[:2])
                      for m in sys.modules}})))
"""
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ))
    assert res.returncode == 0, res.stderr
    loaded = set(res.stdout.strip().split(","))
    assert "otel_privacy.sdk" in loaded and receiver.spans()  # it really ran and exported
    assert not loaded & {"aiohttp", "rich", "otel_privacy.gateway", "otel_privacy.audit"}, loaded


def test_the_processor_passes_on_spans_it_need_not_change():
    """A span with nothing to redact is not copied: the span itself goes on when the resource is unchanged too,
    else a copy that shares the span's own attributes and carries the redacted resource (the policy on it)."""
    for policy, same_object in (({"record_summary": False}, True), ("default", False)):
        raw, redacted = InMemorySpanExporter(), InMemorySpanExporter()
        tp = TracerProvider(resource=Resource.create({"service.name": "svc"}))
        tp.add_span_processor(SimpleSpanProcessor(raw))
        tp.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(redacted), redactor=Redactor(policy)))
        tracer = tp.get_tracer("t")
        with tracer.start_as_current_span("GET /health") as span:
            span.set_attribute("http.request.method", "GET")
        with tracer.start_as_current_span("notify") as span:
            span.set_attribute("note", "mail bob@example.com")
        (plain_in, secret_in), (plain_out, secret_out) = raw.get_finished_spans(), redacted.get_finished_spans()
        assert (plain_out is plain_in) is same_object
        assert dict(plain_out.attributes) == dict(plain_in.attributes)
        assert secret_out is not secret_in and secret_out.attributes["note"] == "mail REDACTED"
        assert ("otel_privacy.policy" in plain_out.resource.attributes) is not same_object
