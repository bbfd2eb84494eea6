"""Python ``logging`` into OpenTelemetry logs through exactly one handler, with the app's logging untouched.

The app's handlers, levels, ``basicConfig``/``dictConfig``/``fileConfig`` and console output behave as
if we were not there:

* **One handler.** The bridge is a single handler on the root logger (a second ``configure()``
  replaces it). Any other OpenTelemetry ``LoggingHandler`` on the root logger that feeds the same
  logger provider — the one ``opentelemetry-instrumentation-logging`` installs (zero-code
  ``opentelemetry-instrument`` loads it), one the SDK configurator adds, one added by hand — gets a
  filter that silences it while the bridge is attached, so every record is exported once.
* **Levels are the app's.** The bridge has level ``NOTSET`` (or ``OTEL_PYTHON_LOG_HANDLER_LEVEL``), so
  it exports exactly what the app's logger levels let through: ``basicConfig(level=INFO)`` exports INFO.
* **Configuration still works.** ``basicConfig`` does nothing once the root logger has a handler; so
  the bridge steps off the root logger for the duration of ``basicConfig``/``dictConfig``/
  ``fileConfig`` and back on afterwards (as ``opentelemetry-instrumentation-logging`` does for its own).
* **Console output unchanged.** Without any handler, Python prints warnings to stderr through
  ``logging.lastResort``; our handler must not count as "a handler" for that, so a record that finds no
  handler but ours is handed to ``lastResort`` exactly as Python would.
* **Never raises into the app**: an export failure is counted on the handler (``errors``).
"""

from __future__ import annotations

import logging
import logging.config
import os
import warnings
import weakref
from typing import Any

from opentelemetry._logs import get_logger_provider

try:  # a handler created before the global provider was set holds the proxy that later delegates to it
    from opentelemetry._logs._internal import ProxyLoggerProvider
except ImportError:  # pragma: no cover - API layout differs
    ProxyLoggerProvider = ()  # type: ignore[assignment,misc]

try:  # the handler OpenTelemetry recommends; the SDK's own is deprecated
    from opentelemetry.instrumentation.logging.handler import LoggingHandler as _OTelHandler
except ImportError:  # pragma: no cover - depends on what is installed
    from opentelemetry.sdk._logs import LoggingHandler as _OTelHandler

__all__ = ["PrivacyLoggingHandler", "install_logging_bridge", "otel_log_handlers"]

_LEVELS = {"notset": logging.NOTSET, "debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING,
           "warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL}

_current: weakref.ReferenceType[PrivacyLoggingHandler] | None = None  # the attached bridge, if any


def _handler_classes() -> tuple[type, ...]:
    """Every OpenTelemetry logging-handler class importable here."""
    classes: list[type] = [_OTelHandler]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from opentelemetry.sdk._logs import LoggingHandler as sdk_handler
        classes.append(sdk_handler)
    except ImportError:  # pragma: no cover
        pass
    return tuple(dict.fromkeys(classes))


def otel_log_handlers(logger: logging.Logger | None = None) -> list[logging.Handler]:
    """The OpenTelemetry log handlers on ``logger`` (default root) that are not silenced: the ones that export."""
    classes = _handler_classes()
    return [h for h in (logger or logging.getLogger()).handlers
            if isinstance(h, classes) and not any(isinstance(f, _Silenced) and f.active() for f in h.filters)]


class _Silenced(logging.Filter):
    """On a duplicate OpenTelemetry handler: drop records while the bridge is attached to the root logger."""

    def __init__(self, bridge: PrivacyLoggingHandler) -> None:
        super().__init__()
        self._bridge = weakref.ref(bridge)

    def active(self) -> bool:
        bridge = self._bridge()
        return bridge is not None and bridge in logging.getLogger().handlers

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.active()


class PrivacyLoggingHandler(_OTelHandler):  # type: ignore[misc,valid-type]
    """The bridge: an OpenTelemetry ``LoggingHandler`` that silences duplicates and keeps ``lastResort``."""

    def __init__(self, level: int = logging.NOTSET, logger_provider: Any = None) -> None:
        with warnings.catch_warnings():  # the SDK's fallback class warns that it is deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            # The handler's own level stays NOTSET: Python hands every record to it, so the console
            # fallback below sees every record; ``level`` only decides what is exported.
            super().__init__(level=logging.NOTSET, logger_provider=logger_provider)
        self.export_level = level
        self.errors = 0
        self._silenced: weakref.WeakSet[logging.Handler] = weakref.WeakSet()
        self._classes = _handler_classes()

    # -- one handler ---------------------------------------------------------------------
    def _feeds_our_provider(self, handler: logging.Handler) -> bool:
        provider = getattr(handler, "_logger_provider", None)
        if provider is self._logger_provider:
            return True
        global_provider = get_logger_provider()
        return global_provider is self._logger_provider and (
            provider is global_provider or isinstance(provider, ProxyLoggerProvider))

    def silence_duplicates(self) -> None:
        """Give every other OpenTelemetry handler on the root logger that feeds our provider the filter."""
        for handler in list(logging.getLogger().handlers):
            if (handler is not self and handler not in self._silenced and isinstance(handler, self._classes)
                    and self._feeds_our_provider(handler)):
                handler.addFilter(_Silenced(self))
                self._silenced.add(handler)

    def handle(self, record: logging.LogRecord) -> bool:
        # Handlers run in list order: a duplicate added after us is silenced before it sees this record.
        try:
            self.silence_duplicates()
            if record.levelno >= getattr(logging.lastResort, "level", logging.CRITICAL + 1):
                self._last_resort(record)
        except Exception:  # noqa: BLE001 - logging must never raise into the app
            self.errors += 1
        return super().handle(record)

    def _get_attributes(self, record: logging.LogRecord) -> Any:
        """The record's extras that OpenTelemetry can carry; objects (Django's ``request``, a socket, ...)
        are dropped rather than rejected with an SDK warning logged from inside this handler."""
        result = super()._get_attributes(record)
        attributes, rest = (result[0], result[1:]) if isinstance(result, tuple) else (result, None)
        kept = {k: v for k, v in attributes.items() if _is_attribute_value(v)}
        return (kept, *rest) if rest is not None else kept

    def emit(self, record: logging.LogRecord) -> None:
        emitting = getattr(self, "_is_emitting", None)  # the SDK's fallback handler has no such guard
        if record.levelno < self.export_level or (emitting is not None and emitting.get()):
            return  # a record logged while we export one (the SDK warning about it) is not exported again
        try:
            super().emit(record)
        except Exception:  # noqa: BLE001 - an export failure must not reach the app's log call
            self.errors += 1

    # -- the app's console output -----------------------------------------------------------
    def _last_resort(self, record: logging.LogRecord) -> None:
        """Do what ``Logger.callHandlers`` does when it finds no handler, not counting ours."""
        if logging.lastResort is not None and not _finds_app_handler(record.name, self._classes):
            logging.lastResort.handle(record)


_SCALARS = (str, bool, int, float, bytes)


def _is_attribute_value(value: Any) -> bool:
    if value is None or isinstance(value, _SCALARS):
        return True
    if isinstance(value, (list, tuple)):
        return all(isinstance(item, _SCALARS) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_attribute_value(v) for k, v in value.items())
    return False


def _finds_app_handler(name: str, ours: tuple[type, ...]) -> bool:
    """Would a record of logger ``name`` reach a handler that is not an OpenTelemetry one? (Python counts
    a handler whatever its level, and stops climbing at a logger that does not propagate.)"""
    logger: Any = logging.Logger.manager.loggerDict.get(name)
    if not isinstance(logger, logging.Logger):
        logger = logging.getLogger()
    while logger is not None:
        if any(not isinstance(handler, ours) for handler in logger.handlers):
            return True
        if not logger.propagate:
            return False
        logger = logger.parent
    return False


def warn_where_the_app_sees_it(logger: logging.Logger, msg: str, *args: Any) -> None:
    """A warning of ours, through the app's handlers — or, where it has none but OpenTelemetry ones
    (whose pipelines may be shut down by now), on stderr through ``lastResort`` as Python would."""
    if not logger.isEnabledFor(logging.WARNING):
        return
    record = logger.makeRecord(logger.name, logging.WARNING, "(otel-privacy)", 0, msg, args, None)
    if _finds_app_handler(logger.name, _handler_classes()):
        logger.handle(record)
    elif logging.lastResort is not None:
        logging.lastResort.handle(record)


def _bridge() -> PrivacyLoggingHandler | None:
    return _current() if _current is not None else None


def _steps_aside(config_function: Any) -> Any:
    """``config_function`` run with the bridge off the root logger, so ``basicConfig`` sees the app's
    handlers only and ``dictConfig`` does not close it; put back afterwards, even if it raised."""

    def with_bridge_aside(*args: Any, **kwargs: Any) -> Any:
        bridge = _bridge()
        root = logging.getLogger()
        attached = bridge is not None and bridge in root.handlers
        if attached:
            root.removeHandler(bridge)
        try:
            return config_function(*args, **kwargs)
        finally:
            if attached and bridge not in root.handlers:
                root.addHandler(bridge)
                bridge.silence_duplicates()

    with_bridge_aside.__wrapped__ = config_function  # type: ignore[attr-defined]
    with_bridge_aside.__otel_privacy_bridge__ = True  # type: ignore[attr-defined]
    return with_bridge_aside


def _wrap_config_functions() -> None:
    """Once per process (the wrappers look the bridge up at call time, so a new bridge needs none)."""
    for module, name in ((logging, "basicConfig"), (logging.config, "dictConfig"), (logging.config, "fileConfig")):
        current = getattr(module, name)
        if not getattr(current, "__otel_privacy_bridge__", False):
            setattr(module, name, _steps_aside(current))


def install_logging_bridge(logger_provider: Any) -> PrivacyLoggingHandler:
    """Attach the bridge for ``logger_provider`` to the root logger, replacing a previous bridge."""
    global _current
    previous = _bridge()
    root = logging.getLogger()
    if previous is not None:
        root.removeHandler(previous)
    level = _LEVELS.get(os.environ.get("OTEL_PYTHON_LOG_HANDLER_LEVEL", "").strip().lower(), logging.NOTSET)
    bridge = PrivacyLoggingHandler(level=level, logger_provider=logger_provider)
    _wrap_config_functions()
    root.addHandler(bridge)
    _current = weakref.ref(bridge)
    bridge.silence_duplicates()
    return bridge


def remove_logging_bridge(bridge: logging.Handler) -> None:
    """Detach ``bridge`` (silenced duplicates export again: their filter only acts while it is attached)."""
    global _current
    logging.getLogger().removeHandler(bridge)
    if _bridge() is bridge:
        _current = None
