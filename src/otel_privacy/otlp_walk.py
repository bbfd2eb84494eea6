"""The shape of the three OTLP export requests, in one place: resource → scope → records.

An export request nests records the same way for every signal, under different field names
(``resource_spans → scope_spans → spans``, ``resource_logs → scope_logs → log_records``,
``resource_metrics → scope_metrics → metrics → data points``). Everything that walks a request
— redaction, counting, filtering, scanning, inspecting — goes through these few functions, so
the shape is written down once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["SIGNALS", "signal_of", "resource_groups", "scope_groups", "items", "data_points", "iter_items",
           "iter_records", "record_containers", "count_records", "prune_empty"]

SIGNALS = ("traces", "logs", "metrics")

#: signal → (resource groups field, scope groups field, items field) of its export request
_FIELDS = {
    "traces": ("resource_spans", "scope_spans", "spans"),
    "logs": ("resource_logs", "scope_logs", "log_records"),
    "metrics": ("resource_metrics", "scope_metrics", "metrics"),
}
_ROOT = {fields[0]: signal for signal, fields in _FIELDS.items()}


def signal_of(request: Any) -> str:
    """``traces``, ``logs`` or ``metrics`` for an export request message."""
    for field in request.DESCRIPTOR.fields_by_name:
        signal = _ROOT.get(field)
        if signal is not None:
            return signal
    raise TypeError(f"not an OTLP export request: {type(request).__name__}")


def resource_groups(signal: str, request: Any) -> Any:
    """``request.resource_spans`` / ``resource_logs`` / ``resource_metrics``."""
    return getattr(request, _FIELDS[signal][0])


def scope_groups(signal: str, resource_group: Any) -> Any:
    """The scope groups of one resource group (``scope_spans`` …)."""
    return getattr(resource_group, _FIELDS[signal][1])


def items(signal: str, scope_group: Any) -> Any:
    """The spans, log records or metrics of one scope group."""
    return getattr(scope_group, _FIELDS[signal][2])


def data_points(metric: Any) -> Sequence[Any]:
    """The data points of a metric, whatever its kind (empty when it has no data)."""
    kind = metric.WhichOneof("data")
    return getattr(metric, kind).data_points if kind else ()


def iter_items(signal: str, request: Any) -> Iterator[tuple[Any, Any, Any]]:
    """``(resource group, scope group, item)`` for every span, log record or metric."""
    for rg in resource_groups(signal, request):
        for sg in scope_groups(signal, rg):
            for item in items(signal, sg):
                yield rg, sg, item


def iter_records(signal: str, request: Any) -> Iterator[tuple[Any, Any]]:
    """``(resource group, record)`` for every span, log record or metric data point: what carries attributes."""
    for rg, _, item in iter_items(signal, request):
        if signal == "metrics":
            for point in data_points(item):
                yield rg, point
        else:
            yield rg, item


def record_containers(signal: str, request: Any) -> Iterator[Any]:
    """The repeated fields that hold records: each scope's spans / log records, or each metric's data points."""
    for rg in resource_groups(signal, request):
        for sg in scope_groups(signal, rg):
            if signal == "metrics":
                for metric in items(signal, sg):
                    yield data_points(metric)
            else:
                yield items(signal, sg)


def count_records(signal: str, request: Any) -> int:
    """Spans, log records or metric data points in an export request (what OTLP partial success counts)."""
    if signal == "metrics":
        return sum(len(data_points(m)) for _, _, m in iter_items(signal, request))
    return sum(len(items(signal, sg)) for rg in resource_groups(signal, request) for sg in scope_groups(signal, rg))


def prune_empty(signal: str, request: Any) -> None:
    """Remove metrics without data points, then scope and resource groups left without items."""
    groups = resource_groups(signal, request)
    for r in range(len(groups) - 1, -1, -1):
        scopes = scope_groups(signal, groups[r])
        for s in range(len(scopes) - 1, -1, -1):
            its = items(signal, scopes[s])
            if signal == "metrics":
                for i in range(len(its) - 1, -1, -1):
                    if not data_points(its[i]):
                        del its[i]
            if not its:
                del scopes[s]
        if not scopes:
            del groups[r]
