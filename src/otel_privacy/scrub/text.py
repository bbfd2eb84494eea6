"""Secret and PII detectors for free text: log bodies, exception messages, stack traces, events.

Each detector replaces only the part that matched and is chosen for few false positives:

============== =================================================================================
email          ``local@domain.tld``
credit_card    13–19 digits, spaces or dashes allowed, a known card prefix and a valid Luhn sum
iban           country code + check digits + BBAN, mod-97 checked
us_ssn         ``AAA-GG-SSSS`` with the SSA's never-issued ranges excluded
jwt            ``eyJ….eyJ….sig``
bearer         ``Bearer …`` / ``Basic …`` / ``Token …`` credentials (the scheme word is kept)
aws_key        AWS access key ids (``AKIA…``) and 40-character secret keys next to an AWS name
cloud_token    vendors' API keys and tokens by their documented prefixes (``scrub/vendors.py``: GitHub, GitLab,
               Slack, Stripe, OpenAI, Anthropic, Hugging Face, Shopify, Twilio, Azure, DigitalOcean, …)
private_key    PEM ``-----BEGIN … PRIVATE KEY-----`` blocks (to the end of text if unterminated)
connection_string  passwords in ``scheme://user:pass@host`` and ``password=…`` / ``"secret": "…"``; in command
               lines (``scrub/cmdline.py``: ``--password x``, ``mysql -pX``, ``curl -u u:X``, …) and SMTP/IMAP/POP3
               transcripts (``AUTH PLAIN <base64>``, ``LOGIN user X``)
url            URLs (``https://…``, ``api.example.com/…``) and request targets (``/a?b=c``, ``GET /a``)
               → the URL sanitiser's output
ip             IPv4/IPv6 addresses → truncated to the policy's prefix, not removed
home_path      the OS user name in ``/home/<user>``, ``/Users/<user>``, ``C:\\Users\\<user>``
phone          international numbers anywhere, national ones after a phone word (``scrub/phone.py``)
uk_nhs, es_dni, …  national identity numbers by their check digits (``scrub/national_ids.py``); plain digit
               runs only after a word naming them; read the same way: us_itin, imei, passport
mac_address    six hex pairs with one separator, Cisco ``0011.2233.4455`` (``scrub/addresses.py``)
crypto_wallet  Bitcoin base58check and bech32 addresses by their checksums, ``0x…`` after a wallet word
identity       ids after identity words (``customer 9912``, ``[user:42]``, ``scrub/mentions.py``) and the user an
               authentication failure names (``failed for user "jane"``, ``role "jane" does not exist``) → the
               pseudonym a ``user.id`` / ``user.name`` attribute gets (or the replacement)
social_handle  ``@name`` after a social word (``mentioned by @x``, ``twitter: @x``; ``scrub/handles.py``) → the
               pseudonym a ``user.name`` attribute gets (or the replacement)
============== =================================================================================

Unicode: text that is not ASCII is first folded one character for one (``scrub/fold.py``: full-width and
other decimal digits, Unicode spaces and dashes, full-width letters and ``＠``), so every detector reads
``４１１１\u00a0１１１１…`` like ``4111 1111…``; findings are spans of the original text.

Speed: each pass has a *trigger* — a pattern every one of its findings must contain (``@``,
``://``, ``eyJ``, ``PRIVATE KEY``, a token prefix, a digit shape such as ``ddd-dd-dddd``). When
`google-re2 <https://pypi.org/project/google-re2/>`_ is installed (a default dependency), all
triggers form one ``re2.Set``: a single linear-time pass over a line (ASCII or not) says which
detectors can find anything, and a benign line costs that one pass and nothing else. Where RE2's headers were
installed at build time (libre2-dev), ``scrub/_textgate.cc`` calls the same ``RE2::Set`` directly, without
google-re2's pybind11 layer (which cost more than the DFA walk over a short line). Without RE2
(or when the set cannot answer: lone surrogates, a DFA out of memory) cheap substring tests gate
every pass instead, and digit-based detectors share one pass whose pattern starts with ``\\d``.
A trigger may fire on text the detector then rejects; it never misses text the detector would
take (``tests/test_text_prefilter.py`` checks both paths give identical findings on ASCII and
non-ASCII text, and that removing any branch of any trigger makes them differ on its table).
Benign look-alikes (UUIDs, trace ids, timestamps, versions, ports, order numbers that fail the
Luhn check, commit hashes) survive because matches are validated, not just pattern-matched.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import cmdline as _cmdline
from . import url as _url
from .addresses import TRIGGER_MAC, TRIGGER_WALLET, find_mac, find_wallets
from .credentials import (
    DEFAULT_ENTROPY_THRESHOLD,
    TRIGGER_COOKIES,
    TRIGGER_KEY_VALUE,
    TRIGGER_PROTOCOL_AUTH,
    TRIGGER_SESSION_KEYS,
    TRIGGER_SPACE,
    KeyValues,
    SecretWords,
    find_cookies,
    find_protocol_auth,
    find_session_keys,
    looks_random,
)
from .fold import fold
from .handles import TRIGGER_HANDLE, find_handles
from .keynames import DEFAULT_VOCABULARY, KeyVocabulary
from .mentions import TRIGGER_AUTH_USERS, IdentityMentions, find_auth_users
from .national_ids import FINDERS as NATIONAL_ID_FINDERS
from .national_ids import TRIGGER_NINO, TRIGGER_SSN_CONTEXT, find_nino, find_ssn_in_context, ssn_valid
from .phone import DEFAULT_REGIONS, TRIGGER_INTERNATIONAL, PhoneFinder
from .vendors import VENDOR_TOKENS, VendorToken

try:  # one linear-time pass for every detector's trigger; the pure-Python gates below are the fallback
    import re2 as _re2
except ImportError:  # pragma: no cover - google-re2 is a default dependency
    _re2 = None
try:  # the same RE2::Set called without google-re2's pybind11 layer (setup.py builds it where libre2-dev is)
    from . import _textgate as _GATE
except ImportError:  # no compiler or no RE2 headers at install time: google-re2's Set, same passes
    _GATE = None
# The trigger set scanners built from now on call: RE2 directly when built. (The tests set it to None to run
# google-re2's binding too.)
_textgate = _GATE

__all__ = ["TextScanner", "Finding", "luhn_valid", "iban_valid"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected value: which detector, where, and what replaces it."""

    detector: str
    start: int
    end: int
    replacement: str = ""


# -- validators -----------------------------------------------------------------------------
def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) checksum used by payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# IBAN lengths per country (ISO 13616 registry); unknown countries fall back to 15..34.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
    "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27,
    "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24,
    "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    # added to the registry since 2020
    "BI": 27, "BY": 28, "DJ": 27, "FK": 18, "HN": 28, "LY": 25, "MN": 20, "NI": 28, "OM": 23, "RU": 33, "SD": 18,
    "SO": 23, "YE": 30,
}


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check (spaces ignored, any case) for a registered country at its registered length."""
    s = iban.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit():
        return False
    rearranged = s[4:] + s[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


# Issuer identification ranges of every network with the lengths it issues: Visa 4 (13, 16, 19); Mastercard 51–55
# and 2221–2720 (16), Mir 2200–2204 (16–19); Amex 34, 37 (15); Diners 30, 36, 38, 39 (14–19); JCB 3528–3589 (16–19);
# Maestro 50, 56–58, 6x (12–19); Discover 6011, 644–649, 65, UnionPay 62, 81, RuPay 60, 65, 81, 82 (16–19); Troy
# 9792 (16). The 2x and 6x ranges are taken whole (a Luhn check follows); a length no network issues under the
# prefix ("3812 1356 8516 7": 13 digits under Diners' 38) is some other number that happens to pass Luhn.
_CARD_NUMBER = re.compile(r"4(?:\d{12}|\d{15}|\d{18})|(?:5[1-5]|2[2-7]|35|8[12])\d{14,17}|3[47]\d{13}|3[0689]\d{12,17}"
                          r"|5[06-8]\d{11,17}|6\d{12,18}|9792\d{12}")


def _card_valid(digits: str) -> bool:
    return _CARD_NUMBER.fullmatch(digits) is not None and luhn_valid(digits)


# -- patterns -------------------------------------------------------------------------------
# E-mail addresses are found at their "@": the local part is read backwards (at most RFC 5321's 64 characters,
# so a long word before a stray "@" costs 64 steps, not a regex retried at each of its characters) and the
# domain forwards. Letters of any script on both sides (jürgen@bücher.de, юрий@почта.рф), IDN (xn--) TLDs.
_EMAIL_LOCAL = re.compile(r"[\w.%+\-]{1,64}\Z")
_EMAIL_DOMAIN = re.compile(r"[^\W_](?:[\w\-]*[^\W_])?(?:\.[\w\-]+)*\.(?:xn--[\w\-]+|[^\W\d_]{2,})")
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*")
_BEARER = re.compile(r"\b((?i:bearer|basic|token|api-?key|ssws|splunk)\s+)([A-Za-z0-9._~+/\-]{8,}=*)")
_AUTH_HEADER = re.compile(r"(?i)(?:proxy-)?authori[sz]ation[\"']?\s*[:=]\s*[\"']?\Z")
_AWS_SECRET = re.compile(
    r"(?i:aws[\w.\-]*?(?:secret|key)[\w.\-]*)[\"']?(?:\s*[:=]\s*|\s+)[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
)
_PEM = re.compile(r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\Z)",
                  re.S)
_USERINFO = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:([^\s@/]+)@")
# One search over the lower-cased text decides whether the key=value and bearer passes run at all.
# Digit runs (cards, SSNs, IPv4) and IBANs in one pass. The pattern starts with \d, so the regex engine
# skips every other character with one table lookup (a branch starting with [A-Z] would stop it at every
# capital); an IBAN is found at its check digits and its country code is checked by a lookbehind.
_DIGITS = re.compile(
    r"\d(?:(?<=[A-Za-z]{2}\d)(\d(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?)(?![A-Za-z0-9])"  # IBAN: CC|99 BBAN
    r"|[\d\- .]{5,}\d)"  # a digit run of 7+ chars: cards, SSNs, IPv4 — validated in code
)
_SCHEME_WORDS = re.compile(r"bearer|basic|token|api-?key|ssws|splunk")  # the bearer pass's gate
_SEPARATOR = re.compile(r"[ \-.]")
# The IPv4 tail is tried first: "1:2:3:4:5:6:1.2.3.4" must not stop at "…:6:1" (then no address at all).
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d+\.\d+\.\d+\.\d+|[0-9A-Fa-f]{0,4})(?:%[\w.]+)?(?![\w:])")
_HOME = re.compile(r"(?:/home/|/Users/|[A-Za-z]:\\{1,2}Users\\{1,2}|\\\\Users\\\\)([^/\\\s\"':]+)")
# How cards are printed: groups of four (16 or 19 digits, 13 as 4-4-4-1), Amex 4-6-5, Diners 4-6-4.
_CARD_GROUPINGS = frozenset({(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 4, 4, 1), (4, 6, 5), (4, 6, 4)})
# The groupings a card may take as the tail of a longer chain: a 13-digit 4-4-4-1 tail ("order 4297 4073 3232 7716 3")
# is an order number's end far more often than a legacy 13-digit Visa written after other digits.
_CARD_TAIL_GROUPINGS = _CARD_GROUPINGS - {(4, 4, 4, 1)}
_CARD_RUN = re.compile(r"\d(?:[ \-]?\d){12,18}")
_CARD_CHAIN = re.compile(r"\d+(?:[ \-]\d+)+")  # digit groups joined by single spaces or hyphens
_DIGIT_GROUP = re.compile(r"\d+")
_SSN = re.compile(r"(\d{3})-(\d{2})-(\d{4})")
_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}")
# The rest of a value after its replacement: groups of digits and capitals ("REDACTED 345 678", "REDACTED) 555-0100",
# "REDACTED WEST 1234 5698"), each after one to three separators, the whole ending a word.
_TAIL = re.compile(r"(?:[ \-.()/]{1,3}[0-9A-Z]{1,12})+(?![\w@])")
_AFTER_KEY_SEPARATOR = re.compile(r"[:=][ \t]*\Z")
_FALSE = frozenset({"0", "false", "no", "off"})

# Triggers, in RE2 syntax: every finding of a pass contains its pass's trigger, so a text that matches no trigger
# of a pass cannot give that pass a finding. A looser trigger costs a pass; a tighter one leaks. RE2's \w, \d, \s
# and \b are ASCII-only where Python's are Unicode: a trigger spells out [^\x00-\x7f] wherever the detector's own
# class would take a non-ASCII character (digits need not: text is folded, so every digit is ASCII).
#
# Adding a detector pass (TextScanner.__init__): ``add((gate kind, gate, finder, trigger))`` — the gate is the
# pure-Python test used without RE2, the trigger the RE2 pattern; then give tests/test_text_prefilter.py's EDGES one
# finding per branch of the trigger (its mutation test fails otherwise). What a trigger costs: the whole set is one
# DFA walk per line, so a trigger adds no pass over the text, but it adds DFA states, and a benign line pays for
# every pass its trigger starts. So:
#   * start it with a literal of two or more characters (a prefix ``ghp_``, a word ``cookie``; ``(?i)`` is free) —
#     the DFA then leaves its idle state only where that literal starts. A leading class or optional part
#     (``[A-Z]\d``, ``(?:^|[^a-z])word``) keeps states alive at many positions, and each combination of live
#     states of all triggers is a DFA state of its own;
#   * keep counted repetitions short and after the literal (``word\s+[A-Za-z0-9]{8}``, not ``[\w]{20}word``);
#   * make it as tight as the detector allows: a trigger that also fires on benign look-alikes ("tokens=",
#     "mobile", "user 9") costs its pass's whole run on each of those lines — usually far more than its DFA states.
# Digit shapes (no literal to start on) go into ``_T_DIGITS`` when ``_find_digits`` can find them.
_T_PEM = r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY"  # _PEM's prefix
_T_URL = _url.TRIGGER_URLS  # scheme:// or www., host.tld/ or a.b.c.d/ (the URL module's finders)
_T_TARGET = _url.TRIGGER_TARGETS  # /path? or METHOD /path
_T_JWT = r"eyJ"
_T_AWS_SECRET = r"(?i)aws"
_T_DIGITS = {  # what _find_digits reports for each detector contains:
    "ip": r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d",  # an _IPV4 match
    "us_ssn": r"\d{3}-\d\d-\d{4}",  # an _SSN match
    "credit_card": r"\d(?:[ \-]?\d){12}",  # 13 digits, single separators between (runs and whole-group chains)
    # a registered country code (any case) starting a word, check digits, first BBAN group
    "iban": r"\b(?i:" + "|".join(sorted(_IBAN_LENGTHS)) + r")\d\d ?[A-Za-z0-9]{4}",
}
# _BEARER: the scheme, spaces (Python's \s: Unicode), the credential's first 8 characters ("token bucket" runs no pass)
_T_BEARER = r"(?i)\b(?:bearer|basic|token|api-?key|ssws|splunk)" + TRIGGER_SPACE + r"+[A-Za-z0-9._~+/\-]{8}"
_T_USERINFO = r"://[^\s:/@]*:[^\s@/]+@"  # RE2's \s is narrower, so [^\s…] is wider: still a superset
# _EMAIL_DOMAIN: a letter or digit, the rest of the first label, then its dot ("registry/orders@sha256:…" has none)
_T_EMAIL = r"(?:[\w.%+\-]|[^\x00-\x7f])@(?:[A-Za-z0-9]|[^\x00-\x7f])(?:[\w\-]|[^\x00-\x7f])*\."
_T_IPV6 = r"::|(?:[0-9A-Fa-f]{1,4}:){6}"  # a valid IPv6 address has "::" or six groups with colons (7, or 6 + IPv4)
_T_HOME = r"Users|/home/"

# Placeholder values that must not be re-detected ("password=REDACTED", "token: ***").
_ALREADY_SAFE = frozenset({"", "?", "*", "**", "***", "****", "<redacted>", "[redacted]", "null", "none", "true",
                           "false", "<hidden>", "xxx"})


_QUERY_KEY_BEFORE = re.compile(r"[?&][^\s?&=#]{1,64}=\Z")


def _finding_order(f: Finding) -> tuple[int, int]:
    """Earliest first, then longest."""
    return f.start, -f.end


class TextScanner:
    """Run the enabled detectors over free text; see the module docstring."""

    def __init__(
        self,
        *,
        detectors: Mapping[str, bool],
        custom: Iterable[Any] = (),
        replacement: str = "REDACTED",
        typed_replacement: bool = False,
        url_sanitizer: Any = None,
        ip_truncator: Callable[[str], str | None] | None = None,
        prefilter: bool | None = None,
        phone_regions: Sequence[str] = DEFAULT_REGIONS,
        phone_context_words: Iterable[str] = (),
        entropy_threshold: float = DEFAULT_ENTROPY_THRESHOLD,
        secret_words: Iterable[str] = (),
        vocabulary: KeyVocabulary = DEFAULT_VOCABULARY,
        pseudonymize: Callable[[str], str] | None = None,
        identity_key: Callable[[str], bool] | None = None,
        identity_words: Iterable[str] = (),
        pseudonym_shape: str | None = None,
    ) -> None:
        self._options = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        self.replacement = replacement
        self.typed = typed_replacement
        self.url = url_sanitizer
        self.ip_truncator = ip_truncator
        on = {name for name, enabled in detectors.items() if enabled}
        self.enabled = frozenset(on)
        self._custom: list[tuple[str, re.Pattern[str], str | None]] = []
        for c in custom:
            name, pattern, repl = (c.name, c.pattern, c.replacement) if hasattr(c, "pattern") else c
            self._custom.append((name, re.compile(pattern), repl))
        safe = {replacement.lower(), *_ALREADY_SAFE}
        self._safe_values = frozenset(safe)
        self._pseudonym = re.compile(pseudonym_shape) if pseudonym_shape else None
        self._phones = PhoneFinder(phone_regions, phone_context_words) if "phone" in on else None
        self._key_values = KeyValues(replacement=replacement, vocabulary=vocabulary, is_safe=self.is_safe)
        self._vocabulary = vocabulary
        self._secret_words = SecretWords(threshold=entropy_threshold, extra_words=secret_words, vocabulary=vocabulary,
                                         is_safe=self.is_safe) if "generic_secret" in on else None
        # a handle gets the pseudonym a user.name attribute would get; where user names are not pseudonymised, the
        # replacement
        self._handle_pseudonym = pseudonymize if pseudonymize is not None and identity_key is not None \
            and identity_key("user.name") else None
        self._mentions = IdentityMentions(is_identity_key=identity_key, pseudonymize=pseudonymize,
                                          words=identity_words, is_safe=self.is_safe) \
            if "identity" in on and pseudonymize is not None and identity_key is not None else None
        # (gate kind, gate, finder, trigger): kind 0 runs always, 1 when the gate string is in the text, 2 when it
        # is in the lower-cased text, 3 when gate(text, lower, per-call state) says so. Plain substring gates are
        # tested inline (no call). With RE2 the triggers decide instead (each implies its gate).
        passes: list[tuple[int, Any, Callable[[str], Iterable[Finding]], str]] = []
        add = passes.append
        if "private_key" in on:
            add((1, "PRIVATE KEY", self._find_pem, _T_PEM))
        if "url" in on:
            add((3, lambda t, lo, st: _url.gate_urls(t, lo), self._find_urls, _T_URL))
            add((3, lambda t, lo, st: _url.gate_targets(t), self._find_targets, _T_TARGET))
        if "jwt" in on:
            add((1, "eyJ", self._simple(_JWT, "jwt"), _T_JWT))
        if "aws_key" in on:
            add((2, "aws", self._find_aws_secret, _T_AWS_SECRET))
        for token in VENDOR_TOKENS:  # one pass per format: the trigger set runs only the formats a line holds
            if token.detector in on:
                lits = token.literals
                finder = self._vendor_finder(token)
                if len(lits) == 1:
                    add((1, lits[0], finder, token.trigger))
                else:
                    add((3, lambda t, lo, st, lits=lits: any(x in t for x in lits), finder, token.trigger))
        if on & _T_DIGITS.keys():
            # every finding starts a word (_bounded, _word_start, the IPv4 check): hex ids and hashes, whose digit
            # runs are glued to letters, start no pass
            add((0, None, self._find_digits,
                 r"\b(?:" + "|".join(t for name, t in _T_DIGITS.items() if name in on) + ")"))
        if "bearer" in on:
            add((3, lambda t, lo, st: _SCHEME_WORDS.search(lo) is not None, self._find_bearer, _T_BEARER))
        if "connection_string" in on:
            add((3, lambda t, lo, st: "://" in t and "@" in t, self._find_userinfo, _T_USERINFO))
            add((0, None, self._spans("connection_string", self._key_values.find), TRIGGER_KEY_VALUE))
            add((1, "-", self._spans("connection_string", self.command_line_spans), _cmdline.TRIGGER_COMMAND_LINE))
            add((3, lambda t, lo, st: "AUTH" in t or "LOGIN" in t or "PASS" in t or "send: " in t,
                 self._spans("connection_string", lambda t: find_protocol_auth(t, self.is_safe)),
                 TRIGGER_PROTOCOL_AUTH))
        if self._secret_words is not None:
            add((0, None, self._spans("generic_secret", self._secret_words.find), self._secret_words.trigger))
            add((2, "sess", self._spans("generic_secret", find_session_keys), TRIGGER_SESSION_KEYS))
        if "cookie" in on:
            add((2, "cookie", self._spans("cookie", lambda t: find_cookies(t, self.is_safe)), TRIGGER_COOKIES))
        if "uk_nino" in on:
            add((0, None, self._spans("uk_nino", find_nino), TRIGGER_NINO))
        if "us_ssn" in on:
            add((3, lambda t, lo, st: "ssn" in lo or "social" in lo, self._spans("us_ssn", find_ssn_in_context),
                 TRIGGER_SSN_CONTEXT))
        for nid in NATIONAL_ID_FINDERS:  # one pass per id: the trigger set runs only the ids a line names or shows
            if nid.detector in on:
                gate = (3, lambda t, lo, st, ws=nid.gate_words: any(w in lo for w in ws)) if not nid.spec.anywhere \
                    else (0, None)
                add((*gate, self._spans(nid.detector, nid.find), nid.trigger))
        if "mac_address" in on:
            add((3, lambda t, lo, st: ":" in t or "-" in t or "." in t, self._spans("mac_address", find_mac),
                 TRIGGER_MAC))
        if "crypto_wallet" in on:
            add((0, None, self._spans("crypto_wallet", find_wallets), TRIGGER_WALLET))
        if self._mentions is not None:
            add((0, None, self._find_mentions, self._mentions.trigger))
        if "identity" in on:  # the user an authentication failure names: 'failed for user "jane"'
            add((0, None, self._find_auth_users, TRIGGER_AUTH_USERS))
        if "social_handle" in on:
            add((1, "@", self._find_handles, TRIGGER_HANDLE))
        if replacement:  # "phone: REDACTED 345 678": the rest of a value another pass cut at a space
            add((1, replacement, self._find_replaced_tails, re.escape(replacement) + r"[ \-.()/]"))
        if "email" in on:
            add((1, "@", self._find_emails, _T_EMAIL))
        if "ip" in on:
            add((3, lambda t, lo, st: "::" in t or t.count(":") >= 6, self._find_ipv6, _T_IPV6))
        if "home_path" in on:
            add((3, lambda t, lo, st: "Users" in t or "/home/" in t, self._find_home, _T_HOME))
        if self._phones is not None:
            add((1, "+", self._find_international_phones, TRIGGER_INTERNATIONAL))
            add((0, None, self._find_national_phones, self._phones.trigger_national))
        self._passes = [p[:3] for p in passes]
        #: Each pass's RE2 trigger, in pass order (the prefilter tests mutate them one branch at a time).
        self.triggers: tuple[str, ...] = tuple(p[3] for p in passes)
        if prefilter is None:
            prefilter = os.environ.get("OTEL_PRIVACY_TEXT_PREFILTER", "true").strip().lower() not in _FALSE
        self._gate, self._triggers, self._sentinel = _compile_triggers(self.triggers) if prefilter and passes \
            else (None, None, -1)
        self._install_front()

    def _install_front(self) -> None:
        """With RE2's set bound directly, ``find`` and ``scrub`` of this scanner are ``scrub/_textgate``'s ``Front``:
        the same steps as the methods below (the reference, used otherwise), without their two Python frames per
        line. Either way the passes, the fold, the fallback gates and the replacement are this scanner's own."""
        for name in ("find", "scrub"):
            self.__dict__.pop(name, None)
        trigger_set = getattr(self._gate, "__self__", None)
        front = getattr(_textgate, "Front", None)
        if trigger_set is None or front is None:
            return
        fast = front(trigger_set, self._passes, fold, self._gated, self._find_custom if self._custom else None,
                     _finding_order, self._replace)
        self.find, self.scrub = fast.find, fast.scrub  # type: ignore[method-assign]

    def variant(self, **overrides: Any) -> TextScanner:
        """A scanner built with the same arguments as this one except ``overrides`` (``prefilter=False``, …)."""
        return TextScanner(**{**self._options, **overrides})

    def with_triggers(self, triggers: Sequence[str]) -> TextScanner:
        """This scanner with other RE2 triggers for its passes (tests check a tighter trigger loses findings)."""
        clone = self.variant(prefilter=False)
        clone.triggers = tuple(triggers)
        clone._gate, clone._triggers, clone._sentinel = _compile_triggers(clone.triggers)
        clone._install_front()
        return clone

    def is_safe(self, value: str) -> bool:
        """Already safe: the replacement, a placeholder (``***``, ``<redacted>``) or exactly a keyed pseudonym."""
        v = value.strip().lower()
        return v in self._safe_values or (self._pseudonym is not None and self._pseudonym.fullmatch(value.strip())
                                          is not None)

    def command_line_spans(self, text: str) -> list[tuple[int, int]]:
        """Credentials in the command lines of ``text`` (``scrub/cmdline.py``), when ``connection_string`` is on."""
        if "connection_string" not in self.enabled:
            return []
        return _cmdline.find_in_text(text, vocabulary=self._vocabulary, is_safe=self.is_safe)

    def argv_spans(self, args: Sequence[str]) -> list[tuple[int, int, int]]:
        """``(element, start, end)`` of the credentials in an argv list (``["mysql", "-pS3cret"]``)."""
        if "connection_string" not in self.enabled:
            return []
        return _cmdline.find_in_argv(args, vocabulary=self._vocabulary, is_safe=self.is_safe)

    @property
    def prefilter(self) -> bool:
        """Whether the one-pass RE2 trigger set is in use (google-re2 installed and not switched off)."""
        return self._gate is not None or self._triggers is not None

    @property
    def prefilter_engine(self) -> str | None:
        """Which trigger set gates the passes: ``"re2"`` (RE2 called directly, ``scrub/_textgate.cc``),
        ``"google-re2"`` (its pybind11 binding) or ``None`` (the pure-Python gates)."""
        return "re2" if self._gate is not None else "google-re2" if self._triggers is not None else None

    # -- public ---------------------------------------------------------------------------
    def find(self, text: str) -> list[Finding]:
        """All non-overlapping findings in ``text``, in order (earliest, then longest, wins)."""
        if not text:
            return []
        # Non-ASCII text is read folded (full-width digits, Unicode spaces and dashes → ASCII, one for one): the
        # detectors see "4111 1111 …" where the text has "４１１１\u00a0１１１１ …", and the spans are the same.
        scan = text if text.isascii() else fold(text)
        found: list[Finding] = []
        hits: Sequence[int] | None = None
        if (gate := self._gate) is not None:  # RE2 directly: the passes' indices, or None when it cannot answer
            try:
                hits = gate(scan)
            except Exception:  # noqa: BLE001 - the accelerator must never cost a finding
                hits = None
        elif (match := self._triggers) is not None:  # google-re2's Set: the sentinel tells an answer from none
            try:
                answer = match(scan.encode())
            except Exception:  # noqa: BLE001 - the accelerator must never cost a finding (e.g. lone surrogates)
                answer = None
            if answer and self._sentinel in answer:
                answer.sort()
                hits = answer[:-1]  # without the sentinel (the highest index, so last once sorted)
        if hits is not None:  # RE2 answered; each trigger implies its pass's gate
            passes = self._passes
            for i in hits:
                found.extend(passes[i][2](scan))
        else:
            found = self._gated(scan)
        if self._custom:
            self._find_custom(text, found)
        if len(found) > 1:
            found.sort(key=_finding_order)
        return found

    def _gated(self, scan: str) -> list[Finding]:
        """The passes' findings in ``scan`` (folded text), each pass gated by its pure-Python gate."""
        found: list[Finding] = []
        lower = scan.lower()
        state: dict[str, bool] = {}
        for kind, gate, finder in self._passes:
            if kind == 1:
                if gate not in scan:
                    continue
            elif kind == 2:
                if gate not in lower:
                    continue
            elif kind == 3 and not gate(scan, lower, state):
                continue
            found.extend(finder(scan))
        return found

    def _find_custom(self, text: str, found: list[Finding]) -> None:
        """Append the users' own patterns' findings in ``text`` (read as it was written, not folded)."""
        for name, rx, repl in self._custom:
            for m in rx.finditer(text):
                if m.end() > m.start():
                    found.append(Finding(name, m.start(), m.end(), repl if repl is not None else self._repl(name)))

    def scrub(self, text: str) -> tuple[str, dict[str, int]]:
        """Replace every finding; returns the new text and counts per detector.

        Overlapping findings are resolved earliest-longest first. When a dropped finding
        reaches past the chosen one, its tail is replaced too (if it holds any letter or
        digit), so no part of a detected value survives.
        """
        findings = self.find(text)
        if not findings:
            return text, {}
        return self._replace(text, findings)

    def _replace(self, text: str, findings: list[Finding]) -> tuple[str, dict[str, int]]:
        """``text`` with ``findings`` (sorted, as ``find`` returns them) replaced, and the counts per detector."""
        counts: dict[str, int] = {}
        parts: list[str] = []
        pos = 0
        for f in findings:
            if f.start < pos:
                if f.end > pos:
                    tail = text[pos:f.end]
                    if any(c.isalnum() for c in tail):
                        parts.append(f.replacement if f.detector not in ("url", "ip") else self._repl(f.detector))
                        counts[f.detector] = counts.get(f.detector, 0) + 1
                    else:
                        parts.append(tail)
                    pos = f.end
                continue
            parts.append(text[pos:f.start])
            parts.append(f.replacement)
            pos = f.end
            if text[f.start:f.end] != f.replacement:
                counts[f.detector] = counts.get(f.detector, 0) + 1
        parts.append(text[pos:])
        return "".join(parts), counts

    # -- detectors ------------------------------------------------------------------------
    def _repl(self, detector: str) -> str:
        return f"<{detector}>" if self.typed else self.replacement

    def _simple(self, rx: re.Pattern[str], name: str) -> Callable[[str], Iterable[Finding]]:
        repl = self._repl(name)
        return lambda text: [Finding(name, m.start(), m.end(), repl) for m in rx.finditer(text)]

    def _find_emails(self, text: str) -> Iterable[Finding]:
        repl = self._repl("email")
        out = []
        pos = 0
        while (at := text.find("@", pos)) >= 0:
            pos = at + 1
            local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
            if local is None:
                continue
            domain = _EMAIL_DOMAIN.match(text, pos)
            if domain is None:
                continue
            if local.group(0).endswith(self.replacement):  # "REDACTED:REDACTED@host" from the URL sanitiser
                continue
            out.append(Finding("email", local.start(), domain.end(), repl))
            pos = domain.end()
        return out

    def _find_pem(self, text: str) -> Iterable[Finding]:
        repl = self._repl("private_key")
        return [Finding("private_key", m.start(), m.end(), repl) for m in _PEM.finditer(text)]

    def _find_urls(self, text: str) -> Iterable[Finding]:
        url = self.url if self.url is not None else _url.default_sanitizer()
        return [Finding("url", a, b, new) for a, b, new in url.find_urls(text)]

    def _find_targets(self, text: str) -> Iterable[Finding]:
        url = self.url if self.url is not None else _url.default_sanitizer()
        return [Finding("url", a, b, new) for a, b, new in url.find_targets(text)]

    def _find_userinfo(self, text: str) -> Iterable[Finding]:
        repl = self._repl("connection_string")
        return [Finding("connection_string", m.start(1), m.end(1), repl) for m in _USERINFO.finditer(text)]

    def _spans(self, name: str, find: Callable[[str], Iterable[tuple[int, int]]]) -> Callable[[str], list[Finding]]:
        """A finder that reports ``(start, end)`` spans, as findings of detector ``name``."""
        repl = self._repl(name)

        def run(text: str) -> list[Finding]:
            return [Finding(name, a, b, repl) for a, b in find(text)]

        run.__name__ = f"_find_{name}"
        return run

    def _find_mentions(self, text: str) -> Iterable[Finding]:
        return [Finding("identity", a, b, new) for a, b, new in self._mentions.find(text)]

    def _find_auth_users(self, text: str) -> Iterable[Finding]:
        pseudonym = self._handle_pseudonym  # a user name's: where user names are not pseudonymised, the replacement
        repl = self._repl("identity")
        return [Finding("identity", a, b, pseudonym(text[a:b]) if pseudonym is not None else repl)
                for a, b in find_auth_users(text) if not self.is_safe(text[a:b])]

    def _find_handles(self, text: str) -> Iterable[Finding]:
        pseudonym = self._handle_pseudonym
        repl = self._repl("social_handle")
        return [Finding("social_handle", a, b, pseudonym(text[a:b]) if pseudonym is not None else repl)
                for a, b in find_handles(text) if not self.is_safe(text[a:b])]

    def _find_replaced_tails(self, text: str) -> Iterable[Finding]:
        out = []
        repl = self.replacement
        pos = 0
        while (at := text.find(repl, pos)) >= 0:
            pos = at + len(repl)
            if not _AFTER_KEY_SEPARATOR.search(text, max(0, at - 4), at):
                continue  # only the value of a key ("phone: REDACTED …"), not prose around a replacement
            if _QUERY_KEY_BEFORE.search(text, max(0, at - 70), at):
                continue  # a URL query value has no blanks: "?token=REDACTED HTTP/1.1" ends at the blank
            m = _TAIL.match(text, pos)
            if m and sum(c.isdigit() for c in m.group(0)) >= 2:
                out.append(Finding("replaced_tail", at, m.end(), repl))
                pos = m.end()
        return out

    def _find_bearer(self, text: str) -> Iterable[Finding]:
        repl = self._repl("bearer")
        out = []
        for m in _BEARER.finditer(text):
            cred = m.group(2)
            end = m.end(2)
            if cred.endswith("=") and end < len(text) and text[end].isalnum():
                continue  # "Bearer expires_in=3600": the next key=value pair, not a credential
            if self.is_safe(cred):
                continue
            # Prose ("Basic authentication", "token expired") has no digits or token punctuation; a credential of
            # letters only has both cases inside, or stands after an Authorization header.
            header = _AUTH_HEADER.search(text, max(0, m.start() - 40), m.start()) is not None
            if not header:
                if m.group(1)[:5].lower() == "token" and not looks_random(cred):
                    continue  # "token service.auth.handler_v2": "token" starts prose far more often than a header
                letters_only = not any(c.isdigit() or c in ".~+/=" for c in cred)  # "-", "_": identifiers have them
                if letters_only and not (len(cred) >= 12 and any(c.isupper() for c in cred[1:])
                                         and any(c.islower() for c in cred)):
                    continue
            out.append(Finding("bearer", m.start(2), end, repl))
        return out

    def _find_aws_secret(self, text: str) -> Iterable[Finding]:
        repl = self._repl("aws_key")
        return [Finding("aws_key", m.start(1), m.end(1), repl) for m in _AWS_SECRET.finditer(text)]

    def _vendor_finder(self, token: VendorToken) -> Callable[[str], Iterable[Finding]]:
        rx, name, word_start = token.compile(), token.detector, token.word_start
        repl = self._repl(name)
        group = rx.groups > 0

        def find(text: str) -> list[Finding]:
            out = []
            for m in rx.finditer(text):
                if word_start and not _word_start(text, m.start()):
                    continue
                a, b = m.span(1) if group else m.span()
                if text[a:b].lower() not in self._safe_values:
                    out.append(Finding(name, a, b, repl))
            return out

        find.__name__ = f"_find_{name}"
        return find

    def _find_digits(self, text: str) -> Iterable[Finding]:
        out: list[Finding] = []
        n = len(text)
        iban = "iban" in self.enabled
        search = _DIGITS.search
        pos = 0
        while (m := search(text, pos)) is not None:
            start, end = m.span()
            if m.lastindex:  # an IBAN candidate: the country code sits before the match
                cc = start - 2
                iban_end = _iban_end(text, cc, end) if iban and _word_start(text, cc) else 0
                if iban_end:
                    out.append(Finding("iban", cc, iban_end, self._repl("iban")))
                    pos = iban_end
                    continue
            elif not (start and (text[start - 1].isalnum() or text[start - 1] == "_")):
                run = m.group(0)
                if len(run) >= 11 or run.count(".") >= 3:  # shorter runs without 3 dots (dates, times) hold nothing
                    self._digit_run(text, run, start, n, out)
                pos = end
                continue
            # Glued to letters: an identifier (hex ids, hashes) or IBAN-shaped text that is not an IBAN. The run
            # itself is no card, SSN or address, but what follows its first separator may be: "REF12 4111 1111 …".
            sep = _SEPARATOR.search(text, start, end)
            pos = sep.end() if sep else end
        return out

    def _digit_run(self, text: str, run: str, start: int, n: int, out: list[Finding]) -> None:
        """Cards, SSNs and IPv4 addresses inside a run of digits and separators that starts a word."""
        on = self.enabled
        dots = run.count(".")
        if dots >= 3 and "ip" in on:
            self._ipv4(text, run, start, n, out)
        if len(run) >= 11 and "-" in run and "us_ssn" in on:
            for s in _SSN.finditer(run):
                a, b = start + s.start(), start + s.end()
                if _bounded(text, a, b) and ssn_valid(*s.groups()):
                    out.append(Finding("us_ssn", a, b, self._repl("us_ssn")))
        if len(run) >= 13 and "credit_card" in on and len(run) - dots - run.count(" ") - run.count("-") >= 13:
            self._cards(text, run, start, out)

    def _ipv4(self, text: str, run: str, offset: int, n: int, out: list[Finding]) -> None:
        for s in _IPV4.finditer(run):
            a, b = offset + s.start(), offset + s.end()
            if a and (text[a - 1].isalnum() or text[a - 1] in "._"):
                continue  # v1.2.3.4 is a version, x1.2.3.4 part of a name
            if b < n and (text[b].isalnum() or text[b] == "." and b + 1 < n and text[b + 1].isdigit()):
                continue  # 1.3.6.1.4.1 is an OID, not an address
            truncated = self.ip_truncator(s.group(0)) if self.ip_truncator else None
            if truncated is None:
                try:
                    ipaddress.IPv4Address(s.group(0))
                except ValueError:
                    continue
                truncated = self._repl("ip")
            out.append(Finding("ip", a, b, truncated))

    def _cards(self, text: str, run: str, offset: int, out: list[Finding]) -> None:
        repl = self._repl("credit_card")
        for s in _CARD_RUN.finditer(run):
            a, b = offset + s.start(), offset + s.end()
            if _bounded(text, a, b) and _card_valid(s.group(0).replace(" ", "").replace("-", "")):
                out.append(Finding("credit_card", a, b, repl))
        # "ref 3456 4111 1111 1111 1111": a card made of the last whole groups of a longer chain (the greedy run
        # above read the chain from its first digit), grouped as cards are printed. A valid prefix of a longer chain,
        # or a suffix grouped otherwise ("order 6011 3444 7266 5104 440"), is a number that happens to pass Luhn.
        for chain in _CARD_CHAIN.finditer(run):
            groups = [g.span() for g in _DIGIT_GROUP.finditer(run, chain.start(), chain.end())]
            for i in range(1, len(groups) - 1):
                sub = "".join(run[x:y] for x, y in groups[i:])
                if len(sub) < 13:
                    break
                if tuple(y - x for x, y in groups[i:]) in _CARD_TAIL_GROUPINGS and _card_valid(sub):
                    out.append(Finding("credit_card", offset + groups[i][0], offset + groups[-1][1], repl))
                    break

    def _find_ipv6(self, text: str) -> Iterable[Finding]:
        out = []
        for m in _IPV6.finditer(text):
            candidate = m.group(0)
            try:
                ipaddress.IPv6Address(candidate.split("%", 1)[0])
            except ValueError:
                continue  # 12:34:56 timestamps, MAC addresses
            truncated = self.ip_truncator(candidate) if self.ip_truncator else None
            out.append(Finding("ip", m.start(), m.end(), truncated if truncated is not None else self._repl("ip")))
        return out

    def _find_international_phones(self, text: str) -> Iterable[Finding]:
        repl = self._repl("phone")
        return [Finding("phone", a, b, repl) for a, b in self._phones.international(text)]

    def _find_national_phones(self, text: str) -> Iterable[Finding]:
        repl = self._repl("phone")
        return [Finding("phone", a, b, repl) for a, b in self._phones.national(text)]

    def _find_home(self, text: str) -> Iterable[Finding]:
        repl = "<user>" if self.typed else self.replacement
        return [Finding("home_path", m.start(1), m.end(1), repl) for m in _HOME.finditer(text)]


_RE2_MAX_MEM = 64 << 20  # the DFA's state cache grows lazily; a set that runs out of it matches nothing


def _compile_triggers(triggers: Sequence[str]) -> tuple[Callable[[str], Sequence[int] | None] | None,
                                                         Callable[[bytes], list[int]] | None, int]:
    """One RE2 set over the passes' triggers: ``(gate, match, sentinel)``, one of ``gate`` and ``match`` set.

    ``gate(text)`` is ``scrub/_textgate``'s ``TriggerSet.match`` (RE2::Set called directly, where it was built): the
    sorted indices of the triggers in ``text``, or ``None`` when RE2 cannot answer. Otherwise ``match(utf8)`` is
    google-re2's ``Set.Match``, which lists the passes that may find something (unsorted) and the sentinel:

    RE2's ``Set::Match`` reports nothing at all when its DFA runs out of memory, which would look like "no
    trigger" and skip every pass. A last pattern that matches any non-empty text tells the two apart: the
    caller runs the listed passes only when that sentinel's index is among them, and otherwise falls back to
    the pure-Python gates. The sentinel matches the first character only (``\\A``): a pattern that matched at
    every character (``(?s).``) would make every DFA state a match state, and RE2 records the matching patterns
    at each match state, byte after byte — a third of the set's cost on a benign line.
    ``match`` is RE2's own ``Set.Match`` on UTF-8 bytes (the Python wrapper's extra call and ``isinstance`` cost as
    much as a short line's DFA walk). Both ``None`` without RE2. The direct binding needs no sentinel: RE2's
    ``ErrorInfo`` tells it an out-of-memory DFA from no match.
    """
    if _textgate is not None:
        try:
            return _textgate.TriggerSet(list(triggers), _RE2_MAX_MEM).match, None, -1
        except ValueError:  # a trigger this RE2 build cannot compile: google-re2's may
            pass
    if _re2 is None:
        return None, None, -1
    try:
        options = _re2.Options()
        options.max_mem = _RE2_MAX_MEM
        options.log_errors = False
        rset = _re2.Set.SearchSet(options)
        for trigger in triggers:
            rset.Add(trigger)
        sentinel = rset.Add(r"\A(?s:.)")
        rset.Compile()
    except Exception:  # noqa: BLE001 - an RE2 build without a feature we use: the Python gates still work
        return None, None, -1
    raw = getattr(rset, "_set", None)  # google-re2's pybind object under its Python wrapper
    if raw is not None and callable(getattr(raw, "Match", None)):
        return None, raw.Match, sentinel
    wrapped = rset.Match
    return None, (lambda utf8: wrapped(utf8) or []), sentinel


def _iban_end(text: str, cc: int, end: int) -> int:
    """End of the valid IBAN at ``cc`` within ``text[cc:end]``, or 0. The candidate may have taken a short word
    after it as its last group ("DE89 3704 0044 0532 0130 00 ok"): shorter ends at a space are tried too."""
    while end > cc:
        if iban_valid(text[cc:end]):
            return end
        end = text.rfind(" ", cc, end)
    return 0


def _word_start(text: str, a: int) -> bool:
    return not a or not (text[a - 1].isalnum() or text[a - 1] == "_")


def _bounded(text: str, a: int, b: int) -> bool:
    """The match is not glued to letters, digits or id punctuation on either side."""
    if a and (text[a - 1].isalnum() or text[a - 1] in "_-."):
        return False
    return not (b < len(text) and (text[b].isalnum() or text[b] in "_" or text[b] == "-" and
                                   b + 1 < len(text) and text[b + 1].isdigit()))
