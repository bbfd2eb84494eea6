"""``otel-privacy gateway --workers N``: N gateway processes sharing the receivers' ports.

One Python process redacts on one core (the GIL). With ``--workers N`` the command starts N worker
processes, each a whole gateway built from the same config (receivers, pipelines, exporters, queues),
and each binds the same ports with ``SO_REUSEPORT``: the kernel spreads incoming connections over them.
The parent only starts, watches and stops its workers:

- each worker's persistent queue is its own directory, ``<storage>/worker-<i>`` (a queue file is only
  ever read and deleted by one process); what a run with another worker count left is taken over
  (:func:`assign_queue_directories`);
- ``/metrics`` of any worker shows the series of every worker, labelled ``worker="<i>"``: a worker asks
  its peers over unix sockets in a private run directory when it is scraped;
- SIGTERM/SIGINT to the parent reach every worker, which drains as a single gateway does; the parent
  exits when all have, with the first non-zero status;
- a worker that exits on its own (a port it cannot bind, a crash) stops the others and the parent exits
  with its status, as a single-process gateway would have exited (the deployment restarts it);
- a worker whose parent disappeared (SIGKILL) drains and exits instead of serving on alone.

Ports must be fixed to be shared: where a receiver or the telemetry endpoint asks for port 0 (or the
platform has no ``SO_REUSEPORT``), the default is one process and an explicit ``--workers N`` > 1 is an
error.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import signal as signal_mod
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["WorkerSpec", "assign_queue_directories", "default_workers", "shared_port_problem", "supervise",
           "worker_from_env"]

_log = logging.getLogger("otel_privacy.gateway")

WORKER_ENV = "OTEL_PRIVACY_GATEWAY_WORKER"  # "<index>/<count>:<run dir>", set by the parent for its workers


@dataclass(frozen=True)
class WorkerSpec:
    """Which worker this process is, of how many, and where the workers find each other."""

    index: int
    count: int
    run_dir: Path
    parent_pid: int

    def socket_path(self, index: int) -> Path:
        return self.run_dir / f"worker-{index}.sock"


def default_workers() -> int:
    """The CPUs this process may use: its affinity mask (else the CPU count), capped by a cgroup CPU quota
    (a container's CPU limit), rounded up."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)


def _cgroup_cpu_quota() -> float | None:
    """CPUs allowed by the cgroup's CFS quota (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``), None without a limit."""
    try:
        quota, _, period = Path("/sys/fs/cgroup/cpu.max").read_text().partition(" ")
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period_us = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None


def _endpoints(cfg: Any) -> list[str]:
    out: list[str] = []
    for receiver in cfg.receivers.values():
        protocols = getattr(receiver, "protocols", None)
        for proto in (getattr(protocols, "grpc", None), getattr(protocols, "http", None)):
            if proto is not None:
                out.append(proto.endpoint)
    if cfg.service.telemetry.metrics_address is not None:
        out.append(cfg.service.telemetry.metrics_address)
    return out


def shared_port_problem(cfg: Any) -> str | None:
    """Why the workers could not share this config's ports (None: they can)."""
    from .components import split_host_port

    if not hasattr(socket, "SO_REUSEPORT"):
        return "this platform has no SO_REUSEPORT"
    for endpoint in _endpoints(cfg):
        if split_host_port(endpoint)[1] == 0:
            return f"endpoint {endpoint} asks for a free port (0); workers can only share fixed ports"
    return None


def worker_from_env() -> WorkerSpec | None:
    """The :class:`WorkerSpec` the parent gave this process, or None in a single-process gateway."""
    value = os.environ.get(WORKER_ENV)
    if not value:
        return None
    position, _, run_dir = value.partition(":")
    index, _, count = position.partition("/")
    return WorkerSpec(int(index), int(count), Path(run_dir), os.getppid())


def assign_queue_directories(cfg: Any, worker: WorkerSpec | None) -> None:
    """Give each process its own directory of every persistent sending queue of ``cfg``, and adopt orphans.

    A single process keeps ``<storage>``; worker ``i`` of N uses ``<storage>/worker-<i>``. What a previous
    run with another worker count left behind is taken over before the queues load, so changing N loses
    nothing that was accepted: a single process takes every ``worker-*`` directory's files, worker 0 takes
    the files of ``<storage>`` itself and of ``worker-<j>`` for j ≥ N. (A queue file keeps its name, which
    orders it by the time it was written.)
    """
    for exporter in cfg.exporters.values():
        queue = getattr(exporter, "sending_queue", None)
        if queue is None or not queue.storage:
            continue
        root = Path(queue.storage)
        own = root if worker is None else root / f"worker-{worker.index}"
        orphans: list[Path] = []
        if worker is None:
            orphans = sorted(root.glob("worker-*"))
        elif worker.index == 0:
            orphans = [root] + [d for d in sorted(root.glob("worker-*"))
                                if not d.name[7:].isdigit() or int(d.name[7:]) >= worker.count]
        for directory in orphans:
            files = sorted(directory.glob("*.pb")) if directory.is_dir() else []
            if files:
                own.mkdir(parents=True, exist_ok=True)
                _log.info("gateway: taking over %d queued requests from %s", len(files), directory)
            for path in files:
                os.replace(path, own / path.name)
        queue.storage = str(own)


def supervise(worker_args: list[str], count: int, drain_timeout: float) -> int:
    """Run ``count`` workers (``python -m otel_privacy.gateway <worker_args>``) until a signal or a worker exit."""
    run_dir = Path(tempfile.mkdtemp(prefix="otel-privacy-gw-"))
    procs: list[subprocess.Popen] = []
    stopping: list[int] = []  # the signal that asked us to stop, if any

    def forward(signum: int, frame: Any) -> None:
        if not stopping:
            _log.info("gateway: signal %d received; stopping %d workers", signum, len(procs))
        stopping.append(signum)
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(OSError):
                    proc.send_signal(signum)

    old = {s: signal_mod.signal(s, forward) for s in (signal_mod.SIGTERM, signal_mod.SIGINT)}
    status: int | None = None  # the status of a worker that exited on its own
    try:
        for i in range(count):
            env = dict(os.environ, **{WORKER_ENV: f"{i}/{count}:{run_dir}"})
            procs.append(subprocess.Popen([sys.executable, "-m", "otel_privacy.gateway", *worker_args,
                                           "--workers", "1"], env=env))
        if stopping:  # a signal while the workers were being started: the late ones hear it too
            forward(stopping[0], None)
        deadline: float | None = None
        while True:
            running = [p.poll() is None for p in procs]
            ended = next((p for p, alive in zip(procs, running) if not alive), None)
            if ended is not None and not stopping:  # also when every worker ended at once (a port none could bind)
                status = _status(ended.returncode)
                _log.error("gateway: worker %d exited with status %d; stopping the others", procs.index(ended), status)
                forward(signal_mod.SIGTERM, None)
            if not any(running):
                break
            if stopping and deadline is None:
                deadline = time.monotonic() + drain_timeout + 15.0  # a drain, then the receivers' grace
            if deadline is not None and time.monotonic() > deadline:
                for proc in procs:
                    if proc.poll() is None:
                        _log.error("gateway: worker %d did not stop in time; killed", procs.index(proc))
                        proc.kill()
            time.sleep(0.1)
        if status is None:
            status = next((_status(p.returncode) for p in procs if p.returncode != 0), 0)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for s, handler in old.items():
            signal_mod.signal(s, handler)
        shutil.rmtree(run_dir, ignore_errors=True)
    return status


def _status(returncode: int) -> int:
    """A process's exit status as a shell reports it (a signal N as 128 + N)."""
    return 128 - returncode if returncode < 0 else returncode
