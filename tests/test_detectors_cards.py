"""Cards of every network and IBANs in any case, with separators of any Unicode space or dash class."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Redactor
from otel_privacy.scrub.text import luhn_valid

R = Redactor("default")


def card(prefix: str, length: int) -> str:
    """The Luhn-valid number of ``length`` digits starting with ``prefix`` (then 1s)."""
    body = (prefix + "1" * length)[: length - 1]
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


NETWORKS = [
    ("visa", "4", 16), ("visa-13", "4", 13), ("visa-19", "4", 19), ("mastercard", "51", 16),
    ("mastercard-2-series", "2221", 16), ("mastercard-2720", "2720", 16), ("mir", "2200", 16), ("mir-2204", "2204", 16),
    ("amex", "34", 15), ("amex-37", "37", 15), ("diners", "300", 14), ("diners-36", "36", 14), ("diners-39", "39", 16),
    ("jcb", "3528", 16), ("jcb-3589", "3589", 19), ("discover", "6011", 16), ("discover-65", "65", 16),
    ("maestro-50", "5018", 16), ("maestro-58", "5893", 19), ("maestro-6304", "6304", 16), ("maestro-67", "6759", 18),
    ("unionpay", "62", 16), ("unionpay-19", "62", 19), ("unionpay-81", "81", 16), ("rupay", "60", 16),
    ("rupay-82", "82", 16), ("troy", "9792", 16), ("elo", "6362", 16), ("verve", "5061", 19),
]
SEPARATORS = [("space", " "), ("dash", "-"), ("nbsp", "\u00a0"), ("thin-space", "\u2009"), ("figure-space", "\u2007"),
              ("ideographic-space", "\u3000"), ("en-dash", "\u2013"), ("em-dash", "\u2014"), ("minus", "\u2212"),
              ("zero-width-space", "\u200b"), ("none", "")]


@pytest.mark.parametrize(("name", "prefix", "length"), NETWORKS, ids=[n[0] for n in NETWORKS])
def test_every_network_with_every_separator(name, prefix, length):
    number = card(prefix, length)
    missed = []
    for sep_name, sep in SEPARATORS:
        grouped = sep.join(number[i:i + 4] for i in range(0, len(number), 4))
        out, found = R.text.scrub(f"paid with {grouped} today")
        if out != "paid with REDACTED today" or found != {"credit_card": 1}:
            missed.append((sep_name, out, found))
    assert missed == []


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


@pytest.mark.parametrize("digits", [FULLWIDTH, ARABIC_INDIC, DEVANAGARI], ids=["fullwidth", "arabic-indic", "devanagari"])
def test_cards_written_in_other_digits(digits):
    number = card("4", 16).translate(digits)
    assert R.redact_text(f"カード {number} で支払い") == "カード REDACTED で支払い"


IBANS = [
    ("upper-spaced", "DE89 3704 0044 0532 0130 00"), ("upper-compact", "DE89370400440532013000"),
    ("lower-spaced", "de89 3704 0044 0532 0130 00"), ("lower-compact", "gb82west12345698765432"),
    ("mixed-case", "Gb82WeSt12345698765432"), ("nbsp", "FR14\u00a02004\u00a01010\u00a00505\u00a00001\u00a03M02\u00a0606"),
    ("fullwidth", "ＮＬ９１ＡＢＮＡ０４１７１６４３００"), ("new-country", "RU0204452560040702810412345678901"),
]


@pytest.mark.parametrize(("name", "iban"), IBANS, ids=[i[0] for i in IBANS])
def test_ibans_in_any_case_and_form(name, iban):
    out, found = R.text.scrub(f"pay to {iban} now")
    assert out == "pay to REDACTED now", out
    assert found == {"iban": 1}


LOOK_ALIKES = [
    ("luhn-failing-order", f"order {int(card('4', 16)) + 1} shipped"),
    ("unknown-prefix", f"ref {card('1', 16)} and {card('7', 16)}"),
    ("trace-id", "trace 4bf92f3535e4c04a0b4a9d6a8a3e1b2f span de89370400440532"),
    ("hex-with-country-shape", "etag be12abcd34ef5678 id de89abcdef01234567ab"),
    ("unknown-country", "code XX89 3704 0044 0532 0130 00"),
    ("wrong-length", "DE89 3704 0044 0532 0130 001"),
    ("epoch-ns", "epoch 1732345678901234567 ns"),
    ("luhn-valid-part-of-a-longer-number", "order 6011 3444 7266 5104 440 shipped"),  # not grouped as cards are
    # the tail 4073 3232 7716 3 is a Luhn-valid 13-digit Visa grouped 4-4-4-1: as the end of a longer chain, an order number's
    ("visa-13-tail-of-a-longer-number", "order 4297 4073 3232 7716 3 shipped"),
    # Luhn-valid, a card prefix, grouped as cards are printed, at a length no network issues under that prefix
    ("diners-prefix-13-digits", f"args=('x', '4216 {' '.join(card('38', 13)[i:i + 4] for i in range(0, 13, 4))}', 3)"),
    ("amex-prefix-16-digits", f"ref {card('34', 16)} ok"),
    ("mastercard-prefix-13-digits", f"ref {card('51', 13)} ok"),
    ("visa-prefix-15-digits", f"ref {card('4', 15)} ok"),
]


@pytest.mark.parametrize(("name", "text"), LOOK_ALIKES, ids=[n for n, _ in LOOK_ALIKES])
def test_card_and_iban_look_alikes_survive(name, text):
    out, found = R.text.scrub(text)
    assert "credit_card" not in found and "iban" not in found, (out, found)


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.sampled_from(NETWORKS), st.sampled_from(SEPARATORS), st.sampled_from([None, FULLWIDTH, ARABIC_INDIC]),
       st.text(alphabet="abc XYZ,.;:é中Ж\u00a0", max_size=30))
def test_planted_cards_never_survive_in_any_script(network, separator, digits, filler):
    number = card(network[1], network[2])
    grouped = separator[1].join(number[i:i + 4] for i in range(0, len(number), 4))
    if digits is not None:
        grouped = grouped.translate(digits)
    out = R.redact_text(f"{filler} {grouped} {filler}")
    assert grouped not in out and "REDACTED" in out
