"""Keys read as words: secrets, counts, identities and personal data however the key is spelled."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otel_privacy import Redactor
from otel_privacy.scrub.keynames import COUNT, DEFAULT_VOCABULARY, IDENTITY, NONE, PERSONAL, SECRET, key_words

WORDS = [
    ("githubToken", ("github", "token")),
    ("push.fcmToken", ("push", "fcm", "token")),
    ("X-API-Key", ("x", "api", "key")),
    ("userID2", ("user", "id", "2")),
    ("AWS_SECRET_ACCESS_KEY", ("aws", "secret", "access", "key")),
    ("http.request.header.set-cookie", ("http", "request", "header", "set", "cookie")),
    ("mot_de_passe", ("mot", "de", "passe")),
    ("contraseña", ("contraseña",)),
]


@pytest.mark.parametrize(("key", "words"), WORDS, ids=[w[0] for w in WORDS])
def test_keys_split_into_words(key, words):
    assert key_words(key) == words


CLASSES = [
    # secrets, however written
    ("githubToken", SECRET), ("push.fcmToken", SECRET), ("auth.magicLinkToken", SECRET), ("app.resettoken", SECRET),
    ("aws.secretaccesskey", SECRET), ("monkey", NONE), ("turkey_count", NONE), ("primarykey", NONE),
    ("app.userPwd", SECRET), ("signingKey", SECRET), ("accessKey", SECRET), ("smtp_pass", SECRET),
    ("passcode", SECRET), ("pin", SECRET), ("otp", SECRET), ("db.password", SECRET), ("session_id", SECRET),
    ("http.request.header.x-api-key", SECRET), ("ocp-apim-subscription-key", SECRET), ("x-functions-key", SECRET),
    ("set-cookie", SECRET), ("Passwort", SECRET), ("contraseña", SECRET), ("mot_de_passe", SECRET), ("senha", SECRET),
    ("clientSecret", SECRET), ("AWS_SECRET_ACCESS_KEY", SECRET), ("x-amz-security-token", SECRET),
    ("proxy-authorization", SECRET), ("password_hash", SECRET), ("tokenId", SECRET), ("stripeKey", SECRET),
    ("recoverycode", SECRET), ("MFACODE", SECRET), ("seedphrase", SECRET), ("x-hmac", SECRET),
    ("x-vercel-protection-bypass", SECRET), ("hmac_algorithm", NONE), ("verification_code", SECRET),
    ("reset_code", SECRET), ("code_verifier", SECRET), ("sms_code", SECRET), ("one_time_password", SECRET),
    ("cvv", SECRET), ("dbpass", SECRET),
    ("auth", SECRET), ("credentials.user", SECRET),
    # counts of tokens are numbers, not credentials
    ("llm.token_count.prompt", COUNT), ("prompt_tokens", COUNT), ("max_tokens", COUNT), ("tokens_used", COUNT),
    ("token_count", COUNT), ("gen_ai.usage.input_tokens", COUNT), ("pass_rate", COUNT),
    # keys that describe a secret without holding it
    ("token_type", NONE), ("expires_in", NONE), ("password_policy", NONE), ("password_reset_url", NONE),
    ("session.duration", NONE), ("auth.method", NONE), ("oauth.provider", NONE), ("token.expires_at", NONE),
    ("cookie_consent", NONE),
    # not secrets at all
    ("cache.key", NONE), ("span.id", NONE), ("trace_id", NONE), ("messaging.kafka.message.key", NONE),
    ("user_agent", NONE), ("bypass", NONE), ("compass", NONE), ("code.function", NONE), ("service.name", NONE),
    ("host.name", NONE), ("server.address", NONE), ("client.address", NONE), ("account.id", NONE),
    ("cloud.account.id", NONE), ("kafka.client.id", NONE), ("user.roles", NONE), ("deployment.owner", NONE),
    ("card.brand", NONE), ("phone.country_code", NONE), ("tokenizer", NONE), ("secretary", NONE),
    # identities
    ("user.id", IDENTITY), ("customer_email", IDENTITY), ("username", IDENTITY), ("uid", IDENTITY),
    ("e-mail", IDENTITY), ("email_address", IDENTITY), ("userId", IDENTITY), ("patient.uuid", IDENTITY),
    ("db.query.parameter.email", IDENTITY), ("client.email", IDENTITY),
    # personal data no detector recognises
    ("first_name", PERSONAL), ("shipping_address", PERSONAL), ("phone", PERSONAL), ("date_of_birth", PERSONAL),
    ("card_number", PERSONAL), ("customer.phoneNumber", PERSONAL), ("passport", PERSONAL), ("iban", PERSONAL),
    ("user.name", PERSONAL),
]


@pytest.mark.parametrize(("key", "expected"), CLASSES, ids=[c[0] for c in CLASSES])
def test_key_classes(key, expected):
    assert DEFAULT_VOCABULARY.classify(key) == expected


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["token", "password", "secret", "apiKey", "pwd", "credential"]),
       st.sampled_from(["", "app.", "push.", "ctx.", "X-"]),
       st.sampled_from(["", "reset", "github", "magicLink", "user", "refresh"]),
       st.sampled_from(["snake", "camel", "kebab", "dot", "concat", "upper"]))
def test_a_secret_word_in_any_spelling_is_a_secret(word, prefix, qualifier, style):
    parts = [qualifier, word] if qualifier else [word]
    if style == "snake":
        key = "_".join(p.lower() for p in parts)
    elif style == "camel":
        key = parts[0][:1].lower() + parts[0][1:] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    elif style == "kebab":
        key = "-".join(p.lower() for p in parts)
    elif style == "dot":
        key = ".".join(parts)
    elif style == "concat":
        key = "".join(p.lower() for p in parts)
    else:
        key = "_".join(p.upper() for p in parts)
    assert DEFAULT_VOCABULARY.classify(prefix + key) == SECRET, prefix + key


REDACTED = [
    ("githubToken", "gho_16C7e42F292c6912E7710c838347Ae178B4a", "REDACTED"),
    ("app.resettoken", "Zm9vYmFy", "REDACTED"),
    ("pin", 1234, "REDACTED"),
    ("otp", "493021", "REDACTED"),
    ("llm.token_count.prompt", 812, 812),
    ("prompt_tokens", 812, 812),
    ("prompt_tokens", "812", "812"),
    ("auth_tokens", ["abc", "def"], ["REDACTED", "REDACTED"]),
    ("token_type", "Bearer", "Bearer"),
    ("db.query.parameter.email", "alice@example.com", "REDACTED"),
    ("db.query.parameter.0", "42", "REDACTED"),
    ("first_name", "Alice", "REDACTED"),
    ("test.pass", True, True),
]


@pytest.mark.parametrize(("key", "value", "expected"), REDACTED, ids=[f"{c[0]}={c[1]!r}" for c in REDACTED])
def test_values_by_key_class(key, value, expected):
    assert Redactor("default").redact_value(key, value) == expected


def test_identity_keys_get_the_same_pseudonym_as_the_semconv_attribute():
    r = Redactor("default")
    assert r.redact_value("customer_email", "bob@example.com") == r.redact_value("user.email", "bob@example.com")


def test_word_classes_can_be_switched_off_and_extended():
    r = Redactor({"keys": {"personal": False, "secret_words": ["sesame"]}})
    assert r.redact_value("first_name", "Alice") == "Alice"
    assert r.redact_value("open_sesame", "x1") == "REDACTED"
    assert Redactor({"keys": {"enabled": False}}).redact_value("githubToken", "plain") == "plain"
