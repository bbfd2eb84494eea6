"""Walk every string-carrying position of OTLP export requests (shared by ``scan`` and ``inspect``).

A position is reported as ``(location, key, value)``: ``location`` names the carrier
(``span.attributes``, ``log.body``, ``metric.exemplars.attributes``, …), ``key`` the attribute key
(or a dotted path into a nested log body, or ``""`` for names and messages), ``value`` the string.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..otlp import any_to_py, kv_to_dict

__all__ = ["iter_strings", "flatten"]


def flatten(key: str, value: Any) -> Iterator[tuple[str, str]]:
    """Yield ``(key path, string)`` for every string inside ``value`` (lists, maps, bytes as text)."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, bytes):
        yield key, value.decode("utf-8", "replace")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(f"{key}.{k}" if key else str(k), v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from flatten(key, v)


def _attrs(location: str, kvs: Any) -> Iterator[tuple[str, str, str]]:
    for key, value in kv_to_dict(kvs).items():
        for path, text in flatten(key, value):
            yield location, path, text


def iter_strings(signal: str, request: Any) -> Iterator[tuple[str, str, str]]:
    """Every string in ``request`` with its location and key."""
    if signal == "traces":
        for rs in request.resource_spans:
            yield from _attrs("resource.attributes", rs.resource.attributes)
            for ss in rs.scope_spans:
                yield "scope.name", "", ss.scope.name
                yield from _attrs("scope.attributes", ss.scope.attributes)
                for span in ss.spans:
                    yield "span.name", "", span.name
                    yield from _attrs("span.attributes", span.attributes)
                    for ev in span.events:
                        yield "span.events.name", "", ev.name
                        yield from _attrs("span.events.attributes", ev.attributes)
                    for link in span.links:
                        yield from _attrs("span.links.attributes", link.attributes)
                    if span.status.message:
                        yield "span.status.message", "", span.status.message
    elif signal == "logs":
        for rl in request.resource_logs:
            yield from _attrs("resource.attributes", rl.resource.attributes)
            for sl in rl.scope_logs:
                yield "scope.name", "", sl.scope.name
                yield from _attrs("scope.attributes", sl.scope.attributes)
                for lr in sl.log_records:
                    if lr.HasField("body"):
                        for path, text in flatten("", any_to_py(lr.body)):
                            yield "log.body", path, text
                    yield from _attrs("log.attributes", lr.attributes)
                    if lr.event_name:
                        yield "log.event_name", "", lr.event_name
    else:
        for rm in request.resource_metrics:
            yield from _attrs("resource.attributes", rm.resource.attributes)
            for sm in rm.scope_metrics:
                yield "scope.name", "", sm.scope.name
                yield from _attrs("scope.attributes", sm.scope.attributes)
                for metric in sm.metrics:
                    yield "metric.name", "", metric.name
                    if metric.description:
                        yield "metric.description", "", metric.description
                    kind = metric.WhichOneof("data")
                    for point in getattr(metric, kind).data_points if kind else ():
                        yield from _attrs("metric.points.attributes", point.attributes)
                        for ex in getattr(point, "exemplars", ()):
                            yield from _attrs("metric.exemplars.attributes", ex.filtered_attributes)
