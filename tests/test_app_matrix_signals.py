"""The sampling profiler's SIGPROF timer never outlives its handler: every way a process can end, fork or
exec behaves exactly as without us (same exit code, same output), and forked children are profiled.

Each case runs a real script twice — once with ``configure(perf={"profiler": True})`` at 1000 Hz and
once without otel-privacy — and compares. The script leaves ~300k objects to free at interpreter
finalisation, when Python has already put SIGPROF back to its default action: a timer still armed
then kills the process (exit -27), which is what happened before the timer was disarmed at exit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import os, signal, sys, time
if os.environ.get("WITH_PROFILER") == "1":
    import otel_privacy
    providers = otel_privacy.configure("default", service_name="sigprof", logs=False, metrics_enabled=False,
                                       perf={"profiler": True, "profiler_hz": 1000})
    PROFILER = providers.extras[0].profiler
    assert PROFILER.mode == "auto" and signal.getitimer(signal.ITIMER_PROF)[1] > 0, "timer not armed"
else:
    PROFILER = None
from opentelemetry import trace
tracer = trace.get_tracer("sigprof")
GARBAGE = [[str(i)] for i in range(300_000)]  # freed at finalisation, after the handler is gone

def burn(seconds):
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return n
"""

BURN_IN_CHILD = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\nprint('exec ok')"

CASES = {
    "normal end": "with tracer.start_as_current_span('job'):\n    burn(0.05)\nprint('done')",
    "KeyboardInterrupt caught": textwrap.dedent("""
        try:
            with tracer.start_as_current_span('job'):
                os.kill(os.getpid(), signal.SIGINT)
                burn(5)
        except KeyboardInterrupt:
            print('caught')
        """),
    "KeyboardInterrupt uncaught": textwrap.dedent("""
        with tracer.start_as_current_span('job'):
            os.kill(os.getpid(), signal.SIGINT)
            burn(5)
        """),
    "sys.exit in a span": "with tracer.start_as_current_span('job'):\n    burn(0.05)\n    sys.exit(3)",
    "os._exit": "with tracer.start_as_current_span('job'):\n    burn(0.05)\n    sys.stdout.flush()\n    os._exit(4)",
    "exec another program": textwrap.dedent(f"""
        with tracer.start_as_current_span('job'):
            burn(0.05)
            sys.stdout.flush()
            os.execv(sys.executable, [sys.executable, "-c", {BURN_IN_CHILD!r}])
        """),
    "exec fails, sampling goes on": textwrap.dedent("""
        try:
            os.execv("/nonexistent/program", ["x"])
        except OSError:
            pass
        if PROFILER is not None:
            assert signal.getitimer(signal.ITIMER_PROF)[1] > 0, "timer not re-armed"
        print('still here')
        """),
}


def _run(body: str, with_profiler: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, WITH_PROFILER="1" if with_profiler else "0", OTEL_TRACES_EXPORTER="none")
    env.pop("OTEL_PRIVACY_PERF_ENABLED", None)
    return subprocess.run([sys.executable, "-c", PRELUDE + body], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("case", list(CASES))
def test_the_process_ends_as_without_the_profiler(case):
    without, with_ = _run(CASES[case], False), _run(CASES[case], True)
    assert with_.returncode != -signal.SIGPROF, f"killed by SIGPROF:\n{with_.stderr[-2000:]}"
    assert (with_.returncode, with_.stdout) == (without.returncode, without.stdout), with_.stderr[-2000:]
    assert without.returncode in (0, 3, 4, -signal.SIGINT)  # the cases end as they say


def test_every_forked_child_is_profiled_and_ends_cleanly():
    body = textwrap.dedent("""
        children = []
        for _ in range(2):
            pid = os.fork()
            if pid == 0:
                armed = signal.getitimer(signal.ITIMER_PROF)[1] > 0
                with tracer.start_as_current_span('in-child'):
                    burn(0.2)
                print(f"child armed={armed} samples={PROFILER.samples > 0 if PROFILER else None}", flush=True)
                sys.exit(0)  # a normal exit: atexit and finalisation run in the child
            children.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
        print("children", codes)
        """)
    without, with_ = _run(body, False), _run(body, True)
    assert without.returncode == with_.returncode == 0, with_.stderr[-2000:]
    assert "children [0, 0]" in with_.stdout and "children [0, 0]" in without.stdout
    assert with_.stdout.count("child armed=True samples=True") == 2, with_.stdout + with_.stderr[-2000:]
