"""URL sanitising and path templating: table-driven cases and the policy knobs."""

from __future__ import annotations

import pytest

from otel_privacy import Policy, Redactor
from otel_privacy.scrub.url import UrlSanitizer

U = UrlSanitizer()

SANITIZE = [
    ("https://shop.example/a/b", "https://shop.example/a/b"),
    ("https://u:p@shop.example:8443/a?x=1", "https://REDACTED:REDACTED@shop.example:8443/a?x=REDACTED"),
    ("https://token@shop.example/", "https://REDACTED:REDACTED@shop.example/"),
    ("http://h/search?q=alice%40example.com&q=bob&page=", "http://h/search?q=REDACTED&q=REDACTED&page="),
    ("http://h/cb#access_token=abc&state=1", "http://h/cb"),
    ("/orders/42?email=a@b.co&sort=asc", "/orders/42?email=REDACTED&sort=REDACTED"),
    ("/health", "/health"),
    ("/users/alice@example.com/profile", "/users/{id}/profile"),
    ("/users/alice%40example.com", "/users/{id}"),
    ("//cdn.example/x?sig=abc", "//cdn.example/x?sig=REDACTED"),
    ("?a=1&debug", "?a=REDACTED&debug"),
    ("/p?eyJhbGciOiJIUzI1NiJ9", "/p?REDACTED"),
    ("http://[::1]:99999/bad?x=1", "http://[::1]:99999/bad?x=REDACTED"),  # malformed port: no exception
    ("mailto:alice@example.com", "{id}"),  # no authority: the whole path is an e-mail address
    ("a=1&b=", "a=REDACTED&b="),  # a bare query string, as in url.query
    ("", ""),
]


@pytest.mark.parametrize(("url", "expected"), SANITIZE)
def test_sanitize(url, expected):
    assert U.sanitize(url) == expected


TEMPLATE = [
    ("/users/123/orders/456", "/users/{id}/orders/{id}"),
    ("/items/123e4567-e89b-12d3-a456-426614174000", "/items/{id}"),
    ("/blobs/9fceb02d0ae598e95dc970b74767f19372d61af8", "/blobs/{id}"),
    ("/reset/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5", "/reset/{id}"),
    ("/api/v1/orders", "/api/v1/orders"),
    ("/api/v2/users/me", "/api/v2/users/me"),
    ("/orders/{id}", "/orders/{id}"),
    ("/search?q=x", "/search?q=REDACTED"),
]


@pytest.mark.parametrize(("path", "expected"), TEMPLATE)
def test_template_path(path, expected):
    assert U.template_path(path) == expected


def test_allow_listed_query_keys_keep_their_values():
    u = UrlSanitizer(allow_query_keys=["page", "Sort"])
    assert u.sanitize("/o?page=2&sort=asc&email=x") == "/o?page=2&sort=asc&email=REDACTED"


def test_fragment_kept_when_configured_but_scrubbed():
    u = UrlSanitizer(drop_fragment=False)
    assert u.sanitize("http://h/#/route") == "http://h/#/route"
    assert u.sanitize("http://h/cb#access_token=abc") == "http://h/cb#access_token=REDACTED"


def test_custom_id_patterns_and_placeholder():
    u = UrlSanitizer(path_id_patterns=[r"ord_[a-z0-9]+"], id_placeholder=":id")
    assert u.template_path("/orders/ord_ab12/items/7") == "/orders/:id/items/:id"
    assert UrlSanitizer(template_paths=False).template_path("/users/123") == "/users/123"


def test_redactor_applies_url_rules_by_key_and_span_names():
    r = Redactor(Policy.from_dict({"url": {"allow_query_keys": ["page"]}}))
    out = r.redact_attributes({
        "url.full": "https://bob:pw@shop.example/orders?page=2&token=abc",
        "http.target": "/orders/42?email=a@b.co",
        "url.path": "/orders/42",
        "url.query": "page=3&card=4111111111111111",
    })
    assert out["url.full"] == "https://REDACTED:REDACTED@shop.example/orders?page=2&token=REDACTED"
    assert out["http.target"] == "/orders/42?email=REDACTED"
    assert out["url.path"] == "/orders/{id}"
    assert out["url.query"] == "page=3&card=REDACTED"
    assert r.redact_span_name("GET /users/123?email=a@b.co") == "GET /users/{id}?email=REDACTED"
    assert r.redact_span_name("GET /orders/{id}") == "GET /orders/{id}"
