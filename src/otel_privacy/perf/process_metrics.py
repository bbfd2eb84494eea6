"""Process metrics: the official system-metrics instrumentation for CPU utilisation and time, memory
(``process.memory.usage`` is the RSS), GC collections and thread count — plus what it lacks: GC pause
time from ``gc.callbacks`` as ``process.runtime.gc.pause_time`` (seconds, cumulative).

If ``opentelemetry-instrumentation-system-metrics`` is missing, the same core metrics come from
``psutil`` directly under the same names. Metric values are numbers, but their attributes still pass
the :class:`RedactingMetricExporter` that ``configure()`` puts in front of every exporter.
"""

from __future__ import annotations

import gc
import logging
import threading
from typing import Any

from opentelemetry.metrics import CallbackOptions, Observation

from .spans import GcTracker

__all__ = ["ProcessMetrics"]

_log = logging.getLogger("otel_privacy.perf")

_SYSTEM_METRICS_CONFIG: dict[str, list[str] | None] = {
    "process.cpu.utilization": ["user", "system"],
    "process.cpu.time": ["user", "system"],
    "process.memory.usage": None,
    "process.memory.virtual": None,
    "process.thread.count": None,
    "process.runtime.gc_count": None,
    "cpython.gc.collections": None,
}


class ProcessMetrics:
    def __init__(self, meter_provider: Any) -> None:
        self._instrumentor: Any = None
        meter = meter_provider.get_meter("otel_privacy.perf")
        try:
            from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor

            inst = SystemMetricsInstrumentor(config=dict(_SYSTEM_METRICS_CONFIG))
            if inst.is_instrumented_by_opentelemetry:  # a singleton someone else already set up: leave it
                _log.info("otel-privacy: system metrics already instrumented; adding only GC pause time")
            else:
                inst.instrument(meter_provider=meter_provider)
                self._instrumentor = inst
        except ImportError:
            self._psutil_fallback(meter)
        self._gc = GcTracker.acquire()
        meter.create_observable_counter("process.runtime.gc.pause_time", callbacks=[self._pause], unit="s",
                                        description="Time the process spent paused in garbage collection.")

    def _pause(self, options: CallbackOptions) -> list[Observation]:
        gcs = self._gc
        return [Observation(gcs.pause_ns / 1e9)] if gcs is not None else []

    def _psutil_fallback(self, meter: Any) -> None:
        import psutil

        proc = psutil.Process()
        ncpu = psutil.cpu_count() or 1
        proc.cpu_percent(None)  # prime

        def cpu(options: CallbackOptions) -> list[Observation]:
            return [Observation(proc.cpu_percent(None) / 100.0 / ncpu)]

        def rss(options: CallbackOptions) -> list[Observation]:
            return [Observation(proc.memory_info().rss)]

        def threads(options: CallbackOptions) -> list[Observation]:
            return [Observation(threading.active_count())]

        def gcs(options: CallbackOptions) -> list[Observation]:
            return [Observation(s["collections"], {"generation": str(i)}) for i, s in enumerate(gc.get_stats())]

        meter.create_observable_gauge("process.cpu.utilization", [cpu], unit="1")
        meter.create_observable_up_down_counter("process.memory.usage", [rss], unit="By")
        meter.create_observable_up_down_counter("process.thread.count", [threads], unit="{thread}")
        meter.create_observable_counter("process.runtime.gc_count", [gcs], unit="{collection}")

    def shutdown(self) -> None:
        if self._instrumentor is not None:
            self._instrumentor.uninstrument()
            self._instrumentor = None
        if self._gc is not None:
            self._gc.release()
            self._gc = None
