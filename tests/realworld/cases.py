"""A case: one library call planting secrets where real applications put them, and what must survive.

Cases register with :func:`case` at import of their :mod:`.scenarios` module. The function runs in the
application process (:mod:`.app`) inside a root span that carries the case id, so every span and log
record the libraries emit for it — in this thread or in a server thread the trace context reached —
is attributed to the case on the wire.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .canaries import Secret

#: Application processes the corpus can run in: OpenTelemetry semantic conventions as the
#: instrumentations emit them by default (old HTTP/DB keys), and both old and stable ones at once.
VARIANTS: dict[str, str | None] = {"old": None, "dup": "http/dup,database/dup"}


def active_variants() -> list[str]:
    """The variants run: ``dup`` alone unless ``OTEL_PRIVACY_REALWORLD_VARIANTS=old,dup`` asks for more.

    ``dup`` exports every attribute ``old`` does (checked on the whole corpus: no case has a key, span
    name or string shape under ``old`` that ``dup`` lacks) plus the stable keys, so the second process —
    half the corpus's CPU, most of it importing the libraries — adds no coverage by default.
    """
    names = [v for v in os.environ.get("OTEL_PRIVACY_REALWORLD_VARIANTS", "dup").split(",") if v]
    unknown = set(names) - set(VARIANTS)
    assert not unknown, f"unknown variants {sorted(unknown)}; known: {list(VARIANTS)}"
    return names


@dataclass(frozen=True)
class Keep:
    """A useful value that must survive: in some exported string of the case (``key`` empty), or as an
    attribute ``key`` (``a|b`` for the same datum under old/new keys) equal to ``value``, type included.

    ``source``: what the application exported in its place, when the door must turn it into ``value``
    (an identity into its keyed pseudonym): the raw export must hold ``source`` where the doors hold
    ``value``."""

    value: Any
    key: str = ""
    source: Any = None

    def describe(self) -> str:
        return f"{self.key}={self.value!r}" if self.key else repr(self.value)

    def raw(self) -> Keep:
        """What the unredacted export must hold for this keep to be judged."""
        return self if self.source is None else Keep(self.source, self.key)


def pseudonym(identity: str) -> str:
    """The default policy's keyed pseudonym of ``identity`` (``u_`` + 16 hex of HMAC-SHA256 under
    ``OTEL_PRIVACY_HASH_KEY``, the key the corpus's processes get), computed here from its definition."""
    key = os.environ.get("OTEL_PRIVACY_HASH_KEY", "test-hash-key").encode()
    return "u_" + hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()[:16]


def pseudonymised(identity: str, *keys: str) -> tuple[Keep, ...]:
    """Keeps for an identity the doors must replace by its pseudonym: under each attribute of ``keys`` and
    in text."""
    p = pseudonym(identity)
    return tuple(Keep(p, k, source=identity) for k in keys) + (Keep(p, source=identity),)


@dataclass(frozen=True)
class Case:
    name: str  # "<library>.<what>", unique
    library: str
    where: str  # where the secrets were planted, in the words of the library's user
    run: Callable[[Any], None]
    secrets: tuple[Secret, ...]
    keeps: tuple[Keep, ...] = ()
    variants: tuple[str, ...] = tuple(VARIANTS)
    signals: frozenset[str] = frozenset({"traces", "logs"})  # where its records are expected
    needs: tuple[str, ...] = field(default_factory=tuple)  # servers the case needs (postgres, redis)


REGISTRY: dict[str, Case] = {}


def keep(*values: Any, attrs: dict[str, Any] | None = None) -> tuple[Keep, ...]:
    """``keep("GET", attrs={"http.route": "/api/orders/<id>", STATUS: 500})``: strings, then attributes."""
    return tuple(Keep(v) for v in values) + tuple(Keep(v, k) for k, v in (attrs or {}).items())


#: the same datum under the old and the stable semantic conventions (one of them is enough)
STATUS = "http.status_code|http.response.status_code"
METHOD = "http.method|http.request.method"
DB_SYSTEM = "db.system|db.system.name"


def case(name: str, *, library: str, where: str, secrets: Sequence[Secret], keeps: Sequence[Keep] = (),
         variants: Sequence[str] = tuple(VARIANTS), signals: Sequence[str] = ("traces", "logs"),
         needs: Sequence[str] = ()) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    def register(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        assert name not in REGISTRY, f"duplicate case {name}"
        REGISTRY[name] = Case(name, library, where, fn, tuple(secrets), tuple(keeps), tuple(variants),
                              frozenset(signals), tuple(needs))
        return fn
    return register


def all_cases() -> list[Case]:
    from . import scenarios  # noqa: F401 - registers the cases

    return list(REGISTRY.values())


def case_ids(variant: str) -> dict[int, Case]:
    """Wire ids of one variant's cases: unique across variants, so their outputs can be judged together."""
    base = (list(VARIANTS).index(variant) + 1) * 10_000
    return {base + i: c for i, c in enumerate(all_cases()) if variant in c.variants}
