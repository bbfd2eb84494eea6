"""FastAPI (Starlette) under uvicorn, SQLAlchemy on SQLite, an outgoing httpx call, Python logging."""

import logging
import os

import telemetry

telemetry.setup("fastapi", "httpx", "sqlalchemy")

import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
log = logging.getLogger("shop")
engine = create_engine(f"sqlite:///{os.environ['APP_DB']}")
with engine.begin() as conn:
    conn.execute(text("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, email TEXT, card TEXT)"))
app = FastAPI()


@app.get("/health")
async def health() -> dict:
    return {"ok": True}


@app.get("/orders/{order_id}")
async def order(order_id: int, email: str = "") -> dict:
    with engine.begin() as conn:  # literals in the statement, as careless code writes them
        conn.execute(text(f"INSERT INTO orders (id, email, card) VALUES ({order_id}, '{email}', '4111111111111111')"))
        found = conn.execute(text(f"SELECT id FROM orders WHERE email = '{email}'")).fetchall()
    log.info("order %s looked up for %s", order_id, email)
    async with httpx.AsyncClient() as client:
        peer = await client.get(f"http://127.0.0.1:{os.environ['APP_PORT']}/health?token=peer-secret-token-4711")
    return {"order": order_id, "rows": len(found), "peer": peer.status_code}
