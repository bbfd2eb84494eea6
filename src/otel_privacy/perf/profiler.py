"""A sampling profiler linked to spans.

``hz`` times a second the sampler reads the stacks of the threads that have an active recording span
(``sys._current_frames``) and counts each stack against the innermost span active on that thread —
and against the whole-process profile. How it ticks (``profiler_mode``):

* ``auto`` (default): spans on the **main thread** are sampled by a signal — ``setitimer(ITIMER_PROF)``
  raises SIGPROF after every ``1/hz`` s of process CPU time and the handler samples between two
  bytecodes — and spans on **other threads** by a sampler thread that runs only while such spans are
  active. On virtual machines every timed wake-up of a thread costs 60–90 µs of kernel CPU and taking
  the GIL from a busy thread one or two more timed waits, so a sampler thread costs ~170 µs per
  sample; the signal costs the sample itself (~30 µs), so CLI jobs, single-threaded and asyncio
  servers pay little more than the sampling itself. The handler is installed with ``SA_RESTART``
  (``siginterrupt(False)``): reads, writes and accepts interrupted by it are restarted by the kernel;
  waits POSIX never restarts (select, poll, sleep, semaphores) return EINTR, which Python (PEP 475)
  and well-behaved C libraries retry — use ``thread`` mode for a C extension that does not.
  Main-thread samples follow CPU time: a main-thread span blocked on I/O while the process is idle
  gets none. Falls back to
  ``thread`` when the profiler does not start on the main thread, off POSIX, or when something else
  (another profiler) handles SIGPROF.
* ``thread``: the sampler thread samples every thread, every ``1/hz`` s of wall time, so waiting
  spans are sampled too. It sleeps without timed wake-ups while no span is active.

When a span ends, its stacks are attached as a span event ``otel_privacy.profile`` holding folded
stacks (``root;…;leaf count`` per line, hottest first, capped in bytes), which flame-graph tools read
directly. At shutdown the process profile can be written as pprof (``.pb.gz``) or folded text.

The event's attributes: ``otel_privacy.profile.folded`` (text), ``.samples``, ``.stacks`` (distinct
stacks seen), ``.hz`` and ``.span_id``. Samples go to the *innermost* span active on a thread; with
asyncio, tasks interleaving on one thread share that attribution (documented limitation).

Bounded: stack depth, distinct stacks per span, tracked open spans and the process profile are
capped; the sampler holds code objects, never frames or locals, between samples. It never blocks the
app (span bookkeeping is lock-free dict/list operations) and stops cleanly. Frame labels are
``file:qualname`` with the path passed through :func:`scrub_path` (site-packages, stdlib, working
directory and home prefixes stripped), then the whole text through the Redactor (strict mode's
``home_path`` detector removes any remaining user names).

The timer never outlives its handler. ``ITIMER_PROF`` keeps firing whatever Python does, and once the
handler is gone the default action of SIGPROF kills the process. So the timer is disarmed before any
point at which the handler can revert: ``stop()``; an ``atexit`` hook (the interpreter restores the
default handlers during finalisation, after ``atexit``, so ``sys.exit``, an uncaught or caught
``KeyboardInterrupt`` and a normal end all pass through it); ``os.execv``/``os.execve`` (and so every
``os.exec*``: an interval timer survives ``exec`` while handlers reset to the default, so the new
program would die) — disarmed just before, re-armed if ``exec`` fails. ``fork`` does not copy timers:
the child re-arms its own (and starts its own sampler thread) through ``os.register_at_fork``, so every
forked worker (gunicorn ``--preload``, multiprocessing ``fork``) is profiled; spans open on the forking
thread carry on in the child, the others are forgotten. ``os._exit`` ends the process with the timer, so
nothing can fire after it. Not covered: ``exec`` called from C (a C extension or ``ctypes``) bypasses the
``os`` functions — stop the profiler first, or use ``thread`` mode; and code that resets SIGPROF to the
default itself while the profiler runs.

On the OpenTelemetry profiles signal: ``opentelemetry-proto`` ships its (development-stage)
messages, but the Python SDK has no profiles pipeline or exporter to hand them to, so samples are
linked to spans through span events and written as pprof — the format that signal is modelled on.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gzip
import logging
import os
import signal
import sys
import sysconfig
import threading
import time
import weakref
from collections import Counter
from pathlib import Path
from types import CodeType
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import format_span_id

from .config import PerfConfig

__all__ = ["SamplingProfiler", "ProfilerSpanProcessor", "frame_label", "write_pprof", "folded", "scrub_path"]

_log = logging.getLogger("otel_privacy.perf")
_STDLIB = sysconfig.get_paths().get("stdlib", "")
_OTHER = ("<other stacks>",)


_HOME = os.path.expanduser("~")
_SITE_MARKERS = ("site-packages" + os.sep, "dist-packages" + os.sep, "site-packages/", "dist-packages/")


def scrub_path(path: str) -> str:
    """A source path safe to send: pure, no policy needed.

    ``…/site-packages/pkg/mod.py`` → ``pkg/mod.py``; the stdlib prefix and the current directory are
    dropped; any remaining home directory becomes ``~``. (The Redactor's ``home_path`` detector — on in
    ``strict`` — then removes user names from whatever else a path may hold.)
    """
    for marker in _SITE_MARKERS:
        i = path.rfind(marker)
        if i >= 0:
            return path[i + len(marker):]
    if _STDLIB and path.startswith(_STDLIB + os.sep):
        return path[len(_STDLIB) + 1:]
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = ""
    if cwd and cwd != os.sep and path.startswith(cwd + os.sep):
        return path[len(cwd) + 1:]
    if _HOME and len(_HOME) > 1 and (path == _HOME or path.startswith(_HOME + os.sep)):
        return "~" + path[len(_HOME):]
    return path


_labels: dict[CodeType, str] = {}


def frame_label(code: CodeType) -> str:
    label = _labels.get(code)
    if label is None:
        label = f"{scrub_path(code.co_filename)}:{code.co_qualname if hasattr(code, 'co_qualname') else code.co_name}"
        if len(_labels) < 50_000:
            _labels[code] = label
    return label


# Stacks are tuples of ``id(code)``: ints hash in nanoseconds, code objects hash their whole contents.
# The registry keeps each code object alive, so its id cannot be reused while it is referenced here.
_CODES: dict[int, CodeType] = {}
_MAX_CODES = 50_000


def _label(item: Any) -> str:
    if isinstance(item, int):
        code = _CODES.get(item)
        return frame_label(code) if code is not None else "<unknown>"
    if isinstance(item, CodeType):
        return frame_label(item)
    return str(item)


def folded(stacks: Counter | dict, max_bytes: int, scrub: Any = None, cache: dict[Any, str] | None = None) -> str:
    """``a;b;c 12`` lines, hottest first, cut at ``max_bytes`` (UTF-8).

    ``scrub`` applies to each frame label (``file:qualname`` — all a frame carries), so with a ``cache``
    a label is scrubbed once per process, not once per span: a label holds a whole path, so nothing a
    detector could find in the joined line is split between two labels.
    """
    items = sorted(dict(stacks).items(), key=lambda kv: -kv[1])  # a snapshot: the sampler may still count
    if cache is None:
        cache = {}
    lines: list[str] = []
    size = 0
    for stack, count in items:
        parts = []
        for item in stack:
            label = cache.get(item)
            if label is None:
                label = _label(item)
                if scrub is not None:
                    label = scrub(label)
                if len(cache) < _MAX_CODES:
                    cache[item] = label
            parts.append(label)
        line = f"{';'.join(parts)} {count}"
        n = len(line.encode("utf-8", "replace")) + 1
        if size + n > max_bytes:
            continue  # a shorter, cooler stack may still fit
        lines.append(line)
        size += n
    return "\n".join(lines)


class SamplingProfiler:
    """Samples threads with an active span; see the module docstring.

    Bookkeeping is plain dict/list operations (atomic under the GIL), so span start/end on the
    app's threads never wait for the sampler. Memory is bounded by ``max_tracked_spans`` spans ×
    ``max_stacks_per_span`` stacks, plus ``max_process_stacks`` for the whole-process profile.
    """

    max_tracked_spans = 10_000
    max_process_stacks = 20_000

    def __init__(self, config: PerfConfig, scrub: Any = None) -> None:
        self.config = config
        self.interval = 1.0 / config.profiler_hz
        self.scrub = scrub
        self.process: Counter = Counter()
        self.samples = 0
        self.sampling_ns = 0  # wall time spent inside sample(): the profiler's own accounting of its cost
        self.event_ns = 0  # wall time spent ending spans (their profile events): the other part of the cost
        self.labels: dict[Any, str] = {}  # frame (code id) -> scrubbed label, shared by every span's event
        self.untracked_spans = 0  # spans not profiled because max_tracked_spans were open
        self._active: dict[int, list[int]] = {}  # thread id -> span ids active on it (innermost last)
        self._owner: dict[int, int] = {}  # span id -> thread id it started on
        self._spans: dict[int, Counter] = {}  # span id -> stacks
        self._stop = threading.Event()
        self._busy = threading.Event()  # set while the sampler thread has spans to sample; it sleeps on it otherwise
        self._thread: threading.Thread | None = None
        self._signal = False  # main-thread spans are sampled by SIGPROF
        self._by_signal: int | None = None  # the main thread's ident while signals sample it
        self._previous_handler: Any = None
        self._handler_installed = False  # our SIGPROF handler is in place (until stop() restores the previous)
        self._sampling = False  # a signal arriving during a sample is skipped, never nested
        self._main = threading.main_thread().ident
        self.mode: str | None = None  # "auto" (signal + thread) or "thread" once started
        self.wakeups = 0  # sampler-thread wake-ups
        self._started_ns = time.time_ns()
        self.errors = 0

    # -- span bookkeeping (called from the app's threads; dict ops are atomic) ------------
    def span_started(self, span_id: int) -> None:
        if len(self._spans) >= self.max_tracked_spans:
            self.untracked_spans += 1
            return
        tid = threading.get_ident()
        self._spans[span_id] = Counter()
        self._owner[span_id] = tid
        self._active.setdefault(tid, []).append(span_id)
        if tid != self._by_signal and not self._busy.is_set():
            self._busy.set()  # after the span is visible, so a sampler that just went idle sees it

    def span_ended(self, span_id: int) -> Counter | None:
        tid = self._owner.pop(span_id, None)
        if tid is not None:
            ids = self._active.get(tid)
            if ids is not None:
                with contextlib.suppress(ValueError):
                    ids.remove(span_id)
                if not ids:
                    self._active.pop(tid, None)
        return self._spans.pop(span_id, None)

    # -- sampler ---------------------------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        _install_timer_guards()  # before the timer is armed
        _running.add(self)
        self.mode = "auto" if self.config.profiler_mode == "auto" and self._start_signal() else "thread"
        self._start_thread()

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._run, name="otel-privacy-profiler", daemon=True)
        self._thread.start()

    def _disarm(self) -> None:
        """Stop main-thread sampling now: the timer off, late signals ignored (the handler stays)."""
        if self._signal:
            self._signal = False
            self._by_signal = None
            _disarm_timer()

    def _after_fork_in_child(self) -> None:
        """The child of a fork: only the forking thread survives, and no timer (POSIX: timers are not
        inherited). Keep its spans, forget the rest, re-arm the timer and start a sampler thread."""
        me = threading.get_ident()
        ids = list(self._active.get(me, ()))
        self._active = {me: ids} if ids else {}
        self._owner = {span_id: me for span_id in ids}
        self._spans = {span_id: Counter() for span_id in ids}  # the parent reports what it sampled
        self.process = Counter()
        self.samples = self.wakeups = self.errors = 0
        self._started_ns = time.time_ns()
        self._stop = threading.Event()  # the sampler thread may have held their locks at the fork
        self._busy = threading.Event()
        self._sampling = False
        self._main = threading.main_thread().ident  # the forking thread is the child's main thread
        if self._signal:
            self._by_signal = self._main
            signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        self._start_thread()

    def _start_signal(self) -> bool:
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return False
        try:
            current = signal.getsignal(signal.SIGPROF)
            if current not in (signal.SIG_DFL, None) and not _stopped_profiler_handler(current):
                return False  # another profiler owns SIGPROF
            self._previous_handler = signal.signal(signal.SIGPROF, self._on_signal)
            self._handler_installed = True
            signal.siginterrupt(signal.SIGPROF, False)  # SA_RESTART: the app's syscalls never see EINTR
            self._signal = True
            self._by_signal = self._main
            signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        except (OSError, ValueError):
            self._disarm()
            if self._handler_installed:
                self._handler_installed = False
                with contextlib.suppress(OSError, ValueError, TypeError):
                    signal.signal(signal.SIGPROF, self._previous_handler or signal.SIG_DFL)
            return False
        return True

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._busy.set()  # wake an idle sampler thread so it sees the stop
        _running.discard(self)
        self._disarm()
        # Off the main thread the handler stays installed, the timer off and a late signal ignored.
        if self._handler_installed and threading.current_thread() is threading.main_thread():
            self._handler_installed = False
            with contextlib.suppress(OSError, ValueError, TypeError):
                previous = self._previous_handler
                if _stopped_profiler_handler(previous):
                    previous = None  # a stopped profiler's leftover handler
                signal.signal(signal.SIGPROF, previous or signal.SIG_DFL)
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._signal or (self._thread is not None and self._thread.is_alive())

    def _on_signal(self, signum: int, frame: Any) -> None:
        if not self._signal or self._sampling:
            return
        self._sampling = True
        try:
            self.sample(main_frame=frame, only=self._main)
        except Exception:  # noqa: BLE001 - runs inside the app's main thread: must never raise there
            self.errors += 1
        finally:
            self._sampling = False

    def _has_work(self) -> bool:
        by_signal = self._by_signal
        if by_signal is None:
            return bool(self._active)
        return any(tid != by_signal for tid in list(self._active))  # list(): a copy, other threads may add

    def _run(self) -> None:
        if self._signal and hasattr(signal, "pthread_sigmask"):  # SIGPROF is for the main thread, not this one
            with contextlib.suppress(OSError, ValueError):
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
        me = threading.get_ident()
        interval = self.interval
        next_at = time.perf_counter()
        while not self._stop.is_set():
            if not self._has_work():  # idle: sleep until a span starts, with no timed wake-ups at all
                self._busy.clear()
                if not self._has_work() and not self._stop.is_set():
                    self._busy.wait()
                next_at = time.perf_counter()
                continue
            self.wakeups += 1
            try:
                self.sample(skip=me, also_skip=self._by_signal)
            except Exception:  # noqa: BLE001 - a sampler must never die on the app
                self.errors += 1
            next_at += interval
            delay = next_at - time.perf_counter()
            if delay < 0:  # fell behind (a long GIL hold): skip, don't burst
                next_at = time.perf_counter()
                delay = interval
            if delay <= 0.1:
                time.sleep(delay)  # the cheapest timed wait (an Event's costs a lock and a condition per call)
            else:
                self._stop.wait(delay)  # a low rate: stay responsive to stop()

    def sample(self, skip: int | None = None, main_frame: Any = None, only: int | None = None,
               also_skip: int | None = None) -> None:
        """Count one sample per thread with an active span (``only`` that thread; never ``skip`` or
        ``also_skip``). ``main_frame``: the main thread's frame when called from the signal handler (its
        entry in ``sys._current_frames`` would be the handler itself)."""
        if not self._active:
            return
        t0 = time.perf_counter_ns()
        frames: dict[int, Any] = {}
        try:
            registry = _CODES
            depth = self.config.max_stack_depth
            per_span_cap = self.config.max_stacks_per_span
            for tid, ids in list(self._active.items()):
                if tid in (skip, also_skip) or (only is not None and tid != only):
                    continue
                try:
                    span_id = ids[-1]
                except IndexError:  # the span ended while we looked
                    continue
                if main_frame is not None and tid == self._main:
                    frame = main_frame
                else:
                    if not frames:
                        frames = sys._current_frames()  # noqa: SLF001 - the documented way to sample stacks
                    frame = frames.get(tid)
                if frame is None:
                    continue
                codes = []
                while frame is not None and len(codes) < depth:
                    code = frame.f_code
                    cid = id(code)
                    if cid not in registry:
                        if len(registry) >= _MAX_CODES:
                            break  # registry full: keep the leaf part of the stack we could name
                        registry[cid] = code
                    codes.append(cid)
                    frame = frame.f_back
                stack = tuple(reversed(codes))
                self.samples += 1
                counter = self._spans.get(span_id)
                if counter is not None:
                    counter[stack if stack in counter or len(counter) < per_span_cap else _OTHER] += 1
                process = self.process
                process[stack if stack in process or len(process) < self.max_process_stacks else _OTHER] += 1
        finally:
            del frames, main_frame  # hold no frames (and so no locals) between samples
            self.sampling_ns += time.perf_counter_ns() - t0

    # -- output ----------------------------------------------------------------------------
    def write(self, path: str | os.PathLike, fmt: str = "auto") -> Path:
        out = Path(path)
        if fmt == "pprof" or (fmt == "auto" and out.name.endswith((".pb.gz", ".pprof"))):
            write_pprof(out, self.process, self.interval, self._started_ns, self.scrub)
        else:
            out.write_text(folded(self.process, 1 << 30, self.scrub, self.labels) + "\n", encoding="utf-8")
        return out


# -- the timer never outlives its handler (see the module docstring) ---------------------------
_running: weakref.WeakSet[SamplingProfiler] = weakref.WeakSet()  # started and not stopped, in this process
_guards_installed = False


def _disarm_timer() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        signal.setitimer(signal.ITIMER_PROF, 0, 0)


def _disarm_all() -> None:
    """atexit: the interpreter puts SIGPROF back to its default action during finalisation, after
    this hook; a timer still armed then would kill the process on its next tick."""
    for profiler in list(_running):
        profiler._disarm()
    _disarm_timer()


def _after_fork_in_child() -> None:
    for profiler in list(_running):
        try:
            profiler._after_fork_in_child()
        except Exception:  # noqa: BLE001 - a fork hook must never break the child
            profiler.errors += 1


def _signal_profiler() -> SamplingProfiler | None:
    return next((p for p in list(_running) if p._signal), None)


def _without_timer(exec_function: Any) -> Any:
    """``os.execv``/``os.execve`` with the timer disarmed first (it would survive into the new program,
    whose SIGPROF is back at the default action) and re-armed if ``exec`` fails and returns."""

    @functools.wraps(exec_function)
    def exec_without_timer(*args: Any, **kwargs: Any) -> Any:
        profiler = _signal_profiler()
        if profiler is None:
            return exec_function(*args, **kwargs)
        _disarm_timer()
        try:
            return exec_function(*args, **kwargs)
        finally:  # reached only when exec failed: this process goes on, and so does sampling
            if profiler._signal:
                with contextlib.suppress(OSError, ValueError):
                    signal.setitimer(signal.ITIMER_PROF, profiler.interval, profiler.interval)

    exec_without_timer.__wrapped_exec__ = exec_function  # type: ignore[attr-defined]
    return exec_without_timer


def _install_timer_guards() -> None:
    """Once per process: the atexit hook, the fork hook, and the exec wrappers (every ``os.exec*``
    goes through ``os.execv`` or ``os.execve``, looked up in ``os`` at call time)."""
    global _guards_installed
    if _guards_installed:
        return
    _guards_installed = True
    atexit.register(_disarm_all)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
    for name in ("execv", "execve"):
        original = getattr(os, name, None)
        if original is not None and not hasattr(original, "__wrapped_exec__"):
            setattr(os, name, _without_timer(original))


def _stopped_profiler_handler(handler: Any) -> bool:
    """``handler`` is a :class:`SamplingProfiler`'s SIGPROF handler left behind by a stop off the main thread."""
    return getattr(handler, "__func__", None) is SamplingProfiler._on_signal and not handler.__self__._signal


class ProfilerSpanProcessor(SpanProcessor):
    """Tracks active spans for the sampler and attaches each span's folded stacks when it ends."""

    def __init__(self, profiler: SamplingProfiler) -> None:
        self.profiler = profiler

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        try:
            self.profiler.span_started(span.context.span_id)
        except Exception:  # noqa: BLE001 - never break the app's span
            self.profiler.errors += 1

    def _on_ending(self, span: Span) -> None:
        t0 = time.perf_counter_ns()
        try:
            stacks = self.profiler.span_ended(span.context.span_id)
            if not stacks:
                return
            snapshot = dict(stacks)  # the sampler may hold this counter for one more sample
            text = folded(snapshot, self.profiler.config.max_folded_bytes, self.profiler.scrub, self.profiler.labels)
            event = Event("otel_privacy.profile", {
                "otel_privacy.profile.folded": text,
                "otel_privacy.profile.samples": sum(snapshot.values()),
                "otel_privacy.profile.stacks": len(snapshot),
                "otel_privacy.profile.hz": self.profiler.config.profiler_hz,
                "otel_privacy.profile.span_id": format_span_id(span.context.span_id),
            })
            span._events.append(event)  # noqa: SLF001 - the span is ending; the public API refuses now
        except Exception:  # noqa: BLE001
            self.profiler.errors += 1
        finally:
            self.profiler.event_ns += time.perf_counter_ns() - t0

    def on_end(self, span: ReadableSpan) -> None:
        with contextlib.suppress(Exception):  # SDKs without _on_ending: at least forget the span
            self.profiler.span_ended(span.context.span_id)

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


# -- pprof (perftools.profiles.Profile), hand-encoded: no generated code needed ---------------
def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field_varint(field: int, n: int) -> bytes:
    return _varint(field << 3) + _varint(n)


def _field_bytes(field: int, data: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _packed(field: int, values: list[int]) -> bytes:
    return _field_bytes(field, b"".join(_varint(v) for v in values))


def write_pprof(path: Path, stacks: Counter, interval: float, start_ns: int, scrub: Any = None) -> None:
    """Write ``stacks`` as a gzipped pprof Profile (sample type samples/count, period in ns)."""
    strings: dict[str, int] = {"": 0}

    def s(text: str) -> int:
        if text not in strings:
            strings[text] = len(strings)
        return strings[text]

    for fixed in ("samples", "count", "cpu", "nanoseconds"):
        s(fixed)  # every string is registered before the table is written
    functions: dict[Any, int] = {}
    out = bytearray()
    out += _field_bytes(1, _field_varint(1, s("samples")) + _field_varint(2, s("count")))
    for stack, count in stacks.items():
        location_ids = []
        for code in reversed(stack):  # pprof lists the leaf first
            fid = functions.get(code)
            if fid is None:
                fid = functions[code] = len(functions) + 1
            location_ids.append(fid)  # one location per function (line-less profile)
        out += _field_bytes(2, _packed(1, location_ids) + _packed(2, [count]))
    for code, fid in functions.items():
        if isinstance(code, (int, CodeType)):
            label = _label(code)
            name = label.rsplit(":", 1)[-1]
            filename = label.rsplit(":", 1)[0]
        else:
            name, filename = str(code), ""
        if scrub is not None:
            name, filename = scrub(name), scrub(filename)
        out += _field_bytes(4, _field_varint(1, fid) + _field_bytes(4, _field_varint(1, fid)))
        out += _field_bytes(5, _field_varint(1, fid) + _field_varint(2, s(name)) + _field_varint(3, s(name))
                            + _field_varint(4, s(filename)))
    for text in strings:  # insertion order = index order
        out += _field_bytes(6, text.encode())
    out += _field_varint(9, start_ns)
    out += _field_varint(10, max(0, time.time_ns() - start_ns))
    out += _field_bytes(11, _field_varint(1, s("cpu")) + _field_varint(2, s("nanoseconds")))
    out += _field_varint(12, int(interval * 1e9))
    path.write_bytes(gzip.compress(bytes(out)))

