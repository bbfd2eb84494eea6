"""Read what a door exported: OTLP requests → one :class:`Record` per span, log record or metric point.

Every string and bytes field is collected generically (walking the protobuf descriptors), so a field
nobody thought of is still checked; bytes are read as UTF-8 and as Latin-1. A record is attributed
to its case by its ``fuzz.case`` attribute; its scope and resource strings (and a metric's name and
description) travel with it as context.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from otel_privacy.otlp import any_to_py
from otel_privacy.otlp_json import REQUEST_TYPES

from .carriers import CASE_KEY

_ID_FIELDS = frozenset({"trace_id", "span_id", "parent_span_id"})
_STRING, _BYTES, _MESSAGE = 9, 12, 11


@dataclass
class Record:
    signal: str
    case: int | None
    strings: list[str]
    attributes: dict[str, Any] = field(default_factory=dict)
    context: list[str] = field(default_factory=list)  # scope + resource (+ metric name/description)
    body: Any = None  # a log record's body


def strings_of(msg: Message, out: list[str]) -> list[str]:
    for fd, value in msg.ListFields():
        t = fd.type
        if t == _MESSAGE:
            if fd.is_repeated:
                for v in value:
                    strings_of(v, out)
            else:
                strings_of(value, out)
        elif t == _STRING:
            out.extend(value) if fd.is_repeated else out.append(value)
        elif t == _BYTES and fd.name not in _ID_FIELDS:
            for v in (value if fd.is_repeated else [value]):
                out.append(v.decode("utf-8", "replace"))
                out.append(v.decode("latin-1"))
    return out


def _attrs(kvs: Any) -> dict[str, Any]:
    return {kv.key: any_to_py(kv.value) for kv in kvs}


def _case(attrs: dict[str, Any]) -> int | None:
    v = attrs.get(CASE_KEY)
    return v if isinstance(v, int) and not isinstance(v, bool) else None


#: signal -> (resource list, scope list, record list) field names of its export request
_SHAPE = {"traces": ("resource_spans", "scope_spans", "spans"), "logs": ("resource_logs", "scope_logs", "log_records")}


def records(signal: str, request: Message) -> Iterator[Record]:
    if signal in _SHAPE:
        resources, scopes, items = _SHAPE[signal]
        for rx in getattr(request, resources):
            res = strings_of(rx.resource, [rx.schema_url])
            for sx in getattr(rx, scopes):
                ctx = strings_of(sx.scope, [sx.schema_url]) + res
                for item in getattr(sx, items):
                    attrs = _attrs(item.attributes)
                    record = Record(signal, _case(attrs), strings_of(item, []), attrs, ctx)
                    if signal == "logs" and item.HasField("body"):
                        record.body = any_to_py(item.body)
                    yield record
    else:
        for rm in request.resource_metrics:
            res = strings_of(rm.resource, [rm.schema_url])
            for sm in rm.scope_metrics:
                scope = strings_of(sm.scope, [sm.schema_url]) + res
                for metric in sm.metrics:
                    ctx = [metric.name, metric.description, metric.unit]
                    for kv in getattr(metric, "metadata", ()):
                        strings_of(kv, ctx)
                    kind = metric.WhichOneof("data")
                    if kind is None:
                        continue
                    for point in getattr(metric, kind).data_points:
                        attrs = _attrs(point.attributes)
                        yield Record(signal, _case(attrs), strings_of(point, []), attrs, ctx + scope)


def parse_bodies(bodies: dict[str, list[bytes]]) -> list[Record]:
    out: list[Record] = []
    for signal, items in bodies.items():
        for body in items:
            out.extend(records(signal, REQUEST_TYPES[signal].FromString(body)))
    return out
