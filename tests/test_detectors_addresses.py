"""MAC addresses and crypto-currency wallet addresses (``scrub/addresses.py``): validated matches only.

The wallet checksums are checked against independent encoders: base58check and bech32/bech32m built here from
their specifications (BIP 13, BIP 173, BIP 350) over random payloads, so a broken decoder cannot pass by agreeing
with itself on a fixed example."""

from __future__ import annotations

import hashlib
import random

from Crypto.Hash import keccak

from otel_privacy import Policy, Redactor
from otel_privacy.scrub.addresses import _polymod, base58check_valid, bech32_valid, eip55_valid

R = Redactor("default")

# (name, detector, text, secret): the secret goes, the rest of the text stays.
ADDRESSES = [
    ("mac-colons", "mac_address", "device 00:1A:2B:3C:4D:5E joined", "00:1A:2B:3C:4D:5E"),
    ("mac-dashes-lower", "mac_address", "hwaddr=00-1a-2b-3c-4d-5e;", "00-1a-2b-3c-4d-5e"),
    ("mac-cisco", "mac_address", "port Gi0/1 learned 001a.2b3c.4d5e.", "001a.2b3c.4d5e"),
    ("mac-in-json", "mac_address", '{"mac": "3c:22:fb:12:34:56"}', "3c:22:fb:12:34:56"),
    ("mac-decimal-after-a-mac-word", "mac_address", "link/ether 0011.2233.4455 up", "0011.2233.4455"),
    ("btc-p2pkh", "crypto_wallet", "payout to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT confirmed",
     "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
    ("btc-p2sh", "crypto_wallet", "send 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy now", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
    ("btc-bech32", "crypto_wallet", "to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq.",
     "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
    ("btc-bech32-upper", "crypto_wallet", "TO BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ OK",
     "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"),
    ("btc-bech32m-taproot", "crypto_wallet",
     "addr bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297 ok",
     "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"),
    ("eth-after-wallet", "crypto_wallet", "wallet 0x52908400098527886E0F7030069857D2E4169EE7 funded",
     "0x52908400098527886E0F7030069857D2E4169EE7"),
    ("eth-after-address-key", "crypto_wallet", "eth_address=0xde709f2102306220921060314715629080e2fb77",
     "0xde709f2102306220921060314715629080e2fb77"),
] + [  # EIP-55's own examples: a mixed-case checksum is evidence enough, no wallet word needed
    (f"eth-eip55-{i}", "crypto_wallet", f"to {a} ok", a) for i, a in enumerate((
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"))]

LOOK_ALIKES = [
    ("mac-no-device", "iface lo 00:00:00:00:00:00 bcast ff:ff:ff:ff:ff:ff FF-FF-FF-FF-FF-FF"),
    ("mac-times-and-ipv6", "at 12:34:56, 2026-11-23T12:34:56.789Z, ::1, fe80::1 and 2001:db8:0:0:0:0:0:1/64"),
    ("mac-other-lengths", "md5 16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48, aa:bb:cc:dd:ee, "
                          "aa:bb:cc:dd:ee:ff:00, SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"),
    ("mac-mixed-separators", "00:1A-2B:3C-4D:5E and 00:1A:2B:3C:4D:5E:x and x00:1A:2B:3C:4D:5E"),
    ("mac-version-shaped", "build 2024.1101.0001.3 and 2024.1101.0001-rc1"),
    ("mac-decimal-without-a-mac-word", "build 2026.1130.1234 deployed, calver 2024.1101.0001, at 12:34:56:78:90:12"),
    ("btc-checksum-fails", "ref 1BoatSLRHtKNngkdXEeobR76b53LETtpyZ 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz"),
    ("btc-bech32-fails-or-mixed", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdp Bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
    ("base58-shaped-ids", "id 1AbCdEfGhJkLmNpQrStUvWxYz23456789 and trace 4bf92f3577b34da6a3ce929d0e0e4736"),
    ("eth-without-a-word", "tx hash 0x52908400098527886E0F7030069857D2E4169EE7 and keccak "
                           "0xde709f2102306220921060314715629080e2fb77"),
    ("eth-wrong-length", "wallet 0x52908400098527886E0F7030069857D2E4169EE and 0x52908400098527886E0F7030069857D2E4169EE77"),
    ("eth-eip55-one-case-flipped", "to 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD ok, 0xfb6916095ca1df60bB79Ce92cE3Ea74c37c5d359"),
]


def test_addresses_are_replaced_and_look_alikes_survive():
    """One loop over the named cases (cheap): each positive loses its address to its detector, look-alikes stay."""
    failures = []
    for name, detector, text, secret in ADDRESSES:
        out, found = R.text.scrub(text)
        if secret in out or found.get(detector, 0) < 1 or out.replace("REDACTED", secret, 1) != text:
            failures.append((name, text, out, found))
    for name, text in LOOK_ALIKES:  # IPv6 addresses among them are the ip detector's to truncate
        out, found = R.text.scrub(text)
        if found.keys() & {"mac_address", "crypto_wallet"}:
            failures.append((name, text, out, found))
    assert failures == []


def test_each_can_be_switched_off_by_name():
    r = Redactor(Policy.from_dict({"text": {"detectors": {"mac_address": False, "crypto_wallet": False}}}))
    for _, _, text, _ in ADDRESSES:
        assert r.text.scrub(text) == (text, {}), text


# -- independent encoders: what a wallet writes, from random payloads -----------------------------------------------
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58check(version: int, payload: bytes) -> str:
    raw = bytes([version]) + payload
    raw += hashlib.sha256(hashlib.sha256(raw).digest()).digest()[:4]
    n, out = int.from_bytes(raw, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def _bech32(version: int, program: bytes) -> str:
    """BIP 173/350 encoder: the program regrouped from 8 to 5 bits, then the six checksum characters."""
    bits = "".join(f"{b:08b}" for b in program)
    bits += "0" * (-len(bits) % 5)
    data = [version] + [int(bits[i:i + 5], 2) for i in range(0, len(bits), 5)]
    const = 1 if version == 0 else 0x2BC830A3
    mod = _polymod([3, 3, 0, 2, 3] + data + [0] * 6) ^ const
    data += [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return "bc1" + "".join("qpzry9x8gf2tvdw0s3jn54khce6mua7l"[d] for d in data)


def test_checksums_accept_what_an_encoder_writes_and_reject_one_changed_character():
    rng = random.Random(16)
    bad = []
    for _ in range(300):
        payload = bytes(rng.randrange(256) for _ in range(20))
        for address, valid in ((_base58check(rng.choice((0, 5)), payload), base58check_valid),
                               (_bech32(0, payload), bech32_valid),
                               (_bech32(1, payload + bytes(rng.randrange(256) for _ in range(12))), bech32_valid)):
            i = rng.randrange(4, len(address))
            alphabet = _B58 if valid is base58check_valid else "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
            changed = address[:i] + rng.choice(alphabet.replace(address[i], "")) + address[i + 1:]
            if not valid(address) or valid(changed):
                bad.append((address, changed))
            if R.text.scrub(f"to {address} ok")[0] != "to REDACTED ok":
                bad.append((address, "not redacted"))
    assert bad == []


# -- EIP-55: the checksum is Keccak-256's (pycryptodome), not SHA3-256's (hashlib), which pads differently ------------
def _checksummed(raw: bytes, hash_hex) -> str:
    """EIP-55's encoder: each hex letter upper-case where the nibble of hash(lower-case hex) is 8 or more."""
    low = raw.hex()
    digest = hash_hex(low.encode())
    return "0x" + "".join(c.upper() if c.isalpha() and int(h, 16) >= 8 else c for c, h in zip(low, digest))


def test_eip55_checksums_of_random_addresses_are_found_and_sha3_ones_are_not():
    rnd = random.Random(55)
    found = wrong = 0
    for _ in range(200):
        raw = bytes(rnd.randrange(256) for _ in range(20))
        good = _checksummed(raw, lambda b: keccak.new(digest_bits=256, data=b).hexdigest())
        sha3 = _checksummed(raw, lambda b: hashlib.sha3_256(b).hexdigest())
        mixed = good[2:] not in (good[2:].lower(), good[2:].upper())
        assert eip55_valid(good) == mixed, good  # one case throughout carries no checksum
        found += mixed
        if sha3 != good and sha3[2:] not in (sha3[2:].lower(), sha3[2:].upper()):
            assert not eip55_valid(sha3), sha3
            wrong += 1
        if mixed:
            out, hits = R.text.scrub(f"sent {good} ok")
            assert out == "sent REDACTED ok" and hits == {"crypto_wallet": 1}, out
    assert found > 150 and wrong > 150
