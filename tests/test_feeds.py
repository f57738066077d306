"""Feed sources end to end over real sockets: FeedStore, add / list / remove, polling with full text and
conditional GET, health (backoff, failing, 410), server hints (ttl, max-age, Retry-After), isolation of
failing feeds. A local HTTP server on 127.0.0.1, a store in tmp_path, time passed in as `now`."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import pytest

from bot.services.intake import Intake
from bot.services.feeds import (
    FeedService, Schedule, cache_max_age, feed_id, feed_key, feed_ttl, is_due, is_teaser, record_failure,
    record_success,
)
from bot.sources.fetch import AddressPolicy, Fetcher
from storage.tinydb import Store
from storage.tinydb.feeds import AdminNotice, FeedState, FeedStore
from tests.httpfixtures import Route

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
WORDS = ("Michael Flynn told associates on Tuesday that he had spoken with the Russian ambassador about "
         "sanctions, Syria and Iran, according to officials familiar with the matter. ").split()


def body_text(n: int | str, words: int = 120) -> str:
    """A full-text entry body, unique per n."""
    shift = sum(map(ord, str(n)))
    out = [f"Story{n}"] + [WORDS[(i * 7 + shift) % len(WORDS)] for i in range(words)]
    return " ".join(out) + "."


def rss(title: str, items: list[dict], extra: str = "") -> bytes:
    parts = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
             f"<link>http://news.example/</link>{extra}"]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "guid"):
            if item.get(key):
                parts.append(f"<{key}>{item[key]}</{key}>")
        if item.get("description"):
            parts.append(f"<description><![CDATA[{item['description']}]]></description>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def full_items(prefix: str, n: int, base: str = "http://news.example") -> list[dict]:
    return [{"title": f"{prefix} story {i}", "link": f"{base}/{prefix}/{i}", "description": body_text(f"{prefix}{i}")}
            for i in range(n)]


PAGE = ("<html><head><title>Flynn spoke to Kislyak</title></head><body><nav>Home | World | Sport</nav>"
        "<article><h1>Flynn spoke to Kislyak</h1>"
        + "".join(f"<p>Paragraph {i}: Michael Flynn told associates he spoke to Sergey Kislyak, Russia's "
                  f"ambassador, about Syria and Iran and the sanctions, officials said on Tuesday.</p>"
                  for i in range(10))
        + "</article><section class='comments'><h3>Comments</h3><p>Reader comment: fake news!</p></section>"
          "</body></html>").encode()


@pytest.fixture
async def service(library):
    fetcher = Fetcher(policy=AddressPolicy(allow_private=True), deadline=3.0, connect_timeout=2.0, stall_timeout=1.0)
    svc = FeedService(Intake(library), fetcher, schedule=Schedule(interval=60, jitter=0), workers=0)
    yield svc
    await svc.aclose()
    await fetcher.aclose()


def add_state(service: FeedService, url: str, name: str = "", **over) -> FeedState:
    report = service.add_sources([(url, name, over.pop("tags", []))], now=NOW)
    feed = report.added[0]
    for k, v in over.items():
        setattr(feed, k, v)
    service.feeds.save(feed)
    return feed


# ---- FeedStore -------------------------------------------------------------------------------------


def test_feed_store_crud_and_persistence(tmp_path):
    store = Store.open(tmp_path)
    feeds = FeedStore(store.state)
    a = FeedState(id="a1", url="https://a.example/feed", key="a.example/feed", name="A", tags=["world"],
                  added_at=NOW, etag='"x"', next_poll=NOW + timedelta(minutes=5))
    b = FeedState(id="b2", url="https://b.example/rss", key="b.example/rss", added_at=NOW + timedelta(seconds=1))
    feeds.add(a)
    feeds.add_many([b])
    with pytest.raises(ValueError):
        feeds.add(a)
    assert [f.id for f in feeds.all()] == ["a1", "b2"]
    assert feeds.get_by_key("b.example/rss").id == "b2"
    a.failures, a.last_error = 3, "HTTP 500"
    b.articles = 7
    feeds.save_many([a, b])
    feeds.add_notices([AdminNotice(id=0, at=NOW, kind="failing", text="A is failing", feed_url=a.url)])
    store.close()

    store = Store.open(tmp_path)
    feeds = FeedStore(store.state)
    again = feeds.get("a1")
    assert again == a  # every field, datetimes included, survives the round trip
    assert feeds.get("b2").articles == 7
    [notice] = feeds.pending_notices()
    assert notice.kind == "failing" and notice.at == NOW
    feeds.mark_delivered([notice.id])
    assert feeds.pending_notices() == []
    assert feeds.remove("a1") and not feeds.remove("a1")
    assert [f.id for f in feeds.all()] == ["b2"]
    store.close()


def test_feed_key_treats_spellings_of_one_feed_as_one():
    assert feed_key("https://News.Example.com:443/feed/") == feed_key("http://news.example.com/feed")
    assert feed_key("https://news.example.com/feed?cat=2") != feed_key("https://news.example.com/feed?cat=3")
    assert feed_key("ftp://x/feed") is None and feed_key("not a url") is None
    assert len(feed_id(feed_key("https://a/b"))) == 10


# ---- pure scheduling -------------------------------------------------------------------------------


def test_backoff_doubles_from_the_interval_and_caps_at_six_hours():
    s = Schedule(interval=300, jitter=0)
    assert [s.backoff(n) for n in range(1, 9)] == [300, 600, 1200, 2400, 4800, 9600, 19200, 21600]
    assert s.backoff(500) == 6 * 3600
    assert s.after_failure(NOW, 3, u=0.5) == NOW + timedelta(seconds=1200)
    assert s.after_failure(NOW, 30, u=0.99) == NOW + timedelta(hours=6)  # jitter never passes the cap
    assert s.after_failure(NOW, 1, u=0.5, retry_after=4000) == NOW + timedelta(seconds=4000)


def test_jitter_stays_within_ten_percent_and_one_second_minimum():
    s = Schedule(interval=300)
    waits = [(s.after_success(NOW, u) - NOW).total_seconds() for u in (0.0, 0.5, 0.999999)]
    assert waits[0] == pytest.approx(270) and waits[1] == pytest.approx(300) and waits[2] == pytest.approx(330)
    assert (Schedule(interval=1, jitter=0).after_success(NOW, 0.0) - NOW).total_seconds() == 1


def test_server_hints_push_the_next_poll_back_but_are_capped():
    s = Schedule(interval=300, jitter=0)
    assert s.after_success(NOW, 0.5, ttl_minutes=60) == NOW + timedelta(hours=1)
    assert s.after_success(NOW, 0.5, max_age=7200) == NOW + timedelta(hours=2)
    assert s.after_success(NOW, 0.5, retry_after=900, max_age=60) == NOW + timedelta(seconds=900)
    assert s.after_success(NOW, 0.5, ttl_minutes=10**6) == NOW + timedelta(hours=24)
    assert cache_max_age({"cache-control": "public, max-age=600"}) == 600
    assert cache_max_age({"cache-control": "no-cache, max-age=600"}) is None
    assert feed_ttl(b"<rss><channel><ttl> 45 </ttl>") == 45 and feed_ttl(b"<rss/>") is None


def test_failures_mark_failing_once_and_a_success_restores():
    s = Schedule(interval=60, jitter=0)
    feed = FeedState(id="f", url="https://f.example/rss", key="f.example/rss", name="F")
    notices = []
    for n in range(12):
        feed, notice = record_failure(feed, NOW, "HTTP 500", s, 0.5)
        notices += [notice] if notice else []
    assert feed.failing and feed.failures == 12 and len(notices) == 1 and notices[0].kind == "failing"
    assert "failed 10 times in a row" in notices[0].text
    feed, notice = record_success(feed, NOW, s, 0.5)
    assert not feed.failing and feed.failures == 0 and notice.kind == "recovered"
    assert is_due(feed, NOW + timedelta(seconds=60)) and not is_due(feed, NOW + timedelta(seconds=59))


@pytest.mark.parametrize("text, teaser", [
    ("Short.", True),
    (body_text(1, 100), False),
    (body_text(1, 100) + " Read more", True),
    (body_text(1, 100)[:-1] + "…", True),
    (body_text(1, 100) + " [...]", True),
    (body_text(1, 100) + " Continue reading →", True),
    (" ".join(["word"] * 50) + " " + "x" * 500, True),  # long but fewer than 60 words
])
def test_teaser_detection(text, teaser):
    assert is_teaser(text) is teaser


# ---- add / list / remove ---------------------------------------------------------------------------


async def test_add_names_from_title_and_refuses_duplicates(service, http_server):
    http_server.route("/feed.xml", Route(body=rss("Example World News", full_items("a", 3))))
    result = await service.add_feed(http_server.url("/feed.xml"), now=NOW)
    assert result.ok and result.feed.name == "Example World News" and result.entries == 3
    again = await service.add_feed(http_server.url("/feed.xml/").replace("http://", "HTTP://"), now=NOW)
    assert again.status == "duplicate" and "already a source" in again.error
    named = await service.add_feed(http_server.url("/feed.xml?x=1"), name="My name", tags=["world"], now=NOW)
    assert named.ok and named.feed.name == "My name" and named.feed.tags == ["world"]
    assert [f.name for f in service.list_feeds()] == ["Example World News", "My name"]
    assert service.remove_feed(result.feed.id).ok
    assert service.remove_feed(http_server.url("/feed.xml?x=1")).ok
    assert service.remove_feed("nope").status == "not_found"
    assert service.list_feeds() == []


async def test_add_html_page_gives_a_clear_error_or_uses_the_advertised_feed(service, http_server):
    http_server.route("/home", Route(body=b"<!doctype html><html><head><title>Home</title></head><body>"
                                          b"<p>Welcome</p></body></html>", content_type="text/html"))
    result = await service.add_feed(http_server.url("/home"), now=NOW)
    assert result.status == "not_a_feed"
    assert "is an HTML page (is this the site's home page? look for its RSS link)" in result.error

    http_server.route("/site", Route(body=b'<html><head><link rel="alternate" type="application/rss+xml" '
                                          b'title="RSS" href="/site/rss.xml"></head><body>Hi</body></html>',
                                     content_type="text/html; charset=utf-8"))
    http_server.route("/site/rss.xml", Route(body=rss("Site News", full_items("s", 2))))
    found = await service.add_feed(http_server.url("/site"), now=NOW)
    assert found.ok and found.feed.url == http_server.url("/site/rss.xml") and found.feed.name == "Site News"
    assert "using the feed it advertises" in found.note


async def test_add_refuses_bad_urls_and_private_addresses_by_default(library, http_server):
    http_server.route("/feed.xml", Route(body=rss("X", full_items("a", 1))))
    async with Fetcher() as strict:  # the default policy: no loopback
        svc = FeedService(Intake(library), strict, workers=0)
        blocked = await svc.add_feed(http_server.url("/feed.xml"), now=NOW)
        assert blocked.status == "invalid" and "loopback" in blocked.error
        assert (await svc.add_feed("ftp://example.com/feed", now=NOW)).status == "invalid"
        assert (await svc.add_feed("https://user:pw@example.com/feed", now=NOW)).status == "invalid"
        assert svc.add_sources([(http_server.url("/x"), "", [])]).problems  # imports check addresses too
    assert http_server.requests == []


async def test_add_reports_an_unreachable_feed(service, http_server):
    http_server.route("/missing", Route(status=404, body=b"no", content_type="text/plain"))
    result = await service.add_feed(http_server.url("/missing"), now=NOW)
    assert result.status == "unreachable" and "404" in result.error and service.list_feeds() == []


# ---- polling ---------------------------------------------------------------------------------------


async def test_poll_fetches_full_text_for_teasers_then_uses_conditional_get(service, library, http_server):
    items = [
        {"title": "Flynn spoke to Kislyak", "link": http_server.url("/story/1"), "description": "Flynn spoke to…"},
        {"title": "Broken page", "link": http_server.url("/story/404"), "description": "A teaser. Read more"},
        {"title": "Full story", "link": "http://news.example/full", "description": body_text(5)},
    ]
    http_server.route("/feed.xml", Route(body=rss("Teasers", items), etag='"v1"'))
    http_server.route("/story/1", Route(body=PAGE, content_type="text/html"))
    feed = add_state(service, http_server.url("/feed.xml"))

    report = await service.poll_due(NOW)
    assert report.feeds_polled == 1 and len(report.new_article_ids) == 3 and not report.errors
    by_title = {library.get(i).title: library.get(i) for i in report.new_article_ids}
    full = by_title["Flynn spoke to Kislyak"].text
    assert "Paragraph 9" in full and "Reader comment" not in full and "Home | World" not in full
    assert by_title["Broken page"].text == "A teaser. Read more"  # the page failed: the teaser is kept
    assert by_title["Full story"].text == body_text(5)
    assert sorted(p for p in http_server.paths() if p.startswith("/story")) == ["/story/1", "/story/404"]
    stored = service.feeds.get(feed.id)
    assert stored.etag == '"v1"' and stored.name == "Teasers" and stored.articles == 3 and stored.entries == 3

    before = len(http_server.requests)
    again = await service.poll_due(NOW + timedelta(minutes=5))
    assert again.feeds_polled == 1 and again.not_modified == 1 and again.new_article_ids == []
    [conditional] = http_server.requests[before:]  # no page fetched again
    assert conditional.path == "/feed.xml" and conditional.headers["if-none-match"] == '"v1"'
    assert service.feeds.get(feed.id).last_success == NOW + timedelta(minutes=5)


async def test_unchanged_entries_are_not_enriched_again_and_changed_ones_update(service, library, http_server):
    items = full_items("u", 3)
    route = http_server.route("/feed.xml", Route(body=rss("U", items)))
    add_state(service, http_server.url("/feed.xml"))
    first = await service.poll_due(NOW)
    assert len(first.new_article_ids) == 3
    items[1]["description"] = body_text(99)
    route.body = rss("U", items + full_items("v", 1))
    second = await service.poll_due(NOW + timedelta(hours=1))
    assert len(second.new_article_ids) == 1 and len(second.updated_ids) == 1
    assert library.get(second.updated_ids[0]).text == body_text(99)


async def test_entries_without_links_keep_their_guid_and_a_text_id(service, library, http_server):
    items = [{"title": "No link", "guid": "urn:uuid:1234", "description": body_text(7)}]
    http_server.route("/feed.xml", Route(body=rss("G", items)))
    add_state(service, http_server.url("/feed.xml"))
    report = await service.poll_due(NOW)
    [article] = [library.get(i) for i in report.new_article_ids]
    assert article.url is None and article.guid == "urn:uuid:1234"
    assert (await service.poll_due(NOW + timedelta(hours=1))).new_article_ids == []


async def test_a_malformed_feed_still_yields_the_entries_that_parse(service, library, http_server, caplog):
    good = rss("Bozo", full_items("b", 2)).replace(b"</channel></rss>", b"<item><title>cut off &bogus; <")
    http_server.route("/feed.xml", Route(body=good))
    add_state(service, http_server.url("/feed.xml"))
    with caplog.at_level(logging.WARNING, logger="newsbot.feeds"):
        report = await service.poll_due(NOW)
    assert len(report.new_article_ids) >= 2 and not report.errors
    assert any("partly read" in r.message for r in caplog.records)


async def test_ten_failures_mark_failing_with_one_notice_and_a_success_restores(service, http_server):
    route = http_server.route("/feed.xml", Route(status=500, body=b"oops", content_type="text/plain"))
    feed = add_state(service, http_server.url("/feed.xml"), "Flaky")
    now = NOW
    waits = []
    for _ in range(11):
        report = await service.poll_due(now)
        assert report.feeds_polled == 1 and report.errors[0].error.startswith("HTTP 500")
        state = service.feeds.get(feed.id)
        waits.append((state.next_poll - now).total_seconds())
        assert (await service.poll_due(state.next_poll - timedelta(seconds=1))).feeds_polled == 0  # not due yet
        now = state.next_poll
    assert waits == [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600]
    assert state.failing and state.failures == 11
    notices = service.pending_notices()
    assert [n.kind for n in notices] == ["failing"] and "Flaky" in notices[0].text
    route.status, route.body, route.content_type = 200, rss("Flaky", full_items("f", 1)), "application/rss+xml"
    report = await service.poll_due(now)
    state = service.feeds.get(feed.id)
    assert not report.errors and not state.failing and state.failures == 0
    assert [n.kind for n in report.notices] == ["recovered"]


async def test_410_gone_removes_the_feed_and_records_a_notice(service, http_server, caplog):
    http_server.route("/gone.xml", Route(status=410, body=b"gone", content_type="text/plain"))
    feed = add_state(service, http_server.url("/gone.xml"), "Old")
    with caplog.at_level(logging.WARNING, logger="newsbot.feeds"):
        report = await service.poll_due(NOW)
    assert service.feeds.get(feed.id) is None
    assert [n.kind for n in report.notices] == ["gone"] and service.pending_notices()[0].kind == "gone"
    assert len([r for r in caplog.records if r.name == "newsbot.feeds"]) == 1


async def test_ttl_max_age_and_retry_after_are_respected(service, http_server):
    http_server.route("/ttl.xml", Route(body=rss("T", full_items("t", 1), extra="<ttl>90</ttl>")))
    http_server.route("/age.xml", Route(body=rss("A", full_items("a", 1)), headers={"Cache-Control": "max-age=7200"}))
    http_server.route("/busy.xml", Route(status=503, body=b"busy", content_type="text/plain",
                                         headers={"Retry-After": "5000"}))
    ttl = add_state(service, http_server.url("/ttl.xml"))
    age = add_state(service, http_server.url("/age.xml"))
    busy = add_state(service, http_server.url("/busy.xml"))
    await service.poll_due(NOW)
    assert service.feeds.get(ttl.id).next_poll == NOW + timedelta(minutes=90)
    assert service.feeds.get(age.id).next_poll == NOW + timedelta(hours=2)
    assert service.feeds.get(busy.id).next_poll == NOW + timedelta(seconds=5000)
    assert (await service.poll_due(NOW + timedelta(minutes=60))).feeds_polled == 0


async def test_one_failing_or_stalled_feed_does_not_stop_the_others(service, library, http_server):
    http_server.route("/good.xml", Route(body=rss("Good", full_items("g", 2))))
    http_server.route("/bad.xml", Route(status=500, body=b"x", content_type="text/plain"))
    http_server.route("/stall.xml", Route(body=rss("S", full_items("s", 2)), stall_after=50, stall=30))
    http_server.route("/html.xml", Route(body=b"<html><body>hello</body></html>", content_type="text/html"))
    for path in ("/good.xml", "/bad.xml", "/stall.xml", "/html.xml"):
        add_state(service, http_server.url(path))
    loop = asyncio.get_running_loop()
    started = loop.time()
    report = await service.poll_due(NOW)
    assert loop.time() - started < 6
    assert report.feeds_polled == 4 and len(report.new_article_ids) == 2
    errors = {e.url.rsplit("/", 1)[1]: e.error for e in report.errors}
    assert set(errors) == {"bad.xml", "stall.xml", "html.xml"}
    assert "not a feed" in errors["html.xml"]


async def test_one_feed_is_never_polled_twice_at_once(service, http_server):
    http_server.route("/slow.xml", Route(body=rss("Slow", full_items("w", 1)), hold=0.5))
    add_state(service, http_server.url("/slow.xml"))
    first, second = await asyncio.gather(service.poll_due(NOW), service.poll_due(NOW))
    assert sorted([first.busy, second.busy]) == [0, 1]
    assert len(first.new_article_ids) + len(second.new_article_ids) == 1
    assert len(http_server.requests) == 1


async def test_poll_uses_a_process_pool_for_parsing_and_enrichment(library, http_server):
    http_server.route("/feed.xml", Route(body=rss("Pool", full_items("p", 30))))
    async with Fetcher(policy=AddressPolicy(allow_private=True)) as fetcher:
        async with FeedService(Intake(library), fetcher, workers=1) as svc:
            add_state(svc, http_server.url("/feed.xml"))
            report = await svc.poll_due(NOW)
            assert svc._pool is not None  # really went through the pool
    assert len(report.new_article_ids) == 30
    assert all(library.get(i).summary for i in report.new_article_ids)


async def test_add_defaults_adds_the_seed_list_without_the_network(service):
    report = service.add_defaults(now=NOW)
    assert len(report.added) >= 8 and all(f.url.startswith("https://") and f.tags for f in report.added)
    assert all(f.next_poll is None for f in service.list_feeds())
    assert service.add_defaults(now=NOW).added == []  # a second time: all duplicates
