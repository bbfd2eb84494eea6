"""Word lists as regexes Python's engine runs fast: a trie instead of a flat alternation."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["trie_pattern", "KeyBounds", "lower_in_place"]


def trie_pattern(words: Iterable[str], space: str = "[ _\\-]?") -> str:
    """One regex for ``words``, factored as a trie (``pass(?:word(?:s)?|phrase|wd)``), that finds the longest word
    at each position like a longest-first alternation. Python's engine tries every branch of a flat alternation at
    every position (50 words over an 80-character line: ~4,000 steps); a trie fails after a character or two. A
    space in a word matches ``space`` (``api key``: also ``api_key``, ``apikey``)."""
    root: dict[str, dict] = {}
    for w in set(words):
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        # the space branch last: where it may match nothing, a letter of a longer word is tried first
        keys = sorted((k for k in node if k), key=lambda k: (k == " ", k))
        alts = [(space if k == " " else re.escape(k)) + emit(node[k]) for k in keys]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" not in node:
            return body
        return (body[:-1] if body.startswith("(?:") and body.endswith(")") and len(alts) > 1 else "(?:" + body) + ")?"

    return emit(root)


_KEY_CHARS = re.compile(r"[\w.\-]*")


class KeyBounds:
    """Where the key around a word found in ``text`` starts and ends: the run of letters, digits, ``_``, ``.`` and
    ``-`` holding it (``prompt_tokens`` around ``token``). Regex matches on the text and on its reverse, made once
    per text, instead of a Python loop over the key's characters."""

    __slots__ = ("text", "n", "_rev")

    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self._rev: str | None = None

    def start(self, a: int) -> int:
        """Start of the key run that ends at or contains position ``a``."""
        if not a:
            return 0
        if self._rev is None:
            self._rev = self.text[::-1]
        return self.n - _KEY_CHARS.match(self._rev, self.n - a).end()  # the run read backwards from a

    def end(self, b: int) -> int:
        """End of the key run that starts at or contains position ``b``."""
        return _KEY_CHARS.match(self.text, b).end()


def lower_in_place(text: str) -> str:
    """``text`` lower-cased with every character where it was ("İ" lower-cases to two characters: it keeps one), so
    a span found in the lower-cased text is the same span of ``text``."""
    lower = text.lower()
    if len(lower) != len(text):
        lower = "".join(c.lower()[:1] for c in text)
    return lower
