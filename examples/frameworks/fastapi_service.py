"""A FastAPI service with SQLAlchemy on SQLite and an outgoing httpx call, set up with one configure() call.

    pip install 'otel-privacy[demo]'
    OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 PORT=8000 uvicorn fastapi_service:app --port 8000
    curl 'localhost:8000/orders/7?email=carol@example.com' -H 'Authorization: Bearer secret'

Or leave this file's first four code lines out and run it zero-code:

    OTEL_PYTHON_DISTRO=otel_privacy OTEL_PYTHON_CONFIGURATOR=otel_privacy OTEL_SERVICE_NAME=shop \\
        opentelemetry-instrument uvicorn fastapi_service:app --port 8000

Either way the app behaves as without OpenTelemetry: its logging.basicConfig works and its INFO records
are exported once; Ctrl-C and SIGTERM end it as before, after flushing what was recorded (within
OTEL_PRIVACY_SHUTDOWN_TIMEOUT seconds, default 5). The same tests run this setup for Flask under
gunicorn --preload, Django and plain job runners (tests/test_app_matrix.py).
"""

import logging
import os

from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

import otel_privacy

otel_privacy.configure("default", service_name="shop")  # before the instrumentors and the app
for instrumentor in (FastAPIInstrumentor(), HTTPXClientInstrumentor(), SQLAlchemyInstrumentor()):
    instrumentor.instrument()

import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

logging.basicConfig(level=logging.INFO)  # the app's own logging: still printed, and exported at INFO
log = logging.getLogger("shop")
engine = create_engine(f"sqlite:///{os.environ.get('SHOP_DB', 'shop.db')}")
with engine.begin() as conn:
    conn.execute(text("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, email TEXT)"))
app = FastAPI()


@app.get("/orders/{order_id}")
async def order(order_id: int, email: str = "") -> dict:
    with engine.begin() as conn:  # the literal is obfuscated in db.statement / db.query.text
        conn.execute(text(f"INSERT OR REPLACE INTO orders VALUES ({order_id}, '{email}')"))
    log.info("order %s for %s", order_id, email)  # the e-mail is redacted in the exported log record
    async with httpx.AsyncClient() as client:  # the query value is redacted in url.full
        await client.get(f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health?api_key=not-for-the-backend")
    return {"order": order_id}


@app.get("/health")
async def health() -> dict:
    return {"ok": True}
