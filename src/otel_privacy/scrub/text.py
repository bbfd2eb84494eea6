"""Secret and PII detectors for free text. (Contract placeholder: the full detector set replaces it.)"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

__all__ = ["TextScanner", "Finding"]


@dataclass(frozen=True, slots=True)
class Finding:
    detector: str
    start: int
    end: int


_PATTERNS = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "bearer": r"(?i)\b(?:bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}",
    "jwt": r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",
}


class TextScanner:
    def __init__(self, *, detectors: Mapping[str, bool], custom: Iterable = (), replacement: str = "REDACTED",
                 typed_replacement: bool = False, url_sanitizer=None,
                 ip_truncator: Callable[[str], str | None] | None = None) -> None:
        self.replacement = replacement
        self._rx = [(n, re.compile(p)) for n, p in _PATTERNS.items() if detectors.get(n, True)]

    def find(self, text: str) -> list[Finding]:
        return [Finding(n, m.start(), m.end()) for n, rx in self._rx for m in rx.finditer(text)]

    def scrub(self, text: str) -> tuple[str, dict[str, int]]:
        found: dict[str, int] = {}
        for name, rx in self._rx:
            text, n = rx.subn(self.replacement, text)
            if n:
                found[name] = n
        return text, found
