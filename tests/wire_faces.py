"""The C and Python faces of the wire walker side by side, for differential tests of the C core's fast paths."""

from __future__ import annotations

from collections import Counter
from typing import Any

from otel_privacy import Redactor
from otel_privacy.wire import WireRedactor


class Faces:
    """Per policy, a C walker and a Python walker (the reference), each kept across examples as a processor keeps
    its walker (memos and caches included)."""

    def __init__(self, policies: dict[str, Any]) -> None:
        self.policies = policies
        self._walkers: dict[str, tuple[WireRedactor, WireRedactor]] = {}

    def walkers(self, policy: str) -> tuple[WireRedactor, WireRedactor]:
        if policy not in self._walkers:
            self._walkers[policy] = (WireRedactor(Redactor(self.policies[policy]), compiled=True),
                                     WireRedactor(Redactor(self.policies[policy]), compiled=False))
        return self._walkers[policy]

    def same(self, policy: str, data: bytes, signal: str = "traces") -> bytes:
        """``data`` through both faces: the same bytes, counts and redactor statistics; returns the bytes."""
        c, py = self.walkers(policy)
        c_stats, py_stats = Counter(c.redactor.stats), Counter(py.redactor.stats)
        got, want = c.redact(signal, data), py.redact(signal, data)
        assert got.data == want.data
        assert (got.changed, got.records) == (want.changed, want.records)
        assert Counter(c.redactor.stats) - c_stats == Counter(py.redactor.stats) - py_stats
        return got.data
