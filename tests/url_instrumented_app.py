"""Run real HTTP instrumentations against real local servers and print their spans, raw and redacted, as JSON.

Servers: Flask and Django (both served by werkzeug), each instrumented by its official OpenTelemetry
instrumentation; clients: requests and httpx, instrumented likewise. The semantic-convention mode is
whatever ``OTEL_SEMCONV_STABILITY_OPT_IN`` says (read once per process, hence a process per mode).
Spans go through a real :class:`~otel_privacy.PrivacySpanProcessor` (default policy) and, next to it, an
unredacted copy, so the test can check that the instrumentations really carried each planted secret.

Usage: python url_instrumented_app.py  (prints {"raw": [...], "redacted": [...]} on stdout)
"""

from __future__ import annotations

import json
import sys
import threading

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from werkzeug.serving import make_server

from otel_privacy import PrivacySpanProcessor

# Each request: the path (with query) a client sends; every planted secret holds "canary".
REQUESTS = [
    "/users/alice.canary@example.com/profile?tab=orders",
    "/reset/Zm9vYmFyY2FuYXJ5MTIzNDU2Nzg5?email=bob.canary%40example.com",
    "/orders/918273645/items/123e4567-e89b-12d3-a456-426614174000",
    "/cart;jsessionid=7C1F0E9A2Bcanary4D/checkout",
    "/login?next=/account/settings-canary&redirect=https://evil.example/cb?tok=qcanary",
    "/u/carol.canary%2540example.com/avatar",
    "/api/v1/search?q=canary+shoes&page=2",
]


def _flask_app():
    from flask import Flask
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    app = Flask("flask_app")

    @app.route("/<path:p>")
    def catch_all(p: str) -> str:
        return "ok"

    FlaskInstrumentor().instrument_app(app)
    return app


def _django_app():
    import django
    from django.conf import settings
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    settings.configure(DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, SECRET_KEY="test-only",
                       MIDDLEWARE=[], INSTALLED_APPS=[])
    DjangoInstrumentor().instrument()
    django.setup()
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _django_view(request, p=""):
    from django.http import HttpResponse

    return HttpResponse("ok")


def _urlpatterns():
    from django.urls import re_path

    return [re_path(r"^(?P<p>.*)$", _django_view)]


def main() -> None:
    raw, redacted = InMemorySpanExporter(), InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(raw))
    provider.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(redacted)))
    trace.set_tracer_provider(provider)

    import httpx
    import requests
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    RequestsInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    global urlpatterns
    urlpatterns = _urlpatterns()
    servers = []
    for app in (_flask_app(), _django_app()):
        server = make_server("127.0.0.1", 0, app)  # werkzeug passes REQUEST_URI, as gunicorn passes RAW_URI
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    for server in servers:
        base = f"http://127.0.0.1:{server.server_port}"
        for path in REQUESTS:
            # credentials holding reserved characters, as a hurried user writes them (encoded: clients insist)
            requests.get(base.replace("http://", "http://bot:pa%23ss%2Fw0rdcanary@") + path, timeout=10)
            httpx.get(base + path, timeout=10)
    for server in servers:
        server.shutdown()
    provider.shutdown()

    def dump(exporter: InMemorySpanExporter) -> list[dict]:
        return [{"name": s.name, "kind": s.kind.name, "attributes": dict(s.attributes or {})}
                for s in exporter.get_finished_spans()]

    json.dump({"raw": dump(raw), "redacted": dump(redacted)}, sys.stdout)


urlpatterns: list = []

if __name__ == "__main__":
    main()
