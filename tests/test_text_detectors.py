"""Table-driven cases for every free-text detector: what must go, and look-alikes that must stay."""

from __future__ import annotations

import pytest

from otel_privacy import Policy, Redactor
from otel_privacy.policy import DETECTORS
from otel_privacy.scrub.national_ids import NATIONAL_IDS
from otel_privacy.scrub.text import TextScanner, iban_valid, luhn_valid

R = Redactor("default")

# (detector, text, secret that must disappear, part that must survive)
POSITIVES = [
    ("mac_address", "clock 12:34:56 and mac aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff", "12:34:56"),
    ("email", "contact alice@example.com now", "alice@example.com", "contact"),
    ("email", "to: Bob.Smith+tag@mail.corp.example.co.uk;", "Bob.Smith+tag@mail.corp.example.co.uk", "to:"),
    ("email", "cc dev+@example.com", "dev+@example.com", "cc"),  # punctuation right before the @
    ("email", "mail jürgen@bücher.de ok", "jürgen@bücher.de", "ok"),  # internationalised: any script, IDN
    ("email", "почта юрий@почта.рф ok", "юрий@почта.рф", "почта"),
    ("email", "to: 用户@例子.中国", "用户@例子.中国", "to:"),
    ("email", "FROM: ALICE+Tag@Example.COM;", "ALICE+Tag@Example.COM", "FROM:"),
    ("email", "idn x.y@xn--bcher-kva.example ok", "x.y@xn--bcher-kva", "ok"),
    ("email", "ｍａｉｌ：ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ａｌｉｃｅ", "ｍａｉｌ"),  # full-width, folded
    ("credit_card", "card 4111111111111111 ok", "4111111111111111", "card"),
    ("credit_card", "visa 4111 1111 1111 1111 exp 2027", "4111 1111 1111 1111", "exp 2027"),
    ("credit_card", "mc 5500-0000-0000-0004.", "5500-0000-0000-0004", "mc"),
    ("credit_card", "amex 378282246310005", "378282246310005", "amex"),
    ("credit_card", "visa 4222222222222 ok", "4222222222222", "ok"),  # the shortest card length
    ("credit_card", "card=6011111111111117&x", "6011111111111117", "card="),
    # a card right after a code glued to its first digits (REF12), or inside IBAN-shaped text that is no IBAN
    ("credit_card", "ref REF12 4111 1111 1111 1111 paid", "4111 1111 1111 1111", "REF12"),
    ("credit_card", "acct AB12 3456 4111 1111 1111 1111 end", "4111 1111 1111 1111", "AB12"),
    ("iban", "pay to DE89 3704 0044 0532 0130 00 today", "3704 0044 0532", "today"),
    ("iban", "iban:GB82WEST12345698765432", "GB82WEST12345698765432", "iban:"),
    ("us_ssn", "ssn 123-45-6789 on file", "123-45-6789", "on file"),
    ("jwt", "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX3NpZw", "eyJzdWIiOiIxMjM0In0", "jwt"),
    ("bearer", "Authorization: Bearer abc123def456ghi789", "abc123def456ghi789", "Authorization: Bearer"),
    ("bearer", "auth basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", "auth basic"),
    ("aws_key", "key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", "used"),
    ("aws_key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG", "aws"),
    ("cloud_token", "gh token ghp_1234567890abcdefghijABCDEFGHIJ123456", "ghp_1234567890abcdefghij", "gh token"),
    ("cloud_token", "slack xoxb-123456789012-abcdefghij", "xoxb-123456789012", "slack"),
    ("cloud_token", "stripe sk_live_51Hc4c1e9a77b2d8f0e1a3b5c7 refused", "sk_live_51Hc4c1e9a77b2d8f0e1a3b5c7", "refused"),
    ("cloud_token", "gitlab glpat-abcdefghij0123456789xyz", "glpat-abcdefghij0123456789", "gitlab"),
    ("cloud_token", "maps AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA1234567890abcdef", "maps"),
    ("private_key", "k -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY----- end",
     "MIIEowIBAAKCAQEA", " end"),
    ("private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA truncated", "b3BlbnNzaC1rZXkt", ""),
    ("url", "connect postgres://app:s3cr3tPW@db:5432/shop", "s3cr3tPW", "db:5432/shop"),
    ("connection_string", "dsn host=db user=app password=hunter2 dbname=x", "hunter2", "dbname=x"),
    ("connection_string", "Server=db;User Id=sa;Password=P@ssw0rd!;", "P@ssw0rd!", "Server=db"),
    ("connection_string", '{"password": "tr0ub4dor", "user": "bob"}', "tr0ub4dor", '"user": "bob"'),
    ("connection_string", "client_secret: 8f9a7b6c5d4e", "8f9a7b6c5d4e", "client_secret"),
    ("url", "GET /orders?email=carol%40example.com&page=2 HTTP/1.1", "carol%40example.com", "GET /orders?email="),
    ("url", "redirect to https://shop.example/reset?code=998877&lang=en#frag", "998877", "https://shop.example/reset"),
    ("url", "see https://u:pw1234@example.com/x", "pw1234", "example.com/x"),
    ("ip", "client 192.168.1.77 connected", "192.168.1.77", "192.168.1.0"),
    ("ip", "peer 2001:db8:85a3::8a2e:370:7334 ok", "8a2e:370:7334", "2001:db8:85a3::"),
    ("ip", "peer 2001:db8:1:2:3:4:192.0.2.33 ok", "2:3:4:192.0", "2001:db8:1::"),  # IPv4 tail, no "::"
]


@pytest.mark.parametrize(("detector", "text", "secret", "kept"), POSITIVES, ids=[f"{p[0]}-{i}" for i, p in
                                                                                enumerate(POSITIVES)])
def test_detector_replaces_only_the_secret(detector, text, secret, kept):
    out, found = R.text.scrub(text)
    assert secret not in out
    assert kept in out
    assert found.get(detector, 0) >= 1, found


BENIGN = [
    "trace 4bf92f3535e4c04a0b4a9d6a8a3e1b2f span 00f067aa0ba902b7",
    "request 123e4567-e89b-12d3-a456-426614174000 done",
    "at 2026-11-23T06:16:55.123456Z took 12.5ms",
    "[23/Nov/2026 04:32:56] worker started",
    "version 1.2.3, python 3.11.4, otel 1.27.0",
    "listening on port 8080 and :4317",
    "order 4111111111111112 shipped",  # fails Luhn
    "order number 1234567890123456",  # fails Luhn
    "epoch 1732345678901234567 ns",  # digits but not a card prefix
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "clock 12:34:56 and mac 00:00:00:00:00:00",  # a time, and a MAC that names no device (a real one: mac_address)
    "Basic authentication failed, token expired",
    "password reset requested",
    "token: REDACTED",
    "extension 555-123-4567",  # an SSN look-alike (a phone word would make it a phone number)
    "ssn-like but invalid 000-12-3456 and 666-12-3456",
    "GB00 fake iban that fails mod97 GB82WEST12345698765433",
    "build v2.10.3.4 id a1b2c3d4 12345 ref X9 1234 5678",
    "SELECT * FROM users WHERE id = ?",
    "GET /orders/{id} 200",
    "@decorator applied to handler; user@localhost; a@b",
    "the quick brown fox jumps over the lazy dog",
    "",
]


@pytest.mark.parametrize("text", BENIGN)
def test_benign_look_alikes_survive(text):
    out, found = R.text.scrub(text)
    assert out == text, found
    assert found == {}


# One text per detector that only this detector finds: on, it is replaced; off, the text passes unchanged.
ONLY_THIS_DETECTOR = {
    "email": "mail alice@example.com ok", "credit_card": "card 4111 1111 1111 1111 ok",
    "iban": "pay DE89 3704 0044 0532 0130 00 ok", "us_ssn": "ssn 123-45-6789 ok",
    "jwt": "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl ok", "bearer": "sent Bearer a1b2c3d4e5f6g7h8 ok",
    "aws_key": "key AKIAIOSFODNN7EXAMPLE ok", "cloud_token": "gh ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 ok",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
    "connection_string": "Server=db;Pwd=abc;Database=x", "url": "see https://shop.example/p?q=alice ok",
    "ip": "from 203.0.113.7 ok", "home_path": "at /home/alice/app.py ok", "phone": "call +44 20 7946 0958 ok",
    "generic_secret": "the api key is 8f9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c ok", "cookie": "Cookie: theme=dark",
    "uk_nino": "NI AB 12 34 56 C ok", "identity": "customer 9912 logged in",
    "mac_address": "device 00:1A:2B:3C:4D:5E ok", "crypto_wallet": "to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT ok",
    "social_handle": "mentioned by @cmp_handle ok",
    **{n.detector: f"rec {n.words[0].rstrip('*')} {n.example} ok" for n in NATIONAL_IDS},
}


def test_every_detector_can_be_switched_off():
    assert set(ONLY_THIS_DETECTOR) == set(DETECTORS)
    on = Redactor({"identity": {"key": "k"}, "text": {"detectors": dict.fromkeys(DETECTORS, True)}}).text
    for name, text in ONLY_THIS_DETECTOR.items():
        off = on.variant(detectors={d: d != name for d in DETECTORS})
        out, found = on.scrub(text)
        assert out != text and set(found) == {name}, (name, out, found)
        assert off.scrub(text) == (text, {}), name


def test_connection_string_passwords_without_the_url_detector():
    r = Redactor(Policy.from_dict({"text": {"detectors": {"url": False}}}))
    out = r.redact_text("connect mysql://root:t0pS3cret@db/x?user=root")
    # the password goes; ``user=root`` is an identity in key=value text and gets its pseudonym
    assert out == f"connect mysql://root:REDACTED@db/x?user={r.pseudonymize('root')}"


def test_typed_replacement_names_the_detector():
    policy = Policy.from_dict({"text": {"typed_replacement": True}})
    out = Redactor(policy).redact_text("mail alice@example.com card 4111111111111111 jwt "
                                       "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2ln")
    assert out == "mail <email> card <credit_card> jwt <jwt>"


def test_custom_detectors_from_the_policy():
    policy = Policy.from_dict({"text": {"custom": [
        {"name": "employee_id", "pattern": r"\bEMP-\d{6}\b"},
        {"name": "ticket", "pattern": r"\bTCK\d+\b", "replacement": "<ticket>"},
    ]}})
    r = Redactor(policy)
    assert r.redact_text("by EMP-123456 re TCK42") == "by REDACTED re <ticket>"
    assert r.stats["detector.employee_id"] == 1


def test_home_path_user_names_only_in_strict():
    line = 'File "/home/alice/app/main.py", line 3, in handler; C:\\Users\\bob\\app.py'
    assert R.redact_text(line) == line
    out = Redactor("strict").redact_text(line)
    assert "alice" not in out and "bob" not in out
    assert "/home/REDACTED/app/main.py" in out and "main.py" in out


def test_scrubbing_is_idempotent_on_its_own_output():
    text = ("see https://user:pw@example.com/reset?token=abc123&lang=en#access_token=xyz. "
            "mail alice@example.com ip 10.1.2.3 card 4111 1111 1111 1111")
    once = R.redact_text(text)
    assert R.redact_text(once) == once
    assert "example.com/reset" in once and "10.1.2.0" in once


def test_finds_report_positions_for_audits():
    scanner = TextScanner(detectors={"email": True}, replacement="X")
    text = "a alice@example.com b"
    (finding,) = scanner.find(text)
    assert (finding.detector, text[finding.start:finding.end]) == ("email", "alice@example.com")


@pytest.mark.parametrize(("number", "valid"), [("4111111111111111", True), ("4111111111111112", False),
                                                ("79927398713", True), ("0", True), ("1", False)])
def test_luhn(number, valid):
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(("iban", "valid"), [("DE89 3704 0044 0532 0130 00", True), ("GB82WEST12345698765432", True),
                                              ("GB82WEST12345698765433", False), ("DE89370400440532013", False),
                                              ("XX", False), ("1234", False)])
def test_iban(iban, valid):
    assert iban_valid(iban) is valid


def test_malformed_and_huge_text_never_raises():
    junk = "\x00\udcff" + "@" * 1000 + "://" * 1000 + "4" * 5000 + "eyJ" * 500 + "-----BEGIN PRIVATE KEY-----"
    out, _ = R.text.scrub(junk)
    assert "-----BEGIN PRIVATE KEY-----" not in out
    big = ("benign log line with 12:34:56 and worker 42 " * 30000)[:1_000_000]
    assert R.text.scrub(big)[0] == big


@pytest.mark.parametrize("text", ["пароль=*JvkHpwI5AuHCfVBU", "карта ６２１５-０５１７-０９９４-８１６５-７１", "jürgen@bücher.de"],
                         ids=["cyrillic-password", "fullwidth-card", "idn-email"])
def test_bytes_bodies_in_utf8_are_read_as_text(text):
    """A bytes log body that is UTF-8 is scanned as the string it encodes (non-ASCII secrets included)."""
    assert R.redact_body(text.encode()) == R.redact_body(text).encode() != text.encode()
    assert R.redact_body(b"\xff\xfe password=abc") == b"\xff\xfe password=REDACTED"  # not UTF-8: read as latin-1
