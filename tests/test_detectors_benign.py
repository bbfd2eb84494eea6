"""Precision: a corpus of real-looking benign telemetry must come out of the detectors and the engine unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from otel_privacy import Redactor

CORPUS = (Path(__file__).parent / "data" / "benign_telemetry.txt").read_text(encoding="utf-8").splitlines()
R = Redactor("default")


def test_the_corpus_is_large_enough_to_measure_a_tenth_of_a_percent():
    assert len(CORPUS) >= 1000


def _templated_only(line: str, out: str) -> bool:
    """Only path segments of URLs became ``{id}`` (the policy templates paths in every carrier, text included:
    ``s3://b/exports/2026/12/03`` → ``…/{id}/{id}/{id}``); every other character is as it was."""
    if "{id}" not in out or "{id}" in line:
        return False
    pattern = re.escape(out).replace(re.escape("{id}"), r"[^/\s?#]+")
    return re.fullmatch(pattern, line) is not None


@pytest.mark.parametrize("path", ["re2", "python"])
def test_no_benign_line_is_altered_by_the_detectors(path):
    scanner = R.text if path == "re2" else R.text.variant(prefilter=False)
    altered = [(line, out) for line in CORPUS
               if (out := scanner.scrub(line)[0]) != line and not _templated_only(line, out)]
    assert altered == []


def test_no_benign_line_is_altered_by_the_engine():
    altered = [(line, out) for line in CORPUS
               if (out := R.redact_text(line)) != line and not _templated_only(line, out)]
    assert altered == []
