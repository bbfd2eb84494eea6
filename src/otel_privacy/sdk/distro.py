"""Entry points for ``opentelemetry-instrument``: zero-code setup with the privacy plug-ins.

``pip install otel-privacy`` registers ``otel_privacy`` under ``opentelemetry_distro`` and
``opentelemetry_configurator``. Select them (when other distros are installed too) with
``OTEL_PYTHON_DISTRO=otel_privacy`` and ``OTEL_PYTHON_CONFIGURATOR=otel_privacy``.
"""

from __future__ import annotations

import os

from opentelemetry.instrumentation.distro import BaseDistro
from opentelemetry.sdk._configuration import _BaseConfigurator


class PrivacyDistro(BaseDistro):
    """Defaults like the upstream distro: OTLP for every signal, http/protobuf."""

    def _configure(self, **kwargs: object) -> None:
        os.environ.setdefault("OTEL_TRACES_EXPORTER", "otlp")
        os.environ.setdefault("OTEL_METRICS_EXPORTER", "otlp")
        os.environ.setdefault("OTEL_LOGS_EXPORTER", "otlp")
        os.environ.setdefault("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")


class PrivacyConfigurator(_BaseConfigurator):
    """Builds the providers with :func:`otel_privacy.configure` (policy from ``OTEL_PRIVACY_POLICY``)."""

    def _configure(self, **kwargs: object) -> None:
        from .configure import configure

        configure(capture_logging=os.environ.get(
            "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED", "true").lower() != "false")
