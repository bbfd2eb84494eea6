"""The SDK door's export-time path: OTLP exporters send requests the wire engine has redacted.

Records are encoded by the SDK's own OTLP encoder, in the exporter's thread, as without us; the
encoded request is then redacted bytes → bytes (:mod:`otel_privacy.wire`, the gateway's engine) just
before it is sent. Nothing is copied per record on the application's thread, and the record-level
result is the gateway's by construction (the parity test of the processors keeps the other path equal).

:func:`redact_at_export` hooks an exporter of ``opentelemetry-exporter-otlp`` (HTTP or gRPC) where it
has its encoded request in hand; it returns False for any other exporter (console, a vendor's, a
version whose internals differ), and the caller redacts with the processors instead. A request that
cannot be redacted is not sent: the exporter returns its FAILURE result, as for a backend that refused
it (counted as failed by the SDK and the loss report, logged once), and nothing is raised to the caller.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..otlp_json import REQUEST_TYPES
from ..wire import WireRedactor
from ._convert import SafetyNet

__all__ = ["redact_at_export", "ExportRedactionFailed"]

_log = logging.getLogger("otel_privacy")


class ExportRedactionFailed(RuntimeError):
    """An encoded request could not be redacted, so it was not sent (fail closed)."""


@dataclass(frozen=True)
class _NotSent:
    """What the OTLP/HTTP client returns for an attempt that failed without a response (its result's fields)."""

    error: Exception
    success: bool = False
    status_code: int | None = None
    reason: str | None = "not redacted, not sent"


class _RedactingHttpClient:
    """The OTLP/HTTP exporter's transport, with each serialized request redacted before it goes out."""

    def __init__(self, inner: Any, walker: WireRedactor, signal: str, safety: SafetyNet) -> None:
        self._inner, self._walker, self._signal, self._safety = inner, walker, signal, safety

    def export(self, data: bytes, *args: Any, **kwargs: Any) -> Any:
        try:
            redacted = _redacted(self._walker, self._signal, data, self._safety)
        except ExportRedactionFailed as exc:  # the exporter reports FAILURE, as for a refused request
            return _NotSent(exc)
        return self._inner.export(redacted, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # shutdown, session, … as the exporter expects them
        return getattr(self._inner, name)


def _redacted(walker: WireRedactor, signal: str, data: bytes, safety: SafetyNet) -> bytes:
    try:
        return walker.redact(signal, data).data
    except Exception as exc:  # fail closed: this request is not sent
        safety.failed(f"{signal} export redaction", exc)
        raise ExportRedactionFailed(f"otel-privacy could not redact a {signal} request; it was not sent") from None


def redact_at_export(exporter: Any, signal: str, walker: WireRedactor, safety: SafetyNet | None = None) -> bool:
    """Make an OTLP ``exporter`` of ``signal`` redact every request it sends with ``walker``.

    True when the exporter is one this knows how to hook (``opentelemetry-exporter-otlp-proto-http`` or
    ``-grpc``); False (and the exporter untouched) otherwise.
    """
    safety = safety if safety is not None else SafetyNet()
    module = type(exporter).__module__
    if module.startswith("opentelemetry.exporter.otlp.proto.http."):
        client = getattr(exporter, "_client", None)
        if client is None or not callable(getattr(client, "export", None)):
            return False
        exporter._client = _RedactingHttpClient(client, walker, signal, safety)
        return True
    if module.startswith("opentelemetry.exporter.otlp.proto.grpc."):
        translate = getattr(exporter, "_translate_data", None)
        export = getattr(exporter, "export", None)
        failure = getattr(getattr(exporter, "_result", None), "FAILURE", None)
        if translate is None or export is None or failure is None:
            return False
        request_type = REQUEST_TYPES[signal]

        def _translate_data(data: Any, *args: Any, **kwargs: Any) -> Any:
            # gRPC serializes the message itself: hand it the redacted request as a message
            encoded = translate(data, *args, **kwargs).SerializeToString()
            return request_type.FromString(_redacted(walker, signal, encoded, safety))

        def export_or_fail(data: Any, *args: Any, **kwargs: Any) -> Any:
            # on the instance, in front of every export path (the log exporter calls the mixin's _export directly)
            try:
                return export(data, *args, **kwargs)
            except ExportRedactionFailed:  # not sent: the exporter's FAILURE, nothing raised to the SDK or the app
                return failure

        exporter._translate_data, exporter.export = _translate_data, export_or_fail
        return True
    return False


def export_redaction(redactor: Any, redact_at: str | None) -> Any:
    """For :func:`configure`: a function ``(exporter, signal) -> bool`` that hooks an OTLP exporter to redact at
    export (one walker per exporter) and says whether it did; with ``redact_at="processor"`` it never does.

    ``redact_at``: ``"export"`` or ``"processor"``; default ``OTEL_PRIVACY_REDACT_AT``, else ``export`` where the
    compiled wire core was built and ``processor`` where it was not (the Python walker is the reference, not the
    fast path: without the core the processors cost less).
    """
    import os

    from ..wire import compiled_core_available

    where = (redact_at or os.environ.get("OTEL_PRIVACY_REDACT_AT") or "").strip().lower()
    if where not in ("export", "processor"):
        if where:
            _log.warning("otel-privacy: redact_at=%r is neither 'export' nor 'processor'; using the default", where)
        where = "export" if compiled_core_available() else "processor"
    safety = SafetyNet()

    def hook(exporter: Any, signal: str) -> bool:
        return where == "export" and redact_at_export(exporter, signal, WireRedactor(redactor), safety)

    return hook
