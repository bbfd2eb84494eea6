"""The privacy policy: a validated model, the built-in presets, and loading with clear errors.

A policy says, per attribute key, what happens to a value (keep, drop, redact, hash, SQL/URL
obfuscation, free-text detectors) plus the options of each scrubber. Users write it as YAML or
a dict; it always extends a preset (``default`` unless ``extends`` says otherwise), and their
rules take precedence over the preset's. Validation errors name the field path and, for YAML,
the line, so ``otel-privacy policy check`` can point at the mistake.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._yamlconfig import load_yaml, validation_messages
from .scrub.genai import CONTENT_KEYS as _GENAI_CONTENT_KEYS
from .scrub.national_ids import NATIONAL_IDS

__all__ = ["Policy", "PolicyError", "Rule", "PRESETS", "ACTIONS"]

#: What a rule can do with a value. ``db_statement`` picks SQL, MongoDB, Redis or
#: Elasticsearch obfuscation from the record's ``db.system`` / ``db.system.name``.
Action = Literal[
    "keep",  # leave untouched
    "drop",  # remove the attribute
    "redact",  # replace with the replacement text
    "hash",  # keyed pseudonym (identity options)
    "ip",  # truncate IPv4/IPv6 addresses (ip options)
    "db_statement",  # SQL / NoSQL obfuscation chosen by db.system
    "sql",  # SQL obfuscation regardless of db.system
    "url",  # userinfo, query values, fragment (url options)
    "url_path",  # path templating only
    "text",  # free-text detectors (text options)
    "count",  # a count (prompt_tokens): numbers kept, anything else redacted
    "genai",  # GenAI conversation content (prompts, completions, tool calls): handled per `genai.content`
    "operation",  # an operation name (db.operation.name): its first word kept, anything after it dropped
    "host",  # this service's own host (server.address, Host header): kept when shaped like a host, else text
]
ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]

_STRICT = dict(extra="forbid", validate_default=True)


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    return pattern


#: A string that must compile as a Python regular expression (errors carry the list index).
Regex = Annotated[str, AfterValidator(_check_regex)]


class Rule(BaseModel):
    """Apply ``action`` to attribute keys matching ``match`` (exact names or globs like ``http.request.header.*``)."""

    model_config = ConfigDict(**_STRICT)
    match: list[str] = Field(min_length=1)
    action: Action
    description: str = ""

    @field_validator("match", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("match")
    @classmethod
    def _non_empty(cls, v: list[str]) -> list[str]:
        if any(not m.strip() for m in v):
            raise ValueError("key patterns must not be empty")
        return v


class CustomDetector(BaseModel):
    """A user-defined free-text detector: every match of ``pattern`` is replaced."""

    model_config = ConfigDict(**_STRICT)
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    pattern: Regex
    replacement: str | None = None


DETECTORS = (
    "email",
    "credit_card",
    "iban",
    "us_ssn",
    "jwt",
    "bearer",
    "aws_key",
    "cloud_token",
    "private_key",
    "connection_string",
    "url",
    "ip",
    "home_path",
    "phone",
    "generic_secret",
    "cookie",
    "uk_nino",
    *(n.detector for n in NATIONAL_IDS),
    "mac_address",
    "crypto_wallet",
    "identity",
    "social_handle",
)
#: Regions whose national phone formats are read next to a phone word (kept in step with scrub/phone.py).
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "BR", "AU", "JP", "CN", "KR", "MX", "CH", "PL", "SE",
                 "IE", "ZA")


class TextOptions(BaseModel):
    """Free-text detectors applied to every string no other rule claims."""

    model_config = ConfigDict(**_STRICT)
    detectors: dict[str, bool] = Field(
        default_factory=lambda: {d: d != "home_path" for d in DETECTORS},
        description="Detector name -> enabled. `url` scrubs URLs found in text; `home_path` "
        "replaces OS user names in /home/<user> and C:\\Users\\<user> paths.",
    )
    custom: list[CustomDetector] = Field(default_factory=list)
    typed_replacement: bool = Field(
        False, description="Replace with `<email>`, `<credit_card>`… instead of the plain replacement."
    )
    phone_regions: list[str] = Field(
        default_factory=lambda: list(PHONE_REGIONS),
        description="`phone`: regions (ISO 3166 alpha-2) whose national formats are read after a phone word; "
        "international `+CC …` numbers are read in any region.",
    )
    entropy_threshold: float = Field(
        3.5, ge=2.0, le=6.0, description="`generic_secret`: bits per character a token of 20+ characters after a "
        "secret word must reach to count as generated (hex-only tokens: 0.5 less). Lower finds more, and more "
        "look-alikes.",
    )
    secret_words: list[str] = Field(
        default_factory=list, description="`generic_secret`: words besides the built-in ones (password, token, "
        "secret, api key, Passwort, contraseña, mot de passe, пароль, 密码, …) after which a random-looking token "
        "is a secret.",
    )
    phone_context_words: list[str] = Field(
        default_factory=list, description="`phone`: words besides the built-in ones (phone, tel, mobile, fax, "
        "Telefon, téléphone, …) after which a national-format number counts as a phone number.",
    )

    @field_validator("phone_regions")
    @classmethod
    def _regions(cls, v: list[str]) -> list[str]:
        regions = [r.strip().upper() for r in v]
        if regions == list(PHONE_REGIONS):
            return regions
        try:
            from phonenumbers import SUPPORTED_REGIONS  # noqa: PLC0415 - only for non-default regions
        except ImportError:  # pragma: no cover - phonenumbers is a default dependency
            SUPPORTED_REGIONS = None
        bad = [r for r in regions if not re.fullmatch(r"[A-Z]{2}", r)
               or SUPPORTED_REGIONS is not None and r not in SUPPORTED_REGIONS]
        if bad:
            raise ValueError(f"unknown phone region(s) {bad}: use ISO 3166 alpha-2 codes such as US, GB, DE")
        return regions

    @field_validator("detectors")
    @classmethod
    def _known(cls, v: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(v) - set(DETECTORS))
        if unknown:
            raise ValueError(f"unknown detector(s) {unknown}; known: {list(DETECTORS)}")
        return {d: v.get(d, d != "home_path") for d in DETECTORS}


class UrlOptions(BaseModel):
    """URL sanitising: userinfo and query values redacted, fragments dropped, ids templated."""

    model_config = ConfigDict(**_STRICT)
    allow_query_keys: list[str] = Field(
        default_factory=list, description="Query keys whose values are kept (exact, case-insensitive)."
    )
    drop_fragment: bool = True
    template_paths: bool = True
    path_id_patterns: list[Regex] = Field(
        default_factory=list,
        description="Extra regexes; a path segment fully matching one becomes `{id}`.",
    )
    id_placeholder: str = "{id}"


class SqlOptions(BaseModel):
    """SQL / NoSQL obfuscation and the query summary derived from the same tokens."""

    model_config = ConfigDict(**_STRICT)
    collapse_lists: bool = Field(True, description="`IN (?, ?, ?)` and multi-row VALUES collapse to one group.")
    obfuscate_booleans: bool = True
    keep_comments: bool = False
    max_length: int = Field(4096, ge=64, description="Obfuscated statements longer than this are truncated.")
    summary: bool = Field(True, description="Add db.query.summary, db.operation.name, db.collection.name.")
    relationships: bool = Field(False, description="Add otel_privacy.db.joins (which columns join which tables).")
    dialect: str | None = Field(None, description="Force a dialect instead of deriving it from db.system.")
    cache_size: int = Field(4096, ge=0)


class IdentityOptions(BaseModel):
    """Keyed pseudonymisation of user identities."""

    model_config = ConfigDict(**_STRICT)
    algorithm: Literal["hmac-sha256", "sha256", "md5"] = Field(
        "hmac-sha256",
        description="hmac-sha256 is keyed and not reversible; sha256/md5 exist only for compatibility "
        "with existing data and are dictionary-reversible.",
    )
    key: str | None = Field(None, description="Prefer key_env or key_file: a key in a policy file is easy to leak.")
    key_env: str = "OTEL_PRIVACY_HASH_KEY"
    key_file: str | None = None
    prefix: str = "u_"
    length: int = Field(16, ge=8, le=64, description="Hex characters of the digest kept.")


class KeyOptions(BaseModel):
    """Keys read as words (``githubToken``, ``smtp_pass``, ``customer_email``): see ``otel_privacy.scrub.keynames``.

    After the rules and ``secret_key_patterns``, a key whose words name a secret is redacted (a count of
    secrets, like ``prompt_tokens``, keeps its numbers), one that names a person's identity gets
    ``identity_action`` and one that names personal data no detector can recognise (phone, birth date,
    first name, postal address) gets ``personal_action``.
    """

    model_config = ConfigDict(**_STRICT)
    enabled: bool = True
    secret_words: list[str] = Field(default_factory=list, description="More words that make a key secret.")
    metadata_words: list[str] = Field(
        default_factory=list, description="More words that, after a secret word, describe it (`token_type`).")
    identity: bool = True
    identity_action: Action = "hash"
    personal: bool = True
    personal_action: Action = "redact"


class StructureOptions(BaseModel):
    """Structures inside strings — JSON, escaped JSON, Python reprs, form bodies, ``key=value`` text, ORM errors —
    are parsed and their values redacted by key, in their own syntax."""

    model_config = ConfigDict(**_STRICT)
    enabled: bool = True
    max_bytes: int = Field(1 << 20, ge=0, description="Longer strings get the detectors only.")


# --- GenAI content (otel_privacy.genai) -----------------------------------------------------------------------
class RecognizerOptions(BaseModel):
    """A recogniser for what patterns cannot find (person names, postal addresses), run on GenAI text parts only.

    ``use`` is ``presidio`` (a ``presidio_analyzer.AnalyzerEngine`` you install, with its language model) or
    ``module:attribute`` naming a callable ``text -> [(start, end, entity), …]``, an object with Presidio's
    ``analyze(text=, language=, entities=)``, or a class whose instances are either. If it cannot be loaded or
    raises, the text it was given is replaced whole (fail closed).
    """

    model_config = ConfigDict(**_STRICT)
    use: str = Field(min_length=1, description="`presidio` or `module:attribute`.")
    language: str = "en"
    entities: list[str] = Field(
        default_factory=list, description="Entity types to replace (empty: every type the recogniser reports).")
    min_score: float = Field(0.5, ge=0, le=1, description="Findings scored below this are ignored.")

    @field_validator("use")
    @classmethod
    def _known_form(cls, v: str) -> str:
        if v != "presidio" and not re.fullmatch(r"[\w.]+:[\w.]+", v):
            raise ValueError(f"{v!r}: expected `presidio` or `module:attribute`")
        return v


class GenAIOptions(BaseModel):
    """Prompts, completions and tool calls in GenAI telemetry (OTel GenAI conventions, OpenInference).

    Metadata (model, operation, provider, finish reasons, token counts, tool names) is kept by the presets' rules;
    this says what happens to the conversation itself.
    """

    model_config = ConfigDict(**_STRICT)
    content: Literal["redact", "drop", "hash"] = Field(
        "redact", description="redact: detectors (and the recogniser) on text, tool arguments redacted by key; "
        "drop: text and arguments become `<dropped: N chars>` (roles, counts, lengths, tool names kept); "
        "hash: text and arguments become keyed digests (equal prompts stay comparable).")
    recognizer: RecognizerOptions | None = None

    @field_validator("recognizer", mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return {"use": v} if isinstance(v, str) else v


class IpOptions(BaseModel):
    model_config = ConfigDict(**_STRICT)
    ipv4_prefix: int = Field(24, ge=0, le=32)
    ipv6_prefix: int = Field(48, ge=0, le=128)


class SummaryOptions(BaseModel):
    """Where a door writes what it did: a few bytes per record add up over millions of spans."""

    model_config = ConfigDict(**_STRICT)
    count: Literal["redacted", "always"] = Field(
        "redacted", description="`otel_privacy.redacted.count` on records where something was redacted (`redacted`) "
        "or on every record, 0 included (`always`, the placement before this option).")
    policy: Literal["resource", "record"] = Field(
        "resource", description="`otel_privacy.policy` once per resource (`resource`) or on every record "
        "(`record`, the placement before this option).")


class Policy(BaseModel):
    """A compiled-ready privacy policy. Build with :meth:`load`, :meth:`from_dict` or :meth:`preset`."""

    model_config = ConfigDict(**_STRICT)

    version: Literal[1] = 1
    name: str = "custom"
    extends: str | None = Field(None, description="Preset this policy builds on (default: `default`).")
    enabled: bool = Field(True, description="False turns every door into a pass-through (preset `off`).")
    replacement: str = "REDACTED"
    rules: list[Rule] = Field(default_factory=list, description="First matching rule wins; user rules come first.")
    secret_key_patterns: list[Regex] = Field(
        default_factory=list,
        description="Regexes (searched, case-insensitive) naming keys whose values are secrets; keys are also "
        "read as words (see `keys`).",
    )
    allow_keys: list[str] | None = Field(
        None, description="When set, only these keys (globs) are exported; everything else is dropped (strict)."
    )
    default_action: Action = "text"
    record_summary: bool = Field(
        True, description="Add otel_privacy.redacted.count and otel_privacy.policy (where: see `summary`)."
    )
    summary: SummaryOptions = Field(default_factory=SummaryOptions)
    max_value_length: int = Field(16384, ge=16, description="Longer strings are truncated after scrubbing.")
    text: TextOptions = Field(default_factory=TextOptions)
    url: UrlOptions = Field(default_factory=UrlOptions)
    sql: SqlOptions = Field(default_factory=SqlOptions)
    identity: IdentityOptions = Field(default_factory=IdentityOptions)
    ip: IpOptions = Field(default_factory=IpOptions)
    keys: KeyOptions = Field(default_factory=KeyOptions)
    structure: StructureOptions = Field(default_factory=StructureOptions)
    genai: GenAIOptions = Field(default_factory=GenAIOptions)
    usage: dict[str, Any] = Field(default_factory=dict, description="Product usage events (see otel_privacy.usage).")
    perf: dict[str, Any] = Field(default_factory=dict, description="Performance capture (see otel_privacy.perf).")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def preset(cls, name: str) -> Policy:
        """One of the built-in presets: ``default``, ``strict`` or ``off``."""
        if name not in PRESETS:
            raise PolicyError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
        return cls.model_validate(_resolve(copy.deepcopy(PRESETS[name]), name))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "<dict>", lines: dict | None = None) -> Policy:
        """Validate ``data`` (which extends a preset, ``default`` unless it says otherwise)."""
        if not isinstance(data, dict):
            raise PolicyError(f"{source}: a policy must be a mapping, got {type(data).__name__}")
        try:
            cls.model_validate(data)  # validate the user's own text first, so paths match what they wrote
        except ValidationError as exc:
            raise PolicyError.from_validation(exc, source, lines) from None
        base_name = data.get("extends") or ("off" if data.get("enabled") is False else "default")
        if base_name not in PRESETS:
            raise PolicyError(f"{source}: extends: unknown preset {base_name!r}; choose one of {sorted(PRESETS)}")
        merged = _merge(_resolve(copy.deepcopy(PRESETS[base_name]), base_name), data)
        merged["extends"] = base_name
        return cls.model_validate(merged)

    @classmethod
    def load(cls, source: str | Path | dict[str, Any] | Policy | None = None) -> Policy:
        """Load a policy from a YAML/JSON file path, a preset name, a dict, or pass a Policy through.

        ``None`` means the ``default`` preset.
        """
        if source is None:
            return cls.preset("default")
        if isinstance(source, Policy):
            return source
        if isinstance(source, dict):
            return cls.from_dict(source)
        text_source = str(source)
        if isinstance(source, str) and source in PRESETS:
            return cls.preset(source)
        path = Path(text_source).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"{text_source}: cannot read policy file ({exc.strerror or exc})") from None
        return cls.from_yaml(text, source=text_source)

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<yaml>") -> Policy:
        # `extends: off` is the preset's name, not YAML 1.1's false
        data, lines = load_yaml(text, source, PolicyError, names=[("extends",)])
        return cls.from_dict({} if data is None else data, source=source, lines=lines)

    # -- introspection ------------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        """Short, stable id of the effective policy (secrets excluded), e.g. ``default:3f9a1c2e``."""
        body = self.model_dump(mode="json", exclude={"identity": {"key"}})
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:8]
        return f"{self.name}:{digest}"

    def effective(self) -> dict[str, Any]:
        """The effective policy as plain data, with the hash key masked."""
        data = self.model_dump(mode="json")
        if data["identity"].get("key"):
            data["identity"]["key"] = "***"
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.effective(), sort_keys=False)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """JSON Schema for editors (``otel-privacy policy schema``)."""
        schema = cls.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = "otel-privacy policy"
        return schema


class PolicyError(ValueError):
    """A policy could not be loaded; the message names the file, line and field."""

    @classmethod
    def from_validation(cls, exc: ValidationError, source: str, lines: dict | None) -> PolicyError:
        return cls("\n".join(validation_messages(exc, source, lines)))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``over`` onto a preset: mappings merge, user rules go first, lists replace."""
    out = dict(base)
    for key, value in over.items():
        if key == "rules":
            out["rules"] = list(value) + list(base.get("rules", []))
        elif key == "allow_keys" and isinstance(value, list) and isinstance(base.get(key), list):
            out[key] = list(base[key]) + [k for k in value if k not in base[key]]
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merge(base[key], value)
        else:
            out[key] = value
    return out


def _resolve(preset: dict[str, Any], name: str) -> dict[str, Any]:
    parent = preset.pop("extends", None)
    preset.setdefault("name", name)
    if parent:
        merged = _merge(_resolve(copy.deepcopy(PRESETS[parent]), parent), preset)
        merged["name"] = name
        merged["extends"] = parent
        return merged
    return preset


# --- presets -------------------------------------------------------------------------

# Header names: the current semantic conventions keep dashes, older instrumentations turn them
# into underscores (``http.request.header.x_api_key``); ``[-_]`` matches both.
SENSITIVE_HEADERS = [
    f"http.{d}.header.{h}"
    for d in ("request", "response")
    for h in (
        "authorization",
        "proxy[-_]authorization",
        "cookie",
        "set[-_]cookie",
        "x[-_]api[-_]key",
        "x[-_]auth[-_]token",
        "x[-_]csrf[-_]token",
        "x[-_]xsrf[-_]token",
        "x[-_]amz[-_]security[-_]token",
        "x[-_]goog[-_]api[-_]key",
        "ocp[-_]apim[-_]subscription[-_]key",
        "x[-_]functions[-_]key",
        "x[-_]vault[-_]token",
        "x[-_]gitlab[-_]token",
        "x[-_]shopify[-_]access[-_]token",
        "x[-_]sentry[-_]auth",
        "x[-_]datadog[-_]api[-_]key",
        "dd[-_]api[-_]key",
        "x[-_]hub[-_]signature*",
        "x[-_]slack[-_]signature",
        "x[-_]twilio[-_]signature",
        "stripe[-_]signature",
        "x[-_]access[-_]token",
        "x[-_]refresh[-_]token",
        "x[-_]session[-_]token",
        "x[-_]client[-_]secret",
        "x[-_]webhook[-_]secret",
        "x[-_]forwarded[-_]authorization",
        "cf[-_]access[-_]jwt[-_]assertion",
        "x[-_]ms[-_]token[-_]aad[-_]*",
    )
]

IDENTITY_KEYS = [
    "enduser.id",
    "enduser.pseudo.id",
    "user.id",
    "user.email",
    "user.name",
    "user.full_name",
    "user.hash",
    "http.request.header.x[-_]user[-_]id",
    "http.request.header.x[-_]user[-_]email",
]

IP_KEYS = [
    "client.address",
    "net.peer.ip",
    "net.sock.peer.addr",
    "network.peer.address",
    "http.client_ip",
    "source.address",
]

SERVER_ADDRESS_KEYS = [
    "server.address",
    "server.port",
    "net.host.name",
    "net.host.port",
    "http.server_name",
    "http.host",
    "url.domain",
    "url.port",
    # the Host header names this service (an IP literal there is the server's, not a client's)
    "http.request.header.host",
    "http.request.header.:authority",
    "http.request.header.x[-_]forwarded[-_]host",
]

# --- GenAI and OpenInference semantic conventions ------------------------------------------------------------
# Metadata of LLM calls: what was asked of which model, how it ended and what it cost. Kept as written (typed:
# token counts stay integers, `gen_ai.token.type` keeps metric series apart) and on strict's allow-list.
GENAI_METADATA_KEYS = [
    "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model",
    "gen_ai.response.model", "gen_ai.response.id", "gen_ai.response.finish_reasons", "gen_ai.request.temperature",
    "gen_ai.request.top_p", "gen_ai.request.top_k", "gen_ai.request.max_tokens", "gen_ai.request.frequency_penalty",
    "gen_ai.request.presence_penalty", "gen_ai.request.stop_sequences", "gen_ai.request.seed",
    "gen_ai.request.choice.count", "gen_ai.request.encoding_formats", "gen_ai.output.type",
    "gen_ai.conversation.id", "gen_ai.agent.id", "gen_ai.agent.name", "gen_ai.tool.name", "gen_ai.tool.call.id",
    "gen_ai.tool.type", "gen_ai.data_source.id", "gen_ai.usage.*", "gen_ai.token.type",
    "gen_ai.embeddings.dimension.count", "gen_ai.evaluation.name", "gen_ai.evaluation.score.*",
    "gen_ai.openai.request.service_tier", "gen_ai.openai.response.service_tier",
    "gen_ai.openai.response.system_fingerprint", "gen_ai.openai.request.response_format",
    "gen_ai.openai.request.seed", "openai.request.service_tier", "openai.response.service_tier",
    "openai.response.system_fingerprint",
    # OpenInference
    "openinference.span.kind", "llm.model_name", "llm.system", "llm.provider", "llm.token_count.*", "llm.cost.*",
    "llm.finish_reason", "input.mime_type", "output.mime_type", "embedding.model_name", "reranker.model_name",
    "reranker.top_k", "llm.prompt_template.version", "tool.name", "tool_call.id", "tool_call.function.name",
]
# Conversation content: prompts, completions, tool calls and results, retrieved documents (see scrub/genai.py).
GENAI_CONTENT_KEYS = list(_GENAI_CONTENT_KEYS)
# Keys naming the end user on whose behalf a model was called (OpenAI `user=`): pseudonymised by their words.
GENAI_USER_KEYS = ["gen_ai.request.user", "gen_ai.openai.request.user", "llm.user"]

_DEFAULT: dict[str, Any] = {
    "name": "default",
    "rules": [
        # Counts of tokens are numbers, not credentials, even though the key says "token".
        {"match": ["gen_ai.usage.*", "gen_ai.request.max_tokens", "gen_ai.token.type", "llm.token_count.*",
                   "otel_privacy.*"], "action": "keep"},
        # GenAI metadata kept as written; the conversation goes to the genai content mode.
        {"match": GENAI_METADATA_KEYS, "action": "keep"},
        {"match": GENAI_CONTENT_KEYS, "action": "genai"},
        {"match": GENAI_USER_KEYS, "action": "hash"},
        # Bound query parameters are values: always redacted (db.query.parameter.<key>, semconv 1.26+).
        # (db.statement.parameters: opentelemetry-instrumentation-dbapi's capture_parameters=True, str() of the tuple)
        {"match": ["db.query.parameter", "db.query.parameter.*", "db.statement.parameters"], "action": "redact"},
        # The service's own address is not personal data; peers (clients) are truncated below.
        {"match": SERVER_ADDRESS_KEYS, "action": "host"},
        # (graphql.document: GraphQL, recognised by its shape: literals → ?, fields and arguments kept)
        {"match": ["db.statement", "db.query.text", "graphql.document"], "action": "db_statement"},
        # SQLAlchemy writes "select /path/to/file.db" here; an operation is one word
        {"match": ["db.operation.name", "db.operation"], "action": "operation"},
        {"match": ["url.full", "http.url", "http.target", "url.query", "url.original", "http.request.header.referer",
                   "http.response.header.location"], "action": "url"},
        {"match": ["url.path"], "action": "url_path"},
        {"match": SENSITIVE_HEADERS, "action": "redact"},
        {"match": IDENTITY_KEYS, "action": "hash"},
        {"match": IP_KEYS, "action": "ip"},
    ],
    "default_action": "text",
}

# Semantic-convention keys that strict mode lets through (everything else is dropped).
STRICT_ALLOW = [
    "service.name", "service.version", "service.namespace", "deployment.environment*",
    "telemetry.sdk.*", "telemetry.distro.*", "otel.*", "otel_privacy.*",
    "http.request.method", "http.method", "http.response.status_code", "http.status_code", "http.route",
    "url.scheme", "url.path", "url.full", "http.url", "http.target", "url.query", "server.address", "server.port",
    "net.host.name", "net.host.port", "http.server_name", "http.host", "url.domain", "url.port",
    "network.protocol.*", "http.flavor", "http.scheme",
    "db.system", "db.system.name", "db.statement", "db.query.text", "db.query.summary", "db.operation*",
    "db.collection.name", "db.namespace", "db.name", "db.sql.table", "db.response.*", "db.rows_affected",
    "rpc.system", "rpc.service", "rpc.method", "rpc.grpc.status_code",
    "messaging.system", "messaging.operation*", "messaging.destination.name",
    "exception.type", "exception.message", "exception.stacktrace", "exception.escaped",
    "code.function*", "code.namespace", "code.lineno", "code.line.number", "code.filepath", "code.file.path",
    "error.type", "thread.id", "thread.name",
    "enduser.id", "enduser.pseudo.id", "user.id",
    "process.runtime.*", "process.pid", "os.type", "os.name", "os.version",
    "telemetry.*", "perf.*", "otel_privacy.perf.*",
    *GENAI_METADATA_KEYS, *GENAI_CONTENT_KEYS, *GENAI_USER_KEYS, "gen_ai.tool.description", "gen_ai.agent.description",
]

_STRICT_PRESET: dict[str, Any] = {
    "name": "strict",
    "extends": "default",
    "rules": [
        {
            "match": ["host.name", "host.hostname", "host.id", "host.ip", "host.mac", "k8s.node.name",
                      "k8s.pod.name", "process.command_line", "process.command", "process.command_args",
                      "process.owner", "process.executable.path", "process.user.*", "os.user*"],
            "action": "drop",
        },
    ],
    "allow_keys": STRICT_ALLOW,
    "text": {"detectors": {"home_path": True}},
    "genai": {"content": "drop"},
}

_OFF: dict[str, Any] = {"name": "off", "enabled": False, "record_summary": False, "default_action": "keep"}

PRESETS: dict[str, dict[str, Any]] = {"default": _DEFAULT, "strict": _STRICT_PRESET, "off": _OFF}
