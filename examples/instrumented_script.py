"""Zero-code example: run with ``opentelemetry-instrument`` and the otel_privacy distro.

    OTEL_PYTHON_DISTRO=otel_privacy OTEL_PYTHON_CONFIGURATOR=otel_privacy \
    OTEL_SERVICE_NAME=script opentelemetry-instrument python examples/instrumented_script.py

Nothing here mentions otel-privacy: the distro wires the privacy processors in front of OTLP.
"""

import logging
import sqlite3

from opentelemetry import trace

tracer = trace.get_tracer("example.script")

with tracer.start_as_current_span("nightly-job") as span:
    span.set_attribute("user.email", "carol@example.com")
    span.set_attribute("db.password", "correct-horse-battery")
    span.add_event("note", {"detail": "mailed dave@example.com"})
    conn = sqlite3.connect(":memory:")
    cur = conn.cursor()
    cur.execute("CREATE TABLE t (email TEXT)")
    cur.execute("INSERT INTO t VALUES ('erin@example.com')")
    logging.getLogger("job").warning("finished for frank@example.com")
