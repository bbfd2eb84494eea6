"""URLs as the official instrumentations really emit them, through the SDK door, in every semconv mode.

tests/url_instrumented_app.py serves Flask and Django (real sockets) and calls them with requests and
httpx, all instrumented by the official OpenTelemetry packages, once per ``OTEL_SEMCONV_STABILITY_OPT_IN``
mode: old (``http.url``, ``http.target``), new (``url.full``, ``url.path``, ``url.query``) and both.
Every planted secret must be carried by the raw spans (else the test proves nothing) and gone from the
redacted ones; paths, query keys, ports, methods and routes must survive, and the same path must come out
the same whichever attribute carried it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

APP = Path(__file__).with_name("url_instrumented_app.py")
MODES = {"old": "", "new": "http", "dup": "http/dup"}
# the secret each request plants (as the raw attributes may carry it: plain, or percent-encoded once or twice)
MARKERS = ["alice.canary", "bob.canary", "918273645", "7C1F0E9A2Bcanary4D", "settings-canary", "qcanary",
           "carol.canary", "canary+shoes"]
WORDS = ["users", "profile", "reset", "orders", "items", "cart", "checkout", "login", "avatar", "api", "v1", "search"]
KEYS = ["tab=", "email=", "next=", "redirect=", "q=", "page="]
URL_KEYS = ("url.full", "http.url", "http.target", "url.path", "url.query")


@pytest.fixture(scope="module")
def spans() -> dict[str, dict]:
    procs = {mode: subprocess.Popen([sys.executable, str(APP)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=dict(os.environ, OTEL_SEMCONV_STABILITY_OPT_IN=opt_in))
             for mode, opt_in in MODES.items()}
    out = {}
    for mode, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        out[mode] = json.loads(stdout)
    return out


def _texts(span: dict) -> list[str]:
    values = [span["name"]]
    for v in span["attributes"].values():
        values.extend(str(x) for x in (v if isinstance(v, list) else [v]))
    return values


def _decoded(text: str) -> str:
    return unquote(unquote(text))


@pytest.mark.parametrize("mode", list(MODES))
def test_the_instrumentations_really_carry_each_secret(spans, mode):
    raw = " ".join(_decoded(t) for s in spans[mode]["raw"] for t in _texts(s))
    assert [m for m in MARKERS if m not in raw] == []
    expected = {"old": {"http.url"}, "new": {"url.full", "url.path", "url.query"},
                "dup": {"http.url", "url.full", "url.path", "url.query"}}[mode]
    assert expected <= {k for s in spans[mode]["raw"] for k in s["attributes"]}


@pytest.mark.parametrize("mode", list(MODES))
def test_no_secret_survives_redaction(spans, mode):
    leaks = [(s["name"], t) for s in spans[mode]["redacted"] for t in _texts(s)
             if "canary" in _decoded(t).lower() or "918273645" in t or "123e4567" in t or "pa#ss" in _decoded(t)]
    assert leaks == []


@pytest.mark.parametrize("mode", list(MODES))
def test_paths_query_keys_ports_methods_and_routes_survive(spans, mode):
    raw, redacted = spans[mode]["raw"], spans[mode]["redacted"]
    assert len(raw) == len(redacted)
    url_text = " ".join(str(s["attributes"].get(k, "")) for s in redacted for k in URL_KEYS)
    assert [w for w in WORDS if f"/{w}" not in url_text] == []
    assert [k for k in KEYS if k not in url_text] == []
    for before, after in zip(raw, redacted):
        a, b = before["attributes"], after["attributes"]
        for key in ("http.method", "http.request.method", "http.route", "http.status_code",
                    "http.response.status_code", "server.port", "net.host.port"):
            assert a.get(key) == b.get(key), key
        for key in ("url.full", "http.url"):
            if key in a:
                port = a[key].split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]
                assert f":{port}/" in b[key]
        assert after["name"] == before["name"]  # route-based names are already low-cardinality


def _path(key: str, value: str) -> str:
    if key in ("url.full", "http.url"):
        value = "/" + value.split("://", 1)[1].split("/", 1)[1]
    return value.split("?", 1)[0]


@pytest.mark.parametrize("mode", list(MODES))
def test_every_carrier_of_the_same_path_comes_out_the_same(spans, mode):
    """Server spans carry url.path / http.target, client spans url.full / http.url: one request, one path."""
    by_kind: dict[str, list[str]] = {"SERVER": [], "CLIENT": []}
    for span in spans[mode]["redacted"]:
        a = span["attributes"]
        paths = {_path(k, a[k]) for k in ("url.path", "http.target", "url.full", "http.url") if k in a}
        assert len(paths) == 1, a  # within a span every carrier agrees
        by_kind[span["kind"]].append(paths.pop())
        if "url.query" in a and "http.target" in a:
            assert a["http.target"].split("?", 1)[1] == a["url.query"]
    assert by_kind["SERVER"] and sorted(by_kind["SERVER"]) == sorted(by_kind["CLIENT"])
