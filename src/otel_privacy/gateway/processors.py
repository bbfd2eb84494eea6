"""Gateway processors: ``memory_limiter``, ``privacy``, ``batch``, ``filter`` and ``attributes``.

A processor is created once per pipeline that lists it, with the ``next`` consumer of that
pipeline: it changes or checks the request and hands it on (``next.consume``), so the order of
``processors: [...]`` is the order things happen. ``consume`` returns ``None`` when the request
went all the way through, or a future when it waits downstream (a ``batch``); it raises
:class:`~.components.Refused` when the request cannot be taken (the client retries).

No state is shared between processor instances: two privacy processors in one pipeline each keep
their own caches, and ``privacy`` listed in two pipelines is two instances.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import Field, ValidationError, model_validator

from .._yamlconfig import Lines, format_loc, line_for, validation_messages
from ..otlp import any_to_py, py_to_any
from ..otlp_walk import count_records, iter_records, prune_empty, record_containers, resource_groups
from ..policy import Policy, PolicyError
from ..redactor import Redactor
from ..wire import WireRedactor
from .components import ComponentConfig, ComponentId, Delivery, Duration, Factory, Host, Refused

__all__ = ["Consumer", "PipelineInfo", "FACTORIES"]

_log = logging.getLogger("otel_privacy.gateway")


class Consumer(Protocol):
    def consume(self, request: Any, delivery: Delivery) -> Future | None: ...


@dataclass(frozen=True)
class PipelineInfo:
    """What a processor knows of the pipeline it is part of."""

    id: str
    signal: str
    queued_exporters: int  # how many queues each accepted request lands in (memory estimates)


class Processor:
    """Base: hand the request on unchanged. ``start``/``shutdown`` bracket the gateway's life."""

    def __init__(self, cid: ComponentId, host: Host, next: Consumer, pipeline: PipelineInfo) -> None:
        self.id, self.host, self.next, self.pipeline = cid, host, next, pipeline
        self.signal = pipeline.signal

    def consume(self, request: Any, delivery: Delivery) -> Future | None:
        return self.next.consume(request, delivery)

    def start(self) -> None:
        pass

    def shutdown(self, timeout: float) -> None:
        pass


# -- memory_limiter --------------------------------------------------------------------------------

class MemoryLimiterConfig(ComponentConfig):
    limit_mib: int = Field(256, ge=1, description="Refuse new data while the gateway holds more than this "
                                                  "(queued, batched and in-flight requests).")
    retry_after: Duration = Field(2.0, ge=1, description="Seconds suggested to clients (Retry-After, RetryInfo).")
    unsupported = {"check_interval": "the limit is checked on every request, before it is accepted",
                   "spike_limit_mib": "the limit is a hard limit on held bytes",
                   "limit_percentage": "use limit_mib", "spike_limit_percentage": "use limit_mib"}


class MemoryLimiter(Processor):
    """Reserve the request's bytes before accepting it; refuse (429 / RESOURCE_EXHAUSTED) past the limit."""

    def __init__(self, cid: ComponentId, cfg: MemoryLimiterConfig, host: Host, next: Consumer,
                 pipeline: PipelineInfo) -> None:
        super().__init__(cid, host, next, pipeline)
        self.cfg = cfg
        self.limit = cfg.limit_mib * 1024 * 1024

    def consume(self, request: Any, delivery: Delivery) -> Future | None:
        need = request.ByteSize() * max(1, self.pipeline.queued_exporters)
        if not delivery.reserve(self.host.memory, need, self.limit):
            self.host.metrics.add("refused", signal=self.signal, reason="memory_limit")
            raise Refused("memory limit reached", retry_after=self.cfg.retry_after, exhausted=True,
                          metric_reason="memory_limit")
        return self.next.consume(request, delivery)


# -- privacy ---------------------------------------------------------------------------------------

def policy_errors(policy: str | dict[str, Any], path: tuple, source: str, lines: Lines | None) -> list[str]:
    """Errors of a privacy processor's policy, located in the gateway config (an inline policy to its own lines)."""
    if isinstance(policy, dict):
        try:
            Policy.model_validate(policy)  # the user's own text first, so paths and lines match what they wrote
        except ValidationError as exc:
            return validation_messages(exc, source, lines, prefix=path)
    try:
        Policy.load(policy)
    except PolicyError as exc:
        line = line_for(lines, path)
        return [f"{source}{':' + str(line) if line else ''}: {format_loc(path)}: {exc}"]
    return []


class PrivacyConfig(ComponentConfig):
    policy: str | dict[str, Any] = Field("default", description="A preset name, a policy file, or the policy inline.")

    def check_in_file(self, path: tuple, source: str, lines: Lines | None) -> list[str]:
        """The policy is validated with the config, so ``--validate`` catches policy mistakes (with their lines)."""
        return policy_errors(self.policy, (*path, "policy"), source, lines)


class PrivacyProcessor(Processor):
    """Redact every record with this processor's own policy (and its own resource cache)."""

    def __init__(self, cid: ComponentId, cfg: PrivacyConfig, host: Host, next: Consumer,
                 pipeline: PipelineInfo) -> None:
        super().__init__(cid, host, next, pipeline)
        self.redactor = Redactor(Policy.load(cfg.policy))
        self._walker = WireRedactor(self.redactor)  # this processor's own caches: resources, key plans, values

    def consume(self, request: Any, delivery: Delivery) -> Future | None:
        changed = self._walker.redact_message(request, self.signal)  # the one redaction entry point
        if changed:
            self.host.metrics.add("redacted_values", changed, signal=self.signal, pipeline=self.pipeline.id)
        return self.next.consume(request, delivery)


# -- batch -----------------------------------------------------------------------------------------

class BatchConfig(ComponentConfig):
    send_batch_size: int = Field(512, ge=1, description="Send once this many records are waiting.")
    timeout: Duration = Field(0.2, ge=0, description="Send what is waiting after this long, full or not.")
    unsupported = {"send_batch_max_size": "batches are sent when they reach send_batch_size; requests are not split",
                   "metadata_keys": "one batch per pipeline", "metadata_cardinality_limit": "one batch per pipeline"}


class BatchProcessor(Processor):
    """Merge requests until ``send_batch_size`` records or ``timeout``, then hand the merged request on.

    The clients whose requests are in a batch get their answer when the batch has gone on (into
    the exporters' queues, on disk for a persistent queue): an acknowledged record is never only
    in the batch's memory, and a refusal downstream reaches every client in the batch.
    """

    def __init__(self, cid: ComponentId, cfg: BatchConfig, host: Host, next: Consumer,
                 pipeline: PipelineInfo) -> None:
        super().__init__(cid, host, next, pipeline)
        self.cfg = cfg
        self._cond = threading.Condition()
        self._items: list[tuple[Any, Delivery, Future]] = []
        self._records = 0
        self._deadline = 0.0
        self._stopping = False
        self._thread = threading.Thread(target=self._timer, name=f"otel-privacy-batch-{pipeline.id}-{cid}",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def consume(self, request: Any, delivery: Delivery) -> Future | None:
        done: Future = Future()
        batch = None
        with self._cond:
            if self._stopping:
                raise Refused("shutting down", retry_after=5.0, metric_reason="shutdown")
            if not self._items:
                self._deadline = time.monotonic() + self.cfg.timeout
                self._cond.notify()
            self._items.append((request, delivery, done))
            self._records += count_records(self.signal, request)
            if self._records >= self.cfg.send_batch_size or self.cfg.timeout == 0:
                batch = self._take()
        if batch:
            self._flush(batch)
        return done

    def _take(self) -> list[tuple[Any, Delivery, Future]]:
        batch, self._items, self._records = self._items, [], 0
        return batch

    def _timer(self) -> None:
        while True:
            with self._cond:
                while not self._items or time.monotonic() < self._deadline:
                    if self._stopping and not self._items:
                        return
                    self._cond.wait(None if not self._items else max(0.0, self._deadline - time.monotonic()))
                batch = self._take()
            self._flush(batch)

    def _flush(self, batch: list[tuple[Any, Delivery, Future]]) -> None:
        merged = batch[0][0]
        if len(batch) > 1:
            merged = type(merged)()
            for request, _, _ in batch:
                merged.MergeFrom(request)  # repeated fields concatenate: one request, every record
        delivery = Delivery.merged([d for _, d, _ in batch])
        error: BaseException | None = None
        try:
            pending = self.next.consume(merged, delivery)
            if pending is not None:
                pending.result()
        except BaseException as exc:  # noqa: BLE001 - every waiting client gets the outcome
            error = exc
        finally:
            delivery.release()
        for _, _, done in batch:
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)

    def shutdown(self, timeout: float) -> None:
        with self._cond:
            self._stopping = True
            self._deadline = 0.0
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)


# -- filter ----------------------------------------------------------------------------------------

Scalar = str | int | float | bool


class FilterCondition(ComponentConfig):
    """A record matches when the attribute is present and, if given, equals ``value`` or matches ``regex``."""

    attribute: str | None = Field(None, min_length=1, description="A record attribute (span, log record, "
                                                                  "metric data point).")
    resource_attribute: str | None = Field(None, min_length=1, description="A resource attribute.")
    value: Scalar | None = None
    regex: str | None = Field(None, description="Searched in the attribute's string value.")

    @model_validator(mode="after")
    def _one_key(self) -> FilterCondition:
        if (self.attribute is None) == (self.resource_attribute is None):
            raise ValueError("give exactly one of attribute and resource_attribute")
        if self.value is not None and self.regex is not None:
            raise ValueError("give value or regex, not both")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex: invalid regular expression: {exc}") from None
        return self


class FilterConfig(ComponentConfig):
    drop: list[FilterCondition] = Field(min_length=1, description="A record matching any condition is dropped.")
    unsupported = {"error_mode": "conditions cannot fail", "traces": "use drop: [conditions]",
                   "logs": "use drop: [conditions]", "metrics": "use drop: [conditions]",
                   "spans": "use drop: [conditions]"}


_MISSING = object()


def _attribute(kvs: Any, key: str) -> Any:
    for kv in kvs:
        if kv.key == key:
            return any_to_py(kv.value)
    return _MISSING


def _value_matches(cond: FilterCondition, value: Any) -> bool:
    if value is _MISSING:
        return False
    if cond.regex is not None:
        return isinstance(value, str) and re.search(cond.regex, value) is not None
    if cond.value is not None:
        return type(value) is type(cond.value) and value == cond.value
    return True


class FilterProcessor(Processor):
    """Drop spans, log records or metric data points that match a condition (the Collector's ``filter``)."""

    def __init__(self, cid: ComponentId, cfg: FilterConfig, host: Host, next: Consumer,
                 pipeline: PipelineInfo) -> None:
        super().__init__(cid, host, next, pipeline)
        self.on_resource = [c for c in cfg.drop if c.resource_attribute is not None]
        self.on_record = [c for c in cfg.drop if c.attribute is not None]

    def consume(self, request: Any, delivery: Delivery) -> Future | None:
        signal = self.signal
        before = count_records(signal, request)
        groups = resource_groups(signal, request)
        for i in range(len(groups) - 1, -1, -1):
            attrs = groups[i].resource.attributes
            if any(_value_matches(c, _attribute(attrs, c.resource_attribute)) for c in self.on_resource):
                del groups[i]
        if self.on_record:
            for holder in record_containers(signal, request):
                for j in range(len(holder) - 1, -1, -1):
                    if any(_value_matches(c, _attribute(holder[j].attributes, c.attribute)) for c in self.on_record):
                        del holder[j]
        prune_empty(signal, request)
        dropped = before - count_records(signal, request)
        if dropped:
            self.host.metrics.add("filtered", dropped, signal=signal, pipeline=self.pipeline.id)
        return self.next.consume(request, delivery)


# -- attributes ------------------------------------------------------------------------------------

class AttributeAction(ComponentConfig):
    key: str = Field(min_length=1)
    action: Literal["insert", "update", "upsert", "delete"]
    value: Scalar | None = Field(None, description="The value to set (insert, update, upsert).")
    unsupported = {"from_attribute": "set a value", "from_context": "set a value",
                   "pattern": "only insert, update, upsert and delete", "converted_type": "values keep their type"}

    @model_validator(mode="after")
    def _value(self) -> AttributeAction:
        if self.action == "delete" and self.value is not None:
            raise ValueError("delete takes no value")
        if self.action != "delete" and self.value is None:
            raise ValueError(f"{self.action} needs a value")
        return self


class AttributesConfig(ComponentConfig):
    actions: list[AttributeAction] = Field(min_length=1, description="Applied in order to every record.")
    unsupported = {"include": "actions apply to every record", "exclude": "actions apply to every record"}


class AttributesProcessor(Processor):
    """Insert, update, upsert or delete record attributes (spans, log records, metric data points)."""

    def __init__(self, cid: ComponentId, cfg: AttributesConfig, host: Host, next: Consumer,
                 pipeline: PipelineInfo) -> None:
        super().__init__(cid, host, next, pipeline)
        self.actions = cfg.actions

    def consume(self, request: Any, delivery: Delivery) -> Future | None:
        for _, record in iter_records(self.signal, request):
            kvs = record.attributes
            for a in self.actions:
                index = next((i for i, kv in enumerate(kvs) if kv.key == a.key), None)
                if a.action == "delete":
                    if index is not None:
                        del kvs[index]
                elif index is None:
                    if a.action in ("insert", "upsert"):
                        py_to_any(a.value, kvs.add(key=a.key).value)
                elif a.action in ("update", "upsert"):
                    kvs[index].value.Clear()
                    py_to_any(a.value, kvs[index].value)
        return self.next.consume(request, delivery)


def _factory(type_: str, config: type[ComponentConfig], cls: type[Processor]) -> Factory:
    return Factory("processors", type_, config,
                   lambda cid, cfg, host, next, pipeline: cls(cid, cfg, host, next, pipeline))


FACTORIES = (
    _factory("memory_limiter", MemoryLimiterConfig, MemoryLimiter),
    _factory("privacy", PrivacyConfig, PrivacyProcessor),
    _factory("batch", BatchConfig, BatchProcessor),
    _factory("filter", FilterConfig, FilterProcessor),
    _factory("attributes", AttributesConfig, AttributesProcessor),
)
