"""Run the canary corpus through Logfire's scrubbing (its defaults), printing what is exported as JSON.

Runs in its own virtualenv (Logfire pins an older OpenTelemetry SDK than this project): benchmarks/compare_tools.py
creates it and calls this script. Spans go through Logfire's own SDK, the way its users send them; the benign lines
are attributes of spans of their own. µs per string: Logfire's Scrubber on each string value, as the SDK calls it.
"""

import json
import sys
import time
from importlib.metadata import version

import logfire
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

with open(sys.argv[1], encoding="utf-8") as fh:
    corpus = json.load(fh)
exporter = InMemorySpanExporter()
logfire.configure(send_to_logfire=False, console=False, metrics=False,
                  additional_span_processors=[SimpleSpanProcessor(exporter)])
for span in corpus["spans"]:
    template = span["name"].replace("{", "{{").replace("}", "}}")
    with logfire.span(template, **span["attributes"]):  # attributes as Logfire expects them
        pass
for line in corpus["benign"]:
    with logfire.span("log", **{"log.message": line}):
        pass
finished = exporter.get_finished_spans()
n = len(corpus["spans"])
spans = [{"name": s.name, "attributes": dict(s.attributes or {})} for s in finished[:n]]
benign = [str((s.attributes or {}).get("log.message")) for s in finished[n:]]
us = None
try:  # the scrubber Logfire's span processor calls (an internal module: absent in other releases)
    from logfire._internal.scrubbing import Scrubber

    scrubber = Scrubber(None)
    strings = [s["name"] for s in corpus["spans"]] + [v for s in corpus["spans"] for v in s["attributes"].values()
                                                      if isinstance(v, str)] + corpus["benign"]
    times = []
    for _ in range(5):
        t0 = time.process_time()
        for s in strings:
            scrubber.scrub_value(("attributes", "log.message"), s)
        times.append((time.process_time() - t0) / len(strings) * 1e6)
    us = sorted(times)[2]
except Exception:  # noqa: BLE001 - timing is optional
    pass
print(json.dumps({"version": version("logfire"), "spans": spans, "benign": benign, "us_per_string": us},
                 default=str))
