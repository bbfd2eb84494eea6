"""Credentials written into prose and command lines, found by the words in front of them.

* :class:`KeyValues` — ``password=…``, ``Passwort: …``, ``"secret": "…"``: the value after a secret key, up
  to the delimiter the text really uses (``;`` in a connection string, the end of the line in YAML, ``.env``
  or INI lines, otherwise the end of the word), so ``Password=P@ss w0rd,x;`` loses all of ``P@ss w0rd,x``.
  Keys are read as words (:mod:`.keynames`): counts (``prompt_tokens=812``) and descriptions of a secret
  (``token_type=Bearer``) are not secrets.
* :class:`SecretWords` — the generic rule: after a secret word (``password``, ``token``, ``api key``,
  ``Passwort``, ``contraseña``, ``mot de passe``, ``пароль``, ``密码``, …) and an optional ``:``/``=``/``is``, a
  token of 20 or more characters that *looks random* (:func:`looks_random`: Shannon entropy over a
  threshold, letters mixed with digits, not a dotted or dashed identifier), or one of 12–19 characters whose letters
  and digits are mixed as generators mix them (``token Zq8vLp3XwR7tY``; not hex, versions or durations), or — after
  a password word — a word of six or more characters with a digit or a symbol (``password Summer2024!``); after a
  one-time-code word that is the whole key (``verification code``, ``OTP``, ``PIN``), a code of 4–8 digits.
* :func:`find_protocol_auth` — SMTP/IMAP/POP3 transcripts: ``AUTH PLAIN <base64>``, the base64 lines of ``AUTH
  LOGIN``, IMAP ``LOGIN user password``, POP3 ``PASS``.
* :func:`find_session_keys` — session ids of 12+ characters in cache keys (``session:<id>``, ``sess:<id>``).
* Command lines are :mod:`.cmdline`'s.
* :func:`find_cookies` — ``Cookie:`` and ``Set-Cookie:`` header lines: every cookie value (names and cookie
  attributes such as ``Path`` and ``Expires`` stay).

Values that are already safe (the replacement text, placeholders, keyed pseudonyms) are never taken again;
a replacement followed by more of the value it replaced (``Password=REDACTED w0rd,x;``, left by a pass that
cut the value at a space) loses the rest too.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable

from .keynames import (
    COUNT,
    DEFAULT_VOCABULARY,
    METADATA_WORDS,
    SECRET,
    SECRET_WORDS,
    KeyVocabulary,
    key_words,
    refers_to_secret,
)
from .words import KeyBounds, lower_in_place, trie_pattern

__all__ = ["KeyValues", "SecretWords", "drop_covered_words", "find_cookies", "find_protocol_auth", "find_session_keys",
           "looks_random", "shannon_entropy", "PASSWORD_WORDS", "TRIGGER_COOKIES", "TRIGGER_PROTOCOL_AUTH",
           "TRIGGER_SESSION_KEYS", "TRIGGER_SPACE", "DEFAULT_ENTROPY_THRESHOLD"]

DEFAULT_ENTROPY_THRESHOLD = 3.5

#: Words whose value may be a short, human-chosen secret: after these, ``Summer2024!`` is taken too.
PASSWORD_WORDS = frozenset({
    "password", "passwords", "passwd", "pwd", "passphrase", "passcode", "passwort", "kennwort", "contraseña",
    "contrasena", "senha", "motdepasse", "mot de passe", "mdp", "wachtwoord", "haslo", "hasło", "lösenord",
    "losenord", "adgangskode", "passord", "salasana", "jelszo", "jelszó", "heslo", "sifre", "şifre", "parola",
    "clave", "пароль", "密码", "密碼", "口令", "パスワード", "비밀번호", "κωδικός", "κωδικος", "lozinka", "geslo",
    "parool", "salasõna", "salasona", "mật khẩu", "mat khau", "סיסמה", "סיסמא", "รหัสผ่าน", "كلمة السر", "كلمة المرور",
    "पासवर्ड",
})
# "<qualifier> key" in prose ("api key", "access-key", "signing key"): "key" alone is a cache key or a map key.
_KEY_QUALIFIERS = ("api", "access", "secret", "private", "signing", "encryption", "master", "client", "app", "auth",
                   "account", "license", "licence", "subscription", "storage", "service", "webhook", "deploy", "ssh",
                   "session", "consumer", "shared", "ingest", "admin")
# "header value": requests' InvalidHeader repeats a header's value without its name ("… in header value: '<value>\\n'")
_PHRASES = ("header value", "mot de passe", "client secret", "one time password", "clé api", "clave de api",
            "chave de api", "api-schlüssel", "clé secrète", "clave secreta", "chave secreta", "chiave segreta",
            "geheimer schlüssel")
# Extra words for prose in other languages that keys.SECRET_WORDS (a vocabulary of key names) leaves out.
_PROSE_WORDS = ("jeton", "geheim", "geheimnis", "segredo", "chiave", "chave", "ключ", "секрет", "令牌", "密钥", "秘密",
                "トークン", "토큰", "schlüssel", "clé")
# Words after which a short code of 4-8 digits is a one-time secret ("your verification code is 482913", "OTP:
# 482913", "PIN 4821"): read only when the word is the whole key ("spin 1200 rpm", "user_pin_count 4" stay).
CODE_WORDS = frozenset({
    "otp", "totp", "pin", "pin code", "one time code", "verification code", "security code", "confirmation code",
    "login code", "sign in code", "2fa code", "mfa code", "sms code", "auth code", "authentication code",
    "access code", "bestätigungscode", "sicherheitscode", "código de verificación", "codigo de verificacion",
    "code de vérification", "code de confirmation", "codice di verifica", "verificatiecode", "kod weryfikacyjny",
    "код подтверждения", "验证码", "認証コード", "인증번호",
})
_CODE_KEYS = frozenset(re.sub(r"[ _\-]", "", w) for w in CODE_WORDS)
_WEAK = frozenset({"pin", "cvv", "cvc", "dsn", "jwt", "otp", "session", "signature", "cookie", "cookies", "bearer",
                   "authorization"})  # left to their own detectors or too common in prose for the short-value rule


def shannon_entropy(s: str) -> float:
    """Bits per character of ``s`` (0 for an empty string)."""
    n = len(s)
    if not n:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


_SEGMENTS = re.compile(r"[._\-/:~+]")
_HEX = frozenset("0123456789abcdefABCDEF-")


def looks_random(token: str, threshold: float = DEFAULT_ENTROPY_THRESHOLD) -> bool:
    """A token of 20+ characters that reads like a generated secret rather than a name, a path or a date.

    Random tokens mix letters with digits (or both cases), are not made of words and short numbers joined by
    dots or dashes (``expired_at_2026_11_23``, ``com.example.OrderHandler``), and have Shannon entropy of at
    least ``threshold`` bits per character — ``threshold - 0.5`` for hex digits, whose alphabet is smaller
    (a random 32-character hex string has ~3.6 bits, a base62 one ~4.5, an English identifier ~3.5).
    """
    if len(token) < 20:
        return False
    digits = sum(c.isdigit() for c in token)
    upper = sum(c.isupper() for c in token)
    lower = sum(c.islower() for c in token)
    if not upper and not lower:
        return False  # digits and punctuation: numbers, dates, IP lists
    if not digits and (upper < 2 or lower < 2 or sum(a.isupper() != b.isupper() for a, b in zip(token, token[1:])
                                                     if a.isalpha() and b.isalpha()) < 4):
        return False  # letters only: random only with several case changes (not "Authentication")
    segments = [s for s in _SEGMENTS.split(token) if s]
    if len(segments) >= 3 and all(s.isalpha() or s.isdigit() or len(s) <= 3 for s in segments):
        return False  # words, numbers and short parts joined: a name, a date, a version
    limit = threshold - 0.5 if all(c in _HEX for c in token) else threshold
    return shannon_entropy(token) >= limit


def _word_pattern(word: str) -> str:
    return re.escape(word).replace("\\ ", "[ _\\-]?")  # "api key": also api_key, api-key, apikey


def drop_covered_words(words: Iterable[str], covers: Callable[[str, str], bool] = lambda u, w: True
                       ) -> frozenset[str]:
    """``words`` without those holding another word followed only by key characters (``passwords``: ``password``;
    ``motdepasse``: ``mot de passe``; ``chave secreta``: ``secret``): a trigger built from the rest, a word then the
    rest of its key, fires wherever one built from all would, and has no branch that never fires alone. ``clé
    secrète`` stays: after ``clé`` comes a space. ``covers(u, w)`` may refuse a cover."""
    words = set(words)
    compiled = {w: re.compile(_word_pattern(w) + r"[\w.\-]*\Z") for w in words}
    return frozenset(w for w in words if not any(u != w and compiled[u].search(w) and covers(u, w) for u in words))


def _alternation(words: Iterable[str]) -> str:
    return "|".join(_word_pattern(w) for w in sorted(set(words), key=len, reverse=True))


class SecretWords:
    """The generic rule (module docstring): secret word, optional separator, a random-looking token."""

    def __init__(self, *, threshold: float = DEFAULT_ENTROPY_THRESHOLD, extra_words: Iterable[str] = (),
                 vocabulary: KeyVocabulary = DEFAULT_VOCABULARY, is_safe: Callable[[str], bool] = lambda v: False,
                 ) -> None:
        self.threshold = threshold
        self.vocabulary = vocabulary
        self.is_safe = is_safe
        # Words of the key vocabulary are checked against it (prompt_tokens counts, token_type describes); the
        # prose words, phrases and the policy's own words are taken as they are.
        trusted = set(_PROSE_WORDS) | PASSWORD_WORDS | set(_PHRASES) | {f"{q} key" for q in _KEY_QUALIFIERS}
        trusted |= {w.strip().lower() for w in extra_words if w.strip()}
        words = {w for w in SECRET_WORDS if w not in _WEAK} | trusted
        self._trusted = frozenset(trusted)
        # the finder tries the longest words first ("clé secrète" before "clé"); the trigger needs only the words
        # no other one already finds ("clé" fires for "clé secrète")
        self._generic = frozenset(words)
        self._words = re.compile(trie_pattern(words | CODE_WORDS))
        #: the one-time-code words the trigger holds (a code word no other one already finds)
        self.code_words = drop_covered_words(CODE_WORDS)
        # a password word (6 characters) is covered only by another password word; any word covers the others (20)
        self.words = drop_covered_words(words, lambda u, w: _is_password_word(u) or not _is_password_word(w))
        # The trigger: a word, the rest of its key, a separator, then a token long enough to be taken — 12 characters
        # (the random rules), 6 after a password word, 4 digits after a one-time-code word. "token bucket",
        # "refreshing token" and "password reset" hold no such token, so most lines that merely mention a secret
        # word run no pass.
        passwords = {w for w in self.words if _is_password_word(w)}
        self.trigger = "(?i)" + "|".join(
            [f"(?:{_alternation(group)}){_T_AFTER_WORD}{{{n}}}" for group, n in ((self.words - passwords, 12),
                                                                                   (passwords, 6)) if group]
            + [f"(?:{_alternation(self.code_words)})[.\\-]*{_T_AFTER_WORD_SEP}\\d{{4}}"])  # the word is the key

    def find(self, text: str) -> list[tuple[int, int]]:
        lower = lower_in_place(text)
        out: list[tuple[int, int]] = []
        bounds: KeyBounds | None = None
        pos = 0
        for m in self._words.finditer(lower):
            a, b = m.span()
            if a < pos:
                continue
            word = m.group(0)
            if " " in word or "-" in word or "_" in word:
                key, ke = text[a:b], b  # a phrase: "api key", "mot de passe"
            else:
                if bounds is None:
                    bounds = KeyBounds(text)
                ks, ke = bounds.start(a), bounds.end(b)
                key = text[ks:ke]
            code = re.sub(r"[ _\-]", "", word)
            if code in _CODE_KEYS:  # one-time codes: only the digits after the word as the whole key
                if re.sub(r"[ _\-]", "", key.lower().strip(".-")) == code:
                    v = _AFTER_WORD.match(text, ke)
                    if v is not None and (t := v.group(3).rstrip(".,:")).isdigit() and t.isascii() \
                            and 4 <= len(t) <= 8 and not (a and text[a - 1] == "/"):
                        out.append((v.start(3), v.start(3) + len(t)))
                        pos = v.start(3) + len(t)
                        continue
                if word not in self._generic:  # "totp" is a secret word too: its random tokens as after any
                    continue
            if word not in self._trusted and self.vocabulary.classify(key) != SECRET:
                continue  # prompt_tokens, token_type, password_policy: a count or a description
            if key[:1] == "-" and refers_to_secret(key):
                continue  # --password-file /run/secrets/db: an option naming where the secret is (scrub/cmdline.py)
            v = _AFTER_WORD.match(text, ke)
            if v is None:
                continue
            token = v.group(3).rstrip(".,:")
            while token[-2:] in ("\\n", "\\r", "\\t"):
                token = token[:-2]  # a repr's escaped line end: "header value: '<value>\\n'"
            if a > 0 and text[a - 1] in "?&":
                token = token.split("&", 1)[0]  # a form or query field ends at the next "&"
            if not token or self.is_safe(token):
                continue
            spaced = v.group(1) is None and v.group(2) is None
            if spaced and (_PAIR_VALUE.match(token) or (a > 0 and text[a - 1] == "/")):
                continue  # "/oauth/token grant_type=…&password=…": a path word, then pairs read by their own keys
            short_ok = _is_password_word(word) and len(token) >= 6 and _has_digit_or_symbol(token)
            if not (looks_random(token, self.threshold) or short_ok or _short_random(token)):
                continue
            if spaced and token.lower() in _PROSE:
                continue
            start = v.start(3)
            out.append((start, start + len(token)))
            pos = start + len(token)
        return out


_PAIR_VALUE = re.compile(r"[A-Za-z_][\w.\-]*=")
_SHORT_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=]{12,19}")
_HEX_TOKEN = re.compile(r"[0-9a-fA-F\-]+")
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ns|us|ms|[smhdw]))+", re.IGNORECASE)


def _short_random(token: str) -> bool:
    """A 12-19 character token after a secret word that reads as generated (``token Zq8vLp3XwR7tY``, ``api key
    a8f3kz9q2w7e5r1t``): letters and digits mixed (the class changes at least three times), not hex (trace ids,
    hashes, UUIDs), not a duration, not words and numbers joined (``gpt-4o-2024-05-13``, ``user_12345678``)."""
    return _SHORT_TOKEN.fullmatch(token) is not None and not _HEX_TOKEN.fullmatch(token) and _generated(token)


def _generated(token: str) -> bool:
    """Letters and digits mixed as generators mix them: the class (digit, upper, lower; a capital starting a word is
    no change) changes at least three times, entropy near a random string's of that length, not a duration
    (``1h30m45s``) and not words and numbers joined (``user_12345678``, ``gpt-4o-2024-05-13``)."""
    if _DURATION.fullmatch(token):
        return False
    if not any(c.isdigit() for c in token) or not any(c.isalpha() for c in token):
        return False
    segments = [x for x in _SEGMENTS.split(token) if x]
    if len(segments) >= 2 and all(x.isalpha() or x.isdigit() or len(x) <= 3 for x in segments):
        return False
    changes = sum(1 for x, y in zip(token, token[1:])
                  if x.isalnum() and y.isalnum() and _char_class(x) != _char_class(y)
                  and not (x.isupper() and y.islower()))
    return changes >= 3 and shannon_entropy(token) >= min(3.0, math.log2(len(token)) - 1.0)


def _char_class(c: str) -> int:
    return 0 if c.isdigit() else 1 if c.isupper() else 2


def _is_password_word(word: str) -> bool:
    return word in PASSWORD_WORDS or word.endswith(("password", "passwd", "pwd", "passwort"))


def _has_digit_or_symbol(token: str) -> bool:
    return any(c.isdigit() or not (c.isalnum() or c in "-_.'") for c in token) or (
        any(c.isupper() for c in token[1:]) and any(c.islower() for c in token))


# After the key: a separator (group 1: ":", "=", "=>") or a verb (group 2: "is", "ist", "est", "es", "é", …) or just
# a space, an optional quote (of a bytes repr too: "Invalid header value b'…'", http.client and h11), then the token
# (group 3).
# "password is …", "Passwort ist …": longest first, so "ist" is not read as "is" and a token "t"
_FILLERS = "jest|это|ist|was|war|est|era|är|is|es|er|on|je|é|è|是|は"
_AFTER_WORD = re.compile(
    r"[\"']?(?:\s*([:=]|=>|->)\s*|\s+(?:(" + _FILLERS + r")(?:\s*[:=]\s*|\s+))?)(?:b?[\"'`])?([^\s\"'`,;<>(){}\[\]|]+)")
#: Python's \s for RE2 (whose \s is ASCII): text is folded first, so only these non-ASCII spaces are left.
TRIGGER_SPACE = r"[\s\x0b\x1c-\x1f\x{85}\x{2028}\x{2029}]"
_SP = TRIGGER_SPACE
# _AFTER_WORD for RE2, wider: the rest of the key (Unicode letters as any non-ASCII character), Python's spaces, the
# token's class to be repeated.
_T_AFTER_WORD_SEP = (r"[\"']?(?:" + _SP + r"*(?:[:=]|=>|->)" + _SP + r"*|" + _SP
                     + r"+(?:(?:" + _FILLERS + r")(?:" + _SP + r"*[:=]" + _SP + r"*|" + _SP + r"+))?)"
                     r"(?:b?[\"'`])?")
_T_AFTER_WORD = r"(?:[\w.\-]|[^\x00-\x7f])*" + _T_AFTER_WORD_SEP + r"[^\s\"'`,;<>(){}\[\]|]"
# Words after a secret word in prose that say something about it, never are it.
_PROSE = frozenset({"expired", "invalid", "missing", "required", "revoked", "rotated", "refreshed", "reset",
                    "incorrect", "accepted", "rejected", "changed", "updated", "created", "verified", "provided"})


# -- key=value ---------------------------------------------------------------------------------------------
_KV_WORDS = sorted(drop_covered_words({
                    "authorization", "authorisation", "password", "passwd", "pwd", "passwort", "kennwort", "secret",
                    "token", "credential", "apikey",
                    "api_key", "api-key", "auth_key", "auth-key", "authkey", "private_key", "private-key",
                    "privatekey", "access_key", "access-key", "accesskey", "passphrase", "contraseña", "contrasena",
                    "senha", "motdepasse", "mot de passe", "wachtwoord", "haslo", "hasło", "lösenord", "losenord",
                    "adgangskode", "passord", "salasana", "jelszo", "jelszó", "heslo", "sifre", "şifre", "пароль",
                    "密码", "密碼", "パスワード", "비밀번호", "geheimnis", "secreto", "segredo", "segreto", "токен",
                    "mdp", "clave", "κωδικός", "κωδικος", "lozinka", "geslo", "parool", "salasõna", "salasona",
                    "mật khẩu", "mat khau", "סיסמה", "סיסמא", "รหัสผ่าน", "كلمة السر", "كلمة المرور", "पासवर्ड"}),
                   key=len, reverse=True)
_KV_KEY = re.compile(trie_pattern(_KV_WORDS))
_KV_SEP = re.compile(r"[\w.\-]*[\"']?[ \t]*(?:=>|[:=])[ \t]*")  # "=>": Ruby, Perl, PHP, hstore
#: RE2 trigger of the key=value pass: a word, the rest of its key and the separator (RE2 folds case as lower() does).
TRIGGER_KEY_VALUE = "(?i)(?:" + _alternation(_KV_WORDS) + r")(?:[\w.\-]|[^\x00-\x7f])*[\"']?[ \t]*[:=]"
_NEXT_PAIR = re.compile(r"[ \t]+[\w.\-]+[ \t]*[=:]")
# A count's value: a number ending at a delimiter (a quote, a comma or the next pair after it are not the count's)
_COUNT = re.compile(r"[\"']?[ \t]*\d+(?:\.\d+)?(?![\w.])")
# A word after a value in prose that continues it: a digit, a symbol or a capital after a lower-case letter in it, no
# brackets, quotes or '=' (a next pair is found before); after one space and an optional comma.
_MORE_VALUE = re.compile(r",?[ \t]([^\s&;'\"<>()\[\]{}|=]*(?:\d|[!#$%^*+/\\~@]|[a-z][A-Z])[^\s&;'\"<>()\[\]{}|=]*)")
_WORD_END = re.compile(r"[^\s&;'\"<>)\]}|]*")
_AUTH_KEY = re.compile(r"(?i)authori[sz]ation")
_SCHEMES = frozenset({"bearer", "basic", "token", "digest", "negotiate", "apikey", "api-key", "ssws", "splunk", "dpop",
                      "mac", "hoba", "ntlm", "aws4-hmac-sha256", "gnap"})
_NEXT_WORD = re.compile(r"[ \t]+[^\s;'\"<>|]+")
#: A SQL bind placeholder as a value (?, $1, %s, %(name)s, :1): what obfuscated statements in text hold. It holds
#: nothing, and what follows it is SQL (SET password_hash = ? WHERE id = ?), never more of a value.
BIND_PLACEHOLDER = re.compile(r"(?:\?|\$\d+|%s|%\(\w+\)s|:\d+)(?![^\s,;)])")


class KeyValues:
    """Values after secret keys, to their real delimiter (see the module docstring)."""

    def __init__(self, *, replacement: str, vocabulary: KeyVocabulary = DEFAULT_VOCABULARY,
                 is_safe: Callable[[str], bool] = lambda v: False) -> None:
        self.replacement = replacement
        self.vocabulary = vocabulary
        self.is_safe = is_safe

    def find(self, text: str) -> list[tuple[int, int]]:
        lower = lower_in_place(text)
        n = len(text)
        out: list[tuple[int, int]] = []
        bounds: KeyBounds | None = None
        pos = 0
        for m in _KV_KEY.finditer(lower):
            a, b = m.span()
            if a < pos:
                continue
            sep = _KV_SEP.match(text, b)
            if sep is None:
                continue
            vstart = sep.end()
            if vstart >= n:
                continue
            if bounds is None:
                bounds = KeyBounds(text)
            ks = bounds.start(a)
            key = text[ks:vstart].rstrip(" \t:=\"'")
            kind = self.vocabulary.classify(key)
            if kind == COUNT:
                if _COUNT.match(text, vstart):
                    continue  # prompt_tokens=812, 'max_tokens: 7620', …: a count of secrets, not one
            elif kind != SECRET and (any(w in METADATA_WORDS for w in key_words(key))
                                     or not _is_keyword_tail(key, m.group(0))):
                continue  # token_type=Bearer, password_policy=strict, SharedSecretIssuer=owner: descriptions
            span = self._value(text, ks, vstart, n)
            if span is None:
                continue
            s, e = span
            value = text[s:e]
            if value in ("YES", "NO") and lower.endswith("using ", 0, ks):
                continue  # MySQL's "Access denied … (using password: YES)": whether one was sent, not what
            safe = self._safe_prefix(value)
            if safe == len(value):
                continue
            if safe and not any(c.isalnum() for c in value[safe:]):
                continue
            out.append((s, e))
            pos = e
        return out

    def _safe_prefix(self, value: str) -> int:
        """Length of the already-safe start of ``value`` (the whole value, a leading replacement, or 0)."""
        inner = value.strip()
        if self.is_safe(inner) or (inner.startswith("<") and inner.endswith(">")):
            return len(value)
        if self.replacement and value.startswith(self.replacement):
            return len(self.replacement)
        return 0

    def _value(self, text: str, key_start: int, vstart: int, n: int) -> tuple[int, int] | None:
        q = text[vstart]
        if q in "[{(":
            return None  # a list or map under the key: the structure pass redacts its members in place
        if q in "\"'":
            end = text.find(q, vstart + 1)
            return (vstart + 1, end if end > 0 else n) if end != vstart + 1 else None
        if BIND_PLACEHOLDER.match(text, vstart):
            return None  # SET password_hash = ? WHERE id = ?: a bind placeholder holds nothing, the keyword is SQL
        if _AUTH_KEY.search(text, key_start, vstart):
            return self._credential(text, vstart)
        line_end = text.find("\n", vstart)
        if line_end < 0:
            line_end = n
        semi = text.find(";", vstart, line_end)
        eq = text.find("=", vstart, line_end)
        before = text[:key_start].rstrip(" \t")
        if semi >= 0 and (before.endswith(";") or eq < 0 or semi < eq):
            end = semi  # Server=db;Password=P@ss w0rd,x;Database=shop
        elif not text[text.rfind("\n", 0, key_start) + 1:key_start].strip():
            nxt = _NEXT_PAIR.search(text, vstart, line_end)  # a line of its own: YAML, .env, INI
            end = nxt.start() if nxt else line_end
            if (cmd := _ENV_PREFIX.match(text, vstart, end)) is not None and _runs_command(cmd):
                end = cmd.end(1)  # PGPASSWORD=… psql -h db: the command stays
        else:
            end = self._prose_end(text, key_start, vstart, line_end)
        while end > vstart and text[end - 1] in " \t\r":
            end -= 1
        return (vstart, end) if end > vstart else None

    @staticmethod
    def _prose_end(text: str, key_start: int, vstart: int, line_end: int) -> int:
        """In running text: inside a double-quoted string, or a single-quoted one opened right before the key, to its
        closing quote; when more ``key=value`` pairs follow on the line (``secret=ZCm Ew6, zz trace_id=…``), up to the
        next one; otherwise to the end of the word."""
        line_start = text.rfind("\n", 0, key_start) + 1
        if key_start > line_start and text[key_start - 1] in "?&":
            return _word_end(text, vstart)  # a URL query parameter: its value has no blanks ("?token=x HTTP/1.1")
        if key_start > line_start and text[key_start - 1] == "'" and (
                key_start - 1 == line_start or text[key_start - 2] in " \t([{=,:"):
            close = text.find("'", vstart, line_end)  # detail='password: abc def', active=True
            if close > vstart:
                return close
        if text.count('"', line_start, key_start) % 2:
            close = text.find('"', vstart, line_end)
            while close > 0 and text[close - 1] == "\\":
                close = text.find('"', close + 1, line_end)
            if close > vstart:
                return close
        nxt = _NEXT_PAIR.search(text, vstart, line_end)
        if nxt is not None:
            return nxt.start()
        end = _word_end(text, vstart)
        # "password=Tz43r3 13wRmZ, gZX4H4": words that look like more of a generated value (a digit, a symbol, a
        # capital inside) continue it; the first prose word ("for user bob", "attempts") ends it.
        while (more := _MORE_VALUE.match(text, end, line_end)) is not None:
            end = _word_end(text, more.start(1))
        return end

    def _credential(self, text: str, vstart: int) -> tuple[int, int] | None:
        """``Authorization: Bearer <credential>``: the credential after the scheme (or after what replaced it)."""
        end = _word_end(text, vstart)
        first = text[vstart:end]
        if first.lower() not in _SCHEMES and first != self.replacement:
            return (vstart, end) if end > vstart else None
        nxt = _NEXT_WORD.match(text, end)
        if nxt is None:
            return None if first.lower() in _SCHEMES else (vstart, end)
        cred_start = nxt.end() - len(nxt.group().lstrip())
        return (cred_start, nxt.end()) if first.lower() in _SCHEMES else (vstart, nxt.end())


# "PGPASSWORD=secret psql -h db": an assignment in front of a command — an upper-case variable, a value of one word,
# maybe more assignments, then a program of the command-line table or a word followed by an option
_ENV_PREFIX = re.compile(r"(?<=[A-Z0-9_]=)([^\s'\"]+)[ \t]+(?:[A-Z_][A-Z0-9_]*=\S*[ \t]+)*([\w./\-]+)([ \t]+-)?")


def _runs_command(m: re.Match[str]) -> bool:
    from .cmdline import PROGRAMS  # (cmdline reads values with this module's looks_random)

    return m.group(3) is not None or m.group(2).rsplit("/", 1)[-1].lower() in PROGRAMS


def _word_end(text: str, i: int) -> int:
    end = _WORD_END.match(text, i).end()
    while end > i and text[end - 1] in ".,:" and (end == len(text) or text[end].isspace()):
        end -= 1
    return end


def _is_keyword_tail(key: str, word: str) -> bool:
    """The key ends in its secret word (``db_password``, ``x-auth-token``): a secret whatever the vocabulary says."""
    return key.lower().rstrip("s").endswith(word.rstrip("s"))


# -- protocol transcripts --------------------------------------------------------------------------------
# SASL in SMTP, IMAP and POP3 as their clients' debug output writes it (smtplib's set_debuglevel, imaplib's debug,
# poplib's set_debuglevel): "send: 'AUTH PLAIN <base64 of \\0user\\0password>\\r\\n'", "AUTH LOGIN <base64 user>" then
# the password alone on the next line sent, IMAP's "<tag> LOGIN user password" and "AUTHENTICATE PLAIN <base64>",
# POP3's "PASS <password>". The commands are upper case, as the clients write them ("auth plain text" is prose).
_SASL = re.compile(r"\bAUTH(?:ENTICATE)?[ \t]+(?:PLAIN|LOGIN|XOAUTH2?|OAUTHBEARER|CRAM-MD5|DIGEST-MD5|SCRAM-SHA-[\w-]+"
                   r"|NTLM|GSSAPI)[ \t]+([A-Za-z0-9+/]{4,}={0,2})(?![\w+/=])")
# a line of base64 alone sent by a client (an AUTH LOGIN or SASL continuation): "send: 'aHVudGVyMg==\r\n'"
_SASL_LINE = re.compile(r"\bsend: b?'([A-Za-z0-9+/]{4,}={0,2})(?:\\r\\n|\r\n)?'")
_IMAP_LOGIN = re.compile(r"(?<![\w-])[A-Za-z]{0,8}\d+ LOGIN[ \t]+(?:\"(?:[^\"\\]|\\.)*\"|\S+)[ \t]+"
                         r"(\"(?:[^\"\\\n]|\\.)*\"|[^\s'\"]+)")
_POP_PASS = re.compile(r"(?<=['\"])PASS[ \t]+([^\r\n'\"\\]+)")
#: RE2 trigger of the protocol pass.
TRIGGER_PROTOCOL_AUTH = r"AUTH(?:ENTICATE)?[ \t]+[A-Z]|\d LOGIN[ \t]|['\"]PASS[ \t]|send: b?'[A-Za-z0-9+/]{4}"


def find_protocol_auth(text: str, is_safe: Callable[[str], bool] = lambda v: False) -> list[tuple[int, int]]:
    """SASL responses, IMAP LOGIN and POP3 PASS arguments in SMTP/IMAP/POP3 transcripts (see above)."""
    out = []
    for rx in (_SASL, _SASL_LINE, _IMAP_LOGIN, _POP_PASS):
        for m in rx.finditer(text):
            a, b = m.span(1)
            if b - a >= 2 and text[a] == '"' and text[b - 1] == '"':
                a, b = a + 1, b - 1
            value = text[a:b].rstrip()
            if rx is not _IMAP_LOGIN and rx is not _POP_PASS and (len(value) % 4 or value.isupper()):
                continue  # SASL sends padded base64; "send: 'QUIT\\r\\n'", "AUTH LOGIN FAILED" are words
            if value and not is_safe(value) and set(value) != {"*"}:  # ftplib writes "PASS ******"
                out.append((a, a + len(value)))
    return out


# -- session ids in cache keys ----------------------------------------------------------------------------
# "session:<id>" (Flask-Session, express-session's "sess:", redis-backed sessions), "app:user_session:<id>",
# Django's cache backend "django.contrib.sessions.cache<id>": a key segment named like a session, then a value that
# looks generated (12 characters or more after "session:", a hex id too: short ids are as secret as long ones).
# "session 4bf9…" in prose stays (the generic rule leaves "session" out: too common in logs).
_SESSION_SEGMENT = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?:[a-z0-9]+[_.\-])*(?:session|sess|sessid)(?:[_\-]?(?:id|key|token))?s?:"
    r"([A-Za-z0-9_\-]{12,})|django\.contrib\.sessions\.cached?(?:_db)?([a-z0-9]{20,})")
#: RE2 trigger of the session-key pass.
TRIGGER_SESSION_KEYS = r"(?i)sess[\w.\-]*:[A-Za-z0-9_\-]{12}|sessions\.cache"


def find_session_keys(text: str) -> list[tuple[int, int]]:
    """Session ids in cache keys (see above): only the id, the key's name stays."""
    out = []
    for m in _SESSION_SEGMENT.finditer(text):
        g = 1 if m.group(1) is not None else 2
        value = m.group(g)  # 12-19 characters ("session:9f8e7d6c5b4a3f2e"): a hex id too, letters and digits mixed
        if looks_random(value) or g == 1 and (_generated(value) or _HEX_TOKEN.fullmatch(value) is not None
                                              and not value.isdigit() and any(c.isdigit() for c in value)):
            out.append(m.span(g))
    return out


# -- cookies ---------------------------------------------------------------------------------------------------
_COOKIE_LINE = re.compile(r"(?i)\b(set-)?cookie2?[ \t]*:[ \t]*([^\r\n]*)")
_COOKIE_PAIR = re.compile(r"[ \t]*([^=;,\s]+)[ \t]*=[ \t]*(\"[^\"]*\"|[^;\r\n]*)")
_COOKIE_ATTRIBUTES = frozenset({"path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "priority",
                                "partitioned", "version", "comment"})
#: RE2 trigger of the cookie pass.
TRIGGER_COOKIES = r"(?i)cookie2?[ \t]*:"


def find_cookies(text: str, is_safe: Callable[[str], bool] = lambda v: False) -> list[tuple[int, int]]:
    """Cookie values in ``Cookie:`` / ``Set-Cookie:`` lines (names and attributes are kept)."""
    out = []
    for line in _COOKIE_LINE.finditer(text):
        set_cookie = line.group(1) is not None
        pos, end = line.start(2), line.end(2)
        first = True
        while pos < end:
            semi = text.find(";", pos, end)
            part_end = semi if semi >= 0 else end
            pair = _COOKIE_PAIR.match(text, pos, part_end)
            if pair is not None:
                name = pair.group(1).lower()
                a, b = pair.span(2)
                while b > a and text[b - 1] in " \t":
                    b -= 1
                if text[a:a + 1] == '"' and b - a >= 2:
                    a, b = a + 1, b - 1
                attribute = set_cookie and not first and name in _COOKIE_ATTRIBUTES
                if b > a and not attribute and not is_safe(text[a:b]):
                    out.append((a, b))
            elif first and text[pos:part_end].strip() and not is_safe(text[pos:part_end].strip()):
                a = pos + len(text[pos:part_end]) - len(text[pos:part_end].lstrip())
                out.append((a, part_end - (len(text[pos:part_end]) - len(text[pos:part_end].rstrip()))))
            first = False
            pos = part_end + 1
    return out
