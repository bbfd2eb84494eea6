"""Exceptions with useful stacks and nothing private.

:func:`exception_attributes` gives the semantic-convention attributes of an exception event:
``exception.type``, ``exception.message`` (through the text and URL scrubbers), and
``exception.stacktrace`` whose frames (file, line, function) are kept while the source lines and the
message inside it are scrubbed. With ``capture_locals``, ``otel_privacy.exception.locals`` lists the
innermost frame's local variable names and types, with values only as redacted, truncated reprs.
"""

from __future__ import annotations

import re
import traceback
from typing import Any

from opentelemetry.sdk.trace import Event, SpanProcessor
from opentelemetry.trace import Span, Status, StatusCode

from ..redactor import DROP, Redactor
from .profiler import scrub_path

__all__ = ["exception_attributes", "record_exception", "safe_repr", "scrub_stacktrace_paths", "ExceptionSpanProcessor"]


# A repr longer than this is cut before redaction too (a 10 MB list must not cost 10 MB of scanning); the cut goes
# back to a separator and the partial token after it is dropped, so no half secret reaches the detectors.
_MAX_SCANNED_REPR = 64 * 1024
_SEPARATORS = re.compile(r"[\s,;()\[\]{}]")


def safe_repr(redactor: Redactor, name: str, value: Any, max_len: int, bound: bool = False) -> str:
    """A repr that passed the Redactor under ``name`` (a ``password`` is REDACTED), then cut to ``max_len``;
    ``bound``: the value is a driver's parameters beside their statement (``Redactor.bound_names``), every value
    of which goes.

    Redaction comes first: a repr cut first could end inside an e-mail, a card number or a token that the
    detectors would then no longer recognise, and its visible part would be exported.
    """
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not break the app
        text = f"<{type(value).__name__} (repr failed)>"
    if len(text) > _MAX_SCANNED_REPR:
        cut = text[:_MAX_SCANNED_REPR]
        last = max((m.start() for m in _SEPARATORS.finditer(cut, _MAX_SCANNED_REPR - 512)), default=0)
        text = cut[:last] + "…"
    out = redactor.redact_bound(text) if bound else redactor.redact_value(name, text)
    if out is DROP:
        return "<dropped>"
    if not isinstance(out, str):
        return redactor.replacement
    if len(out) > max_len:
        out = out[: max_len - 1] + "…"
    return out


def _frames(tb: traceback.TracebackException, redactor: Redactor, lines: list[str]) -> None:
    for fs in tb.stack:
        lines.append(f'  File "{scrub_path(fs.filename)}", line {fs.lineno}, in {fs.name}')
        if fs.line:
            lines.append(f"    {redactor.redact_text(fs.line.strip())}")


def _type_name(exc_type: type) -> str:
    name = exc_type.__qualname__
    module = exc_type.__module__
    return name if module in ("builtins", "__main__") else f"{module}.{name}"


def exception_attributes(exc: BaseException, redactor: Redactor, *, capture_locals: bool = False,
                         max_repr: int = 120, max_frames: int = 64) -> dict[str, Any]:
    tb = traceback.TracebackException.from_exception(exc, limit=max_frames, capture_locals=False)
    chain: list[tuple[traceback.TracebackException, str | None]] = []
    seen: set[int] = set()
    cur: traceback.TracebackException | None = tb
    note: str | None = None
    while cur is not None and id(cur) not in seen and len(chain) < 8:  # causes first, as Python prints them
        seen.add(id(cur))
        chain.append((cur, note))
        if cur.__cause__ is not None:
            cur, note = cur.__cause__, "The above exception was the direct cause of the following exception:"
        elif cur.__context__ is not None and not cur.__suppress_context__:
            cur, note = cur.__context__, "During handling of the above exception, another exception occurred:"
        else:
            cur = None
    lines: list[str] = []
    for i, (part, _) in enumerate(reversed(chain)):
        if i:
            lines += ["", chain[len(chain) - i][1] or "", ""]
        lines.append("Traceback (most recent call last):")
        _frames(part, redactor, lines)
        msg = redactor.redact_text(str(part))
        name = _type_name(part.exc_type) if part.exc_type is not None else "Exception"
        lines.append(f"{name}: {msg}" if msg else name)
    message = redactor.redact_text(str(exc))
    exc_type = _type_name(type(exc))
    attrs: dict[str, Any] = {
        "exception.type": exc_type,
        "exception.message": message,
        "exception.stacktrace": redactor.redact_text("\n".join(lines)),
    }
    if capture_locals and exc.__traceback__ is not None:
        frame = exc.__traceback__
        while frame.tb_next is not None:
            frame = frame.tb_next
        local_values = dict(list(frame.tb_frame.f_locals.items())[:32])
        bound = redactor.bound_names(local_values)  # execute(self, sql, params): the parameters beside the SQL
        attrs["otel_privacy.exception.locals"] = [
            f"{name}: {type(value).__name__} = {safe_repr(redactor, name, value, max_repr, name in bound)}"
            for name, value in local_values.items()
        ]
    return attrs


_FILE = re.compile(r'File "([^"]+)"')


def scrub_stacktrace_paths(text: str) -> str:
    """Shorten the ``File "..."`` paths of a formatted Python traceback (see :func:`.profiler.scrub_path`)."""
    return _FILE.sub(lambda m: f'File "{scrub_path(m.group(1))}"', text)


class ExceptionSpanProcessor(SpanProcessor):
    """Tidies ``exception`` events the SDK itself recorded (``record_exception=True``, the default of
    ``start_as_current_span``): frame paths lose site-packages, stdlib, working-directory and home
    prefixes. Message and stack text are then redacted by the privacy processor like any attribute."""

    def _on_ending(self, span: Span) -> None:  # type: ignore[override]
        tidy_exception_events(span)


def tidy_exception_events(span: Any) -> None:
    """Shorten frame paths in the span's ``exception`` events (called while the span is ending)."""
    try:
        events = span._events  # noqa: SLF001 - the span is ending; the public API refuses now
        if not events:
            return
        events = getattr(events, "_dq", events)  # BoundedList keeps a deque (item assignment works there)
        for i, event in enumerate(list(events)):
            if event.name != "exception" or not event.attributes:
                continue
            stack = event.attributes.get("exception.stacktrace")
            if not isinstance(stack, str):
                continue
            new = scrub_stacktrace_paths(stack)
            if new != stack:
                attrs = dict(event.attributes)
                attrs["exception.stacktrace"] = new
                events[i] = Event(event.name, attrs, event.timestamp)
    except Exception:  # noqa: BLE001 - never break the app's span
        pass


def record_exception(span: Span, exc: BaseException, redactor: Redactor, *, capture_locals: bool = False,
                     max_repr: int = 120, escaped: bool = True) -> None:
    """Add an ``exception`` event with :func:`exception_attributes` and mark the span as an error."""
    try:
        attrs = exception_attributes(exc, redactor, capture_locals=capture_locals, max_repr=max_repr)
        attrs["exception.escaped"] = escaped
        span.add_event("exception", attrs)
        span.set_status(Status(StatusCode.ERROR, attrs["exception.message"][:200]))
    except Exception:  # noqa: BLE001 - recording must never raise into the app
        pass
