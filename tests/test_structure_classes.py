"""Structure classes inside strings, each read by its own syntax: name/value pair objects (OTLP-JSON attributes,
HAR, Kubernetes env, AWS tags, SSM), ``=>`` maps (Ruby, Perl, PHP, Elixir, hstore, Erlang), delimited tables with a
header line, SQL written into text, .NET-style objects. Values go by their key; the text keeps its syntax."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Redactor

R = Redactor("default")
P = R.pseudonymize
S = "Zq8vLp3XwR7tYk2M"
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HAR = {"log": {"entries": [{"request": {
    "method": "POST", "url": "https://api.example.com/login", "httpVersion": "HTTP/1.1",
    "headers": [{"name": "Host", "value": "api.example.com"}, {"name": "Authorization", "value": f"Token {S}"}],
    "cookies": [{"name": "sessionid", "value": S, "path": "/", "httpOnly": True, "secure": True}],
    "queryString": [{"name": "page", "value": "2"}, {"name": "api_key", "value": S}]}}]}}
HAR_OUT = json.dumps(HAR).replace(f"Token {S}", "REDACTED").replace(S, "REDACTED")
K8S = {"containers": [{"name": "api", "image": "registry/api:1.4.2", "env": [
    {"name": "DB_HOST", "value": "db.internal"}, {"name": "DB_PASSWORD", "value": S},
    {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}]}]}

# (name, input, expected): the exact output
CASES = [
    # -- name/value pair objects ---------------------------------------------------------------------------
    ("otlp-json-attribute",
     '{"attributes":[{"key":"db.password","value":{"stringValue":"<S>"}},'
     '{"key":"db.system","value":{"stringValue":"postgresql"}}]}',
     '{"attributes":[{"key":"db.password","value":{"stringValue":"REDACTED"}},'
     '{"key":"db.system","value":{"stringValue":"postgresql"}}]}'),
    ("otlp-json-int-array-kvlist",
     '{"key":"pin","value":{"intValue":"1234"}} {"key":"app.tokens","value":{"arrayValue":{"values":'
     '[{"stringValue":"<S>"}]}}} {"key":"ctx","value":{"kvlistValue":{"values":[{"key":"session_id","value":'
     '{"stringValue":"<S>"}},{"key":"region","value":{"stringValue":"eu"}}]}}}',
     '{"key":"pin","value":{"intValue":"REDACTED"}} {"key":"app.tokens","value":{"arrayValue":{"values":'
     '[{"stringValue":"REDACTED"}]}}} {"key":"ctx","value":{"kvlistValue":{"values":[{"key":"session_id","value":'
     '{"stringValue":"REDACTED"}},{"key":"region","value":{"stringValue":"eu"}}]}}}'),
    ("har-headers-cookies-query", json.dumps(HAR), HAR_OUT),
    ("k8s-env-valuefrom-kept", json.dumps(K8S), json.dumps(K8S).replace(S, "REDACTED")),
    ("aws-tags-repr", "tags=[{'Key': 'api_token', 'Value': '<S>'}, {'Key': 'team', 'Value': 'core'}]",
     "tags=[{'Key': 'api_token', 'Value': 'REDACTED'}, {'Key': 'team', 'Value': 'core'}]"),
    ("ssm-parameter",
     '{"Parameter":{"Name":"/prod/db/password","Type":"SecureString","Value":"<S>","Version":3}}',
     '{"Parameter":{"Name":"/prod/db/password","Type":"SecureString","Value":"REDACTED","Version":3}}'),
    ("cloudformation-parameters", '[{"ParameterKey":"DBPassword","ParameterValue":"<S>"}]',
     '[{"ParameterKey":"DBPassword","ParameterValue":"REDACTED"}]'),
    ("value-before-name", '{"value":"<S>","name":"X-Api-Key"}', '{"value":"REDACTED","name":"X-Api-Key"}'),
    ("field-and-k-v", '[{"field":"password","value":"<S>"},{"k":"otp","v":123456}]',
     '[{"field":"password","value":"REDACTED"},{"k":"otp","v":"REDACTED"}]'),
    ("js-object-in-text", "sending headers: [ { name: 'Authorization', value: 'Bearer <S>' } ]",
     "sending headers: [ { name: 'Authorization', value: 'REDACTED' } ]"),
    ("escaped-json-pairs", 'body="[{\\"name\\":\\"password\\",\\"value\\":\\"<S>\\"}]"',
     'body="[{\\"name\\":\\"password\\",\\"value\\":\\"REDACTED\\"}]"'),
    ("pair-identity-is-pseudonymised", '[{"name":"user.email","value":"bob@example.com"}]',
     '[{"name":"user.email","value":"<P:bob@example.com>"}]'),
    ("pair-name-is-a-key-not-a-value", '{"key":"alice@example.com","value":"sent"}',
     '{"key":"REDACTED","value":"sent"}'),
    ("look-alike-person-and-metric",
     '[{"name":"alice","value":42},{"name":"max_tokens","value":812},{"name":"checkout","value":12.5,"unit":"ms"}]',
     None),
    ("look-alike-secret-ref", '{"name":"db","key":"password"}', None),
    # -- => maps -------------------------------------------------------------------------------------------
    ("ruby-string-keys", '{"password"=>"<S>", "user"=>"bob", "count"=>3}',
     '{"password"=>"REDACTED", "user"=>"<P:bob>", "count"=>3}'),
    ("ruby-symbol-keys", '{:password=>"<S>", :role=>:admin}', '{:password=>"REDACTED", :role=>:admin}'),
    ("perl-data-dumper", "$VAR1 = {\n          'password' => '<S>',\n          'retries' => 3\n        };",
     "$VAR1 = {\n          'password' => 'REDACTED',\n          'retries' => 3\n        };"),
    ("php-array-literal", "array('password' => '<S>', 'user' => 'bob', 0 => 'x')",
     "array('password' => 'REDACTED', 'user' => '<P:bob>', 0 => 'x')"),
    ("php-short-array", "['api_key' => '<S>', 'page' => 2]", "['api_key' => 'REDACTED', 'page' => 2]"),
    ("php-print-r", "Array\n(\n    [user] => bob\n    [password] => two words <S>\n    [n] => 3\n)",
     "Array\n(\n    [user] => <P:bob>\n    [password] => REDACTED\n    [n] => 3\n)"),
    ("php-var-dump",
     'array(3) {\n  ["password"]=>\n  string(16) "<S>"\n  ["pin"]=>\n  int(1234)\n  ["count"]=>\n  int(5)\n}',
     'array(3) {\n  ["password"]=>\n  string(16) "REDACTED"\n  ["pin"]=>\n  int(REDACTED)\n  ["count"]=>\n'
     '  int(5)\n}'),
    ("elixir-map", '%{"password" => "<S>", "name" => "x"}', '%{"password" => "REDACTED", "name" => "x"}'),
    ("postgres-hstore", '"password"=>"<S>", "region"=>"eu"', '"password"=>"REDACTED", "region"=>"eu"'),
    ("erlang-proplist", '[{password, <<"<S>">>}, {port, 5432}]', '[{password, <<"REDACTED">>}, {port, 5432}]'),
    ("look-alike-arrows", "state pending => running, {\"count\"=>3}, [0] => 1", None),
    # -- delimited tables ----------------------------------------------------------------------------------
    ("csv-header", "user,password\nbob,<S>\n", "user,password\n<P:bob>,REDACTED\n"),
    ("semicolon-header", "email;password\nbob@example.com;<S>",
     "email;password\n<P:bob@example.com>;REDACTED"),
    ("tsv-header", "id\ttoken\n1\t<S>\n2\t<S>", "id\ttoken\n1\tREDACTED\n2\tREDACTED"),
    ("csv-quoted-cells", 'id,name,api_key\n1,"Smith, Jo","<S>"\ntotal: 1 row',
     'id,name,api_key\n1,"Smith, Jo","REDACTED"\ntotal: 1 row'),
    ("markdown-table", "| user | token |\n|---|---|\n| bob | <S> |\n",
     "| user | token |\n|---|---|\n| <P:bob> | REDACTED |\n"),
    ("psql-aligned", "result:\n id |  api_token   \n----+--------------\n  7 | <S>\n(1 row)\n",
     "result:\n id |  api_token   \n----+--------------\n  7 | REDACTED\n(1 row)\n"),
    ("mysql-grid", "+----+------------------+\n| id | api_token        |\n+----+------------------+\n"
     "|  7 | <S> |\n+----+------------------+\n1 row in set (0.00 sec)\n",
     "+----+------------------+\n| id | api_token        |\n+----+------------------+\n"
     "|  7 | REDACTED |\n+----+------------------+\n1 row in set (0.00 sec)\n"),
    ("look-alike-rule-under-prose", "a | b\n-----\nsee: x | y\n", None),
    ("look-alike-prose-commas", "hello, world\nfoo, bar", None),
    ("look-alike-ragged", "a,password\n1,2,3", None),
    # -- SQL written into text ----------------------------------------------------------------------------
    ("sql-keeps-where", "executing UPDATE users SET password_hash = '<S>' WHERE id = 4",
     "executing UPDATE users SET password_hash = ? WHERE id = ?"),
    ("sql-lower-keeps-where", "update users set password = '<S>' where id = 1",
     "update users set password = ? where id = ?"),
    ("sql-placeholders-stay", "UPDATE users SET token = $1 WHERE id = $2; password = ? AND x", None),
    # -- GraphQL variables by the arguments they feed -------------------------------------------------------
    ("graphql-variable-by-argument",
     '{"variables":{"p":"<S>","first":10},"query":"query Q($p: String!, $first: Int) { a(token: $p, first: $first)'
     ' { id } }"}',
     '{"variables":{"p":"REDACTED","first":10},"query":"query Q($p: String!, $first: Int) { a(token: REDACTED, '
     'first: $first) { id } }"}'),
    ("graphql-input-object", '{"query":"mutation ($in: LoginInput!) { login(input: $in) { ok } }",'
     '"variables":{"in":{"email":"a@b.com","password":"<S>"}}}',
     '{"query":"mutation ($in: LoginInput!) { login(input: $in) { ok } }",'
     '"variables":{"in":{"email":"<P:a@b.com>","password":"REDACTED"}}}'),
    ("graphql-look-alike", '{"query":"query ($id: ID!) { order(id: $id) { total } }","variables":{"id":"ord_42"}}',
     None),
    # -- .NET / unquoted objects --------------------------------------------------------------------------
    ("dotnet-anonymous-object", "{ UserName = bob, Password = <S>, Age = 3 }",
     "{ UserName = <P:bob>, Password = REDACTED, Age = 3 }"),
    ("go-struct-words-unquoted", "&{Username:bob Password:<S>}", "&{Username:<P:bob> Password:REDACTED}"),
    ("json-numbers-still-quoted", '{"pin": 1234, "ok": true}', '{"pin": "REDACTED", "ok": true}'),
    # -- traceback values annotated under the source line (loguru diagnose=True, better_exceptions) -----------
    ("loguru-diagnose-by-column",
     "  File \"app.py\", line 9, in login\n    connect(host, user_email, db_password, cfg.api_token)\n"
     "    \u2502       \u2502     \u2502           \u2502            \u2502   \u2514 '<S>'\n"
     "    \u2502       \u2502     \u2502           \u2502            \u2514 <Cfg object at 0x7f3a>\n"
     "    \u2502       \u2502     \u2502           \u2514 '<S>'\n"
     "    \u2502       \u2502     \u2514 'bob'\n    \u2502       \u2514 'db.internal'\n"
     "    \u2514 <function connect at 0x7f3b>\n",
     "  File \"app.py\", line 9, in login\n    connect(host, user_email, db_password, cfg.api_token)\n"
     "    \u2502       \u2502     \u2502           \u2502            \u2502   \u2514 'REDACTED'\n"
     "    \u2502       \u2502     \u2502           \u2502            \u2514 <Cfg object at 0x7f3a>\n"
     "    \u2502       \u2502     \u2502           \u2514 'REDACTED'\n"
     "    \u2502       \u2502     \u2514 '<P:bob>'\n    \u2502       \u2514 'db.internal'\n"
     "    \u2514 <function connect at 0x7f3b>\n"),
    ("loguru-diagnose-ascii", "    login(pin, 'x')\n    |     -> 4821\n    -> <function login>\n",
     "    login(pin, 'x')\n    |     -> REDACTED\n    -> <function login>\n"),
    ("look-alike-arrow-under-prose", "steps:\n  password rotation\n  -> done\n    -> next token\n", None),
    ("look-alike-pipe-not-at-a-name", "  x = f(a)\n  | -> 'Zq8vLp3XwR7tYk2M'\n", None),
    # -- SQLAlchemy echo="debug": result rows are data, whatever their column -----------------------------------
    ("sqlalchemy-result-row", "Row (7, '<S>', None)", "Row (\"REDACTED\", 'REDACTED', None)"),
    ("sqlalchemy-result-row-after-logger", "DEBUG sqlalchemy.engine.Engine Row ('<S>',)\nCOMMIT",
     "DEBUG sqlalchemy.engine.Engine Row ('REDACTED',)\nCOMMIT"),
    ("look-alike-row-in-prose", "Row (3 of 10) failed validation", None),
    # -- a form body as a logfmt value (stripe-python's "Post details") ----------------------------------------
    ("form-as-logfmt-value", "message='Post details' post_data=email=a%40b.com&metadata[api_key]=<S>&plan=pro",
     "message='Post details' post_data=email=<P:a@b.com>&metadata[api_key]=REDACTED&plan=pro"),
    ("base64-under-a-secret-key-stays-whole", "token=YWJjZGVmZ2g=&page=2", "token=REDACTED&page=2"),
    # -- GraphQL: a variable it could not coerce, by the variable's name; the echo in the message too -----------
    ("graphql-variable-error", "Variable '$apiKey' got invalid value ['<S>']; String cannot represent a non "
     "string value: ['<S>']", "Variable '$apiKey' got invalid value ['REDACTED']; String cannot represent a non "
     "string value: ['REDACTED']"),
    ("graphql-js-variable-error", 'Variable "$resetToken" got invalid value 12345678901; Expected type "Int".',
     'Variable "$resetToken" got invalid value REDACTED; Expected type "Int".'),
    ("graphql-variable-error-benign", "Variable '$first' got invalid value 'ten'; Int cannot represent "
     "non-integer value: 'ten'", None),
    # -- jsonschema: the instance under "On instance[…]:" by its last name (its echo in the message too) -------
    ("jsonschema-instance", "'<S>' is too short\n\nFailed validating 'minLength' in schema['properties']['pin']:"
     "\n    {'minLength': 20}\n\nOn instance['user']['password']:\n    '<S>'",
     "'REDACTED' is too short\n\nFailed validating 'minLength' in schema['properties']['pin']:"
     "\n    {'minLength': 20}\n\nOn instance['user']['password']:\n    'REDACTED'"),
    ("jsonschema-benign", "12 is not of type 'string'\n\nOn instance['age']:\n    12", None),
    # -- multipart/form-data: each part by its name, with real or escaped line breaks ---------------------------
    ("multipart-body", '--b1\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n<S>\r\n--b1\r\n'
     'Content-Disposition: form-data; name="note"\r\n\r\nhi\r\n--b1--\r\n',
     '--b1\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nREDACTED\r\n--b1\r\n'
     'Content-Disposition: form-data; name="note"\r\n\r\nhi\r\n--b1--\r\n'),
    ("multipart-bytes-repr", "body b'--b1\\r\\nContent-Disposition: form-data; name=\"password\"\\r\\n\\r\\n<S>"
     "\\r\\n--b1--\\r\\n'", "body b'--b1\\r\\nContent-Disposition: form-data; name=\"password\"\\r\\n\\r\\n"
     "REDACTED\\r\\n--b1--\\r\\n'"),
    # -- configparser: the value it could not interpolate --------------------------------------------------------
    ("configparser-found", "'%' must be followed by '%' or '(', found: '%<S>'",
     "'%' must be followed by '%' or '(', found: 'REDACTED'"),
    ("configparser-raw-value", "Bad value substitution: option 'api_token' in section 'svc' contains an interpolation "
     "key 'x' which is not a valid option name. Raw value: '<S>'", "Bad value substitution: option 'api_token' in "
     "section 'svc' contains an interpolation key 'x' which is not a valid option name. Raw value: 'REDACTED'"),
    # -- Redis MONITOR: the command's values as the Redis statement rule reads them -----------------------------
    ("redis-monitor", '1700000000.123456 [0 127.0.0.1:52514] "HSET" "cart:42" "note" "<S>" "qty" "3"',
     '1700000000.123456 [0 127.0.0.0:52514] "HSET" "cart:42" "note" "REDACTED" "qty" "REDACTED"'),
    ("redis-monitor-keys-stay", '1700000000.123456 [0 lua] "GET" "cart:42"', None),
    ("look-alike-bracket-quote", 'see [x] "Hello" there', None),
    # -- a value replaced by its key is replaced where the same text is echoed without one -------------------
    ("echo-of-a-keyed-value", "login failed password=<S> reason=invalid literal for int(): '<S>'",
     "login failed password=REDACTED reason=invalid literal for int(): 'REDACTED'"),
    # -- a name/value pair object written as a call (http.cookiejar) and a pair as a pair's value --------------
    ("cookie-as-call", "<RequestsCookieJar[Cookie(version=0, name='sessionid', value='<S>', port=None), "
     "Cookie(version=0, name='theme', value='dark', port=None)]>",
     "<RequestsCookieJar[Cookie(version=0, name='sessionid', value='REDACTED', port=None), "
     "Cookie(version=0, name='theme', value='dark', port=None)]>"),
    ("form-inside-quotes", "<WSGIRequest: GET '/reset?token=<S>&page=2'>",
     "<WSGIRequest: GET '/reset?token=REDACTED&page=REDACTED'>"),
    ("simple-cookie-repr", "<SimpleCookie: sessionid='<S>' theme='dark'>",
     "<SimpleCookie: sessionid='REDACTED' theme='dark'>"),
    ("echo-only-whole-words", "api_key=<S> file=<S>_backup.txt", "api_key=REDACTED file=<S>_backup.txt"),
]


def _fill(template: str) -> str:
    """``<S>`` is the secret, ``<P:bob>`` the pseudonym of bob."""
    return re.sub(r"<P:([^>]*)>", lambda m: P(m.group(1)), template.replace("<S>", S))


def test_structure_classes():
    """One loop over the named cases (cheap: one test, every mismatch reported at once)."""
    wrong = []
    for name, template, expected_template in CASES:
        text = _fill(template)
        expected = None if expected_template is None else _fill(expected_template)
        out = R.redact_text(text)
        want = text if expected is None else expected
        if out != want:
            wrong.append(f"{name}:\n  in:   {text!r}\n  out:  {out!r}\n  want: {want!r}")
    assert not wrong, "\n".join(wrong)


def test_pair_objects_in_maps_go_by_the_named_key():
    """A map body or a JSON document read by meaning (GenAI content) holds pair objects too: same reading."""
    body = {"headers": [{"name": "Authorization", "value": f"Bearer {S}"}, {"name": "Accept", "value": "*/*"}],
            "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
            "attributes": [{"key": "ctx", "value": {"kvlistValue": {"values": [
                {"key": "session_id", "value": {"stringValue": S}}, {"key": "n", "value": {"intValue": "3"}}]}}}],
            "tags": [{"Key": "alice@example.com", "Value": "owner"}, {"name": "alice", "value": 42}]}
    assert R.redact_body(body) == {
        "headers": [{"name": "Authorization", "value": "REDACTED"}, {"name": "Accept", "value": "*/*"}],
        "env": body["env"],
        "attributes": [{"key": "ctx", "value": {"kvlistValue": {"values": [
            {"key": "session_id", "value": {"stringValue": "REDACTED"}}, {"key": "n", "value": {"intValue": "3"}}]}}}],
        "tags": [{"Key": "REDACTED", "Value": "owner"}, {"name": "alice", "value": 42}]}
    content = json.dumps([{"role": "user", "content": json.dumps({"env": [{"name": "API_TOKEN", "value": S}]})}])
    assert S not in R.redact_value("gen_ai.input.messages", content)


def test_camel_case_keys_take_the_dotted_rule():
    """``UserName`` is ``user.name`` as a .NET object writes it: the same pseudonym as the attribute."""
    assert R.redact_value("UserName", "bob") == R.redact_value("user.name", "bob") == P("bob")
    assert R.redact_value("enduserId", "bob") == R.redact_value("enduser.id", "bob")


# -- properties -------------------------------------------------------------------------------------------
SECRET_KEYS = st.sampled_from(["password", "apiKey", "client_secret", "X-Auth-Token", "DB_PASSWORD", "pin",
                               "githubToken", "/prod/db/password"])
PLAIN_KEYS = st.sampled_from(["region", "status", "page", "Content-Type", "retries"])
PLAIN = st.one_of(st.integers(0, 99), st.sampled_from(["eu", "ok", "a b", "ü"]))
SECRETS = st.sampled_from(["hunter2", "s3cr3t-Pa55", "tok_9f8e7d6c5b4a", "Zq8vLp3XwR7tYk2M"])
NAME_VALUE = st.sampled_from([("name", "value"), ("key", "value"), ("Key", "Value"), ("Name", "Value"),
                              ("field", "value"), ("k", "v")])


@SETTINGS
@given(st.data())
def test_name_value_pairs_lose_the_secret_and_stay_json(data):
    secret = data.draw(SECRETS)
    name, value = data.draw(NAME_VALUE)
    items = data.draw(st.lists(st.tuples(PLAIN_KEYS, PLAIN), max_size=3))
    items.insert(data.draw(st.integers(0, len(items))), (data.draw(SECRET_KEYS), secret))
    pairs = [{name: k, value: v} if data.draw(st.booleans()) else {value: v, name: k} for k, v in items]
    doc = {"attributes": pairs} if data.draw(st.booleans()) else pairs
    text = json.dumps(doc)
    out = R.redact_text(text)
    assert secret not in out
    assert json.loads(out) == json.loads(text.replace(json.dumps(secret), '"REDACTED"'))
    as_repr = R.redact_text(f"tags={pairs!r}")
    assert secret not in as_repr and as_repr == f"tags={pairs!r}".replace(repr(secret), "'REDACTED'")


@SETTINGS
@given(st.data())
def test_arrow_maps_lose_the_secret_and_keep_their_syntax(data):
    secret = data.draw(SECRETS)
    items = data.draw(st.lists(st.tuples(PLAIN_KEYS, PLAIN), max_size=3))
    items.insert(data.draw(st.integers(0, len(items))), (data.draw(SECRET_KEYS), secret))
    style = data.draw(st.sampled_from(["ruby", "perl", "php", "elixir", "hstore"]))
    quote = "'" if style in ("perl", "php") else '"'

    def lit(v):
        return str(v) if isinstance(v, int) else f"{quote}{v}{quote}"

    body = ", ".join(f"{lit(k)} => {lit(v)}" for k, v in items)
    text = {"ruby": "{%s}", "perl": "$VAR1 = {%s};", "php": "array(%s)", "elixir": "%%{%s}", "hstore": "%s"}[
        style] % body
    out = R.redact_text(text)
    assert out == text.replace(lit(secret), lit("REDACTED"))
