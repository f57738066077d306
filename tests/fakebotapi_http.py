"""The in-process Bot API (bot.telegram.fakeapi.BotAPICore) behind a real HTTP server on 127.0.0.1, for
end-to-end tests.

It answers /bot<TOKEN>/<method> with JSON, form-encoded, multipart (file uploads) or query-string parameters
as Telegram does, serves uploaded files at /file/bot<TOKEN>/<file_path>, and refuses another token with 401.
The core runs on its own asyncio loop in a thread; HTTP requests are served by a thread each, so a long
getUpdates does not hold up a sendMessage. Test code pushes updates and reads sent messages on the core from
its own thread (`core.push_text`; `core.wait_for_message_blocking` when the core is a tests/faultyapi.py
FaultyBotAPI, which any core argument may be).

    with fake_bot_api(core=FaultyBotAPI()) as (base_url, core):
        env = {"NEWSBOT_TELEGRAM_API": base_url, "TELEGRAM_BOT_TOKEN": "123:ABC", ...}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bot.telegram.fakeapi import BotAPICore, Upload

DEFAULT_TOKEN = "123:ABC"


def _error(code: int, description: str) -> dict:
    return {"ok": False, "error_code": code, "description": description}


def upload_at(core: BotAPICore, file_path: str) -> Upload | None:
    """The upload behind a getFile file_path (what /file/bot<token>/<file_path> serves), or None."""
    wanted = file_path.lstrip("/")
    for file_id, upload in list(core.files.items()):  # a snapshot: the core's loop thread may be adding files
        if core.file_path(file_id) == wanted:
            return upload
    return None


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters and uploaded files from a request body, whatever encoding the client chose."""
    kind = content_type.split(";", 1)[0].strip().lower()
    params: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    if not body:
        return params, files
    if kind == "application/json":
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("the JSON body must be an object")
        params.update(data)
    elif kind == "multipart/form-data":
        header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
        message = BytesParser(policy=policy.HTTP).parsebytes(header + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = Upload(filename, payload, part.get_content_type())
            else:
                params[name] = payload.decode("utf-8")
    else:  # application/x-www-form-urlencoded (and anything else that looks like it)
        for name, values in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
            params[name] = values[-1]
    return params, files


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        # A bot process killed with kill -9 (tests/test_delivery_crash.py) resets its idle keep-alive
        # connections: routine here, not worth a traceback on stderr.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeBotAPIServer:
    """A running HTTP front for a core; use start()/stop() or the fake_bot_api() context manager."""

    def __init__(self, core: BotAPICore | None = None, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1"):
        self.core = core or BotAPICore()
        self.token = token
        self.host = host
        self.loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self._run_loop, name="fakebotapi-loop", daemon=True)
        self._httpd = _Server((host, 0), self._handler_class())
        self._http_thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                             name="fakebotapi-http", daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """PTB base_url semantics: the bot's URL is base_url + token."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    def start(self) -> FakeBotAPIServer:
        self._loop_thread.start()
        self._http_thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self.loop.is_running():
            # end pending long polls so no handler thread waits on a stopped loop
            asyncio.run_coroutine_threadsafe(self._cancel_tasks(), self.loop).result(timeout=5)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._loop_thread.join(timeout=5)
        if not self.loop.is_running():
            self.loop.close()

    @staticmethod
    async def _cancel_tasks() -> None:
        current = asyncio.current_task()
        for task in asyncio.all_tasks():
            if task is not current:
                task.cancel()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, method: str, params: dict[str, Any], files: dict[str, Upload]) -> tuple[int, dict]:
        future = asyncio.run_coroutine_threadsafe(self.core.call(method, params, files), self.loop)
        return future.result()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm on, the body waits for the
            # client's delayed ACK (~40 ms on Linux) and every call looks 40 ms slower than the core's latency.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client went away (a bot process ended)
                    self.close_connection = True

            def _send_json(self, status: int, payload: dict) -> None:
                self._send(status, json.dumps(payload).encode("utf-8"))

            def _serve(self) -> None:
                url = urlsplit(self.path)
                path = unquote(url.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if path.startswith("/file/bot"):
                    token, _, file_path = path[len("/file/bot"):].partition("/")
                    if token != server.token:
                        return self._send_json(401, _error(401, "Unauthorized"))
                    upload = upload_at(server.core, file_path)
                    if upload is None:
                        return self._send_json(404, _error(404, "Not Found"))
                    return self._send(200, upload.content, upload.mime_type)
                if not path.startswith("/bot"):
                    return self._send_json(404, _error(404, "Not Found"))
                token, _, method = path[len("/bot"):].partition("/")
                if token != server.token:
                    return self._send_json(401, _error(401, "Unauthorized"))
                if not method or "/" in method:
                    return self._send_json(404, _error(404, "Not Found"))
                try:
                    params, files = parse_body(self.headers.get("Content-Type", ""), body)
                except (ValueError, UnicodeDecodeError) as exc:
                    return self._send_json(400, _error(400, f"Bad Request: can't parse request body: {exc}"))
                for name, values in parse_qs(url.query, keep_blank_values=True).items():
                    params.setdefault(name, values[-1])
                try:
                    status, payload = server.call(method, params, files)
                except Exception:  # the server is stopping (cancelled long poll)
                    status, payload = 500, _error(500, "Internal Server Error")
                self._send_json(status, payload)

        return Handler


@contextlib.contextmanager
def fake_bot_api(token: str = DEFAULT_TOKEN, core: BotAPICore | None = None) -> Iterator[tuple[str, BotAPICore]]:
    """Run the HTTP fake Bot API; yields (base_url, core), base_url like "http://127.0.0.1:PORT/bot"."""
    server = FakeBotAPIServer(core, token).start()
    try:
        yield server.base_url, server.core
    finally:
        server.stop()
