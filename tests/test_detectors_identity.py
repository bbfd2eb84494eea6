"""Identities mentioned in prose get the keyed pseudonym the attribute would get, so traces and logs join."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Policy, Redactor

R = Redactor({"identity": {"key": "test-key"}})

# (name, text, the identity, the key whose attribute must give the same pseudonym)
MENTIONS = [
    ("customer-logged-in", "customer 9912 logged in", "9912", "enduser.id"),
    ("for-user", "refund approved for user 42.", "42", "user.id"),
    ("uid", "uid 42 changed plan", "42", "user.id"),
    ("user-hash", "quota exceeded by user #1337", "1337", "user.id"),
    ("user-id-word", "user id 77 not found", "77", "user.id"),
    ("user-ID-colon", "user ID: 5150 locked", "5150", "user.id"),
    ("user_id-space", "user_id 123 deleted", "123", "user.id"),
    ("user_id-equals", "user_id=123 deleted", "123", "user.id"),
    ("uid-colon", "uid: 42 changed plan", "42", "user.id"),
    ("user.id-in-key-values", "status=ok user.id=9912 took=12ms", "9912", "user.id"),
    ("userId-camel", "userId usr_8f3k2 suspended", "usr_8f3k2", "user.id"),
    ("customer-prefixed", "charged customer cus_N3xT7Qp9 twice", "cus_N3xT7Qp9", "user.id"),
    ("user-uuid", "user 123e4567-e89b-12d3-a456-426614174000 merged", "123e4567-e89b-12d3-a456-426614174000",
     "user.id"),
    ("enduser.id-text", "enduser.id 8812 in session", "8812", "enduser.id"),
    ("username-word", "username alice_w changed e-mail", "alice_w", "user.name"),
    ("german", "Kunde 4711 hat bestellt", "4711", "user.id"),
    ("cjk", "用户 10086 登录", "10086", "user.id"),
    # the tags of log formats
    ("tag-brackets", "[user:826505851] checkout started", "826505851", "user.id"),
    ("tag-hash", "user#826505851 checkout started", "826505851", "user.id"),
    ("tag-parenthesised-equals", "payment (uid=42) declined", "42", "user.id"),
    ("tag-slash", "customer/9912 archived", "9912", "enduser.id"),
    ("tag-hash-prefixed-id", "user#usr_8f3k2 merged", "usr_8f3k2", "user.id"),
    # "account" is no identity key: a person's account only next to an account-lifecycle word
    ("account-locked", "account 253554709 locked", "253554709", "user.id"),
    ("account-was-suspended", "account no. 4711 was suspended after 5 failed logins", "4711", "user.id"),
    ("password-reset-for-account", "password reset for account 4711", "4711", "user.id"),
    ("locked-account", "locked account #88812 (too many attempts)", "88812", "user.id"),
    ("acct-prefixed-id", "Account ID: acc_9f8e7d locked out", "acc_9f8e7d", "user.id"),
    ("acct-signed-up", "acct 5150 signed up via mobile", "5150", "user.id"),
    # the user an authentication or authorisation failure names: the pseudonym of a user.name attribute
    ("postgres-password-failed", 'connection to server at "db.internal", port 5432 failed: FATAL:  password '
     'authentication failed for user "jane.doe"', "jane.doe", "user.name"),
    ("postgres-service-role", 'FATAL:  password authentication failed for user "postgres"', "postgres", "user.name"),
    ("postgres-role-missing", 'FATAL:  role "jane.doe" does not exist', "jane.doe", "user.name"),
    ("postgres-pg-hba", 'FATAL:  no pg_hba.conf entry for host "[local]", user "jane.doe", database "shop", no '
     "encryption", "jane.doe", "user.name"),
    ("mysql-access-denied", "(1045, \"Access denied for user 'jane.doe'@'localhost' (using password: YES)\")",
     "jane.doe", "user.name"),
    ("sqlserver-login-failed", "Login failed for user 'CORP\\jane.doe'. (18456)", "CORP\\jane.doe", "user.name"),
    ("invalid-password-bare", "Invalid password for user jane.doe", "jane.doe", "user.name"),
    ("authentication-failed-bare", "LDAP authentication failed for user jane.doe: bad credentials", "jane.doe",
     "user.name"),
    ("login-failed-for-login", "login denied for login svc_backup after 3 attempts", "svc_backup", "user.name"),
]


@pytest.mark.parametrize(("name", "text", "identity", "key"), MENTIONS, ids=[m[0] for m in MENTIONS])
def test_identities_in_prose_get_the_attributes_pseudonym(name, text, identity, key):
    out = R.redact_text(text)
    pseudonym = R.redact_value(key, identity)
    assert pseudonym == R.pseudonymize(identity)
    assert pseudonym in out, out
    assert out.replace(pseudonym, identity) == text


LOOK_ALIKES = [
    ("no-id", "user logged in; customer support ticket opened"),
    ("index-of", "processing user 3 of 5, user 4/5"),
    ("clock", "user 12:30 session"),
    ("units", "user 42ms latency, customer 2fa enabled"),
    ("algorithm-names", "user sha256 digest, customer v2 api, user utf8 names"),
    ("email-is-the-email-detector", "user alice@example.com"),
    ("plural", "users 42 active, customers 17"),
    ("user-agent", "user agent Mozilla/5.0 (X11; Linux x86_64)"),
    ("already-pseudonym", f"user {R.pseudonymize('42')} again"),
    ("already-redacted", "user REDACTED ok"),
    ("not-identity-keys", "worker 42, account 7, member 8, client 9"),
    ("cloud-account", "cloud account 123456789012 region us-east-1"),
    ("cloud-account-created", "AWS account 123456789012 created, service account 42 disabled"),
    ("account-lifecycle-in-another-clause", "account 4711 billed 12 EUR. Locked screen after 5 min"),
    ("account-index-and-clock", "account 2 of 5 locked, account 12:30 locked"),
    ("accounts-plural-and-accounting", "accounts 42 locked, accounting 2024 closed"),
    ("account-word-no-number", "account locked for user agent Mozilla/5.0"),
    ("for-user-in-users", "for user in users: send(user)"),
    ("for-user-without-failure", "quota raised for user admins, cache warmed for user profiles"),
    ("failure-for-user-words", "request failed for user input; login failed for user agent Mozilla/5.0"),
    ("user-count", "user count 42, user agent curl/8.5, the user's 'profile' page"),
    ("tag-look-alikes", "user/group changed in #user#general, quota per user/5min, user/3/5 done, login/logout"),
]


@pytest.mark.parametrize(("name", "text"), LOOK_ALIKES, ids=[n for n, _ in LOOK_ALIKES])
def test_identity_look_alikes_survive(name, text):
    out, found = R.text.scrub(text)
    assert "identity" not in found, out


def test_policy_hash_rules_name_identity_keys():
    """A key the policy hashes is an identity key in prose too."""
    r = Redactor({"identity": {"key": "test-key"}, "rules": [{"match": "tenant.owner", "action": "hash"}]})
    out = r.redact_text("billing tenant.owner 4411 overdue")
    assert out == f"billing tenant.owner {r.pseudonymize('4411')} overdue"
    assert R.redact_text("billing tenant.owner 4411 overdue") == "billing tenant.owner 4411 overdue"


def test_identity_detector_can_be_switched_off():
    r = Redactor(Policy.from_dict({"identity": {"key": "k"}, "text": {"detectors": {"identity": False}}}))
    assert r.text.scrub("customer 9912 logged in")[0] == "customer 9912 logged in"
    assert r.text.scrub("account 9912 locked")[0] == "account 9912 locked"


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.sampled_from(["user", "customer", "uid", "user_id", "userId", "enduser.id", "Kunde", "用户"]),
       st.sampled_from([" ", " #", " id ", ": ", "="]), st.integers(1, 10**9), st.text("abc .,é中", max_size=20))
def test_mentions_are_pseudonymised_and_idempotent(word, sep, number, after):
    text = f"event {word}{sep}{number} {after}"
    once = R.redact_text(text)
    assert f"{sep}{number} " not in once
    assert R.pseudonymize(str(number)) in once
    assert R.redact_text(once) == once


def test_a_hash_rule_word_that_ends_a_name_key_is_found_with_and_without_the_prefilter():
    """A policy word such as ``login`` (from a ``member.login`` hash rule) may end a name key itself: the trigger
    takes a word after it, as the finder does."""
    r = Redactor({"identity": {"key": "k"}, "rules": [{"match": "member.login", "action": "hash"}]})
    fast, slow = r.text, r.text.variant(prefilter=False)
    assert fast.prefilter
    for text in ("member.login alice", "login: bob ok", "member login carol", "member.login #dave"):
        found = slow.find(text)
        assert found and found[0].detector == "identity", (text, found)
        assert fast.find(text) == found, text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["account", "Account", "acct", "account no.", "account #", "account id:"]),
       st.integers(1, 10**12), st.sampled_from(["locked", "was suspended", "deleted by admin", "signed up"]),
       st.text("abc .,é中", max_size=16))
def test_account_numbers_next_to_a_lifecycle_word_never_survive(word, number, event, after):
    text = f"{word} {number} {event} {after}"
    out = R.redact_text(text)
    assert out == text.replace(str(number), R.pseudonymize(str(number)), 1)
    assert R.redact_text(out) == out
