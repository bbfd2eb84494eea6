"""The wire core's URL fast path against the Python engine, byte for byte.

The compiled core sanitises URL values of the common shape (``scheme://host[:port]/path?query``, or a path
``/a/b?query``) itself and asks ``scrub.url`` only for its decisions per distinct host, path segment and
query key; any other shape goes to the Python step. These tests generate URLs around every edge of that
split (userinfo, backslashes, tabs, non-ASCII, IP hosts, webhook hosts, secret path words, kept fragments,
allow-listed keys, placeholders, truncation) and require the C walker's output to be byte-identical to the
Python walker's (the reference) with the same statistics, under several URL policies.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from otel_privacy.wire import WireRedactor, compiled_core_available
from wire_faces import Faces

pytestmark = pytest.mark.skipif(not compiled_core_available(), reason="the compiled wire core is not built")

POLICIES = {
    "default": "default",
    "options": {"url": {"allow_query_keys": ["page", "Utm_Source"], "drop_fragment": False, "template_paths": False,
                        "id_placeholder": ":id"}, "replacement": "[x]"},
    "short": {"max_value_length": 40, "url": {"id_placeholder": "ID", "path_id_patterns": ["ord-[0-9]+"]}},
}
URL_KEYS = ("url.full", "url.path", "http.url", "http.target")

SCHEMES = ["https://", "http://", "HTTPS://", "Http://", "ws://", "wss://", "ftp://", "https:///", "http:/", "",
           "//", "/", "jdbc:mysql://", "mailto:", "file://", "data:text/plain,", "git+ssh://", "http2://", "https:x",
           " https://", "\thttps://", "https:\\\\", "HtTpS://"]
HOSTS = ["shop.example", "api.shop.example", "10.1.2.3", "0x7f.1", "2130706433", "[2001:db8::1]", "hooks.slack.com",
         "x.hooks.slack.com", "localhost", "Xk9qLm2PzT7vBn4R", "xn--bcher-kva.example", "bücher.example", "",
         "a,b.example", "host;p=1", "HOST.Example.", "www.instagram.com", "t.me", "X.com"]
PORTS = ["", ":8080", ":", ":abc", ":123456", ":0"]
USERINFO = ["", "", "", "u:p@", "bot@", "u:@"]
SEGMENTS = ["orders", "123", "{id}", "REDACTED", "[x]", "ID", ":id", "*", "v1", "reset", "token", "invites",
            "Reset-Password", "magicLink", "a1b2c3d4e5f6a7b8c9d0", "550e8400-e29b-41d4-a716-446655440000",
            "alice@example.com", "users;jsessionid=abc", "q=alice", "%40foo", "%2540x", "how-to-bake-2024",
            "2024-05-01", "file.json", "", "aGVsbG8gd29ybGQgdGhpcyBpcyBh", "x\\y", "é", "a b", "tab\there",
            "ord-77", "12345678901234567890", "0", "٣", "bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            # dates span segments (a year, then a month and a day segment): the C core reads them itself
            "2026", "1999", "3026", "12", "01", "13", "03", "31", "32", "7", "2026/12", "2026/12/03", "2026/01/", "1٣",
            "2026-12-03", "year=2026", "dt=2026-12-03", "sha256:" + "ab" * 32, "orders@sha256:" + "cd" * 32,
            "part-69628.parquet", "000123.log", "12345.png"]
QUERY = ["page=2", "token=t123", "flag", "", "=v", "a=", "q=REDACTED", "q=[x]", "email=a%40b.co", "next=/x?y",
         "eyJhbGciOiJIUzI1NiJ9", "debug", "utm_source=x", "UTM_SOURCE=alice@example.com", "a=b=c", "4111111111111111=1",
         "p+q=1", "k%20ey=v", "page=", "Page=REDACTED"]
FRAGMENTS = ["", "", "#frag", "#access_token=abc&state=1", "#/users/123", "#", "#a?b=c"]


@st.composite
def urls(draw) -> str:
    path = "/".join(draw(st.lists(st.sampled_from(SEGMENTS) | st.text("ab1/;=%.-_{}", max_size=6), max_size=5)))
    url = draw(st.sampled_from(SCHEMES))
    if url.endswith("//") or url.endswith(":") or url.endswith("\\\\"):
        url += draw(st.sampled_from(USERINFO)) + draw(st.sampled_from(HOSTS)) + draw(st.sampled_from(PORTS))
    url += ("/" if path and not url.endswith("/") else "") + path
    if draw(st.booleans()):
        url += "?" + "&".join(draw(st.lists(st.sampled_from(QUERY) | st.text("ab=&%+", max_size=5), max_size=4)))
    return url + draw(st.sampled_from(FRAGMENTS))


def _request(values: list[str]) -> bytes:
    req = ExportTraceServiceRequest()
    spans = req.resource_spans.add().scope_spans.add().spans
    for i, url in enumerate(values):
        span = Span(trace_id=bytes(16), span_id=i.to_bytes(8, "big"), name="GET")
        for key in URL_KEYS:
            span.attributes.append(KeyValue(key=key, value=AnyValue(string_value=url)))
        spans.append(span)
    return req.SerializeToString()


FACES = Faces(POLICIES)


def walkers(policy: str) -> tuple[WireRedactor, WireRedactor]:
    return FACES.walkers(policy)


def same_through_both(policy: str, values: list[str]) -> bytes:
    return FACES.same(policy, _request(values))


@pytest.mark.parametrize("policy", sorted(POLICIES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(urls(), min_size=1, max_size=4))
def test_generated_urls_are_byte_identical_through_the_c_fast_path(policy, values):
    same_through_both(policy, values)


@pytest.mark.parametrize("policy", sorted(POLICIES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.text("ab1:/?#&=@.%\\ \t{}*;é", max_size=24), min_size=1, max_size=4))
def test_arbitrary_text_under_url_keys_is_byte_identical(policy, values):
    same_through_both(policy, values)


CASES = {  # name: (url, what the default policy makes of it)
    "fresh id and token": ("https://shop.example/orders/12345?token=t9&page=2",
                           "https://shop.example/orders/{id}?token=REDACTED&page=REDACTED"),
    "port kept, fragment dropped": ("http://api.shop.example:8080/v1/users/42#top",
                                    "http://api.shop.example:8080/v1/users/{id}"),
    "request target": ("/v1/orders/77?session=s1", "/v1/orders/{id}?session=REDACTED"),
    "ipv4 host truncated": ("http://10.1.2.3/x", "http://10.1.2.0/x"),
    "uuid segment": ("https://a.example/u/550e8400-e29b-41d4-a716-446655440000", "https://a.example/u/{id}"),
    "nothing to change": ("https://a.example/health", "https://a.example/health"),
    "date kept, id after it": ("https://a.example/exports/2026/12/03/4711/part-00042.parquet",
                               "https://a.example/exports/2026/12/03/{id}/part-00042.parquet"),
    "year and month at the end": ("/archive/2026/01", "/archive/2026/01"),
    "not a date": ("/users/2026/13/03", "/users/{id}/{id}/{id}"),
    "flag and empty value": ("https://a.example/?debug&q=&x=REDACTED", "https://a.example/?debug&q=&x=REDACTED"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_common_shapes_are_sanitised_in_c(name):
    url, expected = CASES[name]
    c, _ = walkers("default")
    before = c._core.native_counts()["url"]
    out = same_through_both("default", [url])
    assert c._core.native_counts()["url"] - before == len(URL_KEYS)  # every key of the span took the fast path
    assert expected.encode() in out


@pytest.mark.parametrize("url", ["https://u:p@shop.example/x", "https://hooks.slack.com/services/T0/B0/XXXX",
                                 "https://a.example/reset/abc123/more", "jdbc:mysql://db:3306/x", "//cdn.example/x",
                                 "https://bücher.example/x", "https://a.example\\x", "https://x.com/alice"])
def test_unusual_shapes_are_left_to_python(url):
    c, _ = walkers("default")
    before = c._core.native_counts()["url"]
    same_through_both("default", [url])
    assert c._core.native_counts()["url"] == before


# Every edge of the date rule (scrub.url._date_end, url_date_end in C): the year's range, the month's and day's
# ranges and widths, a date at the path's end, before a query, twice in a row, and after a placeholder.
DATE_EDGES = ["/a/1899/12/03", "/a/1900/01/01", "/a/2099/12/31", "/a/2100/01/01", "/a/2026/00/01", "/a/2026/12/00",
              "/a/2026/12/31", "/a/2026/12/32", "/a/2026/09/30/7", "/a/2026/1/05", "/a/2026/012/05", "/a/2026/12/5",
              "/a/2026/12/003", "/a/2026/12", "/a/2026/12/", "/2026/12/03?x=1", "/a/2026/12/03/2026/12/04",
              "/a/2026/2026/12", "/a/20261/12/03", "/a/2026/12a/03", "/a/2026/12/03b", "/a/{id}/2026/12/03",
              "https://a.example/2026/12/03#f", "https://a.example/2026/12/03/2026", "/a/2026//12/03"]


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_dates_across_segments_are_read_alike(policy):
    same_through_both(policy, DATE_EDGES)
