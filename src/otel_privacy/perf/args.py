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
from opentelemetry.trace import Status, StatusCode

from ..redactor import Redactor
from .exceptions import record_exception, safe_repr

__all__ = ["trace_function"]

class _Defaults:
    """What :func:`otel_privacy.configure` (through ``install_perf``) decided for every ``@trace_function``."""

    def __init__(self) -> None:
        self.redactor: Redactor | None = None
        self.args = True
        self.exceptions = True
        self.locals = False
        self.owner: object = None


_defaults = _Defaults()
_fallback: Redactor | None = None


def set_defaults(redactor: Redactor | None, config: Any = None, owner: object = None) -> None:
    """Use ``redactor`` (the configured policy) and the ``args``/``exceptions``/``locals`` switches of
    ``config`` for every traced function that was not given its own. ``None`` restores the built-ins."""
    _defaults.redactor = redactor
    _defaults.args = bool(getattr(config, "args", True))
    _defaults.exceptions = bool(getattr(config, "exceptions", True))
    _defaults.locals = bool(getattr(config, "locals", False))
    _defaults.owner = owner


def reset_defaults(owner: object = None) -> None:
    if owner is None or _defaults.owner is owner:
        set_defaults(None)


def _redactor(explicit: Redactor | None) -> Redactor:
    global _fallback
    if explicit is not None:
        return explicit
    if _defaults.redactor is not None:
        return _defaults.redactor
    if _fallback is None:
        _fallback = Redactor("default")
    return _fallback


def _arg_attributes(redactor: Redactor, sig: inspect.Signature | None, args: tuple, kwargs: dict,
                    max_repr: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        bound = sig.bind_partial(*args, **kwargs) if sig is not None else None
    except TypeError:
        bound = None
    named = {str(name): value for name, value in (bound.arguments.items() if bound is not None else enumerate(args))}
    parameters = redactor.bound_names(named)  # run(sql, params): the parameters beside the statement
    for name, value in named.items():
        if name in ("self", "cls"):
            continue
        out[f"otel_privacy.args.{name}.type"] = type(value).__name__
        out[f"otel_privacy.args.{name}.value"] = safe_repr(redactor, name, value, max_repr, name in parameters)
    return out


class trace_function:  # noqa: N801 - used like a function, as in OpenTelemetry's own helpers
    """Decorator / context manager that traces a call with safe arguments; see the module docstring."""

    def __init__(self, func_or_name: Callable[..., Any] | str | None = None, *, name: str | None = None,
                 capture_args: bool = False, capture_locals: bool | None = None, max_repr: int = 120,
                 tracer_provider: Any = None, redactor: Redactor | None = None) -> None:
        self._func = func_or_name if callable(func_or_name) else None
        self.name = name or (func_or_name if isinstance(func_or_name, str) else None)
        self.capture_args = capture_args
        self.capture_locals = capture_locals
        self.max_repr = max_repr
        self.tracer_provider = tracer_provider
        self.redactor = redactor
        self._cms: list[Any] = []
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
        params = list(sig.parameters) if sig is not None else []
        receiver = params[0] if params and params[0] in ("self", "cls") else None

        def start(args: tuple, kwargs: dict) -> tuple[Any, Any]:
            ns = namespace
            if receiver is not None and args:  # the calling class (a subclass, when inherited)
                owner = args[0] if receiver == "cls" and isinstance(args[0], type) else type(args[0])
                ns = f"{owner.__module__}.{owner.__qualname__}"
            attrs: dict[str, Any] = {"code.function.name": func.__name__, "code.namespace": ns}
            if self.capture_args and _defaults.args:
                with contextlib.suppress(Exception):  # argument capture must never break the call
                    attrs.update(_arg_attributes(_redactor(self.redactor), sig, args, kwargs, self.max_repr))
            cm = self._tracer().start_as_current_span(span_name, attributes=attrs, record_exception=False,
                                                      set_status_on_exception=False)
            return cm, cm.__enter__()

        def fail(span: Any, exc: BaseException) -> None:
            self._fail(span, exc)

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

    def _fail(self, span: Any, exc: BaseException) -> None:
        if isinstance(exc, GeneratorExit):  # not an error: a closed coroutine/generator
            return
        if _defaults.exceptions:
            locals_ = _defaults.locals if self.capture_locals is None else self.capture_locals
            record_exception(span, exc, _redactor(self.redactor), capture_locals=locals_, max_repr=self.max_repr)
        else:
            with contextlib.suppress(Exception):
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", type(exc).__qualname__)

    # -- context manager: with trace_function("step"): ... ---------------------------------
    # (a stack, so one instance can be nested; use one instance per thread/task)
    def __enter__(self) -> Any:
        cm = self._tracer().start_as_current_span(self.name or "trace_function", record_exception=False,
                                                  set_status_on_exception=False)
        span = cm.__enter__()
        self._cms.append((cm, span))
        return span

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        cm, span = self._cms.pop()
        if exc is not None:
            self._fail(span, exc)
        cm.__exit__(None, None, None)
