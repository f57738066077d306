"""ChatStore over real TinyDB files in tmp_path: chats, topics, migration, persistence, isolation."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from tinydb import TinyDB

from storage.tinydb.chats import LAST_SEEN_EVERY, ChatStore
from storage.tinydb.safe import SafeJSONStorage

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path):
    s = ChatStore(tmp_path / "chats", shards=4)
    yield s
    s.close()


def reopen(tmp_path, shards: int = 4) -> ChatStore:
    return ChatStore(tmp_path / "chats", shards=shards)


def test_ensure_chat_creates_with_defaults_then_refreshes(store):
    row = store.ensure_chat(42, "private", "Ann", NOW)
    assert (row.chat_id, row.type, row.title, row.tz, row.quiet, row.digest, row.paused) == \
        (42, "private", "Ann", "UTC", None, None, False)
    assert row.created == row.last_seen == "2026-11-28T12:00:00+00:00" and row.last_digest is None
    assert store.get_chat(42) == row and len(store) == 1 and 42 in store
    # A message a minute later writes nothing (last_seen is coarse); a new title is written.
    same = store.ensure_chat(42, "private", "Ann", NOW + timedelta(minutes=1))
    assert same.last_seen == row.last_seen
    later = store.ensure_chat(42, "private", "Ann B", NOW + LAST_SEEN_EVERY)
    assert later.title == "Ann B" and later.last_seen == "2026-11-28T13:00:00+00:00"
    with pytest.raises(ValueError):
        store.ensure_chat(7, "forum", "x", NOW)


def test_unchanged_ensure_chat_does_not_write(store, tmp_path):
    store.ensure_chat(42, "private", "Ann", NOW)
    path = next((tmp_path / "chats").glob("chats-*.json"))
    before = path.stat().st_mtime_ns, path.read_bytes()
    time.sleep(0.01)
    store.ensure_chat(42, "private", "Ann", NOW + timedelta(minutes=5))
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_paused_is_cleared_when_the_chat_writes_again(store):
    store.ensure_chat(5, "private", "Bo", NOW)
    assert store.update_chat(5, paused=True).paused
    assert store.is_paused(5)
    assert not store.ensure_chat(5, "private", "Bo", NOW + timedelta(minutes=1)).paused
    assert not store.is_paused(5)


def test_update_chat_fields_and_unknowns(store):
    store.ensure_chat(1, "group", "G", NOW)
    row = store.update_chat(1, tz="Europe/Berlin", quiet=("22:00", "07:00"),
                            digest={"kind": "weekly", "day": 0, "time": "08:00"}, last_digest=NOW,
                            prefs={"lang": "en"})
    assert row.tz == "Europe/Berlin" and row.quiet == ("22:00", "07:00")
    assert row.digest == {"kind": "weekly", "day": 0, "time": "08:00"}
    assert row.last_digest == "2026-11-28T12:00:00+00:00" and row.prefs == {"lang": "en"}
    row.prefs["lang"] = "changed by a caller"  # rows are copies: the store is not affected
    assert store.get_chat(1).prefs == {"lang": "en"}
    with pytest.raises(ValueError):
        store.update_chat(1, chat_id=2)
    assert store.update_chat(999, tz="UTC") is None
    assert store.update_chat(1, quiet=None).quiet is None


def test_topics_numbered_per_chat_and_never_reused(store):
    store.ensure_chat(1, "private", "A", NOW)
    store.ensure_chat(2, "private", "B", NOW)
    t1 = store.add_topic(1, "Flynn", "Flynn", NOW)
    t2 = store.add_topic(1, "Syria OR Iran", "Syria OR Iran", NOW, mode="digest")
    u1 = store.add_topic(2, "Kislyak", "Kislyak", NOW)
    assert (t1.topic_id, t2.topic_id, u1.topic_id) == (1, 2, 1)
    assert t2.mode == "digest" and t1.muted_until is None and t1.created == "2026-11-28T12:00:00+00:00"
    assert store.remove_topic(1, 2) == t2
    assert store.add_topic(1, "Mueller", "Mueller", NOW).topic_id == 3  # 2 is not reused
    assert [t.topic_id for t in store.topics(1)] == [1, 3]
    assert store.count_topics(1) == 2 and store.count_topics(2) == 1 and store.count_topics(99) == 0
    assert sorted((t.chat_id, t.topic_id) for t in store.all_topics()) == [(1, 1), (1, 3), (2, 1)]
    with pytest.raises(KeyError):
        store.add_topic(99, "x", "x", NOW)
    with pytest.raises(ValueError):
        store.add_topic(1, "x", "x", NOW, mode="sometimes")


def test_topic_operations_stay_inside_their_chat(store):
    store.ensure_chat(1, "private", "A", NOW)
    store.ensure_chat(2, "private", "B", NOW)
    store.add_topic(1, "Flynn", "Flynn", NOW)
    theirs = store.add_topic(2, "Kislyak", "Kislyak", NOW)
    # Chat 1 has no topic 2 of its own... and chat 2's topic 1 is not chat 1's topic 1.
    assert store.get_topic(1, 2) is None and store.remove_topic(1, 2) is None
    assert store.set_topic(1, 2, mode="digest") is None
    store.set_topic(1, 1, muted_until=NOW + timedelta(days=1))
    assert store.get_topic(2, 1) == theirs


def test_set_topic(store):
    store.ensure_chat(1, "private", "A", NOW)
    store.add_topic(1, "Flynn", "Flynn", NOW)
    row = store.set_topic(1, 1, mode="digest", muted_until=NOW + timedelta(hours=24))
    assert row.mode == "digest" and row.muted_until == "2026-11-29T12:00:00+00:00"
    assert row.muted(NOW) and not row.muted(NOW + timedelta(hours=24))
    assert store.set_topic(1, 1, muted_until=None).muted_until is None
    with pytest.raises(ValueError):
        store.set_topic(1, 1, topic_id=5)
    with pytest.raises(ValueError):
        store.set_topic(1, 1, mode="loud")


def test_forget_chat_removes_chat_and_topics(store, tmp_path):
    store.ensure_chat(1, "private", "A", NOW)
    store.ensure_chat(2, "private", "B", NOW)
    store.add_topic(1, "Flynn", "Flynn", NOW)
    store.add_topic(2, "Kislyak", "Kislyak", NOW)
    gone = store.forget_chat(1)
    assert gone["chat_id"] == 1 and [t["text"] for t in gone["topics"]] == ["Flynn"]
    assert store.get_chat(1) is None and store.topics(1) == [] and store.forget_chat(1) is None
    assert [t.text for t in store.all_topics()] == ["Kislyak"]
    again = reopen(tmp_path)
    assert again.get_chat(1) is None and again.get_chat(2) is not None
    assert "Flynn" not in "".join(p.read_text() for p in (tmp_path / "chats").glob("*.json"))


def test_persistence_across_reopen_and_shard_count_change(tmp_path):
    store = ChatStore(tmp_path / "chats", shards=4)
    for chat_id in (1, 2, 3, -1001234567890):
        store.ensure_chat(chat_id, "private" if chat_id > 0 else "supergroup", f"c{chat_id}", NOW)
        store.add_topic(chat_id, f"Topic {chat_id}", f"Topic {chat_id}", NOW)
    store.update_chat(2, tz="Asia/Tokyo")
    store.close()
    # Chats stay in the file they were found in, whatever the shard count now is.
    for shards in (4, 7, 1):
        again = ChatStore(tmp_path / "chats", shards=shards)
        assert len(again) == 4 and again.get_chat(2).tz == "Asia/Tokyo"
        assert again.topics(-1001234567890)[0].text == "Topic -1001234567890"
        again.close()
    again = ChatStore(tmp_path / "chats", shards=1)
    again.add_topic(3, "Second", "Second", NOW)
    assert again.add_topic(3, "Third", "Third", NOW).topic_id == 3
    again.close()
    assert [t.topic_id for t in ChatStore(tmp_path / "chats").topics(3)] == [1, 2, 3]


def test_files_are_plain_tinydb(tmp_path, store):
    store.ensure_chat(7, "private", "A", NOW)
    store.add_topic(7, '"Robert Mueller" -sport', '"Robert Mueller" -sport', NOW)
    path = next((tmp_path / "chats").glob("chats-*.json"))
    json.loads(path.read_text())  # valid JSON
    db = TinyDB(path, storage=SafeJSONStorage, readonly=True)
    docs = db.table("chats").all()
    assert docs[0]["chat_id"] == 7 and docs[0]["topics"][0]["text"] == '"Robert Mueller" -sport'


def test_readonly_store_reads_and_refuses_writes(tmp_path, store):
    store.ensure_chat(7, "private", "A", NOW)
    reader = ChatStore(tmp_path / "chats", readonly=True)
    assert reader.get_chat(7).title == "A"
    with pytest.raises(PermissionError):
        reader.ensure_chat(8, "private", "B", NOW)
    assert reader.get_chat(8) is None


def test_failed_write_changes_nothing(store, monkeypatch):
    store.ensure_chat(1, "private", "A", NOW)
    store.add_topic(1, "Flynn", "Flynn", NOW)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("storage.tinydb.safe.atomic_write", boom)
    with pytest.raises(OSError):
        store.add_topic(1, "Kislyak", "Kislyak", NOW)
    with pytest.raises(OSError):
        store.forget_chat(1)
    monkeypatch.undo()
    assert [t.text for t in store.topics(1)] == ["Flynn"]
    assert store.add_topic(1, "Kislyak", "Kislyak", NOW).topic_id == 2


def test_migrate_group_to_supergroup(store, tmp_path):
    store.ensure_chat(-100, "group", "Team", NOW)
    store.update_chat(-100, tz="Europe/Paris")
    store.add_topic(-100, "Flynn", "Flynn", NOW)
    row = store.migrate_chat(-100, -1009999)
    assert row.chat_id == -1009999 and row.type == "supergroup" and row.tz == "Europe/Paris"
    assert store.get_chat(-100) is None and [t.chat_id for t in store.topics(-1009999)] == [-1009999]
    assert store.migrate_chat(-100, -1009999) is None  # already done
    assert reopen(tmp_path).topics(-1009999)[0].text == "Flynn"
    # The next topic number carries over.
    assert store.add_topic(-1009999, "Kislyak", "Kislyak", NOW).topic_id == 2


@pytest.mark.parametrize("old_id, new_id", [(-100, -1009999), (-100, -1000004)])  # other shard / same shard
def test_migrate_into_a_chat_that_already_wrote(tmp_path, old_id, new_id):
    store = ChatStore(tmp_path / "chats", shards=4)
    store.ensure_chat(old_id, "group", "Team", NOW)
    store.update_chat(old_id, tz="Europe/Paris")
    store.add_topic(old_id, "Flynn", "Flynn", NOW)
    store.add_topic(old_id, "Iran", "Iran", NOW)
    store.ensure_chat(new_id, "supergroup", "Team (new)", NOW + timedelta(hours=2))
    store.add_topic(new_id, "Iran", "Iran", NOW)
    store.add_topic(new_id, "Kislyak", "Kislyak", NOW)
    row = store.migrate_chat(old_id, new_id)
    assert row.tz == "Europe/Paris" and row.title == "Team (new)" and row.type == "supergroup"
    assert [(t.topic_id, t.text) for t in store.topics(new_id)] == [(1, "Flynn"), (2, "Iran"), (3, "Kislyak")]
    assert store.get_chat(old_id) is None
    store.close()
    again = ChatStore(tmp_path / "chats", shards=4)
    assert len(again) == 1 and [t.text for t in again.topics(new_id)] == ["Flynn", "Iran", "Kislyak"]


def test_temp_files_of_interrupted_writes_are_cleared(tmp_path):
    (tmp_path / "chats").mkdir()
    (tmp_path / "chats" / ".chats-01.json.abc.tmp").write_text("{")
    ChatStore(tmp_path / "chats")
    assert not list((tmp_path / "chats").glob("*.tmp"))
