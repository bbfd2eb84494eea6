"""Recognisers for the GenAI tests: small, deterministic stand-ins for what a Presidio analyzer finds.

They are loaded by the policy's ``genai.recognizer: genai_recognizers:…`` hook exactly as a user's would be.
"""

from __future__ import annotations

import re

# The names and street addresses the tests plant (a gazetteer, as a real NER model would know them).
NAMES = ("Jane Doe", "Bob Okafor", "Priya Raman")
_ADDRESS = re.compile(r"\b\d{1,5} [A-Z][a-z]+ (?:Street|Terrace|Avenue|Road|Lane)\b(?:, [A-Z][a-z]+)?")
_NAME = re.compile("|".join(re.escape(n) for n in NAMES))


class GazetteerRecognizer:
    """Presidio's shape: ``analyze(text=, language=, entities=)`` returning results with start, end, type, score."""

    class Result:
        def __init__(self, entity_type: str, start: int, end: int, score: float) -> None:
            self.entity_type, self.start, self.end, self.score = entity_type, start, end, score

    calls: list[str] = []

    def analyze(self, text: str, language: str = "en", entities: list[str] | None = None) -> list[Result]:
        GazetteerRecognizer.calls.append(text)
        found = [self.Result("PERSON", m.start(), m.end(), 0.85) for m in _NAME.finditer(text)]
        found += [self.Result("LOCATION", m.start(), m.end(), 0.7) for m in _ADDRESS.finditer(text)]
        found += [self.Result("NRP", m.start(), m.end(), 0.1) for m in re.finditer(r"\bcheese\b", text)]
        return [r for r in found if not entities or r.entity_type in entities]


def names(text: str) -> list[tuple[int, int, str]]:
    """The plain-callable form of the hook: ``text -> [(start, end, entity)]``."""
    return [(m.start(), m.end(), "PERSON") for m in _NAME.finditer(text)]


def broken(text: str) -> list[tuple[int, int]]:
    raise RuntimeError("the model server is down")


not_a_recognizer = 42
