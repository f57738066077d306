"""Which URLs and addresses newsbot may fetch, and a network backend that only connects to checked addresses.

Feed and page URLs come from users, so a fetch must not become a way to reach the bot's own host or its
network (SSRF): loopback, private, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved
and unspecified addresses are refused unless the operator sets NEWSBOT_ALLOW_PRIVATE_URLS=1
(`AddressPolicy(allow_private=True)`).

Checking a hostname and then letting the HTTP library resolve it again would leave a window in which a
DNS answer can change (DNS rebinding). So the check lives where the socket is opened: `GuardedBackend` is an
httpcore network backend whose `connect_tcp(host, port)` resolves the host itself, refuses it if ANY of its
addresses is disallowed, and then connects to one of the addresses it just checked. TLS is unaffected:
httpcore hands the URL's hostname to `start_tls` as `server_hostname`, so SNI and certificate checks still
use the name, not the IP. Every redirect hop and every new connection passes through the same code.

Ports are not restricted: feeds live on :8080 and friends, and the address check is what protects the
intranet. URLs carrying user:password@ are refused (credentials would end up in logs and stored feed lists).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Iterable, Union

import httpcore
import httpx

__all__ = ["AddressPolicy", "UnsafeURL", "DNSLookupFailed", "GuardedBackend", "check_url", "ip_literal"]

log = logging.getLogger(__name__)

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

MAX_URL_LENGTH = 8192
_ALLOW_HINT = "(set NEWSBOT_ALLOW_PRIVATE_URLS=1 to allow)"
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits; a gateway would forward it there.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class UnsafeURL(ValueError):
    """A URL or address newsbot refuses to fetch. str(exc) is the one-line reason shown to people."""


class DNSLookupFailed(OSError):
    """The host name did not resolve to any address."""


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _address_kind(ip: IPAddress) -> str | None:
    """Why an address is not public ('private', 'loopback', ...), or None when it may be fetched."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return _address_kind(inner)
        if ip.is_site_local:
            return "site-local"
    # Order matters: the first matching word is the one people see (0.0.0.0 is also "private").
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "carrier-grade NAT (100.64.0.0/10)"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-public"
    return None


def _as_network(value: Any) -> IPNetwork:
    return value if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)) else ipaddress.ip_network(value)


@dataclass(frozen=True)
class AddressPolicy:
    """Which IP addresses may be connected to. Pure data; no I/O except `resolve`.

    allow_private: lift the check entirely (NEWSBOT_ALLOW_PRIVATE_URLS=1: tests, intranets).
    extra_allowed: networks allowed even though they are not public, e.g. exactly 127.0.0.1/32 for a test
        server while 127.0.0.2 stays blocked. Strings are accepted and converted.
    resolver_overrides: host name -> addresses used instead of DNS (tests; pinning a host). An empty list
        means "does not resolve".
    """

    allow_private: bool = False
    extra_allowed: tuple[IPNetwork, ...] = ()
    resolver_overrides: Mapping[str, Sequence[str]] | None = field(default=None, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_allowed", tuple(_as_network(n) for n in self.extra_allowed))

    def check_ip(self, ip: str | IPAddress) -> None:
        """Raise UnsafeURL with a one-line reason when `ip` must not be connected to."""
        addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
        if isinstance(addr, ipaddress.IPv6Address) and addr.scope_id:
            addr = ipaddress.IPv6Address(str(addr).split("%", 1)[0])
        if self.allow_private:
            return
        candidates = [addr]
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            candidates.append(addr.ipv4_mapped)
        if any(c.version == net.version and c in net for c in candidates for net in self.extra_allowed):
            return
        kind = _address_kind(addr)
        if kind is not None:
            raise UnsafeURL(f"blocked: {addr} is {_article(kind)} {kind} address {_ALLOW_HINT}")

    def is_allowed(self, ip: str | IPAddress) -> bool:
        try:
            self.check_ip(ip)
        except UnsafeURL:
            return False
        return True

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses `host` resolves to, in the resolver's preferred order, without duplicates.

        Raises DNSLookupFailed. IP literals (including glibc's decimal/octal/hex spellings such as 2130706433
        or 0177.0.0.1) come back as the canonical address they mean, so the policy sees the real target.
        """
        key = host.lower().rstrip(".")
        # One lookup per call, also for overrides: the answer checked must be the answer connected to.
        pinned = self.resolver_overrides.get(key) if self.resolver_overrides is not None else None
        if pinned is not None:
            answers = [str(ipaddress.ip_address(a)) for a in pinned]
        else:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
            except (socket.gaierror, UnicodeError) as exc:
                raise DNSLookupFailed(f"DNS lookup failed for {host}") from exc
            answers = [info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)]
        unique = list(dict.fromkeys(answers))
        if not unique:
            raise DNSLookupFailed(f"DNS lookup failed for {host}")
        return unique

    async def checked_addresses(self, host: str, port: int) -> list[str]:
        """Resolve `host` and return its addresses, or raise UnsafeURL if any one of them is disallowed.

        Refusing the whole name when one answer is bad (rather than skipping that answer) keeps a hostile
        DNS server from mixing a public address with an internal one and winning on retries.
        """
        addresses = await self.resolve(host, port)
        for address in addresses:
            self.check_ip(address)
        return addresses


def ip_literal(host: str) -> IPAddress | None:
    """The address when `host` is written as a plain IP literal (IPv6 with or without brackets)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_url(url: str) -> None:
    """Syntax only: an http(s) URL with a host, no user:password@, a sane length. Raises UnsafeURL.

    Parsed with httpx.URL, the same parser that will send the request, so this check and the request can
    not disagree about the host. Address checks happen at connect time (AddressPolicy / GuardedBackend).
    """
    if not isinstance(url, str) or not url.strip():
        raise UnsafeURL("empty URL")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(f"URL longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise UnsafeURL(f"invalid URL: {exc}") from None
    scheme = parsed.scheme.lower()
    if not scheme:
        raise UnsafeURL("invalid URL: no scheme (expected http:// or https://)")
    if scheme not in ("http", "https"):
        raise UnsafeURL(f"unsupported URL scheme {scheme!r}")
    if not parsed.host:
        raise UnsafeURL("invalid URL: no host")
    if parsed.userinfo:
        raise UnsafeURL("URLs with a user name or password are not allowed")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise UnsafeURL(f"invalid URL: port {parsed.port}")


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks, and connects to the checked address.

    Everything except `connect_tcp` is delegated to the inner backend (anyio on asyncio). The host httpcore
    passes in is the URL's host; the inner backend only ever sees an IP literal, so it never resolves names.
    """

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.policy = policy
        self.inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            addresses = await asyncio.wait_for(self.policy.checked_addresses(host, port), timeout)
        except UnsafeURL as exc:
            log.debug("refused connection to %s port %s: %s", host, port, exc)  # the Fetcher logs a WARNING
            raise
        except asyncio.TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"DNS lookup for {host} timed out") from exc
        last_error: Exception | None = None
        for address in addresses:
            remaining = None if timeout is None else max(0.01, timeout - (loop.time() - started))
            try:
                stream = await self.inner.connect_tcp(
                    address, port, timeout=remaining, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                log.debug("connect to %s (%s) port %s failed: %s", host, address, port, exc)
                last_error = exc
                continue
            log.debug("connected to %s via %s port %s", host, address, port)
            return stream
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise UnsafeURL("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
