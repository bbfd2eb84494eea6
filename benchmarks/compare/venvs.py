"""One virtualenv per peer tool under benchmarks/.venv-compare/<tool>, each at the release pinned here.

Peer tools pin their own OpenTelemetry, protobuf or spaCy versions, so none of them is installed into the
project's environment. ``python(tool)`` makes the tool's venv on first use (``python -m venv`` + ``pip install``
from PyPI) and returns its interpreter, or an error string when the tool cannot be installed here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent / ".venv-compare"

#: tool -> (PyPI requirements, blank-separated, the tool's own first; what the table calls it). The newest release
#: of each on PyPI when the table was last regenerated (2026-11-30); bump them and rerun `make compare`.
TOOLS: dict[str, tuple[str, str]] = {
    "logfire": ("logfire==5.4.0", "Logfire scrubbing"),
    "sentry-sdk": ("sentry-sdk==2.75.0", "sentry-sdk EventScrubber"),
    "sentry-relay": ("sentry-relay==0.10.1", "Sentry Relay PII rules"),
    "presidio": ("presidio-analyzer==2.2.366 presidio-anonymizer==2.2.366", "Presidio pattern recognizers"),
    "detect-secrets": ("detect-secrets==1.5.0", "detect-secrets"),
    "scrubadub": ("scrubadub==2.0.1", "scrubadub"),
    "ddtrace": ("ddtrace==4.16.0", "ddtrace query-string obfuscation"),
}


def python(tool: str) -> Path | str:
    """The interpreter of ``tool``'s venv (made and installed on first use), or why it is not available."""
    requirement = TOOLS[tool][0]
    venv = ROOT / tool
    py = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.exists() and marker.read_text() == requirement:
        return py
    if not py.exists():
        res = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
        if res.returncode != 0:
            return f"no venv: {_last_line(res.stderr)}"
    res = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirement.split()],
                         capture_output=True, text=True)
    if res.returncode != 0:
        return f"not installable here: {_last_line(res.stderr)}"
    marker.write_text(requirement)
    return py


def _last_line(text: str) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "?"
