"""Failure messages and summaries: what leaked, the minimal example, how to replay it, a regression entry."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

import yaml

from .cases import Case, kind_of
from .known_gaps import Gap
from .run import Leak, Outcome
from .shrink import Shrunk


def replay_hint(case: Case, seed: int, n: int) -> str:
    if case.origin in ("fuzz", "probe"):
        return f"OTEL_PRIVACY_FUZZ_SEED={seed} OTEL_PRIVACY_FUZZ_CASES={n} OTEL_PRIVACY_FUZZ_CASE={case.id}"
    if case.origin == "regression":
        return f"OTEL_PRIVACY_FUZZ_CASE={case.name!r} (tests/data/leak_regressions.yaml)"
    return "(a minimised case: add its regression entry below and replay it by name)"


def regression_entry(case: Case) -> str:
    return yaml.safe_dump([case.to_dict()], allow_unicode=True, sort_keys=False, width=1000)


def describe_leaks(shrunk: Iterable[Shrunk], leaks: list[Leak], seed: int, n: int) -> str:
    by_case: dict[int, Leak] = {}
    for leak in leaks:
        by_case.setdefault(leak.case.id, leak)
    blocks = []
    for s in shrunk:
        o, m = s.original, s.minimal
        leak = by_case.get(o.id)
        kind = kind_of(o.kind)
        lines = [f"LEAK in {', '.join(sorted(s.doors))}: {o.label()}  (claim {kind.claim})",
                 f"  planted : {o.planted()[:300]}"]
        if leak is not None:
            lines.append(f"  survived: {leak.needle[:120]!r} in exported {leak.where[:240]!r}")
        if m is not o:
            lines.append(f"  minimal : {m.label()} → {m.planted()[:300]}")
        lines.append(f"  replay  : {replay_hint(o, seed, n)} pytest tests/test_leak_fuzzer.py")
        lines.append("  regression entry (append to tests/data/leak_regressions.yaml):")
        lines.extend("    " + line for line in regression_entry(m).splitlines())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def summary(outcome: Outcome, gaps: Iterable[Gap] = ()) -> str:
    """One line per door (cases, leaked, excused by known gaps), for the terminal summary."""
    gaps = list(gaps)
    lines = []
    n_cases = Counter()
    for door, out in outcome.outputs.items():
        if door == "raw":
            continue
        n_cases[door] = len(out.by_case)
        leaks = [leak for leak in outcome.leaks if leak.door == door]
        excused = sum(1 for leak in leaks if any(g.excuses(leak.case.cls, door, leak.case.noise) for g in gaps))
        lines.append(f"{door:11} {len(out.by_case):5} cases  {len(leaks):5} leaked  ({excused} in known gaps, "
                     f"{len(leaks) - excused} new)  {out.seconds:5.1f} s")
    return "\n".join(lines)


def classes(outcome: Outcome) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(kind, carrier, encoding) -> (cases tested, cases leaked in any door)."""
    tested: Counter = Counter(c.cls for c in outcome.cases)
    leaked_ids = outcome.leaked()
    leaked: Counter = Counter(c.cls for c in outcome.cases if c.id in leaked_ids)
    return {cls: (tested[cls], leaked[cls]) for cls in tested}


def by_dimension(outcome: Outcome, dim: int) -> list[tuple[str, int, int]]:
    tested: dict[str, int] = defaultdict(int)
    leaked: dict[str, int] = defaultdict(int)
    for cls, (t, lk) in classes(outcome).items():
        tested[cls[dim]] += t
        leaked[cls[dim]] += lk
    return sorted(((k, tested[k], leaked[k]) for k in tested), key=lambda x: (-x[2] / x[1], x[0]))
