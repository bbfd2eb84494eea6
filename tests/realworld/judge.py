"""Judge what each door exported for the corpus: leaks per (case, secret, door), losses of useful data,
cases whose secrets never reached the unredacted export (they would prove nothing).

A case's strings are every string of the records attributed to it (spans, log records, their events,
scope and resource) plus every unattributed record of the door — metrics and stray records, where a
secret of any case could land. Needles are searched in every trivially decoded view
(:func:`leakfuzz.check.found`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leakfuzz.check import Haystack, found, kept
from leakfuzz.doors import DoorOutput
from leakfuzz.run import _strings as strings  # every string of the records, scope and resource included
from leakfuzz.wire import Record

from .canaries import Secret
from .cases import Case, Keep


@dataclass(frozen=True)
class Leak:
    case: Case
    variant: str
    door: str
    secret: Secret
    needle: str
    where: str


@dataclass(frozen=True)
class Loss:
    case: Case
    variant: str
    door: str
    keep: Keep
    got: Any = None


@dataclass
class Verdict:
    leaks: list[Leak] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    not_planted: list[str] = field(default_factory=list)  # "case: secret" absent from the raw export
    bad_keeps: list[str] = field(default_factory=list)  # keeps absent from the raw export (a wrong case)
    missing: list[str] = field(default_factory=list)  # "door: case" with no record in that door


def has_keep(k: Keep, records: list[Record]) -> tuple[bool, Any]:
    if not k.key:
        return kept(str(k.value), strings(records)), None
    got = None
    for r in records:
        for key in k.key.split("|"):
            if key in r.attributes:
                v = r.attributes[key]
                if v == k.value and type(v) is type(k.value):
                    return True, v
                got = v
    return False, got


def judge(ids: dict[int, tuple[str, Case]], outputs: dict[str, DoorOutput]) -> Verdict:
    """``ids``: wire case id -> (variant, case); ``outputs``: door -> output, ``raw`` included."""
    verdict = Verdict()
    raw = outputs["raw"]
    for cid, (variant, case) in ids.items():
        recs = raw.by_case.get(cid, [])
        texts = strings(recs)
        for s in case.secrets:
            if found(s.needles[0], texts) is None:
                verdict.not_planted.append(f"{case.name} [{variant}]: {s.kind} {s.value[:60]!r}")
        for k in case.keeps:
            if not has_keep(k.raw(), recs)[0]:
                verdict.bad_keeps.append(f"{case.name} [{variant}]: {k.describe()}")
    for door, out in outputs.items():
        if door == "raw":
            continue
        stray = Haystack(strings(out.unattributed))
        for cid, (variant, case) in ids.items():
            wanted = [r for r in raw.by_case.get(cid, []) if r.signal in out.signals]
            if not wanted:
                continue
            recs = out.by_case.get(cid, [])
            if not recs:
                verdict.missing.append(f"{door}: {case.name} [{variant}]")
            texts = strings(recs)
            for s in case.secrets:
                for n in s.needles:
                    where = found(n, texts) or stray.found(n)
                    if where is not None:
                        verdict.leaks.append(Leak(case, variant, door, s, n, where))
                        break
            for k in case.keeps:
                if has_keep(k.raw(), wanted)[0]:
                    ok, got = has_keep(k, recs)
                    if not ok:
                        verdict.losses.append(Loss(case, variant, door, k, got))
    return verdict
