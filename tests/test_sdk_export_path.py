"""The SDK door's export-time path: configure()'s OTLP exporters redact each encoded request with the wire engine.

Real OTLP over real sockets (HTTP and gRPC) into a sink; the corpus of tests/leak_corpus.py is played through
the SDK APIs. The processor path (``redact_at="processor"``) stays for other exporters and is checked by the
parity and leak tests too.
"""

from __future__ import annotations

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from leak_corpus import UTILITY, Corpus, emit_sdk
from otel_privacy import PrivacySpanProcessor, Redactor, configure
from otel_privacy.sdk.wire_export import redact_at_export
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


def _broken(self, signal, data):
    raise RuntimeError("engine failure")


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_a_request_that_cannot_be_redacted_is_not_sent(protocol):
    # the exporter reports FAILURE, as for a request the backend refused; nothing is raised to its caller
    corpus = Corpus()
    with OtlpSink() as sink:
        exporter = (OTLPSpanExporter(endpoint=f"{sink.endpoint}/v1/traces") if protocol == "http/protobuf"
                    else GrpcSpanExporter(endpoint=f"127.0.0.1:{sink.grpc_port}", insecure=True))
        walker = WireRedactor(Redactor("default"))
        assert redact_at_export(exporter, "traces", walker)
        walker.redact = _broken.__get__(walker)
        spans = InMemorySpanExporter()
        tp = TracerProvider()
        tp.add_span_processor(SimpleSpanProcessor(spans))
        emit_sdk(corpus, tp, "corpus.failed", None)
        assert exporter.export(spans.get_finished_spans()) is SpanExportResult.FAILURE
        exporter.shutdown()
        assert sink.raw() == b""


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_configure_drops_and_counts_what_it_cannot_redact_and_never_raises_into_the_app(protocol, monkeypatch,
                                                                                          caplog):
    monkeypatch.setattr(WireRedactor, "redact", _broken)
    corpus = Corpus()
    with OtlpSink() as sink:
        endpoint = sink.endpoint if protocol == "http/protobuf" else f"http://127.0.0.1:{sink.grpc_port}"
        providers = configure("default", service_name="svc", endpoint=endpoint, protocol=protocol,
                              set_global=False, metric_export_interval_ms=3_600_000, redact_at="export")
        emit_sdk(corpus, providers.tracer_provider, "corpus.failed", providers.meter_provider)
        providers.force_flush()  # the app's own calls: they return, nothing raised
        providers.shutdown()
        raw = sink.raw()
    assert raw == b""  # fail closed: nothing went out, redacted or raw
    failed = {d.signal: d.failed for d in providers.graceful_stop.deliveries}
    assert failed["traces"] > 0 and failed["logs"] > 0, failed
    assert not [r for r in caplog.records if r.exc_info], "no traceback from the SDK's export loop"
    assert any("could not redact" in r.getMessage() or "export redaction failed" in r.getMessage()
               for r in caplog.records)
