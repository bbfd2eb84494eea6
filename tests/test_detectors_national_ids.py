"""UK National Insurance numbers and US SSNs written without dashes (next to an SSN word)."""

from __future__ import annotations

import pytest

from otel_privacy import Policy, Redactor

R = Redactor("default")

# (name, detector, text, secret, kept)
IDS = [
    ("nino-spaced", "uk_nino", "NI number AB 12 34 56 C on file", "12 34 56", "on file"),
    ("nino-compact", "uk_nino", "nino=JG103759A;", "JG103759A", "nino="),
    ("nino-in-json", "uk_nino", '{"ni": "CE123456D"}', "CE123456D", '"ni"'),
    ("ssn-compact", "us_ssn", "SSN 123456789 verified", "123456789", "verified"),
    ("ssn-spaced", "us_ssn", "ssn: 123 45 6789", "123 45 6789", "ssn:"),
    ("ssn-words", "us_ssn", "social security number 078051120", "078051120", "social security number"),
    ("ssn-dashed-anywhere", "us_ssn", "id 123-45-6789 ok", "123-45-6789", "ok"),
]


@pytest.mark.parametrize(("name", "detector", "text", "secret", "kept"), IDS, ids=[c[0] for c in IDS])
def test_national_ids_are_replaced(name, detector, text, secret, kept):
    out, found = R.text.scrub(text)
    assert secret not in out and kept in out, out
    assert found.get(detector, 0) >= 1, found


LOOK_ALIKES = [
    ("nino-bad-prefix", "codes QQ123456C GB123456A BG123456B DA123456A"),  # not issued (Q, D) or never used (GB, BG)
    ("nino-bad-suffix", "AB123456E and AB123456"),
    ("nino-inside-word", "xAB123456Cx SKU-AB123456C9"),
    ("ssn-no-word", "order 123456789 shipped, invoice 987654321"),
    ("ssn-never-issued", "ssn 000123456, SSN 666123456, ssn 912345678, ssn 123006789, ssn 123450000"),
    ("ssn-far-from-word", "ssn check passed for the account opened long ago with id 123456789"),
    ("ssn-word-inside", "classname 123456789"),
    ("ssn-longer-number", "ssn 1234567890123"),
]


@pytest.mark.parametrize(("name", "text"), LOOK_ALIKES, ids=[n for n, _ in LOOK_ALIKES])
def test_national_id_look_alikes_survive(name, text):
    out, found = R.text.scrub(text)
    assert "uk_nino" not in found and "us_ssn" not in found, (out, found)


def test_nino_can_be_switched_off():
    r = Redactor(Policy.from_dict({"text": {"detectors": {"uk_nino": False}}}))
    assert r.text.scrub("NI AB 12 34 56 C")[0] == "NI AB 12 34 56 C"
