"""The offline door: `otel-privacy scan | redact | inspect` on real OTLP files, via the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_privacy import Redactor
from otel_privacy.audit.otlp_files import OtlpFileError, parse_protobuf, read_requests
from otel_privacy.otlp import redact_request
from otel_privacy.otlp_json import dumps, loads

SECRETS = ["alice@example.com", "4111111111111111", "hunter2secret", "AKIAIOSFODNN7EXAMPLE"]


def _raw_traces():
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = tp.get_tracer("shop")
    with tracer.start_as_current_span("GET /users/998877") as root:
        root.set_attribute("http.request.method", "GET")
        root.set_attribute("url.full", "https://shop.example/users/998877?email=alice@example.com")
        root.set_attribute("enduser.id", "alice")
        root.set_attribute("db.password", "hunter2secret")
        with tracer.start_as_current_span("SELECT users") as child:
            child.set_attribute("db.system", "postgresql")
            child.set_attribute("db.statement", "SELECT * FROM users WHERE card = '4111111111111111'")
        root.add_event("deploy", {"note": "used key AKIAIOSFODNN7EXAMPLE"})
    return encode_spans(exporter.get_finished_spans())


def _raw_logs():
    exporter = InMemoryLogRecordExporter()
    lp = LoggerProvider()
    lp.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    lp.get_logger("shop").emit(body={"msg": "login alice@example.com", "nested": [{"card": "4111111111111111"}]})
    return encode_logs(list(exporter.get_finished_logs()))


@pytest.fixture
def files(tmp_path):
    traces, logs = _raw_traces(), _raw_logs()
    paths = {
        "json": tmp_path / "raw.json",
        "jsonl": tmp_path / "raw.jsonl",
        "pb": tmp_path / "raw.traces.pb",
    }
    paths["json"].write_bytes(dumps(traces, indent=2))
    paths["jsonl"].write_bytes(dumps(traces) + b"\n" + dumps(logs) + b"\n")
    paths["pb"].write_bytes(traces.SerializeToString())
    return paths


def cli(*args, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "otel_privacy.cli", *args], input=stdin, capture_output=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})


def test_otlp_json_round_trips_with_hex_ids():
    req = _raw_traces()
    text = dumps(req)
    span = json.loads(text)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert len(span["traceId"]) == 32 and int(span["traceId"], 16)  # hex, not base64
    assert loads(None, text) == req


def test_scan_finds_each_secret_with_location_and_fix_and_gates_ci(files):
    res = cli("scan", "--json", str(files["jsonl"]))
    assert res.returncode == 1, res.stderr
    report = json.loads(res.stdout)
    found = {(f["location"], f["key"], f["detector"]) for f in report["findings"]}
    assert ("span.attributes", "db.password", "key:redact") in found
    assert ("span.attributes", "db.statement", "key:db_statement") in found
    assert ("span.attributes", "enduser.id", "key:hash") in found
    assert ("span.events.attributes", "note", "aws_key") in found
    assert ("log.body", "msg", "email") in found and ("log.body", "nested.card", "credit_card") in found
    assert ("span.name", "", "key:url_path") not in found  # names are scanned as text, not as a key
    for f in report["findings"]:
        assert all(s not in f["sample"] for s in SECRETS), f  # samples are masked
    # a threshold above the count passes
    assert cli("scan", "--max-findings", "100", str(files["jsonl"])).returncode == 0


def test_redact_every_format_then_scan_is_clean(files, tmp_path):
    for name, path in files.items():
        out = tmp_path / f"out-{name}.jsonl"
        res = cli("redact", "--input", str(path), "--output", str(out))
        assert res.returncode == 0, res.stderr
        data = out.read_bytes()
        assert data and all(s.encode() not in data for s in SECRETS), name
        assert b"users" in data and b"GET" in data
        assert cli("scan", str(out)).returncode == 0
    # protobuf out, stdin in
    res = cli("redact", "-i", "-", "-o", str(tmp_path / "o.pb"), "--input-format", "protobuf", "--signal",
              "traces", stdin=files["pb"].read_bytes())
    assert res.returncode == 0, res.stderr
    batch = parse_protobuf((tmp_path / "o.pb").read_bytes(), "traces")
    assert b"hunter2secret" not in batch.request.SerializeToString()


def test_redact_output_equals_the_engine_applied_to_protobuf(files, tmp_path):
    """The CLI and the gateway share otlp.redact_request: same input, same bytes."""
    out = tmp_path / "o.pb"
    assert cli("redact", "-i", str(files["pb"]), "-o", str(out)).returncode == 0
    request = next(read_requests(str(files["pb"]))).request
    redact_request(Redactor("default"), request)
    assert out.read_bytes() == request.SerializeToString()


def test_bad_input_gets_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"resourceSpans": []}\n{not json\n')
    res = cli("scan", str(bad))
    assert res.returncode == 2 and f"{bad}:2: invalid JSON" in res.stderr.decode()
    junk = tmp_path / "junk.pb"
    junk.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(OtlpFileError, match="not an OTLP protobuf request"):
        list(read_requests(str(junk)))


def test_inspect_shows_trees_and_before_after(files):
    res = cli("inspect", str(files["json"]))
    out = res.stdout.decode()
    assert res.returncode == 0, res.stderr
    assert "GET /users/{id}" in out and "SELECT users" in out and " ms" in out
    assert "alice@example.com" in out  # before-values, locally, because the raw input was given
    assert "REDACTED" in out
    res = cli("inspect", "--no-before", str(files["json"]))
    assert "alice@example.com" not in res.stdout.decode()


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.mark.skipif(_chromium() is None and os.environ.get("CI") != "true",
                    reason="chromium/chromedriver not installed (make test installs them)")
def test_html_report_renders_in_headless_chromium(files, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    report = tmp_path / "report.html"
    res = cli("inspect", "--html", str(report), str(files["jsonl"]))
    assert res.returncode == 0, res.stderr
    browser, driver = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    try:
        chrome.get(Path(report).as_uri())
        names = [el.get_attribute("data-name") for el in chrome.find_elements(By.CSS_SELECTOR, "tr.span")]
        assert names == ["GET /users/{id}", "SELECT users"]
        bars = chrome.find_elements(By.CSS_SELECTOR, ".bar")
        assert len(bars) == 2 and all(b.size["width"] > 0 for b in bars)
        rules = chrome.find_element(By.ID, "rules").text
        assert "db_statement" in rules and "hash" in rules
        assert "REDACTED" in chrome.find_element(By.ID, "logs").text
        errors = [e for e in chrome.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
    finally:
        chrome.quit()
    assert "<script src" not in report.read_text() and "http" not in report.read_text().split("<body>")[0]


def test_scan_a_live_tap(tmp_path):
    """`scan --listen` receives OTLP/HTTP (e.g. a gateway's second exporter) and reports on it."""
    import time

    import requests

    from otlp_sink import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "otel_privacy.cli", "scan", "--json", "--listen",
                             f"127.0.0.1:{port}", "--count", "1", "--duration", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "200"})
    body = _raw_traces().SerializeToString()
    deadline = time.monotonic() + 30
    while True:
        try:
            r = requests.post(f"http://127.0.0.1:{port}/v1/traces", data=body,
                              headers={"Content-Type": "application/x-protobuf"}, timeout=2)
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.1)
    assert r.status_code == 200
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err  # findings over the default threshold of 0
    found = {(f["key"], f["detector"]) for f in json.loads(out)["findings"]}
    assert ("db.password", "key:redact") in found and ("note", "aws_key") in found
    assert cli("scan").returncode == 2  # neither files nor --listen: a clear error
