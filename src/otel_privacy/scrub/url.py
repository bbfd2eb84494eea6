"""URL sanitising. (Contract placeholder: the full sanitizer replaces it.)"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["UrlSanitizer"]


class UrlSanitizer:
    def __init__(self, *, replacement: str = "REDACTED", allow_query_keys: Iterable[str] = (),
                 drop_fragment: bool = True, template_paths: bool = True, path_id_patterns: Iterable[str] = (),
                 id_placeholder: str = "{id}") -> None:
        self.replacement = replacement
        self.allow = {k.lower() for k in allow_query_keys}
        self.template_paths = template_paths
        self.id_placeholder = id_placeholder

    def sanitize(self, url: str) -> str:
        url = re.sub(r"//[^/@]*@", f"//{self.replacement}:{self.replacement}@", url)
        url = url.split("#", 1)[0]
        if "?" in url:
            base, q = url.split("?", 1)
            return base + "?" + self.sanitize_query(q)
        return url

    def sanitize_query(self, query: str) -> str:
        out = []
        for part in query.split("&"):
            k, sep, _ = part.partition("=")
            out.append(part if not sep or k.lower() in self.allow else f"{k}={self.replacement}")
        return "&".join(out)

    def template_path(self, path: str) -> str:
        if not self.template_paths:
            return path
        return re.sub(r"/\d+(?=/|$)", "/" + self.id_placeholder, path)
