"""Pseudonymise identities with a keyed hash so traces keep stable, unlinkable user ids.

HMAC-SHA256 with a secret key is the default: the same id gives the same pseudonym wherever the
key is shared (all gateway replicas, all services), and without the key it cannot be reversed
by hashing a dictionary of candidate ids. Plain SHA-256 and MD5 exist only to stay compatible
with data hashed that way before; they are dictionary-reversible.

Pure: the key is given. Finding it (environment, key file, a generated key) is the engine's job,
in :mod:`otel_privacy.keys`.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

__all__ = ["Pseudonymizer"]

_SHA256_BLOCK = 64


class Pseudonymizer:
    """Turn an identity into ``prefix + hex digest[:length]``."""

    def __init__(self, key: bytes | None, *, algorithm: str = "hmac-sha256", prefix: str = "u_", length: int = 16):
        if algorithm == "hmac-sha256" and not key:
            raise ValueError("hmac-sha256 needs a key")
        if algorithm not in ("hmac-sha256", "sha256", "md5"):
            raise ValueError(f"unknown hash algorithm {algorithm!r}")
        self.algorithm = algorithm
        self.prefix = prefix
        self.length = length
        self._key = key or b""
        if algorithm == "hmac-sha256":
            # HMAC (RFC 2104) with the key's inner and outer pads hashed once: each pseudonym then costs
            # two hash-state copies, ~2.5x cheaper than hmac.digest, which sets the key up every call.
            k = hashlib.sha256(self._key).digest() if len(self._key) > _SHA256_BLOCK else self._key
            k = k.ljust(_SHA256_BLOCK, b"\0")
            self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in k))
            self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in k))
        # Identities repeat a lot (the same user across many spans): cache the digests.
        self.pseudonymize = lru_cache(maxsize=8192)(self._pseudonymize)

    def hmac_sha256(self, data: bytes) -> bytes:
        """HMAC-SHA256 of ``data`` under this pseudonymizer's key (equal to ``hmac.digest(key, data, "sha256")``)."""
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def _pseudonymize(self, value: str) -> str:
        data = value.encode("utf-8", "surrogatepass")
        if self.algorithm == "hmac-sha256":
            digest = self.hmac_sha256(data).hex()
        elif self.algorithm == "sha256":
            digest = hashlib.sha256(data).hexdigest()
        else:
            digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
        return self.prefix + digest[: self.length]

    def __call__(self, value: str) -> str:
        return self.pseudonymize(value)
