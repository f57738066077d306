"""The outbox: messages matched but not yet delivered, and the ledger of what was delivered.

Between matching and sending every alert is written here first, so a crash or kill -9 at any moment
loses nothing; the ledger of (chat, key) pairs delivered stops anything being sent twice.

On disk it is a journal, <data>/outbox.log, one JSON object per line, appended and fsynced:
  {"op": "add", "id": ..., "chat": ..., "key": ..., "kind": ..., "data": {...}, "due": epoch, "at": epoch}
  {"op": "done", "id": ..., "result": "sent" | "dropped" | "paused", "at": epoch}
  {"op": "due", "id": ..., "due": epoch, "attempts": n}        (a retry later)
  {"op": "chat", "old": ..., "new": ...}                        (a group became a supergroup)
Appending is O(one line) however long the queue, and a torn last line (a kill mid-append) is ignored
on open: that append never returned, so nothing acknowledged is lost. compact() rewrites the journal
atomically with only the pending items and recent ledger entries.

The one unavoidable duplicate: a kill after a message left for Telegram but before its "done" line
was written. On restart that item is still pending and is sent again. It needs the kill to land inside
a request's round trip; at most one message per chat being sent to at that instant is repeated, so at
most bot.delivery.IN_FLIGHT (2) per kill, and a chat never sees more than one repeat per kill.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

from storage.records import LEDGER_SECONDS, OutboxItem
from storage.atomic import atomic_write, fsync_dir

__all__ = ["Outbox", "OutboxItem", "LEDGER_SECONDS"]


class Outbox:
    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._pending: dict[str, OutboxItem] = {}
        self._ledger: dict[tuple[int, str], float] = {}  # (chat, key) -> when delivered
        self._fh = None
        self._load()
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "ab")

    # ---- journal -----------------------------------------------------------------------------------

    def _load(self) -> None:
        if not self.path.exists():
            return
        raw = self.path.read_bytes()
        # Only lines with their newline count: an append writes record and newline together and returns
        # only after both are on disk, so a last line without one is torn even when it parses (and gluing
        # the next append onto it would make that line unreadable, losing every record after it).
        complete = raw[: raw.rfind(b"\n") + 1]
        good_end = 0
        for line in complete.split(b"\n")[:-1]:
            if not line.strip():
                good_end += len(line) + 1
                continue
            try:
                record = json.loads(line)
            except ValueError:
                break  # a torn final append: it never returned, so it was never acknowledged
            self._apply(record)
            good_end += len(line) + 1
        if good_end < len(raw) and not self.readonly:
            with open(self.path, "r+b") as fh:  # drop the torn tail so later appends start clean
                fh.truncate(min(good_end, len(raw)))
                fh.flush()
                os.fsync(fh.fileno())

    def _apply(self, record: dict) -> None:
        op = record.get("op")
        if op == "add":
            item = OutboxItem(id=record["id"], chat=record["chat"], key=record["key"], kind=record["kind"],
                              data=record.get("data") or {}, due=record.get("due", 0.0), at=record.get("at", 0.0))
            self._pending[item.id] = item
        elif op == "done":
            item = self._pending.pop(record["id"], None)
            if item is not None and record.get("result") == "sent":
                self._ledger[(item.chat, item.key)] = record.get("at", 0.0)
        elif op == "due":
            item = self._pending.get(record["id"])
            if item is not None:
                item.due = record["due"]
                item.attempts = record.get("attempts", item.attempts)
        elif op == "chat":
            self._move_chat(record["old"], record["new"])
        elif op == "ledger":
            self._ledger[(record["chat"], record["key"])] = record["at"]

    def _append(self, records: list[dict]) -> None:
        if self.readonly or self._fh is None:
            raise PermissionError("the outbox is open read-only")
        payload = b"".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for r in records)
        self._fh.write(payload)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        for record in records:
            self._apply(record)

    # ---- queue -------------------------------------------------------------------------------------

    def delivered(self, chat: int, key: str) -> bool:
        return (chat, key) in self._ledger

    def queued(self, chat: int, key: str) -> bool:
        return any(i.chat == chat and i.key == key for i in self._pending.values())

    def add(self, items: Iterable[dict], now: float) -> list[OutboxItem]:
        """Queue messages (dicts with chat, key, kind, data and optional due). One already delivered or
        already queued for the same (chat, key) is skipped. Durable when this returns."""
        queued = {(i.chat, i.key) for i in self._pending.values()}
        records = []
        for spec in items:
            pair = (spec["chat"], spec["key"])
            if pair in self._ledger or pair in queued:
                continue
            queued.add(pair)
            records.append({"op": "add", "id": uuid.uuid4().hex[:16], "chat": spec["chat"], "key": spec["key"],
                            "kind": spec["kind"], "data": spec.get("data") or {}, "due": spec.get("due", now),
                            "at": now})
        if records:
            self._append(records)
        return [self._pending[r["id"]] for r in records]

    def due(self, now: float, limit: int | None = None) -> list[OutboxItem]:
        """Pending items whose time has come, oldest first."""
        ready = sorted((i for i in self._pending.values() if i.due <= now), key=lambda i: (i.due, i.at))
        return ready[:limit] if limit else ready

    def pending(self, chat: int | None = None) -> list[OutboxItem]:
        return [i for i in self._pending.values() if chat is None or i.chat == chat]

    def __len__(self) -> int:
        return len(self._pending)

    def next_due(self) -> float | None:
        return min((i.due for i in self._pending.values()), default=None)

    def mark_sent(self, item_ids: Iterable[str], now: float) -> None:
        self._append([{"op": "done", "id": i, "result": "sent", "at": now} for i in item_ids if i in self._pending])

    def mark_dropped(self, item_ids: Iterable[str], now: float, result: str = "dropped") -> None:
        self._append([{"op": "done", "id": i, "result": result, "at": now} for i in item_ids if i in self._pending])

    def retry_at(self, item_id: str, due: float) -> None:
        item = self._pending.get(item_id)
        if item is not None:
            self._append([{"op": "due", "id": item_id, "due": due, "attempts": item.attempts + 1}])

    def remember(self, chat: int, key: str, now: float) -> None:
        """Record a delivery that did not go through the queue (e.g. a preview shown on /subscribe)."""
        self._append([{"op": "ledger", "chat": chat, "key": key, "at": now}])

    def move_chat(self, old: int, new: int) -> None:
        self._append([{"op": "chat", "old": old, "new": new}])

    def _move_chat(self, old: int, new: int) -> None:
        for item in self._pending.values():
            if item.chat == old:
                item.chat = new
        for (chat, key) in [k for k in self._ledger if k[0] == old]:
            self._ledger[(new, key)] = self._ledger.pop((chat, key))

    def forget_chat(self, chat: int, now: float) -> None:
        """/stop: drop what is queued for the chat and its delivery history."""
        ids = [i.id for i in self._pending.values() if i.chat == chat]
        if ids:
            self.mark_dropped(ids, now, result="forgotten")
        for pair in [k for k in self._ledger if k[0] == chat]:
            del self._ledger[pair]
        self.compact(now)

    # ---- upkeep ------------------------------------------------------------------------------------

    def compact(self, now: float) -> None:
        """Rewrite the journal with only what is still needed (atomically: a kill leaves old or new)."""
        if self.readonly:
            return
        self._ledger = {k: t for k, t in self._ledger.items() if t >= now - LEDGER_SECONDS}
        records = [{"op": "ledger", "chat": c, "key": k, "at": t} for (c, k), t in self._ledger.items()]
        for item in self._pending.values():
            records.append({"op": "add", "id": item.id, "chat": item.chat, "key": item.key, "kind": item.kind,
                            "data": item.data, "due": item.due, "at": item.at})
            if item.attempts:
                records.append({"op": "due", "id": item.id, "due": item.due, "attempts": item.attempts})
        payload = b"".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for r in records)
        if self._fh is not None:
            self._fh.close()
        atomic_write(self.path, payload)
        fsync_dir(self.path.parent)
        self._fh = open(self.path, "ab")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
