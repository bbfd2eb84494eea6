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
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    prefix = ipv4_prefix if addr.version == 4 else ipv6_prefix
    network = ipaddress.ip_network(f"{addr}/{prefix}", strict=False)
    return str(network.network_address)
