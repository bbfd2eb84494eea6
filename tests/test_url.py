"""URL sanitising: table-driven cases per rule, with a name per case, and the policy knobs.

The cases are written from the HTTP semantic conventions (``url.full``, ``url.path``, ``url.query``,
old ``http.url`` / ``http.target``) and from what the official Python instrumentations really emit;
tests/test_url_instrumentations.py runs those instrumentations against a real server.
"""

from __future__ import annotations

import pytest

from otel_privacy import Policy, Redactor
from otel_privacy.scrub.text import TextScanner
from otel_privacy.scrub.url import UrlSanitizer

U = UrlSanitizer()


def with_detectors(**kw) -> UrlSanitizer:
    """A sanitiser whose segment scrubber is the default policy's free-text detectors (as the Redactor wires it)."""
    policy = Policy.preset("default")
    holder: dict[str, TextScanner] = {}
    url = UrlSanitizer(segment_scrubber=lambda s: holder["text"].scrub(s)[0], **kw)
    holder["text"] = TextScanner(detectors=policy.text.detectors, url_sanitizer=url)
    return url


D = with_detectors()
NO_TEMPLATES = with_detectors(template_paths=False)


def _cases(table):
    return [pytest.param(url, expected, id=name) for name, url, expected in table]


# -- 1. userinfo: the password goes whole, whatever reserved character it holds ---------------------
USERINFO = [
    ("user-and-password", "https://u:p@shop.example:8443/a", "https://REDACTED:REDACTED@shop.example:8443/a"),
    ("token-only", "https://ghp_abc123@github.com/o/r.git", "https://REDACTED:REDACTED@github.com/o/r.git"),
    ("hash-in-password", "https://bot:pa#ss@host.example/x", "https://REDACTED:REDACTED@host.example/x"),
    ("slash-in-password", "https://deploy:a/b@github.com/org/repo.git",
     "https://REDACTED:REDACTED@github.com/org/repo.git"),
    ("question-mark-in-password", "https://u:p?x=1@host.example/", "https://REDACTED:REDACTED@host.example/"),
    ("at-in-password", "https://u:p@ss@host.example/x", "https://REDACTED:REDACTED@host.example/x"),
    # The RFC authority "u:p@s" is valid: clients connect to host "s", so that is the reading kept; the rest of
    # the password lands in a segment that holds an @ and an e-mail shape, which goes whole.
    ("rfc-valid-authority-wins", "https://u:p@s/s@host.example/x", "https://REDACTED:REDACTED@s/{id}/x"),
    ("backslash-in-password", "https://u:pa\\ss@host.example/x", "https://REDACTED:REDACTED@host.example/x"),
    ("every-reserved-char", "https://u:a/b?c#d@e\\f@host.example:8080/p?q=1",
     "https://REDACTED:REDACTED@host.example:8080/p?q=REDACTED"),
    ("empty-port-then-slash", "https://u:/pass@host.example/y", "https://REDACTED:REDACTED@host.example/y"),
    ("token-with-slash-no-colon", "https://ghp_16C7e42F292c6912E7710c838347Ae178B4a/x@github.com/o/r",
     "https://REDACTED:REDACTED@github.com/o/r"),
    ("percent-encoded-at", "https://u:p%40ss@host.example/", "https://REDACTED:REDACTED@host.example/"),
    ("percent-encoded-user-and-colon", "https://user%3Apass%40x@host.example/a", "https://REDACTED:REDACTED@host.example/a"),
    ("double-percent-encoded-password", "https://user:p%2540ss@host.example/", "https://REDACTED:REDACTED@host.example/"),
    ("token-as-user-x-oauth-basic", "https://ghp_16C7e42F292c6912E7710c838347Ae178B4a:x-oauth-basic@github.com/o/r",
     "https://REDACTED:REDACTED@github.com/o/r"),
    ("already-redacted-by-instrumentation", "http://REDACTED:REDACTED@127.0.0.1:41577/users",
     "http://REDACTED:REDACTED@127.0.0.0:41577/users"),
    ("whatwg-no-slashes", "https:u:p@host.example/x", "https:REDACTED:REDACTED@host.example/x"),
    ("whatwg-backslashes", "https:\\\\u:p@host.example\\x", "https:\\\\REDACTED:REDACTED@host.example/x"),
    ("tab-inside-scheme", "ht\ttps://u:p@host.example/", "https://REDACTED:REDACTED@host.example/"),
    ("leading-space", "  https://u:p@host.example/", "  https://REDACTED:REDACTED@host.example/"),
    ("db-dsn", "postgres://app:s3cr3t@db:5432/shop", "postgres://REDACTED:REDACTED@db:5432/shop"),
    ("jdbc-compound-scheme", "jdbc:postgresql://app:s3cr3t@db:5432/shop",
     "jdbc:postgresql://REDACTED:REDACTED@db:5432/shop"),
    ("jdbc-sqlserver-params", "jdbc:sqlserver://db:1433;databaseName=shop;user=sa;password=hunter2",
     "jdbc:sqlserver://db:1433;databaseName=REDACTED;user=REDACTED;password=REDACTED"),
    ("mongodb-host-list", "mongodb://u:p@h1:27017,h2:27017/db?replicaSet=rs0",
     "mongodb://REDACTED:REDACTED@h1:27017,h2:27017/db?replicaSet=REDACTED"),
    ("scheme-less", "user:pass@host.example/x", "REDACTED:REDACTED@host.example/x"),
    ("scheme-less-slash-in-password", "deploy:a/b@github.com/x", "REDACTED:REDACTED@github.com/x"),
    ("protocol-relative", "//u:p@cdn.example/x", "//REDACTED:REDACTED@cdn.example/x"),
    # A broken authority with no credentials: a port that is no number is no port.
    ("non-numeric-port", "https://bot:pa#ss", "https://bot:REDACTED"),
    # Where the RFC authority is a valid host and port, an @ further on is the path's (e-mail, npm scope).
    ("email-in-path-after-port", "http://svc:8080/users/alice@example.com/orders", "http://svc:8080/users/{id}/orders"),
    # Fail closed on a broken authority: everything up to the last @ before a host is credentials.
    ("broken-authority-last-at", "https://bot:pa#ss@host/cb?email=a@b.com", "https://REDACTED:REDACTED@b.com"),
]


@pytest.mark.parametrize(("url", "expected"), _cases(USERINFO))
def test_userinfo_is_removed_whole(url, expected):
    assert U.sanitize(url) == expected


# -- 2. query values, also with / and : ; keys kept; bare query strings (url.query) ------------------
QUERY = [
    ("values", "https://h.example/search?q=alice%40example.com&q=bob&page=",
     "https://h.example/search?q=REDACTED&q=REDACTED&page="),
    ("slash-in-value", "/login?next=/account/settings", "/login?next=REDACTED"),
    ("url-in-value", "/cb?redirect=https://e.com/a?b=c&state=xyz", "/cb?redirect=REDACTED&state=REDACTED"),
    ("colon-in-value", "/t?at=12:30:00", "/t?at=REDACTED"),
    ("bare-query", "email=a%40b.co&next=/account/settings", "email=REDACTED&next=REDACTED"),
    ("bare-query-url-value", "redirect=https://e.com/a?b=c", "redirect=REDACTED"),
    ("bare-query-first-flag", "debug&token=abc", "debug&token=REDACTED"),
    ("bare-query-empty-values", "a=1&b=", "a=REDACTED&b="),
    ("leading-question-mark", "?a=1&debug", "?a=REDACTED&debug"),
    ("keyless-jwt", "/p?eyJhbGciOiJIUzI1NiJ9", "/p?REDACTED"),
    ("email-as-flag", "/p?alice@example.com", "/p?REDACTED"),
    ("secret-as-key", "/p?eyJhbGciOiJIUzI1NiJ9=1&page=2", "/p?REDACTED=REDACTED&page=REDACTED"),
    ("card-as-key", "/p?4111111111111111=", "/p?REDACTED="),
    ("cache-buster-flag", "/app.js?1699999999", "/app.js?REDACTED"),
    ("bracket-keys", "/api?filter%5Bstatus%5D=open&fields[]=a", "/api?filter%5Bstatus%5D=REDACTED&fields[]=REDACTED"),
    ("semicolon-inside-value", "/p?a=1;b=2", "/p?a=REDACTED"),
    ("s3-presigned", "https://b.s3.amazonaws.com/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
     "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=abc123",
     "https://b.s3.amazonaws.com/k.pdf?X-Amz-Algorithm=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED"),
    ("azure-sas", "https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&se=2024-01-01&sig=abc%2Bdef%3D",
     "https://acct.blob.core.windows.net/c/b.txt?sv=REDACTED&se=REDACTED&sig=REDACTED"),
    ("gcs-signed", "https://storage.googleapis.com/b/o.pdf?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential="
     "sa%40p.iam.gserviceaccount.com%2F20240101%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Signature=abcdef0123",
     "https://storage.googleapis.com/b/o.pdf?X-Goog-Algorithm=REDACTED&X-Goog-Credential=REDACTED"
     "&X-Goog-Signature=REDACTED"),
    ("cloudfront-signed", "https://d111.cloudfront.net/v.mp4?Expires=1700000000&Signature=abc~def__&Key-Pair-Id=K2JCJ",
     "https://d111.cloudfront.net/v.mp4?Expires=REDACTED&Signature=REDACTED&Key-Pair-Id=REDACTED"),
    ("google-chat-key-token", "https://chat.googleapis.com/v1/spaces/AAAAB3NzaC1/messages?key=AIzaSy&token=t0k",
     "https://chat.googleapis.com/v1/spaces/{id}/messages?key=REDACTED&token=REDACTED"),
    ("fragment-dropped", "https://h.example/cb#access_token=abc&state=1", "https://h.example/cb"),
    ("fragment-after-query", "https://h.example/cb?code=1#frag", "https://h.example/cb?code=REDACTED"),
]


@pytest.mark.parametrize(("url", "expected"), _cases(QUERY))
def test_query_values_are_redacted(url, expected):
    assert U.sanitize(url) == expected


# -- 3. path segments through the detectors, percent- and double-encoded ------------------------------
PATH_SECRETS = [
    ("email", "/users/alice@example.com/profile", "/users/{id}/profile"),
    ("email-percent", "/users/alice%40example.com", "/users/{id}"),
    ("email-double-percent", "/users/alice%2540example.com", "/users/{id}"),
    ("email-triple-percent", "/users/alice%252540example.com", "/users/{id}"),
    ("email-inside-segment", "/unsubscribe-alice@example.com-now", "/{id}"),
    ("jwt", "/sessions/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl/info", "/sessions/{id}/info"),
    ("card-with-dashes", "/cards/4111-1111-1111-1111", "/cards/{id}"),
    ("github-token", "/t/ghp_16C7e42F292c6912E7710c838347Ae178B4a", "/t/{id}"),
    ("aws-key", "/keys/AKIAIOSFODNN7EXAMPLE/rotate", "/keys/{id}/rotate"),
    ("iban", "/accounts/DE89370400440532013000", "/accounts/{id}"),
    ("ssn", "/people/078-05-1120", "/people/{id}"),
    ("encoded-slash-token", "/files/abc%252Fdef%252Fghi%252Fjkl0123456789", "/files/{id}"),
    ("userinfo-left-in-a-path", "/proxy/u:secret@internal/x", "/proxy/{id}/x"),
    ("encoded-url-with-query", "/r/https%3A%2F%2Fe.com%2Fa%3Ftoken%3Dabc", "/r/{id}"),
]


@pytest.mark.parametrize(("url", "expected"), _cases(PATH_SECRETS))
def test_path_segments_holding_secrets_become_the_placeholder(url, expected):
    assert D.sanitize(url) == expected


DETECTOR_ONLY = [  # with templating off only the detectors (not the id rules) can catch these
    ("card", "/cards/4111111111111111/charge", "/cards/{id}/charge"),
    ("email", "/u/bob%40example.com", "/u/{id}"),
    ("jwt", "/s/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2ln", "/s/{id}"),
    ("ipv4", "/hosts/10.1.2.3/status", "/hosts/{id}/status"),
    ("slack-token", "/x/xoxb-123456789012-abcdefghij", "/x/{id}"),
    ("ids-kept", "/users/123/orders/9fceb02d0ae598e95dc970b74767f19372d61af8", None),
]


@pytest.mark.parametrize(("url", "expected"), _cases(DETECTOR_ONLY))
def test_detectors_run_on_segments_even_without_templating(url, expected):
    assert NO_TEMPLATES.sanitize(url) == (url if expected is None else expected)


# -- 4. matrix parameters and key=value segments ------------------------------------------------------
MATRIX = [
    ("jsessionid", "/cart;jsessionid=0A1B2C3D4E5F/checkout", "/cart;jsessionid=REDACTED/checkout"),
    ("jsessionid-upper-last-segment", "/app/x;JSESSIONID=abc?y=1", "/app/x;JSESSIONID=REDACTED?y=REDACTED"),
    ("several-params", "/a;v=1;flag;k=2/b", "/a;v=REDACTED;flag;k=REDACTED/b"),
    ("params-on-an-id", "/users/123;sid=abc", "/users/{id};sid=REDACTED"),
    ("real-flask-target", "/x;jsessionid=ABC123/y%2540z?redirect=https://e.com/a?b=c",
     "/x;jsessionid=REDACTED/y%2540z?redirect=REDACTED"),
    ("key-value-segment", "/search/q=alice/page", "/search/q=REDACTED/page"),
    ("base64-padding-is-no-pair", "/t/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5==", "/t/{id}"),
]


@pytest.mark.parametrize(("url", "expected"), _cases(MATRIX))
def test_matrix_parameters_lose_their_values(url, expected):
    assert U.sanitize(url) == expected


# -- 5. scheme-less URLs, IP-literal hosts ------------------------------------------------------------
HOSTS = [
    ("scheme-less-host-path", "api.example.com/reset/Zm9vYmFyYmF6MTIz?code=123", "api.example.com/reset/{id}?code=REDACTED"),
    ("scheme-less-host-only", "api.example.com", "api.example.com"),
    ("host-port", "localhost:8080/users/42", "localhost:8080/users/{id}"),
    ("protocol-relative", "//cdn.example/x?sig=abc", "//cdn.example/x?sig=REDACTED"),
    ("ipv4", "http://10.1.2.3:8080/admin?x=1", "http://10.1.2.0:8080/admin?x=REDACTED"),
    ("ipv4-scheme-less", "10.1.2.3:8080/admin", "10.1.2.0:8080/admin"),
    ("ipv6", "http://[2001:db8::1]/x", "http://[2001:db8::]/x"),
    ("ipv6-port", "http://[2001:db8:1:2::1]:443/x", "http://[2001:db8:1::]:443/x"),
    ("ipv6-zone", "http://[fe80::1%25eth0]/x", "http://[fe80::]/x"),
    ("ipv4-mapped", "http://[::ffff:10.1.2.3]/x", "http://10.1.2.0/x"),
    ("whatwg-decimal-ipv4", "http://2130706433/x", "http://127.0.0.0/x"),
    ("whatwg-hex-ipv4", "http://0x7f.1/x", "http://127.0.0.0/x"),
    ("names-kept", "https://api.shop.example:8443/v1/ping", "https://api.shop.example:8443/v1/ping"),
    ("idn-host-kept", "https://münchen.example/straße/123", "https://münchen.example/straße/{id}"),
    ("punycode-host-kept", "https://xn--mnchen-3ya.example/x/123?a=1", "https://xn--mnchen-3ya.example/x/{id}?a=REDACTED"),
    ("ipv6-zone-raw-percent", "http://[fe80::1%eth0]:8080/x", "http://[fe80::]:8080/x"),
    ("ipv6-zone-with-userinfo", "https://u:p@[fe80::1%25eth0]:8080/x", "https://REDACTED:REDACTED@[fe80::]:8080/x"),
    ("malformed-port-no-exception", "http://[::1]:99999/bad?x=1", "http://[::]:99999/bad?x=REDACTED"),
    ("opaque-mailto", "mailto:alice@example.com?subject=hi", "mailto:{id}?subject=REDACTED"),
    ("opaque-tel", "tel:+15551234567", "tel:{id}"),
    ("data-url", "data:text/plain;base64,SGVsbG8=", "data:text/plain;base64,REDACTED"),
    ("data-url-plain", "data:text/plain,alice@example.com", "data:text/plain,REDACTED"),
    ("file-url", "file:///home/alice/report-123456.pdf", "file:///home/alice/{id}"),
    ("asterisk-form", "*", "*"),
    ("empty", "", ""),
]


@pytest.mark.parametrize(("url", "expected"), _cases(HOSTS))
def test_hosts_scheme_less_and_ip_literals(url, expected):
    assert U.sanitize(url) == expected


def test_ip_hosts_use_the_given_truncator():
    u = UrlSanitizer(ip_truncator=lambda a: "0.0.0.0" if "." in a else None)
    assert u.sanitize("http://10.1.2.3/x") == "http://0.0.0.0/x"
    assert u.sanitize("http://[2001:db8::1]/x") == "http://[2001:db8::1]/x"  # the truncator kept it


# -- 6. known secret-bearing URL shapes ---------------------------------------------------------------
SHAPES = [
    ("slack", "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/aBcDeFgHiJkLmNoPqRsTuVwX",
     "https://hooks.slack.com/services/{id}/{id}/{id}"),
    ("slack-workflow", "https://hooks.slack.com/workflows/T01/A02/123/a1b2c3d4e5f6g7h8i9j0k1l2",
     "https://hooks.slack.com/workflows/{id}/{id}/{id}/{id}"),
    ("discord", "https://discord.com/api/webhooks/123456789012345678/abcDEF-ghiJKL_mnoPQRstu",
     "https://discord.com/api/webhooks/{id}/{id}"),
    ("discord-versioned", "https://discordapp.com/api/v10/webhooks/1234/AbCdEfGhIjKlMnOpQrStUvWxYz-_aBcDeFgHiJkLmN"
     "oPqRsTuVwXyZ0123456789abcd", "https://discordapp.com/api/v10/webhooks/{id}/{id}"),
    ("teams", "https://acme.webhook.office.com/webhookb2/a1b2c3d4-e5f6-7890-abcd-ef1234567890@a1b2c3d4-e5f6-7890"
     "-abcd-ef1234567890/IncomingWebhook/0123456789abcdef0123456789abcdef/a1b2c3d4-e5f6-7890-abcd-ef1234567890",
     "https://acme.webhook.office.com/webhookb2/{id}/IncomingWebhook/{id}/{id}"),
    ("telegram", "https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage",
     "https://api.telegram.org/{id}/sendMessage"),
    ("telegram-file", "https://api.telegram.org/file/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/photos/a.jpg",
     "https://api.telegram.org/file/{id}/photos/a.jpg"),
    ("telegram-token-any-host", "/proxy/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe", "/proxy/{id}/getMe"),
    ("zapier", "https://hooks.zapier.com/hooks/catch/1234567/abc1234/", "https://hooks.zapier.com/hooks/catch/{id}/{id}/"),
    ("ifttt", "https://maker.ifttt.com/trigger/door/with/key/dQw4w9WgXcQabc", "https://maker.ifttt.com/trigger/door/with/key/{id}"),
    ("slack-shape-on-a-proxy-letters-only-token", "https://hooks.example.com/services/T0123ABCD/B0123ABCD/aBcDeFgHiJkL"
     "mNoPqRsTuVwX", "https://hooks.example.com/services/{id}/{id}/{id}"),
    ("generic-hooks", "https://chat.internal/hooks/xf3kq9pz7c8mbd1uy", "https://chat.internal/hooks/{id}"),
    ("reset-token-letters-only", "/password/reset/qwhjkzxcvbnmasdfghjk", "/password/reset/{id}"),
    ("reset-token", "/reset/Zm9vYmFy123", "/reset/{id}"),
    ("invite-code", "/invite/aB3dE5fG7h/accept", "/invite/{id}/accept"),
    ("magic-link", "/auth/magic-link/c9b1e2f3a4", "/auth/magic-link/{id}"),
    ("verify-email", "/verify-email/k7Hq2", "/verify-email/{id}"),
    ("confirm", "/confirm/XK2P9Q", "/confirm/{id}"),
    ("unsubscribe", "/unsubscribe/ZGVhZGJlZWY", "/unsubscribe/{id}"),
    ("share", "/share/8fKq", "/share/{id}"),
    ("api-token-segment", "/api/tokens/tok_4eC39HqLyjWDarjtT1zdp7dc", "/api/tokens/{id}"),
    ("words-after-keyword-survive", "/password/reset/confirm", "/password/reset/confirm"),
    ("invite-words", "/invite/accept-all", "/invite/accept-all"),
    ("keyword-context-in-text-form", "api.example.com/reset/<token>?code=1", "api.example.com/reset/<token>?code=REDACTED"),
]


@pytest.mark.parametrize(("url", "expected"), _cases(SHAPES))
def test_secret_bearing_url_shapes(url, expected):
    assert U.sanitize(url) == expected


def test_extra_secret_path_words():
    u = UrlSanitizer(secret_path_words=["claimcheck"])
    assert u.sanitize("/claimcheck/ab12cd") == "/claimcheck/{id}"
    assert U.sanitize("/claimcheck/ab12cd") == "/claimcheck/ab12cd"


# -- 7. templating keeps what is useful ---------------------------------------------------------------
TEMPLATE = [
    ("numbers", "/users/123/orders/456", "/users/{id}/orders/{id}"),
    ("uuid", "/items/123e4567-e89b-12d3-a456-426614174000", "/items/{id}"),
    ("uuid-no-dashes", "/items/123e4567e89b12d3a456426614174000", "/items/{id}"),
    ("sha1", "/blobs/9fceb02d0ae598e95dc970b74767f19372d61af8", "/blobs/{id}"),
    ("object-id", "/docs/507f1f77bcf86cd799439011", "/docs/{id}"),
    ("base64-token", "/reset/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5", "/reset/{id}"),
    ("stripe-id", "/v1/customers/cus_NffrFeUfNV2Hib", "/v1/customers/{id}"),
    ("ulid", "/events/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/events/{id}"),
    ("nanoid", "/p/V1StGXR8_Z5jdHi6B-myT", "/p/{id}"),
    ("youtube-id", "/watch/dQw4w9WgXcQ", "/watch/{id}"),
    ("pod-name", "/pods/web-7d4b9c8f5-x2x9k", "/pods/{id}"),
    ("sku", "/products/SKU12345", "/products/{id}"),
    ("year", "/reports/2024", "/reports/{id}"),
    ("date-is-no-id", "/reports/2024-05-01", "/reports/2024-05-01"),
    ("date-segments", "s3://b/exports/2026/12/03/part-69628.parquet", "s3://b/exports/2026/12/03/part-69628.parquet"),
    ("year-month-segments", "/archive/2026/01/", "/archive/2026/01/"),
    ("date-then-id", "/logs/2026/12/03/4711", "/logs/2026/12/03/{id}"),
    ("not-a-month", "/users/2026/13/03", "/users/{id}/{id}/{id}"),
    ("not-a-day", "/a/2026/12/32", "/a/2026/12/{id}"),
    ("unpadded-month", "/users/2026/7", "/users/{id}/{id}"),
    ("not-a-year", "/users/3026/12/03", "/users/{id}/{id}/{id}"),
    ("not-a-date", "/r/2024-13-01", "/r/{id}"),
    ("hive-partition", "/t/year=2026/month=12/dt=2026-12-03/hour=07", "/t/year=2026/month=12/dt=2026-12-03/hour=07"),
    ("hive-not-a-date", "/t/dt=alice/year=12345", "/t/dt=REDACTED/year=REDACTED"),
    ("oci-digest", "/v2/orders/manifests/sha256:0390b3886e57a4f4e21616b8163f37d6b8f0c32d2de4fdcfae07f86e581e4f7e",
     "/v2/orders/manifests/sha256:0390b3886e57a4f4e21616b8163f37d6b8f0c32d2de4fdcfae07f86e581e4f7e"),
    ("oci-image-reference", "registry.example.com/orders@sha256:" + "ab" * 32,
     "registry.example.com/orders@sha256:" + "ab" * 32),
    ("oci-reference-id-name", "registry.example.com/12345678@sha256:" + "ab" * 32,
     "registry.example.com/{id}@sha256:" + "ab" * 32),
    ("digest-wrong-length", "/blobs/sha256:0390b3886e57a4f4e21616b8163f37d6", "/blobs/{id}"),
    ("part-file", "/out/part-00042.snappy.parquet", "/out/part-00042.snappy.parquet"),
    ("hadoop-part-file", "/out/part-r-00000", "/out/part-r-00000"),
    ("chunk-file", "/upload/chunk_12345", "/upload/chunk_12345"),
    ("zero-padded-counter", "/kafka/orders-0/00000000000000012345.log", "/kafka/orders-0/00000000000000012345.log"),
    ("id-as-file-stem", "/avatars/12345.png", "/avatars/{id}"),
    ("id-after-a-word", "/files/invoice-12345.pdf", "/files/{id}"),
    ("zero-padded-without-extension", "/orders/000123", "/orders/{id}"),
    ("phone", "/callers/+1-555-123-4567", "/callers/{id}"),
    ("id-list", "/users/1,2,3", "/users/{id}"),
    ("long-number-in-name", "/invoices/INV20240001.pdf", "/invoices/{id}"),
    ("route-template", "/orders/{id}", "/orders/{id}"),
    ("express-param", "/orders/:orderId", "/orders/:orderId"),
    ("flask-param", "/users/<uid>", "/users/<uid>"),
    ("token-in-template-shape", "/x/:Qz7canaryXw9k/{Zm9vYmFyYmF6cXV4MTIz}", "/x/{id}/{id}"),
    # what survives
    ("api-version", "/api/v1/orders", "/api/v1/orders"),
    ("me", "/api/v2/users/me", "/api/v2/users/me"),
    ("k8s-versions", "/apis/apps/v1beta1/namespaces/default", "/apis/apps/v1beta1/namespaces/default"),
    ("semver", "/pkg/requests/2.31.0/json", "/pkg/requests/2.31.0/json"),
    ("windows-build", "/os/10.0.19041.1", "/os/10.0.19041.1"),
    ("slug-with-year", "/blog/how-to-bake-bread-2024", "/blog/how-to-bake-bread-2024"),
    ("product-slug", "/p/iphone-15-pro-max", "/p/iphone-15-pro-max"),
    ("camel-case", "/rpc/getUserAccountSettingsById", "/rpc/getUserAccountSettingsById"),
    ("long-pascal-case", "/types/ThisIsAVeryLongPascalCaseName", "/types/ThisIsAVeryLongPascalCaseName"),
    ("long-word-compound", "/docs/internationalisationguidelines", "/docs/internationalisationguidelines"),
    ("case-noise-letters-only", "/t/qWeRtYuIoPaSdFgHjKlZxC", "/t/{id}"),
    ("files", "/static/jquery-3.6.0.min.js", "/static/jquery-3.6.0.min.js"),
    ("icons", "/img/favicon-32x32.png", "/img/favicon-32x32.png"),
    ("resolution", "/img/hero_1920x1080.jpg", "/img/hero_1920x1080.jpg"),
    ("words-with-digits", "/download/oauth2/sha256/x86_64/utf8mb4", "/download/oauth2/sha256/x86_64/utf8mb4"),
    ("npm-scope", "https://registry.npmjs.org/@babel/core", "https://registry.npmjs.org/@babel/core"),
    ("cdn-version-pin", "https://cdn.jsdelivr.net/npm/jquery@3.6.0/dist/jquery.min.js",
     "https://cdn.jsdelivr.net/npm/jquery@3.6.0/dist/jquery.min.js"),
    # social networks' paths name people: every segment but their route words
    ("mastodon-handle", "https://mastodon.social/@alice", "https://mastodon.social/@{id}"),
    ("instagram-profile", "https://www.instagram.com/alice.photos/?igshid=x1", "https://www.instagram.com/{id}/?igshid=REDACTED"),
    ("telegram-schemeless", "t.me/alice_channel", "t.me/{id}"),
    ("x-status", "https://x.com/alice/status/1234567890", "https://x.com/{id}/status/{id}"),
    ("linkedin-in", "https://m.linkedin.com/in/alice-smith-4711/", "https://m.linkedin.com/in/{id}/"),
    ("youtube-watch-kept", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube.com/watch?v=REDACTED"),
    ("handle-on-another-host", "https://blog.example/@alice", "https://blog.example/@alice"),
    ("unicode-words", "/catégorie/café", "/catégorie/café"),
    ("short-hex-commit", "/commit/a1b2c3d", "/commit/a1b2c3d"),
    ("trailing-slash", "/users/", "/users/"),
    ("empty-segments", "//", "//"),
    ("relative", "users/123", "users/{id}"),
    ("query-in-path-attribute", "/search?q=x", "/search?q=REDACTED"),
]


@pytest.mark.parametrize(("path", "expected"), _cases(TEMPLATE))
def test_template_path(path, expected):
    assert U.template_path(path) == expected


def test_templating_can_be_switched_off_and_extended():
    u = UrlSanitizer(path_id_patterns=[r"ord_[a-z0-9]+"], id_placeholder=":id")
    assert u.template_path("/orders/ord_ab12/items/7") == "/orders/:id/items/:id"
    assert UrlSanitizer(template_paths=False).template_path("/users/123") == "/users/123"
    # with templating off, e-mail addresses and secrets after a secret word still go
    off = UrlSanitizer(template_paths=False)
    assert off.sanitize("/users/a@b.co/reset/Zm9vYmFy123") == "/users/{id}/reset/{id}"


def test_allow_listed_query_keys_keep_their_values_unless_a_detector_fires():
    u = with_detectors(allow_query_keys=["page", "Sort", "q"])
    assert u.sanitize("/o?page=2&sort=asc&email=x") == "/o?page=2&sort=asc&email=REDACTED"
    assert u.sanitize("/o?q=alice%40example.com") == "/o?q=REDACTED"
    assert u.sanitize("/o?q=running+shoes") == "/o?q=running+shoes"


def test_fragment_kept_when_configured_but_scrubbed():
    u = UrlSanitizer(drop_fragment=False)
    assert u.sanitize("http://h/#/route") == "http://h/#/route"
    assert u.sanitize("http://h/cb#access_token=abc") == "http://h/cb#access_token=REDACTED"
    assert u.sanitize("http://h/app#/users/123?tab=x") == "http://h/app#/users/{id}?tab=REDACTED"
    assert u.sanitize("http://h/doc#section-2") == "http://h/doc#section-2"


# -- 8. every carrier alike -------------------------------------------------------------------------
SECRET_PATH = "/users/123/reset/Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5"
TEMPLATED = "/users/{id}/reset/{id}"


@pytest.mark.parametrize("key", ["url.full", "http.url"])
def test_absolute_url_carriers_template_the_path(key):
    out = Redactor().redact_attributes({key: f"https://bob:pw@shop.example{SECRET_PATH}?email=a@b.co#frag"})
    assert out[key] == f"https://REDACTED:REDACTED@shop.example{TEMPLATED}?email=REDACTED"


@pytest.mark.parametrize("key", ["http.target", "url.path"])
def test_target_and_path_carriers_template_the_path(key):
    assert Redactor().redact_attributes({key: SECRET_PATH})[key] == TEMPLATED


def test_url_query_carrier():
    out = Redactor().redact_attributes({"url.query": "email=a%40b.co&next=/account/settings&redirect=https://e.com/"})
    assert out["url.query"] == "email=REDACTED&next=REDACTED&redirect=REDACTED"


@pytest.mark.parametrize("key", ["url.original", "http.request.header.referer", "http.response.header.location"])
def test_other_url_carriers(key):
    value = ["https://u:p@shop.example/reset/Zm9vYmFy123?code=998877"]  # captured headers are lists
    assert Redactor().redact_attributes({key: value})[key] == ["https://REDACTED:REDACTED@shop.example/reset/{id}?code=REDACTED"]


SPAN_NAMES = [
    ("path", "GET /users/123", "GET /users/{id}"),
    ("path-query", "GET /users/123?email=a@b.co", "GET /users/{id}?email=REDACTED"),
    ("route-kept", "GET /orders/{id}", "GET /orders/{id}"),
    ("absolute-url", "GET https://host.example/users/123", "GET https://host.example/users/{id}"),
    ("never-eats-the-host", "GET https://svc:pw@api.example.com/v1/ping", "GET https://REDACTED:REDACTED@api.example.com/v1/ping"),
    ("broken-userinfo", "POST https://svc:a/b@api.example.com/v1/users/42", "POST https://REDACTED:REDACTED@api.example.com/v1/users/{id}"),
    ("custom-method", "PROPFIND /dav/alice@example.com/", "PROPFIND /dav/{id}/"),
    ("unknown-method", "HTTP /reset/Zm9vYmFy123", "HTTP /reset/{id}"),
    ("method-only", "GET", "GET"),
    ("sql-is-no-http", "SELECT users", "SELECT users"),
    ("operation-and-table-kept", "SELECT shop.users", "SELECT shop.users"),
    ("messaging-kept", "CONSUME orders.v1-events", "CONSUME orders.v1-events"),
    # "WORD token" reads like "SELECT table" but is still scanned
    ("word-and-iban", "IBAN NL15DIEW5436029746", "IBAN REDACTED"),
    ("word-and-token", "TOKEN ghp_16C7e42F292c6912E7710c838347Ae178B4a", "TOKEN REDACTED"),
]


@pytest.mark.parametrize(("name", "expected"), _cases(SPAN_NAMES))
def test_span_names(name, expected):
    assert Redactor().redact_span_name(name) == expected


TEXT = [
    ("dsn", "connect postgres://app:s3cr3tPW@db:5432/shop failed", "connect postgres://REDACTED:REDACTED@db:5432/shop failed"),
    ("url-path-ids", "fetching https://shop.example/orders/12345 took 3ms", "fetching https://shop.example/orders/{id} took 3ms"),
    ("reset-link", "sent https://app.example/reset/Zm9vYmFy123?code=998877.", "sent https://app.example/reset/{id}?code=REDACTED."),
    ("scheme-less", "see api.example.com/reset/Zm9vYmFy123 for details", "see api.example.com/reset/{id} for details"),
    ("scheme-less-ip", "proxy 10.1.2.3:8080/admin?key=abc down", "proxy 10.1.2.0:8080/admin?key=REDACTED down"),
    ("access-log", '127.0.0.1 - - "GET /users/42?token=abc HTTP/1.1" 200', '127.0.0.0 - - "GET /users/{id}?token=REDACTED HTTP/1.1" 200'),
    ("access-log-no-query", '"POST /api/v1/orders/12345/pay HTTP/1.1" 201', '"POST /api/v1/orders/{id}/pay HTTP/1.1" 201'),
    ("target", "redirect to /login?next=/account", "redirect to /login?next=REDACTED"),
    ("password-with-hash", "git clone https://bot:pa#ss@git.example/r.git", "git clone https://REDACTED:REDACTED@git.example/r.git"),
    ("password-with-slash", "remote https://deploy:a/b@git.example/r.git", "remote https://REDACTED:REDACTED@git.example/r.git"),
    ("webhook", "posting to https://hooks.slack.com/services/T0123ABCD/B0123ABCD/aBcDeFgHiJkLmNoPqRsTuVwX",
     "posting to https://hooks.slack.com/services/{id}/{id}/{id}"),
    ("parenthesised", "(see https://h.example/users/123)", "(see https://h.example/users/{id})"),
    ("balanced-parentheses-in-path", "see (https://en.wikipedia.org/wiki/Foo_(bar)/123).",
     "see (https://en.wikipedia.org/wiki/Foo_(bar)/{id})."),
    ("json-line", 'log {"url": "https://u:p@h.example/reset/Zm9vYmFy123?token=abc", "page": 2}',
     'log {"url": "https://REDACTED:REDACTED@h.example/reset/{id}?token=REDACTED", "page": 2}'),
    # the placeholder's closing brace is the URL's, not prose punctuation (it used to come out doubled)
    ("json-line-escaped-slashes-webhook", 'msg {"u":"https:\\/\\/hooks.slack.com\\/services\\/T0123ABCD\\/B0123'
     'ABCD\\/aBcDeFgHiJkLmNoPqRsTuVwX"} end', 'msg {"u":"https://hooks.slack.com/services/{id}/{id}/{id}"} end'),
    ("json-escaped-url-outside-json", "msg https:\\/\\/u:p@h.example\\/users\\/123?token=abc end",
     "msg https:\\/\\/REDACTED:REDACTED@h.example\\/users\\/{id}?token=REDACTED end"),
    ("logfmt", 'level=info url="https://h.example/users/alice@example.com?sig=abc" status=200',
     'level=info url="https://h.example/users/{id}?sig=REDACTED" status=200'),
    ("data-uri", "link data:text/plain;base64,SGVsbG8gc2VjcmV0 end", "link data:text/plain;base64,REDACTED end"),
    ("data-uri-upper-case", "img DATA:IMAGE/PNG;BASE64,iVBORw0KGgo=.", "img DATA:IMAGE/PNG;BASE64,REDACTED."),
    ("data-uri-no-media-type", "x data:,alice-secret y", "x data:,REDACTED y"),
    ("data-uri-percent-encoded-json", "(data:application/json,%7B%22pw%22%3A%22x%22%7D)", "(data:application/json,REDACTED)"),
    ("idn-host-scheme-less", "see münchen.example/reset/Zm9vYmFy123 ok", "see münchen.example/reset/{id} ok"),
    ("cyrillic-host-scheme-less", "пример.рф/users/123?email=a@b.co", "пример.рф/users/{id}?email=REDACTED"),
    # bare paths in text: after a web framework's status message the path is a request target (django.request);
    # anywhere else only generated tokens and codes after a secret word go (file systems name no such segments)
    ("django-reset-link", "Internal Server Error: /accounts/reset/MQ/c4k9zq-8f3e2a1b0c9d8e7f6a5b4c3d2e1f0a9b/",
     "Internal Server Error: /accounts/reset/MQ/{id}/"),
    ("django-not-found", "Not Found: /unsubscribe/Zq8vLp3XwR7tYk2MbN4c/", "Not Found: /unsubscribe/{id}/"),
    ("django-not-found-id", "Not Found: /users/42", "Not Found: /users/{id}"),
    ("django-bad-request", "Bad Request: /invite/a8f3kz9q2w7e", "Bad Request: /invite/{id}"),
    ("django-forbidden", "Forbidden (CSRF token missing.): /verify/482913xq/", "Forbidden (CSRF token missing.): /verify/{id}/"),
    ("django-method", "Method Not Allowed (POST): /orders/12345", "Method Not Allowed (POST): /orders/{id}"),
    ("bare-magic-link", "sent magic link /auth/callback/Zq8vLp3XwR7tYk2MbN4c to user",
     "sent magic link /auth/callback/{id} to user"),
    ("bare-verify", "visit /verify/a8f3kz9q2w7e5r1t.", "visit /verify/{id}."),
    ("bare-token-anywhere", "see (/unsubscribe/Zq8vLp3XwR7tYk2MbN4c) now", "see (/unsubscribe/{id}) now"),
    ("bare-path-at-start", "/invite/Zq8vLp3XwR7tYk2M accepted", "/invite/{id} accepted"),
    ("bare-fs-python", "open /usr/lib/python3.11/site-packages/x.py", None),
    ("bare-fs-log", "writing /var/log/app.log", None),
    ("bare-fs-proc", "reading /proc/self/fd/3 failed", None),
    ("bare-fs-tmp", "mkdtemp /tmp/tmpa8f3kz_q9w7e/file.txt", None),
    ("bare-fs-docker", "mount /var/lib/docker/overlay2/3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a/merged", None),
    ("bare-k8s-route", "watch /api/v1/namespaces/default/pods", None),
    ("bare-numeric-id", "cached /orders/12345/items", None),
    ("bare-digest", "blob /objects/3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e", None),
    ("bare-trace-id", "see /traces/4bf92f3577b34da6a3ce929d0e0e4736", None),
    ("bare-uuid", "see /orders/550e8400-e29b-41d4-a716-446655440000/events", None),
    ("bare-session-uuid", "see /sessions/550e8400-e29b-41d4-a716-446655440000/events",
     "see /sessions/{id}/events"),  # after a secret-bearing word, as in a URL attribute
    ("bare-date-part", "/data/2026-11-30/part-00001.parquet", None),
    ("bare-hashed-bundle", "/static/js/main.a8f3kz9q.chunk.js", None),
    ("bare-long-word", "/opentelemetry/instrumentation_django/settings", None),
    ("bare-version", "/packages/opentelemetry-sdk-1.27.0/dist", None),
    # file paths are not URLs
    ("stack-frame", 'File "/usr/lib/python3.12/site-packages/app/views.py", line 123', None),
    ("file-with-extension", "loaded config.yaml/123 and main.py/456 ok", None),
    ("version-text", "upgraded to 1.2.3/4 today", None),
    ("plain-host", "connected to api.example.com", None),
    ("grpc-method", "grpc.health.v1.Health/Check ok", None),
    ("server-sent-event", 'data: {"delta": "hello"}', None),
    ("metadata-word", "metadata:foo,bar", None),
]


@pytest.mark.parametrize(("text", "expected"), _cases(TEXT))
def test_urls_inside_text(text, expected):
    assert Redactor().redact_text(text) == (text if expected is None else expected)


def test_a_failing_sanitiser_drops_the_value_and_counts():
    u = UrlSanitizer()
    u._sanitize_unsafe = lambda s: 1 / 0  # type: ignore[method-assign]
    assert u.sanitize("https://h.example/x?token=abc") == "REDACTED"
