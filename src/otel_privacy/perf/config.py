"""Performance-capture settings: ``configure(perf=...)``, the policy's ``perf:`` section, ``OTEL_PRIVACY_PERF_*``.

Precedence (lowest first): defaults, the policy's ``perf:`` mapping, the ``perf=`` argument
(``True``/``False``/a mapping/a :class:`PerfConfig`), then environment variables — so an operator
can switch a capture off in production without touching code.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PerfConfig"]

_ENV = {
    "OTEL_PRIVACY_PERF_ENABLED": "enabled",
    "OTEL_PRIVACY_PERF_CPU": "cpu",
    "OTEL_PRIVACY_PERF_GC": "gc",
    "OTEL_PRIVACY_PERF_RSS": "rss",
    "OTEL_PRIVACY_PERF_PROFILER": "profiler",
    "OTEL_PRIVACY_PERF_PROFILER_HZ": "profiler_hz",
    "OTEL_PRIVACY_PERF_PROFILE_OUTPUT": "profile_output",
    "OTEL_PRIVACY_PERF_ARGS": "args",
    "OTEL_PRIVACY_PERF_LOCALS": "locals",
    "OTEL_PRIVACY_PERF_PROCESS_METRICS": "process_metrics",
}


class PerfConfig(BaseModel):
    """Which performance captures run. Everything is off unless ``enabled``."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = False
    cpu: bool = Field(True, description="Per-span thread CPU time and process CPU share.")
    gc: bool = Field(True, description="GC collections and pause time during each span.")
    rss: bool = Field(False, description="RSS delta per span (a syscall per span edge: off by default).")
    profiler: bool = Field(False, description="Sampling profiler linked to spans.")
    profiler_hz: float = Field(100.0, gt=0, le=1000)
    max_stack_depth: int = Field(64, ge=4, le=512)
    max_stacks_per_span: int = Field(200, ge=1)
    max_folded_bytes: int = Field(4096, ge=256, description="Cap on the folded stacks attached to a span.")
    profile_output: str | None = Field(None, description="Write the whole-process profile here at shutdown: "
                                                         "*.pb.gz → pprof, anything else → folded text.")
    profile_format: Literal["auto", "pprof", "folded"] = "auto"
    args: bool = Field(True, description="Let @trace_function(capture_args=True) record arguments.")
    locals: bool = Field(False, description="Record local variable names and types with exceptions.")
    max_repr: int = Field(120, ge=8, description="Truncate captured reprs to this many characters.")
    process_metrics: bool = Field(False, description="CPU, memory, GC and thread metrics of the process.")

    @classmethod
    def resolve(cls, perf: Any = None, policy_perf: dict[str, Any] | None = None) -> PerfConfig:
        data: dict[str, Any] = dict(policy_perf or {})
        if isinstance(perf, PerfConfig):
            data.update(perf.model_dump(exclude_unset=True))
        elif isinstance(perf, bool):
            data["enabled"] = perf
        elif isinstance(perf, dict):
            data.update(perf)
            data.setdefault("enabled", True)
        elif perf is not None:
            raise TypeError(f"perf must be a bool, a mapping or a PerfConfig, not {type(perf).__name__}")
        if data and "enabled" not in data and policy_perf:
            data["enabled"] = True  # a perf: section in the policy turns capture on
        for env, field in _ENV.items():
            raw = os.environ.get(env)
            if raw is None or raw == "":
                continue
            kind = cls.model_fields[field].annotation
            if kind is bool:
                data[field] = raw.strip().lower() not in ("0", "false", "no", "off")
            elif kind is float:
                data[field] = float(raw)
            else:
                data[field] = raw
        return cls.model_validate(data)
