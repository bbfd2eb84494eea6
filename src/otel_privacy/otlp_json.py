"""OTLP/JSON encoding of the OTLP export requests, per the OTLP specification.

OTLP/JSON is the protobuf JSON mapping with two differences that :mod:`google.protobuf.json_format`
does not know about: ``traceId``, ``spanId`` and ``parentSpanId`` are hex strings (not base64), and
enum values are integers. This module converts both ways so files written by the OpenTelemetry
Collector's file exporter, by our gateway and by ``otel-privacy redact`` read back identically.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

__all__ = ["REQUEST_TYPES", "ROOT_KEYS", "OtlpJsonError", "loads", "dumps", "to_dict", "from_dict", "signal_of"]

REQUEST_TYPES: dict[str, type[Message]] = {
    "traces": ExportTraceServiceRequest,
    "logs": ExportLogsServiceRequest,
    "metrics": ExportMetricsServiceRequest,
}
ROOT_KEYS = {"resourceSpans": "traces", "resourceLogs": "logs", "resourceMetrics": "metrics"}
_ID_KEYS = frozenset({"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"})


class OtlpJsonError(ValueError):
    """The bytes are not a valid OTLP/JSON export request; the message says why, briefly."""


def signal_of(data: dict[str, Any]) -> str | None:
    """``traces`` / ``logs`` / ``metrics`` from the request's root key, or ``None``."""
    for key, signal in ROOT_KEYS.items():
        if key in data or _snake(key) in data:
            return signal
    return None


def loads(signal: str | None, data: bytes | str) -> Message:
    """Parse one OTLP/JSON export request; ``signal=None`` infers it from the root key."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OtlpJsonError(f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise OtlpJsonError("an OTLP/JSON request must be a JSON object")
    return from_dict(signal, obj)


def from_dict(signal: str | None, obj: dict[str, Any]) -> Message:
    signal = signal or signal_of(obj)
    if signal not in REQUEST_TYPES:
        raise OtlpJsonError("not an OTLP request (no resourceSpans, resourceLogs or resourceMetrics)")
    message = REQUEST_TYPES[signal]()
    try:
        json_format.ParseDict(_ids(obj, _hex_to_b64), message, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError) as exc:
        raise OtlpJsonError(f"invalid OTLP/JSON {signal} request: {str(exc)[:200]}") from None
    return message


def to_dict(message: Message) -> dict[str, Any]:
    """The OTLP/JSON object for ``message`` (hex ids, integer enums, lowerCamelCase names)."""
    obj = json_format.MessageToDict(message, use_integers_for_enums=True, preserving_proto_field_name=False)
    return _ids(obj, _b64_to_hex)


def dumps(message: Message, *, indent: int | None = None) -> bytes:
    return json.dumps(to_dict(message), indent=indent, separators=None if indent else (",", ":")).encode()


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _hex_to_b64(value: str) -> str:
    try:
        return base64.b64encode(bytes.fromhex(value)).decode()
    except ValueError:
        raise OtlpJsonError(f"trace/span ids must be hex strings, got {value[:40]!r}") from None


def _b64_to_hex(value: str) -> str:
    try:
        return base64.b64decode(value).hex()
    except (binascii.Error, ValueError):
        return value


def _ids(obj: Any, convert: Any) -> Any:
    """Copy ``obj`` converting every trace/span id field with ``convert``."""
    if isinstance(obj, dict):
        return {k: (convert(v) if k in _ID_KEYS and isinstance(v, str) and v else _ids(v, convert))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_ids(v, convert) for v in obj]
    return obj
