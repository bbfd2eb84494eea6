"""The `otel-privacy` command as a shell user meets it: output piped into `head` ends quietly, for every command."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from leak_corpus import Corpus, build_requests
from otel_privacy.otlp_json import dumps

# One handler in `otel_privacy.cli.main` covers every command; these write in every way the commands do:
# print (usage, policy), rich tables (scan), raw bytes (redact), argparse (help).
COMMANDS = [
    pytest.param(["usage", "show"], id="usage-show"),
    pytest.param(["policy", "schema"], id="policy-schema"),
    pytest.param(["scan", "{otlp}"], id="scan-table"),
    pytest.param(["redact", "-i", "{otlp}", "-o", "-"], id="redact-to-stdout"),
    pytest.param(["--help"], id="help"),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("cli")
    otlp = d / "in.jsonl"
    otlp.write_bytes(b"".join(dumps(r) + b"\n" for _ in range(20) for r in build_requests(Corpus()).values()))
    policy = d / "policy.yaml"
    policy.write_text("extends: default\nrules: [{match: app.secret, action: drop}]\n")
    return {"otlp": str(otlp), "policy": str(policy)}


@pytest.mark.parametrize("command", COMMANDS)
def test_output_into_a_closed_pipe_ends_quietly(inputs, command):
    """The reader is gone before the first write (as `| head` after its lines): no traceback, no
    "Exception ignored", and the exit status of a process ended by SIGPIPE."""
    argv = [a.format(**inputs) for a in command]
    proc = subprocess.Popen([sys.executable, "-m", "otel_privacy.cli", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(os.environ, COLUMNS="100"))
    proc.stdout.close()  # like `head` that has read what it wanted
    err = proc.stderr.read().decode()
    proc.wait(120)
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err
    assert proc.returncode in (0, 1, 141), (proc.returncode, err)


def test_output_into_head_ends_quietly_through_a_shell():
    """As reported: `otel-privacy usage show | head -n 3` prints three lines and nothing on stderr (whether
    or not the pipe closes before the last write; the test above makes sure it does)."""
    cmd = f"{sys.executable} -m otel_privacy.cli usage show | head -n 3"
    res = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert len(res.stdout.splitlines()) == 3
    assert res.stderr == "" and res.returncode == 0


@pytest.mark.parametrize("argv, extra", [
    pytest.param(["gateway", "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0"], "gateway", id="gateway"),
    pytest.param(["scan", "-"], "cli", id="scan"),
    pytest.param(["inspect", "-"], "cli", id="inspect"),
])
def test_a_command_without_its_extra_says_what_to_install(argv, extra):
    """As after `pip install otel-privacy` alone: the server stack and rich are not importable."""
    script = ("import sys\nfor m in ('aiohttp', 'rich'):\n    sys.modules[m] = None\n"
              f"from otel_privacy.cli import main\nsys.exit(main({argv!r}))\n")
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ), stdin=subprocess.DEVNULL)
    assert res.returncode == 2
    assert f"pip install 'otel-privacy[{extra}]'" in res.stderr and "Traceback" not in res.stderr
