"""MongoDB, Redis and Elasticsearch statement obfuscation. (Contract placeholder.)"""

from __future__ import annotations

__all__ = ["obfuscate_nosql", "NOSQL_SYSTEMS"]

NOSQL_SYSTEMS = frozenset({"redis", "mongodb", "elasticsearch", "opensearch", "memcached"})


def obfuscate_nosql(system: str, text: str) -> str | None:
    """Obfuscate ``text`` for ``system``; ``None`` when ``system`` is not a NoSQL store we know."""
    if system not in NOSQL_SYSTEMS:
        return None
    parts = text.split()
    return " ".join(parts[:2] + ["?"] * len(parts[2:]))
