"""A live tap: a small OTLP/HTTP receiver that ``scan`` and ``inspect`` read from.

Point an app's exporter, or a gateway's ``otlphttp`` exporter (as a second exporter next to the
real backend), at ``otel-privacy scan --listen 127.0.0.1:4319``: every request is decoded (protobuf
or JSON, gzip) and kept in memory for the report; the client gets the normal empty OTLP response.
"""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..otlp_json import REQUEST_TYPES, OtlpJsonError
from ..otlp_json import loads as json_loads
from .otlp_files import Batch

__all__ = ["OtlpTap"]


class OtlpTap:
    def __init__(self, host: str = "127.0.0.1", port: int = 4319, max_body: int = 16 * 1024 * 1024) -> None:
        self.batches: list[Batch] = []
        self.errors = 0
        self._lock = threading.Lock()
        tap = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                signal = self.path.rstrip("/").rsplit("/", 1)[-1]
                length = int(self.headers.get("Content-Length") or 0)
                if signal not in REQUEST_TYPES or length > max_body:
                    self.send_error(404 if signal not in REQUEST_TYPES else 413)
                    return
                body = self.rfile.read(length)
                try:
                    if self.headers.get("Content-Encoding") == "gzip":
                        body = gzip.decompress(body)
                    if self.headers.get("Content-Type", "").startswith("application/json"):
                        message = json_loads(signal, body)
                    else:
                        message = REQUEST_TYPES[signal].FromString(body)
                except (OSError, OtlpJsonError, ValueError, Exception):  # noqa: BLE001 - report, keep serving
                    with tap._lock:
                        tap.errors += 1
                    self.send_error(400, "malformed OTLP request")
                    return
                with tap._lock:
                    tap.batches.append(Batch(signal, message, f"tap:{self.client_address[0]}"))
                self.send_response(200)
                self.send_header("Content-Type", self.headers.get("Content-Type") or "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="otel-privacy-tap", daemon=True)

    def __enter__(self) -> OtlpTap:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def collect(self, duration: float | None = None, count: int | None = None) -> list[Batch]:
        """Wait until ``duration`` seconds passed or ``count`` requests arrived (or Ctrl-C)."""
        end = time.monotonic() + duration if duration else None
        try:
            while True:
                with self._lock:
                    n = len(self.batches)
                if (count is not None and n >= count) or (end is not None and time.monotonic() >= end):
                    break
                time.sleep(0.05)
        except KeyboardInterrupt:
            pass
        with self._lock:
            return list(self.batches)
