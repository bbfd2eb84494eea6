"""Precision: a corpus of real-looking benign telemetry must come out of the detectors and the engine unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from otel_privacy import Redactor

CORPUS = (Path(__file__).parent / "data" / "benign_telemetry.txt").read_text(encoding="utf-8").splitlines()
R = Redactor("default")


def test_the_corpus_is_large_enough_to_measure_a_tenth_of_a_percent():
    assert len(CORPUS) >= 1000


@pytest.mark.parametrize("path", ["re2", "python"])
def test_no_benign_line_is_altered_by_the_detectors(path):
    scanner = R.text if path == "re2" else R.text.variant(prefilter=False)
    altered = [(line, out) for line in CORPUS
               if (out := scanner.scrub(line)[0]) != line]
    assert altered == []


def test_no_benign_line_is_altered_by_the_engine():
    altered = [(line, out) for line in CORPUS
               if (out := R.redact_text(line)) != line]
    assert altered == []
