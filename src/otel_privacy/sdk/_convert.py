"""Copy OpenTelemetry SDK records with redacted strings (the SDK door's adapter onto the Redactor).

Each function takes an SDK object, hands its string-carrying parts to the Redactor's record-level
functions and builds a new object; the original is never modified, so other processors on the
same provider still see what the application produced.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any

from opentelemetry.sdk._logs import ReadableLogRecord, ReadWriteLogRecord
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, Status

from ..redactor import Redactor

try:  # the compiled wire core (optional); without it spans take the Redactor's Python steps
    from .. import _wirecore
except ImportError:  # pragma: no cover - no compiler at install time
    _wirecore = None

_log = logging.getLogger("otel_privacy")


class SafetyNet:
    """Our code runs inside the user's app: failures are caught, counted and logged once per kind."""

    def __init__(self) -> None:
        self.errors = 0
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def failed(self, where: str, exc: BaseException) -> None:
        with self._lock:
            self.errors += 1
            first = where not in self._seen
            self._seen.add(where)
        if first:
            _log.warning("otel-privacy: %s failed (%r); the record was dropped, never exported raw", where, exc)


def _plain(attributes: Any) -> Any:
    """The plain dict behind the SDK's ``BoundedAttributes`` (read-only use).

    The SDK exposes span attributes as a ``MappingProxyType`` over ``BoundedAttributes``, whose
    iteration and lookups run in Python under a lock (~15 µs for ten attributes); ended spans no
    longer change, so reading the underlying dict is safe and several times cheaper. Anything else
    is returned as it is.
    """
    inner = getattr(attributes, "_dict", None)
    return inner if inner.__class__ is dict else attributes


class _RedactedReadableSpan(ReadableSpan):
    """A redacted copy that keeps the original's dropped attribute/event/link counts.

    ``ReadableSpan`` reads those counts from its bounded containers; the copy carries plain ones,
    and the counts are still exported (``dropped_attributes_count`` …), so they are stored here.
    """

    def __init__(self, dropped: tuple[int, int, int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._otel_privacy_dropped = dropped

    @property
    def dropped_attributes(self) -> int:
        return self._otel_privacy_dropped[0]

    @property
    def dropped_events(self) -> int:
        return self._otel_privacy_dropped[1]

    @property
    def dropped_links(self) -> int:
        return self._otel_privacy_dropped[2]


class RecordCopier:
    """Redacted copies of spans and log records, with resource and scope redaction cached per object.

    ``compiled``: spans go through the compiled wire engine (``None``: where it is built; ``False``: the Redactor's
    Python steps, the reference; ``True``: required). A span whose name and attributes the engine's encoder takes
    (strings, booleans, int64s, floats and tuples of them; no events, links or status message) is redacted as the
    one-span OTLP request it would be exported as — the gateway's walk, memo and C paths for URLs, SQL and
    pseudonyms, whose output the differential tests keep equal to the Python steps'; any other span, and any
    failure there, takes the Python steps.
    """

    def __init__(self, redactor: Redactor, *, compiled: bool | None = None) -> None:
        self.redactor = redactor
        self._resources: dict[int, tuple[Resource, Resource]] = {}
        self._scopes: dict[int, tuple[Any, Any]] = {}
        self._wire: Any = None  # the WireRedactor, made at the first span (a log processor never needs one)
        self.on_wire = 0  # spans the wire engine redacted (tests and benchmarks check the fast path is taken)
        if compiled and _wirecore is None:
            raise RuntimeError("the compiled wire core (otel_privacy._wirecore) is not built")
        self._use_wire = compiled is not False and _wirecore is not None

    def resource(self, resource: Resource | None) -> Resource | None:
        if resource is None:
            return None
        hit = self._resources.get(id(resource))
        if hit is not None and hit[0] is resource:
            return hit[1]
        attributes = self.redactor.redact_resource(resource.attributes)
        # unchanged (nothing to redact, no summary on resources): the original, so spans need no copy for it
        redacted = resource if attributes == dict(resource.attributes) else Resource(attributes, resource.schema_url)
        if len(self._resources) < 256:  # providers have one resource; bound it anyway
            self._resources[id(resource)] = (resource, redacted)  # keep the original alive: ids stay unique
        return redacted

    def scope(self, scope: InstrumentationScope | None) -> InstrumentationScope | None:
        if scope is None or not scope.attributes:
            return scope
        hit = self._scopes.get(id(scope))
        if hit is not None and hit[0] is scope:
            return hit[1]
        attributes = self.redactor.redact_scope(scope.attributes)
        redacted = scope if attributes == dict(scope.attributes) else InstrumentationScope(
            scope.name, scope.version, scope.schema_url, attributes)
        if len(self._scopes) < 1024:
            self._scopes[id(scope)] = (scope, redacted)
        return redacted

    def span(self, span: ReadableSpan) -> ReadableSpan:
        """The span redacted: a copy where anything changed, the span itself where nothing did."""
        if self._use_wire and not span.events and not span.links and not span.status.description:
            try:
                done = self._span_on_wire(span)
            except Exception as exc:  # noqa: BLE001 - the Python steps below are the reference; they decide
                _log.debug("otel-privacy: wire engine failed on a span (%r); the Python steps redact it", exc)
                done = None
            if done is not None:
                return done
        r = self.redactor
        status = span.status
        src_events, src_links = span.events, span.links
        src_attrs = _plain(getattr(span, "_attributes", None)) or span.attributes
        src_event_attrs = [_plain(ev.attributes) for ev in src_events]
        src_link_attrs = [_plain(link.attributes) for link in src_links]
        out = r.redact_span(span.name, src_attrs, [(ev.name, a) for ev, a in zip(src_events, src_event_attrs)],
                            src_link_attrs, status.description)
        resource = self.resource(span.resource)
        scope = self.scope(span.instrumentation_scope)
        # nothing changed (no value counted, no attribute derived or added): pass the span's own parts on
        same = out.count == 0 and len(out.attributes) == len(src_attrs or ()) and all(
            len(a) == len(b or ()) for (_, a), b in zip(out.events, src_event_attrs)) and all(
            len(a) == len(b or ()) for a, b in zip(out.links, src_link_attrs))
        if same:
            if resource is span.resource and scope is span.instrumentation_scope:
                return span
            attributes, events, links = span.attributes, src_events, src_links
        else:
            attributes = out.attributes
            events = [Event(name, attrs, ev.timestamp) for ev, (name, attrs) in zip(src_events, out.events)]
            links = [Link(link.context, attrs) for link, attrs in zip(src_links, out.links)]
            if out.status_description != status.description:
                status = Status(status.status_code, out.status_description)
        return _RedactedReadableSpan(
            (span.dropped_attributes, span.dropped_events, span.dropped_links),
            name=out.name,
            context=span.context,
            parent=span.parent,
            resource=resource,
            attributes=attributes,
            events=events,
            links=links,
            kind=span.kind,
            status=status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=scope,
        )

    def _span_on_wire(self, span: ReadableSpan) -> ReadableSpan | None:
        """:meth:`span` through the wire engine, or ``None`` where its encoder leaves the span to the Python steps."""
        src_attrs = _plain(getattr(span, "_attributes", None)) or span.attributes
        data = _wirecore.span_request(span.name, src_attrs or None)
        if data is None:
            return None
        if self._wire is None:
            from ..wire import WireRedactor

            self._wire = WireRedactor(self.redactor, compiled=True)
        result = self._wire.redact("traces", data)
        parts = _wirecore.span_result(result.data)
        if parts is None:
            return None
        name, attributes = parts
        self.on_wire += 1
        resource = self.resource(span.resource)
        scope = self.scope(span.instrumentation_scope)
        if result.changed == 0 and name == span.name and len(attributes) == len(src_attrs or ()):
            if resource is span.resource and scope is span.instrumentation_scope:
                return span
            attributes = span.attributes
        return _RedactedReadableSpan(
            (span.dropped_attributes, span.dropped_events, span.dropped_links),
            name=name, context=span.context, parent=span.parent, resource=resource, attributes=attributes,
            events=span.events, links=span.links, kind=span.kind, status=span.status, start_time=span.start_time,
            end_time=span.end_time, instrumentation_scope=scope,
        )

    def _log_record(self, lr: Any) -> Any:
        out = self.redactor.redact_log(lr.body, _plain(lr.attributes), getattr(lr, "event_name", None))
        new = type(lr).__new__(type(lr))
        new.__dict__.update(lr.__dict__)
        new.body = out.body
        new.attributes = out.attributes
        if hasattr(new, "event_name"):
            new.event_name = out.event_name
        if hasattr(new, "exception"):
            new.exception = None  # its type, message and trace are already (redacted) attributes
        return new

    def writable_log(self, record: ReadWriteLogRecord) -> ReadWriteLogRecord:
        return ReadWriteLogRecord(
            log_record=self._log_record(record.log_record),
            resource=self.resource(record.resource),
            instrumentation_scope=self.scope(record.instrumentation_scope),
            limits=record.limits,
        )

    def readable_log(self, record: ReadableLogRecord) -> ReadableLogRecord:
        return dataclasses.replace(
            record,
            log_record=self._log_record(record.log_record),
            resource=self.resource(record.resource),
            instrumentation_scope=self.scope(record.instrumentation_scope),
        )
