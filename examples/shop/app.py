"""A small shop: Flask + SQLite + an outgoing HTTP call — the kind of app whose traces leak.

It is deliberately careless (SQL with inlined literals, emails in query strings, secrets in
exception messages) so the demo can show what otel-privacy removes. Run it instrumented with
``opentelemetry-instrument`` or through ``otel-privacy demo``.
"""

from __future__ import annotations

import logging
import sqlite3

import requests
from flask import Flask, jsonify, request

log = logging.getLogger("shop")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);
CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL, card_last4 TEXT);
"""


def create_app(db_path: str, payments_url: str | None = None) -> Flask:
    app = Flask("shop")

    def db() -> sqlite3.Connection:
        conn = sqlite3.connect(db_path)
        conn.executescript(SCHEMA)
        return conn

    @app.get("/orders/<int:order_id>")
    def get_order(order_id: int):
        email = request.args.get("email", "")
        conn = db()
        try:
            # Inlined literals on purpose: this is what ends up in db.statement.
            cur = conn.cursor()  # the sqlite3 instrumentation traces cursors, not Connection.execute
            row = cur.execute(
                "SELECT orders.id, orders.total FROM orders JOIN users ON orders.user_id = users.id "
                f"WHERE users.email = '{email}' AND orders.id = {order_id}"
            ).fetchone()
        finally:
            conn.close()
        log.info("order %s looked up for %s", order_id, email)
        return jsonify({"order": row[0] if row else None, "total": row[1] if row else None})

    @app.post("/checkout")
    def checkout():
        body = request.get_json(force=True)
        conn = db()
        try:
            conn.cursor().execute(
                f"INSERT INTO orders (user_id, total, card_last4) VALUES ({int(body['user_id'])}, "
                f"{float(body['total'])}, '{body['card'][-4:]}')"
            )
            conn.commit()
        finally:
            conn.close()
        target = payments_url or request.host_url.rstrip("/")
        resp = requests.post(
            f"{target}/payments/authorize?card={body['card'].replace(' ', '')}&email={body['email']}",
            headers={"Authorization": f"Bearer {body['api_token']}"},
            timeout=5,
        )
        return jsonify({"payment": resp.status_code})

    @app.post("/payments/authorize")
    def authorize():
        return jsonify({"authorized": True})

    @app.get("/admin/reset")
    def reset():
        token = request.args.get("token", "")
        raise PermissionError(f"reset refused for admin@shop.example: api key {token} lacks the admin scope")

    return app


def seed(db_path: str) -> None:
    conn = sqlite3.connect(db_path)
    conn.executescript(SCHEMA)
    conn.execute("INSERT OR IGNORE INTO users VALUES (1, 'alice@example.com', 'Alice Liddell')")
    conn.execute("INSERT OR IGNORE INTO orders VALUES (42, 1, 99.5, '1111')")
    conn.commit()
    conn.close()
