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
    noise: bool | None = None  # only with (True) / without (False) benign text around the secret
    cause: str = ""
    owner: str = ""
    example: str = ""

    def covers(self, cls: tuple[str, str, str], noise: bool | None = None) -> bool:
        k, c, e = cls
        return (_match(self.kind, k) and _match(self.carrier, c) and _match(self.encoding, e)
                and (self.noise is None or noise is None or noise == self.noise))

    def excuses(self, cls: tuple[str, str, str], door: str, noise: bool | None = None) -> bool:
        return self.covers(cls, noise) and _match(self.doors, door)


def _match(pattern: str, value: str) -> bool:
    """Globs, several separated by ``|`` (``session_key|header_*``)."""
    return any(fnmatchcase(value, p) for p in pattern.split("|"))


def _group(cause: str, owner: str, *entries: tuple[str, ...], noise: bool | None = None) -> list[Gap]:
    """Gaps sharing a root cause: each entry is (kind, carrier, encoding[, example])."""
    out = []
    for e in entries:
        kind, carrier, encoding = e[:3]
        out.append(Gap(kind, carrier, encoding, noise=noise, cause=cause, owner=owner,
                       example=e[3] if len(e) > 3 else ""))
    return out


# Encoding sets the entries below share.
PROSE = "plain|upper|json_ascii"  # written into a message
DOCUMENTS = "json_doc|repr_dict|kwargs_repr|sqlalchemy"  # a key and its value inside a document in a string
ESCAPED = "escaped_json|nested_json"  # the same with every quote backslash-escaped
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
            ("token_digitalocean", "*", "*", "dop_v1_<64 hex>")),
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
            ("identity_in_text", "*", "*", "user_id=8812734 / customer 9912 logged in")),
    *_group("credentials in prose: values with spaces or commas are cut at the first space (#16)", "detectors #16",
            ("secret_with_spaces", "*", PROSE + "|percent|double_percent", "password=5uKPLI 0Uyk2n, 0Zykra")),
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
])

BENIGN_GAPS: tuple[Gap, ...] = tuple([
    *_group("counts in text are taken for credentials by the key=value detector of scrub/text.py, which reads "
            "prompt_tokens=… as token=… (the structure pass keeps them: #15 §2)", "detectors #16",
            ("utility_counts_in_text", "*", "*", "prompt_tokens=812 completion_tokens=96 → prompt_tokens=REDACTED …")),
    *_group("the card detector takes a Luhn-valid 16-digit prefix of a longer digit-group run (#16 precision)",
            "detectors #16",
            ("benign_order_number_long", "*", "*", "order 6011 3444 7266 5104 440 → order REDACTED 440")),
])
