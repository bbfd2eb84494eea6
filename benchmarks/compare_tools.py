"""Leak/utility comparison: the same canary corpus through other redaction options a user might pick.

Tools (each as its users would run it, defaults unless noted):
  * OpenTelemetry Python SDK, no redaction (what you get by default);
  * Logfire's scrubbing (logfire 4.20.0, default ScrubbingOptions) — in its own virtualenv under
    benchmarks/.venv-compare, because it pins an older OpenTelemetry SDK than this project;
  * otel-privacy, `default` and `strict` presets, through the SDK door (PrivacySpanProcessor).
Corpus: benchmarks/compare/corpus.json — 16 canaries (SQL literals, URL parameters, user ids and
e-mails, IPs, passwords, bearer tokens, API keys, cards, IBANs, SSNs, cloud keys, JWTs, exception
text) and 9 utility markers (tables, operations, hosts, paths, methods, status codes, frames).
Prints a Markdown table (pasted into the README) and writes results/compare_tools.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from _common import write_result  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from otel_privacy import PrivacySpanProcessor  # noqa: E402

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "compare" / "corpus.json"
VENV = HERE / ".venv-compare"


def run_sdk(policy: str | None) -> list[dict]:
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    processor = SimpleSpanProcessor(exporter)
    tp.add_span_processor(PrivacySpanProcessor(processor, policy=policy) if policy else processor)
    tracer = tp.get_tracer("compare")
    for span in json.loads(CORPUS.read_text())["spans"]:
        with tracer.start_as_current_span(span["name"], attributes=span["attributes"]):
            pass
    return [{"name": s.name, "attributes": dict(s.attributes or {})} for s in exporter.get_finished_spans()]


def run_logfire() -> list[dict] | str:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        res = subprocess.run([str(python), "-m", "pip", "install", "-q", "logfire==4.20.0"], capture_output=True,
                             text=True)
        if res.returncode != 0:
            return f"not installable here: {res.stderr.strip().splitlines()[-1] if res.stderr else '?'}"
    res = subprocess.run([str(python), str(HERE / "compare" / "run_logfire.py"), str(CORPUS)], capture_output=True,
                         text=True, env={**os.environ, "LOGFIRE_SEND_TO_LOGFIRE": "false"})
    if res.returncode != 0:
        return f"failed: {res.stderr.strip().splitlines()[-1]}"
    return json.loads(res.stdout)


def score(spans: list[dict], corpus: dict) -> dict:
    text = json.dumps(spans, default=str)
    leaked = [c for c in corpus["canaries"] if c in text]
    kept = [u for u in corpus["utility"] if u in text]
    return {"leaked": leaked, "kept": kept, "canaries": len(corpus["canaries"]), "utility": len(corpus["utility"])}


def main() -> None:
    corpus = json.loads(CORPUS.read_text())
    results = {
        "OpenTelemetry SDK (no redaction)": run_sdk(None),
        "Logfire scrubbing 4.20.0 (defaults)": run_logfire(),
        "otel-privacy `default`": run_sdk("default"),
        "otel-privacy `strict`": run_sdk("strict"),
    }
    rows = {}
    print("| tool | canaries leaked | utility markers kept | what leaked |")
    print("|---|---|---|---|")
    for tool, spans in results.items():
        if isinstance(spans, str):
            print(f"| {tool} | – | – | {spans} |")
            rows[tool] = {"error": spans}
            continue
        s = score(spans, corpus)
        rows[tool] = s
        what = ", ".join(s["leaked"][:6]) + (" …" if len(s["leaked"]) > 6 else "") or "—"
        print(f"| {tool} | {len(s['leaked'])}/{s['canaries']} | {len(s['kept'])}/{s['utility']} | {what} |")
    print(f"wrote {write_result('compare_tools', {'corpus': str(CORPUS.relative_to(HERE.parent)), 'rows': rows})}")


if __name__ == "__main__":
    main()
