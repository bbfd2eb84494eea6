"""Leak classes the engine still has, by root cause: skipped by the fuzzer, and the list may only shrink.

Each :class:`Gap` names (kind, carrier, encoding) globs (``a|b`` for several, ``!a|b`` for all others) — the classes of :mod:`leakfuzz.catalogue`,
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
    """Globs, several separated by ``|`` (``session_key|header_*``); ``!a|b`` is anything but those."""
    if pattern.startswith("!"):
        return not _match(pattern[1:], value)
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
#: the value written without a key next to it (also percent-encoded)
KEYLESS_TEXT = "bare|plain|upper|json_ascii|repr_tuple|percent|double_percent|triple_percent|percent_lower"
#: percent-encoded text, every depth and case
PERCENT = "percent|double_percent|triple_percent|percent_lower"
#: key=value written as text (the key is no attribute key)
TEXT_PAIRS = "plain|upper|json_ascii|kwargs_repr|percent|double_percent|triple_percent|percent_lower|flag_text"
#: anything but ORM/driver parameters (those are redacted whatever they hold)
NOT_ORM = "!sqlalchemy*|psycopg|mysql_duplicate|pg_failing_row"
#: the value under its key: an attribute, or a key in a document, repr or form body
KEYED = "kv|json_doc|escaped_json|nested_json|truncated_json|form|repr_dict|kwargs_repr"

KNOWN_GAPS: tuple[Gap, ...] = tuple([
    # -- #16 detectors: kinds no detector knows yet ---------------------------------------------------
    # Where a value sits under a key that names it (contact.email, contact.phone, payment.iban…), the key-word
    # reading redacts it: those gaps are limited to the encodings that carry no key (KEYLESS). ORM parameters
    # are redacted whatever they hold (NOT_ORM excludes them).
    *_group("no detector for these vendor keys (#16)", "detectors #16",
            ("token_gitlab_runner", "*", NOT_ORM, "glrt-kiYwX34-HjJ6fXGkjdcR"),
            ("token_slack_app", "*", NOT_ORM, "xapp-1-A0123456789-1234567890123-<64 hex>"),
            ("token_google_oauth", "*", NOT_ORM, "ya29.<60+ chars>"),
            ("token_pypi", "*", NOT_ORM, "pypi-AgEIcHlwaS5vcmc<60+ chars>"),
            ("token_openai", "*", NOT_ORM, "sk-RSiu6OnYCvXL98rPB00jhiMlKgPzIAnfG9yqt93F5qZ0e9sZ"),
            ("token_anthropic", "*", NOT_ORM, "sk-ant-api03-<93 chars>AA"),
            ("token_huggingface", "*", NOT_ORM, "hf_<34 letters>"),
            ("token_shopify", "*", NOT_ORM, "shpat_<32 hex>"),
            ("token_twilio", "*", NOT_ORM, "SK<32 hex>"),
            ("token_digitalocean", "*", NOT_ORM, "dop_v1_<64 hex>")),
    *_group("no generic high-entropy rule after secret words (partial: some words are read as key words) (#16)",
            "detectors #16",
            ("generic_entropy", "*", NOT_ORM, "'app.config' = 'L+1QyfPTw_mlCuUPcgF8hYa5V+qGwO6d3_u1eR7Y' / Schlüssel X…")),
    *_group("secret words spelled with non-ASCII letters are read as keys but not in text (#16)", "detectors #16",
            ("secret_key_non_ascii", "*", TEXT_PAIRS, "contraseña=Abc123xyz!Q / пароль=Ygj_mUh%Bel31i")),
    *_group("'password' in languages the vocabulary does not list: Greek, Serbo-Croatian, Slovene, Estonian, "
            "Vietnamese, Thai, Hebrew, Arabic, Hindi (#16)", "detectors #16",
            ("secret_key_unlisted", "*", NOT_ORM, "'κωδικός' = 'Abc123xyz!Q' (unchanged)")),
    *_group("no phone number detector (#16)", "detectors #16",
            ("phone_*", "*", KEYLESS_TEXT, "020 7946 0983 / +44 20 7946 0958")),
    *_group("no national-id detectors beyond dashed SSNs (#16)", "detectors #16",
            ("ssn_context|uk_nino", "*", KEYLESS_TEXT, "SSN 538093264 / GN839075B"),
            ("uk_nhs|es_dni|in_aadhaar|br_cpf|ca_sin", "*", "*",
             "NHS no. 932 504 2576 / NIF 65458358J / Aadhaar 2817 5215 7236 / CPF 724.456.044-35 / SIN 346 157 514")),
    *_group("the e-mail detector is ASCII-only (#16)", "detectors #16",
            ("email_idn|email_cyrillic|email_cjk", "*", KEYLESS_TEXT + "|url_path",
             "zoë.lefèvre@müller.example / иван.петров@mail.ru")),
    *_group("card digits with Unicode spaces/dashes or full-width digits are not normalised (#16)", "detectors #16",
            ("card_unicode_sep|card_fullwidth", "*", NOT_ORM, "'payment.card' = '3491−999028−21289' / '５１３７-０４８１-…'")),
    *_group("card IIN ranges missing: Maestro 63xx/67xx (#16)", "detectors #16",
            ("card_maestro6", "*", NOT_ORM, "'payment.card' = '6304042343943272'")),
    *_group("the IBAN detector needs an upper-case country code (#16)", "detectors #16",
            ("iban_lower", "*", KEYLESS_TEXT, "es96 1461 3531 0455 2254 8282")),
    *_group("Bearer/Basic credentials of letters only are taken for prose (#16)", "detectors #16",
            ("bearer_letters", "*", NOT_ORM, "'upstream.request' = 'Bearer eOvNGumnVYpScCNmLceHXcUDiTI'")),
    *_group("aws_secret_access_key followed by a space, not = or : (#16)", "detectors #16",
            ("aws_secret_spaced", "*", "plain|json_ascii|" + PERCENT,
             "aws.secretAccessKey I+YNhSOrxT7nr+19JhR2K0qwHuquJjYzgV8lqMli")),
    *_group("user ids mentioned in prose are not pseudonymised (user_id=… is) (#16)", "detectors #16",
            ("identity_in_prose", "*", NOT_ORM, "customer 253554709 logged in"),
            ("identity_in_tag", "*", NOT_ORM, "[user:826505851] checkout started / user#826505851 (unchanged)")),
    *_group("credentials in prose: values with spaces or commas are cut at the first space (#16)", "detectors #16",
            ("secret_with_spaces", "*", "plain|json_ascii|" + PERCENT, "passwd=589Rfu 6Pi8rs, 8D2gIR")),
    # -- #15 §1: structure the engine does not parse ---------------------------------------------------
    *_group("bytes values are read as Latin-1: UTF-8 text in a bytes log body loses its non-ASCII key words",
            "core #15",
            ("secret_key_non_ascii", "log_body_bytes", NOT_ORM, 'b\'{"lösenord": "2MjdwR22iV%u!v^Pr7QLUA"}\'')),
])

BENIGN_GAPS: tuple[Gap, ...] = ()
