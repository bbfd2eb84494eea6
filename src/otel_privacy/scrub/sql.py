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
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["FAILED", "SqlResult", "SqlObfuscator", "dialect_for_system", "is_low_cardinality_name", "looks_like_sql",
           "DIALECTS"]


@dataclass(frozen=True, slots=True)
class SqlResult:
    """An obfuscated statement and what it says about the query (no literal survives in any field)."""

    statement: str
    operation: str | None = None
    tables: tuple[str, ...] = ()
    summary: str | None = None
    joins: tuple[str, ...] = ()


# What a statement becomes when obfuscating it failed (a bug, never the input's fault): nothing of it is kept.
FAILED = SqlResult("?")

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
# Unrolled loops ("normal* (special normal*)*"): the engine's single-character repeat does the work.
_STR_STD = r"'[^']*(?:''[^']*)*'?"
_STR_BS = r"'[^'\\]*(?:(?:''|\\.)[^'\\]*)*'?"
# Every branch starts with a literal character or a character class, and there are no named groups:
# the regex engine then rejects a position with one table lookup, which makes the pass ~3x faster.
# Context checks (is this digit part of an identifier like t1?) sit *after* the first character.
_NUM = (r"\d(?<![\w$@:.?]\d)\d*\.?\d*(?:[eE][+-]?\d+)?(?![\w])"
        r"|-(?<![\w$@:.?]-)(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w])"
        r"|\.(?<![\w$@:.?]\.)\d+(?:[eE][+-]?\d+)?(?![\w])")
_ORACLE_Q = (r"[qQ](?<![\w$][qQ])'(?:\[.*?(?:\]'|\Z)|\{.*?(?:\}'|\Z)|\(.*?(?:\)'|\Z)|<.*?(?:>'|\Z)"
             r"|([^\s'\[{(<]).*?(?:\1'|\Z))")
_HEX = r"0(?<![\w$]0)[xX][0-9a-fA-F]*|0(?<![\w$]0)[bB][01]+(?![\w])"
_UUID = re.compile(r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])")
_BOOL = re.compile(r"(?<![\w$@:.])(?i:true|false)(?![\w$])")
_PREFIXED_QUOTE = re.compile(r"[EeNnXxBb&4y]'")  # a cheap gate: a quote right after a prefix-ish character
_PREFIXED_MARK = re.compile(r"(?<![\w$])(?:[EeNnXxBb]|[Uu]&|_utf8mb4|_binary)\?")


def _master(dialect: str) -> re.Pattern[str]:
    parts = [r"--[^\n]*", r"/\*.*?(?:\*/|\Z)"]
    if dialect == "mysql":
        parts.append(r"#[^\n]*")
    if dialect == "postgresql":  # E'it\'s': backslash escapes, unlike plain strings
        parts += [r"[eE](?<![\w$][eE])" + _STR_BS, r"\$\d+", r"\$\$.*?(?:\$\$|\Z)",
                  r"\$([A-Za-z_]\w*)\$.*?(?:\$\1\$|\Z)"]
    if dialect == "oracle":  # alternative quoting q'[...]', q'{...}', q'!...!' (may contain quotes)
        parts.append(_ORACLE_Q)
    # Backslash escapes: MySQL strings always, and the generic dialect (unknown server) too, failing closed:
    # 'it\'s' read with standard rules would end early and copy the rest of the value. PostgreSQL E''
    # strings have their own branch above; SQLite, SQL Server, Oracle and CQL have no backslash escapes.
    parts.append(_STR_BS if dialect in ("mysql", "generic") else _STR_STD)
    parts.append(r'"[^"\\]*(?:(?:""|\\.)[^"\\]*)*"?' if dialect == "mysql" else r'"[^"]*(?:""[^"]*)*"?')
    parts.append(r"`[^`]*`?")
    if dialect == "mssql":
        parts.append(r"\[[^\]]*\]?")
    parts += [_HEX, _NUM]
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
def _unquote(part: str) -> str:
    if part[:1] in "\"`[":
        return part[1:-1] if len(part) >= 2 else part[1:]
    return part


class SqlObfuscator:
    """Obfuscate statements and summarise them; thread-safe, with LRU caches of ``cache_size`` entries.

    Two caches: raw statement → result (a repeated statement costs one lookup), and obfuscated statement →
    result (the same query shape with fresh literals costs only the tokenizing pass: the summary, which is
    read from the obfuscated text alone, is reused). ``cache_size=0`` turns both off.
    """

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
        self._patterns = {d: _master(d) for d in DIALECTS}
        self._callbacks = {d: self._make_callback(d) for d in DIALECTS}
        self._cache_size = cache_size
        self.errors = 0  # statements that could not be obfuscated (each became FAILED)
        # functools.lru_cache: a C-implemented, thread-safe LRU (hits and misses cost well under a microsecond)
        if cache_size:
            self._cached = lru_cache(maxsize=cache_size)(self._safe_obfuscate)
            self._shape = lru_cache(maxsize=cache_size)(self._summarized)
        else:
            self._cached = self._safe_obfuscate
            self._shape = self._summarized

    # -- public ---------------------------------------------------------------------------
    def obfuscate(self, statement: str, dialect: str = "generic") -> SqlResult:
        """Obfuscate ``statement`` (never raises on any input) and summarise it."""
        if len(statement) > 65536:  # huge one-off statements would only push useful entries out of the cache
            return self._safe_obfuscate(statement, dialect)
        return self._cached(statement, dialect)

    def cache_info(self) -> dict[str, int]:
        """Entries in the statement and shape caches (0 when caching is off)."""
        info = getattr(self._cached, "cache_info", None)
        shapes = getattr(self._shape, "cache_info", None)
        return {"statements": info().currsize if info else 0, "shapes": shapes().currsize if shapes else 0}

    # -- implementation -------------------------------------------------------------------
    def _safe_obfuscate(self, statement: str, dialect: str) -> SqlResult:
        try:
            return self._obfuscate(statement, dialect if dialect in self._patterns else "generic")
        except Exception:  # noqa: BLE001 - a bug here must not break the app, nor let the statement through
            self.errors += 1
            return FAILED

    def _obfuscate(self, text: str, dialect: str) -> SqlResult:
        statement = self._tokenize(text, dialect)
        if self.collapse_lists and "?" in statement:
            statement = _collapse(statement)
        if len(statement) > self.max_length:
            statement = statement[: self.max_length] + "…"
        return self._shape(statement)

    def _summarized(self, statement: str) -> SqlResult:
        operation, tables, summary, joins = _summarize(statement, self.relationships)
        return SqlResult(statement, operation, tables, summary, joins)

    def _tokenize(self, text: str, dialect: str) -> str:
        if text.count("-") >= 4 and _UUID.search(text):
            text = _UUID.sub("?", text)
        if dialect == "postgresql" and text.count("/*") > 1:
            out = self._scan_nested(text)  # a comment may nest: finish it by hand, resume the pattern after it
        else:
            out = self._patterns[dialect].sub(self._callbacks[dialect], text)
        if _PREFIXED_QUOTE.search(text):
            out = _PREFIXED_MARK.sub("?", out)  # N'x' → N? → ?
        if self.obfuscate_booleans:
            low = out.lower()
            if "true" in low or "false" in low:
                out = _BOOL.sub("?", out)
        return " ".join(out.split())

    def _scan_nested(self, text: str) -> str:
        """The PostgreSQL pass with nested ``/* /* */ */`` comments: ``search`` in a loop, comments ended by depth."""
        pattern, token, keep = self._patterns["postgresql"], self._callbacks["postgresql"], self.keep_comments
        out: list[str] = []
        pos, n = 0, len(text)
        while pos < n:
            m = pattern.search(text, pos)
            if m is None:
                out.append(text[pos:])
                break
            out.append(text[pos:m.start()])
            if text.startswith("/*", m.start()):
                end = _block_comment_end(text, m.start(), nested=True)
                out.append(text[m.start():end] + " " if keep else " ")
                pos = end
            else:
                out.append(token(m))
                pos = m.end()
        return "".join(out)

    def _make_callback(self, dialect: str):
        keep_comments = self.keep_comments
        mysql = dialect == "mysql"

        def token(m: re.Match[str]) -> str:
            tok = m.group()
            c = tok[0]
            if c == "'":
                return "?"
            if c == '"':
                return "?" if mysql else tok
            if c == "`" or c == "[":
                return tok
            if c == "-":
                if tok.startswith("--"):
                    return tok + "\n" if keep_comments else " "
                return "-?" if _binary_minus(m.string, m.start()) else "?"
            if c == "/" or c == "#":
                return tok + " " if keep_comments else " "
            if c == "$":
                return tok if tok[1:2].isdigit() else "?"
            return "?"  # numbers, hex and binary literals

        return token

def _binary_minus(text: str, pos: int) -> bool:
    """Is the ``-`` at ``pos`` an operator (``a -1``) rather than a sign (``= -1``)?"""
    before = text[:pos].rstrip()
    if not before:
        return False
    last = before[-1]
    if last.isalpha():
        word = _TRAILING_WORD.search(before[-32:])
        return word is None or word.group().upper() not in _SIGN_KEYWORDS
    return last.isdigit() or last in ")?_\"`]'"


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


# _collapse runs on the tokenizer's output, whose whitespace is normalised to single spaces (hence " ?").
# Each pattern starts with a literal character, so the engine scans for it fast; the keyword before it is
# checked by lookbehinds.
_IN_HEAD = r"(?:(?<=[Ii][Nn] \()(?<![\w$.][Ii][Nn] \()|(?<=[Ii][Nn]\()(?<![\w$.][Ii][Nn]\())"
_IN_LIST = re.compile(r"\(" + _IN_HEAD + r" ?\?(?: ?, ?\?)+ ?\)")
_ROW = r"\( ?\?(?: ?, ?\?)* ?\)"
_IN_ROWS = re.compile(r"\(" + _IN_HEAD + r" ?(" + _ROW + r")(?: ?, ?" + _ROW + r")+ ?\)")  # (a, b) IN ((?, ?), …)
# only rows of literals collapse; rows with placeholders ($1, :a) or expressions stay as written
_VALUES = re.compile(r"([Vv](?<![\w$.][Vv])[Aa][Ll][Uu][Ee][Ss] ?)(" + _ROW + r")(?: ?, ?" + _ROW + r")+")
_COLLAPSIBLE = re.compile(r"\? ?\)? ?,")  # "?," or "?)," — a list of literals or of rows may follow


def _collapse(statement: str) -> str:
    if _COLLAPSIBLE.search(statement) is None:
        return statement  # no list of two or more literals: nothing to collapse
    if "(?" in statement or "( ?" in statement:
        statement = _IN_LIST.sub("(?)", statement)
    if "((" in statement or "( (" in statement:
        statement = _IN_ROWS.sub(r"(\1)", statement)
    if "ALUES" in statement or "alues" in statement:
        statement = _VALUES.sub(r"\1\2", statement)
    return statement


_IDENT = r"(?:\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|[A-Za-z_][\w$#]*)"
_QUALIFIED = _IDENT + r"(?:\s*\.\s*" + _IDENT + r")*"
# Reserved operations and target keywords; the first character is a class so the engine skips fast.
# The factored pattern also matches non-words ("SABLE"): matches are checked against _KEYWORD_SET.
_KEYWORDS = re.compile(r"[FJIUDSMT](?:ELECT|NSERT|PDATE|ELETE|ERGE|ROM|OIN|NTO|ABLE|SING)(?![\w$])")
_KEYWORD_SET = _RESERVED_OPERATIONS | _TARGET_KW | {"USING"}
# USING names a table only in MERGE … USING source and PostgreSQL DELETE … USING other (elsewhere: JOIN … USING (col),
# CREATE INDEX … USING btree).
_USING_OPERATIONS = frozenset({"MERGE", "DELETE"})
_FIRST_WORD = re.compile(r"\s*\(?\s*([A-Z_]+)")
_TARGET_AFTER = re.compile(
    r"\s*(?:(?:ONLY|IF|NOT|EXISTS|LATERAL|TEMPORARY|TEMP|UNLOGGED|LOW_PRIORITY|IGNORE|DELAYED|HIGH_PRIORITY|QUICK)"
    r"\s+)*(" + _QUALIFIED + r")(?:\s+(?:AS\s+)?(" + _IDENT + r"))?")  # matched on the upper-cased text
_NEXT_IN_LIST = re.compile(r"\s*,\s*(?=[A-Z_\"`\[])")
_CTE = re.compile(r"(?:\bWITH(?:\s+RECURSIVE)?|,)\s*(" + _IDENT + r")\s*(?:\([^()]*\)\s*)?AS\s*(?:NOT\s+)?"
                  r"(?:MATERIALIZED\s*)?\(", re.I)
_ON = re.compile(r"\s+(" + _QUALIFIED + r")\s*=\s*(" + _QUALIFIED + r")")
_ON_KW = re.compile(r"(?<![\w$.])ON(?=\s)")
_SPLIT_QUALIFIED = re.compile(_IDENT)


# Words that can follow a table name but are not its alias.
_ALIAS_STOP = frozenset({"WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "OUTER", "ON", "USING", "SET",
                         "VALUES", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "SELECT", "RETURNING", "NATURAL",
                         "OFFSET", "FOR", "WINDOW", "DEFAULT", "EXCEPT", "INTERSECT", "AS", "USE", "FORCE", "WITH",
                         "STRAIGHT_JOIN", "PARTITION", "TABLESAMPLE", "DO"})


def _name(qualified: str) -> str:
    if '"' not in qualified and "`" not in qualified and "[" not in qualified and " " not in qualified:
        return qualified  # the common case: plain a.b.c (whitespace is already normalised to single spaces)
    return ".".join(_unquote(p) for p in _SPLIT_QUALIFIED.findall(qualified))


_NO_CTES: frozenset[str] = frozenset()


def _summarize(statement: str, relationships: bool) -> tuple[str | None, tuple[str, ...], str | None, tuple[str, ...]]:
    """Operations and tables in order of appearance, from keyword positions (no full token walk)."""
    upper = statement.upper()
    if len(upper) != len(statement):  # non-ASCII case mapping changed lengths: positions would drift
        upper = "".join(c.upper() if len(c.upper()) == 1 else c for c in statement)
    ctes = {_name(m.group(1)).lower() for m in _CTE.finditer(statement)} if "WITH" in upper else _NO_CTES
    parts: list[str] = []
    operations: list[str] = []
    tables: list[str] = []
    aliases: dict[str, str] = {}
    joins: list[str] = []
    first = _FIRST_WORD.match(upper)
    if first and first.group(1) in _OPERATIONS and first.group(1) not in _KEYWORD_SET:
        kw = first.group(1)  # BEGIN, CALL, EXEC, SET, SHOW, ... count only as the first word
        operations.append(kw)
        parts.append(kw)
        if kw in ("CALL", "EXEC", "EXECUTE"):
            t = _TARGET_AFTER.match(upper, first.end())
            if t:
                name = _name(statement[t.start(1):t.end(1)])
                parts.append(name)
                tables.append(name)
    for m in _KEYWORDS.finditer(upper):
        kw = m.group()
        start, end = m.span()
        if kw not in _KEYWORD_SET or (start and (upper[start - 1].isalnum() or upper[start - 1] in "_$.")):
            continue
        if (start > 2 and upper[start - 1] == " " and upper[start - 2] in "RNYO"  # whitespace is normalised
                and upper[upper.rfind(" ", 0, start - 1) + 1:start - 1] in ("FOR", "ON", "KEY", "NO")):
            continue  # FOR UPDATE, ON DELETE CASCADE, ...
        if kw == "USING" and (not operations or operations[0] not in _USING_OPERATIONS):
            continue
        if kw in _RESERVED_OPERATIONS:
            operations.append(kw)
            parts.append(kw)
        if kw in _TARGET_KW or kw == "USING":
            pos = end
            while True:
                t = _TARGET_AFTER.match(upper, pos)
                if t is None or t.group(1) in _NOT_TABLES:
                    break
                name = _name(statement[t.start(1):t.end(1)])
                alias = t.group(2)
                if alias is not None and alias in _ALIAS_STOP:  # "FROM t WHERE": not an alias
                    alias = None
                    pos = t.end(1)
                else:
                    pos = t.end()
                    if alias is not None:
                        alias = statement[t.start(2):t.end(2)]
                if name.lower() not in ctes:
                    tables.append(name)
                    parts.append(name)
                    if alias:
                        aliases[_unquote(alias).lower()] = name
                if kw != "FROM":
                    break
                nxt = _NEXT_IN_LIST.match(upper, pos)
                if nxt is None:
                    break
                pos = nxt.end()
    if relationships and "ON" in upper:
        for m in _ON_KW.finditer(upper):
            j = _ON.match(statement, m.end())
            if j:
                joins.append(_join(_name(j.group(1)), _name(j.group(2)), aliases))
    operation = operations[0] if operations else None
    dedup: list[str] = []
    if len(set(parts)) == len(parts):
        dedup = parts  # nothing repeats: nothing to drop
    else:
        for k, p in enumerate(parts):
            if dedup and dedup[-1] == p:
                continue
            nxt_part = parts[k + 1] if k + 1 < len(parts) else None
            if p in _OPERATIONS and p in dedup and (nxt_part is None or nxt_part in _OPERATIONS):
                continue  # "WITH r AS (SELECT … FROM orders) SELECT * FROM r": the outer SELECT adds nothing
            dedup.append(p)
    summary = " ".join(dedup)[:255] if dedup else None
    return operation, tuple(dict.fromkeys(tables)), summary, tuple(dict.fromkeys(joins))


def _join(left: str, right: str, aliases: dict[str, str]) -> str:
    def resolve(col: str) -> str:
        owner, _, column = col.rpartition(".")
        return f"{aliases.get(owner.lower(), owner)}.{column}" if owner else column

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
