"""Where a delivery may go, and connecting to exactly the address that was checked.

A subscription's URL is resolved at every attempt; every address the name resolves to
must be public (``ipaddress``'s ``is_global``, and not multicast): no private (10/8,
172.16/12, 192.168/16, fc00::/7), loopback, link-local (169.254/16 — cloud metadata —,
fe80::/10), shared (100.64/10), unspecified or reserved address, including IPv4 mapped
into IPv6. The request then goes to the first checked address itself (the URL's host
kept in the ``Host`` header and, for https, in TLS's server name and certificate check),
so a DNS answer that changes between the check and the connection (DNS rebinding) cannot
send it elsewhere. ``WEBHOOKS_ALLOW_PRIVATE = True`` lifts the address rule (local
receivers in development and tests); the scheme rule (http or https) always holds.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError


class DestinationRefused(ApplicationError):
    """The URL may not be delivered to (scheme, unresolvable host, or a private address)."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def private_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def address_public(address: IPAddress) -> bool:
    """True for an address on the public internet (the only kind a delivery may reach)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Destination:
    url: str  # the URL with the checked address in place of the host name
    host_header: str  # the original host[:port]
    sni_hostname: str | None  # for https: the name TLS presents and verifies
    address: str
    scheme: str = "https"
    port: int = 443
    target: str = "/"  # path and query
    addresses: list[str] = field(default_factory=list)


def url_check_shape(url: str) -> tuple[str, str, int]:
    """Scheme http/https and a host; returns (scheme, host, port). Raises DestinationRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(_("Enter a valid URL."), field="url") from exc
    scheme = (parts.scheme or "").lower()
    if scheme not in {"http", "https"}:
        raise DestinationRefused(_("The URL must start with http:// or https://."), field="url")
    host = parts.hostname
    if not host:
        raise DestinationRefused(_("The URL has no host."), field="url")
    if parts.username or parts.password:
        raise DestinationRefused(
            _("The URL must not contain a user name or password."), field="url"
        )
    return scheme, host, port or (443 if scheme == "https" else 80)


def url_check_literal(url: str) -> None:
    """At save time: refuse a URL whose host is a private address written out (or localhost).

    Host names are checked again, resolved, at every delivery (their answer may change).
    """
    _scheme, host, _port = url_check_shape(url)
    if private_allowed():
        return
    if host.lower() in {"localhost", "localhost.localdomain"} or host.lower().endswith(
        ".localhost"
    ):
        raise DestinationRefused(_("Deliveries to this host are not allowed."), field="url")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address_public(address):
        raise DestinationRefused(
            _("Deliveries to private, loopback, link-local or reserved addresses are not allowed."),
            field="url",
        )


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise DestinationRefused(
            _("The host %(host)s could not be resolved.") % {"host": host}, field="url"
        ) from exc
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        text = sockaddr[0].split("%", 1)[0]  # drop an IPv6 zone
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise DestinationRefused(
            _("The host %(host)s could not be resolved.") % {"host": host}, field="url"
        )
    return addresses


def destination_resolve(url: str) -> Destination:
    """Resolve the URL's host, check every address, and pin the request to the first one."""
    scheme, host, port = url_check_shape(url)
    addresses = _resolve(host, port)
    if not private_allowed():
        for text in addresses:
            if not address_public(ipaddress.ip_address(text)):
                raise DestinationRefused(
                    _(
                        "%(host)s resolves to %(address)s, a private, loopback, link-local or "
                        "reserved address: deliveries there are not allowed."
                    )
                    % {"host": host, "address": text},
                    field="url",
                )
    address = addresses[0]
    parts = urlsplit(url)
    netloc_host = f"[{address}]" if ":" in address else address
    netloc = f"{netloc_host}:{port}"
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
    pinned = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(
        url=pinned,
        host_header=host_header,
        sni_hostname=host if scheme == "https" else None,
        address=address,
        scheme=scheme,
        port=port,
        target=target,
        addresses=addresses,
    )
