"""Helpers shared by the benchmarks: interleaved repeats, medians, JSON results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def measure(variants: dict[str, Callable[[], int]], repeats: int = 7,
            rotate: bool = False) -> dict[str, dict[str, float]]:
    """Run each variant ``repeats`` times, interleaved (A B C A B C …) so machine noise hits all alike.

    A variant returns how many operations it did; we report the median seconds per operation, in
    CPU time of this process (``time.process_time``) and wall time. ``rotate`` starts each round with
    the next variant (A B C, B C A, …), so no variant always follows the same one.
    """
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    wall: dict[str, list[float]] = {k: [] for k in variants}
    names = list(variants)
    for r in range(repeats):
        order = names[r % len(names):] + names[:r % len(names)] if rotate else names
        for name in order:
            fn = variants[name]
            c0, w0 = time.process_time(), time.perf_counter()
            n = fn()
            c1, w1 = time.process_time(), time.perf_counter()
            cpu[name].append((c1 - c0) / n)
            wall[name].append((w1 - w0) / n)
    return {k: {"cpu_s_per_op": statistics.median(cpu[k]), "wall_s_per_op": statistics.median(wall[k]),
                "wall_min_s_per_op": min(wall[k]), "cpu_s_per_op_repeats": cpu[k]} for k in variants}


def measure_chunked(variants: dict[str, tuple[list, Callable[[list], int]]], rounds: int = 9,
                    chunk: int = 250) -> dict[str, dict[str, float]]:
    """Like :func:`measure` for variants that each process a list of items, interleaved finely.

    ``variants`` maps a name to ``(items, run)``; ``run(items)`` returns how many operations it did. Each round
    walks the items in chunks of ``chunk``: for every chunk index, every variant runs its own chunk, in an order
    rotated from chunk to chunk. So a variant and its baseline are timed milliseconds apart, many times per
    round, and a burst of load from another process hits both alike (a round of whole-corpus runs puts tenths
    of a second between them). A round's time per variant is the sum over its chunks; same result shape as
    :func:`measure`, so :func:`paired_ratio` gives the median over rounds of the per-round ratios.
    """
    names = list(variants)
    cpu: dict[str, list[float]] = {k: [] for k in names}
    longest = max(len(items) for items, _ in variants.values())
    for r in range(rounds):
        spent = dict.fromkeys(names, 0.0)
        done = dict.fromkeys(names, 0)
        for c, start in enumerate(range(0, longest, chunk)):
            k = (r + c) % len(names)
            for name in names[k:] + names[:k]:
                items, run = variants[name]
                part = items[start:start + chunk]
                if not part:
                    continue
                c0 = time.process_time()
                done[name] += run(part)
                spent[name] += time.process_time() - c0
        for name in names:
            cpu[name].append(spent[name] / done[name])
    return {k: {"cpu_s_per_op": statistics.median(v), "cpu_s_per_op_repeats": v} for k, v in cpu.items()}


def load_average() -> str:
    """The 1/5/15-minute load averages and the CPU count, for the record next to a measurement."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not every platform has it
        return f"load average unknown, {os.cpu_count()} CPUs"
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def measure_self_timed(variants: dict[str, Callable[[], float]], repeats: int) -> dict[str, dict[str, float]]:
    """Like :func:`measure` for variants that time themselves and return CPU seconds per operation (so
    that each can leave set-up and warm-up out of its timing); same result shape."""
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(repeats):
        for name, fn in variants.items():
            cpu[name].append(fn())
    return {k: {"cpu_s_per_op": statistics.median(v), "cpu_s_per_op_repeats": v} for k, v in cpu.items()}


def paired_ratio(results: dict[str, dict], variant: str, baseline: str) -> float:
    """Median over repeats of variant/baseline CPU time, each pair measured back to back in the same round.

    On a shared VM the machine's speed drifts between rounds; a ratio taken within one round cancels
    most of that drift, which a ratio of two medians does not.
    """
    a, b = results[variant]["cpu_s_per_op_repeats"], results[baseline]["cpu_s_per_op_repeats"]
    return statistics.median(x / y for x, y in zip(a, b))


def write_result(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **payload,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2))
    return path
