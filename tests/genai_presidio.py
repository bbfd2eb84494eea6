"""A real Presidio ``AnalyzerEngine`` with pattern recognisers only, for the recogniser-hook test.

Presidio's default engine loads a spaCy language model (a download); this one gets an NLP engine that does no
NLP, so only pattern and deny-list recognisers run — which is enough to prove the hook drives a real analyzer.
"""

from __future__ import annotations

from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from presidio_analyzer.predefined_recognizers import PhoneRecognizer


class _NoNlp(NlpEngine):
    def load(self) -> None:
        pass

    def is_loaded(self) -> bool:
        return True

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return NlpArtifacts(entities=[], tokens=[], tokens_indices=[], lemmas=[], nlp_engine=self, language=language)

    def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return False

    def is_punct(self, word: str, language: str) -> bool:
        return False

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return ["en"]


class PatternOnlyAnalyzer(AnalyzerEngine):
    """Presidio's analyzer with a deny-list of names, a street-address pattern and its phone recogniser."""

    def __init__(self) -> None:
        registry = RecognizerRegistry(supported_languages=["en"])
        registry.add_recognizer(PatternRecognizer(supported_entity="PERSON", deny_list=["Jane Doe", "Bob Okafor"]))
        registry.add_recognizer(PatternRecognizer(supported_entity="LOCATION", patterns=[
            Pattern("street", r"\b\d{1,5} [A-Z][a-z]+ (?:Street|Terrace|Avenue|Road)\b", 0.6)]))
        registry.add_recognizer(PhoneRecognizer())
        super().__init__(registry=registry, nlp_engine=_NoNlp(), supported_languages=["en"])
