"""Encodings: how a sample is written into a value — plain, escaped, embedded in a document or a URL.

Each encoding turns a :class:`~leakfuzz.samples.Sample` into a *payload*: :class:`Text` (a string for
any string carrier), :class:`KV` (a key and value for carriers with keys: attributes, maps, log
``extra=``) or :class:`Split` (adjacent array elements). :data:`ENCODINGS` lists them from the
simplest to the most convoluted; the minimiser prefers earlier ones.
"""

from __future__ import annotations

import json
import random
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from .samples import HEX, Kind, Sample, iso_ts, rand, uuid


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class KV:
    key: str
    value: Any
    extras: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Split:
    items: tuple[str, ...]


Payload = Text | KV | Split


@dataclass(frozen=True)
class Encoding:
    name: str
    produces: type
    applies: Callable[[Kind], bool]
    encode: Callable[[Sample, random.Random], Payload]
    note: str = ""


def _ident(key: str) -> str:
    """A key as a Python identifier / SQL column (``user-password`` → ``user_password``)."""
    # Python's identifier rule, not ``\w``: combining marks (Thai, Devanagari vowel signs) belong to the name
    out = "".join(ch if ("a" + ch).isidentifier() else "_" for ch in key)
    return out if not out[:1].isdigit() else f"_{out}"


def _doc(s: Sample, rng: random.Random) -> dict[str, Any]:
    return {"event": rng.choice(("signup", "login", "charge", "sync")), "request_id": uuid(rng), s.key: s.value}


def noise(rng: random.Random, text: str) -> str:
    """Benign surroundings: a timestamp, a request id, a trace id, a duration."""
    return (f"{iso_ts(rng)} INFO [req {uuid(rng)}] {text} "
            f"trace_id={rand(rng, 32, HEX)} took={rng.randint(1, 999)}ms")


def _prose(k: Kind) -> bool:
    return k.prose


def _structured(k: Kind) -> bool:
    return not k.flat_only


def _truncated(s: Sample, rng: random.Random) -> str:
    doc = json.dumps(_doc(s, rng) | {"items": [{"sku": "A-1", "qty": 2}] * 3}, ensure_ascii=False)
    value_end = doc.index(json.dumps(s.value, ensure_ascii=False)) + len(json.dumps(s.value, ensure_ascii=False))
    return doc[:value_end + rng.randint(3, 20)]


def _flag_text(s: Sample, rng: random.Random) -> Text:
    flag = "--" + _ident(s.key).lower().replace("_", "-")
    # a value that starts with "-" must be attached with "=" (argparse and getopt read it as an option otherwise)
    arg = f"{flag}={s.value}" if s.value.startswith("-") or rng.random() < 0.3 else f"{flag} {s.value}"
    return Text(f"exec: /usr/bin/app sync {arg} --verbose")


def _sqlalchemy(s: Sample, rng: random.Random) -> Text:
    col = _ident(s.key)
    return Text(f"(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint\n"
                f"[SQL: INSERT INTO accounts (id, {col}) VALUES (%(id)s, %({col})s)]\n"
                f"[parameters: {{'id': {rng.randint(1, 9999)}, '{col}': {s.value!r}}}]\n"
                f"(Background on this error at: https://sqlalche.me/e/20/gkpj)")


def _sqlalchemy_tuple(s: Sample, rng: random.Random) -> Text:
    col = _ident(s.key)
    return Text(f"(sqlite3.IntegrityError) UNIQUE constraint failed: accounts.{col}\n"
                f"[SQL: INSERT INTO accounts (id, {col}, created) VALUES (?, ?, ?)]\n"
                f"[parameters: ({rng.randint(1, 9999)}, {s.value!r}, '2024-05-17 12:00:00')]")


def _psycopg(s: Sample, rng: random.Random) -> Text:
    col = _ident(s.key)
    return Text(f'duplicate key value violates unique constraint "accounts_{col}_key"\n'
                f"DETAIL:  Key ({col})=({s.value}) already exists.")


# A password where programs take it on their command line (scrub/cmdline.py's table), written as
# CalledProcessError prints the argv, as a JSON array (process.command_args in a document) or as shell text.
_COMMANDS = (("mysqldump", "-h", "db.internal", "-u", "root", "-p{}", "shop"),
             ("docker", "login", "-u", "bot", "-p", "{}", "registry.example.com"), ("sshpass", "-p", "{}", "ssh", "h1"),
             ("curl", "-sf", "-u", "deploy:{}", "https://ci.example.com/job"), ("redis-cli", "-a", "{}", "ping"),
             ("ldapsearch", "-x", "-w", "{}", "-b", "dc=example"), ("htpasswd", "-bc", "/etc/.htpasswd", "admin", "{}"),
             ("app", "sync", "--password", "{}", "--verbose"))


def _command(s: Sample, rng: random.Random) -> list[str]:
    # a value that starts with "-" must be attached with "=" (getopt reads it as an option otherwise); a number is a
    # word of its own (mysql's "-p3306" is a mistyped port, kept by design)
    argv = ("app", "sync", "--password={}") if s.value.startswith("-") else rng.choice(
        [c for c in _COMMANDS if "{}" in c] if s.value.isdigit() else _COMMANDS)
    return [a.format(s.value) for a in argv]


def _command_line(s: Sample, rng: random.Random) -> Text:
    argv = _command(s, rng)
    return Text(rng.choice((f"backup failed: Command '{argv!r}' returned non-zero exit status 1.",
                            json.dumps({"process.command_args": argv, "process.exit.code": 1}), f"+ {shlex.join(argv)}")))


ENCODINGS: dict[str, Encoding] = {e.name: e for e in (
    Encoding("kv", KV, lambda k: True, lambda s, r: KV(s.key, s.value, s.extras),
             "the value under its key (value kinds: a neutral key)"),
    Encoding("bare", Text, lambda k: k.prose and not k.keyed, lambda s, r: Text(str(s.value)), "the value alone"),
    Encoding("plain", Text, _prose, lambda s, r: Text(s.prose), "as written in a message"),
    Encoding("upper", Text, lambda k: k.prose and k.caseless, lambda s, r: Text(s.prose.upper())),
    Encoding("percent", Text, _prose, lambda s, r: Text(quote(s.prose, safe=""))),
    Encoding("double_percent", Text, _prose, lambda s, r: Text(quote(quote(s.prose, safe=""), safe="")),
             "percent-encoded twice (%2540)"),
    Encoding("triple_percent", Text, _prose, lambda s, r: Text(quote(quote(quote(s.prose, safe=""), safe=""), safe="")),
             "percent-encoded three times (%252540: the engine decodes three levels)"),
    Encoding("percent_lower", Text, _prose,
             lambda s, r: Text(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(s.prose, safe=""))),
             "percent-encoded with lower-case hex (%2f, %40), as some clients write it"),
    Encoding("json_ascii", Text, _prose,
             lambda s, r: Text(json.dumps({"message": s.prose}, ensure_ascii=True).replace("/", "\\/")),
             "inside a JSON string, non-ASCII as \\uXXXX and / as \\/"),
    Encoding("json_doc", Text, _structured, lambda s, r: Text(json.dumps(_doc(s, r), ensure_ascii=False)),
             "a JSON document with the key"),
    Encoding("escaped_json", Text, _structured,
             lambda s, r: Text(json.dumps(json.dumps(_doc(s, r), ensure_ascii=False), ensure_ascii=False)[1:-1]),
             '{\\"password\\":\\"…\\"}'),
    Encoding("nested_json", Text, _structured,
             lambda s, r: Text(json.dumps({"level": "info", "body": json.dumps(_doc(s, r))})),
             "a JSON document in a string field of another"),
    Encoding("truncated_json", Text, _structured, lambda s, r: Text(_truncated(s, r)),
             "a JSON document cut off after the value (a body capped at N bytes)"),
    Encoding("form", Text, _structured,
             lambda s, r: Text(urlencode([("grant_type", "password"), (s.key, s.value), ("page", "2")]))),
    Encoding("repr_dict", Text, _structured,
             lambda s, r: Text(f"payload {{'request_id': {uuid(r)!r}, {s.key!r}: {s.value!r}, 'retries': 2}}")),
    Encoding("repr_tuple", Text, lambda k: not k.keyed and k.prose,
             lambda s, r: Text(f"args=({uuid(r)!r}, {s.value!r}, 3)")),
    Encoding("kwargs_repr", Text, _structured,
             lambda s, r: Text(f"User(id={r.randint(1, 9999)}, {_ident(s.key)}={s.value!r}, active=True)"),
             "a dataclass / kwargs repr"),
    Encoding("sqlalchemy", Text, _structured, _sqlalchemy, "[SQL: …] [parameters: {'col': …}] (named)"),
    Encoding("sqlalchemy_tuple", Text, _structured, _sqlalchemy_tuple, "[SQL: …] [parameters: (…, …)] (positional)"),
    Encoding("psycopg", Text, _structured, _psycopg, "DETAIL:  Key (col)=(…) already exists."),
    Encoding("mysql_duplicate", Text, _structured, lambda s, r: Text(
        f"(pymysql.err.IntegrityError) (1062, \"Duplicate entry '{s.value}' for key 'accounts.{_ident(s.key)}'\")"),
             "MySQL: Duplicate entry '…' for key"),
    Encoding("pg_failing_row", Text, _structured, lambda s, r: Text(
        f'new row for relation "accounts" violates check constraint "accounts_{_ident(s.key)}_check"\n'
        f"DETAIL:  Failing row contains ({r.randint(1, 9999)}, {s.value}, 2024-05-17 12:00:00+00)."),
             "PostgreSQL: Failing row contains (…)"),
    Encoding("url_query", Text, lambda k: _structured(k) and not k.name.startswith(("url_", "webhook")),
             lambda s, r: Text(f"https://api.example.com/v1/{r.choice(('search', 'export'))}?"
                               f"{quote(s.key, safe='')}={quote(s.value, safe='')}&page=2")),
    Encoding("url_path", Text, lambda k: k.path_ok,
             lambda s, r: Text(f"https://api.example.com/v1/users/"
                               f"{quote(s.value.replace(' ', ''), safe=r.choice(('@+', '')))}/profile"),
             "a URL path segment (numbers written without spaces, as in paths)"),
    Encoding("url_userinfo", Text, lambda k: k.password_like,
             lambda s, r: Text(f"https://{_ident(s.key)}:{quote(s.value, safe='')}@api.example.com/v1/sync")),
    Encoding("flag_text", Text, lambda k: k.password_like, _flag_text, "--flag value in a logged command line"),
    Encoding("argv", Split, lambda k: k.password_like,
             lambda s, r: Split(("app", f"--{s.key}", s.value, "--verbose")), '["--password", "x"]'),
    Encoding("command_line", Text, lambda k: k.password_like, _command_line,
             "a program's password argument: -p<pw>, docker login -p, curl -u user:pw, … (argv repr, JSON, shell)"),
    Encoding("command_args", Split, lambda k: k.password_like, lambda s, r: Split(tuple(_command(s, r))),
             "the same argv as array elements (process.command_args)"),
    Encoding("lines", Split, lambda k: bool(k.name == "pem"), lambda s, r: Split(s.parts), "one line per element"),
)}


# -- structure classes: name/value pair objects, "=>" maps, delimited tables (struct3) -----------------------------
# Each written by the format's own rules from a real shape: json.dumps of an OTLP-JSON attribute list, a HAR
# request, a Kubernetes container, an SSM parameter; Python's repr of boto3 tags; Ruby's/Elixir's inspect, Perl's
# Data::Dumper, PHP's print_r/var_dump, PostgreSQL's hstore output, an Erlang proplist; csv.writer tables.
def _pair_key(s: Sample) -> str:
    """The name a pair object holds: a header's own name for http.*.header.* keys (HAR writes "Authorization")."""
    return s.key.rsplit(".", 1)[1] if s.key.startswith("http.") and ".header." in s.key else s.key


def _env_name(key: str) -> str:
    """``userPwd`` → ``USER_PWD``, ``db.password`` → ``DB_PASSWORD``: a key as an environment variable."""
    # separators by _ident's rule (Python's identifier rule: Thai and Devanagari marks stay in the name)
    return re.sub(r"_+", "_", _ident(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key))).strip("_").upper()


def _otlp_json(s: Sample, rng: random.Random) -> Text:
    attrs = [{"key": "http.request.method", "value": {"stringValue": "POST"}},
             {"key": _pair_key(s), "value": {"stringValue": s.value}},
             {"key": "retry.count", "value": {"intValue": str(rng.randint(0, 5))}}]
    rng.shuffle(attrs)
    if rng.random() < 0.5:  # a map attribute: the pair inside a kvlistValue
        attrs = [{"key": "app.request", "value": {"kvlistValue": {"values": attrs}}}]
    return Text(json.dumps({"timeUnixNano": str(rng.randint(1, 10**18)), "attributes": attrs}))


def _har(s: Sample, rng: random.Random) -> Text:
    pair = {"name": _pair_key(s), "value": s.value}
    if rng.random() < 0.3:
        pair = {"value": s.value, "name": _pair_key(s)}  # Go's and some recorders' field order
    where = rng.choice(("headers", "cookies", "queryString"))
    request = {"method": "POST", "url": "https://api.example.com/v1/login", "httpVersion": "HTTP/1.1",
               "headers": [{"name": "Accept", "value": "application/json"}], "cookies": [], "queryString": [],
               "headersSize": -1, "bodySize": rng.randint(10, 999)}
    request[where] = [*request[where], pair]
    return Text(json.dumps({"log": {"version": "1.2", "entries": [{"startedDateTime": iso_ts(rng),
                                                                    "request": request}]}}, indent=rng.choice((None, 2))))


def _k8s_env(s: Sample, rng: random.Random) -> Text:
    env = [{"name": "LOG_LEVEL", "value": "info"}, {"name": _env_name(s.key), "value": s.value},
           {"name": "DB_PASSWORD_REF", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]
    return Text(json.dumps({"kind": "Pod", "spec": {"containers": [
        {"name": "api", "image": "registry.example.com/api:1.4.2", "env": env}]}}))


def _aws(s: Sample, rng: random.Random) -> Text:
    if rng.random() < 0.5:  # boto3's tags, as Python prints them
        tags = [{"Key": "team", "Value": "core"}, {"Key": _pair_key(s), "Value": s.value}]
        return Text(f"put_tags Tags={tags!r}")
    return Text(json.dumps({"Parameter": {"Name": f"/prod/app/{_pair_key(s)}", "Type": "SecureString",
                                          "Value": s.value, "Version": rng.randint(1, 9), "DataType": "text"}}))


def _ruby_inspect(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False).replace("#{", "\\#{") if isinstance(v, str) else str(v)


def _ruby(s: Sample, rng: random.Random) -> Text:
    sep = rng.choice(("=>", " => "))  # Ruby < 3.4 and >= 3.4
    return Text("params: {" + ", ".join(f"{_ruby_inspect(k)}{sep}{_ruby_inspect(v)}" for k, v in (
        ("request_id", uuid(rng)), (s.key, s.value), ("retries", 2))) + "}")


def _perl_quote(v: str) -> str:
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _perl(s: Sample, rng: random.Random) -> Text:
    return Text("$VAR1 = {\n" + ",\n".join(f"          {_perl_quote(k)} => {v}" for k, v in (
        ("request_id", _perl_quote(uuid(rng))), (s.key, _perl_quote(s.value)), ("retries", "2"))) + "\n        };")


def _php_print_r(s: Sample, rng: random.Random) -> Text:
    return Text("Array\n(\n" + "".join(f"    [{k}] => {v}\n" for k, v in (
        ("request_id", uuid(rng)), (s.key, s.value), ("retries", 2))) + ")\n")


def _php_var_dump(s: Sample, rng: random.Random) -> Text:
    def typed(v: Any) -> str:
        return f"int({v})" if isinstance(v, int) else f'string({len(v.encode())}) "{v}"'
    items = (("request_id", uuid(rng)), (s.key, s.value), ("retries", 2))
    return Text(f"array({len(items)}) {{\n" + "".join(f'  ["{k}"]=>\n  {typed(v)}\n' for k, v in items) + "}\n")


def _elixir(s: Sample, rng: random.Random) -> Text:
    return Text("%{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} => {json.dumps(v, ensure_ascii=False)}"
                                 for k, v in (("request_id", uuid(rng)), (s.key, s.value))) + "}")


def _hstore(s: Sample, rng: random.Random) -> Text:
    def q(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return Text(f'attrs: {q("region")}=>{q("eu")}, {q(s.key)}=>{q(s.value)}')


def _erlang(s: Sample, rng: random.Random) -> Text:
    atom = _env_name(s.key).lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", atom):
        atom = "'" + s.key.replace("\\", "\\\\").replace("'", "\\'") + "'"  # a quoted atom
    value = s.value.replace("\\", "\\\\").replace('"', '\\"')
    return Text(f'[{{port, {rng.randint(1024, 65535)}}}, {{{atom}, <<"{value}"/utf8>>}}, {{ssl, true}}]'
                if not s.value.isascii() else f'[{{port, {rng.randint(1024, 65535)}}}, {{{atom}, <<"{value}">>}}]')


def _table(s: Sample, rng: random.Random) -> Text:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=rng.choice((",", ";", "\t")), lineterminator="\n")
    writer.writerow(("request_id", s.key, "retries"))
    writer.writerow((uuid(rng), s.value, rng.randint(0, 5)))
    return Text("rows:\n" + buf.getvalue())


def _diagnose(s: Sample, rng: random.Random) -> Text:
    """A frame of loguru's traceback with ``diagnose=True`` (its default), written from its formatter
    (``_better_exceptions``: ``_get_relevant_values`` / ``_format_relevant_values``): the stripped source line
    indented by 4, then one line per name holding a value, rightmost first, each ``└ <repr>`` (``-> <repr>`` for
    a sink that cannot encode the box characters) in its name's column, with a pipe in the column of every name
    to its left. The sample is a local or an attribute named by its key."""
    from .structures import field_name

    name = _ident(field_name(s))
    pipe, cap = rng.choice((("\u2502", "\u2514"), ("|", "->")))
    obj = "<shop.settings.Settings object at 0x7f3a2c1d0b80>"
    # (text, value shown under it or None): every name in locals or globals gets its value, an attribute too;
    # a keyword argument's name does not
    owner = rng.choice(((), (("settings", obj), (".", None)),
                        (("self", "<shop.mail.Mailer object at 0x7f3a2c1d0a10>"), (".", None), ("_config", obj),
                         (".", None))))
    tokens = (("client", "<shop.mail.Client object at 0x7f3a2c1d9e50>"), (".", None),
              ("connect", "<function Client.connect at 0x7f3a2c2e1d80>"), ("(", None), ("host", "'smtp.internal'"),
              (", ", None), *owner, (name, repr(s.value)), (", timeout=", None), ("timeout", str(rng.randint(5, 60))),
              (")", None))
    source, cols, values = "", [], []
    for text, value in tokens:
        if value is not None:
            cols.append(len(source))
            values.append(value)
        source += text
    lines = [f'  File "/srv/shop/mail.py", line {rng.randint(20, 400)}, in send_receipt', "    " + source]
    for i in reversed(range(len(cols))):
        pre, at = "", 0
        for c in cols[:i]:
            pre += " " * (c - at) + pipe
            at = c + 1
        value = values[i] if len(values[i]) <= 128 else values[i][:125] + "..."
        lines.append("    " + pre + " " * (cols[i] - at) + cap + " " + value)
    return Text("Traceback (most recent call last):\n\n" + "\n".join(lines) + "\n\nConnectionRefusedError: "
                "[Errno 111] Connection refused")


def _cookie_jar(s: Sample, rng: random.Random) -> Text:
    """A name/value pair object written as a call: a cookie jar as requests and http.cookiejar print it
    (``<RequestsCookieJar[Cookie(version=0, name='…', value='…', …)]>``), the sample's key as the cookie's name."""
    from http.cookiejar import Cookie

    from .structures import field_name

    def cookie(name: str, value: str) -> Cookie:
        return Cookie(0, name, value, None, False, "shop.example.com", True, False, "/", True, rng.random() < 0.5,
                      None, True, None, None, {"HttpOnly": None})
    jar = [cookie("theme", "dark"), cookie(field_name(s), s.value)]
    rng.shuffle(jar)
    return Text(f"cookies after login: <RequestsCookieJar[{', '.join(map(repr, jar))}]>")


def _psql_table(s: Sample, rng: random.Random) -> Text:
    """A query's result as psql prints it (its aligned format: names centred over a ``----+----`` rule, text left-
    and numbers right-aligned, ``(1 row)``), or with ``\\pset border 2`` / MySQL's client as a ``+----+`` grid;
    the sample's key as a column's name."""
    names = ("id", s.key, "plan")
    row = (str(rng.randint(1, 9999)), s.value.replace("\n", " "), rng.choice(("pro", "free")))
    widths = [max(len(a), len(b)) for a, b in zip(names, row)]
    head = [n.center(w) for n, w in zip(names, widths)]
    cells = [row[0].rjust(widths[0]), *(v.ljust(w) for v, w in zip(row[1:], widths[1:]))]
    if rng.random() < 0.5:
        rule = "-+-".join("-" * w for w in widths)
        lines = [" " + " | ".join(head).rstrip(), "-" + rule + "-", " " + " | ".join(cells).rstrip(), "(1 row)"]
    else:
        border = "+-" + "-+-".join("-" * w for w in widths) + "-+"
        lines = [border, "| " + " | ".join(head) + " |", border, "| " + " | ".join(cells) + " |", border,
                 "1 row in set (0.00 sec)"]
    return Text(f"{rng.choice(('audit query', 'psql output', 'result'))}:\n" + "\n".join(lines) + "\n")


def _multipart(s: Sample, rng: random.Random) -> Text:
    """A multipart/form-data body with the sample as a form field named by its key, built by requests (its
    ``files=``/``data=`` encoding), logged decoded or as the prepared body's bytes repr."""
    from requests.models import RequestEncodingMixin

    from .structures import field_name

    body, content_type = RequestEncodingMixin._encode_files({"file": ("rows.csv", b"id,n\n1,2\n", "text/csv")},
                                                            [("format", "csv"), (field_name(s), s.value)])
    # (its boundary is random: one drawn from rng instead, so that a case replays)
    body = body.replace(content_type.split("boundary=")[1].encode(), "".join(rng.choices(HEX, k=32)).encode())
    return Text(f"sent body {body!r}" if rng.random() < 0.5 else "sent body:\n" + body.decode())


def _keyed(k: Kind) -> bool:
    return k.keyed and not k.flat_only


STRUCTURE_CLASSES = (
    Encoding("otlp_json_attrs", Text, _keyed, _otlp_json, "OTLP-JSON attributes: {key, value: {stringValue}}"),
    Encoding("har", Text, _keyed, _har, "a HAR request's headers / cookies / queryString: {name, value}"),
    Encoding("k8s_env", Text, _keyed, _k8s_env, "a Pod's env: {name: DB_PASSWORD, value}"),
    Encoding("aws_pairs", Text, _keyed, _aws, "boto3 tags {'Key', 'Value'} / an SSM parameter {Name, Value}"),
    Encoding("ruby_hash", Text, _keyed, _ruby, '{"password"=>"…"}'),
    Encoding("perl_dumper", Text, _keyed, _perl, "$VAR1 = { 'password' => '…' };"),
    Encoding("php_print_r", Text, _keyed, _php_print_r, "[password] => … (print_r: the value is the rest of its line)"),
    Encoding("php_var_dump", Text, _keyed, _php_var_dump, '["password"]=> string(16) "…"'),
    Encoding("elixir_map", Text, _keyed, _elixir, '%{"password" => "…"}'),
    Encoding("hstore", Text, _keyed, _hstore, '"password"=>"…" (PostgreSQL hstore)'),
    Encoding("erlang_proplist", Text, _keyed, _erlang, '[{password, <<"…">>}]'),
    Encoding("table", Text, _keyed, _table, "CSV / TSV / ;-separated rows under a header line"),
    Encoding("multipart", Text, _keyed, _multipart, 'Content-Disposition: form-data; name="…" then the part'),
    Encoding("psql_table", Text, _keyed, _psql_table, "psql's aligned result (| under ----+----) or a +----+ grid"),
    Encoding("cookie_jar", Text, _keyed, _cookie_jar, "Cookie(version=0, name='…', value='…', …): a pair as a call"),
    Encoding("loguru_diagnose", Text, _keyed, _diagnose,
             "a traceback's values under the source line, in their names' columns (loguru diagnose=True)"),
)
ENCODINGS.update((e.name, e) for e in STRUCTURE_CLASSES)
# Structures real libraries print (multidicts, XML, SQL in text, validation errors, driver echoes): written by
# leakfuzz.structures, which reads _ident from here. "named": under the sample's key; "neutral": under a key that
# means nothing (detectors only); the SQL and driver encodings are parameters (redacted whatever they hold).
from . import structures as _st  # noqa: E402

#: (name, writer, note): each writer is an encoding under the sample's key and, with ``neutral=True``, another
#: under a key that means nothing
_NAMED_AND_NEUTRAL = (
    ("pairs", _st.pairs, "ImmutableMultiDict([('password', '…')]), Headers([…]), ASGI [(b'…', b'…')], JSON pairs"),
    ("xml", _st.xml, "<key>…</key>, key=\"…\", CDATA, namespaces, SOAP envelope, <wsse:Password>"),
    ("validation", _st.validation, "pydantic errors() repr, exc.json(), FastAPI's 422 body, input_value='…' text"),
)
for _name, _write, _note in _NAMED_AND_NEUTRAL:
    ENCODINGS[_name] = Encoding(_name, Text, _structured, lambda s, r, w=_write: Text(w(s, r)), f"named: {_note}")
    ENCODINGS[f"{_name}_neutral"] = Encoding(f"{_name}_neutral", Text, _st.by_value,
                                             lambda s, r, w=_write: Text(w(s, r, neutral=True)),
                                             "neutral: the same under a key like 'note'")
ENCODINGS.update({e.name: e for e in (
    Encoding("django_query_log", Text, _structured, lambda s, r: Text(_st.django_query_log(s, r)),
             "parameters: (0.001) SELECT … = '…'; args=('…',); alias=default"),
    Encoding("sql_in_text", Text, _structured, lambda s, r: Text(_st.sql_in_text(s, r)),
             "parameters: query failed: INSERT … VALUES (…, '…'), LOG:  statement: …"),
    Encoding("sqlalchemy_echo", Text, _structured, lambda s, r: Text(_st.sqlalchemy_echo(s, r)),
             "parameters: [generated in 0.0001s] (…, '…')"),
    Encoding("redis_monitor", Text, _structured, lambda s, r: Text(_st.redis_monitor(s, r)),
             'parameters: 1700000000.123456 [0 127.0.0.1:52514] "HSET" "user:42" "<field>" "…" (Redis MONITOR)'),
    Encoding("driver_echo", Text, _structured, lambda s, r: Text(_st.driver_echo(s, r)),
             "parameters: invalid input syntax … \"…\" + LINE 1:, Redis args, MySQL/SQL Server value echoes"),
)})


def _ruby_value(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_ruby_inspect(k)}=>{_ruby_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_ruby_value(x) for x in v) + "]"
    return _ruby_inspect(v)


def _logfmt(v: Any) -> str:
    """structlog's LogfmtRenderer: a value with a blank or a quote in double quotes, ``"`` escaped."""
    text = v if isinstance(v, str) else str(v)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"' if set(text) & set(' "=\\') else text


def _bound_text(s: Sample, rng: random.Random) -> Text:
    """A statement and its parameters written as one record's text, as loggers render a driver's event: a
    structlog JSON line, a Python dict's repr, structlog's key=repr and logfmt renderers, a Ruby hash's inspect
    (``{"sql"=>"…", "binds"=>[…]}``) — the record's siblings in one string (scrub/structure.py reads them together)."""
    record = {"event": rng.choice(("query", "db.execute", "sql")), **dict(s.extras), s.key: s.value}
    form = rng.choice(("json", "repr", "key_repr", "logfmt", "ruby"))
    if form == "json":
        return Text(json.dumps(record, ensure_ascii=False))
    if form == "repr":
        return Text(f"db event {record!r}")
    if form == "key_repr":
        return Text(" ".join(f"{k}={v!r}" for k, v in record.items()))
    if form == "logfmt":
        return Text(" ".join(f"{k}={_logfmt(v)}" for k, v in record.items()))
    return Text(f"sql.active_record {_ruby_value(record)}")


ENCODINGS["bound_text"] = Encoding(
    "bound_text", Text, lambda k: "bound_text" in k.only, _bound_text,
    "a statement beside its parameters in one record's text: JSON line, dict repr, key=repr, logfmt, Ruby hash")


@cache
def applicable(kind: Kind) -> tuple[str, ...]:
    """The encodings that make sense for ``kind`` (its ``only`` set wins; flat-only kinds take ``kv``)."""
    if kind.only:
        return tuple(n for n, e in ENCODINGS.items() if n in kind.only and e.applies(kind))
    if kind.flat_only:
        return ("kv",)
    return tuple(n for n, e in ENCODINGS.items() if e.applies(kind))


def encode(sample: Sample, encoding: str, rng: random.Random, with_noise: bool) -> Payload:
    payload = ENCODINGS[encoding].encode(sample, rng)
    if with_noise and isinstance(payload, Text):
        payload = Text(noise(rng, payload.text))
    return payload
