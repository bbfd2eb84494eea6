"""A job runner: jobs on a concurrent.futures thread pool and asyncio tasks, each in a span, with sqlite3 and
logging; says "ready" and waits for SIGTERM/SIGINT (default actions)."""

import asyncio
import logging
import os
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import telemetry

telemetry.setup("sqlite3")

from opentelemetry import trace  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
log = logging.getLogger("shop")
tracer = trace.get_tracer("jobs")
DB = os.environ["APP_DB"]


def job(n: int) -> int:
    with tracer.start_as_current_span("job.run") as span:
        span.set_attribute("job.id", n)
        with sqlite3.connect(DB) as conn:
            cursor = conn.cursor()
            cursor.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, email TEXT, card TEXT)")
            cursor.execute(f"INSERT OR REPLACE INTO orders VALUES ({n}, 'carol@example.com', '4111111111111111')")
        log.info("order %s looked up for %s", n, "carol@example.com")
        return n * n


async def task(n: int) -> int:
    with tracer.start_as_current_span("task.run") as span:
        span.set_attribute("task.id", n)
        await asyncio.sleep(0.01)
        log.info("order %s looked up for %s", 100 + n, "carol@example.com")
        return n


with ThreadPoolExecutor(max_workers=3) as pool:
    results = list(pool.map(job, range(4)))


async def main() -> list:
    return await asyncio.gather(*(task(n) for n in range(3)))


print("jobs", results, "tasks", asyncio.run(main()), flush=True)
print("ready", flush=True)
while True:
    time.sleep(0.02)
