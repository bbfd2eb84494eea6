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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .credentials import drop_covered_words
from .words import KeyBounds, lower_in_place, trie_pattern

__all__ = ["IdentityMentions", "IDENTITY_WORDS"]

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
        self.trigger = _trigger(self.words)

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
        return out
