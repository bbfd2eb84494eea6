"""Running real apps with and without otel-privacy: child processes that are always cleaned up, the three
setups (``none``, ``configure``, ``zero-code``), readiness by polling, and reading what reached the sink."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APPS = Path(__file__).resolve().parent / "apps"
BIN = Path(sys.executable).parent
SETUPS = ("configure", "zero-code")
SEMCONV = {"default": None, "stable": "http,database"}


def app_env(setup: str, endpoint: str | None, semconv: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of an app run: ``setup`` is ``none`` (no OpenTelemetry at all), ``configure``
    (the app calls ``otel_privacy.configure()`` and the official instrumentors) or ``zero-code``
    (``opentelemetry-instrument`` with our distro and configurator, the app untouched)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "APP_"))}
    env.update({"PYTHONPATH": os.pathsep.join([str(APPS), *filter(None, [os.environ.get("PYTHONPATH")])]),
                "PYTHONUNBUFFERED": "1", "APP_OTEL": setup, "OTEL_PRIVACY_HASH_KEY": "test-hash-key",
                "DO_NOT_TRACK": "1"})
    if setup != "none":
        env.update({"OTEL_SERVICE_NAME": "matrix-app", "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint or "",
                    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_BSP_SCHEDULE_DELAY": "200",
                    "OTEL_BLRP_SCHEDULE_DELAY": "200", "OTEL_METRIC_EXPORT_INTERVAL": "60000",
                    "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST": "authorization,x-api-key,host",
                    "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "system_metrics,requests,urllib3,urllib,grpc_client,"
                                                             "grpc_server,grpc_aio_client,grpc_aio_server"})
        if setup == "zero-code":
            env.update({"OTEL_PYTHON_DISTRO": "otel_privacy", "OTEL_PYTHON_CONFIGURATOR": "otel_privacy"})
    if semconv:
        env["OTEL_SEMCONV_STABILITY_OPT_IN"] = semconv
    env.update(extra)
    return env


def command(setup: str, *argv: str) -> list[str]:
    """``argv`` (a program in the venv's bin or a python file), under ``opentelemetry-instrument`` for zero-code."""
    bare = os.sep not in argv[0] and (BIN / argv[0]).exists()
    program = [str(BIN / argv[0])] if bare else [sys.executable, argv[0]]
    cmd = [*program, *argv[1:]]
    return [str(BIN / "opentelemetry-instrument"), *cmd] if setup == "zero-code" else cmd


class App:
    """A child process in its own process group, output to files (no pipe can fill and block it)."""

    def __init__(self, cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="otel-privacy-app-")
        self.out_path = Path(self._dir.name) / "stdout"
        self.err_path = Path(self._dir.name) / "stderr"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, env=env, cwd=cwd or ROOT, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.returncode: int | None = None

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.stdout or text in self.stderr:
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"exited ({self.proc.returncode}) before {text!r}:\n{self.stderr[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} within {timeout:.0f} s:\n{self.stderr[-3000:]}")

    def stop(self, signum: int, timeout: float = 60.0) -> int:
        """Send ``signum`` to the app's main process and wait for it (and its group) to end."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signum)
        return self.wait(timeout)

    def wait(self, timeout: float = 60.0) -> int:
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"did not end within {timeout:.0f} s:\n{self.stderr[-3000:]}") from None
        self._reap_group()
        return self.returncode

    def _reap_group(self) -> None:
        """Workers a server forked die with their arbiter; anything left is killed, never left behind."""
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                os.killpg(self.proc.pid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self._dir.cleanup()


@contextlib.contextmanager
def running(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> Iterator[App]:
    app = App(cmd, env, cwd)
    try:
        yield app
    finally:
        app.close()


def run_to_end(cmd: list[str], env: dict[str, str], timeout: float = 60.0) -> App:
    """Run a script to its end; the returned App keeps its output (call ``close()`` when done)."""
    app = App(cmd, env)
    try:
        app.wait(timeout)
    except BaseException:
        app.close()
        raise
    return app


# -- what reached the sink ------------------------------------------------------------------------
def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in v.kvlist_value.values}
    return getattr(v, kind) if kind else None


def log_records(sink: Any) -> list[tuple[str, str, str]]:
    """(severity text, logger scope name, body) of every exported log record."""
    return [(r.severity_text, sl.scope.name, str(_value(r.body))) for req in sink.requests("logs")
            for rl in req.resource_logs for sl in rl.scope_logs for r in sl.log_records]


def spans(sink: Any) -> list[tuple[str, dict[str, Any]]]:
    """(name, attributes) of every exported span; the names of its events under the key ``"<events>"``."""
    return [(s.name, {**{kv.key: _value(kv.value) for kv in s.attributes}, "<events>": [e.name for e in s.events]})
            for req in sink.requests("traces") for rs in req.resource_spans for ss in rs.scope_spans
            for s in ss.spans]


def metric_names(sink: Any) -> set[str]:
    return {m.name for req in sink.requests("metrics") for rm in req.resource_metrics for sm in rm.scope_metrics
            for m in sm.metrics}
