"""Leak/utility/precision comparison: the same canary corpus through the redaction options a user might pick.

Tools, each in its own virtualenv at its newest release (benchmarks/compare/venvs.py pins them; made on first use
under benchmarks/.venv-compare, git-ignored) and applied the way its users apply it (benchmarks/compare/run_tool.py
says how, per tool):
  * the OpenTelemetry Python SDK, no redaction (what you get by default);
  * Logfire's scrubbing (default ScrubbingOptions, through Logfire's own SDK: benchmarks/compare/run_logfire.py);
  * sentry-sdk's EventScrubber, Sentry Relay's server-side PII rules (the `sentry-relay` package), Presidio's
    pattern recognizers, detect-secrets, scrubadub, ddtrace's query-string obfuscation;
  * otel-privacy, `default` and `strict` presets, through the SDK's two doors (PrivacySpanProcessor for the spans,
    PrivacyLogProcessor for the benign lines, which are log bodies).
Corpus: benchmarks/compare/corpus.json — canaries of every class issue #16 names (SQL literals, URL parameters, ids,
e-mails incl. internationalised ones, an IP, passwords and API keys under their keys, bearer tokens, vendor keys,
JWTs, cards and IBANs in any spelling, national ids, phone numbers, credentials in prose and command lines,
cookies, identities in text), utility markers (tables, operations, hosts, routes, methods, status codes, frames,
…) and benign lines — one per family of tests/data/benign_telemetry.txt plus look-alikes of the newer classes —
that must come out unchanged.
Columns: canaries leaked (found anywhere in the exported spans), utility markers kept, benign lines altered at
all, CPU µs per string (median of 5 passes over all the corpus strings, in the tool's own process). Prints the
Markdown table, then every leaked canary, lost marker and altered line per tool; writes
results/compare_tools.json. ``--readme`` also rewrites the table in README.md (between its compare_tools
markers).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from _common import write_result  # noqa: E402
from compare.venvs import TOOLS, python  # noqa: E402
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler  # noqa: E402
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

import otel_privacy  # noqa: E402
from otel_privacy import PrivacyLogProcessor, PrivacySpanProcessor, Redactor  # noqa: E402
from otel_privacy.redactor import RecordContext  # noqa: E402

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "compare" / "corpus.json"
README = HERE.parent / "README.md"
TABLE_START, TABLE_END = "<!-- compare_tools table -->", "<!-- /compare_tools table -->"


def run_sdk(policy: str | None, timed: bool = True) -> dict:
    """The corpus through the OpenTelemetry SDK: spans through PrivacySpanProcessor, the benign lines as log
    bodies (Python ``logging`` through the SDK's handler) through PrivacyLogProcessor — the two doors a user
    wires; ``policy=None`` is the SDK as it comes, no redaction."""
    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    processor = SimpleSpanProcessor(exporter)
    tp.add_span_processor(PrivacySpanProcessor(processor, policy=policy) if policy else processor)
    tracer = tp.get_tracer("compare")
    for span in corpus["spans"]:
        with tracer.start_as_current_span(span["name"], attributes=span["attributes"]):
            pass
    spans = [{"name": s.name, "attributes": dict(s.attributes or {})} for s in exporter.get_finished_spans()]
    log_exporter = InMemoryLogRecordExporter()
    lp = LoggerProvider()
    log_processor = SimpleLogRecordProcessor(log_exporter)
    lp.add_log_record_processor(PrivacyLogProcessor(log_processor, policy=policy) if policy else log_processor)
    logger = logging.getLogger(f"compare.{policy}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(LoggingHandler(logger_provider=lp))
    for line in corpus["benign"]:
        logger.info("%s", line)
    benign = [str(_log_record(d).body) for d in log_exporter.get_finished_logs()]
    us = None
    if policy and timed:
        # the whole text step a log body or attribute value pays (structures in the text, the detectors), without
        # the per-value memo, which would time dictionary look-ups on the second pass
        redactor = Redactor(policy)
        strings = _strings(corpus)
        us = _median_us(lambda: [redactor._scan(s, 0, RecordContext()) for s in strings], len(strings))
    return {"version": otel_privacy.__version__, "spans": spans, "benign": benign, "us_per_string": us}


def _log_record(data):  # LogData (SDK < 1.39) or ReadableLogRecord
    return getattr(data, "log_record", data)


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
    """``tool`` in its own venv (made on first use) over the corpus: its output, or why it could not run."""
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
    """What survived: canaries anywhere in the exported spans (names, keys, values), utility markers kept, benign
    lines changed at all (each with what the tool made of it)."""
    text = json.dumps(result["spans"], default=str, ensure_ascii=False)
    leaked = [c for c in corpus["canaries"] if c["value"] in text]
    lost = [u for u in corpus["utility"] if u not in text]
    altered = [{"line": b, "out": out} for b, out in zip(corpus["benign"], result["benign"]) if out != b]
    if len(result["benign"]) != len(corpus["benign"]):  # a line the tool dropped counts as altered
        altered += [{"line": b, "out": None} for b in corpus["benign"][len(result["benign"]):]]
    return {"version": result.get("version", ""), "us_per_string": result["us_per_string"],
            "canaries": len(corpus["canaries"]), "leaked": leaked,
            "utility": len(corpus["utility"]), "kept": len(corpus["utility"]) - len(lost), "utility_lost": lost,
            "benign": len(corpus["benign"]), "benign_altered": altered}


def by_class(canaries: list[dict]) -> str:
    """``phone 3, vendor key 2`` — the leaked canaries counted per class, in corpus order."""
    counts: dict[str, int] = {}
    for c in canaries:
        counts[c["class"]] = counts.get(c["class"], 0) + 1
    return ", ".join(f"{k} {n}" for k, n in counts.items()) or "none"


def table(rows: dict[str, dict], classes: int) -> list[str]:
    """The Markdown the README shows: the table, then which classes each tool leaked (folded)."""
    out = ["| tool | canaries leaked | classes with a leak | utility kept | benign altered | µs per string |",
           "|---|---|---|---|---|---|"]
    detail = []
    for tool, s in rows.items():
        if "error" in s:
            out.append(f"| {tool} | – | – | – | – | {s['error']} |")
            continue
        us = "–" if s["us_per_string"] is None else "<1" if s["us_per_string"] < 0.5 else f"{s['us_per_string']:.0f}"
        leaked_classes = len({c["class"] for c in s["leaked"]})
        out.append(f"| {tool} | {len(s['leaked'])}/{s['canaries']} | {leaked_classes}/{classes} | "
                   f"{s['kept']}/{s['utility']} | {len(s['benign_altered'])}/{s['benign']} | {us} |")
        detail.append(f"- {tool}: {by_class(s['leaked'])}")
    return [*out, "", "<details><summary>Canaries leaked, per class</summary>", "", *detail, "", "</details>"]


def update_readme(lines: list[str], readme: Path = README) -> bool:
    """Replace the table between the README's compare markers; False when the markers are missing."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        return False
    readme.write_text(text[:start + len(TABLE_START)] + "\n" + "\n".join(lines) + "\n" + text[end:], encoding="utf-8")
    return True


def main() -> None:
    corpus = json.loads(CORPUS.read_text(encoding="utf-8"))
    load = os.getloadavg()
    results: dict[str, dict | str] = {"OpenTelemetry SDK, no redaction": run_sdk(None)}
    for tool, (requirement, label) in TOOLS.items():
        res = run_tool(tool)
        version = res.get("version") if isinstance(res, dict) else None
        results[f"{label} {version or requirement.split()[0].split('==')[1]}"] = res
    for policy in ("default", "strict"):
        results[f"otel-privacy {otel_privacy.__version__} `{policy}`"] = run_sdk(policy)
    rows: dict[str, dict] = {tool: {"error": res} if isinstance(res, str) else score(res, corpus)
                             for tool, res in results.items()}
    lines = table(rows, len({c["class"] for c in corpus["canaries"]}))
    print("\n".join(lines))
    print()
    for tool, s in rows.items():  # the detail behind each row: nothing is summarised away
        if "error" in s:
            continue
        print(f"{tool}:")
        print("  leaked: " + ("; ".join(f"{c['class']}: {c['value']}" for c in s["leaked"]) or "nothing"))
        if s["utility_lost"]:
            print("  utility lost: " + ", ".join(s["utility_lost"]))
        for a in s["benign_altered"]:
            print(f"  benign altered: {a['line']!r} -> {a['out']!r}")
    peers = {t: s for t, s in rows.items() if "error" not in s and not t.startswith(("otel-privacy", "OpenTelemetry"))}
    for tool, s in rows.items():  # the bar: miss nothing any peer catches
        if tool.startswith("otel-privacy") and "error" not in s:
            s["leaked_but_caught_by_a_peer"] = {
                c["value"]: [p for p, ps in peers.items() if c not in ps["leaked"]] for c in s["leaked"]}
            for value, by in s["leaked_but_caught_by_a_peer"].items():
                if by:
                    print(f"{tool} leaks {value!r}, which {', '.join(by)} catch")
    load_end = os.getloadavg()
    print(f"\nload average (1 min) {load[0]:.2f} at start, {load_end[0]:.2f} at end")
    path = write_result("compare_tools", {
        "corpus": str(CORPUS.relative_to(HERE.parent)), "rows": rows, "load_average_1m": [load[0], load_end[0]],
        "method": "each tool in its own venv at the pinned release, applied as benchmarks/compare/run_tool.py says; "
                  "leaked: canary found anywhere in the exported spans; benign: lines changed at all; µs: CPU time "
                  "per string (span names, attribute values, benign lines), in each tool's own process"})
    print(f"wrote {path}")
    if "--readme" in sys.argv:
        print("README table updated" if update_readme(lines) else "README markers not found: table not written")


if __name__ == "__main__":
    main()
