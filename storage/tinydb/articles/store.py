"""ArticleStore: the partition files (partitions.py) and the in-memory indexes (index.py) kept in step.

At open every partition is scanned once to build the indexes; article text is NOT kept in memory. A
document is fetched by its byte span in its partition file (one seek and one small json.loads). A batch
touches only the partitions it changes, once each, so writes stay small however large the store grows.

Article documents are plain dicts. The store reads these fields and nothing else: id, url (canonical),
fingerprint, title, published and fetched_at (ISO 8601), keys (folded name keys for the name index),
pinned (kept by retention) and story_id. Everything else is carried as is.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from storage.records import BatchResult, parse_time
from storage.tinydb.articles.index import ArticleIndex, StoredEntry, newest_first
from storage.tinydb.articles import partitions as _layout
from storage.tinydb.articles.partitions import Partitions, day_of, partition_day, partition_name

_EMPTY = (None, "", [], {}, ())


def merge(old: dict, new: dict) -> dict:
    """Newer non-empty fields win; the id and the first fetch time stay; pinned is sticky."""
    merged = dict(old)
    for key, value in new.items():
        if key in ("id", "fetched_at") or value in _EMPTY:
            continue
        merged[key] = value
    if old.get("pinned") or new.get("pinned"):
        merged["pinned"] = True
    return merged


class ArticleStore:
    """Partitioned article documents with id / URL / fingerprint / name-key indexes."""

    def __init__(self, directory: Path, readonly: bool = False,
                 fold_title: Callable[[str], str] = str.casefold, indexers: Iterable = ()) -> None:
        self.dir = Path(directory)
        self.readonly = readonly
        self._files = Partitions(self.dir, readonly=readonly)
        self._index = ArticleIndex(fold_title, indexers)
        # Handlers read from worker threads (searches) while the event loop writes: one lock around
        # every read of files or indexes that a write may change.
        self._lock = threading.RLock()
        self._open()

    # ---- opening -------------------------------------------------------------------------------

    def partitions(self) -> list[str]:
        return self._files.names()

    def _open(self) -> None:
        # Building the indexes creates millions of small objects and no cycles: the cyclic garbage
        # collector would walk the growing heap again and again (measured: a third of the open time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for name in self._files.names():
                self._index.add_partition(name, *self._files.scan(name))
        finally:
            if collecting:
                gc.enable()

    # ---- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._index.by_id)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._index.by_id

    def entry(self, article_id: str) -> StoredEntry | None:
        return self._index.entry(article_id)

    def entry_by(self, field_name: str, value: str | None) -> StoredEntry | None:
        """The entry whose "url" or "fingerprint" is `value`."""
        return self._index.entry_by(field_name, value)

    def get(self, article_id: str) -> dict | None:
        ordinal = self._index.by_id.get(article_id)
        return None if ordinal is None else self._load(ordinal)

    def get_by_url(self, url: str) -> dict | None:
        ordinal = self._index.by_url.get(url)
        return None if ordinal is None else self._load(ordinal)

    def get_by_fingerprint(self, fingerprint: str) -> dict | None:
        ordinal = self._index.by_fp.get(fingerprint)
        return None if ordinal is None else self._load(ordinal)

    def _load(self, ordinal: int) -> dict | None:
        with self._lock:
            entry = self._index.entries[ordinal]
            if entry is None:
                return None
            doc = self._files.cached_doc(entry.part, entry.doc_id)
            if doc is None:
                doc = self._files.read_span(entry.part, entry.offset, entry.length, entry.id)
            if doc is not None:
                return doc
            # The partition changed under us (another process rewrote it) or has no offsets: rescan it.
            self._rescan(entry.part)
            fresh = self._index.entry(entry.id)
            return None if fresh is None else self._files.read_doc(fresh.part, fresh.doc_id)

    def _rescan(self, part: str) -> None:
        self._index.remove_partition(part)
        self._files.forget(part)
        if self._files.exists(part):
            self._index.add_partition(part, *self._files.scan(part))

    def newest(self) -> Iterator[StoredEntry]:
        """All entries, newest published first."""
        with self._lock:
            order = self._index.newest_order()
        entries = self._index.entries
        for ordinal in order:
            entry = entries[ordinal]
            if entry is not None:
                yield entry

    def has_key(self, key: str) -> bool:
        return key in self._index.names

    def by_key(self, key: str, limit: int | None = None) -> list[StoredEntry]:
        """Articles whose name keys include `key`, newest first."""
        with self._lock:
            entries = self._index.key_entries(key)
        return newest_first(entries, limit)

    def docs(self, entries: Iterable) -> Iterator[dict]:
        for entry in entries:
            doc = self.get(entry.id)
            if doc is not None:
                yield doc

    def _live_docs(self, name: str) -> list[dict]:
        """The stored (not dropped) documents of one partition, read whole; [] when it cannot be read."""
        with self._lock:
            by_id = self._index.by_id
            return [d for d in self._files.read_table(name).values() if d.get("id") in by_id]

    def iter_partition_docs(self, newest_first: bool = True) -> Iterator[dict]:
        """Every stored document, a partition at a time (for scans that need the text)."""
        for name in sorted(list(self._index.parts), reverse=newest_first):
            docs = self._live_docs(name)
            docs.sort(key=lambda d: parse_time(d.get("published")), reverse=newest_first)
            yield from docs

    def recent(self, limit: int) -> list[StoredEntry]:
        """The `limit` most recently fetched entries, newest first (from memory)."""
        with self._lock:
            order = self._index.recent_order()
        entries = self._index.entries
        out = []
        for ordinal in order:
            entry = entries[ordinal]
            if entry is not None:
                out.append(entry)
                if len(out) >= limit:
                    break
        return out

    def fetched_since(self, since: float) -> Iterator[dict]:
        """Documents fetched at or after `since` (epoch seconds), newest partitions first: reads only the
        partitions of the days concerned."""
        first_day = day_of(since)
        for name in sorted(list(self._index.parts), reverse=True):
            day = partition_day(name)
            if day and day < first_day:
                break
            yield from (doc for doc in self._live_docs(name) if parse_time(doc.get("fetched_at")) >= since)

    # ---- writing -------------------------------------------------------------------------------

    def _partition_for(self, fetched: float, reserved: dict[str, int]) -> str:
        day = day_of(fetched)
        seq = 0
        while True:
            name = partition_name(day, seq)
            # Read through the module so a test can shrink PARTITION_SIZE.
            if self._index.partition_count(name) + reserved.get(name, 0) < _layout.PARTITION_SIZE:
                return name
            seq += 1

    def add_batch(self, docs: Iterable[dict]) -> BatchResult:
        """Insert new articles and merge duplicates (newer non-empty fields win), one write per
        partition touched. Returns which ids were added, updated or unchanged. Durable on return."""
        if self.readonly:
            raise PermissionError("the article store is open read-only")
        with self._lock:
            return self._add_batch(list(docs))

    def _add_batch(self, docs: list[dict]) -> BatchResult:
        result = BatchResult()
        new: dict[str, dict] = {}  # id -> doc, in arrival order
        updates: dict[str, dict] = {}  # id -> merged doc
        pending: dict[tuple[str, str], str] = {}  # (field, value) -> id, for duplicates inside the batch
        for doc in docs:
            existing_id = self._index.find(doc, pending)
            base = None
            if existing_id is not None:
                base = new.get(existing_id) or updates.get(existing_id) or self.get(existing_id)
            if existing_id is None or base is None:
                doc = new[doc["id"]] = dict(doc)
            else:
                merged = merge(base, doc)
                if merged == base:
                    if existing_id not in new and existing_id not in updates:
                        result.unchanged.append(existing_id)
                    continue
                doc = merged
                (new if existing_id in new else updates)[existing_id] = merged
            for name in ("id", "url", "fingerprint"):
                if doc.get(name):
                    pending[(name, doc[name])] = doc["id"]
        # Group the work by partition.
        reserved: dict[str, int] = {}
        plan: dict[str, dict[str, dict]] = {}
        for article_id, doc in updates.items():
            entry = self._index.entry(article_id)
            assert entry is not None
            plan.setdefault(entry.part, {})[entry.doc_id] = doc
            result.updated.append(article_id)
            result.stored[article_id] = doc
        next_doc = self._index.next_doc
        for article_id, doc in new.items():
            part = self._partition_for(parse_time(doc.get("fetched_at")), reserved)
            reserved[part] = reserved.get(part, 0) + 1
            doc_id = str(next_doc.get(part, 1))
            next_doc[part] = int(doc_id) + 1
            plan.setdefault(part, {})[doc_id] = doc
            result.added.append(article_id)
            result.stored[article_id] = doc
        for part, changes in plan.items():
            self._write_partition(part, changes)
        return result

    def _write_partition(self, part: str, changes: dict[str, dict]) -> None:
        spans = self._files.write(part, changes)
        index = self._index
        members = index.parts.setdefault(part, {})
        for doc_id, doc in changes.items():
            old = members.get(doc_id)
            if old is not None:
                index.remove(old)
            offset, length = spans[doc_id]
            members[doc_id] = index.add(doc, part, doc_id, offset, length)
        index.move(part, spans)  # a rewrite moves every document after the first change

    def drop_older_than(self, cutoff: float) -> int:
        """Retention: remove articles fetched on days before `cutoff` (epoch seconds), except pinned
        ones (the bundled seeds). Whole partitions go at once. Returns how many articles were dropped."""
        if self.readonly:
            raise PermissionError("the article store is open read-only")
        with self._lock:
            return self._drop_older_than(cutoff)

    def _drop_older_than(self, cutoff: float) -> int:
        cutoff_day = day_of(cutoff)
        index = self._index
        entries = index.entries
        dropped = 0
        for part in list(index.parts):
            day = partition_day(part)
            if day is None or day >= cutoff_day:
                continue
            members = index.parts[part]
            keep = {d: o for d, o in members.items() if entries[o] is not None and entries[o].pinned}
            gone = [o for d, o in members.items() if d not in keep]
            if keep:
                spans = self._files.keep_only(part, keep)
                index.parts[part] = keep
                index.move(part, spans)
            else:
                self._files.delete(part)
                del index.parts[part]
            for ordinal in gone:
                if entries[ordinal] is not None:
                    dropped += 1
                index.remove(ordinal)
        if dropped:
            index.compact_names()
        return dropped

    def close(self) -> None:
        self._files.close()
