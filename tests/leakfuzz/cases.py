"""Fuzz cases (kind × carrier × encoding) and their seeded, reproducible generation.

:func:`generate` covers every compatible (kind, carrier), (kind, encoding) and (carrier, encoding)
pair at least once, then fills up with random triples to the requested count; each case draws its
sample from ``Random(f"{seed}/{id}")``, so one case replays alone from the seed and its id.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .carriers import CARRIERS
from .catalogue import KINDS
from .encodings import ENCODINGS, KV, Payload, Split, Text, applicable, encode
from .samples import Kind, Sample, fragments

ENCODING_ORDER = list(ENCODINGS)
CARRIER_ORDER = list(CARRIERS)


@dataclass(frozen=True)
class Case:
    id: int
    kind: str
    carrier: str
    encoding: str
    noise: bool
    sample: Sample
    payload: Payload
    origin: str = "fuzz"  # fuzz | probe | regression | shrink | benign
    name: str = ""  # regression entries have names

    @property
    def cls(self) -> tuple[str, str, str]:
        return self.kind, self.carrier, self.encoding

    def label(self) -> str:
        return f"{self.kind} × {self.carrier} × {self.encoding}{' +noise' if self.noise else ''}"

    def planted(self) -> str:
        """What the app wrote, in one line (for failure messages)."""
        p = self.payload
        if isinstance(p, KV):
            extras = "".join(f", {k}={v!r}" for k, v in p.extras)
            return f"{self.carrier}: {p.key!r} = {p.value!r}{extras}"
        if isinstance(p, Split):
            return f"{self.carrier}: {list(p.items)!r}"
        return f"{self.carrier}: {p.text!r}"

    def to_dict(self) -> dict[str, Any]:
        """A regression-table entry: everything needed to replay this exact case (fragment needles are
        derived again when it is read)."""
        sample = self.sample.to_dict()
        derived = set(fragments(self.sample.needles))
        sample["needles"] = [n for n in self.sample.needles if n not in derived]
        return {"name": self.name or f"{self.kind}-{self.carrier}-{self.encoding}-{self.id}", "kind": self.kind,
                "carrier": self.carrier, "encoding": self.encoding, "noise": self.noise, "sample": sample}


def kind_of(name: str) -> Kind:
    from .benign import BENIGN_KINDS

    return KINDS.get(name) or BENIGN_KINDS[name]


def compatible(kind: Kind, carrier: str, encoding: str) -> bool:
    c = CARRIERS[carrier]
    if kind.carriers and carrier not in kind.carriers:
        return False
    if encoding not in applicable(kind) or ENCODINGS[encoding].produces not in c.accepts:
        return False
    return c.flat or not kind.flat_only


def triples(kinds: Iterable[Kind]) -> list[tuple[str, str, str]]:
    return [(k.name, c, e) for k in kinds for e in applicable(k) for c in CARRIERS if compatible(k, c, e)]


def make_case(case_id: int, kind: str, carrier: str, encoding: str, seed: Any, origin: str = "fuzz",
              sample: Sample | None = None, noise: bool | None = None, name: str = "") -> Case:
    rng = random.Random(name or f"{seed}/{case_id}")
    if sample is None:
        sample = kind_of(kind).make(rng)
    if noise is None:
        noise = rng.random() < 0.35
    payload = encode(sample, encoding, rng, noise)
    return Case(case_id, kind, carrier, encoding, noise and isinstance(payload, Text), sample, payload, origin, name)


def rebuild(case: Case, new_id: int, **changes: Any) -> Case:
    """The same sample in another carrier / encoding / noise (for the minimiser); payload re-encoded."""
    target = replace(case, **changes)
    rng = random.Random(f"shrink/{case.id}/{target.carrier}/{target.encoding}/{target.noise}")
    payload = encode(case.sample, target.encoding, rng, target.noise)
    return replace(target, id=new_id, payload=payload, origin="shrink")


def cover(kinds: list[Kind], rng: random.Random) -> list[tuple[str, str, str]]:
    """A small set of compatible triples covering every compatible pair of the three dimensions — (kind family,
    carrier), (kind, encoding), (carrier, encoding) — see :attr:`~leakfuzz.samples.Kind.family`."""
    all_triples = triples(kinds)
    group = {k.name: k.group for k in kinds}
    by_gc: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for k, c, e in all_triples:
        by_gc.setdefault((group[k], c), []).append((k, e))
    ke = {(k, e) for k, _, e in all_triples}
    ce = {(c, e) for _, c, e in all_triples}
    chosen: list[tuple[str, str, str]] = []
    pairs = sorted(by_gc)
    rng.shuffle(pairs)
    for g, c in pairs:  # every (family, carrier); the member and encoding that cover most new pairs
        options = by_gc[(g, c)]
        rng.shuffle(options)
        k, e = max(options, key=lambda o: ((o[0], o[1]) in ke) + ((c, o[1]) in ce))
        ke.discard((k, e))
        ce.discard((c, e))
        chosen.append((k, c, e))
    for k, e in sorted(ke):  # (kind, encoding) pairs still missing
        cs = [c for c in CARRIERS if compatible(KINDS.get(k) or kind_of(k), c, e)]
        c = max(rng.sample(cs, len(cs)), key=lambda c: (c, e) in ce)
        ce.discard((c, e))
        chosen.append((k, c, e))
    for c, e in sorted(ce):
        ks = [k for k, c2, e2 in all_triples if c2 == c and e2 == e]
        chosen.append((rng.choice(ks), c, e))
    return chosen


def plan(seed: int, n: int, kinds: Iterable[Kind] | None = None) -> list[tuple[str, str, str]]:
    """The (kind, carrier, encoding) of each case :func:`generate` makes, in order: deterministic for a seed."""
    kinds = list(kinds if kinds is not None else KINDS.values())
    rng = random.Random(seed)
    chosen = cover(kinds, rng)
    everything = triples(kinds)
    while len(chosen) < n:
        chosen.append(rng.choice(everything))
    return chosen


def generate(seed: int, n: int, kinds: Iterable[Kind] | None = None, origin: str = "fuzz",
             start_id: int = 0) -> list[Case]:
    """At least ``n`` cases covering every compatible pair; deterministic for a seed."""
    return [make_case(start_id + i, k, c, e, seed, origin) for i, (k, c, e) in enumerate(plan(seed, n, kinds))]
