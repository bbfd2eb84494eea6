"""Pseudonymise identities with a keyed hash so traces keep stable, unlinkable user ids.

HMAC-SHA256 with a secret key is the default: the same id gives the same pseudonym wherever the
key is shared (all gateway replicas, all services), and without the key it cannot be reversed
by hashing a dictionary of candidate ids. Plain SHA-256 and MD5 exist only to stay compatible
with data hashed that way before; they are dictionary-reversible.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path

__all__ = ["Pseudonymizer", "resolve_hash_key", "default_key_path"]

_log = logging.getLogger("otel_privacy")
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


def default_key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "otel-privacy" / "hash.key"


def resolve_hash_key(key: str | None = None, key_env: str | None = "OTEL_PRIVACY_HASH_KEY",
                     key_file: str | None = None) -> bytes:
    """Find the pseudonymisation key: explicit, then environment, then file, then a generated one.

    A generated key is written once with 0600 permissions to the user's config directory and a
    warning says so: pseudonyms stay stable on this machine but differ from other machines
    until they share a key (set ``OTEL_PRIVACY_HASH_KEY`` on every replica).
    """
    if key:
        return key.encode()
    if key_env and os.environ.get(key_env):
        return os.environ[key_env].encode()
    path = Path(key_file).expanduser() if key_file else default_key_path()
    try:
        data = path.read_bytes().strip()
        if data:
            return data
    except FileNotFoundError:
        pass
    except OSError as exc:
        _log.warning("otel-privacy: cannot read hash key file %s (%s); using a process-local key", path, exc)
        return secrets.token_hex(32).encode()
    generated = secrets.token_hex(32).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(generated)
        _log.warning(
            "otel-privacy: no hash key configured (%s); generated one at %s. Pseudonyms are stable on this "
            "machine only: share a key via %s to make them stable across hosts.", key_env, path, key_env)
        return generated
    except FileExistsError:  # another process won the race: use its key
        return path.read_bytes().strip() or generated
    except OSError as exc:
        _log.warning("otel-privacy: cannot store a hash key at %s (%s); using a process-local key", path, exc)
        return generated
