"""The article store: TinyDB partition files, one per day of fetching, with in-memory indexes.

Layout: <data>/articles/YYYY-MM-DD.json (and YYYY-MM-DD~N.json once a day passes PARTITION_SIZE
articles), each a TinyDB database with one table "articles", written by SafeJSONStorage. A batch
touches only the partitions it changes, once each, so writes stay small however large the store grows.

Article documents are plain dicts. The store reads these fields and nothing else:
id, url (canonical), fingerprint, title, published and fetched_at (ISO 8601), keys (folded name keys for
the name index), pinned (kept by retention) and story_id. Everything else is carried as is.

At open every partition is scanned once to build the indexes; article text is NOT kept in memory. A
document is fetched by its byte span in its partition file (one seek and one small json.loads).
Indexes: id, canonical URL, content fingerprint, and name key -> articles (newest first on query).
"""

from __future__ import annotations

import gc
import heapq
import logging
import os
import re
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from storage.tinydb.safe import CorruptFile, SafeJSONStorage, fsync_dir, read_document, scan_heads

log = logging.getLogger(__name__)

TABLE = "articles"
PARTITION_SIZE = 2000
_PART_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:~(\d+))?\.json$")
_LOADED_PARTITIONS = 3  # parsed partitions kept in memory (the ones being written)
# Documents are written with their heavy fields last, so opening can decode each line only up to the
# first of them (see scan_heads). HEAVY lists them in the order they are written.
HEAVY = ("text", "story", "summary", "summaries")
HEAVY_CUT = b',"text":'


def heavy_last(doc: dict) -> dict:
    """The document with its heavy fields (text, summaries) moved to the end, in HEAVY's order."""
    if all(k not in doc for k in HEAVY):
        return doc
    out = {k: v for k, v in doc.items() if k not in HEAVY}
    for k in HEAVY:
        if k in doc:
            out[k] = doc[k]
    return out


def parse_time(value: Any) -> float:
    """ISO 8601 (or epoch seconds) to epoch seconds; naive times are UTC; unparseable -> 0."""
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


@dataclass(slots=True)
class Entry:
    """What the store keeps in memory per article."""

    id: str
    url: str | None
    fingerprint: str
    published: float
    fetched: float
    title_folded: str
    part: str
    doc_id: str
    offset: int
    length: int
    pinned: bool
    story_id: str | None


class Indexer(Protocol):
    """An extra in-memory index kept current by the store (e.g. the people index): told about every
    document when it is indexed (at open, or when written) and about every entry that goes away."""

    def add(self, entry: Entry, doc: dict) -> None: ...

    def remove(self, entry: Entry) -> None: ...


@dataclass
class BatchResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stored: dict[str, dict] = field(default_factory=dict)  # id -> the document as written (added and updated)

    @property
    def changed(self) -> list[str]:
        return self.added + self.updated


class ArticleStore:
    """Partitioned article documents with id / URL / fingerprint / name-key indexes."""

    def __init__(self, directory: Path, readonly: bool = False,
                 fold_title: Callable[[str], str] = str.casefold, indexers: Iterable[Indexer] = ()) -> None:
        self.dir = Path(directory)
        self.readonly = readonly
        self._fold_title = fold_title
        self._indexers = list(indexers)
        self._entries: list[Entry | None] = []
        self._by_id: dict[str, int] = {}
        self._by_url: dict[str, int] = {}
        self._by_fp: dict[str, int] = {}
        self._names: dict[str, array] = {}
        self._parts: dict[str, dict[str, int]] = {}  # partition -> doc_id -> ordinal
        self._next_doc: dict[str, int] = {}
        self._loaded: OrderedDict[str, SafeJSONStorage] = OrderedDict()
        self._newest: list[int] | None = None
        self._recent: list[int] | None = None
        # Handlers read from worker threads (searches) while the event loop writes: one lock around
        # every read of files or indexes that a write may change.
        self._lock = threading.RLock()
        if not readonly:
            self.dir.mkdir(parents=True, exist_ok=True)
        self._open()

    # ---- opening -------------------------------------------------------------------------------

    def partitions(self) -> list[str]:
        if not self.dir.exists():
            return []
        return sorted(p.name for p in self.dir.iterdir() if _PART_NAME.match(p.name))

    def _open(self) -> None:
        # Building the indexes creates millions of small objects and no cycles: the cyclic garbage
        # collector would walk the growing heap again and again (measured: a third of the open time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for name in self.partitions():
                self._scan_partition(name)
        finally:
            if collecting:
                gc.enable()

    def _scan_partition(self, name: str) -> None:
        path = self.dir / name
        heads = scan_heads(path, TABLE, HEAVY_CUT, "fetched_at") if path.stat().st_size else None
        if heads is not None:
            docs, spans = heads  # index fields only: the text and summaries are not decoded at open
        else:
            storage = SafeJSONStorage(path, readonly=self.readonly)
            data = storage.read() or {}
            docs = data.get(TABLE, {})
            spans = storage.offsets.get(TABLE, {})
            if docs and not spans and not self.readonly:
                # Written by something else (plain TinyDB JSONStorage): rewrite in our line layout.
                storage.write(data)
                spans = storage.offsets.get(TABLE, {})
        members: dict[str, int] = {}
        for doc_id, doc in docs.items():
            offset, length = spans.get(doc_id, (-1, 0))
            members[doc_id] = self._index(doc, name, doc_id, offset, length)
        self._parts[name] = members
        self._next_doc[name] = max((int(d) for d in docs), default=0) + 1

    def _index(self, doc: dict, part: str, doc_id: str, offset: int, length: int) -> int:
        ordinal = len(self._entries)
        entry = Entry(
            id=doc["id"], url=doc.get("url") or None, fingerprint=doc.get("fingerprint") or "",
            published=parse_time(doc.get("published")) or parse_time(doc.get("fetched_at")),
            fetched=parse_time(doc.get("fetched_at")), title_folded=self._fold_title(doc.get("title") or ""),
            part=part, doc_id=doc_id, offset=offset, length=length, pinned=bool(doc.get("pinned")),
            story_id=doc.get("story_id"),
        )
        previous = self._by_id.get(entry.id)
        if previous is not None:
            self._unindex(previous)
        self._entries.append(entry)
        self._by_id[entry.id] = ordinal
        if entry.url:
            self._by_url[entry.url] = ordinal
        if entry.fingerprint:
            self._by_fp[entry.fingerprint] = ordinal
        names = self._names
        for key in doc.get("keys") or ():
            postings = names.get(key)
            if postings is None:
                names[key] = array("i", (ordinal,))
            else:
                postings.append(ordinal)
        for indexer in self._indexers:
            indexer.add(entry, doc)
        self._newest = self._recent = None
        return ordinal

    def _unindex(self, ordinal: int) -> None:
        entry = self._entries[ordinal]
        if entry is None:
            return
        self._entries[ordinal] = None  # name postings pointing here are skipped from now on
        for indexer in self._indexers:
            indexer.remove(entry)
        if self._by_id.get(entry.id) == ordinal:
            del self._by_id[entry.id]
        if entry.url and self._by_url.get(entry.url) == ordinal:
            del self._by_url[entry.url]
        if entry.fingerprint and self._by_fp.get(entry.fingerprint) == ordinal:
            del self._by_fp[entry.fingerprint]
        self._newest = self._recent = None

    # ---- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._by_id

    def entry(self, article_id: str) -> Entry | None:
        ordinal = self._by_id.get(article_id)
        return None if ordinal is None else self._entries[ordinal]

    def entry_by(self, field_name: str, value: str | None) -> Entry | None:
        """The entry whose "url" or "fingerprint" is `value`."""
        index = {"url": self._by_url, "fingerprint": self._by_fp}[field_name]
        ordinal = index.get(value) if value else None
        return None if ordinal is None else self._entries[ordinal]

    def get(self, article_id: str) -> dict | None:
        ordinal = self._by_id.get(article_id)
        return None if ordinal is None else self._load(ordinal)

    def get_by_url(self, url: str) -> dict | None:
        ordinal = self._by_url.get(url)
        return None if ordinal is None else self._load(ordinal)

    def get_by_fingerprint(self, fingerprint: str) -> dict | None:
        ordinal = self._by_fp.get(fingerprint)
        return None if ordinal is None else self._load(ordinal)

    def _load(self, ordinal: int) -> dict | None:
        with self._lock:
            return self._load_locked(ordinal)

    def _load_locked(self, ordinal: int) -> dict | None:
        entry = self._entries[ordinal]
        if entry is None:
            return None
        storage = self._loaded.get(entry.part)
        cached = storage.cached() if storage is not None else None
        if cached is not None:
            return dict(cached[TABLE][entry.doc_id])
        if entry.offset >= 0:
            try:
                doc = read_document(self.dir / entry.part, entry.offset, entry.length)
                if isinstance(doc, dict) and doc.get("id") == entry.id:
                    return doc
            except (OSError, ValueError):
                pass
        # The partition changed under us (another process rewrote it) or has no offsets: rescan it.
        self._rescan(entry.part)
        ordinal = self._by_id.get(entry.id)
        if ordinal is None:
            return None
        fresh = self._entries[ordinal]
        assert fresh is not None
        data = self._partition(fresh.part).read() or {}
        doc = data.get(TABLE, {}).get(fresh.doc_id)
        return dict(doc) if doc else None

    def _rescan(self, part: str) -> None:
        for ordinal in self._parts.pop(part, {}).values():
            self._unindex(ordinal)
        self._loaded.pop(part, None)
        if (self.dir / part).exists():
            self._scan_partition(part)

    def newest(self) -> Iterator[Entry]:
        """All entries, newest published first."""
        with self._lock:
            if self._newest is None:
                alive = list(self._by_id.values())
                alive.sort(key=lambda i: self._entries[i].published, reverse=True)  # type: ignore[union-attr]
                self._newest = alive
            order = self._newest
        for ordinal in order:
            entry = self._entries[ordinal]
            if entry is not None:
                yield entry

    def has_key(self, key: str) -> bool:
        return key in self._names

    def by_key(self, key: str, limit: int | None = None) -> list[Entry]:
        """Articles whose name keys include `key`, newest first."""
        with self._lock:
            postings = self._names.get(key)
            if not postings:
                return []
            alive = {o for o in postings if self._entries[o] is not None}
        entries = [self._entries[o] for o in alive]
        if limit is None:
            return sorted(entries, key=lambda e: e.published, reverse=True)  # type: ignore[union-attr]
        return heapq.nlargest(limit, entries, key=lambda e: e.published)  # type: ignore[union-attr]

    def docs(self, entries: Iterable[Entry]) -> Iterator[dict]:
        for entry in entries:
            doc = self.get(entry.id)
            if doc is not None:
                yield doc

    def _live_docs(self, name: str) -> list[dict]:
        """The stored (not dropped) documents of one partition, read whole; [] when it cannot be read."""
        with self._lock:
            storage = self._loaded.get(name) or SafeJSONStorage(self.dir / name, readonly=True)
            try:
                data = storage.read() or {}
            except (OSError, CorruptFile):
                return []
            return [d for d in data.get(TABLE, {}).values() if d.get("id") in self._by_id]

    def iter_partition_docs(self, newest_first: bool = True) -> Iterator[dict]:
        """Every stored document, a partition at a time (for scans that need the text)."""
        for name in sorted(list(self._parts), reverse=newest_first):
            docs = self._live_docs(name)
            docs.sort(key=lambda d: parse_time(d.get("published")), reverse=newest_first)
            yield from docs

    def recent(self, limit: int) -> list[Entry]:
        """The `limit` most recently fetched entries, newest first (from memory)."""
        with self._lock:
            if self._recent is None:
                alive = list(self._by_id.values())
                alive.sort(key=lambda i: (self._entries[i].fetched, self._entries[i].published),  # type: ignore[union-attr]
                           reverse=True)
                self._recent = alive
            order = self._recent
        out = []
        for ordinal in order:
            entry = self._entries[ordinal]
            if entry is not None:
                out.append(entry)
                if len(out) >= limit:
                    break
        return out

    def fetched_since(self, since: float) -> Iterator[dict]:
        """Documents fetched at or after `since` (epoch seconds), newest partitions first: reads only the
        partitions of the days concerned."""
        first_day = datetime.fromtimestamp(since, tz=timezone.utc).strftime("%Y-%m-%d")
        for name in sorted(list(self._parts), reverse=True):
            match = _PART_NAME.match(name)
            if match and match.group(1) < first_day:
                break
            yield from (doc for doc in self._live_docs(name) if parse_time(doc.get("fetched_at")) >= since)

    # ---- writing -------------------------------------------------------------------------------

    def _partition(self, name: str) -> SafeJSONStorage:
        storage = self._loaded.get(name)
        if storage is None:
            storage = SafeJSONStorage(self.dir / name, readonly=self.readonly)
            self._loaded[name] = storage
            while len(self._loaded) > _LOADED_PARTITIONS:
                self._loaded.popitem(last=False)
        else:
            self._loaded.move_to_end(name)
        return storage

    def _partition_for(self, fetched: float, reserved: dict[str, int]) -> str:
        day = datetime.fromtimestamp(fetched or 0, tz=timezone.utc).strftime("%Y-%m-%d")
        seq = 0
        while True:
            name = f"{day}.json" if seq == 0 else f"{day}~{seq}.json"
            if len(self._parts.get(name, ())) + reserved.get(name, 0) < PARTITION_SIZE:
                return name
            seq += 1

    def _find(self, doc: dict, pending: dict[tuple[str, str], str]) -> str | None:
        """The id of the stored or pending article this document duplicates: same id, canonical URL
        or fingerprint."""
        for index, name in ((self._by_id, "id"), (self._by_url, "url"), (self._by_fp, "fingerprint")):
            value = doc.get(name)
            if not value:
                continue
            if (name, value) in pending:
                return pending[(name, value)]
            ordinal = index.get(value)
            if ordinal is not None and self._entries[ordinal] is not None:
                return self._entries[ordinal].id  # type: ignore[union-attr]
        return None

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
            existing_id = self._find(doc, pending)
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
            entry = self.entry(article_id)
            assert entry is not None
            plan.setdefault(entry.part, {})[entry.doc_id] = doc
            result.updated.append(article_id)
            result.stored[article_id] = doc
        for article_id, doc in new.items():
            part = self._partition_for(parse_time(doc.get("fetched_at")), reserved)
            reserved[part] = reserved.get(part, 0) + 1
            doc_id = str(self._next_doc.get(part, 1))
            self._next_doc[part] = int(doc_id) + 1
            plan.setdefault(part, {})[doc_id] = doc
            result.added.append(article_id)
            result.stored[article_id] = doc
        for part, changes in plan.items():
            self._write_partition(part, changes)
        return result

    def _write_partition(self, part: str, changes: dict[str, dict]) -> None:
        changes = {doc_id: heavy_last(doc) for doc_id, doc in changes.items()}
        storage = self._partition(part)
        data = storage.read() or {}
        table = dict(data.get(TABLE, {}))
        table.update(changes)
        storage.write({**data, TABLE: table})
        spans = storage.offsets[TABLE]
        members = self._parts.setdefault(part, {})
        for doc_id, doc in changes.items():
            old = members.get(doc_id)
            if old is not None:
                self._unindex(old)
            offset, length = spans[doc_id]
            members[doc_id] = self._index(doc, part, doc_id, offset, length)
        for doc_id, ordinal in members.items():  # a rewrite moves every document after the first change
            entry = self._entries[ordinal]
            if entry is not None:
                entry.offset, entry.length = spans[doc_id]

    def drop_older_than(self, cutoff: float) -> int:
        """Retention: remove articles fetched on days before `cutoff` (epoch seconds), except pinned
        ones (the bundled seeds). Whole partitions go at once. Returns how many articles were dropped."""
        if self.readonly:
            raise PermissionError("the article store is open read-only")
        with self._lock:
            return self._drop_older_than(cutoff)

    def _drop_older_than(self, cutoff: float) -> int:
        cutoff_day = datetime.fromtimestamp(cutoff, tz=timezone.utc).strftime("%Y-%m-%d")
        dropped = 0
        for part in list(self._parts):
            match = _PART_NAME.match(part)
            if not match or match.group(1) >= cutoff_day:
                continue
            members = self._parts[part]
            keep = {d: o for d, o in members.items() if self._entries[o] is not None and self._entries[o].pinned}
            gone = [o for d, o in members.items() if d not in keep]
            if keep:
                storage = self._partition(part)
                data = storage.read() or {}
                table = {d: doc for d, doc in data.get(TABLE, {}).items() if d in keep}
                storage.write({**data, TABLE: table})
                spans = storage.offsets[TABLE]
                for doc_id, ordinal in keep.items():
                    entry = self._entries[ordinal]
                    entry.offset, entry.length = spans[doc_id]  # type: ignore[union-attr]
                self._parts[part] = keep
            else:
                self._loaded.pop(part, None)
                os.unlink(self.dir / part)
                fsync_dir(self.dir)
                del self._parts[part]
            for ordinal in gone:
                if self._entries[ordinal] is not None:
                    dropped += 1
                self._unindex(ordinal)
        if dropped:
            self._compact_names()
        return dropped

    def _compact_names(self) -> None:
        """Drop postings of removed articles so the name index does not grow without bound."""
        for key in list(self._names):
            alive = array("i", (o for o in self._names[key] if self._entries[o] is not None))
            if alive:
                self._names[key] = alive
            else:
                del self._names[key]

    def close(self) -> None:
        self._loaded.clear()


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
