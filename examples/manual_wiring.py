"""Wiring the plug-ins by hand around the processors and exporters you already use."""

from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from otel_privacy import PrivacyLogProcessor, PrivacySpanProcessor, RedactingMetricExporter, Redactor

redactor = Redactor("default")  # one engine shared by all signals (compiled once)

tracer_provider = TracerProvider()
tracer_provider.add_span_processor(PrivacySpanProcessor(BatchSpanProcessor(OTLPSpanExporter()), redactor=redactor))

logger_provider = LoggerProvider()
logger_provider.add_log_record_processor(
    PrivacyLogProcessor(BatchLogRecordProcessor(OTLPLogExporter()), redactor=redactor)
)

meter_provider = MeterProvider(
    metric_readers=[PeriodicExportingMetricReader(RedactingMetricExporter(OTLPMetricExporter(), redactor=redactor))]
)

if __name__ == "__main__":
    with tracer_provider.get_tracer("manual").start_as_current_span("job") as span:
        span.set_attribute("db.password", "not-for-the-backend")
    counter = meter_provider.get_meter("manual").create_counter("jobs")
    counter.add(1, {"owner": "ops@example.com"})
    for p in (tracer_provider, logger_provider, meter_provider):
        p.shutdown()
