"""Performance capture on real workloads: CPU vs sleep, GC pauses, profiler samples, exceptions, arguments.

Assertions are about behaviour (where CPU and samples go), with wide margins: these machines are
shared and noisy, and tests never assert wall-clock speed.
"""

from __future__ import annotations

import gc
import gzip
import threading
import time

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_privacy import PrivacySpanProcessor, Redactor, configure, trace_function
from otel_privacy.perf import PerfConfig, install_perf
from otel_privacy.perf.spans import PREFIX


def cpu_work(seconds: float) -> int:
    end = time.thread_time() + seconds
    n = 0
    while time.thread_time() < end:
        n += sum(i * i for i in range(200))
    return n


@pytest.fixture
def traced():
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(exporter), policy="default"))
    captures = []

    def install(**cfg):
        capture = install_perf(tp, None, PerfConfig(enabled=True, **cfg), Redactor("default"))
        captures.append(capture)
        return capture

    yield tp, exporter, install
    for c in captures:
        c.shutdown()


def _span(exporter, name):
    return next(s for s in exporter.get_finished_spans() if s.name == name)


def test_cpu_bound_vs_sleeping_spans(traced):
    tp, exporter, install = traced
    install()
    tracer = tp.get_tracer("t")
    with tracer.start_as_current_span("busy"):
        c0 = time.thread_time()
        cpu_work(0.15)
        burned = time.thread_time() - c0  # what the workload really used (wall time varies with load)
    with tracer.start_as_current_span("sleepy"):
        time.sleep(0.15)
    busy = _span(exporter, "busy").attributes
    sleepy = _span(exporter, "sleepy").attributes
    assert 0.9 * burned * 1000 <= busy[PREFIX + "cpu.thread_ms"] <= burned * 1000 + 20  # the span's CPU
    assert sleepy[PREFIX + "cpu.thread_ms"] < 0.2 * 150  # near zero for sleep
    assert busy[PREFIX + "cpu.process_share"] > sleepy[PREFIX + "cpu.process_share"]


def test_nested_spans_are_inclusive_and_cross_thread_spans_are_marked(traced):
    tp, exporter, install = traced
    install()
    tracer = tp.get_tracer("t")
    with tracer.start_as_current_span("outer"):
        with tracer.start_as_current_span("inner"):
            cpu_work(0.05)
        cpu_work(0.05)
    outer = _span(exporter, "outer").attributes[PREFIX + "cpu.thread_ms"]
    inner = _span(exporter, "inner").attributes[PREFIX + "cpu.thread_ms"]
    assert outer >= inner > 0
    span = tracer.start_span("handoff")
    worker = threading.Thread(target=span.end)
    worker.start()
    worker.join()
    handoff = _span(exporter, "handoff").attributes
    assert handoff[PREFIX + "cpu.measured"] is False and PREFIX + "cpu.thread_ms" not in handoff


def test_gc_pauses_are_attributed_to_the_span(traced):
    tp, exporter, install = traced
    install()
    with tp.get_tracer("t").start_as_current_span("collect"):
        junk = []
        for _ in range(20000):
            a, b = [], []
            a.append(b)
            b.append(a)
            junk.append(a)
        del junk
        gc.collect()
    with tp.get_tracer("t").start_as_current_span("quiet"):
        pass
    attrs = _span(exporter, "collect").attributes
    assert attrs[PREFIX + "gc.collections"] >= 1 and attrs[PREFIX + "gc.pause_ms"] > 0
    assert PREFIX + "gc.collections" not in _span(exporter, "quiet").attributes


def hot_loop(seconds: float) -> int:
    return cpu_work(seconds)


def test_profiler_samples_land_in_the_hot_function_of_the_span(traced, tmp_path):
    tp, exporter, install = traced
    out = tmp_path / "profile.pb.gz"
    capture = install(profiler=True, profiler_hz=200, profile_output=str(out))
    with tp.get_tracer("t").start_as_current_span("profiled"):
        hot_loop(0.4)
    event = next(e for e in _span(exporter, "profiled").events if e.name == "otel_privacy.profile")
    samples = event.attributes["otel_privacy.profile.samples"]
    assert samples >= 10
    lines = event.attributes["otel_privacy.profile.folded"].splitlines()
    in_hot = sum(int(line.rsplit(" ", 1)[1]) for line in lines if "hot_loop" in line)
    assert in_hot >= 0.6 * samples
    assert "test_perf.py:hot_loop" in lines[0]  # frames keep file and function
    capture.shutdown()
    assert not capture.profiler.running
    assert not any(t.name == "otel-privacy-profiler" for t in threading.enumerate())
    data = gzip.decompress(out.read_bytes())
    assert b"hot_loop" in data and b"samples" in data and b"nanoseconds" in data
    # a well-formed pprof: parse its top-level fields with a minimal wire-format reader
    fields = _wire_fields(data)
    assert {1, 2, 4, 5, 6, 11, 12} <= set(fields)


def _wire_fields(data: bytes) -> dict[int, int]:
    i, out = 0, {}

    def varint() -> int:
        nonlocal i
        shift = n = 0
        while True:
            b = data[i]
            i += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    while i < len(data):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            varint()
        elif wire == 2:
            length = varint()  # (not `i += varint()`: that would read i before varint moves it)
            i += length
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        out[field] = out.get(field, 0) + 1
    return out


def test_exceptions_keep_frames_and_lose_secrets(traced):
    tp, exporter, install = traced

    @trace_function(tracer_provider=tp, capture_locals=True)
    def charge(order):
        token = "sk_live_51Hc4c1e9a77b2d8f0e1a3b5c7"  # noqa: F841 - a local the capture must redact
        raise PermissionError("card 4111111111111111 declined for alice@example.com, password=hunter2")

    with pytest.raises(PermissionError):
        charge(42)
    span = _span(exporter, "test_exceptions_keep_frames_and_lose_secrets.<locals>.charge")
    event = next(e for e in span.events if e.name == "exception")
    dump = repr(dict(event.attributes))
    for secret in ("4111111111111111", "alice@example.com", "hunter2", "sk_live_51Hc4c1e9a77b2d8f0e1a3b5c7"):
        assert secret not in dump
    assert event.attributes["exception.type"] == "PermissionError"
    stack = event.attributes["exception.stacktrace"]
    assert "in charge" in stack and "test_perf.py" in stack and "line" in stack
    assert any(line.startswith("token: str = ") for line in event.attributes["otel_privacy.exception.locals"])
    assert span.status.status_code.name == "ERROR"


def test_argument_capture_redacts_and_names_the_class():
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(exporter))

    class Payments:
        @trace_function(capture_args=True, tracer_provider=tp)
        def authorize(self, card_number: str, amount: float, password: str, note: str = ""):
            return amount

    assert Payments().authorize("4111 1111 1111 1111", 9.5, password="hunter2", note="mail bob@example.com") == 9.5
    attrs = exporter.get_finished_spans()[0].attributes
    assert attrs["code.namespace"].endswith("Payments") and attrs["code.function.name"] == "authorize"
    assert attrs["otel_privacy.args.password.value"] == "REDACTED"
    assert "4111" not in attrs["otel_privacy.args.card_number.value"]
    assert "bob@example.com" not in attrs["otel_privacy.args.note.value"]
    assert attrs["otel_privacy.args.amount.value"] == "9.5" and attrs["otel_privacy.args.amount.type"] == "float"
    assert "otel_privacy.args.self.value" not in attrs

    @trace_function(tracer_provider=tp)
    async def fetch(url):
        return url

    import asyncio

    assert asyncio.run(fetch("u")) == "u"
    with trace_function("step", tracer_provider=tp):
        pass
    assert {s.name for s in exporter.get_finished_spans()} >= {"step"}
    assert any(s.name.endswith("fetch") for s in exporter.get_finished_spans())


def test_configure_perf_end_to_end_with_process_metrics(monkeypatch):
    exporter = InMemorySpanExporter()
    reader = InMemoryMetricReader()
    providers = configure("default", set_global=False, span_exporters=[exporter], metrics_enabled=False,
                          logs=False, perf={"profiler": False, "process_metrics": False})
    try:
        with providers.tracer_provider.get_tracer("t").start_as_current_span("work"):
            cpu_work(0.02)
        providers.force_flush()
        attrs = exporter.get_finished_spans()[0].attributes
        assert attrs[PREFIX + "cpu.thread_ms"] > 0 and attrs["otel_privacy.policy"]
    finally:
        providers.shutdown()
    # process metrics through the official system-metrics instrumentation plus GC pause time
    from opentelemetry.sdk.metrics import MeterProvider

    mp = MeterProvider(metric_readers=[reader])
    capture = install_perf(None, mp, PerfConfig(enabled=True, process_metrics=True), Redactor("default"))
    try:
        gc.collect()
        names = {m.name for rm in reader.get_metrics_data().resource_metrics for sm in rm.scope_metrics
                 for m in sm.metrics}
        assert {"process.runtime.gc.pause_time", "process.memory.usage", "process.thread.count"} <= names
    finally:
        capture.shutdown()
        mp.shutdown()


def test_env_switches_override(monkeypatch):
    monkeypatch.setenv("OTEL_PRIVACY_PERF_PROFILER", "true")
    monkeypatch.setenv("OTEL_PRIVACY_PERF_PROFILER_HZ", "50")
    monkeypatch.setenv("OTEL_PRIVACY_PERF_GC", "false")
    cfg = PerfConfig.resolve(True, {"cpu": True})
    assert cfg.enabled and cfg.profiler and cfg.profiler_hz == 50 and not cfg.gc
    assert not PerfConfig.resolve(None, None).enabled
    monkeypatch.setenv("OTEL_PRIVACY_PERF_ENABLED", "false")
    assert not PerfConfig.resolve(True, None).enabled
