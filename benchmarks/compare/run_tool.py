"""Apply one peer redaction tool to the comparison corpus, the way its users apply it; print JSON.

Runs inside the tool's own virtualenv (benchmarks/compare/venvs.py makes them), so each tool is at its current
release and none of them touches the project's environment:

    python run_tool.py TOOL corpus.json            -> {"version", "spans", "benign", "us_per_string"}
    python run_tool.py TOOL lines.json --bench N   -> {"version", "results": {variant: CPU s per line, ...}}

``spans``: the corpus spans with every string attribute (and the span name) as the tool leaves them;
``benign``: the benign lines as the tool leaves them (each applied as a log message).
``--bench``: N interleaved rounds over the mixed and benign lines, the tool against one compiled ``re.search``
pass measured in the same process (medians of per-round ratios are taken by the caller).

How each tool is applied:
  sentry-sdk      EventScrubber() (its default denylist) on a transaction event whose spans carry the attributes
                  as span data and the strings as a log message (`scrub_event`, what the SDK runs before sending)
  sentry-relay    pii_strip_event with the PII config Relay derives from the default data-scrubbing settings
                  (scrubData, scrubDefaults, scrubIpAddresses) — what Sentry's server applies to every event
  presidio        AnalyzerEngine with Presidio's model-free "no_op" NLP engine (so its default registry minus the NER
                  recognizer: every predefined pattern recognizer, default score threshold 0), then AnonymizerEngine
                  with its default operator (each finding replaced by <ENTITY>)
  detect-secrets  the line plugins and filters `detect-secrets scan` runs over a file (default settings), over each
                  string's lines as lines of a log file; each reported value (and the rest of its token) replaced
  scrubadub       scrubadub.clean(text) with its default detectors
  ddtrace         what the tracer's integrations do to the URL they tag (user info dropped, then the query string
                  redacted with the default DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP), on http.url / url.full;
                  everything else as exported
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import time
from collections.abc import Callable

URL_KEYS = ("http.url", "url.full")
_KEEP: list = []  # context managers that must stay entered for the process
SCRUB_MANY: dict[str, Callable[[list[str]], None]] = {}  # tool -> how it is timed when not string by string


def _spans_via(scrub_value: Callable[[str, str], str], corpus: dict) -> list[dict]:
    out = []
    for span in corpus["spans"]:
        attrs = {k: scrub_value(k, v) if isinstance(v, str) else v for k, v in span["attributes"].items()}
        out.append({"name": scrub_value("span.name", span["name"]), "attributes": attrs})
    return out


# -- the tools --------------------------------------------------------------------------------------------------
def sentry_sdk() -> tuple[str, Callable[[str, str], str]]:
    import sentry_sdk as sdk  # noqa: PLC0415
    from sentry_sdk.scrubber import EventScrubber  # noqa: PLC0415

    scrubber = EventScrubber()

    def scrub(key: str, value: str) -> str:
        event = {"type": "transaction", "transaction": value if key == "span.name" else "t",
                 "spans": [{"description": "s", "data": {key: value}}], "extra": {key: value},
                 "logentry": {"message": value}}
        scrubber.scrub_event(event)
        if key == "span.name":
            return event["transaction"]
        return str(event["spans"][0]["data"].get(key, ""))

    return sdk.VERSION, scrub


def sentry_relay() -> tuple[str, Callable[[str, str], str]]:
    from importlib.metadata import version  # noqa: PLC0415

    import sentry_relay as relay  # noqa: PLC0415

    config = relay.convert_datascrubbing_config({"scrubData": True, "scrubDefaults": True, "scrubIpAddresses": True,
                                                 "sensitiveFields": [], "excludeFields": []})

    def scrub(key: str, value: str) -> str:
        event = {"type": "transaction", "transaction": value if key == "span.name" else "t",
                 "spans": [{"span_id": "a" * 16, "trace_id": "b" * 32, "data": {key: value}}],
                 "extra": {key: value}}
        out = relay.pii_strip_event(config, event)
        if key == "span.name":
            return str(out.get("transaction"))
        data = (out.get("spans") or [{}])[0].get("data") or {}
        return str(data.get(key, ""))

    def scrub_many(values: list[str]) -> None:
        # timing: one event holding every string, as Relay strips a whole event per call (the Python binding
        # parses and compiles the PII config on every call; per string that would time the compile, not the scrub)
        spans = [{"span_id": f"{i:016x}", "trace_id": "b" * 32, "data": {"log.message": v}}
                 for i, v in enumerate(values)]
        relay.pii_strip_event(config, {"type": "transaction", "transaction": "t", "spans": spans})

    SCRUB_MANY["sentry-relay"] = scrub_many
    return version("sentry-relay"), scrub


def presidio() -> tuple[str, Callable[[str, str], str]]:
    from importlib.metadata import version  # noqa: PLC0415

    from presidio_analyzer import AnalyzerEngine  # noqa: PLC0415
    from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: PLC0415
    from presidio_anonymizer import AnonymizerEngine  # noqa: PLC0415

    # Presidio's documented model-free set-up: the "no_op" NLP engine (no spaCy model to download); the analyzer
    # then loads its default registry minus the NER recognizer, i.e. every predefined pattern recognizer.
    nlp = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "no_op",
                                               "models": [{"lang_code": "en", "model_name": "no_op"}]}).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    anonymizer = AnonymizerEngine()

    def scrub(key: str, value: str) -> str:
        # what Presidio's README shows: analyze, then anonymize with the default operator (replace by <ENTITY>)
        return anonymizer.anonymize(text=value, analyzer_results=analyzer.analyze(text=value, language="en")).text

    return version("presidio-analyzer"), scrub


def detect_secrets() -> tuple[str, Callable[[str, str], str]]:
    from importlib.metadata import version  # noqa: PLC0415

    from detect_secrets.core.scan import _process_line_based_plugins  # noqa: PLC0415
    from detect_secrets.settings import default_settings  # noqa: PLC0415

    _KEEP.append(default_settings())  # the settings `detect-secrets scan` uses without a baseline (kept entered)
    _KEEP[-1].__enter__()

    def scrub(key: str, value: str) -> str:
        # as `detect-secrets scan` reads a file: every line through the line plugins and the default filters.
        # Each reported value is replaced, with the rest of the token it starts (a regex plugin with a group
        # reports only the group, "ghp" of "ghp_…"), as a user acting on the report would.
        lines = list(enumerate(value.splitlines() or [value], start=1))
        out = value
        for secret in _process_line_based_plugins(lines, filename="telemetry.log"):
            if secret.secret_value:
                out = re.sub(re.escape(secret.secret_value) + r"[A-Za-z0-9_+/=-]*", "[REDACTED]", out)
        return out

    return version("detect-secrets"), scrub


def scrubadub() -> tuple[str, Callable[[str, str], str]]:
    import scrubadub as sd  # noqa: PLC0415

    scrubber = sd.Scrubber()
    return sd.__version__, lambda key, value: scrubber.clean(value)


def ddtrace() -> tuple[str, Callable[[str, str], str]]:
    import ddtrace as dd  # noqa: PLC0415
    from ddtrace.contrib.internal.trace_utils import _sanitized_url  # noqa: PLC0415
    from ddtrace.internal.settings._config import config  # noqa: PLC0415
    from ddtrace.internal.utils.http import redact_url  # noqa: PLC0415

    pattern = config._obfuscation_query_string_pattern  # compiled from DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP

    def scrub(key: str, value: str) -> str:
        # what the tracer's integrations do to the URL they tag (trace_utils.set_http_meta -> _set_url_tag):
        # user info dropped from the netloc, then the query string redacted; nothing else is scrubbed
        if key not in URL_KEYS:
            return value
        out = redact_url(_sanitized_url(value), pattern, None,
                         preserve_delimiter=config._query_string_obfuscation_preserve_delimiter)
        return out.decode() if isinstance(out, bytes) else out

    return dd.__version__, scrub


TOOLS = {"sentry-sdk": sentry_sdk, "sentry-relay": sentry_relay, "presidio": presidio,
         "detect-secrets": detect_secrets, "scrubadub": scrubadub, "ddtrace": ddtrace}


def main() -> None:
    tool, path = sys.argv[1], sys.argv[2]
    version, scrub = TOOLS[tool]()
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if "--bench" in sys.argv:
        rounds = int(sys.argv[sys.argv.index("--bench") + 1])
        baseline = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
        results: dict[str, list[float]] = {}
        for _ in range(rounds):
            for corpus in ("mixed", "benign"):
                lines = data[corpus]
                for variant, fn in (("baseline", lambda s: baseline.search(s)), ("tool", lambda s: scrub("log", s))):
                    t0 = time.process_time()
                    for line in lines:
                        fn(line)
                    results.setdefault(f"{variant}_{corpus}", []).append((time.process_time() - t0) / len(lines))
        print(json.dumps({"version": version, "results": results}))
        return
    strings = [s["name"] for s in data["spans"]] + [v for s in data["spans"] for v in s["attributes"].values()
                                                    if isinstance(v, str)] + data["benign"]
    spans = _spans_via(scrub, copy.deepcopy(data))
    benign = [scrub("log.message", line) for line in data["benign"]]
    many = SCRUB_MANY.get(tool) or (lambda values: [scrub("log.message", v) for v in values])
    times = []
    for _ in range(5):  # median of 5 passes, process CPU time
        t0 = time.process_time()
        many(strings)
        times.append((time.process_time() - t0) / len(strings) * 1e6)
    us = sorted(times)[2]
    print(json.dumps({"version": version, "spans": spans, "benign": benign, "us_per_string": us}, default=str))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)  # skip interpreter finalisation: detect-secrets' settings context would re-import during shutdown
