"""GenAI conversation content under the policy: the engine's side of :mod:`otel_privacy.scrub.genai`.

The policy maps every content carrier (``gen_ai.input.messages``, ``input.value``, ``llm.input_messages.*``, the
``gen_ai.*.message`` event bodies, …) to the ``genai`` action. For each such key the :class:`~.redactor.Redactor`
asks :meth:`GenAIContent.steps` once for the steps of its plan; they walk the value with the pure
:class:`~.scrub.genai.ContentWalker` in the policy's ``genai.content`` mode and answer its callbacks with the
engine: the detectors (and the recogniser) for text, key-path redaction for tool arguments, pseudonyms for user
ids, keyed digests for ``hash``.

The recogniser (``genai.recognizer``) is for what no pattern finds — person names, postal addresses. It runs on
GenAI text parts only (detectors first), and fails closed: if it cannot be loaded or raises, the text it was
given is replaced whole and the error counted.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from . import redactor as _engine  # the module, not its names: it imports this one while it loads
from .scrub.genai import IDENTITY, ContentWalker, carrier, is_dropped, replace_spans
from .scrub.identity import Pseudonymizer

if TYPE_CHECKING:
    from .policy import RecognizerOptions
    from .redactor import RecordContext, Redactor

__all__ = ["GenAIContent", "Recognizer", "RecognizerError"]

_TREES = (Mapping, list, tuple)
_DIGEST_PREFIX = "h_"
_DIGEST_DOMAIN = b"otel-privacy genai content\x00"  # content digests never equal a user's pseudonym


class RecognizerError(RuntimeError):
    """The configured recogniser could not be loaded or did not answer."""


class Recognizer:
    """A user-supplied finder of entities in text, adapted to ``find(text) -> [(start, end, entity), …]``.

    Accepts a Presidio ``AnalyzerEngine`` (anything with ``analyze(text=, language=, entities=)`` returning results
    with ``start``, ``end``, ``entity_type`` and ``score``), or a callable returning such results, ``(start, end)``
    or ``(start, end, entity)`` tuples, or mappings with those keys.
    """

    def __init__(self, target: Any, *, language: str = "en", entities: Iterable[str] = (),
                 min_score: float = 0.5) -> None:
        self.target = target
        self.language = language
        self.entities = frozenset(entities)
        self.min_score = min_score
        self._analyze = getattr(target, "analyze", None)
        if self._analyze is None and not callable(target):
            raise RecognizerError(f"{target!r} is neither callable nor has an analyze() method")

    @classmethod
    def load(cls, options: RecognizerOptions) -> Recognizer:
        """Build the recogniser the policy names (``presidio`` or ``module:attribute``)."""
        try:
            if options.use == "presidio":
                from presidio_analyzer import AnalyzerEngine  # the user installs it, with its language model

                target: Any = AnalyzerEngine(supported_languages=[options.language])
            else:
                module, _, attr = options.use.partition(":")
                target = importlib.import_module(module)
                for part in attr.split("."):
                    target = getattr(target, part)
                if isinstance(target, type):
                    target = target()  # a class: the recogniser is an instance of it
        except Exception as exc:
            raise RecognizerError(f"cannot load recogniser {options.use!r}: {exc}") from exc
        return cls(target, language=options.language, entities=options.entities, min_score=options.min_score)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        if self._analyze is not None:
            results = self._analyze(text=text, language=self.language,
                                    entities=sorted(self.entities) if self.entities else None)
        else:
            results = self.target(text)
        spans: list[tuple[int, int, str]] = []
        for r in results or ():
            if isinstance(r, Mapping):
                start, end = r["start"], r["end"]
                entity, score = r.get("entity_type") or r.get("entity") or "", r.get("score", 1.0)
            elif isinstance(r, (tuple, list)):
                start, end = r[0], r[1]
                entity, score = (str(r[2]) if len(r) > 2 else ""), (r[3] if len(r) > 3 else 1.0)
            else:
                start, end = r.start, r.end
                entity, score = getattr(r, "entity_type", ""), getattr(r, "score", 1.0)
            if score is not None and score < self.min_score:
                continue
            if self.entities and entity not in self.entities:
                continue
            spans.append((int(start), int(end), str(entity)))
        return spans


class GenAIContent:
    """Compiles the steps for GenAI content keys and answers the walker for one policy."""

    def __init__(self, redactor: Redactor) -> None:
        self.r = redactor
        options = redactor.policy.genai
        self.mode = options.content
        self.walker = ContentWalker(options.content)
        self._recognizer_options = options.recognizer
        self._recognizer: Recognizer | None = None
        self._recognizer_error: RecognizerError | None = None
        self._digester: Pseudonymizer | None = None
        self._lock = threading.Lock()

    # -- plans ----------------------------------------------------------------------------------------------
    def steps(self, key: str) -> tuple[Callable[[str, RecordContext], str], Callable[[Any], Any] | None,
                                       Callable[[Any, RecordContext], Any]]:
        """The ``(on_str, on_scalar, on_tree)`` steps of the plan for content key ``key``."""
        # A field the walker does not know is decided by its own name, never by the carrier's key (that is us).
        kind, path = carrier(key)

        def step(value: Any, rec: RecordContext) -> Any:
            return self.apply(kind, value, rec, path)

        on_scalar = (lambda value: self.r.pseudonymize(str(value))) if kind == IDENTITY else None
        return step, on_scalar, step

    def apply(self, kind: str, value: Any, rec: RecordContext, path: str = "") -> Any:
        """Walk ``value`` (a string, a tree, a number) as a carrier of ``kind``; itemise what was done in ``rec``."""
        scratch = _engine.RecordContext(rec.db_system)  # the carrier counts once; its leaves only itemise
        out = self.walker.carrier(kind, value, _Answers(self, scratch), path)
        if scratch.actions:
            for name, n in scratch.actions.items():
                rec.tally(name, n)
        if isinstance(value, _TREES) and isinstance(out, _TREES) and out != value:
            rec.changed("genai")
        return out

    # -- the engine's answers -------------------------------------------------------------------------------
    def recognize(self, text: str, rec: RecordContext) -> str:
        """The recogniser's findings in ``text`` replaced; the whole text when it cannot run (fail closed)."""
        if self._recognizer_options is None or not text:
            return text
        r = self.r
        try:
            recognizer = self._get_recognizer()
            spans = recognizer.find(text)
        except Exception as exc:
            r._error(f"recognizer:{type(exc).__name__}", exc)
            rec.tally("genai.recognizer_failed")
            return r.replacement
        if not spans:
            return text
        rec.tally("genai.recognizer", len(spans))
        typed = r.policy.text.typed_replacement
        return replace_spans(text, spans, lambda entity: f"<{entity}>" if typed and entity else r.replacement)

    def recognize_leaves(self, value: Any, rec: RecordContext) -> Any:
        """The recogniser over every string leaf of a redacted tree (pseudonyms and replacements skipped)."""
        if self._recognizer_options is None:
            return value
        if isinstance(value, str):
            if value == self.r.replacement or self.r.is_pseudonym(value) or is_dropped(value):
                return value
            return self.recognize(value, rec)
        if isinstance(value, Mapping):
            return {k: self.recognize_leaves(v, rec) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            out = [self.recognize_leaves(v, rec) for v in value]
            return tuple(out) if isinstance(value, tuple) else out
        return value

    def digest(self, value: str) -> str:
        if self._digester is None:
            with self._lock:
                if self._digester is None:
                    from .keys import resolve_hash_key

                    o = self.r.policy.identity
                    key = resolve_hash_key(o.key, o.key_env, o.key_file) if o.algorithm == "hmac-sha256" else None
                    self._digester = Pseudonymizer(key, algorithm=o.algorithm, prefix=_DIGEST_PREFIX, length=o.length)
        d = self._digester
        if value.startswith(_DIGEST_PREFIX) and len(value) == len(_DIGEST_PREFIX) + d.length \
                and all(c in "0123456789abcdef" for c in value[len(_DIGEST_PREFIX):]):
            return value  # already a digest (a record redacted twice)
        return d(_DIGEST_DOMAIN.decode() + value)

    def _get_recognizer(self) -> Recognizer:
        if self._recognizer is None:
            if self._recognizer_error is not None:
                raise self._recognizer_error
            with self._lock:
                if self._recognizer is None and self._recognizer_error is None:
                    try:
                        self._recognizer = Recognizer.load(self._recognizer_options)
                    except RecognizerError as exc:
                        self._recognizer_error = exc
                if self._recognizer is None:
                    raise self._recognizer_error  # type: ignore[misc]
        return self._recognizer


class _Answers:
    """:class:`~.scrub.genai.Callbacks` for one carrier value: the engine's steps, itemised into ``rec``."""

    __slots__ = ("g", "r", "rec")

    def __init__(self, content: GenAIContent, rec: RecordContext) -> None:
        self.g = content
        self.r = content.r
        self.rec = rec

    def text(self, value: str) -> str:
        out = self.r.redact_text(value, self.rec)
        return self.g.recognize(out, self.rec)

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        out = self.r.redact_body(value, self.rec)
        return self.g.recognize_leaves(out, self.rec)

    def other(self, path: str, value: str) -> str:
        out = self.r.redact_value(path, value, self.rec) if path else self.r.redact_text(value, self.rec)
        return self.r.replacement if out is _engine.DROP else out

    def definition(self, value: str) -> str:
        return self.r.redact_text(value, self.rec)

    def identity(self, value: str) -> str:
        self.rec.tally("genai.identity")
        return self.r.pseudonymize(value)

    def digest(self, value: str) -> str:
        self.rec.tally("genai.hash")
        return self.g.digest(value)

    def url(self, value: str) -> str:
        return self.r.url.sanitize(value)

    def key(self, key: str) -> str:
        new = self.r._key_memo.get(key)
        return new if new is not None else self.r._scrub_key(key)
