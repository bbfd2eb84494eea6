"""What the real-world corpus still leaks or loses, by root cause — a strict list that may only shrink.

A :class:`Gap` excuses the leaks of the secrets of kind ``secret`` (a glob over :attr:`Secret.kind`) in
the cases named by ``case`` (globs, ``a|b`` for several) through ``doors`` in ``variants``. The test
fails on a leak no gap excuses, and on a gap that excuses nothing any more (delete it in the commit that
closes it). :data:`KNOWN_LOSSES` does the same for useful values that do not survive (``keep`` is a glob
over :meth:`Keep.describe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


def _match(pattern: str, value: str) -> bool:
    return any(fnmatchcase(value, p) for p in pattern.split("|"))


@dataclass(frozen=True)
class Gap:
    case: str
    secret: str = "*"  # a glob over Secret.kind (over Keep.describe() in a LossGap)
    doors: str = "*"
    variants: str = "*"
    cause: str = ""
    owner: str = ""
    example: str = ""

    def excuses(self, case: str, what: str, door: str, variant: str) -> bool:
        return (_match(self.case, case) and _match(self.secret, what) and _match(self.doors, door)
                and _match(self.variants, variant))


class LossGap(Gap):
    """A useful value that does not survive: its second field is a glob over :meth:`Keep.describe`."""

    @property
    def keep(self) -> str:
        return self.secret


KNOWN_GAPS: tuple[Gap, ...] = (
)

KNOWN_LOSSES: tuple[LossGap, ...] = (
)
