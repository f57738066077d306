"""What the application may expect of a storage engine: typed Protocols for every store, and the values
they return (re-exported from storage.records), so bot/ and handlers/ import from here and nowhere else
in storage/ (one composition root picks the engine and opens it).

An engine is a package with an opener returning an `Engine`: storage.tinydb.open_engine(data_dir) today
(files in one data directory, one writing process); PostgreSQL next (several `newsbot run` processes
sharing one database). The docstrings below state the semantics an engine is judged by; the contract
tests in tests/contract/ check them against every engine.

Shared rules
- Times given to the stores are epoch seconds (floats) for articles and the outbox, aware datetimes
  (or ISO 8601 UTC strings) for chats and feeds; nothing here reads the clock: callers pass `now`.
- "Durable when it returns": once a writing method returns, the change survives the process being
  killed (kill -9) and a reopen sees it. A write that raised may or may not have happened, never half.
- Documents (article dicts, outbox data) are plain JSON-able data; a store returns copies, so a caller
  changing what it got changes nothing stored.
- A read-only engine (readonly=True) answers every read and raises PermissionError on writes (the
  outbox's compact() is the exception: it does nothing).

Planned for several processes (not built; the names are reserved so the next engine fits):
- A claim-and-lease outbox. `Outbox.claim(worker, limit, lease_seconds, now) -> list[OutboxItem]` takes
  up to `limit` due items (the order of due()) that no live lease holds, and leases them to `worker`
  until now + lease_seconds; `Outbox.release(worker, item_ids)` gives unsent ones back. mark_sent /
  mark_dropped / retry_at end or move a claimed item as they do today. A lease that runs out (the
  worker died) makes its items due again, so the one duplicate of today (a kill between Telegram's reply
  and mark_sent) stays the only one, and at most one per item claimed at the moment of the kill. The
  (chat, key) uniqueness of add() must then hold across processes (a unique index, not a check in memory).
- A named lease for singletons such as "who long-polls Telegram" or "who runs housekeeping":
  `Engine.acquire_lease(name, holder, seconds, now) -> bool` (True when `holder` now holds `name`, free or
  expired before), `Engine.renew_lease(name, holder, seconds, now) -> bool` (False when it was lost), and
  `Engine.release_lease(name, holder)`. The TinyDB engine has one process by construction (its directory
  lock), so it can grant every lease to its only holder.
- ChatStore.listeners hear about changes this engine instance made; with several processes a change
  notification (LISTEN/NOTIFY) will feed the same listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from storage.records import (
    CHAT_TYPES,
    LAST_SEEN_EVERY,
    LEDGER_SECONDS,
    MODES,
    AdminNotice,
    BatchResult,
    ChatRow,
    CorruptData,
    Entry,
    FeedState,
    OutboxItem,
    SchemaTooNew,
    StoreBusy,
    StoreError,
    TopicRow,
    iso,
    parse_iso,
    parse_time,
)

__all__ = [
    "Engine", "ArticleStore", "Indexer", "ChatStore", "FeedStore", "Outbox", "StateStore",
    "Entry", "BatchResult", "OutboxItem", "ChatRow", "TopicRow", "FeedState", "AdminNotice",
    "StoreError", "StoreBusy", "SchemaTooNew", "CorruptData",
    "CHAT_TYPES", "MODES", "LAST_SEEN_EVERY", "LEDGER_SECONDS", "iso", "parse_iso", "parse_time",
]


@runtime_checkable
class Indexer(Protocol):
    """An extra in-memory index kept current by the article store (e.g. the people index), given to the
    engine's opener: told about every stored document when it is indexed (at open, and whenever it is
    written: added or updated) and about every entry that goes away (dropped, or replaced by an update,
    which is then followed by add). Called under the store's lock; must not call back into the store."""

    def add(self, entry: Entry, doc: dict) -> None: ...

    def remove(self, entry: Entry) -> None: ...


@runtime_checkable
class ArticleStore(Protocol):
    """Article documents with indexes by id, canonical URL, content fingerprint and name key.

    A document has at least "id"; the store reads url (canonical), fingerprint, title, published and
    fetched_at (ISO 8601), keys (folded name keys), pinned and story_id, and carries everything else.
    Lookups by id, url, fingerprint and key answer from indexes (no scan); newest-first orders use the
    entry's `published`, "recent" orders use `fetched` (then published). Safe to read from worker threads
    while one thread writes."""

    readonly: bool

    def __len__(self) -> int:
        """How many articles are stored."""

    def __contains__(self, article_id: str) -> bool: ...

    def entry(self, article_id: str) -> Entry | None:
        """The index entry of the article with this id (no document read)."""

    def entry_by(self, field_name: str, value: str | None) -> Entry | None:
        """The entry whose "url" or "fingerprint" is `value`; None for an empty value. KeyError for
        another field name."""

    def get(self, article_id: str) -> dict | None:
        """The whole stored document (a copy), or None."""

    def get_by_url(self, url: str) -> dict | None: ...

    def get_by_fingerprint(self, fingerprint: str) -> dict | None: ...

    def has_key(self, key: str) -> bool:
        """A cheap test before by_key: False means no stored article has this name key. True may linger
        for a key whose articles were updated away or dropped (by_key then returns [])."""

    def by_key(self, key: str, limit: int | None = None) -> list[Entry]:
        """Entries of the articles whose keys include `key`, newest published first, at most `limit`."""

    def newest(self) -> Iterator[Entry]:
        """Every entry, newest published first."""

    def recent(self, limit: int) -> list[Entry]:
        """The `limit` most recently fetched entries, newest fetched first (ties: newest published)."""

    def docs(self, entries: Iterable[Entry]) -> Iterator[dict]:
        """The documents of these entries, in their order, skipping any that went away meanwhile."""

    def fetched_since(self, since: float) -> Iterator[dict]:
        """Every document fetched at or after `since` (epoch seconds), in no promised order, without
        reading the documents of older articles."""

    def iter_partition_docs(self, newest_first: bool = True) -> Iterator[dict]:
        """Every stored document (for scans that need the text), read a slice at a time so memory stays
        bounded; roughly newest published first (exact within a slice), or oldest first."""

    def add_batch(self, docs: Iterable[dict]) -> BatchResult:
        """Insert new articles and merge duplicates, atomically per article and durable on return.

        A document duplicates a stored (or earlier in the batch) article when it has the same id,
        canonical url or fingerprint, checked in that order; it is then merged into that article: newer
        non-empty fields win, the article keeps its id and first fetched_at, pinned is sticky. An article
        whose merge changes nothing is "unchanged" and is not written. The result's `stored` maps every
        added and updated id to its document as written. PermissionError when read-only."""

    def drop_older_than(self, cutoff: float) -> int:
        """Retention: remove the articles fetched on UTC days before the day of `cutoff` (epoch seconds),
        except pinned ones. Returns how many were removed; durable on return; the indexers hear of each."""

    def close(self) -> None: ...


@runtime_checkable
class ChatStore(Protocol):
    """Chats, their settings (tz, quiet hours, digest, paused, last_digest, prefs) and their topics.

    Every change concerns one chat (migrate_chat: two) and is durable on return; a change that raised
    left the chat as it was. Reads return fresh rows (frozen dataclasses). Not thread-safe: callers
    serialise (PTB's event loop does)."""

    readonly: bool
    # Called with a chat id after every write that changed that chat, whoever made it (the
    # subscriptions index stays in step this way).
    listeners: list[Callable[[int], None]]

    def __len__(self) -> int: ...

    def __contains__(self, chat_id: int) -> bool: ...

    def count_chats(self) -> int: ...

    def get_chat(self, chat_id: int) -> ChatRow | None: ...

    def chats(self) -> Iterator[ChatRow]:
        """Every chat, in no particular order."""

    def is_paused(self, chat_id: int) -> bool:
        """False for an unknown chat."""

    def ensure_chat(self, chat_id: int, type: str, title: str, now: datetime) -> ChatRow:
        """The chat, created on first contact (tz "UTC", no quiet hours, no digest). For updates the
        chat sent: records a non-empty type and title, refreshes last_seen when it is LAST_SEEN_EVERY old
        and clears `paused`. Writes only when something changed. ValueError for a type not in CHAT_TYPES."""

    def update_chat(self, chat_id: int, /, **fields: Any) -> ChatRow | None:
        """Set chat fields (type, title, tz, quiet, digest, paused, last_seen, last_digest, prefs); times
        may be datetimes or ISO strings and are stored as ISO 8601 UTC. None when the chat is unknown;
        ValueError for an unknown field or an invalid type. Writes only on a change."""

    def forget_chat(self, chat_id: int) -> dict[str, Any] | None:
        """Remove the chat and all its topics; returns the removed chat as plain data (its fields and a
        "topics" list of dicts), or None when unknown."""

    def migrate_chat(self, old_id: int, new_id: int) -> ChatRow | None:
        """A group became a supergroup: settings and topics move from old_id to new_id and old_id is
        gone. When new_id exists already, old_id's settings win and the topics of both are kept without
        duplicates (same canonical form), new_id's renumbered after old_id's. Idempotent and crash-safe:
        after a crash, calling it again finishes the move; nothing is lost at any point. None when
        old_id is unknown (already migrated, or never seen)."""

    def add_topic(self, chat_id: int, text: str, canonical: str, now: datetime, mode: str = "instant") -> TopicRow:
        """Store a topic under the chat's next number (1, 2, 3...; a number is never reused in the chat,
        even after its topic is removed). KeyError for an unknown chat; ValueError for a mode not in MODES.
        Limits and duplicates are the caller's business."""

    def remove_topic(self, chat_id: int, topic_id: int) -> TopicRow | None:
        """Remove one of this chat's topics and return it; None when this chat has no such topic (a
        topic id of another chat is never reached)."""

    def get_topic(self, chat_id: int, topic_id: int) -> TopicRow | None: ...

    def topics(self, chat_id: int) -> list[TopicRow]:
        """The chat's topics by number; [] for an unknown chat."""

    def all_topics(self) -> list[TopicRow]:
        """Every topic of every chat (to build the matching index at start)."""

    def set_topic(self, chat_id: int, topic_id: int, /, **fields: Any) -> TopicRow | None:
        """Set topic fields (text, canonical, mode, muted_until); None when this chat has no such topic;
        ValueError for an unknown field or mode."""

    def count_topics(self, chat_id: int) -> int: ...

    def close(self) -> None: ...


@runtime_checkable
class FeedStore(Protocol):
    """Feed sources (FeedState, by id and by key) and admin notices to deliver once. Each writing
    method is one atomic, durable change, however many feeds it touches."""

    def __len__(self) -> int: ...

    def all(self) -> list[FeedState]:
        """Every feed, oldest added first; feeds added at the same moment keep their insertion order."""

    def get(self, feed_id: str) -> FeedState | None: ...

    def get_by_key(self, key: str) -> FeedState | None: ...

    def add(self, feed: FeedState) -> None:
        """ValueError when a feed with this id is stored already."""

    def add_many(self, feeds: Iterable[FeedState]) -> None: ...

    def save(self, feed: FeedState) -> None:
        """Insert or replace the feed with this id."""

    def save_many(self, feeds: Iterable[FeedState]) -> None:
        """Write the states of the feeds that are still stored; a feed removed meanwhile stays removed."""

    def remove(self, feed_id: str) -> bool:
        """True when a feed was removed."""

    def remove_many(self, feed_ids: Iterable[str]) -> int:
        """How many were removed."""

    def add_notices(self, notices: Iterable[AdminNotice]) -> list[AdminNotice]:
        """Store notices, assigning their ids (distinct, increasing), and return them."""

    def pending_notices(self) -> list[AdminNotice]:
        """The notices not yet marked delivered, oldest first."""

    def mark_delivered(self, notice_ids: Iterable[int]) -> None:
        """Mark notices delivered (they are no longer pending); unknown ids are ignored."""


@runtime_checkable
class Outbox(Protocol):
    """The outbox: messages matched but not yet delivered, and the ledger of what was delivered.

    Every alert is written here before it is sent, so a crash loses nothing. An item is "delivered"
    when mark_sent recorded it (Telegram confirmed it) or remember() recorded a delivery made outside
    the queue; the ledger keeps each delivered (chat, key) at least LEDGER_SECONDS and add() never queues
    a pair it holds, nor one already queued. The one duplicate allowed: a kill after Telegram accepted a
    message and before mark_sent returned; the item is still pending on restart and is sent again."""

    readonly: bool

    def __len__(self) -> int:
        """How many items are pending."""

    def add(self, items: Iterable[dict], now: float) -> list[OutboxItem]:
        """Queue messages (dicts with chat, key, kind, data and optional due, default `now`). One whose
        (chat, key) is delivered or already pending is skipped, as is a repeat inside `items`. Returns the
        items queued, in order. Durable on return."""

    def delivered(self, chat: int, key: str) -> bool:
        """Whether the ledger holds (chat, key)."""

    def queued(self, chat: int, key: str) -> bool:
        """Whether an item for (chat, key) is pending."""

    def due(self, now: float, limit: int | None = None) -> list[OutboxItem]:
        """Pending items with due <= now, by (due, queued at) ascending, at most `limit`."""

    def pending(self, chat: int | None = None) -> list[OutboxItem]:
        """Pending items (of one chat, or all), due or not."""

    def next_due(self) -> float | None:
        """The earliest due time of a pending item; None when nothing is pending."""

    def mark_sent(self, item_ids: Iterable[str], now: float) -> None:
        """These items were delivered: no longer pending, their (chat, key) enter the ledger. Ids not
        pending are ignored (so a repeat is harmless). Durable on return."""

    def mark_dropped(self, item_ids: Iterable[str], now: float, result: str = "dropped") -> None:
        """These items will never be sent (`result` says why): no longer pending, NOT in the ledger.
        Ids not pending are ignored. Durable on return."""

    def retry_at(self, item_id: str, due: float) -> None:
        """Send this pending item no earlier than `due`, one more attempt counted; ignored when the item
        is not pending. Durable on return."""

    def remember(self, chat: int, key: str, now: float) -> None:
        """Put (chat, key) in the ledger for a delivery that did not go through the queue."""

    def move_chat(self, old: int, new: int) -> None:
        """A group became a supergroup: its pending items and ledger entries now belong to `new`."""

    def forget_chat(self, chat: int, now: float) -> None:
        """/stop: drop what is pending for the chat and forget its delivery history."""

    def compact(self, now: float) -> None:
        """Upkeep: forget ledger entries older than LEDGER_SECONDS; pending items and newer ledger
        entries stay, as they are. Crash-safe at every instant; does nothing when read-only."""

    def close(self) -> None: ...


@runtime_checkable
class StateStore(Protocol):
    """Small named values of the whole store ("schema", "seeded", ...), JSON-able. set_meta is
    durable on return."""

    def get_meta(self, key: str, default: Any = None) -> Any: ...

    def set_meta(self, key: str, value: Any) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class Engine(Protocol):
    """One opened store: every part of it, opened together and closed together.

    Opening a writable engine takes whatever exclusivity the engine needs (TinyDB: the data directory's
    lock, StoreBusy when another process has it) and brings the schema up to date (SchemaTooNew when
    the store is newer than this code). A read-only engine works beside a running writer. Seeding is
    the application's job (state meta "seeded"), not the engine's."""

    readonly: bool
    articles: ArticleStore
    chats: ChatStore
    feeds: FeedStore
    outbox: Outbox
    state: StateStore

    def close(self) -> None:
        """Close every part and give up the exclusivity; the engine is not used afterwards."""
