"""Explore from the command line (run from ``tests/``, with the package importable)::

    python -m leakfuzz --cases 20000 --seed 7                  # SDK door only (the doors agree today)
    python -m leakfuzz --doors sdk,gateway,offline --new       # leaks no known gap covers, minimised
    python -m leakfuzz --cases 30000 --matrix --save /tmp/leaks.jsonl

``--matrix`` prints leaked/tested per kind × encoding (over every carrier) and ``--save`` writes each
case with the doors it leaked in: the raw material for :mod:`leakfuzz.known_gaps`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

os.environ.setdefault("OTEL_PRIVACY_HASH_KEY", "test-hash-key")
os.environ.setdefault("DO_NOT_TRACK", "1")

from .cases import Case, generate  # noqa: E402
from .known_gaps import KNOWN_GAPS  # noqa: E402
from .report import by_dimension, summary  # noqa: E402
from .run import judge, run_doors  # noqa: E402
from .shrink import shrink  # noqa: E402


def matrix(outcome, kinds: Sequence[str], encodings: Sequence[str]) -> str:
    """kind × encoding: leaked/tested over every carrier (``.`` nothing leaked, blank: not applicable)."""
    stats: dict[tuple[str, str], list[int]] = {}
    leaked = outcome.leaked()
    for c in outcome.cases:
        cell = stats.setdefault((c.kind, c.encoding), [0, 0])
        cell[0] += 1
        cell[1] += c.id in leaked
    head = " " * 26 + "".join(f"{e[:6]:>7}" for e in encodings)
    rows = [head]
    for k in kinds:
        cells = []
        for e in encodings:
            t, lk = stats.get((k, e), (0, 0))
            cells.append(f"{'':>7}" if not t else f"{'.':>7}" if not lk else f"{lk:>3}/{t:<3}")
        rows.append(f"{k[:25]:26}" + "".join(cells))
    return "\n".join(rows)


def audit_gaps(outcome, leaked_in, record: bool = False) -> None:
    """Which gaps still explain leaks on their own (a gap whose leaks all fall in other gaps too has a stale
    cause: narrow or remove it), each with a minimal example; optionally recorded as regressions."""
    from pathlib import Path

    import yaml

    from .corpus import REGRESSIONS
    from .report import regression_entry

    leaked = outcome.leaked()
    leaking = [c for c in outcome.cases if c.id in leaked]
    print("\n-- known gaps: inside / leaking / leaking in this gap only")
    examples: dict[int, Case] = {}
    for i, gap in enumerate(KNOWN_GAPS):
        inside = [c for c in outcome.cases if gap.covers(c.cls, c.noise)]
        mine = [c for c in leaking if any(gap.excuses(c.cls, d, c.noise) for d in leaked[c.id])]
        alone = [c for c in mine if not any(g.excuses(c.cls, d, c.noise) for g in KNOWN_GAPS if g is not gap
                                            for d in leaked[c.id])]
        flag = "STALE" if not alone else ""
        print(f"  [{i:2}] {gap.kind[:40]} × {gap.carrier[:30]} × {gap.encoding[:40]}: "
              f"{len(inside)} / {len(mine)} / {len(alone)} {flag}")
        if alone:
            examples[i] = alone[0]
    by_original = {}
    for i, case in examples.items():  # one gap at a time: its example must stay inside it (and no other)
        gap = KNOWN_GAPS[i]
        others = [g for g in KNOWN_GAPS if g is not gap]
        stay = lambda c, gap=gap, others=others: gap.covers(c.cls, c.noise) and not any(  # noqa: E731
            g.covers(c.cls, c.noise) for g in others)
        by_original[case.id] = shrink({case: frozenset(leaked[case.id])}, leaked_in, stay=stay)[0].minimal
    entries = []
    for i, case in examples.items():
        minimal = by_original[case.id]
        print(f"  [{i:2}] e.g. {minimal.label()}: {minimal.planted()[:200]}")
        entries.append(minimal)
    if record:
        path = Path(REGRESSIONS)
        existing = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        names = {e["name"] for e in existing}
        added = 0
        text = path.read_text(encoding="utf-8").rstrip()
        if text.endswith("[]"):
            text = text[:-2].rstrip()
        for m in entries:
            name = f"{m.kind}-{m.carrier}-{m.encoding}"
            if name in names:
                continue
            names.add(name)
            m = Case(m.id, m.kind, m.carrier, m.encoding, m.noise, m.sample, m.payload, m.origin, name)
            text += "\n" + regression_entry(m).rstrip()
            added += 1
        path.write_text(text + "\n", encoding="utf-8")
        print(f"  recorded {added} new regression entr{'y' if added == 1 else 'ies'} in {path}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m leakfuzz", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--doors", default="sdk", help="comma-separated: sdk,gateway,offline,offline-pb")
    ap.add_argument("--new", action="store_true", help="list (minimised) leaks that no known gap covers")
    ap.add_argument("--matrix", action="store_true", help="print kind × encoding leak counts")
    ap.add_argument("--save", metavar="FILE", help="write every case and the doors it leaked in as JSON lines")
    ap.add_argument("--gaps", action="store_true",
                    help="per known gap: cases inside, leaking, leaking in no other gap, a minimal example")
    ap.add_argument("--record", action="store_true",
                    help="with --gaps: append each gap's minimal example to the regression table")
    args = ap.parse_args(argv)
    doors = tuple(args.doors.split(","))
    cases = generate(args.seed, args.cases)
    print(f"seed {args.seed}: {len(cases)} cases through {', '.join(doors)}", file=sys.stderr)
    outputs = run_doors(cases, doors)
    outcome = judge(cases, outputs)
    print(summary(outcome, KNOWN_GAPS))
    if outcome.not_planted:
        print(f"!! {len(outcome.not_planted)} cases were not planted (generator bug), e.g. "
              f"{outcome.not_planted[0].label()}: {outcome.not_planted[0].planted()[:200]}")
    if outcome.broken:
        classes = {}
        for b in outcome.broken:
            classes.setdefault((b.case.carrier, b.case.encoding, b.key), b)
        print(f"\n-- {len(outcome.broken)} JSON documents no longer parse ({len(classes)} carrier × encoding × key)")
        for (carrier, encoding, key), b in sorted(classes.items()):
            print(f"  {carrier} × {encoding} [{key}] e.g. {b.case.kind}: {b.exported[:160]!r}")
    for dim, name in ((0, "kind"), (1, "carrier"), (2, "encoding")):
        print(f"\n-- leak rate by {name}")
        for value, tested, leaked in by_dimension(outcome, dim):
            if leaked:
                print(f"  {value:28} {leaked:5}/{tested:<5} {100 * leaked / tested:5.1f}%")
    leaked_ids = outcome.leaked()

    def leaked_in(batch: Sequence[Case]) -> dict[int, set[str]]:
        return judge(batch, run_doors(batch, doors)).leaked()

    if args.new:
        new = {c: frozenset(leaked_ids[c.id]) for c in cases if c.id in leaked_ids
               and not any(g.excuses(c.cls, d, c.noise) for g in KNOWN_GAPS for d in leaked_ids[c.id])}
        print(f"\n-- {len(new)} leaking cases outside the known gaps")
        firsts = {}
        for c, ds in new.items():
            firsts.setdefault(c.cls, (c, ds))
        outside = lambda c: not any(g.covers(c.cls, c.noise) for g in KNOWN_GAPS)  # noqa: E731
        for s in shrink(dict(firsts.values()), leaked_in, stay=outside):
            print(f"  {s.original.label():60} → {s.minimal.label()}\n      {s.minimal.planted()[:220]}")
    if args.gaps:
        audit_gaps(outcome, leaked_in, record=args.record)
    if args.matrix:
        from .catalogue import KINDS
        from .encodings import ENCODINGS

        print("\n-- kind × encoding (leaked/tested over all carriers)")
        print(matrix(outcome, list(KINDS), list(ENCODINGS)))
    if args.save:
        import json

        with open(args.save, "w", encoding="utf-8") as fh:
            first = {}
            for lk in outcome.leaks:
                first.setdefault(lk.case.id, lk)
            for c in cases:
                leak = first.get(c.id)
                fh.write(json.dumps({"id": c.id, "cls": c.cls, "noise": c.noise, "doors": sorted(leaked_ids.get(c.id, ())),
                                     "planted": c.planted(), "where": leak.where if leak else None}, ensure_ascii=False)
                         + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
