"""The gateway's own counters and gauges: Prometheus text on ``/metrics``, or OTLP through its pipelines."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterable
from typing import Any

__all__ = ["SelfMetrics", "Series"]

Labels = tuple[tuple[str, str], ...]
Series = tuple[str, Labels, float]  # (name, sorted labels, value)


class SelfMetrics:
    """Counters and gauges of the gateway, rendered in the Prometheus text format."""

    PREFIX = "otel_privacy_gateway_"
    HELP = {
        "received": "Export requests received, by signal and receiver.",
        "accepted": "Records accepted by a pipeline (in its exporters' queues), by pipeline and signal.",
        "refused": "Export requests refused, by signal and reason.",
        "redacted_values": "Values changed by privacy processors, by pipeline and signal.",
        "filtered": "Records dropped by filter processors, by pipeline and signal.",
        "exported": "Records delivered to a backend, by exporter and signal.",
        "retried": "Export attempts retried, by exporter.",
        "dropped": "Records dropped, by exporter and reason.",
        "partial_rejected": "Records the backend reported as rejected (partial success), by exporter.",
        "queue_size": "Batches waiting in the sending queue, by exporter.",
        "queue_bytes": "Bytes waiting in the sending queue, by exporter.",
        "workers_reporting": "Worker processes whose series this scrape shows (gateway --workers N).",
    }
    GAUGES = frozenset({"queue_size", "queue_bytes", "workers_reporting"})

    def __init__(self, worker: str | None = None) -> None:
        """``worker``: this process's index under ``gateway --workers N``, a ``worker`` label on every series."""
        self.worker = worker
        self._lock = threading.Lock()
        self._values: dict[tuple[str, Labels], float] = collections.defaultdict(float)

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

    def series(self) -> list[Series]:
        """Every series as ``(name, labels, value)``, with this worker's label (what its peers merge in)."""
        with self._lock:
            items = list(self._values.items())
        if self.worker is None:
            return [(name, labels, value) for (name, labels), value in items]
        return [(name, tuple(sorted((*labels, ("worker", self.worker)))), value) for (name, labels), value in items]

    def otlp_request(self, version: str, start_ns: int) -> Any:
        """The counters (cumulative monotonic sums) and gauges as an OTLP ``ExportMetricsServiceRequest``."""
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
        from opentelemetry.proto.common.v1.common_pb2 import KeyValue

        from ..otlp import py_to_any

        now = time.time_ns()
        req = ExportMetricsServiceRequest()
        rm = req.resource_metrics.add()
        rm.resource.attributes.append(KeyValue(key="service.name", value=py_to_any("otel-privacy-gateway")))
        rm.resource.attributes.append(KeyValue(key="service.version", value=py_to_any(version)))
        sm = rm.scope_metrics.add()
        sm.scope.name, sm.scope.version = "otel_privacy.gateway", version
        metrics: dict[str, Any] = {}
        for name, labels, value in sorted(self.series()):
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

    def prometheus(self, peers: Iterable[Series] = ()) -> str:
        """The Prometheus text format; ``peers``: other workers' :meth:`series`, merged into the same families."""
        lines: list[str] = []
        seen: set[str] = set()
        for name, labels, value in sorted([*self.series(), *peers]):  # by name: a family's lines stay together
            full = self.PREFIX + name + ("" if name in self.GAUGES else "_total")
            if full not in seen:
                seen.add(full)
                lines.append(f"# HELP {full} {self.HELP.get(name, name)}")
                lines.append(f"# TYPE {full} {'gauge' if name in self.GAUGES else 'counter'}")
            lab = ",".join(f'{k}="{v}"' for k, v in labels)
            lines.append(f"{full}{{{lab}}} {value:g}" if lab else f"{full} {value:g}")
        return "\n".join(lines) + "\n"
