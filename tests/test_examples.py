"""The examples the README points at run as written and export only redacted data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from otel_privacy.demo import CaptureReceiver

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(script: str, receiver: CaptureReceiver) -> None:
    env = dict(os.environ, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY="50")
    subprocess.run([sys.executable, str(EXAMPLES / script)], env=env, check=True, timeout=60)


@pytest.mark.parametrize(
    ("script", "secrets", "kept"),
    [
        ("sdk_quickstart.py", ["grace@example.com", "XK42"], [b"signup", b"quickstart", b"POST"]),
        ("manual_wiring.py", ["not-for-the-backend", "ops@example.com"], [b"job", b"jobs"]),
        ("genai_chat.py", ["4539 1488 0343 6467", "dana.k@example.com", "ops-lead@acme.example"],
         [b"gpt-4o-mini", b"gen_ai.input.messages", b'"role":', b"finish_reason"]),
        ("log_lines.py", ["ines@example.com", "pbkdf2-Wq9zLm2", "Tr0ub4dor-11", "k7Qp2Zr9Xw",
                          "DE44500105175407324931", "s0ap-Pa55"],
         [b"already exists", b"ImmutableMultiDict", b"validation error", b"UPDATE accounts SET iban = ?",
          b"<Amount>12.50</Amount>"]),
    ],
)
def test_example_exports_redacted(script, secrets, kept):
    with CaptureReceiver() as receiver:
        _run(script, receiver)
        wire = receiver.raw()
    assert wire, "nothing was exported"
    for secret in secrets:
        assert secret.encode() not in wire
    for marker in kept:
        assert marker in wire


def test_make_demo_runs_end_to_end_through_the_gateway():
    """`make demo` runs `otel-privacy demo`: the real app, SDK door, in-process gateway, verdict."""
    res = subprocess.run([sys.executable, "-m", "otel_privacy.cli", "demo"], capture_output=True, text=True,
                         timeout=180, env={**os.environ, "COLUMNS": "160"})
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    out = res.stdout
    assert "otel-privacy gateway" in out and "✓ verdict" in out and "0 on the wire" in out
    assert "GET /orders/<int:order_id>" in out and "REDACTED" in out
