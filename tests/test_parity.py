"""Parity: the same records through the SDK door and through the engine on OTLP protobuf (the gateway's
and the CLI's path) encode to byte-identical OTLP after redaction."""

from __future__ import annotations

import logging

from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from leak_corpus import Corpus, emit_sdk
from otel_privacy import PrivacyLogProcessor, PrivacySpanProcessor, Redactor
from otel_privacy.otlp import redact_request
from otel_privacy.wire import WireRedactor, compiled_core_available


def _faces() -> list[bool]:
    return [False, True] if compiled_core_available() else [False]


def test_sdk_and_protobuf_paths_give_identical_bytes():
    corpus = Corpus()
    resource = Resource.create({"service.name": "parity", "deployment.note": corpus.text("resource")})
    raw_spans, red_spans, py_spans = InMemorySpanExporter(), InMemorySpanExporter(), InMemorySpanExporter()
    raw_logs, red_logs = InMemoryLogRecordExporter(), InMemoryLogRecordExporter()
    sdk_redactor, gw_redactor = Redactor("default"), Redactor("default")

    tp = TracerProvider(resource=resource)
    tp.add_span_processor(SimpleSpanProcessor(raw_spans))
    # the processor as configured (the wire engine where it is built), and on the Redactor's Python steps alone
    processor = PrivacySpanProcessor(SimpleSpanProcessor(red_spans), redactor=sdk_redactor)
    tp.add_span_processor(processor)
    tp.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(py_spans), redactor=Redactor("default"),
                                               compiled=False))
    lp = LoggerProvider(resource=resource)
    lp.add_log_record_processor(SimpleLogRecordProcessor(raw_logs))
    lp.add_log_record_processor(PrivacyLogProcessor(SimpleLogRecordProcessor(red_logs), redactor=sdk_redactor))
    handler = LoggingHandler(logger_provider=lp)
    logger = logging.getLogger("parity")
    logger.addHandler(handler)
    try:
        emit_sdk(corpus, tp, "parity", None)
    finally:
        logger.removeHandler(handler)

    assert encode_spans(list(py_spans.get_finished_spans())).SerializeToString() == \
        encode_spans(list(red_spans.get_finished_spans())).SerializeToString()
    if compiled_core_available():  # most of the corpus's spans take the engine's path (the rest: events, links…)
        assert processor._copier.on_wire > len(red_spans.get_finished_spans()) // 3
    for raw, redacted, encode in ((raw_spans.get_finished_spans(), red_spans.get_finished_spans(), encode_spans),
                                  (raw_logs.get_finished_logs(), red_logs.get_finished_logs(), encode_logs)):
        assert raw and len(raw) == len(redacted)
        via_sdk = encode(list(redacted))
        via_gateway = encode(list(raw))
        assert via_gateway.SerializeToString() != via_sdk.SerializeToString()  # the raw input really differs
        raw_bytes = via_gateway.SerializeToString()
        redact_request(gw_redactor, via_gateway)
        assert via_gateway == via_sdk
        assert via_gateway.SerializeToString() == via_sdk.SerializeToString()
        # the wire engine (the gateway's, the CLI's and configure()'s export path), both faces, agrees too
        signal = "traces" if encode is encode_spans else "logs"
        for compiled in _faces():
            out = WireRedactor(Redactor("default"), compiled=compiled).redact(signal, raw_bytes).data
            assert type(via_sdk).FromString(out) == via_sdk


def test_sdk_and_protobuf_paths_give_identical_metric_bytes():
    """Metrics too: RedactingMetricExporter and the protobuf path share one implementation, so they agree,
    exemplars included (a view keeps only `metric.note` on the point; the rest lands on the exemplar)."""
    from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics._internal.exemplar import AlwaysOnExemplarFilter
    from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, PeriodicExportingMetricReader
    from opentelemetry.sdk.metrics.view import View

    from otel_privacy import RedactingMetricExporter

    class Keep(MetricExporter):
        def __init__(self) -> None:
            super().__init__()
            self.data: list = []

        def export(self, metrics_data, timeout_millis=10_000, **kwargs):
            self.data.append(metrics_data)
            return MetricExportResult.SUCCESS

        def force_flush(self, timeout_millis=10_000):
            return True

        def shutdown(self, timeout_millis=30_000, **kwargs):
            pass

    corpus = Corpus()
    raw = Keep()
    reader = PeriodicExportingMetricReader(raw, export_interval_millis=3_600_000)
    resource = Resource.create({"service.name": "parity", "deployment.note": corpus.text("resource")})
    mp = MeterProvider(resource=resource, metric_readers=[reader], exemplar_filter=AlwaysOnExemplarFilter(),
                       views=[View(instrument_name="orders.duration", attribute_keys={"metric.note"})])
    emit_sdk(corpus, TracerProvider(resource=resource), "parity", mp)
    mp.shutdown()
    [collected] = raw.data
    redacted = Keep()
    RedactingMetricExporter(redacted, redactor=Redactor("default")).export(collected)
    [sdk_out] = redacted.data

    via_sdk = encode_metrics(sdk_out)
    via_gateway = encode_metrics(collected)
    [point] = via_gateway.resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points
    assert point.exemplars and point.exemplars[0].filtered_attributes  # the exemplar path is really exercised
    assert via_gateway.SerializeToString() != via_sdk.SerializeToString()
    raw_bytes = via_gateway.SerializeToString()
    for compiled in _faces():
        out = WireRedactor(Redactor("default"), compiled=compiled).redact("metrics", raw_bytes).data
        assert type(via_sdk).FromString(out) == via_sdk
    assert redact_request(Redactor("default"), via_gateway) > 0
    assert via_gateway == via_sdk
    assert via_gateway.SerializeToString() == via_sdk.SerializeToString()
    assert corpus.leaks(via_sdk.SerializeToString()) == []
