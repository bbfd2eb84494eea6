"""How the matrix apps opt in: with ``APP_OTEL=configure`` they call ``otel_privacy.configure()`` and the
official instrumentors, as a user would; with ``none`` or ``zero-code`` this does nothing (zero-code
is ``opentelemetry-instrument``'s job, outside the app)."""

from __future__ import annotations

import importlib
import os
from typing import Any

INSTRUMENTORS = {
    "fastapi": "opentelemetry.instrumentation.fastapi:FastAPIInstrumentor",
    "httpx": "opentelemetry.instrumentation.httpx:HTTPXClientInstrumentor",
    "sqlalchemy": "opentelemetry.instrumentation.sqlalchemy:SQLAlchemyInstrumentor",
    "flask": "opentelemetry.instrumentation.flask:FlaskInstrumentor",
    "sqlite3": "opentelemetry.instrumentation.sqlite3:SQLite3Instrumentor",
    "django": "opentelemetry.instrumentation.django:DjangoInstrumentor",
    "logging": "opentelemetry.instrumentation.logging:LoggingInstrumentor",
}


def setup(*instrumentations: str, **configure_args: Any) -> Any:
    """``configure()`` then ``instrument()`` each named instrumentation; None unless ``APP_OTEL=configure``."""
    if os.environ.get("APP_OTEL") != "configure":
        return None
    import otel_privacy

    providers = otel_privacy.configure("default", **configure_args)
    for name in instrumentations:
        module, cls = INSTRUMENTORS[name].split(":")
        getattr(importlib.import_module(module), cls)().instrument()
    return providers
