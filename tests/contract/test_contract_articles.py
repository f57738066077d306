"""ArticleStore as storage.contract states it: batches, duplicates, lookups, orders, retention, reopen."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from storage.contract import BatchResult, Entry

DAY = 86400.0


def ts(day: int, hour: int = 8) -> float:
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc).timestamp()


def at(day: int, hour: int = 8) -> str:
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc).isoformat()


def doc(n: int, **over) -> dict:
    base = {"id": f"a{n}", "url": f"https://news.example/{n}", "fingerprint": f"fp{n}", "title": f"Title {n}",
            "text": f"Body {n}. " * 10, "published": at(1 + n % 20), "fetched_at": at(25, 10),
            "keys": ["flynn"] if n % 2 else ["mueller"]}
    base.update(over)
    return base


def test_a_new_batch_is_added_and_readable(engine):
    articles = engine.articles
    result = articles.add_batch([doc(1), doc(2), doc(3)])
    assert isinstance(result, BatchResult)
    assert result.added == ["a1", "a2", "a3"] and result.updated == [] and result.unchanged == []
    assert result.changed == ["a1", "a2", "a3"] and set(result.stored) == {"a1", "a2", "a3"}
    assert len(articles) == 3 and "a2" in articles and "a9" not in articles
    assert articles.get("a2")["text"] == doc(2)["text"] and articles.get("a9") is None


def test_documents_handed_out_are_copies(engine):
    engine.articles.add_batch([doc(1)])
    got = engine.articles.get("a1")
    got["title"] = "changed by the caller"
    assert engine.articles.get("a1")["title"] == "Title 1"


def test_same_document_again_is_unchanged_and_a_newer_field_updates(engine):
    articles = engine.articles
    articles.add_batch([doc(1), doc(2)])
    again = articles.add_batch([doc(1)])
    assert again.added == [] and again.updated == [] and again.unchanged == ["a1"]
    newer = articles.add_batch([doc(2, title="Title 2, updated")])
    assert newer.updated == ["a2"] and newer.stored["a2"]["title"] == "Title 2, updated"
    assert articles.get("a2")["title"] == "Title 2, updated" and len(articles) == 2


def test_a_duplicate_by_canonical_url_merges_into_the_stored_article(engine):
    articles = engine.articles
    articles.add_batch([doc(1)])
    result = articles.add_batch([{"id": "other", "url": "https://news.example/1", "title": "Better title",
                                  "fetched_at": at(26)}])
    assert result.updated == ["a1"] and result.added == []
    assert "other" not in articles and len(articles) == 1
    assert articles.get_by_url("https://news.example/1")["title"] == "Better title"


def test_a_duplicate_by_fingerprint_merges_into_the_stored_article(engine):
    articles = engine.articles
    articles.add_batch([doc(1)])
    result = articles.add_batch([{"id": "syndicated", "url": "https://mirror.example/x", "fingerprint": "fp1",
                                  "title": "Title 1", "fetched_at": at(26)}])
    assert result.updated == ["a1"] and len(articles) == 1
    assert articles.get_by_fingerprint("fp1")["id"] == "a1"
    assert articles.get_by_url("https://mirror.example/x")["id"] == "a1"  # the newer url field won


def test_duplicates_inside_one_batch_resolve_to_one_article(engine):
    result = engine.articles.add_batch([doc(1), doc(1, id="b1", title="Second spelling"),
                                        {"id": "c1", "url": "https://news.example/1", "fetched_at": at(26)}])
    assert result.added == ["a1"] and result.updated == [] and result.unchanged == [] and len(engine.articles) == 1
    assert engine.articles.get("a1")["title"] == "Second spelling"


def test_merge_keeps_first_fetch_ignores_empty_fields_and_pinned_is_sticky(engine):
    articles = engine.articles
    articles.add_batch([doc(1, pinned=True, source="wire")])
    articles.add_batch([doc(1, fetched_at=at(27), source="", title="New title", pinned=False)])
    stored = articles.get("a1")
    assert stored["fetched_at"] == at(25, 10) and stored["source"] == "wire"
    assert stored["title"] == "New title" and stored["pinned"] is True


def test_entry_carries_the_index_fields(engines):
    engine = engines.open(fold_title=str.upper)
    engine.articles.add_batch([doc(1, story_id="s1", pinned=True), doc(2, published="")])
    entry = engine.articles.entry("a1")
    assert isinstance(entry, Entry)
    assert (entry.id, entry.url, entry.fingerprint) == ("a1", "https://news.example/1", "fp1")
    assert entry.published == datetime.fromisoformat(at(2)).timestamp() and entry.fetched == ts(25, 10)
    assert entry.title_folded == "TITLE 1" and entry.pinned and entry.story_id == "s1"
    no_date = engine.articles.entry("a2")
    assert no_date.published == no_date.fetched == ts(25, 10) and not no_date.pinned
    assert engine.articles.entry("missing") is None


def test_entry_by_url_and_fingerprint(engine):
    engine.articles.add_batch([doc(1)])
    assert engine.articles.entry_by("url", "https://news.example/1").id == "a1"
    assert engine.articles.entry_by("fingerprint", "fp1").id == "a1"
    assert engine.articles.entry_by("url", None) is None and engine.articles.entry_by("fingerprint", "") is None
    assert engine.articles.entry_by("url", "https://news.example/404") is None
    with pytest.raises(KeyError):
        engine.articles.entry_by("title", "Title 1")


def test_by_key_is_newest_published_first_and_limited(engine):
    articles = engine.articles
    articles.add_batch([doc(n, published=at(n)) for n in (1, 3, 5, 7, 2)])
    assert [e.id for e in articles.by_key("flynn")] == ["a7", "a5", "a3", "a1"]
    assert [e.id for e in articles.by_key("flynn", limit=2)] == ["a7", "a5"]
    assert [e.id for e in articles.by_key("mueller")] == ["a2"]
    assert articles.has_key("flynn") and not articles.has_key("nobody") and articles.by_key("nobody") == []


def test_by_key_follows_updates(engine):
    articles = engine.articles
    articles.add_batch([doc(1)])
    articles.add_batch([doc(1, keys=["kislyak"])])
    assert [e.id for e in articles.by_key("kislyak")] == ["a1"] and articles.by_key("flynn") == []


def test_newest_and_recent_orders(engine):
    articles = engine.articles
    articles.add_batch([doc(1, published=at(3), fetched_at=at(20)), doc(2, published=at(5), fetched_at=at(10)),
                        doc(3, published=at(1), fetched_at=at(22))])
    assert [e.id for e in articles.newest()] == ["a2", "a1", "a3"]
    assert [e.id for e in articles.recent(10)] == ["a3", "a1", "a2"]
    assert [e.id for e in articles.recent(2)] == ["a3", "a1"]


def test_docs_follow_the_entries_order(engine):
    articles = engine.articles
    articles.add_batch([doc(n, published=at(n)) for n in range(1, 5)])
    assert [d["id"] for d in articles.docs(articles.newest())] == ["a4", "a3", "a2", "a1"]
    assert [d["id"] for d in articles.docs(articles.recent(2))] == [e.id for e in articles.recent(2)]


def test_fetched_since_reads_only_what_was_fetched_since(engine):
    articles = engine.articles
    articles.add_batch([doc(1, fetched_at=at(10)), doc(2, fetched_at=at(20, 6)), doc(3, fetched_at=at(20, 12)),
                        doc(4, fetched_at=at(24))])
    assert {d["id"] for d in articles.fetched_since(ts(20, 9))} == {"a3", "a4"}
    assert {d["id"] for d in articles.fetched_since(ts(20, 6))} == {"a2", "a3", "a4"}
    assert list(articles.fetched_since(ts(28))) == []


def test_iter_partition_docs_yields_every_document_with_its_text(engine):
    engine.articles.add_batch([doc(n, fetched_at=at(1 + n)) for n in range(6)])
    docs = list(engine.articles.iter_partition_docs())
    assert sorted(d["id"] for d in docs) == [f"a{n}" for n in range(6)] and all(d["text"] for d in docs)
    assert sorted(d["id"] for d in engine.articles.iter_partition_docs(newest_first=False)) == sorted(d["id"] for d in docs)


def test_drop_older_than_keeps_pinned_and_forgets_the_rest(engines):
    engine = engines.open()
    articles = engine.articles
    articles.add_batch([doc(1, fetched_at=at(1)), doc(2, fetched_at=at(1), pinned=True), doc(3, fetched_at=at(2)),
                        doc(4, fetched_at=at(20))])
    assert articles.drop_older_than(ts(10)) == 2
    assert sorted(e.id for e in articles.newest()) == ["a2", "a4"] and len(articles) == 2
    assert articles.get("a1") is None and articles.get_by_url("https://news.example/3") is None
    assert articles.entry_by("fingerprint", "fp1") is None and [e.id for e in articles.by_key("flynn")] == []
    assert articles.get("a2")["pinned"] is True
    again = engines.reopen(engine)
    assert sorted(e.id for e in again.articles.newest()) == ["a2", "a4"]


def test_drop_keeps_the_cutoff_day_itself(engine):
    engine.articles.add_batch([doc(1, fetched_at=at(9, 23)), doc(2, fetched_at=at(10, 0))])
    assert engine.articles.drop_older_than(ts(10, 12)) == 1
    assert "a2" in engine.articles and "a1" not in engine.articles


def test_reopen_keeps_documents_indexes_and_orders(engines):
    engine = engines.open()
    engine.articles.add_batch([doc(n, published=at(n), story_id=f"s{n}") for n in range(1, 8)])
    engine.articles.add_batch([doc(3, published=at(3), story_id="s3", title="Title 3 again")])
    before = [(e.id, e.published, e.fetched, e.story_id) for e in engine.articles.newest()]
    again = engines.reopen(engine)
    articles = again.articles
    assert [(e.id, e.published, e.fetched, e.story_id) for e in articles.newest()] == before
    assert articles.get("a3")["title"] == "Title 3 again" and articles.get_by_fingerprint("fp5")["id"] == "a5"
    assert [e.id for e in articles.by_key("flynn")] == ["a7", "a5", "a3", "a1"]
    assert articles.add_batch([doc(4, published=at(4), story_id="s4")]).unchanged == ["a4"]


def test_a_readonly_engine_reads_and_refuses_writes(engines):
    writer = engines.open()
    writer.articles.add_batch([doc(1), doc(2)])
    reader = engines.open(readonly=True)
    assert reader.readonly and reader.articles.readonly and not writer.readonly
    assert reader.articles.get("a1")["id"] == "a1" and len(reader.articles) == 2
    with pytest.raises(PermissionError):
        reader.articles.add_batch([doc(3)])
    with pytest.raises(PermissionError):
        reader.articles.drop_older_than(ts(28))


class Recorder:
    """An Indexer that remembers what it was told."""

    def __init__(self) -> None:
        self.live: dict[str, str] = {}
        self.removed: list[str] = []

    def add(self, entry: Entry, doc: dict) -> None:
        self.live[entry.id] = doc["title"]

    def remove(self, entry: Entry) -> None:
        self.live.pop(entry.id, None)
        self.removed.append(entry.id)


def test_indexers_hear_of_every_document_written_dropped_and_reopened(engines):
    first = Recorder()
    engine = engines.open(indexers=[first])
    engine.articles.add_batch([doc(1, fetched_at=at(1)), doc(2, fetched_at=at(20))])
    assert first.live == {"a1": "Title 1", "a2": "Title 2"}
    engine.articles.add_batch([doc(2, title="Retitled", fetched_at=at(20))])
    assert first.live["a2"] == "Retitled"
    engine.articles.drop_older_than(ts(10))
    assert first.live == {"a2": "Retitled"} and "a1" in first.removed
    second = Recorder()
    engines.reopen(engine, indexers=[second])
    assert second.live == {"a2": "Retitled"}
