"""Graceful stop: what was recorded before SIGTERM/SIGINT reaches the collector, the app ends exactly as
without us (exit code, output), and an unreachable collector costs one bounded deadline and one line.

The batch and metric intervals are set to a minute, so data can only reach the sink through the flush
our stop performs. Each app run is compared with the same app without OpenTelemetry.
"""

from __future__ import annotations

import functools
import logging
import signal

import pytest

from app_support import APPS, app_env, command, log_records, metric_names, run_to_end, running, spans
from otel_privacy import configure
from otlp_sink import OtlpSink, ReservedPort

SCRIPT = str(APPS / "stop_app.py")
SLOW_BATCHES = {"OTEL_BSP_SCHEDULE_DELAY": "60000", "OTEL_BLRP_SCHEDULE_DELAY": "60000",
                "OTEL_METRIC_EXPORT_INTERVAL": "60000"}

CASES = {  # name: (setup, signal, the app's own handler or the default action)
    "configure, SIGTERM, default action": ("configure", signal.SIGTERM, "default"),
    "configure, SIGINT, KeyboardInterrupt": ("configure", signal.SIGINT, "default"),
    "configure, SIGTERM, app handler": ("configure", signal.SIGTERM, "app"),
    "configure, SIGINT, app handler": ("configure", signal.SIGINT, "app"),
    "zero-code, SIGTERM, default action": ("zero-code", signal.SIGTERM, "default"),
    "zero-code, SIGINT, KeyboardInterrupt": ("zero-code", signal.SIGINT, "default"),
    "zero-code, SIGTERM, app handler": ("zero-code", signal.SIGTERM, "app"),
}


def _stop(setup: str, signum: int, handler: str, endpoint: str | None, **env: str) -> tuple[int, str, str]:
    with running(command(setup, SCRIPT), app_env(setup, endpoint, APP_HANDLER=handler, **SLOW_BATCHES,
                                                 **env)) as app:
        app.wait_for_output("ready\n")  # the whole line: print writes the newline separately
        code = app.stop(signum)
        return code, app.stdout, app.stderr


@functools.cache
def _baseline(signum: int, handler: str) -> tuple[int, str, str]:
    return _stop("none", signum, handler, None)


@pytest.mark.parametrize("case", list(CASES))
def test_a_stop_signal_flushes_everything_and_the_app_ends_as_without_us(case):
    setup, signum, handler = CASES[case]
    with OtlpSink() as sink:
        code, out, err = _stop(setup, signum, handler, sink.endpoint)
        assert sink.wait_for(lambda: spans(sink) and log_records(sink) and metric_names(sink), timeout=5)
        assert "before-stop" in [name for name, _ in spans(sink)]
        assert [body for _, _, body in log_records(sink)] == ["recorded before the stop"]
        assert "jobs.done" in metric_names(sink)
    assert (code, out, err) == _baseline(signum, handler)
    assert code == {("default", signal.SIGTERM): -signal.SIGTERM, ("default", signal.SIGINT): -signal.SIGINT,
                    ("app", signal.SIGTERM): 0, ("app", signal.SIGINT): 0}[handler, signum]


def test_with_signal_handling_switched_off_a_sigterm_loses_the_last_batches():
    """The switch works, and shows what it is for: the default action kills the process before any flush."""
    with OtlpSink() as sink:
        code, _, _ = _stop("configure", signal.SIGTERM, "default", sink.endpoint,
                           OTEL_PRIVACY_HANDLE_SIGNALS="false")
        assert code == -signal.SIGTERM
        assert not spans(sink) and not log_records(sink)


@pytest.mark.parametrize("setup", ["configure", "zero-code"])
def test_an_unreachable_collector_costs_one_deadline_and_one_line(setup):
    down = ReservedPort()  # refuses connections: every export fails and the exporter retries with backoff
    try:
        app = run_to_end(command(setup, SCRIPT), app_env(setup, down.endpoint, APP_RUN="once", **SLOW_BATCHES,
                                                         OTEL_PRIVACY_SHUTDOWN_TIMEOUT="1"))
        try:
            code, out, err = app.returncode, app.stdout, app.stderr
        finally:
            app.close()
    finally:
        down.release()
    base = run_to_end(command("none", SCRIPT), app_env("none", None, APP_RUN="once"))
    try:
        assert (code, out) == (base.returncode, base.stdout) == (0, base.stdout)
        extra = [line for line in err.splitlines() if line not in base.stderr.splitlines()]
    finally:
        base.close()
    assert len(extra) == 1, err  # no line per retry, no line per signal
    assert "1 span, 1 log record, 1 metric point could not be sent" in extra[0]
    assert "1 s shutdown deadline was reached" in extra[0]


def test_shutdown_timeout_argument_bounds_the_shutdown_and_counts_what_was_lost(caplog):
    down = ReservedPort()
    try:
        providers = configure("default", service_name="t", endpoint=down.endpoint, set_global=False,
                              metrics_enabled=False, capture_logging=False, shutdown_timeout=0.3)
        with providers.tracer_provider.get_tracer("t").start_as_current_span("lost"):
            pass
        with caplog.at_level(logging.WARNING, logger="otel_privacy"):
            providers.shutdown()
            providers.shutdown()  # a second stop (a signal, then atexit) reports nothing more
    finally:
        down.release()
    stop = providers.graceful_stop
    assert stop.timeout == 0.3 and stop.deadline_hit
    assert {d.signal: d.unsent() for d in stop.deliveries} == {"traces": 1, "logs": 0}
    reports = [r.getMessage() for r in caplog.records if "could not be sent" in r.getMessage()]
    assert reports == ["otel-privacy: 1 span could not be sent: the 0.3 s shutdown deadline was reached "
                       "(OTEL_PRIVACY_SHUTDOWN_TIMEOUT)"]


def test_a_healthy_collector_gets_everything_and_nothing_is_reported(caplog):
    with OtlpSink() as sink:
        providers = configure("default", service_name="t", endpoint=sink.endpoint, set_global=False,
                              metric_export_interval_ms=60_000, capture_logging=False)
        with providers.tracer_provider.get_tracer("t").start_as_current_span("kept"):
            providers.meter_provider.get_meter("t").create_counter("n").add(2)
        with caplog.at_level(logging.WARNING, logger="otel_privacy"):
            providers.shutdown()
        assert [name for name, _ in spans(sink)] == ["kept"] and "n" in metric_names(sink)
    stop = providers.graceful_stop
    assert not stop.deadline_hit and all(d.unsent() == 0 for d in stop.deliveries)
    assert sum(d.sent for d in stop.deliveries) >= 2
    assert not [r for r in caplog.records if "could not be sent" in r.getMessage()]
