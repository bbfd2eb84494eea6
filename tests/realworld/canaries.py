"""Planted values: realistic, valid secrets (from the fuzzer's catalogue) and their needles, one per tag.

``canary(kind, tag)`` draws one instance of a :mod:`leakfuzz.catalogue` kind from ``Random(tag)``, so
a case's secrets are the same in the app process and in the test that judges its output. The needles
are the substrings that may never reach the wire (the whole secret and long fragments of it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from leakfuzz.catalogue import KINDS
from leakfuzz.samples import fragments, mixed


@dataclass(frozen=True)
class Secret:
    value: str
    needles: tuple[str, ...]
    kind: str = ""

    def __str__(self) -> str:
        return self.value


def canary(kind: str, tag: str) -> Secret:
    """A valid instance of catalogue kind ``kind``, fixed by ``tag``."""
    sample = KINDS[kind].make(random.Random(f"realworld/{kind}/{tag}"))
    return Secret(str(sample.value), tuple(sample.needles), kind)


def password(tag: str, n: int = 18) -> Secret:
    """A password as users pick them for services: letters, digits, one or two symbols (no ``@/#?:``)."""
    rng = random.Random(f"realworld/password/{tag}")
    value = mixed(rng, n - 2) + rng.choice("!$*-_.~") + str(rng.randint(0, 9))
    return Secret(value, (value, *fragments((value,))), "password")


def token(tag: str, n: int = 32) -> Secret:
    """An opaque API token (letters and digits), such as a vendor's key or a session id."""
    value = mixed(random.Random(f"realworld/token/{tag}"), n)
    return Secret(value, (value, *fragments((value,))), "token")


def word(tag: str, n: int = 12) -> Secret:
    """An opaque value with no secret shape at all (a name, a note): secret only by where it stands."""
    value = "Zq" + mixed(random.Random(f"realworld/word/{tag}"), n - 2)
    return Secret(value, (value,), "value")
