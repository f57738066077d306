"""The services one running bot holds: opened in the Application's post_init, closed in post_shutdown,
and reached by handlers and jobs through `context.bot_data["services"]`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from storage.tinydb.chats import ChatStore
from storage.tinydb.outbox import Outbox

from bot.config import Settings
from bot.services.library import Library
from bot.services.subscriptions import Subscriptions


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    settings: Settings
    library: Library
    chats: ChatStore
    subscriptions: Subscriptions
    outbox: Outbox
    feeds: Any = None  # bot.feeds.FeedService when feed polling is available
    clock: Callable[[], datetime] = utcnow
    started: datetime = field(default_factory=utcnow)
    counters: dict[str, int] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] = self.counters.get(name, 0) + n

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admins

    def chat_allowed(self, chat_id: int) -> bool:
        allowed = self.settings.allowed_chats
        return not allowed or chat_id in allowed

    @classmethod
    def open(cls, settings: Settings, clock: Callable[[], datetime] = utcnow) -> "Services":
        from bot.services.seeds import ensure_seeded

        library = Library.open(settings.data_dir, now=clock().timestamp())
        try:
            ensure_seeded(library, clock())
            chats = ChatStore(settings.data_dir / "chats")
            subscriptions = Subscriptions(chats, library)
            outbox = Outbox(settings.data_dir / "outbox.log")
        except BaseException:
            library.close()
            raise
        return cls(settings=settings, library=library, chats=chats, subscriptions=subscriptions, outbox=outbox,
                   clock=clock)

    def close(self) -> None:
        self.outbox.close()
        self.chats.close()
        self.library.close()
