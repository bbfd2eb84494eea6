"""Safe arguments and exceptions: ``@trace_function`` and ``record_exception`` on real calls."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_privacy import Redactor, trace_function
from otel_privacy.perf import PerfConfig, install_perf
from otel_privacy.perf.exceptions import exception_attributes
from perf_support import finished, traced  # noqa: F401 - traced is a fixture

SECRETS = ("4111111111111111", "alice@example.com", "hunter2", "sk_live_51Hc4c1e9a77b2d8f0e1a3b5c7")


@pytest.fixture
def plain():
    """A provider WITHOUT the privacy processor: whatever shows up was redacted by perf capture itself."""
    exporter = InMemorySpanExporter()
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    yield tp, exporter
    tp.shutdown()


def test_exceptions_keep_frames_and_lose_secrets(plain):
    tp, exporter = plain

    @trace_function(tracer_provider=tp, capture_locals=True)
    def charge(order):
        token = "sk_live_51Hc4c1e9a77b2d8f0e1a3b5c7"  # noqa: F841 - a local the capture must redact
        raise PermissionError("card 4111111111111111 declined for alice@example.com, password=hunter2")

    with pytest.raises(PermissionError):
        charge(42)
    span = finished(exporter, "test_exceptions_keep_frames_and_lose_secrets.<locals>.charge")
    event = next(e for e in span.events if e.name == "exception")
    dump = repr(dict(event.attributes))
    for secret in SECRETS:
        assert secret not in dump
    assert event.attributes["exception.type"] == "PermissionError"
    assert "declined for" in event.attributes["exception.message"]  # the rest of the message survives
    stack = event.attributes["exception.stacktrace"]
    assert "in charge" in stack and 'File "tests/test_perf_args.py"' in stack and "line" in stack
    locals_ = event.attributes["otel_privacy.exception.locals"]
    assert any(line.startswith("token: str = ") for line in locals_)
    assert any(line.startswith("order: int = 42") for line in locals_)
    assert span.status.status_code.name == "ERROR"


def test_chained_exceptions_show_both_tracebacks_redacted():
    def inner():
        raise KeyError("user bob@example.com")

    def outer():
        try:
            inner()
        except KeyError as exc:
            raise RuntimeError("lookup failed for password=hunter2") from exc

    with pytest.raises(RuntimeError) as info:
        outer()
    attrs = exception_attributes(info.value, Redactor("default"))
    stack = attrs["exception.stacktrace"]
    assert "in inner" in stack and "in outer" in stack and "direct cause" in stack
    assert stack.index("in inner") < stack.index("direct cause") < stack.rindex("in outer")
    assert "bob@example.com" not in stack and "hunter2" not in stack
    assert attrs["exception.type"] == "RuntimeError"


def test_argument_capture_redacts_and_names_the_calling_class(plain):
    tp, exporter = plain

    class Payments:
        @trace_function(capture_args=True, tracer_provider=tp)
        def authorize(self, card_number: str, amount: float, password: str, note: str = ""):
            return amount

    class GiftPayments(Payments):
        pass

    assert Payments().authorize("4111 1111 1111 1111", 9.5, password="hunter2", note="mail bob@example.com") == 9.5
    attrs = exporter.get_finished_spans()[0].attributes
    assert attrs["code.namespace"].endswith(".Payments") and attrs["code.function.name"] == "authorize"
    assert attrs["otel_privacy.args.password.value"] == "REDACTED"
    assert attrs["otel_privacy.args.password.type"] == "str"
    assert "4111" not in attrs["otel_privacy.args.card_number.value"]
    assert "bob@example.com" not in attrs["otel_privacy.args.note.value"]
    assert attrs["otel_privacy.args.amount.value"] == "9.5" and attrs["otel_privacy.args.amount.type"] == "float"
    assert "otel_privacy.args.self.value" not in attrs

    GiftPayments().authorize("x", 1.0, "y")
    assert exporter.get_finished_spans()[-1].attributes["code.namespace"].endswith(".GiftPayments")


def test_long_reprs_are_truncated_and_broken_reprs_do_not_break_the_call(plain):
    tp, exporter = plain

    class Broken:
        def __repr__(self):
            raise RuntimeError("no repr")

    @trace_function(capture_args=True, max_repr=20, tracer_provider=tp)
    def f(blob, thing):
        return "ok"

    assert f("x" * 500, Broken()) == "ok"
    attrs = exporter.get_finished_spans()[0].attributes
    assert len(attrs["otel_privacy.args.blob.value"]) <= 20
    assert "repr fail" in attrs["otel_privacy.args.thing.value"]


def test_async_functions_bare_decorator_and_context_manager(plain):
    tp, exporter = plain

    @trace_function(tracer_provider=tp, capture_args=True)
    async def fetch(url, token):
        await asyncio.sleep(0)
        return url

    assert asyncio.run(fetch("u", token="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N")) == "u"
    span = next(s for s in exporter.get_finished_spans() if s.name.endswith("fetch"))
    assert span.attributes["otel_privacy.args.token.value"] == "REDACTED"

    @trace_function
    def bare(x):
        return x * 2

    assert bare(21) == 42

    step = trace_function("step", tracer_provider=tp)
    with pytest.raises(ValueError), step, step:  # nested use of one instance
        raise ValueError("mail carol@example.com")
    steps = [s for s in exporter.get_finished_spans() if s.name == "step"]
    assert len(steps) == 2 and all(s.status.status_code.name == "ERROR" for s in steps)
    assert all("carol@example.com" not in repr(dict(e.attributes)) for s in steps for e in s.events)


def test_trace_function_follows_the_configured_policy_and_switches(plain):
    tp, exporter = plain

    @trace_function(capture_args=True, tracer_provider=tp)
    def login(user_note):
        return True

    capture = install_perf(None, None, PerfConfig(enabled=True, args=True), Redactor("strict"))
    try:
        login("/home/alice/notes.txt")
        assert "alice" not in exporter.get_finished_spans()[-1].attributes["otel_privacy.args.user_note.value"]
    finally:
        capture.shutdown()
    capture = install_perf(None, None, PerfConfig(enabled=True, args=False), Redactor("default"))
    try:
        login("anything")
        assert not any(k.startswith("otel_privacy.args.") for k in exporter.get_finished_spans()[-1].attributes)
    finally:
        capture.shutdown()
    login("/home/alice/notes.txt")  # after shutdown: the built-in default policy again
    assert "otel_privacy.args.user_note.value" in exporter.get_finished_spans()[-1].attributes


@pytest.mark.parametrize("offset", [100, 105, 110, 113, 117, 119, 125])
def test_captured_arguments_are_redacted_before_they_are_cut(plain, offset):
    """A secret that straddles the repr limit is never exported in part (14 of 16 card digits, an e-mail's head)."""
    tp, exporter = plain
    card, email, jwt = "4111111111111111", "alice.liddell@example.com", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"

    @trace_function(tracer_provider=tp, capture_args=True, max_repr=120)
    def submit(note, other):
        return None

    filler = "x" * offset
    submit(f"{filler} {card} tail", f"{filler[:-8]} {email} {jwt}")
    span = finished(exporter, "test_captured_arguments_are_redacted_before_they_are_cut.<locals>.submit")
    for name in ("note", "other"):
        value = span.attributes[f"otel_privacy.args.{name}.value"]
        assert len(value) <= 120
        for secret in (card, email, jwt):
            for k in range(6, len(secret) + 1):  # no prefix of 6+ characters of any secret
                assert secret[:k] not in value, (name, value)
