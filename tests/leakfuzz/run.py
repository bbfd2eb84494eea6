"""Run cases through the doors and judge the exported bytes: leaks, losses, cases that never arrived."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .carriers import CARRIERS
from .cases import Case
from .check import Haystack, found, kept
from .doors import GATEWAY_TRANSPORTS, DoorOutput, GatewayDoor, run_offline, run_sdk
from .wire import Record

DOORS = ("sdk", "gateway", "gateway-json", "gateway-grpc", "offline", "offline-pb")


@dataclass(frozen=True)
class Leak:
    case: Case
    door: str
    needle: str
    where: str  # the exported string the needle survived in


@dataclass(frozen=True)
class Loss:
    case: Case
    door: str
    expected: str  # a benign value or "key=value" that did not come out unchanged


@dataclass(frozen=True)
class Broken:
    case: Case
    door: str
    key: str  # the attribute (or "(body)") that held a JSON document before and does not parse after
    exported: str


@dataclass
class Outcome:
    cases: list[Case]
    outputs: dict[str, DoorOutput]
    leaks: list[Leak] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    missing: dict[str, list[int]] = field(default_factory=dict)  # door -> cases with no record on the wire
    not_planted: list[Case] = field(default_factory=list)  # the raw (unredacted) export lacks the needle
    broken: list[Broken] = field(default_factory=list)  # JSON documents that no longer parse

    def leaked(self) -> dict[int, set[str]]:
        out: dict[int, set[str]] = {}
        for leak in self.leaks:
            out.setdefault(leak.case.id, set()).add(leak.door)
        return out


def _strings(records: Iterable[Record]) -> list[str]:
    out: list[str] = []
    for r in records:
        out.extend(r.strings)
        out.extend(r.context)
    return out


def _json_documents(records: Iterable[Record]) -> dict[str, str]:
    """Record attributes (and log bodies) holding a JSON object or array, by key."""
    out = {}
    for r in records:
        values = [*r.attributes.items(), ("(body)", r.body)]
        for key, value in values:
            if isinstance(value, str) and value[:1] in "{[" and _parses(value):
                out[key] = value
    return out


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _values(records: Iterable[Record]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in records:
        out.update(r.attributes)
        out["(body)"] = r.body
    return out


def judge(cases: Sequence[Case], outputs: dict[str, DoorOutput]) -> Outcome:
    outcome = Outcome(list(cases), outputs)
    raw = outputs.get("raw")
    documents = {case.id: _json_documents(raw.by_case.get(case.id, [])) for case in cases} if raw else {}
    for door, out in outputs.items():
        if door == "raw":
            continue
        stray = _strings(out.unattributed)
        for case in cases:
            if CARRIERS[case.carrier].signal not in out.signals:
                continue
            records = out.by_case.get(case.id, [])
            if not records:
                outcome.missing.setdefault(door, []).append(case.id)
            strings = Haystack(_strings(records) + stray)
            for n in case.sample.needles:
                where = strings.found(n)
                if where is not None:
                    outcome.leaks.append(Leak(case, door, n, where))
                    break
            if records and documents.get(case.id):
                # "a JSON document stays valid JSON": a document may be dropped, never left unparseable
                exported = _values(records)
                for key in documents[case.id]:
                    got = exported.get(key)
                    if isinstance(got, str) and not _parses(got):
                        outcome.broken.append(Broken(case, door, key, got))
            if records:
                for k in case.sample.keeps:
                    if not kept(k, strings.strings):
                        outcome.losses.append(Loss(case, door, k))
                attrs: dict[str, Any] = {}
                for r in records:
                    attrs.update(r.attributes)
                for key, value in case.sample.typed:
                    got = attrs.get(key)
                    if got != value or type(got) is not type(value):
                        outcome.losses.append(Loss(case, door, f"{key}={value!r} (got {got!r})"))
    if raw is not None:
        for case in cases:
            strings = _strings(raw.by_case.get(case.id, []))
            # the first needle is the secret as planted; the others are partial or alternative forms
            wanted = case.sample.needles[:1] or case.sample.keeps
            if not strings or any(found(n, strings) is None for n in wanted):
                outcome.not_planted.append(case)
    return outcome


def run_doors(cases: Sequence[Case], doors: Sequence[str] = DOORS, gateway: GatewayDoor | None = None,
              policy: str = "default") -> dict[str, DoorOutput]:
    """Every case through every door in ``doors`` (the SDK door always runs: it produces the raw input)."""
    sdk, raw, raw_bodies = run_sdk(cases, policy)
    outputs = {"raw": raw}
    if "sdk" in doors:
        outputs["sdk"] = sdk
    gateway_doors = [d for d in doors if d in GATEWAY_TRANSPORTS]

    def through_gateway() -> None:
        if gateway_doors:
            with contextlib.ExitStack() as stack:
                gw = gateway or stack.enter_context(GatewayDoor(policy))
                for door in gateway_doors:
                    outputs[door] = gw.run(raw_bodies, expected=len(raw.records), door=door)

    if "offline" in doors or "offline-pb" in doors:  # the CLI's processes work while the gateway doors run
        for out in run_offline(raw_bodies, policy, during=through_gateway):
            if out.door in doors:
                outputs[out.door] = out
    else:
        through_gateway()
    return outputs
