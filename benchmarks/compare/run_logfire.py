"""Run the canary corpus through Logfire's scrubbing (its defaults), printing exported attributes as JSON.

Runs in its own virtualenv (Logfire pins an older OpenTelemetry SDK than this project):
benchmarks/compare_tools.py creates it and calls this script.
"""

import json
import sys

import logfire
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

with open(sys.argv[1]) as fh:
    corpus = json.load(fh)
exporter = InMemorySpanExporter()
logfire.configure(send_to_logfire=False, console=False, metrics=False,
                  additional_span_processors=[SimpleSpanProcessor(exporter)])
for span in corpus["spans"]:
    template = span["name"].replace("{", "{{").replace("}", "}}")
    with logfire.span(template, **span["attributes"]):  # attributes as Logfire expects them
        pass
out = [{"name": s.name, "attributes": {k: v for k, v in (s.attributes or {}).items()}}
       for s in exporter.get_finished_spans()]
print(json.dumps(out, default=str))
