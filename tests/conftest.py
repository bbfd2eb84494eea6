"""Shared test setup: every test runs with its own config dir and a fixed hash key."""

from __future__ import annotations

import os

import pytest

# Stable, test-only pseudonymisation key; tests that exercise key generation unset it.
os.environ.setdefault("OTEL_PRIVACY_HASH_KEY", "test-hash-key")
# No product usage events from the test suite itself.
os.environ.setdefault("DO_NOT_TRACK", "1")


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
