"""Credentials in prose and command lines, key=value to the real delimiter, cookies, the high-entropy rule."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Policy, Redactor
from otel_privacy.scrub.credentials import PASSWORD_WORDS, SecretWords, looks_random, shannon_entropy
from otel_privacy.scrub.keynames import SECRET_WORDS
from otel_privacy.scrub.words import trie_pattern

R = Redactor("default")
S = R.text  # the detectors alone (the engine's structure pass runs before them in redact_text)

# (name, detector, text, secret that must disappear, part that must survive)
CREDENTIALS = [
    # Bearer / Basic of any alphabet
    ("bearer-letters-after-header", "bearer", "Authorization: Bearer abcdefghijklmnopqrstuv", "abcdefghijklmno",
     "Authorization: Bearer"),
    ("bearer-mixed-case-letters", "bearer", "upstream sent Bearer AbCdEfGhIjKlMnOp ok", "AbCdEfGhIjKlMnOp", "ok"),
    ("basic-no-padding", "bearer", "auth Basic dXNlcjpwYXNzd29yZA ok", "dXNlcjpwYXNzd29yZA", "auth Basic"),
    ("apikey-scheme", "bearer", "Authorization: ApiKey a1b2c3d4e5f6g7h8 sent", "a1b2c3d4e5f6g7h8", "sent"),
    ("okta-ssws", "bearer", "header SSWS 00QCjAl4MlV-WPXM-ABCDEFGHIJKL0123456789", "00QCjAl4MlV", "header SSWS"),
    # keys followed by a space instead of = or :
    ("aws-secret-spaced", "aws_key", "aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "wJalrXUtnFEMI", "aws_secret_access_key"),
    ("password-spaced", "generic_secret", "login with password Summer2024! failed", "Summer2024!", "failed"),
    ("password-is", "generic_secret", "the password is correct-horse-battery-9", "correct-horse", "the password is"),
    # command lines
    ("long-flag", "connection_string", "exec: deploy --password hunter2 --verbose", "hunter2", "--verbose"),
    ("long-flag-equals", "connection_string", "run cli --api-key=ab12cd34 now", "ab12cd34", "now"),
    ("long-flag-prefixed", "connection_string", "pg --db-password 's3 cret' x", "s3 cret", "x"),
    ("mysql-p-space", "connection_string", "mysql -u root -p s3cret shop", "s3cret", "shop"),
    ("mysql-p-glued", "connection_string", "mysqldump -uroot -pS3cr3t! shop", "S3cr3t!", "shop"),
    ("sshpass", "connection_string", "sshpass -p 'hunter2' ssh host", "hunter2", "ssh host"),
    ("mongosh", "connection_string", "mongosh --host db -u admin -p Pa55word", "Pa55word", "--host db"),
    # key=value to the real delimiter
    ("semicolon-conn-string", "connection_string", "Server=db;Password=P@ss w0rd,x;Database=shop", "w0rd,x",
     "Database=shop"),
    ("env-line", "connection_string", "DB_PASSWORD=correct horse battery\nOTHER=1", "horse battery", "OTHER=1"),
    ("yaml-line", "connection_string", "  password: my secret phrase\n  user: app", "secret phrase", "user: app"),
    ("comma-inside", "connection_string", "password=abc,def next=1", "abc,def", "next=1"),
    ("spaces-in-prose", "connection_string", "ValueError: passwd=589Rfu 6Pi8rs, 8D2gIR.", "8D2gIR", "ValueError:"),
    ("prose-after-the-value", "connection_string", "login failed: password=hunter2 for user bob", "hunter2",
     "for user "),  # the user a failed login names is pseudonymised (mentions.find_auth_users)
    ("single-quoted-from-the-key", "connection_string", "User(id=1, detail='password: abc def', active=True)",
     "abc def", "', active=True)"),
    ("count-key-not-a-number", "connection_string", "max_tokens=hunter2x ok", "hunter2x", "max_tokens="),
    ("multilingual", "connection_string", "Passwort: geheim123, contraseña=hunter2", "geheim123", "Passwort"),
    ("cyrillic", "connection_string", "вход: пароль: секрет42 ok", "секрет42", "ok"),
    ("cjk", "connection_string", "登录 密码=abc12345 用户", "abc12345", "用户"),
    ("greek", "connection_string", "auth failed with ΚΩΔΙΚΌΣ=Abc123xyz!Q ok", "Abc123xyz!Q", "ok"),
    ("hebrew", "connection_string", "auth failed with סיסמה=Abc123xyz!Q ok", "Abc123xyz!Q", "ok"),
    ("thai", "connection_string", "auth failed with รหัสผ่าน: Abc123xyz!Q ok", "Abc123xyz!Q", "ok"),
    ("hindi", "connection_string", "auth failed with पासवर्ड=Abc123xyz!Q ok", "Abc123xyz!Q", "ok"),
    ("vietnamese", "connection_string", "auth failed with mật khẩu=Abc123xyz!Q ok", "Abc123xyz!Q", "ok"),
    ("arabic", "connection_string", "auth failed with كلمة_السر=Abc123xyz!Q ok", "Abc123xyz!Q", "ok"),
    # cookies
    ("cookie-line", "cookie", "Cookie: theme=dark; sessionid=8f9a7b6c; csrftoken=x1y2", "8f9a7b6c", "sessionid="),
    ("set-cookie", "cookie", "Set-Cookie: sid=abc123def; Path=/; HttpOnly; Max-Age=3600", "abc123def", "Path=/"),
    # generic high-entropy rule
    ("api-key-prose", "generic_secret", "the api key is 8f9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c", "8f9a7b6c5d4e", "api key"),
    ("token-prose", "bearer", "using token Xk9mP2qR7vL4nW8sT3yZ5aB1 for upload", "Xk9mP2qR7vL4", "for upload"),
    ("spanish", "generic_secret", "contraseña es Xk9mP2qR7vL4nW8sT3yZ", "Xk9mP2qR7vL4", "contraseña es"),
    ("french-phrase", "generic_secret", "le mot de passe est Xk9mP2qR7vL4nW8sT3yZ", "Xk9mP2qR7vL4", "mot de passe"),
    ("portuguese", "generic_secret", "senha é Xk9mP2qR7vL4nW8sT3yZ ok", "Xk9mP2qR7vL4", "ok"),
    ("german-key", "generic_secret", "API-Schlüssel Xk9mP2qR7vL4nW8sT3yZ", "Xk9mP2qR7vL4", "API"),
    ("signing-key", "generic_secret", "rotated signing key 4bf92f3535e4c04a0b4a9d6a8a3e1b2f today", "4bf92f3535e4",
     "today"),
    ("camel-key", "generic_secret", "githubToken AbC123dEf456GhI789jKl0 ok", "AbC123dEf456", "githubToken"),
    # 12-19 characters after a secret word: taken when letters and digits are mixed like a generated token
    ("short-api-key", "generic_secret", "use api key Zq8vLp3XwR7tYk2M for prod", "Zq8vLp3XwR7tYk2M", "for prod"),
    ("short-token-expired", "generic_secret", "the token Zq8vLp3XwR7tY expired", "Zq8vLp3XwR7tY", "expired"),
    ("short-secret-lower", "generic_secret", "secret a8f3kz9q2w7e5r1t ok", "a8f3kz9q2w7e5r1t", "ok"),
    ("short-jeton", "generic_secret", "jeton: Zq8vLp3XwR7tY ok", "Zq8vLp3XwR7tY", "jeton"),
    # one-time codes: 4-8 digits after a code word
    ("verification-code", "generic_secret", "your verification code is 482913", "482913", "verification code"),
    ("otp-colon", "generic_secret", "OTP: 482913 sent", "482913", "sent"),
    ("one-time-password", "generic_secret", "one-time password 482913", "482913", "one-time"),
    ("pin", "generic_secret", "PIN 4821 accepted", "4821", "accepted"),
    ("pin-code", "generic_secret", "Your PIN code: 48213377", "48213377", "Your PIN code"),
    ("sms-code", "generic_secret", "sms_code=482913 delivered", "482913", "delivered"),
    ("code-de-verification", "generic_secret", "code de vérification : 482913", "482913", "code"),
    ("chinese-code", "generic_secret", "验证码 482913", "482913", "验证码"),
]


@pytest.mark.parametrize(("name", "detector", "text", "secret", "kept"), CREDENTIALS, ids=[c[0] for c in CREDENTIALS])
def test_credentials_are_replaced(name, detector, text, secret, kept):
    out, found = S.scrub(text)
    assert secret not in out, out
    assert kept in out, out
    assert found.get(detector, 0) >= 1, found
    assert secret not in R.redact_text(text)  # and through the engine (structure pass first)


LOOK_ALIKES = [
    ("reset-requested", "password reset requested for 3 accounts"),
    ("token-expired", "token expired, refreshing"),
    ("basic-auth-prose", "Basic authentication failed; Bearer tokens only"),
    ("token-scheme-identifier", "token refresh_scheduled_in_background"),
    ("token-type", "token_type=Bearer expires_in=3600 scope=read"),
    ("prompt-tokens", "prompt_tokens=812 completion_tokens=20 total_tokens=832"),
    ("token-count", "token_count: 1234, max_tokens=4096"),
    ("counts-in-a-repr", "User(id=5633, app_detail='prompt_tokens=2005 completion_tokens=1223', active=True)"),
    ("count-in-a-quoted-string", "log('max_tokens: 7620', level=3) tokens_used=84500, ok"),
    ("secret-name", "secret_name=db-credentials version=3"),
    ("password-policy", "password_policy=strict min_length=12"),
    ("cache-key", "cache key 4bf92f3535e4c04a0b4a9d6a8a3e1b2f miss"),
    ("key-uuid", "idempotency key 123e4567-e89b-12d3-a456-426614174000"),
    ("mkdir-p", "mkdir -p /var/lib/app && ssh -p 2222 host"),
    ("docker-p", "docker run -p 8080:80 nginx"),
    ("mysql-port", "mysql -h db -P 3306 -p 3306"),
    ("cookie-prose", "cookie consent banner shown"),
    ("token-identifier", "token service.auth.refresh_handler_v2 started"),
    ("secret-path", "secret mounted at /var/run/secrets/kubernetes.io/serviceaccount"),
    ("password-words", "password for alice was changed at 2026-11-23T06:16:55Z"),
    ("already-redacted", "password=REDACTED token: *** secret=<redacted>"),
    # what follows a secret word and is no short secret: counts, ids, hashes, versions, durations, names
    ("token-counts-prose", "token count 1234, tokens: 512, token 512 of 4096, token usage prompt=12 completion=30"),
    ("genai-usage", "gen_ai.usage.input_tokens 512 gen_ai.usage.output_tokens 4096 max_tokens=4096"),
    ("token-trace-id-short", "token 4bf92f3577b34da6 span"),
    ("secret-version", "secret v1.27.0-rc12345 loaded, token gpt-4o-2024-05-13"),
    ("token-duration", "token ttl 1h30m45s500ms, token 12h30m15s500ms"),
    ("secret-identifier", "secret user_12345678 mounted, token abcdefghijkl1"),
    ("pin-look-alikes", "spin 1200 rpm, pin 22 high, PIN 2024-11-30, pinned 4821 items, otp sent to the phone"),
    ("code-words-without-digits", "verification code expired, OTP: invalid, exit code 1234, status code 4040"),
]


@pytest.mark.parametrize(("name", "text"), LOOK_ALIKES, ids=[n for n, _ in LOOK_ALIKES])
def test_credential_look_alikes_survive(name, text):
    out, found = S.scrub(text)
    assert out == text, found


def test_cookie_attributes_and_names_stay():
    out = S.scrub("Set-Cookie: sid=abc123def; Path=/; Domain=example.com; Expires=Wed, 21 Oct 2026 07:28:00 GMT")[0]
    assert out == "Set-Cookie: sid=REDACTED; Path=/; Domain=example.com; Expires=Wed, 21 Oct 2026 07:28:00 GMT"
    assert S.scrub("Cookie: a=1; b=two")[0] == "Cookie: a=REDACTED; b=REDACTED"
    # the whole engine alike: the structure pass reads "Set-Cookie: …" as a key and its value, one cookie at a time
    for line, kept in (("Set-Cookie: sessionid=Zq8vLp3XwR7tYk2M; Path=/; HttpOnly", "sessionid=REDACTED; Path=/; HttpOnly"),
                       ("response header set-cookie: sid=Zq8vLp3XwR7tYk2M; Secure\nuser=bob", "sid=REDACTED; Secure\n"),
                       ("Cookie: theme=dark; sid=Zq8vLp3XwR7tYk2M", "Cookie: theme=REDACTED; sid=REDACTED")):
        out = R.redact_body(line)
        assert "Zq8vLp3XwR7tYk2M" not in out and kept in out, out


def test_a_value_cut_at_a_space_by_another_pass_loses_its_rest():
    """After the structure pass replaced ``P@ss`` in ``Password=P@ss w0rd,x;``, the rest goes too."""
    assert S.scrub("Server=db;Password=REDACTED w0rd,x;Database=shop")[0] == "Server=db;Password=REDACTED;Database=shop"
    assert S.scrub("phone: REDACTED 345 678 ok")[0] == "phone: REDACTED ok"
    assert S.scrub("Authorization: REDACTED abcdefghijklmnop")[0] == "Authorization: REDACTED"
    assert S.scrub("card REDACTED exp 12/27")[0] == "card REDACTED exp 12/27"  # prose: not a key's value


@pytest.mark.parametrize(("token", "random"), [
    ("Xk9mP2qR7vL4nW8sT3yZ", True), ("4bf92f3535e4c04a0b4a9d6a8a3e1b2f", True),
    ("123e4567-e89b-12d3-a456-426614174000", True), ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", True),
    ("AbCdEfGhIjKlMnOpQrStUv", True), ("refresh_scheduled_in_background", False),
    ("expired_at_2026_11_23_06_16", False), ("com.example.service.OrderHandler", False),
    ("AAAAAAAAAAAAAAAAAAAAAAAA", False), ("12345678901234567890", False), ("short1A", False),
    ("Authentication_Required_Error", False), ("v1.2.3-rc.1+build.20261123", False),
])
def test_looks_random(token, random):
    assert looks_random(token) is random, shannon_entropy(token)


def test_entropy_threshold_and_extra_secret_words_are_policy_options():
    text = "clef Xk9mP2qR7vL4nW8sT3yZ"
    assert R.redact_text(text) == text
    r = Redactor(Policy.from_dict({"text": {"secret_words": ["clef"]}}))
    assert r.redact_text(text) == "clef REDACTED"
    strict = Redactor(Policy.from_dict({"text": {"entropy_threshold": 5.5}}))
    assert strict.text.scrub("secret Xk9mP2qR7vL4nW8sT3yZ")[0] == "secret Xk9mP2qR7vL4nW8sT3yZ"
    assert R.text.scrub("secret Xk9mP2qR7vL4nW8sT3yZ")[0] == "secret REDACTED"


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
words = st.sampled_from(["password", "token", "secret", "api key", "Passwort", "contraseña", "mot de passe", "пароль",
                         "密码", "client_secret", "githubToken", "access-key"])
seps = st.sampled_from([" ", ": ", "=", " is ", " = ", ' "', ": '"])
random_tokens = st.text(alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=24,
                        max_size=40).filter(looks_random)
filler = st.text(alphabet="abc XYZ,.;()\n\u00e9\u4e2d", max_size=30)


@SETTINGS
@given(filler, words, seps, random_tokens, filler)
def test_random_tokens_after_secret_words_never_survive(before, word, sep, token, after):
    text = f"{before} {word}{sep}{token} {after}"
    assert token not in R.redact_text(text)


def _flat(words, space):
    return re.compile("|".join(re.escape(w).replace("\\ ", space) for w in sorted(set(words), key=len, reverse=True)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet="abé -", min_size=1, max_size=5).filter(lambda w: w == w.strip() and "  " not in w),
                min_size=1, max_size=8),
       st.text(alphabet="abé -_x", max_size=40))
def test_the_word_trie_finds_what_a_longest_first_alternation_finds(words, text):
    for space in (" ", "[ _\\-]?"):
        trie = re.compile(trie_pattern(words, space=re.escape(space) if space == " " else space))
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in _flat(words, space).finditer(text)]


def test_the_word_trie_of_the_secret_words_finds_what_their_alternation_finds():
    words = SecretWords()._words.pattern
    assert words.startswith("(?:")  # a trie, not a flat alternation
    texts = ["my api_key and api-key, apikey, clé secrète, clé, mot de passe, motdepasse, passwords, Passwörter",
             "client_secret client secret client-secretary one time password"]
    flat = _flat(set(SECRET_WORDS) | PASSWORD_WORDS | {"api key", "clé secrète", "clé", "mot de passe"}, "[ _\\-]?")
    trie = re.compile(trie_pattern(set(SECRET_WORDS) | PASSWORD_WORDS | {"api key", "clé secrète", "clé",
                                                                          "mot de passe"}))
    for text in texts:
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in flat.finditer(text)]


@pytest.mark.parametrize("key", ["κωδικός", "lozinka", "geslo", "parool", "salasõna", "mật_khẩu", "รหัสผ่าน", "סיסמה",
                                 "كلمة_السر", "पासवर्ड", "db.lozinka"])
def test_password_keys_in_more_languages_are_secret_keys(key):
    """Keys in scripts with combining marks (Thai, Devanagari) are read as one word, not cut at each mark."""
    assert R.redact_value(key, "Abc123xyz!Q") == "REDACTED"
