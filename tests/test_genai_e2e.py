"""GenAI telemetry end to end: real instrumentations, the real ``openai`` client, real OTLP, both doors.

``genai_app.py`` holds one conversation (chat, tool call, tool answer, streamed answer, streamed tool call,
embeddings) full of planted personal data and secrets, sent by the real ``openai`` client to a local
OpenAI-compatible server, instrumented by

* the official ``opentelemetry-instrumentation-openai-v2`` on its legacy path (content as ``gen_ai.*.message``
  log events) and on the latest conventions (``gen_ai.input.messages`` span attributes and the
  ``gen_ai.client.inference.operation.details`` event with nested ``AnyValue`` messages),
* OpenInference (``input.value`` / ``output.value`` request and response JSON, flattened ``llm.*_messages.*``,
  ``llm.invocation_parameters``, tool schemas, embeddings).

Each holds the conversation once per policy (``off`` gives the raw baseline), each time exporting through its own
``configure()`` (one app process per instrumentation: imports are most of its cost), and the raw
export is replayed over OTLP/HTTP through the gateway with each policy. On every wire: no planted value, the
metadata intact and typed (model, operation, finish reasons, integer token counts, token-type metric series,
tool names, durations), and every JSON payload still parses.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import requests

import genai_app as app
from otel_privacy import Redactor
from otel_privacy.demo_genai import OpenAIServer
from otel_privacy.gateway import Gateway, load_config
from otel_privacy.otlp import any_to_py, kv_to_dict
from otel_privacy.otlp_walk import data_points, iter_items
from otel_privacy.policy import GENAI_METADATA_KEYS
from otlp_sink import OtlpSink

for _module in ("openai", "opentelemetry.instrumentation.openai_v2", "openinference.instrumentation.openai"):
    if os.environ.get("CI") == "true":  # the dev extra installs them: in CI a missing one is a failure, not a skip
        __import__(_module)
    else:
        pytest.importorskip(_module)

TESTS = Path(__file__).resolve().parent
INSTRUMENTATIONS = ("openai-v2", "openai-v2-latest", "openinference")
# default with the recogniser hook a user would add for names and addresses; strict as shipped
POLICIES: dict[str, Any] = {
    "default": {"genai": {"recognizer": "genai_recognizers:GazetteerRecognizer"}},
    "strict": "strict",
}
DOORS = ("sdk", "gateway")
# A content mode no preset uses, through the gateway door only (a replay costs no app run).
GATEWAY_POLICIES: dict[str, Any] = {"hash": {"genai": {"content": "hash"}}}
# What each instrumentation writes the model and the token counts under.
MODEL_KEYS = ("gen_ai.request.model", "llm.model_name", "embedding.model_name")
TOKEN_KEYS = ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "llm.token_count.prompt",
              "llm.token_count.completion", "llm.token_count.total")


@dataclass
class Wire:
    """What one sink received, decoded."""

    raw: bytes
    spans: list[Any] = field(default_factory=list)
    logs: list[Any] = field(default_factory=list)
    points: list[tuple[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, sink: OtlpSink) -> Wire:
        wire = cls(sink.raw())
        for signal, into in (("traces", wire.spans), ("logs", wire.logs)):
            for request in sink.requests(signal):
                into.extend(item for _, _, item in iter_items(signal, request))
        for request in sink.requests("metrics"):
            for _, _, metric in iter_items("metrics", request):
                wire.points.extend((metric.name, p) for p in data_points(metric))
        return wire

    def attributes(self) -> Iterator[tuple[str, Any]]:
        """Every attribute key and raw ``AnyValue`` of spans, span events and log records."""
        for span in self.spans:
            for kv in span.attributes:
                yield kv.key, kv.value
            for event in span.events:
                for kv in event.attributes:
                    yield kv.key, kv.value
        for record in self.logs:
            for kv in record.attributes:
                yield kv.key, kv.value

    def strings(self) -> Iterator[tuple[str, str]]:
        """Every string on the wire with where it was: ``key/nested/path`` of attributes, ``event/…`` of log bodies."""
        stack = [(k, any_to_py(v)) for k, v in self.attributes()]
        stack += [(f"{r.event_name or 'body'}/", any_to_py(r.body)) for r in self.logs]
        while stack:
            path, v = stack.pop()
            if isinstance(v, str):
                yield path, v
            elif isinstance(v, dict):
                stack.extend((f"{path}/{k}", x) for k, x in v.items())
            elif isinstance(v, (list, tuple)):
                stack.extend((path, x) for x in v)

    def values(self, key: str) -> list[Any]:
        return [any_to_py(v) for k, v in self.attributes() if k == key]


def _run_app(instrumentation: str, runs: list[tuple[Any, OtlpSink]], server: OpenAIServer) -> subprocess.Popen:
    """One app process per instrumentation, one conversation per (policy, sink) in it."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
               OTEL_BSP_SCHEDULE_DELAY="50", OTEL_BLRP_SCHEDULE_DELAY="50")
    args = [f"{p if isinstance(p, str) else json.dumps(p)}={sink.endpoint}" for p, sink in runs]
    return subprocess.Popen(
        [sys.executable, str(TESTS / "genai_app.py"), "--instrumentation", instrumentation,
         "--openai-url", server.base_url, *(x for a in args for x in ("--run", a))],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _replay(raw: OtlpSink, policy: Any, sink: OtlpSink) -> None:
    """The raw export, request by request, over OTLP/HTTP through a gateway with ``policy``."""
    cfg = {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
        "processors": {"privacy": {"policy": policy}},
        "exporters": {"otlphttp": {"endpoint": sink.endpoint}},
        "service": {"pipelines": {s: {"receivers": ["otlp"], "processors": ["privacy"], "exporters": ["otlphttp"]}
                                  for s in ("traces", "logs", "metrics")}},
    }
    with Gateway(load_config(cfg)) as gw:
        sent = 0
        for signal, bodies in raw.bodies.items():
            for body in bodies:
                r = requests.post(f"http://127.0.0.1:{gw.http_port}/v1/{signal}", data=body, timeout=60,
                                  headers={"Content-Type": "application/x-protobuf"})
                assert r.status_code == 200, r.text
                sent += 1
        assert sink.wait_for(lambda: sum(len(b) for b in sink.bodies.values()) >= sent, timeout=60)


@pytest.fixture(scope="module")
def wires() -> Iterator[dict[tuple[str, str, str], Wire]]:
    """(instrumentation, door, policy) → what reached the backend; ``("…", "sdk", "off")`` is the raw baseline."""
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(OpenAIServer(reply=app.REPLY, tool_arguments=app.TOOL_ARGUMENTS))
        sinks = {(i, "sdk", p): stack.enter_context(OtlpSink()) for i in INSTRUMENTATIONS for p in ("off", *POLICIES)}
        procs = {i: _run_app(i, [(POLICIES.get(k[2], k[2]), s) for k, s in sinks.items() if k[0] == i], server)
                 for i in INSTRUMENTATIONS}
        for key, proc in procs.items():
            out, _ = proc.communicate(timeout=240)
            assert proc.returncode == 0, f"{key}: {out[-3000:]}"
        for instrumentation in INSTRUMENTATIONS:
            for policy in (*POLICIES, *GATEWAY_POLICIES):
                sink = sinks[(instrumentation, "gateway", policy)] = stack.enter_context(OtlpSink())
                _replay(sinks[(instrumentation, "sdk", "off")], _policy(policy), sink)
        result = {k: Wire.of(s) for k, s in sinks.items()}
        result[("usage", "", "")] = server.usage  # type: ignore[assignment]
        yield result


CASES = [(i, d, p) for i in INSTRUMENTATIONS for d in DOORS for p in POLICIES] + [
    (i, "gateway", p) for i in INSTRUMENTATIONS for p in GATEWAY_POLICIES]


def _policy(name: str) -> Any:
    return POLICIES[name] if name in POLICIES else GATEWAY_POLICIES[name]


def _case_id(case: tuple[str, str, str]) -> str:
    return "-".join(case)


# -- the baseline really carries what the redacted wires must not -----------------------------------------------
@pytest.mark.parametrize("instrumentation", INSTRUMENTATIONS)
def test_the_raw_export_carries_the_conversation(wires, instrumentation):
    raw = wires[(instrumentation, "sdk", "off")].raw
    for name, (_, value) in app.PLANTED.items():
        if name == "OpenAI user id" and instrumentation != "openinference":
            continue  # only OpenInference records the request's user= parameter
        assert value.encode() in raw, f"{instrumentation} did not export {name}: the test plants nothing"


# -- no planted value ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_no_planted_value_reaches_the_wire(wires, case):
    wire = wires[case]
    leaks = [name for name, (_category, value) in app.PLANTED.items() if value.encode() in wire.raw]
    assert not leaks, f"{_case_id(case)} leaked {leaks}"


def test_the_user_id_is_pseudonymised_not_dropped(wires):
    wire = wires[("openinference", "sdk", "default")]
    pseudonym = Redactor("default").pseudonymize(app.PLANTED["OpenAI user id"][1])
    params = [json.loads(v) for v in wire.values("llm.invocation_parameters")]
    assert any(p.get("user") == pseudonym for p in params), params


# -- the metadata, intact and typed ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_metadata_survives_typed(wires, case):
    wire = wires[case]
    baseline = wires[(case[0], "sdk", "off")]
    assert len(wire.spans) == len(baseline.spans) >= 6
    models = {v for k in MODEL_KEYS for v in wire.values(k)}
    assert {app.MODEL, app.EMBEDDING_MODEL} <= models
    tokens = [(k, v) for k, v in wire.attributes() if k in TOKEN_KEYS]
    assert tokens and all(v.WhichOneof("value") == "int_value" for _, v in tokens), tokens
    answered = {n for u in wires[("usage", "", "")] for n in u.values()}
    assert {v.int_value for _, v in tokens} <= answered
    assert sorted(k for k, _ in tokens) == sorted(k for k, _ in baseline.attributes() if k in TOKEN_KEYS)
    reasons = [tuple(v) if isinstance(v, (list, tuple)) else (v,)
               for k in ("gen_ai.response.finish_reasons", "llm.finish_reason") for v in wire.values(k)]
    assert ("stop",) in reasons and ("tool_calls",) in reasons
    assert app.TOOL.encode() in wire.raw
    assert all(s.end_time_unix_nano > s.start_time_unix_nano for s in wire.spans)
    if case[0].startswith("openai-v2"):
        assert {"chat", "embeddings"} <= set(wire.values("gen_ai.operation.name"))


@pytest.mark.parametrize("case", [c for c in CASES if c[0].startswith("openai-v2")], ids=_case_id)
def test_metric_series_stay_apart(wires, case):
    wire = wires[case]
    baseline = wires[(case[0], "sdk", "off")]

    def series(w: Wire) -> dict[tuple[str, tuple], Any]:
        return {(name, tuple(sorted((k, str(v)) for k, v in kv_to_dict(p.attributes).items()))): p
                for name, p in w.points}

    got, want = series(wire), series(baseline)
    assert got.keys() == want.keys()  # every series, every attribute of it, as the instrumentation wrote it
    usage = {dict(k[1]).get("gen_ai.token.type") for k in got if k[0] == "gen_ai.client.token.usage"}
    assert usage == {"input", "output"}
    durations = [p for (name, _), p in got.items() if name == "gen_ai.client.operation.duration"]
    assert durations and all(p.count >= 1 and p.sum > 0 for p in durations)


# -- structure: JSON stays JSON, messages stay messages -----------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_every_json_payload_still_parses(wires, case):
    wire, baseline = wires[case], wires[(case[0], "sdk", "off")]
    broken = [s[:200] for _, s in wire.strings() if s.lstrip()[:1] in ("{", "[") and not _is_json(s)]
    assert not broken, broken
    # Where the instrumentation wrote JSON, JSON arrives: documents always; in redact mode their JSON leaves too
    # (drop and hash turn a tool's JSON arguments into one placeholder or digest, by design).
    was_json = {path for path, s in baseline.strings() if _is_json(s)}
    assert was_json, "the instrumentation wrote no JSON: nothing is tested"
    documents = {p for p in was_json if p in ("gen_ai.input.messages", "gen_ai.output.messages", "input.value",
                                              "output.value", "llm.invocation_parameters") or
                 p.endswith(".tool.json_schema")}
    must = was_json if case[2] == "default" else documents
    now: dict[str, list[str]] = {}
    for path, s in wire.strings():
        now.setdefault(path, []).append(s)
    for path in must:
        assert path in now and all(_is_json(s) for s in now[path]), (path, now.get(path, [])[:2])


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_roles_and_message_counts_survive(wires, case):
    wire, baseline = wires[case], wires[(case[0], "sdk", "off")]
    assert _roles(wire) == _roles(baseline) != []


def test_strict_drops_the_text_but_keeps_its_length(wires):
    wire = wires[("openai-v2-latest", "sdk", "strict")]
    messages = [json.loads(v) for v in wire.values("gen_ai.input.messages") if isinstance(v, str)]
    system = messages[0][0]["parts"][0]
    assert system == {"content": f"<dropped: {len(app.SYSTEM)} chars>", "type": "text"}


def test_default_keeps_the_conversation_readable(wires):
    wire = wires[("openai-v2-latest", "sdk", "default")]
    user = json.loads(next(v for v in wire.values("gen_ai.input.messages") if isinstance(v, str)))[1]["parts"][0]
    user = user["content"]
    assert user == "I am REDACTED, write to REDACTED about my order."


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_genai_metadata_arrives_as_written(wires, case):
    """Every metadata attribute of the GenAI conventions and OpenInference that the instrumentation wrote
    (provider, operation, models, response ids, finish reasons, request parameters, token counts, tool names)
    arrives with the same value and the same type."""
    def metadata(w: Wire) -> list[tuple[str, str]]:
        return sorted((k, str(v)) for k, v in w.attributes() if any(fnmatch(k, p) for p in GENAI_METADATA_KEYS))

    want = metadata(wires[(case[0], "sdk", "off")])
    assert len(want) >= 20, want  # the instrumentation wrote metadata: something is tested
    assert metadata(wires[case]) == want


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_event_bodies_stay_structured(wires, case):
    """A message event's body stays a map with the instrumentation's fields (not a Python repr of one)."""
    def bodies(w: Wire) -> list[tuple[str, str, tuple[str, ...]]]:
        return sorted((r.event_name, r.body.WhichOneof("value") or "",
                       tuple(sorted(kv.key for kv in r.body.kvlist_value.values))) for r in w.logs)

    want = bodies(wires[(case[0], "sdk", "off")])
    if case[0] == "openai-v2":  # the legacy path writes its messages as events with map bodies
        assert sum(kind == "kvlist_value" for _, kind, _ in want) >= 6, want
    assert bodies(wires[case]) == want
    reprs = [s[:80] for _, s in wires[case].strings() if s.startswith(("{'", "[{'"))]
    assert not reprs, reprs


def test_hash_mode_keeps_equal_prompts_comparable(wires):
    """hash: each text becomes a keyed digest, the same for the same text in every carrier and request."""
    def system_prompts(wire: Wire) -> list[str]:
        found = []
        for key in ("gen_ai.input.messages", "input.value"):
            for v in wire.values(key):
                doc = json.loads(v) if isinstance(v, str) else v
                for m in doc.get("messages", []) if isinstance(doc, dict) else doc:
                    if m["role"] == "system":
                        found.append(m["parts"][0]["content"] if "parts" in m else m["content"])
        found += [v for k, v in _flat(wire) if k.endswith(".message.content") and k.startswith("llm.input_messages.0.")]
        return found

    latest = system_prompts(wires[("openai-v2-latest", "gateway", "hash")])
    openinference = system_prompts(wires[("openinference", "gateway", "hash")])
    assert len(latest) >= 3 and len(openinference) >= 6, (latest, openinference)
    digests = set(latest + openinference)
    assert len(digests) == 1 and next(iter(digests)).startswith("h_"), digests
    users = {m["parts"][0]["content"] for v in wires[("openai-v2-latest", "gateway", "hash")].values(
        "gen_ai.input.messages") if isinstance(v, str) for m in json.loads(v) if m["role"] == "user"}
    assert len(users) == 1 and users.isdisjoint(digests), users


def _flat(wire: Wire) -> list[tuple[str, Any]]:
    return [(k, any_to_py(v)) for k, v in wire.attributes()]


def _is_json(text: str) -> bool:
    if text.lstrip()[:1] not in ("{", "["):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _roles(wire: Wire) -> list[str]:
    """The role of every message, in order, from whichever carrier the instrumentation used."""
    roles: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, str) and _is_json(value):
            value = json.loads(value)
        if isinstance(value, dict):
            if isinstance(value.get("role"), str):
                roles.append(value["role"])
            for v in value.values():
                visit(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                visit(v)

    for key, v in wire.attributes():
        if key.endswith(".role"):
            roles.append(any_to_py(v))
        elif key in ("gen_ai.input.messages", "gen_ai.output.messages", "input.value", "output.value"):
            visit(any_to_py(v))
    for record in wire.logs:
        visit(any_to_py(record.body))
    return roles


def test_recogniser_saw_only_text_parts():
    """The hook is called for GenAI text parts only: never for span names, metadata or other attributes."""
    import genai_recognizers

    genai_recognizers.GazetteerRecognizer.calls.clear()
    r = Redactor(POLICIES["default"])
    r.redact_span("chat gpt-4o-mini", {"gen_ai.request.model": "gpt-4o-mini", "app.note": "Jane Doe called",
                                       "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [
                                           {"type": "text", "content": "Hi, Jane Doe here"}]}])})
    assert genai_recognizers.GazetteerRecognizer.calls == ["Hi, Jane Doe here"]
