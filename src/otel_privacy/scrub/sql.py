"""SQL obfuscation and query summaries from one token stream per statement.

One hand-written scanner (a character-class table and a loop, the shape the C twin has) cuts a
statement into tokens under a *reading*: a set of lexical rules (are backslashes escapes? do block
comments nest? is ``#`` a comment? are there ``$$`` or ``q'[…]'`` quotes? …). Thin passes then
consume the tokens:

1. **Ambiguity** — a dialect that can be configured two ways (MySQL's ``NO_BACKSLASH_ESCAPES``,
   PostgreSQL's ``standard_conforming_strings``) and the generic dialect (an unknown server, read as
   every known dialect at once) are scanned under each reading the statement's characters make
   relevant. Where the readings disagree, everything any of them put inside a literal or a comment is
   masked: ``'foo\\' AND color='blue'`` hides ``blue`` whichever way the server reads it.
2. **Classification** — ``"…"`` is a string in MySQL, Hive/Spark and (as a fallback) SQLite. In those
   dialects and the generic one it stays an identifier only where nothing but a name can stand (after
   ``FROM``/``INTO``/``AS``, before or after ``.``, in a column list, a ``SET`` target); elsewhere it
   is a literal.
3. **Obfuscation** — literals (strings, numbers, bare UUIDs, hex/bit strings, booleans) → ``?``,
   comments dropped, whitespace normalised; identifiers, keywords and placeholders (``?``, ``$1``,
   ``:name``, ``@p1``, ``%s``) kept. An unterminated quote or comment swallows the rest of the statement.
4. **Lists** — ``IN (?, ?)`` → ``IN (?)``, ``IN ((?, ?), (?, ?))`` → ``IN ((?, ?))``, multi-row
   ``VALUES`` → one row.
5. **Summary** — operations and tables (``db.query.summary``), joins, from the same tokens.

:mod:`otel_privacy.scrub._sqlcore` (C, optional) implements the same passes, function for function, and a
:class:`SqlObfuscator`'s two caches (one C call per statement, also exported to other extensions as a capsule:
``_sqlcore_api.h``); this module is the reference and the fallback, and the tests run both and compare them on
generated statements.

"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["FAILED", "SqlResult", "SqlObfuscator", "dialect_for_system", "is_low_cardinality_name", "looks_like_sql",
           "DIALECTS"]

try:  # the same passes in C (setup.py builds it where a compiler exists)
    from . import _sqlcore as _CORE
except ImportError:  # no compiler at install time: the Python passes below, the reference
    _CORE = None
# The passes a SqlObfuscator runs: C when built. (The tests set this to None to run the Python ones too.)
_sqlcore = _CORE


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

DIALECTS = ("generic", "postgresql", "mysql", "sqlite", "mssql", "oracle", "cassandra", "hive")

# Systems whose lexical rules we know; every other db.system is read with the generic (safest) rules.
_SYSTEM_DIALECT = {
    "postgresql": "postgresql", "postgres": "postgresql", "cockroachdb": "postgresql",
    "mysql": "mysql", "mariadb": "mysql", "tidb": "mysql",
    "sqlite": "sqlite",
    "mssql": "mssql", "microsoft.sql_server": "mssql", "sqlserver": "mssql",
    "oracle": "oracle", "oracle.db": "oracle",
    "cassandra": "cassandra", "scylla": "cassandra", "scylladb": "cassandra",
    "hive": "hive", "apache.hive": "hive", "spark": "hive", "apache.spark": "hive", "sparksql": "hive",
}
# Stores whose statements are not SQL (scrub.nosql).
_NOT_SQL = frozenset({"redis", "mongodb", "elasticsearch", "opensearch", "memcached", "couchdb", "dynamodb",
                      "aws.dynamodb", "couchbase", "neo4j", "cosmosdb", "azure.cosmosdb", "hbase", "geode"})


def dialect_for_system(db_system: str | None) -> str | None:
    """The SQL dialect for a ``db.system`` / ``db.system.name`` value; ``None`` for stores whose statements are
    not SQL. Systems we have no rules for (Redshift, Snowflake, ClickHouse, Trino, BigQuery, Databricks, DuckDB,
    …) get ``generic``: the statement is read under every known dialect's rules at once, the safest reading."""
    if not db_system:
        return "generic"
    system = db_system.lower()
    if system in _NOT_SQL:
        return None
    return _SYSTEM_DIALECT.get(system, "generic")


# -- readings ------------------------------------------------------------------------------------
# A reading is a set of lexical rules, as bit flags.
BS = 1 << 0  # backslash escapes in '…' (and in "…" where that may be a string: DQS)
EBS = 1 << 1  # E'…' strings have backslash escapes (PostgreSQL)
NEST = 1 << 2  # /* /* */ */ nests (PostgreSQL, SQL Server, Spark)
HASH = 1 << 3  # '#' starts a line comment (MySQL, BigQuery)
SLASH2 = 1 << 4  # '//' starts a line comment (CQL, Snowflake)
DOLLAR = 1 << 5  # $$…$$ strings (PostgreSQL, CQL, Snowflake)
DTAG = 1 << 6  # $tag$…$tag$ strings (PostgreSQL)
QQ = 1 << 7  # Oracle q'[…]' alternative quoting
TRIPLE = 1 << 8  # '''…''' and \"\"\"…\"\"\" strings (BigQuery)
BRACKET = 1 << 9  # […] identifiers (SQL Server, SQLite)
DQS = 1 << 10  # "…" may be a string (so backslashes escape in it under BS)

# How "…" is read: always a name (standard SQL), always a string, or by position (``classify``).
DQ_NAME, DQ_STRING, DQ_CLASSIFY = 0, 1, 2
_PG = EBS | NEST | DOLLAR | DTAG
_MYSQL = HASH | DQS
_HIVE = NEST | DQS
_SQLITE = BRACKET | DQS
# dialect -> (readings, how "…" is read). Every dialect is also read with backslash escapes, and those that
# have them without: a server may be configured either way (MySQL's NO_BACKSLASH_ESCAPES, PostgreSQL's
# standard_conforming_strings, Spark's escapedStringLiterals), and a statement escaped for the wrong server
# still reaches telemetry.
_DIALECT_READINGS: dict[str, tuple[tuple[int, ...], int]] = {
    "postgresql": ((_PG, _PG | BS), DQ_NAME),
    # ANSI_QUOTES may make "…" a name
    "mysql": ((_MYSQL | BS, _MYSQL), DQ_CLASSIFY),
    # "x" falls back to a string when no column x exists; [x] and `x` are names
    "sqlite": ((_SQLITE, _SQLITE | BS), DQ_CLASSIFY),
    "mssql": ((NEST | BRACKET, NEST | BRACKET | BS), DQ_NAME),
    "oracle": ((QQ, QQ | BS), DQ_NAME),
    "cassandra": ((DOLLAR | SLASH2, DOLLAR | SLASH2 | BS), DQ_NAME),
    "hive": ((_HIVE | BS, _HIVE), DQ_CLASSIFY),
}
# Unknown servers: every reading above, and those of Snowflake (// comments, $$), BigQuery (# comments,
# triple quotes, "…" strings) and ClickHouse (# comments), with and without backslash escapes. Only the flags
# whose characters occur in a statement are read (see readings_for): most statements need one reading.
_GENERIC_READINGS: list[int] = [0]
for _profile in [r for readings, _ in _DIALECT_READINGS.values() for r in readings] + [
        SLASH2 | DOLLAR, HASH | TRIPLE | DQS, HASH]:
    for _r in (_profile, _profile | BS):
        if _r not in _GENERIC_READINGS:
            _GENERIC_READINGS.append(_r)
_DIALECT_READINGS["generic"] = (tuple(_GENERIC_READINGS), DQ_CLASSIFY)

_DTAG_START = re.compile(r"\$[A-Za-z_\x80-\U0010ffff]")


def relevant_flags(text: str) -> int:
    """The reading flags that can change how ``text`` is tokenized (those whose trigger characters occur)."""
    rel = 0
    if "\\" in text:
        rel |= BS | EBS | DQS
    if "/*" in text and text.count("/*") > 1:
        rel |= NEST
    if "#" in text:
        rel |= HASH
    if "//" in text:
        rel |= SLASH2
    if "$" in text:
        if "$$" in text:
            rel |= DOLLAR | DTAG
        if _DTAG_START.search(text):
            rel |= DTAG
    if "q'" in text or "Q'" in text:
        rel |= QQ
    if "'''" in text or '"""' in text:
        rel |= TRIPLE
    if "[" in text:
        rel |= BRACKET
    return rel


def readings_for(dialect: str, text: str) -> tuple[list[int], int]:
    """The distinct readings of ``text`` under ``dialect`` (first: the dialect's own), and how "…" is read."""
    readings, dq_mode = _DIALECT_READINGS.get(dialect) or _DIALECT_READINGS["generic"]
    rel = relevant_flags(text)
    out: list[int] = []
    for r in readings:
        eff = r & rel
        if not eff & BS:
            eff &= ~DQS  # (DQS only says whether backslashes escape in "…")
        if eff not in out:
            out.append(eff)
    return out, dq_mode


# -- tokenizer -----------------------------------------------------------------------------------
# Token kinds. A token is (kind, start, end) over the statement.
T_WS, T_WORD, T_NUMBER, T_STRING, T_COMMENT, T_DQ, T_QIDENT, T_PARAM, T_OP = range(9)
# Tokens that may hide something (a literal, a comment, a "…" that may be a string): where readings disagree
# on one of these, the union masks. A [name] or `name` one reading sees and another does not hides nothing.
_MASKABLE = frozenset({T_NUMBER, T_STRING, T_COMMENT, T_DQ})

# Character classes of ASCII; every code point >= 128 is a word character.
(C_OTHER, C_WS, C_ALPHA, C_DIGIT, C_QUOTE, C_DQUOTE, C_BTICK, C_LBRACK, C_DOLLAR, C_MINUS, C_SLASH, C_HASH,
 C_DOT, C_QMARK, C_COLON, C_AT) = range(16)
_CLASS = [C_OTHER] * 128
for _c in " \t\n\r\f\v":
    _CLASS[ord(_c)] = C_WS
for _c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_":
    _CLASS[ord(_c)] = C_ALPHA
for _c in "0123456789":
    _CLASS[ord(_c)] = C_DIGIT
for _c, _k in (("'", C_QUOTE), ('"', C_DQUOTE), ("`", C_BTICK), ("[", C_LBRACK), ("$", C_DOLLAR), ("-", C_MINUS),
               ("/", C_SLASH), ("#", C_HASH), (".", C_DOT), ("?", C_QMARK), (":", C_COLON), ("@", C_AT)):
    _CLASS[ord(_c)] = _k
_CLASS_T = tuple(_CLASS)

def _fast_pattern(flags: int) -> tuple[re.Pattern[str], tuple[int, ...]]:
    """One regex for the tokens whose end needs no context under reading ``flags``: group ``i`` is a token of
    kind ``kinds[i]``; kind -1 (one character) hands that position to the hand-written loop. (The loop alone
    gives the same tokens; this only makes the Python reference faster.)"""
    word = r"[A-Za-z0-9_$\x80-\U0010ffff]" if flags & HASH else r"[A-Za-z0-9_$#\x80-\U0010ffff]"
    # (a closing quote is never followed by another: the regex must not backtrack out of a doubled quote)
    sq = r"'[^'\\]*(?:(?:''|\\[\s\S])[^'\\]*)*'(?!')" if flags & BS else r"'[^']*(?:''[^']*)*'(?!')"
    dq = r'"[^"\\]*(?:(?:""|\\[\s\S])[^"\\]*)*"(?!")' if flags & BS and flags & DQS else r'"[^"]*(?:""[^"]*)*"(?!")'
    if flags & TRIPLE:
        sq = r"(?!''')" + sq
        dq = r'(?!""")' + dq
    specials = r"'\"`$\-/#.?:@" + (r"\[" if flags & BRACKET else "")
    alternatives = [
        (T_WS, r"[ \t\n\r\f\v]+"),
        # (the lookaheads include the run's own characters, so a run never backtracks to a shorter one)
        (T_WORD, rf"[A-Za-z_\x80-\U0010ffff]{word}*(?!{word}|[-'&])"),
        (T_NUMBER, rf"[0-9](?:{word}|\.)*(?!{word}|[-+.])"),
        (T_STRING, sq),
        (T_DQ, dq),
        (T_QIDENT, r"`[^`]*(?:``[^`]*)*`(?!`)"),
        (T_PARAM, r"\?[0-9]*"),
        (T_OP, r"::|\.(?![0-9])|-(?!-)|/(?![*/])|[^ \t\n\r\f\vA-Za-z0-9_\x80-\U0010ffff" + specials + "]"),
        (-1, r"."),
    ]
    pattern = re.compile("|".join(f"({alt})" for _, alt in alternatives), re.S)
    return pattern, (-1,) + tuple(kind for kind, _ in alternatives)


_FAST: dict[int, tuple[re.Pattern[str], tuple[int, ...]]] = {}
_FAST_FLAGS = HASH | BS | DQS | TRIPLE | BRACKET
# Runs, matched at a position (the C scanner loops over the same character sets).
_WORD_RUN = re.compile(r"[A-Za-z0-9_$#\x80-\U0010ffff]*")  # '#' continues a word unless it starts a comment
_WORD_RUN_NOHASH = re.compile(r"[A-Za-z0-9_$\x80-\U0010ffff]*")
_NUM_RUN = re.compile(r"[A-Za-z0-9_$#.\x80-\U0010ffff]*")
_NUM_RUN_NOHASH = re.compile(r"[A-Za-z0-9_$.\x80-\U0010ffff]*")
_DIGITS = re.compile(r"[0-9]*")
_TAG_RUN = re.compile(r"[A-Za-z0-9_\x80-\U0010ffff]*")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DECIMAL = re.compile(r"[0-9.]*")
_HEXCHARS = frozenset("0123456789abcdefABCDEF")
_Q_CLOSE = {"[": "]", "{": "}", "(": ")", "<": ">"}
_STRING_PREFIXES = frozenset({"N", "E", "X", "B", "NQ"})  # N'…', E'…', X'…', B'…'; _charset'…' separately


def _ascii_upper(word: str) -> str:
    return word.upper() if word.isascii() else ""  # keywords are ASCII: "ſelect".upper() is "SELECT"


def _is_word_char(c: str) -> bool:
    o = ord(c)
    return o >= 128 or _CLASS_T[o] in (C_ALPHA, C_DIGIT) or c == "$"


def _quoted_end(text: str, pos: int, quote: str, backslash: bool) -> int:
    """End of the quoted token opening at ``pos``: a doubled quote continues it, so does ``\\x`` when
    ``backslash``; unterminated → the end of the text."""
    n = len(text)
    j = pos + 1
    while True:
        k = text.find(quote, j)
        if backslash:
            b = text.find("\\", j, k if k >= 0 else n)
            if b >= 0:
                j = b + 2
                continue
        if k < 0:
            return n
        if k + 1 < n and text[k + 1] == quote:
            j = k + 2
            continue
        return k + 1


def _triple_end(text: str, pos: int, quote: str, backslash: bool) -> int:
    closer = quote * 3
    j = pos + 3
    n = len(text)
    while True:
        k = text.find(closer, j)
        if backslash:
            b = text.find("\\", j, k if k >= 0 else n)
            if b >= 0:
                j = b + 2
                continue
        return n if k < 0 else k + 3


def _block_comment_end(text: str, pos: int, nested: bool) -> int:
    n = len(text)
    if not nested:
        k = text.find("*/", pos + 2)
        return n if k < 0 else k + 2
    depth, j = 1, pos + 2
    while True:
        close = text.find("*/", j)
        if close < 0:
            return n
        opener = text.find("/*", j, close)
        if opener >= 0:
            depth += 1
            j = opener + 2
            continue
        depth -= 1
        j = close + 2
        if depth == 0:
            return j


def _uuid_at(text: str, pos: int) -> bool:
    end = pos + 36
    if end > len(text) or text[pos + 8] != "-" or not _UUID.match(text, pos):
        return False
    return end == len(text) or not (_is_word_char(text[end]) or text[end] in "-#")


def _number_end(text: str, pos: int, hash_comments: bool) -> int:
    """A number runs over word characters and dots (``1.5``, ``0xCAFE``, ``3.``, and ``1abc`` — a word that
    starts with a digit is a literal, never a name), and over an exponent's sign (``1.5e-3``)."""
    run = _NUM_RUN_NOHASH if hash_comments else _NUM_RUN
    n = len(text)
    j = run.match(text, pos).end()
    while (j + 1 < n and text[j] in "+-" and text[j - 1] in "eE" and "0" <= text[j + 1] <= "9"
           and _DECIMAL.match(text, pos, j - 1).end() == j - 1):
        j = run.match(text, j + 1).end()
    return j


def scan(text: str, flags: int) -> list[tuple[int, int, int]]:
    """Tokenize ``text`` under the reading ``flags``. Never fails: every character lands in some token."""
    toks: list[tuple[int, int, int]] = []
    append = toks.append
    n = len(text)
    pos = 0
    cls_table = _CLASS_T
    bs = bool(flags & BS)
    dq_bs = bs and bool(flags & DQS)
    hash_comments = bool(flags & HASH)
    word_run = _WORD_RUN_NOHASH if hash_comments else _WORD_RUN
    key = flags & _FAST_FLAGS
    if key not in _FAST:
        _FAST[key] = _fast_pattern(key)
    pattern, kinds = _FAST[key]
    fast = pattern.finditer
    while pos < n:
        # Whitespace, words, numbers and plain punctuation (most of a statement) come from one regex pass;
        # at any other character (a quote, a comment, a placeholder, a word that may prefix a string or
        # start a UUID, a number with an exponent sign) the loop below takes over for one token.
        for m in fast(text, pos):
            kind = kinds[m.lastindex]
            if kind < 0:
                pos = m.start()
                break
            append((kind, *m.span()))
        else:
            return toks
        c = text[pos]
        o = ord(c)
        cls = cls_table[o] if o < 128 else C_ALPHA
        if cls == C_ALPHA:
            if c in _HEXCHARS and _uuid_at(text, pos):
                append((T_STRING, pos, pos + 36))
                pos += 36
                continue
            end = word_run.match(text, pos + 1).end()
            if end < n and text[end] == "'":
                word = _ascii_upper(text[pos:end])
                if flags & QQ and word in ("Q", "NQ") and end + 1 < n and text[end + 1] not in " \t\n\r\f\v'":
                    close = _Q_CLOSE.get(text[end + 1], text[end + 1]) + "'"
                    k = text.find(close, end + 2)
                    stop = n if k < 0 else k + 2
                    append((T_STRING, pos, stop))
                    pos = stop
                    continue
                if word in _STRING_PREFIXES or word[:1] == "_":
                    stop = _quoted_end(text, end, "'", bs or (word == "E" and bool(flags & EBS)))
                    append((T_STRING, pos, stop))
                    pos = stop
                    continue
            elif end + 1 < n and text[end] == "&" and text[end + 1] == "'" and end == pos + 1 and c in "Uu":
                stop = _quoted_end(text, end + 1, "'", bs)  # U&'d\0061t'
                append((T_STRING, pos, stop))
                pos = stop
                continue
            append((T_WORD, pos, end))
            pos = end
        elif cls == C_DIGIT:
            if _uuid_at(text, pos):
                end = pos + 36
                append((T_STRING, pos, end))
            else:
                end = _number_end(text, pos, hash_comments)
                append((T_NUMBER, pos, end))
            pos = end
        elif cls == C_QUOTE:
            if flags & TRIPLE and text.startswith("'''", pos):
                end = _triple_end(text, pos, "'", bs)
            else:
                end = _quoted_end(text, pos, "'", bs)
            append((T_STRING, pos, end))
            pos = end
        elif cls == C_DQUOTE:
            if flags & TRIPLE and text.startswith('"""', pos):
                end = _triple_end(text, pos, '"', dq_bs)
                append((T_STRING, pos, end))
            else:
                end = _quoted_end(text, pos, '"', dq_bs)
                append((T_DQ, pos, end))
            pos = end
        elif cls == C_BTICK:
            end = _quoted_end(text, pos, "`", False)
            append((T_QIDENT, pos, end))
            pos = end
        elif cls == C_LBRACK and flags & BRACKET:
            end = _quoted_end(text, pos, "]", False)  # ]] is a literal ]
            append((T_QIDENT, pos, end))
            pos = end
        elif cls == C_DOLLAR:
            nxt = text[pos + 1] if pos + 1 < n else ""
            if "0" <= nxt <= "9":
                end = _DIGITS.match(text, pos + 1).end()
                append((T_PARAM, pos, end))
            elif nxt == "$" and flags & (DOLLAR | DTAG):
                k = text.find("$$", pos + 2)
                end = n if k < 0 else k + 2
                append((T_STRING, pos, end))
            elif flags & DTAG and nxt and (nxt == "_" or nxt.isascii() and nxt.isalpha() or ord(nxt) >= 128):
                tag_end = _TAG_RUN.match(text, pos + 1).end()
                if tag_end < n and text[tag_end] == "$":
                    tag = text[pos:tag_end + 1]
                    k = text.find(tag, tag_end + 1)
                    end = n if k < 0 else k + len(tag)
                    append((T_STRING, pos, end))
                else:
                    end = pos + 1
                    append((T_OP, pos, end))
            else:
                end = pos + 1
                append((T_OP, pos, end))
            pos = end
        elif cls == C_MINUS and pos + 1 < n and text[pos + 1] == "-":
            k = text.find("\n", pos)
            end = n if k < 0 else k
            append((T_COMMENT, pos, end))
            pos = end
        elif cls == C_SLASH and pos + 1 < n and text[pos + 1] == "*":
            end = _block_comment_end(text, pos, bool(flags & NEST))
            append((T_COMMENT, pos, end))
            pos = end
        elif cls == C_SLASH and flags & SLASH2 and pos + 1 < n and text[pos + 1] == "/":
            k = text.find("\n", pos)
            end = n if k < 0 else k
            append((T_COMMENT, pos, end))
            pos = end
        elif cls == C_HASH:
            if hash_comments:
                k = text.find("\n", pos)
                end = n if k < 0 else k
                append((T_COMMENT, pos, end))
            elif pos + 1 < n and (_is_word_char(text[pos + 1]) or text[pos + 1] == "#"):
                end = word_run.match(text, pos + 1).end()  # SQL Server #temp and ##global tables
                append((T_WORD, pos, end))
            else:
                end = pos + 1
                append((T_OP, pos, end))
            pos = end
        elif cls == C_DOT and pos + 1 < n and "0" <= text[pos + 1] <= "9" and not (
                pos and _is_word_char(text[pos - 1])):
            end = _number_end(text, pos, hash_comments)
            append((T_NUMBER, pos, end))
            pos = end
        elif cls == C_QMARK:
            end = _DIGITS.match(text, pos + 1).end()  # ? and SQLite's ?NNN
            append((T_PARAM, pos, end))
            pos = end
        elif cls == C_COLON:
            nxt = text[pos + 1] if pos + 1 < n else ""
            if nxt == ":":
                end = pos + 2
                append((T_OP, pos, end))
            elif nxt and _is_word_char(nxt) and nxt != "$" and not (pos and _ends_value(text[pos - 1])):
                end = _WORD_RUN_NOHASH.match(text, pos + 1).end()
                append((T_PARAM, pos, end))
            else:
                end = pos + 1
                append((T_OP, pos, end))
            pos = end
        elif cls == C_AT and pos + 1 < n and (_is_word_char(text[pos + 1]) or text[pos + 1] == "@"):
            start = pos + 2 if text[pos + 1] == "@" else pos + 1
            end = _WORD_RUN_NOHASH.match(text, start).end()
            append((T_PARAM, pos, end))
            pos = end
        else:
            append((T_OP, pos, pos + 1))
            pos += 1
    return toks


def _ends_value(c: str) -> bool:
    """Does ``c`` end a value (so a ``:`` after it is an operator, not the start of a ``:name`` parameter)?"""
    return _is_word_char(c) or c in ")]}'\"`"


# -- ambiguity: the union of readings --------------------------------------------------------------
def union(streams: list[list[tuple[int, int, int]]]) -> list[tuple[int, int, int]]:
    """One token stream masking everything any reading put inside a literal or a comment.

    A literal/comment/``"…"`` token on which every reading agrees (same span, same kind, and nothing of
    another reading overlapping it) is kept as it is. Every other such token, from any reading, is part of
    a masked region; a region grows to the boundaries of the first reading's tokens it touches, and
    regions that then overlap merge. A region is a comment if only comments formed it, else a string.
    """
    base = streams[0]
    count = len(streams)
    spans = sorted((s, e, k) for toks in streams for (k, s, e) in toks if k in _MASKABLE)
    starts = [s for (_, s, _) in base]
    regions: list[list[int]] = []  # [start, end, kind], aligned to base tokens, sorted, disjoint
    i, m = 0, len(spans)
    while i < m:
        s, e, k = spans[i]
        all_comments = k == T_COMMENT
        j = i + 1
        while j < m and spans[j][0] < e:
            e = max(e, spans[j][1])
            all_comments = all_comments and spans[j][2] == T_COMMENT
            j += 1
        if j - i != count or any(spans[x] != spans[i] for x in range(i + 1, j)):
            first = bisect_right(starts, s) - 1
            last = bisect_right(starts, e - 1) - 1
            s, e = base[first][1], base[last][2]
            kind = T_COMMENT if all_comments else T_STRING
            if regions and s < regions[-1][1]:
                prev = regions[-1]
                prev[1] = max(prev[1], e)
                if kind == T_STRING:
                    prev[2] = T_STRING
            else:
                regions.append([s, e, kind])
        i = j
    if not regions:
        return base
    out: list[tuple[int, int, int]] = []
    r, nreg = 0, len(regions)
    for tok in base:
        while r < nreg and regions[r][1] <= tok[1]:
            r += 1
        if r < nreg and regions[r][0] <= tok[1]:
            if regions[r][0] == tok[1]:
                out.append((regions[r][2], regions[r][0], regions[r][1]))
            continue
        out.append(tok)
    return out


# -- classification: is "…" a name or a string? ------------------------------------------------------
def _upper_word(text: str, tok: tuple[int, int, int]) -> str:
    """The token's text upper-cased if it is an ASCII word (keywords are ASCII; ``ſelect`` is not SELECT)."""
    if tok[0] != T_WORD:
        return ""
    w = text[tok[1]:tok[2]]
    return w.upper() if w.isascii() else ""


# After these a name follows (FROM only in a query, not in EXTRACT(x FROM …)).
_NAME_AFTER = frozenset({"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "AS", "INDEX", "VIEW", "REFERENCES", "EXISTS",
                         "ONLY", "WITH", "RECURSIVE", "TRUNCATE", "DATABASE", "SCHEMA"})
# A parenthesised list of names follows these, or a table name after INTO/TABLE/REFERENCES.
_NAMELIST_AFTER = frozenset({"KEY", "UNIQUE", "CONFLICT", "USING"})
_TABLE_KW = frozenset({"INTO", "TABLE", "REFERENCES"})
_CLAUSES = frozenset({"SELECT", "FROM", "WHERE", "SET", "GROUP", "ORDER", "HAVING", "VALUES", "JOIN", "ON", "USING",
                      "LIMIT", "RETURNING", "INTO", "UPDATE", "WINDOW", "UNION", "EXCEPT", "INTERSECT"})
_LEVEL_QUERY, _LEVEL_EXPR, _LEVEL_NAMES = 0, 1, 2


def classify(text: str, toks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Turn each ``"…"`` (T_DQ) into an identifier (T_QIDENT) where only a name can stand, else a string."""
    sig = [t for t in toks if t[0] != T_WS and t[0] != T_COMMENT]
    if not any(t[0] == T_DQ for t in sig):
        return toks
    names: set[int] = set()  # starts of T_DQ tokens that are names
    levels = [[_LEVEL_QUERY, ""]]  # per parenthesis depth: kind, current clause
    table_next = False  # the previous significant tokens were INTO/TABLE/REFERENCES: a table name comes
    table_end = -1  # index (in sig) of the last token of a table name after INTO/TABLE/REFERENCES
    nsig = len(sig)
    for i, tok in enumerate(sig):
        kind = tok[0]
        prev = sig[i - 1] if i else None
        nxt = sig[i + 1] if i + 1 < nsig else None
        level = levels[-1]
        if kind == T_WORD:
            u = _upper_word(text, tok)
            if u in _CLAUSES and level[0] == _LEVEL_QUERY:
                level[1] = u
            if u in _TABLE_KW:
                table_next = True
                continue
            if table_next and u not in ("IF", "NOT", "EXISTS", "ONLY"):
                table_next = False
                table_end = _name_end(text, sig, i)
            continue
        if kind == T_OP:
            c = text[tok[1]]
            if c == "(":
                first = _upper_word(text, nxt) if nxt else ""
                pw = _upper_word(text, prev) if prev else ""
                if first in ("SELECT", "WITH", "VALUES"):
                    levels.append([_LEVEL_QUERY, ""])
                elif table_end == i - 1 or pw in _NAMELIST_AFTER:
                    levels.append([_LEVEL_NAMES, ""])
                else:
                    levels.append([_LEVEL_EXPR, ""])
            elif c == ")" and len(levels) > 1:
                levels.pop()
            table_next = False
            continue
        if kind in (T_QIDENT, T_DQ):
            if table_next:
                table_next = False
                table_end = _name_end(text, sig, i)
            if kind == T_QIDENT:
                continue
            pw = _upper_word(text, prev) if prev else ""
            pc = text[prev[1]] if prev is not None and prev[0] == T_OP else ""
            nc = text[nxt[1]] if nxt is not None and nxt[0] == T_OP else ""
            is_name = (
                nc == "." or pc == "."
                or (pw in _NAME_AFTER and (pw != "FROM" or level[0] == _LEVEL_QUERY))
                or (pc == "," and level[0] == _LEVEL_QUERY and level[1] == "FROM")
                or (level[0] == _LEVEL_NAMES and pc in ("(", ","))
                or (nc == "=" and (pw == "SET" or (pc == "," and level[1] == "SET")))
                or (nxt is not None and _upper_word(text, nxt) == "AS" and i + 2 < nsig
                    and sig[i + 2][0] == T_OP and text[sig[i + 2][1]] == "(")  # WITH "cte" AS (…)
                or i <= table_end
            )
            if is_name:
                names.add(tok[1])
            continue
        table_next = False
    return [(T_QIDENT if t[1] in names else T_STRING, t[1], t[2]) if t[0] == T_DQ else t for t in toks]


def _name_end(text: str, sig: list[tuple[int, int, int]], i: int) -> int:
    """Index of the last token of the qualified name starting at ``sig[i]`` (``a . "b" . c``)."""
    while (i + 2 < len(sig) and sig[i + 1][0] == T_OP and text[sig[i + 1][1]] == "."
           and sig[i + 2][0] in (T_WORD, T_DQ, T_QIDENT)):
        i += 2
    return i


# -- obfuscation: the output tokens --------------------------------------------------------------
# Output token kinds (O_Q: a "?" — a replaced literal, or a "?" placeholder: both collapse in lists).
O_WS, O_WORD, O_Q, O_PARAM, O_IDENT, O_OP, O_COMMENT = range(7)
_SQUEEZE = re.compile(r"[ \t\n\r\f\v]+")
# After these keywords a "-" starts a negative number, not a subtraction.
_SIGN_KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "WHERE", "THEN", "ELSE", "WHEN", "SELECT", "RETURN", "IN",
                            "IS", "LIKE", "VALUES", "SET", "LIMIT", "OFFSET", "BY", "ON", "HAVING", "CASE", "DEFAULT",
                            "INTERVAL", "TOP", "ALL", "ANY", "SOME", "EXISTS"})


def _ends_operand(text: str, tok: tuple[int, int, int] | None) -> bool:
    """Does ``tok`` end an operand, so that a ``-`` after it subtracts (``a -1``) rather than negates (``= -1``)?"""
    if tok is None:
        return False
    kind = tok[0]
    if kind == T_WORD:
        return _upper_word(text, tok) not in _SIGN_KEYWORDS
    if kind == T_OP:
        return text[tok[1]] in ")]"
    return kind != T_WS and kind != T_COMMENT


def emit(text: str, toks: list[tuple[int, int, int]], obfuscate_booleans: bool,
         keep_comments: bool) -> list[tuple[int, str]]:
    """Literals → ``?``, comments dropped (or kept), whitespace runs → one space (none at the ends)."""
    out: list[tuple[int, str]] = []
    append = out.append
    prev_sig: tuple[int, int, int] | None = None  # the previous significant input token
    space = False  # a space is owed before the next output token
    ntoks = len(toks)
    for idx, tok in enumerate(toks):
        kind, s, e = tok
        if kind == T_WS:
            space = True
            continue
        if kind == T_COMMENT:
            if keep_comments:
                if space and out:
                    append((O_WS, " "))
                append((O_COMMENT, _SQUEEZE.sub(" ", text[s:e])))
            space = True
            continue
        if kind == T_OP and text[s] == "-" and idx + 1 < ntoks and toks[idx + 1][0] == T_NUMBER \
                and not _ends_operand(text, prev_sig):
            prev_sig = tok  # a sign: "-1" becomes one "?" with the number that follows
            if space and out:
                append((O_WS, " "))
            space = False
            continue
        if space and out:
            append((O_WS, " "))
        space = False
        if kind == T_WORD:
            if obfuscate_booleans and e - s in (4, 5) and _ascii_upper(text[s:e]) in ("TRUE", "FALSE") \
                    and not (s and text[s - 1] in ".$"):  # t.true is a column
                append((O_Q, "?"))
            else:
                append((O_WORD, text[s:e]))
        elif kind in (T_NUMBER, T_STRING):
            append((O_Q, "?"))
        elif kind == T_PARAM:
            append((O_Q, "?") if e - s == 1 and text[s] == "?" else (O_PARAM, text[s:e]))
        elif kind in (T_QIDENT, T_DQ):  # (T_DQ: "…" in a dialect where it is always a name)
            append((O_IDENT, _SQUEEZE.sub(" ", text[s:e])))
        else:
            append((O_OP, text[s:e]))
        prev_sig = tok
    return out


# -- lists ---------------------------------------------------------------------------------------
def _skip_ws(out: list[tuple[int, str]], i: int) -> int:
    return i + 1 if i < len(out) and out[i][0] == O_WS else i


def _is_op(out: list[tuple[int, str]], i: int, c: str) -> bool:
    return i < len(out) and out[i][0] == O_OP and out[i][1] == c


def _row_end(out: list[tuple[int, str]], i: int) -> int:
    """End (exclusive) of a row ``( ? , ? … )`` starting at ``out[i]``, or -1."""
    if not _is_op(out, i, "("):
        return -1
    i = _skip_ws(out, i + 1)
    while True:
        if i >= len(out) or out[i][0] != O_Q:
            return -1
        i = _skip_ws(out, i + 1)
        if _is_op(out, i, ")"):
            return i + 1
        if not _is_op(out, i, ","):
            return -1
        i = _skip_ws(out, i + 1)


def _rows_end(out: list[tuple[int, str]], i: int) -> tuple[int, int]:
    """Rows ``(…), (…)`` starting at ``out[i]``: (end of the first row, end of the last); (-1, -1) if < 2 rows."""
    first = _row_end(out, i)
    if first < 0:
        return -1, -1
    last, j = first, first
    while True:
        j = _skip_ws(out, j)
        if not _is_op(out, j, ","):
            break
        nxt = _row_end(out, _skip_ws(out, j + 1))
        if nxt < 0:
            break
        last = j = nxt
    return (first, last) if last != first else (-1, -1)


# Only a "?" followed by "," (or "?)" by ",") can start a list of two or more: a cheap test before collapsing.
_COLLAPSIBLE = re.compile(r"\? ?\)? ?,")


def collapse(out: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """``IN (?, ?)`` → ``IN (?)``, ``IN ((?, ?), (?, ?))`` → ``IN ((?, ?))``, ``VALUES (?), (?)`` → ``VALUES (?)``."""
    result: list[tuple[int, str]] = []
    i, n = 0, len(out)
    while i < n:
        tok = out[i]
        result.append(tok)
        i += 1
        if tok[0] != O_WORD or len(tok[1]) not in (2, 6) or (len(result) > 1 and result[-2] == (O_OP, ".")):
            continue
        word = _ascii_upper(tok[1])
        if word == "IN":
            j = _skip_ws(out, i)
            if not _is_op(out, j, "("):
                continue
            k = _skip_ws(out, j + 1)
            if k < n and out[k][0] == O_Q:  # IN (?, ?, …)
                end = _row_end(out, j)
                if end > 0 and sum(1 for t in out[j:end] if t[0] == O_Q) > 1:
                    result.extend(out[i:j])
                    result += [(O_OP, "("), (O_Q, "?"), (O_OP, ")")]
                    i = end
                continue
            first, last = _rows_end(out, k)  # IN ((?, ?), (?, ?))
            if first > 0:
                close = _skip_ws(out, last)
                if _is_op(out, close, ")"):
                    result.extend(out[i:j])
                    result.append((O_OP, "("))
                    result.extend(out[k:first])
                    result.append((O_OP, ")"))
                    i = close + 1
        elif word == "VALUES":
            j = _skip_ws(out, i)
            first, last = _rows_end(out, j)
            if first > 0:
                result.extend(out[i:first])
                i = last
    return result


# -- summary -------------------------------------------------------------------------------------
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
_KEYWORD_SET = _RESERVED_OPERATIONS | _TARGET_KW | {"USING"}
# USING names a table only in MERGE … USING source and PostgreSQL DELETE … USING other (elsewhere: JOIN … USING (col),
# CREATE INDEX … USING btree).
_USING_OPERATIONS = frozenset({"MERGE", "DELETE"})
_SKIP_AFTER_TARGET_KW = frozenset({"ONLY", "IF", "NOT", "EXISTS", "LATERAL", "TEMPORARY", "TEMP", "UNLOGGED",
                                   "LOW_PRIORITY", "IGNORE", "DELAYED", "HIGH_PRIORITY", "QUICK"})
_NOT_TABLES = frozenset({"SELECT", "VALUES", "SET", "WHERE", "DUAL", "UNNEST", "GENERATE_SERIES", "LATERAL",
                         "JSON_TABLE", "TABLE"})
# Words that can follow a table name but are not its alias.
_ALIAS_STOP = frozenset({"WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "OUTER", "ON", "USING", "SET",
                         "VALUES", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION", "SELECT", "RETURNING", "NATURAL",
                         "OFFSET", "FOR", "WINDOW", "DEFAULT", "EXCEPT", "INTERSECT", "AS", "USE", "FORCE", "WITH",
                         "STRAIGHT_JOIN", "PARTITION", "TABLESAMPLE", "DO"})
_NOT_KEYWORD_AFTER = frozenset({"FOR", "ON", "KEY", "NO"})  # FOR UPDATE, ON DELETE CASCADE, ON DUPLICATE KEY UPDATE


def _unquote(part: str) -> str:
    if part[:1] in "\"`[":
        return part[1:-1] if len(part) >= 2 else part[1:]
    return part


def _is_ident(tok: tuple[int, str] | None) -> bool:
    return tok is not None and (tok[0] == O_IDENT or tok[0] == O_WORD)


def _qualified(sig: list[tuple[int, str]], i: int) -> tuple[str, int] | None:
    """The qualified name ``a.b."c"`` at ``sig[i]`` (unquoted, joined by dots) and the index after it."""
    if not _is_ident(sig[i] if i < len(sig) else None):
        return None
    parts = [_unquote(sig[i][1])]
    i += 1
    while i + 1 < len(sig) and sig[i] == (O_OP, ".") and _is_ident(sig[i + 1]):
        parts.append(_unquote(sig[i + 1][1]))
        i += 2
    return ".".join(parts), i


def _target(sig: list[tuple[int, str]], i: int) -> tuple[str, str | None, int] | None:
    """The table named at ``sig[i]`` (after FROM, JOIN, …): (name, alias, index after the name and alias)."""
    n = len(sig)
    while (i + 1 < n and sig[i][0] == O_WORD and _ascii_upper(sig[i][1]) in _SKIP_AFTER_TARGET_KW
           and _is_ident(sig[i + 1]) and _ascii_upper(sig[i + 1][1]) not in _ALIAS_STOP):
        i += 1
    found = _qualified(sig, i)
    if found is None:
        return None
    name, j = found
    if "." not in name and sig[i][0] == O_WORD and _ascii_upper(name) in _NOT_TABLES:
        return None
    k = j + 1 if j < n and sig[j][0] == O_WORD and _ascii_upper(sig[j][1]) == "AS" else j
    if k < n and _is_ident(sig[k]) and not (sig[k][0] == O_WORD and _ascii_upper(sig[k][1]) in _ALIAS_STOP):
        return name, sig[k][1], k + 1
    return name, None, j


def _ctes(sig: list[tuple[int, str]]) -> set[str]:
    """Names defined by ``WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (`` (and ``, name AS (``)."""
    names: set[str] = set()
    n = len(sig)
    for i, tok in enumerate(sig):
        is_with = tok[0] == O_WORD and _ascii_upper(tok[1]) == "WITH"
        if not is_with and tok != (O_OP, ","):
            continue
        j = i + 1
        if is_with and j < n and sig[j][0] == O_WORD and _ascii_upper(sig[j][1]) == "RECURSIVE":
            j += 1
        if j >= n or not _is_ident(sig[j]):
            continue
        name = sig[j][1]
        j += 1
        if j < n and sig[j] == (O_OP, "("):  # a column list, without nested parentheses
            k = j + 1
            while k < n and sig[k] not in ((O_OP, "("), (O_OP, ")")):
                k += 1
            if k >= n or sig[k] != (O_OP, ")"):
                continue
            j = k + 1
        if j >= n or sig[j][0] != O_WORD or _ascii_upper(sig[j][1]) != "AS":
            continue
        j += 1
        for optional in ("NOT", "MATERIALIZED"):
            if j < n and sig[j][0] == O_WORD and _ascii_upper(sig[j][1]) == optional:
                j += 1
        if j < n and sig[j] == (O_OP, "("):
            names.add(_unquote(name).lower())
    return names


def _summarize(out: list[tuple[int, str]] | bytes, relationships: bool,
               statement: str = "") -> tuple[str | None, tuple[str, ...], str | None, tuple[str, ...]]:
    """Operations and tables in order of appearance, and joins, from the obfuscated tokens (``_sqlcore``'s
    packed ones are read by its ``summarize``)."""
    if isinstance(out, bytes):
        return _CORE.summarize(statement, out, relationships)
    sig: list[tuple[int, str]] = []
    after_dot: list[bool] = []  # the token right before (no space) is "."
    prev: tuple[int, str] | None = None
    for tok in out:
        if tok[0] != O_WS and tok[0] != O_COMMENT:
            sig.append(tok)
            after_dot.append(prev == (O_OP, "."))
        prev = tok
    n = len(sig)
    if not n:
        return None, (), None, ()
    ctes = _ctes(sig) if any(t[0] == O_WORD and _ascii_upper(t[1]) == "WITH" for t in sig) else set()
    parts: list[str] = []
    operations: list[str] = []
    tables: list[str] = []
    aliases: dict[str, str] = {}
    joins: list[str] = []
    first = 1 if sig[0] == (O_OP, "(") else 0
    if first < n and sig[first][0] == O_WORD:
        kw = _ascii_upper(sig[first][1])
        if kw in _OPERATIONS and kw not in _KEYWORD_SET:  # BEGIN, CALL, EXEC, SET, SHOW, ... only as the first word
            operations.append(kw)
            parts.append(kw)
            if kw in ("CALL", "EXEC", "EXECUTE"):
                target = _target(sig, first + 1)
                if target is not None:
                    parts.append(target[0])
                    tables.append(target[0])
    for i, tok in enumerate(sig):
        if tok[0] != O_WORD or len(tok[1]) > 6:
            continue
        kw = _ascii_upper(tok[1])
        if kw not in _KEYWORD_SET or after_dot[i]:
            continue
        if i and sig[i - 1][0] == O_WORD and _ascii_upper(sig[i - 1][1]) in _NOT_KEYWORD_AFTER:
            continue
        if kw == "USING" and (not operations or operations[0] not in _USING_OPERATIONS):
            continue
        if kw in _RESERVED_OPERATIONS:
            operations.append(kw)
            parts.append(kw)
        if kw in _TARGET_KW or kw == "USING":
            pos = i + 1
            while True:
                target = _target(sig, pos)
                if target is None:
                    break
                name, alias, pos = target
                if name.lower() not in ctes:
                    tables.append(name)
                    parts.append(name)
                    if alias:
                        aliases[_unquote(alias).lower()] = name
                if kw != "FROM" or pos + 1 >= n or sig[pos] != (O_OP, ","):
                    break
                nxt = sig[pos + 1]
                if not (nxt[0] == O_IDENT or nxt[0] == O_WORD and (nxt[1][0].isascii() and nxt[1][0].isalpha()
                                                                    or nxt[1][0] == "_")):
                    break
                pos += 1
    if relationships:
        for i, tok in enumerate(sig):
            if tok[0] == O_WORD and _ascii_upper(tok[1]) == "ON" and not after_dot[i]:
                left = _qualified(sig, i + 1)
                if left is None or left[1] >= n or sig[left[1]] != (O_OP, "="):
                    continue
                right = _qualified(sig, left[1] + 1)
                if right is not None:
                    joins.append(_join(left[0], right[0], aliases))
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


# -- the engine ------------------------------------------------------------------------------------
_OPT_COLLAPSE, _OPT_BOOLEANS, _OPT_KEEP_COMMENTS = 1, 2, 4  # _sqlcore.tokenize options


class SqlObfuscator:
    """Obfuscate statements and summarise them; thread-safe, with LRU caches of ``cache_size`` entries.

    Two caches: raw statement → result (a repeated statement costs one lookup), and obfuscated statement →
    result (the same query shape with fresh literals costs only the tokenizing pass: the summary, a function
    of the obfuscated tokens alone, is reused). ``cache_size=0`` turns both off.
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
        self._options = (_OPT_COLLAPSE if collapse_lists else 0) | (_OPT_BOOLEANS if obfuscate_booleans else 0) | (
            _OPT_KEEP_COMMENTS if keep_comments else 0)
        self._cache_size = cache_size
        self._errors = 0  # statements the Python passes could not obfuscate (each became FAILED)
        # The C engine (when built): the passes, both caches and the result in one call, for the Python face
        # (obfuscate) and the C one (the capsule of _sqlcore_api.h, which the wire core calls).
        self._core = _CORE.Engine(_DIALECT_READINGS, self._options, relationships, max_length, cache_size, SqlResult,
                                  FAILED) if _CORE is not None else None
        # functools.lru_cache: a C-implemented, thread-safe LRU (hits and misses cost well under a microsecond)
        # The shape cache is keyed by the obfuscated statement alone (a str key: hashed and compared in C); on a
        # miss, the summary needs that statement's tokens, which the calling thread leaves in self._pending
        # (per thread: lru_cache may run misses of several threads at once).
        self._pending = threading.local()
        if cache_size:
            self._cached = lru_cache(maxsize=cache_size)(self._safe_obfuscate)
            self._shape = lru_cache(maxsize=cache_size)(self._shape_miss)
        else:
            self._cached = self._safe_obfuscate
            self._shape = self._shape_miss

    # -- public ---------------------------------------------------------------------------
    def obfuscate(self, statement: str, dialect: str = "generic") -> SqlResult:
        """Obfuscate ``statement`` (never raises on any input) and summarise it."""
        if _sqlcore is not None and self._core is not None:
            return self._core.obfuscate(statement, dialect)
        if len(statement) > 65536:  # huge one-off statements would only push useful entries out of the cache
            return self._safe_obfuscate(statement, dialect)
        return self._cached(statement, dialect)

    @property
    def errors(self) -> int:
        """Statements that could not be obfuscated (each became :data:`FAILED`)."""
        return self._errors + (self._core.errors if self._core is not None else 0)

    @property
    def c_engine(self) -> object | None:
        """The C engine doing this obfuscator's work (for C callers: ``scrub/_sqlcore_api.h``); ``None`` when
        the Python passes do it (no compiler at install, or the tests' switch ``sql._sqlcore = None``)."""
        return self._core if _sqlcore is not None else None

    def cache_info(self) -> dict[str, int]:
        """Entries in the statement and shape caches (0 when caching is off)."""
        info = getattr(self._cached, "cache_info", None)
        shapes = getattr(self._shape, "cache_info", None)
        core = self._core.cache_info() if self._core is not None else {"statements": 0, "shapes": 0}
        return {"statements": (info().currsize if info else 0) + core["statements"],
                "shapes": (shapes().currsize if shapes else 0) + core["shapes"]}

    # -- implementation -------------------------------------------------------------------
    def _safe_obfuscate(self, statement: str, dialect: str) -> SqlResult:
        try:
            return self._obfuscate(statement, dialect if dialect in _DIALECT_READINGS else "generic")
        except Exception:  # noqa: BLE001 - a bug here must not break the app, nor let the statement through
            self._errors += 1
            return FAILED

    def _obfuscate(self, text: str, dialect: str) -> SqlResult:
        statement, tokens = self._tokenize(text, dialect)
        if len(statement) > self.max_length:  # cached shapes stay small: a long one is summarised anew
            return self._summarized(statement, tokens)
        self._pending.shape = (statement, tokens)
        return self._shape(statement)

    def _shape_miss(self, statement: str) -> SqlResult:
        pending, tokens = self._pending.shape
        if pending is not statement:  # a call on this thread in between (a signal handler) replaced them: fail
            raise RuntimeError("SqlObfuscator re-entered between tokenizing and summarising")  # (→ FAILED)
        return self._summarized(statement, tokens)

    def _tokenize(self, text: str, dialect: str) -> tuple[str, list[tuple[int, str]] | bytes]:
        """The obfuscated statement (not yet truncated) and its tokens: scanned under each relevant reading,
        merged, classified, emitted, lists collapsed. (Tokens: the Python passes' list, or _sqlcore's bytes.)"""
        core = _sqlcore
        if core is not None:
            readings, dq_mode = _DIALECT_READINGS[dialect]
            return core.tokenize(text, readings, dq_mode, self._options)
        readings, dq_mode = readings_for(dialect, text)
        toks = scan(text, readings[0])
        if len(readings) > 1:
            toks = union([toks] + [scan(text, r) for r in readings[1:]])
        if dq_mode == DQ_CLASSIFY:
            toks = classify(text, toks)
        elif dq_mode == DQ_STRING:
            toks = [(T_STRING, s, e) if k == T_DQ else (k, s, e) for (k, s, e) in toks]
        out = emit(text, toks, self.obfuscate_booleans, self.keep_comments)
        statement = "".join([t for _, t in out])
        if self.collapse_lists and _COLLAPSIBLE.search(statement):
            out = collapse(out)
            statement = "".join([t for _, t in out])
        return statement, out

    def _summarized(self, statement: str, tokens: list[tuple[int, str]] | bytes) -> SqlResult:
        operation, tables, summary, joins = _summarize(tokens, self.relationships, statement)
        if len(statement) > self.max_length:
            statement = statement[: self.max_length] + "…"
        return SqlResult(statement, operation, tables, summary, joins)


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
