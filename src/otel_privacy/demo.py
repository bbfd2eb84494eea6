"""``otel-privacy demo``: a real instrumented app, its spans as produced and as they reached the wire.

The shop app (``examples/shop/app.py``: Flask, SQLite, ``requests``) runs on a local port with the
official OpenTelemetry instrumentations; :func:`otel_privacy.configure` exports over real OTLP/HTTP
to a local receiver. A scripted client sends requests carrying an email in the query string, a
bearer token, a user id, SQL with literals and an exception holding a secret. The demo prints, per
span, before → after, and a verdict: did any planted secret reach the exported bytes?
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import logging
import os
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["run_demo", "CaptureReceiver", "PLANTED"]

#: Values the scripted client plants; none of them may appear in exported bytes.
PLANTED = {
    "email in query string": "alice@example.com",
    "bearer token": "tok_live_8f2b9c41d7e6a5f3",
    "card number": "4111111111111111",
    "user id": "alice-0042",
    "API key in exception": "sk_live_51Hc4c1e9a77b2d8f0e1a3b5c7",
    "admin email in exception": "admin@shop.example",
    "SQL literal": "99.5",
}


class CaptureReceiver:
    """A minimal OTLP/HTTP receiver on localhost that keeps the raw request bodies it gets."""

    def __init__(self) -> None:
        self.bodies: dict[str, list[bytes]] = {"traces": [], "logs": [], "metrics": []}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                signal = self.path.rstrip("/").rsplit("/", 1)[-1]
                with receiver._lock:
                    receiver.bodies.setdefault(signal, []).append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> CaptureReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def raw(self) -> bytes:
        with self._lock:
            return b"".join(b for bodies in self.bodies.values() for b in bodies)

    def spans(self) -> dict[int, tuple[str, dict[str, Any]]]:
        """span_id → (name, attributes) of every exported span."""
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        from .otlp import kv_to_dict

        out: dict[int, tuple[str, dict[str, Any]]] = {}
        with self._lock:
            bodies = list(self.bodies["traces"])
        for body in bodies:
            req = ExportTraceServiceRequest.FromString(body)
            for rs in req.resource_spans:
                for ss in rs.scope_spans:
                    for span in ss.spans:
                        attrs = kv_to_dict(span.attributes)
                        for ev in span.events:
                            for k, v in kv_to_dict(ev.attributes).items():
                                attrs[f"event[{ev.name}].{k}"] = v
                        out[int.from_bytes(span.span_id, "big")] = (span.name, attrs)
        return out

    def log_bodies(self) -> list[Any]:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

        from .otlp import any_to_py

        with self._lock:
            bodies = list(self.bodies["logs"])
        return [any_to_py(lr.body) for b in bodies for rl in ExportLogsServiceRequest.FromString(b).resource_logs
                for sl in rl.scope_logs for lr in sl.log_records]


def _find_shop_app() -> Path:
    candidates = [Path.cwd() / "examples" / "shop" / "app.py",
                  Path(__file__).resolve().parents[2] / "examples" / "shop" / "app.py"]
    for path in candidates:
        if path.exists():
            return path
    raise FileNotFoundError("examples/shop/app.py not found: run the demo from the otel-privacy source tree")


def _load_shop() -> Any:
    path = _find_shop_app()
    spec = importlib.util.spec_from_file_location("otel_privacy_demo_shop", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def run_scenario(base_url: str) -> None:
    """The scripted client: four requests that each carry something that must not leak."""

    def call(method: str, path: str, body: dict | None = None, headers: dict | None = None) -> int:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base_url + path, data=data, method=method, headers=headers or {})
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    call("GET", f"/orders/42?email={PLANTED['email in query string']}",
         headers={"X-User-Id": PLANTED["user id"], "Authorization": f"Bearer {PLANTED['bearer token']}"})
    call("POST", "/checkout", {"user_id": 1, "total": float(PLANTED["SQL literal"]), "card": "4111 1111 1111 1111",
                               "email": PLANTED["email in query string"], "api_token": PLANTED["bearer token"]},
         headers={"X-User-Id": PLANTED["user id"]})
    call("GET", f"/admin/reset?token={PLANTED['API key in exception']}", headers={"X-User-Id": PLANTED["user id"]})


def start_shop(tracer_provider: Any, db_path: str) -> tuple[Any, str, Any]:
    """Start the instrumented shop on a free localhost port; returns (server, base_url, uninstrument)."""
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor
    from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor
    from opentelemetry.trace import get_current_span
    from werkzeug.serving import make_server

    shop = _load_shop()
    SQLite3Instrumentor().instrument(tracer_provider=tracer_provider)
    RequestsInstrumentor().instrument(tracer_provider=tracer_provider)
    shop.seed(db_path)
    app = shop.create_app(db_path)

    FlaskInstrumentor().instrument_app(app, tracer_provider=tracer_provider)

    @app.before_request  # registered after the instrumentation's hook, so the server span exists
    def _enduser() -> None:  # what many apps do: put the user on the server span
        from flask import request

        user = request.headers.get("X-User-Id")
        if user:
            get_current_span().set_attribute("enduser.id", user)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def uninstrument() -> None:
        server.shutdown()
        FlaskInstrumentor().uninstrument_app(app)
        RequestsInstrumentor().uninstrument()
        SQLite3Instrumentor().uninstrument()

    return server, f"http://127.0.0.1:{server.server_port}", uninstrument


def _fmt(value: Any, width: int = 70) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def run_demo(verbose: bool = False, policy: str | None = None, out: Any = None) -> int:
    """Run the demo end to end; returns 0 when no planted secret reached the wire."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from rich.console import Console
    from rich.table import Table

    from .sdk.configure import configure

    stream = out or sys.stdout
    console = Console(file=stream, highlight=False, width=None if stream.isatty() else 160)
    os.environ.setdefault("OTEL_PRIVACY_HASH_KEY", "demo-key-shared-by-all-replicas")
    os.environ["OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST"] = "authorization,x-user-id"
    os.environ["OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST"] = "authorization"
    started = time.perf_counter()

    from .gateway import Gateway, load_config

    with CaptureReceiver() as receiver, tempfile.TemporaryDirectory() as tmp:
        # The full path: app (SDK privacy processor) → OTLP/HTTP → the in-process gateway (the same
        # policy again, as a platform team would run it) → OTLP/HTTP → a local "backend".
        gateway = Gateway(load_config({
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": {"privacy": {"policy": policy or "default"}, "batch": {"timeout": "20ms"}},
            "exporters": {"otlphttp": {"endpoint": receiver.endpoint, "compression": "none"}},
            "service": {"pipelines": {s: {"receivers": ["otlp"], "processors": ["privacy", "batch"],
                                          "exporters": ["otlphttp"]} for s in ("traces", "logs")}},
        })).start()
        providers = configure(policy or "default", service_name="shop",
                              endpoint=f"http://127.0.0.1:{gateway.http_port}", protocol="http/protobuf",
                              set_global=False, capture_logging=True, metrics_enabled=False)
        raw = InMemorySpanExporter()  # "before": kept in this process only, never exported
        providers.tracer_provider.add_span_processor(SimpleSpanProcessor(raw))
        logging.getLogger("shop").setLevel(logging.INFO)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        _server, base_url, uninstrument = start_shop(providers.tracer_provider, os.path.join(tmp, "shop.db"))
        try:
            run_scenario(base_url)
        finally:
            uninstrument()
            providers.force_flush()
            providers.shutdown()
            gateway.stop(10)

        exported = receiver.spans()
        wire = receiver.raw()
        log_bodies = receiver.log_bodies()

    console.print(f"[bold]otel-privacy demo[/] — policy [cyan]{providers.redactor.fingerprint}[/], "
                  f"app → SDK privacy processor → OTLP/HTTP → otel-privacy gateway "
                  f"(:{gateway.http_port}) → local backend\n")
    changed_total = 0
    for span in sorted(raw.get_finished_spans(), key=lambda s: s.start_time):
        after_name, after_attrs = exported.get(span.context.span_id, ("<not exported>", {}))
        before_attrs = dict(span.attributes or {})
        for ev in span.events:
            for k, v in (ev.attributes or {}).items():
                before_attrs[f"event[{ev.name}].{k}"] = v
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("attribute", style="dim", no_wrap=True)
        table.add_column("app produced", style="red")
        table.add_column("exported", style="green")
        for key, before in before_attrs.items():
            after = after_attrs.get(key, "<dropped>")
            if after != before and not (isinstance(before, tuple) and list(before) == after):
                changed_total += 1
                table.add_row(key, _fmt(before), _fmt(after))
            elif verbose:
                table.add_row(key, _fmt(before), "[dim]unchanged[/]")
        for key in after_attrs:
            if key not in before_attrs and key.startswith(("db.query", "db.operation", "db.collection")):
                table.add_row(key, "", _fmt(after_attrs[key]))
        name = span.name if after_name == span.name else f"{span.name} → {after_name}"
        console.print(f"[bold]span[/] {name}  [dim]({span.kind.name.lower()}, "
                      f"{(span.end_time - span.start_time) / 1e6:.1f} ms)[/]")
        if table.row_count:
            console.print(table)
        console.print()
    if log_bodies:
        console.print("[bold]log records exported[/]")
        for body in log_bodies:
            console.print(f"  {_fmt(body, 110)}")
        console.print()

    leaked = [label for label, secret in PLANTED.items() if secret.encode() in wire]
    elapsed = time.perf_counter() - started
    n_spans = len(raw.get_finished_spans())
    if leaked:
        console.print(f"[bold red]✗ LEAK[/]: {', '.join(leaked)} reached the exported bytes.")
        return 1
    console.print(f"[bold green]✓ verdict[/]: {len(PLANTED)} planted secrets, 0 on the wire — "
                  f"{changed_total} values redacted in {n_spans} spans and {len(log_bodies)} logs, "
                  f"{len(wire)} bytes exported, {elapsed:.1f}s.")
    m = gateway.metrics
    console.print(f"[dim]gateway: {m.get('received'):.0f} OTLP requests, {m.get('accepted'):.0f} records accepted, "
                  f"{m.get('exported'):.0f} exported, {m.get('dropped'):.0f} dropped; metrics at /metrics, "
                  f"health at /health[/]")
    return 0
