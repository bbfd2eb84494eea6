"""Self-metrics and the exporters' sending queue (bounded, optionally persistent on disk).

A queue item is one redacted export request, already serialized: protobuf messages of one type
merge by concatenation, so batching several items into one request is ``b"".join(payloads)``.
With ``storage`` set, every item is written (temp file, fsync, rename) before the receiver
answers, and deleted only after the backend accepted it: a crash or ``SIGKILL`` loses nothing
that was acknowledged, and a restart resends what was pending (at-least-once).
"""

from __future__ import annotations

import collections
import itertools
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SelfMetrics", "QueueItem", "SendingQueue"]


class SelfMetrics:
    """Counters and gauges of the gateway, rendered in the Prometheus text format."""

    PREFIX = "otel_privacy_gateway_"
    HELP = {
        "received": "Export requests received, by signal.",
        "accepted": "Records accepted into the pipeline, by signal.",
        "refused": "Export requests refused, by signal and reason.",
        "redacted_values": "Values changed by the privacy processor, by signal.",
        "exported": "Records delivered to a backend, by exporter and signal.",
        "retried": "Export attempts retried, by exporter.",
        "dropped": "Records dropped, by exporter and reason.",
        "partial_rejected": "Records the backend reported as rejected (partial success), by exporter.",
        "queue_size": "Batches waiting in the sending queue, by exporter.",
        "queue_bytes": "Bytes waiting in the sending queue, by exporter.",
    }
    GAUGES = frozenset({"queue_size", "queue_bytes"})

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = collections.defaultdict(float)

    def add(self, name: str, value: float = 1, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._values[key] += value

    def set(self, name: str, value: float, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._values[key] = value

    def get(self, name: str, **labels: str) -> float:
        """Sum of ``name`` over series whose labels include ``labels``."""
        want = set(labels.items())
        with self._lock:
            return sum(v for (n, lab), v in self._values.items() if n == name and want <= set(lab))

    def otlp_request(self, version: str, start_ns: int) -> Any:
        """The counters (cumulative monotonic sums) and gauges as an OTLP ``ExportMetricsServiceRequest``."""
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
        from opentelemetry.proto.common.v1.common_pb2 import KeyValue

        from ..otlp import py_to_any

        with self._lock:
            items = sorted(self._values.items())
        now = time.time_ns()
        req = ExportMetricsServiceRequest()
        rm = req.resource_metrics.add()
        rm.resource.attributes.append(KeyValue(key="service.name", value=py_to_any("otel-privacy-gateway")))
        rm.resource.attributes.append(KeyValue(key="service.version", value=py_to_any(version)))
        sm = rm.scope_metrics.add()
        sm.scope.name, sm.scope.version = "otel_privacy.gateway", version
        metrics: dict[str, Any] = {}
        for (name, labels), value in items:
            metric = metrics.get(name)
            if metric is None:
                metric = metrics[name] = sm.metrics.add(name=f"otel_privacy.gateway.{name}",
                                                        description=self.HELP.get(name, name))
                if name in self.GAUGES:
                    metric.gauge.SetInParent()
                else:
                    metric.sum.is_monotonic = True
                    metric.sum.aggregation_temporality = 2  # cumulative
            points = metric.gauge.data_points if name in self.GAUGES else metric.sum.data_points
            point = points.add(time_unix_nano=now, as_double=float(value))
            if name not in self.GAUGES:
                point.start_time_unix_nano = start_ns
            for k, v in labels:
                point.attributes.append(KeyValue(key=k, value=py_to_any(v)))
        return req

    def prometheus(self) -> str:
        with self._lock:
            items = sorted(self._values.items())
        lines: list[str] = []
        seen: set[str] = set()
        for (name, labels), value in items:
            full = self.PREFIX + name + ("" if name in self.GAUGES else "_total")
            if full not in seen:
                seen.add(full)
                lines.append(f"# HELP {full} {self.HELP.get(name, name)}")
                lines.append(f"# TYPE {full} {'gauge' if name in self.GAUGES else 'counter'}")
            lab = ",".join(f'{k}="{v}"' for k, v in labels)
            lines.append(f"{full}{{{lab}}} {value:g}" if lab else f"{full} {value:g}")
        return "\n".join(lines) + "\n"


@dataclass
class QueueItem:
    signal: str
    payload: bytes
    records: int
    path: Path | None = None
    enqueued: float = 0.0


class SendingQueue:
    """A bounded FIFO of :class:`QueueItem`, mirrored to ``storage`` when given."""

    def __init__(self, capacity: int, storage: str | None = None) -> None:
        self.capacity = capacity
        self._items: collections.deque[QueueItem] = collections.deque()
        self._cond = threading.Condition()
        self._bytes = 0
        self._seq = itertools.count()
        self.storage = Path(storage) if storage else None
        if self.storage is not None:
            self.storage.mkdir(parents=True, exist_ok=True)
            self._load()

    def _load(self) -> None:
        assert self.storage is not None
        for path in sorted(self.storage.glob("*.pb")):
            signal = path.suffixes[-2].lstrip(".") if len(path.suffixes) >= 2 else ""
            if signal not in ("traces", "logs", "metrics"):
                continue
            payload = path.read_bytes()
            records = int(path.name.split("-")[2].split(".")[0]) if path.name.count("-") >= 2 else 0
            self._items.append(QueueItem(signal, payload, records, path, time.monotonic()))
            self._bytes += len(payload)
        for tmp in self.storage.glob("*.tmp"):  # a crash mid-write: never acknowledged
            tmp.unlink(missing_ok=True)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        return self._bytes

    def full(self) -> bool:
        return len(self._items) >= self.capacity

    def put(self, signal: str, payload: bytes, records: int) -> None:
        """Append (and persist first, when configured). The caller checked :meth:`full`."""
        path = None
        if self.storage is not None:
            name = f"{time.time_ns():020d}-{next(self._seq):08d}-{records}.{signal}.pb"
            path = self.storage / name
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        with self._cond:
            self._items.append(QueueItem(signal, payload, records, path, time.monotonic()))
            self._bytes += len(payload)
            self._cond.notify()

    def take(self, max_records: int, linger: float, stop: threading.Event) -> list[QueueItem]:
        """Wait for one item, then gather more of the same signal for up to ``linger`` seconds."""
        with self._cond:
            while not self._items:
                if stop.is_set():
                    return []
                self._cond.wait(0.1)
            first = self._items.popleft()
            batch = [first]
            total = first.records
            deadline = time.monotonic() + linger
            while total < max_records:
                same = next((i for i, it in enumerate(self._items) if it.signal == first.signal), None)
                if same is None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or stop.is_set():
                        break
                    self._cond.wait(remaining)
                    continue
                item = self._items[same]
                if total + item.records > max_records and total > 0:
                    break
                del self._items[same]
                batch.append(item)
                total += item.records
            self._bytes -= sum(len(i.payload) for i in batch)
            return batch

    def requeue_front(self, batch: list[QueueItem]) -> None:
        """Put a batch back at the head (an export that must be retried after a restart)."""
        with self._cond:
            for item in reversed(batch):
                self._items.appendleft(item)
                self._bytes += len(item.payload)
            self._cond.notify()

    @staticmethod
    def done(batch: list[QueueItem]) -> None:
        for item in batch:
            if item.path is not None:
                item.path.unlink(missing_ok=True)
