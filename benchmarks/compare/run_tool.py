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
  presidio        every predefined *pattern* recognizer of presidio-analyzer (no spaCy model: the NER recognizer
                  is left out), each result replaced by <ENTITY> as presidio-anonymizer's default "replace" does
  detect-secrets  the line plugins and filters `detect-secrets scan` runs over a file (default settings), over each
                  string's lines as lines of a log file; the word holding each reported value replaced
  scrubadub       scrubadub.clean(text) with its default detectors
  ddtrace         the tracer's query-string obfuscation (the default DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP)
                  on the URL attributes it applies to (http.url / url.full); everything else as exported
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

    return version("sentry-relay"), scrub


def presidio() -> tuple[str, Callable[[str, str], str]]:
    from importlib.metadata import version  # noqa: PLC0415

    from presidio_analyzer import EntityRecognizer, PatternRecognizer, RecognizerRegistry  # noqa: PLC0415

    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"])
    recognizers: list[EntityRecognizer] = [
        r for r in registry.recognizers
        if isinstance(r, PatternRecognizer) or type(r).__name__ in ("PhoneRecognizer", "CreditCardRecognizer")]

    def scrub(key: str, value: str) -> str:
        results = []
        for r in recognizers:
            results += r.analyze(value, entities=r.supported_entities, nlp_artifacts=None) or []
        return _replace(value, [(x.start, x.end, f"<{x.entity_type}>") for x in results])

    return version("presidio-analyzer"), scrub


def detect_secrets() -> tuple[str, Callable[[str, str], str]]:
    from importlib.metadata import version  # noqa: PLC0415

    from detect_secrets.core.scan import _process_line_based_plugins  # noqa: PLC0415
    from detect_secrets.settings import default_settings  # noqa: PLC0415

    _KEEP.append(default_settings())  # the settings `detect-secrets scan` uses without a baseline (kept entered)
    _KEEP[-1].__enter__()

    def scrub(key: str, value: str) -> str:
        # as `detect-secrets scan` reads a file: every line through the line plugins and the default filters.
        # A finding is reported as a value that may be only the token's prefix ("ghp"): the whole word holding it
        # is replaced, as a user acting on the report would.
        lines = list(enumerate(value.splitlines() or [value], start=1))
        out = value
        for secret in _process_line_based_plugins(lines, filename="telemetry.log"):
            if secret.secret_value:
                out = re.sub(r"[^\s\"']*" + re.escape(secret.secret_value) + r"[^\s\"']*", "[REDACTED]", out)
        return out

    return version("detect-secrets"), scrub


def scrubadub() -> tuple[str, Callable[[str, str], str]]:
    import scrubadub as sd  # noqa: PLC0415

    scrubber = sd.Scrubber()
    return sd.__version__, lambda key, value: scrubber.clean(value)


def ddtrace() -> tuple[str, Callable[[str, str], str]]:
    import ddtrace as dd  # noqa: PLC0415
    from ddtrace.contrib.internal.trace_utils import _sanitized_url  # noqa: F401, PLC0415
    from ddtrace.internal.settings._config import config  # noqa: PLC0415

    pattern = config._obfuscation_query_string_pattern

    def scrub(key: str, value: str) -> str:
        if key not in URL_KEYS or pattern is None or "?" not in value:
            return value
        base, _, query = value.partition("?")
        fragment = ""
        if "#" in query:
            query, _, fragment = query.partition("#")
        query = pattern.sub(b"<redacted>", query.encode()).decode()
        return f"{base}?{query}" + (f"#{fragment}" if fragment else "")

    return dd.__version__, scrub


TOOLS = {"sentry-sdk": sentry_sdk, "sentry-relay": sentry_relay, "presidio": presidio,
         "detect-secrets": detect_secrets, "scrubadub": scrubadub, "ddtrace": ddtrace}


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace non-overlapping spans (earliest, then longest, wins; an overlapped tail is replaced too)."""
    out, pos = [], 0
    for a, b, new in sorted(spans, key=lambda s: (s[0], -s[1])):
        if b <= pos:
            continue
        out.append(text[pos:max(a, pos)])
        out.append(new)
        pos = b
    out.append(text[pos:])
    return "".join(out)


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
    t0 = time.process_time()
    for _ in range(5):
        for s in strings:
            scrub("log.message", s)
    us = (time.process_time() - t0) / (5 * len(strings)) * 1e6
    print(json.dumps({"version": version, "spans": spans, "benign": benign, "us_per_string": us}, default=str))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)  # skip interpreter finalisation: detect-secrets' settings context would re-import during shutdown
