"""Identities mentioned in prose — ``customer 9912 logged in``, ``for user 42``, ``uid 42``, ``user #42`` — and in
the tags of log formats — ``[user:42]``, ``user#42``, ``(uid=42)``, ``customer/9912`` — become the keyed pseudonym
the attribute would get, so a trace and its logs still join on the user.

The engine says which keys are identity keys (its policy's ``hash`` rules and keys read as words:
``user``, ``uid``, ``user_id``, ``userId``, ``customer_id``, …) and how to pseudonymise; this module only
reads text. A mention is a key — a word holding one of the identity words — then a space (or ``:``/``=``/``#``,
``/``, ``id``, ``no.``), then the value. After a bare person word (``user``, ``customer``) the value must
look like an id: digits (``9912``; not ``3 of 5``), a prefixed id (``usr_8f3k2``, ``cus_N3xT7``, ``U123``;
not ``sha256`` or ``v2``), a UUID or a hex id — after an id key (``uid``, ``user_id``) too; after a name key
(``username``, ``login``) a plain word is taken as well (``username alice``).
E-mail addresses are left to the e-mail detector; values that are already pseudonyms or replacements are
left alone.

``account`` is no identity key (cloud and billing accounts have numbers too: ``account 7``, ``cloud account
123456789012 region``), but an account number next to an account-lifecycle word — ``account 253554709 locked``,
``password reset for account 4711``, ``acct #4711 suspended`` — is a person's account: it gets the pseudonym a
``user.id`` attribute would get (when the engine pseudonymises user ids), unless a cloud word names the account
(``AWS account 123456789012 created``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .credentials import drop_covered_words
from .words import KeyBounds, lower_in_place, trie_pattern

__all__ = ["IdentityMentions", "IDENTITY_WORDS", "find_auth_users", "TRIGGER_AUTH_USERS"]

#: Words one of which every identity key in prose holds (the engine adds the words of its hash rules).
IDENTITY_WORDS = frozenset({
    "user", "enduser", "customer", "member", "patient", "subscriber", "person", "buyer", "student", "employee",
    "uid", "userid", "username", "customerid", "memberid", "benutzer", "kunde", "utilisateur", "usuario",
    "cliente", "utente", "gebruiker", "пользователь", "клиент", "用户", "客户", "ユーザー", "顧客", "사용자",
})
# The engine reads keys in English: other languages' words are asked about as the English word they mean.
_TRANSLATIONS = {"benutzer": "user", "kunde": "customer", "utilisateur": "user", "usuario": "user",
                 "cliente": "customer", "utente": "user", "gebruiker": "user", "пользователь": "user",
                 "клиент": "customer", "用户": "user", "客户": "customer", "ユーザー": "user", "顧客": "customer",
                 "사용자": "user"}
# After the key: ":"/"="/"#" or spaces, or a "/" (tags: "[user:42]", "user#42", "(uid=42)", "customer/9912"), an
# optional "id"/"ID"/"no."/"number"/"#", then the value (group 1).
_AFTER_KEY = re.compile(r"(?:[ \t]*[:=#][ \t]*|/|[ \t]+)(?:(?:id|ID|Id|no\.?|No\.?|nr\.?|number)[ \t]*[:=#]?[ \t]*)?#?"
                        r"([^\W_][\w\-]*)(?![\w@.\-]*@)")
_ID_LIKE = re.compile(
    r"\d+|[A-Za-z]\d{2,}|[A-Za-z]{1,10}[_\-](?=[\w\-]*\d)[\w\-]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}")
_NAME_KEY = re.compile(r"(?i)(?:name|login|handle|upn)$")  # keys whose values are names, not ids
_NOT_AN_ID_AFTER = re.compile(r"[ \t]*(?:of|/|out of|von|de|sur|из)[ \t]*\d")  # "user 3 of 5", "3/5"
_PROSE = frozenset({"id", "ids", "is", "was", "not", "none", "null", "nil", "unknown", "missing", "anonymous",
                    "agent", "logged", "login", "session", "the", "a", "an", "and", "or", "to", "from", "with", "for",
                    "in", "on", "has", "had", "name", "names", "count", "found", "exists", "invalid", "true", "false"})


# The trigger (RE2): a word, the rest of its key, the separator and filler of _AFTER_KEY, then the start of a value
# the finder can take — one holding a digit (every _ID_LIKE shape but a UUID of letters) or a UUID; or, after a key
# ending in "e" or "n" (as name, login, handle and upn do), any word. "user agent", "customer support" and "users u
# ON" run no pass.
_T_KEY = r"(?:[\w.\-]|[^\x00-\x7f])*"
_T_SEP = r"(?:[ \t]*[:=#][ \t]*|/|[ \t]+)"
_T_ID = r"(?:(?:id|no\.?|nr\.?|number)[ \t]*[:=#]?[ \t]*)?#?(?:(?:[\w\-]|[^\x00-\x7f])*\d|[0-9a-f]{8}-)"
# a filler word starts like a name; not after a "/", where a name key takes no plain word ("login/logout")
_T_NAME_SEP = r"(?:[ \t]*[:=#][ \t]*|[ \t]+)"
_T_NAME = r"[en][.\-]*" + _T_NAME_SEP + r"#?(?:[0-9a-z]|[^\x00-\x7f])"
_NAME_SUFFIXES = ("name", "login", "handle", "upn")


# -- account numbers next to account-lifecycle words ----------------------------------------------------------------
_ACCOUNT = re.compile(r"(?i)\bacc(?:oun)?t\b[ \t]*(?:[:=#][ \t]*)?(?:(?:no\.?|number|id)[ \t]*[:=#]?[ \t]*)?#?"
                      r"((?=[\w\-]*\d)[^\W_][\w\-]*)(?![\w@.\-]*@)")
_LIFECYCLE = re.compile(
    r"(?i)\b(?:(?:un)?locked|lockout|(?:un)?suspended|reinstated|(?:re|de)?activated|deleted|created|closed|reopened"
    r"|disabled|(?:un)?banned|(?:un)?blocked|verified|registered|compromised|frozen|terminated|restored"
    r"|(?:signed|logged)[ \-]?(?:up|in|out)|log[ \-]?in|sign[ \-]?(?:up|in)|password[ \-]reset|reset[ \-]password)\b")
_CLOUD_BEFORE = re.compile(r"(?i)\b(?:aws|gcp|google|azure|cloud|billing|service|storage|org|organization|tenant"
                           r"|project|subscription|iam)[ \t]+\Z")
_CLOCK_AFTER = re.compile(r":\d")
_CLAUSE_END = re.compile(r"[\n;|]|\.(?:\s|\Z)")
_LIFECYCLE_WINDOW = 48  # characters before "account" or after its number a lifecycle word is looked for
# RE2: the word, its filler, then the start of a value with a digit
_T_ACCOUNT = r"acc(?:oun)?t[ \t]*(?:[:=#][ \t]*)?(?:(?:no\.?|number|id)[ \t]*[:=#]?[ \t]*)?#?(?:[\w\-]|[^\x00-\x7f])*\d"


# -- user names in authentication and authorisation failures -------------------------------------------------------
# Databases and servers name the user they refused: PostgreSQL 'password authentication failed for user "jane"',
# 'role "jane" does not exist', 'no pg_hba.conf entry for host "…", user "jane", database "…"'; MySQL "Access denied
# for user 'jane'@'10.0.0.5'"; SQL Server "Login failed for user 'jane'."; "Invalid password for user jane". A quoted
# name after "user"/"role"/"login" is a user name wherever it stands; an unquoted one only after "for/of user" in a
# clause that says an authentication failed ("for user in users", "for user management" stay).
_AUTH_USER_QUOTED = re.compile(r"(?i)(?<![\w.\-])(?:user|role|login)[ \t]+(?:\"([^\"\n]{1,128})\"|'([^'\n]{1,128})')")
_AUTH_USER_BARE = re.compile(r"(?i)(?<![\w.\-])(?:for|of)[ \t]+(?:user|role|login)[ \t]*[:=]?[ \t]*"
                             r"([^\W\d_][\w.\-@+\\]{0,127})")
_AUTH_FAILED = re.compile(
    r"(?i)authenticat|password|passwd|log[ \-]?[io]n|sign[ \-]?in|access denied|permission denied|credential"
    r"|unauthori[sz]ed|not permitted|locked out")
_NOT_A_USER = frozenset({"by", "at", "as", "if", "via", "input", "data", "request", "interface", "group", "groups",
                         "account", "accounts", "management", "profile", "profiles", "this", "that", "each", "all"})
_AUTH_WINDOW = 64  # characters before "for user" a failure word is looked for
#: RE2 trigger of :func:`find_auth_users`: a quote after the word, or "for/of user" and the start of a name.
TRIGGER_AUTH_USERS = (r"(?i)(?:user|role|login)[ \t]+[\"']"
                      r"|(?i)(?:for|of)[ \t]+(?:user|role|login)[ \t]*[:=]?[ \t]*(?:[a-z]|[^\x00-\x7f])")


def find_auth_users(text: str) -> list[tuple[int, int]]:
    """Spans of the user names an authentication or authorisation failure names (see the comment above)."""
    out = []
    if "'" in text or '"' in text:
        for m in _AUTH_USER_QUOTED.finditer(text):
            g = 1 if m.group(1) is not None else 2
            if m.group(g).strip():
                out.append(m.span(g))
    for m in _AUTH_USER_BARE.finditer(text):
        value = m.group(1).rstrip(".-")
        if value.lower() in _PROSE or value.lower() in _NOT_A_USER:
            continue
        before = _same_clause(text, max(0, m.start() - _AUTH_WINDOW), m.start(), False)
        if _AUTH_FAILED.search(before):
            out.append((m.start(1), m.start(1) + len(value)))
    return out


def _same_clause(text: str, a: int, b: int, forward: bool) -> str:
    """``text[a:b]`` cut at the first (forward) or after the last clause end: a line, ``;``, ``|``, a full stop."""
    window = text[a:b]
    ends = [m.start() for m in _CLAUSE_END.finditer(window)]
    if not ends:
        return window
    return window[:ends[0]] if forward else window[ends[-1] + 1:]


def find_accounts(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, value)`` of each account number next to an account-lifecycle word (see the module docstring)."""
    out = []
    for m in _ACCOUNT.finditer(text):
        value = m.group(1)
        if _ID_LIKE.fullmatch(value) is None or value.lower() in _PROSE:
            continue
        if value.isdigit() and (_NOT_AN_ID_AFTER.match(text, m.end(1)) or _CLOCK_AFTER.match(text, m.end(1))):
            continue  # "account 2 of 5", "account 12:30"
        if _CLOUD_BEFORE.search(text, max(0, m.start() - 24), m.start()):
            continue
        after = _same_clause(text, m.end(1), m.end(1) + _LIFECYCLE_WINDOW, True)
        before = _same_clause(text, max(0, m.start() - _LIFECYCLE_WINDOW), m.start(), False)
        if _LIFECYCLE.search(after) or _LIFECYCLE.search(before):
            out.append((m.start(1), m.end(1), value))
    return out


def _trigger(words: frozenset[str]) -> str:
    if not words:
        return r"[^\s\S]"

    def alternation(ws: Iterable[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True))

    branches = [f"(?:{alternation(words)}){_T_KEY}(?:{_T_SEP}{_T_ID}|{_T_NAME})"]
    # A word that ends where a name suffix ends ("login" of a user.login hash rule) may end its key: no letter after it.
    ending = {w for w in words if any(w.endswith(x) or x.endswith(w) for x in _NAME_SUFFIXES)}
    if ending:
        branches.append(f"(?:{alternation(ending)})[.\\-]*{_T_NAME_SEP}#?(?:[0-9a-z]|[^\\x00-\\x7f])")
    return "(?i)" + "|".join(branches)


class IdentityMentions:
    """Find identity mentions and give each the pseudonym ``pseudonymize(value)``."""

    def __init__(self, *, is_identity_key: Callable[[str], bool], pseudonymize: Callable[[str], str],
                 words: Iterable[str] = (), is_safe: Callable[[str], bool] = lambda v: False) -> None:
        self.is_identity_key = is_identity_key
        self.pseudonymize = pseudonymize
        self.is_safe = is_safe
        # built-in words only where the engine reads them (or "<word>_id") as an identity key ("member": as
        # member_id); the words of the engine's own hash rules as they are ("tenant" for a tenant.owner rule)
        useful = {w for w in IDENTITY_WORDS
                  if any(is_identity_key(_TRANSLATIONS.get(k, k)) for k in (w, f"{w}_id", f"{w}.id"))}
        found = drop_covered_words(useful | {w.lower() for w in words if len(w) >= 3})
        self._words = re.compile(trie_pattern(found, space=" ") or r"[^\s\S]")
        # The trigger's words: one inside another ("enduser": "user") adds no branch of its own.
        self.words = frozenset(w for w in found if not any(u != w and u in w for u in found))
        # a person's account (find_accounts) gets the pseudonym of a user id, where user ids are pseudonymised
        self.accounts = is_identity_key("user.id")
        self.trigger = _trigger(self.words)
        if self.accounts:
            self.trigger = f"{self.trigger}|{_T_ACCOUNT}" if self.words else f"(?i){_T_ACCOUNT}"

    def find(self, text: str) -> list[tuple[int, int, str]]:
        lower = lower_in_place(text)
        n = len(text)
        out: list[tuple[int, int, str]] = []
        bounds: KeyBounds | None = None
        pos = 0
        for m in self._words.finditer(lower):
            a, b = m.span()
            if a < pos:
                continue
            if bounds is None:
                bounds = KeyBounds(text)
            ks, ke = bounds.start(a), bounds.end(b)
            key = text[ks:ke].strip(".-")
            if not key or not self.is_identity_key(_TRANSLATIONS.get(key.lower(), key)):
                continue
            v = _AFTER_KEY.match(text, ke)
            if v is None:
                continue
            value = v.group(1)
            if self.is_safe(value) or value.lower() in _PROSE:
                continue
            if _ID_LIKE.fullmatch(value) is None and (text[ke] == "/" or not (_NAME_KEY.search(key)
                                                                            and not value.isupper())):
                continue  # "user agent", "user_id WHERE": only a name key (username, login) takes a plain word, not
                # after a "/" ("login/logout")
            if value.isdigit() and _NOT_AN_ID_AFTER.match(text, v.end()):
                continue
            if value.isdigit() and v.end() < n and text[v.end()] == ":" and text[v.end() + 1:v.end() + 2].isdigit():
                continue  # "user 12:30"
            out.append((v.start(1), v.end(1), self.pseudonymize(value)))
            pos = v.end(1)
        if self.accounts and "acc" in lower:  # acct, account
            taken = len(out)
            for a, b, value in find_accounts(text):
                if not self.is_safe(value) and not any(x < b and a < y for x, y, _ in out[:taken]):
                    out.append((a, b, self.pseudonymize(value)))
            if len(out) > taken and taken:
                out.sort()
        return out
