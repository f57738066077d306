"""The outbox journal: durable queue, ledger, dedup, torn tails, compaction, chat moves."""

from __future__ import annotations

from storage.tinydb.outbox import LEDGER_SECONDS, Outbox

T = 1_800_000_000.0


def spec(chat: int, key: str, kind: str = "alert", due: float = T, **data) -> dict:
    return {"chat": chat, "key": key, "kind": kind, "due": due, "data": data}


def test_add_is_durable_and_deduplicated(tmp_path):
    box = Outbox(tmp_path / "outbox.log")
    added = box.add([spec(1, "story:a", article="a"), spec(2, "story:a"), spec(1, "story:a")], T)
    assert [(i.chat, i.key) for i in added] == [(1, "story:a"), (2, "story:a")]
    assert box.add([spec(1, "story:a")], T) == []  # already queued
    box.close()
    again = Outbox(tmp_path / "outbox.log")
    assert sorted((i.chat, i.key, i.data.get("article")) for i in again.pending()) == [(1, "story:a", "a"), (2, "story:a", None)]


def test_sent_items_enter_the_ledger_and_never_requeue(tmp_path):
    box = Outbox(tmp_path / "outbox.log")
    [item] = box.add([spec(1, "story:a")], T)
    box.mark_sent([item.id], T + 1)
    assert len(box) == 0 and box.delivered(1, "story:a")
    assert box.add([spec(1, "story:a")], T + 2) == []
    box.close()
    reopened = Outbox(tmp_path / "outbox.log")
    assert reopened.delivered(1, "story:a") and reopened.add([spec(1, "story:a")], T + 3) == []
    dropped = reopened.add([spec(1, "story:b")], T)
    reopened.mark_dropped([dropped[0].id], T)
    assert not reopened.delivered(1, "story:b")  # dropped is not delivered


def test_due_ordering_and_retry(tmp_path):
    box = Outbox(tmp_path / "outbox.log")
    late, early = box.add([spec(1, "k1", due=T + 100), spec(2, "k2", due=T)], T)
    assert [i.key for i in box.due(T)] == ["k2"]
    assert [i.key for i in box.due(T + 100)] == ["k2", "k1"]
    box.retry_at(early.id, T + 50)
    assert [i.key for i in box.due(T + 10)] == []
    box.close()
    reopened = Outbox(tmp_path / "outbox.log")
    [item] = reopened.due(T + 60)
    assert item.key == "k2" and item.attempts == 1
    assert reopened.next_due() == T + 50


def test_torn_last_line_is_ignored_and_trimmed(tmp_path):
    path = tmp_path / "outbox.log"
    box = Outbox(path)
    box.add([spec(1, "k1")], T)
    box.close()
    with open(path, "ab") as fh:
        fh.write(b'{"op":"add","id":"zz","chat":9,"ke')  # a kill in the middle of an append
    reopened = Outbox(path)
    assert [i.key for i in reopened.pending()] == ["k1"]
    reopened.add([spec(2, "k2")], T)
    reopened.close()
    assert sorted(i.key for i in Outbox(path).pending()) == ["k1", "k2"]


def test_compact_keeps_pending_and_recent_ledger(tmp_path):
    path = tmp_path / "outbox.log"
    box = Outbox(path)
    old, recent, waiting = box.add([spec(1, "old"), spec(1, "recent"), spec(1, "waiting")], T)
    box.mark_sent([old.id], T)
    box.mark_sent([recent.id], T + LEDGER_SECONDS)
    box.retry_at(waiting.id, T + 5)
    size_before = path.stat().st_size
    box.compact(T + LEDGER_SECONDS + 10)
    assert path.stat().st_size < size_before
    assert not box.delivered(1, "old") and box.delivered(1, "recent")
    box.add([spec(1, "new")], T)
    box.close()
    reopened = Outbox(path)
    assert sorted(i.key for i in reopened.pending()) == ["new", "waiting"]
    assert [i.attempts for i in reopened.pending() if i.key == "waiting"] == [1]


def test_chat_moves_and_forgetting(tmp_path):
    box = Outbox(tmp_path / "outbox.log")
    a, b = box.add([spec(-100, "k1"), spec(-100, "k2")], T)
    box.mark_sent([a.id], T)
    box.move_chat(-100, -1001)
    assert box.delivered(-1001, "k1") and [i.chat for i in box.pending()] == [-1001]
    box.close()
    box = Outbox(tmp_path / "outbox.log")
    assert box.delivered(-1001, "k1") and [i.chat for i in box.pending()] == [-1001]
    box.forget_chat(-1001, T)
    assert box.pending() == [] and not box.delivered(-1001, "k1")
    box.close()
    assert Outbox(tmp_path / "outbox.log").pending() == []
