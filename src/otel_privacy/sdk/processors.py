"""Span and log processors that hand a redacted copy of every record to a downstream processor.

Wrap the exporting processor you already use::

    provider.add_span_processor(PrivacySpanProcessor(BatchSpanProcessor(OTLPSpanExporter())))

Everything the downstream sees — and so everything exported — has passed the policy. If our
code fails on a record, the record is dropped and counted; the application never sees an error.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk._logs import LogRecordProcessor, ReadWriteLogRecord
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from ..policy import Policy
from ..redactor import Redactor
from ._convert import RecordCopier, SafetyNet

__all__ = ["PrivacySpanProcessor", "PrivacyLogProcessor"]


def _redactor(policy: Policy | str | dict | None, redactor: Redactor | None) -> Redactor:
    return redactor if redactor is not None else Redactor(policy)


class PrivacySpanProcessor(SpanProcessor):
    """Redact ended spans (name, attributes, events, links, status, resource) before ``downstream`` sees them.

    ``compiled``: redact spans with the compiled wire engine where it is built (``None``), never (``False``: the
    Redactor's Python steps) or always (``True``); the output is the same either way (see ``RecordCopier``).
    """

    def __init__(self, downstream: SpanProcessor, policy: Policy | str | dict | None = None, *,
                 redactor: Redactor | None = None, compiled: bool | None = None) -> None:
        self.downstream = downstream
        self.redactor = _redactor(policy, redactor)
        self.safety = SafetyNet()
        self._copier = RecordCopier(self.redactor, compiled=compiled)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        try:
            self.downstream.on_start(span, parent_context=parent_context)
        except Exception as exc:
            self.safety.failed("downstream on_start", exc)

    def _on_ending(self, span: Span) -> None:
        # SDK >= 1.33 calls this while the span is still writable; pass it on unchanged.
        hook = getattr(self.downstream, "_on_ending", None)
        if hook is not None:
            try:
                hook(span)
            except Exception as exc:
                self.safety.failed("downstream _on_ending", exc)

    def on_end(self, span: ReadableSpan) -> None:
        try:
            redacted = self._copier.span(span)
        except Exception as exc:  # fail closed: drop the span rather than export it raw
            self.safety.failed("span redaction", exc)
            return
        try:
            self.downstream.on_end(redacted)
        except Exception as exc:
            self.safety.failed("downstream on_end", exc)

    def shutdown(self) -> None:
        self.downstream.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.downstream.force_flush(timeout_millis)


class PrivacyLogProcessor(LogRecordProcessor):
    """Redact log records (body incl. nested maps, attributes incl. exception fields) before ``downstream``."""

    def __init__(self, downstream: LogRecordProcessor, policy: Policy | str | dict | None = None, *,
                 redactor: Redactor | None = None) -> None:
        self.downstream = downstream
        self.redactor = _redactor(policy, redactor)
        self.safety = SafetyNet()
        self._copier = RecordCopier(self.redactor)

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        try:
            redacted = self._copier.writable_log(log_record)
        except Exception as exc:  # fail closed
            self.safety.failed("log redaction", exc)
            return
        try:
            self.downstream.on_emit(redacted)
        except Exception as exc:
            self.safety.failed("downstream on_emit", exc)

    # Older SDKs call ``emit``; keep both names working.
    def emit(self, log_data: Any) -> None:  # pragma: no cover - SDK < 1.35
        self.on_emit(log_data)

    def shutdown(self) -> None:
        self.downstream.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.downstream.force_flush(timeout_millis)
