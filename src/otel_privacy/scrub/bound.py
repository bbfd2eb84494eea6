"""Bound parameters beside their statement: a record's attributes read together.

A driver or ORM that logs or traces a statement often hands its bound values over a second time, next to it,
under a name of its own: Django's ``django.db.backends`` debug record (extras ``sql``, ``params``), Sentry's
``db.params``, Node's pg and mysql instrumentations (``db.postgresql.values``, ``db.mysql.values`` beside
``db.statement``), Ecto's ``query``/``params``/``cast_params``, Knex's ``sql``/``bindings``, Laravel's
``sql``/``bindings``, Rails' ``sql``/``binds``/``type_casted_binds``, Doctrine's ``sql``/``params``, asyncpg and
TypeORM loggers' ``query``/``args``/``parameters``, a GraphQL request's ``query``/``variables``. Those names are
too common to redact everywhere (request params, model params, CLI args), so a container counts as bound
parameters only *beside* a statement: a semantic-convention statement key (``db.statement``,
``db.query.text``) holding text, or a key named like one (``sql``, ``query``, ``statement``, …) whose text
reads as SQL or another query language. Its values are then replaced one by one, the container's shape and
count kept so that the trace stays readable (``['REDACTED', 'REDACTED']``).

This module only names things: which role a key plays (:func:`sibling_role`), whether a text is a statement
(:func:`holds_statement`) and what a container of bound values becomes (:func:`bound_values`,
:class:`BoundSink` for one written as text). The engine (``redactor.py``) and the wire walkers decide per
attribute set; the policy's own rules for a key still come first (see ``Redactor._plan``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .querylang import language_for
from .sql import looks_like_sql

__all__ = ["STATEMENT", "QUERY", "PARAMS", "sibling_role", "holds_statement", "bound_values", "BoundSink"]

#: A semantic-convention statement key: any non-empty text in it is a statement.
STATEMENT = 1
#: A key named like a statement (``sql``, ``query``): a statement when its text reads as one.
QUERY = 2
#: A container named like a driver's parameters: bound values when a statement is beside it.
PARAMS = 4

_STATEMENT_KEYS = frozenset({"db.statement", "db.query.text"})
_STATEMENT_PATHS = tuple(f".{k}" for k in sorted(_STATEMENT_KEYS))
# names are compared lowered, without "_" and "-" (bind_params, bindParams, bind-params)
_QUERY_NAMES = frozenset({"sql", "query", "statement", "rawsql", "sqlquery", "sqlstatement", "sqltext", "querytext",
                          "querystring", "commandtext", "cql"})
_PARAM_NAMES = frozenset({
    "params", "parameters", "args", "arguments", "values", "vars", "variables",  # Django, Doctrine, pg, GraphQL
    "bindparams", "bindparameters", "binds", "bindings", "bindvars", "bindvalues",  # Knex, Laravel, Rails, Oracle
    "typecastedbinds", "castparams", "rawparams",  # Rails, Ecto, django-debug-toolbar
    "sqlparams", "sqlargs", "sqlparameters", "queryparameters", "queryargs", "queryvalues", "statementparameters",
})
_NULLS = frozenset({"null", "None", "nil", "undefined", "NULL"})


def _name(segment: str) -> str:
    return segment.replace("_", "").replace("-", "").lower()


def sibling_role(key: str) -> int:
    """The role a key (or a key path's last name) plays among its siblings: :data:`STATEMENT`, :data:`QUERY`,
    :data:`PARAMS` or 0. A numbered member of a container (``db.sql.args.0``) is the container's."""
    if key in _STATEMENT_KEYS or key.endswith(_STATEMENT_PATHS):  # (inside a map: ctx.db.statement)
        return STATEMENT
    head, _, last = key.rpartition(".")
    if last.isascii() and last.isdigit() and head:
        return PARAMS if _name(head.rpartition(".")[2]) in _PARAM_NAMES else 0
    name = _name(last)
    if name in _QUERY_NAMES:
        return QUERY
    return PARAMS if name in _PARAM_NAMES else 0


def holds_statement(text: Any) -> bool:
    """Does ``text`` read as a statement: SQL, or a query language (Cypher, Gremlin, SPARQL, GraphQL, …)?"""
    return text.__class__ is str and (looks_like_sql(text) or language_for(None, text) is not None)


def bound_values(value: Any, replacement: str, changed: Callable[[], None], key: Callable[[str], str]) -> Any:
    """Every value in a container of bound parameters replaced, its shape kept: maps keep their (``key``-scanned)
    names, arrays their length, ``None`` stays ``None``; ``changed()`` is called per replaced value. A text
    holding a JSON or Python literal (``"('alice', 3)"``) keeps its syntax (:class:`BoundSink`); other text, a
    number, a boolean or bytes becomes the replacement."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {key(k if k.__class__ is str else str(k)): bound_values(v, replacement, changed, key)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        out = [bound_values(v, replacement, changed, key) for v in value]
        return tuple(out) if isinstance(value, tuple) else out
    if isinstance(value, (bytes, bytearray)):
        new = replacement.encode("utf-8")
    else:
        new = replacement
    if value == new:
        return value
    changed()
    return new


class BoundSink:
    """:func:`.structure.scrub_structure`'s answers for a text of bound parameters: every value is the
    replacement (``None``/``null`` stay), map keys as ``key`` says (``None``: unchanged)."""

    __slots__ = ("replacement", "_key")

    def __init__(self, replacement: str, key: Callable[[str], str | None]) -> None:
        self.replacement = replacement
        self._key = key

    def wants(self, path: str) -> bool:
        return True

    def key(self, key: str) -> str | None:
        return self._key(key)

    def inner(self, text: str) -> str | None:
        return None

    def value(self, path: str, value: str, bare: bool, mode: str) -> str | None:
        if (bare and value in _NULLS) or value == self.replacement:
            return None
        return self.replacement
