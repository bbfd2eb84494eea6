"""Performance capture that is safe to send: per-span CPU/GC, a sampling profiler linked to spans,
safe function arguments and exceptions, process metrics. Enable with ``configure(perf=True)``.

See :mod:`.spans` for the attribute names (all under ``otel_privacy.perf.``), :mod:`.profiler` for the
``otel_privacy.profile`` span event and pprof output, :mod:`.args` for ``@trace_function``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
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
        self.db_rows = False

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
            if self.db_rows:
                from .db import uninstrument_rowcount

                uninstrument_rowcount()
            from .args import reset_defaults

            reset_defaults(owner=self)
        except Exception as exc:  # noqa: BLE001
            _log.warning("otel-privacy: performance capture shutdown failed: %r", exc)


@contextlib.contextmanager
def _guard(what: str) -> Iterator[None]:
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - one capture failing must not stop the others or the app
        _log.warning("otel-privacy: %s not installed: %r", what, exc)


def install_perf(tracer_provider: Any, meter_provider: Any, config: PerfConfig, redactor: Redactor) -> PerfCapture:
    """Add the enabled captures to the providers. Failures of one capture do not stop the others."""
    capture = PerfCapture(config)
    from .args import set_defaults

    set_defaults(redactor, config, owner=capture)  # @trace_function follows the configured policy
    if tracer_provider is not None and (config.cpu or config.gc or config.rss):
        with _guard("per-span resource capture"):
            from .spans import ResourceSpanProcessor

            capture.span_processor = ResourceSpanProcessor(config)
            tracer_provider.add_span_processor(capture.span_processor)
    if tracer_provider is not None and config.exceptions and capture.span_processor is None:
        with _guard("exception path scrubbing"):
            from .exceptions import ExceptionSpanProcessor

            tracer_provider.add_span_processor(ExceptionSpanProcessor())
    if tracer_provider is not None and config.profiler:
        with _guard("sampling profiler"):
            from .profiler import ProfilerSpanProcessor, SamplingProfiler

            capture.profiler = SamplingProfiler(config, scrub=redactor.redact_text)
            tracer_provider.add_span_processor(ProfilerSpanProcessor(capture.profiler))
            capture.profiler.start()
    if config.db_rows:
        with _guard("database row counts"):
            from .db import instrument_rowcount

            capture.db_rows = instrument_rowcount()
    if meter_provider is not None and config.process_metrics:
        with _guard("process metrics"):
            from .process_metrics import ProcessMetrics

            capture.process_metrics = ProcessMetrics(meter_provider)
    return capture
