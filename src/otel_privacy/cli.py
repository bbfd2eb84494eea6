"""The ``otel-privacy`` command: demo, gateway, redact, scan, inspect, policy, usage.

Each feature registers its own subcommand (``register(subparsers)`` in its module), so this file
stays a list of doors, not their logic.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence

from ._extras import MissingExtra
from ._version import __version__
from .policy import Policy, PolicyError

# Modules that add subcommands; a missing optional module only hides its command.
_FEATURES = (
    "otel_privacy.gateway.cli",
    "otel_privacy.audit.cli",
    "otel_privacy.usage.cli",
)


def _policy_check(args: argparse.Namespace) -> int:
    try:
        policy = Policy.load(args.file)
    except PolicyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"# {args.file}: OK — effective policy {policy.fingerprint}")
        print(policy.to_yaml(), end="")
    return 0


def _policy_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Policy.json_schema(), indent=2))
    return 0


def _policy_show(args: argparse.Namespace) -> int:
    policy = Policy.preset(args.preset)
    print(f"# preset {args.preset}: {policy.fingerprint}")
    print(policy.to_yaml(), end="")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ._extras import require

    require("demo", "rich", "flask", "requests")
    from .demo import run_demo

    return run_demo(verbose=args.verbose, policy=args.policy)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="otel-privacy", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"otel-privacy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the end-to-end demo: a real app, its spans before and after")
    demo.add_argument("--policy", default=None, help="policy file or preset (default: default)")
    demo.add_argument("-v", "--verbose", action="store_true")
    demo.set_defaults(func=_demo)

    pol = sub.add_parser("policy", help="validate, show or export the schema of privacy policies")
    psub = pol.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    check = psub.add_parser("check", help="validate a policy file and print the effective policy")
    check.add_argument("file")
    check.add_argument("-q", "--quiet", action="store_true")
    check.set_defaults(func=_policy_check)
    schema = psub.add_parser("schema", help="print the JSON Schema of policy files (for editors)")
    schema.set_defaults(func=_policy_schema)
    show = psub.add_parser("show", help="print a built-in preset")
    show.add_argument("preset", choices=["default", "strict", "off"])
    show.set_defaults(func=_policy_show)

    for name in _FEATURES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if exc.name is None or not exc.name.startswith("otel_privacy"):
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, while we can still handle it
        return code
    except KeyboardInterrupt:
        return 130
    except MissingExtra as exc:
        command = getattr(args, "command", None)
        print(f"otel-privacy{' ' + command if command else ''}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `otel-privacy … | head`: the reader is gone. End quietly, as a tool killed by SIGPIPE does
        # (exit 141), and point stdout at /dev/null so the interpreter's final flush cannot complain.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141


if __name__ == "__main__":
    sys.exit(main())
