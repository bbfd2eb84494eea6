"""Gateway configuration: the OpenTelemetry Collector's shape, validated with pydantic.

```yaml
receivers:
  otlp:
    protocols: {grpc: {endpoint: 127.0.0.1:4317}, http: {endpoint: 127.0.0.1:4318}}
processors:
  memory_limiter: {limit_mib: 256}
  privacy: {policy: privacy.yaml}        # a file, a preset name, or the policy inline
  batch: {send_batch_size: 512, timeout: 200ms}
exporters:
  otlphttp: {endpoint: "https://backend:4318", headers: {authorization: "Bearer ${env:BACKEND_TOKEN}"}}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [memory_limiter, privacy, batch], exporters: [otlphttp]}
```

Component ids are ``type`` or ``type/name`` (``otlphttp/vendor``). ``${env:VAR}`` and
``${env:VAR:-default}`` are substituted before parsing (a missing variable is an error naming
it). Errors name the file, line and field, like policy errors.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .._yamlconfig import line_for, load_yaml
from ..policy import PolicyError

__all__ = ["GatewayConfig", "GatewayConfigError", "load_config", "parse_duration", "default_config"]

_STRICT = ConfigDict(extra="forbid")
_ENV = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


class GatewayConfigError(ValueError):
    """The gateway configuration is invalid; the message names the file, line and field."""


def parse_duration(value: Any) -> float:
    """``5s``, ``200ms``, ``1m``, ``0.5`` (seconds) → seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. 5s, 200ms, 1m)")
    n = float(m.group(1))
    return n * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}[m.group(2)]


def _dur(v: Any) -> float:
    return parse_duration(v)


class Endpoint(BaseModel):
    model_config = _STRICT
    endpoint: str

    @field_validator("endpoint")
    @classmethod
    def _host_port(cls, v: str) -> str:
        host, sep, port = v.rpartition(":")
        if not sep or not port.isdigit() or int(port) > 65535:
            raise ValueError(f"expected host:port, got {v!r}")
        return v

    @property
    def host(self) -> str:
        return self.endpoint.rpartition(":")[0].strip("[]") or "0.0.0.0"

    @property
    def port(self) -> int:
        return int(self.endpoint.rpartition(":")[2])


class Protocols(BaseModel):
    model_config = _STRICT
    grpc: Endpoint | None = None
    http: Endpoint | None = None


class Auth(BaseModel):
    """Bearer tokens accepted by the receivers (compared in constant time)."""

    model_config = _STRICT
    bearer_tokens: list[str] = Field(default_factory=list, description="Prefer bearer_tokens_file / _env.")
    bearer_tokens_file: str | None = None
    bearer_tokens_env: str | None = None

    def tokens(self) -> list[bytes]:
        out = list(self.bearer_tokens)
        if self.bearer_tokens_file:
            out += [t.strip() for t in Path(self.bearer_tokens_file).read_text().splitlines() if t.strip()]
        if self.bearer_tokens_env:
            out += [t.strip() for t in os.environ.get(self.bearer_tokens_env, "").split(",") if t.strip()]
        return [t.encode() for t in out]


class TlsServer(BaseModel):
    model_config = _STRICT
    cert_file: str
    key_file: str
    client_ca_file: str | None = Field(None, description="Set to require client certificates (mTLS).")


class OtlpReceiver(BaseModel):
    model_config = _STRICT
    protocols: Protocols = Field(default_factory=lambda: Protocols(grpc=Endpoint(endpoint="127.0.0.1:4317"),
                                                                   http=Endpoint(endpoint="127.0.0.1:4318")))
    max_request_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Limit on the body as received.")
    max_decompressed_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="Limit after gzip decoding.")
    max_concurrent_requests: int = Field(64, ge=1)
    auth: Auth | None = None
    tls: TlsServer | None = None


class PrivacyProcessor(BaseModel):
    model_config = _STRICT
    policy: str | dict[str, Any] = "default"


class BatchProcessor(BaseModel):
    model_config = _STRICT
    send_batch_size: int = Field(512, ge=1, description="Records per export request (at most).")
    timeout: float = Field(0.2, description="Longest a record waits for a batch to fill.")
    _v = field_validator("timeout", mode="before")(_dur)


class MemoryLimiter(BaseModel):
    model_config = _STRICT
    limit_mib: int = Field(256, ge=1, description="Refuse new data while queued data exceeds this.")
    retry_after: float = Field(2.0, description="Seconds suggested to clients in Retry-After when refusing.")
    _v = field_validator("retry_after", mode="before")(_dur)


class SendingQueue(BaseModel):
    model_config = _STRICT
    enabled: bool = True
    queue_size: int = Field(1000, ge=1, description="Batches held before the receivers push back.")
    storage: str | None = Field(None, description="Directory for a persistent queue (survives crashes).")
    on_full: Literal["block", "drop"] = Field("block", description="block: refuse with 429/RESOURCE_EXHAUSTED; "
                                                                   "drop: accept and count the drop.")


class RetryOnFailure(BaseModel):
    model_config = _STRICT
    enabled: bool = True
    initial_interval: float = 5.0
    max_interval: float = 30.0
    max_elapsed_time: float = Field(300.0, description="Give up (and count a drop) after this; 0 = never.")
    multiplier: float = 1.5
    randomization_factor: float = 0.5
    _v = field_validator("initial_interval", "max_interval", "max_elapsed_time", mode="before")(_dur)


class ExporterBase(BaseModel):
    model_config = _STRICT
    sending_queue: SendingQueue = Field(default_factory=SendingQueue)
    retry_on_failure: RetryOnFailure = Field(default_factory=RetryOnFailure)


class ClientTls(BaseModel):
    """Exporter-side TLS (the Collector's ``configtls`` client settings)."""

    model_config = _STRICT
    insecure: bool = Field(False, description="gRPC only: plaintext connection.")
    insecure_skip_verify: bool = Field(False, description="Do not verify the server certificate (testing only).")
    ca_file: str | None = Field(None, description="CA bundle that signed the backend's certificate.")
    cert_file: str | None = Field(None, description="Client certificate for mTLS.")
    key_file: str | None = Field(None, description="Client key for mTLS.")

    @model_validator(mode="after")
    def _pair(self) -> ClientTls:
        if bool(self.cert_file) != bool(self.key_file):
            raise ValueError("cert_file and key_file must be given together")
        return self  # files are read at start, like the receiver's (configs validate on build machines)


class OtlpHttpExporterConfig(ExporterBase):
    endpoint: str = Field(description="Base URL; /v1/traces etc. are appended unless traces_endpoint is set.")
    tls: ClientTls = Field(default_factory=ClientTls)
    traces_endpoint: str | None = None
    logs_endpoint: str | None = None
    metrics_endpoint: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    compression: Literal["gzip", "none"] = "gzip"
    timeout: float = 10.0
    _v = field_validator("timeout", mode="before")(_dur)


class OtlpGrpcExporterConfig(ExporterBase):
    endpoint: str
    insecure: bool = False
    ca_file: str | None = None
    tls: ClientTls = Field(default_factory=ClientTls)
    headers: dict[str, str] = Field(default_factory=dict)
    compression: Literal["gzip", "none"] = "gzip"
    timeout: float = 10.0
    _v = field_validator("timeout", mode="before")(_dur)


class FileExporterConfig(ExporterBase):
    path: str
    rotate_bytes: int = Field(100 * 1024 * 1024, ge=1024)
    backups: int = Field(5, ge=0)


class DebugExporterConfig(ExporterBase):
    verbosity: Literal["basic", "normal", "detailed"] = "basic"


EXPORTER_TYPES: dict[str, type[ExporterBase]] = {
    "otlphttp": OtlpHttpExporterConfig,
    "otlp": OtlpGrpcExporterConfig,
    "file": FileExporterConfig,
    "debug": DebugExporterConfig,
}
PROCESSOR_TYPES: dict[str, type[BaseModel]] = {
    "privacy": PrivacyProcessor,
    "batch": BatchProcessor,
    "memory_limiter": MemoryLimiter,
}
RECEIVER_TYPES: dict[str, type[BaseModel]] = {"otlp": OtlpReceiver}


class PipelineConfig(BaseModel):
    model_config = _STRICT
    receivers: list[str] = Field(min_length=1)
    processors: list[str] = Field(default_factory=list)
    exporters: list[str] = Field(min_length=1)


class TelemetryConfig(BaseModel):
    model_config = _STRICT
    metrics_address: str | None = Field(None, description="host:port for /metrics and /health; default: the "
                                                          "OTLP/HTTP receiver's port.")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    self_metrics_interval: float = Field(0.0, ge=0, description="Also send the self-metrics as OTLP through the "
                                                                "metrics pipeline every this often; 0 = off.")
    _v = field_validator("self_metrics_interval", mode="before")(_dur)
    usage_events: bool = Field(True, description="Send the gateway's own lifecycle events (opt-out as usual).")


class ServiceConfig(BaseModel):
    model_config = _STRICT
    pipelines: dict[Literal["traces", "logs", "metrics"], PipelineConfig]
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)


def _typed_section(kinds: dict[str, type[BaseModel]], section: str):
    def validate(v: dict[str, Any] | None) -> dict[str, BaseModel]:
        out = {}
        for cid, body in (v or {}).items():
            kind = cid.split("/", 1)[0]
            model = kinds.get(kind)
            if model is None:
                raise ValueError(f"{section}.{cid}: unknown type {kind!r}; known: {sorted(kinds)}")
            try:
                out[cid] = model.model_validate(body or {})
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(x) for x in err["loc"] if not str(x).startswith("function-"))
                msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
                raise ValueError(f"{section}.{cid}{'.' + where if where else ''}: {msg}") from None
        return out

    return validate


class GatewayConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    receivers: dict[str, Any] = Field(default_factory=dict)
    processors: dict[str, Any] = Field(default_factory=dict)
    exporters: dict[str, Any] = Field(default_factory=dict)
    service: ServiceConfig

    _r = field_validator("receivers", mode="before")(_typed_section(RECEIVER_TYPES, "receivers"))
    _p = field_validator("processors", mode="before")(_typed_section(PROCESSOR_TYPES, "processors"))
    _e = field_validator("exporters", mode="before")(_typed_section(EXPORTER_TYPES, "exporters"))

    @model_validator(mode="after")
    def _references(self) -> GatewayConfig:
        for signal, p in self.service.pipelines.items():
            for kind, ids, defined in (("receivers", p.receivers, self.receivers),
                                       ("processors", p.processors, self.processors),
                                       ("exporters", p.exporters, self.exporters)):
                for cid in ids:
                    if cid not in defined:
                        raise ValueError(f"service.pipelines.{signal}.{kind}: {cid!r} is not defined under {kind}")
        return self


def substitute_env(text: str, source: str = "<config>") -> str:
    """Replace ``${env:VAR}`` / ``${env:VAR:-default}``; a missing variable without default is an error."""

    def repl(m: re.Match[str]) -> str:
        value = os.environ.get(m.group(1))
        if value is None:
            if m.group(2) is None:
                line = text.count("\n", 0, m.start()) + 1
                raise GatewayConfigError(f"{source}:{line}: environment variable {m.group(1)} is not set")
            return m.group(2)
        return value

    return _ENV.sub(repl, text)


def load_config(source: str | Path | dict[str, Any]) -> GatewayConfig:
    """Load and validate a gateway config from a YAML file or a dict."""
    if isinstance(source, dict):
        return _validate(source, "<dict>", None)
    path = Path(source)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GatewayConfigError(f"{source}: cannot read ({exc.strerror or exc})") from None
    text = substitute_env(raw, str(source))
    # `policy: off` and an inline policy's `extends: off` name the preset (YAML 1.1 would read false)
    data, lines = load_yaml(text, str(source), GatewayConfigError,
                            names=[("processors", "*", "policy"), ("processors", "*", "policy", "extends")])
    return _validate(data or {}, str(source), lines)


_PATH_IN_MSG = re.compile(r"^(receivers|processors|exporters|service)\.([^:]+):")


def _split_path(path: str) -> list[str]:
    # component ids may contain "/" but not "."; the first part after the section is the id
    return path.split(".")


def _validate(data: dict[str, Any], source: str, lines: dict | None) -> GatewayConfig:
    if not isinstance(data, dict):
        raise GatewayConfigError(f"{source}: the config must be a mapping")
    try:
        cfg = GatewayConfig.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            m = _PATH_IN_MSG.match(msg)
            if m:  # a component error: locate it precisely from the message's own path
                loc = (m.group(1), *_split_path(m.group(2)))
                msg = msg[m.end():].strip()
            line = line_for(lines, loc) if lines else None
            where = f"{source}:{line}" if line else source
            path = ".".join(str(x) for x in loc)
            parts.append(f"{where}: {path}: {'unknown field' if err['type'] == 'extra_forbidden' else msg}")
        raise GatewayConfigError("\n".join(parts)) from None
    # the privacy policy is validated now too, so `--validate` catches policy mistakes
    from ..policy import Policy

    for cid, proc in cfg.processors.items():
        if isinstance(proc, PrivacyProcessor):
            try:
                Policy.load(proc.policy)
            except PolicyError as exc:
                line = line_for(lines, ("processors", cid, "policy")) if lines else None
                raise GatewayConfigError(f"{source}{':' + str(line) if line else ''}: processors.{cid}.policy: "
                                         f"{exc}") from None
    return cfg


def default_config(policy: str = "default", grpc: str = "127.0.0.1:4317", http: str = "127.0.0.1:4318",
                   exporter: dict[str, Any] | None = None) -> GatewayConfig:
    """OTLP in on both protocols → privacy → the given exporter (``debug`` by default)."""
    exporters = exporter or {"debug": {}}
    pipeline = {"receivers": ["otlp"], "processors": ["memory_limiter", "privacy", "batch"],
                "exporters": list(exporters)}
    return load_config({
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": grpc}, "http": {"endpoint": http}}}},
        "processors": {"memory_limiter": {}, "privacy": {"policy": policy}, "batch": {}},
        "exporters": exporters,
        "service": {"pipelines": {s: pipeline for s in ("traces", "logs", "metrics")}},
    })
