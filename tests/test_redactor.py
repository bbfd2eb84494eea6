"""The Redactor core: per-key rules, every attribute value type, fail-closed, counting."""

from __future__ import annotations

import math
import re

import pytest

from otel_privacy import Policy, Redactor
from otel_privacy.redactor import COUNT_KEY, DROP, POLICY_KEY


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor("default")


SECRET_KEY_CASES = [
    ("password", "hunter2"),
    ("db.password", "hunter2"),
    ("app.client_secret", "s3cr3t"),
    ("auth.token", "abc"),
    ("refresh_token", "abc"),
    ("x.api_key", "k"),
    ("apikey", "k"),
    ("aws.credentials", "c"),
    ("session_id", "sid"),
    ("http.request.header.cookie", ("a=b",)),
    ("authorization", "Basic xyz"),
    ("tls.private_key", "-----"),
]


@pytest.mark.parametrize(("key", "value"), SECRET_KEY_CASES, ids=[c[0] for c in SECRET_KEY_CASES])
def test_secret_named_keys_are_redacted(redactor, key, value):
    out = redactor.redact_value(key, value)
    expected = tuple("REDACTED" for _ in value) if isinstance(value, tuple) else "REDACTED"
    assert out == expected


BENIGN_KEYS = [
    ("http.request.method", "GET"),
    ("gen_ai.usage.input_tokens", 512),
    ("code.function.name", "tokenize"),
    ("messaging.destination.name", "orders"),
    ("service.name", "shop"),
    ("author", "Jane Austen"),
]


@pytest.mark.parametrize(("key", "value"), BENIGN_KEYS, ids=[c[0] for c in BENIGN_KEYS])
def test_benign_keys_survive_unchanged(redactor, key, value):
    assert redactor.redact_value(key, value) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, True, id="bool"),
        pytest.param(7, 7, id="int"),
        pytest.param(2.5, 2.5, id="float"),
        pytest.param("mail bob@example.com", "mail REDACTED", id="str"),
        pytest.param(b"mail bob@example.com", b"mail REDACTED", id="bytes"),
        pytest.param(("ok", "bob@example.com"), ("ok", "REDACTED"), id="tuple-of-str"),
        pytest.param(["bob@example.com"], ["REDACTED"], id="list-of-str"),
        pytest.param((1, 2, 3), (1, 2, 3), id="tuple-of-int"),
    ],
)
def test_every_attribute_value_type_is_walked(redactor, value, expected):
    assert redactor.redact_value("note", value) == expected


def test_non_utf8_bytes_are_scanned_losslessly(redactor):
    raw = b"\xff\xfe bob@example.com \x00\x80"
    out = redactor.redact_value("blob", raw)
    assert b"bob@example.com" not in out
    assert out.startswith(b"\xff\xfe ") and out.endswith(b" \x00\x80")


def test_keep_drop_and_hash_rules():
    r = Redactor({"rules": [
        {"match": "internal.*", "action": "drop"},
        {"match": "debug.email", "action": "keep"},
        {"match": ["customer.ref"], "action": "hash"},
    ], "identity": {"key": "k1"}})
    out = r.redact_attributes({"internal.x": "a", "debug.email": "bob@example.com", "customer.ref": 42, "k": 1})
    assert "internal.x" not in out
    assert out["debug.email"] == "bob@example.com"
    assert out["customer.ref"].startswith("u_") and len(out["customer.ref"]) == 18
    assert out["k"] == 1


def test_identity_keys_are_pseudonymised_stably(redactor):
    a = redactor.redact_value("enduser.id", "alice")
    assert a == redactor.redact_value("user.id", "alice") != "alice"
    assert a != redactor.redact_value("user.id", "bob")


def test_client_address_is_truncated(redactor):
    assert redactor.redact_value("client.address", "203.0.113.77") == "203.0.113.0"


def test_attribute_order_is_kept_and_summary_derived_attributes_appended(redactor):
    attrs = {"db.system": "sqlite", "db.statement": "SELECT * FROM t WHERE a = 1", "z": 1}
    out = redactor.redact_attributes(attrs)
    assert list(out)[:3] == ["db.system", "db.statement", "z"]
    assert "1" not in out["db.statement"]
    assert out["db.query.summary"]


def test_span_summary_counts_every_change_and_names_the_policy(redactor):
    out = redactor.redact_span(
        "checkout",
        {"password": "x", "note": "bob@example.com", "ok": "fine"},
        events=[("exception", {"exception.message": "token for carol@example.com"})],
        links=[{"peer.email": "dave@example.com"}],
        status_description="failed for erin@example.com",
    )
    assert out.count == 5
    assert out.attributes[COUNT_KEY] == 5
    assert POLICY_KEY not in out.attributes  # once per resource instead (below)
    assert out.events[0][1]["exception.message"] == "token for REDACTED"
    assert re.fullmatch(r"u_[0-9a-f]{16}", out.links[0]["peer.email"])  # an e-mail key: a pseudonym
    assert out.status_description == "failed for REDACTED"


def test_log_body_nested_maps_and_arrays(redactor):
    body = {"msg": "hi bob@example.com", "password": "p", "items": [{"email": "c@example.com"}, "x"], "n": 3}
    out = redactor.redact_log(body, {"user.id": "alice"})
    pseudonym = redactor.pseudonymize("c@example.com")
    assert out.body == {"msg": "hi REDACTED", "password": "REDACTED", "items": [{"email": pseudonym}, "x"], "n": 3}
    assert out.attributes["user.id"].startswith("u_")
    assert out.count == 4


def test_off_preset_is_a_pass_through():
    r = Redactor("off")
    attrs = {"password": "x", "note": "bob@example.com"}
    assert r.redact_attributes(attrs) == attrs
    assert r.redact_span("n", attrs).attributes == attrs
    assert r.record_summary(r.new_record()) == {}


def test_failing_scrubber_drops_the_value_and_counts_it(redactor):
    r = Redactor("default")

    def boom(*_a, **_k):
        raise RuntimeError("scrubber bug")

    r.url.sanitize = boom
    rec = r.new_record()
    out = r.redact_attributes({"url.full": "https://x.test/?q=secret", "ok": "fine"}, rec)
    assert out == {"ok": "fine"}
    assert rec.count == 1
    assert r.stats["errors"] == 1
    assert r.redact_value("url.full", "https://x.test/?q=secret") is DROP


def test_failing_text_scrubber_fails_closed_to_replacement():
    r = Redactor("default")
    r.text.scrub = lambda *_: (_ for _ in ()).throw(ValueError("bad"))
    assert r.redact_text("anything bob@example.com") == "REDACTED"


def test_strict_keeps_only_allow_listed_keys():
    r = Redactor(Policy.preset("strict"))
    out = r.redact_attributes({"service.name": "s", "host.name": "h", "app.custom": "v", "http.request.method": "GET"})
    assert out == {"service.name": "s", "http.request.method": "GET"}


def test_stats_count_actions_and_detectors():
    r = Redactor("default")
    r.redact_attributes({"password": "x", "note": "bob@example.com and carol@example.com"})
    stats = r.snapshot_stats()
    assert stats["redact"] == 1
    assert stats["detector.email"] == 2


def test_long_values_are_truncated_after_scrubbing():
    r = Redactor({"max_value_length": 32})
    out = r.redact_value("note", "bob@example.com " + "x" * 100)
    assert out.startswith("REDACTED ") and len(out) < 50


SERVICE_AND_OPERATION = [
    ("sqlalchemy-operation-with-file-path", "db.operation.name", "select /home/alice/app.db", "select"),
    ("old-operation-key", "db.operation", "SELECT", "SELECT"),
    ("mongo-operation", "db.operation.name", "findAndModify", "findAndModify"),
    ("own-host-header-ip-kept", "http.request.header.host", ("127.0.0.1:8000",), ("127.0.0.1:8000",)),
    ("own-server-address-kept", "server.address", "10.0.0.5", "10.0.0.5"),
    ("ipv6-server-address-kept", "server.address", "[2001:db8::1]:443", "[2001:db8::1]:443"),
    ("not-a-host-is-scanned", "http.request.header.host", ("alice@example.com",), ("REDACTED",)),
    ("client-ip-header-truncated", "http.request.header.x-forwarded-for", ("203.0.113.9",), ("203.0.113.0",)),
]


@pytest.mark.parametrize(("key", "value", "expected"), [c[1:] for c in SERVICE_AND_OPERATION],
                         ids=[c[0] for c in SERVICE_AND_OPERATION])
def test_own_host_and_operation_names(redactor, key, value, expected):
    assert redactor.redact_value(key, value) == expected


def test_a_remembered_span_name_affects_its_record_as_a_new_one_does():
    """The span-name memo replays what the first scan tallied and derived (it used to return the name only)."""
    r = Redactor("default")
    name = '{"db.statement": "SELECT a FROM users WHERE id = 1", "note": "alice@example.com"}'
    seen = []
    for _ in range(2):
        rec = r.new_record({"db.system": "postgresql"})
        before = r.snapshot_stats()
        r.redact_span_name(name, None, rec)
        seen.append((rec.derived, {k: v - before.get(k, 0) for k, v in r.snapshot_stats().items()}, rec.actions))
    assert seen[0] == seen[1]
    assert seen[0][2]  # something was really tallied


def test_a_nan_metric_attribute_is_kept_and_not_counted():
    from otel_privacy.metrics_redaction import redact_point

    out = redact_point(Redactor("default"), {"ratio": float("nan"), "region": "eu"})
    assert out.count == 0 and math.isnan(out.attributes["ratio"])


SUMMARY_PLACEMENT = [
    # (name, summary options, count on a changed record, count on an unchanged one, policy on records, on resources)
    ("default: count where redacted, policy on the resource", {}, 1, None, False, True),
    ("count on every record", {"count": "always"}, 1, 0, False, True),
    ("policy on every record", {"policy": "record"}, 1, None, True, False),
    ("the placement before the option", {"count": "always", "policy": "record"}, 1, 0, True, False),
]


@pytest.mark.parametrize(("options", "changed", "unchanged", "on_record", "on_resource"),
                         [c[1:] for c in SUMMARY_PLACEMENT], ids=[c[0] for c in SUMMARY_PLACEMENT])
def test_where_the_record_summary_goes(options, changed, unchanged, on_record, on_resource):
    r = Redactor({"summary": options})
    red = r.redact_span("s", {"note": "mail bob@example.com"}).attributes
    plain = r.redact_span("s", {"note": "fine"}).attributes
    assert red.get(COUNT_KEY) == changed and plain.get(COUNT_KEY) == unchanged
    assert (POLICY_KEY in red, POLICY_KEY in plain) == (on_record, on_record)
    assert (r.redact_resource({"service.name": "svc"}).get(POLICY_KEY) == r.fingerprint) is on_resource
    assert POLICY_KEY not in r.redact_scope({"lib.note": "x"})
    off = Redactor({"summary": options, "record_summary": False})
    assert off.record_summary(off.new_record()) == {} and off.resource_summary() == {}
