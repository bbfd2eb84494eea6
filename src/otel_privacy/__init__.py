"""otel-privacy: privacy-safe performance telemetry for OpenTelemetry.

Public API only. The engine (:class:`Policy`, :class:`Redactor`) imports no OpenTelemetry code;
the SDK plug-ins are loaded on first use.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .policy import Policy, PolicyError
from .redactor import Redactor

_LAZY = {
    "configure": "otel_privacy.sdk.configure",
    "PrivacySpanProcessor": "otel_privacy.sdk.processors",
    "PrivacyLogProcessor": "otel_privacy.sdk.processors",
    "RedactingSpanExporter": "otel_privacy.sdk.exporters",
    "RedactingLogExporter": "otel_privacy.sdk.exporters",
    "RedactingMetricExporter": "otel_privacy.sdk.exporters",
    "trace_function": "otel_privacy.perf.args",
    "UsageReporter": "otel_privacy.usage.reporter",
}

__all__ = ["__version__", "Policy", "PolicyError", "Redactor", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'otel_privacy' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
