"""Non-SQL query languages in ``db.statement`` / ``db.query.text`` / ``graphql.document``: literals → ``?``.

Cypher (Neo4j, Memgraph), Gremlin (JanusGraph, TinkerPop), SPARQL, GraphQL, InfluxQL and Flux (InfluxDB),
PromQL and LogQL (Prometheus, Loki) and AQL (ArangoDB). Structure is kept — labels and relationship types,
property keys, variables and parameters, step and function names, operations — and every value that could
be data is replaced: strings, numbers, booleans, regex literals, and in SPARQL the IRIs and prefixed names
that name *things* (subjects and objects) rather than predicates and classes. Comments are dropped; an
unterminated string or comment swallows the rest, as in :mod:`.sql`.

One hand-written scanner, configured per language by a :class:`_Lexicon`, cuts the statement into tokens;
a language's pass may then keep some literals that are structure (Gremlin's property keys and labels in
``has('person', 'name', ?)``). InfluxQL is SQL with regex literals: those are masked, the rest goes through
the SQL engine. The language comes from ``db.system`` or, without one, from the statement's shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from .sql import SqlObfuscator

__all__ = ["FAILED", "LANGUAGES", "QUERY_SYSTEMS", "QueryResult", "language_for", "obfuscate_query",
           "graphql_variable_arguments"]

LANGUAGES = ("cypher", "gremlin", "sparql", "graphql", "influxql", "flux", "promql", "logql", "aql")

_SYSTEM_LANGUAGE = {
    "neo4j": "cypher", "memgraph": "cypher",
    "janusgraph": "gremlin", "tinkerpop": "gremlin", "gremlin": "gremlin", "hugegraph": "gremlin",
    "virtuoso": "sparql", "graphdb": "sparql", "stardog": "sparql", "fuseki": "sparql", "jena": "sparql",
    "blazegraph": "sparql", "rdf4j": "sparql", "sparql": "sparql",
    "graphql": "graphql",
    "prometheus": "promql", "loki": "logql",
    "arangodb": "aql",
    # several languages each: chosen by the statement's shape
    "influxdb": "influx", "neptune": "graph", "aws.neptune": "graph",
}
QUERY_SYSTEMS = frozenset(_SYSTEM_LANGUAGE)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """An obfuscated query, its operation (``MATCH``, ``SELECT``, ``query``, …) and a low-cardinality summary."""

    statement: str
    operation: str | None = None
    summary: str | None = None


# -- choosing the language ---------------------------------------------------------------------
_GRAPHQL_START = re.compile(
    r"\s*(?:#[^\n]*\n\s*)*(?:(?:query|mutation|subscription)\b\s*[\w$({@]|fragment\s+\w+\s+on\b|\{)")
# Openings no SQL statement has (SQL has MERGE INTO, CALL schema.proc(), MATCH(col) AGAINST, IN (:ids)):
# text without a db.system is routed here only when it starts like this, else it is read as SQL.
_CYPHER_START = re.compile(r"\s*(?:(?:OPTIONAL\s+)?MATCH\s*\(|MERGE\s*\(|CREATE\s*\(|UNWIND\s|DETACH\s+DELETE\s|"
                           r"FOREACH\s*\(|LOAD\s+CSV\s)", re.I)
_GREMLIN_START = re.compile(r"\s*g\s*\.\s*(?:V|E|addV|addE|inject|with\w*|tx|io|call|mergeV|mergeE)\s*\(")
_SPARQL_START = re.compile(r"\s*(?:(?:PREFIX|BASE)\s|ASK\s*(?:WHERE\s*)?\{|"
                           r"(?:SELECT|CONSTRUCT|DESCRIBE)\s+(?:(?:DISTINCT|REDUCED)\s+)?(?:\?[A-Za-z_]|\*\s*(?:WHERE\s*)?\{))",
                           re.I)
_FLUX_SHAPE = re.compile(r"\|>|^\s*(?:from\s*\(\s*bucket|import\s+\")")


def language_for(db_system: str | None, text: str) -> str | None:
    """The query language of ``text``: from ``db.system`` when it names one of these stores; without a db.system,
    from the text's shape when that is unmistakably one of these languages (never for text that reads as SQL or
    JSON). ``None``: not ours (any other db.system included)."""
    if db_system:
        lang = _SYSTEM_LANGUAGE.get(db_system.lower())
        if lang is None:
            return None
    else:
        lang = None
    if lang == "influx":
        return "flux" if _FLUX_SHAPE.search(text) else "influxql"
    if lang == "graph":
        return _graph_shape(text) or "cypher"
    if lang is not None:
        return lang
    return _graph_shape(text) or ("graphql" if _looks_like_graphql(text) else None)


def _graph_shape(text: str) -> str | None:
    if _GREMLIN_START.match(text):
        return "gremlin"
    if _SPARQL_START.match(text):
        return "sparql"
    if _CYPHER_START.match(text):
        return "cypher"
    return None


def _looks_like_graphql(text: str) -> bool:
    if not _GRAPHQL_START.match(text):
        return False
    if text.lstrip().startswith("{"):  # a selection set, or a JSON / MongoDB document?
        try:
            json.loads(text)
            return False
        except ValueError:
            return re.match(r"\s*\{\s*[A-Za-z_]\w*\s*[({}]|\s*\{\s*\w+\s*:\s*\w+\s*[({]", text) is not None
    return True


# -- the scanner ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Lexicon:
    squote: bool = True  # '…' strings (backslash escapes, in every language here)
    dquote: bool = True  # "…" strings
    triple: bool = False  # '''…''' and \"\"\"…\"\"\" strings
    backtick: str = ""  # "name": `…` is a name (Cypher, AQL); "string": a raw string (PromQL)
    line_comments: tuple[str, ...] = ()
    block_comments: bool = False  # /* … */
    iri: bool = False  # <http://…> (SPARQL)
    regex: bool = False  # /…/ where an operand is expected (Flux, InfluxQL)
    variables: str = "$"  # characters that start a variable or parameter ($x, ?x, @x)
    colon_words: bool = False  # foaf:name and :local are one word (SPARQL prefixed names)
    durations: bool = False  # 5m, 1h30m stay (they are syntax, not data)


_LEXICONS = {
    "cypher": _Lexicon(backtick="name", line_comments=("//",), block_comments=True),
    "gremlin": _Lexicon(triple=True, line_comments=("//",), block_comments=True),
    "sparql": _Lexicon(triple=True, line_comments=("#",), iri=True, variables="?$", colon_words=True),
    "graphql": _Lexicon(triple=True, line_comments=("#",)),
    "flux": _Lexicon(squote=False, line_comments=("//",), regex=True, durations=True),
    "promql": _Lexicon(backtick="string", line_comments=("#",), durations=True),
    "logql": _Lexicon(backtick="string", line_comments=("#",), durations=True),
    "aql": _Lexicon(backtick="name", line_comments=("//",), block_comments=True, variables="@"),
}

Q_WS, Q_WORD, Q_NUMBER, Q_STRING, Q_COMMENT, Q_OP, Q_VAR, Q_IRI, Q_REGEX, Q_NAME = range(10)
_LITERALS = frozenset({Q_NUMBER, Q_STRING, Q_REGEX})
_WS = re.compile(r"[ \t\n\r\f\v]+")
_WORD = re.compile(r"[A-Za-z0-9_\x80-\U0010ffff]*")
_COLON_WORD = re.compile(r"(?:[A-Za-z0-9_\-\x80-\U0010ffff]|:|\.(?=[A-Za-z0-9_\-:\x80-\U0010ffff]))*")
_NUMBER = re.compile(r"[A-Za-z0-9_.\x80-\U0010ffff]*")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_DURATION = re.compile(r"(?:[0-9]+(?:ms|[smhdwy]|us|µs|ns|mo))+")
_VALUE_END_OPS = frozenset(")]}")


def _is_word_start(c: str) -> bool:
    return c == "_" or ("A" <= c <= "Z") or ("a" <= c <= "z") or ord(c) >= 128


def _string_end(text: str, pos: int, quote: str) -> int:
    """End of a backslash-escaped string opening at ``pos``; unterminated → the end of the text."""
    n = len(text)
    if text.startswith(quote * 3, pos) and quote != "`":
        closer, j = quote * 3, pos + 3
    else:
        closer, j = quote, pos + 1
    while True:
        k = text.find(closer, j)
        b = text.find("\\", j, k if k >= 0 else n) if quote != "`" else -1
        if b >= 0:
            j = b + 2
            continue
        return n if k < 0 else k + len(closer)


def _scan(text: str, lex: _Lexicon) -> list[tuple[int, int, int]]:
    toks: list[tuple[int, int, int]] = []
    append = toks.append
    n = len(text)
    pos = 0
    last = Q_OP  # kind of the last significant token, and its text for operators
    last_text = "("
    while pos < n:
        c = text[pos]
        if c in " \t\n\r\f\v":
            end = _WS.match(text, pos).end()
            append((Q_WS, pos, end))
            pos = end
            continue
        kind = Q_OP
        end = pos + 1
        if _is_word_start(c) or (lex.colon_words and c == ":" and pos + 1 < n and _is_word_start(text[pos + 1])):
            end = (_COLON_WORD if lex.colon_words else _WORD).match(text, pos + 1).end()
            kind = Q_WORD
        elif "0" <= c <= "9" or (c == "." and pos + 1 < n and "0" <= text[pos + 1] <= "9"):
            end = _NUMBER.match(text, pos + 1).end()
            while (end + 1 < n and text[end] in "+-" and text[end - 1] in "eE" and "0" <= text[end + 1] <= "9"
                   and not re.search(r"[^0-9.]", text[pos:end - 1])):
                end = _NUMBER.match(text, end + 1).end()
            kind = Q_NUMBER
        elif (c == "'" and lex.squote) or (c == '"' and lex.dquote) or (c == "`" and lex.backtick == "string"):
            end = _string_end(text, pos, c)
            kind = Q_STRING
        elif c == "`" and lex.backtick == "name":
            k = text.find("`", pos + 1)
            end = n if k < 0 else k + 1
            kind = Q_NAME
        elif c == "/" and lex.block_comments and text.startswith("/*", pos):
            k = text.find("*/", pos + 2)
            end = n if k < 0 else k + 2
            kind = Q_COMMENT
        elif any(text.startswith(marker, pos) for marker in lex.line_comments):
            k = text.find("\n", pos)
            end = n if k < 0 else k
            kind = Q_COMMENT
        elif c in lex.variables and pos + 1 < n and (_is_word_start(text[pos + 1]) or text[pos + 1] in "@0123456789"):
            end = _WORD.match(text, pos + 2).end()
            kind = Q_VAR
        elif c == "<" and lex.iri and (m := _IRI.match(text, pos)) is not None:
            end = m.end()
            kind = Q_IRI
        elif c == "/" and lex.regex and not (last in (Q_WORD, Q_NUMBER, Q_STRING, Q_VAR, Q_NAME, Q_REGEX)
                                            or (last == Q_OP and last_text in _VALUE_END_OPS)):
            j = pos + 1
            while True:  # /…/ with \/ escapes; unterminated → the end of the text
                k = text.find("/", j)
                b = text.find("\\", j, k if k >= 0 else n)
                if b >= 0:
                    j = b + 2
                    continue
                end = n if k < 0 else k + 1
                break
            kind = Q_REGEX
        append((kind, pos, end))
        if kind != Q_COMMENT:
            last, last_text = kind, text[pos:end]
        pos = end
    return toks


@lru_cache(maxsize=256)
def graphql_variable_arguments(document: str) -> dict[str, str]:
    """The argument (or input field) each variable of a GraphQL document feeds: ``login(password: $p)`` →
    ``{"p": "password"}``, so that a request's ``variables`` are redacted by what they are, not by their names.
    A variable used under several names gets the first; the definitions (``$p: String!``) are no uses."""
    sig = [(kind, document[a:b]) for kind, a, b in _scan(document, _LEXICONS["graphql"])
           if kind not in (Q_WS, Q_COMMENT)]
    out: dict[str, str] = {}
    for i in range(2, len(sig)):
        kind, t = sig[i]
        if kind == Q_VAR and sig[i - 1] == (Q_OP, ":") and sig[i - 2][0] == Q_WORD:
            out.setdefault(t[1:], sig[i - 2][1])
    return out


# -- language passes: literals that are structure -----------------------------------------------
# Gremlin steps whose string arguments are labels, property keys or step labels (kept): has() and property()
# are handled by position; every other step's (and every predicate's: eq, within, …) arguments are values.
_GREMLIN_NAME_STEPS = frozenset({
    "hasLabel", "hasKey", "out", "in", "both", "outE", "inE", "bothE", "values", "valueMap", "elementMap",
    "properties", "propertyMap", "addV", "addE", "as", "select", "by", "from", "to", "cap", "aggregate", "store",
    "project", "label", "key", "hasNot", "optional", "hasLabels", "outV", "inV", "otherV",
})


class _Call:
    """A step or function call being read: its name, its literal arguments, how many arguments it has."""

    __slots__ = ("step", "literals", "nargs", "first_is_word")

    def __init__(self, step: str) -> None:
        self.step = step
        self.literals: list[tuple[int, int]] = []  # (argument index, token index)
        self.nargs = 1
        self.first_is_word = False  # property(single, 'k', v): a cardinality first


def _gremlin_keep(text: str, toks: list[tuple[int, int, int]]) -> set[int]:
    keep: set[int] = set()
    calls: list[_Call] = []
    prev_word = ""
    for idx, (kind, s, e) in enumerate(toks):
        if kind in (Q_WS, Q_COMMENT):
            continue
        t = text[s:e]
        if kind == Q_OP and t == "(":
            calls.append(_Call(prev_word))
        elif calls and kind == Q_OP and t == ",":
            calls[-1].nargs += 1
        elif calls and kind == Q_OP and t == ")":
            call = calls.pop()
            for arg, tok in call.literals:
                if toks[tok][0] != Q_STRING:
                    continue
                if (call.step in _GREMLIN_NAME_STEPS
                        or call.step == "has" and (call.nargs == 1 or arg < call.nargs - 1)  # has(label, key, v)
                        or call.step == "property" and (arg - call.first_is_word) % 2 == 0):  # property(k, v, mk, mv)
                    keep.add(tok)
        elif calls and kind in _LITERALS:
            calls[-1].literals.append((calls[-1].nargs - 1, idx))
        elif calls and kind == Q_WORD and calls[-1].nargs == 1 and not calls[-1].literals:
            calls[-1].first_is_word = True
        prev_word = t if kind == Q_WORD else ""
    return keep


_SPARQL_KEEP_AFTER = frozenset({"PREFIX", "BASE", "FROM", "NAMED", "GRAPH", "SERVICE", "USING", "WITH", "INTO"})
_RDF_TYPE = frozenset({"a", "rdf:type", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"})


def _sparql_keep(text: str, toks: list[tuple[int, int, int]]) -> set[int]:
    """IRIs and prefixed names kept: declarations and graph names, predicates, classes (the object of ``a``).
    Subjects and objects name things and are masked (``ex:alice``, ``<mailto:…>``)."""
    keep: set[int] = set()
    position = 0  # in a triple: 0 subject, 1 predicate, 2 object
    predicate = ""
    brace = 0
    expr = 0  # parenthesis depth inside FILTER/BIND/… expressions
    prev = ""
    for idx, (kind, s, e) in enumerate(toks):
        if kind in (Q_WS, Q_COMMENT):
            continue
        t = text[s:e]
        is_term = (kind in (Q_IRI, Q_VAR, Q_STRING, Q_NUMBER) or (kind == Q_WORD and (":" in t or t == "a"))
                   or (kind == Q_OP and t == "?"))  # (a term this pass masked before: obfuscation is idempotent)
        if kind == Q_OP and not is_term:
            if t == "{":
                brace += 1
                position = 0
            elif t == "}":
                brace -= 1
                position = 0
            elif t == "(":
                expr += 1
            elif t == ")":
                expr = max(0, expr - 1)
            elif t == "[" and brace and not expr:
                position = 1  # a blank node's property list
            elif t == "]" and brace and not expr:
                position = 2
            elif t == ".":
                position = 0
            elif t == ";":
                position = 1
            elif t == ",":
                position = 2 if brace and not expr else position
        elif is_term:
            structural = prev.upper() in _SPARQL_KEEP_AFTER or (prev.endswith(":") and prev.upper() != prev)
            if brace and not expr:
                if position == 1:
                    predicate = t
                    structural = structural or kind != Q_VAR
                elif position == 2 and predicate in _RDF_TYPE:
                    structural = True
                position = min(position + 1, 2)
            if kind in (Q_IRI, Q_WORD) and structural:
                keep.add(idx)
        prev = t
    return keep


# -- obfuscation -----------------------------------------------------------------------------------
_SQUEEZE = re.compile(r"[ \t\n\r\f\v]+")
_BOOLEANS = frozenset({"true", "false", "TRUE", "FALSE", "True", "False"})
_REGEX_AFTER = re.compile(r"([=!]~\s*)/(?:[^/\\\n]|\\.)*(?:/|$)")
_INFLUXQL = SqlObfuscator(cache_size=1024)
_LIST = re.compile(r"\[\?(?:, ?\?)+\]")


# What a query becomes when obfuscating it failed (a bug, never the input's fault): nothing of it is kept.
FAILED = QueryResult("?")


@lru_cache(maxsize=2048)
def obfuscate_query(language: str, text: str) -> QueryResult:
    """Obfuscate ``text`` written in ``language`` (one of :data:`LANGUAGES`); never raises on any input."""
    try:
        return _obfuscate(language, text)
    except Exception:  # noqa: BLE001 - a bug here must not break the app, nor let the query through
        return FAILED


def _obfuscate(language: str, text: str) -> QueryResult:
    if language == "influxql":
        masked = _REGEX_AFTER.sub(lambda m: m.group(1) + "'?'", text)  # =~ /regex/ → a string the SQL pass masks
        result = _INFLUXQL.obfuscate(masked, "postgresql")
        return QueryResult(result.statement, result.operation, result.summary)
    lex = _LEXICONS[language]
    toks = _scan(text, lex)
    keep = _gremlin_keep(text, toks) if language == "gremlin" else _sparql_keep(text, toks) if language == "sparql" \
        else set()
    out: list[str] = []
    space = False
    for idx, (kind, s, e) in enumerate(toks):
        if kind in (Q_WS, Q_COMMENT):
            space = True
            continue
        if space and out:
            out.append(" ")
        space = False
        t = text[s:e]
        masked = (kind in _LITERALS and idx not in keep and not (lex.durations and _DURATION.fullmatch(t))) \
            or (kind == Q_WORD and t in _BOOLEANS) \
            or (kind in (Q_IRI, Q_WORD) and language == "sparql" and idx not in keep and (kind == Q_IRI or ":" in t))
        out.append("?" if masked else _SQUEEZE.sub(" ", t) if kind in (Q_NAME, Q_IRI) else t)
    statement = "".join(out)
    if "[?," in statement or "[?, " in statement:
        statement = _LIST.sub("[?]", statement)  # IN [1, 2, 3] → IN [?]
    operation, summary = _summarize(language, text, toks)
    return QueryResult(statement, operation, summary)


# -- summaries ---------------------------------------------------------------------------------------
_CYPHER_CLAUSES = frozenset({"MATCH", "CREATE", "MERGE", "DELETE", "DETACH", "SET", "REMOVE", "RETURN", "WITH",
                             "UNWIND", "CALL", "LOAD", "FOREACH", "USE", "SHOW", "OPTIONAL", "UNION"})
_SPARQL_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "INSERT", "DELETE", "LOAD", "CLEAR", "DROP",
                           "CREATE", "ADD", "MOVE", "COPY"})
_AQL_OPERATIONS = frozenset({"FOR", "INSERT", "UPDATE", "REPLACE", "REMOVE", "UPSERT", "RETURN", "LET", "WITH"})


def _summarize(language: str, text: str, toks: list[tuple[int, int, int]]) -> tuple[str | None, str | None]:
    sig = [(k, text[s:e]) for k, s, e in toks if k not in (Q_WS, Q_COMMENT)]
    if not sig:
        return None, None
    if language == "cypher":
        operation = None
        labels: list[str] = []
        braces = 0
        for i, (kind, t) in enumerate(sig):
            if kind == Q_WORD and t.isascii() and t.upper() in _CYPHER_CLAUSES and operation is None:
                operation = "MATCH" if t.upper() == "OPTIONAL" else t.upper()
            elif kind == Q_OP and t == "{":
                braces += 1
            elif kind == Q_OP and t == "}":
                braces = max(0, braces - 1)
            elif (kind == Q_OP and t in (":", "|") and not braces and i + 1 < len(sig)
                  and sig[i + 1][0] in (Q_WORD, Q_NAME) and i and sig[i - 1][1] not in ("?",)):
                label = sig[i + 1][1].strip("`")
                if label not in labels:
                    labels.append(label)
        parts = ([operation] if operation else []) + labels[:8]
        return operation, (" ".join(parts)[:255] or None)
    if language == "sparql":
        for kind, t in sig:
            if kind == Q_WORD and t.upper() in _SPARQL_FORMS:
                return t.upper(), t.upper()
        return None, None
    if language == "graphql":
        first = sig[0][1]
        operation = first if first in ("query", "mutation", "subscription") else "query" if first == "{" else None
        name = sig[1][1] if operation and len(sig) > 1 and sig[1][0] == Q_WORD and first != "{" else ""
        return operation, (f"{operation} {name}".strip() if operation else None)
    if language == "aql":
        for kind, t in sig:
            if kind == Q_WORD and t.upper() in _AQL_OPERATIONS:
                return t.upper(), t.upper()
    return None, None
