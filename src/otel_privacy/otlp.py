"""Apply the Redactor to OTLP protobuf messages (the gateway's and the offline CLI's adapter).

Converts OTLP ``KeyValue``/``AnyValue`` to plain Python values, hands whole records to the same
record-level functions the SDK door uses (:meth:`Redactor.redact_span`, :meth:`Redactor.redact_log`),
and writes the results back in place. Because both doors share those functions, a record redacted
in the SDK and the same record redacted here encode to the same OTLP bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from .redactor import Redactor

__all__ = [
    "redact_traces",
    "redact_logs",
    "redact_metrics",
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


def _redact_attrs_in_place(redactor: Redactor, container: Any) -> int:
    if not container:
        return 0
    before = kv_to_dict(container)
    rec = redactor.new_record(before)
    after = redactor.redact_attributes(before, rec)
    if rec.count or after.keys() != before.keys():
        set_kv(container, after, before)
    return rec.count


def _redact_resource_and_scope(redactor: Redactor, resource_container: Any, cache: dict[bytes, bytes]) -> None:
    # Resources repeat across requests from the same service: cache by serialized bytes.
    resource = resource_container.resource
    if not resource.attributes:
        return
    raw = resource.SerializeToString(deterministic=True)
    done = cache.get(raw)
    if done is None:
        set_kv(resource.attributes, redactor.redact_resource(kv_to_dict(resource.attributes)))
        if len(cache) < 1024:
            cache[raw] = resource.SerializeToString(deterministic=True)
    else:
        resource.ParseFromString(done)


def _redact_scope(redactor: Redactor, scope_container: Any) -> None:
    scope = scope_container.scope
    if scope.attributes:
        set_kv(scope.attributes, redactor.redact_resource(kv_to_dict(scope.attributes)))


def redact_traces(redactor: Redactor, request: ExportTraceServiceRequest, resource_cache: dict | None = None) -> int:
    """Redact every span of ``request`` in place; returns the number of values changed."""
    if not redactor.enabled:
        return 0
    cache = {} if resource_cache is None else resource_cache
    total = 0
    for rs in request.resource_spans:
        _redact_resource_and_scope(redactor, rs, cache)
        for ss in rs.scope_spans:
            _redact_scope(redactor, ss)
            for span in ss.spans:
                attrs = kv_to_dict(span.attributes)
                events = [(ev.name, kv_to_dict(ev.attributes)) for ev in span.events]
                links = [kv_to_dict(link.attributes) for link in span.links]
                out = redactor.redact_span(
                    span.name, attrs, events, links, span.status.message if span.HasField("status") else None,
                )
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
                total += out.count
    return total


def redact_logs(redactor: Redactor, request: ExportLogsServiceRequest, resource_cache: dict | None = None) -> int:
    """Redact every log record of ``request`` in place (bodies including nested maps and arrays)."""
    if not redactor.enabled:
        return 0
    cache = {} if resource_cache is None else resource_cache
    total = 0
    for rl in request.resource_logs:
        _redact_resource_and_scope(redactor, rl, cache)
        for sl in rl.scope_logs:
            _redact_scope(redactor, sl)
            for lr in sl.log_records:
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
                total += out.count
    return total


def _metric_points(metric: Any) -> Iterable[Any]:
    kind = metric.WhichOneof("data")
    if kind is None:
        return ()
    return getattr(metric, kind).data_points


def redact_metrics(redactor: Redactor, request: ExportMetricsServiceRequest,
                   resource_cache: dict | None = None) -> int:
    """Redact metric data point attributes and exemplar attributes in place.

    No per-point summary is added: it would split time series by redaction count.
    """
    if not redactor.enabled:
        return 0
    cache = {} if resource_cache is None else resource_cache
    total = 0
    for rm in request.resource_metrics:
        _redact_resource_and_scope(redactor, rm, cache)
        for sm in rm.scope_metrics:
            _redact_scope(redactor, sm)
            for metric in sm.metrics:
                metric.description = redactor.redact_text(metric.description)
                for point in _metric_points(metric):
                    total += _redact_attrs_in_place(redactor, point.attributes)
                    for ex in getattr(point, "exemplars", ()):
                        total += _redact_attrs_in_place(redactor, ex.filtered_attributes)
    return total


def redact_request(redactor: Redactor, request: Any, resource_cache: dict | None = None) -> int:
    """Redact any of the three OTLP export requests in place."""
    if isinstance(request, ExportTraceServiceRequest):
        return redact_traces(redactor, request, resource_cache)
    if isinstance(request, ExportLogsServiceRequest):
        return redact_logs(redactor, request, resource_cache)
    if isinstance(request, ExportMetricsServiceRequest):
        return redact_metrics(redactor, request, resource_cache)
    raise TypeError(f"not an OTLP export request: {type(request).__name__}")
