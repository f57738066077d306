"""The services one running bot holds, typed: opened by the composition root (bot/compose.py), reached by
handlers and jobs through the Application's typed bot_data (handlers/state.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


from storage.contract import ChatStore, Outbox

from bot.config import Settings
from bot.core.times import utcnow
from bot.services.library import Library
from bot.services.digests import Digests
from bot.services.feeds import FeedService
from bot.services.intake import Intake
from bot.services.subscriptions import Subscriptions
from bot.services.watcher import Watcher


@dataclass
class Services:
    settings: Settings
    library: Library
    chats: ChatStore
    subscriptions: Subscriptions
    outbox: Outbox
    intake: Intake
    watcher: Watcher
    digests: Digests
    feeds: FeedService | None = None  # attached by the Telegram wing when it polls feeds
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

    def close(self) -> None:
        """Close the storage engine (every store of it) under the library."""
        self.library.close()
