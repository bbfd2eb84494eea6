"""A pipeline (``traces``, ``traces/internal`` …): its own processor chain, then its exporters.

:meth:`Pipeline.consume` runs on the receiver's worker thread and decides before the receiver
answers: the request is either accepted (processed, serialized once, and in every exporter's
queue — on disk when the queue is persistent — or sent, for an exporter without a queue) or
refused with a reason and a suggested retry delay, so clients back off instead of data being
dropped silently. Queue slots and memory are reserved before anything is queued, so a refused
request leaves nothing behind and concurrent requests cannot overshoot a limit.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from ..otlp_walk import count_records
from .components import Delivery, Refused

__all__ = ["Pipeline", "ExporterFanout"]

#: Seconds suggested to clients when an exporter's queue is full (it drains as the backend accepts).
QUEUE_FULL_RETRY_AFTER = 2.0


class ExporterFanout:
    """The end of a pipeline: one serialized request into every exporter the pipeline lists."""

    def __init__(self, pipeline_id: str, signal: str, exporters: list[Any], metrics: Any) -> None:
        self.pipeline_id, self.signal, self.metrics = pipeline_id, signal, metrics
        self.queued = [e for e in exporters if e.queued]
        self.direct = [e for e in exporters if not e.queued]

    def full(self) -> Any | None:
        """The first exporter whose queue would refuse a request now (a cheap check before fan-in)."""
        return next((e for e in self.queued if e.full()), None)

    def consume(self, request: Any, delivery: Delivery) -> None:
        signal = self.signal
        records = count_records(signal, request)
        if not records:
            return  # everything was filtered out: accepted, nothing to send
        payload = request.SerializeToString()
        taken = []
        try:
            for exporter in self.queued:
                if not exporter.reserve_slot():
                    self.metrics.add("refused", signal=signal, reason="queue_full")
                    raise Refused(f"sending queue of {exporter.name} is full", retry_after=QUEUE_FULL_RETRY_AFTER,
                                  exhausted=True, metric_reason="queue_full")
                taken.append(exporter)
            if not delivery.settle(len(payload) * len(self.queued)):  # the exact bytes, within the memory limit
                self.metrics.add("refused", signal=signal, reason="memory_limit")
                raise Refused("memory limit reached", retry_after=QUEUE_FULL_RETRY_AFTER, exhausted=True,
                              metric_reason="memory_limit")
            for exporter in self.direct:  # no queue: the client's answer is the backend's
                exporter.send_now(signal, payload, records)
        except BaseException:
            for exporter in taken:
                exporter.release_slot()
            raise
        for exporter in self.queued:
            exporter.enqueue(signal, payload, records)
        self.metrics.add("accepted", records, signal=signal, pipeline=self.pipeline_id)


class Pipeline:
    """A pipeline's processors (first to last) in front of its :class:`ExporterFanout`."""

    def __init__(self, pipeline_id: str, signal: str, processors: list[Any], fanout: ExporterFanout,
                 exporters: list[Any]) -> None:
        self.id, self.signal = pipeline_id, signal
        self.processors = processors
        self.fanout = fanout
        self.exporters = exporters
        self._first = processors[0] if processors else fanout

    def ready(self) -> Refused | None:
        """Why a request would be refused for a full queue right now (checked before fanning in)."""
        full = self.fanout.full()
        if full is None:
            return None
        return Refused(f"sending queue of {full.name} is full", retry_after=QUEUE_FULL_RETRY_AFTER, exhausted=True,
                       metric_reason="queue_full")

    def consume(self, request: Any) -> Future | None:
        """Run ``request`` through the chain; ``None`` when done, a future when it waits in a batch."""
        delivery = Delivery()
        try:
            pending = self._first.consume(request, delivery)
        except BaseException:
            delivery.release()
            raise
        if pending is None:
            delivery.release()
            return None
        pending.add_done_callback(lambda _: delivery.release())
        return pending

    def start(self) -> None:
        for p in self.processors:
            p.start()

    def shutdown(self, timeout: float) -> None:
        for p in self.processors:  # first to last: a batch flushes into what follows it
            p.shutdown(timeout)
