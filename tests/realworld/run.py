"""Run the corpus through the three doors: one application process per variant (the SDK door, and the raw
export), then the same raw bytes through the gateway process and ``otel-privacy redact``."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leakfuzz.doors import DoorOutput, GatewayDoor, run_offline
from leakfuzz.wire import parse_bodies

from .cases import VARIANTS, Case, active_variants, case_ids

TESTS = Path(__file__).resolve().parents[1]
#: header capture as users switch it on: every header, both directions, client and server
CAPTURE_ALL = {f"OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_{side}": ".*"
               for side in ("SERVER_REQUEST", "SERVER_RESPONSE", "CLIENT_REQUEST", "CLIENT_RESPONSE")}


@dataclass
class CorpusRun:
    ids: dict[int, tuple[str, Case]]
    outputs: dict[str, DoorOutput]
    errors: dict[str, str]  # "case [variant]" -> traceback from the app process
    skipped: list[str]
    seconds: dict[str, float]
    case_seconds: dict[str, float]  # "case [variant]" -> seconds in the app process ("<start>", "<stop>" too)

    def slowest(self, n: int = 5) -> str:
        top = sorted(self.case_seconds.items(), key=lambda kv: -kv[1])[:n]
        return ", ".join(f"{k} {v:.1f} s" for k, v in top)


def app_env(variant: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(CAPTURE_ALL)
    env.update({"PYTHONPATH": os.pathsep.join([str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])]),
                "OTEL_PRIVACY_HASH_KEY": os.environ.get("OTEL_PRIVACY_HASH_KEY", "test-hash-key"),
                "DO_NOT_TRACK": "1", "OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_BLRP_SCHEDULE_DELAY": "200",
                "OTEL_PYTHON_LOG_CORRELATION": "false"})
    if VARIANTS[variant]:
        env["OTEL_SEMCONV_STABILITY_OPT_IN"] = VARIANTS[variant]
    return env


def run_apps(privacy: str, raw: str, postgres: str | None, redis_port: int | None, only: list[str] | None = None,
             policy: str = "default", timeout: float = 240
             ) -> tuple[dict[str, str], list[str], dict[str, float]]:
    """Every variant's application process at once; their errors (case tracebacks), skipped cases and the
    seconds each case took."""
    errors: dict[str, str] = {}
    skipped: list[str] = []
    durations: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="realworld-") as tmp:
        procs = []
        for variant in active_variants():
            cfg = Path(tmp) / f"{variant}.json"
            result = Path(tmp) / f"{variant}.result.json"
            log = Path(tmp) / f"{variant}.log"
            cfg.write_text(json.dumps({"variant": variant, "privacy": privacy, "raw": raw, "postgres": postgres,
                                       "redis_port": redis_port, "only": only, "policy": policy,
                                       "result": str(result)}))
            with open(log, "wb") as out:
                procs.append((variant, result, log, subprocess.Popen(
                    [sys.executable, "-m", "realworld.app", str(cfg)], cwd=TESTS, env=app_env(variant),
                    stdout=out, stderr=subprocess.STDOUT)))
        for variant, result, log, proc in procs:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            if proc.returncode != 0 or not result.exists():
                raise AssertionError(f"the {variant} application process failed ({proc.returncode}):\n"
                                     + log.read_text(errors="replace")[-4000:])
            data = json.loads(result.read_text())
            errors.update({f"{name} [{variant}]": tb for name, tb in data["errors"].items()})
            skipped.extend(f"{name} [{variant}]" for name in data["skipped"])
            durations.update({f"{name} [{variant}]": t for name, t in data["durations"].items()})
    return errors, skipped, durations


def run_corpus(postgres: str | None, redis_port: int | None, gateway: GatewayDoor | None = None,
               only: list[str] | None = None, doors: tuple[str, ...] = ("sdk", "gateway", "offline", "offline-pb")
               ) -> CorpusRun:
    from otel_privacy.demo import CaptureReceiver

    ids = {cid: (variant, c) for variant in active_variants() for cid, c in case_ids(variant).items()
           if not only or c.name in only}
    seconds: dict[str, float] = {}
    outputs: dict[str, Any] = {}
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(max_workers=2) as pool:
        # the gateway process starts (imports, binds, serves) while the application runs
        gw = pool.submit(lambda: gateway or stack.enter_context(GatewayDoor())) if "gateway" in doors else None
        started = time.perf_counter()
        with CaptureReceiver() as privacy, CaptureReceiver() as raw:
            errors, skipped, durations = run_apps(privacy.endpoint, raw.endpoint, postgres, redis_port, only)
            raw_bodies = {s: list(b) for s, b in raw.bodies.items()}
            sdk_bodies = {s: list(b) for s, b in privacy.bodies.items()}
        seconds["apps"] = time.perf_counter() - started
        raw_out = outputs["raw"] = DoorOutput("raw", parse_bodies(raw_bodies), 0.0)
        if "sdk" in doors:
            outputs["sdk"] = DoorOutput("sdk", parse_bodies(sdk_bodies), seconds["apps"])

        def gateway_door() -> list[DoorOutput]:
            door = gw.result()
            t = time.perf_counter()
            out = door.run(raw_bodies, expected=len(raw_out.records))
            seconds["gateway"] = time.perf_counter() - t
            return [out]

        def offline_doors() -> list[DoorOutput]:
            t = time.perf_counter()
            out = [o for o in run_offline(raw_bodies) if o.door in doors]
            seconds["offline"] = time.perf_counter() - t
            return out

        # The gateway and the offline CLI are processes of their own: run them side by side.
        jobs = [pool.submit(job) for job, wanted in ((gateway_door, gw is not None),
                                                     (offline_doors, bool({"offline", "offline-pb"} & set(doors))))
                if wanted]
        for job in jobs:
            outputs.update({o.door: o for o in job.result()})
    return CorpusRun(ids, outputs, errors, skipped, seconds, durations)
