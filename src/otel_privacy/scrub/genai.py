"""GenAI conversation content read by meaning: which parts of a message structure are text, data or metadata.

LLM telemetry carries conversations in a handful of shapes — the OpenTelemetry GenAI conventions
(``gen_ai.input.messages`` / ``gen_ai.output.messages`` / ``gen_ai.system_instructions``: messages with typed
``parts``), the older event bodies (``gen_ai.user.message``, ``gen_ai.choice``), OpenInference (``input.value``
holding the raw request JSON, flattened ``llm.input_messages.0.message.content`` attributes) — as JSON strings,
as nested ``AnyValue`` maps, and as JSON strings inside those maps (tool-call arguments). Every one of them mixes
what must be protected (what people wrote, what the model answered, what tools were called with) with what
engineers need to keep (roles, finish reasons, tool names, ids, counts).

This module decides, per field, what a value *is* — a :data:`kind` — and walks trees and JSON strings with that
knowledge, calling the engine back (:class:`Callbacks`) for what needs the policy: detectors and recognisers for
text, key-aware redaction for tool arguments, pseudonyms for user ids, keyed digests. The content *mode* decides
what happens to text and data:

* ``redact``: text is scanned (the engine's detectors, an optional recogniser), data is redacted by its keys;
* ``drop``: text becomes ``<dropped: N chars>`` — roles, message and part counts, lengths, tool names and the
  names of tool arguments stay, so a trace still shows who said how much to which tool;
* ``hash``: text becomes keyed digests — equal prompts stay comparable.

Binary payloads (base64 images and audio, ``data:`` URIs) and embedding vectors (which can be inverted back into
text) never leave in any mode; their sizes do. A JSON document that was valid stays valid: it is parsed, walked and
re-serialised in its own separator style, and a replacement is always a JSON string.

Pure: no OpenTelemetry, no I/O; the engine's side is :mod:`otel_privacy.genai`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .structure import json_document, json_like

__all__ = ["MODES", "REDACT", "DROP", "HASH", "Callbacks", "ContentWalker", "carrier", "flat_kind", "dropped",
           "is_dropped", "replace_spans", "EVENT_BODIES", "CONTENT_KEYS"]

REDACT, DROP, HASH = "redact", "drop", "hash"
MODES = (REDACT, DROP, HASH)

# -- kinds: what a value is ---------------------------------------------------------------------------------
KEEP = "keep"  # metadata: role, type, finish reason, ids, tool names, request parameters, usage
TEXT = "text"  # what someone wrote or the model answered
DATA = "data"  # structured content: tool-call arguments and results, user metadata (redacted by key)
IDENTITY = "identity"  # the end user's id (OpenAI ``user=``): pseudonymised in every mode
URL = "url"  # an image or file URL (``data:`` URIs are binary)
BLOB = "blob"  # base64 payloads: never exported, their size is
VECTOR = "vector"  # embedding vectors: never exported, their dimension is
DEFINITION = "definition"  # developer-written tool definitions and schemas: names kept, text scanned
TREE = "tree"  # a container of other fields (messages, parts, choices, a whole request or response)
TOOL = "tool"  # a tool call (``tool_calls``, ``function``): its ``name`` is the tool's, not a person's
OTHER = "other"  # a field this module does not know: the engine decides by its key

# Field names and what they hold, across the OTel GenAI conventions, the OpenAI request/response bodies that
# OpenInference records, and the older event bodies.
_FIELDS: dict[str, str] = {
    **dict.fromkeys((
        "role", "type", "finish_reason", "finish_reasons", "id", "tool_call_id", "call_id", "index", "model",
        "object", "created", "system_fingerprint", "service_tier", "mime_type", "modality", "encoding_format",
        "stream", "n", "temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens", "max_output_tokens",
        "frequency_penalty", "presence_penalty", "seed", "logprobs", "top_logprobs", "parallel_tool_calls",
        "tool_choice", "stop", "stop_sequences", "dimensions", "usage", "stream_options", "reasoning_effort",
        "modalities", "store", "detail", "format", "status", "score", "file_id", "prompt_tokens",
        "completion_tokens", "total_tokens", "logit_bias", "choice_count", "candidate_count", "truncation",
        "response_id", "previous_response_id", "tool_name", "provider"), KEEP),
    **dict.fromkeys(("content", "text", "refusal", "reasoning_content", "reasoning", "input", "prompt", "prompts",
                     "query", "transcript", "instructions", "system", "message", "messages", "parts", "explanation",
                     "template"), TEXT),
    **dict.fromkeys(("arguments", "result", "response", "output", "metadata", "variables", "tool_result",
                     "tool_output"), DATA),
    **dict.fromkeys(("user", "safety_identifier", "end_user", "enduser", "user_id", "end_user_id"), IDENTITY),
    **dict.fromkeys(("url", "uri", "image_url", "file_url", "audio_url", "video_url"), URL),
    **dict.fromkeys(("b64_json", "input_audio", "file_data"), BLOB),
    **dict.fromkeys(("embedding", "vector"), VECTOR),
    **dict.fromkeys(("tools", "functions", "json_schema", "response_format", "parameters", "tool_definitions",
                     "definitions", "schema"), DEFINITION),
    **dict.fromkeys(("tool_calls", "function", "function_call", "tool_call"), TOOL),
    **dict.fromkeys(("choices", "delta", "data", "documents", "document", "embeddings", "contents",
                     "message_content", "image", "audio"), TREE),
}
# Part types whose ``content`` is binary, and part/message types that are tool calls.
_BINARY_TYPES = frozenset({"blob", "input_audio", "audio", "image", "file"})
_TOOL_TYPES = frozenset({"tool_call", "function", "function_call", "server_tool_call", "tool_use", "tool"})
_TOOL_ROLES = frozenset({"tool", "function", "ipython"})
_DEFINITION_KEEP = frozenset({"name", "type", "required", "format", "strict", "additionalProperties"})

# Attribute keys (and log event names) whose values are conversation content, and what each holds.
_CARRIERS: dict[str, str] = {
    # OpenTelemetry GenAI conventions
    "gen_ai.input.messages": TREE, "gen_ai.output.messages": TREE, "gen_ai.system_instructions": TREE,
    "gen_ai.tool.definitions": DEFINITION, "gen_ai.tool.call.arguments": DATA, "gen_ai.tool.call.result": DATA,
    "gen_ai.prompt": TREE, "gen_ai.completion": TREE, "gen_ai.evaluation.explanation": TEXT,
    "gen_ai.tool.description": DEFINITION, "gen_ai.agent.description": DEFINITION,
    # the event bodies of the GenAI conventions before 1.37 (still written by instrumentations on that path)
    "gen_ai.system.message": TREE, "gen_ai.user.message": TREE, "gen_ai.assistant.message": TREE,
    "gen_ai.tool.message": TREE, "gen_ai.choice": TREE,
    # OpenInference
    "input.value": TREE, "output.value": TREE, "llm.invocation_parameters": TREE,
    "embedding.invocation_parameters": TREE, "llm.prompt_template.template": TEXT,
    "llm.prompt_template.variables": DATA, "llm.prompts": TEXT, "llm.function_call": TOOL,
    "reranker.query": TEXT, "tool.parameters": DEFINITION, "tool.description": DEFINITION,
    "tool_call.function.arguments": DATA,
}
# Flattened carriers: the last segment of the key says what the value is (``llm.input_messages.0.message.role``).
_FLAT_PREFIXES = ("llm.input_messages.", "llm.output_messages.", "llm.tools.", "llm.prompts.", "retrieval.documents.",
                  "reranker.input_documents.", "reranker.output_documents.", "embedding.embeddings.",
                  "gen_ai.prompt.", "gen_ai.completion.")
#: The event names whose log bodies are conversation content (the body is walked as the carrier of that name).
EVENT_BODIES = ("gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message", "gen_ai.tool.message",
                "gen_ai.choice")
#: Key patterns (exact names and globs) of every content carrier, for the policy's rules and allow-list.
CONTENT_KEYS = [*_CARRIERS, *(p + "*" for p in _FLAT_PREFIXES)]

_NAME = re.compile(r"[A-Za-z_][\w.-]{0,63}")
_DROPPED = re.compile(r"<dropped: \d+ (?:chars|values)>")


def dropped(n: int, unit: str = "chars") -> str:
    """The placeholder for content that is not exported: it keeps only the size."""
    return f"<dropped: {n} {unit}>"


def is_dropped(value: str) -> bool:
    """Is ``value`` a placeholder already (a record redacted twice keeps its first sizes)?"""
    return _DROPPED.fullmatch(value) is not None


def carrier(key: str) -> tuple[str, str]:
    """What the value of attribute ``key`` (a content carrier) holds, and the key path under which the engine
    decides fields this module does not know (a flattened carrier's last segment; ``""`` for documents).

    ``(OTHER, "")`` for keys that are no carrier.
    """
    suffix = key
    while True:
        kind = _CARRIERS.get(suffix)
        if kind is not None:
            return kind, ""
        if suffix.startswith(_FLAT_PREFIXES):
            return flat_kind(suffix), suffix.rpartition(".")[2]
        if "." not in suffix:
            return OTHER, ""
        suffix = suffix.partition(".")[2]  # a carrier nested in a map or flattened under a prefix (app.input.value)


def flat_kind(key: str) -> str:
    """``llm.input_messages.0.message.content`` → text, ``…tool_call.function.name`` → keep, ``….message.name``
    → identity (a participant's name), ``…embedding.vector`` → vector."""
    parts = key.split(".")
    last = parts[-1]
    if last.isdigit():  # llm.prompts.0, gen_ai.prompt.0: a value in a list of texts
        last = parts[-2] if len(parts) > 1 else last
        if last in ("prompts", "prompt", "completion"):
            return TEXT
    in_tool = any(p in ("tool_calls", "tool_call", "function", "function_call", "tool") for p in parts[:-1])
    return _field_kind(last, in_tool, None, None)


def _field_kind(key: str, in_tool: bool, part_type: str | None, role: str | None) -> str:
    if key == "name":
        return KEEP if in_tool or part_type in _TOOL_TYPES or role in _TOOL_ROLES else IDENTITY
    if key in ("content", "data") and part_type in _BINARY_TYPES:
        return BLOB
    kind = _FIELDS.get(key)
    if kind is None:
        return OTHER
    if kind == DATA and key in ("output", "response") and not (in_tool or part_type):
        return TREE  # a whole response (Responses API ``output``), not a tool's
    return kind


class Callbacks(Protocol):
    """What the walker asks the engine; ``path`` is the key path inside the carrier (``parts.arguments``)."""

    def text(self, value: str) -> str:
        """Conversation text in ``redact`` mode: detectors, then the recogniser."""

    def data(self, value: Any) -> Any:
        """A structured payload (a map, list or non-JSON string) in ``redact`` mode, redacted by its keys."""

    def other(self, path: str, value: str) -> str:
        """A string under a field the walker does not know, decided by its key path (``redact`` mode)."""

    def definition(self, value: str) -> str:
        """Developer-written text (tool descriptions, schemas): the detectors only, in every mode."""

    def identity(self, value: str) -> str:
        """A user id: its keyed pseudonym."""

    def digest(self, value: str) -> str:
        """A keyed digest of content (``hash`` mode)."""

    def url(self, value: str) -> str:
        """A URL (not ``data:``) in ``redact`` mode: the URL sanitiser."""

    def key(self, key: str) -> str:
        """A map key the walker does not know (keys are data): the detectors."""


class ContentWalker:
    """Walks content carriers in one mode; every method returns a new value and never mutates its input."""

    def __init__(self, mode: str = REDACT) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown GenAI content mode {mode!r}; choose one of {MODES}")
        self.mode = mode

    # -- entry ----------------------------------------------------------------------------------------------
    def carrier(self, kind: str, value: Any, cb: Callbacks, path: str = "") -> Any:
        """The value of a carrier attribute or event body whose :func:`carrier_kind` is ``kind``.

        ``path``: the key path the engine should see for fields this module does not know (a flattened
        carrier's last segment).
        """
        return self._value(kind, value, path, kind == TOOL, cb)

    # -- dispatch -------------------------------------------------------------------------------------------
    def _value(self, kind: str, value: Any, path: str, in_tool: bool, cb: Callbacks) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if kind == KEEP:
            return value
        if kind == VECTOR:
            return self._vector(value)
        if kind == BLOB:
            return self._blob(value, cb)
        if kind == IDENTITY:
            return self._identity(value, cb)
        if kind == DEFINITION:
            return self._definition(value, cb)
        if kind == DATA:
            return self._data(value, cb)
        if kind == URL:
            return self._url(value, path, in_tool, cb)
        if isinstance(value, str):
            if kind == TEXT:
                return self._text(value, cb)
            parsed = json_document(value)
            if parsed is not None:
                return json_like(self._tree(parsed, kind, path, in_tool or kind == TOOL, cb), value)
            if kind == OTHER:
                return self._other(value, path, cb)
            if kind == TOOL and (self.mode == REDACT or _NAME.fullmatch(value)):
                return self._other(value, path, cb) if self.mode == REDACT else value  # "auto", a tool's name
            return self._text(value, cb)  # a conversation carrier that is not JSON: plain text
        if isinstance(value, (Mapping, list, tuple)):
            return self._tree(value, kind, path, in_tool or kind == TOOL, cb)
        if isinstance(value, (bytes, bytearray)):
            return self._blob(value, cb)
        if kind == TEXT and self.mode != REDACT:  # token ids given instead of text decode back into it
            return self._content(str(value), cb, str)
        return value  # numbers: counts, indices, scores

    def _tree(self, value: Any, kind: str, path: str, in_tool: bool, cb: Callbacks) -> Any:
        if isinstance(value, Mapping):
            return self._map(value, path, in_tool, cb)
        if isinstance(value, (list, tuple)):
            # bare strings in a list of texts are texts (``content: ["a", "b"]``, embedding ``input``)
            item_kind = TEXT if kind == TEXT else OTHER if kind == TREE else kind
            out = [self._map(x, path, in_tool, cb) if isinstance(x, Mapping)
                   else self._value(item_kind, x, path, in_tool, cb) for x in value]
            return tuple(out) if isinstance(value, tuple) else out
        return self._value(kind, value, path, in_tool, cb)

    def _map(self, value: Mapping[Any, Any], path: str, in_tool: bool, cb: Callbacks) -> dict[str, Any]:
        part_type = value.get("type")
        part_type = part_type if isinstance(part_type, str) else None
        role = value.get("role")
        role = role if isinstance(role, str) else None
        tool = in_tool or part_type in _TOOL_TYPES
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = k if isinstance(k, str) else str(k)
            kind = _field_kind(key, tool, part_type, role)
            if key == "data" and isinstance(v, str):
                kind = BLOB  # a string under "data" is always a payload (audio, file bytes), never a list
            child = f"{path}.{key}" if path else key
            if kind == OTHER:
                key = cb.key(key)
            out[key] = self._value(kind, v, child, tool or kind == TOOL, cb)
        return out

    # -- leaves ---------------------------------------------------------------------------------------------
    def _text(self, value: str, cb: Callbacks) -> str:
        if not value or is_dropped(value):
            return value
        parsed = json_document(value)
        if parsed is not None:  # a text part that holds a JSON document (a tool's answer): data, and still JSON
            return json_like(self._data(parsed, cb), value)
        return self._content(value, cb, cb.text)

    def _content(self, value: str, cb: Callbacks, redact: Callable[[str], str]) -> str:
        """A piece of content as the mode says: its size (drop), its keyed digest (hash) or ``redact(value)``."""
        if self.mode == DROP:
            return dropped(len(value))
        if self.mode == HASH:
            return cb.digest(value)
        return redact(value)

    def _data(self, value: Any, cb: Callbacks) -> Any:
        """Tool arguments and results: redacted by key, or every leaf dropped or digested — keys and JSON kept."""
        if isinstance(value, str):
            if not value or is_dropped(value):
                return value
            parsed = json_document(value)
            if parsed is not None:
                return json_like(self._data(parsed, cb), value)
            return self._content(value, cb, cb.data)
        if self.mode == REDACT:
            return cb.data(value) if isinstance(value, (Mapping, list, tuple)) else value
        if isinstance(value, Mapping):
            return {cb.key(k if isinstance(k, str) else str(k)): self._data(v, cb) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            out = [self._data(v, cb) for v in value]
            return tuple(out) if isinstance(value, tuple) else out
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self._content(str(value), cb, str)
        return value

    def _other(self, value: str, path: str, cb: Callbacks) -> str:
        if not value or is_dropped(value):
            return value
        return self._content(value, cb, lambda v: cb.other(path, v))

    def _identity(self, value: Any, cb: Callbacks) -> Any:
        if isinstance(value, str):
            return cb.identity(value) if value else value
        if isinstance(value, (int, float)):
            return cb.identity(str(value))
        if isinstance(value, (list, tuple)):
            return [self._identity(x, cb) for x in value]
        return self._data(value, cb)  # a map under a user key: content

    def _url(self, value: Any, path: str, in_tool: bool, cb: Callbacks) -> Any:
        if not isinstance(value, str):
            return self._tree(value, TREE, path, in_tool, cb) if isinstance(value, (Mapping, list, tuple)) else value
        if not value or is_dropped(value):
            return value
        if value[:5].lower() == "data:":  # data:image/png;base64,…: the media type is metadata, the rest binary
            head, sep, body = value.partition(",")
            return head + sep + dropped(len(body)) if sep else dropped(len(value))
        return self._content(value, cb, cb.url)

    def _blob(self, value: Any, cb: Callbacks) -> Any:
        if isinstance(value, str):
            if is_dropped(value):
                return value
            return cb.digest(value) if self.mode == HASH else dropped(len(value))
        if isinstance(value, (bytes, bytearray)):
            return dropped(len(value))
        if isinstance(value, (Mapping, list, tuple)):
            return dropped(len(_canonical(value)))
        return value

    @staticmethod
    def _vector(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if value and all(isinstance(x, (int, float)) for x in value):
                return dropped(len(value), "values")
            return [ContentWalker._vector(x) for x in value]
        if isinstance(value, str):
            return value if is_dropped(value) else dropped(len(value))
        if isinstance(value, (bytes, bytearray)):
            return dropped(len(value))
        return value

    def _definition(self, value: Any, cb: Callbacks, key: str = "") -> Any:
        if isinstance(value, str):
            parsed = json_document(value)
            if parsed is not None:
                return json_like(self._definition(parsed, cb), value)
            return value if key in _DEFINITION_KEEP else cb.definition(value)
        if isinstance(value, Mapping):
            # a property of a schema is named by the developer: its name is kept, its description scanned
            return {(k if isinstance(k, str) else str(k)): self._definition(v, cb, str(k)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            out = [self._definition(x, cb, key) for x in value]
            return tuple(out) if isinstance(value, tuple) else out
        return value


# -- JSON ----------------------------------------------------------------------------------------------------
def _canonical(value: Any) -> str:
    """One text for equal content whatever its carrier (a dict, a tuple tree, or JSON with other spacing)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return dropped(len(value))
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    return str(value)


# -- recogniser results --------------------------------------------------------------------------------------
def replace_spans(text: str, spans: list[tuple[int, int, str]], replacement: Callable[[str], str]) -> str:
    """Replace each ``(start, end, entity)`` of ``text`` by ``replacement(entity)``; overlapping spans merge."""
    if not spans:
        return text
    merged: list[list[Any]] = []
    for start, end, entity in sorted(spans):
        start, end = max(0, start), min(len(text), end)
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            continue
        merged.append([start, end, entity])
    out, pos = [], 0
    for start, end, entity in merged:
        out.append(text[pos:start])
        out.append(replacement(entity))
        pos = end
    out.append(text[pos:])
    return "".join(out)
