"""Delivery's error policy against the in-process Bot API: 429, 5xx, 403, BadRequest and ChatMigrated.

Real Outbox journal and ChatStore files in tmp_path, PTB's Bot over InProcessRequest, a fake clock whose
`sleep` advances it (so backoff and flood waits cost no real time, and are visible to the assertions).
After each scenario the journal and the chat store are reopened from disk: what the policy decided must
have been written, not just held in memory.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest
from telegram import Bot

from bot.services.delivery import BACKOFF, MAX_ATTEMPTS, Delivery, OutMessage
from bot.telegram.sender import PTBSender
from bot.telegram.fakeapi import InProcessRequest
from storage.tinydb.chats import ChatStore
from storage.tinydb.outbox import Outbox, OutboxItem
from tests.faultyapi import FaultyBotAPI

T0 = 1_800_000_000.0
NOW = datetime.fromtimestamp(T0, timezone.utc)
ANN, BOB = 1001, 1002  # private chats
GROUP, SUPERGROUP = -4_200_100, -1_004_200_100


class Clock:
    """Fake time: `sleep` records the wait and moves the clock on by it."""

    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class TimedBot:
    """PTB's Bot, with the fake time of every send_message noted (to check nothing goes during a wait)."""

    def __init__(self, bot: Bot, clock: Clock) -> None:
        self.bot = bot
        self.clock = clock
        self.sends: list[tuple[float, int]] = []

    async def send_message(self, chat_id, text, **kwargs):
        self.sends.append((self.clock(), chat_id))
        return await self.bot.send_message(chat_id, text, **kwargs)


def render(items: list[OutboxItem]) -> list[OutMessage]:
    item = items[0]
    return [OutMessage(item.data.get("html") or f"<b>alert</b> {item.key}")]


@dataclass
class Rig:
    data: Path
    core: FaultyBotAPI
    bot: TimedBot
    clock: Clock
    outbox: Outbox
    chats: ChatStore
    logs: list[str] = field(default_factory=list)

    def delivery(self, in_flight: int = 2) -> Delivery:
        return Delivery(PTBSender(self.bot), self.outbox, self.chats, render, clock=self.clock, in_flight=in_flight,
                        sleep=self.clock.sleep)

    def queue(self, chat: int, *keys: str, due: float | None = None, **data) -> list[OutboxItem]:
        return self.outbox.add([{"chat": chat, "key": k, "kind": "alert", "data": dict(data),
                                 **({"due": due} if due is not None else {})} for k in keys], self.clock())

    def texts(self, chat: int) -> list[str]:
        return [m.plain for m in self.core.sent(chat)]

    def send_calls(self, chat: int | None = None) -> list:
        return [c for c in self.core.calls_of("sendMessage") if chat is None or c.params.get("chat_id") == chat]

    def reopened(self) -> tuple[Outbox, ChatStore]:
        return Outbox(self.data / "outbox.log", readonly=True), ChatStore(self.data / "chats", readonly=True)


@pytest.fixture
async def rig(tmp_path):
    core = FaultyBotAPI()
    for chat, name in ((ANN, "Ann"), (BOB, "Bob")):
        core.private_chat(chat, name)
    core.group(GROUP, "Newsroom", admins=[ANN])
    chats = ChatStore(tmp_path / "chats")
    for chat in (ANN, BOB):
        chats.ensure_chat(chat, "private", "", NOW)
    chats.ensure_chat(GROUP, "group", "Newsroom", NOW)
    outbox = Outbox(tmp_path / "outbox.log")
    bot = Bot("123:ABC", request=InProcessRequest(core), get_updates_request=InProcessRequest(core))
    await bot.initialize()
    clock = Clock()
    try:
        yield Rig(tmp_path, core, TimedBot(bot, clock), clock, outbox, chats)
    finally:
        await bot.shutdown()
        outbox.close()
        chats.close()


async def test_retry_after_waits_then_sends_everything_once(rig):
    rig.queue(ANN, "a1", "a2")
    rig.queue(BOB, "b1")
    rig.core.inject_retry_after(3, count=1, methods=["sendMessage"])

    report = await rig.delivery().drain()

    assert report.sent == 3 and report.dropped == 0 and report.deferred == 0
    assert report.retry_after_waits == 1
    assert rig.texts(ANN) == ["alert a1", "alert a2"] and rig.texts(BOB) == ["alert b1"]
    calls = rig.send_calls()
    assert [c.status for c in calls].count(429) == 1 and len(calls) == 4
    # Nothing at all (in either chat) went out before the 3 s were over.
    [flood_at] = [at for (at, _), call in zip(rig.bot.sends, calls) if call.status == 429]
    later = [at for at, _ in rig.bot.sends if at > flood_at]
    assert later and min(later) >= flood_at + 3
    assert [at for at, _ in rig.bot.sends].count(flood_at) <= 2  # only sends already under way
    assert sum(rig.clock.sleeps) >= 3

    again = await rig.delivery().drain()  # a second drain (or a restart) sends nothing twice
    assert again.sent == 0 and len(rig.send_calls()) == 4
    outbox, _ = rig.reopened()
    assert len(outbox) == 0 and all(outbox.delivered(c, k) for c, k in ((ANN, "a1"), (ANN, "a2"), (BOB, "b1")))


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_are_retried_with_backoff_then_sent(rig, status):
    rig.queue(ANN, "a1")
    rig.core.inject_server_error(count=2, status=status, methods=["sendMessage"])

    report = await rig.delivery().drain()

    assert report.sent == 1 and report.deferred == 0
    assert rig.clock.sleeps == [BACKOFF[0], BACKOFF[1]]
    assert [c.status for c in rig.send_calls()] == [status, status, 200]
    assert rig.texts(ANN) == ["alert a1"]
    outbox, _ = rig.reopened()
    assert len(outbox) == 0 and outbox.delivered(ANN, "a1")


async def test_persistent_server_errors_defer_the_item_and_do_not_drop_it(rig):
    [a1] = rig.queue(ANN, "a1")
    rig.queue(BOB, "b1")
    rig.core.inject_server_error(count=MAX_ATTEMPTS, methods=["sendMessage"])

    report = await rig.delivery(in_flight=1).drain()  # one at a time: ANN first takes every fault

    assert report.deferred == 1 and report.sent == 1 and report.dropped == 0
    assert rig.clock.sleeps == list(BACKOFF[:MAX_ATTEMPTS - 1])
    assert rig.texts(ANN) == [] and rig.texts(BOB) == ["alert b1"]  # one bad chat holds up no other
    failed_at = rig.clock()
    outbox, _ = rig.reopened()  # the deferral is in the journal
    [pending] = outbox.pending()
    assert pending.id == a1.id and pending.attempts == 1 and pending.due == pytest.approx(failed_at + 60)

    calls = len(rig.send_calls())
    early = await rig.delivery().drain()
    assert early.sent == 0 and len(rig.send_calls()) == calls  # not due yet: no attempt

    rig.clock.now = pending.due
    later = await rig.delivery().drain()
    assert later.sent == 1 and rig.texts(ANN) == ["alert a1"]
    outbox, _ = rig.reopened()
    assert len(outbox) == 0 and outbox.delivered(ANN, "a1")


async def test_blocked_chat_is_paused_and_its_queue_dropped(rig):
    rig.queue(ANN, "a1", "a2", "a3")
    rig.queue(ANN, "a4", due=T0 + 3600)  # not due yet, dropped too: the chat is gone
    rig.queue(BOB, "b1")
    rig.core.block_chat(ANN)

    report = await rig.delivery().drain()

    assert report.paused_chats == [ANN]
    assert report.sent == 1 and report.dropped == 4
    assert len(rig.send_calls(ANN)) == 1  # the 403, and no further try
    assert rig.texts(ANN) == [] and rig.texts(BOB) == ["alert b1"]
    outbox, chats = rig.reopened()
    assert chats.get_chat(ANN).paused and not chats.get_chat(BOB).paused
    assert outbox.pending(ANN) == [] and not any(outbox.delivered(ANN, k) for k in ("a1", "a2", "a3", "a4"))

    rig.clock.now += 7200  # later alerts for the paused chat are dropped without a call
    rig.queue(ANN, "a5")
    later = await rig.delivery().drain()
    assert later.sent == 0 and later.dropped == 1
    assert len(rig.send_calls(ANN)) == 1 and len(rig.outbox) == 0


async def test_bad_request_is_dropped_and_logged_not_retried(rig, caplog):
    rig.queue(ANN, "bad", html="<b>unclosed bold")
    rig.queue(ANN, "a2")

    with caplog.at_level(logging.WARNING, logger="newsbot.delivery"):
        report = await rig.delivery().drain()

    assert report.dropped == 1 and report.sent == 1 and report.deferred == 0
    assert [c.status for c in rig.send_calls(ANN)] == [400, 200]
    assert rig.texts(ANN) == ["alert a2"]  # the chat's next item still goes
    assert rig.clock.sleeps == []
    [record] = [r for r in caplog.records if "refused" in r.getMessage()]
    assert str(ANN) in record.getMessage() and "can't parse entities" in record.getMessage().lower()
    outbox, _ = rig.reopened()
    assert len(outbox) == 0 and not outbox.delivered(ANN, "bad") and outbox.delivered(ANN, "a2")
    again = await rig.delivery().drain()
    assert again.sent == 0 and len(rig.send_calls(ANN)) == 2


async def test_migrated_group_moves_everywhere_and_gets_the_message(rig):
    rig.chats.add_topic(GROUP, "Flynn", "flynn", NOW)
    rig.queue(GROUP, "g1", "g2")
    rig.core.migrate_group(GROUP, SUPERGROUP)

    report = await rig.delivery().drain()

    assert report.migrated == {GROUP: SUPERGROUP}
    assert report.sent == 2 and report.dropped == 0
    assert rig.texts(SUPERGROUP) == ["alert g1", "alert g2"]
    assert all(c.status in (200, 400) for c in rig.send_calls())
    outbox, chats = rig.reopened()
    assert chats.get_chat(GROUP) is None
    moved = chats.get_chat(SUPERGROUP)
    assert moved is not None and moved.type == "supergroup"
    assert [t.text for t in chats.topics(SUPERGROUP)] == ["Flynn"]
    assert outbox.delivered(SUPERGROUP, "g1") and outbox.delivered(SUPERGROUP, "g2")
    assert not outbox.delivered(GROUP, "g1") and len(outbox) == 0

    # An alert for the story the group already got, now planned under the new id, is not queued again.
    assert rig.outbox.add([{"chat": SUPERGROUP, "key": "g1", "kind": "alert"}], rig.clock()) == []
