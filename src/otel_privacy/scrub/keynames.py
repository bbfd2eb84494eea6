"""Attribute keys read as words: is this key's value a secret, an identity, personal data, or none of these?

Keys are written every way there is — ``githubToken``, ``push.fcmToken``, ``app.resettoken``,
``X-Api-Key``, ``smtp_pass``, ``Passwort`` — so a regex over separators misses most of them. Here a key
(or a key *path*: ``ctx.session_id``) is split into lower-case words at separators, camel case and digit
runs, concatenations are read against the vocabulary (``resettoken`` ends in ``token``), and a small
grammar decides:

* a **secret word** (``password``, ``token``, ``secret``, ``cookie``, ``otp``, …, in several languages)
  makes the value a secret — unless a **metadata word** follows it (``token_type``, ``password_policy``,
  ``session.duration``): such a key describes the secret, it does not hold it;
* a **count word** next to it (``prompt_tokens``, ``token_count``, ``max_tokens``, ``pass_rate``) makes
  it a count: numbers survive, any other value is still treated as a secret;
* ``key`` and ``id`` are secrets only in known compounds (``api key``, ``access key``, ``signing key``,
  ``session id``), never alone (``cache.key``, ``primary_key``, ``span.id``);
* **identity** (``user.id``, ``customer_email``, ``username``) and **personal** keys (``phone``,
  ``date_of_birth``, ``first_name``, ``shipping_address``) are recognised the same way.

Pure and cached: a key's class depends only on the key and the vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["SECRET", "COUNT", "IDENTITY", "PERSONAL", "NONE", "KeyVocabulary", "key_words", "DEFAULT_VOCABULARY",
           "refers_to_secret"]

SECRET = "secret"  # a credential: always replaced (numbers too: pin, otp, cvv)
COUNT = "count"  # a count of secrets (prompt_tokens): numbers survive, anything else is replaced
IDENTITY = "identity"  # who the user is: keyed pseudonym
PERSONAL = "personal"  # personal data no detector recognises (names, addresses, birth dates): replaced
NONE = "none"

# Camel case: "APIKey" → API, Key; "fcmToken" → fcm, Token; "userID2" → user, ID, 2.
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")
# Separators: what is neither a letter nor a digit, except the combining marks of scripts that write words with them
# (Devanagari "पासवर्ड", Thai "รหัสผ่าน", Hebrew and Arabic points, Latin diacritics written apart): \w leaves them out.
_MARKS = ("\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
          "\u0900-\u0dff\u0e00-\u0eff")
_SPLIT = re.compile(f"(?:[^\\w{_MARKS}]|_)+")


@lru_cache(maxsize=16384)
def key_words(key: str) -> tuple[str, ...]:
    """Lower-case words of ``key``, split at separators, camel-case humps and digit runs.

    >>> key_words("auth.magicLinkToken")
    ('auth', 'magic', 'link', 'token')
    >>> key_words("X-API-Key")
    ('x', 'api', 'key')
    """
    words: list[str] = []
    for part in _SPLIT.split(key):
        if not part:
            continue
        if part.islower() or part.isupper() or not part.isascii():
            words.append(part.lower())  # one case: a word as written ("ipv6", "md5", "passwort")
        else:
            words.extend(w.lower() for w in _CAMEL.findall(part))
    return tuple(words)


# -- vocabulary ------------------------------------------------------------------------------------------
SECRET_WORDS = frozenset({
    "password", "passwords", "passwd", "pwd", "passphrase", "passcode", "passkey", "secret", "secrets", "token",
    "credential", "credentials", "creds", "cookie", "cookies", "session", "otp", "totp", "hotp", "pin", "cvv",
    "cvc", "cvv2", "cvc2", "authorization", "bearer", "jwt", "apikey", "privatekey", "privkey", "sessionid",
    "signature", "dsn", "connectionstring", "connstr", "mnemonic", "hmac",
    # German, Spanish, Portuguese, French, Italian, Dutch, Polish, Swedish, Danish/Norwegian, Finnish,
    # Hungarian, Czech, Turkish, Russian, Chinese, Japanese, Korean
    "passwort", "kennwort", "geheimnis", "contraseña", "contrasena", "clave", "senha", "motdepasse", "mdp",
    "parola", "wachtwoord", "haslo", "hasło", "lösenord", "losenord", "adgangskode", "passord", "salasana",
    "jelszo", "jelszó", "heslo", "sifre", "şifre", "пароль", "токен", "密码", "密碼", "口令", "パスワード", "비밀번호",
    "segreto", "secreto",
    # Greek, Serbo-Croatian, Slovene, Estonian, Dutch (Flemish), Hebrew, Thai, Hindi
    "κωδικός", "κωδικος", "lozinka", "geslo", "parool", "salasõna", "salasona", "סיסמה", "סיסמא", "รหัสผ่าน",
    "पासवर्ड",
})
# Secret as whole words only (inside other words they mean something else: "bypass", "oauth").
WEAK_SECRET_WORDS = frozenset({"pass", "auth", "sid", "pat"})
_SECRET_PHRASES = (("mot", "de", "passe"), ("mật", "khẩu"), ("mat", "khau"), ("كلمة", "السر"), ("كلمة", "المرور"),
                   ("one", "time", "password"), ("security", "code"), ("mfa", "code"),
                   ("verification", "code"), ("auth", "code"), ("access", "code"), ("recovery", "code"),
                   ("backup", "code"), ("client", "secret"), ("connection", "string"), ("seed", "phrase"),
                   ("reset", "code"), ("confirmation", "code"), ("activation", "code"), ("login", "code"),
                   ("sms", "code"), ("magic", "code"), ("device", "code"), ("two", "factor", "code"),
                   ("code", "verifier"),
                   # vendor credential headers whose names hold no secret word
                   ("honeycomb", "team"), ("honeycomb", "dataset", "key"), ("sf", "token"), ("lightstep", "access"),
                   ("scope", "token"), ("signoz", "access"), ("axiom", "token"), ("uptrace", "dsn"), ("insert", "key"),
                   ("license", "key"), ("x", "goog", "api"), ("x", "amz", "security"), ("x", "ms", "token"),
                   ("ocp", "apim", "subscription"), ("x", "functions"), ("x", "vault"), ("x", "consul", "token"),
                   ("x", "nomad", "token"), ("x", "gitlab", "token"), ("x", "shopify", "access"),
                   ("protection", "bypass"))
# The same phrases written as one word: "recoverycode", "MFACODE", "seedphrase", "clientsecret"
_JOINED_PHRASES = frozenset("".join(p) for p in _SECRET_PHRASES if p[0] != "x")
# Concatenations: "resettoken", "userpwd", "clientsecret" end in a strong stem; "tokenid", "passwordhash"
# start with one; "smtppass", "dbpass" need a known prefix ("bypass", "compass" have none).
_STRONG_TAILS = ("password", "passwd", "passwort", "pwd", "token", "secret", "credential", "credentials",
                 "apikey", "passphrase", "passcode", "cookie", "sessionid")
_STRONG_HEADS = ("password", "passwd", "pwd", "token", "secret", "apikey", "cookie", "credential")
_HEAD_REMAINDERS = frozenset({"id", "value", "val", "str", "string", "hash", "data", "key", "text", "plain", "raw",
                              "enc", "encrypted", "b64", "base64", "hex", "s", "digest", "salt"})
_WEAK_PREFIXES = frozenset({
    "smtp", "db", "user", "admin", "root", "mail", "email", "ftp", "sftp", "ssh", "ldap", "proxy", "redis", "mysql",
    "pg", "postgres", "sql", "api", "app", "my", "new", "old", "current", "confirm", "wifi", "vpn", "master", "login",
    "account", "sys", "basic", "http", "imap", "pop", "rabbit", "amqp", "mongo", "bind", "store", "keystore",
    "truststore", "key", "x"})
# "key" is a secret only after one of these: api key, access key, signing key, stripe key.
KEY_QUALIFIERS = frozenset({
    "api", "access", "secret", "private", "signing", "sign", "encryption", "enc", "master", "client", "app",
    "application", "auth", "account", "shared", "subscription", "functions", "function", "storage", "ssh", "gpg",
    "pgp", "hmac", "webhook", "session", "license", "licence", "service", "admin", "root", "write", "read",
    "ingest", "ingestion", "deploy", "deployment", "developer", "dev", "integration", "partner", "consumer",
    "sas", "jwt", "crypto", "cipher", "aes", "rsa", "wallet", "recovery", "vault", "bot",
    "push", "server", "personal", "user", "sendgrid", "stripe", "openai", "anthropic", "github", "gitlab", "slack",
    "aws", "gcp", "azure", "google", "twilio", "mailgun", "datadog", "dd", "sentry", "npm", "pypi", "hf",
    "huggingface", "shopify", "firebase", "fcm", "apns", "mapbox", "algolia", "pusher", "segment", "mixpanel",
    "amplitude", "cloudflare", "heroku", "vercel", "netlify", "linear", "notion", "airtable", "zendesk", "jira",
    "atlassian", "pass", "password", "token", "cookie"})
# Qualifiers long enough to end a longer concatenation ("secretaccesskey"): short ones would read "monkey"-like words
_LONG_QUALIFIERS = tuple(sorted(q for q in KEY_QUALIFIERS if len(q) >= 6))
# "id" is a secret only after one of these: session id, csrf id.
_ID_QUALIFIERS = frozenset({"session", "sess", "sso", "login", "auth", "csrf", "xsrf", "refresh"})
_KEY_WORDS = frozenset({"key", "keys"})
# A word *after* the secret word that makes the key describe the secret instead of holding it.
METADATA_WORDS = frozenset({
    "type", "types", "kind", "name", "names", "endpoint", "url", "uri", "path", "file", "filename", "dir",
    "expires", "expiry", "expiration", "expire", "expired", "ttl", "lifetime", "age", "at", "time", "timestamp",
    "date", "ts", "duration", "ms", "seconds", "format", "scheme", "provider", "issuer", "iss", "audience", "aud",
    "algorithm", "alg", "policy", "policies", "strength", "changed", "updated", "created", "rotated", "rotation",
    "last", "status", "state", "valid", "invalid", "validity", "enabled", "disabled", "required", "present",
    "exists", "missing", "method", "methods", "mode", "source", "strategy", "realm", "flow", "level", "backend",
    "plugin", "version", "result", "success", "ok", "error", "errors", "failed", "failure", "failures", "attempt",
    "attempts", "retries", "reason", "scope", "scopes", "prefix", "label", "description", "desc", "domain", "host",
    "hostname", "server", "service", "manager", "sent", "received", "requested", "reset", "verified", "verify",
    "verification", "less", "location", "region", "enforced", "length", "len", "complexity", "rules", "rule",
    "samesite", "secure", "httponly", "consent", "handler", "middleware", "ref", "reference", "arn", "mask",
    "masked", "redacted", "encoding", "charset", "store", "vault", "backed", "rotate", "refresh",
})
# In a command-line option named for a secret, words that make it a *reference* to the secret or a switch without a
# value (--password-file /run/secrets/db, --token-env, --password-stdin, --no-password, --ask-pass): what follows is a
# file name, a variable's name or the next argument, and stays.
_OPTION_REFERENCE_WORDS = frozenset({
    "file", "files", "filename", "path", "dir", "stdin", "fd", "env", "var", "variable", "cmd", "command", "helper",
    "program", "prompt", "ask", "askpass", "no", "without", "length", "len", "ttl", "expiry", "expires", "policy",
    "type", "name", "url", "uri", "store", "mode", "source", "from", "ref", "arn", "vault", "manager", "hint", "reset",
    "rotation",
})


def refers_to_secret(option: str) -> bool:
    """A command-line option named for a secret that does not take the secret itself (see above)."""
    return any(w in _OPTION_REFERENCE_WORDS for w in key_words(option))


# A count word next to the secret word: the value counts secrets (LLM tokens, test passes).
COUNT_WORDS = frozenset({
    "count", "counts", "num", "number", "total", "totals", "max", "maximum", "min", "minimum", "limit", "limits",
    "used", "usage", "remaining", "left", "size", "budget", "estimate", "estimated", "rate", "ratio", "per",
    "prompt", "completion", "input", "output", "cached", "reasoning", "audio", "image", "sum", "avg", "average",
    "p50", "p90", "p95", "p99", "quota", "window", "context", "bucket", "refill", "generated", "consumed", "billed",
    "cost", "steps", "tokens", "passes", "prediction", "accepted", "rejected", "thinking",
})
_COUNTABLE = frozenset({"token", "tokens", "pass", "passes"})  # secret words a preceding count word can qualify

# Identity: the person a value names. A person word plus an identifying attribute, or one of the words.
PERSON_WORDS = frozenset({
    "user", "users", "enduser", "customer", "customers", "member", "patient", "subscriber", "person", "buyer",
    "student", "employee", "visitor", "player", "recipient", "sender", "author", "guest", "shopper", "consumer",
    "learner", "citizen", "contact", "applicant", "candidate", "holder", "cardholder", "profile", "actor",
    "principal", "requester", "assignee", "reporter", "owner", "client"})
_IDENTITY_ATTRS = frozenset({"id", "ids", "uid", "email", "emails", "mail", "login", "username", "handle", "upn",
                             "guid", "uuid", "number", "no", "nr", "pseudo"})
IDENTITY_WORDS = frozenset({"username", "usernames", "userid", "userids", "uid", "email", "emails", "emailaddress",
                            "login", "upn", "customerid", "memberid", "userprincipalname", "useremail", "usermail",
                            "enduser", "user", "customer", "patient", "subscriber"})
# "client" and "owner" identify a person only with a person attribute (client.id of a Kafka client is not).
_WEAK_PERSON_WORDS = frozenset({"client", "owner", "account"})
_NOT_IDENTITY_AFTER = frozenset({"agent", "agents", "type", "kind", "role", "roles", "count", "group", "groups",
                                 "tier", "plan", "segment", "class", "status", "state", "locale", "language", "lang",
                                 "timezone", "tz", "country", "region", "scope", "scopes", "permissions", "domain",
                                 "source", "exists", "found", "present", "valid", "verified", "authenticated",
                                 "anonymous", "version", "hash"})
# Personal data no detector recognises.
PERSONAL_WORDS = frozenset({
    "phone", "phones", "telephone", "mobile", "cellphone", "fax", "msisdn", "birthdate", "birthday", "dob", "birth",
    "ssn", "nino", "passport", "surname", "firstname", "lastname", "fullname", "givenname", "familyname",
    "maidenname", "middlename", "nickname", "displayname", "street", "postcode", "postalcode", "zipcode", "iban",
    "cardnumber", "creditcard", "ccnumber", "accountnumber", "routingnumber", "sortcode", "taxid", "nationalid",
    "driverlicense", "driverslicense", "licenseplate", "geolocation", "gps", "ethnicity", "religion", "diagnosis",
    "salary", "income", "telefon", "telefono", "teléfono", "adresse", "direccion", "dirección", "geburtsdatum",
    "nachname", "vorname", "apellido", "phonenumber", "mobilenumber", "homeaddress", "streetaddress"})
_PERSONAL_PHRASES = (("date", "of", "birth"), ("place", "of", "birth"), ("social", "security"), ("credit", "card"),
                     ("debit", "card"), ("card", "number"), ("account", "number"), ("routing", "number"),
                     ("sort", "code"), ("tax", "id"), ("national", "id"), ("driver", "license"),
                     ("drivers", "license"), ("zip", "code"), ("postal", "code"), ("post", "code"),
                     ("bank", "account"), ("license", "plate"), ("card", "pan"), ("card", "cvv"))
_NAME_QUALIFIERS = frozenset({
    "first", "last", "full", "given", "family", "sur", "middle", "maiden", "nick", "display", "real", "legal",
    "customer", "patient", "person", "contact", "holder", "cardholder", "recipient", "sender", "billing",
    "shipping", "user", "member", "employee", "guest", "owner", "mother", "father", "spouse", "emergency"})
_ADDRESS_QUALIFIERS = frozenset({
    "home", "street", "postal", "mailing", "billing", "shipping", "delivery", "residential", "customer", "user",
    "patient", "contact", "physical", "mother", "member", "employee", "guest", "cardholder", "holder"})
_CARD_QUALIFIERS = frozenset({"credit", "debit", "payment", "bank", "gift", "customer", "user", "stored", "saved",
                              "billing", "charge", "member", "loyalty", "prepaid", "virtual", "primary"})
# After personal words these describe, not carry: phone.country_code, card.brand, ssn_last4.
_PERSONAL_METADATA = frozenset({
    "type", "types", "kind", "format", "country", "region", "count", "enabled", "valid", "verified", "status",
    "length", "hash", "hashed", "mask", "masked", "last4", "last", "brand", "network", "present", "provided",
    "required", "exists", "missing", "issuer", "prefix", "bin", "expiry", "expires", "level", "locale", "policy"})


@dataclass(frozen=True)
class KeyVocabulary:
    """The word lists behind :meth:`classify`; a policy may add words or switch a class off."""

    secret: frozenset[str] = SECRET_WORDS
    metadata: frozenset[str] = METADATA_WORDS
    identity: bool = True
    personal: bool = True
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def with_words(self, *, secret: Iterable[str] = (), metadata: Iterable[str] = (),
                   identity: bool | None = None, personal: bool | None = None) -> KeyVocabulary:
        """A copy with extra secret/metadata words and classes switched on or off."""
        return KeyVocabulary(self.secret | {w.lower() for w in secret}, self.metadata | {w.lower() for w in metadata},
                             self.identity if identity is None else identity,
                             self.personal if personal is None else personal)

    def classify(self, key: str) -> str:
        """What ``key``'s value is: :data:`SECRET`, :data:`COUNT`, :data:`IDENTITY`, :data:`PERSONAL`, :data:`NONE`."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self.classify_words(key_words(key))
            if len(self._cache) < 16384:
                self._cache[key] = hit
        return hit

    def classify_words(self, words: tuple[str, ...]) -> str:
        if not words:
            return NONE
        at = self._secret_at(words)
        if at >= 0:
            after = words[at + 1:]
            if any(w in self.metadata for w in after):
                return NONE
            if words[at] in ("tokens", "passes") or any(w in COUNT_WORDS for w in after) or (
                    words[at] in _COUNTABLE and any(w in COUNT_WORDS for w in words[max(0, at - 2):at])):
                return COUNT
            return SECRET
        if self.identity and _is_identity(words):
            return IDENTITY
        if self.personal and _is_personal(words):
            return PERSONAL
        return NONE

    def _secret_at(self, words: tuple[str, ...]) -> int:
        """Index of the last word that makes the value a secret; -1 when none does."""
        at = -1
        for i, w in enumerate(words):
            before = words[i - 1] if i else ""
            if (w in self.secret or w in WEAK_SECRET_WORDS or _secret_compound(w)
                    or (w in _KEY_WORDS and (before in KEY_QUALIFIERS or before in self.secret))
                    or (w in ("id", "ids") and before in _ID_QUALIFIERS)):
                at = i
        if at < 0:
            at = _phrase_end(words, _SECRET_PHRASES)
        return at



DEFAULT_VOCABULARY = KeyVocabulary()


@lru_cache(maxsize=8192)
def _secret_compound(w: str) -> bool:
    """A concatenation that holds a secret word: ``resettoken``, ``userpwd``, ``tokenid``, ``smtppass``, ``apikey``."""
    if len(w) < 5 or not w.isalpha():
        return False
    if w in _JOINED_PHRASES:
        return True
    for tail in _STRONG_TAILS:
        if w.endswith(tail) and w != tail:
            return True
    for head in _STRONG_HEADS:
        if w.startswith(head) and w[len(head):] in _HEAD_REMAINDERS:
            return True
    for weak in ("pass", "auth"):
        if w.endswith(weak) and w[: -len(weak)] in _WEAK_PREFIXES:
            return True
    # "apikey", "accesskey"; and a longer run ending in a long qualifier ("secretaccesskey", "awsaccesskey")
    return any(w.endswith(k) and (w[: -len(k)] in KEY_QUALIFIERS or w[: -len(k)].endswith(_LONG_QUALIFIERS))
               for k in _KEY_WORDS)


def _phrase_end(words: tuple[str, ...], phrases: tuple[tuple[str, ...], ...]) -> int:
    """Index of the last word of the last of ``phrases`` in ``words``; -1 when none occurs."""
    end = -1
    for phrase in phrases:
        k = len(phrase)
        for i in range(len(words) - k + 1):
            if words[i:i + k] == phrase:
                end = max(end, i + k - 1)
    return end


def _is_identity(words: tuple[str, ...]) -> bool:
    last = words[-1]
    before = words[-2] if len(words) > 1 else ""
    if last in _NOT_IDENTITY_AFTER:
        return False
    if last in IDENTITY_WORDS:
        # a bare person word names a person only when it is the whole key or its last word ("user", "app.customer")
        return last not in PERSON_WORDS or before not in ("service", "system", "db", "database")
    if last == "mail" and before == "e":  # "e-mail"
        return True
    if last in ("address", "addresses") and before in ("email", "mail"):
        return True
    if last in _IDENTITY_ATTRS and before in PERSON_WORDS:
        if before in _WEAK_PERSON_WORDS:  # client.id (a Kafka client), account.id (a cloud account)
            return last in ("email", "emails", "mail", "username", "login", "upn")
        return True
    # user.pseudo.id, customer.external.id
    return len(words) > 2 and last in ("id", "email", "uid") and words[-3] in PERSON_WORDS \
        and words[-3] not in _WEAK_PERSON_WORDS


def _is_personal(words: tuple[str, ...]) -> bool:
    n = len(words)
    for i, w in enumerate(words):
        before = words[i - 1] if i else ""
        if w in PERSONAL_WORDS:
            hit = True
        elif w in ("name", "names"):
            hit = before in _NAME_QUALIFIERS
        elif w in ("address", "addresses", "addr"):
            hit = before in _ADDRESS_QUALIFIERS or (n == 1) or (i == 0 and words[1:2] in (("line",), ("1",)))
        elif w in ("card", "cards"):
            hit = n == 1 or before in _CARD_QUALIFIERS
        else:
            continue
        if hit:
            return not any(x in _PERSONAL_METADATA for x in words[i + 1:])
    end = _phrase_end(words, _PERSONAL_PHRASES)
    return end >= 0 and not any(x in _PERSONAL_METADATA for x in words[end + 1:])
