"""Phone numbers in free text, validated with Google's libphonenumber metadata (the ``phonenumbers`` package).

Two shapes are read:

* **international** numbers (``+44 20 7946 0958``, ``+1 (415) 555-0100``) anywhere in text: the ``+`` and
  the country code say how to read the rest;
* **national** numbers (``(415) 555-0100``, ``020 7946 0958``, ``06 12 34 56 78``) only shortly after a
  phone word (``phone``, ``tel``, ``mobile``, ``fax``, ``Telefon``, ``téléphone``, ``电话``, …), read in each
  of the configured regions.

A candidate is a run of digits joined by spaces, dashes, dots, slashes or parentheses; it is a phone number
only if libphonenumber says it is a *valid* number (right length and number ranges for its country, not just
a plausible length). When the whole run is not valid, trailing digit groups are dropped one by one
(``+44 20 7946 0958 2026`` is the number followed by a year). National candidates must also look like
numbers people write — nine digits or more, or a leading trunk ``0`` or ``(`` — and never like dates, clock
times or IPv4 addresses, because with several regions almost any ten digits are valid somewhere.

``phonenumbers`` is imported on the first candidate, so processes that never see one do not load it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from .words import lower_in_place, trie_pattern

__all__ = ["PhoneFinder", "DEFAULT_REGIONS", "CONTEXT_WORDS", "TRIGGER_INTERNATIONAL", "trigger_national"]

#: Regions whose national formats are read next to a phone word (ISO 3166 alpha-2, as libphonenumber names them).
DEFAULT_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "BR", "AU", "JP", "CN", "KR", "MX",
                                     "CH", "PL", "SE", "IE", "ZA")

#: Words after which a national-format number is read as a phone number. A word matches at a word start
#: (``user_phone``, ``phoneNumber`` and ``smartphone`` too: ``phone`` matches anywhere); ``tel`` and ``cell``
#: only as whole words, so ``telemetry``, ``hotel`` and ``cells`` do not count.
#: Words that another word already covers are left out (``telephone``: ``phone``; ``Telefonnummer``: ``telefon``).
CONTEXT_WORDS: tuple[str, ...] = (
    "phone", "tel", "call", "mobil", "cell", "fax", "sms", "whatsapp", "msisdn", "handy", "telefon", "rufnummer",
    "contact number", "contact no",
    "téléphone", "portable", "teléfono", "celular", "móvil", "movil", "telemóvel", "cellulare", "gsm",
    "телефон", "тел", "電話", "电话", "手机", "携帯", "전화", "هاتف",
)
_WHOLE_WORD = frozenset({"tel", "call", "cell", "gsm", "тел", "sms", "fax", "handy", "portable", "contact no"})

# Digits with at most three separator characters between them: "+44 (0) 20 7946 0958", "+1-415-555-0100".
_SEP = r"[ \-.()/]"
_INTERNATIONAL = re.compile(r"(?<![\w+/])\+ ?\(?\d(?:" + _SEP + r"{0,3}\d){6,17}")
# not inside a word, a dotted number or a percent escape ("mobile%20build%2010.0…": the 20 belongs to %20)
_NATIONAL = re.compile(r"(?<![\w.+\-%])\(?\d(?:" + _SEP + r"{0,3}\d){6,16}(?![\w])")
_GROUP_GAP = re.compile(_SEP + r"+(?=\d)")
# Shapes that are never phone numbers, whatever the metadata says.
_DATE = re.compile(r"\d{4}[\-./]\d{1,2}[\-./]\d{1,2}|\d{1,2}[\-./]\d{1,2}[\-./]\d{4}")
_IPV4_SHAPE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")

#: RE2 trigger of the international pass: every finding contains it (its candidate without the lookbehind).
TRIGGER_INTERNATIONAL = r"\+ ?\(?\d(?:" + _SEP + r"{0,3}\d){6}"
_WINDOW = 48  # characters after a phone word where a number is looked for
# Nouns between a phone word and a number that the number belongs to instead ("tel. ports 5060 5061", "mobile build
# 10.0.10528", "phone app version 20.37"): no phone number follows them.
_NUMBER_NOUNS = frozenset({"port", "ports", "build", "builds", "release", "version", "ver", "app", "apps", "model",
                           "sdk", "api", "os", "firmware", "update", "id", "ids", "count", "batch", "order", "ticket",
                           "job", "pid", "thread", "build-id"})
_WORDS_BETWEEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_MIN_DIGITS, _MAX_DIGITS = 7, 17


def trigger_national(words: Iterable[str]) -> str:
    """RE2 trigger of the national pass: the phone words, with the boundaries RE2 can express (a superset).

    The finder takes a word not preceded by a letter (``phone``: anywhere); in RE2 ``[^a-z]`` under ``(?i)``
    is "not an ASCII letter", which every non-letter and every non-ASCII letter is. Non-ASCII words go in
    bare. A whole word needs a character after it (a number follows), so ``$`` is never needed.
    """
    alts = []
    words = {w.lower() for w in words}
    bare = {w for w in words if w == "phone" or not w.isascii()}
    whole = [w for w in _WHOLE_WORD if w.isascii()]
    for w in sorted(words, key=len, reverse=True):
        if any(x != w and x in w for x in bare) or any(w.startswith(x) and not w[len(x):][:1].isascii()
                                                        for x in whole):
            continue  # another word's trigger fires on it ("téléphone": phone, "teléfono": "tel" + é, телефон: тел)
        body = re.escape(w)
        if w == "phone" or not w.isascii():
            alts.append(body)
        elif w in _WHOLE_WORD:
            alts.append(f"(?:^|[^a-z]){body}[^a-z]")
        else:
            alts.append(f"(?:^|[^a-z]){body}")
    return "(?i)" + "|".join(alts) if alts else r"[^\s\S]"


@lru_cache(maxsize=4096)
def _valid(candidate: str, region: str | None) -> bool:
    import phonenumbers  # noqa: PLC0415 - loaded on the first candidate only (~50 ms, most processes never need it)

    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(candidate, region))
    except phonenumbers.NumberParseException:
        return False


@lru_cache(maxsize=4096)
def _plausible(candidate: str) -> bool:
    """An international number written the way phone numbers are written — its digits grouped by blanks, dashes
    or parentheses, ``+1 (555) 123-4567``, ``+44 7700 900123`` — of a length its country dials: a number even
    where libphonenumber knows its range as unallocated or reserved for fiction (test data, a typo, a range
    allocated after the metadata). Bare digit runs and dotted ones (versions, build ids) still need a valid number."""
    body = candidate.lstrip("+ (")
    if "." in body or not any(c in " -()" for c in body):
        return False
    import phonenumbers  # noqa: PLC0415 - see _valid

    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return False
    return (phonenumbers.region_code_for_country_code(number.country_code) != "ZZ"
            and phonenumbers.is_possible_number_with_reason(number) == phonenumbers.ValidationResult.IS_POSSIBLE)


class PhoneFinder:
    """Find phone numbers: international ones anywhere, national ones after a phone word (see the module doc)."""

    def __init__(self, regions: Sequence[str] = DEFAULT_REGIONS, context_words: Iterable[str] = ()) -> None:
        self.regions = tuple(r.upper() for r in regions)
        words = (*CONTEXT_WORDS, *(w.strip().lower() for w in context_words if w.strip()))
        self.words = tuple(dict.fromkeys(words))
        # Words are looked for in the lower-cased text (an alternation without lookbehinds, factored as a trie:
        # far faster in Python's engine than one with a lookbehind per word); their boundaries are checked in code.
        self._words = re.compile(trie_pattern(self.words, space=" "))
        self.trigger_national = trigger_national(self.words)

    def international(self, text: str) -> list[tuple[int, int]]:
        out = []
        for m in _INTERNATIONAL.finditer(text):
            end = _longest_valid(text, m.start(), m.end(), (None,), lenient=True)
            if end:
                out.append((m.start(), end))
        return out

    def national(self, text: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        lower = lower_in_place(text)
        last = 0
        for cm in self._words.finditer(lower):
            a, b = cm.span()
            word = cm.group(0)
            if word != "phone" and a and lower[a - 1].isalpha():
                continue
            if word in _WHOLE_WORD and b < len(lower) and lower[b].isalpha():
                continue
            pos = max(b, last)
            limit = b + _WINDOW
            while (m := _NATIONAL.search(text, pos)) is not None and m.start() <= limit:
                between = text[b:m.start()]
                if "\n" in between or any(w.lower() in _NUMBER_NOUNS for w in _WORDS_BETWEEN.findall(between)):
                    break
                start, end = m.span()
                if text[start] == "(" and ")" not in text[start:end]:
                    start += 1  # "(phone 020 …" : a parenthesis that opens the prose, not an area code
                valid_end = _national_end(text, start, end, self.regions)
                if valid_end:
                    out.append((start, valid_end))
                pos = last = m.end()
                limit = pos + 16  # "phone 020 7946 0958 or 020 7946 0959": numbers listed after one word
        return out


def _national_end(text: str, start: int, end: int, regions: tuple[str, ...]) -> int:
    candidate = text[start:end]
    if _DATE.fullmatch(candidate) or _IPV4_SHAPE.fullmatch(candidate):
        return 0
    after = text[end:end + 2]
    if after[:1] == ":" and after[1:2].isdigit():  # a clock time follows: "2026-11-23 06:16:55"
        return 0
    digits = sum(c.isdigit() for c in candidate)
    if digits < 9 and candidate[0] not in "0(":
        return 0
    return _longest_valid(text, start, end, regions)


def _longest_valid(text: str, start: int, end: int, regions: Sequence[str | None], lenient: bool = False) -> int:
    """End of the longest prefix of ``text[start:end]`` made of whole digit groups that is a valid number (with
    ``lenient``, an international one may also be :func:`_plausible`), or 0."""
    cuts = [end] + [g.start() for g in reversed(list(_GROUP_GAP.finditer(text, start, end)))]
    for cut in cuts:
        candidate = text[start:cut].rstrip(" -./(")
        digits = sum(c.isdigit() for c in candidate)
        if digits < _MIN_DIGITS:
            return 0
        if digits > _MAX_DIGITS:
            continue
        if any(_valid(candidate, region) for region in regions) or (lenient and _plausible(candidate)):
            return start + len(candidate)
    return 0
