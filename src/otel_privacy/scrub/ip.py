"""Truncate IP addresses to a network prefix (IPv4 /24, IPv6 /48 by default)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

__all__ = ["truncate_ip"]


@lru_cache(maxsize=4096)
def truncate_ip(value: str, ipv4_prefix: int = 24, ipv6_prefix: int = 48) -> str | None:
    """Return ``value`` with host bits zeroed, or ``None`` when it is not an IP address.

    Accepts an optional port (``1.2.3.4:5678``, ``[::1]:80``) and an IPv6 zone (``fe80::1%eth0``);
    the port is dropped because with the host bits gone it only adds cardinality.
    """
    text = value.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1 and "." in text:  # v4:port
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]
    if ":" not in text:
        return _truncate_v4(text, ipv4_prefix)
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    prefix = ipv4_prefix if addr.version == 4 else ipv6_prefix
    network = ipaddress.ip_network(f"{addr}/{prefix}", strict=False)
    return str(network.network_address)


def _truncate_v4(text: str, prefix: int) -> str | None:
    """Dotted-quad IPv4 without the ipaddress module (several times faster; same rules and output).

    Like :class:`ipaddress.IPv4Address`: exactly four decimal octets of at most three ASCII digits,
    each ≤ 255, no leading zeros (``010`` is ambiguous: octal to some parsers).
    """
    octets = text.split(".")
    if len(octets) != 4:
        return None
    n = 0
    for o in octets:
        if not (o.isascii() and o.isdigit()) or len(o) > 3 or (len(o) > 1 and o[0] == "0"):
            return None
        v = int(o)
        if v > 255:
            return None
        n = n << 8 | v
    if not 0 <= prefix <= 32:
        raise ValueError(f"IPv4 prefix length must be 0..32, not {prefix}")
    n &= (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
    return f"{n >> 24}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
