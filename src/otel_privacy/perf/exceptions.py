"""Exceptions with useful stacks and nothing private.

:func:`exception_attributes` gives the semantic-convention attributes of an exception event:
``exception.type``, ``exception.message`` (through the text and URL scrubbers), and
``exception.stacktrace`` whose frames (file, line, function) are kept while the source lines and the
message inside it are scrubbed. With ``capture_locals``, ``otel_privacy.exception.locals`` lists the
innermost frame's local variable names and types, with values only as redacted, truncated reprs.
"""

from __future__ import annotations

import traceback
from typing import Any

from opentelemetry.trace import Span, Status, StatusCode

from ..redactor import DROP, Redactor
from .profiler import _short_path

__all__ = ["exception_attributes", "record_exception", "safe_repr"]


def safe_repr(redactor: Redactor, name: str, value: Any, max_len: int) -> str:
    """A truncated repr that passed the Redactor under ``name`` (so a ``password`` is REDACTED)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not break the app
        text = f"<{type(value).__name__} (repr failed)>"
    if len(text) > max_len:
        text = text[: max_len - 1] + "…"
    out = redactor.redact_value(name, text)
    if out is DROP:
        return "<dropped>"
    return out if isinstance(out, str) else redactor.replacement


def exception_attributes(exc: BaseException, redactor: Redactor, *, capture_locals: bool = False,
                         max_repr: int = 120, max_frames: int = 64) -> dict[str, Any]:
    tb = traceback.TracebackException.from_exception(exc, limit=max_frames, capture_locals=False)
    lines = ["Traceback (most recent call last):"]
    for fs in tb.stack:
        lines.append(f'  File "{_short_path(fs.filename)}", line {fs.lineno}, in {fs.name}')
        if fs.line:
            lines.append(f"    {redactor.redact_text(fs.line.strip())}")
    message = redactor.redact_text(str(exc))
    exc_type = type(exc).__qualname__
    module = type(exc).__module__
    if module not in ("builtins", "__main__"):
        exc_type = f"{module}.{exc_type}"
    lines.append(f"{exc_type}: {message}" if message else exc_type)
    attrs: dict[str, Any] = {
        "exception.type": exc_type,
        "exception.message": message,
        "exception.stacktrace": redactor.redact_text("\n".join(lines)),
    }
    if capture_locals and exc.__traceback__ is not None:
        frame = exc.__traceback__
        while frame.tb_next is not None:
            frame = frame.tb_next
        attrs["otel_privacy.exception.locals"] = [
            f"{name}: {type(value).__name__} = {safe_repr(redactor, name, value, max_repr)}"
            for name, value in list(frame.tb_frame.f_locals.items())[:32]
        ]
    return attrs


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
