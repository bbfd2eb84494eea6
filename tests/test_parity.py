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


def test_sdk_and_protobuf_paths_give_identical_bytes():
    corpus = Corpus()
    resource = Resource.create({"service.name": "parity", "deployment.note": corpus.text("resource")})
    raw_spans, red_spans = InMemorySpanExporter(), InMemorySpanExporter()
    raw_logs, red_logs = InMemoryLogRecordExporter(), InMemoryLogRecordExporter()
    sdk_redactor, gw_redactor = Redactor("default"), Redactor("default")

    tp = TracerProvider(resource=resource)
    tp.add_span_processor(SimpleSpanProcessor(raw_spans))
    tp.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(red_spans), redactor=sdk_redactor))
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

    for raw, redacted, encode in ((raw_spans.get_finished_spans(), red_spans.get_finished_spans(), encode_spans),
                                  (raw_logs.get_finished_logs(), red_logs.get_finished_logs(), encode_logs)):
        assert raw and len(raw) == len(redacted)
        via_sdk = encode(list(redacted))
        via_gateway = encode(list(raw))
        assert via_gateway.SerializeToString() != via_sdk.SerializeToString()  # the raw input really differs
        redact_request(gw_redactor, via_gateway)
        assert via_gateway == via_sdk
        assert via_gateway.SerializeToString() == via_sdk.SerializeToString()
