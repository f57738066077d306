"""Child process for tests/test_delivery_crash.py: drain a data directory's outbox to a Bot API over HTTP.

    python tests/delivery_child.py DATA_DIR BASE_URL TOKEN

Opens <DATA_DIR>/outbox.log and the chat store <DATA_DIR>/chats, builds PTB's Bot against BASE_URL,
prints "ready" once the bot is initialized, then drains (bot.delivery.Delivery, the production error
policy and IN_FLIGHT) until nothing is pending, and prints "done SENT DROPPED DEFERRED". The parent kills
it with SIGKILL at random moments; whatever survives on disk is what a restarted bot would see.

Every alert renders to one fixed text that carries its key ("alert <key>"), so the parent can count
deliveries per key from what the fake Bot API recorded.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.services.delivery import IN_FLIGHT, Delivery, OutMessage  # noqa: E402
from bot.telegram.sender import PTBSender  # noqa: E402
from storage.tinydb.chats import ChatStore  # noqa: E402
from storage.tinydb.outbox import Outbox, OutboxItem  # noqa: E402


def render(items: list[OutboxItem]) -> list[OutMessage]:
    return [OutMessage(f"alert {items[0].key}")]


async def main(data: Path, base_url: str, token: str) -> int:
    outbox = Outbox(data / "outbox.log")
    chats = ChatStore(data / "chats")
    # A pool as large as the concurrency, so IN_FLIGHT sends really are in flight together (PTB's Bot
    # defaults to one connection, which would serialise them and hide half the duplicate window).
    request = HTTPXRequest(connection_pool_size=IN_FLIGHT + 2, pool_timeout=10.0, read_timeout=10.0)
    bot = Bot(token, base_url=base_url, request=request)
    await bot.initialize()
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
