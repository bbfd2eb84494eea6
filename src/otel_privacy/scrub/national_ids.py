"""National identity numbers that have a checkable shape: UK National Insurance numbers, US SSNs without dashes.

* UK NINO: two prefix letters from HMRC's allowed sets (never ``D F I Q U V`` first or second, ``O`` second,
  nor the unused pairs ``BG GB KN NK NT TN ZZ``), six digits, a suffix ``A``–``D`` — spaced as written on the
  card (``QQ 12 34 56 C``) or not; a word of its own.
* US SSN written as nine digits or with spaces (``123456789``, ``123 45 6789``): only shortly after an SSN
  word (``SSN``, ``social security``), and never in the ranges the SSA does not issue (area ``000``, ``666``,
  ``9xx``; group ``00``; serial ``0000``). The dashed form ``123-45-6789`` is the digit pass's, anywhere.
"""

from __future__ import annotations

import re

__all__ = ["find_nino", "find_ssn_in_context", "ssn_valid", "TRIGGER_NINO", "TRIGGER_SSN_CONTEXT"]

_NINO = re.compile(r"(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
                   r"( ?)\d{2}\1\d{2}\1\d{2}\1[A-D](?![A-Za-z0-9])")
#: RE2 trigger: the NINO shape without its boundaries and backreference (RE2 has neither).
TRIGGER_NINO = r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d\d ?\d\d ?\d\d ?[A-D]"

_SSN_WORD = re.compile(r"(?i)(?<![a-z])(?:ssns?|social[ _\-]?security(?:[ _\-]?(?:number|no|nr|num))?)(?![a-z])")
_SSN_DIGITS = re.compile(r"(?<![\w\-.])(\d{3})([ ]?)(\d{2})\2(\d{4})(?![\w\-]|\.\d)")
_WINDOW = 24
#: RE2 trigger: an SSN word (a superset: the boundaries are checked by the finder).
TRIGGER_SSN_CONTEXT = r"(?i)ssn|social[ _\-]?security"


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """Not in a range the SSA never issues."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def find_nino(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _NINO.finditer(text)]


def find_ssn_in_context(text: str) -> list[tuple[int, int]]:
    out = []
    for w in _SSN_WORD.finditer(text):
        m = _SSN_DIGITS.search(text, w.end())
        if m is None or m.start() - w.end() > _WINDOW or "\n" in text[w.end():m.start()]:
            continue
        if ssn_valid(m.group(1), m.group(3), m.group(4)):
            out.append(m.span())
    return out
