"""A small programmable HTTP(S) server on 127.0.0.1 for tests that need a real socket.

The server runs in its own thread (one thread per connection), so async tests can drive an HTTP client on
the event loop while the server answers. Routes are plain data:

    with LocalHTTPServer() as srv:
        srv.route("/feed.xml", Route(body=RSS, etag='"v1"'))          # 304 when If-None-Match matches
        srv.route("/old", redirect("/feed.xml", status=301))
        srv.route("/bomb", gzip_bomb(50_000_000))
        srv.route("/slow", Route(body=b"x" * 1000, stall_after=10, stall=5.0))
        srv.route("/drip", Route(body=b"x" * 100, drip=0.1))              # one byte every 0.1 s
        srv.route("/forever", Route(endless=True))
        srv.route("/dyn", Route(handler=lambda req: Route(body=req.headers.get("user-agent", ""))))
        url = srv.url("/feed.xml")
        ...
        assert [r.path for r in srv.requests] == ["/feed.xml"]

Every request is recorded (method, path, lower-cased headers) before it is answered, and the server keeps
the highest number of requests in flight at once, overall and per Host header. Tests that want one started
server per test take the `http_server` fixture (tests/conftest.py).
Stalls and holds wake up early when the server closes, so closing never waits for a sleeping handler.
"""

from __future__ import annotations

import email.utils
import functools
import gzip
import socket
import ssl
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = [
    "LocalHTTPServer", "RecordedRequest", "Route", "gzip_bomb", "make_cert", "redirect", "unused_port",
]


@dataclass
class RecordedRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-cased names
    client: tuple[str, int]

    @property
    def host(self) -> str:
        return self.headers.get("host", "")


@dataclass
class Route:
    """What to answer. All fields are optional; the default is an empty 200 RSS response."""

    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # sent as ETag; a matching If-None-Match gets 304
    last_modified: str | None = None  # sent as Last-Modified; If-Modified-Since at or after it gets 304
    location: str | None = None  # sent as Location (see redirect())
    gzip: bool = False  # gzip the body and send Content-Encoding: gzip
    delay: float = 0.0  # seconds before the status line
    hold: float = 0.0  # seconds the request stays in flight before the answer (concurrency tests)
    stall_after: int | None = None  # send this many body bytes, then pause for `stall` seconds
    stall: float = 0.0
    drip: float = 0.0  # seconds between single body bytes (a server that is slow but never silent)
    endless: bool = False  # stream body bytes until the client goes away (no Content-Length)
    handler: Callable[[RecordedRequest], Route] | None = None  # compute the answer per request


def redirect(to: str, status: int = 302) -> Route:
    return Route(status=status, location=to, content_type="text/html", body=b"moved")


@functools.lru_cache(maxsize=4)
def _bomb_body(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1_000_000)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    parts.append(compressor.compress(bytes(size % len(block))))
    parts.append(compressor.flush())
    return b"".join(parts)


def gzip_bomb(size: int = 50_000_000) -> Route:
    """`size` zero bytes, gzip-compressed (50 MB -> about 50 KB), labelled as an RSS feed."""
    return Route(body=_bomb_body(size), headers={"Content-Encoding": "gzip"})


def unused_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (bound, then released)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def make_cert(directory: Path, hostname: str) -> tuple[Path, Path]:
    """A self-signed certificate for `hostname` (openssl CLI). Returns (certfile, keyfile)."""
    cert, key = directory / f"{hostname}.crt", directory / f"{hostname}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={hostname}",
         "-addext", f"subjectAltName=DNS:{hostname}"],
        check=True, capture_output=True, timeout=30,
    )
    return cert, key


def _not_modified(route: Route, req: RecordedRequest) -> bool:
    inm = req.headers.get("if-none-match")
    if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
        if route.etag is None:
            return False
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or route.etag in tags or route.etag.removeprefix("W/") in [t.removeprefix("W/") for t in tags]
    ims = req.headers.get("if-modified-since")
    if ims and route.last_modified:
        try:
            return email.utils.parsedate_to_datetime(ims) >= email.utils.parsedate_to_datetime(route.last_modified)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve()

    def _serve(self) -> None:
        owner = self.server.owner
        req = RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                              self.client_address[:2])
        owner._enter(req)
        try:
            route = owner._lookup(self.path)
            if route is not None and route.handler is not None:
                route = route.handler(req)
            if route is None:
                route = Route(status=404, body=b"not found", content_type="text/plain")
            self._answer(route, req)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True  # the client went away: expected in cut-off tests
        finally:
            owner._leave(req)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.server.owner._stopping.wait(seconds)

    def _answer(self, route: Route, req: RecordedRequest) -> None:
        self._wait(route.delay)
        self._wait(route.hold)
        status = route.status
        body = route.body.encode() if isinstance(route.body, str) else route.body
        if _not_modified(route, req):
            status, body = 304, b""
        headers = dict(route.headers)
        if route.content_type and status != 304:
            headers.setdefault("Content-Type", route.content_type)
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.location:
            headers["Location"] = route.location
        if route.gzip and body:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if route.endless:
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            unit = body or b"<item>endless</item>\n"
            chunk = unit * max(1, 65536 // len(unit))
            sent = 0
            while not self.server.owner._stopping.is_set() and sent < 2_000_000_000:
                self.wfile.write(chunk)
                sent += len(chunk)
            return
        if status != 304 and status >= 200:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD" or status == 304:
            return
        if route.stall_after is not None:
            self.wfile.write(body[: route.stall_after])
            self.wfile.flush()
            self._wait(route.stall)
            body = body[route.stall_after:]
        if route.drip > 0:
            for i in range(len(body)):
                if self.server.owner._stopping.is_set():
                    return
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                self._wait(route.drip)
            return
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # concurrency tests open many connections at once
    allow_reuse_address = True
    owner: LocalHTTPServer

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        # Clients that hang up (cut-off bodies, deadlines, idle keep-alive) are routine here, not errors.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)

    def finish_request(self, request, client_address) -> None:  # type: ignore[override]
        # The TLS handshake happens here, in the connection's own thread, so a client that never
        # completes it (or speaks plain HTTP) cannot block the accept loop.
        context = self.owner.tls
        if context is not None:
            try:
                request = context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
        super().finish_request(request, client_address)


class LocalHTTPServer:
    """An HTTP server on `host` (127.0.0.1) with programmable routes and a request log. Thread-safe."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.tls = tls
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._in_flight_by_host: dict[str, int] = {}
        self.max_in_flight_by_host: dict[str, int] = {}
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def url(self, path: str = "/", host: str | None = None) -> str:
        """A URL on this server; `host` replaces the address (e.g. a name mapped by a resolver override)."""
        return f"{'https' if self.tls else 'http'}://{host or self.host}:{self.port}{path}"

    def route(self, path: str, route: Route | None = None, **fields: object) -> Route:
        """Answer `path` (exact, query string included or not) with `route`, or Route(**fields)."""
        route = route if route is not None else Route(**fields)  # type: ignore[arg-type]
        with self._lock:
            self._routes[path] = route
        return route

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def _lookup(self, path: str) -> Route | None:
        with self._lock:
            return self._routes.get(path) or self._routes.get(path.split("?", 1)[0])

    def _enter(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            n = self._in_flight_by_host.get(req.host, 0) + 1
            self._in_flight_by_host[req.host] = n
            self.max_in_flight_by_host[req.host] = max(self.max_in_flight_by_host.get(req.host, 0), n)

    def _leave(self, req: RecordedRequest) -> None:
        with self._lock:
            self.in_flight -= 1
            self._in_flight_by_host[req.host] -= 1

    def start(self) -> LocalHTTPServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"http-fixture-{self.port}", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
        self._httpd.server_close()

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
