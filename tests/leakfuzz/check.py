"""Is a secret still there? Every trivially decoded view of the exported strings is searched.

Views of a string: as exported, percent-decoded once, twice and three times (``+`` as space too), JSON/Python
escapes undone (up to four times, for escaped JSON inside JSON), NFKC-normalised (full-width digits, odd
spaces), each case-folded; and each of those with every non-alphanumeric character removed (so
``4111 1111…``, ``4111-1111…`` and ``4111\u20131111…`` all read as ``41111111…``). A needle is
found in a view; a short one (< 8 characters, such as a PIN) only as a whole token.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, unquote_plus

_U_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\([\"'\\/])|\\([nrt])")
_CONTROL = {"n": "\n", "r": "\r", "t": "\t"}
_NOT_ALNUM = re.compile(r"[\W_]+")
COMPACT_MIN = 8


def _unescape(s: str) -> str:
    # \n, \r and \t too: a short needle after an escaped line break (a bytes repr's ``\r\n066277``) is a whole
    # token only once the escape is undone
    return _U_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)) if (m.group(1) or m.group(2))
                         else m.group(3) or _CONTROL[m.group(4)], s)


@lru_cache(maxsize=65536)
def views(s: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(case-folded views, their compact forms) of one exported string."""
    out = {s}
    if "%" in s or "+" in s:
        for v in list(out):
            once = unquote(v)
            twice = unquote(once)
            out.update((once, twice, unquote(twice), unquote_plus(v), unquote_plus(unquote_plus(v))))
    if "\\" in s:
        for v in list(out):
            for _ in range(4):  # JSON in JSON in JSON: each layer doubles the backslashes
                v = _unescape(v)
                out.add(v)
    out.update([unicodedata.normalize("NFKC", v) for v in out if not v.isascii()])
    folded = tuple({v.casefold() for v in out})
    return folded, tuple({_NOT_ALNUM.sub("", v) for v in folded})


@dataclass(frozen=True)
class Needle:
    raw: str
    folded: str
    compact: str | None
    pattern: re.Pattern[str] | None  # whole-token match for short needles


@lru_cache(maxsize=65536)
def needle(raw: str) -> Needle:
    folded = unicodedata.normalize("NFKC", raw).casefold()
    compact = _NOT_ALNUM.sub("", folded)
    short = len(folded) < COMPACT_MIN
    return Needle(raw, folded, compact if len(compact) >= COMPACT_MIN else None,
                  re.compile(rf"(?<![^\W_]){re.escape(folded)}(?![^\W_])") if short else None)


def found(raw_needle: str, strings: Iterable[str]) -> str | None:
    """The exported string in which ``raw_needle`` survives (in some view), or None."""
    n = needle(raw_needle)
    for s in strings:
        folded, compact = views(s)
        for v in folded:
            if n.pattern is not None:
                if n.pattern.search(v):
                    return s
            elif n.folded in v:
                return s
        if n.compact is not None and any(n.compact in c for c in compact):
            return s
    return None


class Haystack:
    """Every view of a record's exported strings joined once (NUL-separated, so no needle spans two), for
    many needles: a needle costs one substring search, and only a hit walks the strings to say where."""

    def __init__(self, strings: Iterable[str]) -> None:
        self.strings = list(strings)
        folded: list[str] = []
        compact: list[str] = []
        for s in self.strings:
            f, c = views(s)
            folded.extend(f)
            compact.extend(c)
        self.folded = "\0".join(folded)
        self.compact = "\0".join(compact)

    def found(self, raw_needle: str) -> str | None:
        """As :func:`found`, on these strings."""
        n = needle(raw_needle)
        hit = (n.pattern.search(self.folded) is not None) if n.pattern is not None else n.folded in self.folded
        if not hit and n.compact is not None:
            hit = n.compact in self.compact
        return found(raw_needle, self.strings) if hit else None


def kept(raw: str, strings: Iterable[str]) -> bool:
    """A benign value survives when it is found, unchanged, in some view (case-insensitively)."""
    n = needle(raw).folded
    return any(n in v for s in strings for v in views(s)[0])
