"""Hardware and crypto-currency addresses: MAC addresses and wallet addresses, each kept only when it is one.

* MAC address (``mac_address``): six hex pairs joined by one separator used throughout (``00:1A:2B:3C:4D:5E``,
  ``00-1a-2b-3c-4d-5e``) or Cisco's three dotted quads (``001a.2b3c.4d5e``), a word of its own. Exactly six pairs:
  an MD5 fingerprint (16 pairs), an IPv6 address, a time (``12:34:56``) or a mixed ``00:1A-2B…`` is no MAC. The
  all-zero and broadcast addresses name no device and stay.
* Wallet address (``crypto_wallet``): Bitcoin base58check (``1…``/``3…``, 26–35 characters, its double-SHA-256
  checksum verified), bech32/bech32m (``bc1…``, its BCH checksum verified, one case throughout), and Ethereum's
  ``0x`` + 40 hex digits: anywhere when its letters are of mixed case and their case is the EIP-55 checksum
  (Keccak-256 of the lower-case address, from pycryptodome: ``hashlib``'s ``sha3_256`` is the later SHA-3 padding,
  another hash), and of one case only shortly after a wallet word (``wallet``, ``address``, ``eth``, …): a bare
  ``0x…`` of one case may be any 160-bit hash.
"""

from __future__ import annotations

import hashlib
import re

try:  # Keccak-256 for EIP-55 checksums (a default dependency); without it a mixed-case address needs a wallet word
    from Crypto.Hash import keccak as _keccak
except ImportError:  # pragma: no cover
    _keccak = None

__all__ = ["find_mac", "find_wallets", "TRIGGER_MAC", "TRIGGER_WALLET"]

_H = "[0-9A-Fa-f]"
_MAC = re.compile(rf"(?<![\w:.\-])(?:{_H}{{2}}([:\-])(?:{_H}{{2}}\1){{4}}{_H}{{2}}|{_H}{{4}}\.{_H}{{4}}\.{_H}{{4}})"
                  r"(?![\w:\-]|\.\w)")
#: RE2 trigger: the two shapes without their boundaries and backreference (RE2 has neither).
TRIGGER_MAC = rf"{_H}{{2}}(?:[:\-]{_H}{{2}}){{5}}|{_H}{{4}}\.{_H}{{4}}\.{_H}{{4}}"
_NO_DEVICE = frozenset({"000000000000", "ffffffffffff"})

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
# Each pattern starts with its first character and checks the boundary before it only there: a leading lookbehind
# would run at every position, and a hex hash (its 1s and 3s glued to letters) cost ten times the line's other passes.
_BASE58 = re.compile(r"[13](?<![A-Za-z0-9][13])[1-9A-HJ-NP-Za-km-z]{25,34}(?![A-Za-z0-9])")
_BECH32 = re.compile(r"(?:bc1|BC1)(?<![A-Za-z0-9]...)(?:(?<=c1)[ac-hj-np-z02-9]{8,87}|(?<=C1)[AC-HJ-NP-Z02-9]{8,87})"
                     r"(?![A-Za-z0-9])")
_BECH32_CHARS = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_ETH = re.compile(r"0x(?<![A-Za-z0-9]..)[0-9A-Fa-f]{40}(?![A-Za-z0-9])")
_ETH_WORD = re.compile(r"(?i)(?<![a-z])(?:wallets?|address|addr|eth|ether|ethereum|erc-?20|recipient|payout)"
                       r"(?![a-z])")
_WINDOW = 24
#: RE2 trigger: each form's start after the finders' boundary (no ASCII letter or digit before: RE2's \b, or a "_"),
#: so the 1s and 3s inside hex hashes and trace ids run no pass (the Ethereum word is the finder's to check).
TRIGGER_WALLET = (r"(?:\b|_)(?:[13][1-9A-HJ-NP-Za-km-z]{25}|(?i:bc1)[ac-hj-np-zAC-HJ-NP-Z02-9]{8}"
                  r"|0x[0-9A-Fa-f]{40})")


def _word_before(word: re.Pattern[str], text: str, start: int) -> bool:
    """Whether ``word`` occurs within :data:`_WINDOW` characters before ``start``, on the same line (read in the
    whole text, so a word's boundary checks see the characters before the window)."""
    line = text.rfind("\n", 0, start) + 1
    return word.search(text, max(line, start - _WINDOW), start) is not None


_MAC_WORD = re.compile(r"(?i)(?<![a-z])(?:mac|hwaddr|ether|bssid|lladdr|chaddr)(?![a-z])")


def find_mac(text: str) -> list[tuple[int, int]]:
    """MAC addresses; one without a hex letter (``2026.1130.1234``, a CalVer build; ``12:34:56:78:90:12``) only
    shortly after a MAC word on its line: a real address has no letter in one case of 300."""
    out = []
    for m in _MAC.finditer(text):
        hex_digits = re.sub(r"[:\-.]", "", m.group(0)).lower()
        if hex_digits in _NO_DEVICE:
            continue
        if hex_digits.isdigit() and not _word_before(_MAC_WORD, text, m.start()):
            continue
        out.append(m.span())
    return out


def base58check_valid(s: str) -> bool:
    """A Bitcoin P2PKH/P2SH address: 25 bytes, version 0x00 or 0x05, the first 4 bytes of SHA-256² as checksum."""
    n = 0
    for c in s:
        n = n * 58 + _B58_INDEX[c]
    ones = len(s) - len(s.lstrip("1"))
    raw = b"\0" * ones + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")
    if len(raw) != 25 or raw[0] not in (0, 5):
        return False
    return hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


def _polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate((0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)):
            if top >> i & 1:
                chk ^= g
    return chk


def bech32_valid(s: str) -> bool:
    """BIP 173/350: the checksum of ``bc`` and the data is 1 (bech32, witness v0) or 0x2BC830A3 (bech32m, v1+)."""
    s = s.lower()
    data = [_BECH32_CHARS.index(c) for c in s[3:]]
    if len(s) > 90 or not data or data[0] > 16:
        return False
    return _polymod([3, 3, 0, 2, 3] + data) == (1 if data[0] == 0 else 0x2BC830A3)  # [3, 3, 0, 2, 3]: "bc" expanded


def eip55_valid(address: str) -> bool:
    """``0x`` + 40 hex digits whose letters are of mixed case, each upper-case exactly where the matching nibble of
    Keccak-256(the lower-case hex) is 8 or more (EIP-55). One case throughout carries no checksum: not valid here."""
    hexpart = address[2:]
    if _keccak is None or hexpart.lower() == hexpart or hexpart.upper() == hexpart:
        return False
    digest = _keccak.new(digest_bits=256, data=hexpart.lower().encode("ascii")).hexdigest()
    return all(c.isdigit() or c.isupper() == (int(h, 16) >= 8) for c, h in zip(hexpart, digest))


def find_wallets(text: str) -> list[tuple[int, int]]:
    out = [m.span() for m in _BASE58.finditer(text) if base58check_valid(m.group(0))]
    out += [m.span() for m in _BECH32.finditer(text) if bech32_valid(m.group(0))]
    if "0x" in text:
        for m in _ETH.finditer(text):
            if _word_before(_ETH_WORD, text, m.start()) or eip55_valid(m.group(0)):
                out.append(m.span())
    return sorted(out)
