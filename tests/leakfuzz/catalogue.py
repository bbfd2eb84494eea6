"""The catalogue of secret kinds: each a generator of random *valid* instances, marked with its claim.

A detector must really validate to pass: card numbers carry a correct Luhn digit and a real IIN
range, IBANs correct mod-97 check digits and registered lengths, SSNs allocatable areas, JWTs
base64url JSON, vendor keys the prefixes and lengths the vendors issue. Each kind says what the
product claims for it (:data:`~leakfuzz.samples.CLAIMS`): ``default`` (the README's default preset
catches it today), ``#15`` (structure) or ``#16`` (detector breadth). Add kinds here as detectors
land — a new kind is covered by every carrier and encoding on the next run.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import random
import re
from collections.abc import Callable

from .samples import ALNUM, B64, B64URL, HEX, Kind, Sample, fragments, mixed, person, rand, uuid

# -- payment cards --------------------------------------------------------------------------------
#: network -> [(IIN prefix or (low, high) range of a 4-digit/3-digit prefix, length), ...]
NETWORKS: dict[str, list[tuple[str | tuple[int, int], int]]] = {
    "visa": [("4", 16), ("4", 13), ("4", 19)],
    "mastercard": [((51, 55), 16)],
    "mastercard2": [((2221, 2720), 16)],
    "amex": [("34", 15), ("37", 15)],
    "discover": [("6011", 16), ((644, 649), 16), ("65", 16), ("6011", 19)],
    "jcb": [((3528, 3589), 16), ((3528, 3589), 19)],
    "maestro": [("5018", 16), ("5020", 16), ("5038", 16), ("5893", 16), ("5018", 19)],
    "maestro6": [("6304", 16), ("6759", 16), ((6761, 6763), 16), ("6304", 19)],
    "unionpay": [("62", 16), ("62", 17), ("62", 18), ("62", 19)],
    "mir": [((2200, 2204), 16)],
    "diners": [("36", 14), ((300, 305), 14), ("38", 16)],
}
ASCII_SEPARATORS = ("", " ", "-")
UNICODE_SEPARATORS = ("\u00a0", "\u2009", "\u202f", "\u2007", "\u3000", "\u2013", "\u2012", "\u2010", "\u2212",
                      "\u2014", "\u2011")


def luhn_complete(partial: str) -> str:
    """``partial`` plus the check digit that makes it Luhn-valid."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return partial + str((10 - total % 10) % 10)


def card_digits(rng: random.Random, network: str) -> str:
    prefix, length = rng.choice(NETWORKS[network])
    if isinstance(prefix, tuple):
        prefix = str(rng.randint(*prefix))
    return luhn_complete(prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1)))


def card_groups(digits: str) -> list[str]:
    n = len(digits)
    sizes = {15: (4, 6, 5), 14: (4, 6, 4)}.get(n) or tuple([4] * (n // 4) + ([n % 4] if n % 4 else []))
    out, i = [], 0
    for s in sizes:
        out.append(digits[i:i + s])
        i += s
    return out


def _card_needles(digits: str) -> tuple[str, ...]:
    # The whole number, and every run of 12 digits: more than PCI's first six + last four may never show.
    return (digits, *{digits[i:i + 12] for i in range(len(digits) - 11)})


def card(network: str | None, separators: tuple[str, ...], fullwidth: bool = False) -> Callable:
    def make(rng: random.Random) -> Sample:
        digits = card_digits(rng, network or rng.choice(sorted(NETWORKS)))
        written = rng.choice(separators).join(card_groups(digits))
        if fullwidth:
            written = written.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
        word = rng.choice(("card", "pan", "card number", "paid with", "cc"))
        return Sample("", "payment.card", written, f"{word} {written}", _card_needles(digits))
    return make


# -- IBANs ----------------------------------------------------------------------------------------
#: country -> BBAN shape (n digit, a upper letter, c alphanumeric), per the ISO 13616 registry
IBAN_SHAPES = {"DE": "18n", "GB": "4a14n", "FR": "10n11c2n", "ES": "20n", "IT": "1a10n12c", "NL": "4a10n",
               "BE": "12n", "CH": "5n12c", "PL": "24n", "AT": "16n", "IE": "4a14n", "SE": "20n", "PT": "21n",
               "NO": "11n"}


def _bban(rng: random.Random, shape: str) -> str:
    import re
    out = ""
    for count, cls in re.findall(r"(\d+)([nac])", shape):
        alphabet = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
        out += rand(rng, int(count), alphabet[cls])
    return out


def iban_compact(rng: random.Random, country: str | None = None) -> str:
    country = country or rng.choice(sorted(IBAN_SHAPES))
    bban = _bban(rng, IBAN_SHAPES[country])
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def iban(lower: bool, spaced: bool = True) -> Callable:
    def make(rng: random.Random) -> Sample:
        compact = iban_compact(rng)
        written = " ".join(compact[i:i + 4] for i in range(0, len(compact), 4)) if spaced else compact
        if lower:
            written = written.lower()
        return Sample("", "payment.iban", written, f"IBAN {written}", (compact, compact[4:]))
    return make


# -- e-mail ---------------------------------------------------------------------------------------
DOMAINS = ("example.org", "mail.example.com", "corp.example.co.uk", "gmail.com", "outlook.example", "shop.example")
#: (first names, surnames, a letter alphabet for a unique tail, domains): local parts wholly in the script,
#: so the address is either found whole or not at all (an ASCII tail would let a detector take half of it)
NON_ASCII = {
    "idn": (("jürgen", "zoë", "josé", "françois", "björn", "søren", "łukasz", "müge"),
            ("müller", "lefèvre", "núñez", "çelik", "ødegård"), "äöüéèçñøå",
            ("bücher.de", "müller.example", "café.fr", "société.example", "exämple.se", "købmand.dk")),
    "cyrillic": (("иван", "мария", "олександр", "дмитрий"), ("петров", "иванова", "шевченко"),
                 "абвгдежзийклмнопрстуфхцчшщэюя", ("почта.рф", "mail.ru", "приклад.укр", "yandex.ru")),
    "cjk": (("用户", "山田", "김민수", "さくら", "王伟"), ("太郎", "花子", "영희"), "あいうえおかきくけこ用户山田",
            ("例子.中国", "example.jp", "예시.한국", "メール.jp", "qq.com")),
}


def email(style: str) -> Callable:
    def make(rng: random.Random) -> Sample:
        if style == "ascii":
            local, domain = person(rng), rng.choice(DOMAINS)
        elif style == "tagged":
            local, domain = f"{person(rng)}+{rng.choice(('news', 'shop', 'x1', 'billing'))}", rng.choice(DOMAINS)
        elif style == "mixed_case":
            local, domain = person(rng).title(), rng.choice(DOMAINS).upper()
        else:
            firsts, lasts, letters, domains = NON_ASCII[style]
            local = f"{rng.choice(firsts)}.{rng.choice(lasts)}{rand(rng, 3, letters)}"
            domain = rng.choice(domains)
        address = f"{local}@{domain}"
        base = local.split("+")[0]
        return Sample("", "contact.email", address, f"contact {address}", (address, base))
    return make


# -- national ids ---------------------------------------------------------------------------------
def _ssn(rng: random.Random) -> tuple[str, str, str]:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}", f"{rng.randint(1, 99):02d}", f"{rng.randint(1, 9999):04d}"


def ssn_dashed(rng: random.Random) -> Sample:
    a, g, s = _ssn(rng)
    return Sample("", "customer.tax_id", f"{a}-{g}-{s}", f"SSN {a}-{g}-{s}", (f"{a}-{g}-{s}", f"{a}{g}{s}"))


def ssn_context(rng: random.Random) -> Sample:
    a, g, s = _ssn(rng)
    word = rng.choice(("SSN", "ssn:", "social security number", "SSN#"))
    return Sample("", "customer.tax_id", f"{a}{g}{s}", f"{word} {a}{g}{s}", (f"{a}{g}{s}",))


def uk_nino(rng: random.Random) -> Sample:
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice([c for c in "ABCEGHJKLMNPRSTWXYZ" if first + c not in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ")])
    digits = rand(rng, 6, "0123456789")
    value = f"{first}{second}{digits}{rng.choice('ABCD')}"
    written = value if rng.random() < 0.5 else f"{value[:2]} {digits[:2]} {digits[2:4]} {digits[4:]} {value[-1]}"
    return Sample("", "customer.tax_id", written, f"NI number {written}", (value,))


def _verhoeff_check(digits: str) -> str:
    """The Verhoeff check digit (Aadhaar)."""
    d = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
         [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
         [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
         [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
    p = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]]
    for _ in range(6):
        p.append([p[-1][x] for x in p[1]])
    inv = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]
    c = 0
    for i, ch in enumerate(reversed(digits + "0")):
        c = d[c][p[i % 8][int(ch)]]
    return str(inv[c])


def national_id(scheme: str) -> Callable:
    """The national ids Presidio recognises beyond SSN and NINO: a valid number (its own check digits) written
    the national way, next to its name."""
    def make(rng: random.Random) -> Sample:
        if scheme == "uk_nhs":
            while True:
                body = rng.choice("3456789") + rand(rng, 8, "0123456789")
                check = 11 - sum(int(c) * (10 - i) for i, c in enumerate(body)) % 11
                if check != 10:
                    compact = body + str(check % 11)
                    break
            written = rng.choice((compact, f"{compact[:3]} {compact[3:6]} {compact[6:]}"))
            word = rng.choice(("NHS number", "NHS no.", "nhs_number:"))
        elif scheme == "es_dni":
            n = rng.randint(10_000_000, 99_999_999)
            if rng.random() < 0.3:  # NIE: X/Y/Z stand for 0/1/2
                lead = rng.randint(0, 2)
                n = int(f"{lead}{n % 10_000_000:07d}")
                compact = f"{'XYZ'[lead]}{n % 10_000_000:07d}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"
            else:
                compact = f"{n:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"
            written = rng.choice((compact, f"{compact[:-1]}-{compact[-1]}"))
            word = rng.choice(("DNI", "NIF", "NIE", "documento"))
        elif scheme == "in_aadhaar":
            body = rng.choice("23456789") + rand(rng, 10, "0123456789")
            compact = body + _verhoeff_check(body)
            written = rng.choice((compact, f"{compact[:4]} {compact[4:8]} {compact[8:]}"))
            word = rng.choice(("Aadhaar", "aadhaar no", "UIDAI number"))
        elif scheme == "br_cpf":
            digits = [rng.randint(0, 9) for _ in range(9)]
            for n in (10, 11):
                r = sum(d * (n - i) for i, d in enumerate(digits)) * 10 % 11
                digits.append(r % 10)
            compact = "".join(map(str, digits))
            written = rng.choice((compact, f"{compact[:3]}.{compact[3:6]}.{compact[6:9]}-{compact[9:]}"))
            word = rng.choice(("CPF", "cpf:", "CPF nº"))
        elif scheme == "ru_passport":  # no check digit: a region code (not 00), the year of issue, six digits
            number = str(rng.choice([n for n in (rng.randint(100000, 999999) for _ in range(2)) if len(set(str(n))) > 1]
                                    or [123457]))
            compact = f"{rng.randint(1, 99):02d}{rng.randint(0, 99):02d}{number}"
            written = rng.choice((f"{compact[:2]} {compact[2:4]} {compact[4:]}", f"{compact[:4]} {compact[4:]}",
                                  f"{compact[:4]} № {compact[4:]}"))
            word = rng.choice(("паспорт", "паспорт РФ:", "паспорта", "серия"))
        else:  # ca_sin: Luhn, not starting with 0 or 8
            compact = luhn_complete(rng.choice("1234567") + rand(rng, 7, "0123456789"))
            written = rng.choice((compact, f"{compact[:3]} {compact[3:6]} {compact[6:]}", f"{compact[:3]}-{compact[3:6]}-{compact[6:]}"))
            word = rng.choice(("SIN", "social insurance number", "NAS"))
        return Sample("", "customer.national_id", written, f"{word} {written}", (compact,))
    return make


def _complete(rng: random.Random, body: Callable[[], str], valid: Callable[[str], bool], tail: int = 1) -> str:
    """A random body completed by the ``tail`` check digits ``valid`` (python-stdnum's check) accepts."""
    while True:
        b = body()
        ends = [f"{i:0{tail}d}" for i in range(10 ** tail) if valid(b + f"{i:0{tail}d}")]
        if ends:
            return b + rng.choice(ends)


def national_id_checked(rng: random.Random) -> Sample:
    """The other national ids with a check digit (Presidio's and Sentry Relay's recognisers): one random scheme per
    sample, valid by python-stdnum (an implementation independent of ours), written the national way by its name."""
    from stdnum.au import tfn
    from stdnum.br import cnpj
    from stdnum.cn import ric
    from stdnum.de import idnr
    from stdnum.fr import nir
    from stdnum.it import codicefiscale
    from stdnum.nl import bsn
    from stdnum.pl import pesel

    digits = lambda n: rand(rng, n, "0123456789")  # noqa: E731
    scheme = rng.choice(("nl_bsn", "pl_pesel", "it_fiscal_code", "sg_nric", "au_tfn", "au_medicare", "cn_resident_id",
                         "fr_nir", "de_tax_id", "br_cnpj"))
    if scheme == "nl_bsn":
        compact = _complete(rng, lambda: rng.choice("123456789") + digits(7), bsn.is_valid)
        written = rng.choice((compact, f"{compact[:4]}.{compact[4:6]}.{compact[6:]}"))
        word = rng.choice(("BSN", "burgerservicenummer"))
    elif scheme == "pl_pesel":
        year, month = rng.randint(1950, 2009), rng.randint(1, 12)
        birth = f"{year % 100:02d}{month + (20 if year >= 2000 else 0):02d}{rng.randint(1, 28):02d}"
        compact = _complete(rng, lambda: birth + digits(4), pesel.is_valid)
        written, word = compact, rng.choice(("PESEL", "nr PESEL"))
    elif scheme == "it_fiscal_code":
        body = (rand(rng, 6, "BCDFGLMNPRSTVZ") + f"{rng.randint(40, 99)}" + rng.choice("ABCDEHLMPRST")
                + f"{rng.randint(1, 28) + rng.choice((0, 40)):02d}" + rng.choice("ADFGHLMZ") + digits(3))
        compact = body + codicefiscale.calc_check_digit(body)
        written, word = compact, rng.choice(("codice fiscale", "CF", "cliente"))
    elif scheme == "sg_nric":  # stdnum has no NRIC: the check letter as ICA publishes it
        prefix, body = rng.choice("ST"), digits(7)
        r = (sum(int(c) * w for c, w in zip(body, (2, 7, 6, 5, 4, 3, 2), strict=True)) + (4 if prefix == "T" else 0)) % 11
        compact = prefix + body + "JZIHGFEDCBA"[r]
        written, word = compact, rng.choice(("NRIC", "visitor"))
    elif scheme == "au_tfn":
        compact = _complete(rng, lambda: rng.choice("123456789") + digits(7), tfn.is_valid)
        written = rng.choice((compact, f"{compact[:3]} {compact[3:6]} {compact[6:]}"))
        word = rng.choice(("TFN", "tax file number"))
    elif scheme == "au_medicare":  # stdnum has no Medicare: Services Australia's weights 1,3,7,9
        body = rng.choice("23456") + digits(7)
        compact = body + str(sum(int(c) * w for c, w in zip(body, (1, 3, 7, 9) * 2, strict=True)) % 10) + rng.choice("123456789")
        written, word = rng.choice((compact, f"{compact[:4]} {compact[4:9]} {compact[9]}")), "Medicare"
    elif scheme == "cn_resident_id":
        body = (rng.choice(("110105", "310101", "440305")) + f"{rng.randint(1950, 2009)}{rng.randint(1, 12):02d}"
                + f"{rng.randint(1, 28):02d}" + digits(3))
        compact = body + ric.calc_check_digit(body + "0")  # stdnum reads the check position too
        written, word = compact, rng.choice(("身份证号", "resident id"))
    elif scheme == "fr_nir":
        body = (rng.choice("12") + digits(2) + f"{rng.randint(1, 12):02d}" + rng.choice(("75", "13", "2A", "69"))
                + digits(3) + digits(3))
        compact = body + nir.calc_check_digits(body)
        written = rng.choice((compact, " ".join((compact[0], compact[1:3], compact[3:5], compact[5:7], compact[7:10],
                                                  compact[10:13], compact[13:]))))
        word = rng.choice(("NIR", "n° de sécurité sociale"))
    elif scheme == "de_tax_id":
        compact = _complete(rng, lambda: rng.choice("123456789") + digits(9), idnr.is_valid)
        written, word = rng.choice((compact, f"{compact[:2]} {compact[2:5]} {compact[5:8]} {compact[8:]}")), "Steuer-ID"
    else:  # br_cnpj
        body = digits(8) + "0001"
        compact = body + cnpj.calc_check_digits(body)
        written = rng.choice((compact, f"{compact[:2]}.{compact[2:5]}.{compact[5:8]}/{compact[8:12]}-{compact[12:]}"))
        word = "CNPJ"
    return Sample("", "customer.national_id", written, f"{word} {written}", (compact,))


def peer_identifier(rng: random.Random) -> Sample:
    """Identifiers peer tools catch by default (Presidio, Sentry Relay, scrubadub): a US ITIN, an IMEI, a passport
    number, a MAC address, a Bitcoin address — each valid by its own rule (IRS groups, Luhn by python-stdnum,
    base58check by its specification), written after the word a log line would use."""
    from stdnum import imei

    digits = lambda n: rand(rng, n, "0123456789")  # noqa: E731
    scheme = rng.choice(("us_itin", "imei", "passport", "mac_address", "btc"))
    if scheme == "us_itin":
        group = rng.choice([*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)])
        compact = f"9{digits(2)}{group}{rng.randint(1, 9999):04d}"
        written, word = f"{compact[:3]}-{compact[3:5]}-{compact[5:]}", rng.choice(("ITIN", "taxpayer id"))
    elif scheme == "imei":
        compact = _complete(rng, lambda: digits(14), imei.is_valid)
        written, word = rng.choice((compact, f"{compact[:2]}-{compact[2:8]}-{compact[8:14]}-{compact[14]}")), "IMEI"
    elif scheme == "passport":
        compact = rng.choice("CEKLNP") + digits(8) if rng.random() < 0.5 else digits(9)
        written, word = compact, rng.choice(("passport", "passport no.", "Reisepass", "passeport"))
    elif scheme == "mac_address":
        pairs = [rand(rng, 2, "0123456789abcdef") for _ in range(6)]
        pairs[rng.randrange(6)] = rng.choice("abcdef") + rng.choice("0123456789abcdef")
        sep = rng.choice((":", "-"))
        compact = sep.join(p.upper() if rng.random() < 0.5 else p for p in pairs)
        written, word = compact, rng.choice(("device", "client mac", "bssid"))
    else:  # btc: base58check of a P2PKH/P2SH payload (BIP 13)
        raw = bytes([rng.choice((0, 5))]) + bytes(rng.randrange(256) for _ in range(20))
        raw += hashlib.sha256(hashlib.sha256(raw).digest()).digest()[:4]
        n, out = int.from_bytes(raw, "big"), ""
        alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        while n:
            n, r = divmod(n, 58)
            out = alphabet[r] + out
        compact = "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out
        written, word = compact, rng.choice(("payout to", "wallet", "deposit address"))
    return Sample("", "customer.reference", written, f"{word} {written}", (compact,))


def eth_checksummed(rng: random.Random) -> Sample:
    """An Ethereum address in EIP-55's mixed case (Keccak-256 by pycryptodome) with no wallet word before it: the
    checksum is the evidence (upper-cased text has none, so that encoding is not drawn)."""
    from Crypto.Hash import keccak

    while True:
        low = bytes(rng.randrange(256) for _ in range(20)).hex()
        digest = keccak.new(digest_bits=256, data=low.encode()).hexdigest()
        written = "0x" + "".join(c.upper() if c.isalpha() and int(h, 16) >= 8 else c for c, h in zip(low, digest))
        if written[2:] not in (low, low.upper()):
            break
    word = rng.choice(("sent 2.5 ETH to", "transfer to", "from", "contract call by"))
    return Sample("", "customer.reference", written, f"{word} {written}", (written,))


# -- tokens and keys ------------------------------------------------------------------------------
def _b64url_json(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


def jwt(rng: random.Random) -> Sample:
    header = _b64url_json({"alg": rng.choice(("HS256", "RS256", "ES256")), "typ": "JWT"})
    payload = _b64url_json({"sub": uuid(rng), "name": person(rng), "iat": rng.randint(1_600_000_000, 1_800_000_000)})
    sig = rand(rng, rng.choice((43, 86)), B64URL)
    token = f"{header}.{payload}.{sig}"
    return Sample("", "auth.assertion", token, f"id_token {token}", (payload, sig))


def token_kind(make_token: Callable[[random.Random], str], key: str = "integration.ref",
               word: str = "key") -> Callable:
    """A vendor token: the whole token, and its random body (without the vendor prefix), must not leak."""
    def make(rng: random.Random) -> Sample:
        token = make_token(rng)
        body = max(token.replace("-", "_").split("_"), key=len)
        needles = (token, body) if len(body) >= 16 else (token,)
        return Sample("", key, token, f"using {word} {token}", needles)
    return make


VENDOR_TOKENS: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    # name: (claim, generator)
    "github": ("default", lambda r: f"gh{r.choice('pousr')}_{mixed(r, 36)}"),
    "github_pat": ("default", lambda r: f"github_pat_{mixed(r, 22)}_{mixed(r, 59)}"),
    "gitlab_pat": ("default", lambda r: f"glpat-{mixed(r, 20, ALNUM + '_-')}"),
    "slack_bot": ("default", lambda r: f"xox{r.choice('bp')}-{rand(r, 12, '0123456789')}-{rand(r, 13, '0123456789')}"
                                       f"-{mixed(r, 24)}"),
    "stripe": ("default", lambda r: f"{r.choice(('sk_live', 'rk_live', 'sk_test'))}_{mixed(r, r.randint(24, 99))}"),
    "google_api": ("default", lambda r: f"AIza{mixed(r, 35, ALNUM + '_-')}"),
    "npm": ("default", lambda r: f"npm_{mixed(r, 36)}"),
    "sendgrid": ("default", lambda r: f"SG.{mixed(r, 22, ALNUM + '_-')}.{mixed(r, 43, ALNUM + '_-')}"),
    "aws_key_id": ("default", lambda r: f"{r.choice(('AKIA', 'ASIA'))}{rand(r, 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}"),
    "gitlab_runner": ("#16", lambda r: f"glrt-{mixed(r, 20, ALNUM + '_-')}"),
    "slack_app": ("#16", lambda r: f"xapp-1-A{rand(r, 10, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')}-"
                                   f"{rand(r, 13, '0123456789')}-{rand(r, 64, HEX)}"),
    "google_oauth": ("#16", lambda r: f"ya29.{mixed(r, r.randint(60, 140), ALNUM + '_-')}"),
    "pypi": ("#16", lambda r: f"pypi-AgEIcHlwaS5vcmc{mixed(r, r.randint(60, 120), ALNUM + '_-')}"),
    "openai": ("#16", lambda r: r.choice((f"sk-proj-{mixed(r, 120, ALNUM + '_-')}", f"sk-{mixed(r, 48)}",
                                          f"sk-svcacct-{mixed(r, 90, ALNUM + '_-')}"))),
    "anthropic": ("#16", lambda r: f"sk-ant-api03-{mixed(r, 93, ALNUM + '_-')}AA"),
    "huggingface": ("#16", lambda r: f"hf_{mixed(r, 34, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')}"),
    "shopify": ("#16", lambda r: f"{r.choice(('shpat', 'shpca', 'shppa', 'shpss'))}_{rand(r, 32, HEX)}"),
    "twilio": ("#16", lambda r: f"SK{rand(r, 32, HEX)}"),
    "digitalocean": ("#16", lambda r: f"dop_v1_{rand(r, 64, HEX)}"),
}


def bearer(alphabet: str) -> Callable:
    def make(rng: random.Random) -> Sample:
        tok = mixed(rng, rng.randint(20, 48), alphabet) if alphabet != "letters" else \
            rand(rng, rng.randint(20, 48), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        scheme = rng.choice(("Bearer", "bearer"))
        return Sample("", "upstream.request", f"{scheme} {tok}", f"Authorization: {scheme} {tok}", (tok,))
    return make


def basic_auth(rng: random.Random) -> Sample:
    password = mixed(rng, 14)
    blob = base64.b64encode(f"{person(rng)}:{password}".encode()).decode()
    return Sample("", "upstream.request", f"Basic {blob}", f"Authorization: Basic {blob}", (blob.rstrip("="),))


def aws_secret(spaced: bool) -> Callable:
    def make(rng: random.Random) -> Sample:
        key = rng.choice(("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "aws.secretAccessKey"))
        value = mixed(rng, 40, B64)
        prose = f"{key} {value}" if spaced else f"{key}={value}"
        return Sample("", key, value, prose, (value,))
    return make


def azure_connection(service: str) -> Callable:
    def make(rng: random.Random) -> Sample:
        if service == "storage":
            secret = mixed(rng, 86, B64) + "=="
            value = (f"DefaultEndpointsProtocol=https;AccountName=acct{rng.randint(1, 999)};AccountKey={secret};"
                     f"EndpointSuffix=core.windows.net")
        else:
            secret = mixed(rng, 43, B64) + "="
            value = (f"Endpoint=sb://ns{rng.randint(1, 999)}.servicebus.windows.net/;"
                     f"SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={secret}")
        return Sample("", "messaging.connection", value, f"connecting with {value}", (secret.rstrip("="),))
    return make


def generic_entropy(rng: random.Random) -> Sample:
    word = rng.choice(("api secret", "signing key", "token", "credential", "Passwort", "contraseña", "senha",
                       "mot de passe", "clé secrète", "Schlüssel"))
    value = mixed(rng, rng.randint(24, 48), ALNUM + "+/_-")
    sep = rng.choice((": ", " = ", " ", ":"))
    return Sample("", "app.config", value, f"{word}{sep}{value}", (value,))


def pem(rng: random.Random) -> Sample:
    label = rng.choice(("RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
                        "ENCRYPTED PRIVATE KEY"))
    body = [mixed(rng, 64, B64) for _ in range(rng.randint(3, 6))] + [rand(rng, rng.randint(20, 60), B64) + "=="]
    lines = [f"-----BEGIN {label}-----", *body, f"-----END {label}-----"]
    value = "\n".join(lines)
    return Sample("", "tls.material", value, value, tuple(line.rstrip("=") for line in body), parts=tuple(lines))


RESERVED = "/#?@"


def _password(rng: random.Random, reserved: bool) -> tuple[str, tuple[str, ...]]:
    if not reserved:
        pw = mixed(rng, rng.randint(12, 20), ALNUM + "-_.~")
        return pw, (pw,)
    segments = [mixed(rng, rng.randint(6, 9)) for _ in range(rng.randint(2, 3))]
    pw = segments[0] + "".join(rng.choice(RESERVED) + s for s in segments[1:])
    return pw, (pw, *segments)


def dsn(reserved: bool) -> Callable:
    def make(rng: random.Random) -> Sample:
        pw, needles = _password(rng, reserved)
        user = rng.choice(("app", "svc_orders", "admin", "reporting"))
        value = rng.choice((f"postgresql://{user}:{pw}@db.internal:5432/shop",
                            f"mysql://{user}:{pw}@mysql.internal:3306/orders",
                            f"mongodb+srv://{user}:{pw}@cluster0.mongodb.example/app?retryWrites=true",
                            f"redis://:{pw}@cache.internal:6379/0", f"amqp://{user}:{pw}@mq.internal:5672/vhost"))
        return Sample("", "db.connection_string", value, f"connecting to {value}", needles)
    return make


# -- secrets because of their key ----------------------------------------------------------------
STD_SECRET_KEYS = ("password", "db.password", "userPassword", "user-password", "app.user_password", "client_secret",
                   "auth_token", "api_key", "x.apikey", "credentials", "private_key", "refresh-token", "PASSWORD",
                   "accessToken", "passwd", "app.pwd")
SESSION_KEYS = ("session_id", "sessionId", "session.key", "app.session", "cookie", "JSESSIONID")
WORD_SECRET_KEYS = ("resettoken", "app.resettoken", "userPwd", "smtp_pass", "passcode", "pin", "otp", "githubToken",
                    "signingKey", "accessKey", "push.fcmToken", "auth.magicLinkToken", "mfa_code", "recovery_code")
#: two-word secret phrases written as one word (a camelCase boundary lost to lower or upper case)
CONCAT_PHRASE_KEYS = ("recoverycode", "RECOVERYCODE", "backupcode", "MFACODE", "verificationcode", "SECURITYCODE",
                      "authcode", "ACCESSCODE", "seedphrase")
#: "password" in other languages, spelled in ASCII / with other letters; and words of languages the secret
#: vocabulary does not list (found by trying: each list is one behaviour of the engine today)
MULTILINGUAL_SECRET_KEYS = ("Passwort", "Kennwort", "senha", "mot_de_passe", "wachtwoord", "salasana", "parola",
                            "heslo", "adgangskode", "passord", "clave")
NON_ASCII_SECRET_KEYS = ("contraseña", "lösenord", "hasło", "jelszó", "şifre", "пароль", "密码", "パスワード", "비밀번호")
UNLISTED_SECRET_KEYS = ("κωδικός", "lozinka", "geslo", "parool", "salasõna", "mật_khẩu", "รหัสผ่าน", "סיסמה", "كلمة_السر",
                        "पासवर्ड")


def keyed_secret(keys: tuple[str, ...], spaces: bool = False) -> Callable:
    def make(rng: random.Random) -> Sample:
        key = rng.choice(keys)
        if key in ("pin", "otp", "mfa_code"):
            value = rand(rng, rng.randint(6, 8), "0123456789")
        elif spaces:
            value = f"{mixed(rng, 6)} {mixed(rng, 6)}, {mixed(rng, 6)}"
        else:
            value = mixed(rng, rng.randint(12, 24), ALNUM + "!$%^*-_")
        needles = (value, *value.replace(",", "").split()) if spaces else (value,)
        return Sample("", key, value, f"{key}={value}", needles)
    return make


HEADERS = {"authorization": lambda r: f"Bearer {mixed(r, 32)}", "x-api-key": lambda r: mixed(r, 32),
           "proxy-authorization": lambda r: f"Basic {mixed(r, 24, B64)}"}
COOKIE_HEADERS = {"cookie": ("request", lambda r: f"session={mixed(r, 32)}; theme=dark"),
                  "set-cookie": ("response", lambda r: f"sid={mixed(r, 32)}; Path=/; HttpOnly")}
#: vendor credential headers (Azure APIM and Functions, Vault, Shopify, GitLab, Datadog, Sentry, New Relic, …)
VENDOR_HEADERS = ("ocp-apim-subscription-key", "x-functions-key", "x-vault-token", "x-shopify-access-token",
                  "private-token", "x-gitlab-token", "x-auth-key", "dd-api-key", "x-sentry-auth",
                  "x-newrelic-license-key", "cf-access-client-secret", "x-lightstep-access-token", "x-sumo-token",
                  "x-signalfx-access-token", "x-hub-signature-256", "x-honeycomb-team")
#: credential headers whose names carry no secret word and no vendor phrase the engine lists (Vercel, generic HMAC)
UNLISTED_HEADERS = ("x-vercel-protection-bypass", "x-hmac")


def header(family: str) -> Callable:
    def make(rng: random.Random) -> Sample:
        direction = "request"
        if family in ("vendor", "unlisted"):
            name, value = rng.choice(VENDOR_HEADERS if family == "vendor" else UNLISTED_HEADERS), mixed(rng, 32)
        elif family == "cookie":
            name = rng.choice(sorted(COOKIE_HEADERS))
            direction, gen = COOKIE_HEADERS[name]
            value = gen(rng)
        else:
            name = rng.choice(sorted(HEADERS))
            value = HEADERS[name](rng)
        if rng.random() < 0.3:  # older instrumentations write header names with underscores
            name = name.replace("-", "_")
        secret = max(value.replace(";", " ").replace("=", " ").split(), key=len)
        return Sample("", f"http.{direction}.header.{name}", value, f"{name}: {value}", (secret,))
    return make


def identity(rng: random.Random) -> Sample:
    # "user": OpenAI's request parameter (llm.invocation_parameters, gen_ai request attributes)
    key = rng.choice(("enduser.id", "user.id", "user.email", "user.name", "enduser.pseudo.id", "user"))
    value = {"user.email": f"{person(rng)}@example.com", "user.name": person(rng)}.get(
        key, rng.choice((f"cust-{rng.randint(10000, 9999999)}", str(rng.randint(100000, 999999999)), uuid(rng))))
    return Sample("", key, value, f"{key}={value}", (value,))


def identity_in_text(as_pair: bool) -> Callable:
    """A user id mentioned in a message: as ``key=value`` (``user_id=123``) or in prose (``customer 9912 logged in``)."""
    def make(rng: random.Random) -> Sample:
        value = str(rng.randint(100000, 999999999))
        forms = (f"user_id={value}", f"uid: {value}", f"userId={value}", f"enduser.id={value}", f"customer_id={value}",
                 f"user.id: {value}", f"member_id={value}") if as_pair else \
            (f"customer {value} logged in", f"user {value} signed up", f"account {value} locked",
             f"password reset requested by user {value}", f"order placed by customer #{value}",
             f"Benutzer {value} angemeldet")
        return Sample("", "app.detail", value, rng.choice(forms), (value,))
    return make


def social_handle(rng: random.Random) -> Sample:
    """A person's social handle after the word a log line uses (``mentioned by @name``, ``twitter: @name``, a
    Mastodon ``@name@instance`` after ``mastodon:``, the second of a ``cc`` list)."""
    name = rng.choice(("alice", "dev", "news", "Cmp")) + rng.choice(("_", "", ".")) + rand(rng, 6, ALNUM)
    form = rng.choice((f"mentioned by @{name} in thread", f"twitter: @{name}", f"DM from @{name} about the refund",
                       f"follow @{name} for updates", f"mastodon: @{name}@mastodon.social", f"cc @ops_team, @{name}",
                       f"retweeted by @{name} (12k followers)"))
    return Sample("", "app.detail", name, form, (name,))


def identity_in_tag(rng: random.Random) -> Sample:
    """A user id in the tag styles of log formats: ``[user:123]``, ``user#123``, ``(uid 123)``."""
    value = str(rng.randint(100000, 999999999))
    form = rng.choice((f"[user:{value}]", f"[uid:{value}]", f"user#{value}", f"(uid {value})"))
    return Sample("", "app.detail", value, f"{form} checkout started", (value,))


def query_parameter(rng: random.Random) -> Sample:
    col = rng.choice(("email", "name", "ssn", "phone", "street"))
    value = f"{rng.choice(('Rossi', 'Müller', 'Novak', 'Tanaka'))}-{rng.randint(10000, 99999)}"
    return Sample("", f"db.query.parameter.{col}", value, "", (value,))


def orm_parameter(rng: random.Random) -> Sample:
    col = rng.choice(("last_name", "street", "birth_date", "customer_note", "email"))
    value = f"{rng.choice(('Rossi', 'Müller', 'Novak', 'Tanaka', 'Öztürk'))}-{rng.randint(10000, 99999)}"
    return Sample("", col, value, "", (value,))


def bound_parameter(rng: random.Random) -> Sample:
    """A driver's parameters beside their statement, as libraries put them in a log record's or span's attributes:
    the value is a secret only there (a container named ``params`` elsewhere is request or model params)."""
    value = f"{rng.choice(('Rossi', 'Müller', 'Novak', 'Tanaka', 'Öztürk'))}-{rng.randint(10000, 99999)}"
    col, n = rng.choice(("last_name", "street", "email", "note")), rng.randint(1, 99999)
    q = "?"
    django = (("duration", round(rng.uniform(0, 0.05), 3)), ("alias", "default"))
    key, container, statement = rng.choice((
        # Django's django.db.backends debug record: extras sql, params (positional, named), duration, alias
        # (executemany's list of rows is no attribute value the logging bridge exports: tests/test_bound_parameters)
        ("params", [value, n], (("sql", f"SELECT id FROM accounts WHERE {col} = '{value}' AND id > {n}"), *django)),
        ("params", {col: value, "id": str(n)}, (("sql", f"UPDATE accounts SET {col} = %({col})s WHERE id = %(id)s"),
                                                *django)),
        # node-postgres and mysql instrumentations with enhancedDatabaseReporting; Sentry's db.params
        ("db.postgresql.values", [value, str(n)], (("db.system", "postgresql"),
                                                  ("db.statement", f"SELECT * FROM accounts WHERE {col} = $1"))),
        ("db.mysql.values", [value], (("db.system", "mysql"), ("db.statement", f"SELECT * FROM accounts WHERE {col} = {q}"))),
        ("db.params", {col: value}, (("db.query.text", f"SELECT * FROM accounts WHERE {col} = %({col})s"),)),
        # Knex's and Laravel's query events, Rails' sql.active_record, Ecto's telemetry, Prisma's query event
        ("bindings", [value], (("sql", f"select * from `accounts` where `{col}` = {q}"), ("method", "select"))),
        ("type_casted_binds", [value], (("sql", f'SELECT "accounts".* FROM "accounts" WHERE "{col}" = $1'),
                                        ("statement_name", "a1"))),
        ("cast_params", [value], (("query", f'SELECT a0."id" FROM "accounts" AS a0 WHERE (a0."{col}" = $1)'),
                                  ("source", "accounts"))),
        ("params", json.dumps([value, n]), (("query", f"SELECT `id` FROM `accounts` WHERE `{col}` = {q}"),
                                            ("target", "quaint::connector::metrics"))),
        # asyncpg-style and SQLAlchemy event listeners that log (statement, parameters); a Cypher query's parameters
        ("arguments", repr((value, n)), (("query", f"UPDATE accounts SET {col} = $1 WHERE id = $2"),)),
        ("parameters", {col: value}, (("statement", f"DELETE FROM accounts WHERE {col} = :{col}"),)),
        ("parameters", {col: value}, (("query", f"MATCH (a:Account {{{col}: ${col}}}) RETURN a"),)),
    ))
    return Sample("", key, container, "", (value,), extras=statement)


def ip(version: int) -> Callable:
    def make(rng: random.Random) -> Sample:
        if version == 4:
            value = rng.choice((f"198.51.100.{rng.randint(1, 254)}", f"203.0.113.{rng.randint(1, 254)}",
                                f"81.{rng.randint(2, 250)}.{rng.randint(2, 250)}.{rng.randint(1, 254)}"))
            needles: tuple[str, ...] = (value,)
        else:
            import ipaddress
            groups = ["2001", "db8", f"{rng.randint(1, 0xffff):x}"] + [f"{rng.randint(1, 0xffff):x}" for _ in range(5)]
            addr = ipaddress.IPv6Address(":".join(groups))
            value = str(addr)
            needles = (value, addr.exploded)
        key = rng.choice(("client.address", "net.peer.ip", "network.peer.address"))
        word = rng.choice(("connection from", "client", "peer=", "blocked"))
        return Sample("", key, value, f"{word} {value}", needles)
    return make


#: (region, country code, as written nationally, as written after +cc): numbers libphonenumber validates, in
#: each country's own grouping (trunk 0, parentheses, dots, dashes); ``#`` is a random digit, the same in both
PHONE_PLAN = (
    ("GB", "44", "020 7946 0###", "20 7946 0###"), ("GB", "44", "0161 496 0###", "161 496 0###"),
    ("GB", "44", "07400 ######", "7400 ######"),
    ("US", "1", "(415) 555-01##", "415-555-01##"), ("US", "1", "212.555.01##", "(212) 555-01##"),
    ("US", "1", "212-555-01##", "212 555 01##"),
    ("DE", "49", "030 ########", "30 ########"), ("DE", "49", "0151 ########", "151 ########"),
    ("DE", "49", "089 #######", "89 #######"),
    ("FR", "33", "01 42 68 ## ##", "1 42 68 ## ##"), ("FR", "33", "06 12 ## ## ##", "6 12 ## ## ##"),
    ("AU", "61", "(02) 9876 ####", "2 9876 ####"), ("AU", "61", "0412 ### ###", "412 ### ###"),
    ("ES", "34", "912 345 ###", "912 345 ###"), ("ES", "34", "612 ### ###", "612 ## ## ##"),
    ("IT", "39", "06 #### ####", "06 #### ####"), ("IT", "39", "312 ### ####", "312 ### ####"),
    ("NL", "31", "020 123 ####", "20 123 ####"), ("NL", "31", "06 1234 ####", "6 1234 ####"),
    ("IN", "91", "098765 #####", "98765 #####"), ("BR", "55", "(11) 9####-####", "11 9####-####"),
    ("JP", "81", "03-1234-####", "3-1234-####"), ("JP", "81", "090-1234-####", "90-1234-####"),
    ("MX", "52", "55 #### ####", "55 #### ####"), ("CH", "41", "044 668 ## ##", "44 668 ## ##"),
    ("PL", "48", "512 ### ###", "512 ### ###"), ("ZA", "27", "021 ### ####", "21 ### ####"),
    ("CN", "86", "138 #### ####", "138 #### ####"), ("SE", "46", "08-### ### ##", "8 ### ### ##"),
    ("KR", "82", "010-5###-####", "10-5###-####"), ("IE", "353", "01 ### ####", "1 ### ####"),
)
PHONE_REGIONS = tuple(dict.fromkeys(p[0] for p in PHONE_PLAN))
PHONE_WORDS = ("call me at", "phone:", "Tel.", "mobile", "Telefon", "téléphone", "teléfono", "cell", "whatsapp",
               "contact number")


def _digits(template: str, digits: list[str]) -> str:
    it = iter(digits)
    return "".join(next(it) if c == "#" else c for c in template)


def phone(style: str) -> Callable:
    """``international`` (+44 20 7946 0958), ``e164`` (+442079460958, tel:+44-20-7946-0958) or ``national``
    (020 7946 0958, next to a phone word). The needle is the national significant number."""
    def make(rng: random.Random) -> Sample:
        region, cc, national_t, intl_t = rng.choice(PHONE_PLAN)
        digits = [rng.choice("0123456789") for _ in range(national_t.count("#"))]
        intl = _digits(intl_t, digits)
        significant = "".join(c for c in intl if c.isdigit())
        if style == "international":
            value = f"+{cc} {intl}"
            prose = f"{rng.choice(('call', 'sms to', 'contact', 'from', 'Tel:'))} {value}"
        elif style == "e164":
            value = rng.choice((f"+{cc}{significant}",
                                "tel:+" + cc + "-" + "-".join(g for g in re.split(r"[\s().-]+", intl) if g)))
            prose = f"{rng.choice(('sms sent to', 'caller', 'msisdn=', 'to:'))} {value}"
        else:
            value = _digits(national_t, digits)
            prose = f"{rng.choice(PHONE_WORDS)} {value}"
        return Sample("", "contact.phone", value, prose, (significant,))
    return make


# -- statements, URLs -----------------------------------------------------------------------------
SQL_SYSTEMS = ("postgresql", "mysql", "sqlite", "mssql", "oracle", "mariadb")
UNKNOWN_SQL_SYSTEMS = ("redshift", "snowflake", "clickhouse", "trino", "presto", "hive", "spanner", "bigquery",
                       "cockroachdb", "duckdb", "vertica")


def _sql(templates: tuple[str, ...], systems: tuple[str, ...], pairs: tuple[tuple[str, tuple[str, ...]], ...] = ()
         ) -> Callable:
    """A statement with random literals under db.statement / db.query.text, beside its db.system.
    ``pairs`` ties templates to the systems they are meant for (a dialect decides what a quote means)."""
    choices = pairs or tuple((t, systems) for t in templates)

    def make(rng: random.Random) -> Sample:
        lit = mixed(rng, rng.randint(9, 14))
        num = rng.choice("123456789") + rand(rng, rng.randint(8, 11), "0123456789")
        template, allowed = rng.choice(choices)
        statement = template.format(lit=lit, num=num)
        needles = (lit, num) if "{num}" in template else (lit,)
        needles = tuple(n for n in needles if n in statement)
        key = rng.choice(("db.statement", "db.query.text"))
        system_key = "db.system" if key == "db.statement" else rng.choice(("db.system", "db.system.name"))
        return Sample("", key, statement, "", needles, extras=((system_key, rng.choice(allowed)),))
    return make


SQL_TEMPLATES = ("SELECT id, total FROM orders WHERE customer_ref = '{lit}' AND status = 'open'",
                 "UPDATE users SET reset_code = '{lit}' WHERE id = {num}",
                 "INSERT INTO payments (id, holder, amount) VALUES ({num}, '{lit}', 99.5)",
                 "SELECT * FROM accounts WHERE iban_hash = '{lit}' OR account_no = {num}",
                 "DELETE FROM sessions WHERE token = '{lit}'",
                 "SELECT u.id FROM users u JOIN orders o ON o.user_id = u.id WHERE u.last_name IN ('{lit}', 'x{num}')")
#: A backslash before a quote is an escape in MySQL-family dialects and a plain character in standard SQL:
#: a statement meant for one dialect, read the other way, turns a literal into bare words (New Relic's
#: cross-agent obfuscation cases). Each template goes with the systems whose reading the engine gets wrong
#: unless it masks the union of both readings (#15 §4).
BACKSLASH_DIALECTS = ("mysql", "mariadb", "hive", "spark")
STANDARD_DIALECTS = ("postgresql", "sqlite")
SQL_BACKSLASH = (("SELECT * FROM items WHERE name = 'foo\\' AND color = '{lit}'", BACKSLASH_DIALECTS),
                 ("SELECT * FROM items WHERE sku = 'a\\' OR label = '{lit}' LIMIT 5", BACKSLASH_DIALECTS),
                 ("UPDATE notes SET body = 'it\\'s {lit}' WHERE id = {num}", STANDARD_DIALECTS))
#: Escapes that mean the same under both readings.
SQL_ESCAPES = ("SELECT id FROM t WHERE a = 'x\\\\' AND b = '{lit}'", "SELECT id FROM t WHERE a = 'it''s {lit}'",
               "UPDATE notes SET body = 'don''t {lit}' WHERE id = {num}")
SQL_DOUBLE_QUOTED = ('SELECT * FROM users WHERE email = "{lit}"', 'UPDATE users SET note = "{lit}" WHERE id = {num}')
SQL_DOLLAR = ("SELECT * FROM notes WHERE body = $${lit}$$", "INSERT INTO t (v) VALUES ($tag${lit}$tag$)")
CYPHER = ("MATCH (u:User {{email: '{lit}'}}) RETURN u.id", "MATCH (u:User) WHERE u.ssn = \"{lit}\" RETURN u",
          "CREATE (p:Person {{name: '{lit}', account: {num}}})")
#: Query languages beside SQL, each under the attribute its instrumentations use, with the systems that speak it
#: (#15 §4): literals must go, structure (labels, properties, functions) stays.
QUERY_LANGUAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Gremlin (Groovy) and SPARQL take '…' and "…" alike: one kind per quote style (dialect readers tell them apart)
    "gremlin": (("g.V().has('person', 'email', '{lit}').values('name')",
                 "g.addV('account').property('iban', '{lit}').property('limit', {num})"), ("neptune", "janusgraph", "cosmosdb")),
    "gremlin_double_quoted": (('g.V().hasLabel("user").has("token", "{lit}").count()',
                               'g.addV("account").property("iban", "{lit}").property("limit", {num})'),
                              ("neptune", "janusgraph")),
    "sparql": (('SELECT ?s WHERE {{ ?s foaf:mbox "{lit}" }}', 'INSERT DATA {{ ex:order42 ex:apiKey "{lit}" ; ex:limit {num} }}'),
               ("neptune", "virtuoso", "graphdb")),
    "sparql_single_quoted": (("SELECT ?name WHERE {{ ?p ex:ssn '{lit}' ; foaf:name ?name }} LIMIT 10",),
                             ("neptune", "virtuoso", "graphdb")),
    # argument names that are no secret words: the literal must go because it is a literal
    "graphql": (('query {{ order(reference: "{lit}") {{ id total }} }}',
                 'mutation {{ updateProfile(input: {{ nickname: "{lit}", zip: {num} }}) {{ ok }} }}',
                 'query Search {{ orders(filter: {{ reference: "{lit}" }}, first: 20) {{ edges {{ node {{ id }} }} }} }}'),
                ("graphql",)),
    "influxql": (("SELECT mean(value) FROM logins WHERE user = '{lit}' AND time > now() - 1h",
                  "SELECT count(*) FROM requests WHERE api_key = '{lit}' GROUP BY time(5m)"), ("influxdb",)),
    "flux": (('from(bucket: "logins") |> range(start: -1h) |> filter(fn: (r) => r.user == "{lit}")',
              'from(bucket: "req") |> range(start: -5m) |> filter(fn: (r) => r._field == "token" and r._value == "{lit}")'),
             ("influxdb",)),
    "promql": (('sum(rate(http_requests_total{{user_email="{lit}"}}[5m]))',
                'count by (path) (http_requests_total{{session_id="{lit}", code="500"}})'), ("prometheus",)),
}


def query_language(language: str) -> Callable:
    templates, systems = QUERY_LANGUAGES[language]

    def make(rng: random.Random) -> Sample:
        lit = mixed(rng, rng.randint(9, 14))
        num = rng.choice("123456789") + rand(rng, rng.randint(8, 11), "0123456789")
        statement = rng.choice(templates).format(lit=lit, num=num)
        needles = tuple(n for n in (lit, num) if n in statement)
        if language == "graphql":
            op = statement.split(None, 1)[0]
            return Sample("", "graphql.document", statement, "", needles, extras=(("graphql.operation.type", op),))
        key = rng.choice(("db.statement", "db.query.text"))
        system_key = "db.system" if key == "db.statement" else "db.system.name"
        return Sample("", key, statement, "", needles, extras=((system_key, rng.choice(systems)),))
    return make


NOSQL = (("mongodb", '{{"find": "users", "filter": {{"email": "{lit}", "age": {{"$gt": {num}}}}}}}'),
         ("redis", "SET session:{key} {lit}"), ("redis", "AUTH {lit}"), ("redis", "HSET user:{key} email {lit}"),
         ("elasticsearch", '{{"query": {{"match": {{"last_name": "{lit}"}}}}}}'))


def nosql(rng: random.Random) -> Sample:
    system, template = rng.choice(NOSQL)
    lit = mixed(rng, 12)
    num = str(rng.randint(10 ** 8, 10 ** 10))
    statement = template.format(lit=lit, num=num, key=rng.randint(1, 99999))  # Redis keys are kept, by design
    return Sample("", "db.statement", statement, "", tuple(n for n in (lit, num) if n in statement),
                  extras=(("db.system", system),))


def url(shape: str, key_family: str = "url") -> Callable:
    """A URL-carried secret. ``key_family`` ``url``: under url.full / http.url / http.target (a URL or a
    request target); ``query``: under url.query, a bare query string."""
    def make(rng: random.Random) -> Sample:
        v = mixed(rng, rng.randint(10, 16))
        host = rng.choice(("shop.example", "api.example.com", "10.0.0.7:8080"))
        path = f"/api/{rng.choice(('search', 'orders', 'callback', 'login'))}"
        needles: tuple[str, ...] = (v,)
        if shape == "query":
            query = f"{rng.choice(('q', 'email', 'session', 'code', 'state'))}={v}&page=2"
        elif shape == "query_reserved":
            query = (f"{rng.choice(('next', 'redirect_uri', 'return', 'path'))}="
                     f"{rng.choice(('/account/', 'https://x.example/', 'urn:x:', '/a:b/'))}{v}&page=2")
        elif shape == "matrix":
            path, query = f"{path};jsessionid={v}", "page=2"
        else:
            query = "page=2"
        if shape in ("userinfo", "userinfo_reserved"):
            pw, needles = _password(rng, shape == "userinfo_reserved")
            auth = f"{rng.choice(('bot', 'deploy', 'admin'))}:{pw}@"
        else:
            auth = ""
        full = f"https://{auth}{host}{path}?{query}"
        if key_family == "query":
            return Sample("", "url.query", query, full, needles)
        key = rng.choice(("url.full", "http.url") if auth else ("url.full", "http.url", "http.target"))
        return Sample("", key, f"{path}?{query}" if key == "http.target" else full, full, needles)
    return make


WEBHOOKS = ("https://hooks.slack.com/services/T{a}/B{b}/{c}", "https://discord.com/api/webhooks/{n}/{c}{c}",
            "https://api.telegram.org/bot{n}:{c}/sendMessage", "https://outlook.office.com/webhook/{c}@{c}/IncomingWebhook/{c}/{c}")


def webhook(rng: random.Random) -> Sample:
    c = mixed(rng, 24, ALNUM + "_-")
    value = rng.choice(WEBHOOKS).format(a=rand(rng, 9, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"),
                                        b=rand(rng, 9, "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), c=c,
                                        n=rand(rng, 10, "0123456789"))
    return Sample("", "notify.endpoint", value, f"posting to {value}", (c,))


SIGNED_URLS = ("https://{b}.s3.amazonaws.com/{p}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T000000Z"
               "&X-Amz-Expires=900&X-Amz-Signature={v}",
               "https://storage.googleapis.com/{b}/{p}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=900"
               "&X-Goog-Signature={v}",
               "https://{b}.blob.core.windows.net/uploads/{p}?sv=2022-11-02&sp=r&se=2024-01-01T00%3A00%3A00Z&sig={v}",
               "https://d111abcdef8.cloudfront.net/{p}?Expires=1700000000&Signature={v}&Key-Pair-Id=K2JCJMDEHXQW5F")


def signed_url(rng: random.Random) -> Sample:
    """A pre-signed object-store URL (S3, GCS, Azure SAS, CloudFront): the signature is the credential."""
    v = mixed(rng, rng.randint(24, 44), ALNUM + "-_~")
    value = rng.choice(SIGNED_URLS).format(b=rng.choice(("acme-uploads", "invoices", "media")),
                                           p=rng.choice(("reports/q3.pdf", "a/b.png", "export.csv")), v=v)
    return Sample("", rng.choice(("url.full", "http.url", "app.download_url")), value, f"downloading {value}", (v,))


def data_uri(rng: random.Random) -> Sample:
    """A ``data:`` URI whose payload holds a credential (an inline JSON config, a text attachment)."""
    secret = mixed(rng, 20)
    payload = base64.b64encode(json.dumps({"api_key": secret}).encode()).decode()
    value = f"data:application/json;base64,{payload}" if rng.random() < 0.5 else f"data:text/plain,{secret}"
    needle = payload if "base64" in value else secret
    return Sample("", rng.choice(("app.attachment", "http.request.body")), value, f"inline config {value}", (needle,))


def auth_user(rng: random.Random) -> Sample:
    """The user an authentication failure names, as databases and servers write it (PostgreSQL via psycopg, MySQL,
    SQL Server, an LDAP bind)."""
    name = person(rng)
    form = rng.choice((f'connection failed: FATAL:  password authentication failed for user "{name}"',
                       f'FATAL:  role "{name}" does not exist',
                       f"(1045, \"Access denied for user '{name}'@'localhost' (using password: YES)\")",
                       f"Login failed for user '{name}'.", f"Invalid password for user {name}",
                       f"LDAP bind: authentication failed for user {name}"))
    return Sample("", "app.detail", name, form, (name,))


def short_secret(rng: random.Random) -> Sample:
    """A short secret in prose after its word: a 12-19 character token after ``api key``/``token``/``secret``, or a
    one-time code after ``verification code``/``OTP``/``PIN`` (6-8 digits: shorter ones collide with noise)."""
    if rng.random() < 0.5:
        value = mixed(rng, rng.randint(12, 19))
        form = rng.choice((f"use api key {value} for prod", f"the token {value} expired", f"secret: {value}",
                           f"jeton {value} refusé", f"API-Schlüssel {value}"))
    else:
        value = str(rng.randint(10 ** 5, 10 ** rng.choice((6, 7, 8)) - 1))
        form = rng.choice((f"your verification code is {value}", f"OTP: {value}", f"one-time password {value}",
                           f"PIN {value} accepted", f"sms_code={value} delivered", f"验证码 {value}"))
    return Sample("", "app.detail", value, form, (value,))


def session_cache_key(rng: random.Random) -> Sample:
    """A short session id (12-19 characters, hex or mixed) in a cache key, as Redis commands and cache logs write
    it."""
    sid = rand(rng, rng.randint(12, 19), HEX) if rng.random() < 0.5 else mixed(rng, rng.randint(12, 19))
    while not (any(c.isdigit() for c in sid) and any(c.isalpha() for c in sid)):
        sid = rand(rng, len(sid), HEX)
    form = rng.choice((f"SET session:{sid} 1 EX 3600", f"cache miss key=sess:{sid}", f"DEL sessionid:{sid}",
                       f"evict app:user_session:{sid}"))
    return Sample("", "app.detail", sid, form, (sid,))


def path_token(rng: random.Random) -> Sample:
    """A token in a bare path in text: django.request's status lines (``Not Found: /unsubscribe/<token>/``, the
    password-reset link ``/accounts/reset/<uidb64>/<token>/``), a request line, a magic link in a message."""
    token = rng.choice((mixed(rng, rng.randint(16, 32)),
                        f"{rand(rng, 6, 'abcdefghijklmnopqrstuvwxyz0123456789')}-{rand(rng, 32, HEX)}"))
    path = rng.choice((f"/unsubscribe/{token}/", f"/accounts/reset/MQ/{token}/", f"/verify/{token}",
                       f"/invite/{token}", f"/auth/callback/{token}", f"/s/{token}/download"))
    form = rng.choice((f"Internal Server Error: {path}", f"Not Found: {path}", f"Bad Request: {path}",
                       f"Forbidden (CSRF token missing.): {path}", f"sent magic link {path} to the user",
                       f'"GET {path} HTTP/1.1" 200 512'))
    return Sample("", "app.detail", path, form, (token,))


# -- the catalogue --------------------------------------------------------------------------------
def _k(name: str, claim: str, make: Callable, **flags) -> Kind:
    whole = flags.get("fragments", False)

    def named(rng: random.Random, _make=make, _name=name) -> Sample:
        s = _make(rng)
        needles = s.needles + (fragments(s.needles) if whole else ())
        return dataclasses.replace(s, kind=_name, needles=tuple(dict.fromkeys(needles)))
    return Kind(name, claim, named, **flags)


def _random(name: str, claim: str, make: Callable, **flags) -> Kind:
    """A kind whose values are random secrets: fragments of them must not survive either."""
    return _k(name, claim, make, fragments=True, **flags)


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind (detector owners add theirs here; names are unique)."""
    if kind.name in KINDS:
        raise ValueError(f"duplicate kind {kind.name}")
    KINDS[kind.name] = kind
    return kind


for _net, _claim in (("visa", "default"), ("mastercard", "default"), ("mastercard2", "default"), ("amex", "default"),
                     ("discover", "default"), ("jcb", "#16"), ("maestro", "#16"), ("maestro6", "#16"), ("unionpay", "#16"),
                     ("mir", "#16"), ("diners", "#16")):
    register(_k(f"card_{_net}", _claim, card(_net, ASCII_SEPARATORS), path_ok=True, family="card"))
register(_k("card_unicode_sep", "#16", card(None, UNICODE_SEPARATORS)))
register(_k("card_fullwidth", "#16", card(None, ASCII_SEPARATORS, fullwidth=True)))
register(_k("iban", "default", iban(False), caseless=True, path_ok=True))
register(_k("iban_compact", "default", iban(False, spaced=False), caseless=True, path_ok=True))
register(_k("iban_lower", "#16", iban(True)))
for _style, _claim in (("ascii", "default"), ("tagged", "default"), ("mixed_case", "#16"), ("idn", "#16"),
                       ("cyrillic", "#16"), ("cjk", "#16")):
    register(_k(f"email_{_style}", _claim, email(_style), caseless=True, path_ok=True))
register(_k("ssn", "default", ssn_dashed))
#: kinds that are secrets only with the words around them: written in messages, never alone under a neutral key
IN_PROSE = frozenset({"plain", "upper", "percent", "double_percent", "json_ascii"})
#: ORM and driver error texts: parameters are values there, redacted whatever they hold
ORM_ENCODINGS = frozenset({"sqlalchemy", "sqlalchemy_tuple", "psycopg", "mysql_duplicate", "pg_failing_row",
                           "django_query_log", "sql_in_text", "sqlalchemy_echo", "driver_echo"})
register(_k("ssn_context", "#16", ssn_context, only=IN_PROSE))
register(_k("uk_nino", "#16", uk_nino, caseless=True))
for _scheme in ("uk_nhs", "es_dni", "in_aadhaar", "br_cpf", "ca_sin", "ru_passport"):
    register(_k(_scheme, "#16", national_id(_scheme), only=IN_PROSE, family="national_id"))
register(_k("national_id_checked", "#16", national_id_checked, only=IN_PROSE, family="national_id"))
register(_k("peer_identifier", "#16", peer_identifier, only=IN_PROSE, family="national_id"))
register(_k("eth_checksummed", "#16", eth_checksummed, only=IN_PROSE - {"upper"}, family="national_id"))
register(_random("jwt", "default", jwt, path_ok=True))
register(_random("bearer", "default", bearer(ALNUM + "._~+/-")))
register(_random("bearer_letters", "#16", bearer("letters")))
register(_random("basic_auth", "default", basic_auth))
register(_random("aws_secret", "default", aws_secret(False), keyed=True, caseless=True))
register(_random("aws_secret_spaced", "#16", aws_secret(True), keyed=True))
for _name, (_claim, _gen) in VENDOR_TOKENS.items():
    register(_random(f"token_{_name}", _claim, token_kind(_gen), path_ok=True, family=f"token {_claim}"))
register(_random("azure_storage", "#16", azure_connection("storage")))
register(_random("azure_servicebus", "#16", azure_connection("servicebus")))
register(_random("generic_entropy", "#16", generic_entropy, only=IN_PROSE))
register(_random("pem", "default", pem))
register(_random("dsn", "default", dsn(False)))
register(_random("dsn_reserved", "#15", dsn(True)))
register(_random("secret_key", "default", keyed_secret(STD_SECRET_KEYS), keyed=True, caseless=True, password_like=True))
register(_random("session_key", "default", keyed_secret(SESSION_KEYS), keyed=True, caseless=True))
register(_random("secret_key_words", "#15", keyed_secret(WORD_SECRET_KEYS), keyed=True, caseless=True, password_like=True))
register(_random("secret_key_concat_phrase", "#15", keyed_secret(CONCAT_PHRASE_KEYS), keyed=True, caseless=True,
                 password_like=True))
register(_random("secret_key_multilingual", "#16", keyed_secret(MULTILINGUAL_SECRET_KEYS), keyed=True, password_like=True))
register(_random("secret_key_non_ascii", "#16", keyed_secret(NON_ASCII_SECRET_KEYS), keyed=True, password_like=True))
register(_random("secret_key_unlisted", "#16", keyed_secret(UNLISTED_SECRET_KEYS), keyed=True, password_like=True))
register(_random("secret_with_spaces", "#16", keyed_secret(("password", "passwd", "secret"), spaces=True), keyed=True))
register(_random("header_credential", "default", header("credential"), keyed=True))
register(_random("header_cookie", "default", header("cookie"), keyed=True))
register(_random("header_vendor", "#15", header("vendor"), keyed=True))
register(_random("header_unlisted", "#15", header("unlisted"), keyed=True))
register(_k("identity", "default", identity, keyed=True))
register(_k("identity_in_text", "#16", identity_in_text(True), only=IN_PROSE))
register(_k("identity_in_prose", "#16", identity_in_text(False), only=IN_PROSE))
register(_k("identity_in_tag", "#16", identity_in_tag, only=IN_PROSE))
register(_k("social_handle", "#16", social_handle, only=IN_PROSE))
register(_k("query_parameter", "#15", query_parameter, keyed=True, prose=False, flat_only=True,
            only=frozenset({"kv"})))
register(_k("orm_parameter", "#15", orm_parameter, keyed=True, prose=False, only=ORM_ENCODINGS,
            note="only a secret as an ORM/driver parameter: the ORM/driver error encodings only"))
register(_k("bound_parameter", "#15", bound_parameter, keyed=True, prose=False, flat_only=True, only=frozenset({"kv"}),
            note="a driver's parameters beside their statement (Django's params beside sql, node-pg's values)"))
register(_k("bound_parameter_map", "#15", bound_parameter, keyed=True, prose=False, only=frozenset({"kv"}),
            carriers=frozenset({"span_attr_map", "span_attr_nested_map", "log_body_map", "log_body_nested",
                                "log_body_list_of_maps"}),
            note="the same inside a map (a structured log body, a map-valued attribute): the map's entries read together"))
register(_k("bound_parameter_text", "#15", bound_parameter, keyed=True, prose=False, only=frozenset({"bound_text"}),
            carriers=frozenset({"log_body", "log_message", "log_attr", "span_attr", "event_attr", "log_body_map"}),
            note="the same written as one record's text (a JSON line, a repr, logfmt, a Ruby hash): the siblings read "
                 "together inside the string"))
register(_k("ipv4", "default", ip(4)))
register(_k("ipv6", "default", ip(6)))
register(_k("phone_intl", "#16", phone("international")))
register(_k("phone_e164", "#16", phone("e164")))
register(_k("phone_national", "#16", phone("national"), only=IN_PROSE))
register(_random("sql_literal", "default", _sql(SQL_TEMPLATES, SQL_SYSTEMS), keyed=True, prose=False, flat_only=True))
register(_random("sql_unknown_system", "#15", _sql(SQL_TEMPLATES, UNKNOWN_SQL_SYSTEMS), keyed=True, prose=False,
            flat_only=True))
register(_random("sql_backslash", "#15", _sql((), (), SQL_BACKSLASH), keyed=True, prose=False,
            flat_only=True))
register(_random("sql_escapes", "default", _sql(SQL_ESCAPES, ("mysql", "postgresql", "mariadb")), keyed=True,
                 prose=False, flat_only=True))
register(_random("sql_double_quoted", "#15", _sql(SQL_DOUBLE_QUOTED, ("mysql", "mariadb")), keyed=True,
                 prose=False, flat_only=True))
register(_random("sql_double_quoted_other", "#15", _sql(SQL_DOUBLE_QUOTED, ("sqlite", "hive", "spark")), keyed=True,
                 prose=False, flat_only=True))
register(_random("sql_dollar", "#15", _sql(SQL_DOLLAR, ("postgresql", "cockroachdb")), keyed=True, prose=False,
            flat_only=True))
register(_random("cypher", "#15", _sql(CYPHER, ("neo4j", "memgraph")), keyed=True, prose=False, flat_only=True))
for _lang in QUERY_LANGUAGES:
    register(_random(_lang, "#15", query_language(_lang), keyed=True, prose=False, flat_only=True))
register(_random("nosql_literal", "default", nosql, keyed=True, prose=False, flat_only=True))
register(_random("url_query", "default", url("query"), keyed=True))
register(_random("url_query_reserved", "#15", url("query_reserved"), keyed=True))
register(_random("query_string", "default", url("query", "query"), keyed=True))
register(_random("query_string_reserved", "#15", url("query_reserved", "query"), keyed=True))
register(_random("url_userinfo", "default", url("userinfo"), keyed=True))
register(_random("url_userinfo_reserved", "#15", url("userinfo_reserved"), keyed=True))
register(_random("url_matrix", "#15", url("matrix"), keyed=True))
register(_random("webhook_url", "#15", webhook))
register(_random("signed_url", "#15", signed_url))
register(_random("data_uri", "#15", data_uri))
register(_random("path_token", "#16", path_token, only=IN_PROSE))
register(_k("auth_user", "#16", auth_user, only=IN_PROSE))
register(_k("short_secret", "#16", short_secret, only=IN_PROSE))
register(_k("session_cache_key", "#16", session_cache_key, only=IN_PROSE))
