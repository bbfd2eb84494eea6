"""Structure inside strings: JSON, escaped JSON, Python reprs, form bodies, ``key=value`` text, ORM error texts.

A log line or attribute often *holds* a structure — ``payload {'user_id': 7, 'card_number': '…'}``,
``{"password":"…"}`` in a request body, ``{\\"token\\":\\"…\\"}`` escaped once more, ``a=1&pin=1234``,
``user_id=42 password=hunter2``, SQLAlchemy's ``[SQL: …] [parameters: ('…', '…')]``, psycopg's
``DETAIL: Key (email)=(…) already exists.`` — and the secret in it is only a secret because of its *key*.
This module finds those structures with one tolerant scanner (it never raises, and a truncated document is
read as far as it goes), hands every value with its key path to a :class:`Sink` (the engine decides what
the key means) and splices the answers back **in the structure's own syntax**: a replacement inside JSON is
a JSON string, inside a Python repr a quoted Python string, inside a form body percent-encoded. Only the
changed values are rewritten; every other character is kept, so a valid JSON document stays valid.

Two modes:

* a **document** — the whole string is one JSON value, Python literal or form body: every value is handed
  over (the engine scans text values itself), and the caller must not run free-text detectors over the
  re-serialised result (they could split a JSON string);
* **embedded** — structures inside free text: only values whose key means something (the sink says so) and
  values holding escapes are rewritten; the caller's free-text detectors then scan the whole line.

For callers that must read a whole JSON document by meaning (GenAI messages, whose fields mean something only
next to their siblings) it also parses one (:func:`json_document`), writes it back in its own style
(:func:`json_like`), and fits a document that is too long by cutting inside it (:func:`fit_json`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import quote_plus, unquote_plus

from .bound import PARAMS, QUERY, STATEMENT, holds_statement, sibling_role
from .credentials import BIND_PLACEHOLDER, find_cookies
from .keynames import refers_to_secret
from .nosql import redis_value_groups
from .querylang import graphql_variable_arguments, language_for

__all__ = ["Sink", "scrub_structure", "may_hold_structure",
           "DOCUMENT", "EMBEDDED", "PARAMETERS_PATH", "STATEMENT_PATH", "json_document",
           "json_like", "fit_json", "pair_fields", "ANY_VALUE", "ANY_CONTAINER"]

DOCUMENT = "document"
EMBEDDED = "embedded"
#: Key paths under which ORM error texts hand over bound parameters and statements, so that the policy's
#: semantic-convention rules (``db.query.parameter.*`` → redact, ``db.query.text`` → SQL) decide.
PARAMETERS_PATH = "db.query.parameter"
STATEMENT_PATH = "db.query.text"

_WS = " \t\r\n"
_BARE_STOP = frozenset(" \t\r\n,:=}])'\"{[(")
_IDENT = re.compile(r"[A-Za-z_][\w.]*")
_STR_PREFIX = re.compile(r"(?:[bBuUrRfF]|[bB][rR]|[rR][bB])?(?=['\"])")
_BARE_KEY = re.compile(r"[^\s:,}\\\"']+")
# The head of a (key, value) pair in a list: an opening bracket, a quoted name (a byte string in the ASGI scope's
# headers and Starlette's raw headers; letters of any script), a comma.
_PAIR_HEAD = re.compile(r"""[(\[][ \t]*[bB]?(['"])([^\W\d][^\s'"\\,()\[\]{}]{0,63})\1[ \t]*,""")
# A line of a traceback's value annotations (loguru, better_exceptions): pipes, then the cap before a value
_ANNOTATION = re.compile(r"[ \t\u2502|]*(\u2514|->) ")
# … and what a value's repr starts with: a quote, a bracket, "<object …>", a number, a constant, a call
_REPR_START = re.compile(r"""[bBrRuUfF]{0,2}['"]|[{\[(<]|-?\d|(?:True|False|None|Ellipsis)\b|[\w.]+\(""")
_KWARG = re.compile(r"([A-Za-z_]\w*)\s*=(?!=)")
# A form body: keys are names (a URL before its "?" is not one: "https://x/?q=1&p=2" is a URL, not a form)
# (a value ends before a quote that closes the text around the form: Django's <WSGIRequest: GET '/p?a=1&b=2'>)
_FORM = re.compile(r"""[\w.\-\[\]%+*~]+=(?:[^\s&'"]|['"](?![>)\]},;]|\s|$))*"""
                   r"""(?:&[\w.\-\[\]%+*~]+=(?:[^\s&'"]|['"](?![>)\]},;]|\s|$))*)+""")
# Authorization schemes: after "Authorization: Bearer" the credential is the next token; after "Digest" or
# "AWS4-HMAC-SHA256" the rest of the line is parameters that carry it.
_COOKIE_HEADERS = frozenset({"cookie", "cookie2", "set-cookie", "set-cookie2"})
_TOKEN_SCHEMES = frozenset({"bearer", "basic", "token", "apikey", "api-key", "negotiate", "ntlm", "dpop", "key",
                            "jwt", "sso-key", "ssws", "splunk", "klaviyo-api-key", "genieKey".lower()})
_PARAM_SCHEMES = frozenset({"digest", "oauth", "aws4-hmac-sha256", "hmac", "hmac-sha256", "signature",
                            "sharedkey", "sharedkeylite", "mac", "hawk"})
# Where a structure may start in free text. Every branch starts with a literal, so the regex engine skips
# everything else with a table lookup; what precedes a "(" (a callee) is read backwards by hand.
_STRUCT = re.compile(
    # SQLAlchemy's engine log: each statement's bound parameters on a line of their own
    r"\[(?:generated in|cached since|no key|raw sql|dialect \w+ does not support caching)[^\]\n]{0,80}\] ?(?=[(\[{])"
    # … and, at echo="debug", each result row: "Row (1, '…', '…')" (a message of its own, or after the logger's name)
    r"|(?<![^\n])Row (?=\()|(?<=Engine )Row (?=\()"
    r"|[{\[(]|Key \((?=[^()]*\)=\()|Failing row contains \("
    # MySQL and SQL Server echo the value they refused in quotes: Duplicate entry '…' for key, Incorrect integer
    # value: '…' for column, Truncated incorrect DOUBLE value: '…', converting the varchar value '…' to data type
    r"|Duplicate entry '|(?:Incorrect|Truncated incorrect) \w+ value: '|converting the \w+ value '"
    # PostgreSQL echoes a value it could not read: invalid input syntax for type uuid: "…"
    r'|invalid input (?:syntax|value) for [^:"\n]{1,80}: "'
    # GraphQL (graphql-core, graphql-js) echoes a variable it could not coerce: Variable '$token' got invalid value …
    r"""|Variable ['"]\$[^\W\d]\w*['"] got invalid value """
    # jsonschema's ValidationError: the instance under "On instance['user']['password']:", on the next line
    r"|On instance(?=(?:\[[^\]\n]{1,200}\])+:\r?\n)"
    # a multipart/form-data body (requests' files=, a logged upload): each part's content goes by its name
    r'|Content-Disposition: form-data; name="'
    # Redis MONITOR's lines: 1700000000.123456 [0 127.0.0.1:52514] "HSET" "user:42" "email" "…" (head checked below)
    r'|\] "(?=[A-Za-z])'
    # Redis echoes the arguments of a command it refused: unknown command 'X', with args beginning with: '…'
    r"|with args beginning with: "
    # configparser echoes a value it could not interpolate: "'%' must be followed by '%' or '(', found: '%…'" (a
    # fragment of the value, whatever the option), and "option 'x' in section 's' contains … Raw value: '…'"
    r"|(?<=must be followed by '[%$]' or '[({]', found: )'|bad interpolation variable reference '"
    r"|(?<=which is not a valid option name\. )Raw value: "
    # PostgreSQL (libpq) quotes the statement at an error's position, cut to 60 columns: LINE 1: ...WHERE a = '…
    r"|LINE \d+: "
    # an XML element with text: <wsse:Password …>…</wsse:Password>, <apiKey>…</apiKey> (attributes are pairs)
    r"|<(?=[^\W\d][^\s<>/=!?'\"&;]*(?:\s[^<>]*)?>(?:[^<]*</|<!\[CDATA\[))"
    # a SQL statement written into text (Django's query log, driver errors, "executing: …"), confirmed below
    r"|(?<![\w.])(?:SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO|MERGE\s+INTO|WITH"
    r"|select|insert\s+into|update|delete\s+from|with)\b")
# Whether scrub_structure can change a text at all: every route to an edit needs one of these characters — a
# document opens with {, [, ( or a quote; a form body, a pair and a table need =, :, "--" or a newline; every
# structure of _STRUCT starts with or holds one of [ ( < : ' " (an XML element, "Key (", "Duplicate entry '",
# "LINE 1: ", "with args beginning with: "); a statement in text is rewritten only for a quoted literal (', ", $)
# or Django's "; args=". Prose without any of them ("processed order 123 for customer") costs one search, not a
# scanner. A new structure must keep this true (tests/test_structure.py compares the pass with and without it).
# (One character class and one substring test: Python's re runs an alternation at every position, 2-3x slower.)
_STRUCTURE_CHAR = re.compile(r"[{\[(<=:'\"$\n]").search


def may_hold_structure(text: str) -> bool:
    """Whether :func:`scrub_structure` could change ``text`` (``False``: it returns ``(text, None)``)."""
    return _STRUCTURE_CHAR(text) is not None or "--" in text

# What makes a keyword the start of a statement: its partner later on the line. Upper case is how ORMs and
# drivers write SQL; hand-written lower case must also have its WHERE / VALUES / SET.
_SQL_CONFIRM = {
    "SELECT": re.compile(r"\bFROM\b"), "INSERT": re.compile(r"\b(?:VALUES|SELECT|DEFAULT VALUES)\b"),
    "UPDATE": re.compile(r"\bSET\b"), "DELETE": re.compile(r"\S"), "REPLACE": re.compile(r"\bVALUES\b"),
    "MERGE": re.compile(r"\bUSING\b"), "WITH": re.compile(r"\bAS\s*\(\s*(?:SELECT|INSERT|UPDATE|DELETE)\b"),
    "select": re.compile(r"\bfrom\b.*\b(?:where|join|limit|order by|group by)\b"),
    "insert": re.compile(r"\bvalues\b"), "update": re.compile(r"\bset\b.*\bwhere\b"),
    "delete": re.compile(r"\bwhere\b"),
    "with": re.compile(r"\bas\s*\(\s*select\b"),
}
# A validation error's location: the last name in "loc" (["body", "password"], ('password',)) …
_LOC = re.compile(r"""\s*[\[(][^\])]*?(?:"([^"\\]*)"|'([^'\\]*)')\s*,?\s*[\])]""")
# … or, in pydantic's text, the line above the message: "password", "user.password", "items.0.token", and a name
# holding a dot in backticks: "body.`aws.secretAccessKey`"
# (names of any script, combining marks included: "รหัสผ่าน")
_LOC_LINE = re.compile(r"(?:^|\n)((?:[^\W\d][^\s.`]*|\d+|`[^`\n]+`)(?:\.(?:[^\W\d][^\s.`]*|\d+|`[^`\n]+`))*)"
                       r"[ \t]*\Z")
# (the text of an element is characters or one CDATA section, which Java and .NET stacks write for secrets too)
# (names of any script, combining marks included: what delimits nothing in a tag)
_LOC_NAME = re.compile(r"`[^`]+`|[^.`]+")
_XML_ELEMENT = re.compile(r"<(?:([^\W\d][^\s<>/=:!?'\"&;]*):)?([^\W\d][^\s<>/=:!?'\"&;]*)(?:\s[^<>]*)?>"
                          r"(<!\[CDATA\[.*?\]\]>|[^<]*)</(?:\1:)?\2\s*>", re.S)
_CDATA = re.compile(r"<!\[CDATA\[(.*)\]\]>\Z", re.S)
# Where a value a driver echoed in quotes ends: before the quote that its message's tail follows
_ECHO_END = re.compile(r"'(?= for (?:key|column)\b| to data type\b|[\"),]|[ \t]*(?:\n|\Z))")
# A statement in text is rewritten when it holds a quoted literal (a number alone is left to the detectors:
# 'LIMIT 50' in a log line is no secret, and a card or phone number in it is found anyway)
_CONFIG_OPTION = re.compile(r"option '([^'\n]{1,200})' in section '[^'\n]*' contains an interpolation key")
_MONITOR_HEAD = re.compile(r"(?<![\w.])\+?\d{9,11}\.\d{6} \[\d{1,5} [^\]\n]{1,200}\]\Z")
_INDEX = re.compile(r"""\[(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|[^\]\n]*)\]""")
_FORM_KEY = re.compile(r"[A-Za-z_][\w.\-\[\]]*=(?!=)")
_ROW_END = re.compile(r"[ \t\r]*(?:\n|\Z)")
_SQL_LITERAL = re.compile(r"['\"$]")
# Where a statement in text ends: the end of its line, or Django's "; args=…; alias=…" after it — outside its
# literals (a literal opens after a blank, "(", "," or an operator; "it's" in prose opens none).
_SQL_END = re.compile(r"\n|; (?=(?:args|params|alias|duration)=)|(?<=[\s(,=<>!+*/|-])['\"]")
# key=value, key: value and --flag value. A pair is found whole — its key is the longest run of key characters
# before the separator (then an optional quote and blanks) — and a ":" only counts before a blank, a quote or
# the end ("12:30", "db:5432", "https://" are not pairs). The look-behind and the possessive run keep it linear.
_PAIR = re.compile(r"(?<!\S)--(?=[^\W\d])"
                   r"|(?<![A-Za-z0-9_.\-\[\]])(?P<key>[A-Za-z0-9_.\-\[\]]++)[\"']?[ \t]*+(?:=|:(?![^ \t\"']))")
# (a flag's name in any script, combining marks included: "--كلمة-السر", "--पासवर्ड")
_FLAG_HEAD = re.compile(r"--([^\W\d][^\s=]*)(?:=|[ \t]+(?=[^\s-]))")
_NOT_BEFORE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-@/\\")
_JSON_START = frozenset("\"'{[0123456789-tfnN]}")
_MAX_DEPTH = 64
# Delimited tables: what separates columns (the first that makes a header of names wins) and what a column's
# name looks like; a Markdown table's rule line (|---|:--:|) is no row.
_TABLE_DELIMITERS = ("\t", ";", "|", ",")
_AFTER_COLON_LINE = re.compile(r":[ \t\r]*\n")
_TABLE_NAME = re.compile(r"[^\W\d][^\t\r\n;|,\"'=:<>(){}\[\]]{0,63}")
_ASCII_RULE = re.compile(r"[ \t]*\+?-+(?:\+-+)*\+?[ \t\r]*")
_GRID_TOP = re.compile(r"(?:^|\n)[ \t]*\+-[-+]*\+[ \t\r]*\n")
_MARKDOWN_RULE = re.compile(r"[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|?)+[ \t\r]*")
# A bare word that is a word, not a JSON / Python literal: its replacement needs no quotes (a number does)
_WORD = re.compile(r"[A-Za-z_][\w.\-@]*")
_LITERALS = frozenset({"true", "false", "null", "None", "True", "False", "NaN", "Infinity", "undefined", "nil"})
# Name/value pair objects: one field names the key, another holds its value — OTLP-JSON attributes
# ({"key": "db.password", "value": {"stringValue": "…"}}), HAR headers and cookies, Kubernetes env, AWS tags and
# SSM parameters ({"Name": "/prod/db/password", "Value": "…"}), CloudFormation parameters. The value goes by the key
# the name field holds, as if the object were {name: value}.
NAME_FIELDS = frozenset({"key", "Key", "KEY", "name", "Name", "NAME", "field", "Field", "k", "param", "Param",
                          "header", "Header", "ParameterKey", "OptionName", "parameterName", "parameter_name"})
VALUE_FIELDS = frozenset({"value", "Value", "VALUE", "val", "v", "ParameterValue", "parameterValue",
                           "parameter_value"})
# OTLP-JSON AnyValue: {"stringValue": "…"}, {"arrayValue": {"values": […]}}: the wrapper is no key of its own
ANY_VALUE = frozenset({"stringValue", "intValue", "doubleValue", "boolValue", "bytesValue", "string_value",
                        "int_value", "double_value", "bool_value", "bytes_value"})
ANY_CONTAINER = frozenset({"arrayValue", "kvlistValue", "array_value", "kvlist_value"})
# A member of a list or call written "key => value" (PHP array('password' => '…'), Perl's Data::Dumper, Ruby,
# Elixir): the key as a quoted string, a Ruby symbol, a bare word or a PHP index.
_ARROW_KEY = re.compile(r"""(?:(['"])((?:(?!\1)[^\\\n]|\\.){1,200})\1|:?([A-Za-z_][\w.\-]{0,199})|(\d{1,18}))"""
                        r"[ \t]*=>[ \t\r\n]*")
# PHP print_r / var_dump lines: "[password] => …" (the rest of the line), '["password"]=>' then 'string(16) "…"'.
_PHP_ENTRY = re.compile(r"""\[(?:"((?:[^"\\\n]|\\.){1,200})"|([^\]\s"'\[]{1,200}))\][ \t]*=>[ \t]*""")
_PHP_TYPED = re.compile(r"""[ \t]*(?:string\(\d+\)[ \t]*(?=")|(int|float|bool|double)\(([^()\n]{0,64})\))""")
# Words after "token:" or "password=" in prose that describe the secret's state instead of being it.
_PROSE = frozenset({
    "expired", "invalid", "missing", "required", "revoked", "valid", "none", "null", "nil", "empty", "present",
    "set", "unset", "refreshed", "rotated", "ok", "error", "failed", "true", "false", "yes", "no", "not", "is",
    "was", "has", "have", "for", "the", "a", "an", "of", "on", "to", "in", "and", "or", "incorrect", "wrong",
    "changed", "reset", "accepted", "rejected", "denied", "unknown", "malformed", "too", "must", "should",
    "will", "could", "cannot", "can't", "needed", "provided", "supplied", "updated", "created", "deleted",
    "redacted", "hidden", "masked", "***", "<redacted>", "[redacted]", "n/a", "-", "unavailable", "disabled",
    "enabled", "verified", "unverified", "pending", "ready",
})


# A key's role among its siblings (scrub/bound.py: a statement, a driver's parameters, or 0), memoised by key: an
# object's members and a line's pairs ask it once each, and keys are few
_ROLES: dict[str, int] = {}


def _role(key: str) -> int:
    role = _ROLES.get(key)
    if role is None:
        role = sibling_role(key)
        if len(_ROLES) < 4096:
            _ROLES[key] = role
    return role


class Sink(Protocol):
    """What the engine answers for the values and keys the scanner finds."""

    def value(self, path: str, value: str, bare: bool, mode: str) -> str | None:
        """The new text for ``value`` at key ``path`` (``None``: unchanged).

        ``bare``: an unquoted token (a number, ``None``, ``true``); a replacement for it is quoted by the scanner.
        """

    def wants(self, path: str) -> bool:
        """Does the key ``path`` call for more than the free-text detectors (embedded mode asks first)?"""

    def key(self, key: str) -> str | None:
        """The new text for a map key (keys are data: ``{"alice@example.com": "sent"}``); ``None``: unchanged."""

    def inner(self, text: str) -> str | None:
        """Structures inside a string value that the free-text detectors will read anyway (``None``: unchanged)."""


def scrub_structure(text: str, sink: Sink, *, max_bytes: int = 1 << 20) -> tuple[str, str | None]:
    """Rewrite the structures in ``text``; returns the new text and the mode (``None``: no structure found)."""
    if len(text) > max_bytes or not may_hold_structure(text):
        return text, None
    return _scrub_structure(text, sink)


def _scrub_structure(text: str, sink: Sink) -> tuple[str, str | None]:
    """:func:`scrub_structure` without the :func:`may_hold_structure` probe (tests compare the two)."""
    stripped = text.strip()
    if not stripped:
        return text, None
    first = stripped[0]
    if first in "{[" or (first == "(" and len(stripped) > 1) or _STR_PREFIX.match(stripped) and len(stripped) > 1:
        scanner = _Scanner(text, sink, DOCUMENT)
        start = len(text) - len(text.lstrip())
        end = scanner.value(start, "", 0)
        if end > 0 and not scanner.truncated and not text[end:].strip():
            return scanner.result(), DOCUMENT
    if "=" in stripped and "&" in stripped and _FORM.fullmatch(stripped):
        return _scrub_form(text, sink), DOCUMENT
    scanner = _Scanner(text, sink, EMBEDDED)
    if scanner.embedded():
        return scanner.result(), EMBEDDED
    return text, None


_OAUTH_FIELDS = ("grant_type=", "redirect_uri=", "response_type=", "code_verifier=", "client_id=")


def _scrub_form(text: str, sink: Sink) -> str:
    """``a=1&b=2`` (``application/x-www-form-urlencoded``): every value by its decoded key, re-encoded."""
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    parts = []
    pairs = text.strip().split("&")
    # an OAuth token request or authorization response: its bare "code" is the authorization code
    oauth = any(p.startswith(_OAUTH_FIELDS) for p in pairs)
    for part in pairs:
        k, _, v = part.partition("=")
        key, value = unquote_plus(k), unquote_plus(v)
        new_key = sink.key(key)
        path = "authorization_code" if oauth and key == "code" else key
        new = sink.value(path, value, False, DOCUMENT) if value else None
        parts.append(f"{quote_plus(new_key) if new_key is not None else k}="
                     f"{quote_plus(new, safe='') if new is not None else v}")
    return lead + "&".join(parts) + trail


class _Scanner:
    """One pass over ``text``: parses structures tolerantly and records edits ``(start, end, new)``."""

    def __init__(self, text: str, sink: Sink, mode: str, base: str = "") -> None:
        self.text = text
        self.n = len(text)
        self.sink = sink
        self.mode = mode
        self.base = base
        self.edits: list[tuple[int, int, str]] = []
        self.python = False  # a Python repr: replacements are quoted with ' and escaped the Python way
        self.truncated = False  # the text ended inside a structure (a cut log line): not a whole document
        self.pairs: list[tuple[int, int, int]] | None = None  # key=value pairs with a sibling role (role, start, end)

    def result(self) -> str:
        if not self.edits:
            return self.text
        out, pos = [], 0
        for start, end, new in sorted(self.edits):
            if start < pos:  # overlapping edits cannot happen; never copy what an edit covers
                continue
            out.append(self.text[pos:start])
            out.append(new)
            pos = end
        out.append(self.text[pos:])
        return "".join(out)

    # -- embedded structures ----------------------------------------------------------------------------
    def embedded(self) -> bool:
        text = self.text
        tables = self._tables() if "\n" in text else ()
        if "\n" in text and ("\u2514 " in text or "-> " in text):
            tables = [*tables, *self._annotated_values()]
        structures = ("{" in text or "[" in text or "(" in text or "Key (" in text or "Failing row" in text
                      or "Duplicate entry" in text or "value '" in text or "value: '" in text or "</" in text
                      or "invalid input" in text or "got invalid" in text or "with args" in text or "LINE " in text
                      or "form-data" in text or _has_sql_word(text))
        pairs = "=" in text or ":" in text or "--" in text
        if structures and pairs:  # both kinds, in text order (a structure first where both start at one place)
            found = sorted([(m.start(), 0, m) for m in _STRUCT.finditer(text)]
                           + [(_pair_at(m), 1, m) for m in _PAIR.finditer(text)], key=_position)
        elif structures:
            found = [(m.start(), 0, m) for m in _STRUCT.finditer(text)]
        elif pairs:
            found = [(_pair_at(m), 1, m) for m in _PAIR.finditer(text)]
        else:
            return bool(self.edits)
        pos = 0
        for start, kind, m in found:
            if start < pos:
                continue  # inside a structure already read
            if tables and any(a <= start < b for a, b in tables):
                continue  # a table's cells were read by their columns
            end = self._structure_at(m) if kind == 0 else self._key_value_at(m)
            if end > pos:
                pos = end
        if self.pairs is not None:
            self._bind_pairs(self.pairs)
        return bool(self.edits)

    def _bind_pairs(self, pairs: list[tuple[int, int, int]]) -> None:
        """``sql="SELECT … WHERE name = %s" params="['…']"`` (logfmt, ``key: value`` text): the pairs of one line
        are one record's, read together as its attributes are (scrub/bound.py) — a driver's parameters beside a
        statement lose every value."""
        text = self.text
        for role, a, b in pairs:
            if role != PARAMS:
                continue
            line = text.rfind("\n", 0, a) + 1, text.find("\n", a) % (self.n + 1)
            if self._binds([p for p in pairs if line[0] <= p[1] < line[1]]):
                self._rebind([(a, b)], 0)

    def _annotated_values(self) -> list[tuple[int, int]]:
        """A traceback whose frames are annotated with the values of their names (loguru's ``diagnose=True``, the
        default, and better_exceptions): under a source line, lines of pipes end in ``└ <repr>`` (``-> <repr>``
        for an ASCII sink), the cap standing in the column of the name whose value it shows::

            connect(host, db_password)
            │       │     └ 'hunter2'
            │       └ 'db.internal'
            └ <function connect at 0x7f…>

        The value has no key on its own line: its name is the identifier at the cap's column in the source line
        above (every pipe's column must start one too, or the block is not such an annotation). Each value goes
        by that name, as ``db_password='hunter2'`` would. Returns the values' spans (read here, not again)."""
        text = self.text
        spans: list[tuple[int, int]] = []
        source: tuple[int, int] | None = None  # the line the annotations below it refer to
        line_start = 0
        while line_start < self.n:
            line_end = text.find("\n", line_start)
            line_end = self.n if line_end < 0 else line_end
            m = _ANNOTATION.match(text, line_start, line_end)
            if m is None:
                # a frame's source line is indented under its "File …" line
                source = (line_start, line_end) if text.startswith((" ", "\t"), line_start) else None
            elif source is not None and _REPR_START.match(text, m.end(), line_end):
                cap = m.end() - len(m.group(1)) - 1 - line_start
                pipes = [j - line_start for j in range(line_start, m.start(1)) if text[j] in "\u2502|"]
                names = [_annotated_name(text, source, col) for col in (*pipes, cap)]
                if all(names):
                    end = self._value_for(names[-1], m.end())  # type: ignore[arg-type]
                    spans.append((m.end(), max(end, m.end() + 1)))
            line_start = line_end + 1
        return spans

    def _tables(self) -> list[tuple[int, int]]:
        """Delimited text under a line naming its columns (CSV, TSV, ``;`` or ``|`` separated, a Markdown table) —
        at the start of the text or after a line ending in ``:`` ("exported rows:", an exception's message after
        its type): each cell goes by its column's name. Returns the tables' spans."""
        text = self.text
        if not ("," in text or ";" in text or "\t" in text or "|" in text):
            return []
        starts = [0] + [m.end() for m in _AFTER_COLON_LINE.finditer(text)]
        if "+-" in text:  # a grid's header is under its top border (MySQL's client, tabulate's "grid" and "psql")
            starts = sorted({*starts, *(m.end() for m in _GRID_TOP.finditer(text))})
        spans: list[tuple[int, int]] = []
        for start in starts:
            if spans and start < spans[-1][1]:
                continue
            end = self._table_at(start)
            if end > start:
                spans.append((start, end))
        return spans

    def _table_at(self, line_start: int) -> int:
        """A table whose header is the line at ``line_start``: rows for as long as they have the header's width.
        Returns where it ends (0: no table, or none of its columns means anything)."""
        text = self.text
        line_end = text.find("\n", line_start)
        if line_end < 0:
            return 0
        header = text[line_start:line_end].rstrip("\r")
        if len(header) > 2000:
            return 0
        if header.endswith(":"):  # "exported rows:": the next line is a candidate of its own
            return 0
        for delimiter in _TABLE_DELIMITERS:
            if delimiter not in header:
                continue
            names = [_TABLE_NAME.fullmatch(text[a:b].strip().strip('"').strip())
                     for a, b in _cells(text, line_start, line_start + len(header), delimiter)]
            if len(names) < 2 or not all(names):
                continue
            paths = [_pair_path(self.base, m.group()) for m in names if m is not None]
            wanted = [self.sink.wants(p) for p in paths]
            if not any(wanted):
                return 0
            rows, pos = 0, line_end + 1
            while pos < self.n:
                end = text.find("\n", pos)
                end = self.n if end < 0 else end
                if delimiter == "|" and _ASCII_RULE.fullmatch(text, pos, end):
                    pos = end + 1  # psql's "----+----" under the header, a grid's "+----+----+" between rows
                    continue
                cells = _cells(text, pos, end, delimiter)
                if len(cells) != len(paths):
                    break
                if not (rows == 0 and delimiter == "|" and _MARKDOWN_RULE.fullmatch(text, pos, end)):
                    rows += 1
                    for (a, b), path, want in zip(cells, paths, wanted):
                        if want:
                            self._table_cell(a, b, path)
                pos = end + 1
            return min(pos, self.n) if rows else 0
        return 0

    def _table_cell(self, a: int, b: int, path: str) -> None:
        text = self.text
        while a < b and text[a] in " \t\r":
            a += 1
        while b > a and text[b - 1] in " \t\r":
            b -= 1
        if b - a >= 2 and text[a] == '"' and text[b - 1] == '"':
            raw = text[a + 1: b - 1]
            new = self.sink.value(path, raw.replace('""', '"'), False, self.mode)
            if new is not None:
                self.edits.append((a + 1, b - 1, new.replace('"', '""')))
        elif b > a:
            self._replace_value(a, b, text[a:b], path, None)

    def _structure_at(self, m: re.Match[str]) -> int:
        text, start = self.text, m.start()
        c = text[start]
        nxt = text[start + 1: start + 2]
        if c == "[" and text.startswith("[SQL: ", start):
            return self._sql(start + 6)
        if c == "[" and text.startswith("[parameters: ", start):
            return self._rest_values(start + 13, "]")
        if c == "<":
            return self._xml_element(start)
        if c == "[" and (php := _PHP_ENTRY.match(text, start)) is not None:
            return self._php_entry(php)
        if c == "[" and m.end() - start > 1:  # SQLAlchemy: [generated in 0.0004s] ('…', '…')
            return self._rest_values(m.end(), ")")
        if c == "R" and text.startswith("Row (", start):  # a result row: its values are data, whatever column
            close = _close_index(text, m.end() + 1, ")")
            if not _ROW_END.match(text, close + 1) or not ("," in text[m.end():close] or "'" in text[m.end():close]):
                return -1  # "Row (3 of 10) failed": prose, not a row's repr (which ends its line)
            return self._rest_values(m.end(), ")")
        if c == "O":  # jsonschema: the value goes by the last name of its path (its message echoes it too)
            colon = text.find(":", m.end())
            names = [a or b for a, b in _INDEX.findall(text, m.end(), colon) if a or b]
            if not names:
                return -1
            return self._value_for(_unescape(names[-1], "'"), _skip_ws(text, colon + 1))
        if c == "]":
            return self._redis_monitor(start)
        if c == "C":
            return self._multipart_part(m.end())
        if c == "V":  # the value goes by the variable's name, as in {"variables": {"token": …}}
            return self._value_for(text[start + 11: m.end() - 20], m.end())
        if c == "'" or (c == "b" and text.startswith("bad interpolation", start)):  # configparser: the rest of a
            # value it could not interpolate
            q = m.end() - 1
            end = _string_end(text, q + 1, "'")
            self._leaf(q, end, PARAMETERS_PATH, "'")
            return end
        if c == "R" and text.startswith("Raw value: ", start):  # configparser: the option the message names
            option = _CONFIG_OPTION.search(text, max(0, start - 400), start)
            if option is None:
                return -1
            return self._value_for(option.group(1), m.end())
        if c == "w" and text.startswith("with args beginning with: ", start):
            end = text.find("\n", m.end())
            end = self.n if end < 0 else end
            if end > m.end():
                self._replace_value(m.end(), end, text[m.end():end], PARAMETERS_PATH, None)
            return end
        if c == "L" and text.startswith("LINE ", start):
            return self._statement_excerpt(m.end())
        if c == "i" and text.startswith("invalid input", start):
            close = _string_end(text, m.end(), '"')
            self._replace_value(m.end(), close - 1 if text[close - 1] == '"' else close,
                                text[m.end():close - 1 if text[close - 1] == '"' else close], PARAMETERS_PATH, None)
            return close
        if m.group()[-1] == "'":  # MySQL / SQL Server: a value echoed in quotes
            return self._echoed(m.end())
        if c.isalpha() and c not in "KFD" or text.startswith(("DELETE", "delete"), start):
            return self._statement_in_text(m)
        if c in "{[":
            if nxt == "\\":
                j = start + 1
                while j < self.n and text[j] == "\\":
                    j += 1
                return self._escaped(start) if text[j: j + 1] == '"' else -1
            j = _skip_ws(text, start + 1)
            return self.value(start, self.base, 0) if j < self.n and (text[j] in _JSON_START or text[j] == "(") else -1
        if c == "(":
            k = start
            while k > 0 and (text[k - 1].isalnum() or text[k - 1] in "_."):
                k -= 1
            j = _skip_ws(text, start + 1)
            if k < start and (text[k].isalpha() or text[k] == "_"):
                # User(email='…'), Decimal('9.99'), ImmutableMultiDict([('password', '…')])
                if text[j: j + 1] in ("'", '"', "[", "{") or _KWARG.match(text, j):
                    return self.value(k, self.base, 0)
                return -1
            return self.value(start, self.base, 0) if text[j: j + 1] in ("'", '"') else -1  # ('a', 'b')
        if c == "K":  # PostgreSQL: Key (email)=(…) already exists
            open_at = text.find(")=(", m.end()) + 2
            return self._rest_values(open_at + 1, ")") if open_at > 1 else -1
        if c == "F":  # PostgreSQL: Failing row contains (…)
            return self._rest_values(m.end(), ")")
        return self._echoed(m.end())

    def _multipart_part(self, i: int) -> int:
        """A part of a multipart/form-data body: its content, after the headers' blank line and up to the next
        boundary line, goes by the ``name`` its Content-Disposition gives — with real line breaks, or escaped
        (``\\r\\n``) in a bytes repr of the body."""
        text = self.text
        close = text.find('"', i)
        if close < 0 or close - i > 200:
            return -1
        name = text[i:close]
        if "\\x" in name:  # a bytes repr writes a name's UTF-8 as \xNN escapes
            with contextlib.suppress(UnicodeError, ValueError):
                name = name.encode("latin-1").decode("unicode_escape").encode("latin-1").decode("utf-8")
        path = _pair_path(self.base, name)
        found = [(j, blank, nl) for blank, nl in (("\r\n\r\n", "\r\n"), ("\n\n", "\n"), ("\\r\\n\\r\\n", "\\r\\n"))
                 if (j := text.find(blank, close, close + 2000)) >= 0]
        if not found:
            return close
        j, blank, nl = min(found)
        start = j + len(blank)
        end = text.find(nl + "--", start)
        end = self.n if end < 0 else end
        if end > start and (self.mode == DOCUMENT or self.sink.wants(path)):
            self._replace_value(start, end, text[start:end], path, None)
        return end

    def _redis_monitor(self, start: int) -> int:
        """A Redis MONITOR line (``redis-cli monitor``, a ``+``-prefixed reply on the wire): the command's quoted
        arguments as the Redis statement rule reads them — keys and subcommands kept, values as parameters."""
        text = self.text
        line_start = max(text.rfind("\n", 0, start) + 1, start - 260)
        if not _MONITOR_HEAD.search(text, line_start, start + 1):  # (after a prefix: "ValueError: 1700…")
            return -1
        spans, i = [], start + 2
        while i < self.n and text[i] == '"' and len(spans) < 10_000:
            end = _string_end(text, i + 1, '"')
            spans.append((i, end))
            i = end + 1 if text.startswith(' "', end) else end
        if len(spans) < 2:
            return i
        words = [_unescape(text[a + 1: b - 1], '"') for a, b in spans]
        for (a, b), group in zip(spans[1:], redis_value_groups(words)):
            if group:
                self._leaf(a, b, PARAMETERS_PATH, '"')
        return spans[-1][1]

    def _echoed(self, start: int) -> int:
        """A value a driver echoed in quotes (``Duplicate entry '…' for key``): a parameter, to its closing quote
        (to the end of the text when there is none: a cut message)."""
        e = _ECHO_END.search(self.text, start)
        close = e.start() if e is not None else self.n
        self._replace_value(start, close, self.text[start:close], PARAMETERS_PATH, "'")
        return close

    def _key_value_at(self, m: re.Match[str]) -> int:
        """``key=value`` / ``key: value`` / ``--flag value`` in text: the value goes by the key's meaning."""
        text = self.text
        if m.group("key") is None:  # --password value / --password=value
            f = _FLAG_HEAD.match(text, m.start())
            if f is None or refers_to_secret(f.group(1)):
                return -1  # --password-file /run/secrets/db, --password-stdin: no secret follows (scrub/cmdline.py)
            return self._value_for(f.group(1), f.end())
        sep = m.end() - 1
        k, key_end = m.span("key")
        while k < key_end and not (text[k].isalpha() or text[k] == "_"):
            k += 1  # a key starts with a letter or "_"; what precedes it must not be part of a word or path
        if k >= key_end or (text[k - 1] in _NOT_BEFORE_KEY if k > 0 else False):
            return -1
        key = text[k:key_end]
        if key == "input_value":  # pydantic's ValidationError: the field's location is the line above
            line = text.rfind("\n", 0, k)
            loc = _LOC_LINE.search(text, 0, line) if line > 0 and text[line + 1: line + 2] in (" ", "\t") else None
            if loc is not None:  # its last name, as for the "loc" of errors() ("body.`url.query`" → url.query)
                names = [n.strip("`") for n in _LOC_NAME.findall(loc.group(1))]
                key = next((n for n in reversed(names) if not n.isdigit()), key)
        if text[sep] == "=" and "&" in text and text[sep + 1: sep + 2] not in ("'", '"'):
            # a form body inside a line: "… grant_type=password&card=4111+1111…" (a quoted value is one value:
            # input_value='code=…&page=2')
            f = _FORM.match(text, k)
            if f is not None and _FORM_KEY.match(text, sep + 1) and not self.sink.wants(_pair_path(self.base, key)):
                # "post_data=email=…&name=…" (Stripe's logfmt), "body=a=1&b=2": the value is the form (a key that
                # means something keeps its value whole: "token=YWJj==&…" is base64, "password=a=b&…" a password)
                f = _FORM.match(text, sep + 1)
            if f is not None:
                new = _scrub_form(f.group(), self.sink)
                if new != f.group():
                    self.edits.append((f.start(), f.end(), new))
                return f.end()
        if text[sep] == "=" and text.startswith(">", sep + 1):  # "password" => "…" (hstore, Perl, Ruby, PHP)
            sep += 1
        i = _skip_ws_inline(text, sep + 1)
        role = _ROLES.get(key)
        if role is None:
            role = _role(key)
        if not role or i >= self.n:
            return self._value_for(key, i)
        q = text[i] if text[i] in "\"'" else None
        if role != PARAMS and q is not None:
            # a statement in quotes is read as one value (the statement probe would run past its closing quote)
            end = _string_end(text, i + 1, q)
            self._leaf(i, end, _pair_path(self.base, key), q)
            extent = end
        else:  # (what follows a value read as far as it goes is still read: "STATEMENT:  DELETE FROM …")
            end = self._value_for(key, i)
            extent = max(end, self._extent(i))
        if self.pairs is None:
            self.pairs = []
        self.pairs.append((role, i, extent))
        return end

    def _extent(self, i: int) -> int:
        """Where the value at ``i`` of a ``key=value`` pair ends (a quoted string, a bracketed list, a token)."""
        text = self.text
        c = text[i]
        if c in "\"'":
            return _string_end(text, i + 1, c)
        if c == "(" or c == "[":
            return min(_close_index(text, i + 1, ")" if c == "(" else "]") + 1, self.n)
        end = i
        while end < self.n and text[end] not in " \t\r\n,;&)]}\"'<>|":
            end += 1
        return end

    def _binds(self, siblings: list[tuple[int, int, int]]) -> bool:
        """Whether ``siblings`` (role, value start, value end) hold a driver's parameters beside a statement: a
        statement key's non-empty text, or a query key's text that reads as a statement (:mod:`.bound` decides)."""
        if not any(role == PARAMS for role, _, _ in siblings):
            return False
        text = self.text
        for role, a, b in siblings:
            if role in (STATEMENT, QUERY):
                value = _string_value(text, a, b, 1 << 16)
                if value is None and role == STATEMENT and b > a and text[a] not in "\"'{[(":
                    value = text[a:b]  # db.statement=SELECT… written bare
                if value and (role == STATEMENT or holds_statement(value)):
                    return True
        return False

    def _rebind(self, spans: list[tuple[int, int]], depth: int) -> None:
        """The values at ``spans`` read again as bound parameters (``PARAMETERS_PATH``: every value goes, the
        container's shape and syntax stay); what their first reading edited is undone."""
        self.edits = [e for e in self.edits if not any(a <= e[0] < b for a, b in spans)]
        for a, b in spans:
            a = _skip_ws(self.text, a)
            if a >= self.n:
                continue
            if self.text[a] in "{[(":
                self.value(a, PARAMETERS_PATH, depth)
            elif not self._rebind_literal(a, b):
                self._value_for("", a, PARAMETERS_PATH)

    def _rebind_literal(self, a: int, b: int) -> bool:
        """``params="['…', 3]"``: a quoted JSON or Python literal of bound parameters keeps its syntax, its values
        go (as :class:`.bound.BoundSink` does for an attribute). ``False``: no such literal there."""
        raw = _string_value(self.text, a, b, 1 << 16)
        if raw is None or raw.lstrip()[:1] not in ("[", "(", "{"):
            return False
        inner = _Scanner(raw, self.sink, DOCUMENT)
        end = inner.value(0, PARAMETERS_PATH, 0)
        if end <= 0 or inner.truncated or raw[end:].strip():
            return False
        q = self.text[a]
        new = _escape(inner.result(), q, self.python or q == "'")
        self.edits.append((a + 1, _string_end(self.text, a + 1, q) - 1, new))
        return True

    def _php_entry(self, m: re.Match[str]) -> int:
        """PHP's dumps, one entry a line: print_r's ``[password] => …`` (the value is the rest of the line) and
        var_dump's ``["password"]=>`` with ``string(16) "…"`` / ``int(1234)`` on the next line. A nested
        ``Array`` / ``array(2) {`` is left to the lines that follow, found as entries of their own."""
        text = self.text
        key = m.group(2) if m.group(2) is not None else _unescape(m.group(1), '"')
        path = _pair_path(self.base, key)
        i = m.end()
        if i < self.n and text[i] in "\r\n":
            i = _skip_ws(text, i)
        typed = _PHP_TYPED.match(text, i)
        if typed is None and m.group(1) is not None:
            return i  # var_dump: NULL, array(…) {, object(…)#1 (…) {
        if self.mode == EMBEDDED and not self.sink.wants(path):
            return typed.end() if typed is not None else i
        if typed is not None and typed.group(1) is None:  # string(16) "…"
            end = _string_end(text, typed.end() + 1, '"')
            self._leaf(typed.end(), end, path, '"')
            return end
        if typed is not None:  # int(1234), float(1.5), bool(true)
            self._replace_value(typed.start(2), typed.end(2), typed.group(2), path, None)
            return typed.end()
        end = text.find("\n", i)
        end = self.n if end < 0 else end
        while end > i and text[end - 1] in " \t\r":
            end -= 1
        if end > i and not (text.startswith("Array", i) and end == i + 5):
            self._replace_value(i, end, text[i:end], path, None)
        return end

    def _value_for(self, key: str, i: int, path: str | None = None) -> int:
        text = self.text
        if path is None:
            path = f"{self.base}.{key}" if self.base else key
        if i >= self.n:
            return i
        c = text[i]
        if c in "{[" or (c == "(" and text[i + 1: i + 2] in "'\""):
            return self.value(i, path, 0)
        wanted = self.sink.wants(path)
        if c in "\"'":
            end = _string_end(text, i + 1, c)
            if wanted or "\\" in text[i:end]:  # by its key, or unescaped for the detectors ('3419\u3000…' in a repr)
                self._leaf(i, end, path, c)
                return end
        if not wanted:
            return i
        end = i
        while end < self.n and text[end] not in " \t\r\n,;&)]}\"'<>|":
            end += 1
        if BIND_PLACEHOLDER.match(text, i):
            return end  # password = ? AND …: an obfuscated statement's placeholder
        if key.lower() in _COOKIE_HEADERS and text[i - 1] in ": \t":  # Cookie: a=1; sid=… / Set-Cookie: sid=…; Path=/
            line_end = text.find("\n", i)
            line_end = self.n if line_end < 0 else line_end
            head = f"{key}: "
            spans = find_cookies(head + text[i:line_end])
            if spans:  # each cookie's value by the header's rule; names and attributes stay (as the cookie detector)
                for a, b in spans:
                    a, b = a - len(head) + i, b - len(head) + i
                    self._replace_value(a, b, text[a:b], path, None)
                return line_end
        word = text[i:end].lower()
        if word in _TOKEN_SCHEMES or word in _PARAM_SCHEMES:  # Authorization: Bearer <credential>
            j = _skip_ws_inline(text, end)
            if j > end and j < self.n and text[j] not in "\r\n":
                stop = j
                line_end = "\r\n" if word in _PARAM_SCHEMES else " \t\r\n,;\"'<>|"
                while stop < self.n and text[stop] not in line_end:
                    stop += 1
                self._replace_value(j, stop, text[j:stop], path, None)
                return stop
        if end > i and text[end - 1] == "=" and text[end: end + 1] in ("'", '"'):
            return i  # "<SimpleCookie: sessionid='…'>": the value is a pair of its own, read by its own key
        if end > i and word not in _PROSE:  # "token: expired", "password=invalid"
            self._replace_value(i, end, text[i:end], path, None)  # text, not a literal: no quotes added
        return end

    def _sql(self, start: int) -> int:
        """SQLAlchemy's ``[SQL: …]``: the statement goes to the policy's statement rule (SQL obfuscation)."""
        text = self.text
        end = text.find("]\n", start)
        alt = text.find("] [parameters", start)
        if end < 0 or 0 <= alt < end:
            end = alt
        if end < 0:
            end = text.rfind("]")
            if end < start:
                end = self.n
        new = self.sink.value(STATEMENT_PATH, text[start:end], False, self.mode)
        if new is not None:
            self.edits.append((start, end, new))
        return end

    def _xml_element(self, start: int) -> int:
        """``<apiKey>…</apiKey>``: the element's text goes by its (local) name, as a JSON value by its key.

        Returns just past the ``<``: the attributes (read as pairs) and whatever the text holds are still read."""
        x = _XML_ELEMENT.match(self.text, start)
        if x is not None and x.group(3).strip():
            path = f"{self.base}.{x.group(2)}" if self.base else x.group(2)
            if self.sink.wants(path):
                raw = x.group(3)
                cdata = _CDATA.match(raw)
                if cdata is not None:  # <![CDATA[…]]>: the section's characters as written, replaced in place
                    new = self.sink.value(path, cdata.group(1), False, self.mode)
                    if new is not None and "]]>" not in new:
                        self.edits.append((x.start(3) + 9, x.end(3) - 3, new))
                    elif new is not None:
                        self.edits.append((x.start(3), x.end(3), _xml_escape(new)))
                    return x.end(3)
                body = raw.strip()
                new = self.sink.value(path, _xml_unescape(body), False, self.mode)
                if new is not None:
                    at = x.start(3) + raw.index(body)
                    self.edits.append((at, at + len(body), _xml_escape(new)))
        return start + 1

    def _statement_in_text(self, m: re.Match[str]) -> int:
        """A SQL statement inside a log line gets the statement rule (obfuscation) up to the end of its line;
        Django's ``(0.002) SELECT …; args=(…); alias=default`` hands its parameters over too."""
        text, start = self.text, m.start()
        end = _statement_end(text, m.end())
        word = m.group().split(None, 1)[0]
        if not _SQL_CONFIRM[word].search(text, m.end(), end):
            return -1
        if _SQL_LITERAL.search(text, m.end(), end):
            while end > start and text[end - 1] in " \t\r":
                end -= 1
            new = self.sink.value(STATEMENT_PATH, text[start:end], False, self.mode)
            if new is not None:
                self.edits.append((start, end, new))
        # (without a literal — "… IN (?, ?)" already obfuscated, executemany's "VALUES (%s, %s)" — the statement
        # stays as written; the parameters after it go all the same)
        if text.startswith("; args=", end) or text.startswith("; params=", end):
            return self._rest_values(text.index("=", end) + 1, ")")
        return end

    def _statement_excerpt(self, start: int) -> int:
        """``LINE 1: ...ounts WHERE note = 'p8sQ...``: a piece of a statement, cut on either side — no keyword
        confirms it and its last literal may be open; the statement rule reads it all the same."""
        end = _statement_end(self.text, start)
        if _SQL_LITERAL.search(self.text, start, end):
            new = self.sink.value(STATEMENT_PATH, self.text[start:end], False, self.mode)
            if new is not None:
                self.edits.append((start, end, new))
        return end

    def _rest_values(self, start: int, close: str) -> int:
        """Bound parameters (``[parameters: …]``, ``Key (a)=(…)``): parsed where they can be, else one value."""
        text = self.text
        i = _skip_ws(text, start)
        if i < self.n and text[i] in "{[('\"":
            end = self.value(i, PARAMETERS_PATH, 0)
            if end > 0:
                return end
        end = _close_index(text, start, close)
        if end > start:
            self._replace_value(start, end, text[start:end], PARAMETERS_PATH, None)
        return end

    def _escaped(self, start: int) -> int:
        """``{\\"k\\":\\"v\\"}``: unescape one level, scan that as JSON, escape the result back."""
        decoded, index = _unescape_with_index(self.text, start)
        if not decoded:
            return -1
        inner = _Scanner(decoded, self.sink, self.mode, self.base)
        end = inner.value(0, self.base, 0)
        if end <= 0:
            return -1
        orig_end = index[end] if end < len(index) else self.n
        if inner.edits:
            self.edits.append((start, orig_end, _escape_json_chars(inner.result()[: end + (len(inner.result())
                                                                                          - len(decoded))])))
        return orig_end

    # -- the tolerant parser ----------------------------------------------------------------------------
    def value(self, i: int, path: str, depth: int, wrapper: bool = False,
              names: Mapping[str, str] | None = None) -> int:
        """Parse one value at ``i``; returns the index after it, or -1 when it is not a structure we read."""
        text, n = self.text, self.n
        i = _skip_ws(text, i)
        if i >= n or depth > _MAX_DEPTH:
            return -1
        c = text[i]
        if c == "{":
            return self._object(i + 1, path, depth + 1, wrapper, names)
        if c == "%" and text.startswith("{", i + 1):  # an Elixir map: %{"password" => "…"}
            return self._object(i + 2, path, depth + 1)
        if c == "<" and text.startswith('<<"', i):  # an Erlang binary: <<"…">>, <<"…"/utf8>>
            end = _string_end(text, i + 3, '"')
            self._leaf(i + 2, end, path, '"')
            if text.startswith("/utf8", end):
                end += 5
            return end + 2 if text.startswith(">>", end) else -1
        if c == "[":
            return self._sequence(i + 1, "]", path, depth + 1)
        if c == "(":
            return self._sequence(i + 1, ")", path, depth + 1)
        if c in "\"'":
            if c == "'":
                self.python = True
            end = _string_end(text, i + 1, c)
            self._leaf(i, end, path, c)
            return end
        m = _STR_PREFIX.match(text, i)
        if m is not None and m.end() > i:  # b'…', u'…', r'…'
            self.python = True
            q = text[m.end()]
            end = _string_end(text, m.end() + 1, q)
            self._leaf(m.end(), end, path, q)
            return end
        m = _IDENT.match(text, i)
        if m is not None and m.end() < n and text[m.end()] == "(":
            self.python = True
            if self.mode == DOCUMENT:
                self._bare(i, m.end(), path)  # the callee's name is text like any other in a document
            return self._call(m.end() + 1, path, depth + 1)
        end = i
        while end < n and text[end] not in _BARE_STOP:
            end += 1
        if end == i:
            return -1
        self._bare(i, end, path)
        return end

    def _object(self, i: int, path: str, depth: int, wrapper: bool = False,
                names: Mapping[str, str] | None = None) -> int:
        """``{…}``: JSON, a Python dict, a JS/Go/Rust/.NET object, a Ruby/Perl/Elixir hash (``"k" => v``,
        ``:k=>v``) or an Erlang tuple ``{password, <<"…">>}``; members by key, name/value pair objects by the key
        their name field holds. ``wrapper``: the object is an OTLP-JSON ``arrayValue``/``kvlistValue``, whose
        ``values`` are no key of their own; ``names``: keys read as other keys (a GraphQL request's variables
        by the arguments they feed)."""
        text, n = self.text, self.n
        renamed: set[str] = set()  # keys rewritten in this object: two must not collide
        field = None  # a validation error's "loc": its "input" is the value of that field
        pair_names = values = members = 0
        name: str | None = None  # the key a name/value pair object names
        named: tuple[int, int, int] | None = None  # its name field: (start, edits from, to)
        held: tuple[int, int, int, str, str] | None = None  # its value: (start, edits from, to, path read, own)
        query = variables = None  # a GraphQL request: {"query": "…", "variables": {…}}
        siblings: list[tuple[int, int, int]] | None = None  # members with a role beside a statement (scrub/bound.py)
        while True:
            i = self._member(i, "}")
            if i < 0:
                end = -i - 1
                if held is not None or named is not None:
                    self._settle_pair(named, held, name if pair_names == 1 and values == 1 else None, path, depth)
                if query is not None and variables is not None:
                    self._graphql_variables(query, variables, depth)
                    if siblings is not None and language_for(None, query) == "graphql":
                        # a GraphQL request's variables go by the arguments they feed (above), not all of them
                        siblings = [s for s in siblings if s[1] != variables[0]]
                if siblings is not None and self._binds(siblings):
                    self._rebind([(a, b) for role, a, b in siblings if role == PARAMS], depth)
                return end
            members += 1
            c = text[i]
            bare_key = False
            if c in "\"'":
                if c == "'":
                    self.python = True
                kend = _string_end(text, i + 1, c)
                raw_key = text[i + 1: kend - 1] if kend <= n and text[kend - 1: kend] == c else text[i + 1: kend]
                key = _unescape(raw_key, c) if "\\" in raw_key else raw_key
                new_key = self.sink.key(key) if self.mode == DOCUMENT else None
                if new_key is not None:
                    unique, k = new_key, 2
                    while unique in renamed:
                        unique, k = f"{new_key}#{k}", k + 1
                    renamed.add(unique)
                    self.edits.append((i + 1, i + 1 + len(raw_key), _escape(unique, c, self.python)))
                i = kend
            else:
                if c == ":" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == "_"):
                    i += 1  # a Ruby symbol key: {:password=>"…"}
                m = _BARE_KEY.match(text, i)
                if m is None:
                    return -1
                key = m.group()
                eq = key.find("=")
                if eq > 0:  # {password=>"…"}, {User=bob}: the key ends at its separator
                    key = key[:eq]
                i = m.start() + len(key)
                bare_key = True
            i = _skip_ws(text, i)
            if i >= n:
                self.truncated = True
                return n
            sep = text[i]
            if sep == "," and members == 1 and (key[:1].islower() or not bare_key):
                return self._tuple_pair(i + 1, key, path, depth)  # Erlang/Elixir: {password, <<"…">>}
            if sep not in ":=":
                return -1
            if sep == "=" and text.startswith(">", i + 1):
                i += 1  # Ruby, Perl, Elixir, PHP: "password" => "…"
            if key == "loc":
                loc = _LOC.match(text, i + 1)
                field = loc.group(1) or loc.group(2) if loc is not None else None
            elif field is not None and (key == "input" or key == "input_value"):
                key = field  # pydantic / FastAPI: {'loc': ('body', 'password'), 'input': '…'}
            if key in ANY_VALUE or (wrapper and key == "values"):
                child = path  # {"stringValue": "…"}: the value of the key that holds the AnyValue
            else:
                child = f"{path}.{key}" if path else key
            start = i + 1
            if names is not None:
                child = _pair_path(path, names.get(key, key))
            if key in NAME_FIELDS:
                pair_names += 1
                before = len(self.edits)
                end = self.value(start, child, depth)
                name = _pair_name(_string_value(text, start, end)) if pair_names == 1 else None
                if pair_names == 1:
                    named = (start, before, len(self.edits))
            elif key == "variables":
                before = len(self.edits)
                end = self.value(start, child, depth)
                variables = (start, before, len(self.edits), child)
            elif key in VALUE_FIELDS:
                values += 1
                read = _pair_path(path, name) if pair_names == 1 and name is not None and values == 1 else child
                before = len(self.edits)
                end = self.value(start, read, depth)
                if values == 1:
                    held = (start, before, len(self.edits), read, child)
            else:
                end = self.value(start, child, depth, wrapper=key in ANY_CONTAINER)
                if key == "query":
                    query = _string_value(text, start, end, 1 << 16)
            role = _ROLES.get(key)
            if role is None:
                role = _role(key)
            if role and end > 0:
                if siblings is None:
                    siblings = []
                siblings.append((role, start, end))
            i = self._after(end, "}")
            if i < 0:
                return -1

    def _settle_pair(self, named: tuple[int, int, int] | None, held: tuple[int, int, int, str, str] | None,
                     name: str | None, path: str, depth: int) -> None:
        """A name/value pair object is read whole. Its name is a key, not a value under ``path.name`` (a map key:
        scanned as one in a document); its value goes by the named key — read again when it was read before its
        name was known, or when the object turned out to be no pair after all (a second name or value)."""
        undo: list[tuple[int, int]] = []
        want = None
        if held is not None:
            start, before, after, read, own = held
            want = _pair_path(path, name) if name is not None else own
            if want != read:
                undo.append((before, after))
            else:
                want = None
        if name is not None and named is not None:
            undo.append(named[1:])
        for before, after in sorted(undo, reverse=True):
            del self.edits[before:after]
        if held is not None and want is not None:
            self.value(held[0], want, depth)
        if name is not None and named is not None and self.mode == DOCUMENT:
            new_key = self.sink.key(name)
            if new_key is not None:
                j = _skip_ws(self.text, named[0])
                q = self.text[j]
                end = _string_end(self.text, j + 1, q)
                self.edits.append((j + 1, end - 1, _escape(new_key, q, self.python)))

    def _graphql_variables(self, query: str, variables: tuple[int, int, int, str], depth: int) -> None:
        """``{"query": "mutation($p: String!) { login(password: $p) }", "variables": {"p": "…"}}``: each variable
        is read again under the argument it feeds (``variables.password``)."""
        if "$" not in query:
            return
        arguments = graphql_variable_arguments(query)
        if not arguments:
            return
        start, before, after, path = variables
        del self.edits[before:after]
        self.value(start, path, depth, names=arguments)

    def _tuple_pair(self, i: int, key: str, path: str, depth: int) -> int:
        """``{password, <<"…">>}`` (an Erlang proplist entry, an Elixir tuple): the second element by the atom."""
        undo = len(self.edits)
        end = self.value(i, f"{path}.{key}" if path else key, depth)
        if end >= 0:
            j = _skip_ws(self.text, end)
            if j < self.n and self.text[j] == "}":
                return j + 1
        del self.edits[undo:]
        return -1

    def _sequence(self, i: int, close: str, path: str, depth: int) -> int:
        text = self.text
        while True:
            i = self._member(i, close)
            if i < 0:
                return -i - 1
            if text[i] in "}])":
                return -1
            # (rows of bound parameters, executemany's [('…', '…'), …], are values, not (name, value) pairs)
            end = (self._pair(i, path, depth) if path != PARAMETERS_PATH else -1) if text[i] in "([" else \
                self._arrow(i, path, depth)
            i = self._after(end if end >= 0 else self.value(i, path, depth), close)
            if i < 0:
                return -1

    def _pair(self, i: int, path: str, depth: int) -> int:
        """A member ``('password', '…')`` / ``["Authorization", "…"]`` of a list: a key and its value.

        A list of 2-tuples whose first element is a name is how multidicts print themselves (Werkzeug's
        ``ImmutableMultiDict([…])`` and ``EnvironHeaders([…])``, Starlette's ``FormData([…])``, header lists):
        the second element goes by the key. Anything else (no name first, three elements) is -1: the caller
        reads it as a plain sequence."""
        text, n = self.text, self.n
        m = _PAIR_HEAD.match(text, i)
        if m is None:
            return -1
        key = m.group(2)
        undo = len(self.edits)  # not a pair after all: its edits go, the plain reading makes its own
        if self.mode == DOCUMENT:
            new_key = self.sink.key(key)
            if new_key is not None:
                self.edits.append((m.start(2), m.end(2), _escape(new_key, m.group(1), self.python)))
        j = self.value(m.end(), f"{path}.{key}" if path else key, depth + 1)
        if j >= 0:
            j = _skip_ws(text, j)
            if j >= n:
                self.truncated = True
                return n
            if text[j] == (")" if text[i] == "(" else "]"):
                return j + 1
        del self.edits[undo:]
        return -1

    def _arrow(self, i: int, path: str, depth: int) -> int:
        """A member ``'password' => '…'`` of a PHP array, a Perl list or a Ruby hash: the value by its key
        (a PHP index ``0 => …`` is a position: the value goes by ``path``). -1: no such member."""
        text = self.text
        m = _ARROW_KEY.match(text, i)
        if m is None:
            return -1
        key = m.group(3) or m.group(2)
        if m.group(2) is not None:
            q = m.group(1)
            key = _unescape(key, q) if "\\" in key else key
            if q == "'":
                self.python = True
            new_key = self.sink.key(key) if self.mode == DOCUMENT else None
            if new_key is not None:
                self.edits.append((m.start(2), m.end(2), _escape(new_key, q, self.python)))
        return self.value(m.end(), _pair_path(path, key) if key else path, depth)

    def _call(self, i: int, path: str, depth: int) -> int:
        """``User(id=1, email='a@b.c')``, ``Decimal('9.99')``: keyword arguments by name, positional by ``path``;
        a name/value pair object written as a call (http.cookiejar's ``Cookie(version=0, name='sessionid',
        value='…', …)``, a ``Header(name=…, value=…)``) as its ``{…}`` form is: the value by the key its name holds."""
        text = self.text
        pair_names = values = 0
        name: str | None = None
        named: tuple[int, int, int] | None = None
        held: tuple[int, int, int, str, str] | None = None
        siblings: list[tuple[int, int, int]] | None = None  # Query(sql='…', params=(…)): as an object's members
        while True:
            i = self._member(i, ")")
            if i < 0:
                if held is not None or named is not None:
                    self._settle_pair(named, held, name if pair_names == 1 and values == 1 else None, path, depth)
                if siblings is not None and self._binds(siblings):
                    self._rebind([(a, b) for role, a, b in siblings if role == PARAMS], depth)
                return -i - 1
            m = _KWARG.match(text, i)
            if m is not None:
                key, start = m.group(1), m.end()
                child = f"{path}.{key}" if path else key
                before = len(self.edits)
                if key in NAME_FIELDS:
                    pair_names += 1
                    end = self.value(start, child, depth)
                    if pair_names == 1:
                        name = _pair_name(_string_value(text, start, end))
                        named = (start, before, len(self.edits))
                elif key in VALUE_FIELDS:
                    values += 1
                    read = _pair_path(path, name) if pair_names == 1 and name is not None and values == 1 else child
                    end = self.value(start, read, depth)
                    if values == 1:
                        held = (start, before, len(self.edits), read, child)
                else:
                    end = self.value(start, child, depth)
                role = _ROLES.get(key)
                if role is None:
                    role = _role(key)
                if role and end > 0:
                    if siblings is None:
                        siblings = []
                    siblings.append((role, start, end))
                i = self._after(end, ")")
            else:
                end = self._arrow(i, path, depth)  # PHP: array('password' => '…')
                i = self._after(end if end >= 0 else self.value(i, path, depth), ")")
            if i < 0:
                return -1

    def _member(self, i: int, close: str) -> int:
        """Skip blanks and commas to the next member at or after ``i`` and return its index; at the closing
        bracket or the end of the text (a truncated document, read as far as it goes) return ``-(end + 1)``
        where ``end`` is the index after the container."""
        text, n = self.text, self.n
        while True:
            i = _skip_ws(text, i)
            if i >= n:
                self.truncated = True
                return -n - 1
            c = text[i]
            if c == close:
                return -i - 2
            if c != ",":
                return i
            i += 1

    def _after(self, i: int, close: str) -> int:
        """After a member only a separator, the closing bracket or the end of a truncated text may follow."""
        if i < 0:
            return i
        j = _skip_ws(self.text, i)
        if j >= self.n or self.text[j] == "," or self.text[j] == close:
            return j
        return -1

    # -- leaves -----------------------------------------------------------------------------------------
    def _leaf(self, start: int, end: int, path: str, q: str) -> None:
        """A quoted string ``text[start:end]`` (quotes included; an unterminated one runs to ``end``)."""
        text = self.text
        closed = end - start >= 2 and text[end - 1] == q
        raw = text[start + 1: end - 1] if closed else text[start + 1: end]
        escaped = "\\" in raw
        if self.mode == EMBEDDED and not escaped and not self.sink.wants(path):
            # the detectors will read this string with the rest of the line, but a structure inside it
            # ("{"message": "session_id=…"}") must be read on its own
            if len(raw) > 2 and ("=" in raw or ":" in raw or "{" in raw or "(" in raw or "[" in raw):
                new = self.sink.inner(raw)
                if new is not None and new != raw:
                    self.edits.append((start + 1, start + 1 + len(raw), _escape(new, q, self.python or q == "'")))
            return
        value = _unescape(raw, q) if escaped else raw
        new = self.sink.value(path, value, False, self.mode)
        if new is not None and new != value:
            self.edits.append((start + 1, start + 1 + len(raw), _escape(new, q, self.python or q == "'")))

    def _bare(self, start: int, end: int, path: str) -> None:
        if self.mode == EMBEDDED and not self.sink.wants(path):
            return
        token = self.text[start:end]
        new = self.sink.value(path, token, True, self.mode)
        if new is not None and new != token:
            if _WORD.fullmatch(token) and token not in _LITERALS and _WORD.fullmatch(new):
                # a word written without quotes ({ UserName = bob }, Go's {User:bob}): the syntax has none to add
                self.edits.append((start, end, new))
                return
            q = "'" if self.python else '"'
            self.edits.append((start, end, q + _escape(new, q, self.python) + q))

    def _replace_value(self, start: int, end: int, value: str, path: str, q: str | None) -> None:
        new = self.sink.value(path, value, q is None, self.mode)
        if new is not None and new != value:
            self.edits.append((start, end, _escape(new, q, True) if q else new))


def _cells(text: str, start: int, end: int, delimiter: str) -> list[tuple[int, int]]:
    """The cells of one delimited line ``text[start:end]`` (a quoted cell may hold the delimiter; a Markdown row's
    outer pipes open and close it); an unterminated quote makes no row (``[]``)."""
    if delimiter == "|":
        line = text[start:end].rstrip(" \t\r")
        if line.startswith("|") and line.endswith("|") and len(line) > 1:
            start, end = start + 1, start + len(line) - 1
    cells, a, i = [], start, start
    while i < end:
        c = text[i]
        if c == '"' and not text[a:i].strip():
            i = text.find('"', i + 1, end)
            while i >= 0 and text.startswith('""', i):
                i = text.find('"', i + 2, end)
            if i < 0:
                return []
        elif c == delimiter:
            cells.append((a, i))
            a = i + 1
        i += 1
    cells.append((a, end))
    return cells


def _string_value(text: str, start: int, end: int, limit: int = 200) -> str | None:
    """The string ``text[start:end]`` holds (a quoted string after blanks), if it can name a key (or, with a
    ``limit``, be a document of that length)."""
    j = _skip_ws(text, start)
    if end <= j + 1 or text[j] not in "\"'" or text[end - 1] != text[j]:
        return None
    raw = text[j + 1: end - 1]
    value = _unescape(raw, text[j]) if "\\" in raw else raw
    return value if 0 < len(value) <= limit and ("\n" not in value or limit > 200) else None


def _pair_name(name: str | None) -> str | None:
    """The key a pair object's name field holds: a name, or an SSM parameter path's last segment
    (``/prod/db/password`` → ``password``); ``None`` for what cannot be a key (empty, long, several lines)."""
    if name is None or not 0 < len(name) <= 200 or "\n" in name:
        return None
    if "/" in name:
        name = name.rstrip("/").rsplit("/", 1)[-1]
    return name or None


def pair_fields(mapping: Mapping[str, object]) -> tuple[str, str, str] | None:
    """``(name field, value field, key)`` when ``mapping`` is a name/value pair object (exactly one name field
    holding a string, exactly one value field — see :data:`NAME_FIELDS`), else ``None``. For maps already parsed
    (a JSON document read by meaning, an ``AnyValue`` kvlist): the value goes by the key, as in text."""
    name_field = value_field = None
    for k in mapping:
        if k in NAME_FIELDS:
            if name_field is not None:
                return None
            name_field = k
        elif k in VALUE_FIELDS:
            if value_field is not None:
                return None
            value_field = k
    if name_field is None or value_field is None:
        return None
    name = mapping[name_field]
    key = _pair_name(name) if isinstance(name, str) else None
    return (name_field, value_field, key) if key is not None else None


def _annotated_name(text: str, line: tuple[int, int], col: int) -> str | None:
    """The identifier starting at column ``col`` of the source line ``line`` (``None``: none starts there)."""
    i = line[0] + col
    if i >= line[1] or not text[i].isidentifier() or (col > 0 and ("a" + text[i - 1]).isidentifier()):
        return None
    j = i + 1
    while j < line[1] and ("a" + text[j]).isidentifier():  # Python's rule: combining marks belong to a name
        j += 1
    return text[i:j]


def _pair_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
def _statement_end(text: str, i: int) -> int:
    """The end of a statement written into text from ``i`` (see ``_SQL_END``): a literal that holds a newline (a
    PEM block in an INSERT) is read to its closing quote; one that never closes ends with its line."""
    n = len(text)
    while True:
        e = _SQL_END.search(text, i)
        if e is None:
            return n
        q = text[e.start()]
        if q not in "'\"":
            return e.start()
        j = e.start() + 1
        while True:  # '' and \' inside a literal are no closing quote
            j = text.find(q, j)
            if j < 0 or text[j - 1] != "\\" and text[j + 1: j + 2] != q:
                break
            j += 2 if text[j + 1: j + 2] == q else 1
        if j < 0:
            line = text.find("\n", e.start())
            return n if line < 0 else line
        i = j + 1


def _position(found: tuple[int, int, re.Match[str]]) -> tuple[int, int]:
    return found[0], found[1]


def _xml_unescape(text: str) -> str:
    if "&" not in text:
        return text
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Each keyword of _STRUCT's statement branch with what its _SQL_CONFIRM needs later in the text (any one of them):
# without both, no statement starts there, so prose ("updated with new values", "select a plan") runs no statement
# probe. The first occurrence of a keyword decides: a partner after a later one is after the first one too.
_SQL_PARTNERS = (("SELECT", ("FROM",)), ("INSERT", ("VALUES", "SELECT")), ("UPDATE", ("SET",)), ("DELETE", ("FROM",)),
                 ("REPLACE", ("VALUES",)), ("MERGE", ("USING",)), ("WITH", ("AS",)), ("select", ("from",)),
                 ("insert", ("values",)), ("update", ("where",)), ("delete", ("where",)), ("with", ("select",)))


def _has_sql_word(text: str) -> bool:
    """Whether ``text`` may hold a statement that ``_statement_in_text`` confirms (a necessary condition)."""
    for word, partners in _SQL_PARTNERS:
        at = text.find(word)
        if at >= 0:
            at += len(word)
            for partner in partners:
                if text.find(partner, at) >= 0:
                    return True
    return False


def _pair_at(m: re.Match[str]) -> int:
    """Where a pair is in text order: at its separator (a ``--flag`` at its dashes)."""
    return m.end() - 1 if m.group("key") is not None else m.start()


# -- helpers --------------------------------------------------------------------------------------------
def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _WS:
        i += 1
    return i


def _skip_ws_inline(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    return i


def _string_end(text: str, i: int, q: str) -> int:
    """Index after the closing quote of a string whose body starts at ``i`` (end of text if unterminated)."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == q:
            return i + 1
        i += 1
    return n


def _close_index(text: str, i: int, close: str) -> int:
    """Index of the bracket ``close`` that ends the list starting at ``i`` (quotes and nesting respected)."""
    depth, n = 0, len(text)
    opener = {")": "(", "]": "["}[close]
    while i < n:
        c = text[i]
        if c in "\"'":
            i = _string_end(text, i + 1, c)
            continue
        if c == opener:
            depth += 1
        elif c == close:
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return n


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\", "'": "'", '"': '"',
            "0": "\0", "a": "\a", "v": "\v"}


def _unescape(raw: str, q: str) -> str:
    """Decode backslash escapes of a JSON or Python string body (unknown escapes stay as written)."""
    if q == '"':
        try:
            return json.loads(f'"{raw}"')
        except ValueError:
            pass
    out, i, n = [], 0, len(raw)
    while i < n:
        c = raw[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = raw[i + 1]
        width = {"x": 2, "u": 4, "U": 8}.get(e)
        if width is not None:
            digits = raw[i + 2: i + 2 + width]
            if len(digits) == width and all(d in "0123456789abcdefABCDEF" for d in digits):
                out.append(chr(min(int(digits, 16), 0x10FFFF)))
                i += 2 + width
                continue
        out.append(_ESCAPES.get(e, "\\" + e))
        i += 2
    return "".join(out)


def _escape(value: str, q: str | None, python: bool) -> str:
    """Encode ``value`` as the body of a string quoted with ``q`` (JSON rules unless ``python``)."""
    if q == '"' and not python:
        return json.dumps(value, ensure_ascii=False)[1:-1]
    out = []
    for c in value:
        if c == "\\":
            out.append("\\\\")
        elif c == q:
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or c == "\x7f":
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(c)
    return "".join(out)


def _unescape_with_index(text: str, start: int) -> tuple[str, list[int]]:
    """One level of backslash escaping undone from ``start`` on; ``index[k]`` is where decoded char k began."""
    out: list[str] = []
    index: list[int] = []
    i, n = start, len(text)
    while i < n:
        c = text[i]
        index.append(i)
        if c == "\\" and i + 1 < n:
            e = text[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(e, e))
            i += 2
        else:
            out.append(c)
            i += 1
    index.append(n)
    return "".join(out), index


def _escape_json_chars(decoded: str) -> str:
    """The inverse of :func:`_unescape_with_index` for what it decodes."""
    return decoded.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") \
        .replace("\r", "\\r")


# -- whole JSON documents: parsed, re-serialised in their own style, fitted under a length -----------------------
_TRUNCATED = "…[truncated]"


def json_document(text: str) -> dict | list | None:
    """The JSON object or array ``text`` is (``None`` when it is not one: scalars and other text are text)."""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, (dict, list)) else None


def json_like(value: object, like: str) -> str:
    """``value`` as JSON in the separator and escaping style of the document ``like`` it came from."""
    if isinstance(value, str):
        return value
    i = like.find('":')
    spaced = i >= 0 and like[i + 2: i + 3] == " "
    if i < 0:
        j = like.find(",")
        spaced = j >= 0 and like[j + 1: j + 2] == " "
    ascii_only = like.isascii() and "\\u" in like
    return json.dumps(value, ensure_ascii=ascii_only, separators=(", ", ": ") if spaced else (",", ":"),
                      default=_json_default)


def fit_json(text: str, limit: int) -> str | None:
    """The JSON document ``text`` in at most ``limit`` characters, cut *inside*: every string longer than some
    length is cut to it and marked, so the longest texts lose the most and the structure, keys and short values
    stay — a document cut through its middle would no longer parse. ``None`` when ``text`` is no JSON document;
    longer than ``limit`` only when even empty strings do not fit (thousands of entries)."""
    tree = json_document(text)
    if tree is None:
        return None

    def cut(value: object, n: int) -> object:
        if isinstance(value, str):
            return value if len(value) <= n + len(_TRUNCATED) else value[:n] + _TRUNCATED
        if isinstance(value, dict):
            return {k: cut(v, n) for k, v in value.items()}
        if isinstance(value, list):
            return [cut(v, n) for v in value]
        return value

    lo, hi = 0, len(text)
    best = json_like(cut(tree, 0), text)
    while lo <= hi:  # the longest cut that fits
        mid = (lo + hi) // 2
        out = json_like(cut(tree, mid), text)
        if len(out) <= limit:
            best, lo = out, mid + 1
        else:
            hi = mid - 1
    return best


def _json_default(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON: {type(value).__name__}")  # never str() it: bytes or objects could hold anything
