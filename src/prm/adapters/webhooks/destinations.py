"""Where webhooks may be sent: a guard against server-side request forgery (OWASP SSRF prevention).

- In production (``PRM_ENV=production``) only ``https`` URLs.
- Unless ``PRM_WEBHOOK_ALLOW_PRIVATE`` (default: true in development and test, false in
  production), the host must resolve only to public addresses: every address ``getaddrinfo``
  gives (run through the event loop's resolver, in a thread) is refused if it is private,
  loopback, link-local, multicast, reserved, unspecified or otherwise not globally reachable
  (``ipaddress``; IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry).
- The check runs when a URL is set (a 422 naming ``url``) and again before every attempt, whose
  connection then goes to the very address checked (:class:`Destination`), so that a name that
  later resolves elsewhere (DNS rebinding) cannot reach an internal address.
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from prm.application.webhooks.ports import DestinationPolicy
from prm.domain.webhooks.errors import UnsafeDestination
from prm.settings import Settings

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked URL: its host and port, and the address to connect to (``None``: let the HTTP
    client resolve it, when private addresses are allowed)."""

    host: str
    port: int
    address: IpAddress | None


def is_public(address: IpAddress) -> bool:
    """Whether webhooks may go to ``address`` when private ones are not allowed."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


class NetworkDestinationPolicy(DestinationPolicy):
    """The policy of the module docstring, from the settings (APP scope)."""

    def __init__(self, settings: Settings) -> None:
        self._https_only = settings.env == "production"
        allow = settings.webhook_allow_private
        self._allow_private = allow if allow is not None else settings.env != "production"

    async def check(self, url: str) -> None:
        await self.destination(url)

    async def destination(self, url: str) -> Destination:
        """The checked destination of ``url``; raises :class:`UnsafeDestination` naming why."""
        parts = urlsplit(url)
        if self._https_only and parts.scheme != "https":
            raise UnsafeDestination("url must be an https:// URL in production")
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if self._allow_private:
            return Destination(host, port, None)
        literal = _literal(host)
        addresses = [literal] if literal is not None else await self._resolve(host, port)
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise UnsafeDestination(
                "url must not lead to a private, loopback, link-local, multicast, reserved or unspecified address"
            )
        return Destination(host, port, addresses[0] if addresses else None)

    async def _resolve(self, host: str, port: int) -> list[IpAddress]:
        loop = asyncio.get_running_loop()
        try:
            found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise UnsafeDestination(f"the host of url does not resolve ({exc})") from exc
        addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found))
        if not addresses:
            raise UnsafeDestination("the host of url does not resolve")
        return addresses
