"""Gateway configuration: the OpenTelemetry Collector's shape, every component validated by its factory.

```yaml
receivers:
  otlp:
    protocols: {grpc: {endpoint: 127.0.0.1:4317}, http: {endpoint: 127.0.0.1:4318}}
processors:
  memory_limiter: {limit_mib: 256}
  privacy: {policy: privacy.yaml}        # a file, a preset name, or the policy inline
  privacy/vendor: {policy: strict}
  batch: {send_batch_size: 512, timeout: 200ms}
exporters:
  otlphttp: {endpoint: "https://backend:4318", headers: {authorization: "Bearer ${env:BACKEND_TOKEN}"}}
  otlphttp/vendor: {endpoint: "https://vendor.example:4318"}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [memory_limiter, privacy, batch], exporters: [otlphttp]}
    traces/vendor: {receivers: [otlp], processors: [memory_limiter, privacy/vendor, batch],
                    exporters: [otlphttp/vendor]}
```

Component ids are ``type`` or ``type/name``; pipeline ids are ``signal`` or ``signal/name``, as
many per signal as you like. ``${env:VAR}`` and ``${env:VAR:-default}`` are substituted before
parsing (a missing variable is an error naming it). Every option either changes what the gateway
does or is an error: unknown and unsupported options, components no pipeline uses, and
references to undefined components are all reported with file, line and field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from .._yamlconfig import Lines, format_loc, line_for, load_yaml, validation_messages
from ..otlp_walk import SIGNALS
from .components import KINDS, ComponentConfig, ComponentId, Duration, HostPort, parse_duration, unsupported_reason
from .factories import FACTORIES

__all__ = ["GatewayConfig", "GatewayConfigError", "load_config", "parse_duration", "default_config",
           "substitute_env", "PipelineConfig", "ServiceConfig", "TelemetryConfig"]

_ENV = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class GatewayConfigError(ValueError):
    """The gateway configuration is invalid; the message names the file, line and field."""


class PipelineConfig(ComponentConfig):
    receivers: list[str] = Field(min_length=1)
    processors: list[str] = Field(default_factory=list, description="Run in this order.")
    exporters: list[str] = Field(min_length=1)

    @field_validator("processors")
    @classmethod
    def _once(cls, v: list[str]) -> list[str]:
        twice = sorted({p for p in v if v.count(p) > 1})
        if twice:
            raise ValueError(f"{twice[0]!r} is listed twice (use another id, e.g. {twice[0].split('/')[0]}/second)")
        return v


class TelemetryConfig(ComponentConfig):
    metrics_address: HostPort | None = Field(None, description="host:port for /metrics and /health; default: "
                                                               "each OTLP/HTTP receiver's port only.")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    self_metrics_interval: Duration = Field(0.0, ge=0, description="Also send the self-metrics as OTLP through the "
                                                                   "metrics pipelines every this often; 0 = off.")
    usage_events: bool = Field(True, description="Send the gateway's own lifecycle events (opt-out as usual).")
    unsupported = {"logs": "use log_level", "metrics": "use metrics_address and self_metrics_interval",
                   "traces": "the gateway does not trace itself", "resource": "not implemented"}


class ServiceConfig(ComponentConfig):
    pipelines: dict[str, PipelineConfig] = Field(min_length=1)
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)
    unsupported = {"extensions": "the otel-privacy gateway has no extensions"}

    @field_validator("pipelines", mode="before")
    @classmethod
    def _ids(cls, v: Any) -> Any:
        for pid in v if isinstance(v, dict) else ():
            signal, _, name = str(pid).partition("/")
            if signal not in SIGNALS or (name == "" and "/" in str(pid)):
                raise ValueError(f"{pid!r}: a pipeline id is traces, logs or metrics, optionally /name")
        return v


@dataclass
class GatewayConfig:
    """A validated config: component configs by id (as written), and the service section."""

    receivers: dict[str, ComponentConfig]
    processors: dict[str, ComponentConfig]
    exporters: dict[str, ComponentConfig]
    service: ServiceConfig

    def section(self, kind: str) -> dict[str, ComponentConfig]:
        return getattr(self, kind)


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
    return _validate({} if data is None else data, str(source), lines)


_TOP = {"extensions": "the otel-privacy gateway has no extensions",
        "connectors": "pipelines cannot feed each other; list receivers and exporters per pipeline"}


class _Errors(list):
    def __init__(self, source: str, lines: Lines | None) -> None:
        super().__init__()
        self.source, self.lines = source, lines

    def at(self, loc: tuple, message: str) -> None:
        line = line_for(self.lines, loc)
        self.append(f"{self.source}{':' + str(line) if line else ''}: {format_loc(loc)}: {message}")

    def validation(self, exc: ValidationError, prefix: tuple, model: type[BaseModel]) -> None:
        def unknown(loc: tuple) -> str | None:
            reason = unsupported_reason(model, loc)
            return f"not supported by the otel-privacy gateway ({reason})" if reason else None

        self.extend(validation_messages(exc, self.source, self.lines, prefix=prefix, unknown=unknown))


def _validate(data: Any, source: str, lines: Lines | None) -> GatewayConfig:
    errors = _Errors(source, lines)
    if not isinstance(data, dict):
        raise GatewayConfigError(f"{source}: the config must be a mapping")
    for key in data:
        if key not in (*KINDS, "service"):
            errors.at((key,), f"not supported by the otel-privacy gateway ({_TOP[key]})" if key in _TOP
                      else "unknown field")
    sections: dict[str, dict[str, ComponentConfig]] = {}
    invalid: set[tuple[str, str]] = set()
    for kind in KINDS:
        bad: set[str] = set()
        sections[kind] = _components(kind, data.get(kind), errors, bad)
        invalid |= {(kind, cid) for cid in bad}
    service = None
    if "service" not in data:
        errors.at(("service",), "Field required")
    else:
        try:
            service = ServiceConfig.model_validate(data["service"] or {})
        except ValidationError as exc:
            errors.validation(exc, ("service",), ServiceConfig)
    if service is not None:
        _references(service, sections, invalid, errors)
    for kind, configs in sections.items():
        for cid, cfg in configs.items():
            errors.extend(cfg.check_in_file((kind, cid), source, lines))
    _distinct_storage(sections["exporters"], errors)
    if errors:
        raise GatewayConfigError("\n".join(errors))
    assert service is not None
    return GatewayConfig(sections["receivers"], sections["processors"], sections["exporters"], service)


def _components(kind: str, body: Any, errors: _Errors, invalid: set[str]) -> dict[str, ComponentConfig]:
    """The valid components of a section; the ids of invalid ones go to ``invalid`` (already reported)."""
    out: dict[str, ComponentConfig] = {}
    if body is None:
        return out
    if not isinstance(body, dict):
        errors.at((kind,), "expected a mapping of component ids to their settings")
        return out
    factories = FACTORIES[kind]
    for cid, settings in body.items():
        try:
            ctype = ComponentId.parse(cid).type
        except ValueError as exc:
            errors.at((kind, cid), str(exc))
            invalid.add(cid)
            continue
        factory = factories.get(ctype)
        if factory is None:
            errors.at((kind, cid), f"unknown type {ctype!r}; known: {sorted(factories)}")
            invalid.add(cid)
            continue
        try:
            out[cid] = factory.config.model_validate(settings or {})
        except ValidationError as exc:
            errors.validation(exc, (kind, cid), factory.config)
            invalid.add(cid)
    return out


def _references(service: ServiceConfig, sections: dict[str, dict[str, ComponentConfig]],
                invalid: set[tuple[str, str]], errors: _Errors) -> None:
    used: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for pid, pipe in service.pipelines.items():
        for kind in KINDS:
            for i, cid in enumerate(getattr(pipe, kind)):
                used[kind].add(cid)
                if cid not in sections[kind] and (kind, cid) not in invalid:
                    errors.at(("service", "pipelines", pid, kind, i), f"{cid!r} is not defined under {kind}")
    for kind in KINDS:
        for cid in sections[kind]:
            if cid not in used[kind]:
                errors.at((kind, cid), "defined but not used by any pipeline (remove it, or list it in one)")


def _distinct_storage(exporters: dict[str, ComponentConfig], errors: _Errors) -> None:
    seen: dict[Path, str] = {}
    for cid, cfg in exporters.items():
        storage = cfg.sending_queue.storage  # type: ignore[attr-defined]
        if storage:
            path = Path(storage).expanduser().resolve()
            if path in seen:
                errors.at(("exporters", cid, "sending_queue", "storage"),
                          f"also the storage of {seen[path]}: each persistent queue needs its own directory")
            seen[path] = cid


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
        "service": {"pipelines": {s: pipeline for s in SIGNALS}},
    })
