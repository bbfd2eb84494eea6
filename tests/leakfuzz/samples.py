"""What a fuzz case plants: a :class:`Sample` (a secret to hide, or a benign value to keep) and its parts.

A sample is written the way applications write it: under a key (``key``/``value``, with sibling
attributes such as ``db.system`` in ``extras``), in prose (``prose``), or split across adjacent
array elements (``parts``). ``needles`` are the substrings that must not reach the wire in any
view of the output (raw, percent-decoded, JSON-unescaped, case-folded, separators removed);
``keeps`` are the substrings that must survive. Kept free of OpenTelemetry imports: the catalogue,
encodings and checks are plain data and functions.
"""

from __future__ import annotations

import random
import string
from dataclasses import asdict, dataclass, field
from typing import Any

#: What the product claims for a kind: caught by the default preset today (README), or promised by
#: issue #15 (structure: maps, JSON, URLs, SQL, key words) or #16 (detector breadth).
CLAIMS = ("default", "#15", "#16")


@dataclass(frozen=True)
class Sample:
    """One planted value; see the module docstring. Frozen, so cases can share and compare it."""

    kind: str
    key: str
    value: Any
    prose: str = ""
    needles: tuple[str, ...] = ()
    keeps: tuple[str, ...] = ()
    extras: tuple[tuple[str, Any], ...] = ()
    parts: tuple[str, ...] = ()
    typed: tuple[tuple[str, Any], ...] = ()  # attributes that must come out with this exact type and value

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: (list(map(list, v)) if k in ("extras", "typed") else list(v) if isinstance(v, tuple) else v)
                for k, v in data.items() if v not in ((), "")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Sample:
        conv = {k: (tuple(tuple(x) for x in v) if k in ("extras", "typed") else tuple(v) if isinstance(v, list) else v)
                for k, v in data.items()}
        return cls(**conv)


@dataclass(frozen=True)
class Kind:
    """A generator of random, valid instances of one kind of secret (or benign value)."""

    name: str
    claim: str
    make: Any  # Callable[[random.Random], Sample]
    #: the value is sensitive because of its key (``password`` under ``userPwd``); KV encodings keep the key
    keyed: bool = False
    #: may be written in free text (text encodings apply); False: only as an attribute under its key
    prose: bool = True
    #: upper-casing keeps it meaningful (e-mails, keys with values): the ``upper`` encoding applies
    caseless: bool = False
    #: a password-like value: argv (``--password x``) and URL userinfo encodings apply
    password_like: bool = False
    #: a value that can stand in a URL path segment (e-mails, tokens, cards): ``url_path`` applies
    path_ok: bool = False
    #: KV only into flat attribute maps, with its ``extras`` beside it (``db.statement`` needs ``db.system``)
    flat_only: bool = False
    #: when set, the only encodings that make this kind a secret (an ORM parameter is one only inside its error text)
    only: frozenset[str] = frozenset()
    #: random values: a long enough fragment (2/3 of a needle) surviving is a leak too
    fragments: bool = False
    #: when set, the only carriers it goes into (typed utility values are checked as top-level attributes)
    carriers: frozenset[str] = frozenset()
    benign: bool = False
    #: kinds that differ only in what the detector validates (card networks, vendor tokens, national ids): a run
    #: puts some member of the family into every carrier, and every member through every encoding
    family: str = ""
    note: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)

    @property
    def group(self) -> str:
        return self.family or self.name


# -- random building blocks ---------------------------------------------------------------------
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"


def rand(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def mixed(rng: random.Random, n: int, alphabet: str = ALNUM) -> str:
    """Random text with at least one upper, one lower letter and one digit (looks like a real key)."""
    digits = any(c.isdigit() for c in alphabet)
    while True:
        s = rand(rng, n, alphabet)
        if any(c.isupper() for c in s) and any(c.islower() for c in s) and (not digits or any(c.isdigit() for c in s)):
            return s


def uuid(rng: random.Random) -> str:
    h = rand(rng, 32, HEX)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def iso_ts(rng: random.Random) -> str:
    return (f"20{rng.randint(19, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z")


FIRST = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar",
         "peggy", "trent", "victor", "walter", "olivia", "liam", "noah", "emma", "mia", "lucas")
LAST = ("smith", "jones", "taylor", "brown", "wilson", "evans", "thomas", "roberts", "walker", "wright", "moreau",
        "rossi", "garcia", "muller", "novak", "kowalski", "silva", "tanaka", "kim", "nguyen")
WORDS = ("orders", "invoice", "cart", "checkout", "profile", "billing", "shipping", "report", "export", "search")


def person(rng: random.Random) -> str:
    """A random, unique-enough local part (``olivia.rossi4821``): the identifying part of an address."""
    return f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.randint(100, 99999)}"


def fragments(needles: tuple[str, ...]) -> tuple[str, ...]:
    """Windows of 2/3 of each needle (≥ 8 characters), about five per needle: if a fragment that long
    survives — a password cut at a reserved character, a token whose prefix alone was replaced — one
    of them is found."""
    out: list[str] = []
    for n in needles:
        if len(n) < 12:
            continue
        k = max(8, (2 * len(n)) // 3)
        step = max(1, (len(n) - k) // 4)
        starts = sorted({*range(0, len(n) - k + 1, step), len(n) - k})
        out.extend(n[i:i + k] for i in starts)
    return tuple(dict.fromkeys(out))
