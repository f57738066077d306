"""FaultyBotAPI: the product's in-process Bot API (bot.telegram.fakeapi.BotAPICore) plus what only tests need.

The product core is a calm Telegram, enough for `newsbot chat`. Tests and benchmarks also need a Telegram
that misbehaves the way the real one does, and ways to wait for the bot:

- faults: the next N calls answer 429 "retry after N" (inject_retry_after) or 500/502 (inject_server_error);
- chats the bot cannot write to: block_chat / unblock_chat answer 403 as for a user who blocked the bot (or
  a group that kicked it), and writing to the bot in private unblocks it, as in Telegram;
- migrate_group: a group upgraded to a supergroup, so the old id answers 400 with migrate_to_chat_id;
- a flood model (max_per_second, max_per_chat_per_second, max_per_group_per_minute) answering 429;
- latency: every call takes at least that many seconds;
- wait_for_message (async) and wait_for_message_blocking (from another thread, for the HTTP front).

Everything is added through the core's subclass hooks (_before_answer, _check_writable) or by wrapping its
methods (_chat_record, _send, push_text, _changed), so the validation under test is the product's own.
"""

from __future__ import annotations

import asyncio
import collections
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from bot.telegram.fakeapi import ApiError, BotAPICore, BotMessage
from bot.telegram.fakeapi.wakeups import wait_event

__all__ = ["FaultyBotAPI"]


class FaultyBotAPI(BotAPICore):
    """BotAPICore with fault injection, a flood model, latency and waits for the bot's messages."""

    def __init__(self, *, max_per_second: float | None = None, max_per_chat_per_second: float | None = None,
                 max_per_group_per_minute: int | None = None, latency: float = 0.0, **core_options: Any):
        super().__init__(**core_options)
        self.max_per_second = max_per_second
        self.max_per_chat_per_second = max_per_chat_per_second
        self.max_per_group_per_minute = max_per_group_per_minute
        self.latency = latency
        self._cond = threading.Condition(self._lock)  # what wait_for_message_blocking sleeps on
        self._faults: list[dict] = []
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._sent_times: collections.deque[float] = collections.deque()
        self._chat_times: dict[int, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._consumed: dict[int, set[int]] = collections.defaultdict(set)

    # ----- waiting for the bot ------------------------------------------------------------------------------

    async def wait_for_message(self, chat_id: int, predicate: Callable[[BotMessage], bool] | None = None,
                               timeout: float = 5.0) -> BotMessage:
        """The oldest bot message in the chat that matches and that no earlier wait_for_message returned.

        Raises TimeoutError (listing what was sent) after `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        event = self._add_waiter()
        try:
            while True:
                found = self._take_message(chat_id, predicate)
                if found:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_text(chat_id, timeout))
                event.clear()
                await wait_event(event, remaining)
        finally:
            self._remove_waiter(event)

    def wait_for_message_blocking(self, chat_id: int, predicate: Callable[[BotMessage], bool] | None = None,
                                  timeout: float = 5.0) -> BotMessage:
        """Like wait_for_message, for a thread that is not running the core's loop (HTTP end-to-end tests)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._take_message(chat_id, predicate)
                if found:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_text(chat_id, timeout))
                self._cond.wait(remaining)

    def _take_message(self, chat_id: int, predicate: Callable[[BotMessage], bool] | None) -> BotMessage | None:
        with self._lock:
            for message in self._bot_messages.get(chat_id, {}).values():
                if message.message_id in self._consumed[chat_id] or message.deleted:
                    continue
                if predicate is None or predicate(message):
                    self._consumed[chat_id].add(message.message_id)
                    return message
        return None

    def _timeout_text(self, chat_id: int, timeout: float) -> str:
        texts = [m.plain[:80] for m in self.sent(chat_id)]
        return f"no matching bot message in chat {chat_id} within {timeout} s; sent there: {texts!r}"

    def _changed(self) -> None:
        super()._changed()
        self._cond.notify_all()  # the core calls _changed with its lock held, as notify_all requires

    # ----- faults on the next calls -------------------------------------------------------------------------

    def inject_retry_after(self, seconds: int, count: int = 1, methods: Iterable[str] | None = None) -> None:
        """The next `count` calls answer 429 "Too Many Requests: retry after N".

        `methods` limits which methods are hit; by default every method except getUpdates, so a polling
        bot does not swallow the fault meant for a send.
        """
        error = ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})
        self._add_fault(error, count, methods)

    def inject_server_error(self, count: int = 1, status: int = 500, methods: Iterable[str] | None = None) -> None:
        """The next `count` calls answer 500 Internal Server Error (or 502 Bad Gateway)."""
        description = "Bad Gateway" if status == 502 else "Internal Server Error"
        self._add_fault(ApiError(status, description), count, methods)

    def _add_fault(self, error: ApiError, count: int, methods: Iterable[str] | None) -> None:
        with self._lock:
            self._faults.append({"error": error, "left": count,
                                 "methods": {m.lower() for m in methods} if methods is not None else None})

    async def _before_answer(self, key: str) -> None:
        if self.latency:
            await asyncio.sleep(self.latency)
        with self._lock:
            for fault in self._faults:
                wanted = fault["methods"]
                hit = key != "getupdates" if wanted is None else key in wanted
                if hit and fault["left"] > 0:
                    fault["left"] -= 1
                    if fault["left"] == 0:
                        self._faults.remove(fault)
                    raise fault["error"]

    # ----- blocked and migrated chats -----------------------------------------------------------------------

    def block_chat(self, chat_id: int) -> None:
        """The user blocks the bot (or the bot is kicked from the group): sends answer 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def _check_writable(self, record: dict) -> None:
        chat = record["chat"]
        if chat["id"] in self._blocked:
            if chat["type"] == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            kind = "supergroup" if chat["type"] == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")

    def push_text(self, chat_id: int, user_id: int, text: str, reply_to_message_id: int | None = None) -> dict:
        """As BotAPICore.push_text; writing to the bot in private also unblocks it, as in Telegram."""
        with self._lock:  # held throughout, so the bot cannot answer the update while still blocked
            update = super().push_text(chat_id, user_id, text, reply_to_message_id)
            if self._chats[chat_id]["chat"]["type"] == "private":
                self._blocked.discard(chat_id)
            return update

    def migrate_group(self, chat_id: int, new_supergroup_id: int) -> dict:
        """Upgrade a group to a supergroup: calls with the old id answer 400 with migrate_to_chat_id."""
        with self._lock:
            old = self._chats[chat_id]
            chat = {"id": new_supergroup_id, "type": "supergroup", "title": old["chat"].get("title", "")}
            self._new_chat(chat, members=set(old["members"]), admins=list(old["admins"]),
                           bot_is_admin=old["bot_is_admin"])
            self._migrated[chat_id] = new_supergroup_id
            creator = self._users.get(old["admins"][0]) if old["admins"] else self.bot_user
            msg = self._store_message(chat_id, creator, migrate_to_chat_id=new_supergroup_id)
            self._queue_update({"message": msg})
            msg = self._store_message(new_supergroup_id, creator, migrate_from_chat_id=chat_id)
            self._queue_update({"message": msg})
            return dict(chat)

    def _chat_record(self, chat_ref: Any) -> dict:
        record = super()._chat_record(chat_ref)
        old_id = record["chat"]["id"]
        if old_id in self._migrated:  # the old group's record is kept, so look it up first, then refuse it
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self._migrated[old_id]})
        return record

    # ----- the flood model ----------------------------------------------------------------------------------

    def _send(self, record: dict, **message: Any) -> dict:
        self._check_rate(record["chat"]["id"], record["chat"]["type"] != "private")
        return super()._send(record, **message)

    def _check_rate(self, chat_id: int, is_group: bool) -> None:
        """Global and per-chat messages per second, group messages per minute (each off when None)."""
        now = time.monotonic()
        window = self._sent_times
        while window and window[0] <= now - 60:
            window.popleft()
        per_chat = self._chat_times[chat_id]
        while per_chat and per_chat[0] <= now - 60:
            per_chat.popleft()
        checks = []
        if self.max_per_second:
            checks.append((window, 1.0, self.max_per_second))
        if self.max_per_chat_per_second:
            checks.append((per_chat, 1.0, self.max_per_chat_per_second))
        if self.max_per_group_per_minute and is_group:
            checks.append((per_chat, 60.0, self.max_per_group_per_minute))
        for times, span, limit in checks:
            recent = [t for t in times if t > now - span]
            if len(recent) >= limit:
                wait = max(1, math.ceil(recent[-max(1, int(limit))] + span - now))
                raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        window.append(now)
        per_chat.append(now)
