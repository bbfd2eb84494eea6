"""Shared test setup: every test runs with its own config dir and a fixed hash key."""

from __future__ import annotations

import os
import signal

import pytest

# Stable, test-only pseudonymisation key; tests that exercise key generation unset it.
os.environ.setdefault("OTEL_PRIVACY_HASH_KEY", "test-hash-key")
# No product usage events from the test suite itself.
os.environ.setdefault("DO_NOT_TRACK", "1")
# A run started in the background (`make test &`, nohup, some CI runners) inherits SIGINT *ignored*, and so would
# every app the tests start — Python only turns SIGINT into KeyboardInterrupt when it is not ignored at start-up —
# and their Ctrl-C tests would wait for an app that cannot hear it. The tests model an app run from a terminal:
# Python's own handler here means SIGINT is back to its default action in every child after exec.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _isolated_config_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))


# The adversarial leak suite appends one line per door; printed at the end of the run.
LEAK_REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if LEAK_REPORT:
        terminalreporter.section("leak suite")
        for line in LEAK_REPORT:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster, started for the session and stopped after it.

    Uses the Debian package's binaries (installed by `make test` via scripts/setup-system.sh); runs
    as the `postgres` user when the tests run as root, since initdb refuses root. Yields a libpq DSN.
    """
    import glob
    import shutil
    import socket
    import subprocess
    import tempfile

    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed; scripts/setup-system.sh should have installed it")
        pytest.skip("PostgreSQL binaries not installed (run `make test` to install them)")
    bindir = os.path.dirname(bins[-1])
    base = tempfile.mkdtemp(prefix="otel-privacy-pg-")
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    os.makedirs(sock)
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(base, 0o755)
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = lambda *cmd: subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)  # noqa: E731
    run(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    run(f"{bindir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(base, "log"), "-o",
        f"-p {port} -k {sock} -c listen_addresses='' -c fsync=off", "start")
    try:
        yield f"host={sock} port={port} user=postgres dbname=postgres"
    finally:
        subprocess.run([*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(base, ignore_errors=True)
