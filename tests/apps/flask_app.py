"""Flask under gunicorn (``--preload``: set up once in the arbiter, forked into every worker), sqlite3, logging,
CPU work on the request thread for the sampling profiler."""

import logging
import os
import sqlite3
import time

import telemetry

telemetry.setup("flask", "sqlite3")

from flask import Flask, jsonify, request  # noqa: E402
from opentelemetry import trace  # noqa: E402

log = logging.getLogger("shop")
log.setLevel(logging.INFO)  # gunicorn configures its own loggers; the app sets its own level
if not log.handlers:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    log.addHandler(handler)
DB = os.environ["APP_DB"]
with sqlite3.connect(DB) as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, email TEXT, card TEXT)")
app = Flask(__name__)


@app.get("/health")
def health():
    return jsonify(ok=True)


@app.get("/orders/<int:order_id>")
def order(order_id: int):
    email = request.args.get("email", "")
    with sqlite3.connect(DB) as conn:  # literals in the statements, as careless code writes them
        cursor = conn.cursor()
        cursor.execute(f"INSERT OR REPLACE INTO orders (id, email, card) VALUES ({order_id}, '{email}', "
                       "'4111111111111111')")
        rows = cursor.execute(f"SELECT id FROM orders WHERE id = {order_id} AND email = '{email}'").fetchall()
    log.info("order %s looked up for %s", order_id, email)
    end = time.process_time() + 0.15  # CPU on the request thread: SIGPROF samples it
    while time.process_time() < end:
        pass
    trace.get_current_span().set_attribute("app.worker_pid", os.getpid())
    return jsonify(order=order_id, rows=len(rows), pid=os.getpid())
