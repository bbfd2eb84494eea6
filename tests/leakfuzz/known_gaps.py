"""Leak classes the engine still has, by root cause: skipped by the fuzzer, and the list may only shrink.

Each :class:`Gap` names (kind, carrier, encoding) globs (``a|b`` for several) — the classes of :mod:`leakfuzz.catalogue`,
:mod:`leakfuzz.carriers` and :mod:`leakfuzz.encodings` — and optionally the doors, with the root cause,
who owns the fix (the issue and the helper working on it) and a minimal example. The fuzzer skips
leaks inside a gap and fails when a gap stops leaking (``test_known_gaps_still_leak``): delete the
entry in the commit that fixes it. A new leak is never added here to make a run green without a
cause and an owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Gap:
    kind: str
    carrier: str = "*"
    encoding: str = "*"
    doors: str = "*"  # glob over door names (sdk, gateway, offline, offline-pb)
    cause: str = ""
    owner: str = ""
    example: str = ""

    def covers(self, cls: tuple[str, str, str]) -> bool:
        k, c, e = cls
        return _match(self.kind, k) and _match(self.carrier, c) and _match(self.encoding, e)

    def excuses(self, cls: tuple[str, str, str], door: str) -> bool:
        return self.covers(cls) and _match(self.doors, door)


def _match(pattern: str, value: str) -> bool:
    """Globs, several separated by ``|`` (``session_key|header_*``)."""
    return any(fnmatchcase(value, p) for p in pattern.split("|"))


def _group(cause: str, owner: str, *entries: tuple[str, ...] | tuple[str, str, str, str]) -> list[Gap]:
    """Gaps sharing a root cause: each entry is (kind, carrier, encoding[, example])."""
    out = []
    for e in entries:
        kind, carrier, encoding = e[:3]
        out.append(Gap(kind, carrier, encoding, cause=cause, owner=owner, example=e[3] if len(e) > 3 else ""))
    return out


# Encoding sets the entries below share.
PROSE = "plain|upper|json_ascii"  # written into a message
DOCUMENTS = "json_doc|repr_dict|kwargs_repr|sqlalchemy"  # a key and its value inside a document in a string
ESCAPED = "escaped_json|nested_json"  # the same with every quote backslash-escaped
ORM_TEXT = "sqlalchemy_tuple|psycopg"  # bound parameters without their column next to them
#: kinds that are secrets because of their key (not of their shape)
BY_KEY = "secret_key|session_key|secret_with_spaces|aws_secret|header_credential|header_cookie|identity|query_string"

KNOWN_GAPS: tuple[Gap, ...] = tuple([
    # -- #16 detectors: kinds no detector knows yet ---------------------------------------------------
    *_group("no detector for these vendor keys (#16)", "detectors #16",
            ("token_gitlab_runner", "*", "*", "glrt-kiYwX34-HjJ6fXGkjdcR"),
            ("token_slack_app", "*", "*", "xapp-1-A0123456789-1234567890123-<64 hex>"),
            ("token_google_oauth", "*", "*", "ya29.<60+ chars>"),
            ("token_pypi", "*", "*", "pypi-AgEIcHlwaS5vcmc<60+ chars>"),
            ("token_openai", "*", "*", "sk-RSiu6OnYCvXL98rPB00jhiMlKgPzIAnfG9yqt93F5qZ0e9sZ"),
            ("token_anthropic", "*", "*", "sk-ant-api03-<93 chars>AA"),
            ("token_huggingface", "*", "*", "hf_<34 letters>"),
            ("token_shopify", "*", "*", "shpat_<32 hex>"),
            ("token_twilio", "*", "*", "SK<32 hex>"),
            ("token_digitalocean", "*", "*", "dop_v1_<64 hex>"),
            ("azure_storage", "*", "*", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=<88 b64>;…")),
    *_group("no generic high-entropy rule after secret words, no secret words in other languages (#16)",
            "detectors #16",
            ("generic_entropy", "*", "*", "signing key: 9fQ2…(24+ chars)"),
            ("secret_key_multilingual", "*", "*", "Passwort=…, contraseña=… (as a key and in text)")),
    *_group("no phone number detector (#16)", "detectors #16",
            ("phone_*", "*", "*", "call +44 20 7946 0958 / Tel. 030 12345678")),
    *_group("no national-id detectors beyond dashed SSNs (#16)", "detectors #16",
            ("ssn_context", "*", "*", "SSN 123456789"), ("uk_nino", "*", "*", "NI number AB123456C")),
    *_group("the e-mail detector is ASCII-only (#16)", "detectors #16",
            ("email_idn", "*", "*", "jürgen.4821@bücher.de"), ("email_cyrillic", "*", "*", "иван.123@почта.рф"),
            ("email_cjk", "*", "*", "用户.20846@例子.中国")),
    *_group("card digits with Unicode spaces/dashes or full-width digits are not normalised (#16)", "detectors #16",
            ("card_unicode_sep", "*", "*", "4111\u00a01111\u00a01111\u00a01111"),
            ("card_fullwidth", "*", "*", "４１１１ １１１１ １１１１ １１１１")),
    *_group("card IIN ranges missing: Maestro 63xx/67xx (#16)", "detectors #16",
            ("card_maestro", "*", "*", "6759 1234 5678 9012 (Luhn-valid)")),
    *_group("the IBAN detector needs an upper-case country code (#16)", "detectors #16",
            ("iban_lower", "*", "*", "de89 3704 0044 0532 0130 00")),
    *_group("Bearer/Basic credentials of letters only are taken for prose (#16)", "detectors #16",
            ("bearer_letters", "*", "*", "Authorization: Bearer QwhsPptujTmhYbcwqNLmCtQiKpXm")),
    *_group("aws_secret_access_key followed by a space, not = or : (#16)", "detectors #16",
            ("aws_secret_spaced", "*", "*", "aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
    *_group("identities written into messages are not pseudonymised (#16)", "detectors #16",
            ("identity_in_text", "*", "*", "user_id=8812734 / customer 9912 logged in"),
            ("identity", "*", PROSE, "enduser.id=469248190 in a log message")),
    *_group("credentials in prose: only password/secret/token/api-key/credential words are read as key=value; "
            "session ids, Cookie/Set-Cookie lines and values with spaces are not (#16)", "detectors #16",
            ("session_key", "*", PROSE, "session.key=_YMU681u$8wE"),
            ("header_cookie", "*", PROSE, "set-cookie: sid=wnOe20Z1SsFyIdqfE1taPXrTraAYHXyB; Path=/; HttpOnly"),
            ("secret_with_spaces", "*", PROSE, "password=5uKPLI 0Uyk2n, 0Zykra")),
    # -- #15 §2: key names are not read as words --------------------------------------------------------
    *_group("key names are matched by separator-bound regexes, not read as words: resettoken, userPwd, smtp_pass, "
            "passcode, pin, otp, signingKey, mfa_code… (#15 §2)", "core #15",
            ("secret_key_words", "*", "*", "'otp' = '08170771' / signingKey=EncRxhGGX$R760V8")),
    *_group("db.query.parameter.<key> values are kept (#15 §2)", "core #15",
            ("query_parameter", "*", "*", "'db.query.parameter.email' = 'Rossi-48213'")),
    *_group("vendor credential headers are not in the header list (#15 §2)", "core #15",
            ("header_vendor", "*", "*", "'http.request.header.ocp-apim-subscription-key' = '7qbQ…'")),
    # -- #15 §1: structure the engine does not parse ---------------------------------------------------
    *_group("map-valued attributes are stringified, so key rules never see their keys (#15 §1)", "core #15",
            ("header_cookie|identity|session_key|query_string", "span_attr_map|span_attr_nested_map", "kv",
             "app.context = {'request': {'params': {'enduser.id': 'c07c…'}}}")),
    *_group("keys inside JSON documents, reprs and kwargs are not applied like attribute keys; text only knows a "
            "few secret words (#15 §1)", "core #15",
            ("session_key|header_cookie|identity|query_string", "*", DOCUMENTS,
             '{"event": "login", "session_id": "o0*uac8RWra4nJ0k"}')),
    *_group("escaped JSON (\\\" around keys and values) defeats key=value detection: escaped JSON, JSON inside "
            "JSON strings (GenAI message parts) (#15 §1)", "core #15",
            (BY_KEY, "*", ESCAPED, '{\\"app.pwd\\": \\"3AG_3M-G3bu0\\"}'),
            (BY_KEY, "genai_messages", "json_doc", 'content: "{\\"db.password\\": \\"5drmNbek!lOJZ2\\"}"')),
    *_group("ORM/driver error texts: positional [parameters: (…)] and psycopg DETAIL values are kept (#15 §1)",
            "core #15",
            (BY_KEY, "*", ORM_TEXT, "[parameters: (518, 'SpeX7geiDU8ZmSOss!L8', …)] / DETAIL:  Key (api_key)=(…)"),
            ("orm_parameter", "*", "*", "[parameters: {'last_name': 'Rossi-48213'}]")),
    *_group("JSON \\/ escapes hide URLs and tokens: https:\\/\\/user:pw@host, Bearer a\\/b (#15 §1); partial: leaks "
            "unless another detector happens to cover the value", "core #15",
            ("bearer|dsn|url_userinfo", "*", "json_ascii", '{"message": "mysql:\\/\\/app:lKFK6oji7T4oZWhdp~@db\\/x"}')),
    *_group("a secret split across adjacent array elements is not found (#15 §1)", "core #15",
            ("pem", "*", "lines", '["-----BEGIN RSA PRIVATE KEY-----", "MIIEow…", …]'),
            ("*", "*", "argv", '["app", "--password", "x9!…", "--verbose"]')),
    # -- #15 §1/§3: encodings the engine does not undo -------------------------------------------------
    *_group("percent-encoded text is scanned as it is, never decoded (#15 §1, §3)", "url #15",
            ("*", "*", "percent", "contact%20olivia.rossi4821%40example.org"),
            ("*", "*", "double_percent", "olivia.rossi4821%2540example.org")),
    *_group("form-encoded bodies are not parsed: values stay percent-encoded, keys are ignored (#15 §1)",
            "core #15", ("*", "*", "form", "grant_type=password&payment.iban=BE42+3465+7706+6963&page=2")),
    # -- #15 §3: URLs ----------------------------------------------------------------------------------
    *_group("userinfo passwords holding / # ? @ are cut at the reserved character, the rest kept (#15 §3)",
            "url #15",
            ("url_userinfo_reserved|dsn_reserved", "*", "*", "mongodb+srv://admin:iIyHC8Cm?HZx4w3Fpw@cluster0…")),
    *_group("query values holding / or : under url.query are kept (#15 §3)", "url #15",
            ("query_string_reserved", "*", "*", "url.query = 'next=/account/d9Vh0uhis3&page=2'")),
    *_group(";jsessionid= matrix parameters and secret-bearing URL shapes (chat webhooks, bot tokens) are kept "
            "(#15 §3)", "url #15",
            ("url_matrix", "*", "*", "https://api.example.com/api/callback;jsessionid=tGsaavLZSIo4M?page=2"),
            ("webhook_url", "*", "*", "https://hooks.slack.com/services/T…/B…/vAzIu21mtUss8erbNqYvbKqT")),
    *_group("span names 'WORD token' (an upper-case word, one token without a free-standing digit run) count as "
            "low-cardinality and are never scanned (#15 §3 span names)", "url #15",
            ("iban_compact", "span_name", "plain|upper", "IBAN NO2458168034713")),
    # -- #15 §4: SQL and other query languages -------------------------------------------------------
    *_group('SQL: a backslash-escaped quote hides the next literal; "…" strings in SQLite; Cypher literals (#15 §4)',
            "sql #15",
            ("sql_backslash", "*", "*", "SELECT * FROM items WHERE name = 'foo\\' AND color = 'Zq8kLm2pXv'"),
            ("sql_double_quoted_other", "*", "*", 'SELECT * FROM users WHERE email = "sL2jIxv1EhKe" (sqlite, hive)'),
            ("cypher", "*", "*", "MATCH (u:User {email: 'VujQb9rGs'}) RETURN u.id")),
])

BENIGN_GAPS: tuple[Gap, ...] = tuple([
    *_group("counts are taken for credentials: token counts under OpenInference and everyday keys, and "
            "prompt_tokens=…, max_tokens: …, token_type=Bearer expires_in=… in text (#15 §2)", "core #15",
            ("utility_other_counts", "*", "kv", "llm.token_count.prompt = 812 → REDACTED"),
            ("utility_counts_in_text", "*", "*", "prompt_tokens=812 completion_tokens=96 → prompt_tokens=REDACTED …")),
    *_group("the card detector takes a Luhn-valid 16-digit prefix of a longer digit-group run (#16 precision)",
            "detectors #16",
            ("benign_order_number_long", "*", "*", "order 6011 3444 7266 5104 440 → order REDACTED 440")),
])
