"""Carriers: every place a span, log record or metric point carries a string, and how an app fills it.

:data:`CARRIERS` is ordered from the simplest place to the most buried one (the minimiser prefers
earlier ones). :class:`FuzzApp` is the application: it plays one case through the OpenTelemetry
APIs the way real code does — ``set_attribute`` with strings, arrays and (SDK ≥ 1.3x) maps, events,
links, status, exceptions raised and recorded for real, ``logging`` with ``extra=`` and ``%``-args,
log bodies of every ``AnyValue`` shape, resource and scope attributes, metric points and exemplars.
Every record carries ``fuzz.case`` (an int) so the checks can attribute what reaches the wire.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .encodings import KV, Split, Text

CASE_KEY = "fuzz.case"
NEUTRAL_KEY = "app.detail"  # where a Text payload goes in a carrier that has keys


@dataclass(frozen=True)
class Carrier:
    name: str
    signal: str
    accepts: frozenset[type]
    #: a flat attribute map: a KV's extras (``db.system``) sit beside it, as instrumentations put them
    flat: bool = False
    note: str = ""


def _c(name: str, signal: str, *accepts: type, flat: bool = False, note: str = "") -> Carrier:
    return Carrier(name, signal, frozenset(accepts), flat, note)


CARRIERS: dict[str, Carrier] = {c.name: c for c in (
    _c("span_attr", "traces", Text, KV, flat=True, note="a string span attribute"),
    _c("log_attr", "logs", Text, KV, flat=True, note="a log record attribute (Logger.emit)"),
    _c("span_attr_array", "traces", Text, Split, note="an element of a string-array attribute"),
    _c("span_attr_map", "traces", Text, KV, note="a value in a map-valued attribute"),
    _c("span_attr_nested_map", "traces", Text, KV, note="a value two maps deep"),
    _c("span_attr_map_key", "traces", Text, note="a key of a map-valued attribute"),
    _c("span_attr_dotted_map", "traces", Text, KV,
       note="the key's dotted path as nested maps: 'http.request.header.cookie' = v → http: {request: {header: …}}"),
    _c("span_name", "traces", Text),
    _c("event_name", "traces", Text),
    _c("event_attr", "traces", Text, KV, flat=True),
    _c("link_attr", "traces", Text, KV, flat=True),
    _c("status", "traces", Text, note="the status description"),
    _c("exception", "traces", Text, note="raised, then span.record_exception: message and stack trace"),
    _c("exception_chained", "traces", Text, note="only in the stack trace: the cause of the recorded exception"),
    _c("resource_attr", "traces", Text, KV),
    _c("scope_attr", "traces", Text, KV),
    _c("genai_messages", "traces", Text, note="gen_ai.input.messages JSON parts"),
    _c("genai_tool_call", "traces", Text, KV,
       note="gen_ai.output.messages: a tool call whose arguments are a JSON string (escaped JSON inside JSON)"),
    _c("openinference_messages", "traces", Text, KV,
       note="OpenInference llm.input_messages.<i>.message.content; tool-call arguments as a JSON string"),
    _c("openinference_io", "traces", Text, KV,
       note="OpenInference input.value (a JSON request) and llm.invocation_parameters (JSON)"),
    _c("log_message", "logs", Text, note="logging.warning(text)"),
    _c("log_args", "logs", Text, note="logging.warning('… %s', text)"),
    _c("log_extra", "logs", Text, KV, flat=True, note="logging extra={key: value}"),
    _c("log_exception", "logs", Text, note="logging.exception inside except"),
    _c("log_body", "logs", Text, note="a string body (Logger.emit)"),
    _c("log_body_map", "logs", Text, KV),
    _c("log_body_nested", "logs", Text, KV),
    _c("log_body_array", "logs", Text, Split),
    _c("log_body_bytes", "logs", Text, note="a bytes body"),
    _c("log_body_list_of_maps", "logs", Text, KV, note="a map inside an array inside a map (AnyValue kvlists)"),
    _c("genai_event", "logs", Text, KV,
       note="openai-v2 log events: gen_ai.user.message {content}, gen_ai.choice tool-call arguments"),
    _c("metric_attr", "metrics", Text, KV),
    _c("exemplar_attr", "metrics", Text, KV, note="an exemplar's filtered attribute"),
)}


def _kv(payload: Any) -> dict[str, Any]:
    if isinstance(payload, KV):
        return {payload.key: payload.value, **dict(payload.extras)}
    return {NEUTRAL_KEY: payload.text}


def _args(payload: Any) -> dict[str, Any]:
    """Tool-call arguments: the KV itself (without sibling attributes), or the text as a query."""
    return {payload.key: payload.value} if isinstance(payload, KV) else {"query": payload.text}


def _items(payload: Any) -> list[str]:
    return list(payload.items) if isinstance(payload, Split) else ["begin", payload.text, "end"]


def checkout_handler(message: str) -> None:
    """Raises like application code does; its name must survive in stack traces (a utility marker)."""
    raise RuntimeError(message)


def lookup_customer(message: str) -> None:
    try:
        raise ValueError(message)
    except ValueError as exc:
        raise RuntimeError("customer lookup failed") from exc


class FuzzApp:
    """Plays cases through real OpenTelemetry providers (see the module docstring).

    ``resource_provider(attributes)`` must return a TracerProvider with that resource whose spans reach
    the same exporters as ``tracer_provider``'s; metrics go to ``meter_provider``'s two instruments.
    """

    def __init__(self, tracer_provider: Any, logger_provider: Any, meter_provider: Any,
                 resource_provider: Callable[[dict[str, Any]], Any], logger_name: str = "leakfuzz.app") -> None:
        from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

        self.tracer = tracer_provider.get_tracer("leakfuzz")
        self.tracer_provider = tracer_provider
        self.otel_logger = logger_provider.get_logger("leakfuzz")
        self.log = logging.getLogger(logger_name)
        self.log.setLevel(logging.INFO)
        meter = meter_provider.get_meter("leakfuzz")
        self.counter = meter.create_counter("leakfuzz.events")
        self.histogram = meter.create_histogram("leakfuzz.latency", unit="ms")
        self.resource_provider = resource_provider
        self.linked = NonRecordingSpan(SpanContext(0x5EED << 64 | 1, 0x5EED, is_remote=True,
                                                   trace_flags=TraceFlags(TraceFlags.SAMPLED))).get_span_context()

    def emit(self, case_id: int, carrier: str, payload: Any) -> None:
        getattr(self, f"_{carrier}")(case_id, payload)

    # -- traces ----------------------------------------------------------------------------
    def _span(self, case_id: int, name: str = "fuzz.case", tracer: Any = None, links: Any = None) -> Any:
        span = (tracer or self.tracer).start_span(name, links=links, attributes={CASE_KEY: case_id})
        return span

    def _span_attr(self, i: int, p: Any) -> None:
        span = self._span(i)
        span.set_attributes(_kv(p))
        span.end()

    def _span_attr_array(self, i: int, p: Any) -> None:
        span = self._span(i)
        span.set_attribute("app.args", _items(p))
        span.end()

    def _span_attr_map(self, i: int, p: Any) -> None:
        span = self._span(i)
        span.set_attribute("app.request", {"id": 7, **_kv(p)})
        span.end()

    def _span_attr_nested_map(self, i: int, p: Any) -> None:
        span = self._span(i)
        span.set_attribute("app.context", {"tenant": "acme", "request": {"attempt": 1, "params": _kv(p)}})
        span.end()

    def _span_attr_map_key(self, i: int, p: Any) -> None:
        span = self._span(i)
        span.set_attribute("app.recipients", {p.text: "sent", "count": 1})
        span.end()

    def _span_attr_dotted_map(self, i: int, p: Any) -> None:
        key, value = (p.key, p.value) if isinstance(p, KV) else (NEUTRAL_KEY, p.text)
        path = key.split(".") if "." in key.strip(".") else ["app", key]
        nested: Any = value
        for part in reversed(path[1:]):
            nested = {part: nested}
        span = self._span(i)
        span.set_attribute(path[0], nested)
        span.end()

    def _span_name(self, i: int, p: Any) -> None:
        self._span(i, p.text).end()

    def _event_name(self, i: int, p: Any) -> None:
        span = self._span(i)
        span.add_event(p.text)
        span.end()

    def _event_attr(self, i: int, p: Any) -> None:
        span = self._span(i)
        span.add_event("audit", _kv(p))
        span.end()

    def _link_attr(self, i: int, p: Any) -> None:
        from opentelemetry.trace import Link

        self._span(i, links=[Link(self.linked, _kv(p))]).end()

    def _status(self, i: int, p: Any) -> None:
        from opentelemetry.trace import Status, StatusCode

        span = self._span(i)
        span.set_status(Status(StatusCode.ERROR, p.text))
        span.end()

    def _exception(self, i: int, p: Any) -> None:
        span = self._span(i)
        try:
            checkout_handler(p.text)
        except RuntimeError as exc:
            span.record_exception(exc)
        span.end()

    def _exception_chained(self, i: int, p: Any) -> None:
        span = self._span(i)
        try:
            lookup_customer(p.text)
        except RuntimeError as exc:
            span.record_exception(exc)
        span.end()

    def _resource_attr(self, i: int, p: Any) -> None:
        provider = self.resource_provider({"service.name": "leakfuzz", **_kv(p)})
        self._span(i, tracer=provider.get_tracer("leakfuzz")).end()

    def _scope_attr(self, i: int, p: Any) -> None:
        self._span(i, tracer=self.tracer_provider.get_tracer("leakfuzz.scope", attributes=_kv(p))).end()

    def _genai_messages(self, i: int, p: Any) -> None:
        span = self._span(i, "chat gpt-4o")
        span.set_attributes({"gen_ai.operation.name": "chat", "gen_ai.system": "openai",
                             "gen_ai.input.messages": json.dumps(
                                 [{"role": "user", "parts": [{"type": "text", "content": p.text}]}])})
        span.end()

    def _genai_tool_call(self, i: int, p: Any) -> None:
        span = self._span(i, "chat gpt-4o")
        span.set_attributes({
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.response.finish_reasons": ["tool_call"],
            "gen_ai.output.messages": json.dumps([{"role": "assistant", "finish_reason": "tool_call", "parts": [
                {"type": "tool_call", "id": f"call_{i:024d}", "name": "lookup_customer",
                 "arguments": json.dumps(_args(p))}]}])})
        span.end()

    def _openinference_messages(self, i: int, p: Any) -> None:
        span = self._span(i, "ChatCompletion")
        attrs = {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o",
                 "llm.input_messages.0.message.role": "system",
                 "llm.input_messages.0.message.content": "You are a helpful support agent.",
                 "llm.input_messages.1.message.role": "user"}
        if isinstance(p, KV):
            prefix = "llm.output_messages.0.message.tool_calls.0.tool_call.function"
            attrs.update({"llm.input_messages.1.message.content": "look the customer up",
                          "llm.output_messages.0.message.role": "assistant", f"{prefix}.name": "lookup_customer",
                          f"{prefix}.arguments": json.dumps(_args(p))})
        else:
            attrs["llm.input_messages.1.message.content"] = p.text
        span.set_attributes(attrs)
        span.end()

    def _openinference_io(self, i: int, p: Any) -> None:
        span = self._span(i, "ChatCompletion")
        attrs: dict[str, Any] = {"openinference.span.kind": "LLM", "input.mime_type": "application/json"}
        if isinstance(p, KV):
            attrs["llm.invocation_parameters"] = json.dumps({"model": "gpt-4o", "temperature": 0.2, "max_tokens": 512,
                                                             **_args(p)})
            attrs["input.value"] = json.dumps({"messages": [{"role": "user", "content": "hello"}]})
        else:
            attrs["input.value"] = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": p.text}]})
        span.set_attributes(attrs)
        span.end()

    # -- logs ------------------------------------------------------------------------------
    def _emit(self, i: int, body: Any, attributes: dict[str, Any] | None = None, event_name: str | None = None) -> None:
        from opentelemetry._logs import SeverityNumber

        self.otel_logger.emit(body=body, attributes={CASE_KEY: i, **(attributes or {})}, event_name=event_name,
                              severity_number=SeverityNumber.WARN, severity_text="WARN")

    def _log_attr(self, i: int, p: Any) -> None:
        self._emit(i, "checkout event", _kv(p))

    def _log_message(self, i: int, p: Any) -> None:
        self.log.warning(p.text, extra={CASE_KEY: i})

    def _log_args(self, i: int, p: Any) -> None:
        self.log.warning("payment failed for %s", p.text, extra={CASE_KEY: i})

    def _log_extra(self, i: int, p: Any) -> None:
        self.log.warning("checkout event", extra={CASE_KEY: i, **_kv(p)})

    def _log_exception(self, i: int, p: Any) -> None:
        try:
            checkout_handler(p.text)
        except RuntimeError:
            self.log.exception("checkout failed", extra={CASE_KEY: i})

    def _log_body(self, i: int, p: Any) -> None:
        self._emit(i, p.text)

    def _log_body_map(self, i: int, p: Any) -> None:
        self._emit(i, {"event": "checkout", **_kv(p)})

    def _log_body_nested(self, i: int, p: Any) -> None:
        self._emit(i, {"request": {"method": "POST", "headers": _kv(p)}, "status": 500})

    def _log_body_array(self, i: int, p: Any) -> None:
        self._emit(i, _items(p))

    def _log_body_bytes(self, i: int, p: Any) -> None:
        self._emit(i, p.text.encode("utf-8"))

    def _log_body_list_of_maps(self, i: int, p: Any) -> None:
        self._emit(i, {"order": {"items": [{"sku": "A-1", "qty": 2}, _kv(p)], "total": 42.5}})

    def _genai_event(self, i: int, p: Any) -> None:
        if isinstance(p, KV):
            name, body = "gen_ai.choice", {"index": 0, "finish_reason": "tool_calls", "message": {"tool_calls": [
                {"id": f"call_{i:024d}", "type": "function",
                 "function": {"name": "lookup_customer", "arguments": json.dumps(_args(p))}}]}}
        else:
            name, body = "gen_ai.user.message", {"content": p.text}
        self._emit(i, body, {"gen_ai.system": "openai", "event.name": name}, event_name=name)

    # -- metrics ---------------------------------------------------------------------------
    def _metric_attr(self, i: int, p: Any) -> None:
        self.counter.add(1, {CASE_KEY: i, **_kv(p)})

    def _exemplar_attr(self, i: int, p: Any) -> None:
        # The view keeps only fuzz.case on the point; the rest become the exemplar's filtered attributes.
        self.histogram.record(12.5, {CASE_KEY: i, **_kv(p)})
