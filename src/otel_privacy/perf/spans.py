"""Per-span resource use, as a span processor. All attributes live under ``otel_privacy.perf.``:

====================================  ==========================================================
``otel_privacy.perf.cpu.thread_ms``   CPU time of the span's thread between start and end (ms),
                                      inclusive of child spans on the same thread
``otel_privacy.perf.cpu.process_share``  process CPU time / wall time during the span (all threads;
                                      >1 means more than one core was busy); only for spans of at
                                      least ``process_share_min_ms`` (default 50 ms)
``otel_privacy.perf.cpu.measured``    ``false`` instead of ``cpu.thread_ms`` when that would not be
                                      right: the span ended on another thread than it started on,
                                      or its start reading was reused from too long before it
                                      (see ``cpu_reuse_short_us``)
``otel_privacy.perf.gc.collections``  GC collections during the span (any thread: GC stops all)
``otel_privacy.perf.gc.pause_ms``     GC pause time during the span (from ``gc.callbacks``)
``otel_privacy.perf.memory.rss_delta_bytes``  RSS change (optional; a syscall per span edge)
====================================  ==========================================================

All of them only on spans of at least ``min_span_ms`` wall time (default 1 ms; see below why).
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
_THREAD_MS = PREFIX + "cpu.thread_ms"
_MEASURED = PREFIX + "cpu.measured"
_SHARE = PREFIX + "cpu.process_share"
_GC_COUNT = PREFIX + "gc.collections"
_GC_PAUSE = PREFIX + "gc.pause_ms"
_RSS = PREFIX + "memory.rss_delta_bytes"
_thread_time_ns = time.thread_time_ns
_process_time_ns = time.process_time_ns
_get_ident = threading.get_ident
_NO_READING = (-(1 << 62), 0)  # a process-CPU reading from long ago: never fresh, never within 2% of a span
_log = logging.getLogger("otel_privacy.perf")


class GcTracker:
    """Process-wide GC collections and pause time, from ``gc.callbacks`` (installed once)."""

    __slots__ = ("state", "_started", "_users")  # ``state`` is read at span starts: a slot reads fastest
    _instance: GcTracker | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.state = (0, 0)  # (collections, pause_ns): one tuple, so a span start reads both in one load
        self._started = 0
        self._users = 0

    @property
    def collections(self) -> int:
        return self.state[0]

    @property
    def pause_ns(self) -> int:
        return self.state[1]

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
            collections, pause = self.state
            self.state = (collections + 1, pause + time.perf_counter_ns() - self._started)
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


class _NoGc:
    state = None  # a snapshot's GC state when GC capture is off: always "unchanged"


class _PySpanClock:
    """The hot path of :class:`ResourceSpanProcessor`, run at both edges of every span.

    ``otel_privacy.perf._speedups`` holds the same three methods in C (``SpanClock``); this is the
    reference and the fallback where that extension was not built. Both read the processor's state
    (``_snaps``, ``_gc``, ``_names``, ``_reuse_ns``, ``_reuse_short_ns``, ``_min_ns``, ``_tidy``,
    ``_open_max``; each keeps its own table of open spans) and call its slow paths (``_snapshot``,
    ``_regc``, ``_measure``, ``_learn_short``, ``_failed``): everything but the common case is Python.
    """

    __slots__ = ()

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        try:
            tid = _get_ident()
            snap = self._snaps.get(tid)
            now = span._start_time
            if snap is None:
                snap = self._snapshot(tid, now, span._name)
            else:
                age = now - snap[1]
                if not (0 <= age <= self._reuse_ns or (age <= self._reuse_short_ns and age >= 0
                                                        and self._names.get(span._name))):
                    snap = self._snapshot(tid, now, span._name)
                elif snap[4] is not self._gc.state:  # a collection since: it is not this span's
                    snap = self._regc(tid, snap)
            if len(self._open) >= self._open_max:  # spans that never end: forget them all now and then
                self._open.clear()
            self._open[id(span)] = (now, snap)
        except Exception:  # noqa: BLE001 - never break the app's span
            self._failed()

    def _on_ending(self, span: Span) -> None:
        if self._tidy is not None:  # see exceptions.ExceptionSpanProcessor
            try:
                tidy = span._events._dq  # BoundedList's __len__ is Python code; its deque answers in C
            except AttributeError:
                tidy = True  # not the SDK's span: let the tidier look (it never raises)
            if tidy:
                self._tidy(span)
        try:
            entry = self._open.pop(id(span), None)
            if entry is None:
                return
            begin = span._start_time
            if entry[0] is not begin:  # not the same start-time object: an older span at this id never ended
                return
            end = span._end_time
            if end - begin >= self._min_ns:
                self._measure(span, entry[1], end)
            elif span._name not in self._names:  # a short span: no clock read, nothing to add
                self._learn_short(span._name)
        except Exception:  # noqa: BLE001
            self._failed()

    def on_end(self, span: ReadableSpan) -> None:
        pass  # all done in _on_ending, while the span could still take attributes

    def open_spans(self) -> int:
        """How many started spans have not ended (bounded by ``_open_max``)."""
        return len(self._open)

    def _forget_open(self) -> None:
        self._open = {}


try:
    from ._speedups import SpanClock as _SpanClock
except ImportError:  # not built (no compiler at install time, or another interpreter): the same in Python
    _SpanClock = _PySpanClock


class ResourceSpanProcessor(_SpanClock, SpanProcessor):
    """Measure CPU, GC and (optionally) RSS per span. Never raises into the app.

    This runs at both edges of every span, inside the app's own work where caches are cold, and with a
    no-op exporter a span with 10 attributes costs only ~40 µs: 5% of that is 2 µs, less than one CPU-clock
    read on a virtual machine (a syscall: ~1 µs in a loop, 2–5 µs amid real work, whose caches and TLB it
    disturbs) and about two calls of Python functions. So the common span reads no clock, and its two
    callbacks are C (``_speedups``; Python where that is not built):

    * wall time is the span's own ``start_time``/``end_time`` (the SDK reads them anyway);
    * resource attributes go on spans of at least ``min_span_ms`` wall time (default 1 ms; ``0`` =
      every span). Shorter spans get none — their duration already bounds their CPU and any GC pause —
      so their end reads no clock, and no exporter encodes attributes (~5 µs each) nobody needs;
    * each thread keeps a start snapshot (thread CPU, process CPU, GC state). A span's start takes its
      thread's snapshot as is while it is at most ``cpu_reuse_us`` old (default 50 µs) and no GC ran since;
      the reported CPU may then include at most that much from before the span (≤ 5% of a 1 ms span);
    * a span whose *name* has only ever been short (under ``min_span_ms``) takes a snapshot up to
      ``cpu_reuse_short_us`` old (default 1 ms): such spans are almost always short again, and then the
      reading is never used. One that runs long after all reports thread CPU only if its reading was at
      most 5% of its wall time old, else ``cpu.measured=false``; its name is read strictly from then on.
      Back-to-back short spans of known names thus read the clock about once per millisecond;
    * process CPU share is reported only for spans of at least ``process_share_min_ms`` wall time,
      from a process-wide reading at most 1/50 of that old, so its error stays within ~2% per core.
      A snapshot for a name only ever short does not refresh that reading (one system call instead of
      two); a span whose reading is older than 2% of its wall time reports no share.

    Spans created with an explicit ``start_time`` or ended with an explicit ``end_time`` are judged by
    those times; their CPU is still what the thread used between the two calls.
    """

    def __init__(self, config: PerfConfig | None = None) -> None:
        self.config = config or PerfConfig(enabled=True)
        # Spans between start and end: id(span) -> (span._start_time, start snapshot) (in C: a table keyed
        # by the span's address). Not an attribute on the span: a new attribute on an SDK span turns its
        # compact attribute storage into a real dict, which cost more than all the rest of this processor.
        # The start-time object (identical, not just equal) tells a span from an earlier one at the same
        # address that never ended; such spans are bounded by forgetting all when there are _open_max.
        self._forget_open()
        self._open_max = 100_000
        self._gc: Any = GcTracker.acquire() if self.config.gc else _NoGc
        self._proc: Any = None
        if self.config.rss:
            import psutil

            self._proc = psutil.Process()
        self._cpu = self.config.cpu
        self._tidy: Any = None
        if self.config.exceptions:  # one processor instead of two: saves a dispatch per span edge
            from .exceptions import tidy_exception_events

            self._tidy = tidy_exception_events
        # each thread's start snapshot (tid, wall_ns, thread_cpu_ns, process_cpu_ns, gc_state, rss); an exited
        # thread's entry is harmless (a reused id finds an old snapshot and takes a new one) and the table is
        # cleared when large
        self._snaps: dict[int, tuple[Any, ...]] = {}
        # span name -> True while every span of that name was short; False once one was long
        self._names: dict[str, bool] = {}
        # how long a snapshot serves: RSS must be read at every start; without CPU nothing ages but GC state
        if self._proc is not None:
            self._reuse_ns = self._reuse_short_ns = -1
        elif not self._cpu:
            self._reuse_ns = self._reuse_short_ns = 1 << 62
        else:
            self._reuse_ns = int(self.config.cpu_reuse_us * 1000)
            self._reuse_short_ns = max(self._reuse_ns, int(self.config.cpu_reuse_short_us * 1000))
        self._min_ns = int(self.config.min_span_ms * 1e6)
        self._share_min_ns = int(self.config.process_share_min_ms * 1e6)
        self._proc_stale_ns = max(1000, self._share_min_ns // 50)
        self._proc_last = _NO_READING  # (wall_ns, process_time_ns), shared by all threads
        self.errors = 0

    # -- slow paths, called by the hot path (_SpanClock) ------------------------------------------------
    def _failed(self) -> None:
        self.errors += 1

    def _process_cpu(self, now: int) -> tuple[int, int]:
        """A process-CPU reading ``(wall_ns, process_time_ns)`` at most ``_proc_stale_ns`` old."""
        last = self._proc_last
        if 0 <= now - last[0] < self._proc_stale_ns:
            return last
        last = self._proc_last = (now, _process_time_ns())  # one tuple store: atomic, any thread may refresh
        return last

    def _snapshot(self, tid: int, now: int, name: str) -> tuple[Any, ...]:
        """A new start snapshot for this thread, taken at span time ``now`` by a span called ``name``."""
        cpu, proc = 0, _NO_READING
        if self._cpu:
            cpu = _thread_time_ns()
            # process share needs a fresh reading only on spans of process_share_min_ms and more: a name
            # only ever short takes the last one as it is (a second system call saved; _measure checks age)
            proc = self._proc_last if self._names.get(name) else self._process_cpu(now)
        snap = (tid, now, cpu, proc, self._gc.state,
                self._proc.memory_info().rss if self._proc is not None else None)
        if len(self._snaps) > 4096:  # threads come and go: forget them all now and then
            self._snaps.clear()
        self._snaps[tid] = snap
        return snap

    def _regc(self, tid: int, snap: tuple[Any, ...]) -> tuple[Any, ...]:
        """The snapshot with the current GC state: a collection since the reading is not the span's."""
        snap = self._snaps[tid] = (*snap[:4], self._gc.state, snap[5])
        return snap

    def _learn_short(self, name: str) -> None:
        self._learn(name, True)

    def _learn(self, name: str, short: bool) -> None:
        if len(self._names) > 4096:  # names are meant to be low-cardinality; if not, start over
            self._names.clear()
        if short:
            self._names.setdefault(name, True)  # a long span of it may have been recorded meanwhile
        else:
            self._names[name] = False

    def _measure(self, span: Span, start: tuple[Any, ...], end: int) -> tuple[Any, ...] | None:
        """Resource attributes of a span of at least ``min_span_ms``. Returns the snapshot taken at its end
        (the thread's next start may use it), if it read the CPU clock."""
        tid, wall0, cpu0, (proc_wall0, proc0), gc0, rss0 = start
        begin = span._start_time
        wall = end - begin
        if self._names.get(span._name) is not False:  # also a name not seen before: its first span was long
            self._learn(span._name, False)  # long once: its spans read the clock at every start from now on
        out: dict[str, Any] = {}
        snap = None
        if self._cpu:
            if _get_ident() != tid:
                out[_MEASURED] = False  # ended on another thread: its CPU is not measurable
            else:
                cpu = _thread_time_ns()
                # the next span on this thread may start from here
                snap = self._snaps[tid] = (tid, end, cpu, self._process_cpu(end), self._gc.state, None)
                age = begin - wall0  # the reading may include this much CPU from before the span
                if age <= self._reuse_ns or age * 20 <= wall:
                    out[_THREAD_MS] = (cpu - cpu0) / 1e6 if cpu > cpu0 else 0.0
                else:
                    out[_MEASURED] = False
            if wall >= self._share_min_ns and abs(begin - proc_wall0) * 50 <= wall:  # within 2%
                out[_SHARE] = round((self._process_cpu(end)[1] - proc0) / wall, 3)
        state = self._gc.state
        if state is not gc0:
            collections, pause = state
            if collections != gc0[0]:
                out[_GC_COUNT] = collections - gc0[0]
                out[_GC_PAUSE] = (pause - gc0[1]) / 1e6
        if rss0 is not None and self._proc is not None:
            out[_RSS] = self._proc.memory_info().rss - rss0
        if out:
            set_span_attributes(span, out)
        return snap

    def shutdown(self) -> None:
        if self._gc is not _NoGc:
            self._gc.release()
            self._gc = _NoGc

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
