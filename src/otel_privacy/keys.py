"""Where the pseudonymisation key comes from: the policy, the environment, a key file, or a generated one.

The keyed hash itself (:mod:`otel_privacy.scrub.identity`) is pure; this is the part that reads the
environment and the file system, so it lives with the engine, next to the policy that names the
variable and the file.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

__all__ = ["resolve_hash_key", "default_key_path"]

_log = logging.getLogger("otel_privacy")


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
