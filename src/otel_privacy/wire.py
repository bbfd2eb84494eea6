"""Redact OTLP export requests as protobuf bytes → bytes: the wire face of the one engine.

The Python :class:`~otel_privacy.redactor.Redactor` applies a policy's compiled per-key plans to
Python values; this module applies the *same plans* to an OTLP request where it lives, in its
wire format. It walks the protobuf encoding by hand (tags, varints, length-delimited fields),
looks up the plan of every ``KeyValue`` by its key, copies untouched fields, kept keys and
unknown fields through as bytes, rewrites only what a plan changes and re-emits the lengths
around it. Values a plan must look at are handed to the Redactor's own steps (text detectors,
structure, SQL, URL, identity), so the policy logic exists once.

Two implementations with byte-identical output (differential tests keep them so):

* :class:`_PyWalker` here, the reference;
* ``otel_privacy._wirecore`` (C, optional: built where a compiler exists), which does the walk,
  keep/drop/redact/hash dispatch, IPv4 truncation, URLs of the common shape (asking :class:`_Engine`
  only for the sanitiser's decision per distinct host, path segment and query key), SQL statements
  through the SQL core's C API and a bounded memo of value → result itself and calls back into
  :class:`_Engine` for everything else. Where it meets something rare it does not
  handle (a key written twice, a key the detectors rewrite, …) it gives the request back and the
  Python walker takes it, so the C core never has to be complete to be correct.

Record-level semantics are those of :func:`otel_privacy.otlp.redact_request` (which the SDK door
shares through ``Redactor.redact_span``/``redact_log`` and :mod:`.metrics_redaction`): the output,
parsed, equals what that function makes of the parsed input. A request protobuf would reject
raises :class:`WireError` (nothing is emitted); a request that protobuf reads differently from a
simple walk (a singular field written twice, two members of a oneof) is first normalised by
protobuf itself, then walked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope
from opentelemetry.proto.resource.v1.resource_pb2 import Resource

from .otlp import any_to_py, kv_to_dict, py_to_any, redact_request, set_kv
from .otlp_json import REQUEST_TYPES
from .otlp_walk import count_records, signal_of
from .redactor import DROP, RecordContext, Redactor, _Plan, _unique
from .scrub.bound import PARAMS, STATEMENT, holds_statement
from .scrub.nosql import NOSQL_SYSTEMS
from .scrub.querylang import language_for
from .scrub.sql import dialect_for_system

__all__ = ["WireError", "WireRedactor", "WireResult", "compiled_core_available"]

SIGNAL_CODES = {"traces": 0, "logs": 1, "metrics": 2}

# value kinds of an AnyValue, as the walkers name them (C uses the same numbers)
K_NONE, K_STR, K_BOOL, K_INT, K_DOUBLE, K_ARRAY, K_KVLIST, K_BYTES = range(8)
_SCALAR_KINDS = (K_BOOL, K_INT, K_DOUBLE)
# AnyValue oneof member: field number → (wire type, kind); string_value_strindex (8) reads as no value
_ANY_MEMBERS = {1: (2, K_STR), 2: (0, K_BOOL), 3: (0, K_INT), 4: (1, K_DOUBLE), 5: (2, K_ARRAY),
                6: (2, K_KVLIST), 7: (2, K_BYTES), 8: (0, K_NONE)}

# results of a value step (C uses the same numbers)
SAME, DROPPED, NEW = 0, 1, 2

# plan codes: what the C core may do itself; anything else is asked of the engine (memoised)
A_KEEP, A_DROP, A_REDACT, A_HASH, A_IP, A_OTHER, A_URL, A_SQL = range(8)
F_SCALAR_PASSES = 1  # numbers and booleans pass without a call (the plan only rewrites strings)
F_KEEP_BOOL = 2  # under redact: booleans are kept (a flag named like a secret holds none)

_CODES = {"keep": A_KEEP, "drop": A_DROP, "redact": A_REDACT, "hash": A_HASH, "ip": A_IP, "url": A_URL,
          "url_path": A_URL, "db_statement": A_SQL, "sql": A_SQL}
_MEMO_MAX_VALUE = 1024  # longer values are not memoised (they rarely repeat and would crowd the memo)
_MEMO_SIZE = 16384
_KEY_CACHE_SIZE = 8192


class WireError(ValueError):
    """The bytes are not a valid OTLP export request (what protobuf itself would refuse to parse)."""


class _NonCanonical(Exception):
    """A request protobuf reads differently from a field-by-field walk: normalise it first."""


@dataclass(frozen=True, slots=True)
class WireResult:
    data: bytes
    changed: int  # values redacted (what redact_request returns)
    records: int  # spans, log records or metric data points


# -- wire format ------------------------------------------------------------------------------------

def _varint(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _skip_group(buf: bytes, pos: int, number: int) -> int:
    """Past the END_GROUP that closes the group ``number`` started before ``pos``."""
    while True:
        tag, pos = _read_varint(buf, pos)
        fn, wt = tag >> 3, tag & 7
        if wt == 4:
            if fn != number:
                raise WireError("mismatched end group")
            return pos
        pos = _skip_value(buf, pos, wt, fn)


def _skip_value(buf: bytes, pos: int, wt: int, fn: int) -> int:
    if wt == 0:
        while buf[pos] >= 0x80:
            pos += 1
        return pos + 1
    if wt == 2:
        n, pos = _read_varint(buf, pos)
        return pos + n
    if wt == 1:
        return pos + 8
    if wt == 5:
        return pos + 4
    if wt == 3:
        return _skip_group(buf, pos, fn)
    raise WireError(f"wire type {wt}")


Field = tuple[int, int, int, int, int]  # field number, wire type, tag start, value start, end


def _fields(buf: bytes, pos: int, end: int) -> list[Field]:
    """The fields of the message in ``buf[pos:end]`` (already validated by protobuf's parser)."""
    out = []
    while pos < end:
        start = pos
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = _read_varint(buf, pos)
        fn, wt = tag >> 3, tag & 7
        if wt == 2:
            n = buf[pos]
            if n < 0x80:
                pos += 1
            else:
                n, pos = _read_varint(buf, pos)
            out.append((fn, 2, start, pos, pos + n))
            pos += n
        else:
            vs = pos
            pos = _skip_value(buf, pos, wt, fn)
            out.append((fn, wt, start, vs, pos))
    if pos != end:
        raise WireError("field runs past its message")
    return out


def _len_field(tag: bytes, payload: bytes) -> bytes:
    return tag + _varint(len(payload)) + payload


def encode_str_any(text: str) -> bytes:
    """``AnyValue{string_value: text}`` as protobuf encodes it."""
    return _len_field(b"\x0a", text.encode("utf-8"))


def encode_any(value: Any) -> bytes:
    """A Python value as an ``AnyValue`` (the reference's :func:`~otel_privacy.otlp.py_to_any`)."""
    if value.__class__ is str:
        return encode_str_any(value)
    return py_to_any(value).SerializeToString()


def encode_kv(key: str, any_bytes: bytes | None) -> bytes:
    """A fresh ``KeyValue`` (no value field when the value is empty, as protobuf leaves it unset)."""
    out = _len_field(b"\x0a", key.encode("utf-8")) if key else b""
    if any_bytes is not None:
        out += _len_field(b"\x12", any_bytes)
    return out


def _decode_any(raw: bytes) -> Any:
    return any_to_py(AnyValue.FromString(raw))


# -- the engine: policy decisions and value steps, shared by both walkers ----------------------------

def _same(new: Any, old: Any) -> bool:
    """``set_kv``'s test: is the redacted value the value that was there (same type, equal)?"""
    return new is old or (new.__class__ is old.__class__ and new == old)


def _result(new: Any, old: Any) -> int:
    if new is DROP:
        return DROPPED
    return SAME if _same(new, old) else NEW


class _Engine:
    """The Redactor's steps as the walkers need them: per key a plan code, per value a result and the effect
    on the record (count, tallies, derived attributes) so that the result can be memoised and replayed.

    One engine per walker (per processor): its resource cache maps this redactor's input to its output.
    Every method is pure given its arguments; ``cacheable`` is False when the redactor logged an error
    meanwhile (failures are not remembered).
    """

    def __init__(self, redactor: Redactor) -> None:
        self.r = redactor
        self.enabled = redactor.enabled
        summary = redactor.enabled and redactor.policy.record_summary
        where = redactor.policy.summary
        # what the C core writes itself: the count (0: never, 1: where something changed, 2: always), the policy
        self.summary_count = 0 if not summary else 2 if where.count == "always" else 1
        self.summary_policy_record = summary and where.policy == "record"
        self.resource_summary = bool(redactor.resource_summary())
        self.fingerprint = redactor.fingerprint
        self._cache: dict[Any, bytes] = {}  # resource and scope bytes → redacted bytes
        self._lock = threading.Lock()
        p = redactor.policy
        replacement = redactor._finish(redactor.replacement)
        self.replacement = replacement
        ident = p.identity
        # what the C core may do without asking: plain replacements, HMAC pseudonyms, IPv4 truncation
        native_hash = ident.algorithm == "hmac-sha256" and len(ident.prefix) + ident.length <= p.max_value_length \
            and ident.length <= 64
        self.native = {"replacement": replacement.encode("utf-8"), "hash": native_hash,
                       "redact": replacement == redactor.replacement,  # numbers get the unfinished one
                       "prefix": ident.prefix.encode("utf-8"), "length": ident.length,
                       "ipv4_prefix": p.ip.ipv4_prefix, "max_len": p.max_value_length}
        url = redactor.url
        # what the C core needs to sanitise a URL of the common shape itself (scrub.url decides hosts, path
        # segments and query keys, each once: see url_host, url_segment, url_query_key)
        self.native_url = {"replacement": url.replacement.encode("utf-8"),
                           "id_placeholder": url.id_placeholder.encode("utf-8"),
                           "keep": tuple(k.encode("utf-8") for k in sorted(url._keep)),
                           "template_paths": url.template_paths, "drop_fragment": url.drop_fragment}
        # the SQL core's engine, which the C core calls through its capsule (scrub/_sqlcore_api.h); None: the
        # Python step obfuscates every statement
        self.native_sql = {"engine": getattr(redactor.sql, "c_engine", None), "summary": p.sql.summary,
                           "relationships": p.sql.relationships}
        # a parameter container beside its statement (scrub/bound.py) goes through any_value with this plan
        self.bound_plan = redactor._bound_plan

    # -- per key ------------------------------------------------------------------------------
    def key(self, key: str) -> tuple[int, int, _Plan, str, int]:
        """``(plan code, flags, plan, key after the detectors, role among its siblings)`` for an attribute key
        (the role: :func:`.scrub.bound.sibling_role`, as the plan has it)."""
        r = self.r
        plan = r._plan_for(key)
        new_key = r._key_memo.get(key)
        if new_key is None:
            new_key = r._scrub_key(key)
        action = plan.action
        code = _CODES.get(action, A_OTHER)
        flags = (F_SCALAR_PASSES if plan.on_scalar is None and action != "drop" else 0) | \
            (F_KEEP_BOOL if plan.keep_bool else 0)
        return code, flags, plan, new_key, plan.sibling

    def holds_statement(self, text: str) -> bool:
        """Does a statement-named key's text (``sql``, ``query``) read as a statement (asked only where a
        parameter container is beside it)?"""
        return holds_statement(text)

    # -- URL decisions the C core's URL fast path asks for (each memoised there) ---------------------------
    def url_host(self, hostport: str) -> tuple[bytes, bool]:
        """``host[:port]`` as the sanitiser renders it, and whether its paths are read apart (webhook hosts' secrets,
        social networks' people): the Python step reads those."""
        rendered, secret, _, social = self.r.url._host(hostport)
        return rendered.encode("utf-8"), secret or social

    def url_segment(self, segment: str) -> tuple[bytes | None, bool]:
        """A path segment's replacement (``None``: kept) and whether the path is secret after it."""
        new, secret = self.r.url.decide_segment(segment)
        return (new.encode("utf-8") if new is not None else None), secret

    def url_query_key(self, key: str) -> int:
        """A query key's decisions as bits: 1 kept before a value, 2 kept as a flag, 4 its value allow-listed."""
        flag, ok, allowed = self.r.url.decide_query_key(key)
        return ok | flag << 1 | allowed << 2

    def sql_dialect(self, action: str, db_system: str | None) -> str | None:
        """The dialect every statement of a SQL key (plan action ``db_statement`` or ``sql``) is obfuscated in,
        in a record of ``db_system``: what ``Redactor._statement_step``/``_sql_step`` pass to the obfuscator.
        ``None`` where the route depends on more than the system (NoSQL stores, query languages, no
        ``db.system`` for a statement, a store that is not SQL): the Python step decides those."""
        r = self.r
        if action == "db_statement":
            if not db_system or db_system in NOSQL_SYSTEMS or language_for(db_system, "") is not None:
                return None
            dialect = dialect_for_system(db_system)
            if dialect is None:
                return None
        else:
            dialect = None
        return r.policy.sql.dialect or dialect or "generic"

    def hash_key(self) -> bytes:
        """The HMAC key (asked only when the policy pseudonymises with hmac-sha256)."""
        return self.r._get_pseudonymizer()._key

    # -- per value: (result, new, count, tallies, derived, cacheable) --------------------------
    def _scratch(self, db_system: str | None) -> tuple[RecordContext, int]:
        return RecordContext(db_system), self.r.stats["errors"]

    def _done(self, rec: RecordContext, errors: int) -> tuple[int, dict | None, tuple | None, bool]:
        derived = tuple((k, v, k.encode("utf-8"), encode_any(v)) for k, v in rec.derived.items()) \
            if rec.derived else None
        return rec.count, rec.actions, derived, self.r.stats["errors"] == errors

    def str_value(self, plan: _Plan, key: str, db_system: str | None, text: str) -> tuple:
        rec, errors = self._scratch(db_system)
        new = self.r._redact_with(plan, text, rec, key)
        res = _result(new, text)
        return (res, new if res == NEW else None, *self._done(rec, errors))

    def any_value(self, plan: _Plan, key: str, db_system: str | None, raw: bytes) -> tuple:
        rec, errors = self._scratch(db_system)
        old = _decode_any(raw)
        new = self.r._redact_with(plan, old, rec, key)
        res = _result(new, old)
        return (res, encode_any(new) if res == NEW else None, *self._done(rec, errors))

    def name(self, name: str, db_system: str | None) -> tuple:
        """A span name (``Redactor.redact_span_name`` within a record)."""
        rec, errors = self._scratch(db_system)
        new = self.r.redact_span_name(name, None, rec)
        return (new, *self._done(rec, errors))

    def text(self, text: str, db_system: str | None) -> tuple:
        """Free text within a record: event names, status messages, log event names, string bodies."""
        rec, errors = self._scratch(db_system)
        new = self.r.redact_text(text, rec)
        return (new, *self._done(rec, errors))

    def body(self, raw: bytes, db_system: str | None, event_name: str | None = None) -> tuple:
        """A log body (any AnyValue) → its new encoding, or None when it goes; ``event_name`` may say it is
        conversation content (``Redactor._body_key``)."""
        rec, errors = self._scratch(db_system)
        value = _decode_any(raw)
        new = self.r.redact_body(value, rec, self.r._body_key(event_name)) if value is not None else None
        out = None if new is None or new is DROP else encode_any(new)
        return (out, *self._done(rec, errors))

    # -- resource and scope: redacted once, cached by their bytes --------------------------------
    def resource(self, raw: bytes) -> bytes:
        """A resource (``b""`` for a resource group without one) with its attributes redacted and the
        resource summary added."""
        return self._cached(raw, raw, Resource, self.r.redact_resource, self.resource_summary)

    def scope(self, raw: bytes) -> bytes:
        return self._cached(("scope", raw), raw, InstrumentationScope, self.r.redact_scope, False)

    def _cached(self, key: Any, raw: bytes, cls: Any, redact: Callable[[Any], dict], always: bool) -> bytes:
        """As the reference caches them (one bounded dict, cleared when full), so both redact the same ones."""
        done = self._cache.get(key)
        if done is not None:
            return done
        msg = cls.FromString(raw)
        if not msg.attributes and not always:
            return raw
        set_kv(msg.attributes, redact(kv_to_dict(msg.attributes)))
        done = msg.SerializeToString()
        with self._lock:
            if len(self._cache) >= 1024:
                self._cache.clear()
            self._cache[key] = done
        return done

    def merge(self, rec: RecordContext) -> None:
        self.r._merge(rec)

    def merge_actions(self, actions: dict[str, int]) -> None:
        """The C core's tallies of a whole request, merged at once."""
        rec = RecordContext()
        rec.actions = dict(actions)
        self.r._merge(rec)


def _replay(rec: RecordContext, count: int, actions: dict | None, derived: tuple | None) -> None:
    rec.count += count
    if actions:
        for name, n in actions.items():
            rec.tally(name, n)
    if derived:
        for k, v, _, _ in derived:
            rec.derive(k, v)


# -- the Python walker ------------------------------------------------------------------------------

class _Entry:
    """One ``KeyValue`` of an attribute list: its key, its value's kind and where things are."""

    __slots__ = ("key", "start", "end", "fields", "vs", "ve", "kind", "member")

    def __init__(self, key: str, start: int, end: int, fields: list[Field], vs: int, ve: int, kind: int,
                 member: Field | None) -> None:
        self.key, self.start, self.end, self.fields = key, start, end, fields
        self.vs, self.ve, self.kind, self.member = vs, ve, kind, member  # member: the oneof field that is set


class _New:
    """A value that replaces an entry's (``source``: the entry it was computed from, if any)."""

    __slots__ = ("value", "raw", "source")

    def __init__(self, value: Any, raw: bytes | None, source: _Entry | None) -> None:
        self.value, self.raw, self.source = value, raw, source


class _PyWalker:
    """The reference wire walker. ``redact(signal code, bytes)`` → ``(bytes, changed, records)``."""

    def __init__(self, engine: _Engine) -> None:
        self.e = engine
        self._keys: dict[str, tuple[int, int, _Plan, str, int]] = {}
        self._memo: dict[tuple, tuple] = {}

    # -- entry point ----------------------------------------------------------------------------
    def redact(self, signal: int, buf: bytes) -> tuple[bytes, int, int]:
        self.changed = 0
        self.records = 0
        parts = []
        group = (self._trace_group, self._log_group, self._metric_group)[signal]
        for fn, wt, ts, vs, ve in _fields(buf, 0, len(buf)):
            if fn == 1 and wt == 2:
                parts.append(_len_field(b"\x0a", group(buf, vs, ve)))
            else:
                parts.append(buf[ts:ve])
        return b"".join(parts), self.changed, self.records

    # -- shared shapes ------------------------------------------------------------------------
    def _key(self, key: str) -> tuple[int, int, _Plan, str, int]:
        hit = self._keys.get(key)
        if hit is None:
            hit = self.e.key(key)
            if len(self._keys) < _KEY_CACHE_SIZE:
                self._keys[key] = hit
        return hit

    def _memo_get(self, kind: str, key: str | None, rec: RecordContext, raw: bytes, step: Callable[..., tuple],
                  *args: Any) -> tuple:
        """``step(*args)`` through the memo (by kind, key, database system and value bytes); its effect on the
        record is replayed either way."""
        memo_key = (kind, key, rec.db_system, raw) if len(raw) <= _MEMO_MAX_VALUE else None
        hit = self._memo.get(memo_key) if memo_key is not None else None
        if hit is None:
            hit = step(*args)
            if memo_key is not None and hit[-1]:
                if len(self._memo) >= _MEMO_SIZE:
                    self._memo.clear()
                self._memo[memo_key] = hit
        _replay(rec, *hit[-4:-1])
        return hit

    def _group(self, buf: bytes, s: int, e: int, scope_group: Callable[[bytes, int, int], bytes]) -> bytes:
        """A resource group (``ResourceSpans`` …): the resource through the engine's cache, then its scope groups."""
        parts = []
        fields = _fields(buf, s, e)
        resource = _single(fields, 1)
        for fn, wt, ts, vs, ve in fields:
            if wt == 2 and fn == 1:
                parts.append(_len_field(b"\x0a", self.e.resource(buf[vs:ve])))
            elif wt == 2 and fn == 2:
                parts.append(_len_field(b"\x12", scope_group(buf, vs, ve)))
            else:
                parts.append(buf[ts:ve])
        if resource is None and self.e.resource_summary:  # the reference gives every group a resource then
            parts.append(_len_field(b"\x0a", self.e.resource(b"")))
        return b"".join(parts)

    def _scope_group(self, buf: bytes, s: int, e: int, item: Callable[[bytes, int, int], bytes]) -> bytes:
        parts = []
        fields = _fields(buf, s, e)
        _single(fields, 1)
        for fn, wt, ts, vs, ve in fields:
            if wt == 2 and fn == 1:
                parts.append(_len_field(b"\x0a", self.e.scope(buf[vs:ve])))
            elif wt == 2 and fn == 2:
                parts.append(_len_field(b"\x12", item(buf, vs, ve)))
            else:
                parts.append(buf[ts:ve])
        return b"".join(parts)

    def _trace_group(self, buf: bytes, s: int, e: int) -> bytes:
        return self._group(buf, s, e, lambda b, s2, e2: self._scope_group(b, s2, e2, self._span))

    def _log_group(self, buf: bytes, s: int, e: int) -> bytes:
        return self._group(buf, s, e, lambda b, s2, e2: self._scope_group(b, s2, e2, self._log))

    def _metric_group(self, buf: bytes, s: int, e: int) -> bytes:
        return self._group(buf, s, e, lambda b, s2, e2: self._scope_group(b, s2, e2, self._metric))

    # -- attribute lists --------------------------------------------------------------------------
    def _entries(self, buf: bytes, fields: list[Field], number: int) -> list[_Entry]:
        entries = []
        for fn, wt, ts, vs, ve in fields:
            if fn != number or wt != 2:
                continue
            kv = _fields(buf, vs, ve)
            key, value = _single(kv, 1), _single(kv, 2)
            k = buf[key[3]:key[4]].decode("utf-8") if key is not None else ""
            if value is None:
                entries.append(_Entry(k, ts, ve, kv, -1, -1, K_NONE, None))
            else:
                entries.append(_Entry(k, ts, ve, kv, value[3], value[4], *_any_member(buf, value[3], value[4])))
        return entries

    def _redact_entries(self, buf: bytes, entries: list[_Entry], rec: RecordContext) -> tuple[dict, dict]:
        """``Redactor.redact_attributes`` over the entries: ``(before, out)`` with out's values an entry (unchanged)
        or a :class:`_New`."""
        before = {}
        for ent in entries:
            before[ent.key] = ent  # as kv_to_dict: the last of a repeated key wins, at the first one's place
        out: dict[str, Any] = {}
        if not before:
            return before, out
        params: list[tuple[str, str, _Entry, int, int, _Plan]] | None = None  # as Redactor.redact_attributes
        statement = False
        queries: list[_Entry] | None = None
        for key, ent in before.items():
            code, flags, plan, new_key, role = self._key(key)
            if new_key != key:
                rec.changed("key")
                new_key = _unique(new_key, out)
            if role:
                if role == PARAMS:
                    params = params or []
                    params.append((key, new_key, ent, code, flags, plan))
                    out[new_key] = None
                    continue
                if role == STATEMENT:
                    member = ent.member
                    statement = statement or (ent.kind == K_STR and member is not None and member[4] > member[3])
                else:
                    queries = queries or []
                    queries.append(ent)
            new = self._entry_value(buf, key, ent, code, flags, plan, rec)
            if new is not _ABSENT:
                out[new_key] = new
        if params is not None:
            bound = statement or (queries is not None and any(
                q.kind == K_STR and self._memo_get("q", None, rec, buf[q.vs:q.ve], self._holds, _text(buf, q.member))[0]
                for q in queries))
            for key, new_key, ent, code, flags, plan in params:
                if bound:
                    new = self._bound(buf, key, ent, rec)
                else:
                    new = self._entry_value(buf, key, ent, code, flags, plan, rec)
                if new is _ABSENT:
                    del out[new_key]
                else:
                    out[new_key] = new
        if rec.derived:
            for k, v in rec.derived.items():
                if k not in out and k not in before:
                    out[k] = _New(v, encode_any(v), None)
            rec.derived = None
        return before, out

    def _entry_value(self, buf: bytes, key: str, ent: _Entry, code: int, flags: int, plan: _Plan,
                     rec: RecordContext) -> Any:
        """One entry by its key's plan: the entry (unchanged), a :class:`_New`, or ``_ABSENT`` (dropped)."""
        kind = ent.kind
        if code == A_KEEP or (kind in _SCALAR_KINDS and flags & F_SCALAR_PASSES):
            return ent
        raw = buf[ent.vs:ent.ve] if ent.vs >= 0 else b""
        if kind == K_STR:
            res, new = self._memo_get("s", key, rec, raw, self.e.str_value, plan, key, rec.db_system,
                                      _text(buf, ent.member))[:2]
            if res == NEW:
                return _New(new, encode_str_any(new), ent)
        else:
            res, new = self._memo_get("a", key, rec, raw, self.e.any_value, plan, key, rec.db_system, raw)[:2]
            if res == NEW:
                return _New(None, new, ent)
        return ent if res == SAME else _ABSENT

    def _bound(self, buf: bytes, key: str, ent: _Entry, rec: RecordContext) -> Any:
        """A parameter container beside its statement (``_Engine.bound_value``)."""
        if ent.kind == K_NONE:
            return ent
        raw = buf[ent.vs:ent.ve]
        res, new = self._memo_get("p", key, rec, raw, self.e.any_value, self.e.bound_plan, key, rec.db_system, raw)[:2]
        if res == NEW:
            return _New(None, new, ent)
        return ent if res == SAME else _ABSENT

    def _holds(self, text: str) -> tuple:
        """``holds_statement`` in the memo's shape (nothing counted, always cacheable)."""
        return self.e.holds_statement(text), 0, None, None, True

    def _summary(self, rec: RecordContext, out: dict) -> None:
        for key, value in self.e.r.record_summary(rec).items():
            out[key] = _New(value, None, None)

    def _emit_entries(self, buf: bytes, entries: list[_Entry], before: dict, out: dict,
                      tag: bytes) -> tuple[dict[int, bytes | None], list[bytes]]:
        """``set_kv(container, out, before)``: per entry start, its replacement (None: removed; absent: copied),
        and the fresh ``KeyValue`` fields appended after the list."""
        replaced: dict[int, bytes | None] = {}
        appended = []
        if len(before) != len(entries):  # a repeated key: the whole list is rebuilt from the merged mapping
            for ent in entries:
                replaced[ent.start] = None
            for k, v in out.items():
                appended.append(_len_field(tag, encode_kv(k, self._fresh(buf, v))))
            return replaced, appended
        for ent in entries:
            v = out.get(ent.key, _ABSENT)
            if v is _ABSENT:
                replaced[ent.start] = None
            elif v is ent:
                continue
            else:
                new_raw = self._changed_raw(buf, ent, v)
                if new_raw is not None:
                    replaced[ent.start] = _len_field(tag, _with_value(buf, ent, new_raw))
        for k, v in out.items():
            if k not in before:
                appended.append(_len_field(tag, encode_kv(k, self._fresh(buf, v))))
        return replaced, appended

    def _changed_raw(self, buf: bytes, ent: _Entry, v: Any) -> bytes | None:
        """The new encoding of ``ent``'s value when ``v`` differs from it, else None."""
        if isinstance(v, _New) and v.source is ent:
            return v.raw  # the engine already compared it with this entry's value
        old = _decode_any(buf[ent.vs:ent.ve]) if ent.vs >= 0 else None
        new = _decode_any(buf[v.vs:v.ve]) if isinstance(v, _Entry) and v.vs >= 0 else (
            None if isinstance(v, _Entry) else _value_of(v))
        if _same(new, old):
            return None
        return v.raw if isinstance(v, _New) and v.raw is not None else encode_any(new)

    def _fresh(self, buf: bytes, v: Any) -> bytes | None:
        """A value re-encoded from its Python form, as ``py_to_any`` writes it (None: left empty)."""
        if isinstance(v, _New):
            return v.raw if v.raw is not None else encode_any(v.value)
        value = _decode_any(buf[v.vs:v.ve]) if v.vs >= 0 else None
        return None if value is None else encode_any(value)

    def _attribute_list(self, buf: bytes, fields: list[Field], number: int, rec: RecordContext,
                        summary: bool = False) -> tuple[dict[int, bytes | None], list[bytes]]:
        entries = self._entries(buf, fields, number)
        if rec.db_system is None:
            rec.db_system = _db_system(buf, entries)
        before, out = self._redact_entries(buf, entries, rec)
        if summary:
            self._summary(rec, out)
        return self._emit_entries(buf, entries, before, out, bytes((number << 3 | 2,)))

    # -- records ----------------------------------------------------------------------------------
    def _span(self, buf: bytes, s: int, e: int) -> bytes:
        self.records += 1
        fields = _fields(buf, s, e)
        name_f, status_f = _single(fields, 5), _single(fields, 15)
        entries = self._entries(buf, fields, 9)
        rec = RecordContext(_db_system(buf, entries))
        name = _text(buf, name_f)
        new_name = name
        if name:
            new_name = self._memo_get("n", None, rec, name.encode("utf-8"), self.e.name, name, rec.db_system)[0]
        before, out = self._redact_entries(buf, entries, rec)
        replaced, appended = {}, []
        for fn, wt, ts, vs, ve in fields:
            if fn == 11 and wt == 2:
                replaced[ts] = _len_field(b"\x5a", self._event(buf, vs, ve, rec))
        for fn, wt, ts, vs, ve in fields:
            if fn == 13 and wt == 2:
                replaced[ts] = _len_field(b"\x6a", self._link(buf, vs, ve, rec))
        if status_f is not None:
            status = _fields(buf, status_f[3], status_f[4])
            msg_f = _single(status, 2)
            message = _text(buf, msg_f)
            if message:
                new_message = self._text(message, rec)
                if new_message != message:
                    replaced[status_f[2]] = _len_field(b"\x7a", _replace(buf, status, {
                        msg_f[2]: _len_field(b"\x12", new_message.encode("utf-8"))}))
        self._summary(rec, out)
        self.e.merge(rec)
        self.changed += rec.count
        attr_replaced, appended = self._emit_entries(buf, entries, before, out, b"\x4a")
        replaced.update(attr_replaced)
        if new_name != name:
            replaced[name_f[2]] = _len_field(b"\x2a", new_name.encode("utf-8"))
        return _replace(buf, fields, replaced, appended)

    def _text(self, text: str, rec: RecordContext) -> str:
        return self._memo_get("t", None, rec, text.encode("utf-8"), self.e.text, text, rec.db_system)[0]

    def _event(self, buf: bytes, s: int, e: int, span_rec: RecordContext) -> bytes:
        fields = _fields(buf, s, e)
        name_f = _single(fields, 2)
        entries = self._entries(buf, fields, 3)
        rec = RecordContext(_db_system(buf, entries) or span_rec.db_system)
        name = _text(buf, name_f)
        new_name = self._text(name, rec) if name else name
        before, out = self._redact_entries(buf, entries, rec)
        replaced, appended = self._emit_entries(buf, entries, before, out, b"\x1a")
        if new_name != name:
            replaced[name_f[2]] = _len_field(b"\x12", new_name.encode("utf-8"))
        span_rec.count += rec.count
        self.e.merge(rec)
        return _replace(buf, fields, replaced, appended)

    def _link(self, buf: bytes, s: int, e: int, span_rec: RecordContext) -> bytes:
        fields = _fields(buf, s, e)
        rec = RecordContext()
        replaced, appended = self._attribute_list(buf, fields, 4, rec)
        span_rec.count += rec.count
        self.e.merge(rec)
        return _replace(buf, fields, replaced, appended)

    def _log(self, buf: bytes, s: int, e: int) -> bytes:
        self.records += 1
        fields = _fields(buf, s, e)
        body_f, name_f = _single(fields, 5), _single(fields, 12)
        entries = self._entries(buf, fields, 6)
        rec = RecordContext(_db_system(buf, entries))
        before, out = self._redact_entries(buf, entries, rec)
        replaced: dict[int, bytes | None] = {}
        name = _text(buf, name_f)
        if body_f is not None:
            new_body = self._body(buf, body_f[3], body_f[4], rec, name or _event_name(buf, entries))
            replaced[body_f[2]] = None if new_body is None else _len_field(b"\x2a", new_body)
        if name:
            new_name = self._text(name, rec)
            if new_name != name:
                replaced[name_f[2]] = _len_field(b"\x62", new_name.encode("utf-8"))
        self._summary(rec, out)
        self.e.merge(rec)
        self.changed += rec.count
        attr_replaced, appended = self._emit_entries(buf, entries, before, out, b"\x32")
        replaced.update(attr_replaced)
        return _replace(buf, fields, replaced, appended)

    def _body(self, buf: bytes, s: int, e: int, rec: RecordContext, event_name: str) -> bytes | None:
        """A log body is always re-encoded (as the reference does), so both walkers get it from the engine."""
        raw = buf[s:e]
        kind, member = _any_member(buf, s, e)
        if not event_name and kind == K_STR and len(_fields(buf, s, e)) == 1:  # plain text: the memoised text step
            text = _text(buf, member)
            return encode_str_any(self._text(text, rec) if text else text)
        return self._memo_get("b", event_name, rec, raw, self.e.body, raw, rec.db_system, event_name or None)[0]

    def _metric(self, buf: bytes, s: int, e: int) -> bytes:
        fields = _fields(buf, s, e)
        desc_f = _single(fields, 2)
        data = [f for f in fields if f[0] in _METRIC_DATA and f[1] == 2]
        if len(data) > 1:
            raise _NonCanonical("two data members")
        replaced: dict[int, bytes | None] = {}
        description = _text(buf, desc_f)
        if description:  # free text in a record of its own (not counted, as in the metrics path)
            rec = RecordContext()
            new = self._text(description, rec)
            self.e.merge(rec)
            if new != description:
                replaced[desc_f[2]] = _len_field(b"\x12", new.encode("utf-8"))
        replaced_md, appended = self._point_list(buf, fields, 12)
        replaced.update(replaced_md)
        for fn, _wt, ts, vs, ve in data:
            attrs_no, exemplars_no = _METRIC_DATA[fn]
            inner = _fields(buf, vs, ve)
            inner_replaced = {}
            for ifn, iwt, its, ivs, ive in inner:
                if ifn == 1 and iwt == 2:
                    self.records += 1
                    inner_replaced[its] = _len_field(b"\x0a", self._point(buf, ivs, ive, attrs_no, exemplars_no))
            replaced[ts] = _len_field(bytes((fn << 3 | 2,)), _replace(buf, inner, inner_replaced))
        return _replace(buf, fields, replaced, appended)

    def _point_list(self, buf: bytes, fields: list[Field], number: int) -> tuple[dict[int, bytes | None], list[bytes]]:
        """A point's attributes (or an exemplar's, or a metric's metadata): ``redact_point``'s count and rewrite."""
        entries = self._entries(buf, fields, number)
        if not entries:
            return {}, []
        rec = RecordContext(_db_system(buf, entries))
        before, out = self._redact_entries(buf, entries, rec)
        self.e.merge(rec)
        for key, ent in before.items():  # metrics_redaction._changed
            v = out.get(key, _ABSENT)
            if v is _ABSENT or (v is not ent and self._changed_raw(buf, ent, v) is not None):
                self.changed += 1
        return self._emit_entries(buf, entries, before, out, bytes((number << 3 | 2,)))

    def _point(self, buf: bytes, s: int, e: int, attrs_no: int, exemplars_no: int) -> bytes:
        fields = _fields(buf, s, e)
        replaced, appended = self._point_list(buf, fields, attrs_no)
        if exemplars_no:
            for fn, wt, ts, vs, ve in fields:
                if fn == exemplars_no and wt == 2:
                    ex = _fields(buf, vs, ve)
                    ex_replaced, ex_appended = self._point_list(buf, ex, 7)
                    if ex_replaced or ex_appended:
                        replaced[ts] = _len_field(bytes((fn << 3 | 2,)), _replace(buf, ex, ex_replaced, ex_appended))
        return _replace(buf, fields, replaced, appended)


# metric data member → (data point attributes field, exemplars field or 0)
_METRIC_DATA = {5: (7, 5), 7: (7, 5), 9: (9, 8), 10: (1, 11), 11: (7, 0)}
_ABSENT = object()


def _single(fields: list[Field], number: int) -> Field | None:
    """The one length-delimited field ``number`` (a singular field written twice is merged by protobuf)."""
    found = None
    for f in fields:
        if f[0] == number and f[1] == 2:
            if found is not None:
                raise _NonCanonical(f"field {number} twice")
            found = f
    return found


def _text(buf: bytes, f: Field | None) -> str:
    return buf[f[3]:f[4]].decode("utf-8") if f is not None else ""


def _any_member(buf: bytes, s: int, e: int) -> tuple[int, Field | None]:
    """The kind of the AnyValue in ``buf[s:e]`` and the field that holds it."""
    kind, found = K_NONE, None
    for f in _fields(buf, s, e):
        member = _ANY_MEMBERS.get(f[0])
        if member is not None and member[0] == f[1]:
            if found is not None:
                raise _NonCanonical("two AnyValue members")
            kind, found = member[1], f
    return kind, found


def _event_name(buf: bytes, entries: list[_Entry]) -> str:
    """A log record's ``event.name`` attribute (the last of a repeated key, as a dict keeps it), else ``""``."""
    name = ""
    for ent in entries:
        if ent.key == "event.name":
            name = _text(buf, ent.member) if ent.kind == K_STR else ""
    return name


def _db_system(buf: bytes, entries: list[_Entry]) -> str | None:
    """``Redactor.new_record``: the record's database system from its attributes (the last of a repeated key)."""
    last: dict[str, _Entry] = {}
    for ent in entries:
        if ent.key in ("db.system.name", "db.system"):
            last[ent.key] = ent
    for k in ("db.system.name", "db.system"):
        ent = last.get(k)
        if ent is not None and ent.kind == K_STR:
            value = _text(buf, ent.member)
            if value:
                return value.lower()
    return None


def _value_of(v: _New) -> Any:
    return v.value if v.value is not None else _decode_any(v.raw)


def _with_value(buf: bytes, ent: _Entry, new_any: bytes) -> bytes:
    """The entry's ``KeyValue`` with its value replaced (key and any other field kept in place)."""
    value = _len_field(b"\x12", new_any)
    if ent.vs < 0:  # it had none
        return _replace(buf, ent.fields, {}, [value])
    return _replace(buf, ent.fields, {f[2]: value for f in ent.fields if f[0] == 2 and f[1] == 2})


def _replace(buf: bytes, fields: list[Field], replaced: dict[int, bytes | None],
             appended: list[bytes] = ()) -> bytes:
    """The message re-emitted: each field copied, or replaced by ``replaced[tag start]`` (None: removed)."""
    parts = []
    for f in fields:
        ts = f[2]
        if ts in replaced:
            new = replaced[ts]
            if new is not None:
                parts.append(new)
        else:
            parts.append(buf[ts:f[4]])
    parts.extend(appended)
    return b"".join(parts)


# -- the public face --------------------------------------------------------------------------------

try:  # the compiled core is optional: no compiler at install time means the Python walker
    from . import _wirecore as _core
except ImportError:  # pragma: no cover - depends on the build
    _core = None


def compiled_core_available() -> bool:
    """Was the C core built (``pip install`` with a compiler)?"""
    return _core is not None


class WireRedactor:
    """Redact OTLP export requests (bytes → bytes) with one :class:`Redactor`.

    Create one per processor and keep it: it holds that redactor's resource cache, key plans and
    value memo (all bounded). ``compiled=None`` uses the C core when it was built; ``False`` forces
    the Python walker (the reference), ``True`` requires the core.
    Thread-safe in the sense the gateway needs: concurrent calls are serialised per instance.
    """

    def __init__(self, redactor: Redactor | None = None, *, compiled: bool | None = None) -> None:
        self.redactor = redactor if redactor is not None else Redactor()
        self._engine = _Engine(self.redactor)
        self._py = _PyWalker(self._engine)
        if compiled and _core is None:
            raise RuntimeError("the compiled wire core (otel_privacy._wirecore) is not built")
        use_core = _core is not None if compiled is None else compiled
        self._core = _core.Walker(self._engine, WireError) if use_core else None
        self._lock = threading.Lock()
        self.fallbacks = 0  # requests the C core handed to the Python walker (for tests and benchmarks)

    @property
    def compiled(self) -> bool:
        return self._core is not None

    def redact(self, signal: str, data: bytes) -> WireResult:
        """Redact one export request of ``signal`` (``traces``, ``logs``, ``metrics``) given as protobuf bytes.

        Raises :class:`WireError` for bytes protobuf would not parse as that request; nothing is returned then.
        """
        code = SIGNAL_CODES[signal]
        data = bytes(data)
        with self._lock:
            if self._core is not None:
                out = self._core.redact(code, data)
                if out is None:  # normalise what protobuf reads differently from a walk, then walk again
                    out = self._core.redact(code, _canonical(signal, data))
                if out is not False and out is not None:
                    return WireResult(*out)
                self.fallbacks += 1
            return self._redact_py(signal, code, data)

    def _redact_py(self, signal: str, code: int, data: bytes) -> WireResult:
        try:
            message = REQUEST_TYPES[signal].FromString(data)  # the reference's verdict on what is valid
        except DecodeError as exc:
            raise WireError(f"not a valid OTLP {signal} export request: {exc}") from None
        if not self._engine.enabled:
            return WireResult(data, 0, count_records(signal, message))
        try:
            return WireResult(*self._py.redact(code, data))
        except _NonCanonical:
            return WireResult(*self._py.redact(code, message.SerializeToString()))

    def redact_message(self, request: Any, signal: str | None = None) -> int:
        """Redact an export request *message* in place; returns the values changed.

        With the compiled core: serialized, redacted as bytes, parsed back (doors that hold bytes should call
        :meth:`redact` and skip the round trip). Without it, the reference path on the message itself
        (:func:`otel_privacy.otlp.redact_request`, which the Python walker equals), as it is faster there.
        """
        if self._core is None:
            return redact_request(self.redactor, request, self._engine._cache)
        result = self.redact(signal or signal_of(request), request.SerializeToString())
        request.ParseFromString(result.data)
        return result.changed


def _canonical(signal: str, data: bytes) -> bytes:
    try:
        return REQUEST_TYPES[signal].FromString(data).SerializeToString()
    except DecodeError as exc:
        raise WireError(f"not a valid OTLP {signal} export request: {exc}") from None

