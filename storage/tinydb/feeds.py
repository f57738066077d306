"""Feed sources and admin notices in the state store (state.json, tables "feeds" and "admin_notices").

FeedStore is a small repository with plain methods: it stores FeedState and AdminNotice (storage.records)
as TinyDB documents, and knows nothing about fetching or scheduling (bot/services/feeds/ decides; this
file remembers).
Every method that changes something is one atomic write of state.json; save_many() writes many feeds'
states at once, so a poll cycle over hundreds of feeds costs one write, not hundreds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from tinydb import Query

from storage.records import AdminNotice, FeedState, parse_iso
from storage.tinydb.state import StateStore

__all__ = ["FeedStore", "FeedState", "AdminNotice", "FEEDS", "NOTICES"]

FEEDS = "feeds"
NOTICES = "admin_notices"


class FeedStore:
    """Feeds (keyed by id, also findable by key) and pending admin notices, over a StateStore."""

    def __init__(self, state: StateStore) -> None:
        self.state = state
        self.table = state.table(FEEDS)
        self.notices = state.table(NOTICES)

    # ---- feeds ---------------------------------------------------------------------------------

    def all(self) -> list[FeedState]:
        feeds = [FeedState.from_doc(d) for d in self.table.all()]
        # Oldest first; sources added at the same moment (an import) keep their insertion order.
        feeds.sort(key=lambda f: f.added_at or datetime.min.replace(tzinfo=timezone.utc))
        return feeds

    def get(self, feed_id: str) -> FeedState | None:
        doc = self.table.get(Query().id == feed_id)
        return FeedState.from_doc(doc) if doc else None

    def get_by_key(self, key: str) -> FeedState | None:
        doc = self.table.get(Query().key == key)
        return FeedState.from_doc(doc) if doc else None

    def __len__(self) -> int:
        return len(self.table)

    def add(self, feed: FeedState) -> None:
        if self.table.contains(Query().id == feed.id):
            raise ValueError(f"feed {feed.id} is already stored")
        self.table.insert(feed.to_doc())

    def save(self, feed: FeedState) -> None:
        self.table.upsert(feed.to_doc(), Query().id == feed.id)

    def add_many(self, feeds: Iterable[FeedState]) -> None:
        docs = [f.to_doc() for f in feeds]
        if docs:
            self.table.insert_multiple(docs)

    def save_many(self, feeds: Iterable[FeedState]) -> None:
        """Write the states of feeds that are still stored, in one write. A feed removed meanwhile
        (by a command while its poll ran) stays removed."""
        docs = {f.id: f.to_doc() for f in feeds}
        if not docs:
            return

        def apply(doc) -> None:
            doc.update(docs[doc["id"]])

        self.table.update(apply, Query().id.one_of(list(docs)))

    def remove(self, feed_id: str) -> bool:
        return bool(self.table.remove(Query().id == feed_id))

    def remove_many(self, feed_ids: Iterable[str]) -> int:
        ids = list(feed_ids)
        return len(self.table.remove(Query().id.one_of(ids))) if ids else 0

    # ---- admin notices -------------------------------------------------------------------------

    def add_notices(self, notices: Iterable[AdminNotice]) -> list[AdminNotice]:
        """Store notices (their ids are assigned here) and return them."""
        notices = list(notices)
        if not notices:
            return []
        ids = self.notices.insert_multiple([n.to_doc() for n in notices])
        for notice, doc_id in zip(notices, ids):
            notice.id = doc_id
        return notices

    def pending_notices(self) -> list[AdminNotice]:
        return [self._notice(d) for d in self.notices.search(Query().delivered == False)]  # noqa: E712

    def mark_delivered(self, notice_ids: Iterable[int]) -> None:
        ids = [int(i) for i in notice_ids]
        if ids:
            self.notices.update({"delivered": True}, doc_ids=[i for i in ids if self.notices.contains(doc_id=i)])

    @staticmethod
    def _notice(doc) -> AdminNotice:
        return AdminNotice(id=doc.doc_id, at=parse_iso(doc.get("at")) or datetime.now(timezone.utc),
                           kind=doc.get("kind", ""), text=doc.get("text", ""), feed_url=doc.get("feed_url"),
                           delivered=bool(doc.get("delivered")))
