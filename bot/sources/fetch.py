"""The one network edge for outgoing HTTP: `Fetcher.get(url) -> FetchResult`, never an exception.

Every feed poll and page fetch goes through one Fetcher (one shared httpx.AsyncClient). It enforces:
- an overall deadline per request (redirects and body included; httpx's own timeouts only measure
  inactivity), a connect timeout, and a stall timeout (no bytes for N seconds);
- redirects followed by hand (at most `max_redirects`, loops detected), every hop re-checked;
- the address policy of netguard.py at connect time, on the address actually connected to;
- a cap on the DECODED body size: gzip/deflate are inflated here, in bounded steps, so a gzip bomb is cut
  after `max_bytes` of output instead of expanding a whole 64 KB network chunk (~64 MB) at once;
- at most `per_host` requests per host:port and `total` overall in flight;
- no cookies kept between requests, no proxies or .netrc from the environment (a proxy would bypass the
  address check; configuration is read only by bot/config.py).

Failures come back as FetchResult.error, one line naming the cause ("HTTP 404 Not Found", "timed out after
20 s", "blocked: 10.0.0.5 is a private address (...)"). Only cancellation propagates.

The result type and the wording of failures are in fetchresult.py, the bounded gzip/deflate decoder in
inflate.py, the address policy and the guarded connect in netguard.py; this module is the client itself.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import logging
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import certifi
import httpcore
import httpx

from bot.sources.fetchresult import (
    FetchFailure, FetchResult, describe_failure, parse_retry_after, seconds, size, status_line,
)
from bot.sources.inflate import Inflater
from bot.sources.netguard import AddressPolicy, GuardedBackend, UnsafeURL, check_url, ip_literal

__all__ = ["DEFAULT_UA", "AddressPolicy", "FetchResult", "Fetcher", "UnsafeURL", "check_url"]

log = logging.getLogger(__name__)

DEFAULT_UA = "newsbot/0.1 (+https://github.com/newsbot/newsbot)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _redact(url: str | httpx.URL) -> str:
    """scheme://host[:port]/path for logs: query strings often carry API keys."""
    try:
        u = httpx.URL(url) if isinstance(url, str) else url
        return str(u.copy_with(query=None, fragment=None, userinfo=None))
    except Exception:
        return "<invalid URL>"


def _header_value(value: str | None) -> str | None:
    """A caller-supplied header value, or None when it is empty or could split the header block."""
    if value is None:
        return None
    value = value.strip()
    if not value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    return value


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool rebuilt on top of GuardedBackend.

    httpx has no public knob for an httpcore network backend, so the pool it builds is replaced by one
    built here with the same settings. The pool is httpx's private `_pool`; tests in test_fetch.py
    (a hostname resolving to 127.0.0.1 is refused) fail loudly if a future httpx stops using it.
    """

    def __init__(self, backend: GuardedBackend, ssl_context: ssl.SSLContext, limits: httpx.Limits) -> None:
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("httpx.AsyncHTTPTransport no longer keeps its pool in _pool; update fetch.py")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class Fetcher:
    """One shared HTTP client for all outgoing requests. Use as `async with Fetcher(...) as f:`."""

    def __init__(
        self,
        *,
        policy: AddressPolicy = AddressPolicy(),
        max_bytes: int = 5_000_000,
        deadline: float = 20.0,
        connect_timeout: float = 5.0,
        per_host: int = 2,
        total: int = 20,
        user_agent: str = DEFAULT_UA,
        max_redirects: int = 5,
        stall_timeout: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.connect_timeout = connect_timeout
        self.stall_timeout = stall_timeout
        self.per_host = per_host
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._total = asyncio.Semaphore(total)
        self._hosts: dict[str, list] = {}  # "host:port" -> [Semaphore, number of users]; dropped when unused
        self._backend = GuardedBackend(policy)
        context = ssl_context if ssl_context is not None else ssl.create_default_context(cafile=certifi.where())
        limits = httpx.Limits(max_connections=max(total, 1), max_keepalive_connections=10, keepalive_expiry=15.0)
        # An empty allowed_domains list makes the jar refuse every cookie: no state shared between feeds.
        no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._client = httpx.AsyncClient(
            transport=_GuardedTransport(self._backend, context, limits),
            timeout=httpx.Timeout(connect=connect_timeout, read=stall_timeout, write=stall_timeout, pool=deadline),
            follow_redirects=False,
            trust_env=False,
            cookies=no_cookies,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    @asynccontextmanager
    async def _host_slot(self, key: str) -> AsyncIterator[None]:
        entry = self._hosts.get(key)
        if entry is None:
            entry = self._hosts[key] = [asyncio.Semaphore(self.per_host), 0]
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0 and self._hosts.get(key) is entry:
                del self._hosts[key]

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, accept: str | None = None
    ) -> FetchResult:
        """GET `url`, following redirects. Never raises except on cancellation; failures are in `.error`."""
        started = time.monotonic()
        result = FetchResult(url=url, final_url=url, status=None, content=b"", headers={})
        headers = {"Accept": _header_value(accept) or "*/*"}
        if (value := _header_value(etag)) is not None:
            headers["If-None-Match"] = value
        if (value := _header_value(last_modified)) is not None:
            headers["If-Modified-Since"] = value
        try:
            await self._fetch(url, headers, result)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # errors are values: one line for the caller, details in the debug log
            result.error = self._describe(exc)
            result.content = b""
        result.elapsed = time.monotonic() - started
        if result.error is not None and result.error.startswith("blocked: "):
            log.warning("refused to fetch %s: %s", _redact(result.final_url), result.error)
        elif result.error is None:
            log.debug("GET %s -> %s, %d bytes in %.2f s", _redact(result.final_url), result.status,
                      len(result.content), result.elapsed)
        else:
            log.debug("GET %s failed after %.2f s: %s", _redact(result.final_url), result.elapsed, result.error)
        return result

    async def _fetch(self, url: str, headers: dict[str, str], result: FetchResult) -> None:
        loop = asyncio.get_running_loop()
        deadline = asyncio.timeout(None)

        def start_clock() -> None:
            # Time spent queueing for the first slots is not the server's fault: the clock starts here.
            if deadline.when() is None:
                deadline.reschedule(loop.time() + self.deadline)

        try:
            async with deadline:
                await self._follow(url, headers, result, start_clock)
        except TimeoutError:
            if deadline.expired():
                raise FetchFailure(f"timed out after {seconds(self.deadline)} s") from None
            raise

    async def _follow(
        self, url: str, headers: dict[str, str], result: FetchResult, start_clock: Callable[[], None]
    ) -> None:
        """The redirect loop. `start_clock` starts the deadline once the first hop holds its slots."""
        check_url(url)
        current = url.strip()
        visited: set[str] = set()
        for _ in range(self.max_redirects + 1):
            result.final_url = current
            check_url(current)
            target = httpx.URL(current).copy_with(fragment=None)
            visited.add(str(target))
            literal = ip_literal(target.host)
            if literal is not None:
                self.policy.check_ip(literal)  # refuse before touching the network; connect re-checks anyway
            port = target.port or (443 if target.scheme == "https" else 80)
            # Host slot first, then a global one: a request waiting for its busy host must not sit on one of
            # the `total` slots meanwhile. Both are released after each hop, so no hop waits while holding a
            # slot another request needs (no deadlock across redirect chains).
            async with self._host_slot(f"{target.host}:{port}"), self._total:
                start_clock()
                request = self._client.build_request("GET", target, headers=headers)
                response = await self._client.send(request, stream=True, follow_redirects=False)
                try:
                    status = response.status_code
                    if status in _REDIRECTS and "location" in response.headers:
                        try:
                            nxt = target.join(response.headers["location"].strip()).copy_with(fragment=None)
                        except (httpx.InvalidURL, ValueError) as exc:
                            raise FetchFailure(f"invalid redirect Location ({status_line(status)}): {exc}") from None
                        log.debug("%s redirects to %s (%d)", _redact(target), _redact(nxt), status)
                        if str(nxt) in visited:
                            result.final_url = str(nxt)
                            raise FetchFailure("redirect loop")
                        current = str(nxt)
                        continue
                    result.status = status
                    result.final_url = str(response.url)
                    result.headers = {k.lower(): v for k, v in response.headers.items()}
                    if status == 304:
                        result.not_modified = True
                    elif 200 <= status < 300:
                        result.content = await self._read_body(response)
                    else:
                        self._http_error(response, result)
                    return
                finally:
                    await response.aclose()
        result.final_url = current
        raise FetchFailure(f"too many redirects (> {self.max_redirects})")

    def _http_error(self, response: httpx.Response, result: FetchResult) -> None:
        status = response.status_code
        line = status_line(status)
        if status in _REDIRECTS:
            line += " without a Location header"
        result.error = line
        result.gone = status == 410
        result.retry_after = parse_retry_after(response.headers.get("retry-after"), response.headers.get("date"))

    async def _read_body(self, response: httpx.Response) -> bytes:
        limit = self.max_bytes
        too_big = FetchFailure(f"response larger than {size(limit)}")
        encoding = response.headers.get("content-encoding", "").strip().lower()
        inflater: Inflater | None = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            inflater = Inflater(encoding)
        elif encoding not in ("", "identity"):
            raise FetchFailure(f"unsupported Content-Encoding {encoding!r}")
        else:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise too_big  # no need to download what will be thrown away
        body = bytearray()
        try:
            async for raw in response.aiter_raw():
                body += inflater.feed(raw, limit - len(body)) if inflater else raw
                if len(body) > limit:
                    raise too_big
            if inflater is not None:
                body += inflater.flush()
        except zlib.error as exc:
            raise FetchFailure(f"could not decode {encoding} body: {exc}") from None
        if len(body) > limit:
            raise too_big
        return bytes(body)

    def _describe(self, exc: Exception) -> str:
        """The one-line reason for a failure, naming its cause (wording in fetchresult.describe_failure)."""
        line = describe_failure(exc, connect_timeout=self.connect_timeout, stall_timeout=self.stall_timeout)
        if line is not None:
            return line
        log.warning("unexpected fetch failure", exc_info=exc)
        return f"unexpected error: {type(exc).__name__}: {exc}"
