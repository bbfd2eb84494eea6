"""The sampling profiler on real CPU work: samples land in the hot function of the right span, paths are
scrubbed, memory is bounded, shutdown leaves no thread, and the pprof file decodes."""

from __future__ import annotations

import gzip
import os
import signal
import threading
import time
from collections import Counter

import pytest

from otel_privacy.perf import PerfConfig
from otel_privacy.perf.profiler import SamplingProfiler, folded, scrub_path
from perf_support import cpu_work, finished, traced  # noqa: F401 - traced is a fixture

MODES = pytest.mark.parametrize("mode", ["auto", "thread"])


def hot_loop(seconds: float) -> int:
    return cpu_work(seconds)


def sleepy(seconds: float) -> None:
    time.sleep(seconds)


def _profile_event(span):
    return next(e for e in span.events if e.name == "otel_privacy.profile")


def _hot_share(event, needle: str) -> float:
    lines = event.attributes["otel_privacy.profile.folded"].splitlines()
    hits = sum(int(line.rsplit(" ", 1)[1]) for line in lines if needle in line)
    return hits / event.attributes["otel_privacy.profile.samples"]


@MODES
def test_samples_land_in_the_hot_function_of_the_span(traced, tmp_path, mode):  # noqa: F811
    tp, exporter, install = traced
    out = tmp_path / "profile.pb.gz"
    capture = install(profiler=True, profiler_hz=200, profile_output=str(out), profiler_mode=mode)
    assert capture.profiler.mode == mode
    with tp.get_tracer("t").start_as_current_span("profiled"):
        hot_loop(0.4)
    event = _profile_event(finished(exporter, "profiled"))
    assert event.attributes["otel_privacy.profile.samples"] >= 10
    assert _hot_share(event, "hot_loop") >= 0.6
    first = event.attributes["otel_privacy.profile.folded"].splitlines()[0]
    assert "test_perf_profiler.py:hot_loop" in first and "perf_support.py:cpu_work" in first  # file:function kept
    assert os.getcwd() not in first  # paths are relative / scrubbed

    capture.shutdown()
    assert not capture.profiler.running
    assert not any(t.name == "otel-privacy-profiler" for t in threading.enumerate())
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0) and signal.getsignal(signal.SIGPROF) == signal.SIG_DFL
    profile = _decode_pprof(gzip.decompress(out.read_bytes()))
    strings = profile["strings"]
    assert strings[0] == "" and {"samples", "count", "cpu", "nanoseconds"} <= set(strings)
    assert profile["period"] == 5_000_000
    names = {strings[f[2]] for f in profile["functions"]}
    assert "hot_loop" in names and "cpu_work" in names
    # every sample points at locations that exist; locations point at functions that exist
    loc_ids = {loc[1] for loc in profile["locations"]}
    assert all(set(s[1]) <= loc_ids for s in profile["samples"])
    assert sum(s[2][0] for s in profile["samples"]) >= event.attributes["otel_privacy.profile.samples"]


@MODES
def test_only_threads_with_an_active_span_are_sampled_and_attributed_to_their_span(traced, mode):  # noqa: F811
    tp, exporter, install = traced
    capture = install(profiler=True, profiler_hz=200, profiler_mode=mode)
    tracer = tp.get_tracer("t")
    stop = threading.Event()

    def untraced_spinner() -> None:  # busy, but in no span: must not appear anywhere
        while not stop.is_set():
            sum(range(1000))

    def traced_worker() -> None:
        with tracer.start_as_current_span("worker-span"):
            sleepy(0.3)

    spinner = threading.Thread(target=untraced_spinner)
    worker = threading.Thread(target=traced_worker)
    spinner.start()
    worker.start()
    with tracer.start_as_current_span("main-span"):
        hot_loop(0.3)
    worker.join()
    stop.set()
    spinner.join()
    main_event = _profile_event(finished(exporter, "main-span"))
    worker_event = _profile_event(finished(exporter, "worker-span"))
    assert _hot_share(main_event, "hot_loop") >= 0.6 and "sleepy" not in main_event.attributes[
        "otel_privacy.profile.folded"]
    assert _hot_share(worker_event, "sleepy") >= 0.6 and "hot_loop" not in worker_event.attributes[
        "otel_privacy.profile.folded"]
    everything = folded(capture.profiler.process, 1 << 20)
    assert "untraced_spinner" not in everything


@MODES
def test_a_worker_thread_is_sampled_while_the_main_thread_waits_for_it(traced, mode):  # noqa: F811
    tp, exporter, install = traced
    install(profiler=True, profiler_hz=200, profiler_mode=mode)

    def worker() -> None:
        with tp.get_tracer("t").start_as_current_span("worker-hot"):
            hot_loop(0.3)

    t = threading.Thread(target=worker)
    t.start()
    t.join()  # signal mode: the main thread's lock wait is interrupted, the handler samples the worker
    event = _profile_event(finished(exporter, "worker-hot"))
    assert event.attributes["otel_privacy.profile.samples"] >= 10 and _hot_share(event, "hot_loop") >= 0.6


def test_auto_mode_ticks_by_signal_on_the_main_thread_and_by_thread_elsewhere():
    config = PerfConfig(enabled=True, profiler=True)
    on_main = SamplingProfiler(config)
    on_main.start()
    try:
        assert on_main.mode == "auto" and signal.getitimer(signal.ITIMER_PROF)[1] > 0
        on_main.span_started(7)  # a main-thread span: sampled by the signal, the sampler thread stays asleep
        hot_loop(0.1)
        on_main.span_ended(7)
        assert on_main.samples >= 3 and on_main.wakeups == 0
    finally:
        on_main.stop()
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0) and signal.getsignal(signal.SIGPROF) == signal.SIG_DFL
    elsewhere = SamplingProfiler(config)
    starter = threading.Thread(target=elsewhere.start)  # signal handlers can only be set on the main thread
    starter.start()
    starter.join()
    try:
        assert elsewhere.mode == "thread" and elsewhere.running
    finally:
        elsewhere.stop()
    assert not elsewhere.running


def test_someone_elses_sigprof_handler_is_left_alone():
    seen = []
    theirs = signal.signal(signal.SIGPROF, lambda signum, frame: seen.append(signum))
    try:
        profiler = SamplingProfiler(PerfConfig(enabled=True, profiler=True))
        profiler.start()
        try:
            assert profiler.mode == "thread"
        finally:
            profiler.stop()
        assert signal.getsignal(signal.SIGPROF) is not signal.SIG_DFL and seen == []
    finally:
        signal.signal(signal.SIGPROF, theirs)


def test_an_idle_sampler_thread_does_not_wake_until_a_span_starts():
    profiler = SamplingProfiler(PerfConfig(enabled=True, profiler=True, profiler_mode="thread", profiler_hz=200))
    profiler.start()
    try:
        time.sleep(0.3)  # 60 ticks' worth of idle time
        assert profiler.wakeups == 0
        profiler.span_started(1)
        deadline = time.monotonic() + 10
        while profiler.samples < 3 and time.monotonic() < deadline:
            hot_loop(0.02)
        assert profiler.samples >= 3 and profiler.wakeups >= 3
        profiler.span_ended(1)
    finally:
        profiler.stop()
    assert not profiler.running


def test_paths_are_scrubbed_and_strict_policy_strips_user_names():
    home = os.path.expanduser("~")
    assert scrub_path(os.path.join(home, "proj", "app.py")) == os.path.join("~", "proj", "app.py")
    assert scrub_path("/opt/venv/lib/python3.11/site-packages/requests/api.py") == "requests/api.py"
    assert scrub_path(os.path.join(os.getcwd(), "pkg", "m.py")) == os.path.join("pkg", "m.py")
    from otel_privacy import Redactor

    strict = Redactor("strict")
    assert "alice" not in strict.redact_text("/home/alice/other-checkout/app.py:handler 3")


def test_folded_frames_go_through_the_policy_once_each():
    from otel_privacy import Redactor

    module = compile("def handler():\n    pass\n", "/home/alice/other-checkout/app.py", "exec")
    code = next(c for c in module.co_consts if hasattr(c, "co_name"))
    calls: list[str] = []
    strict = Redactor("strict")

    def scrub(text: str) -> str:
        calls.append(text)
        return strict.redact_text(text)

    labels: dict = {}
    first = folded(Counter({(code,): 3}), 1024, scrub, labels)
    again = folded(Counter({(code, code): 1}), 1024, scrub, labels)
    assert "alice" not in first + again and "app.py:handler 3" in first
    assert len(calls) == 1  # the label was scrubbed once and reused


def test_memory_is_bounded_per_span_and_across_open_spans():
    profiler = SamplingProfiler(PerfConfig(enabled=True, profiler=True, max_stacks_per_span=3, max_stack_depth=8))
    profiler.max_tracked_spans = 5
    for span_id in range(1, 11):
        profiler.span_started(span_id)
    assert len(profiler._spans) == 5 and profiler.untracked_spans == 5

    def recurse(n: int) -> None:  # distinct stacks at each depth
        profiler.sample()
        if n:
            recurse(n - 1)

    recurse(10)
    stacks = profiler.span_ended(5)
    assert len(stacks) <= 4  # 3 distinct stacks + the "<other stacks>" bucket
    assert sum(stacks.values()) == 11
    assert all(len(s) <= 8 for s in stacks)
    for span_id in range(1, 11):
        profiler.span_ended(span_id)
    assert profiler._spans == {} and profiler._active == {} and profiler._owner == {}


def test_folded_text_is_capped_in_bytes_and_written_as_a_file(traced, tmp_path):  # noqa: F811
    stacks = Counter({("a" * 300, f"leaf{i}"): 100 - i for i in range(50)})
    text = folded(stacks, 1024)
    assert 0 < len(text.encode()) <= 1024 and text.splitlines()[0].endswith(" 100")
    tp, exporter, install = traced
    out = tmp_path / "profile.folded"
    capture = install(profiler=True, profiler_hz=200, profile_output=str(out), profile_format="folded")
    with tp.get_tracer("t").start_as_current_span("x"):
        hot_loop(0.2)
    capture.shutdown()
    lines = out.read_text().splitlines()
    assert lines and all(line.rsplit(" ", 1)[1].isdigit() for line in lines)
    assert any("hot_loop" in line for line in lines)


# -- a minimal protobuf reader for perftools.profiles.Profile ---------------------------------
def _fields(data: bytes):
    i = 0

    def varint() -> int:
        nonlocal i
        shift = n = 0
        while True:
            b = data[i]
            i += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    while i < len(data):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            yield field, varint()
        elif wire == 2:
            length = varint()
            yield field, data[i:i + length]
            i += length
        else:
            raise AssertionError(f"unexpected wire type {wire}")


def _packed(data: bytes) -> list[int]:
    values, n, shift = [], 0, 0
    for b in data:
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            values.append(n)
            n = shift = 0
    return values


def _decode_pprof(data: bytes) -> dict:
    out: dict = {"strings": [], "samples": [], "locations": [], "functions": [], "period": None}
    for field, value in _fields(data):
        if field == 6:
            out["strings"].append(value.decode())
        elif field == 2:
            sub = dict.fromkeys((1, 2), b"")
            sub.update({f: v for f, v in _fields(value)})
            out["samples"].append((2, _packed(sub[1]), _packed(sub[2])))
        elif field == 4:
            sub = {f: v for f, v in _fields(value)}
            out["locations"].append((4, sub[1]))
        elif field == 5:
            sub = {f: v for f, v in _fields(value)}
            out["functions"].append((sub[1], sub.get(2, 0), sub.get(2, 0), sub.get(4, 0)))
        elif field == 12:
            out["period"] = value
    return out
