"""Child process for tests/test_delivery_crash.py: drain a data directory's outbox to a Bot API over HTTP.

    PYTHONPATH=. python tests/delivery_child.py DATA_DIR BASE_URL TOKEN

Builds PTB's Bot against BASE_URL and initializes it, prints "loaded", and waits for a line "go" on stdin
(the parent starts the next child while the current one is still sending, so the interpreter's start and
the imports are not part of every kill's cycle; nothing on disk is touched before "go"). Then it opens
<DATA_DIR>/outbox.log and the chat store <DATA_DIR>/chats, prints "ready", drains (Delivery, the
production error policy and IN_FLIGHT) until nothing is pending, and prints "done SENT DROPPED DEFERRED".
The parent kills it with SIGKILL at random moments; whatever survives on disk is what a restarted bot
would see. Any other stdin line (or EOF: the parent went away) ends it before it opens anything.

Every alert renders to one fixed text that carries its key ("alert <key>"), so the parent can count
deliveries per key from what the fake Bot API recorded.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.services.delivery import IN_FLIGHT, Delivery, OutMessage
from bot.telegram.sender import PTBSender
from storage.tinydb.chats import ChatStore
from storage.tinydb.outbox import Outbox, OutboxItem


def render(items: list[OutboxItem]) -> list[OutMessage]:
    return [OutMessage(f"alert {items[0].key}")]


async def main(data: Path, base_url: str, token: str) -> int:
    # A pool as large as the concurrency, so IN_FLIGHT sends really are in flight together (PTB's Bot
    # defaults to one connection, which would serialise them and hide half the duplicate window).
    request = HTTPXRequest(connection_pool_size=IN_FLIGHT + 2, pool_timeout=10.0, read_timeout=10.0)
    bot = Bot(token, base_url=base_url, request=request)
    await bot.initialize()
    print("loaded", flush=True)
    if sys.stdin.readline().strip() != "go":  # blocking is fine: nothing else runs on this loop yet
        await bot.shutdown()
        return 0
    outbox = Outbox(data / "outbox.log")
    chats = ChatStore(data / "chats")
    delivery = Delivery(PTBSender(bot), outbox, chats, render, clock=time.time)
    print("ready", flush=True)
    sent = dropped = deferred = 0
    try:
        while len(outbox):
            report = await delivery.drain()
            sent, dropped, deferred = sent + report.sent, dropped + report.dropped, deferred + report.deferred
            if not report.sent and len(outbox):
                next_due = outbox.next_due() or time.time()
                await asyncio.sleep(min(1.0, max(0.05, next_due - time.time())))
    finally:
        await bot.shutdown()
        outbox.close()
        chats.close()
    print(f"done {sent} {dropped} {deferred}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])))
