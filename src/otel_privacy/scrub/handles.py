"""Social-media handles in prose — ``mentioned by @alice``, ``twitter: @alice``, ``DM from @alice``, ``follow
@alice``, a Mastodon ``@alice@mastodon.social`` after such a word — so the engine can give each the pseudonym a
``user.name`` attribute would get (a trace and its logs still join on the user) or the replacement.

An ``@name`` is a handle only after a word that says so, shortly before it on the same line: a network's name
(twitter, instagram, tiktok, telegram, mastodon, bluesky, …) or what people do to handles (mentioned, follow, DM,
retweeted, replied, tagged, cc, …), with at most two small words between (``mentioned by``, ``DM from``). So
``@timestamp``, ``@types/node``, ``@Override``, ``@media``, decorators and npm scopes survive: nothing social
stands before them. No handle starts inside a word (``user@host`` is the e-mail detector's); a name followed by
``/`` (an npm scope) or ``(`` (a decorator's call) is none. Profile URLs (``instagram.com/alice``, ``t.me/alice``)
are the URL sanitiser's (``scrub/url.py``, social hosts).
"""

from __future__ import annotations

import re

__all__ = ["SOCIAL_WORDS", "TRIGGER_HANDLE", "find_handles"]

#: Words after which an ``@name`` is a person's handle (whole words, any case).
SOCIAL_WORDS = (
    "twitter", "tweet", "tweeted", "retweet", "retweeted", "instagram", "tiktok", "telegram", "mastodon", "fediverse",
    "bluesky", "bsky", "threads", "snapchat", "youtube", "twitch", "reddit", "linkedin", "discord", "github", "gitlab",
    "follow", "follows", "followed", "follower", "followers", "unfollowed", "mention", "mentions", "mentioned", "dm",
    "dms", "dmed", "messaged", "replied", "replies", "tagged", "cc", "pinged", "liked", "reposted",
)
_WORDS = "|".join(sorted(SOCIAL_WORDS, key=len, reverse=True))
_GAP = 24  # characters from the social word's end to the "@", at most (the trigger's bound)
# The social word (group 1), then what may stand between it and the "@": separators and up to two small words.
_CONTEXT = re.compile(r"(?i)\b(" + _WORDS + r")\b[ \t:=,\-]*(?:(?:by|from|to|of|on|at|via|with|me|us|is|was)"
                      r"[ \t:,]+){0,2}\Z")
# A handle (group 1): after a "@" that starts a word (no word character, "@", "." or "-" before it: checked in code,
# as a leading lookbehind would run at every position of every line), 1–30 of [A-Za-z0-9_.] not ending in a dot, and
# for a fediverse handle "@host.tld" after it; not followed by "/" (an npm scope), "(" (a decorator's call) or more
# of a word.
_HANDLE = re.compile(r"@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"
                     r"(?:@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24})?)"
                     r"(?![\w/(@\-]|\.\w)")
_LIST = re.compile(r"[ \t]*(?:[,&/]|and|und|et|y)?[ \t]*")  # between two handles of one list
_LONGEST_WORD = max(len(w) for w in SOCIAL_WORDS)
#: RE2: every finding has a social word that no letter follows (the "@" or a separator does). No counted gap up to the
#: "@" (a window after words as common as "cc" and "dm", in "access" and "admin", would keep the trigger set's DFA
#: states alive on many benign lines); the finder checks for an "@" first. The trigger has no boundary before the
#: word, so a word that ends another ("tweeted": "retweeted") adds no branch of its own.
_TRIGGER_WORDS = sorted(w for w in SOCIAL_WORDS if not any(u != w and w.endswith(u) for u in SOCIAL_WORDS))
TRIGGER_HANDLE = r"(?i)(?:" + "|".join(_TRIGGER_WORDS) + r")[^a-z]"


def find_handles(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each handle's name (the ``@`` before it is no part of it)."""
    out: list[tuple[int, int]] = []
    if "@" not in text:
        return out
    for m in _HANDLE.finditer(text):
        at = m.start()
        if at and (text[at - 1].isalnum() or text[at - 1] in "_@.-"):
            continue
        if out and _LIST.fullmatch(text, out[-1][1], at):  # "cc @alice, @bob and @carol": the list goes on
            out.append(m.span(1))
            continue
        ctx = _CONTEXT.search(text, max(0, at - _GAP - _LONGEST_WORD), at)
        if ctx is not None and at - ctx.end(1) <= _GAP:
            out.append(m.span(1))
    return out
