"""bot.sources.fetch against real sockets on 127.0.0.1 (tests/httpfixtures.py); no internet needed.

Most tests allow exactly 127.0.0.1/32, so the address check runs on every request and 127.0.0.2 (also
routed to lo on Linux) stays a forbidden address for the SSRF tests.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import ssl
import time
import zlib
from collections.abc import Mapping

import httpcore
import pytest

from bot.sources.fetch import DEFAULT_UA, AddressPolicy, FetchResult, Fetcher
from bot.sources.inflate import Inflater
from tests.httpfixtures import LocalHTTPServer, Route, _bomb_body, gzip_bomb, make_cert, redirect, unused_port

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Flynn speaks</title><link>https://example.com/a</link></item></channel></rss>"""
LOCAL = AddressPolicy(extra_allowed=("127.0.0.1/32",))
BLOCK_HINT = "(set NEWSBOT_ALLOW_PRIVATE_URLS=1 to allow)"


def local(**overrides: object) -> AddressPolicy:
    """127.0.0.1 allowed, plus host names mapped by a resolver override."""
    return AddressPolicy(extra_allowed=("127.0.0.1/32",), resolver_overrides=overrides or None)  # type: ignore[arg-type]


@pytest.fixture
async def fetcher():
    async with Fetcher(policy=LOCAL, deadline=5.0) as f:
        yield f


# --- plain responses ---------------------------------------------------------------------------------------

async def test_200_with_body(http_server, fetcher):
    http_server.route("/feed.xml", body=RSS, headers={"X-Thing": "1"})
    r = await fetcher.get(http_server.url("/feed.xml"))
    assert r.ok and r.error is None
    assert (r.status, r.content, r.not_modified, r.gone) == (200, RSS, False, False)
    assert r.url == r.final_url == http_server.url("/feed.xml")
    assert r.content_type == "application/rss+xml"
    assert r.headers["x-thing"] == "1" and r.headers["content-length"] == str(len(RSS))
    assert 0 < r.elapsed < 5
    (req,) = http_server.requests
    assert req.headers["user-agent"] == DEFAULT_UA == "newsbot/0.1 (+https://github.com/newsbot/newsbot)"
    assert req.headers["accept-encoding"] == "gzip, deflate"
    assert req.headers["accept"] == "*/*"
    assert "if-none-match" not in req.headers and "if-modified-since" not in req.headers


async def test_accept_header_is_passed(http_server, fetcher):
    http_server.route("/f", body=RSS)
    await fetcher.get(http_server.url("/f"), accept="application/rss+xml, */*;q=0.5")
    assert http_server.requests[0].headers["accept"] == "application/rss+xml, */*;q=0.5"


async def test_304_with_etag(http_server, fetcher):
    http_server.route("/feed", body=RSS, etag='"v2"')
    r = await fetcher.get(http_server.url("/feed"), etag='"v2"')
    assert r.ok and r.not_modified and r.status == 304 and r.content == b""
    assert r.headers["etag"] == '"v2"'
    assert http_server.requests[0].headers["if-none-match"] == '"v2"'
    stale = await fetcher.get(http_server.url("/feed"), etag='"v1"')  # the server really compares
    assert stale.ok and not stale.not_modified and stale.content == RSS


async def test_304_with_last_modified(http_server, fetcher):
    stamp = "Tue, 04 Mar 2025 10:00:00 GMT"
    http_server.route("/feed", body=RSS, last_modified=stamp)
    r = await fetcher.get(http_server.url("/feed"), last_modified=stamp)
    assert r.ok and r.not_modified and r.status == 304 and r.content == b""
    assert http_server.requests[0].headers["if-modified-since"] == stamp
    older = await fetcher.get(http_server.url("/feed"), last_modified="Mon, 03 Mar 2025 10:00:00 GMT")
    assert older.status == 200 and older.content == RSS and older.headers["last-modified"] == stamp


async def test_header_values_cannot_inject_headers(http_server, fetcher):
    http_server.route("/feed", body=RSS)
    r = await fetcher.get(http_server.url("/feed"), etag='"x"\r\nX-Evil: 1', last_modified="\n")
    assert r.ok
    headers = http_server.requests[0].headers
    assert "x-evil" not in headers and "if-none-match" not in headers and "if-modified-since" not in headers


@pytest.mark.parametrize("status, error, gone", [
    (500, "HTTP 500 Internal Server Error", False),
    (404, "HTTP 404 Not Found", False),
    (410, "HTTP 410 Gone", True),
    (403, "HTTP 403 Forbidden", False),
    (599, "HTTP 599", False),
    (300, "HTTP 300 Multiple Choices", False),
    (302, "HTTP 302 Found without a Location header", False),
])
async def test_http_errors(http_server, fetcher, status, error, gone):
    http_server.route("/x", status=status, body=b"<html>sorry</html>", content_type="text/html")
    r = await fetcher.get(http_server.url("/x"))
    assert not r.ok
    assert (r.status, r.error, r.gone, r.content, r.retry_after) == (status, error, gone, b"", None)


async def test_retry_after_seconds(http_server, fetcher):
    http_server.route("/x", status=429, headers={"Retry-After": "120"})
    r = await fetcher.get(http_server.url("/x"))
    assert (r.error, r.retry_after) == ("HTTP 429 Too Many Requests", 120.0)


async def test_retry_after_http_date(http_server, fetcher):
    when = email.utils.formatdate(time.time() + 300, usegmt=True)
    http_server.route("/x", status=503, headers={"Retry-After": when})
    r = await fetcher.get(http_server.url("/x"))
    assert r.error == "HTTP 503 Service Unavailable"
    assert 290 <= r.retry_after <= 301


async def test_absurd_retry_after_is_capped(http_server, fetcher):
    http_server.route("/x", status=429, headers={"Retry-After": "99999999999999"})
    r = await fetcher.get(http_server.url("/x"))
    assert r.retry_after == 7 * 24 * 3600


@pytest.mark.parametrize("content_type, expected", [
    ("text/html; charset=utf-8", "text/html"),  # a web page where a feed was expected
    ("application/octet-stream", "application/octet-stream"),  # a wrong label on a real feed
    ("Application/XML;Charset=UTF-8", "application/xml"),
    (None, ""),
])
async def test_any_content_type_is_returned_and_the_caller_decides(http_server, fetcher, content_type, expected):
    body = b"<!doctype html><html><body>Hi</body></html>" if expected == "text/html" else RSS
    http_server.route("/page", body=body, content_type=content_type)
    r = await fetcher.get(http_server.url("/page"))
    assert r.ok and r.content == body and r.content_type == expected


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize("encoding, encode", [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", _raw_deflate),  # servers that send raw deflate without the zlib wrapper
    ("gzip", lambda b: gzip.compress(b[:100]) + gzip.compress(b[100:])),  # a two-member gzip file
])
async def test_compressed_bodies_are_decoded(http_server, fetcher, encoding, encode):
    body = RSS * 50
    http_server.route("/z", body=encode(body), headers={"Content-Encoding": encoding})
    r = await fetcher.get(http_server.url("/z"))
    assert r.ok and r.content == body


async def test_corrupt_gzip_is_an_error(http_server, fetcher):
    http_server.route("/z", body=b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"})
    r = await fetcher.get(http_server.url("/z"))
    assert r.error.startswith("could not decode gzip body") and r.content == b""


async def test_unknown_content_encoding_is_an_error(http_server, fetcher):
    http_server.route("/z", body=b"\x00\x01", headers={"Content-Encoding": "br"})
    r = await fetcher.get(http_server.url("/z"))
    assert r.error == "unsupported Content-Encoding 'br'"


async def test_no_cookies_are_kept(http_server, fetcher):
    http_server.route("/a", body=RSS, headers={"Set-Cookie": "track=1; Path=/"})
    await fetcher.get(http_server.url("/a"))
    await fetcher.get(http_server.url("/a"))
    assert "cookie" not in http_server.requests[1].headers


# --- size cap ----------------------------------------------------------------------------------------------

async def test_endless_body_is_cut_at_max_bytes(http_server):
    http_server.route("/forever", Route(endless=True))
    async with Fetcher(policy=LOCAL, max_bytes=100_000, deadline=5.0) as f:
        r = await f.get(http_server.url("/forever"))
    assert r.error == "response larger than 100 KB"
    assert r.content == b"" and r.status == 200 and r.elapsed < 3


async def test_declared_length_over_the_cap_is_refused_early(http_server):
    http_server.route("/big", body=b"x" * 150_000)
    async with Fetcher(policy=LOCAL, max_bytes=100_000) as f:
        assert (await f.get(http_server.url("/big"))).error == "response larger than 100 KB"
        http_server.route("/ok", body=b"x" * 100_000)
        assert (await f.get(http_server.url("/ok"))).content == b"x" * 100_000  # exactly the cap is fine


async def test_gzip_bomb_is_cut_by_decoded_size(http_server, fetcher):
    http_server.route("/bomb", gzip_bomb(50_000_000))
    r = await fetcher.get(http_server.url("/bomb"))
    assert r.error == "response larger than 5 MB" and r.content == b""
    assert int(r.headers["content-length"]) < 100_000  # what came over the wire was small


def test_inflating_never_overshoots_the_room_it_is_given():
    # httpx would inflate a whole network chunk at once (64 KB of bomb -> ~64 MB); ours stops at room + 1.
    inflater = Inflater("gzip")
    out = inflater.feed(_bomb_body(50_000_000), 1000)
    assert len(out) == 1001 and out == bytes(1001)


async def test_compressed_body_under_the_cap_passes(http_server, fetcher):
    http_server.route("/zeros", gzip_bomb(4_000_000))
    r = await fetcher.get(http_server.url("/zeros"))
    assert r.ok and r.content == bytes(4_000_000)


# --- time limits -------------------------------------------------------------------------------------------

async def test_stall_between_bytes_hits_the_deadline(http_server):
    http_server.route("/stall", Route(body=RSS * 20, stall_after=50, stall=10.0))
    async with Fetcher(policy=LOCAL, deadline=1.5) as f:
        r = await f.get(http_server.url("/stall"))
    assert r.error == "timed out after 1.5 s"
    assert 1.4 <= r.elapsed < 3.0 and r.content == b""


async def test_stall_timeout_is_reported_as_a_stall(http_server):
    http_server.route("/stall", Route(body=RSS * 20, stall_after=50, stall=10.0))
    async with Fetcher(policy=LOCAL, deadline=5.0, stall_timeout=0.5) as f:
        r = await f.get(http_server.url("/stall"))
    assert r.error == "stalled: no data for 0.5 s" and r.elapsed < 2


async def test_deadline_is_total_time_not_inactivity(http_server):
    # One byte every 0.1 s never trips a 0.5 s inactivity timeout; only a total deadline stops it.
    http_server.route("/drip", Route(body=b"x" * 200, drip=0.1))
    async with Fetcher(policy=LOCAL, deadline=1.0, stall_timeout=0.5) as f:
        r = await f.get(http_server.url("/drip"))
    assert r.error == "timed out after 1 s" and r.elapsed < 2


async def test_slow_headers_hit_the_deadline(http_server):
    http_server.route("/slow", Route(body=RSS, delay=5.0))
    async with Fetcher(policy=LOCAL, deadline=0.5) as f:
        r = await f.get(http_server.url("/slow"))
    assert r.error == "timed out after 0.5 s" and r.status is None


async def test_time_queued_for_a_slot_does_not_count(http_server):
    http_server.route("/hold", Route(body=RSS, hold=0.6))
    async with Fetcher(policy=LOCAL, deadline=1.0, per_host=1) as f:
        a, b = await asyncio.gather(f.get(http_server.url("/hold")), f.get(http_server.url("/hold")))
    assert a.ok and b.ok
    assert max(a.elapsed, b.elapsed) > 1.0  # one of them waited for the other, longer than the deadline


async def test_cancellation_propagates(http_server, fetcher):
    http_server.route("/stall", Route(body=RSS, stall_after=5, stall=10.0))
    task = asyncio.create_task(fetcher.get(http_server.url("/stall")))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# --- redirects ---------------------------------------------------------------------------------------------

async def test_redirect_chain_of_three(http_server, fetcher):
    http_server.route("/r1", redirect("/r2", 301))
    http_server.route("/r2", redirect(http_server.url("/r3"), 307))  # absolute
    http_server.route("/r3", redirect("final?x=1#frag", 308))  # relative to /r3
    http_server.route("/final", body=RSS)
    r = await fetcher.get(http_server.url("/r1"), etag='"e"')
    assert r.ok and r.content == RSS and r.status == 200
    assert r.url == http_server.url("/r1") and r.final_url == http_server.url("/final?x=1")
    assert http_server.paths() == ["/r1", "/r2", "/r3", "/final?x=1"]
    assert all(req.headers.get("if-none-match") == '"e"' for req in http_server.requests)


async def test_redirect_loop(http_server, fetcher):
    http_server.route("/a", redirect("/b"))
    http_server.route("/b", redirect("/a"))
    r = await fetcher.get(http_server.url("/a"))
    assert r.error == "redirect loop" and r.final_url == http_server.url("/a")
    assert http_server.paths() == ["/a", "/b"]


async def test_self_redirect_is_a_loop(http_server, fetcher):
    http_server.route("/a", redirect("/a"))
    assert (await fetcher.get(http_server.url("/a"))).error == "redirect loop"


async def test_six_redirects_are_too_many_five_are_fine(http_server, fetcher):
    for i in range(6):
        http_server.route(f"/h{i}", redirect(f"/h{i + 1}"))
    http_server.route("/h6", body=RSS)
    r = await fetcher.get(http_server.url("/h0"))
    assert r.error == "too many redirects (> 5)"
    assert len(http_server.requests) == 6  # the 6th Location was never requested
    ok = await fetcher.get(http_server.url("/h1"))  # five hops
    assert ok.ok and ok.final_url == http_server.url("/h6")


async def test_redirect_to_another_scheme_is_refused(http_server, fetcher):
    http_server.route("/a", redirect("ftp://example.com/feed"))
    r = await fetcher.get(http_server.url("/a"))
    assert r.error == "unsupported URL scheme 'ftp'" and r.final_url == "ftp://example.com/feed"


# --- connection failures -----------------------------------------------------------------------------------

async def test_tls_to_a_plain_http_port(http_server, fetcher):
    r = await fetcher.get(http_server.url("/").replace("http://", "https://"))
    assert r.error.startswith("TLS error: "), r.error
    assert r.status is None


async def test_dns_failure(fetcher):
    r = await fetcher.get("http://no-such-feed.invalid/rss")
    assert r.error == "DNS lookup failed for no-such-feed.invalid" and r.status is None


async def test_connection_refused(fetcher):
    r = await fetcher.get(f"http://127.0.0.1:{unused_port()}/feed")
    assert r.error == "connection refused"


@pytest.mark.parametrize("url, error", [
    ("ftp://example.com/feed", "unsupported URL scheme 'ftp'"),
    ("feed://example.com/rss", "unsupported URL scheme 'feed'"),
    ("not a url", "invalid URL: no scheme (expected http:// or https://)"),
    ("http://user:pw@127.0.0.1/", "URLs with a user name or password are not allowed"),
    ("http://[::1/", None),
])
async def test_bad_urls_are_errors_not_exceptions(fetcher, url, error):
    r = await fetcher.get(url)
    assert isinstance(r, FetchResult) and not r.ok and r.status is None
    assert r.error == error if error else r.error.startswith("invalid URL: ")


# --- TLS keeps verifying the host name while connecting to the checked IP ----------------------------------

@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    try:
        return make_cert(tmp_path_factory.mktemp("tls"), "newsbot.test")
    except (OSError, Exception) as exc:  # no openssl CLI on this machine
        pytest.skip(f"cannot make a test certificate: {exc}")


@pytest.fixture
def tls_server(tls_files):
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with LocalHTTPServer(tls=context) as server:
        server.route("/feed", body=RSS)
        yield server


async def test_tls_verifies_the_name_not_the_ip(tls_server, tls_files):
    trust = ssl.create_default_context(cafile=str(tls_files[0]))
    policy = local(**{"newsbot.test": ["127.0.0.1"], "impostor.test": ["127.0.0.1"]})
    async with Fetcher(policy=policy, ssl_context=trust) as f:
        good = await f.get(tls_server.url("/feed", host="newsbot.test"))
        wrong = await f.get(tls_server.url("/feed", host="impostor.test"))
        by_ip = await f.get(tls_server.url("/feed"))
    # We connected to 127.0.0.1, yet the certificate was checked against "newsbot.test" (SNI + verification).
    assert good.ok and good.content == RSS, good.error
    assert tls_server.requests[0].headers["host"] == f"newsbot.test:{tls_server.port}"
    assert wrong.error.startswith("TLS error: certificate verify failed: Hostname mismatch"), wrong.error
    assert by_ip.error.startswith("TLS error: certificate verify failed"), by_ip.error
    assert len(tls_server.requests) == 1


async def test_untrusted_certificate(tls_server):
    async with Fetcher(policy=local(**{"newsbot.test": ["127.0.0.1"]})) as f:  # default CA bundle
        r = await f.get(tls_server.url("/feed", host="newsbot.test"))
    assert r.error.startswith("TLS error: certificate verify failed: self-signed certificate"), r.error


# --- concurrency -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("per_host, total, hosts, each", [(2, 20, 12, 4), (4, 6, 3, 4)])
async def test_concurrency_limits(http_server, per_host, total, hosts, each):
    http_server.route("/slow", Route(body=RSS, hold=0.25))
    names = [f"h{i}.test" for i in range(hosts)]
    async with Fetcher(policy=local(**{n: ["127.0.0.1"] for n in names}), per_host=per_host, total=total) as f:
        results = await asyncio.gather(*(f.get(http_server.url("/slow", host=n)) for n in names
                                         for _ in range(each)))
        assert f._hosts == {}  # per-host semaphores are dropped when idle
    assert all(r.ok for r in results), {r.error for r in results}
    per = http_server.max_in_flight_by_host
    assert set(per) == {f"{n}:{http_server.port}" for n in names}
    assert max(per.values()) == per_host  # the limit was reached and never passed...
    assert http_server.max_in_flight == total  # ...overall too


# --- SSRF --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("template, shown", [
    ("http://127.0.0.1:{port}/feed", "127.0.0.1 is a loopback"),
    ("http://10.0.0.5/feed", "10.0.0.5 is a private"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local"),
    ("http://[::1]:{port}/feed", "::1 is a loopback"),
    ("http://[::ffff:127.0.0.1]:{port}/feed", "::ffff:7f00:1 is a loopback"),
    ("http://0.0.0.0:{port}/feed", "0.0.0.0 is an unspecified"),
    ("http://100.64.1.1/", "100.64.1.1 is a carrier-grade NAT (100.64.0.0/10)"),
    ("http://localhost:{port}/feed", " is a loopback"),
    ("http://2130706433:{port}/feed", "127.0.0.1 is a loopback"),  # decimal spelling
    ("http://0x7f.1:{port}/feed", "127.0.0.1 is a loopback"),  # hex spelling
    ("https://127.0.0.1:{port}/feed", "127.0.0.1 is a loopback"),
])
async def test_private_targets_are_refused_by_default(http_server, template, shown):
    http_server.route("/feed", body=RSS)
    url = template.format(port=http_server.port)
    async with Fetcher(deadline=3.0) as f:
        r = await f.get(url)
    assert r.error.startswith("blocked: ") and shown in r.error and r.error.endswith(BLOCK_HINT), r.error
    assert r.status is None and r.content == b""
    assert http_server.requests == []  # never reached the server


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0x7f.1"])
async def test_allow_private_lets_them_through(http_server, host):
    http_server.route("/feed", body=RSS)
    async with Fetcher(policy=AddressPolicy(allow_private=True)) as f:
        r = await f.get(f"http://{host}:{http_server.port}/feed")
    assert r.ok and r.content == RSS
    assert len(http_server.requests) == 1


async def test_hostname_resolving_to_loopback_is_refused(http_server):
    http_server.route("/feed", body=RSS)
    async with Fetcher(policy=local(**{"rebind.test": ["127.0.0.2"], "good.test": ["127.0.0.1"]})) as f:
        bad = await f.get(http_server.url("/feed", host="rebind.test"))
        assert http_server.requests == []
        good = await f.get(http_server.url("/feed", host="good.test"))
    assert bad.error == f"blocked: 127.0.0.2 is a loopback address {BLOCK_HINT}"
    assert good.ok and http_server.requests[0].host == f"good.test:{http_server.port}"


class FlipFlop(Mapping):
    """A DNS answer that changes on every lookup: first an allowed address, then a forbidden one."""

    def __init__(self, host: str, answers: list[list[str]]) -> None:
        self.host, self.answers, self.lookups = host, answers, 0

    def __getitem__(self, key: str) -> list[str]:
        if key != self.host:
            raise KeyError(key)
        answer = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        return answer

    def __iter__(self):
        return iter([self.host])

    def __len__(self) -> int:
        return 1


async def test_connects_to_the_address_it_checked(http_server, monkeypatch):
    """No second lookup between check and connect: the socket layer only ever sees the checked IP."""
    http_server.route("/feed", body=RSS)
    dialled: list[str] = []
    original = httpcore.AnyIOBackend.connect_tcp

    async def recording(self, host, port, *args, **kwargs):
        dialled.append(host)
        return await original(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", recording)
    rebinding = FlipFlop("flip.test", [["127.0.0.1"], ["127.0.0.2"]])
    async with Fetcher(policy=AddressPolicy(extra_allowed=("127.0.0.1/32",), resolver_overrides=rebinding)) as f:
        r = await f.get(http_server.url("/feed", host="flip.test"))
    assert r.ok and r.content == RSS, r.error
    assert rebinding.lookups == 1  # one resolution, used for both the check and the connection
    assert dialled == ["127.0.0.1"]  # the name never reached anyio/getaddrinfo
    assert http_server.requests[0].host == f"flip.test:{http_server.port}"


@pytest.fixture
def forbidden_server():
    """A server on 127.0.0.2: reachable on Linux, but outside LOCAL's allowed 127.0.0.1/32."""
    try:
        server = LocalHTTPServer(host="127.0.0.2")
    except OSError as exc:
        pytest.skip(f"cannot listen on 127.0.0.2: {exc}")
    with server:
        server.route("/secret", body=b"internal admin page", content_type="text/html")
        yield server


@pytest.mark.parametrize("target", ["ip", "name"])
async def test_redirect_hop_to_a_forbidden_address_is_refused(http_server, forbidden_server, target):
    host = "127.0.0.2" if target == "ip" else "internal.test"
    http_server.route("/feed", redirect(forbidden_server.url("/secret", host=host)))
    async with Fetcher(policy=local(**{"internal.test": ["127.0.0.2"]})) as f:
        r = await f.get(http_server.url("/feed"))
    assert r.error == f"blocked: 127.0.0.2 is a loopback address {BLOCK_HINT}"
    assert r.final_url == forbidden_server.url("/secret", host=host)
    assert http_server.paths() == ["/feed"]
    assert forbidden_server.requests == []


async def test_redirect_hop_control_reaches_the_second_server_when_allowed(http_server, forbidden_server):
    # The same chain with 127.0.0.2 allowed does reach it: the refusal above is the policy, not the setup.
    http_server.route("/feed", redirect(forbidden_server.url("/secret")))
    async with Fetcher(policy=AddressPolicy(extra_allowed=("127.0.0.1/32", "127.0.0.2/32"))) as f:
        r = await f.get(http_server.url("/feed"))
    assert r.ok and r.content == b"internal admin page"
    assert forbidden_server.paths() == ["/secret"]


async def test_redirect_to_metadata_address_is_refused(http_server, fetcher):
    http_server.route("/feed", redirect("http://169.254.169.254/latest/meta-data/iam/"))
    r = await fetcher.get(http_server.url("/feed"))
    assert r.error == f"blocked: 169.254.169.254 is a link-local address {BLOCK_HINT}"


async def test_refusals_are_logged_as_warnings_without_the_query(http_server, caplog):
    caplog.set_level("DEBUG", logger="bot.sources")
    async with Fetcher() as f:
        await f.get(f"http://127.0.0.1:{http_server.port}/feed?token=SECRET")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"refused to fetch http://127.0.0.1:{http_server.port}/feed: blocked: 127.0.0.1 is a "
                        f"loopback address {BLOCK_HINT}"]
    assert not any("SECRET" in r.getMessage() for r in caplog.records)


async def test_get_never_raises_on_odd_input(fetcher):
    for junk in (None, 42, "   ", "http://"):
        r = await fetcher.get(junk)  # type: ignore[arg-type]
        assert not r.ok and r.error
