"""Outbox as storage.contract states it: idempotent queueing, due order, the delivery ledger, upkeep."""

from __future__ import annotations

import pytest

from storage.contract import LEDGER_SECONDS, OutboxItem

T = 1_800_000_000.0


def alert(chat: int, key: str, **over) -> dict:
    return {"chat": chat, "key": key, "kind": "alert", "data": {"article": key}, **over}


def test_add_queues_and_returns_the_items(engine):
    items = engine.outbox.add([alert(1, "story:a"), alert(2, "story:a", due=T + 60)], T)
    assert all(isinstance(i, OutboxItem) for i in items) and len(items) == 2 and len(engine.outbox) == 2
    first, second = items
    assert (first.chat, first.key, first.kind, first.data, first.due, first.at) == (1, "story:a", "alert",
                                                                                     {"article": "story:a"}, T, T)
    assert second.due == T + 60 and first.id != second.id
    assert engine.outbox.queued(1, "story:a") and not engine.outbox.queued(3, "story:a")


def test_add_is_idempotent_by_chat_and_key(engine):
    outbox = engine.outbox
    outbox.add([alert(1, "story:a")], T)
    again = outbox.add([alert(1, "story:a"), alert(1, "story:b"), alert(1, "story:b")], T + 1)
    assert [(i.chat, i.key) for i in again] == [(1, "story:b")]
    assert sorted(i.key for i in outbox.pending(1)) == ["story:a", "story:b"] and len(outbox) == 2


def test_pending_items_survive_reopen(engines):
    engine = engines.open()
    engine.outbox.add([alert(1, "story:a"), alert(2, "story:b", due=T + 5)], T)
    again = engines.reopen(engine)
    assert sorted((i.chat, i.key, i.due) for i in again.outbox.pending()) == [(1, "story:a", T), (2, "story:b", T + 5)]
    assert again.outbox.add([alert(1, "story:a")], T + 1) == []


def test_due_is_oldest_due_first_and_limited(engine):
    outbox = engine.outbox
    outbox.add([alert(1, "late", due=T + 30), alert(1, "soon", due=T + 10)], T)
    outbox.add([alert(2, "now")], T + 5)
    outbox.add([alert(3, "future", due=T + 1000)], T + 6)
    assert [i.key for i in outbox.due(T + 40)] == ["now", "soon", "late"]
    assert [i.key for i in outbox.due(T + 40, limit=2)] == ["now", "soon"]
    assert outbox.due(T) == [] and outbox.next_due() == T + 5
    assert len(outbox.pending()) == 4


def test_due_ties_go_in_queueing_order(engine):
    engine.outbox.add([alert(1, "first", due=T + 10)], T)
    engine.outbox.add([alert(2, "second", due=T + 10)], T + 1)
    assert [i.key for i in engine.outbox.due(T + 10)] == ["first", "second"]


def test_mark_sent_enters_the_ledger_and_the_pair_is_never_queued_again(engine):
    outbox = engine.outbox
    (item,) = outbox.add([alert(1, "story:a")], T)
    outbox.mark_sent([item.id], T + 1)
    assert outbox.delivered(1, "story:a") and not outbox.queued(1, "story:a") and len(outbox) == 0
    assert outbox.add([alert(1, "story:a")], T + 2) == [] and outbox.next_due() is None
    outbox.mark_sent([item.id, "unknown"], T + 3)  # a repeat, and an id never queued: ignored
    assert len(outbox) == 0 and outbox.add([alert(2, "story:a")], T + 4)


def test_mark_dropped_is_not_a_delivery(engine):
    outbox = engine.outbox
    (item,) = outbox.add([alert(1, "story:a")], T)
    outbox.mark_dropped([item.id], T + 1, result="paused")
    assert not outbox.delivered(1, "story:a") and outbox.pending() == []
    assert [i.key for i in outbox.add([alert(1, "story:a")], T + 2)] == ["story:a"]


def test_retry_at_moves_the_item_and_counts_the_attempt(engines):
    engine = engines.open()
    (item,) = engine.outbox.add([alert(1, "story:a")], T)
    engine.outbox.retry_at(item.id, T + 120)
    engine.outbox.retry_at("unknown", T + 120)
    assert engine.outbox.due(T + 60) == [] and engine.outbox.due(T + 120)[0].attempts == 1
    again = engines.reopen(engine)
    (pending,) = again.outbox.pending()
    assert (pending.id, pending.due, pending.attempts) == (item.id, T + 120, 1)


def test_the_delivered_ledger_survives_reopen(engines):
    engine = engines.open()
    items = engine.outbox.add([alert(1, "story:a"), alert(2, "story:a")], T)
    engine.outbox.mark_sent([items[0].id], T + 1)
    engine.outbox.remember(3, "story:preview", T + 2)
    again = engines.reopen(engine)
    assert again.outbox.delivered(1, "story:a") and again.outbox.delivered(3, "story:preview")
    assert not again.outbox.delivered(2, "story:a") and again.outbox.queued(2, "story:a")
    assert again.outbox.add([alert(1, "story:a"), alert(3, "story:preview")], T + 3) == []


def test_move_chat_carries_pending_items_and_the_ledger(engines):
    engine = engines.open()
    sent, waiting = engine.outbox.add([alert(-100, "story:a"), alert(-100, "story:b")], T)
    engine.outbox.mark_sent([sent.id], T + 1)
    engine.outbox.move_chat(-100, -100200)
    again = engines.reopen(engine)
    assert [(i.chat, i.key) for i in again.outbox.pending()] == [(-100200, "story:b")]
    assert again.outbox.delivered(-100200, "story:a") and not again.outbox.delivered(-100, "story:a")
    assert again.outbox.pending(-100) == []


def test_compact_keeps_pending_and_recent_deliveries_and_forgets_old_ones(engines):
    engine = engines.open()
    outbox = engine.outbox
    old, recent, waiting = outbox.add([alert(1, "old"), alert(1, "recent"), alert(2, "waiting")], T)
    outbox.mark_sent([old.id], T)
    outbox.mark_sent([recent.id], T + LEDGER_SECONDS)
    outbox.retry_at(waiting.id, T + 50)
    outbox.compact(T + LEDGER_SECONDS + 10)
    for store in (outbox, engines.reopen(engine).outbox):
        assert not store.delivered(1, "old") and store.delivered(1, "recent")
        (pending,) = store.pending()
        assert (pending.id, pending.key, pending.due, pending.attempts, pending.data) == \
            (waiting.id, "waiting", T + 50, 1, {"article": "waiting"})


def test_forget_chat_drops_its_queue_and_history_only(engine):
    outbox = engine.outbox
    a1, a2, b1 = outbox.add([alert(1, "x"), alert(1, "y"), alert(2, "x")], T)
    outbox.mark_sent([a1.id], T + 1)
    outbox.mark_sent([b1.id], T + 1)
    outbox.forget_chat(1, T + 2)
    assert outbox.pending(1) == [] and not outbox.delivered(1, "x") and outbox.delivered(2, "x")
    assert [i.key for i in outbox.add([alert(1, "x")], T + 3)] == ["x"]


def test_a_readonly_outbox_reads_and_refuses_writes(engines):
    writer = engines.open()
    (item,) = writer.outbox.add([alert(1, "story:a")], T)
    writer.outbox.mark_sent([item.id], T)
    writer.outbox.add([alert(2, "story:b")], T)
    reader = engines.open(readonly=True)
    assert reader.outbox.readonly and reader.outbox.delivered(1, "story:a") and len(reader.outbox) == 1
    with pytest.raises(PermissionError):
        reader.outbox.add([alert(3, "story:c")], T)
    reader.outbox.compact(T)  # does nothing when read-only
    assert len(writer.outbox) == 1
