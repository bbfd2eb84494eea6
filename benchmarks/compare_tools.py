"""Leak/utility/precision comparison: the same canary corpus through the redaction options a user might pick.

Tools, each in its own virtualenv at its current release (benchmarks/compare/venvs.py) and applied the way its
users apply it (benchmarks/compare/run_tool.py says how, per tool):
  * OpenTelemetry Python SDK, no redaction (what you get by default);
  * Logfire's scrubbing (default ScrubbingOptions, through Logfire's own SDK: benchmarks/compare/run_logfire.py);
  * sentry-sdk's EventScrubber, Sentry Relay's server-side PII rules (the `sentry-relay` package),
    Presidio's pattern recognizers, detect-secrets, scrubadub, ddtrace's query-string obfuscation;
  * otel-privacy, `default` and `strict` presets, through the SDK door (PrivacySpanProcessor).
Corpus: benchmarks/compare/corpus.json — 29 canaries (SQL literals, URL parameters, user ids and e-mails, an IP,
passwords, bearer tokens, API keys of several vendors, cards, IBANs, SSNs, a UK NI number, phone numbers,
prose and command-line credentials, a cookie, an internationalised e-mail, an id in prose), 13 utility markers
(tables, operations, hosts, paths, methods, status codes, frames, …) and 50 benign lines of real-looking
telemetry (a sample of tests/data/benign_telemetry.txt) that must come out unchanged.
Columns: canaries leaked, utility markers kept, benign lines altered, CPU µs per string (median of 5 passes over
all the corpus strings, in the tool's own process). Prints a Markdown table (pasted into the README) and writes
results/compare_tools.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from _common import write_result  # noqa: E402
from compare.venvs import TOOLS, python  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from otel_privacy import PrivacySpanProcessor, Redactor  # noqa: E402

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "compare" / "corpus.json"


def run_sdk(policy: str | None) -> dict:
    corpus = json.loads(CORPUS.read_text())
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    processor = SimpleSpanProcessor(exporter)
    tp.add_span_processor(PrivacySpanProcessor(processor, policy=policy) if policy else processor)
    tracer = tp.get_tracer("compare")
    for span in corpus["spans"]:
        with tracer.start_as_current_span(span["name"], attributes=span["attributes"]):
            pass
    for line in corpus["benign"]:
        with tracer.start_as_current_span("log", attributes={"log.message": line}):
            pass
    finished = exporter.get_finished_spans()
    n = len(corpus["spans"])
    spans = [{"name": s.name, "attributes": dict(s.attributes or {})} for s in finished[:n]]
    benign = [str((s.attributes or {}).get("log.message")) for s in finished[n:]]
    us = None
    if policy:
        redactor = Redactor(policy)
        strings = _strings(corpus)
        us = _median_us(lambda: [redactor.text.scrub(s) for s in strings], len(strings))
    return {"version": "", "spans": spans, "benign": benign, "us_per_string": us}


def _strings(corpus: dict) -> list[str]:
    return [s["name"] for s in corpus["spans"]] + [v for s in corpus["spans"] for v in s["attributes"].values()
                                                   if isinstance(v, str)] + corpus["benign"]


def _median_us(fn, n: int, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        times.append((time.process_time() - t0) / n * 1e6)
    return sorted(times)[rounds // 2]


def run_tool(tool: str) -> dict | str:
    py = python(tool)
    if isinstance(py, str):
        return py
    script = HERE / "compare" / ("run_logfire.py" if tool == "logfire" else "run_tool.py")
    args = [str(py), str(script)] + ([] if tool == "logfire" else [tool]) + [str(CORPUS)]
    res = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "LOGFIRE_SEND_TO_LOGFIRE": "false",
                                                                       "PYTHONPATH": ""})
    if res.returncode != 0:
        return f"failed: {res.stderr.strip().splitlines()[-1] if res.stderr.strip() else '?'}"
    return json.loads(res.stdout.strip().splitlines()[-1])


def score(result: dict, corpus: dict) -> dict:
    text = json.dumps(result["spans"], default=str, ensure_ascii=False)
    leaked = [c for c in corpus["canaries"] if c in text]
    kept = [u for u in corpus["utility"] if u in text]
    altered = [b for b, out in zip(corpus["benign"], result["benign"]) if out != b]
    return {"leaked": leaked, "kept": kept, "benign_altered": altered, "canaries": len(corpus["canaries"]),
            "utility": len(corpus["utility"]), "benign": len(corpus["benign"]),
            "us_per_string": result["us_per_string"], "version": result.get("version", "")}


def main() -> None:
    corpus = json.loads(CORPUS.read_text())
    results: dict[str, dict | str] = {"OpenTelemetry SDK (no redaction)": run_sdk(None)}
    for tool, (requirement, label) in TOOLS.items():
        res = run_tool(tool)
        version = res.get("version") if isinstance(res, dict) else None
        results[f"{label} {version or requirement.split('==')[1]}"] = res
    results["otel-privacy `default`"] = run_sdk("default")
    results["otel-privacy `strict`"] = run_sdk("strict")
    rows = {}
    print("| tool | canaries leaked | utility kept | benign altered | µs per string | what leaked |")
    print("|---|---|---|---|---|---|")
    for tool, res in results.items():
        if isinstance(res, str):
            print(f"| {tool} | – | – | – | – | {res} |")
            rows[tool] = {"error": res}
            continue
        s = score(res, corpus)
        rows[tool] = s
        what = ", ".join(s["leaked"][:5]) + (" …" if len(s["leaked"]) > 5 else "") or "—"
        us = f"{s['us_per_string']:.0f}" if s["us_per_string"] is not None else "–"
        print(f"| {tool} | {len(s['leaked'])}/{s['canaries']} | {len(s['kept'])}/{s['utility']} | "
              f"{len(s['benign_altered'])}/{s['benign']} | {us} | {what} |")
    path = write_result("compare_tools", {"corpus": str(CORPUS.relative_to(HERE.parent)), "rows": rows,
                                          "method": "µs: CPU time per string, median of 5 passes, in each tool's "
                                                    "own process; benign: lines changed at all"})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
