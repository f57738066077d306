"""The article partition files: their names, their line layout, and reading and writing them.

Layout: <data>/articles/YYYY-MM-DD.json (and YYYY-MM-DD~N.json once a day passes PARTITION_SIZE
articles), each a TinyDB database with one table "articles", written by SafeJSONStorage (one document
per line, so one document can be read by its byte span). The day is the UTC day the article was first
fetched. Documents are written with their heavy fields last, so opening can decode each line only up to
the first of them (see safe.scan_heads).

Nothing here knows about indexes: Partitions hands documents and byte spans to the article store.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path

from storage.atomic import fsync_dir
from storage.tinydb.safe import CorruptFile, SafeJSONStorage, read_document, scan_heads

TABLE = "articles"
PARTITION_SIZE = 2000
PART_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:~(\d+))?\.json$")
LOADED_PARTITIONS = 3  # parsed partitions kept in memory (the ones being written)
# HEAVY lists the heavy fields in the order they are written; HEAVY_CUT is where the first one starts.
HEAVY = ("text", "story", "summary", "summaries")
HEAVY_CUT = b',"text":'

Spans = dict[str, tuple[int, int]]  # doc id -> (byte offset, byte length) in the partition file


def heavy_last(doc: dict) -> dict:
    """The document with its heavy fields (text, story, summaries) moved to the end, in HEAVY's order."""
    if all(k not in doc for k in HEAVY):
        return doc
    out = {k: v for k, v in doc.items() if k not in HEAVY}
    for k in HEAVY:
        if k in doc:
            out[k] = doc[k]
    return out


def day_of(epoch: float) -> str:
    """The UTC day of an epoch time, as partition names spell it."""
    return datetime.fromtimestamp(epoch or 0, tz=timezone.utc).strftime("%Y-%m-%d")


def partition_day(name: str) -> str | None:
    """The day a partition file holds, or None for a name that is not a partition's."""
    match = PART_NAME.match(name)
    return match.group(1) if match else None


def partition_name(day: str, seq: int) -> str:
    """The seq-th file of a day (0 is the day's first)."""
    return f"{day}.json" if seq == 0 else f"{day}~{seq}.json"


class Partitions:
    """The partition files of one directory, with the few being written kept parsed in memory."""

    def __init__(self, directory: Path, readonly: bool = False) -> None:
        self.dir = Path(directory)
        self.readonly = readonly
        self._loaded: OrderedDict[str, SafeJSONStorage] = OrderedDict()
        if not readonly:
            self.dir.mkdir(parents=True, exist_ok=True)

    def names(self) -> list[str]:
        """Every partition file name, oldest day first."""
        if not self.dir.exists():
            return []
        return sorted(p.name for p in self.dir.iterdir() if PART_NAME.match(p.name))

    def exists(self, name: str) -> bool:
        return (self.dir / name).exists()

    def scan(self, name: str) -> tuple[dict[str, dict], Spans]:
        """The documents of a partition (index fields at least) and their byte spans."""
        path = self.dir / name
        heads = scan_heads(path, TABLE, HEAVY_CUT, "fetched_at") if path.stat().st_size else None
        if heads is not None:
            return heads  # index fields only: the text and summaries are not decoded at open
        storage = SafeJSONStorage(path, readonly=self.readonly)
        data = storage.read() or {}
        docs = data.get(TABLE, {})
        spans = storage.offsets.get(TABLE, {})
        if docs and not spans and not self.readonly:
            # Written by something else (plain TinyDB JSONStorage): rewrite in our line layout.
            storage.write(data)
            spans = storage.offsets.get(TABLE, {})
        return docs, spans

    def cached_doc(self, name: str, doc_id: str) -> dict | None:
        """A copy of the document when its partition is parsed in memory; None when it is not."""
        storage = self._loaded.get(name)
        cached = storage.cached() if storage is not None else None
        if cached is None:
            return None
        doc = cached[TABLE].get(doc_id)
        return dict(doc) if doc is not None else None

    def read_span(self, name: str, offset: int, length: int, article_id: str) -> dict | None:
        """The document at this span when it is still the article `article_id`; None when the file
        changed under us (another process rewrote it) or cannot be read there."""
        if offset < 0:
            return None
        try:
            doc = read_document(self.dir / name, offset, length)
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) and doc.get("id") == article_id else None

    def read_doc(self, name: str, doc_id: str) -> dict | None:
        """One document, from the whole parsed partition."""
        doc = (self._storage(name).read() or {}).get(TABLE, {}).get(doc_id)
        return dict(doc) if doc else None

    def read_table(self, name: str) -> dict[str, dict]:
        """Every document of a partition, read whole; {} when it cannot be read."""
        storage = self._loaded.get(name) or SafeJSONStorage(self.dir / name, readonly=True)
        try:
            data = storage.read() or {}
        except (OSError, CorruptFile):
            return {}
        return data.get(TABLE, {})

    def write(self, name: str, changes: dict[str, dict]) -> Spans:
        """Add or replace documents (heavy fields last) in one atomic write; the spans of every
        document of the partition afterwards (a rewrite moves those after the first change)."""
        changes = {doc_id: heavy_last(doc) for doc_id, doc in changes.items()}
        storage = self._storage(name)
        data = storage.read() or {}
        table = dict(data.get(TABLE, {}))
        table.update(changes)
        storage.write({**data, TABLE: table})
        return storage.offsets[TABLE]

    def keep_only(self, name: str, doc_ids: set[str] | dict) -> Spans:
        """Rewrite the partition with only these documents; their new spans."""
        storage = self._storage(name)
        data = storage.read() or {}
        table = {d: doc for d, doc in data.get(TABLE, {}).items() if d in doc_ids}
        storage.write({**data, TABLE: table})
        return storage.offsets[TABLE]

    def delete(self, name: str) -> None:
        """Remove the partition file, durably."""
        self._loaded.pop(name, None)
        os.unlink(self.dir / name)
        fsync_dir(self.dir)

    def forget(self, name: str) -> None:
        """Drop the parsed copy (the file changed under us)."""
        self._loaded.pop(name, None)

    def _storage(self, name: str) -> SafeJSONStorage:
        storage = self._loaded.get(name)
        if storage is None:
            storage = SafeJSONStorage(self.dir / name, readonly=self.readonly)
            self._loaded[name] = storage
            while len(self._loaded) > LOADED_PARTITIONS:
                self._loaded.popitem(last=False)
        else:
            self._loaded.move_to_end(name)
        return storage

    def close(self) -> None:
        self._loaded.clear()
