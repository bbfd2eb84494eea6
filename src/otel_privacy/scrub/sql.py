"""SQL obfuscation and query summaries from one tokenizing pass.

:class:`SqlObfuscator` walks a statement once with a single compiled master pattern per dialect
(``pattern.search(text, pos)`` in a loop, so constructs the pattern cannot express — nested
PostgreSQL comments, ``$tag$`` quotes — are finished by hand and the scan resumes after them).
Only tokens that can carry data are matched; everything between them is copied as it is:

* string literals (``'…'`` with ``''`` and, per dialect, backslash escapes; ``E'…'``, ``N'…'``,
  ``X'…'``, ``B'…'``; PostgreSQL ``$$…$$`` / ``$tag$…$tag$``; MySQL ``"…"``), numbers (ints,
  decimals, exponents, a sign after an operator), hex/binary literals, bare UUIDs, and (by default)
  ``TRUE``/``FALSE`` → ``?``;
* comments (``--``, ``/* */`` — nested in PostgreSQL — and MySQL ``#``) → removed;
* quoted identifiers (``"a b"``, `` `a` ``, ``[a]`` in SQL Server), placeholders (``?``, ``$1``,
  ``:name``, ``%s``, ``%(name)s``, ``@p1``) and ``NULL`` are kept.

An unterminated quote or comment swallows the rest of the statement into its ``?`` — nothing
after an opening quote is ever copied. Then ``IN (?, ?, ?)`` → ``IN (?)`` and multi-row ``VALUES``
collapse to one row, whitespace is normalised, and the result is truncated at ``max_length``.

The summary (operations and tables, for ``db.query.summary``) is read from the obfuscated
statement — it contains no literals — by a small keyword walk: ``FROM``/``JOIN``/``INTO``/
``UPDATE``/``TABLE`` targets (schema-qualified, comma lists, CTE names excluded), procedure names
of ``CALL``/``EXEC``, and ``JOIN … ON a.x = b.y`` relationships.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

__all__ = ["SqlResult", "SqlObfuscator", "dialect_for_system", "is_low_cardinality_name", "looks_like_sql",
           "DIALECTS"]


@dataclass(frozen=True, slots=True)
class SqlResult:
    """An obfuscated statement and what it says about the query (no literal survives in any field)."""

    statement: str
    operation: str | None = None
    tables: tuple[str, ...] = ()
    summary: str | None = None
    joins: tuple[str, ...] = ()


DIALECTS = ("generic", "postgresql", "mysql", "sqlite", "mssql", "oracle", "cassandra")

_SYSTEM_DIALECT = {
    "postgresql": "postgresql", "postgres": "postgresql", "cockroachdb": "postgresql", "redshift": "postgresql",
    "mysql": "mysql", "mariadb": "mysql", "tidb": "mysql", "sqlite": "sqlite", "mssql": "mssql",
    "microsoft.sql_server": "mssql", "sqlserver": "mssql", "oracle": "oracle", "oracle.db": "oracle",
    "cassandra": "cassandra", "scylla": "cassandra", "trino": "generic", "clickhouse": "mysql",
}
_NOSQL = frozenset({"redis", "mongodb", "elasticsearch", "opensearch", "memcached", "couchdb", "dynamodb",
                    "aws.dynamodb", "couchbase", "neo4j", "cosmosdb", "azure.cosmosdb", "hbase", "geode"})


def dialect_for_system(db_system: str | None) -> str | None:
    """The SQL dialect for a ``db.system`` value; ``None`` for stores whose statements are not SQL."""
    if not db_system:
        return "generic"
    system = db_system.lower()
    if system in _NOSQL:
        return None
    return _SYSTEM_DIALECT.get(system, "generic")


# -- tokenizer ----------------------------------------------------------------------------------
_STR_STD = r"'(?:[^']|'')*'?"
_STR_BS = r"'(?:[^'\\]|''|\\.)*'?"
_NUM = r"(?<![\w$@:.?])-?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)(?![\w])"
_UUID = r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])"
_HEX = r"(?<![\w$])0[xX][0-9a-fA-F]*|(?<![\w$])0[bB][01]+(?![\w])"


def _master(dialect: str, booleans: bool) -> re.Pattern[str]:
    backslash = dialect in ("mysql",)
    parts = [
        r"(?P<lc>--[^\n]*)",
        r"(?P<bc>/\*)",
    ]
    if dialect == "mysql":
        parts.append(r"(?P<hc>#[^\n]*)")
    if dialect == "postgresql":
        parts.append(r"(?P<ph>\$\d+)")
        parts.append(r"(?P<dq>\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$)")
        parts.append(r"(?P<es>(?<![\w$])[eE]" + _STR_BS + ")")
    parts.append(r"(?P<str>(?:(?<![\w$])(?:[nN]|[xX]|[bB]|[uU]&|_utf8mb4|_binary))?" + (_STR_BS if backslash
                                                                                          else _STR_STD) + ")")
    if dialect == "mysql":
        parts.append(r'(?P<dstr>"(?:[^"\\]|""|\\.)*"?)')
    else:
        parts.append(r'(?P<qid>"(?:[^"]|"")*"?)')
    parts.append(r"(?P<bid>`[^`]*`?)")
    if dialect == "mssql":
        parts.append(r"(?P<sid>\[[^\]]*\]?)")
    parts.append(r"(?P<uuid>" + _UUID + ")")
    parts.append(r"(?P<hex>" + _HEX + ")")
    parts.append(r"(?P<num>" + _NUM + ")")
    if booleans:
        parts.append(r"(?P<bool>(?<![\w$@:.])(?i:true|false)(?![\w$]))")
    return re.compile("|".join(parts), re.S)


# -- summary ------------------------------------------------------------------------------------
_OPERATIONS = frozenset({
    "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "CREATE", "DROP", "ALTER", "TRUNCATE",
    "CALL", "EXEC", "EXECUTE", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "SHOW", "GRANT",
    "REVOKE", "DESCRIBE", "EXPLAIN", "COPY", "VACUUM", "ANALYZE", "PRAGMA", "USE", "LOCK", "START", "DECLARE",
    "FETCH", "CLOSE", "PREPARE", "DEALLOCATE", "LISTEN", "NOTIFY", "REFRESH", "BATCH",
})
# Reserved words that start a (sub)statement anywhere; the other operations only at a statement start,
# since they are also common column names (batch, start, close, show, lock, ...).
_RESERVED_OPERATIONS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"})
_TARGET_KW = frozenset({"FROM", "JOIN", "INTO", "UPDATE", "TABLE"})
_SKIP_AFTER_TARGET_KW = frozenset({"ONLY", "IF", "NOT", "EXISTS", "LATERAL", "TEMPORARY", "TEMP", "UNLOGGED",
                                   "LOW_PRIORITY", "IGNORE", "DELAYED", "HIGH_PRIORITY", "QUICK"})
_NOT_TABLES = frozenset({"SELECT", "VALUES", "SET", "WHERE", "DUAL", "UNNEST", "GENERATE_SERIES", "LATERAL",
                         "JSON_TABLE", "TABLE", "?"})
_WORD = re.compile(
    r"\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|[A-Za-z_][\w$#]*|\?|\(|\)|,|;|=|\.|\$\d+|:[A-Za-z_]\w*|[^\s\w]"
)
_IDENT_PART = re.compile(r"\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|[A-Za-z_][\w$#]*")


def _unquote(part: str) -> str:
    if part[:1] in "\"`[":
        return part[1:-1] if len(part) >= 2 else part[1:]
    return part


class SqlObfuscator:
    """Obfuscate statements and summarise them; thread-safe, with an LRU cache of ``cache_size``."""

    def __init__(
        self,
        *,
        collapse_lists: bool = True,
        obfuscate_booleans: bool = True,
        keep_comments: bool = False,
        max_length: int = 4096,
        cache_size: int = 4096,
        relationships: bool = False,
    ) -> None:
        self.collapse_lists = collapse_lists
        self.obfuscate_booleans = obfuscate_booleans
        self.keep_comments = keep_comments
        self.max_length = max_length
        self.relationships = relationships
        self._patterns = {d: _master(d, obfuscate_booleans) for d in DIALECTS}
        self._cache: OrderedDict[tuple[str, str], SqlResult] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    # -- public ---------------------------------------------------------------------------
    def obfuscate(self, statement: str, dialect: str = "generic") -> SqlResult:
        """Obfuscate ``statement`` (never raises on any input) and summarise it."""
        key = (statement, dialect)
        if self._cache_size:
            with self._lock:
                hit = self._cache.get(key)
                if hit is not None:
                    self._cache.move_to_end(key)
                    return hit
        result = self._obfuscate(statement, dialect if dialect in self._patterns else "generic")
        if self._cache_size and len(statement) <= 65536:
            with self._lock:
                self._cache[key] = result
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return result

    # -- implementation -------------------------------------------------------------------
    def _obfuscate(self, text: str, dialect: str) -> SqlResult:
        statement = self._tokenize(text, dialect)
        if self.collapse_lists and "?" in statement:
            statement = _collapse(statement)
        if len(statement) > self.max_length:
            statement = statement[: self.max_length] + "…"
        operation, tables, summary, joins = _summarize(statement, self.relationships)
        return SqlResult(statement, operation, tables, summary, joins)

    def _tokenize(self, text: str, dialect: str) -> str:
        rx = self._patterns[dialect]
        out: list[str] = []
        pos, n = 0, len(text)
        search = rx.search
        while pos < n:
            m = search(text, pos)
            if m is None:
                out.append(text[pos:])
                break
            start, end = m.span()
            if start > pos:
                out.append(text[pos:start])
            kind = m.lastgroup
            if kind == "num":
                tok = m.group()
                if tok[0] == "-" and _binary_minus(out):
                    out.append("-?")
                else:
                    out.append("?")
            elif kind in ("str", "es", "dstr", "uuid", "hex", "bool"):
                out.append("?")
            elif kind in ("qid", "bid", "sid", "ph"):
                out.append(m.group())
            elif kind == "lc" or kind == "hc":
                if self.keep_comments:
                    out.append(m.group())
                out.append(" ")
            elif kind == "bc":
                end = _block_comment_end(text, start, nested=dialect == "postgresql")
                if self.keep_comments:
                    out.append(text[start:end])
                out.append(" ")
            elif kind == "dq":
                tag = m.group()
                close = text.find(tag, end)
                end = n if close < 0 else close + len(tag)
                out.append("?")
            pos = end if end > start else start + 1
        return " ".join("".join(out).split())


def _binary_minus(out: list[str]) -> bool:
    """Is the ``-`` before a number an operator (``a -1``) rather than a sign (``= -1``)?"""
    for chunk in reversed(out):
        stripped = chunk.rstrip()
        if stripped:
            last = stripped[-1]
            if last.isalpha():
                word = _TRAILING_WORD.search(stripped)
                return word is None or word.group().upper() not in _SIGN_KEYWORDS
            return last.isdigit() or last in ")?_\"`]"
    return False


_TRAILING_WORD = re.compile(r"[A-Za-z_]+$")
# After these keywords a "-" starts a negative number, not a subtraction.
_SIGN_KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "WHERE", "THEN", "ELSE", "WHEN", "SELECT", "RETURN", "IN",
                            "IS", "LIKE", "VALUES", "SET", "LIMIT", "OFFSET", "BY", "ON", "HAVING", "CASE", "DEFAULT",
                            "INTERVAL", "TOP", "ALL", "ANY", "SOME", "EXISTS"})


def _block_comment_end(text: str, start: int, *, nested: bool) -> int:
    if not nested:
        close = text.find("*/", start + 2)
        return len(text) if close < 0 else close + 2
    depth, i, n = 0, start, len(text)
    while i < n:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


_IN_LIST = re.compile(r"(?i)(\bIN\s*)\(\s*\?(?:\s*,\s*\?)+\s*\)")
_VALUES = re.compile(r"(?i)(\bVALUES\s*)(\([^()]*\))(?:\s*,\s*\([^()]*\))+")
_ROW_OF_PLACEHOLDERS = re.compile(r"\(\s*\?(?:\s*,\s*\?)*\s*\)")


def _collapse(statement: str) -> str:
    if "IN" in statement.upper():
        statement = _IN_LIST.sub(r"\1(?)", statement)

    def rows(m: re.Match[str]) -> str:
        # only collapse rows that are all literals; rows with placeholders $1/:a stay as written
        if all(_ROW_OF_PLACEHOLDERS.fullmatch(r.strip()) for r in re.findall(r"\([^()]*\)", m.group(0))):
            return m.group(1) + m.group(2)
        return m.group(0)

    if "VALUES" in statement.upper():
        statement = _VALUES.sub(rows, statement)
    return statement


def _summarize(statement: str, relationships: bool) -> tuple[str | None, tuple[str, ...], str | None, tuple[str, ...]]:
    tokens = _WORD.findall(statement)
    upper = [t.upper() for t in tokens]
    n = len(tokens)
    ctes: set[str] = set()
    # CTE names: WITH [RECURSIVE] name [(cols)] AS (
    for i, u in enumerate(upper):
        if u == "AS" and i + 1 < n and tokens[i + 1] == "(":
            j = i - 1
            if j >= 0 and tokens[j] == ")":  # column list: skip back to its "("
                depth = 0
                while j >= 0:
                    if tokens[j] == ")":
                        depth += 1
                    elif tokens[j] == "(":
                        depth -= 1
                        if depth == 0:
                            break
                    j -= 1
                j -= 1
            if j >= 1 and (upper[j - 1] in ("WITH", "RECURSIVE", ",")):
                ctes.add(_unquote(tokens[j]).lower())
    parts: list[str] = []
    operations: list[str] = []
    tables: list[str] = []
    aliases: dict[str, str] = {}
    joins: list[str] = []
    i = 0
    prev = ""
    while i < n:
        u = upper[i]
        if u in _OPERATIONS and prev not in (".", "FOR", "ON", "KEY", "NO") and (
                u in _RESERVED_OPERATIONS or prev in ("", ";", "(")):
            if u in ("CALL", "EXEC", "EXECUTE") and i + 1 < n:
                name, i = _qualified(tokens, i + 1)
                operations.append(u)
                parts.append(u)
                if name and name != "?":
                    parts.append(name)
                    tables.append(name)
                prev = u
                continue
            operations.append(u)
            parts.append(u)
        if u in _TARGET_KW and prev not in (".", "FOR", "ON", "KEY", "NO"):
            j = i + 1
            while j < n and upper[j] in _SKIP_AFTER_TARGET_KW:
                j += 1
            while j < n and tokens[j] not in ("(", "?") and upper[j] not in _NOT_TABLES and _IDENT_PART.fullmatch(
                    tokens[j]):
                name, j = _qualified(tokens, j)
                alias = _alias(tokens, upper, j)
                if name.lower() not in ctes:
                    tables.append(name)
                    parts.append(name)
                    if alias:
                        aliases[alias.lower()] = name
                if alias:  # skip "AS alias" / "alias"
                    j += 2 if upper[j] == "AS" else 1
                if u != "FROM" or j >= n or tokens[j] != ",":
                    break
                j += 1  # FROM a, b
            i = max(j, i + 1)
            prev = u
            continue
        if u == "ON" and relationships:
            join = _join_condition(tokens, i + 1, aliases)
            if join:
                joins.append(join)
        prev = u
        i += 1
    operation = operations[0] if operations else None
    if operation in ("WITH",):
        operation = None
    dedup: list[str] = []
    for k, p in enumerate(parts):
        if dedup and dedup[-1] == p:
            continue
        nxt = parts[k + 1] if k + 1 < len(parts) else None
        if p in _OPERATIONS and p in dedup and (nxt is None or nxt in _OPERATIONS):
            continue  # "WITH r AS (SELECT … FROM orders) SELECT * FROM r": the outer SELECT adds nothing
        dedup.append(p)
    summary = " ".join(dedup)[:255] if dedup else None
    unique_tables = tuple(dict.fromkeys(tables))
    return operation, unique_tables, summary, tuple(dict.fromkeys(joins))


def _qualified(tokens: list[str], j: int) -> tuple[str, int]:
    """Read ``a.b.c`` starting at ``j``; returns the name (quotes removed) and the next index."""
    parts = []
    n = len(tokens)
    while j < n and _IDENT_PART.fullmatch(tokens[j]):
        parts.append(_unquote(tokens[j]))
        j += 1
        if j + 1 < n and tokens[j] == "." and _IDENT_PART.fullmatch(tokens[j + 1]):
            j += 1
            continue
        break
    return ".".join(parts), j


_ALIAS_STOP = frozenset({"WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "OUTER", "ON", "USING", "SET",
                         "VALUES", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "SELECT", "RETURNING", "NATURAL",
                         "OFFSET", "FOR", "WINDOW", "DEFAULT", "EXCEPT", "INTERSECT", "AS", "USE", "FORCE", "WITH"})


def _alias(tokens: list[str], upper: list[str], j: int) -> str | None:
    if j < len(tokens) and upper[j] == "AS":
        j += 1
    if j < len(tokens) and upper[j] not in _ALIAS_STOP and _IDENT_PART.fullmatch(tokens[j]):
        return _unquote(tokens[j])
    return None


def _join_condition(tokens: list[str], j: int, aliases: dict[str, str]) -> str | None:
    """``a.x = b.y`` after ON → ``table_a.x=table_b.y`` (aliases resolved)."""
    left, j = _qualified(tokens, j)
    if not left or j >= len(tokens) or tokens[j] != "=":
        return None
    right, _ = _qualified(tokens, j + 1)
    if not right or "." not in left or "." not in right:
        return None

    def resolve(col: str) -> str:
        owner, _, column = col.rpartition(".")
        return f"{aliases.get(owner.lower(), owner)}.{column}"

    return f"{resolve(left)}={resolve(right)}"


# -- span-name helpers ----------------------------------------------------------------------------
_LOW_CARD = re.compile(
    r"^(?:[A-Z][A-Z_ ]{1,24}|[A-Z]+ [\w.$\"`\[\]-]{1,120}|[A-Z]+ /[\w./{}<>:*%~-]*)$"
)
_SQL_START = re.compile(
    r"^\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*\(?\s*(?:select|insert|update|delete|with|merge|upsert|replace|create|drop|"
    r"alter|truncate|call|exec|execute|begin|commit|rollback|set|show|grant|revoke|explain|pragma|values)\b",
    re.I | re.S,
)


def is_low_cardinality_name(name: str) -> bool:
    """Span names already safe by convention: ``SELECT``, ``SELECT shop.users``, ``GET /orders/{id}``."""
    if len(name) > 160 or any(c in name for c in "'=@") or re.search(r"(?<![\w{])\d{2,}", name):
        return False
    return _LOW_CARD.match(name) is not None


def looks_like_sql(text: str) -> bool:
    """Does ``text`` start like a SQL statement (after comments and an opening parenthesis)?"""
    return _SQL_START.match(text) is not None
