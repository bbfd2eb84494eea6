"""A long-running worker that records a span, a log record and a metric, says "ready", and waits to be stopped.

``APP_HANDLER=app``: the app installs its own SIGTERM/SIGINT handler (before telemetry, as a framework
would) that ends the main loop cleanly; ``default``: the signals keep their default actions.
``APP_RUN=once``: no waiting, the script ends normally after recording.
"""

import logging
import os
import signal
import sys
import time

stopping = []
if os.environ.get("APP_HANDLER") == "app":
    def on_stop(signum, frame):
        print(f"app handler: signal {signum}", flush=True)
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)

import telemetry  # noqa: E402

telemetry.setup()

from opentelemetry import metrics, trace  # noqa: E402

with trace.get_tracer("stop-app").start_as_current_span("before-stop"):
    logging.getLogger("stop-app").warning("recorded before the stop")
    metrics.get_meter("stop-app").create_counter("jobs.done").add(1)
print("ready", flush=True)
if os.environ.get("APP_RUN") == "once":
    sys.exit(0)
while not stopping:
    time.sleep(0.02)
print("stopped cleanly", flush=True)
