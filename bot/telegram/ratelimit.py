"""Flood control: PTB's AIORateLimiter (about 30 messages/s overall, 20/min per group) plus per-chat
pacing of about one message a second, which AIORateLimiter does not do for private chats."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram.ext import AIORateLimiter

_SENDING = {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup", "copyMessage",
            "forwardMessage"}


# Overall sends per second. AIORateLimiter's default (30 per 1 s) is a leaky bucket that holds 30: on top
# of the steady 30/s it lets a burst through, so a fan-out runs at 31-36/s in any one second until the
# bucket is full, Telegram answers 429 and every send pauses (bench_fanout: 61 429s per 1,000 messages,
# 16 msg/s). A bucket of one refilled every 1/28 s lets at most 28-29 into any second, with ~70 ms of
# room for jitter in transit.
OVERALL_PER_SECOND = 28


class PacedRateLimiter(AIORateLimiter):
    def __init__(self, per_chat_interval: float = 1.0, **kwargs: Any) -> None:
        if "overall_max_rate" not in kwargs and "overall_time_period" not in kwargs:
            kwargs.update(overall_max_rate=1, overall_time_period=1 / OVERALL_PER_SECOND)
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
