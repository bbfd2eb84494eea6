"""``otel-privacy gateway``: run (or just validate) an OTLP privacy gateway."""

from __future__ import annotations

import argparse
import json
import logging
import sys

__all__ = ["register", "main"]


class _JsonFormatter(logging.Formatter):
    """One JSON object per log line: what log pipelines expect from a service (with the worker's index
    under ``--workers N``)."""

    def __init__(self, worker: int | None = None) -> None:
        super().__init__()
        self.worker = worker

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname.lower(),
               "logger": record.name, "msg": record.getMessage()}
        if self.worker is not None:
            out["worker"] = self.worker
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


def _gateway(args: argparse.Namespace) -> int:
    from ..policy import PolicyError
    from .config import GatewayConfigError, default_config, load_config

    try:
        if args.config:
            cfg = load_config(args.config)
            if args.policy:  # --policy overrides every privacy processor's policy of the file
                from ..policy import Policy
                from .processors import PrivacyConfig

                Policy.load(args.policy)
                for proc in cfg.processors.values():
                    if isinstance(proc, PrivacyConfig):
                        proc.policy = args.policy
        else:
            cfg = default_config(policy=args.policy or "default", grpc=args.grpc, http=args.http)
    except (GatewayConfigError, PolicyError) as exc:
        print(f"otel-privacy gateway: {exc}", file=sys.stderr)
        return 2
    if args.validate:
        pipes = ", ".join(f"{s}: {' → '.join(p.receivers + p.processors + p.exporters)}"
                          for s, p in cfg.service.pipelines.items())
        from .processors import PrivacyConfig

        policies = sorted({str(p.policy) if not isinstance(p.policy, dict) else "inline"
                           for p in cfg.processors.values() if isinstance(p, PrivacyConfig)})
        print(f"OK {args.config or '(built-in defaults)'}: {pipes}; policy {', '.join(policies) or '(none)'}")
        return 0
    from .._extras import require
    from .workers import assign_queue_directories, default_workers, shared_port_problem, supervise, worker_from_env

    require("gateway", "aiohttp", "grpc", "urllib3")
    worker = worker_from_env()
    workers = args.workers if args.workers is not None else default_workers()
    if workers < 1:
        print("otel-privacy gateway: --workers must be at least 1", file=sys.stderr)
        return 2
    problem = shared_port_problem(cfg) if workers > 1 and worker is None else None
    if problem is not None:
        if args.workers is not None:  # asked for explicitly: say why it cannot be done
            print(f"otel-privacy gateway: --workers {workers}: {problem}", file=sys.stderr)
            return 2
        workers = 1
    handler = logging.StreamHandler(sys.stderr)
    index = worker.index if worker is not None else None
    handler.setFormatter(_JsonFormatter(index) if args.log_format == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s" + (f" worker={index}" if index is not None else "") + ": %(message)s"))
    logging.basicConfig(level=cfg.service.telemetry.log_level.upper(), handlers=[handler], force=True)
    if problem is not None:
        logging.getLogger("otel_privacy.gateway").info("gateway: one process (%s)", problem)
    if workers > 1 and worker is None:
        return supervise(_worker_args(args), workers, args.drain_timeout)
    assign_queue_directories(cfg, worker)
    from .server import Gateway

    gateway = Gateway(cfg, worker=worker)
    try:
        gateway.run(drain_timeout=args.drain_timeout)
    except OSError as exc:
        print(f"otel-privacy gateway: {exc}", file=sys.stderr)
        return 1
    return 0


def _worker_args(args: argparse.Namespace) -> list[str]:
    """The command line each worker runs: this one's, without ``--workers``."""
    out = ["--drain-timeout", str(args.drain_timeout), "--log-format", args.log_format]
    if args.config:
        out += ["--config", args.config]
    else:
        out += ["--grpc", args.grpc, "--http", args.http]
    if args.policy:
        out += ["--policy", args.policy]
    return out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gateway", help="run the OTLP privacy gateway (gRPC 4317, HTTP 4318)")
    p.add_argument("--config", "-c", help="gateway YAML (Collector-shaped); default: OTLP in → privacy → debug")
    p.add_argument("--validate", action="store_true", help="validate the config and exit")
    p.add_argument("--policy", help="policy file or preset (overrides the privacy processors of --config)")
    p.add_argument("--grpc", default="127.0.0.1:4317", help="gRPC endpoint of the built-in config")
    p.add_argument("--http", default="127.0.0.1:4318", help="HTTP endpoint of the built-in config")
    p.add_argument("--drain-timeout", type=float, default=10.0, help="seconds to drain queues on SIGTERM")
    p.add_argument("--log-format", choices=["json", "text"], default="json")
    p.add_argument("--workers", type=int, default=None,
                   help="gateway processes sharing the ports (SO_REUSEPORT), each with its own queue directory; "
                        "default: the CPUs available (one process where a port is 0)")
    p.set_defaults(func=_gateway)


def main(argv: list[str] | None = None) -> int:
    """``python -m otel_privacy.gateway …`` is ``otel-privacy gateway …``."""
    from ..cli import main as cli_main

    return cli_main(["gateway", *(argv if argv is not None else sys.argv[1:])])
