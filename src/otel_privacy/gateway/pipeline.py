"""A pipeline per signal: admission (memory limiter, queue space) → privacy → sending queues.

:meth:`Pipeline.submit` runs on the receiver's thread and decides before the receiver answers:
the request is either accepted (redacted, serialized, and in every exporter's queue — on disk when
the queue is persistent) or refused with a reason and a suggested retry delay, so clients back
off instead of data being dropped silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..otlp import redact_request
from ..redactor import Redactor
from .config import BatchProcessor, MemoryLimiter, PrivacyProcessor
from .exporters import Exporter
from .queue import SelfMetrics

__all__ = ["Pipeline", "Admission", "count_records"]

_log = logging.getLogger("otel_privacy.gateway")


def count_records(signal: str, request: Any) -> int:
    """Spans, log records or metric data points in an export request."""
    if signal == "traces":
        return sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
    if signal == "logs":
        return sum(len(sl.log_records) for rl in request.resource_logs for sl in rl.scope_logs)
    total = 0
    for rm in request.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                total += len(getattr(m, kind).data_points) if kind else 0
    return total


@dataclass
class Admission:
    accepted: bool
    reason: str = ""
    retry_after: float = 0.0
    records: int = 0


class Pipeline:
    def __init__(self, signal: str, processors: list[tuple[str, Any]], exporters: list[Exporter],
                 metrics: SelfMetrics, redactors: dict[str, Redactor], all_exporters: list[Exporter]) -> None:
        self.signal = signal
        self.exporters = exporters
        self.metrics = metrics
        self.privacy: list[Redactor] = []
        self.memory_limit: MemoryLimiter | None = None
        self.batch: BatchProcessor | None = None
        self._all_exporters = all_exporters
        for cid, proc in processors:
            if isinstance(proc, PrivacyProcessor):
                self.privacy.append(redactors[cid])
            elif isinstance(proc, MemoryLimiter):
                self.memory_limit = proc
            elif isinstance(proc, BatchProcessor):
                self.batch = proc
        # One resource cache per privacy processor: a cache maps *this* processor's input to *its*
        # output; shared, a resource the first processor left unchanged would skip the second's rules.
        self._resource_caches: list[dict[bytes, bytes]] = [{} for _ in self.privacy]

    def _queued_bytes(self) -> int:
        return sum(e.queue.bytes for e in self._all_exporters)

    def submit(self, request: Any) -> Admission:
        """Admit, redact and enqueue ``request`` (an OTLP export request message)."""
        signal = self.signal
        self.metrics.add("received", signal=signal)
        # admit only what fits: queued bytes plus this request (a redacted request is about its input size)
        if self.memory_limit is not None and (
                self._queued_bytes() + request.ByteSize() > self.memory_limit.limit_mib * 1024 * 1024):
            self.metrics.add("refused", signal=signal, reason="memory_limit")
            return Admission(False, "memory limit reached", self.memory_limit.retry_after)
        blocking_full = [e for e in self.exporters if e.full() and e.cfg.sending_queue.on_full == "block"]
        if blocking_full:
            self.metrics.add("refused", signal=signal, reason="queue_full")
            retry = self.memory_limit.retry_after if self.memory_limit else 2.0
            return Admission(False, f"sending queue of {blocking_full[0].name} is full", retry)
        records = count_records(signal, request)
        changed = 0
        for redactor, cache in zip(self.privacy, self._resource_caches):
            if len(cache) > 4096:
                cache.clear()
            changed += redact_request(redactor, request, cache)
        if changed:
            self.metrics.add("redacted_values", changed, signal=signal)
        payload = request.SerializeToString()
        for exporter in self.exporters:
            exporter.enqueue(signal, payload, records)
        self.metrics.add("accepted", records, signal=signal)
        return Admission(True, records=records)
