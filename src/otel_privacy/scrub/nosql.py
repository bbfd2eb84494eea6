"""MongoDB, Elasticsearch/OpenSearch, Redis and Memcached statement obfuscation.

* JSON query documents (MongoDB filters and commands, extended JSON like ``{"$oid": "…"}``,
  Elasticsearch/OpenSearch bodies): every value → ``"?"``; keys and ``$operators`` kept, so
  ``{"email": "a@b.c", "age": {"$gt": 30}}`` → ``{"email":"?","age":{"$gt":"?"}}``. Arrays keep
  one element per distinct shape. Text that is not valid JSON (shell syntax, truncated bodies)
  goes through a literal tokenizer instead: every quoted string and number → ``?``.
* Redis: the command and its key arguments are kept, values → ``?`` (``SET user:42 ?``,
  ``HSET h field ?``, ``AUTH ?``); a table says how many leading arguments of each command are
  keys or field names. Unknown commands keep only the command name and the first argument. A session id in a
  key goes (``GET session:?``; :func:`.credentials.find_session_keys`).
* Memcached: ``set key flags exptime bytes`` keeps the key, drops the value.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .credentials import find_session_keys

__all__ = ["obfuscate_nosql", "obfuscate_json", "obfuscate_redis", "NOSQL_SYSTEMS"]

NOSQL_SYSTEMS = frozenset({"redis", "mongodb", "elasticsearch", "opensearch", "memcached", "couchdb", "dynamodb",
                           "aws.dynamodb", "couchbase", "cosmosdb", "azure.cosmosdb"})
_JSON_SYSTEMS = frozenset({"mongodb", "elasticsearch", "opensearch", "couchdb", "dynamodb", "aws.dynamodb",
                           "couchbase", "cosmosdb", "azure.cosmosdb"})


def obfuscate_nosql(system: str, text: str) -> str | None:
    """Obfuscate ``text`` for ``system``; ``None`` when ``system`` is not a store we know."""
    if system == "redis":
        return obfuscate_redis(text)
    if system == "memcached":
        return _memcached(text)
    if system in _JSON_SYSTEMS:
        return obfuscate_json(text)
    return None


# -- JSON ----------------------------------------------------------------------------------------
def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        out: list[Any] = []
        seen: set[str] = set()
        for v in value:
            s = _scrub(v)
            shape = json.dumps(s, sort_keys=True)
            if shape not in seen:  # ["?", "?", "?"] → ["?"]: list lengths are not worth a series each
                seen.add(shape)
                out.append(s)
        return out
    if value is None:
        return None
    return "?"


_JSON_LITERAL = re.compile(
    r"\"(?:[^\"\\]|\\.)*\"?(?P<key>\s*:)?|'(?:[^'\\]|\\.)*'?(?P<key2>\s*:)?"
    r"|(?<![\w$.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w])|\b(?:true|false)\b"
)


def obfuscate_json(text: str) -> str:
    """Values → ``"?"`` in a JSON document (or several, one per line); keys and operators kept."""
    stripped = text.strip()
    if not stripped:
        return text
    if _too_deep(stripped):  # json and _scrub recurse: hostile nesting would raise RecursionError
        return _scrub_tokens(text)
    try:
        doc = json.loads(stripped)
    except (ValueError, RecursionError):
        lines = stripped.splitlines()
        if len(lines) > 1:  # NDJSON (Elasticsearch _bulk / msearch bodies)
            try:
                return "\n".join(json.dumps(_scrub(json.loads(line)), separators=(",", ":"))
                                 for line in lines if line.strip())
            except (ValueError, RecursionError):
                pass
        return _scrub_tokens(text)
    try:
        out = _scrub(doc)
    except RecursionError:
        return _scrub_tokens(text)
    if isinstance(doc, dict) and isinstance(out, dict):
        for key in _COMMAND_KEYS.intersection(doc):  # {"find": "users", ...}: the collection is not data
            if isinstance(doc[key], str):
                out[key] = doc[key]
    return json.dumps(out, separators=(",", ":"))


_MAX_DEPTH = 200


def _too_deep(text: str) -> bool:
    """Could ``text`` nest deeper than :data:`_MAX_DEPTH`? (Counts brackets, ignoring strings: cheap, conservative.)"""
    if text.count("{") + text.count("[") <= _MAX_DEPTH:
        return False
    depth = 0
    for c in text:
        if c in "{[":
            depth += 1
            if depth > _MAX_DEPTH:
                return True
        elif c in "}]":
            depth -= 1
    return False


# MongoDB command documents name their collection in the command key's value.
_COMMAND_KEYS = frozenset({"find", "aggregate", "insert", "update", "delete", "count", "distinct", "findAndModify",
                           "findandmodify", "create", "drop", "createIndexes", "listIndexes", "collection", "$db"})


def _scrub_tokens(text: str) -> str:
    """Not JSON (Mongo shell syntax, truncated): keep quoted keys, replace every other literal."""

    def repl(m: re.Match[str]) -> str:
        if m.group("key") is not None or m.group("key2") is not None:
            return m.group(0)  # a quoted key followed by ':'
        return "?"

    return _JSON_LITERAL.sub(repl, text)


# -- Redis -----------------------------------------------------------------------------------------
# command -> number of leading arguments kept (keys, field names); the rest are values.
# A negative number means "keep every other argument starting with a key" (MSET k v k v).
_REDIS_KEEP = {
    "GET": 1, "SET": 1, "SETNX": 1, "SETEX": 2, "PSETEX": 2, "GETSET": 1, "GETDEL": 1, "GETEX": 1, "APPEND": 1,
    "INCR": 1, "DECR": 1, "INCRBY": 1, "DECRBY": 1, "INCRBYFLOAT": 1, "DEL": 99, "UNLINK": 99, "EXISTS": 99,
    "EXPIRE": 2, "PEXPIRE": 2, "EXPIREAT": 2, "TTL": 1, "PTTL": 1, "PERSIST": 1, "TYPE": 1, "RENAME": 2,
    "MGET": 99, "MSET": -1, "MSETNX": -1, "HGET": 2, "HSET": -2, "HSETNX": 2, "HMSET": -2, "HMGET": 99,
    "HGETALL": 1, "HDEL": 99, "HEXISTS": 2, "HINCRBY": 2, "HKEYS": 1, "HVALS": 1, "HLEN": 1,
    "LPUSH": 1, "RPUSH": 1, "LPOP": 1, "RPOP": 1, "LRANGE": 1, "LLEN": 1, "LREM": 1, "LSET": 1, "LINDEX": 1,
    "SADD": 1, "SREM": 1, "SMEMBERS": 1, "SISMEMBER": 1, "SCARD": 1, "ZADD": 1, "ZREM": 1, "ZRANGE": 1,
    "ZSCORE": 1, "ZINCRBY": 1, "ZRANK": 1, "ZCARD": 1, "ZRANGEBYSCORE": 1, "PUBLISH": 1, "SUBSCRIBE": 99,
    "XADD": 1, "XREAD": 0, "KEYS": 0, "SCAN": 0, "AUTH": 0, "HELLO": 1, "PING": 0, "ECHO": 0, "SELECT": 1,
    "EVAL": 0, "EVALSHA": 0, "FLUSHDB": 0, "FLUSHALL": 0, "INFO": 1, "CLIENT": 1, "CONFIG": 2, "MULTI": 0,
    "EXEC": 0, "WATCH": 99, "UNWATCH": 0, "BLPOP": 99, "BRPOP": 99, "SETRANGE": 1, "GETRANGE": 1, "STRLEN": 1,
    "BITCOUNT": 1, "SETBIT": 2, "GETBIT": 2, "PFADD": 1, "GEOADD": 1, "JSON.SET": 2, "JSON.GET": 99,
}
_REDIS_SCRIPT = frozenset({"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"})
_REDIS_TOKEN = re.compile(r"\"(?:[^\"\\]|\\.)*\"?|'(?:[^'\\]|\\.)*'?|\S+")


def obfuscate_redis(text: str) -> str:
    """``SET user:42 secret EX 60`` → ``SET user:42 ?`` (one ``?`` per command's values)."""
    commands = []
    for line in text.strip().splitlines() or [""]:  # pipelines arrive one command per line
        tokens = _REDIS_TOKEN.findall(line)
        if not tokens:
            continue
        words, last = [tokens[0]], 0
        for token, group in zip(tokens[1:], redis_value_groups(tokens)):
            if not group:
                words.append(token)
            elif group != last:
                words.append("?")
            last = group
        commands.append(" ".join(_without_session_ids(w) for w in words))
    return "\n".join(commands)


def redis_value_groups(tokens: list[str]) -> list[int]:
    """For each argument of the command ``tokens`` (its name first): 0 for what is kept (keys, subcommands,
    counts), else the number of the run of values it belongs to (a run is written as one ``?``)."""
    cmd = tokens[0].upper()
    args = tokens[1:]
    out: list[int] = []
    if cmd in ("CLIENT", "CONFIG", "OBJECT", "MEMORY", "SCRIPT", "CLUSTER", "ACL", "XGROUP") and args:
        out.append(0)  # subcommand
        args = args[1:]
        keep = 1 if cmd in ("OBJECT", "MEMORY", "CONFIG") else 0
    else:
        keep = _REDIS_KEEP.get(cmd, 1)
    if cmd in _REDIS_SCRIPT:  # EVAL script numkeys key… arg…: the script and args are values, keys kept
        if len(args) > 1 and args[1].isdigit():
            numkeys = int(args[1])
            out += [1, 0] + [0] * len(args[2:2 + numkeys]) + [2] * len(args[2 + numkeys:])
        else:
            out += [1] + [2] * len(args[1:])
    elif keep < 0:  # alternating key/value (MSET) or key then field/value pairs (HSET)
        lead = -keep - 1
        out += [0] * len(args[:lead])
        out += [0 if i % 2 == 0 else i for i in range(len(args[lead:]))]
    else:
        out += [0] * len(args[:keep]) + [1] * len(args[keep:])
    return out


def _without_session_ids(key: str) -> str:
    """``session:<id>`` → ``session:?``: a key is kept for what it names, not for the session id in it."""
    if "ess" not in key and "ESS" not in key:
        return key
    spans = find_session_keys(key)
    for a, b in reversed(spans):
        key = key[:a] + "?" + key[b:]
    return key


def _memcached(text: str) -> str:
    parts = text.split()
    if not parts:
        return text
    cmd = parts[0].lower()
    if len(parts) > 1:
        parts[1] = _without_session_ids(parts[1])
    if cmd in ("get", "gets", "delete", "touch", "incr", "decr") and len(parts) > 1:
        return " ".join(parts[:2] + (["?"] if len(parts) > 2 and cmd in ("incr", "decr", "touch") else []))
    if cmd in ("set", "add", "replace", "append", "prepend", "cas") and len(parts) > 1:
        return f"{parts[0]} {parts[1]} ?"
    return parts[0] + (" ?" if len(parts) > 1 else "")
