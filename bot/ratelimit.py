"""Flood control: PTB's AIORateLimiter (about 30 messages/s overall, 20/min per group) plus per-chat
pacing of about one message a second, which AIORateLimiter does not do for private chats."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram.ext import AIORateLimiter

_SENDING = {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup", "copyMessage",
            "forwardMessage"}


class PacedRateLimiter(AIORateLimiter):
    def __init__(self, per_chat_interval: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.per_chat_interval = per_chat_interval
        self._next: dict[Any, float] = {}
        self._locks: dict[Any, asyncio.Lock] = {}

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[override]
        chat_id = data.get("chat_id") if isinstance(data, dict) else None
        if chat_id is None or endpoint not in _SENDING or self.per_chat_interval <= 0:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            wait = self._next.get(chat_id, 0.0) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            finally:
                self._next[chat_id] = time.monotonic() + self.per_chat_interval
                if len(self._next) > 10_000:  # forget chats idle for a while
                    now = time.monotonic()
                    for key in [k for k, t in self._next.items() if t < now]:
                        self._next.pop(key, None)
                        if key in self._locks and not self._locks[key].locked():
                            self._locks.pop(key, None)
