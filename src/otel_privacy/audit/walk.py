"""Walk every string-carrying position of OTLP export requests (shared by ``scan`` and ``inspect``).

A position is reported as ``(location, key, value)``: ``location`` names the carrier
(``span.attributes``, ``log.body``, ``metric.exemplars.attributes``, …), ``key`` the attribute key
(or a dotted path into a nested log body, or ``""`` for names and messages), ``value`` the string.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..otlp import any_to_py, kv_to_dict
from ..otlp_walk import data_points, items, resource_groups, scope_groups

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


def _span_strings(span: Any) -> Iterator[tuple[str, str, str]]:
    yield "span.name", "", span.name
    yield from _attrs("span.attributes", span.attributes)
    for ev in span.events:
        yield "span.events.name", "", ev.name
        yield from _attrs("span.events.attributes", ev.attributes)
    for link in span.links:
        yield from _attrs("span.links.attributes", link.attributes)
    if span.status.message:
        yield "span.status.message", "", span.status.message


def _log_strings(lr: Any) -> Iterator[tuple[str, str, str]]:
    if lr.HasField("body"):
        for path, text in flatten("", any_to_py(lr.body)):
            yield "log.body", path, text
    yield from _attrs("log.attributes", lr.attributes)
    if lr.event_name:
        yield "log.event_name", "", lr.event_name


def _metric_strings(metric: Any) -> Iterator[tuple[str, str, str]]:
    yield "metric.name", "", metric.name
    if metric.description:
        yield "metric.description", "", metric.description
    for point in data_points(metric):
        yield from _attrs("metric.points.attributes", point.attributes)
        for ex in getattr(point, "exemplars", ()):
            yield from _attrs("metric.exemplars.attributes", ex.filtered_attributes)


_ITEM_STRINGS = {"traces": _span_strings, "logs": _log_strings, "metrics": _metric_strings}


def iter_strings(signal: str, request: Any) -> Iterator[tuple[str, str, str]]:
    """Every string in ``request`` with its location and key."""
    item_strings = _ITEM_STRINGS[signal]
    for rg in resource_groups(signal, request):
        yield from _attrs("resource.attributes", rg.resource.attributes)
        for sg in scope_groups(signal, rg):
            yield "scope.name", "", sg.scope.name
            yield from _attrs("scope.attributes", sg.scope.attributes)
            for item in items(signal, sg):
                yield from item_strings(item)
