"""The README's five lines, runnable: configure() then use OpenTelemetry as usual.

    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python examples/sdk_quickstart.py
"""

import logging

from opentelemetry import trace

import otel_privacy

providers = otel_privacy.configure(policy="default", service_name="quickstart")

tracer = trace.get_tracer("quickstart")
with tracer.start_as_current_span("signup") as span:
    span.set_attribute("user.email", "grace@example.com")  # → keyed pseudonym
    span.set_attribute("url.full", "https://shop.example/signup?invite=XK42&ref=mail")  # → query values REDACTED
    span.set_attribute("http.request.method", "POST")  # → kept
    logging.getLogger("quickstart").warning("welcome mail sent to grace@example.com")  # → REDACTED

providers.shutdown()  # flush before exit
