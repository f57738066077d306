"""The values every storage engine hands to the application, the errors it raises, and the ISO time helpers.

Plain dataclasses, no I/O: an engine builds them from whatever it stores (TinyDB documents today, SQL rows
later) and the application reads them. storage.contract re-exports everything here, so the application
imports these names from storage.contract; engines import them from this module.

Times: the stores keep times as ISO 8601 UTC strings with seconds ("2026-11-28T10:00:00+00:00"). iso()
writes that form, parse_iso() reads it back to an aware datetime, parse_time() to epoch seconds.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta, timezone
from typing import Any

# ---- times ---------------------------------------------------------------------------------------------


def iso(value: datetime | str | None) -> str | None:
    """UTC ISO 8601 with seconds (naive datetimes are UTC); strings pass through; None stays None."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(value: Any) -> datetime | None:
    """ISO 8601 to an aware datetime (naive times are UTC); empty or unparseable -> None."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def parse_time(value: Any) -> float:
    """ISO 8601 (or epoch seconds) to epoch seconds; naive times are UTC; unparseable -> 0."""
    # Called twice per article when an engine builds its indexes: kept free of the extra call that
    # going through parse_iso would cost.
    if isinstance(value, (int, float)):
        return float(value)
    if not value:
        return 0.0
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


# ---- errors --------------------------------------------------------------------------------------------


class StoreError(Exception):
    """Base of the errors an engine raises when it cannot open or use its store."""


class StoreBusy(StoreError, RuntimeError):
    """Another process owns the store for writing (TinyDB: the data directory's lock)."""


class SchemaTooNew(StoreError, RuntimeError):
    """The store was written by a newer newsbot (or needs an upgrade a reader cannot do)."""


class CorruptData(StoreError):
    """Stored data that cannot be read as what it should be; never guessed at."""


# ---- articles ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Entry:
    """What an article store keeps in memory (or in an index) per article: enough to order, filter and
    find it without reading its document. Times are epoch seconds; `published` falls back to `fetched`."""

    id: str
    url: str | None  # canonical
    fingerprint: str  # "" when the document has none
    published: float
    fetched: float
    title_folded: str  # the title through the store's fold_title
    pinned: bool
    story_id: str | None


@dataclass
class BatchResult:
    """Article ids of one add_batch: each document of the batch lands in exactly one list (duplicates
    inside the batch resolve to one id), in arrival order."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stored: dict[str, dict] = field(default_factory=dict)  # id -> the document as written (added and updated)

    @property
    def changed(self) -> list[str]:
        return self.added + self.updated


# ---- outbox --------------------------------------------------------------------------------------------

LEDGER_SECONDS = 7 * 86400  # how long a delivered (chat, key) is remembered, at least


@dataclass
class OutboxItem:
    id: str
    chat: int
    key: str  # dedup key: one delivery per (chat, key), e.g. "story:<story id>"
    kind: str  # "alert", "held" (quiet hours), "digest", "notice"
    data: dict[str, Any] = field(default_factory=dict)
    due: float = 0.0  # epoch seconds: not sent before
    at: float = 0.0  # epoch seconds: when it was queued
    attempts: int = 0  # retries so far (retry_at counts them)


# ---- chats and topics ----------------------------------------------------------------------------------

CHAT_TYPES = ("private", "group", "supergroup", "channel")
MODES = ("instant", "digest")
# last_seen is a coarse "is this chat alive" marker: refreshing it on every message would cost a write
# per message, so ensure_chat only moves it when it is this much out of date.
LAST_SEEN_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class TopicRow:
    chat_id: int
    topic_id: int  # 1, 2, 3... per chat, never reused within the chat
    text: str  # as the user wrote it
    canonical: str  # str(parse_topic(text))
    mode: str  # "instant" | "digest"
    muted_until: str | None  # ISO 8601 UTC
    created: str

    def muted(self, now: datetime) -> bool:
        until = parse_iso(self.muted_until)
        return until is not None and until > now

    @classmethod
    def from_doc(cls, chat_id: int, doc: dict[str, Any]) -> "TopicRow":
        return cls(chat_id=chat_id, topic_id=int(doc["topic_id"]), text=doc.get("text", ""),
                   canonical=doc.get("canonical", ""), mode=doc.get("mode", "instant"),
                   muted_until=doc.get("muted_until"), created=doc.get("created", ""))


@dataclass(frozen=True)
class ChatRow:
    chat_id: int
    type: str
    title: str
    tz: str = "UTC"
    quiet: tuple[str, str] | None = None  # ("22:00", "07:00"), local time
    digest: dict[str, Any] | None = None  # {"kind": "daily"|"weekly", "time": "HH:MM", "day": 0-6}
    paused: bool = False  # the user blocked the bot (or removed it); cleared when they write again
    created: str = ""
    last_seen: str = ""
    last_digest: str | None = None  # ISO 8601: the digest slot last composed for this chat
    prefs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "ChatRow":
        quiet = doc.get("quiet")
        return cls(chat_id=int(doc["chat_id"]), type=doc.get("type", "private"), title=doc.get("title", ""),
                   tz=doc.get("tz") or "UTC", quiet=tuple(quiet) if quiet else None,  # type: ignore[arg-type]
                   digest=copy.deepcopy(doc.get("digest")), paused=bool(doc.get("paused")),
                   created=doc.get("created", ""), last_seen=doc.get("last_seen", ""),
                   last_digest=doc.get("last_digest"), prefs=copy.deepcopy(doc.get("prefs") or {}))


# ---- feeds and admin notices ---------------------------------------------------------------------------

_FEED_TIMES = ("added_at", "last_checked", "last_success", "last_error_at", "next_poll")


@dataclass
class FeedState:
    """One feed source and what polling learned about it. Times are aware datetimes (UTC)."""

    id: str
    url: str
    key: str  # the duplicate-detection form of the URL (bot.feeds.feed_key)
    name: str = ""
    tags: list[str] = field(default_factory=list)
    added_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_checked: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0  # consecutive
    failing: bool = False  # set after many failures in a row; the admins were told
    next_poll: datetime | None = None  # None: due now
    entries: int = 0  # entries in the last document fetched
    articles: int = 0  # articles this feed added to the store, in total
    site_url: str | None = None

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        for name in _FEED_TIMES:
            doc[name] = iso(doc[name])
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "FeedState":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in doc.items() if k in known}
        for name in _FEED_TIMES:
            if name in values:
                values[name] = parse_iso(values[name])
        values["tags"] = list(values.get("tags") or [])
        return cls(**values)


@dataclass
class AdminNotice:
    """Something the bot's admins should hear about once (a feed failing, a feed gone)."""

    id: int  # assigned by the store (FeedStore.add_notices)
    at: datetime
    kind: str  # "failing", "recovered", "gone", ...
    text: str
    feed_url: str | None = None
    delivered: bool = False

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["at"] = iso(self.at)
        doc.pop("id")
        return doc
