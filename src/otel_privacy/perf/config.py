"""Performance-capture settings: ``configure(perf=...)``, the policy's ``perf:`` section, ``OTEL_PRIVACY_PERF_*``.

Precedence (lowest first): defaults, the policy's ``perf:`` mapping, the ``perf=`` argument
(``True``/``False``/a mapping/a :class:`PerfConfig`), then environment variables — so an operator
can switch a capture off in production without touching code. Every field has a variable:
``OTEL_PRIVACY_PERF_ENABLED``, ``_CPU``, ``_GC``, ``_RSS``, ``_PROFILER``, ``_PROFILER_HZ``,
``_PROFILER_MODE``, ``_MAX_STACK_DEPTH``, ``_MAX_FOLDED_BYTES``, ``_PROFILE_OUTPUT``, ``_PROFILE_FORMAT``, ``_ARGS``,
``_EXCEPTIONS``, ``_LOCALS``, ``_MAX_REPR``, ``_PROCESS_METRICS``, ...
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PerfConfig"]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class PerfConfig(BaseModel):
    """Which performance captures run. Everything is off unless ``enabled``."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = False
    cpu: bool = Field(True, description="Per-span thread CPU time and process CPU share.")
    min_span_ms: float = Field(1.0, ge=0, description="Add resource attributes (CPU, GC, RSS) to spans at least "
                               "this long (wall). CPU clocks are syscalls (~1–2 µs each) and every attribute costs "
                               "~5 µs to export: on shorter spans that is a noticeable share of the span, for a "
                               "number their duration already bounds. 0 = every span.")
    cpu_reuse_us: float = Field(50.0, ge=0, le=1000, description="Reuse a thread-CPU reading this recent "
                                "(wall µs, same thread) as a span's start; bounds the error, saves a syscall. "
                                "0 = read at every start.")
    cpu_reuse_short_us: float = Field(1000.0, ge=0, le=100_000, description="For a span whose name has only ever "
                                      "been shorter than min_span_ms: reuse a reading this recent. If such a span "
                                      "runs long after all and its reading is older than 5% of its wall time, it "
                                      "gets cpu.measured=false instead of a number, and its name is read at every "
                                      "start from then on. 0 = as cpu_reuse_us.")
    process_share_min_ms: float = Field(50.0, ge=0, description="Report process CPU share for spans at least "
                                        "this long.")
    gc: bool = Field(True, description="GC collections and pause time during each span.")
    rss: bool = Field(False, description="RSS delta per span (a syscall per span edge: off by default).")
    profiler: bool = Field(False, description="Sampling profiler linked to spans.")
    profiler_hz: float = Field(100.0, gt=0, le=1000)
    profiler_mode: Literal["auto", "thread"] = Field(
        "auto", description="auto: main-thread spans sampled by SIGPROF every 1/hz s of process CPU (no wake-ups, "
        "no GIL hand-off), other threads' spans by a sampler thread; thread: the sampler thread for all spans, "
        "every 1/hz s of wall time (waiting spans sampled too). auto falls back to thread off the main thread, "
        "off POSIX, or when another handler owns SIGPROF; choose thread for a C extension that fails on EINTR.")
    max_stack_depth: int = Field(64, ge=4, le=512)
    max_stacks_per_span: int = Field(200, ge=1)
    max_folded_bytes: int = Field(4096, ge=256, description="Cap on the folded stacks attached to a span.")
    profile_output: str | None = Field(None, description="Write the whole-process profile here at shutdown: "
                                                         "*.pb.gz → pprof, anything else → folded text.")
    profile_format: Literal["auto", "pprof", "folded"] = "auto"
    args: bool = Field(True, description="Let @trace_function(capture_args=True) record arguments.")
    exceptions: bool = Field(True, description="@trace_function records exceptions (type, redacted message, "
                                               "scrubbed frames).")
    locals: bool = Field(False, description="Record local variable names and types with exceptions "
                                            "(values only redacted and truncated).")
    max_repr: int = Field(120, ge=8, description="Truncate captured reprs to this many characters.")
    process_metrics: bool = Field(False, description="CPU, memory, GC and thread metrics of the process.")
    db_rows: bool = Field(True, description="db.response.returned_rows on DB-API spans (cursor.rowcount).")

    @classmethod
    def resolve(cls, perf: Any = None, policy_perf: dict[str, Any] | None = None) -> PerfConfig:
        data: dict[str, Any] = dict(policy_perf or {})
        if isinstance(perf, PerfConfig):
            data.update(perf.model_dump(exclude_unset=True))
            data.setdefault("enabled", True)  # handing over a config means "use it"
        elif isinstance(perf, bool):
            data["enabled"] = perf
        elif isinstance(perf, Mapping):
            data.update(perf)
            data.setdefault("enabled", True)
        elif perf is not None:
            raise TypeError(f"perf must be a bool, a mapping or a PerfConfig, not {type(perf).__name__}")
        if data and "enabled" not in data and policy_perf:
            data["enabled"] = True  # a perf: section in the policy turns capture on
        data.update(cls.from_env())
        return cls.model_validate(data)

    @classmethod
    def from_env(cls, environ: Any = None) -> dict[str, Any]:
        """``OTEL_PRIVACY_PERF_<FIELD>`` for every field (``…_PROFILER_HZ``, ``…_PROFILE_OUTPUT``, ...)."""
        env = os.environ if environ is None else environ
        out: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            raw = env.get("OTEL_PRIVACY_PERF_" + name.upper())
            if raw is None or raw.strip() == "":
                continue
            raw = raw.strip()
            if info.annotation is bool:
                if raw.lower() not in _TRUE + _FALSE:
                    raise ValueError(f"OTEL_PRIVACY_PERF_{name.upper()}={raw!r}: expected true/false")
                out[name] = raw.lower() in _TRUE
            else:
                out[name] = raw  # pydantic converts numbers and checks ranges
        return out
