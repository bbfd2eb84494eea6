"""Property tests of the engine: for any attributes, the Redactor returns valid OTel values and no secret."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Redactor
from otel_privacy.redactor import COUNT_KEY

REDACTOR = Redactor("default")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

keys = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)
scalars = st.one_of(st.text(max_size=80), st.booleans(), st.integers(-(2**63), 2**63 - 1),
                    st.floats(allow_nan=False), st.binary(max_size=40))
values = st.one_of(scalars, st.lists(st.text(max_size=20), max_size=4).map(tuple),
                   st.lists(st.integers(-1000, 1000), max_size=4).map(tuple))
secret_keys = st.sampled_from(["password", "db.password", "api_key", "x.secret", "auth_token", "session_id",
                               "http.request.header.authorization", "http.request.header.cookie",
                               "private_key", "aws.credentials"])
ATTRIBUTE_TYPES = (str, bool, int, float, bytes)


def _valid(value) -> bool:
    if isinstance(value, ATTRIBUTE_TYPES):
        return True
    return isinstance(value, (tuple, list)) and all(isinstance(v, ATTRIBUTE_TYPES) for v in value)


@SETTINGS
@given(st.dictionaries(keys, values, max_size=12))
def test_any_attributes_give_valid_attribute_values_and_never_raise(attrs):
    out = REDACTOR.redact_attributes(attrs)
    # keys are data: a key holding a detector's finding is rewritten (and never kept raw)
    renamed = {REDACTOR._scrub_key(k) for k in attrs}
    assert {k if k in attrs or k in renamed else re.sub(r"#\d+$", "", k) for k in out} <= set(attrs) | renamed | {"db.query.summary", "db.operation.name", "db.collection.name",
                                               "otel_privacy.db.joins"}
    assert len(out) <= len(attrs) + 4
    assert all(_valid(v) for v in out.values())


@SETTINGS
@given(secret_keys, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=6, max_size=40))
def test_values_under_secret_keys_never_survive(key, secret):
    out = REDACTOR.redact_attributes({key: secret, "other": f"x {secret} y" if key == "never" else "plain"})
    # the values: a key is kept by design, and a generated secret may be part of it ("creden" in
    # "aws.credentials")
    assert not any(secret in repr(value) for value in out.values())
    assert out[key] != secret


@SETTINGS
@given(st.dictionaries(keys, values, max_size=8), st.text(max_size=60))
def test_span_summary_count_matches_the_values_that_changed(attrs, name):
    out = REDACTOR.redact_span(name, attrs)
    changed = sum(1 for k, v in attrs.items() if out.attributes.get(k, object()) != v)
    changed += out.name != name
    # the count is on the record where something was redacted (Policy.summary.count = "redacted")
    assert out.attributes.get(COUNT_KEY, 0) >= changed
    assert out.count == out.attributes.get(COUNT_KEY, 0)
    assert (COUNT_KEY in out.attributes) == (out.count > 0)


@SETTINGS
@given(st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(keys, inner, max_size=3)), max_leaves=12))
def test_any_log_body_is_walked_without_raising(body):
    out = REDACTOR.redact_log(body, {})
    assert type(out.body) is type(body) or out.body is None or isinstance(body, (bytes, tuple))


@SETTINGS
@given(st.sampled_from(["enduser.id", "user.id", "user.email"]), st.text(min_size=1, max_size=40))
def test_identities_are_pseudonymised_deterministically(key, identity):
    a = REDACTOR.redact_value(key, identity)
    assert a == REDACTOR.redact_value(key, identity)
    assert re.fullmatch(r"u_[0-9a-f]{16}", a)
