"""Process metrics: the official system-metrics instrumentation for CPU, memory, GC counts and threads,
plus what it lacks — GC pause time (from ``gc.callbacks``), as ``process.runtime.gc.pause_time``."""

from __future__ import annotations

from typing import Any

from opentelemetry.metrics import CallbackOptions, Observation

from .spans import GcTracker

__all__ = ["ProcessMetrics"]

_SYSTEM_METRICS_CONFIG: dict[str, list[str] | None] = {
    "process.cpu.utilization": ["user", "system"],
    "process.cpu.time": ["user", "system"],
    "process.memory.usage": None,
    "process.thread.count": None,
    "process.runtime.gc_count": None,
}


class ProcessMetrics:
    def __init__(self, meter_provider: Any) -> None:
        from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor

        self._instrumentor = SystemMetricsInstrumentor(config=dict(_SYSTEM_METRICS_CONFIG))
        self._instrumentor.instrument(meter_provider=meter_provider)
        self._gc = GcTracker.acquire()
        meter = meter_provider.get_meter("otel_privacy.perf")
        meter.create_observable_counter("process.runtime.gc.pause_time", callbacks=[self._pause], unit="s",
                                        description="Time the process spent paused in garbage collection.")

    def _pause(self, options: CallbackOptions) -> list[Observation]:
        return [Observation(self._gc.pause_ns / 1e9)]

    def shutdown(self) -> None:
        self._instrumentor.uninstrument()
        self._gc.release()
