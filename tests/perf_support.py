"""Shared real workloads and fixtures for the tests/test_perf_*.py files (no mocks)."""

from __future__ import annotations

import time

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_privacy import PrivacySpanProcessor, Redactor
from otel_privacy.perf import PerfConfig, install_perf


def cpu_work(seconds: float) -> int:
    """Burn ``seconds`` of this thread's CPU time."""
    end = time.thread_time() + seconds
    n = 0
    while time.thread_time() < end:
        n += sum(i * i for i in range(200))
    return n


def finished(exporter: InMemorySpanExporter, name: str):
    return next(s for s in exporter.get_finished_spans() if s.name == name)


@pytest.fixture
def traced():
    """(tracer_provider, exporter, install) — spans go through the privacy processor like in production."""
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(exporter), policy="default"))
    captures = []

    def install(policy: str = "default", **cfg):
        capture = install_perf(tp, None, PerfConfig(enabled=True, **cfg), Redactor(policy))
        captures.append(capture)
        return capture

    yield tp, exporter, install
    for c in captures:
        c.shutdown()
    tp.shutdown()
