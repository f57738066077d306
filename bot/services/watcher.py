"""The watcher: a batch of new articles -> matches against every chat's topics -> the outbox.

Rules, in order, for each (chat, article) that matches at least one instant topic:
- one alert per story: if the chat was already sent (or has queued) this story, nothing more;
- an article published more than 48 h before the subscription never alerts (a new subscription does
  not flood the chat with old stories);
- during the chat's quiet hours the alert is held until they end, and held alerts go out as one message;
- all of the chat's topics that matched are named in the one alert ("why it matched").
Topics in digest mode get no instant alerts (the digest job reads the store itself).

Intake hands every stored batch to `Watcher.submit`; `Watcher.process` (called by the Telegram wing right
after a write, and every second) matches what was submitted, a slice at a time so an event loop stays
responsive, and queues the alerts durably in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta


from storage.contract import ChatStore, Outbox

from bot.core.models import Article
from bot.core.times import parse_time
from bot.core.timezones import is_quiet, quiet_ends_at
from bot.services.subscriptions import Subscriptions

log = logging.getLogger("newsbot.watcher")
OLD_STORY = timedelta(hours=48)
WATCH_SLICE = 50  # articles matched between two yields to the event loop


def story_key(article: Article) -> str:
    return f"story:{article.story_id or article.id}"


def plan_alerts(subscriptions: Subscriptions, chats: ChatStore, outbox: Outbox, articles: Iterable[Article], now: datetime) -> list[dict]:
    """The outbox items these articles call for (not yet written)."""
    items: dict[tuple[int, str], dict] = {}
    for article in articles:
        published = parse_time(article.published) or parse_time(article.fetched_at)
        key = story_key(article)
        for match in subscriptions.match_article(article, now):
            if match.mode != "instant":
                continue
            chat = match.chat_id
            if outbox.delivered(chat, key):
                continue
            topic = chats.get_topic(chat, match.topic_id)
            created = parse_time(getattr(topic, "created", None)) if topic else 0.0
            if created and published < created - OLD_STORY.total_seconds():
                continue
            pending = items.get((chat, key))
            why = match.match.why()
            if pending is not None:
                if why not in pending["data"]["why"]:
                    pending["data"]["why"] += f"; {why}"
                continue
            prefs = chats.get_chat(chat)
            kind, due = "alert", now.timestamp()
            if prefs is not None and prefs.quiet and is_quiet(prefs.quiet, prefs.tz, now):
                kind, due = "held", quiet_ends_at(prefs.quiet, prefs.tz, now).timestamp()
            items[(chat, key)] = {"chat": chat, "key": key, "kind": kind, "due": due,
                                  "data": {"article": article.id, "topic": match.topic_id, "why": why}}
    return list(items.values())


def watch(subscriptions: Subscriptions, chats: ChatStore, outbox: Outbox, articles: Iterable[Article], now: datetime) -> int:
    """Match a batch and queue its alerts durably; returns how many were queued."""
    planned = plan_alerts(subscriptions, chats, outbox, articles, now)
    added = outbox.add(planned, now.timestamp()) if planned else []
    if added:
        log.info("queued %d alert(s)", len(added))
    return len(added)


class Watcher:
    """Holds the stored batches Intake hands over until `process` matches them."""

    def __init__(self, subscriptions: Subscriptions, chats: ChatStore, outbox: Outbox,
                 clock: Callable[[], datetime], slice_size: int = WATCH_SLICE) -> None:
        self.subscriptions = subscriptions
        self.chats = chats
        self.outbox = outbox
        self.clock = clock
        self.slice_size = slice_size
        self._pending: deque[Article] = deque()

    def submit(self, articles: Sequence[Article]) -> None:
        self._pending.extend(articles)

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def process(self) -> int:
        """Match everything submitted so far and queue its alerts; returns how many were queued."""
        queued = 0
        while self._pending:
            batch = [self._pending.popleft() for _ in range(min(self.slice_size, len(self._pending)))]
            queued += watch(self.subscriptions, self.chats, self.outbox, batch, self.clock())
            await asyncio.sleep(0)  # between slices, the event loop serves chats
        return queued
