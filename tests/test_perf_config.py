"""configure(perf=...) end to end, the env switches, and process metrics."""

from __future__ import annotations

import gc
import threading

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_privacy import Redactor, configure, trace_function
from otel_privacy.perf import PerfConfig, install_perf
from otel_privacy.perf.spans import PREFIX
from perf_support import cpu_work


@pytest.fixture(autouse=True)
def _no_otlp(monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")  # only the in-memory exporters given below


def test_configure_perf_end_to_end_through_the_privacy_processor(tmp_path):
    exporter = InMemorySpanExporter()
    out = tmp_path / "p.pb.gz"
    providers = configure("default", set_global=False, span_exporters=[exporter], metrics_enabled=False,
                          logs=False, perf={"profiler": True, "profiler_hz": 200, "profile_output": str(out)})
    tp = providers.tracer_provider

    @trace_function(capture_args=True, tracer_provider=tp)
    def work(password):
        cpu_work(0.15)

    try:
        with tp.get_tracer("t").start_as_current_span("request"):
            work("hunter2")
        providers.force_flush()
        spans = {s.name: s for s in exporter.get_finished_spans()}
        req = spans["request"]
        assert req.attributes[PREFIX + "cpu.thread_ms"] > 0 and req.resource.attributes["otel_privacy.policy"]
        inner = next(s for n, s in spans.items() if n.endswith("work"))
        assert any(e.name == "otel_privacy.profile" for e in inner.events)  # samples go to the innermost span
        assert inner.attributes["otel_privacy.args.password.value"] == "REDACTED"
        assert "hunter2" not in repr([dict(s.attributes) for s in spans.values()])
    finally:
        providers.shutdown()  # PerfCapture is in providers.extras: stops the sampler, writes the profile
    assert out.exists() and out.stat().st_size > 0
    assert not any(t.name == "otel-privacy-profiler" for t in threading.enumerate())


def test_policy_perf_section_turns_capture_on():
    exporter = InMemorySpanExporter()
    policy = {"name": "p", "extends": "default", "perf": {"gc": False}}
    providers = configure(policy, set_global=False, span_exporters=[exporter], metrics_enabled=False, logs=False)
    try:
        with providers.tracer_provider.get_tracer("t").start_as_current_span("s"):
            gc.collect()
        providers.force_flush()
        attrs = exporter.get_finished_spans()[0].attributes
        assert PREFIX + "cpu.thread_ms" in attrs and PREFIX + "gc.collections" not in attrs
    finally:
        providers.shutdown()


def test_env_switches_override(monkeypatch):
    monkeypatch.setenv("OTEL_PRIVACY_PERF_PROFILER", "true")
    monkeypatch.setenv("OTEL_PRIVACY_PERF_PROFILER_HZ", "50")
    monkeypatch.setenv("OTEL_PRIVACY_PERF_GC", "off")
    monkeypatch.setenv("OTEL_PRIVACY_PERF_MAX_FOLDED_BYTES", "2048")
    cfg = PerfConfig.resolve(True, {"cpu": True})
    assert cfg.enabled and cfg.profiler and cfg.profiler_hz == 50 and not cfg.gc and cfg.max_folded_bytes == 2048
    assert not PerfConfig.resolve(None, None).enabled
    assert PerfConfig.resolve(PerfConfig(profiler=True)).enabled  # handing over a config means "use it"
    monkeypatch.setenv("OTEL_PRIVACY_PERF_ENABLED", "false")
    assert not PerfConfig.resolve(True, None).enabled
    monkeypatch.setenv("OTEL_PRIVACY_PERF_ARGS", "maybe")
    with pytest.raises(ValueError, match="OTEL_PRIVACY_PERF_ARGS"):
        PerfConfig.resolve(True)
    monkeypatch.delenv("OTEL_PRIVACY_PERF_ARGS")
    monkeypatch.setenv("OTEL_PRIVACY_PERF_PROFILER_HZ", "100000")
    with pytest.raises(ValueError):
        PerfConfig.resolve(True)


def test_process_metrics_cover_cpu_memory_gc_threads_and_gc_pause():
    reader = InMemoryMetricReader()
    mp = MeterProvider(metric_readers=[reader])
    capture = install_perf(None, mp, PerfConfig(enabled=True, process_metrics=True), Redactor("default"))
    try:
        gc.collect()
        metrics = {m.name: m for rm in reader.get_metrics_data().resource_metrics for sm in rm.scope_metrics
                   for m in sm.metrics}
        assert {"process.cpu.utilization", "process.memory.usage", "process.thread.count",
                "process.runtime.gc.pause_time"} <= set(metrics)
        assert any(name in metrics for name in ("cpython.gc.collections", "process.runtime.gc_count"))
        rss = metrics["process.memory.usage"].data.data_points[0].value
        assert rss > 10 * 1024 * 1024  # a Python process with the SDK loaded uses well over 10 MB
        pause = metrics["process.runtime.gc.pause_time"].data.data_points[0].value
        assert pause > 0  # the collect() above was timed
    finally:
        capture.shutdown()
        mp.shutdown()
