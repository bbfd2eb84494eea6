"""The framework matrix: real apps under real servers, driven by a real client over real sockets, exporting
OTLP to an in-test sink — each in both setups (``configure()`` and zero-code ``opentelemetry-instrument``)
and both semantic-convention modes, and each compared with the same app run without OpenTelemetry.

One run per cell (app × setup × semconv), shared by the assertions below: the default-semconv cells stop
with SIGTERM, the stable ones with SIGINT, so every app and setup sees both signals. Console output is
compared with digits masked (ports, pids, times) and lines sorted (workers interleave).
"""

from __future__ import annotations

import functools
import re
import signal
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from app_support import APPS, SEMCONV, SETUPS, app_env, command, log_records, running, spans
from otlp_sink import OtlpSink, free_port, wait_until_serving

SECRETS = (b"carol@example.com", b"4111111111111111", b"sekrit-bearer-TOKEN-1234567", b"apikey-SECRET-998877",
           b"peer-secret-token-4711")
HEADERS = {"Authorization": "Bearer sekrit-bearer-TOKEN-1234567", "X-Api-Key": "apikey-SECRET-998877"}


@dataclass(frozen=True)
class Spec:
    argv: tuple[str, ...]  # {port} is replaced
    route: str | None  # the server span's http.route (None: not a server)
    requests: int = 3  # GET /orders/<n>?email=...
    app_logs: int = 3  # records of the app's "shop" logger
    env: tuple[tuple[str, str], ...] = ()
    concurrent: bool = False
    tables: tuple[str, ...] = ("orders",)


APPS_UNDER_TEST = {
    "fastapi-uvicorn": Spec(("uvicorn", "fastapi_app:app", "--host", "127.0.0.1", "--port", "{port}"),
                            "/orders/{order_id}"),
    "flask-gunicorn-preload": Spec(("gunicorn", "--preload", "-w", "2", "-b", "127.0.0.1:{port}", "flask_app:app"),
                                   "/orders/<int:order_id>", requests=6, app_logs=6, concurrent=True,
                                   env=(("OTEL_PRIVACY_PERF_ENABLED", "true"),
                                        ("OTEL_PRIVACY_PERF_PROFILER", "true"))),
    "django-runserver": Spec((str(APPS / "django_app.py"), "127.0.0.1:{port}"), "orders/<int:order_id>",
                             env=(("DJANGO_SETTINGS_MODULE", "djshop.settings"),)),
    "jobs-threads-asyncio": Spec((str(APPS / "jobs_app.py"),), None, requests=0, app_logs=7),
}
STOP = {"default": signal.SIGTERM, "stable": signal.SIGINT}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    responses: list[Any]
    wire: bytes = b""
    spans: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    logs: list[tuple[str, str, str]] = field(default_factory=list)


def _drive(port: int, spec: Spec) -> list[Any]:
    def get(n: int) -> Any:
        r = requests.get(f"http://127.0.0.1:{port}/orders/{n}", params={"email": "carol@example.com"},
                         headers=HEADERS, timeout=30)
        body = r.json()
        body.pop("pid", None)  # which worker answered is not behaviour
        return r.status_code, body

    if spec.concurrent:
        with ThreadPoolExecutor(2) as pool:
            return sorted(pool.map(get, range(1, spec.requests + 1)), key=lambda x: x[1]["order"])
    return [get(n) for n in range(1, spec.requests + 1)]


def _run(app: str, setup: str, semconv: str, endpoint: str | None) -> Run:
    spec = APPS_UNDER_TEST[app]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="otel-privacy-matrix-") as tmp:
        env = app_env(setup, endpoint, SEMCONV[semconv], APP_DB=str(Path(tmp) / "shop.db"), APP_PORT=str(port),
                      **dict(spec.env))
        with running(command(setup, *(a.format(port=port) for a in spec.argv)), env) as proc:
            if spec.route is None:
                proc.wait_for_output("ready\n")  # the whole line: print writes the newline separately
            else:
                wait_until_serving(f"http://127.0.0.1:{port}/health", proc.proc, lambda: proc.stderr, timeout=60)
            responses = _drive(port, spec) if spec.route else []
            code = proc.stop(STOP[semconv])
            return Run(code, proc.stdout, proc.stderr, responses)


@functools.cache
def _baseline(app: str, semconv: str) -> Run:
    return _run(app, "none", semconv, None)


CELLS = [(a, s, m) for a in APPS_UNDER_TEST for s in SETUPS for m in SEMCONV]


@pytest.fixture(scope="module", params=CELLS, ids=["-".join(c) for c in CELLS])
def cell(request) -> tuple[str, str, str, Run]:
    app, setup, semconv = request.param
    with OtlpSink() as sink:
        run = _run(app, setup, semconv, sink.endpoint)
        run.wire, run.spans, run.logs = sink.raw(), spans(sink), log_records(sink)
    return app, setup, semconv, run


def _console(text: str) -> list[str]:
    return sorted(re.sub(r"\d+", "N", line) for line in text.splitlines())


def test_no_planted_secret_reaches_the_wire(cell):
    _, _, _, run = cell
    assert run.spans, run.stderr[-3000:]
    for secret in SECRETS:
        assert secret not in run.wire, secret


def test_the_useful_data_is_there(cell):
    app, _, semconv, run = cell
    spec = APPS_UNDER_TEST[app]
    attrs = [a for _, a in run.spans]
    if spec.route is not None:
        server = [a for a in attrs if a.get("http.route") == spec.route]
        assert len(server) == spec.requests, sorted({n for n, _ in run.spans})
        status_key = "http.status_code" if semconv == "default" else "http.response.status_code"
        assert all(a.get(status_key) == 200 for a in server)
    statement_key = "db.statement" if semconv == "default" else "db.query.text"
    statements = [a[statement_key] for a in attrs if statement_key in a]
    assert statements and all(any(t in s for t in spec.tables) for s in statements if "orders" in s)
    assert any("orders" in s and "?" in s for s in statements)  # table kept, literals gone


def test_the_app_behaves_as_without_us(cell):
    app, _, semconv, run = cell
    base = _baseline(app, semconv)
    assert run.code == base.code, run.stderr[-3000:]
    assert run.responses == base.responses
    for ours, theirs, stream in ((run.stdout, base.stdout, "stdout"), (run.stderr, base.stderr, "stderr")):
        only_ours = Counter(_console(ours)) - Counter(_console(theirs))
        only_theirs = Counter(_console(theirs)) - Counter(_console(ours))
        assert not only_ours and not only_theirs, f"{stream}: with us only {dict(only_ours)}, " \
                                                  f"without us only {dict(only_theirs)}\n{ours[-3000:]}"


def test_each_app_log_record_is_exported_once_at_the_apps_level(cell):
    app, _, _, run = cell
    shop = [(severity, body) for severity, scope, body in run.logs if scope == "shop"]
    assert len(shop) == APPS_UNDER_TEST[app].app_logs, Counter(body for _, body in shop)
    assert len(set(shop)) == len(shop) and {severity for severity, _ in shop} == {"INFO"}


def test_every_preforked_worker_exports_and_is_profiled(cell):
    app, _, _, run = cell
    if app != "flask-gunicorn-preload":
        pytest.skip("gunicorn --preload only")
    served = [a for _, a in run.spans if "app.worker_pid" in a]
    assert len(served) == APPS_UNDER_TEST[app].requests  # every worker's exporter delivered
    # The profiler started in the arbiter before the fork; each worker re-armed its own timer, so every
    # worker that served a request (0.15 s of CPU on its main thread) attached samples to that request.
    for pid in {a["app.worker_pid"] for a in served}:
        assert any("otel_privacy.profile" in a["<events>"] for a in served if a["app.worker_pid"] == pid), pid


def test_the_services_own_host_header_is_kept(cell):
    """It was truncated like a peer IP ('127.0.0.0:PORT') while http.host and server.address kept it."""
    _, _, _, run = cell
    hosts = [h for _, a in run.spans for h in a.get("http.request.header.host", [])]
    if not hosts:
        pytest.skip("no captured Host header in this cell")
    assert all(h.startswith("127.0.0.1:") for h in hosts), hosts


def test_db_operation_name_is_the_operation_only(cell):
    """With OTEL_SEMCONV_STABILITY_OPT_IN=database the SQLAlchemy instrumentation writes db.operation.name as
    '<OPERATION> <database file path>' ('SELECT /tmp/…/shop.db'); only the operation may be exported."""
    app, _, semconv, run = cell
    if app != "fastapi-uvicorn" or semconv != "stable":
        pytest.skip("SQLAlchemy in stable database semantic conventions only")
    names = {a["db.operation.name"] for _, a in run.spans if "db.operation.name" in a}
    assert {"CREATE", "INSERT", "SELECT"} <= names and all(re.fullmatch(r"[A-Z]+", n) for n in names), names


def test_the_fastapi_example_runs_as_the_readme_says(tmp_path):
    """examples/frameworks/fastapi_service.py under uvicorn, as its docstring runs it."""
    port = free_port()
    with OtlpSink() as sink:
        env = app_env("none", None, OTEL_EXPORTER_OTLP_ENDPOINT=sink.endpoint, SHOP_DB=str(tmp_path / "shop.db"),
                      PORT=str(port), OTEL_METRICS_EXPORTER="none")
        argv = ("uvicorn", "--app-dir", str(APPS.parents[1] / "examples" / "frameworks"), "fastapi_service:app",
                "--host", "127.0.0.1", "--port", str(port))
        with running(command("none", *argv), env) as proc:
            wait_until_serving(f"http://127.0.0.1:{port}/health", proc.proc, lambda: proc.stderr, timeout=60)
            r = requests.get(f"http://127.0.0.1:{port}/orders/7", params={"email": "carol@example.com"},
                             headers={"Authorization": "Bearer sekrit-bearer-TOKEN-1234567"}, timeout=30)
            assert r.json() == {"order": 7}
            # uvicorn stops gracefully, then re-raises SIGTERM to the handler it found (ours, which flushes and
            # hands it to the default action): the exit status uvicorn has without us.
            assert proc.stop(signal.SIGTERM) == -signal.SIGTERM
        wire, names = sink.raw(), {n for n, _ in spans(sink)}
        logs = [body for _, scope, body in log_records(sink) if scope == "shop"]
    assert "GET /orders/{order_id}" in names and "INSERT" in " ".join(names)
    assert logs == ["order 7 for REDACTED"]
    for secret in (b"carol@example.com", b"not-for-the-backend"):
        assert secret not in wire
