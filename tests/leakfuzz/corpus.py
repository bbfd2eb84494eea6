"""The case set of one fuzz run: generated cases, probes for every known gap, and the regression table."""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Sequence
from pathlib import Path

import yaml

from .cases import Case, compatible, generate, kind_of, make_case, triples
from .catalogue import KINDS
from .known_gaps import Gap
from .samples import Sample, fragments

DEFAULT_SEED = 20250601
DEFAULT_CASES = 2000
PROBES_PER_GAP = 5
PROBE_ID_BASE = 1_000_000
REGRESSION_ID_BASE = 2_000_000
REGRESSIONS = Path(__file__).resolve().parents[1] / "data" / "leak_regressions.yaml"


def settings() -> tuple[int, int, str | None]:
    """(seed, cases, only) from OTEL_PRIVACY_FUZZ_SEED (an int or ``random``), OTEL_PRIVACY_FUZZ_CASES and
    OTEL_PRIVACY_FUZZ_CASE (one case id, or a regression entry's name, to replay alone)."""
    raw = os.environ.get("OTEL_PRIVACY_FUZZ_SEED", "").strip()
    seed = random.SystemRandom().randrange(1 << 30) if raw == "random" else int(raw) if raw else DEFAULT_SEED
    cases = int(os.environ.get("OTEL_PRIVACY_FUZZ_CASES", "") or DEFAULT_CASES)
    return seed, cases, os.environ.get("OTEL_PRIVACY_FUZZ_CASE") or None


def probe_name(gap: Gap) -> str:
    return f"probe {gap.kind} × {gap.carrier} × {gap.encoding}" + ("" if gap.noise is None else f" noise={gap.noise}")


def probes(gaps: Sequence[Gap]) -> list[Case]:
    """A few cases inside each gap, drawn from the gap itself and not from the run's seed: whether a gap is
    still open is decided on the same cases by every run, whatever OTEL_PRIVACY_FUZZ_SEED says."""
    everything = triples(KINDS.values())
    out = []
    for i, gap in enumerate(gaps):
        name = probe_name(gap)
        inside = [t for t in everything if gap.covers(t)]
        rng = random.Random(name)
        for j, (k, c, e) in enumerate(rng.sample(inside, min(PROBES_PER_GAP, len(inside)))):
            # the gap's own noise setting, else the plain form of the class (noise can change what a heuristic decides)
            case = make_case(PROBE_ID_BASE + i * 100 + j, k, c, e, None, origin="probe", noise=bool(gap.noise),
                             name=f"{name} #{j}")  # the sample is drawn from this name, not from the case id
            out.append(dataclasses.replace(case, name=name))
    return out


def regressions(path: Path = REGRESSIONS) -> list[Case]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out = []
    for i, e in enumerate(entries):
        kind = kind_of(e["kind"])
        if not compatible(kind, e["carrier"], e["encoding"]):
            raise ValueError(f"{path}: entry {e['name']!r}: {e['carrier']} cannot carry {e['encoding']}")
        sample = Sample.from_dict(e["sample"])
        if kind.fragments:
            sample = dataclasses.replace(sample, needles=tuple(dict.fromkeys(sample.needles + fragments(sample.needles))))
        out.append(make_case(REGRESSION_ID_BASE + i, e["kind"], e["carrier"], e["encoding"], 0, origin="regression",
                             sample=sample, noise=bool(e.get("noise")), name=e["name"]))
    return out


def corpus(gaps: Sequence[Gap]) -> tuple[int, int, list[Case]]:
    """(seed, generated count, every case of this run); a single case when OTEL_PRIVACY_FUZZ_CASE is set."""
    seed, n, only = settings()
    cases = generate(seed, n) + probes(gaps) + regressions()
    if only is not None:
        cases = [c for c in cases if str(c.id) == only or c.name == only]
        if not cases:
            raise LookupError(f"OTEL_PRIVACY_FUZZ_CASE={only}: no such case id or regression name "
                              f"(seed {seed}, {n} cases)")
    return seed, n, cases
