"""The minimiser: the smallest case that still leaks — simplest carrier and encoding, no surrounding noise.

Greedy and batched: each round builds every one-step simplification of every failing case (noise
off, a simpler encoding, a simpler carrier — the same secret each time), runs them all through the
doors in one go, and keeps for each case the simplest candidate that still leaks in a door where the
original leaked. A few rounds reach a fixed point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .cases import CARRIER_ORDER, ENCODING_ORDER, Case, compatible, kind_of, rebuild

SHRINK_ID_BASE = 10_000_000


@dataclass
class Shrunk:
    original: Case
    minimal: Case
    doors: frozenset[str]


def candidates(case: Case, next_id: Callable[[], int]) -> list[Case]:
    """One-step simplifications of ``case``, simplest first."""
    kind = kind_of(case.kind)
    out = []
    if case.noise:
        out.append(rebuild(case, next_id(), noise=False))
    for enc in ENCODING_ORDER[:ENCODING_ORDER.index(case.encoding)]:
        if compatible(kind, case.carrier, enc):
            out.append(rebuild(case, next_id(), encoding=enc, noise=False))
    for carrier in CARRIER_ORDER[:CARRIER_ORDER.index(case.carrier)]:
        if compatible(kind, carrier, case.encoding):
            out.append(rebuild(case, next_id(), carrier=carrier))
    return out


def shrink(failing: dict[Case, frozenset[str]], leaked_in: Callable[[Sequence[Case]], dict[int, set[str]]],
           rounds: int = 4, stay: Callable[[Case], bool] | None = None) -> list[Shrunk]:
    """Minimise each failing case (with the doors it leaked in); ``leaked_in`` runs a batch and says which
    case ids leaked in which doors. ``stay`` keeps candidates in the same class of leak (outside every known
    gap for a new leak, inside its gap for a gap's example), so a simpler case that leaks for another
    reason is not taken for a smaller example of this one."""
    counter = iter(range(SHRINK_ID_BASE, SHRINK_ID_BASE * 2))
    current = {case.id: case for case in failing}
    doors = {case.id: ds for case, ds in failing.items()}
    for _ in range(rounds):
        tried = {oid: [c for c in candidates(case, lambda: next(counter)) if stay is None or stay(c)]
                 for oid, case in current.items()}
        batch = [c for cs in tried.values() for c in cs]
        if not batch:
            break
        leaked = leaked_in(batch)
        changed = False
        for oid, cs in tried.items():
            for c in cs:
                if leaked.get(c.id, set()) & doors[oid]:
                    current[oid] = c
                    changed = True
                    break
        if not changed:
            break
    return [Shrunk(case, current[case.id], doors[case.id]) for case in failing]
