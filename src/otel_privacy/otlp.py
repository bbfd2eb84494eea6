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


def set_kv(container: Any, values: Mapping[str, Any]) -> None:
    """Replace a repeated ``KeyValue`` field with ``values``."""
    del container[:]
    for k, v in values.items():
        py_to_any(v, container.add(key=k).value)


def _redact_attrs_in_place(redactor: Redactor, container: Any) -> int:
    if not container:
        return 0
    before = kv_to_dict(container)
    rec = redactor.new_record(before)
    after = redactor.redact_attributes(before, rec)
    if rec.count or after.keys() != before.keys():
        set_kv(container, after)
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
                out = redactor.redact_span(
                    span.name,
                    kv_to_dict(span.attributes),
                    [(ev.name, kv_to_dict(ev.attributes)) for ev in span.events],
                    [kv_to_dict(link.attributes) for link in span.links],
                    span.status.message if span.HasField("status") else None,
                )
                span.name = out.name
                set_kv(span.attributes, out.attributes)
                for ev, (ev_name, ev_attrs) in zip(span.events, out.events):
                    ev.name = ev_name
                    set_kv(ev.attributes, ev_attrs)
                for link, link_attrs in zip(span.links, out.links):
                    set_kv(link.attributes, link_attrs)
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
                out = redactor.redact_log(
                    any_to_py(lr.body) if has_body else None,
                    kv_to_dict(lr.attributes),
                    lr.event_name or None,
                )
                if has_body:
                    lr.ClearField("body")
                    if out.body is not None:
                        py_to_any(out.body, lr.body)
                set_kv(lr.attributes, out.attributes)
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
