"""Fold look-alike characters to ASCII one for one, so detectors read ``４１１１ ２２２２`` like ``4111 2222``.

Secrets arrive with compatibility characters: full-width digits and letters from East Asian input methods,
Arabic-Indic or Devanagari digits, no-break and thin spaces between card groups, en dashes in IBANs,
``＠`` in e-mail addresses. :func:`fold` maps each such character to the ASCII character NFKC (or, for
digits, the Unicode decimal value) gives it:

* every decimal digit (category Nd) → ``0``–``9``;
* every space separator (Zs) and format character (Cf: zero-width space, soft hyphen, BOM) → a space;
* every dash (Pd) and the minus sign → ``-``;
* any other character whose NFKC form is one ASCII character (``Ａ`` → ``A``, ``＠`` → ``@``, ``K`` → ``K``)
  → that character; and Turkish ``İ`` → ``I`` (Python lower-cases it to two characters, RE2 to none, so
  case-insensitive word matches would differ between the two).

Everything else stays as it is. The mapping is one character to one character, so positions in the folded
text are positions in the original: detectors run on the folded text and replace spans of the original.
Characters are classified on first sight and cached (``str.translate`` over a self-filling table).
"""

from __future__ import annotations

import unicodedata

__all__ = ["fold"]


class _FoldTable(dict):
    """``ord(char) -> replacement``, filled lazily by :meth:`__missing__` (``str.translate`` asks for each char)."""

    def __missing__(self, code: int) -> int:
        self[code] = folded = _fold_char(code)
        return folded


def _fold_char(code: int) -> int:
    ch = chr(code)
    if code < 128:
        return code
    if code == 0x130:  # "İ": lower-cases to two characters in Python, to none in RE2's case folding
        return 73
    decimal = unicodedata.decimal(ch, None)
    if decimal is not None:
        return 48 + decimal
    category = unicodedata.category(ch)
    if category in ("Zs", "Cf"):
        return 32
    if category == "Pd" or ch == "\u2212":
        return 45
    nfkc = unicodedata.normalize("NFKC", ch)
    if len(nfkc) == 1 and nfkc.isascii() and nfkc.isprintable():
        return ord(nfkc)
    return code


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """``text`` with compatibility characters folded to ASCII, one for one (same length, same positions)."""
    if text.isascii():
        return text
    return text.translate(_TABLE)
