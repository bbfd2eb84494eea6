"""GenAI content under the policy: every carrier in every mode, the metadata typed, the recogniser hook.

Table-driven: each case names a carrier as an instrumentation writes it (OTel GenAI conventions as JSON strings
and as nested ``AnyValue``, the older event bodies, OpenInference documents and flattened attributes) and says
what must be gone and what must stay. Property tests plant values in generated conversations.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Policy, Redactor
from otel_privacy.policy import PolicyError
from otel_privacy.scrub.genai import ContentWalker, carrier, dropped, replace_spans

EMAIL = "alice.w@example.com"
CARD = "4539148803436467"
PASSWORD = "Hunter2-planted-pw"
USER_ID = "customer-8841"
SYSTEM = f"You are helpful. Escalate to {EMAIL}."
USER = f"My card is {CARD}, thanks"
ANSWER = "Done, see you soon"
ARGS = {"email": "bob@example.org", "password": PASSWORD, "limit": 3}
TOOL_ANSWER = json.dumps({"status": "ok", "card": CARD})

SEMCONV_INPUT = [
    {"role": "system", "parts": [{"type": "text", "content": SYSTEM}]},
    {"role": "user", "parts": [{"type": "text", "content": USER}]},
    {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": ARGS}]},
    {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": TOOL_ANSWER}]},
]
SEMCONV_OUTPUT = [{"role": "assistant", "parts": [{"type": "text", "content": ANSWER}], "finish_reason": "stop"}]
OPENAI_REQUEST = {"model": "gpt-4o-mini", "messages": [
    {"role": "system", "content": SYSTEM}, {"role": "user", "content": USER},
    {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                                          "function": {"name": "lookup", "arguments": json.dumps(ARGS)}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": TOOL_ANSWER}],
    "max_tokens": 100, "temperature": 0.2, "user": USER_ID,
    "tools": [{"type": "function", "function": {"name": "lookup", "description": "Find a customer",
                                                "parameters": {"type": "object", "properties": {
                                                    "password": {"type": "string"}}}}}]}
OPENAI_RESPONSE = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini",
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": f"Mailing {EMAIL}"}}],
                   "usage": {"prompt_tokens": 41, "completion_tokens": 9, "total_tokens": 50}}

# (name, attribute key or event name, value as the instrumentation writes it)
CARRIERS = [
    ("semconv input messages, JSON string", "gen_ai.input.messages", json.dumps(SEMCONV_INPUT, separators=(",", ":"))),
    ("semconv input messages, AnyValue", "gen_ai.input.messages", SEMCONV_INPUT),
    ("semconv output messages", "gen_ai.output.messages", json.dumps(SEMCONV_OUTPUT)),
    ("semconv system instructions", "gen_ai.system_instructions", json.dumps([{"type": "text", "content": SYSTEM}])),
    ("semconv tool call arguments", "gen_ai.tool.call.arguments", json.dumps(ARGS)),
    ("legacy system event", "gen_ai.system.message", {"content": SYSTEM}),
    ("legacy user event, parts", "gen_ai.user.message", {"content": [{"type": "text", "text": USER}]}),
    ("legacy assistant event", "gen_ai.assistant.message", {"tool_calls": OPENAI_REQUEST["messages"][2]["tool_calls"]}),
    ("legacy tool event", "gen_ai.tool.message", {"content": TOOL_ANSWER, "id": "call_1"}),
    ("legacy choice event", "gen_ai.choice", {"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": f"Mailing {EMAIL}"}}),
    ("OpenInference input.value", "input.value", json.dumps(OPENAI_REQUEST)),
    ("OpenInference output.value", "output.value", json.dumps(OPENAI_RESPONSE, separators=(",", ":"))),
    ("OpenInference flat content", "llm.input_messages.1.message.content", USER),
    ("OpenInference flat arguments", "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
     json.dumps(ARGS)),
    ("OpenInference tool message", "llm.input_messages.3.message.content", TOOL_ANSWER),
    ("OpenInference invocation parameters", "llm.invocation_parameters",
     json.dumps({"model": "gpt-4o-mini", "temperature": 0.2, "user": USER_ID})),
    ("OpenInference document", "retrieval.documents.0.document.content", f"Contract of {EMAIL}"),
    ("OpenInference embedding text", "embedding.embeddings.0.embedding.text", f"Contract of {EMAIL}"),
    ("traceloop flat prompt", "gen_ai.prompt.1.content", USER),
]
PLANTED = (EMAIL, CARD, PASSWORD, USER_ID, "bob@example.org")


def _apply(policy, key, value):
    r = Redactor(policy)
    if key in ("gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message",
               "gen_ai.choice"):
        return r.redact_log(value, {"gen_ai.system": "openai"}, key).body
    return r.redact_attributes({key: value}).get(key)


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=list)


@pytest.mark.parametrize("mode", ["redact", "drop", "hash"])
@pytest.mark.parametrize(("name", "key", "value"), CARRIERS, ids=[c[0] for c in CARRIERS])
def test_no_planted_value_survives_any_carrier_in_any_mode(name, key, value, mode):
    out = _apply({"genai": {"content": mode}}, key, value)
    assert out is not None, "the carrier was dropped whole"
    text = _text(out)
    for planted in PLANTED:
        assert planted not in text, (planted, text)
    if isinstance(value, str) and value.lstrip()[:1] in "{[":
        json.loads(out)  # valid JSON in, valid JSON out
    if "lookup" in _text(value):
        assert "lookup" in text  # tool names stay


@pytest.mark.parametrize(("name", "key", "value"), CARRIERS, ids=[c[0] for c in CARRIERS])
def test_redacting_twice_changes_nothing_more(name, key, value):
    """The SDK redacts, then a gateway redacts again: the second pass must keep what the first made."""
    for mode in ("redact", "drop", "hash"):
        once = _apply({"genai": {"content": mode}}, key, value)
        assert _apply({"genai": {"content": mode}}, key, once) == once, mode


def test_redact_mode_keeps_the_conversation_and_its_shape():
    out = json.loads(_apply("default", "gen_ai.input.messages", json.dumps(SEMCONV_INPUT)))
    assert [m["role"] for m in out] == ["system", "user", "assistant", "tool"]
    assert out[0]["parts"][0] == {"type": "text", "content": "You are helpful. Escalate to REDACTED."}
    assert out[1]["parts"][0]["content"] == "My card is REDACTED, thanks"
    call = out[2]["parts"][0]
    assert call["name"] == "lookup" and call["id"] == "call_1"
    assert call["arguments"]["password"] == "REDACTED"  # by its key
    assert call["arguments"]["limit"] == 3  # numbers typed
    assert call["arguments"]["email"].startswith("u_")  # an identity key: pseudonymised by the engine's words
    assert json.loads(out[3]["parts"][0]["response"]) == {"status": "ok", "card": "REDACTED"}  # escaped JSON


def test_escaped_json_arguments_stay_escaped_json():
    """OpenInference's output.value holds tool arguments as a JSON string inside the JSON response."""
    response = {"choices": [{"message": {"role": "assistant", "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "login", "arguments": json.dumps(ARGS)}}]}}]}
    out = json.loads(_apply("default", "output.value", json.dumps(response)))
    args = json.loads(out["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
    assert args["password"] == "REDACTED" and args["limit"] == 3


def test_drop_mode_keeps_roles_counts_lengths_and_tool_names():
    out = json.loads(_apply({"genai": {"content": "drop"}}, "gen_ai.input.messages", json.dumps(SEMCONV_INPUT)))
    assert [m["role"] for m in out] == ["system", "user", "assistant", "tool"]
    assert out[0]["parts"][0] == {"type": "text", "content": dropped(len(SYSTEM))}
    assert out[2]["parts"][0] == {"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": {
        "email": dropped(len("bob@example.org")), "password": dropped(len(PASSWORD)), "limit": dropped(1)}}
    assert json.loads(out[3]["parts"][0]["response"]) == {"status": dropped(2), "card": dropped(len(CARD))}


def test_hash_mode_makes_equal_prompts_comparable_across_carriers():
    r = Redactor({"genai": {"content": "hash"}})
    semconv = json.loads(r.redact_attributes({"gen_ai.input.messages": json.dumps(SEMCONV_INPUT)})[
        "gen_ai.input.messages"])
    flat = r.redact_attributes({"llm.input_messages.1.message.content": USER,
                                "llm.input_messages.0.message.content": SYSTEM})
    request = json.loads(r.redact_attributes({"input.value": json.dumps(OPENAI_REQUEST)})["input.value"])
    digest = semconv[1]["parts"][0]["content"]
    assert re.fullmatch(r"h_[0-9a-f]{16}", digest)
    assert digest == flat["llm.input_messages.1.message.content"] == request["messages"][1]["content"]
    assert digest != flat["llm.input_messages.0.message.content"]
    # tool arguments: the same digests whether the instrumentation wrote an object or a JSON string
    pretty = r.redact_attributes({"gen_ai.tool.call.arguments": json.dumps(ARGS, indent=2)})
    assert semconv[2]["parts"][0]["arguments"] == json.loads(pretty["gen_ai.tool.call.arguments"])
    assert semconv[2]["parts"][0]["arguments"]["limit"] != 3
    # keyed: another key, other digests; never equal to the user's pseudonym of the same text
    assert digest != r.pseudonymize(USER)


def test_hash_digests_depend_on_the_key(monkeypatch):
    a = Redactor({"genai": {"content": "hash"}}).redact_attributes({"gen_ai.prompt": USER})["gen_ai.prompt"]
    monkeypatch.setenv("OTEL_PRIVACY_HASH_KEY", "another-key")
    b = Redactor({"genai": {"content": "hash"}}).redact_attributes({"gen_ai.prompt": USER})["gen_ai.prompt"]
    assert a != b and a.startswith("h_") and b.startswith("h_")


# -- binary and vectors never leave ----------------------------------------------------------------------------
IMAGE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@pytest.mark.parametrize("mode", ["redact", "drop", "hash"])
@pytest.mark.parametrize(("name", "key", "value", "kept"), [
    ("semconv blob part", "gen_ai.input.messages",
     [{"role": "user", "parts": [{"type": "blob", "modality": "image", "mime_type": "image/png", "content": IMAGE}]}],
     ["image/png", "blob"]),
    ("OpenAI data: URI", "input.value", json.dumps({"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{IMAGE}", "detail": "low"}}]}]}),
     ["data:image/png;base64,", "low"]),
    ("OpenAI input audio", "input.value", json.dumps({"messages": [{"role": "user", "content": [
        {"type": "input_audio", "input_audio": {"data": IMAGE, "format": "wav"}}]}]}), ["input_audio"]),
    ("embeddings response (floats)", "output.value", json.dumps({"object": "list", "model": "te-3", "data": [
        {"object": "embedding", "index": 0, "embedding": [0.125, -0.5, 0.25]}]}), ["te-3", "<dropped: 3 values>"]),
    ("embeddings response (base64)", "output.value", json.dumps({"data": [{"index": 0, "embedding": IMAGE}]}),
     ["<dropped:"]),
    ("OpenInference vector", "embedding.embeddings.0.embedding.vector", (0.125, -0.5, 0.25), ["<dropped: 3 values>"]),
])
def test_binary_content_and_vectors_never_leave(name, key, value, kept, mode):
    out = _apply({"genai": {"content": mode}}, key, value)
    text = _text(out)
    assert IMAGE not in text and "0.125" not in text
    for k in kept:
        assert k in text


# -- metadata: kept, typed, and on strict's allow-list ---------------------------------------------------------
METADATA = {
    "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.system": "openai",
    "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.id": "chatcmpl-AbC123", "gen_ai.response.finish_reasons": ("stop", "tool_calls"),
    "gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": 200, "gen_ai.request.top_p": 1.0,
    "gen_ai.request.stop_sequences": ("END",), "gen_ai.request.seed": 42, "gen_ai.usage.input_tokens": 812,
    "gen_ai.usage.output_tokens": 96, "gen_ai.token.type": "input", "gen_ai.tool.name": "lookup_customer",
    "gen_ai.tool.call.id": "call_1", "gen_ai.conversation.id": "conv_5f3a", "gen_ai.agent.name": "support",
    "gen_ai.embeddings.dimension.count": 1536, "gen_ai.openai.response.system_fingerprint": "fp_44709d6fcb",
    "openai.response.service_tier": "default", "llm.model_name": "gpt-4o-mini", "llm.system": "openai",
    "llm.provider": "openai", "llm.token_count.prompt": 812, "llm.token_count.completion": 96,
    "llm.token_count.total": 908, "llm.token_count.prompt_details.cache_read": 128, "llm.cost.total": 0.0012,
    "openinference.span.kind": "LLM", "input.mime_type": "application/json", "llm.finish_reason": "stop",
    "embedding.model_name": "text-embedding-3-small", "tool.name": "lookup_customer",
    "tool_call.function.name": "lookup_customer",
}


@pytest.mark.parametrize("policy", ["default", "strict"])
@pytest.mark.parametrize("key", list(METADATA))
def test_metadata_is_kept_as_written(policy, key):
    value = METADATA[key]
    out = Redactor(policy).redact_attributes({key: value})
    assert key in out, f"{policy} dropped {key}"
    assert out[key] == value and type(out[key]) is type(value)


@pytest.mark.parametrize("policy", ["default", "strict"])
def test_token_type_keeps_metric_series_apart(policy):
    r = Redactor(policy)
    base = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.provider.name": "openai"}
    series = {tuple(sorted(r.redact_attributes({**base, "gen_ai.token.type": t}).items())) for t in ("input", "output")}
    assert len(series) == 2


@pytest.mark.parametrize(("key", "value"), [
    ("gen_ai.request.user", USER_ID), ("llm.user", USER_ID), ("gen_ai.openai.request.user", USER_ID),
    ("llm.input_messages.1.message.name", "alice"),
])
@pytest.mark.parametrize("policy", ["default", "strict"])
def test_user_ids_are_pseudonymised(policy, key, value):
    r = Redactor(policy)
    out = r.redact_attributes({key: value})
    assert out[key] == r.pseudonymize(value)


@pytest.mark.parametrize(("key", "value"), [
    ("gen_ai.tool.definitions", json.dumps([{"type": "function", "name": "login", "description": f"Ask {EMAIL}",
                                             "parameters": {"type": "object", "properties": {
                                                 "password": {"type": "string", "description": "the password"}},
                                                 "required": ["password"]}}])),
    ("llm.tools.0.tool.json_schema", json.dumps(OPENAI_REQUEST["tools"][0])),
])
def test_tool_definitions_keep_their_schema(key, value):
    """A schema property named ``password`` is a name, not a password: the schema survives, descriptions are
    scanned."""
    for mode in ("redact", "drop"):
        out = json.loads(_apply({"genai": {"content": mode}}, key, value))
        want = json.loads(value.replace(EMAIL, "REDACTED"))
        assert out == want


# -- the policy section -----------------------------------------------------------------------------------------
def test_policy_defaults_and_strict():
    assert Policy.preset("default").genai.content == "redact"
    assert Policy.preset("strict").genai.content == "drop"
    assert Policy.preset("default").genai.recognizer is None
    assert Policy.load({"genai": {"recognizer": "genai_recognizers:names"}}).genai.recognizer.use \
        == "genai_recognizers:names"


@pytest.mark.parametrize(("data", "message"), [
    ({"genai": {"content": "encrypt"}}, "genai.content"),
    ({"genai": {"recognizer": "not an import path"}}, "genai.recognizer"),
    ({"genai": {"recognizer": {"use": "presidio", "min_score": 2}}}, "genai.recognizer.min_score"),
    ({"genai": {"contents": "drop"}}, "genai.contents"),
])
def test_policy_errors_name_the_field(data, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        Policy.load(data)


def test_yaml_policy_with_genai_section(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("extends: strict\ngenai:\n  content: hash\n  recognizer:\n    use: genai_recognizers:names\n")
    p = Policy.load(str(path))
    assert p.genai.content == "hash" and p.genai.recognizer.use == "genai_recognizers:names"


# -- the recogniser hook ----------------------------------------------------------------------------------------
NAMED = "Hi, Jane Doe here, I moved to 12 Baker Street, London"


@pytest.mark.parametrize(("use", "expected"), [
    ("genai_recognizers:GazetteerRecognizer", "Hi, REDACTED here, I moved to REDACTED"),
    ("genai_recognizers:names", "Hi, REDACTED here, I moved to 12 Baker Street, London"),
])
def test_recogniser_runs_on_text_parts(use, expected):
    out = _apply({"genai": {"recognizer": use}}, "gen_ai.input.messages",
                 json.dumps([{"role": "user", "parts": [{"type": "text", "content": NAMED}]}]))
    assert json.loads(out)[0]["parts"][0]["content"] == expected


def test_recogniser_options_filter_entities_and_scores():
    policy = {"genai": {"recognizer": {"use": "genai_recognizers:GazetteerRecognizer", "entities": ["LOCATION"]}},
              "text": {"typed_replacement": True}}
    assert _apply(policy, "llm.input_messages.0.message.content", NAMED) == "Hi, Jane Doe here, I moved to <LOCATION>"
    # a low score (0.1 for "cheese" as NRP) is ignored at the default min_score
    assert _apply({"genai": {"recognizer": "genai_recognizers:GazetteerRecognizer"}},
                  "llm.input_messages.0.message.content", "say cheese") == "say cheese"


def test_recogniser_runs_on_tool_arguments_after_the_keys():
    out = _apply({"genai": {"recognizer": "genai_recognizers:GazetteerRecognizer"}}, "gen_ai.tool.call.arguments",
                 json.dumps({"query": "orders of Jane Doe", "password": PASSWORD}))
    assert json.loads(out) == {"query": "orders of REDACTED", "password": "REDACTED"}


def test_recogniser_is_not_called_outside_genai_text():
    import genai_recognizers

    genai_recognizers.GazetteerRecognizer.calls.clear()
    r = Redactor({"genai": {"recognizer": "genai_recognizers:GazetteerRecognizer"}})
    out = r.redact_span("Jane Doe", {"app.note": "Jane Doe", "gen_ai.request.model": "gpt-4o-mini",
                                     "llm.input_messages.0.message.role": "user"})
    assert genai_recognizers.GazetteerRecognizer.calls == []
    assert out.attributes["app.note"] == "Jane Doe"  # the documented limit: names outside GenAI content pass


@pytest.mark.parametrize("use", ["genai_recognizers:broken", "genai_recognizers:not_a_recognizer",
                                 "genai_recognizers:missing", "no_such_module_xyz:thing"])
def test_recogniser_failures_fail_closed(use, caplog):
    r = Redactor({"genai": {"recognizer": use}})
    out = r.redact_attributes({"llm.input_messages.0.message.content": NAMED,
                               "llm.input_messages.0.message.role": "user",
                               "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [
                                   {"type": "text", "content": NAMED}]}])})
    assert out["llm.input_messages.0.message.content"] == "REDACTED"
    assert out["llm.input_messages.0.message.role"] == "user"
    assert json.loads(out["gen_ai.input.messages"]) == [{"role": "user", "parts": [
        {"type": "text", "content": "REDACTED"}]}]
    assert r.snapshot_stats()["errors"] >= 1
    assert "recognizer" in caplog.text


def test_presidio_pattern_recognisers_through_the_hook():
    """A real presidio-analyzer, pattern recognisers only (no language model to download)."""
    if os.environ.get("CI") != "true":  # the dev extra installs it: in CI a missing one is a failure, not a skip
        pytest.importorskip("presidio_analyzer")
    out = _apply({"genai": {"recognizer": {"use": "genai_presidio:PatternOnlyAnalyzer", "min_score": 0.3}}},
                 "llm.output_messages.0.message.content", "Call Jane Doe on +1 415 555 0134, 12 Baker Street")
    assert "Jane Doe" not in out and "415 555 0134" not in out and "Baker Street" not in out
    assert out.startswith("Call REDACTED on")


# -- properties -------------------------------------------------------------------------------------------------
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.!?", min_size=0, max_size=20)
_planted = st.sampled_from([EMAIL, CARD, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlMTIz"])


@st.composite
def conversations(draw):
    messages, secrets = [], []
    for _ in range(draw(st.integers(1, 4))):
        role = draw(st.sampled_from(["system", "user", "assistant", "tool"]))
        parts = []
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.sampled_from(["text", "tool_call", "tool_call_response"]))
            secret = draw(_planted)
            secrets.append(secret)
            text = f"{draw(_word)} {secret} {draw(_word)}"
            if kind == "text":
                parts.append({"type": "text", "content": text})
            elif kind == "tool_call":
                pw = f"pw-{draw(st.integers(10000, 99999))}"
                secrets.append(pw)
                parts.append({"type": "tool_call", "id": "c1", "name": "tool_x",
                              "arguments": draw(st.sampled_from([{"note": text, "password": pw},
                                                                 json.dumps({"note": text, "password": pw})]))})
            else:
                parts.append({"type": "tool_call_response", "id": "c1", "response": json.dumps({"note": text})})
        messages.append({"role": role, "parts": parts})
    as_json = draw(st.booleans())
    return (json.dumps(messages, separators=draw(st.sampled_from([(",", ":"), (", ", ": ")]))) if as_json
            else messages), messages, secrets


_REDACTORS = {m: Redactor({"genai": {"content": m}}) for m in ("redact", "drop", "hash")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversations(), st.sampled_from(["redact", "drop", "hash"]))
def test_property_no_planted_value_and_the_shape_survives(conv, mode):
    value, messages, secrets = conv
    out = _REDACTORS[mode].redact_attributes({"gen_ai.input.messages": value})["gen_ai.input.messages"]
    parsed = json.loads(out) if isinstance(value, str) else out
    text = json.dumps(parsed, default=list)
    for secret in secrets:
        assert secret not in text
    assert [m["role"] for m in parsed] == [m["role"] for m in messages]
    assert [[p["type"] for p in m["parts"]] for m in parsed] == [[p["type"] for p in m["parts"]] for m in messages]
    assert [p.get("name") for m in parsed for p in m["parts"]] == [p.get("name") for m in messages for p in m["parts"]]


# -- pure pieces ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "kind"), [
    ("gen_ai.input.messages", "tree"), ("app.input.value", "tree"), ("llm.input_messages.0.message.content", "text"),
    ("llm.input_messages.0.message.role", "keep"), ("llm.input_messages.0.message.name", "identity"),
    ("llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "keep"),
    ("llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments", "data"),
    ("llm.input_messages.0.message.contents.1.message_content.image.image.url", "url"),
    ("embedding.embeddings.3.embedding.vector", "vector"), ("retrieval.documents.2.document.score", "keep"),
    ("retrieval.documents.2.document.metadata", "data"), ("llm.tools.0.tool.json_schema", "definition"),
    ("gen_ai.completion.0.finish_reason", "keep"), ("gen_ai.request.model", "other"),
])
def test_carrier_kinds(key, kind):
    assert carrier(key)[0] == kind


def test_replace_spans_merges_overlaps():
    assert replace_spans("abcdefgh", [(1, 3, "A"), (2, 5, "B"), (6, 7, "C")], lambda e: "#") == "a#f#h"
    assert replace_spans("abc", [(5, 9, "X"), (2, 1, "Y")], lambda e: "#") == "abc"


def test_walker_refuses_unknown_modes():
    with pytest.raises(ValueError, match="encrypt"):
        ContentWalker("encrypt")


@pytest.mark.parametrize("mode", ["redact", "drop", "hash"])
@pytest.mark.parametrize("limit", [1500, 16384])
def test_a_long_conversation_is_cut_inside_and_stays_json(mode, limit):
    """max_value_length cuts the longest texts of a document, never the document itself (which would break it)."""
    history = [{"role": "user" if i % 2 == 0 else "assistant",
                "parts": [{"type": "text", "content": f"turn {i}: " + "lorem ipsum dolor " * (40 + 30 * i)}]}
               for i in range(12)]
    history.append({"role": "user", "parts": [{"type": "text", "content": f"short, mail {EMAIL}"}]})
    value = json.dumps(history)
    assert len(value) > limit
    out = Redactor({"genai": {"content": mode}, "max_value_length": max(limit, 16)}).redact_attributes(
        {"gen_ai.input.messages": value})["gen_ai.input.messages"]
    assert len(out) <= limit
    parsed = json.loads(out)
    assert [m["role"] for m in parsed] == [m["role"] for m in history]
    assert EMAIL not in out
    if mode == "redact":
        assert parsed[-1]["parts"][0]["content"] == "short, mail REDACTED"  # short texts are not cut
        assert parsed[-2]["parts"][0]["content"].endswith("…[truncated]")
