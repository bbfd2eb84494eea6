"""Phone numbers: international ones anywhere, national ones after a phone word; look-alikes survive."""

from __future__ import annotations

import pytest

from otel_privacy import Policy, Redactor

R = Redactor("default")

# (name, text, number that must disappear, part that must survive)
PHONES = [
    ("intl-uk", "call +44 20 7946 0958 now", "7946 0958", "call"),
    ("intl-us-parens", "cb +1 (415) 555-0100 ok", "555-0100", "ok"),
    ("intl-dots-uri", "href tel:+1.415.555.0100", "415.555.0100", "href tel:"),
    ("intl-trunk-zero", "ring +44 (0)20 7946 0958", "7946 0958", "ring"),
    ("intl-compact", "to=+14155550100&x=1", "4155550100", "&x=1"),
    ("intl-cn", "客户 +86 138 0013 8000", "138 0013 8000", "客户"),
    ("intl-in", "otp sent to +91 98765 43210", "98765 43210", "otp sent to"),
    ("intl-ru", "SMS +7 912 345-67-89", "345-67-89", "SMS"),
    ("intl-fr", "+33 6 12 34 56 78 a répondu", "12 34 56 78", "a répondu"),
    ("intl-then-year", "+44 20 7946 0958 2026", "7946 0958", " 2026"),
    ("intl-nbsp", "+44\u00a020\u00a07946\u00a00958", "7946\u00a00958", ""),
    ("intl-fullwidth", "番号 ＋４４ ２０ ７９４６ ０９５８", "７９４６ ０９５８", "番号"),
    ("national-us", "phone: (415) 555-0100", "555-0100", "phone:"),
    ("national-uk", "Tel. 020 7946 0958", "7946 0958", "Tel."),
    ("national-fr", "mobile 06 12 34 56 78 ok", "12 34 56 78", "ok"),
    ("national-de", "Telefon: 030 12345678", "12345678", "Telefon:"),
    ("national-in", "mobile 98765 43210", "98765 43210", "mobile"),
    ("national-key", "user_phone=4155550100 ok", "4155550100", "user_phone="),
    ("national-camel", "phoneNumber: 415-555-0100", "555-0100", "phoneNumber:"),
    ("national-words-between", "phone number on file: (415) 555-0100.", "555-0100", "on file:"),
    ("national-idd", "fax 0044 20 7946 0958", "7946 0958", "fax"),
    ("national-two", "phone 020 7946 0958 or 020 7946 0959", "0959", "or"),
    ("national-fullwidth", "Telefon: ０３０ １２３４５６７８", "１２３４５６７８", "Telefon:"),
    ("national-cjk-word", "电话：010 1234 5678", "1234 5678", "电话"),
    ("national-upper", "PHONE (415) 555-0100", "555-0100", "PHONE"),
    ("national-contact-number", "contact number 020 7946 0958 on file", "7946 0958", "on file"),
    ("national-contact-no", "Contact no.: (415) 555-0100", "555-0100", "Contact no.:"),
    ("national-ie", "whatsapp 01 234 5678", "234 5678", "whatsapp"),
    ("national-cn-mobile", "手机 138 0013 8000", "0013 8000", "手机"),
    ("national-jp", "電話 090-1234-5678", "1234-5678", "電話"),
    ("national-kr", "phone 010-5123-4567", "5123-4567", "phone"),
    ("national-mx", "tel 55 1234 5678", "1234 5678", "tel"),
    # written as phone numbers are, in ranges libphonenumber holds unallocated or reserved for fiction
    ("intl-fictional-us", "call +1 (555) 123-4567 now", "123-4567", "now"),
    ("intl-fictional-uk-mobile", "sms to +44 7700 900123 sent", "900123", "sent"),
    ("intl-unallocated-kr", "tel:+82-10-5988-0669", "5988-0669", "tel:"),
]


@pytest.mark.parametrize(("name", "text", "secret", "kept"), PHONES, ids=[p[0] for p in PHONES])
def test_phone_numbers_are_replaced(name, text, secret, kept):
    out, found = R.text.scrub(text)
    assert secret not in out, out
    assert kept in out
    assert found.get("phone", 0) >= 1, found


# (name, text): telemetry that holds digits shaped like phone numbers but is none
LOOK_ALIKES = [
    ("tz-offset", "at 2026-11-23T06:16:55+01:00 tz +0530"),
    ("ports-after-tel", "tel. ports 5060 5061 5062"),
    ("build-after-mobile", "mobile build 10.0.10528.5651, phone app version 20.37.134"),
    ("percent-escape-glued-to-digits", "metrics%20mobile%20build%2010.0.10528.5651 stats%3A%20tel.%20ports%205060%205061"),
    ("date-after-phone-word", "phone verified 2026-11-23 06:16:55"),
    ("no-phone-word", "telemetry batch 4155550100 exported"),
    ("hotel-is-not-tel", "hotel 4155550100 booked"),
    ("order-number", "order 4155550100 shipped"),
    ("port-list", "ports 8080 8443 9090 open"),
    ("build-number", "phone app build 20261123 released"),
    ("ip-after-phone-word", "phone gateway 10.20.30.40 up"),
    ("duration", "latency +1500ms p99 +2300ms"),
    ("counter", "spans +1234567 since start"),
    ("uuid-after-phone-word", "phone 123e4567-e89b-12d3-a456-426614174000 linked"),
    ("trace-after-phone-word", "phone trace 4bf92f3535e4c04a0b4a9d6a8a3e1b2f"),
    ("small-counts", "sms sent 12 of 15, retries 3"),
    ("version", "mobile client 12.4.1.2033 on android 14"),
    ("score-list", "scores +1 +2 +3 +4 +5 +6 +7"),
    ("short-intl", "+1234 is not a number"),
    ("invalid-intl", "code +999 123 4567 rejected"),
    ("grouped-delta", "score +12 345 678 pts, delta +33 123 456, bytes +1 234 567 890"),
    ("dotted-build", "build +2026.1130.1234 and +44.7700.900123"),
    ("far-from-word", "phone call took a very long time, more than anyone wanted: 4155550100"),
    ("contact-is-no-phone-word", "contact nobody about ticket 4155550100; contacts 020 7946 0958 synced"),
    ("counts-in-the-new-regions", "phone calls today: 13812345, sms retries 3 of 5 at 10:30"),
]


@pytest.mark.parametrize(("name", "text"), LOOK_ALIKES, ids=[p[0] for p in LOOK_ALIKES])
def test_phone_look_alikes_survive(name, text):
    out, found = R.text.scrub(text)
    assert "phone" not in found, out
    assert out == text or set(found) == {"ip"}, found  # an address is truncated, not taken for a phone


def test_regions_decide_how_national_numbers_are_read():
    us_only = Redactor(Policy.from_dict({"text": {"phone_regions": ["US"]}}))
    assert us_only.redact_text("phone 030 12345678") == "phone 030 12345678"  # a Berlin number, not a US one
    assert us_only.redact_text("phone (415) 555-0100") == "phone REDACTED"
    de = Redactor(Policy.from_dict({"text": {"phone_regions": ["de"]}}))
    assert de.redact_text("phone 030 12345678") == "phone REDACTED"


def test_extra_context_words():
    text = "Rückruf unter 030 12345678"
    assert R.redact_text(text) == text
    r = Redactor(Policy.from_dict({"text": {"phone_context_words": ["Rückruf"]}}))
    assert r.redact_text(text) == "Rückruf unter REDACTED"


def test_unknown_regions_are_refused():
    with pytest.raises(ValueError, match="unknown phone region"):
        Policy.from_dict({"text": {"phone_regions": ["XX"]}})


def test_phone_detector_can_be_switched_off():
    r = Redactor(Policy.from_dict({"text": {"detectors": {"phone": False}}}))
    assert r.redact_text("call +44 20 7946 0958") == "call +44 20 7946 0958"


def _examples(regions, formats):
    import phonenumbers as pn

    types = (pn.PhoneNumberType.MOBILE, pn.PhoneNumberType.FIXED_LINE, pn.PhoneNumberType.TOLL_FREE)
    for region in sorted(regions):
        for kind in types:
            number = pn.example_number_for_type(region, kind)
            if number is not None and pn.is_valid_number(number):
                for fmt in formats:
                    yield region, pn.format_number(number, fmt)


def test_every_regions_example_numbers_are_found_in_international_formats():
    """libphonenumber's own example number of each type for each of its ~245 regions, as +CC, E.164, tel: URI."""
    import phonenumbers as pn

    fmts = (pn.PhoneNumberFormat.INTERNATIONAL, pn.PhoneNumberFormat.E164, pn.PhoneNumberFormat.RFC3966)
    missed = [(region, number) for region, number in _examples(pn.SUPPORTED_REGIONS, fmts)
              if R.redact_text(f"call {number} now") not in ("call REDACTED now", "call tel:REDACTED now")]
    assert missed == []


def test_every_configured_regions_national_examples_are_found_after_a_phone_word():
    import phonenumbers as pn

    from otel_privacy.policy import PHONE_REGIONS

    missed = [(region, number) for region, number in _examples(PHONE_REGIONS, (pn.PhoneNumberFormat.NATIONAL,))
              if R.redact_text(f"phone: {number} now") != "phone: REDACTED now"]
    assert missed == []
