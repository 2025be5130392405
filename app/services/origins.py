"""Where a request comes from, as staff may record it: the client's network (its IPv4 /24
or IPv6 /48), never the full address. A rating records it, a staff sign-in records it,
and a supervisor sees when a unit's ratings come from a staff network or from one place
again and again."""

from __future__ import annotations

import ipaddress

from flask import has_request_context, request


def network_of(address: str | None) -> str:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def client_address() -> str:
    """The client's address (behind PROXY_HOPS trusted proxies, the one they saw)."""
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:45]


def web_origin() -> str:
    return "web:" + network_of(client_address())
