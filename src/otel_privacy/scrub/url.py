"""URL sanitising: credentials, query values, fragments, and secret or id path segments.

Takes whatever a URL attribute, span name or log line carries: absolute URLs
(``https://u:p@host/a?b=c#d``), compound and opaque schemes (``jdbc:mysql://…``, ``mailto:…``),
protocol-relative and scheme-less ones (``//host/a``, ``api.example.com/a``, ``10.1.2.3:8080/a``),
request targets (``/a;jsessionid=…?b=c``) and bare query strings (``a=1&next=/x``, as in
``url.query``). The URL is split by hand, once, left to right — not with :mod:`urllib.parse`,
which rejects malformed ports and brackets — and where parsers disagree (RFC 3986, WHATWG, what
a user typed into a config file) the reading that removes more wins:

* **userinfo** → ``REDACTED:REDACTED@`` (as the semantic conventions ask). A password may hold
  ``/ ? # @ \\`` unencoded (``https://deploy:a/b@git…``, ``https://bot:pa#ss@host``): when the
  authority the RFC reading gives is not a valid ``host[:port]`` (or its host reads like a token, or its
  port is empty, and an ``@`` follows) it was cut inside the credentials, so everything up to the *last*
  ``@`` followed by a valid host is credentials. A valid ``host:port`` is read as clients read it
  (``http://svc:8080/users/a@b.example``): a password whose text before its first ``/`` is a 1–5 digit
  number is the one reading this keeps for utility (what follows still meets the segment rules);
* **query** values → ``REDACTED`` unless their key is allow-listed (and then only if no detector
  fires); keys, order, repeated keys and empty values are kept. Keys and flags that are themselves
  secrets (``?eyJhbGci…``, ``?alice@example.com=``) are replaced too;
* the **fragment** is dropped (OAuth implicit-flow tokens live there) or, if kept, scrubbed as a
  path and query;
* ``data:`` URIs keep their media type and lose their payload;
* **host**: kept (IDN and punycode names as written), except IP literals (``10.1.2.3``,
  ``[2001:db8::1]``, WHATWG's ``2130706433``), truncated by the ``ip_truncator``; a port that is not a
  number is replaced;
* **path segments**, percent-decoded up to three times (``%2540`` → ``%40`` → ``@``): a segment
  in which the ``segment_scrubber`` (the free-text detectors) or the built-in checks (e-mail
  addresses, Telegram bot tokens, ``user:pass@``) find anything becomes the placeholder whole;
  ``;name=value`` matrix parameters (``;jsessionid=``) and ``name=value`` segments lose their
  values; after a secret-bearing word (``reset``, ``token``, ``invite``, ``webhooks``, …) and on
  chat-webhook hosts (Slack, Discord, Teams, Telegram, …) every segment that is not a plain word
  becomes the placeholder;
* with ``template_paths`` (the default) ids become ``{id}`` as well: numbers (a year alone included:
  ``/reports/2024`` → ``/reports/{id}``, a route parameter either way — ``http.route`` keeps the
  route), UUIDs, long hex, digit runs of five or more, phone-like digit groups, and high-entropy
  tokens. Words, slugs (``how-to-bake-2024``), versions (``v2``, ``v1beta1``, ``1.2.3``), file
  names and short codes survive, and so do three things with digits that identify no one:
  **dates** (a year followed by a two-digit month and maybe day segment, ``/2026/12/03/``; one
  ``2026-12-03`` segment; Hive partitions ``year=2026``, ``dt=2026-12-03``), **content digests**
  (``sha256:<64 hex>``, an OCI image reference ``orders@sha256:…`` whose name is decided as a
  segment), and **sequence numbers of part files** (a sequence word and a number, ``part-69628.parquet``,
  ``chunk_7``, ``part-r-00000``; or a zero-padded counter with an extension, ``000123.log``). A plain
  number as a file's stem is still an id (``/avatars/12345.png``), as is a number after any other word
  (``invoice-12345.pdf``). Every carrier reads paths alike (URL attributes, URLs in text).

The output is a fixed point: ``sanitize(sanitize(x)) == sanitize(x)``. :meth:`UrlSanitizer.sanitize`
never raises; an internal error returns the replacement (fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import unquote, unquote_plus

from .ip import truncate_ip

__all__ = ["UrlSanitizer", "SECRET_PATH_WORDS", "default_sanitizer"]

#: Path words after which a segment that is not a plain word is a secret (``/reset/<token>``).
#: Matched against the words of a segment (``reset-password``, ``magicLink``, ``api_keys``).
SECRET_PATH_WORDS = frozenset({
    "token", "reset", "password", "passwd", "pwd", "invite", "invitation", "magic", "verify",
    "verification", "confirm", "confirmation", "unsubscribe", "share", "shared", "activate", "activation",
    "recover", "recovery", "otp", "secret", "key", "apikey", "webhook", "webhookb", "hook", "signature",
    "login", "signin", "session", "ticket", "claim", "redeem", "code",
})

# Hosts whose paths carry credentials (chat webhooks, bot APIs): every non-word segment is secret.
_SECRET_HOSTS = frozenset({"hooks.slack.com", "discord.com", "discordapp.com", "webhook.office.com",
                           "outlook.office.com", "outlook.office365.com", "api.telegram.org", "hooks.zapier.com",
                           "maker.ifttt.com", "chat.googleapis.com", "logic.azure.com"})
_SECRET_HOST_SUFFIXES = tuple(sorted("." + h for h in _SECRET_HOSTS))
# Social networks' hosts (www., m. and mobile. prefixes aside): their paths name people (instagram.com/alice,
# t.me/alice, x.com/alice/status/1, mastodon.social/@alice), so every segment but the site's route words is an id.
_SOCIAL_HOSTS = frozenset({"twitter.com", "x.com", "instagram.com", "facebook.com", "fb.com", "tiktok.com", "t.me",
                           "telegram.me", "threads.net", "bsky.app", "mastodon.social", "mastodon.online",
                           "mstdn.social", "linkedin.com", "youtube.com", "reddit.com", "snapchat.com", "pinterest.com",
                           "medium.com", "vk.com", "weibo.com", "twitch.tv"})
_SOCIAL_ROUTES = frozenset({"in", "u", "user", "users", "c", "channel", "profile", "add", "status", "statuses", "p",
                            "post", "posts", "reel", "reels", "tv", "stories", "explore", "hashtag", "tags", "tag",
                            "search", "home", "i", "intent", "share", "sharer", "login", "about", "joinchat", "s",
                            "watch", "shorts", "photo", "photos", "video", "videos", "comments", "r", "feed", "pin",
                            "web", "embed", "followers", "following", "likes", "media", "with_replies"})

# WHATWG "special" schemes: any run of / and \ after the colon leads to the authority, \ ends it.
_SPECIAL = frozenset({"http", "https", "ws", "wss", "ftp"})
# Schemes without an authority: the rest is an opaque path (still scrubbed).
_OPAQUE = frozenset({"mailto", "tel", "sms", "urn", "javascript", "about", "blob", "news", "sip", "sips", "magnet",
                     "geo", "cid", "mid", "xmpp", "callto", "fax", "facetime", "maps", "market", "intent"})
# Where an authority, a path and a leading query key end (WHATWG adds \\ for its special schemes).
_AUTH_END = re.compile(r"[/?#]")
_AUTH_END_SPECIAL = re.compile(r"[/?#\\]")
_PATH_END = re.compile(r"[?#]")
_KEY_END = re.compile(r"[/?#=&\\]")
_AT_OR_END = re.compile(r"[@/?#]")
_AT_OR_END_SPECIAL = re.compile(r"[@/?#\\]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z][A-Za-z0-9+.\-]*:(?=//))?")
# Characters that can never be part of a host (RFC 3986 reg-name, plus what WHATWG forbids).
_NOT_HOST = re.compile(r"[\x00-\x20/?#@\[\]\\<>\"{}|^`:\x7f]")

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_TELEGRAM = re.compile(r"\d{5,}:[A-Za-z0-9_\-]{30,}")  # bot<id>:<secret>, in /bot…/ paths
_USERINFO_LIKE = re.compile(r"[^:@]+:[^@]+@")  # "user:pass@" left in a path segment
_UUID = re.compile(r"\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?")
_HEX = re.compile(r"(?=[0-9a-fA-F\-]*\d)[0-9a-fA-F]{8,}(?:-[0-9a-fA-F]{4,})*")  # checked for length >= 16
_DIGIT_GROUPS = re.compile(r"\+?\(?\d+\)?(?:[\-\s,:/()+]+\d+)+\)?")  # 2024-05-01, +1 (555) 123-4567, 1,2,3
_DIGIT_RUN5 = re.compile(r"\d{5}")
_PARTS = re.compile(r"[@:,;=+ !$&'()*]")
_DIGIT_CHAIN = re.compile(r"\d+(?:[\-\s,:/()+.]\d+)+")
# Versions survive: 1.2.3, v2, 10.0.19041.1, 1.2.3-beta.1, v1beta1, V2
_VERSION = re.compile(r"[vV]?\d+(?:\.\d+)+(?:[\-+][0-9A-Za-z.\-]+)?|[vV]\d+(?:[a-z]+\d*)?")
# A query key or flag that reads like a name (kept without further checks unless it looks random).
_PLAIN_KEY = re.compile(r"[A-Za-z_$@][A-Za-z0-9_.\-\[\]$:]{0,63}")
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_WORD_DIGITS = re.compile(r"[A-Za-z]{3,}\d{1,2}|[vV]\d{1,3}")
_SEGMENT_SPLIT = re.compile(r"[\-_.~ +]")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_\-]{16,}")
_SLUG_SPLIT = re.compile(r"[\-_]")
_SLUG_PIECE = re.compile(r"[a-z]+\d{0,4}|\d{1,4}[a-z]{0,3}|[A-Z][a-z]+|[A-Z]{1,5}")
_NAME_TEMPLATE = re.compile(r"\{[^{}/]*\}|:[A-Za-z_][A-Za-z0-9_]*|\*|<[^<>/]*>")  # route templates survive
# What is not an identifier, though it has digits (see _path and _not_an_id): dates, content digests, the sequence
# numbers of partition and part files.
_YEAR = re.compile(r"(?:19|20)[0-9][0-9]")
_MONTH = re.compile(r"0[1-9]|1[0-2]")
_DAY = re.compile(r"0[1-9]|[12][0-9]|3[01]")
_DATE = re.compile(r"(?:19|20)[0-9][0-9]-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])")
# Hive-style partition segments (year=2026, month=12, dt=2026-12-03): the key names a date part
_DATE_PART = {"year": _YEAR, "yyyy": _YEAR, "month": _MONTH, "mm": _MONTH, "day": _DAY, "dd": _DAY,
              "hour": re.compile(r"[01][0-9]|2[0-3]"), "hh": re.compile(r"[01][0-9]|2[0-3]"),
              "date": _DATE, "dt": _DATE, "ds": _DATE}
# algorithm:hex of that algorithm's length (OCI/Docker content digests), after an optional OCI repository name
_DIGEST = re.compile(r"(?:([a-z0-9]+(?:[._\-][a-z0-9]+)*)@)?(sha256|sha384|sha512|sha1|md5):([0-9a-f]+)")
_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128, "sha1": 40, "md5": 32}
# A part file's sequence number: a sequence word, then the number (part-00001, chunk_7, part-r-00000, Hadoop's and
# Spark's writers), then optional extensions; or a zero-padded counter with an extension (000123.log, Kafka's and
# RocksDB's fixed-width segment names). A plain number as the stem (12345.png) is an id: an avatar named by its user.
_SEQUENCE_FILE = re.compile(
    r"(?:part|chunk|segment|seg|shard|batch|block|page|split|slice|frame|fragment|partition|piece|volume|vol|seq"
    r"|epoch|step|checkpoint|ckpt|wal)[\-_.](?:[a-z][\-_])?[0-9]{1,12}(?:\.[a-z][a-z0-9]{0,9})*"
    r"|0[0-9]{3,24}(?:\.[a-z][a-z0-9]{0,9})+", re.IGNORECASE)

# -- URLs in free text ------------------------------------------------------------------------
# also JSON-escaped (PHP's json_encode writes https:\/\/host\/path)
_TEXT_SCHEME_URL = re.compile(r"\b(?:[A-Za-z][A-Za-z0-9+.\-]{1,15}:(?://|\\/\\/)|www\.)[^\s<>\"'`]+")
_TEXT_HOST_URL = re.compile(
    r"(?<![\w/.:@%\-])(?:(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+([a-z]{2,24}|[A-Z]{2,24}|[^\W\d_A-Za-z]{2,24})"
    r"|(?:\d{1,3}\.){3}\d{1,3})(?::\d{1,5})?/[^\s<>\"'`]*"
)
# data:[<media type>][;params][;base64],<data> — the payload is data (a file, a JSON document, a secret)
_TEXT_DATA_URL = re.compile(r"(?<![\w\-])data:(?:[\w.+\-]+/[\w.+\-]+)?(?:;[\w.+\-]+(?:=[\w.+\-%]*)?)*,[^\s<>\"'`]+",
                            re.IGNORECASE)
_TEXT_TARGET = re.compile(r"(?<![\w/.:@\-])/[\w.~%!$'()*+,;=:@/\-{}]*\?[^\s\"'<>#]*")
# A host URL needs ".tld/", ".tld:port/" or "d.ddd/": one cheap search before the costlier host pattern.
_HOST_HINT = re.compile(r"\.[^\W\d_]{2,24}(?::\d{1,5})?/|\d\.\d{1,3}(?::\d{1,5})?/")
# METHOD /path: the method is checked against _METHODS and must not end a longer word (a plain character class
# first lets the regex engine skip ahead, which an alternation behind a look-behind does not).
_TEXT_REQUEST = re.compile(r"([A-Z]{3,7}) (/[^\s<>\"'`]*)")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
# A path a web framework logs as the request's ("Not Found: /x", "Internal Server Error: /x", "Forbidden (CSRF token
# missing.): /x", "Method Not Allowed (POST): /x" — django.request's messages): sanitised as a request target.
_TEXT_STATUS_PATH = re.compile(
    r"(?:Error|Found|Request|Forbidden|Allowed|Gone)(?: \([^()\n]{0,80}\))?: (/[^\s<>\"'`]*)")
# Any other absolute path of two or more segments in text ("reset link /accounts/reset/MQ/<token>/ sent"). It may be
# a file's path as well as a URL's, so only what no file system names is taken from it: a segment of 12+ token
# characters that reads as generated (letters and digits, high entropy; not a hex digest or UUID, which content
# stores and containers name files by), or one that is no word after a secret-bearing word (/verify/<code>) —
# and nothing under the roots of a file system (/usr, /var, /proc, /tmp, …).
_TEXT_BARE_PATH = re.compile(r"(?<![\w/.:@\-~\\%])/[\w.~%+\-@=,;:!$*]+(?:/[\w.~%+\-@=,;:!$*]*)+")
_PATH_TOKEN = re.compile(r"[A-Za-z0-9_\-]{12,}")
_FS_ROOTS = frozenset({
    "usr", "var", "proc", "sys", "dev", "etc", "opt", "tmp", "lib", "lib32", "lib64", "bin", "sbin", "run", "srv",
    "home", "Users", "mnt", "nix", "snap", "root", "boot", "media", "private", "Library", "System", "Applications",
    "Volumes", "cygdrive", "workspace", "site-packages", "dist-packages", "node_modules",
})
# "name.ext/" in text is a file path far more often than a host: these need a query to count as URLs.
_FILE_EXTS = frozenset({
    "py", "pyc", "js", "mjs", "cjs", "ts", "tsx", "jsx", "go", "rs", "md", "sh", "rb", "pl", "so", "java", "class",
    "jar", "war", "txt", "json", "yaml", "yml", "log", "conf", "cfg", "ini", "xml", "html", "htm", "css", "cpp", "cc",
    "hpp", "lock", "toml", "zip", "gz", "tar", "tgz", "php", "cs", "kt", "swift", "sql", "csv", "vue", "lua", "dart",
    "whl", "egg", "deb", "rpm", "dll", "exe", "bin", "png", "jpg", "jpeg", "gif", "svg", "pdf", "env", "tmp", "bak",
    "pem", "crt", "key", "pyi", "ipynb", "proto", "tf", "scss", "less", "map", "wasm", "dylib", "db", "sqlite",
})
_TRAILING_PUNCT = ".,;:!?)]}'\""
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_MEMO_SIZE = 4096

#: Regular-expression triggers (RE2 syntax, ASCII text) of :meth:`find_urls` and :meth:`find_targets`:
#: every finding contains its trigger. The text scanner's one-pass prefilter uses them.
TRIGGER_URLS = r":(?://|\\/\\/)|(?i:www\.|data:)|\.(?:[a-z]{2,24}|[A-Z]{2,24}|[^\x00-\x7f]{2,24})(?::\d{1,5})?/|\d\.\d{1,3}(?::\d{1,5})?/"
TRIGGER_TARGETS = (r"/(?:[\w.~%!$'()*+,;=:@/\-{}]|[^\x00-\x7f])*\?"
                   r"|(?:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH) /"
                   r"|(?:Error|Found|Request|Forbidden|Allowed|Gone)(?: \([^()\n]{0,80}\))?: /"
                   r"|/[A-Za-z0-9_\-]{12}")  # a bare path's token segment (_PATH_TOKEN)
_GATE_PATH_TOKEN = re.compile(r"/[A-Za-z0-9_\-]{12}")


def gate_urls(text: str, lower: str) -> bool:
    """Cheap test without RE2: can :meth:`UrlSanitizer.find_urls` find anything in ``text``?"""
    return "/" in text and ("." in text or ":" in text) or "www." in lower or "data:" in lower


def gate_targets(text: str) -> bool:
    """Cheap test without RE2: can :meth:`UrlSanitizer.find_targets` find anything in ``text``?"""
    return "?" in text or " /" in text or "/" in text and _GATE_PATH_TOKEN.search(text) is not None


class UrlSanitizer:
    """Sanitise URLs, request targets, paths and query strings; see the module docstring."""

    def __init__(
        self,
        *,
        replacement: str = "REDACTED",
        allow_query_keys: Iterable[str] = (),
        drop_fragment: bool = True,
        template_paths: bool = True,
        path_id_patterns: Iterable[str] = (),
        id_placeholder: str = "{id}",
        segment_scrubber: Callable[[str], str] | None = None,
        ip_truncator: Callable[[str], str | None] | None = None,
        secret_path_words: Iterable[str] = (),
    ) -> None:
        """``segment_scrubber`` returns its input unchanged when it finds nothing (the Redactor passes its
        free-text detectors); ``ip_truncator`` returns the truncated address or ``None`` for a non-address
        (default: IPv4 /24, IPv6 /48)."""
        self.replacement = replacement
        self.allow = frozenset(k.lower() for k in allow_query_keys)
        self.drop_fragment = drop_fragment
        self.template_paths = template_paths
        self.id_placeholder = id_placeholder
        self.segment_scrubber = segment_scrubber
        self.ip_truncator = ip_truncator if ip_truncator is not None else truncate_ip
        self.secret_words = SECRET_PATH_WORDS | {w.lower() for w in secret_path_words}
        custom = list(path_id_patterns)
        self._custom_id = re.compile("|".join(f"(?:{p})" for p in custom)) if custom else None
        self._keep = frozenset({id_placeholder, replacement, "*"})
        # Memos of pure decisions (dict reads and writes are atomic): hosts, path segments and query keys repeat
        # even where whole URLs do not (fresh ids and values).
        self._host_memo: dict[str, tuple[str, bool, bool, bool]] = {}
        self._segment_memo: dict[str, tuple[str | None, bool]] = {}
        self._key_memo: dict[str, bool] = {}
        # Bound per-instance caches: URLs repeat (health checks, the same endpoints).
        self.sanitize = lru_cache(maxsize=4096)(self._sanitize)  # type: ignore[method-assign]
        self.template_path = self.sanitize  # type: ignore[method-assign]

    # -- public --------------------------------------------------------------------------
    def sanitize(self, url: str) -> str:  # replaced by a cached bound function in __init__
        """The sanitised URL, target, path or query string; never raises."""
        return self._sanitize(url)

    def template_path(self, path: str) -> str:  # replaced by a cached bound function in __init__
        """``url.path``: the same rules as :meth:`sanitize` (a path that holds a URL keeps its host)."""
        return self._sanitize(path)

    def sanitize_query(self, query: str) -> str:
        """Replace every value in ``a=1&b=2`` (keys kept) unless the key is allow-listed."""
        if not query:
            return query
        return "&".join([self._pair(part) for part in query.split("&")])

    def find_urls(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, sanitised)`` for each URL in free text that sanitising changes.

        URLs with a scheme (``https://…``, ``postgres://…``) or ``www.``, and scheme-less ones whose host
        is a domain name or IPv4 address followed by a path (``api.example.com/reset/…``). A name whose
        "top-level domain" is a common file extension (``setup.py/…``) counts only with a query.
        """
        out: list[tuple[int, int, str]] = []
        spans = [self._found(text, m.start(), m.group(0), out) for m in _TEXT_SCHEME_URL.finditer(text)]
        if "a:" in text or "A:" in text:  # data: URIs (any case)
            for m in _TEXT_DATA_URL.finditer(text):
                if not any(a <= m.start() < b for a, b in spans):
                    spans.append(self._found(text, m.start(), m.group(0), out))
        if "/" in text and _HOST_HINT.search(text):
            for m in _TEXT_HOST_URL.finditer(text):
                tld = m.group(1)
                if tld is not None and tld.lower() in _FILE_EXTS and "?" not in m.group(0):
                    continue
                if not any(a <= m.start() < b for a, b in spans):
                    self._found(text, m.start(), m.group(0), out)
        if len(out) > 1:
            out.sort()
        return out

    def find_targets(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, sanitised)`` for request targets in text: ``/path?query`` and ``GET /path``."""
        out: list[tuple[int, int, str]] = []
        spans = [self._found(text, m.start(2), m.group(2), out) for m in _TEXT_REQUEST.finditer(text)
                 if m.group(1) in _METHODS and not (m.start() and _word_end(text[m.start() - 1]))] \
            if " /" in text else []
        if ": /" in text:
            for m in _TEXT_STATUS_PATH.finditer(text):
                if not any(a <= m.start(1) < b for a, b in spans):
                    spans.append(self._found(text, m.start(1), m.group(1), out))
        if "?" in text:
            for m in _TEXT_TARGET.finditer(text):
                if not any(a <= m.start() < b for a, b in spans):
                    spans.append(self._found(text, m.start(), m.group(0), out))
        if self.template_paths and _GATE_PATH_TOKEN.search(text) is not None:
            for m in _TEXT_BARE_PATH.finditer(text):
                if not any(a <= m.start() < b for a, b in spans):
                    path = m.group(0).rstrip(_TRAILING_PUNCT)
                    new = self._bare_path(path)
                    if new is not None:
                        out.append((m.start(), m.start() + len(path), new))
        if len(out) > 1:
            out.sort()
        return out

    def _bare_path(self, path: str) -> str | None:
        """``path`` (a path in text, no context saying it is a URL's) with its generated tokens templated, or
        ``None`` when none is: see ``_TEXT_BARE_PATH``."""
        segments = path.split("/")
        if segments[1] in _FS_ROOTS:
            return None
        secret_path = changed = False
        for i, seg in enumerate(segments):
            if not seg:
                continue
            if _PATH_TOKEN.fullmatch(seg) and not seg.isalpha() and not seg.isdigit() and (
                    secret_path and not _is_word(seg)
                    or not (_HEX.fullmatch(seg) or _UUID.fullmatch(seg)) and _looks_random(seg)):
                segments[i] = self.id_placeholder
                changed = True
                continue
            if not secret_path and seg.isascii() and seg.replace("-", "").replace("_", "").isalpha():
                secret_path = self._secret_word(seg)
        return "/".join(segments) if changed else None

    # -- implementation: whole URLs ------------------------------------------------------
    def _found(self, text: str, start: int, match: str, out: list[tuple[int, int, str]]) -> tuple[int, int]:
        """Sanitise one match (trailing punctuation is prose); returns the span the match covers."""
        url = match.rstrip(_TRAILING_PUNCT)
        while len(url) < len(match) and match[len(url)] in _CLOSERS:  # a bracket opened inside the URL: {id}, (1)
            close = match[len(url)]
            if url.count(_CLOSERS[close]) <= url.count(close):
                break
            url += close
        if url:
            if "\\/" in url:  # JSON-escaped: sanitised unescaped, written back escaped
                new = self.sanitize(url.replace("\\/", "/")).replace("/", "\\/")
            else:
                new = self.sanitize(url)
            if new != url:
                out.append((start, start + len(url), new))
        return start, start + len(match)

    def _sanitize(self, url: str) -> str:
        if not url:
            return url
        try:
            return self._sanitize_unsafe(url)
        except Exception:  # noqa: BLE001 - fail closed: never return what could not be parsed
            return self.replacement

    def _sanitize_unsafe(self, s: str) -> str:
        if "\t" in s or "\n" in s or "\r" in s:
            s = s.replace("\t", "").replace("\n", "").replace("\r", "")  # WHATWG removes them before parsing
        if not s:
            return s
        lead = len(s) - len(s.lstrip())
        if lead:
            return s[:lead] + self._sanitize_unsafe(s[lead:]) if s[lead:] else s
        c = s[0]
        if c == "/" or c == "\\":
            if s[1:2] in ("/", "\\") and s[2:3] not in ("/", "\\"):
                return s[:2] + self._authority(s, 2, True)  # protocol-relative: //host/…
            return self._tail(s, 0, False)
        if c == "?" or c == "#":
            return self._query_fragment(s, 0)
        if s == "*":
            return s
        m = _SCHEME.match(s)  # scheme: (compound ones too: jdbc:mysql://…)
        if m:
            return self._after_scheme(s, m.end() - 1)
        if _is_bare_query(s, 0):
            return self.sanitize_query(s)
        return self._schemeless(s)

    def _after_scheme(self, s: str, i: int) -> str:
        """``s[i]`` is the colon after the scheme."""
        scheme = s[:i].lower()
        rest = i + 1
        if scheme in _SPECIAL:
            j = rest
            while j < len(s) and s[j] in "/\\":
                j += 1
            return s[:j] + self._authority(s, j, True)
        if s[rest:_first_of(s, rest, _AUTH_END)].isdigit() and scheme not in _OPAQUE:
            return self._authority(s, 0, False)  # localhost:8080/x, api.example.com:443
        if scheme == "file":
            if s.startswith("//", rest):
                return s[: rest + 2] + self._authority(s, rest + 2, True)
            return s[:rest] + self._tail(s, rest, False)
        if s.startswith("//", rest):
            return s[: rest + 2] + self._authority(s, rest + 2, False)
        if scheme == "data":  # data:[<media type>][;base64],<data>
            comma = s.find(",", rest)
            return s if comma < 0 or comma == len(s) - 1 else s[: comma + 1] + self.replacement
        if scheme not in _OPAQUE and "@" in s:
            return self._authority(s, 0, False)  # "user:pass@host/…" without a scheme
        return s[:rest] + self._tail(s, rest, False)

    def _schemeless(self, s: str) -> str:
        """``api.example.com/a``, ``user@host/a``, ``10.1.2.3:8080/a`` or a relative path ``users/123``."""
        first = s[:_first_of(s, 0, _AUTH_END)]
        if "@" in first or _hostport_ok(first) and _looks_like_host(first):
            return self._authority(s, 0, False)
        return self._tail(s, 0, False)

    def _authority(self, s: str, a: int, special: bool) -> str:
        """Render ``s[a:]`` whose authority starts at ``a``; returns the authority and everything after it."""
        stops = _AUTH_END_SPECIAL if special else _AUTH_END
        e = _first_of(s, a, stops)
        auth = s[a:e]
        at = auth.rfind("@")
        hostport = auth[at + 1:]
        clean = self._host(hostport)[2]
        if clean and s.find("@", e) >= 0:
            # The RFC reading is valid, but "u:/x@host" (an empty port) or a host that reads like a token
            # ("https://ghp_…/x@github.com", "https://u:p@Xk9…/…@host") mean credentials were cut by a
            # reserved character.
            host = hostport.rpartition(":")[0] if ":" in hostport else hostport
            if hostport.endswith(":") or "." not in host and _token_like(host):
                clean = False
        userinfo = at >= 0
        if not clean:  # the credentials end at the last @ followed by a valid host (one pass from the end)
            nxt = len(s)
            at_follows = False
            marks = [m.start() for m in (_AT_OR_END_SPECIAL if special else _AT_OR_END).finditer(s, a)]
            for pos in reversed(marks):
                if s[pos] != "@":
                    nxt, at_follows = pos, False
                    continue
                if not at_follows and _hostport_ok(s[pos + 1:nxt]):  # a later @ before nxt: no valid host
                    userinfo = True
                    hostport, e = s[pos + 1:nxt], nxt
                    break
                at_follows = True
        rendered, secret, _, social = self._host(hostport)
        out = f"{self.replacement}:{self.replacement}@{rendered}" if userinfo else rendered
        return out + self._tail(s, e, secret, special, social)

    def _host(self, hostport: str) -> tuple[str, bool, bool, bool]:
        """``hostport`` rendered, whether its paths hold secrets (webhook hosts), whether it is valid, whether its
        paths name people (social networks)."""
        hit = self._host_memo.get(hostport)
        if hit is None:  # hosts repeat: decide each once
            hit = self._host_memo[hostport] = (self._hostport(hostport), _secret_host(hostport),
                                               _hostport_ok(hostport), _social_host(hostport))
            if len(self._host_memo) > _MEMO_SIZE:
                self._host_memo.clear()
        return hit

    def _hostport(self, text: str) -> str:
        """Hosts kept, IP literals truncated, ports kept if numeric; ``;params`` (JDBC) lose their values."""
        hosts, semi, params = text.partition(";")
        out = []
        for hp in hosts.split(","):
            if hp.startswith("["):
                close = hp.find("]")
                host, port = (hp[: close + 1], hp[close + 1:]) if close > 0 else (hp, "")
                if close > 0:
                    truncated = self.ip_truncator(host[1:-1])
                    if truncated is not None:
                        host = f"[{truncated}]" if ":" in truncated else truncated
            else:
                host, colon, port = hp.partition(":")
                port = colon + port
                ipv4 = _whatwg_ipv4(host)
                if ipv4 is not None:
                    host = self.ip_truncator(ipv4) or host
            if port and not (port[1:].isascii() and port[1:].isdigit()):
                port = ":" + self.replacement if len(port) > 1 else port
            out.append(host + port)
        rendered = ",".join(out)
        if semi:
            rendered += ";" + ";".join(self._pair(p) for p in params.split(";"))
        return rendered

    def _tail(self, s: str, i: int, secret_path: bool, special: bool = False, social: bool = False) -> str:
        """Path from ``s[i]``, then query and fragment. WHATWG reads ``\\`` in a special URL's path as ``/``."""
        e = _first_of(s, i, _PATH_END)
        path = s[i:e]
        if special and "\\" in path:
            path = path.replace("\\", "/")
        out = self._social_path(path) if social and not secret_path else self._path(path, secret_path)
        return out + self._query_fragment(s, e) if e < len(s) else out

    def _query_fragment(self, s: str, i: int) -> str:
        """``s[i]`` is the ``?`` or ``#`` that ends the path."""
        hash_ = s.find("#", i)
        out = ""
        if s[i] == "?":
            out = "?" + self.sanitize_query(s[i + 1:hash_] if hash_ >= 0 else s[i + 1:])
        if hash_ >= 0 and not self.drop_fragment:
            out += "#" + self._fragment(s[hash_ + 1:])
        return out

    def _fragment(self, frag: str) -> str:
        if not frag:
            return frag
        if _is_bare_query(frag, 0):
            return self.sanitize_query(frag)  # #access_token=…&state=…
        path, q, query = frag.partition("?")
        out = self._path(path, False)  # #/users/123 (single-page app routes)
        return out + "?" + self.sanitize_query(query) if q else out

    # -- implementation: path segments ---------------------------------------------------
    def _social_path(self, path: str) -> str:
        """On a social network's host every segment but its route words names a person or their post: an id
        (``/alice/status/1`` → ``/{id}/status/{id}``, ``/@alice`` → ``/@{id}``)."""
        segments = path.split("/")
        keep = self._keep
        for i, seg in enumerate(segments):
            handle = seg[1:] if seg[:1] == "@" else seg
            if handle and handle not in keep and seg.lower() not in _SOCIAL_ROUTES:
                segments[i] = seg[:len(seg) - len(handle)] + self.id_placeholder
        return "/".join(segments)

    def _path(self, path: str, secret_path: bool) -> str:
        if not path:
            return path
        segments = path.split("/")
        keep = self._keep
        memo = self._segment_memo
        date_end = 0  # segments before this index belong to a date already read
        for i, seg in enumerate(segments):
            if not seg or seg in keep:
                continue
            if secret_path:  # after /reset/, on webhook hosts (rare): every segment decided afresh
                new, _ = self._segment(seg, True)
                if new is not seg:
                    segments[i] = new
                continue
            if self.template_paths and seg.isdigit() and seg.isascii():
                if i < date_end or len(seg) == 4 and (date_end := _date_end(segments, i)):
                    continue  # /2026/12/03/: the year, month and day of a date are no ids
                segments[i] = self.id_placeholder  # the commonest id, and too varied to memoise
                continue
            hit = memo.get(seg)
            if hit is None:  # segments repeat (api, v1, orders): decide each once
                hit = self.decide_segment(seg)
            if hit[0] is not None:
                segments[i] = hit[0]
            if hit[1]:
                secret_path = True  # /reset/<token>, /api/webhooks/<id>/<token>
        return "/".join(segments)

    def decide_segment(self, seg: str) -> tuple[str | None, bool]:
        """A path segment outside a secret path (not empty, not a placeholder, and not digits when templating):
        its replacement (``None``: kept) and whether it names a secret-bearing place, after which the path is
        secret. Memoised; the compiled wire core asks this too, so both read a path alike."""
        hit = self._segment_memo.get(seg)
        if hit is None:
            new, is_word = self._segment(seg, False)
            hit = self._segment_memo[seg] = (new if new is not seg else None, is_word and self._secret_word(seg))
            if len(self._segment_memo) > _MEMO_SIZE:
                self._segment_memo.clear()
        return hit

    def decide_query_key(self, key: str) -> tuple[bool, bool, bool]:
        """For a query key: is it kept as a flag (``?debug``), is it kept before a value (``a=``), and is its
        value allow-listed (then still checked). :meth:`_pair`'s decisions, for the compiled wire core."""
        ok = self._key_ok(key)
        return key in self._keep or ok and _is_word(key), ok, bool(self.allow) and self._allowed(key)

    def _secret_word(self, seg: str) -> bool:
        """The segment names a secret-bearing place: ``reset``, ``invites``, ``reset-password``, ``magicLink``."""
        words = self.secret_words
        if seg.isalpha() and seg.islower():  # one lower-case word (the common case) without the regex
            return seg in words or len(seg) > 3 and seg[-1] == "s" and seg[-2] != "s" and seg[:-1] in words
        return not words.isdisjoint(_words(seg))

    def _segment(self, seg: str, secret_path: bool) -> tuple[str, bool]:
        """The segment's replacement (``seg`` itself when kept) and whether it is a plain word."""
        name, semi, params = seg.partition(";")
        new, is_word = self._segment_name(name, secret_path)
        if semi:  # ;jsessionid=…: matrix parameters are values like a query's
            new += ";" + ";".join(self._pair(p) for p in params.split(";"))
        return (seg if new == seg else new), is_word

    def _segment_name(self, name: str, secret_path: bool) -> tuple[str, bool]:
        if not name or name in self._keep:
            return name, False
        if _NAME_TEMPLATE.fullmatch(name) and not _looks_random(name):
            return name, False  # a route template ({id}, :orderId, <uid>), unless a token hides in that shape
        if name.isalpha():  # the commonest segment, a word: only the secret-path context and noise can touch it
            if secret_path and not _is_word(name) or self.template_paths and len(name) >= 20 and _looks_random(name):
                return self.id_placeholder, False  # /reset/<letters>, a webhook's letters-only token (qWeRtY noise)
            return name, True
        if not secret_path and ("@" in name or ":" in name):
            m = _DIGEST.fullmatch(name)
            if m is not None and len(m.group(3)) == _DIGEST_HEX[m.group(2)]:  # a content hash, not personal
                repo = m.group(1)  # orders@sha256:… (an OCI image reference): the name is decided as a segment
                return (name, False) if repo is None else (self._segment_name(repo, False)[0] + name[len(repo):], False)
        forms = _decoded(name)
        if self._holds_secret(forms):
            return self.id_placeholder, False
        key, eq, value = name.partition("=")
        if eq and not secret_path and (part := _DATE_PART.get(key.lower())) is not None and part.fullmatch(value):
            return name, False  # year=2026, dt=2026-12-03: a Hive-style date partition
        if eq and key and value.strip("=") and _PLAIN_KEY.fullmatch(key):
            return self._pair(name), False  # /search/q=alice, /data=…: a value in a segment
        last = forms[-1]
        if secret_path and not _is_word(last):
            return self.id_placeholder, False
        if self.template_paths and self._is_id(last):
            return self.id_placeholder, False
        return name, _is_word(last)

    def _holds_secret(self, forms: list[str]) -> bool:
        scrub = self.segment_scrubber
        for f in forms:
            if "@" in f and (_EMAIL.search(f) or _USERINFO_LIKE.search(f)):
                return True
            if ":" in f and _TELEGRAM.search(f):
                return True
            if scrub is not None and len(f) >= 6 and (len(f) >= 20 or not f.isalpha()) and scrub(f) != f:
                return True
        return False

    def _is_id(self, s: str) -> bool:
        """Numbers, UUIDs, long hex, digit groups and high-entropy tokens (``s`` is percent-decoded)."""
        if self._custom_id is not None and self._custom_id.fullmatch(s):
            return True
        if s.isascii() and s.isdigit():
            return True
        n = len(s)
        if n >= 32 and _UUID.fullmatch(s) or n >= 16 and _HEX.fullmatch(s):
            return True
        if _VERSION.fullmatch(s) or _DATE.fullmatch(s) or _SEQUENCE_FILE.fullmatch(s):
            return False  # 1.2.3, 2026-12-03, part-00042.parquet: no identifiers
        if _DIGIT_GROUPS.fullmatch(s) or _DIGIT_RUN5.search(s):
            return True
        for chain in _DIGIT_CHAIN.findall(s):  # x-078-05-1120, card-4111-1111-1111-1111 (dots alone: versions)
            if not chain.replace(".", "").isdigit() and sum(ch.isdigit() for ch in chain) >= 7:
                return True
        if _looks_random(s):
            return True
        # parts of a compound segment (name@host, a:b, k,v): one random part is enough (u:p@Xk9…/…@host)
        return any(_looks_random(part) for part in _PARTS.split(s)) if _PARTS.search(s) else False

    # -- implementation: query pairs -----------------------------------------------------
    def _pair(self, part: str) -> str:
        """One ``key=value`` (or flag) of a query string or matrix parameter list."""
        if not part:
            return part
        key, sep, value = part.partition("=")
        if not sep:  # a flag (?debug, ?wsdl) is a word; a bare token (?eyJ…, ?Xk9q…) is a value without a key
            return key if key in self._keep or self._key_ok(key) and _is_word(key) else self.replacement
        if not self._key_ok(key):
            key = self.replacement
        if not value or value == self.replacement:
            return f"{key}={value}"
        if self.allow and self._allowed(key) and not self._holds_secret(_decoded(value, plus=True)):
            return f"{key}={value}"
        return f"{key}={self.replacement}"

    def _key_ok(self, key: str) -> bool:
        """Keys are names; a key that is itself a secret or an id (``?eyJhbGci…``, ``?4111…=``) is not kept."""
        ok = self._key_memo.get(key)
        if ok is None:  # keys repeat: decide each once
            ok = self._key_memo[key] = self._decide_key(key)
            if len(self._key_memo) > _MEMO_SIZE:
                self._key_memo.clear()
        return ok

    def _decide_key(self, key: str) -> bool:
        if not key or key in self._keep:
            return True
        if _PLAIN_KEY.fullmatch(key):
            return len(key) < 5 or "@" not in key[1:] and not _DIGIT_RUN5.search(key) and not _looks_random(key)
        forms = _decoded(key, plus=True)
        last = forms[-1]
        return (bool(_PLAIN_KEY.fullmatch(last)) and "@" not in last[1:] and not _DIGIT_RUN5.search(last)
                and not _looks_random(last) and not self._holds_secret(forms))

    def _allowed(self, key: str) -> bool:
        k = key.lower()
        return k in self.allow or ("%" in k or "+" in k) and unquote_plus(k) in self.allow


# -- helpers (plain functions over strings: straightforward to port) ----------------------------
def _first_of(s: str, i: int, stops: re.Pattern[str]) -> int:
    """Index of the first character of the set ``stops`` in ``s`` at or after ``i``, or ``len(s)``."""
    m = stops.search(s, i)
    return m.start() if m else len(s)


def _word_end(ch: str) -> bool:
    """``ch`` continues a word (so a method name right after it is part of that word, not a request line)."""
    return ch.isalnum() or ch == "_" or ch == "-"


def _is_bare_query(s: str, i: int) -> bool:
    """``a=1&next=/x``: the first of ``/ ? # = &`` is ``=`` or ``&`` (a key comes before any path)."""
    j = _first_of(s, i, _KEY_END)
    return j < len(s) and s[j] in "=&"


def _hostport_ok(text: str) -> bool:
    """``host[:port]`` (or a comma-separated list of them, as in MongoDB URLs), ``;params`` allowed after."""
    text = text.partition(";")[0]
    if not text:
        return False
    for hp in text.split(","):
        if hp.startswith("["):
            close = hp.find("]")
            if close < 2 or not all(ch.isalnum() or ch in ":.%_~-" for ch in hp[1:close]) or ":" not in hp[1:close]:
                return False
            port = hp[close + 1:]
            if port and (port[0] != ":" or not (port[1:] == "" or port[1:].isascii() and port[1:].isdigit())):
                return False
            continue
        host, colon, port = hp.partition(":")
        if not host or _NOT_HOST.search(host):
            return False
        if colon and port and not (port.isascii() and port.isdigit() and len(port) <= 5):
            return False
    return True


def _looks_like_host(text: str) -> bool:
    """A scheme-less first component that names a host: a dotted name with a letter TLD, an IP, ``localhost``."""
    host, _, port = text.partition(";")[0].partition(",")[0].partition(":")
    if host.startswith("[") or _whatwg_ipv4(host) is not None:
        return True
    if host.lower() == "localhost":
        return True
    labels = host.split(".")
    tld = labels[-1]
    if len(labels) < 2 or not (2 <= len(tld) <= 24 and tld.isascii() and tld.isalpha()):
        return bool(port)
    return all(lab and len(lab) <= 63 and not _looks_random(lab) for lab in labels) and not host.startswith("eyJ")


def _token_like(label: str) -> bool:
    """A single host label that reads like a credential: random, or mixed case with digits (DNS names are not)."""
    return _looks_random(label) or (not label.islower() and not label.isupper()
                                    and any(ch.isdigit() for ch in label))


def _secret_host(hostport: str) -> bool:
    host = hostport.partition(";")[0].partition(":")[0].lower().rstrip(".")
    return host in _SECRET_HOSTS or host.endswith(_SECRET_HOST_SUFFIXES)


def _social_host(hostport: str) -> bool:
    host = hostport.partition(";")[0].partition(":")[0].lower().rstrip(".")
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    return host in _SOCIAL_HOSTS


def _whatwg_ipv4(host: str) -> str | None:
    """The dotted IPv4 address a WHATWG parser reads in ``host`` (``10.1.2.3``, ``0x7f.1``, ``2130706433``)."""
    if not host or not "0" <= host[0] <= "9" or host[-1] not in "0123456789abcdefABCDEFxX.":
        return None  # every WHATWG IPv4 form starts with a digit
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    nums = []
    for p in parts:
        if not p:
            return None
        try:
            if p[:2] in ("0x", "0X"):
                nums.append(int(p[2:] or "0", 16))
            elif len(p) > 1 and p[0] == "0":
                nums.append(int(p, 8))
            elif p.isascii() and p.isdigit():
                nums.append(int(p))
            else:
                return None
        except ValueError:
            return None
    if any(x > 255 for x in nums[:-1]) or nums[-1] >= 256 ** (5 - len(nums)):
        return None
    value = nums[-1]
    for k, x in enumerate(nums[:-1]):
        value += x << (8 * (3 - k))
    return f"{value >> 24}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


def _date_end(segments: list[str], i: int) -> int:
    """The index after the date that starts at path segment ``i`` (``2026/12`` or ``2026/12/03``: a year, then a
    two-digit month, then maybe a two-digit day), or 0 if none does. The compiled wire core reads the same rule
    (``url_date_end`` in _wirecore.c)."""
    if not (_YEAR.fullmatch(segments[i]) and i + 1 < len(segments) and _MONTH.fullmatch(segments[i + 1])):
        return 0
    return i + 3 if i + 2 < len(segments) and _DAY.fullmatch(segments[i + 2]) else i + 2


def _decoded(text: str, plus: bool = False) -> list[str]:
    """``text`` and its percent-decodings, up to three levels (``%252540`` → ``%2540`` → ``%40`` → ``@``)."""
    forms = [text]
    cur = text
    for _ in range(3):
        if "%" not in cur and not (plus and "+" in cur):
            break
        nxt = unquote_plus(cur) if plus else unquote(cur)
        if nxt == cur:
            break
        forms.append(nxt)
        cur = nxt
    return forms


def _words(seg: str) -> list[str]:
    """``reset-password`` → reset, password; ``magicLinkToken`` → magic, link, token; plurals singular."""
    out = []
    for w in _WORDS.findall(seg):
        w = w.lower()
        out.append(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def _is_word(s: str) -> bool:
    """A plain word or slug (``confirm``, ``accept-invite``, ``IncomingWebhook``, ``v2``, ``oauth2``), not a code.

    Decides what survives after a secret-bearing word, so it leans to "code": no digits beyond a version or a
    word's suffix, no case noise, at most 15 letters a piece, vowels in longer pieces. A code made only of
    letters that reads like a word (``/invite/banana``) survives: the residual of this heuristic.
    """
    if not s or len(s) > 64:
        return False
    for piece in _SEGMENT_SPLIT.split(s):
        if not piece:
            continue
        if piece.isalpha():
            n = len(piece)
            upper = sum(1 for ch in piece if ch.isupper())
            if n > 15 or 1 < upper < n and upper * 3 > n:
                return False  # too long for one word, or qWeRtY case noise
            if n >= 6 and piece.isascii() and sum(1 for ch in piece.lower() if ch in "aeiouy") * 7 < n:
                return False  # no vowels: xkcdqzpv
            continue
        if _WORD_DIGITS.fullmatch(piece):
            continue  # v2, oauth2, webhookb2 (not T01, x7k)
        return False
    return True


def _looks_random(s: str) -> bool:
    """High-entropy tokens (base64, base62, hex, ULIDs, pod names) as opposed to words, slugs and versions.

    Counts changes between digit, upper- and lower-case runs (upper → lower starts a capitalised word, so it
    is no change). Words and camelCase change rarely; random text over a mixed alphabet changes class at
    about every other character.
    """
    if len(s) < 8:
        return False
    alnum = digits = upper = lower = changes = 0
    prev = 0
    for ch in s:
        if "0" <= ch <= "9":
            c = 1
            digits += 1
        elif "A" <= ch <= "Z":
            c = 2
            upper += 1
        elif "a" <= ch <= "z":
            c = 3
            lower += 1
        else:
            prev = 0
            continue
        alnum += 1
        if prev and c != prev and not (prev == 2 and c == 3):
            changes += 1
        prev = c
    if alnum < 8:
        return False
    if not digits:  # letters only: only long mixed-case noise counts (camelCase has long lower-case runs)
        if alnum < 20 or upper < 4 or lower < 4:
            return False
        flips = sum(1 for a, b in zip(s, s[1:]) if a.isalpha() and b.isalpha() and a.isupper() != b.isupper())
        return flips * 20 >= alnum * 9
    if not upper and not lower:
        return False
    if upper and not lower and digits >= 2 and upper >= 2:
        return True  # T0123ABCD, ULIDs, AKIA…
    if changes >= 3 and changes * 4 >= alnum:
        return True
    # A long run of token characters with digits and letters that is not a slug (how-to-bake-2024).
    return any(any(ch.isdigit() for ch in token) and not _is_slug(token) for token in _TOKEN_RUN.findall(s))


def _is_slug(token: str) -> bool:
    """``how-to-bake-2024``, ``iphone-15-pro``: lower-case words, short numbers, Capitalised words, acronyms."""
    return all(not p or _SLUG_PIECE.fullmatch(p) for p in _SLUG_SPLIT.split(token))


_DEFAULT: UrlSanitizer | None = None


def default_sanitizer() -> UrlSanitizer:
    """A sanitiser with the default options (for a text scanner built without one)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = UrlSanitizer()
    return _DEFAULT
