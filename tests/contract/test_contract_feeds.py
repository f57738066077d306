"""FeedStore as storage.contract states it: feed sources by id and key, batch saves, admin notices."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage.contract import AdminNotice, FeedState

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)


def feed(n: int, **over) -> FeedState:
    values = {"id": f"f{n}", "url": f"https://site{n}.example/feed.xml", "key": f"site{n}.example/feed.xml",
              "name": f"Site {n}", "tags": ["news"], "added_at": T0 + timedelta(minutes=n)}
    values.update(over)
    return FeedState(**values)


def notice(kind: str, text: str) -> AdminNotice:
    return AdminNotice(id=0, at=T0, kind=kind, text=text, feed_url="https://site1.example/feed.xml")


def test_add_get_and_get_by_key(engine):
    feeds = engine.feeds
    feeds.add(feed(1))
    assert len(feeds) == 1 and feeds.get("f1") == feed(1)
    assert feeds.get_by_key("site1.example/feed.xml").id == "f1"
    assert feeds.get("f9") is None and feeds.get_by_key("nowhere") is None
    with pytest.raises(ValueError):
        feeds.add(feed(1, name="again"))
    assert feeds.get("f1").name == "Site 1"


def test_all_is_oldest_added_first_and_an_import_keeps_its_order(engine):
    feeds = engine.feeds
    feeds.add(feed(5))
    feeds.add_many([feed(n, added_at=T0) for n in (3, 1, 2)])
    assert [f.id for f in feeds.all()] == ["f3", "f1", "f2", "f5"]


def test_save_upserts_and_save_many_leaves_removed_feeds_removed(engine):
    feeds = engine.feeds
    feeds.add_many([feed(1), feed(2)])
    feeds.save(feed(3))
    feeds.save(feed(1, failures=2))
    assert feeds.get("f1").failures == 2 and feeds.get("f3") is not None
    feeds.remove("f2")
    feeds.save_many([feed(1, etag='"v2"', last_checked=T0), feed(2, failures=9)])
    assert feeds.get("f1").etag == '"v2"' and feeds.get("f1").last_checked == T0
    assert feeds.get("f2") is None and len(feeds) == 2
    feeds.save_many([])


def test_remove_and_remove_many_count(engine):
    feeds = engine.feeds
    feeds.add_many([feed(n) for n in range(1, 5)])
    assert feeds.remove("f1") is True and feeds.remove("f1") is False
    assert feeds.remove_many(["f2", "f3", "f404"]) == 2 and feeds.remove_many([]) == 0
    assert [f.id for f in feeds.all()] == ["f4"]


def test_feed_states_survive_reopen_with_aware_times(engines):
    engine = engines.open()
    polled = feed(1, last_success=T0 + timedelta(hours=1), next_poll=T0 + timedelta(hours=2), failures=0,
                  last_modified="Sat, 28 Nov 2026 09:00:00 GMT", entries=12, articles=30, site_url="https://site1.example/")
    engine.feeds.add(polled)
    engine.feeds.add(feed(2, failing=True, last_error="HTTP 500", last_error_at=T0))
    again = engines.reopen(engine)
    assert again.feeds.get("f1") == polled and again.feeds.get("f2").failing
    assert again.feeds.get("f1").next_poll.tzinfo is not None


def test_notices_get_distinct_increasing_ids_and_stay_pending_until_delivered(engine):
    feeds = engine.feeds
    stored = feeds.add_notices([notice("failing", "Site 1 fails"), notice("gone", "Site 2 is gone")])
    ids = [n.id for n in stored]
    assert ids == sorted(ids) and len(set(ids)) == 2
    more = feeds.add_notices([notice("recovered", "Site 1 is back")])
    assert more[0].id > ids[-1] and feeds.add_notices([]) == []
    assert [n.text for n in feeds.pending_notices()] == ["Site 1 fails", "Site 2 is gone", "Site 1 is back"]
    feeds.mark_delivered([ids[0], 999])
    pending = feeds.pending_notices()
    assert [n.id for n in pending] == [ids[1], more[0].id] and not any(n.delivered for n in pending)
    assert pending[0].kind == "gone" and pending[0].at == T0


def test_delivered_notices_stay_delivered_after_reopen(engines):
    engine = engines.open()
    first, second = engine.feeds.add_notices([notice("failing", "one"), notice("gone", "two")])
    engine.feeds.mark_delivered([first.id])
    again = engines.reopen(engine)
    assert [n.text for n in again.feeds.pending_notices()] == ["two"]
