"""Free-text scanning throughput: all detectors vs one compiled ``re.search`` pass over the same text.

Corpus: realistic log lines — access logs, timestamps, ids, stack-trace lines, SQL, JSON — of which
about 5% carry a secret (email, card, token, password). The baseline is a single compiled regex
(an e-mail pattern) run with ``search`` over every line: the cheapest thing a scanner could do.
Targets: all detectors ≤ 4× the baseline on the mix; benign lines close to 1×.
The engine's short-string memo is bypassed (we call the scanner directly) so every line is scanned; one more
row runs the engine's whole text step (structures inside the line first, then the detectors) on the same lines.
The scanner runs with its RE2 trigger prefilter (google-re2, a default dependency) and, for
comparison, without it (the pure-Python gates used when RE2 is missing or the text is not ASCII).
Prints MB/s and ratios (medians of interleaved repeats, process CPU time); writes results/bench_text.json.
"""

from __future__ import annotations

import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))

from _common import measure, write_result  # noqa: E402

from otel_privacy import Redactor  # noqa: E402
from otel_privacy.redactor import RecordContext  # noqa: E402
from otel_privacy.scrub.text import TextScanner  # noqa: E402

BENIGN = [
    '127.0.0.{a} - - [23/Nov/2026 04:32:{s:02d}] "GET /orders/{n} HTTP/1.1" 200 {n}',
    "2026-11-23T06:16:{s:02d}.{n}Z INFO worker-{a} processed batch {n} in {a}.{s}ms",
    'File "/srv/app/handlers/orders.py", line {a}, in handle_order',
    "trace_id={h} span_id={h16} request completed status=200 duration_ms={a}",
    "SELECT o.id, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = ?",
    '{{"event": "cache_miss", "key": "orders:{n}", "ttl": {a}, "region": "eu-west-1"}}',
    "connection pool size={a} idle={s} waiting=0 version 1.{a}.{s}",
    "uuid {u} scheduled for retry attempt {a} of 5",
]
SECRET = [
    "login failed for user alice{n}@example.com from 10.0.{a}.{s}",
    'POST /payments/authorize?card=4111111111111111&amount={n} HTTP/1.1" 402',
    "upstream call with Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ{n}In0.sig{n}",
    "db connect postgres://app:s3cret{n}@db.internal:5432/shop failed",
]


def _lines(n: int, secret_share: float, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        tpl = rnd.choice(SECRET if rnd.random() < secret_share else BENIGN)
        out.append(tpl.format(a=rnd.randint(1, 250), s=rnd.randint(0, 59), n=rnd.randint(1000, 99_999_999),
                              h=f"{rnd.getrandbits(128):032x}", h16=f"{rnd.getrandbits(64):016x}",
                              u=f"{rnd.getrandbits(32):08x}-{rnd.getrandbits(16):04x}-4{rnd.getrandbits(12):03x}-"
                                f"a{rnd.getrandbits(12):03x}-{rnd.getrandbits(48):012x}"))
    return out


def main() -> None:
    redactor = Redactor("default")
    scanner = redactor.text
    t = redactor.policy.text
    python_only = TextScanner(detectors=t.detectors, custom=t.custom, replacement=redactor.policy.replacement,
                              typed_replacement=t.typed_replacement, url_sanitizer=redactor.url,
                              ip_truncator=redactor.truncate_ip, prefilter=False)
    baseline_rx = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
    mixed = _lines(20_000, 0.05)
    benign = _lines(20_000, 0.0, seed=8)
    size_mixed = sum(len(x) for x in mixed)
    size_benign = sum(len(x) for x in benign)

    def run_scan(lines, scanner=scanner):
        scrub = scanner.scrub
        for line in lines:
            scrub(line)
        return len(lines)

    def run_search(lines):
        search = baseline_rx.search
        for line in lines:
            search(line)
        return len(lines)

    def run_engine(lines):  # what a log body pays: structures inside the text, detectors, percent runs
        scan, rec = redactor._scan, RecordContext
        for line in lines:
            scan(line, 0, rec())
        return len(lines)

    res = measure({
        "baseline_mixed": lambda: run_search(mixed),
        "scanner_mixed": lambda: run_scan(mixed),
        "baseline_benign": lambda: run_search(benign),
        "scanner_benign": lambda: run_scan(benign),
        "python_mixed": lambda: run_scan(mixed, python_only),
        "python_benign": lambda: run_scan(benign, python_only),
        "engine_mixed": lambda: run_engine(mixed),
    }, repeats=7)

    def mbps(key, size, n):
        return size / (res[key]["cpu_s_per_op"] * n) / 1e6

    ratio_mixed = res["scanner_mixed"]["cpu_s_per_op"] / res["baseline_mixed"]["cpu_s_per_op"]
    ratio_benign = res["scanner_benign"]["cpu_s_per_op"] / res["baseline_benign"]["cpu_s_per_op"]
    py_mixed = res["python_mixed"]["cpu_s_per_op"] / res["baseline_mixed"]["cpu_s_per_op"]
    py_benign = res["python_benign"]["cpu_s_per_op"] / res["baseline_benign"]["cpu_s_per_op"]
    print(f"lines: {len(mixed)} mixed (5% secrets, {size_mixed / 1e6:.2f} MB), {len(benign)} benign")
    print(f"baseline re.search : {mbps('baseline_mixed', size_mixed, len(mixed)):7.1f} MB/s (mixed)")
    print(f"all detectors      : {mbps('scanner_mixed', size_mixed, len(mixed)):7.1f} MB/s (mixed)"
          f"  ratio {ratio_mixed:.2f}x  (target <= 4x)")
    print(f"all detectors      : {mbps('scanner_benign', size_benign, len(benign)):7.1f} MB/s (benign)"
          f"  ratio {ratio_benign:.2f}x")
    print(f"without the RE2 prefilter (pure Python): {py_mixed:.2f}x mixed, {py_benign:.2f}x benign"
          f"  (prefilter in use: {scanner.prefilter})")
    engine = res["engine_mixed"]["cpu_s_per_op"] / res["scanner_mixed"]["cpu_s_per_op"]
    print(f"whole text step (structures + detectors, no memo): {engine:.2f}x the detectors alone (mixed)")
    path = write_result("bench_text", {
        "method": "median of 7 interleaved repeats, process CPU time per line; scanner called directly (no memo)",
        "results": res,
        "mb_per_s": {"baseline_mixed": mbps("baseline_mixed", size_mixed, len(mixed)),
                     "scanner_mixed": mbps("scanner_mixed", size_mixed, len(mixed)),
                     "scanner_benign": mbps("scanner_benign", size_benign, len(benign))},
        "ratio_mixed": ratio_mixed, "ratio_benign": ratio_benign, "target_ratio": 4.0,
        "prefilter": scanner.prefilter, "ratio_mixed_python_only": py_mixed, "ratio_benign_python_only": py_benign,
        "meets_target": ratio_mixed <= 4.0, "ratio_engine_vs_detectors_mixed": engine,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
