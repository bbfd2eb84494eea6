"""``otel-privacy scan``: find secrets and personal data in OTLP data, and say which rule fixes each.

For every string in every record (see :mod:`.walk`) the scan asks the policy's own engine two
questions: would the key's rule change this value (a raw password under ``db.password``, a
literal in ``db.statement``, an un-hashed ``enduser.id``, a query value in ``url.full``), and do the
free-text detectors find anything in it. Findings are grouped per (location, key, detector) with a
count, a masked sample, and the rule that would fix it. The exit code gates CI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..redactor import Redactor
from .otlp_files import Batch
from .walk import iter_strings

__all__ = ["Finding", "ScanReport", "scan_batches", "mask"]

_PSEUDONYM = re.compile(r"^[A-Za-z0-9_.:-]{0,16}[0-9a-f]{8,64}$")


def mask(value: str, keep: int = 2) -> str:
    """``alice@example.com`` → ``al*************om``: enough to recognise, not enough to use."""
    value = value.replace("\n", " ")
    if len(value) <= 2 * keep + 2:
        return "*" * len(value)
    middle = min(len(value) - 2 * keep, 24)
    return value[:keep] + "*" * middle + value[-keep:]


@dataclass
class Finding:
    location: str
    key: str
    detector: str
    fix: str
    count: int = 0
    sample: str = ""
    sources: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        return {"location": self.location, "key": self.key, "detector": self.detector, "count": self.count,
                "sample": self.sample, "fix": self.fix, "sources": sorted(self.sources)[:5]}


@dataclass
class ScanReport:
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)
    records: int = 0
    strings: int = 0
    batches: int = 0

    @property
    def total(self) -> int:
        return sum(f.count for f in self.findings.values())

    def add(self, location: str, key: str, detector: str, fix: str, sample: str, source: str) -> None:
        f = self.findings.get((location, key, detector))
        if f is None:
            f = self.findings[(location, key, detector)] = Finding(location, key, detector, fix, sample=mask(sample))
        f.count += 1
        f.sources.add(source.rsplit(":", 1)[0])

    def to_dict(self) -> dict[str, Any]:
        rows = sorted(self.findings.values(), key=lambda f: (-f.count, f.location, f.key))
        return {"total": self.total, "batches": self.batches, "strings_scanned": self.strings,
                "findings": [f.to_dict() for f in rows]}


def _key_fix(key: str, action: str) -> str:
    return f"rules: [{{match: {key!r}, action: {action}}}]"


def scan_value(redactor: Redactor, location: str, key: str, value: str) -> list[tuple[str, str, str]]:
    """``(detector, fix, matched text)`` for one string; empty when the policy would leave it as is."""
    out: list[tuple[str, str, str]] = []
    if key.startswith("otel_privacy.") or value == redactor.replacement:
        return out
    action = redactor.action_for(key) if key and location.endswith("attributes") else "text"
    if action not in ("text", "keep"):
        if action == "hash" and _PSEUDONYM.match(value):
            return out  # already a pseudonym
        redacted = redactor.redact_value(key, value)
        if redacted != value:
            out.append((f"key:{action}", _key_fix(key, action), value))
        return out
    for f in redactor.text.find(value):
        if value[f.start:f.end] != f.replacement:
            out.append((f.detector, f"text.detectors.{f.detector}: true (default action text for this key)",
                        value[f.start:f.end]))
    return out


def scan_batches(batches: Iterable[Batch], redactor: Redactor, report: ScanReport | None = None,
                 progress: Any = None) -> ScanReport:
    """Scan every string of every batch; ``progress`` (optional) is called once per batch."""
    report = report or ScanReport()
    for batch in batches:
        report.batches += 1
        for location, key, value in iter_strings(batch.signal, batch.request):
            if not value:
                continue
            report.strings += 1
            for detector, fix, matched in scan_value(redactor, location, key, value):
                report.add(location, key, detector, fix, matched, batch.source)
        if progress is not None:
            progress()
    return report
