"""Apply the Redactor to OTLP protobuf messages (the gateway's and the offline CLI's adapter).

Converts OTLP ``KeyValue``/``AnyValue`` to plain Python values, hands whole records to the same
record-level functions the SDK door uses (:meth:`Redactor.redact_span`, :meth:`Redactor.redact_log`),
and writes the results back in place. Because both doors share those functions, a record redacted
in the SDK and the same record redacted here encode to the same OTLP bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from .metrics_redaction import redact_description, redact_point
from .otlp_walk import data_points, items, resource_groups, scope_groups, signal_of
from .redactor import Redactor

__all__ = [
    "redact_request",
    "any_to_py",
    "py_to_any",
    "kv_to_dict",
    "set_kv",
]


def any_to_py(value: AnyValue) -> Any:
    """AnyValue → str/bool/int/float/bytes/list/dict (None when unset)."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "int_value":
        return value.int_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "double_value":
        return value.double_value
    if kind == "bytes_value":
        return value.bytes_value
    if kind == "array_value":
        return [any_to_py(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_to_py(kv.value) for kv in value.kvlist_value.values}
    return None


def py_to_any(value: Any, out: AnyValue | None = None) -> AnyValue:
    """The inverse of :func:`any_to_py` (``None`` leaves the AnyValue empty)."""
    out = AnyValue() if out is None else out
    if isinstance(value, str):
        out.string_value = value
    elif isinstance(value, bool):
        out.bool_value = value
    elif isinstance(value, int):
        out.int_value = value
    elif isinstance(value, float):
        out.double_value = value
    elif isinstance(value, (bytes, bytearray)):
        out.bytes_value = bytes(value)
    elif isinstance(value, Mapping):
        values = out.kvlist_value.values
        for k, v in value.items():
            py_to_any(v, values.add(key=str(k)).value)
        if not value:
            out.kvlist_value.SetInParent()
    elif isinstance(value, (list, tuple)):
        arr = out.array_value
        for v in value:
            py_to_any(v, arr.values.add())
        if not value:
            arr.SetInParent()
    elif value is not None:
        out.string_value = str(value)
    return out


def kv_to_dict(kvs: Iterable[KeyValue]) -> dict[str, Any]:
    return {kv.key: any_to_py(kv.value) for kv in kvs}


def set_kv(container: Any, values: Mapping[str, Any], before: Mapping[str, Any] | None = None) -> None:
    """Make a repeated ``KeyValue`` field hold ``values`` (in that order).

    With ``before`` (what :func:`kv_to_dict` read from ``container``) only the values that changed
    are rewritten, dropped keys removed and new keys appended — the same order a full rebuild
    gives, at a fraction of the cost. Repeated keys in the input force a full rebuild, so a first
    duplicate can never survive unscanned.
    """
    if before is None or len(before) != len(container):
        del container[:]
        for k, v in values.items():
            py_to_any(v, container.add(key=k).value)
        return
    drop = []
    for i, kv in enumerate(container):
        k = kv.key
        if k not in values:
            drop.append(i)
            continue
        v = values[k]
        old = before[k]
        if v is not old and (v != old or type(v) is not type(old)):
            kv.value.Clear()
            py_to_any(v, kv.value)
    for i in reversed(drop):
        del container[i]
    for k, v in values.items():
        if k not in before:
            py_to_any(v, container.add(key=k).value)


def _redact_resource(redactor: Redactor, resource: Any, cache: dict) -> None:
    # A resource without attributes still gets the resource summary (the policy fingerprint), if any.
    if resource.attributes or redactor.resource_summary():
        _redact_cached(resource, redactor.redact_resource, cache, "resource")


def _redact_scope(redactor: Redactor, scope: Any, cache: dict) -> None:
    if scope.attributes:
        _redact_cached(scope, redactor.redact_scope, cache, "scope")


def _redact_cached(message: Any, redact: Any, cache: dict, kind: str) -> None:
    """Redact a resource's or scope's attributes in place, memoised by the message's bytes.

    Resources and scopes repeat across requests from the same service and instrumentation library. The
    cache belongs to one redactor (its caller's): it maps this redactor's input to its output, bounded
    (it refills with what is current).
    """
    raw = (kind, message.SerializeToString(deterministic=True))
    done = cache.get(raw)
    if done is None:
        set_kv(message.attributes, redact(kv_to_dict(message.attributes)))
        if len(cache) >= 1024:
            cache.clear()
        cache[raw] = message.SerializeToString(deterministic=True)
    else:
        message.ParseFromString(done)


def _redact_span(redactor: Redactor, span: Any) -> int:
    attrs = kv_to_dict(span.attributes)
    events = [(ev.name, kv_to_dict(ev.attributes)) for ev in span.events]
    links = [kv_to_dict(link.attributes) for link in span.links]
    out = redactor.redact_span(span.name, attrs, events, links,
                               span.status.message if span.HasField("status") else None)
    if out.name != span.name:
        span.name = out.name
    set_kv(span.attributes, out.attributes, attrs)
    for ev, (ev_name, ev_attrs), (_, ev_before) in zip(span.events, out.events, events):
        if ev.name != ev_name:
            ev.name = ev_name
        set_kv(ev.attributes, ev_attrs, ev_before)
    for link, link_attrs, link_before in zip(span.links, out.links, links):
        set_kv(link.attributes, link_attrs, link_before)
    if out.status_description is not None and span.HasField("status"):
        span.status.message = out.status_description
    return out.count


def _redact_log(redactor: Redactor, lr: Any) -> int:
    """Bodies including nested maps and arrays, attributes, event name."""
    has_body = lr.HasField("body")
    log_attrs = kv_to_dict(lr.attributes)
    out = redactor.redact_log(any_to_py(lr.body) if has_body else None, log_attrs, lr.event_name or None)
    if has_body:
        lr.ClearField("body")
        if out.body is not None:
            py_to_any(out.body, lr.body)
    set_kv(lr.attributes, out.attributes, log_attrs)
    if out.event_name is not None:
        lr.event_name = out.event_name
    return out.count


def _redact_metric(redactor: Redactor, metric: Any) -> int:
    """Description, metadata, data point attributes and exemplar attributes (see :mod:`.metrics_redaction`).

    A list is rewritten when anything in it changed, and always when a key is repeated in it: the merged
    mapping holds the last value only, so an unscanned first copy must not stay behind.
    """
    description = redact_description(redactor, metric.description)
    if description != metric.description:
        metric.description = description
    total = 0
    if metric.metadata:  # free-form key/values about the metric: redacted like point attributes
        before = kv_to_dict(metric.metadata)
        out = redact_point(redactor, before)
        if out.count or out.attributes.keys() != before.keys() or len(before) != len(metric.metadata):
            set_kv(metric.metadata, out.attributes, before)
        total += out.count
    for point in data_points(metric):
        before = kv_to_dict(point.attributes)
        exemplars = getattr(point, "exemplars", ())
        ex_before = [kv_to_dict(ex.filtered_attributes) for ex in exemplars]
        out = redact_point(redactor, before, ex_before)
        if out.count or out.attributes.keys() != before.keys() or len(before) != len(point.attributes):
            set_kv(point.attributes, out.attributes, before)
        for ex, new, old in zip(exemplars, out.exemplars, ex_before):
            if new != old or new.keys() != old.keys() or len(old) != len(ex.filtered_attributes):
                set_kv(ex.filtered_attributes, new, old)
        total += out.count
    return total


_REDACT_ITEM = {"traces": _redact_span, "logs": _redact_log, "metrics": _redact_metric}


def redact_request(redactor: Redactor, request: Any, resource_cache: dict | None = None) -> int:
    """Redact any of the three OTLP export requests in place; returns the number of values changed.

    ``resource_cache`` (optional) keeps redacted resources between calls; give each redactor its own.
    """
    signal = signal_of(request)
    if not redactor.enabled:
        return 0
    cache = {} if resource_cache is None else resource_cache
    redact_item = _REDACT_ITEM[signal]
    total = 0
    for rg in resource_groups(signal, request):
        _redact_resource(redactor, rg.resource, cache)
        for sg in scope_groups(signal, rg):
            _redact_scope(redactor, sg.scope, cache)
            for item in items(signal, sg):
                total += redact_item(redactor, item)
    return total
