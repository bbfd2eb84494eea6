"""Graceful stop: everything recorded before a stop is sent within one deadline, and the app stops as it would.

* **One deadline.** Shutting down traces, logs and metrics shares one budget
  (``OTEL_PRIVACY_SHUTDOWN_TIMEOUT`` seconds or ``configure(shutdown_timeout=...)``, default 5) —
  at ``PrivacyProviders.shutdown()``, at interpreter exit, or on a signal whose default action kills the
  process. The three pipelines shut down in parallel; at the deadline their exporters are told to stop
  retrying and the process goes on exiting. A flush on a signal the app handles itself has its own
  budget of the same length, so an app whose graceful stop takes longer still gets its final shutdown.
  (The SDK alone gives each signal's exporter its own ~10 s of retries at exit: ~30 s with the
  collector unreachable.)
* **Counted, reported once.** Every pipeline counts what it was handed and what its exporter delivered;
  at shutdown one warning names what could not be sent (``otel_privacy`` logger, stderr if the app has
  no handler), instead of a line per retry.
* **Signals chained, never replaced** (``configure(handle_signals=...)``, ``OTEL_PRIVACY_HANDLE_SIGNALS``,
  default on; main thread only). For SIGTERM and SIGINT whose action is the *default* (the process dies,
  ``atexit`` never runs), our handler first shuts everything down within the deadline, then restores the
  default and re-raises the signal: same exit status as without us. For a handler the app (or its
  framework) installed before ``configure()``, ours flushes within the deadline and then calls it.
  Python's own SIGINT handler (``KeyboardInterrupt``) and ignored signals are left alone — the interpreter
  then exits through ``atexit``, where the same bounded shutdown runs. A framework that installs its own
  handlers *after* us (uvicorn, gunicorn) replaces ours and exits normally, through ``atexit``; uvicorn
  re-raises the signal to the handler it found — ours — after its graceful stop, which then ends as above.
  A second signal while we flush skips the rest of the flush.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .logging_bridge import warn_where_the_app_sees_it

__all__ = ["DEFAULT_SHUTDOWN_TIMEOUT", "Delivery", "CountingProcessor", "AccountedExporter", "GracefulStop",
           "resolve_shutdown_timeout", "resolve_handle_signals"]

_log = logging.getLogger("otel_privacy")

DEFAULT_SHUTDOWN_TIMEOUT = 5.0
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_STOP_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGINT", None)) if s is not None)


def resolve_shutdown_timeout(value: float | None) -> float:
    """``value``, else ``OTEL_PRIVACY_SHUTDOWN_TIMEOUT`` (seconds), else the default; never negative."""
    if value is None:
        raw = os.environ.get("OTEL_PRIVACY_SHUTDOWN_TIMEOUT", "").strip()
        if not raw:
            return DEFAULT_SHUTDOWN_TIMEOUT
        try:
            value = float(raw)
        except ValueError:
            _log.warning("otel-privacy: OTEL_PRIVACY_SHUTDOWN_TIMEOUT=%r is not a number of seconds; using %s",
                         raw, DEFAULT_SHUTDOWN_TIMEOUT)
            return DEFAULT_SHUTDOWN_TIMEOUT
    return max(0.0, float(value))


def resolve_handle_signals(value: bool | None, default: bool = True) -> bool:
    """``value``, else ``OTEL_PRIVACY_HANDLE_SIGNALS`` (true/false), else ``default``."""
    if value is not None:
        return bool(value)
    raw = os.environ.get("OTEL_PRIVACY_HANDLE_SIGNALS", "").strip().lower()
    if not raw:
        return default
    if raw not in _TRUE + _FALSE:
        _log.warning("otel-privacy: OTEL_PRIVACY_HANDLE_SIGNALS=%r: expected true/false; using %s", raw, default)
        return default
    return raw in _TRUE


# -- accounting --------------------------------------------------------------------------------
class Delivery:
    """One pipeline's counts: records handed to it, delivered by its exporter, in failed exports."""

    def __init__(self, signal_name: str, unit: str) -> None:
        self.signal = signal_name
        self.unit = unit  # "span", "log record", "metric point"
        self.accepted = 0  # handed to the batch processor (spans, logs); metric points offered to export
        self.sent = 0
        self.failed = 0

    def unsent(self) -> int:
        """Accepted but never delivered: failed, dropped by a full queue, still queued or in flight."""
        return max(0, self.accepted - self.sent)


class CountingProcessor:
    """In front of the batch processor (behind the privacy processor, where records are redacted as copies):
    counts what enters the queue. Where the exporter redacts at export it sits on the provider itself."""

    def __init__(self, downstream: Any, delivery: Delivery) -> None:
        self.downstream = downstream
        self.delivery = delivery

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.downstream.on_start(span, parent_context=parent_context)

    def _on_ending(self, span: Any) -> None:
        # SDK >= 1.33 calls this on every processor of the provider while the span is still writable
        hook = getattr(self.downstream, "_on_ending", None)
        if hook is not None:
            hook(span)

    def on_end(self, span: Any) -> None:
        if span.context is not None and span.context.trace_flags.sampled:  # the batch processor drops the rest
            self.delivery.accepted += 1
        self.downstream.on_end(span)

    def on_emit(self, log_record: Any) -> None:
        self.delivery.accepted += 1
        self.downstream.on_emit(log_record)

    def emit(self, log_record: Any) -> None:  # pragma: no cover - SDK < 1.35
        self.on_emit(log_record)

    def shutdown(self) -> None:
        self.downstream.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.downstream.force_flush(timeout_millis)


def _size(batch: Any) -> int:
    if hasattr(batch, "resource_metrics"):  # MetricsData: count data points
        return sum(len(m.data.data_points) for rm in batch.resource_metrics for sm in rm.scope_metrics
                   for m in sm.metrics)
    return len(batch)


class AccountedExporter:
    """Wraps an exporter: counts delivered and failed records; ``shutdown()`` passes on once."""

    def __init__(self, exporter: Any, delivery: Delivery) -> None:
        self.exporter = exporter
        self.delivery = delivery
        self._shut = False
        self._shut_lock = threading.Lock()

    def export(self, batch: Any, *args: Any, **kwargs: Any) -> Any:
        n = _size(batch)
        metrics = self.delivery.signal == "metrics"
        if metrics:
            self.delivery.accepted += n
        try:
            result = self.exporter.export(batch, *args, **kwargs)
        except Exception:
            self.delivery.failed += n
            raise
        if getattr(result, "name", "") == "SUCCESS":  # Span/LogRecord/MetricExportResult alike
            self.delivery.sent += n
        else:
            self.delivery.failed += n
        return result

    def shutdown(self, *args: Any, **kwargs: Any) -> None:
        with self._shut_lock:
            if self._shut:
                return
            self._shut = True
        self.exporter.shutdown(*args, **kwargs)

    def force_flush(self, *args: Any, **kwargs: Any) -> Any:
        return self.exporter.force_flush(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # temporality/aggregation preferences, endpoint, ...
        return getattr(self.exporter, name)


# -- bounded work --------------------------------------------------------------------------------
def _run_bounded(steps: Iterable[Callable[[], Any]], timeout: float) -> bool:
    """Run ``steps`` in parallel daemon threads; True if all finished within ``timeout``.

    Where threads cannot be started (late interpreter shutdown) the steps run inline: each SDK
    shutdown is itself bounded by the timeout it is given, and the exporters stop retrying then.
    """
    end = time.monotonic() + timeout
    threads: list[threading.Thread] = []
    for step in steps:
        thread = threading.Thread(target=_quietly(step), name="otel-privacy-shutdown", daemon=True)
        try:
            thread.start()
        except RuntimeError:
            _quietly(step)()
            continue
        threads.append(thread)
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    return not any(t.is_alive() for t in threads)


def _quietly(step: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - shutting down must not raise into the app
            _log.debug("otel-privacy: shutdown step failed: %r", exc)

    return run


class _Muted(logging.Filter):
    """Drops the exporters' per-attempt retry lines while we shut down; we report once instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


_EXPORTER_LOGGERS = ("opentelemetry.exporter", "opentelemetry.sdk._shared_internal",
                     "opentelemetry.sdk.trace.export", "opentelemetry.sdk._logs._internal.export",
                     "opentelemetry.sdk.metrics._internal.export")


class _MutedExporterLoggers:
    """Logger filters apply to records logged on that very logger: mute every existing exporter logger.
    ``keep=True`` leaves them muted: after a shutdown that hit its deadline, exporter threads may still
    be retrying, and what they say is about records already counted in our report."""

    def __init__(self) -> None:
        names = [n for n in list(logging.Logger.manager.loggerDict) if n.startswith(_EXPORTER_LOGGERS)]
        self.loggers = [logging.getLogger(n) for n in names]
        self.filter = _Muted()
        self.keep = False

    def __enter__(self) -> _MutedExporterLoggers:
        for logger in self.loggers:
            logger.addFilter(self.filter)
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self.keep:
            for logger in self.loggers:
                logger.removeFilter(self.filter)


# -- the graceful stop ---------------------------------------------------------------------------
class GracefulStop:
    """Owns the shutdown deadline, the chained signal handlers and the loss report of one ``configure()``."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.deliveries: list[Delivery] = []
        self.exporters: list[AccountedExporter] = []
        self.flushes: list[Callable[[float], Any]] = []  # force_flush(timeout_s) per provider
        self.shutdowns: list[Callable[[float], Any]] = []  # shutdown(timeout_s) per provider
        self.first: list[Callable[[], Any]] = []  # before the providers: profiler, logging bridge
        self.deadline_hit = False
        self.reported = False
        self._lock = threading.Lock()
        self._shut = False
        self._in_signal = False
        self._previous: dict[int, Any] = {}

    def flush(self) -> bool:
        """Flush every pipeline within the budget; False if the deadline was reached."""
        with _MutedExporterLoggers():
            budget = self.timeout
            done = _run_bounded([lambda f=f: f(budget) for f in self.flushes], budget)
        self.deadline_hit |= not done
        return done

    def shutdown(self) -> None:
        """Shut everything down within the budget (once); report what could not be sent."""
        with self._lock:
            if self._shut:
                return
            self._shut = True
        with _MutedExporterLoggers() as muted:
            for step in self.first:
                _quietly(step)()
            budget = self.timeout
            done = _run_bounded([lambda s=s: s(budget) for s in self.shutdowns], budget)
            if not done:  # stop the retries still sleeping in exporter threads
                self.deadline_hit = muted.keep = True
                for exporter in self.exporters:
                    _quietly(exporter.shutdown)()
        self.restore_signals()
        self.report()

    def report(self) -> None:
        """One warning line for what never reached the collector, if anything."""
        if self.reported:
            return
        self.reported = True
        lost: dict[str, int] = {}
        for d in self.deliveries:
            if d.unsent():
                lost[d.unit] = lost.get(d.unit, 0) + d.unsent()
        if not lost:
            return
        what = ", ".join(f"{n} {unit}{'' if n == 1 else 's'}" for unit, n in lost.items())
        why = (f"the {self.timeout:g} s shutdown deadline was reached (OTEL_PRIVACY_SHUTDOWN_TIMEOUT)"
               if self.deadline_hit else "the exporter could not deliver them")
        with contextlib.suppress(Exception):
            warn_where_the_app_sees_it(_log, "otel-privacy: %s could not be sent: %s", what, why)

    # -- signals -------------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        """Chain SIGTERM/SIGINT (main thread only; see the module docstring for which are left alone)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in _STOP_SIGNALS:
            try:
                previous = signal.getsignal(signum)
                if previous in (signal.SIG_IGN, None) or previous is signal.default_int_handler:
                    continue  # ignored, set from C (cannot chain), or KeyboardInterrupt → atexit runs
                signal.signal(signum, self._on_signal)
                self._previous[signum] = previous
            except (OSError, ValueError, TypeError):
                continue

    def restore_signals(self) -> None:
        """Put back the handlers we replaced, where ours is still the current one."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, previous in list(self._previous.items()):
            with contextlib.suppress(OSError, ValueError, TypeError):
                if signal.getsignal(signum) == self._on_signal:
                    signal.signal(signum, previous)
            self._previous.pop(signum, None)

    def _on_signal(self, signum: int, frame: Any) -> None:
        previous = self._previous.get(signum, signal.SIG_DFL)
        if not self._in_signal:  # a second signal while we flush: straight to the app's action
            self._in_signal = True
            try:
                if previous == signal.SIG_DFL:
                    self.shutdown()  # the process is about to die: atexit will not run
                else:
                    self.flush()
            except Exception:  # noqa: BLE001 - a signal handler of ours must never raise into the app
                pass
            finally:
                self._in_signal = False
        if previous == signal.SIG_DFL:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)  # the default action: die by this signal, as without us
            return
        if callable(previous):
            previous(signum, frame)
