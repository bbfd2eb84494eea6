"""URL sanitising: userinfo, query values, fragments, and id templating of paths.

Works on absolute URLs (``https://u:p@host/a?b=c#d``), protocol-relative ones (``//host/a``)
and request targets (``/a?b=c``). It never raises: the URL is split by hand rather than with
:mod:`urllib.parse`, which rejects malformed ports and brackets, and anything it cannot
classify stays in a position (path, query value) that is scrubbed anyway.

* userinfo → ``REDACTED:REDACTED`` (as the OpenTelemetry semantic conventions ask);
* every query value → ``REDACTED`` unless its key is allow-listed; keys, order, repeated keys
  and empty values are kept, so ``?q=&page=`` still tells you which parameters were sent;
* the fragment is dropped (it carries OAuth implicit-flow tokens) or, if kept, scrubbed like
  a query;
* path segments that are e-mail addresses are always replaced; :meth:`UrlSanitizer.template_path`
  additionally turns numeric ids, UUIDs, long hex and base64-ish segments into ``{id}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import unquote

__all__ = ["UrlSanitizer"]

# scheme://authority  (authority ends at the first / ? or #)
_SCHEME_AUTHORITY = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*:)?//([^/?#]*)")
# A bare query part without "=" is kept only when it reads like a flag (``?debug``, ``?raw``).
_FLAG = re.compile(r"^[A-Za-z_][A-Za-z_.\-]{0,31}$")
_EMAIL_SEGMENT = re.compile(r"[^/@\s]+@[^/@\s]+\.[A-Za-z]{2,}")

_ID_SEGMENTS = (
    r"\d+",  # numeric ids
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",  # UUID
    r"(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{16,}",  # long hex (object ids, hashes)
    r"(?=[A-Za-z0-9_\-]*\d)(?=[A-Za-z0-9_\-]*[A-Za-z])[A-Za-z0-9_\-]{20,}={0,2}",  # base64-ish tokens
    r"[^/@\s]+@[^/@\s]+\.[A-Za-z]{2,}",  # e-mail addresses
)


class UrlSanitizer:
    """Sanitise URLs and request targets; see the module docstring for what is kept."""

    def __init__(
        self,
        *,
        replacement: str = "REDACTED",
        allow_query_keys: Iterable[str] = (),
        drop_fragment: bool = True,
        template_paths: bool = True,
        path_id_patterns: Iterable[str] = (),
        id_placeholder: str = "{id}",
    ) -> None:
        self.replacement = replacement
        self.allow = frozenset(k.lower() for k in allow_query_keys)
        self.drop_fragment = drop_fragment
        self.template_paths = template_paths
        self.id_placeholder = id_placeholder
        patterns = list(path_id_patterns) + list(_ID_SEGMENTS)
        self._id_segment = re.compile("|".join(f"(?:{p})" for p in patterns))
        # Bound per-instance caches: URLs repeat (health checks, the same endpoints).
        self.sanitize = lru_cache(maxsize=2048)(self._sanitize)  # type: ignore[method-assign]
        self.template_path = lru_cache(maxsize=2048)(self._template_path)  # type: ignore[method-assign]

    # -- public --------------------------------------------------------------------------
    def sanitize(self, url: str) -> str:  # replaced by a cached bound function in __init__
        return self._sanitize(url)

    def template_path(self, path: str) -> str:  # replaced by a cached bound function in __init__
        return self._template_path(path)

    def sanitize_query(self, query: str) -> str:
        """Replace every value in ``a=1&b=2`` (keys kept) unless the key is allow-listed."""
        if not query:
            return query
        out = []
        for part in query.split("&"):
            key, sep, value = part.partition("=")
            if not sep:
                # ``?debug`` is a flag; ``?eyJhbGciOi...`` is a value without a key.
                out.append(part if not part or _FLAG.match(part) else self.replacement)
            elif not value or self._allowed(key):
                out.append(part)
            else:
                out.append(f"{key}={self.replacement}")
        return "&".join(out)

    # -- implementation ------------------------------------------------------------------
    def _allowed(self, key: str) -> bool:
        if not self.allow:
            return False
        k = key.lower()
        return k in self.allow or ("%" in k or "+" in k) and unquote(k.replace("+", " ")) in self.allow

    def _sanitize(self, url: str) -> str:
        if not url:
            return url
        if "=" in url and "?" not in url and "/" not in url and ":" not in url:
            return self.sanitize_query(url)  # a bare query string (``url.query``)
        rest, hash_, fragment = url.partition("#")
        rest, qmark, query = rest.partition("?")
        prefix = ""
        m = _SCHEME_AUTHORITY.match(rest)
        if m:
            scheme, authority = m.group(1) or "", m.group(2)
            if "@" in authority:
                authority = f"{self.replacement}:{self.replacement}@" + authority.rpartition("@")[2]
            prefix = f"{scheme}//{authority}"
            rest = rest[m.end():]
        path = self._scrub_path(rest)
        out = prefix + path
        if qmark:
            out += "?" + self.sanitize_query(query)
        if hash_ and not self.drop_fragment:
            out += "#" + (self.sanitize_query(fragment) if "=" in fragment else fragment)
        return out

    def _scrub_path(self, path: str) -> str:
        """Path segments that are e-mail addresses are personal data even without templating."""
        if "@" not in path and "%40" not in path:
            return path
        segments = path.split("/")
        for i, seg in enumerate(segments):
            if ("@" in seg or "%40" in seg) and _EMAIL_SEGMENT.fullmatch(unquote(seg)):
                segments[i] = self.id_placeholder
        return "/".join(segments)

    def _template_path(self, path: str) -> str:
        if not path:
            return path
        if not self.template_paths:
            return self._scrub_path(path)
        # A path attribute should not hold a query, but if it does, scrub it too.
        path, qmark, query = path.partition("?")
        segments = path.split("/")
        for i, seg in enumerate(segments):
            if seg and seg != self.id_placeholder and self._id_segment.fullmatch(unquote(seg)):
                segments[i] = self.id_placeholder
        out = "/".join(segments)
        return out + "?" + self.sanitize_query(query.partition("#")[0]) if qmark else out
