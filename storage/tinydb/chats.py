"""Chats and their topics: who talks to the bot, their settings, and what they follow.

A chat and its topics form one document (a chat row with its topic rows inside), so every change to a
chat is a change to one document, and every change is one atomic, durable write (SafeJSONStorage).
Reads come from memory.

Layout: <directory>/chats-NN.json, TinyDB files with one table "chats", one document per chat, keyed by
the chat id. A chat lives in shard chat_id % shards when it is created and stays in the file it was found
in (a migrated group keeps its parent's file), so the shard count may change between runs. Sharding is
about write cost: a write rewrites the whole file, and at 10k chats x 5 topics one file is ~11 MB and
~0.25 s per write; 32 shards make it ~0.35 MB and a few ms. `shards=1` gives a single file.

Times are stored as ISO 8601 UTC strings; the rows handed out (ChatRow, TopicRow) are storage.records'.
Nothing here reads the clock: callers pass `now`. Not thread-safe: one writer, callers serialise access (PTB's event loop does).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from storage.records import CHAT_TYPES, LAST_SEEN_EVERY, MODES, ChatRow, TopicRow, iso, parse_iso
from storage.tinydb.safe import SafeJSONStorage

__all__ = ["ChatStore", "ChatRow", "TopicRow", "CHAT_TYPES", "MODES", "LAST_SEEN_EVERY", "DEFAULT_SHARDS", "iso",
           "parse_iso"]

log = logging.getLogger(__name__)

TABLE = "chats"
DEFAULT_SHARDS = 32
_SHARD_NAME = re.compile(r"^chats-(\d+)\.json$")
_CHAT_FIELDS = ("type", "title", "tz", "quiet", "digest", "paused", "last_seen", "last_digest", "prefs")
_TOPIC_FIELDS = ("text", "canonical", "mode", "muted_until")


def _normalise(name: str, value: Any) -> Any:
    """A field value in its stored (JSON) form; raises ValueError for values that cannot be stored."""
    if name in ("last_seen", "last_digest", "muted_until", "created"):
        return iso(value)
    if name == "quiet":
        if value is None:
            return None
        start, end = value
        return [str(start), str(end)]
    if name == "paused":
        return bool(value)
    if name == "type" and value not in CHAT_TYPES:
        raise ValueError(f"chat type must be one of {', '.join(CHAT_TYPES)}, not {value!r}")
    if name == "mode" and value not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {value!r}")
    if name == "prefs":
        return copy.deepcopy(dict(value or {}))
    if name == "digest":
        return copy.deepcopy(dict(value)) if value else None
    return value


class ChatStore:
    """Chats and topics; plain methods, each change one durable write of one shard file."""

    def __init__(self, directory: str | Path, shards: int = DEFAULT_SHARDS, readonly: bool = False) -> None:
        if shards < 1:
            raise ValueError("shards must be at least 1")
        self.dir = Path(directory)
        self.shards = shards
        self.readonly = readonly
        self._files: dict[int, SafeJSONStorage] = {}
        self._where: dict[int, int] = {}  # chat id -> shard number
        # Called with a chat id after every write that changed that chat (bot.subscriptions keeps its
        # index in step this way, whoever made the change: a handler, delivery, a migration).
        self.listeners: list[Callable[[int], None]] = []
        if not readonly:
            self.dir.mkdir(parents=True, exist_ok=True)
            # Temp files of writes a crash interrupted (the caller holds the data directory's lock).
            for tmp in self.dir.glob(".chats-*.tmp"):
                tmp.unlink(missing_ok=True)
        if self.dir.is_dir():
            for path in sorted(self.dir.iterdir()):
                m = _SHARD_NAME.match(path.name)
                if m:
                    self._load_shard(int(m.group(1)))

    def _storage(self, shard: int) -> SafeJSONStorage:
        storage = self._files.get(shard)
        if storage is None:
            storage = self._files[shard] = SafeJSONStorage(self.dir / f"chats-{shard:02d}.json",
                                                           readonly=self.readonly)
        return storage

    def _load_shard(self, shard: int) -> None:
        data = self._storage(shard).read() or {}
        for doc in data.get(TABLE, {}).values():
            chat_id = int(doc["chat_id"])
            if chat_id in self._where:  # never written so; a hand-edited directory
                log.warning("chat %s is in chats-%02d.json and chats-%02d.json; using the latter",
                            chat_id, self._where[chat_id], shard)
            self._where[chat_id] = shard

    def _table(self, shard: int) -> dict[str, dict[str, Any]]:
        return (self._storage(shard).read() or {}).get(TABLE, {})

    def _doc(self, chat_id: int) -> dict[str, Any] | None:
        shard = self._where.get(chat_id)
        return None if shard is None else self._table(shard).get(str(chat_id))

    def _write(self, shard: int, changes: dict[int, dict[str, Any] | None]) -> None:
        """Replace (or, for None, remove) whole chat documents in one shard: one atomic write. Stored
        documents are never mutated in place, so a failed write leaves memory as it was."""
        if self.readonly:
            raise PermissionError(f"{self.dir} is open read-only")
        storage = self._storage(shard)
        current = storage.read() or {}
        table = dict(current.get(TABLE, {}))
        for chat_id, doc in changes.items():
            if doc is None:
                table.pop(str(chat_id), None)
            else:
                table[str(chat_id)] = doc
        data = dict(current)
        data[TABLE] = table
        storage.write(data)
        for chat_id, doc in changes.items():
            if doc is None:
                if self._where.get(chat_id) == shard:
                    del self._where[chat_id]
            else:
                self._where[chat_id] = shard
        for chat_id in changes:
            for listener in self.listeners:
                listener(chat_id)

    def _replace(self, chat_id: int, doc: dict[str, Any]) -> None:
        self._write(self._where[chat_id], {chat_id: doc})

    # ---- chats ---------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._where)

    def count_chats(self) -> int:
        return len(self._where)

    def __contains__(self, chat_id: int) -> bool:
        return chat_id in self._where

    def get_chat(self, chat_id: int) -> ChatRow | None:
        doc = self._doc(chat_id)
        return None if doc is None else ChatRow.from_doc(doc)

    def chats(self) -> Iterator[ChatRow]:
        """Every chat (for the digest scheduler and housekeeping), in no particular order."""
        for shard in sorted(self._files):
            for doc in list(self._table(shard).values()):
                yield ChatRow.from_doc(doc)

    def is_paused(self, chat_id: int) -> bool:
        doc = self._doc(chat_id)
        return bool(doc and doc.get("paused"))

    def ensure_chat(self, chat_id: int, type: str, title: str, now: datetime) -> ChatRow:
        """The chat, created on first contact. Call it for updates the chat sent (messages, commands,
        button presses): it records the current type and title, refreshes last_seen (at most once per
        LAST_SEEN_EVERY) and clears `paused`, since a chat that writes has not blocked the bot.
        Writes only when something changed."""
        doc = self._doc(chat_id)
        stamp = iso(now)
        if doc is None:
            doc = {"chat_id": chat_id, "type": _normalise("type", type), "title": title or "", "tz": "UTC",
                   "quiet": None, "digest": None, "paused": False, "created": stamp, "last_seen": stamp,
                   "last_digest": None, "prefs": {}, "next_topic_id": 1, "topics": []}
            self._write(chat_id % self.shards, {chat_id: doc})
            return ChatRow.from_doc(doc)
        changes: dict[str, Any] = {}
        if type and type != doc.get("type"):
            changes["type"] = _normalise("type", type)
        if title and title != doc.get("title"):
            changes["title"] = title
        if doc.get("paused"):
            changes["paused"] = False
        seen = parse_iso(doc.get("last_seen"))
        if seen is None or now - seen >= LAST_SEEN_EVERY:
            changes["last_seen"] = stamp
        if changes:
            doc = {**copy.deepcopy(doc), **changes}
            self._replace(chat_id, doc)
        return ChatRow.from_doc(doc)

    def update_chat(self, chat_id: int, /, **fields: Any) -> ChatRow | None:
        """Set chat fields (type, title, tz, quiet, digest, paused, last_seen, last_digest, prefs).
        None when the chat is unknown; ValueError for an unknown field. Writes only on a change."""
        unknown = set(fields) - set(_CHAT_FIELDS)
        if unknown:
            raise ValueError(f"unknown chat field(s): {', '.join(sorted(unknown))}")
        doc = self._doc(chat_id)
        if doc is None:
            return None
        changes = {name: _normalise(name, value) for name, value in fields.items()}
        if any(doc.get(name) != value for name, value in changes.items()):
            doc = {**copy.deepcopy(doc), **changes}
            self._replace(chat_id, doc)
        return ChatRow.from_doc(doc)

    def forget_chat(self, chat_id: int) -> dict[str, Any] | None:
        """Remove the chat and all its topics; returns the removed document (plain data), or None."""
        doc = self._doc(chat_id)
        if doc is None:
            return None
        self._write(self._where[chat_id], {chat_id: None})
        return copy.deepcopy(doc)

    def migrate_chat(self, old_id: int, new_id: int) -> ChatRow | None:
        """A group became a supergroup (Telegram gives it a new id): its settings and topics move to
        new_id, and old_id is gone. When new_id already exists (it wrote to us before the migration was
        seen), the old chat's settings win and the topics of both are kept, without duplicates (same
        canonical form); the new chat's topics are renumbered after the old ones. Idempotent: a crash
        between the two writes of that case leaves both chats, and calling it again finishes the job.
        None when old_id is unknown (already migrated, or never seen)."""
        old = self._doc(old_id)
        if old is None:
            return self.get_chat(new_id) if old_id == new_id else None
        if old_id == new_id:
            return ChatRow.from_doc(old)
        merged = copy.deepcopy(old)
        merged["chat_id"] = new_id
        merged["type"] = "supergroup" if old.get("type") == "group" else old.get("type", "supergroup")
        existing = self._doc(new_id)
        if existing is None:
            # Same file as the parent, so the move is one write.
            self._write(self._where[old_id], {old_id: None, new_id: merged})
            return ChatRow.from_doc(merged)
        merged["type"] = existing.get("type") or merged["type"]
        merged["title"] = existing.get("title") or merged.get("title", "")
        merged["last_seen"] = max(existing.get("last_seen") or "", old.get("last_seen") or "")
        have = {t.get("canonical") for t in merged["topics"]}
        next_id = int(merged.get("next_topic_id", 1))
        for topic in existing.get("topics", []):
            if topic.get("canonical") in have:
                continue
            merged["topics"].append({**copy.deepcopy(topic), "topic_id": next_id})
            have.add(topic.get("canonical"))
            next_id += 1
        merged["next_topic_id"] = next_id
        old_shard, new_shard = self._where[old_id], self._where[new_id]
        if old_shard == new_shard:
            self._write(new_shard, {old_id: None, new_id: merged})
        else:
            self._write(new_shard, {new_id: merged})  # first, so a crash here loses nothing
            self._write(old_shard, {old_id: None})
        return ChatRow.from_doc(merged)

    # ---- topics --------------------------------------------------------------------------------

    def add_topic(self, chat_id: int, text: str, canonical: str, now: datetime, mode: str = "instant") -> TopicRow:
        """Store a topic under the chat's next number. KeyError when the chat is unknown (call
        ensure_chat first). Limits and duplicates are the caller's business (bot.subscriptions)."""
        doc = self._doc(chat_id)
        if doc is None:
            raise KeyError(f"unknown chat {chat_id}")
        doc = copy.deepcopy(doc)
        topic_id = int(doc.get("next_topic_id", 1))
        topic = {"topic_id": topic_id, "text": text, "canonical": canonical, "mode": _normalise("mode", mode),
                 "muted_until": None, "created": iso(now)}
        doc["topics"] = [*doc.get("topics", []), topic]
        doc["next_topic_id"] = topic_id + 1
        self._replace(chat_id, doc)
        return TopicRow.from_doc(chat_id, topic)

    def remove_topic(self, chat_id: int, topic_id: int) -> TopicRow | None:
        """Remove one of the chat's topics; returns it, or None when the chat has no such topic."""
        doc = self._doc(chat_id)
        if doc is None:
            return None
        topics = doc.get("topics", [])
        gone = next((t for t in topics if t["topic_id"] == topic_id), None)
        if gone is None:
            return None
        doc = copy.deepcopy(doc)
        doc["topics"] = [t for t in doc["topics"] if t["topic_id"] != topic_id]
        self._replace(chat_id, doc)
        return TopicRow.from_doc(chat_id, gone)

    def get_topic(self, chat_id: int, topic_id: int) -> TopicRow | None:
        doc = self._doc(chat_id)
        if doc is None:
            return None
        found = next((t for t in doc.get("topics", []) if t["topic_id"] == topic_id), None)
        return None if found is None else TopicRow.from_doc(chat_id, found)

    def topics(self, chat_id: int) -> list[TopicRow]:
        """The chat's topics by number."""
        doc = self._doc(chat_id)
        if doc is None:
            return []
        return sorted((TopicRow.from_doc(chat_id, t) for t in doc.get("topics", [])), key=lambda r: r.topic_id)

    def all_topics(self) -> list[TopicRow]:
        """Every topic of every chat (to build the matching index at start)."""
        rows = []
        for shard in sorted(self._files):
            for doc in self._table(shard).values():
                chat_id = int(doc["chat_id"])
                rows.extend(TopicRow.from_doc(chat_id, topic) for topic in doc.get("topics", []))
        return rows

    def set_topic(self, chat_id: int, topic_id: int, /, **fields: Any) -> TopicRow | None:
        """Set topic fields (text, canonical, mode, muted_until); None when the chat has no such topic."""
        unknown = set(fields) - set(_TOPIC_FIELDS)
        if unknown:
            raise ValueError(f"unknown topic field(s): {', '.join(sorted(unknown))}")
        changes = {name: _normalise(name, value) for name, value in fields.items()}
        doc = self._doc(chat_id)
        if doc is None:
            return None
        current = next((t for t in doc.get("topics", []) if t["topic_id"] == topic_id), None)
        if current is None:
            return None
        if all(current.get(name) == value for name, value in changes.items()):
            return TopicRow.from_doc(chat_id, current)
        doc = copy.deepcopy(doc)
        updated = None
        for topic in doc["topics"]:
            if topic["topic_id"] == topic_id:
                topic.update(changes)
                updated = topic
        self._replace(chat_id, doc)
        assert updated is not None
        return TopicRow.from_doc(chat_id, updated)

    def count_topics(self, chat_id: int) -> int:
        doc = self._doc(chat_id)
        return 0 if doc is None else len(doc.get("topics", []))

    def close(self) -> None:
        for storage in self._files.values():
            storage.close()
        self._files.clear()
        self._where.clear()
