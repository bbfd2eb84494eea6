"""Leak classes the engine still has, by root cause: skipped by the fuzzer, and the list may only shrink.

Each :class:`Gap` names (kind, carrier, encoding) globs (``a|b`` for several, ``!a|b`` for all others) — the classes of :mod:`leakfuzz.catalogue`,
:mod:`leakfuzz.carriers` and :mod:`leakfuzz.encodings` — and optionally the doors, with the root cause,
who owns the fix (the issue and the helper working on it) and a minimal example. The fuzzer skips
leaks inside a gap and fails when a gap stops leaking (``test_known_gaps_still_leak``): delete the
entry in the commit that fixes it. A new leak is never added here to make a run green without a
cause and an owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Gap:
    kind: str
    carrier: str = "*"
    encoding: str = "*"
    doors: str = "*"  # glob over door names (sdk, gateway, offline, offline-pb)
    noise: bool | None = None  # only with (True) / without (False) benign text around the secret
    cause: str = ""
    owner: str = ""
    example: str = ""

    def covers(self, cls: tuple[str, str, str], noise: bool | None = None) -> bool:
        k, c, e = cls
        return (_match(self.kind, k) and _match(self.carrier, c) and _match(self.encoding, e)
                and (self.noise is None or noise is None or noise == self.noise))

    def excuses(self, cls: tuple[str, str, str], door: str, noise: bool | None = None) -> bool:
        return self.covers(cls, noise) and _match(self.doors, door)


def _match(pattern: str, value: str) -> bool:
    """Globs, several separated by ``|`` (``session_key|header_*``); ``!a|b`` is anything but those."""
    if pattern.startswith("!"):
        return not _match(pattern[1:], value)
    return any(fnmatchcase(value, p) for p in pattern.split("|"))


def _group(cause: str, owner: str, *entries: tuple[str, ...], noise: bool | None = None) -> list[Gap]:
    """Gaps sharing a root cause: each entry is (kind, carrier, encoding[, example])."""
    out = []
    for e in entries:
        kind, carrier, encoding = e[:3]
        out.append(Gap(kind, carrier, encoding, noise=noise, cause=cause, owner=owner,
                       example=e[3] if len(e) > 3 else ""))
    return out


# Encoding sets the entries below share.
#: the value written without a key next to it (also percent-encoded)
KEYLESS_TEXT = "bare|plain|upper|json_ascii|repr_tuple|percent|double_percent|triple_percent|percent_lower"
#: percent-encoded text, every depth and case
PERCENT = "percent|double_percent|triple_percent|percent_lower"
#: key=value written as text (the key is no attribute key)
TEXT_PAIRS = "plain|upper|json_ascii|kwargs_repr|percent|double_percent|triple_percent|percent_lower|flag_text"
#: anything but ORM/driver parameters (those are redacted whatever they hold)
NOT_ORM = "!sqlalchemy*|psycopg|mysql_duplicate|pg_failing_row"
#: the value under its key: an attribute, or a key in a document, repr or form body
KEYED = "kv|json_doc|escaped_json|nested_json|truncated_json|form|repr_dict|kwargs_repr"

KNOWN_GAPS: tuple[Gap, ...] = tuple([
    # -- #16 detectors: kinds no detector knows yet ---------------------------------------------------
    # Where a value sits under a key that names it (contact.email, contact.phone, payment.iban…), the key-word
    # reading redacts it: those gaps are limited to the encodings that carry no key (KEYLESS). ORM parameters
    # are redacted whatever they hold (NOT_ORM excludes them).
    # -- #15 §1: structure the engine does not parse ---------------------------------------------------
])

BENIGN_GAPS: tuple[Gap, ...] = ()
