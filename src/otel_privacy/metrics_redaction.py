"""What the privacy policy does to a metric: one implementation for the SDK door and the OTLP door.

Spans and log records have record-level functions on the :class:`~otel_privacy.redactor.Redactor`
(``redact_span``, ``redact_log``); these are the metric ones. A metric's description is free
text; each data point's attributes and each exemplar's filtered attributes are redacted like any
attributes, without the per-record summary (it would split time series by redaction count).
Resource and scope attributes go through ``Redactor.redact_resource`` as for the other signals.
The SDK's ``RedactingMetricExporter`` and the protobuf path (:mod:`otel_privacy.otlp`) both call
these, so a metric redacted in the app and the same metric redacted by the gateway match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .redactor import Redactor

__all__ = ["RedactedPoint", "redact_description", "redact_point"]


@dataclass(frozen=True)
class RedactedPoint:
    attributes: dict[str, Any]
    exemplars: list[dict[str, Any]]
    count: int  # values changed or dropped


def redact_description(redactor: Redactor, description: str) -> str:
    """A metric description is free text: the detectors run over it."""
    return redactor.redact_text(description) if description else description


def redact_point(redactor: Redactor, attributes: Mapping[str, Any] | None,
                 exemplars: Iterable[Mapping[str, Any] | None] = ()) -> RedactedPoint:
    """Redact one data point's attributes and its exemplars' filtered attributes."""
    attrs = redactor.redact_attributes(attributes) if attributes else {}
    count = _changed(attributes, attrs)
    out = []
    for ex in exemplars:
        new = redactor.redact_attributes(ex) if ex else {}
        count += _changed(ex, new)
        out.append(new)
    return RedactedPoint(attrs, out, count)


def _changed(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> int:
    if not before:
        return 0
    # the value itself (identity first: a NaN is kept, not changed, though it is unequal to itself)
    return sum(1 for k, v in before.items()
               if k not in after or (after[k] is not v and (after[k] != v or type(after[k]) is not type(v))))
