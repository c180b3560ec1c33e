"""The real client address behind the reverse proxies named in ``SECCOOP_TRUSTED_PROXIES``.

``X-Forwarded-For`` is read only when the request comes from a trusted proxy; the client is the
right-most address of the chain that is not itself a trusted proxy (each proxy appends the peer it
saw, so addresses to the left of an untrusted hop may be forged). django-axes keys its throttle
on this address (``AXES_CLIENT_IP_CALLABLE``) and audit events record it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted_networks() -> list[Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.SECCOOP_TRUSTED_PROXIES]


def _is_trusted(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Any) -> str | None:
    """The client's address: the peer's, or the right-most untrusted hop behind a trusted proxy."""
    remote: str | None = request.META.get("REMOTE_ADDR") or None
    networks = _trusted_networks()
    if remote is None or not networks or not _is_trusted(remote, networks):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    client = remote
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            # A malformed entry ends the chain we can believe.
            return client
        client = hop
        if not _is_trusted(hop, networks):
            return hop
    return client
