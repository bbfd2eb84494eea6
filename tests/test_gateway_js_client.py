"""A third-party OTLP client: the OpenTelemetry JS SDK's own trace exporters (from the npm registry)
send spans through the gateway over OTLP/HTTP protobuf, OTLP/HTTP JSON and OTLP/gRPC.

The test setup installs tests/js_otlp (package.json + package-lock.json, `npm ci`) into a cache
directory outside the work tree, keyed by the lock file's hash, so later runs reuse it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from otel_privacy.gateway import Gateway, load_config
from otlp_sink import OtlpSink

HERE = Path(__file__).resolve().parent / "js_otlp"
SECRETS = {"password": "js-pw-5150-secret", "email": "js.person@example.com", "literal": "jslit-44871"}


@pytest.fixture(scope="module")
def js_client() -> Path:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("needs node and npm")
    lock = (HERE / "package-lock.json").read_bytes()
    key = hashlib.sha256(lock + (HERE / "package.json").read_bytes()).hexdigest()[:12]
    base = Path(os.environ.get("OTEL_PRIVACY_TEST_CACHE", tempfile.gettempdir()))
    target = base / f"otel-privacy-js-otlp-{key}"
    if not (target / "node_modules" / "@opentelemetry" / "sdk-trace").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / name, target / name)
        proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=target,
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            message = f"npm ci failed: {proc.stderr[-500:]}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    shutil.copy(HERE / "send.mjs", target / "send.mjs")
    return target


@pytest.mark.parametrize("mode", ["http", "json", "grpc"])
def test_js_sdk_exporters_through_the_gateway(js_client, mode):
    with OtlpSink() as sink:
        gw = Gateway(load_config({
            "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:0"},
                                                 "http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": {"privacy": {"policy": "default"}},
            "exporters": {"otlphttp": {"endpoint": sink.endpoint, "retry_on_failure": {"initial_interval": "50ms"}}},
            "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": ["privacy"],
                                                 "exporters": ["otlphttp"]}}},
        })).start()
        try:
            url = (f"http://127.0.0.1:{gw.grpc_port}" if mode == "grpc"
                   else f"http://127.0.0.1:{gw.http_port}/v1/traces")
            attrs = {
                "db.system": "postgresql",
                "db.statement": f"SELECT name FROM customers WHERE ref = '{SECRETS['literal']}'",
                "db.password": SECRETS["password"],
                "app.note": f"mail to {SECRETS['email']}",
                "url.path": "/api/customers",
            }
            proc = subprocess.run(["node", "send.mjs", mode, url, "5", json.dumps(attrs)], cwd=js_client,
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stderr[-2000:]
            assert sink.wait_for(lambda: len(sink.span_names()) >= 5, timeout=20), proc.stdout + proc.stderr
            raw = sink.raw()
            for secret in SECRETS.values():
                assert secret.encode() not in raw, secret
            assert b"customers" in raw and b"/api/customers" in raw  # table and path survive
            spans = [s for r in sink.requests("traces") for rs in r.resource_spans for ss in rs.scope_spans
                     for s in ss.spans]
            assert sorted(s.name for s in spans) == [f"js span {i}" for i in range(5)]
            assert all(len(s.trace_id) == 16 and len(s.span_id) == 8 for s in spans)  # JSON hex ids decoded
            assert gw.metrics.get("accepted", signal="traces") == 5
        finally:
            gw.stop(5)
