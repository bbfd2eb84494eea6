"""Performance capture that is safe to send: per-span CPU/GC, a sampling profiler linked to spans,
safe function arguments and exceptions, process metrics. Enable with ``configure(perf=True)``.

See :mod:`.spans` for the attribute names (all under ``otel_privacy.perf.``), :mod:`.profiler` for the
``otel_privacy.profile`` span event and pprof output, :mod:`.args` for ``@trace_function``.
"""

from __future__ import annotations

import logging
from typing import Any

from ..redactor import Redactor
from .config import PerfConfig

__all__ = ["PerfConfig", "PerfCapture", "install_perf"]

_log = logging.getLogger("otel_privacy.perf")


class PerfCapture:
    """What :func:`install_perf` set up; ``shutdown()`` stops the sampler and writes the profile."""

    def __init__(self, config: PerfConfig) -> None:
        self.config = config
        self.span_processor: Any = None
        self.profiler: Any = None
        self.process_metrics: Any = None

    def shutdown(self) -> None:
        try:
            if self.profiler is not None:
                self.profiler.stop()
                if self.config.profile_output:
                    path = self.profiler.write(self.config.profile_output, self.config.profile_format)
                    _log.info("otel-privacy: wrote the process profile to %s", path)
            if self.process_metrics is not None:
                self.process_metrics.shutdown()
            if self.span_processor is not None:
                self.span_processor.shutdown()
        except Exception as exc:  # noqa: BLE001
            _log.warning("otel-privacy: performance capture shutdown failed: %r", exc)


def install_perf(tracer_provider: Any, meter_provider: Any, config: PerfConfig, redactor: Redactor) -> PerfCapture:
    """Add the enabled captures to the providers. Failures of one capture do not stop the others."""
    capture = PerfCapture(config)
    if tracer_provider is not None and (config.cpu or config.gc or config.rss):
        from .spans import ResourceSpanProcessor

        capture.span_processor = ResourceSpanProcessor(config)
        tracer_provider.add_span_processor(capture.span_processor)
    if tracer_provider is not None and config.profiler:
        from .profiler import ProfilerSpanProcessor, SamplingProfiler

        capture.profiler = SamplingProfiler(config, scrub=redactor.redact_text)
        tracer_provider.add_span_processor(ProfilerSpanProcessor(capture.profiler))
        capture.profiler.start()
    if meter_provider is not None and config.process_metrics:
        try:
            from .process_metrics import ProcessMetrics

            capture.process_metrics = ProcessMetrics(meter_provider)
        except Exception as exc:  # noqa: BLE001
            _log.warning("otel-privacy: process metrics not installed: %r", exc)
    return capture
