"""Logging with us is the app's logging: one OpenTelemetry handler however many ways log export is switched on,
the app's handlers, levels, basicConfig/dictConfig and console output unchanged, every record exported once.

Each case runs ``tests/apps/logging_app.py`` with otel-privacy (``configure()`` with the given extra ways of
enabling log export, or zero-code) and compares it with the same script without OpenTelemetry.
"""

from __future__ import annotations

import functools

import pytest

from app_support import APPS, app_env, command, log_records, run_to_end
from otlp_sink import OtlpSink

SCRIPT = str(APPS / "logging_app.py")
# Records each logging style lets through (the app's levels decide; INFO only where the app asked for it).
EXPORTED = {"basicConfig": 5, "dictConfig": 4, "none": 4}

CASES = {  # name: (setup, logging style, ways log export is switched on in configure mode)
    "configure": ("configure", "basicConfig", "configure"),
    "configure + LoggingInstrumentor after": ("configure", "basicConfig", "configure,instrumentor"),
    "LoggingInstrumentor before configure": ("configure", "basicConfig", "instrumentor-first"),
    "configure twice": ("configure", "basicConfig", "configure-twice"),
    "configure + SDK LoggingHandler by hand": ("configure", "basicConfig", "sdk-handler"),
    "configure + instrumentor, dictConfig": ("configure", "dictConfig", "configure,instrumentor"),
    "configure, no logging config (lastResort)": ("configure", "none", "configure"),
    "zero-code, basicConfig": ("zero-code", "basicConfig", ""),
    "zero-code, dictConfig": ("zero-code", "dictConfig", ""),
    "zero-code, no logging config (lastResort)": ("zero-code", "none", ""),
}


@functools.cache
def _baseline(style: str) -> tuple[int, str, str]:
    app = run_to_end(command("none", SCRIPT), app_env("none", None, APP_LOGGING=style))
    try:
        return app.returncode, app.stdout, app.stderr
    finally:
        app.close()


@pytest.mark.parametrize("case", list(CASES))
def test_logging_behaves_as_without_us_and_each_record_is_exported_once(case):
    setup, style, ways = CASES[case]
    with OtlpSink() as sink:
        app = run_to_end(command(setup, SCRIPT), app_env(setup, sink.endpoint, APP_LOGGING=style, APP_WAYS=ways,
                                                          OTEL_METRICS_EXPORTER="none"))
        try:
            seen = (app.returncode, app.stdout, app.stderr)
        finally:
            app.close()
        records = log_records(sink)
        wire = sink.raw()
    assert seen == _baseline(style), "the app's exit code or console output changed"
    bodies = [body for _, _, body in records]
    assert len(records) == EXPORTED[style] and len(set(bodies)) == len(bodies), records  # each exactly once
    severities = {body.split(" ")[0]: severity for severity, _, body in records}
    if style != "none":
        assert severities["order"] == "INFO"  # the app's level decides, not a default WARNING
    assert {scope for _, scope, _ in records} <= {"shop", "shop.noisy"}
    for secret in (b"carol@example.com", b"4111 1111 1111 1111", b"dave@example.com"):
        assert secret not in wire
    assert any("job failed" in body for body in bodies)
