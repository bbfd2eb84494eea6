"""Structure encodings: a sample inside the structures real libraries print into logs and error texts.

The engine reads these by key (issue #15 §1): lists of (key, value) pairs — Werkzeug's and Starlette's
multidict and header reprs, header lists, ASGI scope headers —, XML elements and attributes by name (SOAP
``<wsse:Password>``, CDATA, namespaces), SQL written into text (Django's query log, statements in error
messages and server logs, SQLAlchemy's echo lines), pydantic / FastAPI validation errors (the ``input`` of
the field their ``loc`` names) and the values drivers echo (PostgreSQL ``invalid input syntax … "…"`` with
its ``LINE 1:`` excerpt, Redis ``with args beginning with:``, MySQL and SQL Server conversion errors).

Each structure is written by the library itself where that is cheap (werkzeug, starlette, pydantic,
fastapi's encoder, SQLAlchemy's parameter repr, ElementTree), else from the library's format string (Django's
query log, PostgreSQL's and libpq's error position, Redis's and MySQL's error texts). Three families:

* **named**: the value under a key that names it (the sample's key; a header kind's header name) — the key
  rule must catch it whatever the value looks like;
* **neutral**: the value under a key that means nothing (``note``, ``q``) — only the detectors can catch it,
  so these apply to kinds a detector finds by value (and to benign look-alikes, which must come out unchanged);
* **parameters**: SQL literals, bound parameters and driver echoes — values whatever their column, redacted
  whatever they hold; the column is the sample's key or a neutral one.
"""

from __future__ import annotations

import json
import random
import unicodedata
from functools import cache
from typing import Any

from .samples import Kind, Sample, person

#: keys that name nothing: what a value detector alone must catch under them
NEUTRAL_KEYS = ("note", "q", "comment", "memo", "label", "search")
_HEADER_PREFIXES = ("http.request.header.", "http.response.header.")


def field_name(s: Sample) -> str:
    """The sample's key as the structure names its field: a header kind's header name, else the key."""
    for prefix in _HEADER_PREFIXES:
        if s.key.startswith(prefix):
            return s.key[len(prefix):]
    return s.key


def _name(s: Sample, rng: random.Random, neutral: bool) -> str:
    return rng.choice(NEUTRAL_KEYS) if neutral else field_name(s)


def _column(s: Sample, rng: random.Random) -> str:
    """A SQL column for the value: its key as an identifier, or a neutral one (literals go whatever the column)."""
    from .encodings import _ident

    return _ident(field_name(s)) if rng.random() < 0.6 else rng.choice(("note", "ref", "label"))


# -- lists of (key, value) pairs -------------------------------------------------------------------------------
def _multidict(name: str, value: str, rng: random.Random) -> str:
    """``ImmutableMultiDict([('password', '…')])`` as Werkzeug and Starlette print a form or query."""
    from starlette.datastructures import FormData
    from starlette.datastructures import ImmutableMultiDict as StarletteMultiDict
    from werkzeug.datastructures import ImmutableMultiDict, MultiDict

    pairs = [("page", "2"), ("remember", "1")]
    pairs.insert(rng.randint(0, len(pairs)), (name, value))
    cls = rng.choice((ImmutableMultiDict, MultiDict, FormData, StarletteMultiDict))
    lead = rng.choice(("form", "request.form =", "POST /login form:", "args", "invalid form"))
    return f"{lead} {cls(pairs)!r}"


def _header_pairs(name: str, value: str, rng: random.Random) -> str:
    """A header list in the forms libraries print it: Werkzeug ``Headers([…])`` / ``EnvironHeaders``, Starlette
    ``Headers({…})`` and ``Headers(raw=[(b'…', b'…')])``, a plain list of tuples, the ASGI scope's list of byte
    pairs, a JSON list of pairs."""
    from starlette.datastructures import Headers
    from werkzeug.datastructures import EnvironHeaders
    from werkzeug.datastructures import Headers as WerkzeugHeaders

    others = [("accept", "*/*"), ("user-agent", "python-httpx/0.27.0")]
    # Werkzeug refuses a newline in a header value (a PEM block goes in a plain list); Starlette and the ASGI
    # scope hold latin-1 bytes (non-ASCII values go in the other forms)
    one_line = "\n" not in value
    ascii_only = one_line and name.isascii() and value.isascii()
    forms = ["list", "json"] + (["werkzeug"] if one_line else []) + \
        (["environ", "starlette", "raw", "asgi"] if ascii_only else [])
    form = rng.choice(forms)
    if form == "werkzeug":
        return f"headers: {WerkzeugHeaders([(name, value), *others])!r}"
    if form == "environ" and all(c.isalnum() or c in "-_" for c in name):
        environ = {"HTTP_" + name.upper().replace("-", "_"): value, "HTTP_ACCEPT": "*/*"}
        return f"request headers {EnvironHeaders(environ)!r}"
    if form == "starlette":
        return f"scope headers {Headers({name.lower(): value, 'accept': '*/*'})!r}"
    if form == "raw":  # Starlette prints raw pairs when a name repeats
        raw = [(name.lower().encode(), value.encode()), (b"accept", b"*/*"), (b"accept", b"text/html")]
        return f"{Headers(raw=raw)!r}"
    if form == "asgi":
        return f"scope['headers'] = {[(k.lower().encode(), v.encode()) for k, v in [(name, value), *others]]!r}"
    if form == "json":
        return json.dumps({"headers": [[name, value], *map(list, others)]}, ensure_ascii=False)
    return f"sending headers={[(name, value), *others]!r}"


def pairs(s: Sample, rng: random.Random, neutral: bool = False) -> str:
    name = _name(s, rng, neutral)
    return (_multidict if rng.random() < 0.5 else _header_pairs)(name, str(s.value), rng)


# -- XML ----------------------------------------------------------------------------------------------------
_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
_PASSWORD_TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"


def xml_name(key: str) -> str:
    """A key as an XML element / attribute name (letters, digits, ``_ . -``; not starting with a digit)."""
    out = "".join(c if c.isalnum() or c in "_.-" or unicodedata.category(c) in ("Mn", "Mc") else "_" for c in key)
    return out if out[:1].isalpha() or out[:1] == "_" else f"_{out}"


def _xml_escape(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


def xml(s: Sample, rng: random.Random, neutral: bool = False) -> str:
    """The value as an element's text, an attribute or CDATA, written by ElementTree (in a SOAP envelope or
    alone, with or without a namespace); a password-like key also as WS-Security's ``<wsse:Password>``."""
    import xml.etree.ElementTree as ET

    tag = xml_name(_name(s, rng, neutral))
    value = str(s.value)
    form = rng.choice(("element", "element", "attribute", "cdata") + (("wsse",) if not neutral else ()))
    if form == "cdata":  # ElementTree never writes CDATA; Java and .NET stacks do
        return f"request: <{tag}><![CDATA[{value}]]></{tag}><status>new</status>"
    if form == "wsse":  # zeep's UsernameToken, whatever the field was called in the app
        return (f'<wsse:Security xmlns:wsse="{_WSSE}"><wsse:UsernameToken><wsse:Username>{person(rng)}'
                f'</wsse:Username><wsse:Password Type="{_PASSWORD_TEXT}">{_xml_escape(value)}</wsse:Password>'
                "</wsse:UsernameToken></wsse:Security>")
    ns = rng.choice(("", "{urn:example:accounts}"))
    request = ET.Element(f"{ns}UpdateRequest")
    ET.SubElement(request, f"{ns}id").text = str(rng.randint(1, 99999))
    if form == "attribute":
        ET.SubElement(request, f"{ns}credential", {tag: value, "kind": "basic"})
    else:
        ET.SubElement(request, f"{ns}{tag}").text = value
    if rng.random() < 0.5:
        envelope = ET.Element(f"{{{_SOAP}}}Envelope")
        ET.SubElement(envelope, f"{{{_SOAP}}}Body").append(request)
        request = envelope
    return f"SOAP request {ET.tostring(request, encoding='unicode')}"


# -- validation errors --------------------------------------------------------------------------------------
@cache
def _adapters() -> tuple[Any, ...]:
    """Type adapters whose errors echo the input: a short string (``string_too_long``) and a UUID
    (``uuid_parsing``), at the top level (``loc: ('password',)``) and in a body (``loc: ('body', 'password')``)."""
    from typing import Annotated
    from uuid import UUID

    from pydantic import StringConstraints, TypeAdapter

    short = Annotated[str, StringConstraints(max_length=4)]
    return tuple(TypeAdapter(t) for t in (dict[str, short], dict[str, UUID], dict[str, dict[str, short]],
                                          dict[str, dict[str, UUID]]))


def _validation_error(name: str, value: str, rng: random.Random) -> Any:
    import pydantic

    i = rng.randrange(4)
    data = {name: value} if i < 2 else {"body": {name: value}}
    for adapter in (_adapters()[i], _adapters()[i ^ 1]):  # a UUID fails the short string, "1181" the UUID
        try:
            adapter.validate_python(data)
        except pydantic.ValidationError as exc:
            return exc
    raise AssertionError(f"{value!r} passed validation")


def validation(s: Sample, rng: random.Random, neutral: bool = False, text: bool | None = None) -> str:
    """A pydantic ``ValidationError`` as apps log it: ``repr(exc.errors())``, ``exc.json()``, FastAPI's 422 body,
    or pydantic's text (``input_value='…'`` under the field's location). The text form shortens long inputs
    (``'abc...xyz'``): those are written in another form."""
    from starlette.responses import JSONResponse

    value = str(s.value)
    exc = _validation_error(_name(s, rng, neutral), value, rng)
    form = ("text" if text else rng.choice(("repr", "json", "fastapi"))) if text is not None \
        else rng.choice(("repr", "json", "fastapi", "text"))
    if form == "text":
        out = str(exc)
        if f"input_value={value!r}" in out:
            return out
        form = "repr"
    if form == "repr":
        return f"validation failed: {exc.errors()!r}"
    if form == "json":
        return exc.json()
    # FastAPI's handler answers JSONResponse({"detail": jsonable_encoder(exc.errors())}): pydantic's own JSON of the
    # errors is that content (importing fastapi for its encoder alone costs seconds per test run)
    body = JSONResponse({"detail": json.loads(exc.json(include_url=False))}).body.decode()
    return f"422 Unprocessable Entity {body}"


# -- SQL written into text: literals and bound parameters are values, whatever the column --------------------
def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def django_query_log(s: Sample, rng: random.Random) -> str:
    """``django.db.backends``' debug line, ``"(%.3f) %s; args=%s; alias=%s"`` (db/backends/utils.py), with the
    statement as ``last_executed_query`` writes it (parameters quoted into it) and the parameters after it."""
    col, value, n = _column(s, rng), str(s.value), rng.randint(1, 99999)
    q = rng.choice(('"', "`"))  # PostgreSQL / SQLite quote names with ", MySQL with `
    t = f"{q}accounts{q}"
    lit = _literal(value)
    sql, params = rng.choice((
        (f"SELECT {t}.{q}id{q}, {t}.{q}{col}{q} FROM {t} WHERE {t}.{q}{col}{q} = {lit} LIMIT 21", (value,)),
        (f"INSERT INTO {t} ({q}{col}{q}, {q}created{q}) VALUES ({lit}, '2024-05-17 12:00:00') "
         f"RETURNING {t}.{q}id{q}", (value, "2024-05-17 12:00:00")),
        (f"UPDATE {t} SET {q}{col}{q} = {lit} WHERE {t}.{q}id{q} = {n}", (value, n)),
    ))
    args = list(params) if rng.random() < 0.3 else params
    if rng.random() < 0.25:  # executemany: the statement with its placeholders, every row after it
        sql, args = f"INSERT INTO {t} ({q}{col}{q}, {q}created{q}) VALUES (%s, %s)", [list(params[:1]) + ["x"], ["y", n]]
    return f"({rng.uniform(0, 0.05):.3f}) {sql}; args={args!r}; alias=default"


_STATEMENTS = ("INSERT INTO accounts (id, {col}) VALUES ({n}, {lit})", "UPDATE accounts SET {col} = {lit} WHERE id = {n}",
               "SELECT id, created FROM accounts WHERE {col} = {lit} AND id > {n}",
               "DELETE FROM accounts WHERE {col} = {lit}")
_STATEMENT_LINES = ("query failed: {sql}", "error executing query: {sql}", "LOG:  statement: {sql}",
                    'ERROR:  duplicate key value violates unique constraint "accounts_pkey"\nSTATEMENT:  {sql}',
                    "slow query ({n} ms): {sql}", "executing: {sql};")


def sql_in_text(s: Sample, rng: random.Random) -> str:
    """A statement with its literal written into a message: an app's ``query failed: …``, PostgreSQL's
    ``log_statement`` / ``STATEMENT:`` lines."""
    sql = rng.choice(_STATEMENTS).format(col=_column(s, rng), lit=_literal(str(s.value)), n=rng.randint(1, 99999))
    return rng.choice(_STATEMENT_LINES).format(sql=sql, n=rng.randint(200, 9000))


def sqlalchemy_echo(s: Sample, rng: random.Random) -> str:
    """SQLAlchemy's engine log (``echo=True``): the statement, then ``[generated in …] <parameters>`` as
    ``Connection._log_parameters`` writes it (``"[%s] %r"`` with ``sql_util._repr_params``)."""
    from sqlalchemy.sql.util import _repr_params

    col, value, n = _column(s, rng), str(s.value), rng.randint(1, 99999)
    ismulti = rng.random() < 0.25  # executemany: a list of rows, the value first in one of them
    if ismulti:
        stmt, params = f"INSERT INTO accounts ({col}, id) VALUES (?, ?)", [(value, n), ("Novak-1", n + 1)]
    elif rng.random() < 0.5:
        stmt, params = f"INSERT INTO accounts (id, {col}) VALUES (?, ?)", (n, value)
    else:
        stmt, params = f"UPDATE accounts SET {col}=%({col})s WHERE accounts.id = %(id_1)s", {col: value, "id_1": n}
    stats = rng.choice((f"generated in {rng.uniform(0, 0.01):.5f}s", f"cached since {rng.uniform(0, 900):.4g}s ago",
                        f"no key {rng.uniform(0, 0.01):.5f}s"))
    line = f"[{stats}] {_repr_params(params, batches=10, ismulti=ismulti)!r}"  # "[%s] %r" in _log_parameters
    return f"{stmt}\n{line}" if rng.random() < 0.5 else line


# -- values drivers echo in their errors ----------------------------------------------------------------------
_PG_DISPLAY, _PG_RIGHT = 60, 10  # libpq's reportErrorPosition: DISPLAY_SIZE, MIN_RIGHT_CUT


def pg_position_excerpt(line: str, cursor: int) -> str:
    """``LINE 1: …`` and its caret as libpq prints an error position: a line wider than 60 columns is cut on the
    right (keeping 10 columns after the cursor) and then on the left, each cut marked ``...``."""
    begin, end = 0, len(line)
    if len(line) > _PG_DISPLAY:
        if cursor < _PG_DISPLAY - _PG_RIGHT:
            end = _PG_DISPLAY
        else:
            end = min(len(line), cursor + _PG_RIGHT)
            begin = max(0, end - _PG_DISPLAY)
    shown = ("..." if begin else "") + line[begin:end] + ("..." if end < len(line) else "")
    caret = cursor - begin + (3 if begin else 0)
    return f"LINE 1: {shown}\n{' ' * (8 + caret)}^"


def driver_echo(s: Sample, rng: random.Random) -> str:
    """What drivers echo of a value they refused: PostgreSQL ``invalid input syntax for type …: "…"`` (with the
    statement excerpt at the error position), Redis ``with args beginning with:``, MySQL's ``Incorrect … value``
    and ``Truncated incorrect … value``, SQL Server's ``Conversion failed when converting …``."""
    value, col = str(s.value), _column(s, rng)
    form = rng.choice(("postgres", "postgres", "redis", "mysql", "mssql"))
    if form == "postgres":
        typ = rng.choice(("integer", "uuid", "bigint", "numeric", "boolean", "date", "inet"))
        head = f'invalid input syntax for type {typ}: "{value}"'
        if rng.random() < 0.7 and "\n" not in value:  # the statement quoted at the error: often cut on both sides
            line = rng.choice(("SELECT id, created FROM accounts WHERE {c} = {v}",
                               "SELECT accounts.id, accounts.created_at FROM accounts WHERE accounts.{c} = {v}",
                               "INSERT INTO accounts (id, {c}) VALUES ({n}, {v}) RETURNING accounts.id")
                              ).format(c=col, v=_literal(value), n=rng.randint(1, 99999))
            head += "\n" + pg_position_excerpt(line, line.index("'"))
        return rng.choice(("", "psycopg.errors.InvalidTextRepresentation: ",
                           "(psycopg.errors.InvalidTextRepresentation) ")) + head
    if form == "redis":
        # Redis's processCommand: each argument as '%.*s' while the list is under 128 characters; written whole
        # here (a secret cut at 128 characters would be a partial one)
        # and an error reply has no line breaks (addReplyErrorLength writes them as blanks)
        cmd = rng.choice(("SETX", "JSON.SET", "HSETX", "AUTHX"))
        value = value.replace("\r", " ").replace("\n", " ")
        args = [f"user:{rng.randint(1, 99999)}:{col}", value] if cmd != "AUTHX" else [value]
        return (f"redis.exceptions.ResponseError: unknown command '{cmd}', with args beginning with: "
                + "".join(f"'{a}' " for a in args))
    if form == "mysql":
        code, msg = rng.choice(((1366, "Incorrect integer value: '{v}' for column '{c}' at row 1"),
                                (1292, "Truncated incorrect DOUBLE value: '{v}'"),
                                (1292, "Incorrect datetime value: '{v}' for column '{c}' at row 1")))
        return f'(pymysql.err.DataError) ({code}, "{msg.format(v=value, c=col)}")'
    return (f"[22018] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Conversion failed when converting the "
            f"{rng.choice(('varchar', 'nvarchar'))} value '{value}' to data type int. (245) (SQLExecDirectW)")


def redis_monitor(s: Sample, rng: random.Random) -> str:
    """A Redis MONITOR line as the server writes it (``replicationFeedMonitors``: the time, ``[db client]``, each
    argument quoted with ``"``, ``\\``, quotes and control bytes escaped): the value as an HSET field's or a SET's
    value. (The server writes the bytes of non-ASCII text as ``\\xNN`` too; here they stay text, as a log shipper
    that decodes them shows them, so that the sample's needles can be searched for.)"""
    def q(arg: str) -> str:
        return '"' + "".join(ch if ch >= " " and ch not in '"\\\x7f' else
                             {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}.get(ch, f"\\x{ord(ch):02x}")
                             for ch in arg) + '"'
    key = f"user:{rng.randint(1, 99999)}"
    args = rng.choice((["HSET", key, _column(s, rng), s.value, "updated_at", str(rng.randint(10**9, 2 * 10**9))],
                       ["SET", f"{key}:{_column(s, rng)}", s.value, "EX", "900"]))
    return (f"{rng.randint(10**9, 2 * 10**9)}.{rng.randint(0, 999999):06d} [0 127.0.0.1:{rng.randint(1024, 65535)}] "
            + " ".join(map(q, args)))


# -- who gets which ------------------------------------------------------------------------------------------
def by_value(k: Kind) -> bool:
    """Kinds a detector finds by their value: the neutral-key encodings apply."""
    return k.prose and not k.keyed


def structured(k: Kind) -> bool:
    return not k.flat_only
