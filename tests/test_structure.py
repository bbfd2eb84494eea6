"""Structure inside strings and values: redacted by key, at every depth, in the structure's own syntax."""

from __future__ import annotations

import ast
import json
import re
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Redactor

R = Redactor("default")
P = R.pseudonymize
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TEXT = [
    ("json-document",
     '{"password":"hunter2","user":{"email":"a@b.com","plan":"pro"},"n":3}',
     '{"password":"REDACTED","user":{"email":"' + P("a@b.com") + '","plan":"pro"},"n":3}'),
    ("json-keys-are-data",
     '{"recipients": {"alice@example.com": "sent", "bob@example.com": "sent"}}',
     '{"recipients": {"REDACTED": "sent", "REDACTED#2": "sent"}}'),
    ("json-numbers-under-secret-keys-become-strings",
     '{"pin": 1234, "otp": "123456", "cvv": 123, "card.brand": "visa"}',
     '{"pin": "REDACTED", "otp": "REDACTED", "cvv": "REDACTED", "card.brand": "visa"}'),
    ("json-token-counts-survive",
     '{"llm.token_count.prompt": 812, "prompt_tokens": 812, "token_type": "Bearer", "expires_in": 3600}',
     '{"llm.token_count.prompt": 812, "prompt_tokens": 812, "token_type": "Bearer", "expires_in": 3600}'),
    ("json-string-in-json",
     '{"a": "{\\"password\\": \\"nested\\"}"}',
     '{"a": "{\\"password\\": \\"REDACTED\\"}"}'),
    ("json-unicode-escape-decoded",
     '{"note": "mail alice\\u0040example.com"}',
     '{"note": "mail REDACTED"}'),
    ("escaped-json-in-text",
     'request body: {\\"password\\":\\"hunter2\\",\\"name\\":\\"x\\"}',
     'request body: {\\"password\\":\\"REDACTED\\",\\"name\\":\\"x\\"}'),
    ("escaped-json-document",
     '{\\"password\\":\\"hunter2\\"}',
     '{\\"password\\":\\"REDACTED\\"}'),
    ("python-repr-in-log",
     "payload {'user_id': 'u-991', 'card_number': '4111111111111111', 'ok': True}",
     f"payload {{'user_id': '{P('u-991')}', 'card_number': 'REDACTED', 'ok': True}}"),
    ("dataclass-repr",
     "User(id=7, email='bob@example.org', password='pw')",
     f"User(id=7, email='{P('bob@example.org')}', password='REDACTED')"),
    ("form-body",
     "a=1&password=hunter2&email=alice%40example.com&next=%2Faccount",
     f"a=1&password=REDACTED&email={P('alice@example.com')}&next=%2Faccount"),
    ("logfmt",
     "login user_id=42 password=s3cret ok=1 githubToken=abc123def",
     f"login user_id={P('42')} password=REDACTED ok=1 githubToken=REDACTED"),
    ("argv-in-text",
     "curl --password hunter2 --user bob --retry 3",
     f"curl --password REDACTED --user {P('bob')} --retry 3"),
    ("sqlalchemy-error",
     "(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint \"users_email_key\"\n"
     "DETAIL:  Key (email)=(alice@example.com) already exists.\n\n"
     "[SQL: INSERT INTO users (email, name) VALUES (%(email)s, %(name)s) RETURNING users.id]\n"
     "[parameters: {'email': 'alice@example.com', 'name': 'Alice Liddell'}]\n"
     "(Background on this error at: https://sqlalche.me/e/20/gkpj)",
     "(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint \"users_email_key\"\n"
     "DETAIL:  Key (email)=(REDACTED) already exists.\n\n"
     "[SQL: INSERT INTO users (email, name) VALUES (%(email)s, %(name)s) RETURNING users.id]\n"
     "[parameters: {'email': 'REDACTED', 'name': 'REDACTED'}]\n"
     "(Background on this error at: https://sqlalche.me/e/{id}/gkpj)"),  # URLs in text are templated (#15 §3)
    ("sqlalchemy-statement-literals-and-tuple-parameters",
     "[SQL: SELECT * FROM users WHERE name = 'Zed'] [parameters: ('Zed', 42)]",
     "[SQL: SELECT * FROM users WHERE name = ?] [parameters: ('REDACTED', 'REDACTED')]"),
    ("mysql-duplicate-entry",
     "Duplicate entry 'zed@example.com' for key 'users.email'",
     "Duplicate entry 'REDACTED' for key 'users.email'"),
    ("postgres-failing-row",
     'null value in column "x" violates not-null constraint DETAIL:  Failing row contains (1, Zed Zedson, null).',
     'null value in column "x" violates not-null constraint DETAIL:  Failing row contains (REDACTED).'),
    ("double-percent-encoded-email", "mail alice%2540example.com there", "mail REDACTED there"),
    ("truncated-json-log-line", '{"user": "x", "password": "hunter', '{"user": "' + P("x") + '", "password": "REDACTED'),
    ("prose-in-parentheses-is-not-a-document", "(see above)", "(see above)"),
    ("authorization-scheme-kept-credential-redacted",
     "Authorization: Bearer gX8Td856-urFgbgDESK+E~0W", "Authorization: Bearer REDACTED"),
    ("authorization-parameter-scheme", 'Authorization: Digest username="a", response="9f8e"\nnext',
     "Authorization: Digest REDACTED\nnext"),
    ("a-url-is-not-a-form-body", "https://shop.example/cb?code=HwU8H2ow&page=2",
     "https://shop.example/cb?code=REDACTED&page=REDACTED"),
    ("percent-encoded-url", "https%3A%2F%2Fshop.example%2Fcb%3Fcode%3DMYmZAF4m",
     "https://shop.example/cb?code=REDACTED"),
    ("form-body-inside-a-line", "RuntimeError: grant_type=password&payment.card=3614+593655+6431&page=2",
     "RuntimeError: grant_type=password&payment.card=REDACTED&page=2"),
    ("key-value-inside-a-json-string-inside-a-line", 'INFO {"message": "session.key=mPgJYFzX0TQzd"} took=5ms',
     'INFO {"message": "session.key=REDACTED"} took=5ms'),
    ("rule-keys-written-with-underscores", "User(id=3, url_query='state=s6DHQDamncM2&page=2')",
     "User(id=3, url_query='state=REDACTED&page=REDACTED')"),
    ("vendor-header-without-a-secret-word", "x-honeycomb-team: Jh7onLnmIp5BTQNq", "x-honeycomb-team: REDACTED"),
    ("numbers-stay", "[1, 2, 3]", "[1, 2, 3]"),
    # lists of (key, value) pairs: how multidicts and header lists print themselves
    ("multidict-pairs", "form ImmutableMultiDict([('user', 'bo'), ('password', 'Tr0ub4dor'), ('remember', '1')])",
     f"form ImmutableMultiDict([('user', '{P('bo')}'), ('password', 'REDACTED'), ('remember', '1')])"),
    ("json-header-pairs", '[["authorization", "Bearer abc.def"], ["accept", "*/*"]]',
     '[["authorization", "REDACTED"], ["accept", "*/*"]]'),
    ("three-tuples-are-not-pairs", "[('password', 'a', 'b')] [(1, 2)]", "[('password', 'a', 'b')] [(1, 2)]"),
    ("asgi-scope-byte-pairs", "scope['headers'] = [(b'x-api-key', b'mTKNeHMyZMCv'), (b'accept', b'*/*')]",
     "scope['headers'] = [(b'x-api-key', b'REDACTED'), (b'accept', b'*/*')]"),
    ("starlette-raw-headers", "Headers(raw=[(b'authorization', b'Bearer abc.def'), (b'accept', b'*/*'), (b'accept', b'a')])",
     "Headers(raw=[(b'authorization', b'REDACTED'), (b'accept', b'*/*'), (b'accept', b'a')])"),
    ("pair-names-in-any-script", "FormData([('κωδικός', 'DKWk9!4ydP5r'), ('पासवर्ड', 'x9Kq2!rT'), ('page', '2')])",
     "FormData([('κωδικός', 'REDACTED'), ('पासवर्ड', 'REDACTED'), ('page', '2')])"),
    # SQL written into text
    ("sqlalchemy-echo-parameters", "[generated in 0.00043s] ('zed@example.com', 'p8sQeTnU2sWq')",
     "[generated in 0.00043s] ('REDACTED', 'REDACTED')"),
    ("sqlalchemy-echo-cached", "[cached since 12.02s ago] {'token_1': 'p8sQeTnU2sWq'}",
     "[cached since 12.02s ago] {'token_1': 'REDACTED'}"),
    ("django-query-log",
     "(0.002) INSERT INTO reset (email, token) VALUES ('zed@example.com', 'p8sQeTnU2sWq'); "
     "args=['zed@example.com', 'p8sQeTnU2sWq']; alias=default",
     "(0.002) INSERT INTO reset (email, token) VALUES (?, ?); args=['REDACTED', 'REDACTED']; alias=default"),
    ("statement-in-a-message", "query failed: SELECT id FROM users WHERE name = 'Zed' AND pin = 4921\nnext 42",
     "query failed: SELECT id FROM users WHERE name = ? AND pin = ?\nnext 42"),
    ("lower-case-statement-needs-its-where", "delete from sessions where token = 'p8sQeTnU2sWq'",
     "delete from sessions where token = ?"),
    ("prose-with-sql-words-stays", "select 5 items from the cart, update the plan with 2 seats",
     "select 5 items from the cart, update the plan with 2 seats"),
    ("sql-literal-spanning-lines", "executing: DELETE FROM t WHERE k = '-----BEGIN X-----\nab12cdef\nzzz' AND x=1\n"
     "next line it's ok", "executing: DELETE FROM t WHERE k = ? AND x=?\nnext line it's ok"),
    ("mysql-echoes-an-incorrect-value", "(1366, \"Incorrect integer value: 'abc xyz' for column 'note' at row 1\")",
     "(1366, \"Incorrect integer value: 'REDACTED' for column 'note' at row 1\")"),
    ("mysql-echoes-a-truncated-value", "(1292, \"Truncated incorrect DOUBLE value: 'Tanaka-75579'\")",
     "(1292, \"Truncated incorrect DOUBLE value: 'REDACTED'\")"),
    ("sql-server-echoes-a-conversion", "Conversion failed when converting the nvarchar value 'Tanaka-75579' to data type int.",
     "Conversion failed when converting the nvarchar value 'REDACTED' to data type int."),
    ("postgres-echoes-an-unreadable-value", 'invalid input syntax for type uuid: "p8sQeTnU2sWq"\nCONTEXT: x',
     'invalid input syntax for type uuid: "REDACTED"\nCONTEXT: x'),
    ("postgres-statement-excerpt-cut-on-both-sides",
     "invalid input syntax for type integer: \"p8sQeTnU2sWqXz\"\n"
     "LINE 1: ...ts.created_at FROM accounts WHERE accounts.note = 'p8sQeTnU2...\n                    ^",
     "invalid input syntax for type integer: \"REDACTED\"\n"
     "LINE 1: ...ts.created_at FROM accounts WHERE accounts.note = ?\n                    ^"),
    ("postgres-statement-excerpt-without-literal-stays", "LINE 1: SELECT 1 FROM t WHERE a = 2",
     "LINE 1: SELECT 1 FROM t WHERE a = 2"),
    ("redis-echoes-refused-arguments", "unknown command 'JSON.SET', with args beginning with: 'sess:p8sQeTnU2s' '$'",
     "unknown command 'JSON.SET', with args beginning with: REDACTED"),
    ("oauth-form-code-is-the-authorization-code",
     "body=grant_type=authorization_code&code=p8sQeTnU2sWq&client_id=web",
     "body=grant_type=authorization_code&code=REDACTED&client_id=web"),
    ("a-code-elsewhere-is-not", "a=1&code=200&b=2", "a=1&code=200&b=2"),
    # XML elements by name (attributes are pairs)
    ("xml-elements-by-name",
     '<wsse:Username>zed</wsse:Username><wsse:Password Type="PasswordText">p8sQ$eTnU2sWq</wsse:Password>'
     "<apiKey>EdZ68OJ71YArzxwQf6</apiKey><status>ok</status>",
     f'<wsse:Username>{P("zed")}</wsse:Username><wsse:Password Type="PasswordText">REDACTED</wsse:Password>'
     "<apiKey>REDACTED</apiKey><status>ok</status>"),
    ("xml-attributes", '<auth token="p8sQeTnU2sWq" kind="basic"/>', '<auth token="REDACTED" kind="basic"/>'),
    ("xml-cdata-by-name", "<passwd><![CDATA[8E8vKW G4IwW0]]></passwd><status>new</status>",
     "<passwd><![CDATA[REDACTED]]></passwd><status>new</status>"),
    ("xml-cdata-read-by-the-detectors", "<note><![CDATA[mail alice@example.com]]></note>",
     "<note><![CDATA[mail REDACTED]]></note>"),
    ("xml-names-in-any-script", "<κωδικός>37aO2GNNwX</κωδικός><รหัสผ่าน>fVXJLlci5Caw</รหัสผ่าน><status>ok</status>",
     "<κωδικός>REDACTED</κωδικός><รหัสผ่าน>REDACTED</รหัสผ่าน><status>ok</status>"),
    ("flag-names-in-any-script", "app --كلمة-السر Ay9g0bP6kuA --verbose", "app --كلمة-السر REDACTED --verbose"),
    # validation errors: the input is the value of the field they name
    ("fastapi-validation-error-json",
     '{"detail":[{"type":"string_too_short","loc":["body","password"],"msg":"short","input":"p8sQeTnU2s"}]}',
     '{"detail":[{"type":"string_too_short","loc":["body","password"],"msg":"short","input":"REDACTED"}]}'),
    ("pydantic-text-dotted-name-in-backticks", "body.`aws.secretAccessKey`\n  String should have at most 4 characters "
     "[type=string_too_long, input_value='ZKdEHq17tJm*', input_type=str]",
     "body.`aws.secretAccessKey`\n  String should have at most 4 characters "
     "[type=string_too_long, input_value='REDACTED', input_type=str]"),
    ("pydantic-text-input-holding-a-form-is-one-value", "`session.key`\n  Input should be a valid UUID "
     "[type=uuid_parsing, input_value='return=/a/HYhe0CtQ&page=2', input_type=str]",
     "`session.key`\n  Input should be a valid UUID [type=uuid_parsing, input_value='REDACTED', input_type=str]"),
    ("pydantic-text-name-in-any-script", "1 validation error\nรหัสผ่าน\n  String should have at most 4 characters "
     "[type=string_too_long, input_value='OEbvJLx0sWq3', input_type=str]", "1 validation error\nรหัสผ่าน\n  String "
     "should have at most 4 characters [type=string_too_long, input_value='REDACTED', input_type=str]"),
    ("escaped-value-under-a-neutral-key-read-unescaped", "note='4111\\u20131111\\u20131111\\u20131111' ok",
     "note='REDACTED' ok"),
    ("pydantic-errors-repr", "[{'type': 'missing', 'loc': ('token',), 'input': 'p8sQeTnU2s'}, {'loc': ('n',), "
     "'input': 'Bo'}]", "[{'type': 'missing', 'loc': ('token',), 'input': 'REDACTED'}, {'loc': ('n',), "
     "'input': 'Bo'}]"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in TEXT], ids=[c[0] for c in TEXT])
def test_structures_in_text(text, expected):
    assert R.redact_text(text) == expected


def test_what_real_libraries_print_loses_the_keyed_values():
    """The reprs and error texts of the libraries themselves, not our idea of them."""
    import pydantic
    from starlette.datastructures import FormData, Headers
    from werkzeug.datastructures import EnvironHeaders, ImmutableMultiDict

    secret = "p8sQ$eTnU2sWq-91"
    texts = [repr(ImmutableMultiDict([("username", "zed"), ("password", secret)])),
             repr(EnvironHeaders({"HTTP_X_API_KEY": secret, "HTTP_ACCEPT": "*/*"})),
             repr(FormData([("password", secret), ("page", "2")])),
             repr(Headers({"authorization": f"Bearer {secret}", "x-api-key": secret}))]

    class Login(pydantic.BaseModel):
        password: pydantic.constr(min_length=40)
        user: dict[str, pydantic.constr(min_length=40)]

    try:
        Login(password=secret, user={"api_key": secret})
    except pydantic.ValidationError as exc:
        texts += [str(exc), repr(exc.errors()), exc.json()]
    assert len(texts) == 7
    for text in texts:
        out = R.redact_text(text)
        assert secret not in out, (text, out)
        assert "REDACTED" in out, text


def test_map_attributes_are_walked_with_key_paths():
    value = {"request": {"cookie": "a=b", "path": "/x"}, "enduser.id": "bob", "ctx": {"session_id": "s1"},
             "note": "mail bob@example.com", "count": 3}
    assert R.redact_value("app", value) == {
        "request": {"cookie": "REDACTED", "path": "/x"}, "enduser.id": P("bob"), "ctx": {"session_id": "REDACTED"},
        "note": "mail REDACTED", "count": 3}


@pytest.mark.parametrize(("value", "expected"), [
    ([{"loc": ("body", "password"), "input": "x9Kq2rTz", "msg": "short"}, {"loc": ("n",), "input": "Bo"}],
     [{"loc": ("body", "password"), "input": "REDACTED", "msg": "short"}, {"loc": ("n",), "input": "Bo"}]),
    ({"detail": [{"loc": ["query", "api_key"], "input": "x9Kq2rTz"}]},
     {"detail": [{"loc": ["query", "api_key"], "input": "REDACTED"}]}),
    ({"loc": "password", "input": "kept: loc is no list of names"}, {"loc": "password", "input": "kept: loc is no list of names"}),
], ids=["errors-list", "fastapi-detail", "loc-not-a-list"])
def test_validation_errors_as_maps(value, expected):
    """exc.errors() logged as a value (or parsed from JSON in GenAI content): the input goes by the field "loc" names,
    as in text."""
    assert R.redact_value("app.errors", value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ({"headers": [["passwd", "0UZcnL X9ydb5"], ["accept", "*/*"]]}, {"headers": [["passwd", "REDACTED"], ["accept", "*/*"]]}),
    ([("password", "x9Kq2rTz"), ("page", "2")], [("password", "REDACTED"), ("page", "2")]),
    ([["a", "b"], ["c", "d"]], [["a", "b"], ["c", "d"]]),
    ([["mail", "bob@example.com"]], [["mail", "REDACTED"]]),
], ids=["json-header-pairs", "multidict-items", "neutral-pairs-stay", "neutral-pair-values-scanned"])
def test_pairs_as_values(value, expected):
    """A header list or multidict's items as a value: the second element goes by the first, as in text."""
    assert R.redact_value("app.request", value) == expected


def test_map_keys_get_the_whole_text_pipeline():
    out = R.redact_value("m", {"paid%20with%203402-689801-71807": 1, "https://x.example/v1?ip=203.0.113.249&p=2": 2})
    assert out == {"paid%20with%20REDACTED": 1, "https://x.example/v1?ip=REDACTED&p=REDACTED": 2}


def test_array_log_bodies_are_scanned_across_elements():
    body = ["app", "--accessKey", "N4HNidFGqvdtYmK_61lw!AqT", "--verbose"]
    assert R.redact_log(body, {}).body == ["app", "--accessKey", "REDACTED", "--verbose"]


def test_map_keys_are_scanned_and_never_collide():
    out = R.redact_value("sent", {"alice@example.com": True, "bob@example.com": True, "ok": 1})
    assert out == {"REDACTED": True, "REDACTED#2": True, "ok": 1}


def test_flattened_keys_are_scanned_too():
    out = R.redact_attributes({"sent[alice@example.com]": True, "http.request.method": "GET"})
    assert out == {"sent[REDACTED]": True, "http.request.method": "GET"}


def test_an_identity_map_pseudonymises_its_leaves():
    assert R.redact_value("enduser.id", {"a": "alice", "n": 7}) == {"a": P("alice"), "n": P("7")}


ARRAYS = [
    ("argv", ["--password", "hunter2", "--port", "80"], ["--password", "REDACTED", "--port", "80"]),
    ("argv-identity", ["--user", "bob", "-v"], ["--user", P("bob"), "-v"]),
    ("argv-any-flag-spelling", ["--client.secret", "a1", "--пароль", "b2", "--contraseña", "c3", "-1", "x"],
     ["--client.secret", "REDACTED", "--пароль", "REDACTED", "--contraseña", "REDACTED", "-1", "x"]),
    ("pem-split-into-lines",
     ["-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEA7", "-----END RSA PRIVATE KEY-----", "ok"],
     ["REDACTED", "REDACTED", "REDACTED", "ok"]),
    ("plain-list", ["a", "b"], ["a", "b"]),
]


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in ARRAYS], ids=[c[0] for c in ARRAYS])
def test_secrets_split_across_array_elements(value, expected):
    assert R.redact_value("process.command_args", value) == expected


def test_pseudonyms_are_not_hashed_again():
    once = R.redact_value("enduser.id", "alice")
    assert R.redact_value("enduser.id", once) == once
    assert R.redact_text(R.redact_text("user_id=42")) == R.redact_text("user_id=42")


# -- properties -------------------------------------------------------------------------------------------
SECRETS = st.sampled_from(["hunter2", "s3cr3t-Pa55", "correct horse battery", "tok_9f8e7d6c5b4a"])
SECRET_KEYS = st.sampled_from(["password", "apiKey", "client_secret", "x-auth-token", "Passwort", "pin",
                               "githubToken", "smtp_pass", "refreshToken"])
PLAIN_KEYS = st.sampled_from(["name", "status", "region", "items", "meta", "page"])
PLAIN = st.one_of(st.integers(-100, 100), st.booleans(), st.none(), st.sampled_from(["ok", "eu", "a b", "ü"]))


def _tree(secret: str):
    leaf = st.one_of(PLAIN, st.tuples(SECRET_KEYS, st.just(secret)).map(lambda kv: {kv[0]: kv[1]}))
    return st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(PLAIN_KEYS, inner, max_size=3)),
                        max_leaves=8)


@SETTINGS
@given(st.data())
def test_json_documents_stay_valid_and_lose_every_keyed_secret(data):
    secret = data.draw(SECRETS)
    doc = {"k": data.draw(_tree(secret)), data.draw(SECRET_KEYS): secret}
    text = json.dumps(doc, indent=data.draw(st.sampled_from([None, 2])), ensure_ascii=data.draw(st.booleans()))
    out = R.redact_text(text)
    json.loads(out)
    assert secret not in out


@SETTINGS
@given(st.data())
def test_python_reprs_stay_literals_and_lose_every_keyed_secret(data):
    secret = data.draw(SECRETS)
    doc = {"k": data.draw(_tree(secret)), data.draw(SECRET_KEYS): secret}
    out = R.redact_text(f"payload {doc!r} sent")
    assert secret not in out
    ast.literal_eval(out[len("payload "):-len(" sent")])


@SETTINGS
@given(st.data())
def test_escaped_json_loses_every_keyed_secret(data):
    secret = data.draw(SECRETS)
    doc = {"k": data.draw(_tree(secret)), data.draw(SECRET_KEYS): secret}
    escaped = json.dumps(json.dumps(doc))[1:-1]  # {\"password\": \"…\"}
    out = R.redact_text(f"body={escaped}")
    assert secret not in out and secret.replace(" ", "\\u0020") not in out


@SETTINGS
@given(st.dictionaries(st.one_of(PLAIN_KEYS, SECRET_KEYS), st.sampled_from(["1", "x y", "a&b", "é", "hunter2"]),
                       min_size=2, max_size=6))
def test_form_bodies_lose_keyed_values_and_keep_the_rest(fields):
    from urllib.parse import urlencode

    out = R.redact_text(urlencode(fields))
    pairs = dict(parse_qsl(out, keep_blank_values=True))
    for k, v in fields.items():
        if R.action_for(k) == "redact":
            assert pairs[k] == "REDACTED"
        else:
            assert pairs[k] == v


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list("{}[]()'\"\\:=,&% \nabpw0123._-@") + ["password", "u'", "b'", "hunter2",
                                                                         "[SQL: ", "Key (", "[parameters: "]),
                max_size=40).map("".join))
def test_any_structure_shaped_text_never_raises(text):
    out = R.redact_text(text)
    assert isinstance(out, str)
    assert not re.search(r"(?<![\w.])password[\"']?\s*[:=]\s*[\"']?hunter2", out)


# -- the probes that let prose skip the scanner (scrub.structure._STRUCTURE_CHAR, _has_sql_word) ------------------
# Every structure trigger the scanner knows, as text (whole, and torn apart by the draws below)
_TRIGGERS = ["{\"password\": \"hunter2\"}", "[SQL: SELECT a FROM t WHERE b = 'x'] [parameters: ('hunter2',)]",
             "Key (email)=(a@b.co) already exists", "Failing row contains (1, hunter2)", "Duplicate entry 'x' for key",
             "Incorrect integer value: 'abc' for column", "invalid input syntax for type uuid: \"hunter2\"",
             "with args beginning with: 'hunter2'", "LINE 1: ...WHERE a = 'hunter2'", "<apiKey>hunter2</apiKey>",
             "password=hunter2", "token: hunter2", "--password hunter2", "a=1&pin=1234", "name,password\nbob,hunter2",
             "Cookie: sid=hunter2", "Authorization: Bearer hunter2", "User(password='hunter2')", "('a', 'b')",
             "SELECT a FROM t WHERE b = 'x'", "select a from t where b = 1", "UPDATE t SET a = 'x'",
             "update t set a = 1 where b = 2", "INSERT INTO t VALUES ('x')", "insert into t values (1)",
             "DELETE FROM t WHERE a = 'x'", "delete from t where a = 1", "WITH q AS (SELECT 1) SELECT 'x'",
             "with q as (select 1) select 1", "REPLACE INTO t VALUES ('x')", "MERGE INTO t USING s ON 'x'",
             "; args=('x',); alias=default", "b'x'", "u'x'", "processed order 12 for customer",
             "Row (1, 'x')", "Variable '$token' got invalid value 'hunter2'", "post_data=email=a@b.co&password=hunter2",
             "    login(user, secret)\n                └ 'hunter2'"]
_PIECES = st.lists(st.one_of(st.sampled_from(_TRIGGERS), st.sampled_from(["select", "update", "with", "from", "where",
                                                                          "set", "values", " ", "\n", "-", "$"]),
                             st.text(st.sampled_from("{}[]()<>=:'\"$\n-&,;|\tab %@._"), max_size=4)),
                   max_size=8).map("".join)


def _probe_free(text: str) -> str:
    return re.sub(r"[{\[(<=:'\"$\n]|--", "", text)


@pytest.mark.parametrize("text", _TRIGGERS)
def test_every_structure_passes_the_probe(text):
    """Each trigger alone is read as the scanner reads it without the probe (a probe missing one of its characters
    would return it unchanged), and a keyed secret in it is gone."""
    from otel_privacy.redactor import RecordContext, _StructureSink
    from otel_privacy.scrub import structure

    probed = structure.scrub_structure(text, _StructureSink(R, RecordContext(), 0))
    assert probed == structure._scrub_structure(text, _StructureSink(R, RecordContext(), 0))
    if "hunter2" in text and "ON 'x'" not in text:
        assert "hunter2" not in probed[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PIECES)
def test_text_without_a_structure_character_is_left_to_the_detectors(text):
    """What the probe skips, the scanner would not have changed: every trigger with the probe's characters taken out
    comes back as it was, with no mode (so the detectors still read it)."""
    from otel_privacy.redactor import RecordContext, _StructureSink
    from otel_privacy.scrub import structure

    bare = _probe_free(text)
    assert structure._scrub_structure(bare, _StructureSink(R, RecordContext(), 0)) == (bare, None)
    assert structure._scrub_structure(text, _StructureSink(R, RecordContext(), 0)) == \
        structure.scrub_structure(text, _StructureSink(R, RecordContext(), 0))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PIECES)
def test_the_statement_probe_needs_a_keyword_and_its_partner(text):
    """The statement probe (keyword and its partner) changes nothing against probing for any keyword at all."""
    from otel_privacy.redactor import RecordContext, _StructureSink
    from otel_privacy.scrub import structure

    words = [w for w, _ in structure._SQL_PARTNERS]
    new = structure._scrub_structure(text, _StructureSink(R, RecordContext(), 0))
    probe = structure._has_sql_word
    structure._has_sql_word = lambda t: any(w in t for w in words)
    try:
        old = structure._scrub_structure(text, _StructureSink(R, RecordContext(), 0))
    finally:
        structure._has_sql_word = probe
    assert new == old


# -- through the SDK, exported for real -------------------------------------------------------------------
def test_logging_extra_dicts_percent_args_and_map_attributes_on_the_wire():
    """``extra=`` dicts and %-args reach the SDK as attributes and as a formatted body: same rules, on the wire."""
    import logging

    from opentelemetry.sdk._logs import LoggingHandler

    from otel_privacy import configure
    from otel_privacy.demo import CaptureReceiver

    secrets = ["hunter2x", "4111111111111111", "bob@example.com", "sess-9f8e7d", "carol@example.org", "x1-smtp"]
    with CaptureReceiver() as receiver:
        providers = configure("default", service_name="structure-svc", endpoint=receiver.endpoint, set_global=False,
                              metrics_enabled=False, capture_logging=False)
        handler = LoggingHandler(logger_provider=providers.logger_provider)
        log = logging.getLogger("structure.extra")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        try:
            log.info("payload %s for %s", {"password": "hunter2x", "card_number": "4111111111111111"},
                     ("bob@example.com", 42),
                     extra={"ctx": {"session_id": "sess-9f8e7d", "enduser.id": "carol@example.org"},
                            "smtpPass": "x1-smtp", "order.count": 3})
            tracer = providers.tracer_provider.get_tracer("t")
            with tracer.start_as_current_span("checkout") as span:
                span.set_attribute("app.request", {"cookie": "sess-9f8e7d", "path": "/cart", "n": 2})
                span.set_attribute("app.body", '{"password": "hunter2x", "items": 3}')
        finally:
            log.removeHandler(handler)
            providers.shutdown()
        wire = receiver.raw()  # the receiver has decompressed the bodies
    for secret in secrets:
        assert secret.encode() not in wire, secret
    for kept in (b"/cart", b"order.count", b'\\"items\\": 3', b"payload", b"checkout"):
        assert kept in wire or kept.replace(b"\\", b"") in wire, kept
    assert R.pseudonymize("carol@example.org").encode() in wire


def test_strict_allow_list_does_not_reach_into_text():
    """``allow_keys`` limits a record's attributes; keys inside a log line still go by rules and words."""
    strict = Redactor("strict")
    out = strict.redact_text('done status=200 duration_ms=12 password=x user_id=7 {"order": 5, "token": "abc"}')
    assert out == f'done status=200 duration_ms=12 password=REDACTED user_id={strict.pseudonymize("7")} ' \
                  '{"order": 5, "token": "REDACTED"}'
    assert strict.redact_attributes({"app.custom": "v", "service.name": "s"}) == {"service.name": "s"}


_LONG = "lorem ipsum dolor " * 60
_FIT = 600


@pytest.mark.parametrize(("name", "key", "value"), [
    ("attribute", "http.request.body", json.dumps({"note": _LONG, "password": "hunter2", "n": 3, "ok": True})),
    ("log-body", None, json.dumps({"note": _LONG, "password": "hunter2", "n": 3, "ok": True})),
    ("indented", "app.payload", json.dumps({"note": _LONG, "password": "hunter2", "n": 3, "ok": True}, indent=2)),
    ("array-compact", "app.items", json.dumps([{"n": 3, "ok": True, "password": "hunter2"}, _LONG, _LONG[:90]],
                                              separators=(",", ":"))),
    ("leading-space", "app.payload", "  " + json.dumps({"n": 3, "ok": True, "password": "hunter2", "note": _LONG})),
])
def test_a_json_document_over_max_value_length_is_cut_inside(name, key, value):
    """max_value_length cuts the longest strings of a JSON document, never the document (it would stop parsing)."""
    r = Redactor({"max_value_length": _FIT})
    assert len(value) > _FIT
    out = r.redact_value(key, value) if key else r.redact_body(value)
    assert len(out) <= _FIT and "hunter2" not in out
    doc = json.loads(out)
    first = doc[0] if isinstance(doc, list) else doc
    assert (first["n"], first["ok"], first["password"]) == (3, True, "REDACTED")
    assert "…[truncated]" in out


@pytest.mark.parametrize(("name", "value"), [
    ("text", "x" * 2000),
    ("not-json", "{" + "x" * 2000),
    ("too-many-entries", json.dumps(list(range(1000)))),  # even with every string empty it would not fit
])
def test_what_cannot_be_cut_inside_is_cut_at_the_limit(name, value):
    out = Redactor({"max_value_length": _FIT}).redact_value("app.payload", value)
    assert out == value[:_FIT] + "…[truncated]"
