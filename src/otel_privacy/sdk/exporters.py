"""Exporter wrappers for users who wire exporters directly: redact, then delegate.

``RedactingSpanExporter(OTLPSpanExporter())`` can replace the exporter inside any processor,
``RedactingLogExporter`` likewise for logs, and ``RedactingMetricExporter`` redacts metric data
point attributes and exemplar attributes (metrics have no span processor to hook) with the same
functions as the gateway's protobuf path (:mod:`otel_privacy.metrics_redaction`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, MetricsData
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ..metrics_redaction import redact_description, redact_point
from ..policy import Policy
from ..redactor import Redactor
from ._convert import RecordCopier, SafetyNet

__all__ = ["RedactingSpanExporter", "RedactingLogExporter", "RedactingMetricExporter"]


class _Wrapper:
    def __init__(self, exporter: Any, policy: Policy | str | dict | None, redactor: Redactor | None) -> None:
        self.exporter = exporter
        self.redactor = redactor if redactor is not None else Redactor(policy)
        self.safety = SafetyNet()
        self._copier = RecordCopier(self.redactor)

    def _copy_all(self, items: Sequence[Any], copy: Any, what: str) -> list[Any]:
        out = []
        for item in items:
            try:
                out.append(copy(item))
            except Exception as exc:  # fail closed: this record is dropped, the batch goes on
                self.safety.failed(what, exc)
        return out


class RedactingSpanExporter(_Wrapper, SpanExporter):
    """Redact spans, then export them with ``exporter``."""

    def __init__(self, exporter: SpanExporter, policy: Policy | str | dict | None = None, *,
                 redactor: Redactor | None = None) -> None:
        _Wrapper.__init__(self, exporter, policy, redactor)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.exporter.export(self._copy_all(spans, self._copier.span, "span redaction"))

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)


class RedactingLogExporter(_Wrapper, LogRecordExporter):
    """Redact log records, then export them with ``exporter``."""

    def __init__(self, exporter: LogRecordExporter, policy: Policy | str | dict | None = None, *,
                 redactor: Redactor | None = None) -> None:
        _Wrapper.__init__(self, exporter, policy, redactor)

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        return self.exporter.export(self._copy_all(batch, self._copier.readable_log, "log redaction"))

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return getattr(self.exporter, "force_flush", lambda *_: True)(timeout_millis)


class RedactingMetricExporter(_Wrapper, MetricExporter):
    """Redact metric data point and exemplar attributes, then export with ``exporter``.

    Temporality and aggregation preferences are taken from the wrapped exporter.
    """

    def __init__(self, exporter: MetricExporter, policy: Policy | str | dict | None = None, *,
                 redactor: Redactor | None = None) -> None:
        _Wrapper.__init__(self, exporter, policy, redactor)
        MetricExporter.__init__(
            self,
            preferred_temporality=getattr(exporter, "_preferred_temporality", None),
            preferred_aggregation=getattr(exporter, "_preferred_aggregation", None),
        )

    def _point(self, point: Any) -> Any:
        exemplars = getattr(point, "exemplars", None) or ()
        out = redact_point(self.redactor, point.attributes, [ex.filtered_attributes for ex in exemplars])
        changes: dict[str, Any] = {"attributes": out.attributes}
        if exemplars:
            changes["exemplars"] = [dataclasses.replace(ex, filtered_attributes=attrs)
                                    for ex, attrs in zip(exemplars, out.exemplars)]
        return dataclasses.replace(point, **changes)

    def _metrics(self, data: MetricsData) -> MetricsData:
        resource_metrics = []
        for rm in data.resource_metrics:
            scope_metrics = []
            for sm in rm.scope_metrics:
                metrics = []
                for metric in sm.metrics:
                    points = self._copy_all(metric.data.data_points, self._point, "metric redaction")
                    metrics.append(dataclasses.replace(
                        metric,
                        description=redact_description(self.redactor, metric.description or ""),
                        data=dataclasses.replace(metric.data, data_points=points),
                    ))
                scope_metrics.append(dataclasses.replace(sm, scope=self._copier.scope(sm.scope), metrics=metrics))
            resource_metrics.append(dataclasses.replace(
                rm, resource=self._copier.resource(rm.resource), scope_metrics=scope_metrics))
        return dataclasses.replace(data, resource_metrics=resource_metrics)

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        try:
            redacted = self._metrics(metrics_data)
        except Exception as exc:  # fail closed: skip this collection rather than export raw
            self.safety.failed("metric redaction", exc)
            return MetricExportResult.FAILURE
        return self.exporter.export(redacted, timeout_millis=timeout_millis, **kwargs)

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self.exporter.force_flush(timeout_millis=timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self.exporter.shutdown(timeout_millis=timeout_millis, **kwargs)
