"""``otel-privacy inspect``: show exactly what is sent — trace trees, timings, before → after.

Given raw OTLP (what an app produced), it redacts a copy with the policy and shows each changed
value before and after; the *before* never leaves this machine (it is rendered locally only).
Given OTLP that was already redacted (it carries ``otel_privacy.policy``), it shows what was sent.
``--html`` writes one self-contained page (no external assets): a waterfall per trace, the
redaction summary per rule, and the span names that took the most time.
"""

from __future__ import annotations

import copy
import html
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..otlp import any_to_py, kv_to_dict, redact_request
from ..otlp_walk import iter_items
from ..redactor import POLICY_KEY, Redactor
from .otlp_files import Batch
from .walk import flatten

__all__ = ["SpanView", "Inspection", "inspect_batches", "render_text", "render_html"]

_KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


@dataclass
class SpanView:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    kind: str
    start: int
    end: int
    attributes: dict[str, Any]
    diffs: list[tuple[str, str, str]] = field(default_factory=list)  # (key, before, after)
    children: list[SpanView] = field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return max(self.end - self.start, 0) / 1e6


@dataclass
class Inspection:
    traces: dict[str, list[SpanView]]  # trace id -> root spans
    spans: list[SpanView]
    logs: list[tuple[str, str]]  # (before, after) bodies
    rules: Counter[str]
    raw_available: bool
    policy: str


def _strings(attrs: dict[str, Any]) -> dict[str, str]:
    return {k: v for key, value in attrs.items() for k, v in flatten(key, value)}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str]]:
    b, a = _strings(before), _strings(after)
    out = [(k, b[k], a.get(k, "(dropped)")) for k in b if a.get(k) != b[k]]
    out += [(k, "", a[k]) for k in a if k not in b and not k.startswith("otel_privacy.")]
    return out


def inspect_batches(batches: list[Batch], redactor: Redactor, *, assume_sent: bool | None = None) -> Inspection:
    """Build the views; redact a copy unless the input was already redacted."""
    already = assume_sent if assume_sent is not None else _looks_redacted(batches)
    before_stats = redactor.snapshot_stats()
    spans: list[SpanView] = []
    logs: list[tuple[str, str]] = []
    for batch in batches:
        after_req = batch.request
        if not already:
            after_req = copy.deepcopy(batch.request)
            redact_request(redactor, after_req)
        if batch.signal == "traces":
            spans.extend(_span_views(batch.request, after_req, show_before=not already))
        elif batch.signal == "logs":
            for (_, _, lr_b), (_, _, lr_a) in zip(iter_items("logs", batch.request), iter_items("logs", after_req)):
                logs.append((_body(lr_b) if not already else "", _body(lr_a)))
    stats = redactor.snapshot_stats()
    rules: Counter[str] = Counter({k: v - before_stats.get(k, 0) for k, v in stats.items()
                                   if v - before_stats.get(k, 0) > 0 and k != "errors"})
    if already:  # the policy each record went through: on the record, or (by default) on its resource
        rules = Counter(_policy_of(rg, span) for batch in batches if batch.signal == "traces"
                        for rg, _, span in iter_items("traces", batch.request))
    by_id = {s.span_id: s for s in spans}
    traces: dict[str, list[SpanView]] = defaultdict(list)
    for s in sorted(spans, key=lambda s: s.start):
        parent = by_id.get(s.parent_id)
        if parent is not None and parent is not s:
            parent.children.append(s)
        else:
            traces[s.trace_id].append(s)
    return Inspection(dict(traces), spans, logs, rules, not already, redactor.fingerprint)


def _body(lr: Any) -> str:
    """A log body as one line of text (maps and arrays as JSON)."""
    if not lr.HasField("body"):
        return ""
    value = any_to_py(lr.body)
    return value if isinstance(value, str) else json.dumps(value, default=repr)


def _policy_of(resource_group: Any, record: Any) -> str:
    for kvs in (record.attributes, resource_group.resource.attributes):
        for kv in kvs:
            if kv.key == POLICY_KEY:
                return kv.value.string_value
    return "?"


def _looks_redacted(batches: list[Batch]) -> bool:
    for batch in batches:
        if batch.signal == "traces":
            for rg, _, span in iter_items("traces", batch.request):
                return _policy_of(rg, span) != "?"
    return False


def _span_views(before_req: Any, after_req: Any, *, show_before: bool) -> list[SpanView]:
    out = []
    for (_, _, sb), (_, _, sa) in zip(iter_items("traces", before_req), iter_items("traces", after_req)):
        after = kv_to_dict(sa.attributes)
        view = SpanView(sa.trace_id.hex(), sa.span_id.hex(), sa.parent_span_id.hex(), sa.name,
                        _KINDS.get(sa.kind, str(sa.kind)), sa.start_time_unix_nano, sa.end_time_unix_nano, after)
        if show_before:
            before = kv_to_dict(sb.attributes)
            if sb.name != sa.name:
                view.diffs.append(("(span name)", sb.name, sa.name))
            view.diffs.extend(_diff(before, after))
            for eb, ea in zip(sb.events, sa.events):
                view.diffs.extend((f"event {ea.name}: {k}", b, a) for k, b, a in
                                  _diff(kv_to_dict(eb.attributes), kv_to_dict(ea.attributes)))
            if sb.status.message != sa.status.message:
                view.diffs.append(("(status)", sb.status.message, sa.status.message))
        out.append(view)
    return out


def _walk(views: list[SpanView], depth: int = 0):
    for v in views:
        yield depth, v
        yield from _walk(v.children, depth + 1)


def render_text(ins: Inspection, console: Any, *, show_before: bool = True) -> None:
    """Trace trees with timings and, when the raw input was given, before → after per value."""
    from rich.markup import escape

    for trace_id, roots in ins.traces.items():
        console.print(f"[bold]trace {trace_id}[/]")
        for depth, v in _walk(roots):
            console.print(f"{'  ' * (depth + 1)}[cyan]{escape(v.name)}[/]  [dim]{v.kind}, {v.duration_ms:.1f} ms[/]")
            for key, before, after in v.diffs:
                pad = "  " * (depth + 3)
                if show_before and ins.raw_available:
                    console.print(f"{pad}[yellow]{escape(key)}[/]: [red]{escape(before[:100])}[/] → "
                                  f"[green]{escape(str(after)[:100])}[/]")
                else:
                    console.print(f"{pad}[yellow]{escape(key)}[/]: [green]{escape(str(after)[:100])}[/]")
    if ins.logs:
        console.print("[bold]log records[/]")
        for before, after in ins.logs:
            if before and before != after and show_before:
                console.print(f"  [red]{escape(before[:120])}[/] → [green]{escape(after[:120])}[/]")
            else:
                console.print(f"  {escape(after[:120])}")
    console.print(f"[bold]redactions by rule[/] (policy {ins.policy}):")
    for rule, n in ins.rules.most_common():
        console.print(f"  {rule:30} {n}")


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;
vertical-align:top}.wf{position:relative;height:18px;background:#f4f4f4;width:480px}.bar{position:absolute;top:2px;
height:14px;background:#4a7fd4;border-radius:2px}.before{color:#b00;font-family:monospace}.after{color:#070;
font-family:monospace}.kind{color:#777;font-size:12px}.note{color:#555}
"""


def render_html(ins: Inspection, *, title: str = "otel-privacy inspect", show_before: bool = True) -> str:
    """A self-contained HTML report (inline CSS, no scripts or external assets)."""
    e = html.escape
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{e(title)}</h1>",
             f"<p class=note>Policy <code>{e(ins.policy)}</code>. "
             + ("Before-values are shown because the raw input was given; this page stays on your machine."
                if ins.raw_available and show_before else "This is what was sent.") + "</p>"]
    for trace_id, roots in ins.traces.items():
        flat = list(_walk(roots))
        t0 = min(v.start for _, v in flat)
        total = max(max(v.end for _, v in flat) - t0, 1)
        parts.append(f"<h2>Trace <code>{e(trace_id)}</code></h2><table class=trace><tr><th>span</th><th>kind</th>"
                     "<th>ms</th><th>waterfall</th></tr>")
        for depth, v in flat:
            left = 100 * (v.start - t0) / total
            width = max(100 * (v.end - v.start) / total, 0.5)
            parts.append(f"<tr class=span data-name=\"{e(v.name)}\"><td style=\"padding-left:{8 + 16 * depth}px\">"
                         f"{e(v.name)}</td><td class=kind>{e(v.kind)}</td><td>{v.duration_ms:.1f}</td>"
                         f"<td><div class=wf><div class=bar style=\"left:{left:.2f}%;width:{width:.2f}%\"></div>"
                         "</div></td></tr>")
            for key, before, after in v.diffs:
                shown = f"<span class=before>{e(before[:200])}</span> → " if ins.raw_available and show_before else ""
                parts.append(f"<tr class=diff><td colspan=4 style=\"padding-left:{24 + 16 * depth}px\">"
                             f"<b>{e(key)}</b>: {shown}<span class=after>{e(str(after)[:200])}</span></td></tr>")
        parts.append("</table>")
    parts.append("<h2>Redactions by rule</h2><table id=rules><tr><th>rule</th><th>values</th></tr>")
    parts.extend(f"<tr><td>{e(rule)}</td><td>{n}</td></tr>" for rule, n in ins.rules.most_common())
    parts.append("</table><h2>Top span names by time</h2><table id=top><tr><th>kind</th><th>span</th><th>count</th>"
                 "<th>total ms</th></tr>")
    by_name: dict[tuple[str, str], list[float]] = defaultdict(list)
    for v in ins.spans:
        by_name[(v.kind, v.name)].append(v.duration_ms)
    for (kind, name), durations in sorted(by_name.items(), key=lambda kv: -sum(kv[1]))[:15]:
        parts.append(f"<tr><td>{e(kind)}</td><td>{e(name)}</td><td>{len(durations)}</td>"
                     f"<td>{sum(durations):.1f}</td></tr>")
    parts.append("</table>")
    if ins.logs:
        parts.append("<h2>Log records</h2><table id=logs>")
        parts.extend(f"<tr><td class=after>{e(after[:300])}</td></tr>" for _, after in ins.logs)
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)
