"""Per-span resource use, as a span processor. All attributes live under ``otel_privacy.perf.``:

====================================  ==========================================================
``otel_privacy.perf.cpu.thread_ms``   CPU time of the span's thread between start and end (ms),
                                      inclusive of child spans on the same thread
``otel_privacy.perf.cpu.process_share``  process CPU time / wall time during the span (all threads;
                                      >1 means more than one core was busy)
``otel_privacy.perf.cpu.measured``    ``false`` when the span ended on another thread than it
                                      started on: thread CPU is then not measurable (not wrong)
``otel_privacy.perf.gc.collections``  GC collections during the span (any thread: GC stops all)
``otel_privacy.perf.gc.pause_ms``     GC pause time during the span (from ``gc.callbacks``)
``otel_privacy.perf.memory.rss_delta_bytes``  RSS change (optional; a syscall per span edge)
====================================  ==========================================================

Attributes are written while the span ends (the SDK's ``_on_ending`` hook), before any exporter
or the privacy processor sees it. Zero-valued GC attributes are omitted to keep spans small.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from .config import PerfConfig

__all__ = ["ResourceSpanProcessor", "GcTracker", "set_span_attributes", "PREFIX"]

PREFIX = "otel_privacy.perf."
_log = logging.getLogger("otel_privacy.perf")


class GcTracker:
    """Process-wide GC collections and pause time, from ``gc.callbacks`` (installed once)."""

    _instance: GcTracker | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.collections = 0
        self.pause_ns = 0
        self._started = 0
        self._users = 0

    @classmethod
    def acquire(cls) -> GcTracker:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            inst = cls._instance
            if inst._users == 0:
                gc.callbacks.append(inst._callback)
            inst._users += 1
            return inst

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._callback in gc.callbacks:
                gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter_ns()
        elif self._started:
            self.pause_ns += time.perf_counter_ns() - self._started
            self.collections += 1
            self._started = 0


def set_span_attributes(span: Span, attributes: dict[str, Any]) -> None:
    """Set attributes on a span that is ending (its attributes were just frozen by the SDK).

    Uses the SDK's attribute container directly; if that ever changes, falls back to the public
    API (which works on SDKs that call ``_on_ending`` before freezing).
    """
    attrs = getattr(span, "_attributes", None)
    lock = getattr(span, "_lock", None)
    store = getattr(attrs, "_dict", None)
    maxlen = getattr(attrs, "maxlen", None)
    if lock is not None and isinstance(store, dict) and (maxlen is None or len(store) + len(attributes) <= maxlen):
        # our values are plain floats/ints/bools: no validation needed; one dict update, under the span lock
        with lock:
            store.update(attributes)
        return
    if attrs is not None and lock is not None and hasattr(attrs, "_immutable"):
        with lock:
            frozen = attrs._immutable
            attrs._immutable = False
            try:
                for k, v in attributes.items():
                    attrs[k] = v
            finally:
                attrs._immutable = frozen
        return
    span.set_attributes(attributes)


class ResourceSpanProcessor(SpanProcessor):
    """Measure CPU, GC and (optionally) RSS per span. Never raises into the app."""

    def __init__(self, config: PerfConfig | None = None) -> None:
        self.config = config or PerfConfig(enabled=True)
        self._starts: dict[int, tuple[int, int, int, int, int, int, int]] = {}
        self._gc = GcTracker.acquire() if self.config.gc else None
        self._proc: Any = None
        if self.config.rss:
            import psutil

            self._proc = psutil.Process()
        self.errors = 0

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        try:
            gcs = self._gc
            self._starts[span.context.span_id] = (
                threading.get_ident(), time.thread_time_ns(), time.perf_counter_ns(), time.process_time_ns(),
                gcs.collections if gcs else 0, gcs.pause_ns if gcs else 0,
                self._proc.memory_info().rss if self._proc is not None else 0,
            )
        except Exception:  # noqa: BLE001
            self.errors += 1

    def _on_ending(self, span: Span) -> None:
        start = self._starts.pop(span.context.span_id, None)
        if start is None:
            return
        try:
            tid, cpu0, wall0, proc0, gcc0, gcp0, rss0 = start
            out: dict[str, Any] = {}
            cfg = self.config
            if cfg.cpu:
                wall = time.perf_counter_ns() - wall0
                if threading.get_ident() == tid:
                    out[PREFIX + "cpu.thread_ms"] = (time.thread_time_ns() - cpu0) / 1e6
                else:
                    out[PREFIX + "cpu.measured"] = False
                if wall > 0:
                    out[PREFIX + "cpu.process_share"] = round((time.process_time_ns() - proc0) / wall, 4)
            gcs = self._gc
            if gcs is not None and gcs.collections != gcc0:
                out[PREFIX + "gc.collections"] = gcs.collections - gcc0
                out[PREFIX + "gc.pause_ms"] = (gcs.pause_ns - gcp0) / 1e6
            if self._proc is not None:
                out[PREFIX + "memory.rss_delta_bytes"] = self._proc.memory_info().rss - rss0
            if out:
                set_span_attributes(span, out)
        except Exception:  # noqa: BLE001 - never break the app's span
            self.errors += 1

    def on_end(self, span: ReadableSpan) -> None:
        # a span that never went through _on_ending (very old SDKs): forget its start
        self._starts.pop(span.context.span_id, None)

    def shutdown(self) -> None:
        if self._gc is not None:
            self._gc.release()
            self._gc = None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
