"""The SDK door's export-time path: configure()'s OTLP exporters redact each encoded request with the wire engine.

Real OTLP over real sockets (HTTP and gRPC) into a sink; the corpus of tests/leak_corpus.py is played through
the SDK APIs. The processor path (``redact_at="processor"``) stays for other exporters and is checked by the
parity and leak tests too.
"""

from __future__ import annotations

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from leak_corpus import UTILITY, Corpus, emit_sdk
from otel_privacy import PrivacySpanProcessor, Redactor, configure
from otel_privacy.sdk.wire_export import ExportRedactionFailed, redact_at_export
from otel_privacy.wire import WireRedactor
from otlp_sink import OtlpSink


def _processors(tp: TracerProvider) -> list:
    return list(tp._active_span_processor._span_processors)


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_configure_redacts_each_encoded_request_at_export(protocol):
    corpus = Corpus()
    with OtlpSink() as sink:
        endpoint = sink.endpoint if protocol == "http/protobuf" else f"http://127.0.0.1:{sink.grpc_port}"
        providers = configure("default", service_name="corpus-svc", endpoint=endpoint, protocol=protocol,
                              set_global=False, metric_export_interval_ms=3_600_000,
                              resource_attributes={"deployment.note": corpus.text("resource")})
        # the export path: a plain batch processor in front of the hooked OTLP exporter, no redacting copy
        assert not any(isinstance(p, PrivacySpanProcessor) for p in _processors(providers.tracer_provider))
        emit_sdk(corpus, providers.tracer_provider, "corpus.export", providers.meter_provider)
        providers.shutdown()
        assert sink.wait_for(lambda: all(sink.bodies[s] for s in ("traces", "logs", "metrics")))
        wire = sink.raw()
    assert corpus.leaks(wire) == []
    assert [u for u in UTILITY if u.encode() not in wire] == []
    assert b"u_" in wire  # stable pseudonyms survive


def test_redact_at_processor_keeps_the_processors():
    providers = configure("default", service_name="svc", endpoint="http://127.0.0.1:9", set_global=False,
                          metrics_enabled=False, logs=False, redact_at="processor")
    try:
        assert any(isinstance(p, PrivacySpanProcessor) for p in _processors(providers.tracer_provider))
    finally:
        providers.shutdown()


def test_exporters_it_does_not_know_are_left_to_the_processors():
    assert redact_at_export(InMemorySpanExporter(), "traces", WireRedactor(Redactor("default"))) is False


def test_a_request_that_cannot_be_redacted_is_not_sent():
    corpus = Corpus()
    with OtlpSink() as sink:
        exporter = OTLPSpanExporter(endpoint=f"{sink.endpoint}/v1/traces")
        walker = WireRedactor(Redactor("default"))
        assert redact_at_export(exporter, "traces", walker)

        def broken(signal, data):
            raise RuntimeError("engine failure")

        walker.redact = broken
        spans = InMemorySpanExporter()
        tp = TracerProvider()
        tp.add_span_processor(SimpleSpanProcessor(spans))
        emit_sdk(corpus, tp, "corpus.failed", None)
        with pytest.raises(ExportRedactionFailed):
            exporter.export(spans.get_finished_spans())
        assert sink.bodies["traces"] == []
