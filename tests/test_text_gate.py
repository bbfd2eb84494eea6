"""RE2's trigger set called directly (scrub/_textgate.cc) against google-re2's binding of the same set, and its
Front (TextScanner.find and .scrub in C) against the Python methods.

The text scanner gates its passes with one RE2 set of triggers. The direct binding must run every pass google-re2's
Set would run (a pass it skipped could be a leak), answer "I cannot tell" rather than "no trigger" when RE2 cannot
read the text (RE2's ErrorInfo also reports a DFA out of memory, which a set that compiled does not reach: a set
never bails out of a slow search, and its compile checks the DFA can start), and the install must work without it (no compiler or no RE2 headers: google-re2's Set decides).
Whole-scanner output on both sets and the pure-Python gates is compared in tests/test_text_prefilter.py.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Policy, Redactor
from otel_privacy.scrub import text as text_module
from otel_privacy.scrub.text import TextScanner
from test_text_prefilter import FRAGMENTS, NON_ASCII, fragment_text

gate = pytest.importorskip("otel_privacy.scrub._textgate") if not os.environ.get("CI") else text_module._GATE
CI = os.environ.get("CI") == "true"
SETTINGS = settings(max_examples=150 if CI else 600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STRICT = Redactor(Policy.preset("strict")).text
STRICT_TRIGGERS = list(STRICT.triggers)
_STRICT_SET = gate.TriggerSet(STRICT_TRIGGERS, 64 << 20) if gate is not None else None
text_module._textgate = None  # google-re2's Set over the same triggers (and its sentinel)
try:
    _, _GOOGLE_MATCH, _SENTINEL = text_module._compile_triggers(STRICT_TRIGGERS)
finally:
    text_module._textgate = text_module._GATE

# arbitrary Unicode (lone surrogates included) next to the trigger pieces
any_text = st.one_of(fragment_text, st.tuples(fragment_text, st.sampled_from(NON_ASCII), fragment_text).map("".join),
                     st.text(max_size=40), st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)),
                                                    max_size=8).map("".join))


def test_the_direct_set_is_built_and_used():
    # `make` installs RE2's headers (scripts/setup-system.sh: libre2-dev) and a C++ compiler; without them the
    # package still works (google-re2's Set), but this project's own test runs must exercise the binding
    assert text_module._GATE is not None and text_module._textgate is text_module._GATE
    assert Redactor("default").text.prefilter_engine == "re2"


@SETTINGS
@given(any_text)
def test_the_direct_set_runs_every_pass_google_re2_runs(text):
    hits = _STRICT_SET.match(text)
    try:
        expected = _GOOGLE_MATCH(text.encode())
    except UnicodeEncodeError:  # lone surrogates: neither can read it, so the Python gates decide
        assert hits is None
        return
    assert _SENTINEL in expected or not text  # (the sentinel reads one character)
    assert hits is not None and list(hits) == sorted(hits)
    assert set(hits) >= set(expected) - {_SENTINEL}


@pytest.mark.parametrize("name, text, passes", [
    ("a benign line starts no pass", "2026-11-23T06:16:55Z INFO worker-3 processed batch 41 in 12.5ms", []),
    ("an e-mail starts the e-mail pass", "login failed for alice@example.com", ["_find_emails"]),
    ("empty text", "", []),
    ("non-ASCII around an e-mail", "Rückfrage an jürgen@bücher.de", ["_find_emails"]),
    ("a NUL byte does not end the text", "x\x00 mail alice@example.com", ["_find_emails"]),
])
def test_the_answer_names_the_passes(name, text, passes):
    hits = _STRICT_SET.match(text)
    assert [getattr(STRICT._passes[i][2], "__name__", "?") for i in hits] == passes


def test_text_that_is_not_unicode_gets_no_answer_and_the_gates_decide():
    assert _STRICT_SET.match("\udcff mail alice@example.com") is None
    out, found = STRICT.scrub("\udcff mail alice@example.com")
    assert out == "\udcff mail REDACTED" and found == {"email": 1}


def test_bad_input_is_an_exception_not_a_crash():
    with pytest.raises(ValueError, match="trigger 1"):
        gate.TriggerSet(["ok", "(unclosed"])
    with pytest.raises(TypeError):
        gate.TriggerSet([b"bytes"])
    with pytest.raises(TypeError):
        _STRICT_SET.match(b"bytes")
    assert gate.TriggerSet([]).match("anything") == ()
    assert _STRICT_SET.size == len(STRICT_TRIGGERS)


def test_a_trigger_the_direct_set_cannot_compile_falls_back_to_google_re2(monkeypatch):
    class Refuses:
        @staticmethod
        def TriggerSet(patterns, max_mem):  # noqa: N802 - the extension's name
            raise ValueError("trigger 0 does not compile")

    monkeypatch.setattr(text_module, "_textgate", Refuses)
    scanner = Redactor("default").text
    assert scanner.prefilter_engine == "google-re2"
    assert scanner.scrub("mail alice@example.com")[0] == "mail REDACTED"


def test_without_the_extension_google_re2_gates_the_passes():
    # as on a machine where `pip install` found no compiler or no RE2 headers: the import fails, nothing else changes
    script = """
import sys
sys.modules["otel_privacy.scrub._textgate"] = None  # ImportError on import
from otel_privacy import Redactor
from otel_privacy.scrub import text
assert text._GATE is None and text._textgate is None
scanner = Redactor("default").text
assert scanner.prefilter_engine == "google-re2", scanner.prefilter_engine
out, found = scanner.scrub("mail alice@example.com, card 4111 1111 1111 1111")
assert out == "mail REDACTED, card REDACTED" and found == {"email": 1, "credit_card": 1}, (out, found)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ),
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


# -- Front: find and scrub in C, the scanner's own passes, fold, gates and replacement -------------------------------
CUSTOM = Redactor(Policy.from_dict({"text": {"custom": [
    {"name": "ticket", "pattern": r"TCK-\d{6}"}, {"name": "word", "pattern": r"(?i)geheim\w*", "replacement": "[x]"},
    {"name": "maybe_empty", "pattern": r"Z*"}]}})).text
SCANNERS = {"default": Redactor("default").text, "strict": STRICT, "custom": CUSTOM}
front_text = st.one_of(any_text, st.tuples(any_text, st.sampled_from(["TCK-123456", "Geheimnis", "\udcff", "Z"]),
                                           any_text).map("".join))


def test_the_front_is_installed_with_the_direct_set_only():
    assert type(STRICT.find).__name__ == "builtin_function_or_method"
    assert "find" not in STRICT.variant(prefilter=False).__dict__
    text_module._textgate = None
    try:
        assert "scrub" not in Redactor("default").text.__dict__
    finally:
        text_module._textgate = text_module._GATE


@SETTINGS
@given(st.sampled_from(list(SCANNERS)), front_text)
def test_the_front_finds_and_replaces_as_the_python_methods(name, text):
    scanner = SCANNERS[name]
    assert scanner.find(text) == TextScanner.find(scanner, text)
    assert scanner.scrub(text) == TextScanner.scrub(scanner, text)


@pytest.mark.parametrize("name, text, out, counts", [
    ("empty", "", "", {}),
    ("benign ASCII", "processed batch 41 in 12.5ms", "processed batch 41 in 12.5ms", {}),
    ("a finding", "mail alice@example.com", "mail REDACTED", {"email": 1}),
    ("folded non-ASCII", "card ４１１１\u00a0１１１１\u2009１１１１ １１１１ ok", "card REDACTED ok", {"credit_card": 1}),
    ("no answer: the gates", "\udcff mail alice@example.com", "\udcff mail REDACTED", {"email": 1}),
    ("custom patterns on the text as written", "TCK-123456 und Geheimnis", "REDACTED und [x]",
     {"ticket": 1, "word": 1}),
])
def test_front_cases(name, text, out, counts):
    assert CUSTOM.scrub(text) == (out, counts)


def test_a_failing_pass_raises_as_in_python():
    scanner = Redactor("default").text.variant()
    i = next(k for k, p in enumerate(scanner._passes) if getattr(p[2], "__name__", "") == "_find_emails")

    def boom(text):
        raise RuntimeError("pass failed")

    scanner._passes[i] = (*scanner._passes[i][:2], boom)
    with pytest.raises(RuntimeError, match="pass failed"):
        scanner.scrub("mail alice@example.com")
    with pytest.raises(TypeError):
        scanner.find(b"bytes")


def test_a_scanner_with_a_front_is_collected():
    scanner = Redactor("default").text.variant()
    ref = weakref.ref(scanner)
    del scanner
    gc.collect()
    assert ref() is None
