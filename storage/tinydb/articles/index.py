"""The article store's in-memory indexes: one entry per article (StoredEntry: where its document lives)
and lookups by id, canonical URL, content fingerprint and name key, plus the newest/recent orders.

Entries live in one list and are named by their ordinal in it; a removed article's slot becomes None,
so the name postings (arrays of ordinals, cheap in memory) never need rewriting on a removal: a lookup
skips dead ordinals, and compact_names() drops them after retention. No I/O and no locking here: the
article store holds its lock around every call.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from storage.records import Entry, parse_time


@dataclass(slots=True)
class StoredEntry(Entry):
    """An Entry and where its document is: partition file, TinyDB doc id, byte span (-1: unknown)."""

    part: str
    doc_id: str
    offset: int
    length: int


class ArticleIndex:
    def __init__(self, fold_title: Callable[[str], str] = str.casefold, indexers: Iterable = ()) -> None:
        self._fold_title = fold_title
        self.indexers = list(indexers)
        self.entries: list[StoredEntry | None] = []
        self.by_id: dict[str, int] = {}
        self.by_url: dict[str, int] = {}
        self.by_fp: dict[str, int] = {}
        self.names: dict[str, array] = {}
        self.parts: dict[str, dict[str, int]] = {}  # partition -> doc_id -> ordinal
        self.next_doc: dict[str, int] = {}  # partition -> the doc id its next document gets
        self._newest: list[int] | None = None
        self._recent: list[int] | None = None

    # ---- changing ------------------------------------------------------------------------------

    def add(self, doc: dict, part: str, doc_id: str, offset: int, length: int) -> int:
        """Index a stored document (replacing the entry of the same id, if any); its ordinal."""
        ordinal = len(self.entries)
        entry = StoredEntry(
            id=doc["id"], url=doc.get("url") or None, fingerprint=doc.get("fingerprint") or "",
            published=parse_time(doc.get("published")) or parse_time(doc.get("fetched_at")),
            fetched=parse_time(doc.get("fetched_at")), title_folded=self._fold_title(doc.get("title") or ""),
            part=part, doc_id=doc_id, offset=offset, length=length, pinned=bool(doc.get("pinned")),
            story_id=doc.get("story_id"),
        )
        previous = self.by_id.get(entry.id)
        if previous is not None:
            self.remove(previous)
        self.entries.append(entry)
        self.by_id[entry.id] = ordinal
        if entry.url:
            self.by_url[entry.url] = ordinal
        if entry.fingerprint:
            self.by_fp[entry.fingerprint] = ordinal
        names = self.names
        for key in doc.get("keys") or ():
            postings = names.get(key)
            if postings is None:
                names[key] = array("i", (ordinal,))
            else:
                postings.append(ordinal)
        for indexer in self.indexers:
            indexer.add(entry, doc)
        self._newest = self._recent = None
        return ordinal

    def add_partition(self, part: str, docs: dict[str, dict], spans: dict[str, tuple[int, int]]) -> None:
        """Index every document of a partition just scanned."""
        members: dict[str, int] = {}
        for doc_id, doc in docs.items():
            offset, length = spans.get(doc_id, (-1, 0))
            members[doc_id] = self.add(doc, part, doc_id, offset, length)
        self.parts[part] = members
        self.next_doc[part] = max((int(d) for d in docs), default=0) + 1

    def remove(self, ordinal: int) -> None:
        entry = self.entries[ordinal]
        if entry is None:
            return
        self.entries[ordinal] = None  # name postings pointing here are skipped from now on
        for indexer in self.indexers:
            indexer.remove(entry)
        if self.by_id.get(entry.id) == ordinal:
            del self.by_id[entry.id]
        if entry.url and self.by_url.get(entry.url) == ordinal:
            del self.by_url[entry.url]
        if entry.fingerprint and self.by_fp.get(entry.fingerprint) == ordinal:
            del self.by_fp[entry.fingerprint]
        self._newest = self._recent = None

    def remove_partition(self, part: str) -> None:
        """Forget every entry of a partition (before it is scanned again, or after it was deleted)."""
        for ordinal in self.parts.pop(part, {}).values():
            self.remove(ordinal)

    def move(self, part: str, spans: dict[str, tuple[int, int]]) -> None:
        """A partition was rewritten: its live entries' documents are at these spans now."""
        for doc_id, ordinal in self.parts.get(part, {}).items():
            entry = self.entries[ordinal]
            if entry is not None:
                entry.offset, entry.length = spans[doc_id]

    def compact_names(self) -> None:
        """Drop postings of removed articles so the name index does not grow without bound."""
        for key in list(self.names):
            alive = array("i", (o for o in self.names[key] if self.entries[o] is not None))
            if alive:
                self.names[key] = alive
            else:
                del self.names[key]

    # ---- looking up ----------------------------------------------------------------------------

    def entry(self, article_id: str) -> StoredEntry | None:
        ordinal = self.by_id.get(article_id)
        return None if ordinal is None else self.entries[ordinal]

    def entry_by(self, field_name: str, value: str | None) -> StoredEntry | None:
        index = {"url": self.by_url, "fingerprint": self.by_fp}[field_name]
        ordinal = index.get(value) if value else None
        return None if ordinal is None else self.entries[ordinal]

    def find(self, doc: dict, pending: dict[tuple[str, str], str]) -> str | None:
        """The id of the stored or pending article this document duplicates: same id, canonical URL
        or fingerprint, in that order."""
        for index, name in ((self.by_id, "id"), (self.by_url, "url"), (self.by_fp, "fingerprint")):
            value = doc.get(name)
            if not value:
                continue
            if (name, value) in pending:
                return pending[(name, value)]
            ordinal = index.get(value)
            if ordinal is not None and self.entries[ordinal] is not None:
                return self.entries[ordinal].id  # type: ignore[union-attr]
        return None

    def partition_count(self, part: str) -> int:
        return len(self.parts.get(part, ()))

    def newest_order(self) -> list[int]:
        """Live ordinals, newest published first (cached until the next change)."""
        if self._newest is None:
            alive = list(self.by_id.values())
            alive.sort(key=lambda i: self.entries[i].published, reverse=True)  # type: ignore[union-attr]
            self._newest = alive
        return self._newest

    def recent_order(self) -> list[int]:
        """Live ordinals, newest fetched (then published) first (cached until the next change)."""
        if self._recent is None:
            alive = list(self.by_id.values())
            alive.sort(key=lambda i: (self.entries[i].fetched, self.entries[i].published),  # type: ignore[union-attr]
                       reverse=True)
            self._recent = alive
        return self._recent

    def key_entries(self, key: str) -> list[StoredEntry]:
        """The live entries under a name key, in no order."""
        postings = self.names.get(key)
        if not postings:
            return []
        entries = self.entries
        return [entries[o] for o in {o for o in postings if entries[o] is not None}]  # type: ignore[misc]


def newest_first(entries: list[StoredEntry], limit: int | None) -> list[StoredEntry]:
    if limit is None:
        return sorted(entries, key=lambda e: e.published, reverse=True)
    return heapq.nlargest(limit, entries, key=lambda e: e.published)
