"""`make compare` (benchmarks/compare_tools.py): the corpus is fair, the scoring counts what it says, and the README
claim for otel-privacy holds. No peer tool is installed here: their venvs are `make compare`'s business, not CI's."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("compare_tools", ROOT / "benchmarks" / "compare_tools.py")
ct = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ct)
CORPUS = json.loads(ct.CORPUS.read_text(encoding="utf-8"))


def _attribute_strings() -> list[str]:
    return [v for s in CORPUS["spans"] for v in [s["name"], *s["attributes"].values()] if isinstance(v, str)]


def _as_exported() -> dict:
    """What a tool that redacts nothing hands back."""
    return {"version": "0", "us_per_string": 1.0, "spans": copy.deepcopy(CORPUS["spans"]),
            "benign": list(CORPUS["benign"])}


# -- the corpus ------------------------------------------------------------------------------------------------
def test_every_canary_is_planted_in_a_span_and_nowhere_it_must_survive():
    values = _attribute_strings()
    for c in CORPUS["canaries"]:
        assert c["class"], c
        assert any(c["value"] in v for v in values), c
        assert not any(c["value"] in line for line in CORPUS["benign"]), c
        assert not any(c["value"] in u or u in c["value"] for u in CORPUS["utility"]), c


def test_every_utility_marker_is_in_a_span():
    exported = json.dumps(CORPUS["spans"], ensure_ascii=False)  # as score() reads them: status codes are ints
    assert [u for u in CORPUS["utility"] if u not in exported] == []


@pytest.mark.parametrize("cls", ["phone", "vendor key", "Unicode e-mail", "national id", "identity in text",
                                 "command-line credential", "cookie", "card", "IBAN", "credential in prose"])
def test_the_corpus_covers_each_class_the_issue_names(cls):
    assert sum(c["class"] == cls for c in CORPUS["canaries"]) >= 2


@pytest.mark.parametrize("name, needle", [
    ("UUID", "-4"), ("trace id", "trace_id"), ("token counts", "tokens="), ("timestamp", "T0"),
    ("version", "v1."), ("secret-ish word in a benign sentence", "password"), ("a -p that is no password", " -p "),
])
def test_the_benign_lines_hold_each_look_alike(name, needle):
    assert any(needle in line for line in CORPUS["benign"]), name


# -- the scoring -----------------------------------------------------------------------------------------------
def test_nothing_redacted_leaks_every_canary_and_keeps_everything():
    s = ct.score(_as_exported(), CORPUS)
    assert len(s["leaked"]) == s["canaries"] == len(CORPUS["canaries"])
    assert s["kept"] == s["utility"] and not s["utility_lost"] and not s["benign_altered"]


@pytest.mark.parametrize("name, edit, leaked, lost, altered", [
    ("a canary replaced", lambda r: _replace_all(r, CORPUS["canaries"][0]["value"], "X"), -1, 0, 0),
    ("a canary only partly replaced still leaks",
     lambda r: _replace_all(r, CORPUS["canaries"][0]["value"], CORPUS["canaries"][0]["value"] + "!"), 0, 0, 0),
    ("a utility marker lost", lambda r: _replace_all(r, CORPUS["utility"][0], "X"), 0, 1, 0),
    ("a benign line changed", lambda r: r["benign"].__setitem__(0, "<changed>"), 0, 0, 1),
    ("a benign line dropped", lambda r: r["benign"].pop(), 0, 0, 1),
])
def test_score_counts_each_change(name, edit, leaked, lost, altered):
    result = _as_exported()
    edit(result)
    s = ct.score(result, CORPUS)
    assert len(s["leaked"]) == len(CORPUS["canaries"]) + leaked, name
    assert len(s["utility_lost"]) == lost, name
    assert len(s["benign_altered"]) == altered, name


def _replace_all(result: dict, old: str, new: str) -> None:
    for span in result["spans"]:
        span["name"] = span["name"].replace(old, new)
        span["attributes"] = {k: v.replace(old, new) if isinstance(v, str) else v for k, v in span["attributes"].items()}


def test_the_table_names_the_classes_leaked_and_why_a_tool_is_missing(tmp_path):
    rows = {"none": ct.score(_as_exported(), CORPUS), "absent": {"error": "not installable here: boom"}}
    classes = len({c["class"] for c in CORPUS["canaries"]})
    lines = ct.table(rows, classes)
    n = len(CORPUS["canaries"])
    assert lines[2].startswith(f"| none | {n}/{n} | {classes}/{classes} |")
    assert "boom" in lines[3]
    assert any(line.startswith("- none: ") and "phone 3" in line for line in lines)
    readme = tmp_path / "README.md"
    readme.write_text(f"a\n{ct.TABLE_START}\nold\n{ct.TABLE_END}\nb\n", encoding="utf-8")
    assert ct.update_readme(lines, readme)
    assert readme.read_text(encoding="utf-8") == f"a\n{ct.TABLE_START}\n" + "\n".join(lines) + f"\n{ct.TABLE_END}\nb\n"
    readme.write_text("no markers\n", encoding="utf-8")
    assert not ct.update_readme(lines, readme)


# -- the README's claim for otel-privacy ---------------------------------------------------------------------------
#: canaries otel-privacy's `default` leaks today, each with why and who owns it. A new leak fails until fixed or listed
#: here with its cause; a gap closed is taken off (the test does not fail on it: the detectors are changed on
#: branches whose landing set does not run this file, and `make compare` prints what leaks).
KNOWN_GAPS: dict[str, str] = {}


def test_otel_privacy_default_leaks_nothing_but_the_known_gaps_through_the_sdk_door():
    s = ct.score(ct.run_sdk("default", timed=False), CORPUS)
    assert {c["value"] for c in s["leaked"]} - set(KNOWN_GAPS) == set()
    assert set(KNOWN_GAPS) <= {c["value"] for c in CORPUS["canaries"]}
