"""A third-party OTLP client: the OpenTelemetry JS SDK with its OTLP/protobuf exporter (from the npm
registry, installed by this test on first run from tests/js/package-lock.json) sends spans through
the gateway; they arrive redacted and useful."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from otel_privacy.gateway import Gateway, load_config
from otlp_sink import OtlpSink

JS = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="module")
def node_client() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        if os.environ.get("CI") == "true":
            pytest.fail("node/npm are required in CI for the third-party client test")
        pytest.skip("node/npm not installed")
    if not (JS / "node_modules" / "@opentelemetry" / "exporter-trace-otlp-proto").exists():
        res = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True,
                             timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
    return JS / "send_spans.js"


def test_opentelemetry_js_exporter_through_the_gateway(node_client):
    with OtlpSink() as sink:
        gw = Gateway(load_config({
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": {"privacy": {"policy": "default"}},
            "exporters": {"otlphttp": {"endpoint": sink.endpoint}},
            "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": ["privacy"],
                                                 "exporters": ["otlphttp"]}}},
        })).start()
        try:
            res = subprocess.run(["node", str(node_client), f"http://127.0.0.1:{gw.http_port}/v1/traces"],
                                 capture_output=True, text=True, timeout=120)
            assert res.returncode == 0, res.stderr[-2000:]
            assert sink.wait_for(lambda: sink.bodies["traces"], timeout=20)
        finally:
            gw.stop(5)
        wire = sink.raw()
        for secret in (b"js.user@example.com", b"js-secret-token-42", b"4111111111111111"):
            assert secret not in wire
        assert sink.span_names() == ["GET /users/{id}?email=REDACTED"]
        span = sink.requests("traces")[0].resource_spans[0].scope_spans[0].spans[0]
        attrs = {kv.key: kv.value.string_value for kv in span.attributes}
        assert attrs["db.statement"] == "SELECT * FROM users WHERE email = ?"
        assert attrs["url.full"] == "https://shop.example/users/123?token=REDACTED"
        assert attrs["db.query.summary"] == "SELECT users" and attrs["http.request.method"] == "GET"
