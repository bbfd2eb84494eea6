"""Per-span CPU and GC capture on real workloads (no mocks).

Assertions are about behaviour (where CPU goes), with wide margins: these machines are shared and
noisy, and tests never assert wall-clock speed.
"""

from __future__ import annotations

import gc
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import otel_privacy.perf.spans as spans_module
from otel_privacy.perf.spans import PREFIX, ResourceSpanProcessor, _PySpanClock
from perf_support import cpu_work, finished, traced  # noqa: F401 - traced is a fixture


class PythonResourceSpanProcessor(_PySpanClock, ResourceSpanProcessor):
    """The processor with its hot path in Python (the fallback where the C extension is not built)."""


@pytest.fixture(params=["c", "python"], autouse=True)
def hot_path(request, monkeypatch):
    """Every test here runs twice: with the C hot path (``_speedups``) and with the Python one."""
    if request.param == "python":
        monkeypatch.setattr(spans_module, "ResourceSpanProcessor", PythonResourceSpanProcessor)
    return request.param


def test_the_c_hot_path_is_built_and_used():
    # `make` installs with a C compiler; without one the package still works (the Python hot path), but
    # this project's own test runs must exercise the C code
    from otel_privacy.perf import _speedups

    assert issubclass(ResourceSpanProcessor, _speedups.SpanClock)
    assert ResourceSpanProcessor.on_start is _speedups.SpanClock.on_start


def test_cpu_bound_span_shows_its_cpu_and_a_sleeping_span_almost_none(traced):  # noqa: F811
    tp, exporter, install = traced
    install()
    tracer = tp.get_tracer("t")
    with tracer.start_as_current_span("busy"):
        c0 = time.thread_time()
        cpu_work(0.15)
        burned = time.thread_time() - c0  # what the work used, in CPU time (no wall clock in this test)
    with tracer.start_as_current_span("sleepy"):
        time.sleep(0.15)
    busy = finished(exporter, "busy").attributes
    sleepy = finished(exporter, "sleepy").attributes
    assert 0.9 * burned * 1000 <= busy[PREFIX + "cpu.thread_ms"] <= burned * 1000 + 20  # the span's own CPU
    # near zero while sleeping: under a fifth of the 150 ms slept (the span lasted at least that long)
    assert sleepy[PREFIX + "cpu.thread_ms"] < 0.2 * 150
    assert busy[PREFIX + "cpu.process_share"] > sleepy[PREFIX + "cpu.process_share"]


def test_nested_spans_are_inclusive_and_cross_thread_spans_are_marked(traced):  # noqa: F811
    tp, exporter, install = traced
    install()
    tracer = tp.get_tracer("t")
    with tracer.start_as_current_span("outer"):
        with tracer.start_as_current_span("inner"):
            cpu_work(0.05)
        cpu_work(0.05)
    outer = finished(exporter, "outer").attributes[PREFIX + "cpu.thread_ms"]
    inner = finished(exporter, "inner").attributes[PREFIX + "cpu.thread_ms"]
    assert outer > inner > 0
    assert inner / outer < 0.8  # the outer span's own work is counted too

    span = tracer.start_span("handoff")
    cpu_work(0.02)
    worker = threading.Thread(target=span.end)
    worker.start()
    worker.join()
    handoff = finished(exporter, "handoff").attributes
    assert handoff[PREFIX + "cpu.measured"] is False and PREFIX + "cpu.thread_ms" not in handoff


def _count_clock_reads(monkeypatch, clock: str = "_thread_time_ns") -> list[int]:
    reads: list[int] = []
    real = getattr(spans_module, clock)
    monkeypatch.setattr(spans_module, clock, lambda: reads.append(1) or real())  # counts, still real
    return reads


def _timed_spans(tracer, n: int, every_ns: int, length_ns: int, t0: int = 1_000_000_000) -> int:
    """``n`` spans with explicit times (the SDK's own API): their wall lengths no longer depend on how fast
    this machine is (CPU time stays real). Returns the time after the last one."""
    for i in range(n):
        start = t0 + i * every_ns
        tracer.start_span("tiny", start_time=start).end(end_time=start + length_ns)
    return t0 + n * every_ns


def test_short_spans_read_no_clock_at_their_end_and_carry_no_cpu_attributes(traced, monkeypatch):  # noqa: F811
    reads = _count_clock_reads(monkeypatch)
    tp, exporter, install = traced
    install(cpu_reuse_us=0, cpu_reuse_short_us=0)  # the default 1 ms threshold; no reuse: every start reads
    tracer = tp.get_tracer("t")
    now = _timed_spans(tracer, 200, every_ns=20_000, length_ns=10_000)  # 10 µs each
    tiny = [s for s in exporter.get_finished_spans() if s.name == "tiny"]
    assert len(tiny) == 200 and not any(key.startswith(PREFIX) for s in tiny for key in s.attributes)
    assert len(reads) == 200  # one at each start (reuse is off here), none at the ends
    long = tracer.start_span("long", start_time=now)
    cpu_work(0.06)
    long.end(end_time=now + 60_000_000)  # 60 ms of wall time
    assert finished(exporter, "long").attributes[PREFIX + "cpu.thread_ms"] >= 55
    assert len(reads) == 202


def test_back_to_back_starts_share_a_recent_reading(traced, monkeypatch):  # noqa: F811
    reads = _count_clock_reads(monkeypatch)
    tp, exporter, install = traced
    install(cpu_reuse_us=1000)
    _timed_spans(tp.get_tracer("t"), 200, every_ns=20_000, length_ns=10_000)  # a start every 20 µs
    assert len(reads) == 4  # spans 0, 51, 102 and 153 read; each reading serves the next 50 starts (1 ms)


def test_names_only_ever_short_reuse_older_readings_and_a_long_one_is_not_misreported(traced, monkeypatch):  # noqa: F811
    reads = _count_clock_reads(monkeypatch)
    tp, exporter, install = traced
    install()  # defaults: cpu_reuse_us=50, cpu_reuse_short_us=1000, min_span_ms=1
    tracer = tp.get_tracer("t")
    now = _timed_spans(tracer, 200, every_ns=100_000, length_ns=10_000)  # one start every 100 µs
    # once "tiny" is known short (after the first span) a reading serves 1 ms: spans 0, 11, 22, … 198 read
    assert len(reads) == 19
    long_name = "tiny"
    del reads[:]
    late = tracer.start_span(long_name, start_time=now + 500_000)  # its reading is 500 µs + old: reused
    cpu_work(0.01)
    late.end(end_time=now + 2_500_000)  # 2 ms: the reading's age is 25% of it
    attrs = [s for s in exporter.get_finished_spans() if s.name == long_name][-1].attributes
    assert attrs[PREFIX + "cpu.measured"] is False and PREFIX + "cpu.thread_ms" not in attrs  # not a wrong number
    assert len(reads) == 1  # its end read; from now on its name reads at every start past cpu_reuse_us
    _timed_spans(tracer, 3, every_ns=100_000, length_ns=10_000, t0=now + 3_000_000)
    assert len(reads) == 4
    # a mispredicted span that is long enough for its old reading to be within 5% is measured
    tracer.start_span("other", start_time=now + 4_000_000).end(end_time=now + 4_000_100)
    t = now + 4_400_000  # 400 µs after "other"'s reading, for a 20 ms span: 2%
    busy = tracer.start_span("other", start_time=t)
    cpu_work(0.02)
    busy.end(end_time=t + 20_000_000)
    attrs = [s for s in exporter.get_finished_spans() if s.name == "other"][-1].attributes
    assert attrs[PREFIX + "cpu.thread_ms"] >= 10 and PREFIX + "cpu.measured" not in attrs


def test_a_reading_is_not_reused_across_a_collection_or_backwards_in_time(traced, monkeypatch):  # noqa: F811
    reads = _count_clock_reads(monkeypatch)
    tp, exporter, install = traced
    capture = install(cpu_reuse_us=1000, min_span_ms=0)
    tracer = tp.get_tracer("t")
    t0 = 5_000_000_000
    tracer.start_span("first", start_time=t0).end(end_time=t0 + 1000)
    reads_before = len(reads)
    gc.collect()  # between the reading and the next start: not the next span's collection
    tracer.start_span("after-gc", start_time=t0 + 2000).end(end_time=t0 + 3000)
    assert PREFIX + "gc.collections" not in finished(exporter, "after-gc").attributes
    assert len(reads) == reads_before + 1  # its start reused the CPU reading (only its end read)
    tracer.start_span("earlier", start_time=t0 - 10_000_000).end(end_time=t0)  # started before the reading
    assert len(reads) == reads_before + 3  # a reading from its future does not serve: start and end read
    assert capture.span_processor.errors == 0


def test_min_span_zero_measures_every_span_and_reuse_zero_reads_every_start(traced, monkeypatch):  # noqa: F811
    reads = _count_clock_reads(monkeypatch)
    tp, exporter, install = traced
    install(min_span_ms=0, cpu_reuse_us=0)
    tracer = tp.get_tracer("t")
    loop_start = time.thread_time_ns()
    for _ in range(50):
        with tracer.start_as_current_span("tiny"):
            pass
    loop_ms = (time.thread_time_ns() - loop_start) / 1e6
    tiny = [s for s in exporter.get_finished_spans() if s.name == "tiny"]
    assert all(0 <= s.attributes[PREFIX + "cpu.thread_ms"] <= loop_ms for s in tiny)  # within the loop's own CPU
    assert len(reads) == 100  # a reading at each edge of each span


def test_spans_on_worker_threads_measure_their_own_thread(traced):  # noqa: F811
    tp, exporter, install = traced
    install()
    tracer = tp.get_tracer("t")

    def worker(name: str, busy: bool) -> None:
        with tracer.start_as_current_span(name):
            if busy:
                cpu_work(0.1)
            else:
                time.sleep(0.1)

    threads = [threading.Thread(target=worker, args=("w-busy", True)),
               threading.Thread(target=worker, args=("w-idle", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    busy = finished(exporter, "w-busy").attributes[PREFIX + "cpu.thread_ms"]
    idle = finished(exporter, "w-idle").attributes[PREFIX + "cpu.thread_ms"]
    assert busy > 50 and idle < 0.2 * busy  # the idle thread is not charged for its busy neighbour


def test_gc_pauses_are_attributed_to_the_span(traced):  # noqa: F811
    tp, exporter, install = traced
    install()
    tracer = tp.get_tracer("t")
    with tracer.start_as_current_span("collect"):
        junk = []
        for _ in range(20000):
            a, b = [], []
            a.append(b)
            b.append(a)
            junk.append(a)
        del junk
        gc.collect()
    gc.disable()  # nothing may collect during the quiet span
    try:
        with tracer.start_as_current_span("quiet"):
            pass
    finally:
        gc.enable()
    attrs = finished(exporter, "collect").attributes
    assert attrs[PREFIX + "gc.collections"] >= 1 and attrs[PREFIX + "gc.pause_ms"] > 0
    assert PREFIX + "gc.collections" not in finished(exporter, "quiet").attributes


def test_switches_turn_captures_off_and_unended_spans_hold_no_state(traced):  # noqa: F811
    tp, exporter, install = traced
    capture = install(cpu=False, gc=True, min_span_ms=0)
    tracer = tp.get_tracer("t")
    with tracer.start_as_current_span("no-cpu"):
        gc.collect()
    attrs = finished(exporter, "no-cpu").attributes
    assert PREFIX + "cpu.thread_ms" not in attrs and attrs[PREFIX + "gc.collections"] >= 1
    processor = capture.span_processor
    processor._open_max = 50
    for _ in range(120):
        tracer.start_span("abandoned")  # never ended: the table of open spans is bounded
    assert 0 < processor.open_spans() <= 50 and processor.errors == 0


def test_exception_paths_recorded_by_the_sdk_are_shortened(traced):  # noqa: F811
    tp, exporter, install = traced
    install()
    import json  # a stdlib frame, whose absolute path must not survive

    try:
        with tp.get_tracer("t").start_as_current_span("boom"):
            json.loads("{not json, mail me at carol@example.com")
    except ValueError:
        pass
    event = next(e for e in finished(exporter, "boom").events if e.name == "exception")
    stack = event.attributes["exception.stacktrace"]
    assert 'File "json/decoder.py"' in stack and "test_perf_spans.py" in stack
    assert "/lib/python" not in stack and "carol@example.com" not in stack


_OPS = st.lists(st.tuples(
    st.sampled_from(["a", "b", "c"]),  # span name
    st.integers(0, 3000),  # µs from the previous span's end to this start
    st.sampled_from([5, 40, 900, 1000, 1100, 2000, 30_000]),  # length, µs
    st.booleans(),  # a collection just before the span starts
    st.integers(0, 9),  # 0: ended on another thread
    st.booleans(),  # 40 µs of real CPU work inside
), min_size=1, max_size=25)


def _run_ops(processor_class, ops, monkeypatch) -> tuple[list[tuple], int]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from otel_privacy.perf import PerfConfig

    reads = _count_clock_reads(monkeypatch)
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    processor = processor_class(PerfConfig(enabled=True))
    tp.add_span_processor(processor)
    tracer = tp.get_tracer("t")
    t = 1_000_000_000
    for name, gap_us, length_us, collect, thread, work in ops:
        t += gap_us * 1000
        if collect:
            gc.collect(0)  # the youngest generation: quick, and the GC callbacks see it as any other
        span = tracer.start_span(name, start_time=t)
        if work:
            cpu_work(0.00004)
        t += length_us * 1000
        if thread == 0:
            worker = threading.Thread(target=span.end, kwargs={"end_time": t})
            worker.start()
            worker.join()
        else:
            span.end(end_time=t)
    processor.shutdown()
    assert processor.errors == 0
    # CPU values are real and differ run to run; which attributes a span got, and why, must not
    shapes = [(s.name, sorted(k for k in s.attributes if k.startswith(PREFIX)),
               s.attributes.get(PREFIX + "cpu.measured")) for s in exporter.get_finished_spans()]
    return shapes, len(reads)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
def test_the_c_and_python_hot_paths_decide_alike(ops, monkeypatch, hot_path):
    if hot_path != "c":  # one run compares both
        return
    gc.disable()  # collections only where the ops put them, so both runs see the same ones
    try:
        with monkeypatch.context() as patch:
            in_c = _run_ops(ResourceSpanProcessor, ops, patch)
        with monkeypatch.context() as patch:
            in_python = _run_ops(PythonResourceSpanProcessor, ops, patch)
    finally:
        gc.enable()
    assert in_c == in_python


def test_without_the_extension_the_python_hot_path_is_used(hot_path):
    # as on a machine where `pip install` found no compiler: the import fails, nothing else changes
    import subprocess
    import sys

    if hot_path != "c":
        return
    script = """
import sys
sys.modules["otel_privacy.perf._speedups"] = None  # ImportError on import
from opentelemetry.sdk.trace import TracerProvider
from otel_privacy.perf import PerfConfig
from otel_privacy.perf import spans
assert spans._SpanClock is spans._PySpanClock
tp = TracerProvider()
processor = spans.ResourceSpanProcessor(PerfConfig(enabled=True))
tp.add_span_processor(processor)
span = tp.get_tracer("t").start_span("s", start_time=10**9)
span.end(end_time=10**9 + 5 * 10**6)
assert span.attributes["otel_privacy.perf.cpu.thread_ms"] >= 0 and processor.errors == 0
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_a_broken_span_is_counted_never_raised(traced):  # noqa: F811
    tp, exporter, install = traced
    processor = install().span_processor

    class Odd:  # no _start_time, no _name: not the SDK's span
        _events = None

    odd = Odd()
    processor.on_start(odd, parent_context=None)
    processor._on_ending(odd)
    processor.on_end(odd)
    assert processor.errors == 1  # the start could not be read; its end finds no start
    with tp.get_tracer("t").start_as_current_span("fine"):
        pass
    assert processor.errors == 1 and finished(exporter, "fine")


def test_names_only_ever_short_take_no_process_reading_and_a_long_one_reports_no_stale_share(traced, monkeypatch):  # noqa: F811,E501
    proc_reads = _count_clock_reads(monkeypatch, "_process_time_ns")
    tp, exporter, install = traced
    install()
    tracer = tp.get_tracer("t")
    now = _timed_spans(tracer, 100, every_ns=2_000_000, length_ns=10_000)  # a new snapshot at every start
    assert len(proc_reads) == 1  # the first start only: "tiny" was not yet known to be short
    for attempt in ("known short", "known long"):
        span = tracer.start_span("tiny", start_time=now)
        cpu_work(0.005)
        span.end(end_time=now + 60_000_000)  # 60 ms: long enough for a process share
        attrs = [s for s in exporter.get_finished_spans() if s.name == "tiny"][-1].attributes
        assert attrs[PREFIX + "cpu.thread_ms"] > 0  # its thread reading was taken at its start
        if attempt == "known short":  # its process reading was ~200 ms old: no share rather than a wrong one
            assert PREFIX + "cpu.process_share" not in attrs
        else:  # the name is read strictly now: a fresh process reading at the start
            assert attrs[PREFIX + "cpu.process_share"] >= 0
        now += 70_000_000


def test_a_name_whose_first_span_was_long_is_never_taken_for_short(traced, monkeypatch):  # noqa: F811
    reads = _count_clock_reads(monkeypatch)
    tp, exporter, install = traced
    install()
    tracer = tp.get_tracer("t")
    t0 = 1_000_000_000
    tracer.start_span("tiny", start_time=t0).end(end_time=t0 + 2_000_000)  # its first span: 2 ms
    del reads[:]
    _timed_spans(tracer, 10, every_ns=100_000, length_ns=10_000, t0=t0 + 3_000_000)
    assert len(reads) == 10  # long once: 100 µs apart is past cpu_reuse_us, so every start reads
