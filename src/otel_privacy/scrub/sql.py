"""SQL obfuscation and query summaries. (Contract placeholder: the tokenizer-based engine replaces it.)"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SqlResult", "SqlObfuscator", "dialect_for_system", "is_low_cardinality_name", "looks_like_sql"]


@dataclass(frozen=True, slots=True)
class SqlResult:
    statement: str
    operation: str | None = None
    tables: tuple[str, ...] = ()
    summary: str | None = None
    joins: tuple[str, ...] = ()


_LIT = re.compile(r"'(?:[^']|'')*'?|\b\d+(?:\.\d+)?\b")


class SqlObfuscator:
    def __init__(self, *, collapse_lists: bool = True, obfuscate_booleans: bool = True, keep_comments: bool = False,
                 max_length: int = 4096, cache_size: int = 4096, relationships: bool = False) -> None:
        self.max_length = max_length

    def obfuscate(self, statement: str, dialect: str = "generic") -> SqlResult:
        out = _LIT.sub("?", statement)[: self.max_length]
        op = out.split(None, 1)[0].upper() if out.strip() else None
        return SqlResult(out, op, (), op)


_NOSQL = {"redis", "mongodb", "elasticsearch", "opensearch", "memcached", "cassandra"}


def dialect_for_system(db_system: str | None) -> str | None:
    if db_system in _NOSQL - {"cassandra"}:
        return None
    return db_system or "generic"


def is_low_cardinality_name(name: str) -> bool:
    return len(name.split()) <= 2


def looks_like_sql(text: str) -> bool:
    return bool(re.match(r"\s*(select|insert|update|delete|with|create|drop|alter)\b", text, re.I))
