"""National identity numbers, each read in the shape its country writes it and kept only if its check digits agree.

* UK NINO: two prefix letters from HMRC's allowed sets (never ``D F I Q U V`` first or second, ``O`` second,
  nor the unused pairs ``BG GB KN NK NT TN ZZ``), six digits, a suffix ``A``–``D`` — spaced as written on the
  card (``QQ 12 34 56 C``) or not; a word of its own.
* US SSN written as nine digits or with spaces (``123456789``, ``123 45 6789``): only shortly after an SSN
  word (``SSN``, ``social security``), and never in the ranges the SSA does not issue (area ``000``, ``666``,
  ``9xx``; group ``00``; serial ``0000``). The dashed form ``123-45-6789`` is the digit pass's, anywhere.
* The ids of :data:`NATIONAL_IDS` (UK NHS, Spanish DNI/NIE, Aadhaar, CPF, CNPJ, Canadian SIN, Dutch BSN, PESEL,
  Italian codice fiscale, Singapore NRIC/FIN, Australian TFN and Medicare, Chinese resident id, French NIR,
  German Steuer-ID), each its own detector. An id that is a plain run of digits (``9434765919``,
  ``346 157 514``) is read only shortly after a word naming it (``NHS no.``, ``SIN``, ``Aadhaar``, ``BSN``,
  ``PESEL``, in the local language too): nine or ten digits with a valid check digit are everywhere (one
  number in ten passes a Luhn or Verhoeff check). Shapes that say what they are — ``724.456.044-35``,
  ``65458358J``, ``RSSMRA85T10A562S``, ``S1234567D`` — are read anywhere. The check digit is always verified,
  and so are the dates and ranges an id encodes (PESEL's and the Chinese id's birth dates, NIR's month).
* Read the same way, though no national id: a US ITIN (``9XX-7X-XXXX``, the IRS's group ranges; dashed anywhere,
  digits alone after ``ITIN``/``taxpayer``), a device's IMEI (15 digits with a Luhn sum, or an IMEISV's 16, only
  after ``IMEI``/``device id``: a bare digit run is an order number) and a passport number (6–9 capitals and
  digits, at least one digit, only after ``passport``, ``Reisepass``, ``passeport``, ``pasaporte``, ``护照``, …);
  a Russian internal passport's series and number (``45 06 123456``, ``4506 № 123456``: a region code that is not
  ``00``, the year of issue, six digits) only after ``паспорт`` (``паспорта``, ``паспорте`` …) or ``серия``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from .words import lower_in_place, trie_pattern

__all__ = ["find_nino", "find_ssn_in_context", "ssn_valid", "TRIGGER_NINO", "TRIGGER_SSN_CONTEXT", "NATIONAL_IDS",
           "NationalId", "FINDERS"]

_NINO = re.compile(r"(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
                   r"( ?)\d{2}\1\d{2}\1\d{2}\1[A-D](?![A-Za-z0-9])")
#: RE2 trigger: the NINO shape without its boundaries and backreference (RE2 has neither).
TRIGGER_NINO = r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d\d ?\d\d ?\d\d ?[A-D]"

_SSN_WORD = re.compile(r"(?i)(?<![a-z])(?:ssns?|social[ _\-]?security(?:[ _\-]?(?:number|no|nr|num))?)(?![a-z])")
_SSN_DIGITS = re.compile(r"(?<![\w\-.])(\d{3})([ ]?)(\d{2})\2(\d{4})(?![\w\-]|\.\d)")
_WINDOW = 24
#: RE2 trigger: an SSN word (a superset: the boundaries are checked by the finder).
TRIGGER_SSN_CONTEXT = r"(?i)ssn|social[ _\-]?security"


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """Not in a range the SSA never issues."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def find_nino(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _NINO.finditer(text)]


def find_ssn_in_context(text: str) -> list[tuple[int, int]]:
    out = []
    for w in _SSN_WORD.finditer(text):
        m = _SSN_DIGITS.search(text, w.end())
        if m is None or m.start() - w.end() > _WINDOW or "\n" in text[w.end():m.start()]:
            continue
        if ssn_valid(m.group(1), m.group(3), m.group(4)):
            out.append(m.span())
    return out


# -- check digits ------------------------------------------------------------------------------------------------
def _digits(s: str) -> list[int]:
    return [ord(c) - 48 for c in s]


def _weighted(s: str, weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(_digits(s), weights, strict=False))


def _luhn(s: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(_digits(s))):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_VERHOEFF_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
               [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
               [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
               [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VERHOEFF_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]]
for _ in range(6):
    _VERHOEFF_P.append([_VERHOEFF_P[-1][x] for x in _VERHOEFF_P[1]])


def _repeated(s: str) -> bool:
    return s == s[0] * len(s)  # 000.000.000-00, 111111111: pass most checks, issued to nobody


def nhs_valid(s: str) -> bool:
    """NHS number: mod 11 over weights 10..2; a remainder giving check 10 is never issued."""
    check = 11 - _weighted(s, (10, 9, 8, 7, 6, 5, 4, 3, 2)) % 11
    return check != 10 and check % 11 == ord(s[9]) - 48 and not _repeated(s)


def dni_valid(s: str) -> bool:
    """DNI (8 digits) or NIE (X/Y/Z + 7 digits): the letter is the number mod 23."""
    number = str("XYZ".index(s[0])) + s[1:8] if s[0] in "XYZ" else s[:8]
    return "TRWAGMYFPDXBNJZSQVHLCKE"[int(number) % 23] == s[8]


def aadhaar_valid(s: str) -> bool:
    """Aadhaar: 12 digits, never starting with 0 or 1, Verhoeff-checked."""
    c = 0
    for i, d in enumerate(reversed(_digits(s))):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][d]]
    return c == 0 and s[0] not in "01"


def itin_valid(s: str) -> bool:
    """US ITIN: area 9xx and a group the IRS issues (50–65, 70–88, 90–92, 94–99); the rest is an SSN's shape."""
    group = int(s[3:5])
    return (s[0] == "9" and (50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or group >= 94)
            and s[5:] != "0000")


def imei_valid(s: str) -> bool:
    """IMEI: 15 digits with a Luhn check digit; an IMEISV (16 digits) carries a software version instead."""
    return not _repeated(s) and (len(s) == 16 or _luhn(s))


def passport_valid(s: str) -> bool:
    """A passport number (no check any country shares): at least one digit, not one character repeated."""
    return any(c.isdigit() for c in s) and not _repeated(s)


def ru_passport_valid(s: str) -> bool:
    """A Russian internal passport: series (an OKATO region code, never 00, and the year of issue), then six digits
    (no check digit: the word is the evidence)."""
    s = "".join(c for c in s if c.isdigit())
    return len(s) == 10 and s[:2] != "00" and not _repeated(s[4:])


def _mod11_digit(s: str, weights: tuple[int, ...]) -> int:
    r = _weighted(s, weights) % 11
    return 0 if r < 2 else 11 - r


def cpf_valid(s: str) -> bool:
    """CPF: two mod-11 check digits over weights 10..2 and 11..2."""
    return (not _repeated(s) and _mod11_digit(s[:9], (10, 9, 8, 7, 6, 5, 4, 3, 2)) == ord(s[9]) - 48
            and _mod11_digit(s[:10], (11, 10, 9, 8, 7, 6, 5, 4, 3, 2)) == ord(s[10]) - 48)


def cnpj_valid(s: str) -> bool:
    """CNPJ (numeric or, since 2026, alphanumeric): two mod-11 check digits over weights 5..2,9..2 and 6..2,9..2."""
    return (not _repeated(s) and _mod11_digit(s[:12], (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)) == ord(s[12]) - 48
            and _mod11_digit(s[:13], (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)) == ord(s[13]) - 48)


def sin_valid(s: str) -> bool:
    """Canadian SIN: Luhn; 0 and 8 are no province's first digit."""
    return s[0] not in "08" and _luhn(s)


def bsn_valid(s: str) -> bool:
    """Dutch BSN: the 11-proof (weights 9..2 and -1)."""
    return not _repeated(s) and (_weighted(s, (9, 8, 7, 6, 5, 4, 3, 2)) - (ord(s[8]) - 48)) % 11 == 0


def _is_date(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def pesel_valid(s: str) -> bool:
    """PESEL: weights 1,3,7,9 and a birth date whose month carries the century (+80 1800s, +20 2000s, …)."""
    if (10 - _weighted(s, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10) % 10 != ord(s[10]) - 48:
        return False
    month = int(s[2:4])
    century = {0: 1900, 4: 2100, 6: 2200, 8: 1800, 2: 2000}[(month // 20) * 2]
    return _is_date(century + int(s[:2]), month % 20, int(s[4:6]))


_CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8,
                    12, 14, 16, 10, 22, 25, 24, 23), strict=True))
_CF_OMOCODE = str.maketrans("LMNPQRSTUV", "0123456789")  # digits a duplicate code replaced with letters


def fiscal_code_valid(s: str) -> bool:
    """Codice fiscale: the check letter of the odd/even tables, and a birth day of its month (women: +40)."""
    total = sum(_CF_ODD[c] if i % 2 == 0 else (ord(c) - 48 if c.isdigit() else ord(c) - 65)
                for i, c in enumerate(s[:15]))
    month, day = "ABCDEHLMPRST".find(s[8]) + 1, s[9:11].translate(_CF_OMOCODE)
    return (chr(65 + total % 26) == s[15] and month > 0 and day.isdigit()
            and _is_date(2000, month, int(day) % 40))  # 2000: a leap year


def nric_valid(s: str) -> bool:
    """Singapore NRIC/FIN (S, T, F, G series): weights 2,7,6,5,4,3,2, +4 for the 2000s series, a check letter."""
    r = (_weighted(s[1:8], (2, 7, 6, 5, 4, 3, 2)) + (4 if s[0] in "TG" else 0)) % 11
    return ("JZIHGFEDCBA" if s[0] in "ST" else "XWUTRQPNMLK")[r] == s[8]


def tfn_valid(s: str) -> bool:
    """Australian TFN (nine digits): weights 1,4,3,7,5,8,6,9,10, mod 11."""
    return not _repeated(s) and _weighted(s, (1, 4, 3, 7, 5, 8, 6, 9, 10)) % 11 == 0


def medicare_valid(s: str) -> bool:
    """Australian Medicare card: first digit 2–6, the ninth digit the weighted sum mod 10, issue number 1–9."""
    return (s[0] in "23456" and _weighted(s, (1, 3, 7, 9, 1, 3, 7, 9)) % 10 == ord(s[8]) - 48
            and s[9] != "0")


def china_id_valid(s: str) -> bool:
    """Chinese resident id: a birth date and ISO 7064 MOD 11-2."""
    check = "10X98765432"[_weighted(s[:17], (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)) % 11]
    return check == s[17] and _is_date(int(s[6:10]), int(s[10:12]), int(s[12:14]))


def nir_valid(s: str) -> bool:
    """French NIR (numéro de sécurité sociale): sex, month, and the key 97 − number mod 97 (Corsica: 2A/2B)."""
    month = int(s[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        return False
    body = s[:5] + {"2A": "19", "2B": "18"}.get(s[5:7], s[5:7]) + s[7:13]
    return body.isdigit() and 97 - int(body) % 97 == int(s[13:15])


def steuer_id_valid(s: str) -> bool:
    """German Steuer-ID: ISO 7064 MOD 11,10, and one digit of the first ten repeated (twice or three times)."""
    product = 10
    for d in _digits(s[:10]):
        total = (d + product) % 10 or 10
        product = total * 2 % 11
    check = 11 - product
    counts = sorted((s[:10].count(c) for c in set(s[:10])), reverse=True)
    return (0 if check == 10 else check) == ord(s[10]) - 48 and counts[0] in (2, 3) and counts[1:2] == [1]


# -- the detectors ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NationalId:
    """One national id: how it is written, its check, and the words that name it.

    ``written`` is read within :data:`WINDOW` characters after one of ``words`` (with no other number between);
    ``anywhere``, a shape that says what it is, is read without one. Lower-case words match in any case;
    a word with a capital (an acronym that is also a word: ``SIN``, ``NAS``) only as written or in capitals.
    Words match at a word start and end (``nhs_number``: ``nhs``); a word ending in ``*`` is a prefix
    (``steuer*``: ``Steuer-ID``, ``Steueridentifikationsnummer``). ``trigger`` is the RE2 shape of ``anywhere``.
    """

    detector: str
    valid: Callable[[str], bool]  # on the id with its separators removed, upper-cased
    written: str
    words: tuple[str, ...] = ()
    anywhere: str = ""
    trigger: str = ""
    example: str = ""  # a valid id as written (tests and docs)
    digit_after: bool = True  # its first or second character is a digit (not a codice fiscale's letters)

    def compile(self) -> NationalIdFinder:
        return NationalIdFinder(self)


_D = "[0-9]"
_AN = "[0-9A-Z]"
_SEP = "[ .\\-]?"
# not inside a word, a dotted or dashed number; the id ends a word (a sentence's "." may follow)
_BEFORE = r"(?<![\w.\-/])"
_AFTER = r"(?![\w\-/]|[.,]\d)"
_CF = "[0-9LMNPQRSTUV]"  # a codice fiscale digit (or the letter that replaced it)
_CF_SHAPE = f"[A-Z]{{6}}{_CF}{{2}}[ABCDEHLMPRST]{_CF}{{2}}[A-Z]{_CF}{{3}}[A-Z]"

#: The national ids, in the order their passes run. The detector names are the policy's.
NATIONAL_IDS: tuple[NationalId, ...] = (
    NationalId("uk_nhs", nhs_valid, rf"{_D}{{3}}([ \-]?){_D}{{3}}\1{_D}{{4}}",
               ("nhs", "nhs-nummer", "chi"), example="943 476 5919"),
    NationalId("es_dni", dni_valid, r"(?i:[0-9]{8}|[XYZ][0-9]{7})[ \-]?(?i:[A-Z])",
               ("dni", "nif", "nie", "documento", "document nacional"),
               anywhere=r"(?:[0-9]{8}|[XYZ][0-9]{7})-?[A-HJ-NP-TV-Z]",
               trigger=r"[0-9XYZ][0-9]{7}-?[A-HJ-NP-TV-Z]", example="65458358J"),
    NationalId("in_aadhaar", aadhaar_valid, rf"[2-9]{_D}{{3}}([ \-]?){_D}{{4}}\1{_D}{{4}}",
               ("aadhaar", "aadhar", "uidai", "आधार"), example="2345 6789 0124"),
    NationalId("br_cpf", cpf_valid, rf"{_D}{{3}}\.?{_D}{{3}}\.?{_D}{{3}}[\-.]?{_D}{{2}}", ("cpf",),
               anywhere=rf"{_D}{{3}}\.{_D}{{3}}\.{_D}{{3}}-{_D}{{2}}", trigger=r"\d{3}\.\d{3}\.\d{3}-\d\d",
               example="724.456.044-35"),
    # since July 2026 the first twelve characters may be letters too (12.ABC.345/01DE-35): a letter counts its code
    # point minus 48 in the same sums
    NationalId("br_cnpj", cnpj_valid, rf"{_AN}{{2}}\.?{_AN}{{3}}\.?{_AN}{{3}}/?{_AN}{{4}}-?{_D}{{2}}", ("cnpj",),
               anywhere=rf"{_AN}{{2}}\.{_AN}{{3}}\.{_AN}{{3}}/{_AN}{{4}}-{_D}{{2}}",
               trigger=r"[0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{3}/[0-9A-Z]{4}-\d\d", example="11.222.333/0001-81"),
    NationalId("ca_sin", sin_valid, rf"{_D}{{3}}([ \-]?){_D}{{3}}\1{_D}{{3}}",
               ("SIN", "NAS", "social insurance", "assurance sociale"), example="130 692 544"),
    NationalId("nl_bsn", bsn_valid, rf"{_D}{{4}}\.{_D}{{2}}\.{_D}{{3}}|{_D}{{3}}([ .]?){_D}{{3}}\1{_D}{{3}}",
               ("bsn", "burgerservicenummer", "sofinummer", "sofi-nummer"), example="1112.22.333"),
    NationalId("pl_pesel", pesel_valid, rf"{_D}{{11}}", ("pesel",), example="44051401359"),
    NationalId("it_fiscal_code", fiscal_code_valid, f"(?i:{_CF_SHAPE})", ("codice fiscale",),
               anywhere=_CF_SHAPE, trigger=_CF_SHAPE, example="RSSMRA85T10A562S", digit_after=False),
    NationalId("sg_nric", nric_valid, r"(?i:[STFG][0-9]{7}[A-Z])", ("nric", "fin"),
               anywhere=r"[STFG][0-9]{7}[A-Z]", trigger=r"[STFG][0-9]{7}[A-Z]", example="S1234567D"),
    NationalId("au_tfn", tfn_valid, rf"{_D}{{3}}([ \-]?){_D}{{3}}\1{_D}{{3}}", ("tfn", "tax file"),
               example="123 456 782"),
    NationalId("au_medicare", medicare_valid, rf"[2-6]{_D}{{3}}[ \-]?{_D}{{5}}[ \-]?{_D}", ("medicare",),
               example="2123 45670 1"),
    NationalId("cn_resident_id", china_id_valid, rf"[1-9]{_D}{{16}}[0-9Xx]",
               ("身份证", "身份證", "公民身份", "resident id", "resident identity"), example="11010519491231002X"),
    NationalId("fr_nir", nir_valid,
               rf"[1-478] ?{_D}{{2}} ?{_D}{{2}} ?(?:{_D}{{2}}|2[ABab]) ?{_D}{{3}} ?{_D}{{3}} ?{_D}{{2}}",
               ("nir", "sécurité sociale", "securite sociale", "sécu", "insee", "numéro de ss"),
               anywhere=rf"[1-478] {_D}{{2}} {_D}{{2}} (?:{_D}{{2}}|2[AB]) {_D}{{3}} {_D}{{3}} {_D}{{2}}",
               trigger=r"[1-478] \d\d \d\d (?:\d\d|2[AB]) \d{3} \d{3} \d\d", example="2 55 08 14 168 025 38"),
    NationalId("de_tax_id", steuer_id_valid, rf"[1-9]{_D}(?: ?{_D}{{3}}){{3}}",
               ("steuer*", "idnr", "identifikationsnummer", "tax id"), example="86 095 742 719"),
    NationalId("us_itin", itin_valid, rf"9{_D}{{2}}([ \-]?){_D}{{2}}\1{_D}{{4}}", ("itin", "taxpayer"),
               anywhere=rf"9{_D}{{2}}-{_D}{{2}}-{_D}{{4}}", trigger=r"9\d\d-[5-9]\d-\d{4}", example="912-75-1234"),
    NationalId("imei", imei_valid, rf"{_D}{{2}}([ \-]?){_D}{{6}}\1{_D}{{6}}\1{_D}|{_D}{{16}}",
               ("imei", "imeisv", "device id"), example="49-015420-323751-8"),
    # capitals only ("passport took 1234ms" is no number); the word is the whole evidence, so its trigger is the word
    NationalId("passport", passport_valid, r"(?=[A-Z]*[0-9])[A-Z0-9]{6,9}",
               ("passport", "reisepass*", "passeport", "pasaporte", "passaporto", "paspoort", "паспорт", "护照",
                "パスポート"), example="912345678", digit_after=False),
    # series "45 06" (or "4506"), then "№"/"N"/"номер" or nothing, then the number
    NationalId("ru_passport", ru_passport_valid,
               rf"{_D}{{2}} ?{_D}{{2}} ?(?:(?:№|N|номер) ?)?{_D}{{6}}", ("паспорт", "серия"), example="45 06 123456"),
)

#: Characters after a word where its id is looked for; no other number, and no line break, may come between.
WINDOW = 32
_SEPARATORS = re.compile(r"[ .\-/]")


class NationalIdFinder:
    """Find one :class:`NationalId` in text (see the module doc); ``trigger`` is its pass's RE2 trigger."""

    def __init__(self, spec: NationalId) -> None:
        self.spec = spec
        self.detector = spec.detector
        self._written = re.compile(_BEFORE + f"(?:{spec.written})" + _AFTER)
        self._anywhere = re.compile(_BEFORE + f"(?:{spec.anywhere})" + _AFTER) if spec.anywhere else None
        words = [w.rstrip("*") for w in spec.words]
        self._prefix = frozenset(w.rstrip("*").lower() for w in spec.words if w.endswith("*"))
        self._exact = frozenset(w for w in words if w != w.lower())  # as written or in capitals
        self._exact_lower = frozenset(w.lower() for w in self._exact)
        self._exact_forms = self._exact | {w.upper() for w in self._exact}
        self._words = re.compile(trie_pattern({w.lower() for w in words}, space="[ _\\-]?")) if words else None
        self.trigger = "|".join(_word_triggers(words, self._exact, self._prefix, spec.digit_after)
                                + ([spec.trigger] if spec.trigger else [])) or r"[^\s\S]"
        # the pure-Python gate: a word's first part ("device_id" holds no "device id", but its "device")
        self.gate_words = tuple(w.lower().split(" ")[0] for w in words)

    def find(self, text: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        if self._anywhere is not None:
            for m in self._anywhere.finditer(text):
                if self.spec.valid(_compact(m.group(0))):
                    out.append(m.span())
        if self._words is not None:
            lower = lower_in_place(text)
            for w in self._words.finditer(lower):
                a, b = w.span()
                word = lower[a:b]
                if not self._word_ok(text, a, b, word):
                    continue
                m = self._written.search(text, b, b + WINDOW + 40)
                if m is None or m.start() - b > WINDOW:
                    continue
                between = text[b:m.start()]
                if "\n" in between or any(c.isdigit() for c in between):
                    continue
                if self.spec.valid(_compact(m.group(0))) and m.span() not in out:
                    out.append(m.span())
        return out

    def _word_ok(self, text: str, a: int, b: int, word: str) -> bool:
        """A word of its own: no letter before it, no lower-case letter after it ("nirvana"; "cpfNumber" is a key)
        unless it is a prefix word; an acronym as written or in capitals. Words of other scripts: anywhere."""
        if not word.isascii():
            return True
        if a and text[a - 1].isalpha():
            return False
        if word in self._exact_lower and text[a:b] not in self._exact_forms:
            return False
        return word in self._prefix or b == len(text) or not text[b].islower()


def _compact(written: str) -> str:
    return _SEPARATORS.sub("", written).upper()


def _covers(u: str, w: str) -> bool:
    """Word ``u`` stands in ``w`` as the finder would take it (no letter before, no lower-case letter after):
    ``nhs`` in ``nhs-nummer``, not ``resident id`` in ``resident identity``."""
    return any((not i or not w[i - 1].isalpha()) and not w[i + len(u):i + len(u) + 1].islower()
               for i in range(len(w)) if w.startswith(u, i))


def _word_triggers(words: list[str], exact: frozenset[str], prefix: frozenset[str], digit_after: bool) -> list[str]:
    """RE2 branches for the words: each with what the finder needs around it, so prose that merely holds the letters
    ("machine", "final", "unified") runs no pass: after an ASCII word no lower-case letter (but after a prefix
    word), then the id's first digit within the window, with no digit or line break between. Each branch starts
    with its word, a literal (the finder's "no letter before it" as a leading class would keep RE2's DFA states
    alive at every position: 10% more instructions per benign line, measured with callgrind).
    (RE2 reads ``[^a-z]`` outside ``(?i)`` as the finder does: capitals may follow, "cpfNumber".) A word that
    another word of the id stands in adds no branch ("nhs-nummer": "nhs" fires on it)."""
    def body(w: str) -> str:
        return "[ _\\-]?".join(re.escape(part) for part in w.split(" "))

    ascii_words = [w for w in words if w.isascii() and w not in prefix]
    kept = [w for w in ascii_words if not any(u != w and _covers(u, w.lower()) for u in ascii_words if u not in exact)]
    cased = "|".join([body(w) for w in kept if w in exact] + [body(w.upper()) for w in kept if w in exact
                                                                and w != w.upper()])
    caseless = "|".join(body(w) for w in kept if w not in exact)
    after = rf"(?:[^a-z0-9\n][^0-9\n]{{0,{WINDOW}}})?[0-9]" if digit_after else ""
    branches = []
    if cased or caseless:
        alts = "|".join(x for x in (cased, f"(?i:{caseless})" if caseless else "") if x)
        branches.append(f"(?:{alts}){after}")
    tail = rf"[^0-9\n]{{0,{WINDOW + 1}}}[0-9]" if digit_after else ""
    if prefix:
        branches.append(f"(?i:{'|'.join(body(w) for w in sorted(prefix))}){tail}")
    other = [w for w in words if not w.isascii()]
    other = [w for w in other if not any(u != w and u in w.lower() for u in other)]
    if other:
        branches.append(f"(?i:{'|'.join(body(w) for w in other)}){tail}")
    return branches


#: One finder per id, compiled once (the scanner picks the enabled ones).
FINDERS: tuple[NationalIdFinder, ...] = tuple(n.compile() for n in NATIONAL_IDS)
