"""Compile a :class:`~otel_privacy.policy.Policy` into per-key plans, apply them to value trees, and count.

The Redactor is the one engine behind every door (SDK processors, the OTLP gateway, the CLI). It
knows nothing of OpenTelemetry objects: doors hand it plain values — attribute mappings, strings,
nested log bodies — and put the results back into their own types.

Values are trees, not strings. A map (a dict-valued attribute, a log body, an ``AnyValue`` kvlist) is
walked with the full key *path* of each entry (``app.request.cookie``), and map keys are scanned as
data; a string that holds structure (JSON, escaped JSON, a Python repr, a form body, ``key=value``
text, an ORM error) is parsed by :mod:`.scrub.structure` and its values are redacted by their keys,
in the structure's own syntax. Keys are read as words (:mod:`.scrub.keynames`).

For each key path the policy is decided once (rule → action → a compiled :class:`_Plan` whose steps
handle every value type) and cached, so the per-value work is a dict lookup plus the scrubber itself.

Fail closed: if a scrubber raises, the value is dropped (never exported raw) and counted.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from .genai import GenAIContent
from .policy import Policy
from .scrub import bound as _bound
from .scrub import identity as _identity
from .scrub import keynames as _keys
from .scrub.ip import truncate_ip
from .scrub.nosql import NOSQL_SYSTEMS, obfuscate_nosql
from .scrub.querylang import FAILED as _QUERY_FAILED
from .scrub.querylang import QUERY_SYSTEMS, language_for, obfuscate_query
from .scrub.sql import FAILED as _SQL_FAILED
from .scrub.sql import SqlObfuscator, SqlResult, dialect_for_system, is_low_cardinality_name, looks_like_sql
from .scrub.structure import (
    ANY_CONTAINER,
    ANY_VALUE,
    DOCUMENT,
    PARAMETERS_PATH,
    STATEMENT_PATH,
    fit_json,
    may_hold_structure,
    pair_fields,
    scrub_structure,
)
from .scrub.text import TextScanner
from .scrub.url import UrlSanitizer

__all__ = ["Redactor", "RecordContext", "RedactedSpan", "RedactedLog", "DROP", "COUNT_KEY", "POLICY_KEY"]

_log = logging.getLogger("otel_privacy")

#: Marker returned for values that must not be exported.
DROP: Any = type("DropType", (), {"__repr__": lambda self: "DROP", "__bool__": lambda self: False})()

COUNT_KEY = "otel_privacy.redacted.count"
POLICY_KEY = "otel_privacy.policy"

_DB_SYSTEM_KEYS = ("db.system.name", "db.system")
# "{method} {target}": standard and custom methods (PROPFIND, semconv's HTTP for unknown ones); the target is
# a path, an absolute URL or a protocol-relative one (never a table name: "SELECT users" is no HTTP name).
_HTTP_NAME = re.compile(r"^([A-Z][A-Z_\-]{1,19}) ((?:/|\*$|[A-Za-z][A-Za-z0-9+.\-]*://)\S*)$")
_MAX_KEY_CACHE = 8192
_SCALARS = frozenset({bool, int, float})
_CONTAINERS = (Mapping, list, tuple)
_TEXT_MEMO_MAX_LEN = 256
_JSON_OPEN = ("{", "[")  # how a JSON document starts (one that is too long is cut inside, see _finish)
_TEXT_MEMO_SIZE = 16384
_MAX_NESTING = 8  # strings inside structures inside strings: deeper ones get the detectors only
# A percent-encoded run of text ("alice%40example.com", "%2540"): decoded before the detectors look again.
_PERCENT_RUN = re.compile(r"[^\s\"'<>]*%[0-9A-Fa-f]{2}[^\s\"'<>]*")
_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# An option after another element of a list in a document: '"mysql", "-pS3cret"', "'docker', '-p'"
_ARGV_ELEMENT = re.compile(r"""[\[,][ \t]*\\?["']-""")
_PAIR_NAME = re.compile(r"[^\W\d][^\s'\"\\,()\[\]{}]{0,63}")  # a name first in a (name, value) pair
_FLAG_ARG = re.compile(r"--?([^\W\d_][^=]*)")  # -p, --password, --client.secret, --пароль (not "-1", "--")

StrStep = Callable[[str, "RecordContext"], str]


class RecordContext:
    """Per-record state: how many values were changed, the record's database system, derived attributes.

    Counts per action are gathered here and merged into :attr:`Redactor.stats` once per record,
    so the hot path takes no lock per value.
    """

    __slots__ = ("count", "db_system", "derived", "actions")

    def __init__(self, db_system: str | None = None) -> None:
        self.count = 0
        self.db_system = db_system
        self.derived: dict[str, Any] | None = None
        self.actions: dict[str, int] | None = None

    def changed(self, action: str) -> None:
        """One value was changed by ``action``."""
        self.count += 1
        self.tally(action)

    def tally(self, name: str, n: int = 1) -> None:
        """Itemise ``n`` occurrences of ``name`` (e.g. detector hits) without counting changed values."""
        actions = self.actions
        if actions is None:
            self.actions = {name: n}
        else:
            actions[name] = actions.get(name, 0) + n

    def derive(self, key: str, value: Any) -> None:
        if self.derived is None:
            self.derived = {}
        self.derived.setdefault(key, value)


@dataclass(slots=True)
class RedactedSpan:
    """A span's string-carrying parts after redaction (doors copy them back into their own types)."""

    name: str
    attributes: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]]
    links: list[dict[str, Any]]
    status_description: str | None
    count: int


@dataclass(slots=True)
class RedactedLog:
    body: Any
    attributes: dict[str, Any]
    event_name: str | None
    count: int


class _Plan:
    """What to do with the values of one key path, compiled once: a step per value type.

    ``on_str`` rewrites strings, ``on_scalar`` numbers (and booleans where the action replaces them);
    ``None`` lets the type pass. ``inherit``: a map's entries that no rule of their own claims take this plan
    (the entries of an identity map are pseudonymised too). ``default``: no rule or key word chose it.
    ``on_tree``: maps and arrays go to this step whole instead of being walked entry by entry (GenAI messages,
    whose fields mean something only next to their siblings). ``sibling``: the key's role among the attributes
    of its record (:func:`.scrub.bound.sibling_role`; 0 for most keys): a statement, or a container whose values
    are bound parameters when a statement is beside it.
    """

    __slots__ = ("action", "on_str", "on_scalar", "keep_bool", "inherit", "default", "on_tree", "sibling")

    def __init__(self, action: str, on_str: StrStep | None, on_scalar: Callable[[Any], Any] | None, *,
                 keep_bool: bool = True, default: bool = False,
                 on_tree: Callable[[Any, RecordContext], Any] | None = None) -> None:
        self.action = action
        self.on_str = on_str  # None: strings pass untouched
        self.on_scalar = on_scalar  # None: int/float pass untouched
        self.keep_bool = keep_bool  # False: booleans go to on_scalar as well
        self.inherit = action not in ("keep", "text", "drop", "redact")
        self.default = default
        self.on_tree = on_tree
        self.sibling = 0


class Redactor:
    """Redacts values according to a :class:`Policy`. Thread-safe; create once and share."""

    def __init__(self, policy: Policy | str | dict | None = None) -> None:
        self.policy = Policy.load(policy)
        p = self.policy
        self.enabled = p.enabled
        self.replacement = p.replacement
        self.fingerprint = p.fingerprint
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._errors_logged: set[str] = set()
        self._plans: dict[str, _Plan] = {}
        # keys inside strings: the same plans unless an allow-list limits the record's own keys
        self._text_plans: dict[str, _Plan] = self._plans if p.allow_keys is None else {}
        self._secret_keys = re.compile("|".join(f"(?:{x})" for x in p.secret_key_patterns), re.I) \
            if p.secret_key_patterns else None
        self._rules = [(r.match, r.action) for r in p.rules]
        # protective rules once more with "_", "-" and case folded, for keys written another way (url_query)
        self._normal_rules = [([_normal_key(m) for m in r.match], r.action) for r in p.rules if r.action != "keep"]
        self._max_len = p.max_value_length
        k = p.keys
        self._vocabulary = _keys.DEFAULT_VOCABULARY.with_words(
            secret=k.secret_words, metadata=k.metadata_words, identity=k.identity, personal=k.personal,
        ) if k.enabled else None
        self._word_actions = {_keys.SECRET: "redact", _keys.COUNT: "count", _keys.IDENTITY: k.identity_action,
                              _keys.PERSONAL: k.personal_action}
        self._structure = p.structure.enabled
        self._structure_max = p.structure.max_bytes
        self._key_memo: dict[str, str] = {}
        # key path inside text -> does its plan do more than the detectors (asked for every key=value in a line)
        self._wants_memo: dict[str, bool] = {}
        self._role_memo: dict[str, int] = {}  # map key -> its role among its siblings (scrub/bound.py), by name
        self._pseudonym_shape = re.compile(re.escape(p.identity.prefix) + f"[0-9a-f]{{{p.identity.length}}}")

        self.url = UrlSanitizer(
            replacement=p.replacement, allow_query_keys=p.url.allow_query_keys, drop_fragment=p.url.drop_fragment,
            template_paths=p.url.template_paths, path_id_patterns=p.url.path_id_patterns,
            id_placeholder=p.url.id_placeholder,
        )
        self.sql = SqlObfuscator(
            collapse_lists=p.sql.collapse_lists, obfuscate_booleans=p.sql.obfuscate_booleans,
            keep_comments=p.sql.keep_comments, max_length=p.sql.max_length, cache_size=p.sql.cache_size,
            relationships=p.sql.relationships,
        )
        self._ip4, self._ip6 = p.ip.ipv4_prefix, p.ip.ipv6_prefix
        hash_rules = [patterns for patterns, action in self._rules if action == "hash"]
        words_hash = self._vocabulary is not None and p.keys.identity_action == "hash"

        def hashes_key(key: str) -> bool:
            """Would an attribute named ``key`` be pseudonymised (by a hash rule or read as an identity word)?
            Strict mode's allow-list is not asked: it decides what is exported, not what is an identity."""
            return any(_match_any(m, key) for m in hash_rules) or (
                words_hash and self._vocabulary.classify(key) == _keys.IDENTITY)

        self._hashes_key = hashes_key
        self.text = TextScanner(
            detectors=p.text.detectors, custom=p.text.custom, replacement=p.replacement,
            typed_replacement=p.text.typed_replacement, url_sanitizer=self.url, ip_truncator=self.truncate_ip,
            phone_regions=p.text.phone_regions, phone_context_words=p.text.phone_context_words,
            entropy_threshold=p.text.entropy_threshold, secret_words=p.text.secret_words,
            vocabulary=self._vocabulary or _keys.DEFAULT_VOCABULARY, pseudonym_shape=self._pseudonym_shape.pattern,
            # identities in prose get the pseudonym an attribute of the same key would get
            pseudonymize=self.pseudonymize, identity_key=self._hashes_key, identity_words=_identity_words(p),
        )
        self._text_memo: dict[str, tuple[str, dict[str, int] | None]] = {}
        self._name_memo: dict[tuple[str, str | None], tuple[str, dict[str, int] | None, dict | None]] = {}
        self._pseudonymizer: _identity.Pseudonymizer | None = None
        self._pseudonymizer_lock = threading.Lock()
        self._genai = GenAIContent(self)  # GenAI conversation content (the genai action)
        # a driver's parameters beside their statement (scrub/bound.py): every value replaced, the shape kept
        self._bound_plan = _Plan("redact", self._bound_text, lambda v: self.replacement, keep_bool=False,
                                 on_tree=self._bound_tree)

    # -- public, value level -----------------------------------------------------------
    def new_record(self, attributes: Mapping[str, Any] | None = None) -> RecordContext:
        """Start a record; its database system (for SQL dialects) is read from ``attributes``."""
        system = None
        if attributes:
            for k in _DB_SYSTEM_KEYS:
                v = attributes.get(k)
                if isinstance(v, str) and v:
                    system = v.lower()
                    break
        return RecordContext(system)

    def redact_value(self, key: str, value: Any, record: RecordContext | None = None) -> Any:
        """Redact one attribute value chosen by ``key``; returns :data:`DROP` when it must go.

        ``value`` may be any attribute or ``AnyValue`` type: strings, numbers, bytes, sequences and maps
        (walked with the key path of each entry).
        """
        if not self.enabled:
            return value
        standalone = record is None
        rec = RecordContext() if standalone else record
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(key)
        out = self._redact_with(plan, value, rec, key)
        if standalone:
            self._merge(rec)
        return out

    def bound_names(self, named: Mapping[str, Any]) -> frozenset[str]:
        """The names among ``named`` — a call's arguments, a frame's locals — whose values are a driver's bound
        parameters: containers beside a statement (``execute(sql, params)``), as an attribute set is read."""
        if not self.enabled or len(named) < 2:
            return frozenset()
        return self._bound_in_map(named, "") or frozenset()

    def redact_bound(self, value: Any, record: RecordContext | None = None) -> Any:
        """Bound parameters (a container, or its text: a repr, JSON): every value replaced, the shape kept."""
        if not self.enabled:
            return value
        rec = RecordContext() if record is None else record
        out = self._redact_with(self._bound_plan, value, rec, "")
        if record is None:
            self._merge(rec)
        return out

    def _redact_with(self, plan: _Plan, value: Any, rec: RecordContext, path: str) -> Any:
        try:
            out = self._apply(plan, value, rec, path)
        except Exception as exc:  # fail closed: never export what we could not redact
            self._error(f"{plan.action}:{type(exc).__name__}", exc)
            rec.count += 1
            return DROP
        # a walked container counts its changed leaves (already counted), a replaced one counts once
        if out is not value and (out is DROP or out != value) and (
                out is DROP or not isinstance(value, _CONTAINERS) or not isinstance(out, _CONTAINERS)):
            rec.changed(plan.action)
        return out

    def redact_attributes(self, attributes: Mapping[str, Any] | None,
                          record: RecordContext | None = None) -> dict[str, Any]:
        """Redact a whole attribute mapping (keys kept in order, dropped ones removed).

        Keys are data too: a key holding what a detector finds (``sent.alice@example.com``) is rewritten.
        Derived attributes (e.g. ``db.query.summary`` from a statement) are appended after the
        originals, unless the record already carries them.
        """
        if not attributes:
            return {}
        if not self.enabled:
            return dict(attributes)
        standalone = record is None
        rec = self.new_record(attributes) if standalone else record
        out: dict[str, Any] = {}
        plans = self._plans
        key_memo = self._key_memo
        params: list[tuple[str, str, Any, _Plan]] | None = None  # containers that may hold bound parameters
        statement = False  # a statement is beside them (queries: texts that may be one, read only if needed)
        queries: list[Any] | None = None
        for key, value in attributes.items():
            plan = plans.get(key)
            if plan is None:
                plan = self._plan(key)
            new_key = key_memo.get(key)
            if new_key is None:
                new_key = self._scrub_key(key)
            if new_key != key:
                rec.changed("key")
                new_key = _unique(new_key, out)
            if plan.sibling:  # decided once the whole set is read (its place in the order is kept)
                if plan.sibling == _bound.PARAMS:
                    params = params or []
                    params.append((key, new_key, value, plan))
                    out[new_key] = None
                    continue
                if plan.sibling == _bound.STATEMENT:
                    statement = statement or (value.__class__ is str and value != "")
                else:
                    queries = queries or []
                    queries.append(value)
            # Fast paths: kept keys, and numbers/bools under actions that only rewrite strings.
            if plan.action == "keep" or (value.__class__ in _SCALARS and plan.on_scalar is None
                                         and plan.action != "drop"):
                out[new_key] = value
                continue
            new = self._redact_with(plan, value, rec, key)
            if new is not DROP:
                out[new_key] = new
        if params is not None:
            bound = statement or (queries is not None and any(_bound.holds_statement(q) for q in queries))
            for key, new_key, value, plan in params:
                if bound:
                    new = self._redact_with(self._bound_plan, value, rec, key)
                elif plan.action == "keep" or (value.__class__ in _SCALARS and plan.on_scalar is None):
                    new = value
                else:
                    new = self._redact_with(plan, value, rec, key)
                if new is DROP:
                    del out[new_key]
                else:
                    out[new_key] = new
        if standalone:
            self._merge(rec)
        if rec.derived:
            for key, value in rec.derived.items():
                if key not in out and key not in attributes:
                    out[key] = value
            rec.derived = None
        return out

    def redact_text(self, text: str, record: RecordContext | None = None) -> str:
        """Run the free-text detectors (the default action) over ``text``; fail closed to the replacement."""
        if not self.enabled or not text:
            return text
        return self._guarded_str(self._text_step, text, record, "text")

    def redact_span_name(self, name: str, attributes: Mapping[str, Any] | None = None,
                         record: RecordContext | None = None) -> str:
        """Span names: statements become summaries, ``GET /users/123`` is templated, other text is scanned.

        Names that are already low-cardinality (``SELECT``, ``SELECT users``, ``GET /orders/{id}``)
        are left alone.
        """
        if not self.enabled or not name:
            return name
        if record is None:
            record = self.new_record(attributes)
            out = self._guarded_str(self._name_step, name, record, "span_name")
            self._merge(record)
            return out
        return self._guarded_str(self._name_step, name, record, "span_name")

    def redact_body(self, body: Any, record: RecordContext | None = None, key: str | None = None) -> Any:
        """Redact a log body / AnyValue: strings scanned (structure too), maps by key path, arrays element-wise."""
        if not self.enabled:
            return body
        if record is None:
            record = RecordContext()
            out = self.redact_body(body, record, key)
            self._merge(record)
            return out
        if key is not None:
            return self.redact_value(key, body, record)
        if isinstance(body, Mapping):
            return self._redact_map(body, "", None, record)
        if isinstance(body, (list, tuple)):
            # an array body by the default plan: element-wise and across elements (argv, split PEM lines)
            out = self._redact_seq(self._plan_for(""), body, record, "")
            return list(out)
        if isinstance(body, str):
            return self.redact_text(body, record)
        if isinstance(body, (bytes, bytearray)):
            return self.redact_value("", bytes(body), record)
        return body

    # -- public, record level: every door calls these, so their outputs match ------------
    def redact_span(self, name: str, attributes: Mapping[str, Any] | None,
                    events: Iterable[tuple[str, Mapping[str, Any] | None]] = (),
                    links: Iterable[Mapping[str, Any] | None] = (),
                    status_description: str | None = None) -> RedactedSpan:
        """Redact every string a span carries; the summary attributes are appended to its attributes."""
        if not self.enabled:
            return RedactedSpan(name, dict(attributes or {}), [(n, dict(a or {})) for n, a in events],
                                [dict(a or {}) for a in links], status_description, 0)
        rec = self.new_record(attributes)
        new_name = self.redact_span_name(name, attributes, rec)
        attrs = self.redact_attributes(attributes, rec)
        new_events = []
        for ev_name, ev_attrs in events:
            ev_rec = self.new_record(ev_attrs)
            ev_rec.db_system = ev_rec.db_system or rec.db_system
            new_events.append((self.redact_text(ev_name, ev_rec), self.redact_attributes(ev_attrs, ev_rec)))
            rec.count += ev_rec.count
            self._merge(ev_rec)
        new_links = []
        for link_attrs in links:
            link_rec = self.new_record(link_attrs)
            new_links.append(self.redact_attributes(link_attrs, link_rec))
            rec.count += link_rec.count
            self._merge(link_rec)
        desc = self.redact_text(status_description, rec) if status_description else status_description
        attrs.update(self.record_summary(rec))
        self._merge(rec)
        return RedactedSpan(new_name, attrs, new_events, new_links, desc, rec.count)

    def redact_log(self, body: Any, attributes: Mapping[str, Any] | None,
                   event_name: str | None = None) -> RedactedLog:
        """Redact a log record's body (nested maps/arrays too), attributes and event name."""
        if not self.enabled:
            return RedactedLog(body, dict(attributes or {}), event_name, 0)
        rec = self.new_record(attributes)
        attrs = self.redact_attributes(attributes, rec)
        new_body = self.redact_body(body, rec, self._body_key(event_name or (attributes or {}).get("event.name"))) \
            if body is not None else None
        if new_body is DROP:
            new_body = None
        name = self.redact_text(event_name, rec) if event_name else event_name
        attrs.update(self.record_summary(rec))
        self._merge(rec)
        return RedactedLog(new_body, attrs, name, rec.count)

    def _body_key(self, event_name: Any) -> str | None:
        """The key a log record's body is redacted under, given its event name (the ``event_name`` field, else the
        ``event.name`` attribute): a GenAI message event's body is conversation content, walked as the carrier its
        name names; any other body is walked by its own keys (``None``)."""
        if isinstance(event_name, str) and event_name and self._plan_for(event_name).action == "genai":
            return event_name
        return None

    def redact_resource(self, attributes: Mapping[str, Any] | None) -> dict[str, Any]:
        """Resource attributes: redacted like any attributes, plus the :meth:`resource_summary`."""
        out = self.redact_attributes(attributes)
        out.update(self.resource_summary())
        return out

    def redact_scope(self, attributes: Mapping[str, Any] | None) -> dict[str, Any]:
        """Instrumentation scope attributes: redacted like any attributes, without a summary."""
        return self.redact_attributes(attributes)

    def record_summary(self, record: RecordContext) -> dict[str, Any]:
        """Attributes a door adds to a record: the count of values changed (by default only where something
        was) and the policy fingerprint (by default on the resource instead; see ``Policy.summary``)."""
        if not self.enabled or not self.policy.record_summary:
            return {}
        where = self.policy.summary
        out: dict[str, Any] = {}
        if record.count or where.count == "always":
            out[COUNT_KEY] = record.count
        if where.policy == "record":
            out[POLICY_KEY] = self.fingerprint
        return out

    def resource_summary(self) -> dict[str, Any]:
        """Attributes a door adds to every resource: the policy fingerprint, unless it goes on every record."""
        if not self.enabled or not self.policy.record_summary or self.policy.summary.policy != "resource":
            return {}
        return {POLICY_KEY: self.fingerprint}

    def truncate_ip(self, value: str) -> str | None:
        return truncate_ip(value, self._ip4, self._ip6)

    def pseudonymize(self, value: str) -> str:
        """Keyed pseudonym of ``value`` per the policy's identity options.

        A value that already is one (``u_`` + hex of the configured length) is returned as it is, so a record
        redacted twice — in the SDK, then again by a gateway — keeps the pseudonym the first door gave it.
        """
        if self._pseudonym_shape.fullmatch(value):
            return value
        return self._get_pseudonymizer()(value)

    def is_pseudonym(self, value: str) -> bool:
        """Does ``value`` have the shape of this policy's pseudonyms?"""
        return self._pseudonym_shape.fullmatch(value) is not None

    def snapshot_stats(self) -> dict[str, int]:
        with self._stats_lock:
            return dict(self.stats)

    # -- planning ----------------------------------------------------------------------
    def action_for(self, key: str) -> str:
        """The action the policy picks for ``key`` (for ``inspect`` / ``scan`` explanations)."""
        return self._plan_for(key).action

    def _plan_for(self, key: str) -> _Plan:
        plan = self._plans.get(key)
        return plan if plan is not None else self._plan(key)

    def _text_plan_for(self, path: str) -> _Plan:
        """The plan for a key found *inside* a string (JSON, a repr, ``key=value`` text).

        The policy's ``allow_keys`` lists the attributes a record may carry; it does not reach into text, where
        a key that no rule claims gets the detectors (strict would otherwise turn ``status=200`` in a log line
        into ``status=REDACTED``).
        """
        if self._text_plans is self._plans:
            return self._plan_for(path)
        plan = self._text_plans.get(path)
        if plan is None:
            plan = self._plan(path, allow_list=False)
        return plan

    def _choose_action(self, key: str, allow_list: bool = True) -> tuple[str, str]:
        """The action for a key or key path, and what chose it: ``rule``, ``words`` or ``default``.

        Rules match the whole path first. Rules that protect (anything but ``keep``) also match any dot-suffix
        of it, so ``enduser.id`` inside a map (``ctx.enduser.id``) or a flattened key is still pseudonymised;
        ``keep`` only ever matches the whole key, so nesting can never make a value *less* protected. Then the
        policy's key patterns, then the key read as words (:mod:`.scrub.keynames`), then the default action.
        """
        p = self.policy
        if not p.enabled:
            return "keep", "rule"
        if allow_list and p.allow_keys is not None and not _match_any(p.allow_keys, key):
            # Explicit keep/hash/redact rules may still let a key through strict mode.
            for patterns, action in self._rules:
                if action == "keep" and _match_any(patterns, key):
                    return action, "rule"
            return "drop", "rule"
        for patterns, action in self._rules:
            if _match_any(patterns, key):
                return action, "rule"
        if "." in key:
            suffix = key
            while "." in suffix:
                suffix = suffix.partition(".")[2]
                for patterns, action in self._rules:
                    if action != "keep" and _match_any(patterns, suffix):
                        return action, "rule"
        normal = _normal_key(key)
        if normal != key:  # url_query, http_request_header_authorization, DB-STATEMENT: the same protective rules
            suffix = normal
            while True:
                for patterns, action in self._normal_rules:
                    if _match_any(patterns, suffix):
                        return action, "rule"
                if "." not in suffix:
                    break
                suffix = suffix.partition(".")[2]
        if self._secret_keys is not None and self._secret_keys.search(key):
            return "redact", "rule"
        if self._vocabulary is not None:
            word_class = self._vocabulary.classify(key)
            if word_class != _keys.NONE:
                return self._word_actions[word_class], "words"
        return p.default_action, "default"

    def _plan(self, key: str, allow_list: bool = True) -> _Plan:
        action, source = self._choose_action(key, allow_list)
        replacement = self.replacement
        on_str: StrStep | None
        on_scalar: Callable[[Any], Any] | None = None
        on_tree: Callable[[Any, RecordContext], Any] | None = None
        keep_bool = True
        if action == "keep" or action == "drop":
            on_str = None
        elif action == "redact":
            on_str = lambda v, rec: replacement  # noqa: E731
            on_scalar = lambda v: replacement  # noqa: E731
            keep_bool = source == "words"  # a flag named like a secret (test.pass: true) holds none
        elif action == "count":  # numbers (and numbers written as strings) survive; anything else is a secret
            on_str = lambda v, rec: v if _NUMERIC.fullmatch(v.strip()) else replacement  # noqa: E731
        elif action == "operation":
            on_str = _operation_name
        elif action == "host":
            on_str = lambda v, rec: v if _HOST.fullmatch(v) else self._text_step(v, rec)  # noqa: E731
        elif action == "hash":
            on_str = lambda v, rec: self.pseudonymize(v)  # noqa: E731
            on_scalar = lambda v: self.pseudonymize(str(v))  # noqa: E731
            keep_bool = False
        elif action == "ip":
            on_str = self._ip_step
        elif action == "db_statement":
            on_str = self._statement_step
        elif action == "sql":
            on_str = self._sql_step
        elif action == "url":
            on_str = self._url_step
        elif action == "url_path":
            on_str = self._url_path_step
        elif action == "genai":  # conversation content: see otel_privacy.genai
            on_str, on_scalar, on_tree = self._genai.steps(key)
        else:
            on_str = self._text_step
        plan = _Plan(action, on_str, on_scalar, keep_bool=keep_bool, default=source == "default", on_tree=on_tree)
        role = _bound.sibling_role(key)
        # a rule for the key itself (or an action that already hides it) comes before what its siblings say
        plan.sibling = 0 if role == _bound.PARAMS and (source == "rule" or action not in ("text", "keep")) else role
        cache = self._plans if allow_list else self._text_plans
        if len(cache) < _MAX_KEY_CACHE:  # keys are low-cardinality; bound it anyway
            cache[key] = plan
        return plan

    # -- applying ----------------------------------------------------------------------
    def _apply(self, plan: _Plan, value: Any, rec: RecordContext, path: str) -> Any:
        action = plan.action
        if action == "keep":
            return value
        if action == "drop":
            return DROP
        if plan.on_tree is not None and isinstance(value, _CONTAINERS):
            return plan.on_tree(value, rec)
        cls = value.__class__
        if cls is str:
            return self._finish(plan.on_str(value, rec)) if plan.on_str is not None else value
        if cls is bool:
            return value if plan.keep_bool or plan.on_scalar is None else plan.on_scalar(value)
        if cls is int or cls is float:
            return plan.on_scalar(value) if plan.on_scalar is not None else value
        if isinstance(value, (bytes, bytearray)):
            if plan.on_str is None:
                return value
            # UTF-8 text is read as text, so non-ASCII secrets (пароль=…, full-width digits) are found as in a
            # string; other bytes as latin-1, which maps every byte to one code point and back: ASCII secrets match.
            codec = "utf-8"
            try:
                text = bytes(value).decode(codec)
            except UnicodeDecodeError:
                codec = "latin-1"
                text = bytes(value).decode(codec)
            new = plan.on_str(text, rec)
            return value if new == text else self._finish(new).encode(codec, "replace")
        if isinstance(value, Mapping):
            if action == "redact":
                return self.replacement
            return self._redact_map(value, path, plan, rec)
        if isinstance(value, Sequence):
            return self._redact_seq(plan, value, rec, path)
        if value is None:
            return None
        if isinstance(value, bool):  # subclasses of the scalar types (IntEnum, numpy scalars register as these)
            return value if plan.keep_bool or plan.on_scalar is None else plan.on_scalar(value)
        if isinstance(value, (int, float)):
            return value if plan.on_scalar is None else plan.on_scalar(value)
        # Unknown types are stringified then scrubbed: never export something we did not inspect.
        return self._apply(plan, str(value), rec, path)

    def _redact_map(self, mapping: Mapping[Any, Any], path: str, parent: _Plan | None,
                    rec: RecordContext) -> dict[str, Any]:
        """A map by key path: each entry by its own plan (or its parent's, see :attr:`_Plan.inherit`).

        A name/value pair object (``{"name": "DB_PASSWORD", "value": "…"}``, OTLP-JSON's ``{"key": …, "value":
        {"stringValue": …}}``) is read as ``{name: value}``: the value by the named key, the name as a key; an
        ``AnyValue`` wrapper (``stringValue``, ``kvlistValue.values``) is no key of its own."""
        out: dict[str, Any] = {}
        pair = pair_fields(mapping) if len(mapping) > 1 else None
        field = _validation_field(mapping) if pair is None else None
        bound = self._bound_in_map(mapping, path) if len(mapping) > 1 else None
        for k, v in mapping.items():
            key = k if k.__class__ is str else str(k)
            if pair is not None and key == pair[0]:
                new_name = self._key_memo.get(v)
                if new_name is None:
                    new_name = self._scrub_key(v)
                if new_name != v:
                    rec.changed("key")
                out[key] = new_name
                continue
            if pair is not None and key == pair[1]:
                child = f"{path}.{pair[2]}" if path else pair[2]
            elif field is not None and key in ("input", "input_value"):  # the value of the field "loc" names
                child = f"{path}.{field}" if path else field
            elif key in ANY_VALUE:
                child = path
            elif key in ANY_CONTAINER and isinstance(v, Mapping) and len(v) == 1 and "values" in v:
                plan = self._plans.get(path) or self._plan(path)
                new = self._redact_with(plan, v["values"], rec, path)
                out[key] = {"values": new if new is not DROP else []}
                continue
            else:
                child = f"{path}.{key}" if path else key
            plan = self._plans.get(child)
            if plan is None:
                plan = self._plan(child)
            if plan.default and parent is not None and parent.inherit:
                plan = parent
            if bound is not None and key in bound and child == (f"{path}.{key}" if path else key):
                plan = self._bound_plan
            new_key = self._key_memo.get(key)
            if new_key is None:
                new_key = self._scrub_key(key)
            if new_key != key:
                rec.changed("key")
                new_key = _unique(new_key, out)
            if pair is not None and key == pair[1] and isinstance(v, Mapping) and len(v) == 1 \
                    and next(iter(v)) in ANY_VALUE:  # {"stringValue": "…"}: the wrapper stays, its value goes
                wrapper = next(iter(v))
                new = self._redact_with(plan, v[wrapper], rec, child)
                new = {wrapper: self.replacement if new is DROP else new}
            else:
                new = self._redact_with(plan, v, rec, child)
            if new is not DROP:
                out[new_key] = new
        return out

    def _bound_in_map(self, mapping: Mapping[Any, Any], path: str) -> frozenset[str] | None:
        """The keys of a map whose values are bound parameters: containers beside a statement, as
        :meth:`redact_attributes` reads a record's attributes (roles by name first, memoised: most maps have none)."""
        roles = 0
        memo = self._role_memo
        for k in mapping:
            if k.__class__ is str:
                role = memo.get(k)
                if role is None:
                    role = _bound.sibling_role(k)
                    if len(memo) < _MAX_KEY_CACHE:
                        memo[k] = role
                roles |= role
        if not roles & _bound.PARAMS or not roles & (_bound.STATEMENT | _bound.QUERY):
            return None
        params, statement = [], False
        for k, v in mapping.items():
            if k.__class__ is not str:
                continue
            role = self._plan_for(f"{path}.{k}" if path else k).sibling
            if role == _bound.PARAMS:
                params.append(k)
            elif role == _bound.STATEMENT:
                statement = statement or (v.__class__ is str and v != "")
            elif role == _bound.QUERY:
                statement = statement or _bound.holds_statement(v)
        return frozenset(params) if params and statement else None

    def _redact_seq(self, plan: _Plan, seq: Sequence[Any], rec: RecordContext, path: str) -> Any:
        """Element-wise, then across elements: ``["--password", "x"]`` and a PEM block split into lines."""
        items = list(seq)
        out: list[Any] = [None] * len(items)
        if plan.action == "text" and plan.on_str is not None:
            self._argv(items, rec)
        for i, item in enumerate(items):
            if item.__class__ is str and i + 1 < len(items) and items[i + 1].__class__ is str \
                    and (m := _FLAG_ARG.fullmatch(item)) is not None:
                flag = self._plan_for(m.group(1))  # argv: the value after --password is a password
                if not flag.default and flag.action not in ("keep", "text"):
                    items[i + 1] = _Flagged(items[i + 1], flag)
            if isinstance(item, _Flagged):
                out[i] = self._redact_with(item.plan, item.value, rec, path)
            elif item.__class__ in (list, tuple) and len(item) == 2 and item[0].__class__ is str \
                    and _PAIR_NAME.fullmatch(item[0]) and not (pair := self._plan_for(
                        f"{path}.{item[0]}" if path else item[0])).default:
                # ("password", "…"), ["authorization", "…"]: a header list or multidict as a value (parsed from JSON
                # in GenAI content): the second element goes by the first, as the text scanner reads such a list
                new = self._redact_with(pair, item[1], rec, f"{path}.{item[0]}" if path else item[0])
                out[i] = item.__class__((item[0], new)) if new is not DROP else DROP
            else:
                out[i] = self._redact_with(plan, item, rec, path) if item.__class__ not in _SCALARS \
                    or plan.on_scalar is not None else item
        if plan.on_str is not None and plan.action == "text" and sum(1 for x in items if x.__class__ is str) > 1:
            self._across_elements(items, out, rec)
        kept = [x for x in out if x is not DROP]
        return tuple(kept) if isinstance(seq, tuple) else kept

    def _argv(self, items: list[Any], rec: RecordContext) -> None:
        """``process.command_args``, ``["mysql", "-pS3cret"]``: credentials that only the elements around them make
        one (``-p`` of mysql, ``docker login -p``) are replaced in ``items`` before each element is scanned."""
        at = [i for i, x in enumerate(items) if x.__class__ is str]
        if len(at) < 2:
            return
        for k, a, b in sorted(self.text.argv_spans([items[i] for i in at]), reverse=True):
            i = at[k]
            items[i] = items[i][:a] + self.replacement + items[i][b:]
            rec.changed("text")
            rec.tally("detector.connection_string")

    def _across_elements(self, items: list[Any], out: list[Any], rec: RecordContext) -> None:
        """Detectors over the original string elements joined by newlines: a finding that spans elements replaces
        every element it touches in ``out`` (each element alone was already scanned)."""
        spans: list[tuple[int, int, int]] = []
        parts: list[str] = []
        pos = 0
        for i, item in enumerate(items):
            if item.__class__ is str:
                spans.append((pos, pos + len(item), i))
                parts.append(item)
                pos += len(item) + 1
        joined = "\n".join(parts)
        for f in self.text.find(joined):
            touched = [i for a, b, i in spans if a < f.end and f.start < b]
            if len(touched) > 1:
                for i in touched:
                    if out[i] is not DROP and out[i] != self.replacement:
                        out[i] = self.replacement
                        rec.changed("text")
                rec.tally(f"detector.{f.detector}")

    def _scrub_key(self, key: str) -> str:
        """A map or attribute key scanned like any text (structure, detectors, encodings), memoised: keys repeat."""
        try:
            new = self._scan(key, 0, RecordContext())
        except Exception as exc:  # fail closed: a key we cannot scan is replaced
            self._error(f"key:{type(exc).__name__}", exc)
            new = self.replacement
        if new == key:
            new = key
        if len(self._key_memo) < _MAX_KEY_CACHE:
            self._key_memo[key] = new
        return new

    def _finish(self, value: str) -> str:
        if len(value) > self._max_len:
            if value[:1] in _JSON_OPEN or value.lstrip()[:1] in _JSON_OPEN:
                # a JSON document is cut inside (its longest texts), so it still parses
                fitted = fit_json(value, self._max_len)
                if fitted is not None and len(fitted) <= self._max_len:
                    return fitted
            return value[: self._max_len] + "…[truncated]"
        return value

    def _bound_tree(self, value: Any, rec: RecordContext) -> Any:
        """A container of bound parameters beside its statement: each value replaced, the shape kept."""
        def key(k: str) -> str:
            new = self._map_key(k)
            if new != k:
                rec.changed("key")
            return new

        return _bound.bound_values(value, self.replacement, lambda: rec.changed("redact"), key)

    def _bound_text(self, value: str, rec: RecordContext) -> str:
        """Bound parameters written as text: a JSON or Python literal keeps its syntax, anything else goes whole."""
        if value == self.replacement:
            return value
        if self._structure:
            def key(k: str) -> str | None:
                new = self._map_key(k)
                if new == k:
                    return None
                rec.tally("key")
                return new

            out, mode = scrub_structure(value, _bound.BoundSink(self.replacement, key),
                                        max_bytes=self._structure_max)
            if mode == DOCUMENT:
                return out
        return self.replacement

    def _map_key(self, key: str) -> str:
        new = self._key_memo.get(key)
        return new if new is not None else self._scrub_key(key)

    def _guarded_str(self, step: StrStep, text: str, rec: RecordContext | None, what: str) -> str:
        standalone = rec is None
        rec = RecordContext() if standalone else rec
        try:
            out = self._finish(step(text, rec))
        except Exception as exc:  # fail closed
            self._error(f"{what}:{type(exc).__name__}", exc)
            rec.count += 1
            return self.replacement
        if out != text:
            rec.changed(what)
        if standalone:
            self._merge(rec)
        return out

    # -- steps (value, record) -> value ------------------------------------------------
    def _text_step(self, value: str, rec: RecordContext) -> str:
        # Short strings repeat across records (methods, hosts, states): memoise the pure scan.
        if len(value) <= _TEXT_MEMO_MAX_LEN:
            hit = self._text_memo.get(value)
            if hit is None:
                scratch = RecordContext()
                hit = (self._scan(value, 0, scratch), scratch.actions)
                if len(self._text_memo) >= _TEXT_MEMO_SIZE:
                    self._text_memo.clear()  # cheap bound; refills with what is hot
                self._text_memo[value] = hit
            out, found = hit
            if found:
                for name, n in found.items():
                    rec.tally(name, n)
            return out
        return self._scan(value, 0, rec)

    def _scan(self, value: str, depth: int, rec: RecordContext) -> str:
        """Free text: structures first (values by their keys), then the detectors, then percent-encoded runs.

        Only tallies into ``rec`` (the caller counts the changed value), so the result can be memoised.
        """
        out = value
        if self._structure and depth < _MAX_NESTING and may_hold_structure(value):  # prose: no scanner, no sink
            sink = _StructureSink(self, rec, depth)
            out, mode = scrub_structure(value, sink, max_bytes=self._structure_max)
            if sink.echoes:
                out = _replace_echoes(out, sink.echoes)
            if mode == DOCUMENT:
                if _ARGV_ELEMENT.search(out):  # '["mysql", "-pS3cret"]': argv lists in the document, read whole
                    out = self._replace_spans(out, self.text.command_line_spans(out), rec)
                return out  # every value of the document was scanned in place; the detectors must not split it
        out, found = self.text.scrub(out)
        if found:
            for name, n in found.items():
                rec.tally(f"detector.{name}", n)
        if "%" in out and depth < _MAX_NESTING:
            out = _PERCENT_RUN.sub(lambda m: self._percent_run(m.group(), depth, rec), out)
        return out

    def _replace_spans(self, text: str, spans: list[tuple[int, int]], rec: RecordContext) -> str:
        if not spans:
            return text
        parts, pos = [], 0
        for a, b in spans:
            if a >= pos:
                parts += (text[pos:a], self.replacement)
                pos = b
                rec.tally("detector.connection_string")
        return "".join(parts) + text[pos:]

    def _percent_run(self, run: str, depth: int, rec: RecordContext) -> str:
        """``alice%40example.com``, ``%2540``: decoded (up to three levels) and scanned again; re-encoded if changed."""
        decoded = run
        for _ in range(3):
            nxt = unquote(decoded)
            if nxt == decoded:
                break
            decoded = nxt
        if decoded == run:
            return run
        scanned = self._scan(decoded, depth + 1, rec)
        return run if scanned == decoded else quote(scanned, safe="/:?=&;,+$!*'()~#[]")

    def _ip_step(self, value: str, rec: RecordContext) -> str:
        truncated = self.truncate_ip(value)
        return truncated if truncated is not None else self._text_step(value, rec)

    def _url_step(self, value: str, rec: RecordContext) -> str:
        return self.url.sanitize(value)

    def _url_path_step(self, value: str, rec: RecordContext) -> str:
        return self.url.template_path(value)

    def _obfuscate_sql(self, statement: str, dialect: str | None) -> SqlResult:
        """The policy's dialect, else ``dialect``, else generic; a failure (closed: ``?``) counts as an error."""
        result = self.sql.obfuscate(statement, self.policy.sql.dialect or dialect or "generic")
        if result is _SQL_FAILED:
            self._error("sql:obfuscate", RuntimeError("SQL obfuscation failed"))
        return result

    def _sql_step(self, value: str, rec: RecordContext, dialect: str | None = None) -> str:
        result = self._obfuscate_sql(value, dialect)
        if self.policy.sql.summary:
            if result.summary:
                rec.derive("db.query.summary", result.summary)
            if result.operation:
                rec.derive("db.operation.name", result.operation)
            if len(result.tables) == 1:
                rec.derive("db.collection.name", result.tables[0])
        if self.policy.sql.relationships and result.joins:
            rec.derive("otel_privacy.db.joins", list(result.joins))
        return result.statement

    def _statement_step(self, value: str, rec: RecordContext) -> str:
        system = rec.db_system
        if system in NOSQL_SYSTEMS:
            out = obfuscate_nosql(system, value)
            if out is not None:
                return out
        # Cypher, Gremlin, SPARQL, GraphQL, InfluxQL/Flux, PromQL/LogQL, AQL: by db.system, or (without one)
        # by an opening no SQL statement has
        language = language_for(system, value)
        if language is not None:
            query = obfuscate_query(language, value)
            if query is _QUERY_FAILED:
                self._error("query:obfuscate", RuntimeError("query obfuscation failed"))
            if self.policy.sql.summary and language != "graphql":  # (a GraphQL document is not a database's)
                if query.summary:
                    rec.derive("db.query.summary", query.summary)
                if query.operation:
                    rec.derive("db.operation.name", query.operation)
            return query.statement
        dialect = dialect_for_system(system)
        if dialect is None:  # a store we cannot parse: keep nothing we did not understand
            return self._text_step(value, rec)
        return self._sql_step(value, rec, dialect)

    def _name_step(self, name: str, rec: RecordContext) -> str:
        # Span names are low-cardinality by convention: memoise per (name, db system), with what the scan
        # tallied and derived, so a remembered name affects its record as a new one would.
        memo_key = (name, rec.db_system)
        hit = self._name_memo.get(memo_key)
        if hit is None:
            scratch = RecordContext(rec.db_system)
            hit = (self._scrub_name(name, scratch), scratch.actions, scratch.derived)
            if len(name) <= _TEXT_MEMO_MAX_LEN:
                if len(self._name_memo) >= _TEXT_MEMO_SIZE:
                    self._name_memo.clear()
                self._name_memo[memo_key] = hit
        out, found, derived = hit
        if found:
            for what, n in found.items():
                rec.tally(what, n)
        if derived:
            for key, value in derived.items():
                rec.derive(key, value)
        return out

    def _scrub_name(self, name: str, rec: RecordContext) -> str:
        m = _HTTP_NAME.match(name)
        if m:  # the URL sanitiser templates the path and keeps the host: GET https://…@api.example.com/v1/{id}
            return f"{m.group(1)} {self.url.sanitize(m.group(2))}"
        if is_low_cardinality_name(name):
            # no statement or id to template, but a "WORD token" name can still hold a secret (IBAN NL15…):
            # the detectors look once per name (memoised)
            return self._text_step(name, rec)
        if rec.db_system in NOSQL_SYSTEMS:
            return self._statement_step(name, rec)
        if rec.db_system in QUERY_SYSTEMS:  # a graph or time-series query as the span name: its summary
            language = language_for(rec.db_system, name)
            if language is not None:
                query = obfuscate_query(language, name)
                return self._text_step(query.summary or query.statement, rec)
        if looks_like_sql(name):
            result = self._obfuscate_sql(name, dialect_for_system(rec.db_system))
            # identifiers survive obfuscation; scan them too (an e-mail used as a quoted name)
            return self._text_step(result.summary or result.statement, rec)
        return self._text_step(name, rec)

    # -- bookkeeping -------------------------------------------------------------------
    def _count(self, what: str, n: int = 1) -> None:
        with self._stats_lock:
            self.stats[what] += n

    def _merge(self, rec: RecordContext) -> None:
        """Fold a finished record's per-action counts into the shared stats (one lock per record)."""
        if rec.actions:
            with self._stats_lock:
                self.stats.update(rec.actions)
            rec.actions = None

    def _error(self, what: str, exc: BaseException) -> None:
        self._count("errors")
        if what not in self._errors_logged:  # log each kind of failure once
            self._errors_logged.add(what)
            _log.warning("otel-privacy: redaction failed (%s); value dropped: %r", what, exc)

    def _get_pseudonymizer(self) -> _identity.Pseudonymizer:
        if self._pseudonymizer is None:
            with self._pseudonymizer_lock:
                if self._pseudonymizer is None:
                    from .keys import resolve_hash_key  # environment and key file: the engine's side

                    o = self.policy.identity
                    key = resolve_hash_key(o.key, o.key_env, o.key_file) \
                        if o.algorithm == "hmac-sha256" else None
                    self._pseudonymizer = _identity.Pseudonymizer(
                        key, algorithm=o.algorithm, prefix=o.prefix, length=o.length)
        return self._pseudonymizer


_OPERATION = re.compile(r"\s*([A-Za-z_][\w.\-]*)")
# A host name, IPv4 or [IPv6] literal with an optional port: all a server address or Host header should be.
_HOST = re.compile(r"[A-Za-z0-9.\-_]{1,253}(?::\d{1,5})?|\[[0-9A-Fa-f:.]+(?:%[\w.]+)?\](?::\d{1,5})?")


def _operation_name(value: str, rec: RecordContext) -> str:
    """``SELECT``, ``findAndModify``, ``HMSET`` as they are; ``select /path/to/app.db`` → ``select``."""
    m = _OPERATION.match(value)
    return m.group(1) if m else "?"


_BARE_LITERALS = frozenset({"null", "None", "true", "false", "True", "False", "undefined", "NaN", "nil", ""})


class _StructureSink:
    """The engine's answers to :func:`.scrub.structure.scrub_structure`: values by their key paths' plans."""

    __slots__ = ("r", "rec", "depth", "echoes")

    def __init__(self, redactor: Redactor, rec: RecordContext, depth: int,
                 echoes: dict[str, str] | None = None) -> None:
        self.r = redactor
        self.rec = rec
        self.depth = depth
        #: values replaced because of their key -> their replacement: the same text elsewhere in the string is the
        #: same secret, echoed where no key stands (an error that repeats its input: "Variable '$apiKey' got
        #: invalid value ['…']; String cannot represent a non string value: ['…']")
        self.echoes: dict[str, str] = {} if echoes is None else echoes

    def wants(self, path: str) -> bool:
        memo = self.r._wants_memo
        hit = memo.get(path)
        if hit is None:
            hit = self.r._text_plan_for(path).action not in ("text", "keep")
            if len(memo) < _MAX_KEY_CACHE:
                memo[path] = hit
        return hit

    def key(self, key: str) -> str | None:
        new = self.r._key_memo.get(key)
        if new is None:
            new = self.r._scrub_key(key)
        if new == key:
            return None
        self.rec.tally("key")
        return new

    def inner(self, text: str) -> str | None:
        if self.depth + 1 >= _MAX_NESTING:
            return None
        out, mode = scrub_structure(text, _StructureSink(self.r, self.rec, self.depth + 1, self.echoes),
                                    max_bytes=self.r._structure_max)
        return out if mode is not None and out != text else None

    def value(self, path: str, value: str, bare: bool, mode: str) -> str | None:
        r = self.r
        plan = r._text_plan_for(path)
        action = plan.action
        if action == "keep" or (bare and value in _BARE_LITERALS):
            return None
        if action == "text":
            if bare and _NUMERIC.fullmatch(value):
                return None
            # short leaves repeat across documents ("status": "ok"): the memoised scan (nesting is bounded
            # there too: every level scans a strictly shorter string)
            new = r._text_step(value, self.rec) if len(value) <= _TEXT_MEMO_MAX_LEN else \
                r._scan(value, self.depth + 1, self.rec)
        elif action == "drop" or action == "redact":
            new = r.replacement
        elif bare and action != "hash" and _NUMERIC.fullmatch(value):
            return None  # a number under a count, URL or IP key
        elif plan.on_str is None:
            new = value
        else:
            # a statement inside text is obfuscated, but it is not this record's operation: what the step
            # derives (db.query.summary, db.operation.name) stays out of the record; its counts go in
            scratch = RecordContext(self.rec.db_system)
            new = plan.on_str(value, scratch)
            for name, n in (scratch.actions or {}).items():
                self.rec.tally(name, n)
        if new == value:
            return None
        if action != "text":
            self.rec.tally(action)
            if action != "hash" and len(value) >= _ECHO_MIN_LEN and path not in _NOT_ECHOED:
                # (an identity's echo is left: "user=postgres … dbname=postgres" names a database too)
                self.echoes[value] = new
        return new


#: a value replaced by its key is looked for elsewhere in its string from this length on (shorter ones, "1234" or
#: "admin", would hit unrelated words and numbers)
_ECHO_MIN_LEN = 8
#: paths whose values go whatever they hold (bound parameters, statements): the same text elsewhere is no secret
_NOT_ECHOED = frozenset({PARAMETERS_PATH, STATEMENT_PATH})


def _replace_echoes(text: str, echoes: dict[str, str]) -> str:
    """Every other whole occurrence of a value replaced by its key (not inside a longer word), replaced alike."""
    for value, new in sorted(echoes.items(), key=lambda kv: -len(kv[0])):
        i = text.find(value)
        if i < 0:
            continue
        out, pos, n = [], 0, len(value)
        while i >= 0:
            before = text[i - 1] if i > 0 else " "
            after = text[i + n] if i + n < len(text) else " "
            if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
                out.append(text[pos:i])
                out.append(new)
                pos = i + n
            i = text.find(value, i + n)
        out.append(text[pos:])
        text = "".join(out)
    return text


class _Flagged:
    """An argv element that follows a secret flag (``--password``): redacted by the flag's plan."""

    __slots__ = ("value", "plan")

    def __init__(self, value: str, plan: _Plan) -> None:
        self.value = value
        self.plan = plan


def _validation_field(mapping: Mapping[Any, Any]) -> str | None:
    """A pydantic / FastAPI validation error (``{'loc': ('body', 'password'), 'input': '…'}``, parsed from JSON or
    logged as a map): the last name in its ``loc``, whose value its ``input`` is (as the text scanner reads it)."""
    if "loc" not in mapping or ("input" not in mapping and "input_value" not in mapping):
        return None
    loc = mapping["loc"]
    if isinstance(loc, (list, tuple)):
        for name in reversed(loc):
            if isinstance(name, str):
                return name
    return None


def _unique(key: str, taken: Mapping[str, Any]) -> str:
    """``key``, or ``key#2``, ``key#3``… when two redacted keys would collide."""
    if key not in taken:
        return key
    n = 2
    while f"{key}#{n}" in taken:
        n += 1
    return f"{key}#{n}"


def _normal_key(key: str) -> str:
    """``url_query``, ``URL-Query``, ``urlQuery`` → ``url.query`` (glob classes such as ``[-_]`` become ``[..]``, still
    matching). Camel case is split (``UserName`` → ``user.name``, as a .NET or Java object writes ``user.name``)."""
    if not key.islower() and not key.isupper():
        key = _CAMEL_HUMP.sub(".", key)
    return key.replace("_", ".").replace("-", ".").lower()


# Where a camel-case key starts a word: "userName", "UserID", "enduserId" (not inside "URL" or "ID")
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _identity_words(policy: Policy) -> set[str]:
    """Words of the keys the policy's hash rules name (``enduser.id`` → enduser): prose mentions are looked for
    by these and the built-in identity words."""
    words: set[str] = set()
    for rule in policy.rules:
        if rule.action == "hash":
            for pattern in rule.match:
                words.update(w.lower() for w in re.split(r"[^A-Za-z]+", re.sub(r"\[[^\]]*\]", "-", pattern))
                             if len(w) >= 3 and w.lower() not in _GENERIC_KEY_WORDS)
    return words


_GENERIC_KEY_WORDS = frozenset({"http", "request", "response", "header", "app", "attribute", "attributes", "name",
                                "email", "emails", "mail", "hash", "full", "pseudo",
                                # namespaces of the GenAI conventions: "gen_ai.request.user" names a user, not "gen"
                                "gen", "llm", "openai"})


def _match_any(patterns: Sequence[str], key: str) -> bool:
    return any(p == key or ("*" in p or "?" in p or "[" in p) and fnmatch.fnmatchcase(key, p) for p in patterns)
