"""Optional abstractive summary through an OpenAI-compatible chat endpoint, with the extractive one as fallback.

Off unless the operator configures an endpoint (the config module reads NEWSBOT_LLM_URL and NEWSBOT_LLM_MODEL
and passes them in). One POST to {base_url}/chat/completions under one overall deadline (asyncio.timeout,
so a server that trickles bytes cannot hold us past it). Any failure -- network error, non-200 status,
malformed or oversized JSON, an empty answer, the deadline -- returns the caller's extractive summary with
the reason in ``error``. Article text is never logged (only at DEBUG, and then only its length).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Literal

import httpx

from bot.core.summarize import split_sentences

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You summarise news articles for a news-alert bot. Reply with two or three short, factual sentences in "
    "plain English: who did what, when and where. Use only facts stated in the article. No preamble, no "
    "opinions, no bullet points, no markdown."
)
MAX_INPUT_CHARS = 12_000      # article text sent to the model
MAX_RESPONSE_BYTES = 256_000  # a chat completion for a few sentences is a few KB
MAX_SENTENCES = 5
MAX_TOKENS = 220

_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True)
class LLMResult:
    summary: list[str] = field(default_factory=list)
    source: Literal["llm", "extractive"] = "extractive"
    error: str | None = None


class _Failure(Exception):
    """A reason to fall back; its message becomes LLMResult.error."""


def _completions_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/chat/completions"


def _answer_sentences(content: str) -> list[str]:
    content = _THINK.sub(" ", content).strip()
    lines = [_BULLET.sub("", ln).strip() for ln in content.splitlines()]
    lines = [ln.strip("*_#` ") for ln in lines if ln.strip()]
    # Drop a "Summary:" style heading line if the model added one anyway.
    if lines and lines[0].endswith(":") and len(lines) > 1:
        lines = lines[1:]
    sentences: list[str] = []
    for ln in lines:
        sentences.extend(split_sentences(ln))
    return sentences[:MAX_SENTENCES]


def _parse(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Failure(f"malformed JSON: {exc.__class__.__name__}") from None
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise _Failure("unexpected response shape (no choices[0].message.content)") from None
    if not isinstance(content, str):
        raise _Failure("unexpected response shape (content is not a string)")
    sentences = _answer_sentences(content)
    if not sentences:
        raise _Failure("empty answer")
    return sentences


async def _call(
    client: httpx.AsyncClient, url: str, payload: dict, headers: dict[str, str], timeout: float
) -> list[str]:
    async with client.stream("POST", url, json=payload, headers=headers, timeout=timeout) as resp:
        if resp.status_code != 200:
            raise _Failure(f"HTTP {resp.status_code}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise _Failure(f"response larger than {MAX_RESPONSE_BYTES} bytes")
            chunks.append(chunk)
    return _parse(b"".join(chunks))


async def summarize_with_llm(
    client: httpx.AsyncClient,
    base_url: str,
    model: str,
    title: str,
    text: str,
    *,
    timeout: float = 10.0,
    fallback: list[str],
    api_key: str | None = None,
) -> LLMResult:
    """Summarise with the configured model; on any failure return ``fallback`` (the extractive summary)."""
    if not base_url or not model:
        return LLMResult(list(fallback), "extractive", "LLM endpoint not configured")
    if not text or not text.strip():
        return LLMResult(list(fallback), "extractive", "empty article")
    url = _completions_url(base_url)
    user = (f"Title: {title.strip()}\n\n" if title and title.strip() else "") + text.strip()[:MAX_INPUT_CHARS]
    payload = {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}],
        "temperature": 0.2,
        "max_tokens": MAX_TOKENS,
        "stream": False,
    }
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    log.debug("LLM summary request to %s (model %s, %d chars)", url, model, len(user))
    try:
        async with asyncio.timeout(timeout):
            sentences = await _call(client, url, payload, headers, timeout)
    except TimeoutError:
        error = f"timed out after {timeout:g} s"
    except _Failure as exc:
        error = str(exc)
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError) as exc:
        error = f"HTTP error: {exc.__class__.__name__}"
    else:
        return LLMResult(sentences, "llm", None)
    log.warning("LLM summary from %s failed (%s); using the extractive summary", url, error)
    return LLMResult(list(fallback), "extractive", error)
