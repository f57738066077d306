"""What one fetch gives back (FetchResult), and the one-line wording of every way it can fail.

fetch.py's Fetcher fills a FetchResult and never raises; a failure is a line in `.error` that names its
cause ("HTTP 404 Not Found", "timed out after 20 s", "connection refused", ...). The wording lives here:
FetchFailure carries a line already worded, status_line and size word HTTP statuses and limits, and
describe_failure turns an httpx / ssl / netguard exception into its line. parse_retry_after reads the
Retry-After header of an error response into seconds.
"""

from __future__ import annotations

import email.utils
import errno
import http
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

from bot.sources.netguard import DNSLookupFailed, UnsafeURL

__all__ = ["FetchResult", "FetchFailure", "seconds", "size", "status_line", "parse_retry_after",
           "describe_failure"]

_MAX_RETRY_AFTER = 7 * 24 * 3600.0  # a larger Retry-After is a server bug; do not park a feed for years


@dataclass
class FetchResult:
    """What one GET produced. `error` is None exactly when the fetch succeeded (2xx, or 304 Not Modified)."""

    url: str  # as asked for
    final_url: str  # after redirects; on a refused hop, the hop that was refused
    status: int | None  # HTTP status of the last response, None when no response arrived
    content: bytes  # decoded body (2xx only)
    headers: dict[str, str]  # last response's headers, lower-cased names, repeated headers joined by ", "
    not_modified: bool = False
    error: str | None = None
    retry_after: float | None = None  # seconds, from Retry-After on an error response
    gone: bool = False  # HTTP 410: the caller should stop polling
    elapsed: float = 0.0  # seconds from the call to the result, waiting for a free slot included

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class FetchFailure(Exception):
    """A failure whose message is already the one line the caller gets (internal to the fetch modules)."""


def seconds(value: float) -> str:
    return f"{value:g}"


def size(n: int) -> str:
    if n >= 1_000_000 and n % 100_000 == 0:
        return f"{n / 1_000_000:g} MB"
    if n >= 1_000 and n % 100 == 0:
        return f"{n / 1_000:g} KB"
    return f"{n} bytes"


def status_line(code: int) -> str:
    try:
        return f"HTTP {code} {http.HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def parse_retry_after(value: str | None, date_header: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds, or an HTTP date (relative to the response's Date if present)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), _MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)
    if date_header:
        try:
            server_now = email.utils.parsedate_to_datetime(date_header)
            now = server_now if server_now.tzinfo else server_now.replace(tzinfo=timezone.utc)
        except (TypeError, ValueError, IndexError):
            pass
    return min(max(0.0, (when - now).total_seconds()), _MAX_RETRY_AFTER)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _tls_reason(err: ssl.SSLError) -> str:
    if isinstance(err, ssl.SSLCertVerificationError) and err.verify_message:
        return f"TLS error: certificate verify failed: {err.verify_message}"
    return f"TLS error: {err.reason or err.strerror or err}"


def describe_failure(exc: Exception, *, connect_timeout: float, stall_timeout: float) -> str | None:
    """The one-line reason for a failure, naming its cause; None when `exc` is not a known fetch failure."""
    if isinstance(exc, (FetchFailure, UnsafeURL, DNSLookupFailed)):
        return str(exc)
    chain = _chain(exc)
    for err in chain:  # wrapped causes first: they are more specific than httpx's wrappers
        if isinstance(err, (UnsafeURL, DNSLookupFailed)):
            return str(err)
        if isinstance(err, ssl.SSLError):
            return _tls_reason(err)
    if isinstance(exc, httpx.ConnectTimeout):
        return str(exc) if str(exc).startswith("DNS") else f"connect timed out after {seconds(connect_timeout)} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"stalled: no data for {seconds(stall_timeout)} s"
    if isinstance(exc, httpx.WriteTimeout):
        return f"stalled: could not send the request for {seconds(stall_timeout)} s"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    if isinstance(exc, (httpx.ConnectError, httpx.ReadError, httpx.WriteError)):
        for err in chain:
            if isinstance(err, ConnectionRefusedError) or getattr(err, "errno", None) == errno.ECONNREFUSED:
                return "connection refused"
            if isinstance(err, ConnectionResetError):
                return "connection reset by the server"
            if getattr(err, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                return f"network unreachable: {err.strerror or err}"
        kind = "connection failed" if isinstance(exc, httpx.ConnectError) else "network error"
        return f"{kind}: {exc or type(exc).__name__}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"server broke the HTTP protocol: {exc}"
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return f"invalid URL: {exc}"
    if isinstance(exc, httpx.HTTPError):
        return f"HTTP client error: {type(exc).__name__}: {exc}"
    return None
