"""What every gateway component shares: ids, factories, config base types, and how a request is refused.

As in the OpenTelemetry Collector, a component is a factory (its ``type``, its config model with
defaults and validation, and ``create``) plus instances built from config. Ids are ``type`` or
``type/name`` (``otlphttp/vendor``). Receivers and exporters are shared by the pipelines that list
them; processors are created once per pipeline, so no two pipelines share a processor's state.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from .._yamlconfig import Lines

__all__ = ["ComponentConfig", "ComponentId", "Factory", "Host", "Delivery", "Refused", "MemoryAccount",
           "Duration", "HostPort", "parse_duration", "split_host_port", "KINDS"]

KINDS = ("receivers", "processors", "exporters")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(/[^\s/]+)?$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_duration(value: Any) -> float:
    """``5s``, ``200ms``, ``1m``, ``0.5`` (seconds) → seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"a duration cannot be negative: {value}")
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. 5s, 200ms, 1m)")
    n = float(m.group(1))
    return n * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}[m.group(2)]


#: Seconds, written as ``200ms``, ``5s``, ``1m`` or a number.
Duration = Annotated[float, BeforeValidator(parse_duration)]


def split_host_port(value: str) -> tuple[str, int]:
    """``host:port`` / ``[::1]:port`` → (host, port); an empty host means every interface."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected host:port, got {value!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def _host_port(value: str) -> str:
    split_host_port(value)
    return value


#: An address to listen on, ``host:port`` (port 0 picks a free one).
HostPort = Annotated[str, AfterValidator(_host_port)]


class ComponentConfig(BaseModel):
    """Base of every component's config: unknown fields are errors, never ignored.

    ``unsupported`` names Collector options this gateway does not implement, with the reason, so
    a Collector config that uses one gets a precise error instead of "unknown field".
    """

    model_config = ConfigDict(extra="forbid")
    unsupported: ClassVar[dict[str, str]] = {}

    def check_in_file(self, path: tuple, source: str, lines: Lines | None) -> list[str]:
        """Checks that need the file (``path`` is this component's place in it); messages as ``file:line: …``."""
        return []


def unsupported_reason(model: type[BaseModel], loc: tuple) -> str | None:
    """Why the option at ``loc`` (an "unknown field" of ``model``) is not supported, if it is a known one."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part)) if isinstance(model, type) else None
        if field is None:
            nested = None  # a dict key (e.g. a pipeline id): stay on the model of the dict's values
        else:
            nested = next(_models(field.annotation), None)
            if nested is None:
                return None
        if nested is not None:
            model = nested
    reasons = getattr(model, "unsupported", {})
    return reasons.get(str(loc[-1])) if loc else None


def _models(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()):
        yield from _models(arg)


@dataclass(frozen=True)
class ComponentId:
    """``type`` or ``type/name``."""

    type: str
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> ComponentId:
        if not isinstance(text, str) or not _ID.match(text):
            raise ValueError(f"{text!r} is not a component id (type or type/name)")
        kind, _, name = text.partition("/")
        return cls(kind, name)

    def __str__(self) -> str:
        return f"{self.type}/{self.name}" if self.name else self.type


@dataclass(frozen=True)
class Factory:
    """One component type: its config model and how to build an instance from it.

    ``create(id, config, host, **wiring)``: receivers get nothing more, processors get the
    ``next`` consumer and their ``pipeline`` info, exporters get nothing more.
    """

    kind: str
    type: str
    config: type[ComponentConfig]
    create: Callable[..., Any]


class Refused(Exception):
    """The gateway cannot take this request; the receiver turns it into the protocol's answer.

    ``retryable`` refusals carry ``retry_after`` seconds (HTTP ``Retry-After``, gRPC ``RetryInfo``);
    ``exhausted`` ones are about capacity (HTTP 429 / ``RESOURCE_EXHAUSTED``), the others about
    availability (HTTP 503 / ``UNAVAILABLE``). Non-retryable ones are HTTP 400 / ``INVALID_ARGUMENT``.
    """

    def __init__(self, reason: str, *, retry_after: float = 1.0, exhausted: bool = False, retryable: bool = True,
                 metric_reason: str = "refused") -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = max(retry_after, 1.0) if retryable else 0.0
        self.exhausted = exhausted
        self.retryable = retryable
        self.metric_reason = metric_reason


class MemoryAccount:
    """Bytes the gateway holds: queued in exporters plus reserved by requests still in a pipeline.

    A memory limiter reserves a request's bytes *before* it accepts it, under one lock, so
    concurrent requests cannot all be admitted against the same free space.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reserved = 0
        self._queued: Callable[[], int] = lambda: 0

    def measure_queues(self, queued: Callable[[], int]) -> None:
        self._queued = queued

    @property
    def reserved(self) -> int:
        return self._reserved

    def used(self) -> int:
        return self._queued() + self._reserved

    def reserve(self, n: int, limit: int) -> bool:
        with self._lock:
            if self._queued() + self._reserved + n > limit:
                return False
            self._reserved += n
            return True

    def resize(self, held: int, n: int, limit: int) -> bool:
        """Trade ``held`` reserved bytes for ``n`` (the exact size, once known); False if over ``limit``."""
        with self._lock:
            if n > held and self._queued() + self._reserved - held + n > limit:
                return False
            self._reserved += n - held
            return True

    def release(self, n: int) -> None:
        with self._lock:
            self._reserved -= n


@dataclass
class Reservation:
    bytes: int
    limit: int


@dataclass
class Delivery:
    """What travels with one request through a pipeline, besides the data: its memory reservations."""

    memory: MemoryAccount | None = None
    reservations: list[Reservation] = field(default_factory=list)

    def reserve(self, memory: MemoryAccount, n: int, limit: int) -> bool:
        if not memory.reserve(n, limit):
            return False
        self.memory = memory
        self.reservations.append(Reservation(n, limit))
        return True

    def settle(self, n: int) -> bool:
        """Replace this delivery's reservations by the exact bytes about to be queued (``n``)."""
        if self.memory is None or not self.reservations:
            return True
        held = sum(r.bytes for r in self.reservations)
        if not self.memory.resize(held, n, min(r.limit for r in self.reservations)):
            return False
        self.reservations = [Reservation(n, min(r.limit for r in self.reservations))]
        return True

    def release(self) -> None:
        if self.memory is not None:
            for r in self.reservations:
                self.memory.release(r.bytes)
        self.reservations = []

    @classmethod
    def merged(cls, deliveries: list[Delivery]) -> Delivery:
        """One delivery for a batch: it takes over the reservations of the requests it holds."""
        out = cls()
        for d in deliveries:
            if d.memory is not None:
                out.memory = d.memory
            out.reservations.extend(d.reservations)
            d.reservations = []
        return out


@dataclass
class Host:
    """Gateway-wide services a component may use (the Collector's ``component.Host``)."""

    metrics: Any
    memory: MemoryAccount = field(default_factory=MemoryAccount)
