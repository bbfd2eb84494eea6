"""``otel-privacy scan | redact | inspect``: the offline door onto the engine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .._extras import require
from ..policy import Policy, PolicyError
from ..redactor import Redactor
from ..wire import WireRedactor
from .otlp_files import FORMATS, Batch, OtlpFileError, read_requests, write_requests

__all__ = ["register"]


def _redactor(spec: str | None) -> Redactor:
    return Redactor(Policy.load(spec or "default"))


def _read_all(paths: list[str], fmt: str | None, signal: str | None) -> list[Batch]:
    return [b for p in paths for b in read_requests(p, fmt=fmt, signal=signal)]


def _scan(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from .scan import ScanReport, scan_batches

    _need_input(args)
    redactor = _redactor(args.policy)
    report = ScanReport()
    err = Console(stderr=True)
    show_progress = args.progress or (sys.stderr.isatty() and not args.json)
    if args.listen:
        batches = _tap(args, err)
        scan_batches(batches, redactor, report)
    with Progress(console=err, disable=not show_progress, transient=True) as progress:
        task = progress.add_task("scanning", total=len(args.inputs))
        for path in args.inputs:
            scan_batches(read_requests(path, fmt=args.format, signal=args.signal), redactor, report,
                         progress=lambda: progress.refresh())
            progress.advance(task)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        out = Console()
        table = Table(title=f"otel-privacy scan: {report.total} finding(s) in {report.strings} strings, "
                            f"{report.batches} request(s)")
        for col in ("location", "key", "detector", "count", "sample", "fix"):
            table.add_column(col, overflow="fold")
        for f in sorted(report.findings.values(), key=lambda f: (-f.count, f.location, f.key)):
            table.add_row(f.location, f.key or "-", f.detector, str(f.count), f.sample, f.fix)
        out.print(table)
    return 1 if report.total > args.max_findings else 0


def _redact(args: argparse.Namespace) -> int:
    redactor = _redactor(args.policy)
    batches = list(read_requests(args.input, fmt=args.input_format, signal=args.signal))
    walker = WireRedactor(redactor)  # the gateway's engine: each request redacted as OTLP bytes
    changed = sum(walker.redact_message(b.request, b.signal) for b in batches)
    fmt = args.output_format or _format_for(args.output, batches)
    write_requests(batches, args.output, fmt)
    print(f"otel-privacy redact: {len(batches)} request(s), {changed} value(s) redacted "
          f"(policy {redactor.fingerprint})", file=sys.stderr)
    return 0


def _format_for(path: str, batches: list[Batch]) -> str:
    name = path.lower()
    if name.endswith((".pb", ".binpb", ".protobuf")):
        return "protobuf"
    if name.endswith(".json"):
        return "json"
    return "jsonl" if len(batches) != 1 or name.endswith((".jsonl", ".ndjson")) or path == "-" else "json"


def _inspect(args: argparse.Namespace) -> int:
    from rich.console import Console

    from .inspect import inspect_batches, render_html, render_text

    _need_input(args)
    redactor = _redactor(args.policy)
    batches = _read_all(args.inputs, args.format, args.signal)
    if args.listen:
        from rich.console import Console

        batches += _tap(args, Console(stderr=True))
    assume = True if args.sent else None
    ins = inspect_batches(batches, redactor, assume_sent=assume)
    if args.html:
        Path(args.html).write_text(render_html(ins, show_before=not args.no_before), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    else:
        render_text(ins, Console(), show_before=not args.no_before)
    return 0


def _need_input(args: argparse.Namespace) -> None:
    if not args.inputs and not args.listen:
        raise OtlpFileError("give OTLP files (or - for stdin), or --listen HOST:PORT for a live tap")


def _tap(args: argparse.Namespace, err: Any) -> list[Batch]:
    """Receive OTLP/HTTP on ``--listen`` for ``--duration`` seconds or ``--count`` requests."""
    from .tap import OtlpTap

    host, _, port = args.listen.rpartition(":")
    with OtlpTap(host or "127.0.0.1", int(port)) as tap:
        err.print(f"otel-privacy: listening for OTLP/HTTP on {host or '127.0.0.1'}:{tap.port} "
                  f"({'for ' + str(args.duration) + 's' if args.duration else 'until Ctrl-C'}"
                  f"{', ' + str(args.count) + ' requests' if args.count else ''})")
        return tap.collect(args.duration, args.count)


def _guard(func, *needs: str):
    def run(args: argparse.Namespace) -> int:
        if needs:
            require("cli", *needs)
        try:
            return func(args)
        except (OtlpFileError, PolicyError) as exc:
            print(f"otel-privacy {args.command}: {exc}", file=sys.stderr)
            return 2

    return run


def _listen(p: argparse.ArgumentParser) -> None:
    p.add_argument("--listen", metavar="HOST:PORT", help="also read live OTLP/HTTP sent here (a tap: point an app "
                                                        "or a gateway's otlphttp exporter at it)")
    p.add_argument("--duration", type=float, default=None, help="with --listen: stop after this many seconds")
    p.add_argument("--count", type=int, default=None, help="with --listen: stop after this many requests")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", default=None, help="policy file or preset (default: default)")
    p.add_argument("--signal", choices=["traces", "logs", "metrics"], default=None,
                   help="signal of protobuf input when the file name does not say")


def _reader(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The input options of the commands that read OTLP files and live taps (scan, inspect)."""
    p.add_argument("inputs", nargs="*", help="OTLP files (.json, .jsonl, .pb, optionally .gz) or - for stdin")
    _listen(p)
    _common(p)
    p.add_argument("--format", choices=FORMATS, default=None)
    return p


def register(sub: argparse._SubParsersAction) -> None:
    scan = _reader(sub.add_parser("scan", help="find secrets and personal data in OTLP files; non-zero exit "
                                               "over a threshold"))
    scan.add_argument("--json", action="store_true", help="machine-readable output")
    scan.add_argument("--max-findings", type=int, default=0, help="exit 1 when findings exceed this (default 0)")
    scan.add_argument("--progress", action="store_true", help="show a progress bar even when not on a terminal")
    scan.set_defaults(func=_guard(_scan, "rich"))

    red = sub.add_parser("redact", help="redact OTLP files offline with the same engine as the gateway")
    _common(red)
    red.add_argument("--input", "-i", required=True, help="input file or - for stdin")
    red.add_argument("--output", "-o", required=True, help="output file or - for stdout")
    red.add_argument("--input-format", choices=FORMATS, default=None)
    red.add_argument("--output-format", choices=FORMATS, default=None)
    red.set_defaults(func=_guard(_redact))

    ins = _reader(sub.add_parser("inspect", help="show what is sent: trace trees, timings, before → after per value"))
    ins.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    ins.add_argument("--sent", action="store_true", help="the input is already redacted (show it as sent)")
    ins.add_argument("--no-before", action="store_true", help="never show before-values")
    ins.set_defaults(func=_guard(_inspect, "rich"))
