"""Digests: the recap a chat gets daily or weekly at its hour, in its time zone.

A digest lists, for each of the chat's topics, every story that matched since the previous digest (for
the first one, the last 24 h) — whether or not it already came as an instant alert. One entry per story,
ranked by recency and by how many sources carried it. Nothing new -> no message.

Scheduling: one APScheduler cron job per chat through PTB's JobQueue (named "digest:<chat>"), in the
chat's zone, so DST is handled by zoneinfo; jobs are rebuilt from the chat store at every start because
PTB does not persist them. A digest slot missed while the bot was down is sent at start when it is less
than 6 h old. The slot time is recorded, and the digest goes through the outbox keyed by its slot, so a
slot is never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


from storage.contract import ChatStore, Outbox, TopicRow

from bot.core import formatting as fmt
from bot.core.enrich import story_of
from bot.core.models import Article
from bot.core.times import iso, parse_time
from bot.core.topics import TopicIndex, parse_topic
from bot.services.library import Library
from bot.services.subscriptions import Subscriptions

log = logging.getLogger("newsbot.digests")
MISSED_GRACE = timedelta(hours=6)
FIRST_WINDOW = timedelta(hours=24)
SCAN_LIMIT = 20_000  # articles looked at per digest, at most


@dataclass
class DigestEntry:
    article: Article  # the story's first report
    sources: list[str]  # every source that carried the story
    latest: float  # newest report's time


def slot_before(digest: dict, tz: str, now: datetime) -> datetime:
    """The most recent scheduled time at or before `now` (aware, UTC)."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    hour, minute = (int(x) for x in digest["time"].split(":"))
    for back in range(0, 8):
        day = (local - timedelta(days=back)).date()
        if digest.get("kind") == "weekly" and day.weekday() != int(digest.get("day", 0)):
            continue
        candidate = datetime.combine(day, time(hour, minute), tzinfo=zone)
        # A local time skipped by a DST change resolves forwards, as the cron trigger does.
        candidate = candidate.astimezone(timezone.utc).astimezone(zone)
        if candidate <= local:
            return candidate.astimezone(timezone.utc)
    raise ValueError(f"no digest slot found for {digest}")


def due_missed(digest: dict, tz: str, last_digest: str | None, now: datetime) -> datetime | None:
    """The slot to send at start-up, if one was missed less than 6 h ago and not sent yet."""
    slot = slot_before(digest, tz, now)
    if now - slot > MISSED_GRACE:
        return None
    if last_digest and parse_time(last_digest) >= slot.timestamp():
        return None
    return slot


def compose(topics: list[TopicRow], since: float, now: float,
            docs: Iterable[dict]) -> list[tuple[TopicRow, list[DigestEntry]]]:
    """For each topic, the stories matched by the stored documents fetched between `since` and `now`."""
    index = TopicIndex()
    rows = {}
    for row in topics:
        try:
            index.add(row.topic_id, parse_topic(row.text))
            rows[row.topic_id] = row
        except ValueError:
            continue
    if not rows:
        return []
    found: dict[int, dict[str, DigestEntry]] = {key: {} for key in rows}
    for n, doc in enumerate(docs):
        if n >= SCAN_LIMIT:
            break
        article = Article.from_doc(doc)
        fetched = parse_time(article.fetched_at)
        if fetched < since or fetched > now:
            continue
        published = parse_time(article.published) or fetched
        story = article.story_id or article.id
        for match in index.match(article.title, story_of(article)):
            have = found[match.key].get(story)
            if have is None:
                found[match.key][story] = DigestEntry(article, [article.source] if article.source else [], published)
                continue
            if article.source and article.source not in have.sources:
                have.sources.append(article.source)
            if published < (parse_time(have.article.published) or parse_time(have.article.fetched_at)):
                have.article = article  # the first report stands for the story
            have.latest = max(have.latest, published)
    out = []
    for key, row in rows.items():
        entries = sorted(found[key].values(), key=lambda e: (e.latest + 3600 * len(e.sources)), reverse=True)
        if entries:
            out.append((row, entries))
    return out


def since_for(last_digest: str | None, now: datetime) -> float:
    return parse_time(last_digest) if last_digest else (now - FIRST_WINDOW).timestamp()


class Digests:
    """Composes a chat's digest and queues it in the outbox, keyed by its slot (so a slot is never sent
    twice). The Telegram wing schedules the slots and delivers."""

    def __init__(self, library: Library, subscriptions: Subscriptions, chats: ChatStore, outbox: Outbox,
                 clock: Callable[[], datetime]) -> None:
        self.library = library
        self.subscriptions = subscriptions
        self.chats = chats
        self.outbox = outbox
        self.clock = clock

    async def queue(self, chat_id: int, slot: datetime, always: bool = False, key: str | None = None) -> bool:
        """Compose the chat's digest for `slot` and queue it; False when there was nothing to send (with
        `always`, a line saying so is sent instead)."""
        chat = self.chats.get_chat(chat_id)
        if chat is None:
            return False
        now = self.clock()
        since = since_for(chat.last_digest, now)
        docs = []
        for n, doc in enumerate(self.library.articles.fetched_since(since)):  # read in the loop thread, in slices
            docs.append(doc)
            if n % 200 == 199:
                await asyncio.sleep(0)
        # Matching is CPU work: a worker thread, over documents already read (it touches no shared state).
        groups = await asyncio.to_thread(compose, self.subscriptions.topics(chat_id), since, now.timestamp(), docs)
        messages = fmt.render_digest([(row.canonical or row.text, [e.article for e in entries])
                                      for row, entries in groups], now, chat.tz)
        self.chats.update_chat(chat_id, last_digest=iso(slot))
        if not messages:
            if not always:
                return False
            messages = ["Nothing new for your topics since the last digest."]
        self.outbox.add([{"chat": chat_id, "key": key or f"digest:{iso(slot)}", "kind": "digest",
                          "data": {"messages": messages}}], now.timestamp())
        return True

    async def queue_scheduled(self, chat_id: int) -> bool:
        """The chat's digest for its most recent slot (what its cron job calls)."""
        chat = self.chats.get_chat(chat_id)
        if chat is None or not chat.digest:
            return False
        return await self.queue(chat_id, slot_before(chat.digest, chat.tz, self.clock()))

    async def queue_now(self, chat_id: int) -> bool:
        """/digest now: the recap at once, outside the schedule (says so when there is nothing new)."""
        return await self.queue(chat_id, self.clock(), always=True, key=f"digest-now:{uuid.uuid4().hex}")

    async def catch_up(self) -> int:
        """At start: each digest slot missed while the bot was down, if less than 6 h old; how many queued."""
        now = self.clock()
        queued = 0
        for chat in self.chats.chats():
            if chat.digest and not chat.paused:
                slot = due_missed(chat.digest, chat.tz, chat.last_digest, now)
                if slot is not None and await self.queue(chat.chat_id, slot):
                    queued += 1
        return queued
