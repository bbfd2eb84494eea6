"""``otel-privacy usage show | status``: exactly what product usage events would send, and whether they do."""

from __future__ import annotations

import argparse
import json

from .._version import __version__
from .reporter import UsageReporter

__all__ = ["register"]


def _reporter(args: argparse.Namespace) -> UsageReporter:
    return UsageReporter(args.product, args.version, policy=args.policy, config_file=args.config_file)


def _show(args: argparse.Namespace) -> int:
    reporter = _reporter(args)
    reason = reporter.disabled_reason()
    if reason:
        print(json.dumps({"enabled": False, "reason": reason, "events": []}, indent=2))
        return 0
    print(json.dumps(reporter.preview(), indent=2, sort_keys=True))
    return 0


def _status(args: argparse.Namespace) -> int:
    reporter = _reporter(args)
    reason = reporter.disabled_reason()
    print(json.dumps({"enabled": reason is None, "reason": reason, "instance_id_path": str(reporter.instance_id_path),
                      "endpoint": reporter.endpoint, "product": reporter.product}, indent=2))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("usage", help="product usage events: show exactly what would be sent, or the opt-out status")
    usub = p.add_subparsers(dest="usage_command", metavar="ACTION", required=True)
    for name, func, help_ in (("show", _show, "print the redacted event bodies a start/stop would send (JSON)"),
                              ("status", _status, "enabled or which switch disabled it; instance id location")):
        q = usub.add_parser(name, help=help_)
        q.add_argument("--product", default="otel-privacy")
        q.add_argument("--version", default=__version__)
        q.add_argument("--policy", default=None, help="policy file or preset")
        q.add_argument("--config-file", default=None, help="a YAML/JSON file with usage.enabled")
        q.set_defaults(func=func)
