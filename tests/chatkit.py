"""A running newsbot for tests: the real Application and handlers over the in-process Bot API (which
validates every call like Telegram), a store in tmp_path, and a controllable clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.compose import build_bot, open_services
from bot.services.container import Services
from bot.config import Settings
from bot.telegram.fakeapi import BotMessage, InProcessRequest
from bot.core.models import RawArticle
from tests.faultyapi import FaultyBotAPI

START = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
USER = 1001
ADMIN = 4242


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Bot:
    core: FaultyBotAPI
    services: Services
    application: object
    clock: Clock
    seen: dict[int, int] = field(default_factory=dict)
    # How long idle() must see nothing going on. Without jobs everything the bot does is in sight (an update
    # waiting or being handled, a Bot API call); with jobs on, a job working off the loop (a thread, the
    # feed pool) is not, so quiet must last longer before it counts.
    settle: float = 0.3

    async def say(self, text: str, chat_id: int = USER, user_id: int | None = None, *, replies: int = 1,
                  reply_to: int | None = None, timeout: float = 10.0) -> list[BotMessage]:
        """Send `text` as a user and wait for the bot's next `replies` messages in that chat."""
        self.core.push_text(chat_id, user_id if user_id is not None else chat_id, text, reply_to_message_id=reply_to)
        return [await self.core.wait_for_message(chat_id, timeout=timeout) for _ in range(replies)]

    async def press(self, message: BotMessage, label_part: str, chat_id: int | None = None,
                    user_id: int | None = None) -> str:
        chat = chat_id if chat_id is not None else message.chat_id
        [button] = [b for b in message.buttons if label_part in b["text"]][:1] or [None]
        assert button is not None, f"no button with {label_part!r} in {[b['text'] for b in message.buttons]}"
        query = self.core.push_callback(chat, user_id if user_id is not None else chat, message.message_id,
                                        button["callback_data"])
        await self.idle()
        return query

    async def press_data(self, message_id: int, data: str, chat_id: int = USER, user_id: int | None = None) -> str:
        query = self.core.push_callback(chat_id, user_id if user_id is not None else chat_id, message_id, data)
        await self.idle()
        return query

    async def idle(self, settle: float | None = None) -> None:
        """Wait until no update is pending or being handled and no call is in flight, for `settle` seconds."""
        settle = self.settle if settle is None else settle
        quiet_since = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while loop.time() < deadline:
            busy = (self.core.pending_updates or self.core.in_flight or self.application.update_queue.qsize()
                    or self.application.update_processor.current_concurrent_updates)
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= settle:
                return
            await asyncio.sleep(0.02)

    def errors(self) -> list:
        """Bot API calls Telegram would have refused (anything but the injected faults)."""
        return [c for c in self.core.calls if c.status >= 400 and c.method.lower() != "getupdates"]

    def ingest(self, *raws: RawArticle) -> list[str]:
        report = self.services.intake.add(list(raws), self.clock())
        return report.added + report.updated

    async def publish(self, *raws: RawArticle) -> int:
        """New articles arrive (as from a feed poll): stored, matched, alerts delivered."""
        from bot.telegram.jobs import after_ingest

        self.ingest(*raws)
        queued = await after_ingest(self.application)
        await self.idle()
        return queued


def settings_for(data: Path, **over) -> Settings:
    base = Settings(token="123456:TEST-token-not-real-abcdefghijkl", telegram_api="http://fake.invalid/bot",
                    data_dir=data, poll_seconds=1, admins=frozenset({ADMIN}))
    return replace(base, **over)


class running_bot:
    """async with running_bot(tmp_path) as bot: ... (jobs off by default: tests drive time themselves)."""

    def __init__(self, data: Path, *, jobs: bool = False, clock: Clock | None = None, core: FaultyBotAPI | None = None,
                 **settings) -> None:
        self.data = data
        self.jobs = jobs
        self.clock = clock or Clock()
        self.core = core or FaultyBotAPI()
        self.settings = settings_for(data, **settings)

    async def __aenter__(self) -> Bot:
        self.services = open_services(self.settings, clock=self.clock)
        self.app = build_bot(self.settings, services=self.services, request=InProcessRequest(self.core),
                             get_updates_request=InProcessRequest(self.core), per_chat_interval=0, jobs=self.jobs)
        for chat in (USER, ADMIN):
            self.core.private_chat(chat, "Ann" if chat == USER else "Admin")
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)
        await self.app.start()
        return Bot(self.core, self.services, self.app, self.clock, settle=0.3 if self.jobs else 0.05)

    async def __aexit__(self, *exc) -> None:
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()
        await self.app.post_shutdown(self.app)
        self.services.close()
