"""Exact instructions per span of the wire engine (C core) on bench_gateway's requests; each fresh attribute's share.

Runs itself under ``valgrind --tool=callgrind`` with collection only inside ``Walker.redact`` and a profile part
dumped at every call, so each request's count is exact and nothing else in the process (building the requests,
imports, the first request's plan compilation) is counted. Variants: the bench's spans as they are, then with one
fresh-literal attribute left out at a time; the difference is that attribute's cost, its Python step included.
Two warm-up requests per variant, then ``MEASURED`` (default 4) requests of 100 spans; the median request is
printed per span. Load does not move these numbers (they are instruction counts, not times).

    python benchmarks/callgrind_wire.py          # needs valgrind; the C extensions built in place
"""

from __future__ import annotations

import glob
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))

VARIANTS = ["full", "-db.statement", "-url.full", "-app.note", "-enduser.id"]
WARM = 2


def run_requests(measured: int) -> list[str]:
    """In the child (under callgrind): every variant's requests through one C walker each; returns the labels."""
    import bench_gateway as bg

    from otel_privacy.redactor import Redactor
    from otel_privacy.wire import WireRedactor

    original = bg.span_attributes
    labels = []
    for variant in VARIANTS:
        def attributes(n: int, variant: str = variant) -> dict:
            values = original(n)
            if variant != "full":
                values.pop(variant[1:])
            return values
        bg.span_attributes = attributes
        rnd = random.Random(7)
        bodies = [bg.make_body(rnd) for _ in range(WARM + measured)]
        walker = WireRedactor(Redactor("default"), compiled=True)
        for i, body in enumerate(bodies):
            walker.redact("traces", body)
            labels.append(f"{variant} {'warm' if i < WARM else 'measured'}")
    bg.span_attributes = original
    return labels


def main() -> None:
    measured = int(os.environ.get("MEASURED", "4"))
    if os.environ.get("_CALLGRIND_WIRE_CHILD"):
        with open(os.environ["_CALLGRIND_WIRE_CHILD"], "w") as f:
            f.write("\n".join(run_requests(measured)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        out, labels_path = os.path.join(tmp, "cg.out"), os.path.join(tmp, "labels")
        env = dict(os.environ, PYTHONHASHSEED="0", _CALLGRIND_WIRE_CHILD=labels_path)
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--toggle-collect=Walker_redact",
                        "--dump-before=Walker_redact", sys.executable, __file__], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(labels_path) as f:
            labels = f.read().split("\n")
        totals = {}
        for path in glob.glob(out + "*"):
            m = re.search(r"\.(\d+)$", path)
            with open(path) as f:
                text = f.read()
            totals[int(m.group(1)) if m else 1 << 30] = int(re.search(r"^totals: (\d+)", text, re.M).group(1))
        counts = [totals[k] for k in sorted(totals)][1:]  # part 1 ends at the first call: nothing collected
    per_span: dict[str, list[float]] = {}
    for label, count in zip(labels, counts):
        if label.endswith("measured"):
            per_span.setdefault(label.split()[0], []).append(count / 100)
    full = statistics.median(per_span["full"])
    print(f"wire engine (C core), bench_gateway's spans: {full:,.0f} instructions per span (median of {measured} "
          f"requests of 100 spans)")
    for variant in VARIANTS[1:]:
        print(f"  {variant[1:]:14s} {full - statistics.median(per_span[variant]):9,.0f} instructions per span")


if __name__ == "__main__":
    main()
