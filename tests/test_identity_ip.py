"""Keyed pseudonymisation (generated key file, stability across processes) and IP truncation."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otel_privacy import Policy, Redactor
from otel_privacy.keys import default_key_path, resolve_hash_key
from otel_privacy.scrub.identity import Pseudonymizer
from otel_privacy.scrub.ip import truncate_ip


def test_generated_key_is_stored_0600_once_with_a_warning(monkeypatch, caplog):
    monkeypatch.delenv("OTEL_PRIVACY_HASH_KEY", raising=False)
    with caplog.at_level(logging.WARNING):
        key = resolve_hash_key(None)
    path = default_key_path()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "generated one" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert resolve_hash_key(None) == key  # reused, no second warning
    assert "generated" not in caplog.text


def _pseudonym_in_subprocess(key: str, value: str) -> str:
    code = "import sys; from otel_privacy import Redactor; print(Redactor('default').redact_value('user.id', sys.argv[1]))"
    env = {**os.environ, "OTEL_PRIVACY_HASH_KEY": key}
    return subprocess.run([sys.executable, "-c", code, value], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_pseudonyms_are_stable_across_processes_sharing_a_key_and_unlinkable_across_keys():
    a1 = _pseudonym_in_subprocess("key-one", "alice")
    a2 = _pseudonym_in_subprocess("key-one", "alice")
    b = _pseudonym_in_subprocess("key-two", "alice")
    assert a1 == a2 and a1 != b
    assert a1.startswith("u_") and len(a1) == 2 + 16 and "alice" not in a1


def test_prefix_length_and_compatibility_algorithms():
    r = Redactor(Policy.from_dict({"identity": {"prefix": "anon-", "length": 32}}))
    out = r.redact_value("enduser.id", "alice")
    assert out.startswith("anon-") and len(out) == 5 + 32
    sha = Redactor(Policy.from_dict({"identity": {"algorithm": "sha256", "prefix": ""}}))
    assert sha.redact_value("user.email", "alice@example.com") == \
        hashlib.sha256(b"alice@example.com").hexdigest()[:16]
    md5 = Pseudonymizer(None, algorithm="md5", prefix="", length=32)
    assert md5("alice") == hashlib.md5(b"alice").hexdigest()


@pytest.mark.parametrize(("key", "value"), [("enduser.id", "42"), ("user.name", "Alice Smith"),
                                             ("user.full_name", "Alice Smith"), ("enduser.pseudo.id", "abc"),
                                             ("http.request.header.x-user-id", ("u-1",))])
def test_identity_keys_are_hashed(key, value):
    out = Redactor("default").redact_value(key, value)
    assert repr(value).strip("(),'") not in repr(out)


@pytest.mark.parametrize(("ip", "expected"), [
    ("192.168.10.77", "192.168.10.0"),
    ("10.0.0.1", "10.0.0.0"),
    ("2001:db8:85a3:1234:5678:8a2e:370:7334", "2001:db8:85a3::"),
    ("::ffff:10.1.2.3", "10.1.2.0"),
    ("fe80::1%eth0", "fe80::"),
    ("not-an-ip", None),
    ("999.1.1.1", None),
])
def test_truncate_ip(ip, expected):
    assert truncate_ip(ip) == expected


def test_ip_keys_truncate_and_non_ips_fall_back_to_text():
    r = Redactor(Policy.from_dict({"ip": {"ipv4_prefix": 16}}))
    assert r.redact_value("client.address", "192.168.10.77") == "192.168.0.0"
    # a host name where an address was expected still goes through the text detectors
    assert r.redact_value("client.address", "alice@example.com") == "REDACTED"


@settings(max_examples=200, deadline=None)
@given(key=st.binary(min_size=1, max_size=200), value=st.text(max_size=80))
def test_pseudonyms_are_rfc2104_hmac_sha256(key, value):
    """The precomputed-pad HMAC equals the standard library's for every key length (incl. > one block)."""
    import hmac

    p = Pseudonymizer(key, prefix="u_", length=64)
    data = value.encode("utf-8", "surrogatepass")
    assert p.hmac_sha256(data) == hmac.digest(key, data, "sha256")
    assert p(value) == "u_" + hmac.new(key, data, hashlib.sha256).hexdigest()


def _reference_v4(text: str, prefix: int) -> str | None:
    import ipaddress

    try:
        addr = ipaddress.IPv4Address(text)
    except ValueError:
        return None
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False).network_address)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(
    st.lists(st.integers(0, 300).map(str) | st.text("0123456789", max_size=4) | st.sampled_from(["٣", "00", "1 "]),
             min_size=3, max_size=5).map(".".join),
    st.text("0123456789.", max_size=16)),
    prefix=st.integers(0, 32))
def test_ipv4_fast_path_agrees_with_ipaddress(text, prefix):
    """IPv4 truncation without the ipaddress module gives its answers: same validity rules, same output.

    ``truncate_ip`` trims surrounding whitespace first (attribute values often carry it); ``ipaddress`` does not.
    """
    assert truncate_ip(text, prefix) == _reference_v4(text.strip(), prefix)
