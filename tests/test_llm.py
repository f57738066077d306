"""bot.sources.llm against a real OpenAI-compatible fake on 127.0.0.1 (http.server in a thread), not a mock."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.sources.llm import SYSTEM_PROMPT, LLMResult, summarize_with_llm

FALLBACK = ["Extractive sentence one.", "Extractive sentence two."]
ARTICLE = "The council approved the new bridge on Tuesday. Work starts in May and costs 4 million euros."
SECRET = "Work starts in May"


def _completion(content: object) -> bytes:
    return json.dumps({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).encode()


class _Handler(BaseHTTPRequestHandler):
    """The first path segment picks the behaviour: /ok/v1/chat/completions, /fail/..., /garbage/..."""

    server: "_FakeServer"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
        mode = self.path.strip("/").split("/")[0]
        try:
            if not self.path.endswith("/v1/chat/completions"):
                self._send(404, b'{"error": "not found"}')
            elif mode == "ok":
                self._send(200, _completion("The council approved a bridge. Building starts in May."))
            elif mode == "bullets":
                self._send(200, _completion("<think>hmm</think>Summary:\n- The council approved a bridge.\n- Work starts in May."))
            elif mode == "fail":
                self._send(500, b'{"error": "boom"}')
            elif mode == "garbage":
                self._send(200, b"{not json at all")
            elif mode == "shape":
                self._send(200, b'{"choices": []}')
            elif mode == "empty":
                self._send(200, _completion("   \n "))
            elif mode == "slow":
                time.sleep(3)
                self._send(200, _completion("Too late."))
            elif mode == "trickle":
                # Headers at once, then one byte every 0.1 s: each read is quick, the whole is not.
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            else:
                self._send(404, b"{}")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first, as it should


class _FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{mode}/v1"


@pytest.fixture
def fake():
    server = _FakeServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def _run(base_url: str, *, timeout: float = 2.0, model: str = "tiny", **kw) -> LLMResult:
    async with httpx.AsyncClient() as client:
        return await summarize_with_llm(client, base_url, model, "Bridge approved", ARTICLE, timeout=timeout, fallback=FALLBACK, **kw)


async def test_success_uses_llm_and_sends_an_openai_request(fake):
    result = await _run(fake.url("ok"), api_key="k-123")
    assert result == LLMResult(["The council approved a bridge.", "Building starts in May."], "llm", None)
    (req,) = fake.requests
    assert req["path"] == "/ok/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer k-123"
    body = req["json"]
    assert body["model"] == "tiny"
    assert body["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert body["messages"][1]["role"] == "user"
    assert "Bridge approved" in body["messages"][1]["content"] and SECRET in body["messages"][1]["content"]


async def test_trailing_slash_in_base_url(fake):
    result = await _run(fake.url("ok") + "/")
    assert result.source == "llm"
    assert fake.requests[0]["path"] == "/ok/v1/chat/completions"


async def test_bullets_headings_and_think_blocks_are_cleaned(fake):
    result = await _run(fake.url("bullets"))
    assert result.summary == ["The council approved a bridge.", "Work starts in May."]
    assert result.source == "llm"


@pytest.mark.parametrize(
    ("mode", "error_part"),
    [
        ("fail", "HTTP 500"),
        ("garbage", "malformed JSON"),
        ("shape", "unexpected response shape"),
        ("empty", "empty answer"),
        ("missing", "HTTP 404"),
    ],
)
async def test_failures_fall_back_to_extractive(fake, mode, error_part):
    result = await _run(fake.url(mode))
    assert result.source == "extractive"
    assert result.summary == FALLBACK
    assert result.summary is not FALLBACK  # a copy: the caller's list is not shared
    assert error_part in (result.error or "")


async def test_slow_server_hits_the_deadline(fake):
    started = time.perf_counter()
    result = await _run(fake.url("slow"), timeout=0.3)
    assert time.perf_counter() - started < 1.5
    assert result.source == "extractive" and result.summary == FALLBACK
    assert "timed out" in (result.error or "")


async def test_trickling_server_cannot_outlast_the_overall_deadline(fake):
    # httpx's own read timeout resets on every byte; only the asyncio.timeout deadline stops this.
    started = time.perf_counter()
    result = await _run(fake.url("trickle"), timeout=0.5)
    assert time.perf_counter() - started < 2.0
    assert result.source == "extractive"
    assert "timed out" in (result.error or "")


async def test_connection_refused_falls_back():
    server = _FakeServer()  # bind a port, then close it so nothing listens there
    url = server.url("ok")
    server.server_close()
    result = await _run(url)
    assert result.source == "extractive" and result.summary == FALLBACK
    assert result.error and result.error.startswith("HTTP error")


async def test_not_configured_makes_no_request(fake):
    result = await _run("", model="tiny")
    assert result.source == "extractive" and "not configured" in (result.error or "")
    result = await _run(fake.url("ok"), model="")
    assert result.source == "extractive"
    assert fake.requests == []


async def test_article_text_is_not_logged_at_info(fake, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.sources.llm")
    await _run(fake.url("ok"))
    await _run(fake.url("fail"))
    info_and_up = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert info_and_up, "a failure should be logged"
    assert all(SECRET not in m for m in info_and_up)
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_cli_summarize_uses_the_configured_model_and_falls_back(fake, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    seed = root / "seeds" / "000_fa6bb3376613a56f.txt"

    def run(mode: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("NEWSBOT_")}
        env.update(NEWSBOT_DATA_DIR=str(tmp_path / "d"), NEWSBOT_LLM_URL=fake.url(mode), NEWSBOT_LLM_MODEL="tiny",
                   NEWSBOT_LLM_KEY="sk-test", PYTHONPATH=str(root))
        return subprocess.run([sys.executable, "-m", "bot.cli", "summarize", str(seed), "--json"], env=env,
                              capture_output=True, text=True, timeout=60, cwd=root)

    ok = run("ok")
    row = json.loads(ok.stdout)
    assert row["source"] == "llm" and row["summary"] == ["The council approved a bridge.", "Building starts in May."]
    assert fake.requests[-1]["headers"].get("Authorization") == "Bearer sk-test"
    failed = run("fail")
    row = json.loads(failed.stdout)
    assert row["source"] == "extractive" and row["summary"][0].startswith("Former National Security Adviser")
    assert "LLM summary unavailable" in failed.stderr and "Traceback" not in failed.stderr
