"""``@trace_function``: a span per call, with safe arguments and exceptions.

```python
@otel_privacy.trace_function(capture_args=True)
def charge(order_id: int, card_number: str, *, password: str): ...
```

records ``code.function.name``, ``code.namespace`` (the calling class for methods),
``otel_privacy.args.<name>.type`` and ``otel_privacy.args.<name>.value`` — a truncated repr that went
through the Redactor under the argument's name (``password`` → ``REDACTED``; a card number in a
string → ``REDACTED``). Exceptions are recorded with :func:`.exceptions.record_exception`.
Works on functions, methods, coroutines, and as ``with trace_function("name"):``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable
from typing import Any

from opentelemetry import trace

from ..redactor import Redactor
from .exceptions import record_exception, safe_repr

__all__ = ["trace_function"]

_default_redactor: Redactor | None = None


def _redactor(explicit: Redactor | None) -> Redactor:
    global _default_redactor
    if explicit is not None:
        return explicit
    if _default_redactor is None:
        _default_redactor = Redactor("default")
    return _default_redactor


def _arg_attributes(redactor: Redactor, sig: inspect.Signature | None, args: tuple, kwargs: dict,
                    max_repr: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        bound = sig.bind_partial(*args, **kwargs) if sig is not None else None
    except TypeError:
        bound = None
    items = bound.arguments.items() if bound is not None else enumerate(args)
    for name, value in items:
        name = str(name)
        if name in ("self", "cls"):
            continue
        out[f"otel_privacy.args.{name}.type"] = type(value).__name__
        out[f"otel_privacy.args.{name}.value"] = safe_repr(redactor, name, value, max_repr)
    return out


class trace_function:  # noqa: N801 - used like a function, as in OpenTelemetry's own helpers
    """Decorator / context manager that traces a call with safe arguments; see the module docstring."""

    def __init__(self, func_or_name: Callable[..., Any] | str | None = None, *, name: str | None = None,
                 capture_args: bool = False, capture_locals: bool = False, max_repr: int = 120,
                 tracer_provider: Any = None, redactor: Redactor | None = None) -> None:
        self._func = func_or_name if callable(func_or_name) else None
        self.name = name or (func_or_name if isinstance(func_or_name, str) else None)
        self.capture_args = capture_args
        self.capture_locals = capture_locals
        self.max_repr = max_repr
        self.tracer_provider = tracer_provider
        self.redactor = redactor
        self._cm: Any = None
        if self._func is not None:  # used bare: @trace_function
            functools.update_wrapper(self, self._func)
            self._wrapped = self._wrap(self._func)

    def _tracer(self) -> trace.Tracer:
        return trace.get_tracer("otel_privacy.perf", tracer_provider=self.tracer_provider)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._func is not None:
            return self._wrapped(*args, **kwargs)
        (func,) = args  # used with arguments: @trace_function(capture_args=True)
        return self._wrap(func)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:  # bare decorator on a method
        if obj is None or self._func is None:
            return self
        return functools.partial(self._wrapped, obj)

    def _wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        span_name = self.name or func.__qualname__
        try:
            sig = inspect.signature(func)
        except (TypeError, ValueError):
            sig = None
        qualname = func.__qualname__
        namespace = f"{func.__module__}.{qualname.rsplit('.', 1)[0]}" if "." in qualname else func.__module__

        def start(args: tuple, kwargs: dict) -> tuple[Any, Any]:
            attrs: dict[str, Any] = {"code.function.name": func.__name__, "code.namespace": namespace}
            if self.capture_args:
                with contextlib.suppress(Exception):  # argument capture must never break the call
                    attrs.update(_arg_attributes(_redactor(self.redactor), sig, args, kwargs, self.max_repr))
            cm = self._tracer().start_as_current_span(span_name, attributes=attrs, record_exception=False,
                                                      set_status_on_exception=False)
            return cm, cm.__enter__()

        def fail(span: Any, exc: BaseException) -> None:
            record_exception(span, exc, _redactor(self.redactor), capture_locals=self.capture_locals,
                             max_repr=self.max_repr)

        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                cm, span = start(args, kwargs)
                try:
                    return await func(*args, **kwargs)
                except BaseException as exc:
                    fail(span, exc)
                    raise
                finally:
                    cm.__exit__(None, None, None)

            return async_wrapper

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            cm, span = start(args, kwargs)
            try:
                return func(*args, **kwargs)
            except BaseException as exc:
                fail(span, exc)
                raise
            finally:
                cm.__exit__(None, None, None)

        return wrapper

    # -- context manager: with trace_function("step"): ... ---------------------------------
    def __enter__(self) -> Any:
        self._cm = self._tracer().start_as_current_span(self.name or "trace_function", record_exception=False,
                                                        set_status_on_exception=False)
        self._span = self._cm.__enter__()
        return self._span

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None:
            record_exception(self._span, exc, _redactor(self.redactor), capture_locals=self.capture_locals,
                             max_repr=self.max_repr)
        self._cm.__exit__(None, None, None)
