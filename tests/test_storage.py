"""The store: crash-safe TinyDB storage, partitioned articles with indexes, lock, schema, retention."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest
from tinydb import TinyDB
from tinydb.storages import JSONStorage

import storage.tinydb.articles.partitions as partitions_mod
import storage.tinydb.safe
import storage.tinydb.schema as schema_mod
from storage.tinydb import SCHEMA_VERSION, CorruptFile, SafeJSONStorage, SchemaTooNew, Store, StoreLocked
from storage.tinydb.articles import ArticleStore, merge
from storage.tinydb.safe import read_document


def doc(n: int, **over) -> dict:
    base = {
        "id": f"id{n:04d}", "url": f"https://news.example/{n}", "fingerprint": f"fp{n}", "title": f"Title {n}",
        "text": f"Body of article {n}. " * 20, "source": "test", "published": f"2026-11-{1 + n % 27:02d}T08:00:00+00:00",
        "fetched_at": "2026-11-28T10:00:00+00:00", "keys": ["flynn"] if n % 2 else ["mueller"],
    }
    base.update(over)
    return base


# ---- SafeJSONStorage -----------------------------------------------------------------------------


def test_safe_storage_is_tinydb_compatible_and_valid_json(tmp_path):
    path = tmp_path / "db.json"
    db = TinyDB(path, storage=SafeJSONStorage)
    db.table("chats").insert_multiple([{"chat": 1, "name": "Zoë \"quoted\"\nline"}, {"chat": 2}])
    db.table("empty")
    db.table("topics").insert({"t": "Flynn"})
    db.close()
    # Plain json and plain TinyDB (its own JSONStorage) read the file we wrote.
    data = json.loads(path.read_text("utf-8"))
    assert data["chats"]["1"]["name"] == "Zoë \"quoted\"\nline"
    plain = TinyDB(path, storage=JSONStorage)
    assert [d["chat"] for d in plain.table("chats").all()] == [1, 2]
    plain.close()
    again = TinyDB(path, storage=SafeJSONStorage)
    assert again.table("topics").all()[0]["t"] == "Flynn"


def test_offsets_point_at_each_document(tmp_path):
    path = tmp_path / "p.json"
    storage = SafeJSONStorage(path)
    data = {"articles": {"1": {"id": "a", "text": "ünïcode ✓"}, "2": {"id": "b"}}, "x": {}}
    storage.write(data)
    for doc_id, (offset, length) in storage.offsets["articles"].items():
        assert read_document(path, offset, length) == data["articles"][doc_id]
    fresh = SafeJSONStorage(path)
    assert fresh.read() == data
    assert fresh.offsets["articles"] == storage.offsets["articles"]


def test_readonly_storage_refuses_to_write(tmp_path):
    storage = SafeJSONStorage(tmp_path / "r.json", readonly=True)
    with pytest.raises(PermissionError):
        storage.write({"t": {}})
    assert not (tmp_path / "r.json").exists()


def test_corrupt_file_is_reported_not_guessed(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"articles": {"1": {"id": ')
    with pytest.raises(CorruptFile):
        SafeJSONStorage(path).read()


def test_failed_write_keeps_old_file_and_forgets_cache(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    storage = SafeJSONStorage(path)
    storage.write({"t": {"1": {"v": 1}}})
    data = storage.read()
    data["t"]["1"] = {"v": 2}  # TinyDB mutates what read() returned, then calls write()

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        storage.write(data)
    monkeypatch.undo()
    assert storage.read() == {"t": {"1": {"v": 1}}}  # the truth on disk, not the mutated cache
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---- ArticleStore --------------------------------------------------------------------------------


def test_add_get_and_reopen(tmp_path):
    store = ArticleStore(tmp_path)
    result = store.add_batch([doc(i) for i in range(10)])
    assert result.added == [f"id{i:04d}" for i in range(10)]
    assert store.get("id0003")["title"] == "Title 3"
    assert store.get_by_url("https://news.example/4")["id"] == "id0004"
    assert store.get_by_fingerprint("fp5")["id"] == "id0005"
    assert store.get("nope") is None
    reopened = ArticleStore(tmp_path)
    assert len(reopened) == 10
    assert reopened.get("id0009") == store.get("id0009")


def test_duplicates_by_url_fingerprint_or_id_merge_newer_fields(tmp_path):
    store = ArticleStore(tmp_path)
    store.add_batch([doc(1), doc(2)])
    result = store.add_batch([
        doc(1, id="other1", title="Newer title", fetched_at="2026-12-01T00:00:00+00:00"),  # same URL
        doc(2, id="other2", url="https://elsewhere/2", summary=["s"]),  # same fingerprint
        doc(3), doc(3, title=""),  # a duplicate inside the batch; empty fields never win
    ])
    assert result.updated == ["id0001", "id0002"]
    assert result.added == ["id0003"]
    assert len(store) == 3
    one = store.get("id0001")
    assert one["title"] == "Newer title" and one["fetched_at"] == "2026-11-28T10:00:00+00:00"
    two = store.get("id0002")
    assert two["url"] == "https://elsewhere/2" and two["summary"] == ["s"]
    assert store.get_by_url("https://elsewhere/2")["id"] == "id0002"
    assert store.get_by_url("https://news.example/2") is None
    assert store.get("id0003")["title"] == "Title 3"
    again = store.add_batch([doc(3)])
    assert again.unchanged == ["id0003"] and not again.changed


def test_merge_rules():
    assert merge({"id": "a", "t": "x", "pinned": True}, {"id": "b", "t": "", "u": 1}) == {"id": "a", "t": "x", "pinned": True, "u": 1}


def test_by_key_is_newest_first_and_follows_updates(tmp_path):
    store = ArticleStore(tmp_path)
    store.add_batch([doc(i) for i in range(1, 9)])
    flynn = [e.id for e in store.by_key("flynn")]
    assert flynn == ["id0007", "id0005", "id0003", "id0001"]
    assert [e.id for e in store.by_key("flynn", limit=2)] == ["id0007", "id0005"]
    store.add_batch([doc(7, keys=["mueller"])])
    assert "id0007" not in [e.id for e in store.by_key("flynn")]
    assert "id0007" in [e.id for e in store.by_key("mueller")]
    assert store.by_key("nobody") == []


def test_partitions_roll_over_and_writes_touch_one_partition(tmp_path, monkeypatch):
    monkeypatch.setattr(partitions_mod, "PARTITION_SIZE", 5)
    store = ArticleStore(tmp_path)
    store.add_batch([doc(i) for i in range(12)])
    assert store.partitions() == ["2026-11-28.json", "2026-11-28~1.json", "2026-11-28~2.json"]
    before = {p: (tmp_path / p).stat().st_mtime_ns for p in store.partitions()}
    store.add_batch([doc(2, title="changed")])
    after = {p: (tmp_path / p).stat().st_mtime_ns for p in store.partitions()}
    assert [p for p in before if before[p] != after[p]] == ["2026-11-28.json"]
    assert ArticleStore(tmp_path).get("id0002")["title"] == "changed"


def test_reader_survives_writer_rewriting_a_partition(tmp_path):
    writer = ArticleStore(tmp_path)
    writer.add_batch([doc(i) for i in range(5)])
    reader = ArticleStore(tmp_path, readonly=True)
    writer.add_batch([doc(0, text="A much longer body that moves every later document. " * 50)])
    assert reader.get("id0004")["id"] == "id0004"  # stale offsets are detected and the partition rescanned
    assert reader.get("id0000")["text"].startswith("A much longer body")
    with pytest.raises(PermissionError):
        reader.add_batch([doc(9)])


def test_retention_drops_old_days_but_keeps_pinned(tmp_path):
    store = ArticleStore(tmp_path)
    store.add_batch([doc(1, fetched_at="2026-08-01T00:00:00+00:00"),
                     doc(2, fetched_at="2026-08-01T00:00:00+00:00", pinned=True),
                     doc(3, fetched_at="2026-07-01T00:00:00+00:00"),
                     doc(4, fetched_at="2026-11-27T00:00:00+00:00")])
    cutoff = datetime(2026, 9, 1, tzinfo=timezone.utc).timestamp()
    assert store.drop_older_than(cutoff) == 2
    assert sorted(e.id for e in store.newest()) == ["id0002", "id0004"]
    assert store.get("id0001") is None and store.get_by_url("https://news.example/3") is None
    assert "2026-07-01.json" not in store.partitions()
    assert [e.id for e in store.by_key("mueller")] == ["id0004", "id0002"]
    reopened = ArticleStore(tmp_path)
    assert sorted(e.id for e in reopened.newest()) == ["id0002", "id0004"]


def test_plain_tinydb_partition_is_adopted(tmp_path):
    db = TinyDB(tmp_path / "2026-11-01.json", storage=JSONStorage)
    db.table("articles").insert(doc(1))
    db.close()
    store = ArticleStore(tmp_path)
    assert store.get("id0001")["title"] == "Title 1"
    assert store.entry("id0001").offset >= 0  # rewritten in the line layout


# ---- Store: lock and schema ----------------------------------------------------------------------


def test_one_writer_per_directory_readers_welcome(tmp_path):
    first = Store.open(tmp_path)
    first.articles.add_batch([doc(1)])
    with pytest.raises(StoreLocked) as info:
        Store.open(tmp_path)
    assert str(os.getpid()) in str(info.value) and "Read-only commands" in str(info.value)
    reader = Store.open(tmp_path, readonly=True)
    assert reader.articles.get("id0001")["title"] == "Title 1"
    reader.close()
    first.close()
    Store.open(tmp_path).close()  # released on close


def test_schema_is_stamped_and_newer_refused(tmp_path):
    Store.open(tmp_path).close()
    store = Store.open(tmp_path)
    assert store.state.get_meta("schema") == SCHEMA_VERSION
    store.state.set_meta("schema", SCHEMA_VERSION + 1)
    store.close()
    with pytest.raises(SchemaTooNew, match="newer newsbot"):
        Store.open(tmp_path)
    with pytest.raises(SchemaTooNew):
        Store.open(tmp_path, readonly=True)


def test_older_schema_is_migrated_step_by_step(tmp_path, monkeypatch):
    ArticleStore(tmp_path / "articles").add_batch([doc(1)])  # a pre-versioning directory: version 0
    ran = []
    monkeypatch.setattr(schema_mod, "SCHEMA_VERSION", 3)
    monkeypatch.setattr("storage.tinydb.SCHEMA_VERSION", 3)
    monkeypatch.setattr(schema_mod, "MIGRATIONS", {
        0: lambda d: ran.append((0, d)), 1: lambda d: ran.append((1, d)), 2: lambda d: ran.append((2, d))})
    monkeypatch.setattr("storage.tinydb.MIGRATIONS", schema_mod.MIGRATIONS)
    store = Store.open(tmp_path)
    assert [v for v, _ in ran] == [0, 1, 2]
    assert store.state.get_meta("schema") == 3
    assert store.articles.get("id0001")
    store.close()
    ran.clear()
    Store.open(tmp_path).close()
    assert ran == []


def test_heavy_fields_are_written_last_and_skipped_at_open(tmp_path, monkeypatch):
    store = ArticleStore(tmp_path)
    store.add_batch([doc(1, summary=["One."], summaries={"full": ["One."]}), doc(2)])
    line = next(l for l in (tmp_path / "2026-11-28.json").read_text().splitlines() if '"id0001"' in l)
    assert line.index('"fetched_at"') < line.index('"text"') < line.index('"summary"') < line.index('"summaries"')
    decoded = []
    real_loads, real_decode = json.loads, storage.tinydb.safe._DECODE
    monkeypatch.setattr(json, "loads", lambda b, *a, **k: decoded.append(b) or real_loads(b, *a, **k))
    monkeypatch.setattr(storage.tinydb.safe, "_DECODE", lambda text: decoded.append(text) or real_decode(text))
    reopened = ArticleStore(tmp_path)
    monkeypatch.undo()
    assert decoded, "nothing was decoded at all: the check below would prove nothing"
    assert not any(b"Body of article" in (d if isinstance(d, bytes) else d.encode()) for d in decoded)
    assert reopened.get("id0001")["text"].startswith("Body of article 1") and reopened.get("id0001")["summary"] == ["One."]
    assert [e.id for e in reopened.by_key("flynn")] == ["id0001"]


def test_documents_in_an_older_field_order_still_index(tmp_path):
    old_order = {"id": "old1", "title": "Old", "text": "Text first, as older versions wrote it.",
                 "url": "https://old.example/1", "fingerprint": "fpold", "published": "2026-01-01T00:00:00+00:00",
                 "fetched_at": "2026-11-01T00:00:00+00:00", "keys": ["kislyak"]}
    SafeJSONStorage(tmp_path / "2026-11-01.json").write({"articles": {"1": old_order}})
    store = ArticleStore(tmp_path)
    assert store.get_by_url("https://old.example/1")["text"].startswith("Text first")
    assert [e.id for e in store.by_key("kislyak")] == ["old1"] and store.entry("old1").fetched > 0
