"""OpenTelemetry SDK plug-ins: span/log processors, exporter wrappers, ``configure()`` and the distro."""

from .configure import PrivacyProviders, configure
from .exporters import RedactingLogExporter, RedactingMetricExporter, RedactingSpanExporter
from .processors import PrivacyLogProcessor, PrivacySpanProcessor

__all__ = [
    "configure",
    "PrivacyProviders",
    "PrivacySpanProcessor",
    "PrivacyLogProcessor",
    "RedactingSpanExporter",
    "RedactingLogExporter",
    "RedactingMetricExporter",
]
