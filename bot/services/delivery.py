"""Delivery: drain the outbox to a Sender (the Bot API), exactly once as the user sees it.

Every item is marked in the outbox journal the moment the Sender confirms it, so a restart resumes where
it stopped. Failures follow one policy:
- FloodWait (429): every send waits retry_after seconds, then the item is retried (not counted as a failure);
- TransientFailure (network errors, 5xx): retried with backoff, at most MAX_ATTEMPTS times in a drain, then
  left for the next cycle (due again later);
- ChatUnreachable (the user blocked the bot, or it was kicked): the chat is paused and its queue dropped;
  nothing more goes there until it writes again;
- MessageRefused (Telegram's BadRequest): logged with the reason and dropped, never retried forever;
- ChatMoved: the chat id is updated everywhere and the item sent to the new id.
Items for one chat go in order; different chats go concurrently (IN_FLIGHT at a time), paced by the
sender's rate limiter. The Telegram wing provides the Sender (bot/telegram/sender.py): this module has no
Telegram import.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol


from storage.contract import ChatStore, Outbox, OutboxItem

from bot.core.formatting import Keyboard

log = logging.getLogger("newsbot.delivery")

MAX_ATTEMPTS = 5
IN_FLIGHT = 2  # concurrent sends; also the most duplicates a kill -9 can cause (one per chat in flight)
BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0)


@dataclass(frozen=True)
class OutMessage:
    html: str  # Telegram HTML within its limits (bot.core.formatting)
    keyboard: Keyboard | None = None  # rows of (label, callback data)
    preview: bool = True  # link previews (off for lists)


class SendFailure(Exception):
    """Why a send did not go through; the subclasses are the policy's cases."""


class FloodWait(SendFailure):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChatMoved(SendFailure):
    def __init__(self, message: str, new_chat_id: int) -> None:
        super().__init__(message)
        self.new_chat_id = new_chat_id


class ChatUnreachable(SendFailure):
    pass


class MessageRefused(SendFailure):
    pass


class TransientFailure(SendFailure):
    pass


class Sender(Protocol):
    async def send(self, chat_id: int, message: OutMessage) -> None:
        """Send one message, or raise a SendFailure subclass."""


# render(items) -> the messages for one chat's items, or [] to drop the items silently
Render = Callable[[list[OutboxItem]], list[OutMessage]]


@dataclass
class DrainReport:
    sent: int = 0
    dropped: int = 0
    deferred: int = 0
    paused_chats: list[int] = field(default_factory=list)
    migrated: dict[int, int] = field(default_factory=dict)
    retry_after_waits: int = 0


class Delivery:
    def __init__(self, sender: Sender, outbox: Outbox, chats: ChatStore, render: Render, clock: Callable[[], float],
                 in_flight: int = IN_FLIGHT, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 on_sent: Callable[[OutboxItem], None] | None = None) -> None:
        self.sender = sender
        self.outbox = outbox
        self.chats = chats
        self.render = render
        self.clock = clock
        self.in_flight = in_flight
        self.sleep = sleep
        self.on_sent = on_sent
        self._hold_until = 0.0  # a 429 pauses every send, not just the one that got it
        self._lock = asyncio.Lock()

    async def drain(self, limit: int | None = None) -> DrainReport:
        """Send everything due now. One drain at a time; a second caller waits for the first."""
        async with self._lock:
            report = DrainReport()
            due = self.outbox.due(self.clock(), limit)
            by_chat: dict[int, list[OutboxItem]] = {}
            for item in due:
                by_chat.setdefault(item.chat, []).append(item)
            queue: asyncio.Queue[tuple[int, list[OutboxItem]]] = asyncio.Queue()
            for pair in by_chat.items():
                queue.put_nowait(pair)
            workers = [asyncio.create_task(self._worker(queue, report)) for _ in range(max(1, self.in_flight))]
            try:
                await asyncio.gather(*workers)
            finally:
                for task in workers:
                    task.cancel()
            return report

    async def _worker(self, queue: asyncio.Queue, report: DrainReport) -> None:
        while True:
            try:
                chat, items = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await self._deliver_chat(chat, items, report)

    async def _deliver_chat(self, chat: int, items: list[OutboxItem], report: DrainReport) -> None:
        prefs = self.chats.get_chat(chat)
        if prefs is None or getattr(prefs, "paused", False):
            self.outbox.mark_dropped([i.id for i in items], self.clock(), result="paused" if prefs else "no chat")
            report.dropped += len(items)
            return
        # Held alerts (quiet hours) that come due together go out as one message; others one by one.
        held = [i for i in items if i.kind == "held"]
        groups = ([held] if held else []) + [[i] for i in items if i.kind != "held"]
        for group in groups:
            chat = report.migrated.get(chat, chat)  # a group that became a supergroup mid-drain
            if not await self._send_group(chat, group, report):
                return  # the chat is paused or gone: its remaining items were dealt with

    async def _send_group(self, chat: int, group: list[OutboxItem], report: DrainReport) -> bool:
        try:
            messages = self.render(group)
        except Exception:  # a rendering bug must not wedge the queue
            log.exception("could not render %d item(s) for chat %s; dropped", len(group), chat)
            self.outbox.mark_dropped([i.id for i in group], self.clock(), result="render-error")
            report.dropped += len(group)
            return True
        if not messages:
            self.outbox.mark_dropped([i.id for i in group], self.clock(), result="nothing-to-send")
            report.dropped += len(group)
            return True
        attempts = 0
        part = 0
        while part < len(messages):
            wait = self._hold_until - self.clock()
            if wait > 0:
                await self.sleep(wait)
            try:
                await self.sender.send(chat, messages[part])
                part += 1
                attempts = 0
            except FloodWait as exc:
                self._hold_until = max(self._hold_until, self.clock() + exc.retry_after)
                report.retry_after_waits += 1
                log.warning("flood control: waiting %.1f s", exc.retry_after)
            except ChatMoved as exc:
                new = exc.new_chat_id
                log.info("chat %s moved to %s", chat, new)
                self.chats.migrate_chat(chat, new)
                self.outbox.move_chat(chat, new)
                report.migrated[chat] = new
                chat = new
            except ChatUnreachable as exc:
                log.info("chat %s is unreachable (%s): paused until it writes again", chat, exc)
                self.chats.update_chat(chat, paused=True)
                dropped = [i.id for i in self.outbox.pending(chat)]
                self.outbox.mark_dropped(dropped, self.clock(), result="paused")
                report.dropped += len(dropped)
                report.paused_chats.append(chat)
                return False
            except MessageRefused as exc:
                log.warning("chat %s refused a message (%s); dropped", chat, exc)
                self.outbox.mark_dropped([i.id for i in group], self.clock())
                report.dropped += len(group)
                return True
            except TransientFailure as exc:
                attempts += 1
                if attempts >= MAX_ATTEMPTS:
                    due = self.clock() + 60.0 * (group[0].attempts + 1)
                    for item in group:
                        self.outbox.retry_at(item.id, due)
                    report.deferred += len(group)
                    log.warning("chat %s: %s after %d tries; next attempt in %.0f s", chat, exc, attempts,
                                due - self.clock())
                    return True
                await self.sleep(BACKOFF[min(attempts - 1, len(BACKOFF) - 1)])
        self.outbox.mark_sent([i.id for i in group], self.clock())
        report.sent += len(group)
        if self.on_sent:
            for item in group:
                self.on_sent(item)
        return True

