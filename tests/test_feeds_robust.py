"""Bad input ends in one clear WARNING line from "newsbot.feeds" per feed: no crash, no hang, bounded memory.
Hostile servers (errors, HTML, endless or stalled bodies, redirect loops, gzip bombs, TLS and DNS failures)
and every file of ../shared/data/feeds (skipped when absent) served over a real local socket."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.services.intake import Intake
from bot.services.feeds import FeedService, Schedule
from bot.sources.fetch import AddressPolicy, Fetcher
from tests.httpfixtures import LocalHTTPServer, Route, gzip_bomb, redirect

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
SHARED_FEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds"
GOOD = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Good</title><item><title>One</title>'
        b"<link>http://news.example/1</link><description>" + b"Plenty of words in this entry body. " * 20
        + b"</description></item></channel></rss>")


def warnings_per_feed(records, urls) -> Counter:
    counts: Counter = Counter()
    for record in records:
        if record.name == "newsbot.feeds" and record.levelno == logging.WARNING:
            message = record.getMessage()
            hits = [u for u in urls if f"({u})" in message or f" {u} " in f" {message} " or message.startswith(f"feed {u}")]
            assert len(hits) <= 1, message
            counts[hits[0] if hits else "?"] += 1
    return counts


async def test_hostile_servers_each_end_in_one_warning(library, http_server, caplog):
    http_server.route("/500", Route(status=500, body=b"boom", content_type="text/plain"))
    http_server.route("/404", Route(status=404, body=b"nope", content_type="text/plain"))
    http_server.route("/410", Route(status=410, body=b"gone", content_type="text/plain"))
    http_server.route("/html", Route(body=b"<!DOCTYPE html><html><body><h1>Our site</h1></body></html>",
                                     content_type="text/html"))
    http_server.route("/endless", Route(body=b"<item>more</item>", endless=True))
    http_server.route("/stall", Route(body=GOOD, stall_after=40, stall=30))
    http_server.route("/loop-a", redirect("/loop-b"))
    http_server.route("/loop-b", redirect("/loop-a"))
    http_server.route("/bomb", gzip_bomb(50_000_000))
    http_server.route("/plain", Route(body=GOOD, content_type="text/plain"))  # wrong type, still a feed
    http_server.route("/binary", Route(body=bytes(range(256)) * 100, content_type="application/octet-stream"))
    http_server.route("/empty", Route(body=b"", content_type="application/rss+xml"))
    urls = {name: http_server.url(f"/{name}") for name in
            ("500", "404", "410", "html", "endless", "stall", "loop-a", "bomb", "plain", "binary", "empty")}
    urls["tls"] = http_server.url("/tls").replace("http://", "https://")  # TLS to a plain-HTTP server
    urls["dns"] = http_server.url("/plain", host="nowhere.invalid")
    policy = AddressPolicy(allow_private=True, resolver_overrides={"nowhere.invalid": []})
    async with Fetcher(policy=policy, deadline=3.0, connect_timeout=2.0, stall_timeout=1.0) as fetcher:
        async with FeedService(Intake(library), fetcher, schedule=Schedule(interval=60, jitter=0), workers=0) as service:
            service.add_sources([(u, name, []) for name, u in urls.items()], now=NOW)
            started = time.monotonic()
            with caplog.at_level(logging.WARNING, logger="newsbot.feeds"):
                report = await service.poll_due(NOW)
            elapsed = time.monotonic() - started
    assert elapsed < 8
    assert report.feeds_polled == len(urls) and len(report.new_article_ids) == 1  # only /plain had news
    errors = {e.url: e.error for e in report.errors}
    by_name = {name: errors.get(u) for name, u in urls.items()}
    assert by_name["plain"] is None
    assert "500" in by_name["500"] and "404" in by_name["404"] and "410" in by_name["410"]
    assert "is an HTML page (is this the site's home page? look for its RSS link)" in by_name["html"]
    assert "larger than" in by_name["endless"] and "larger than" in by_name["bomb"]
    assert "timed out" in by_name["stall"] or "stall" in by_name["stall"].lower()
    assert "redirect loop" in by_name["loop-a"]
    assert "TLS" in by_name["tls"] or "SSL" in by_name["tls"]
    assert by_name["dns"] and by_name["binary"] and by_name["empty"]
    assert all("\n" not in e for e in errors.values())
    counts = warnings_per_feed(caplog.records, list(urls.values()))
    assert {u: counts[u] for u in urls.values()} == {u: (0 if n == "plain" else 1) for n, u in urls.items()}
    assert "?" not in counts


def _shared_files() -> list[Path]:
    if not SHARED_FEEDS.is_dir():
        return []
    return sorted(p for p in SHARED_FEEDS.rglob("*") if p.is_file() and not p.name.startswith("LICENSE"))


@pytest.mark.skipif(not _shared_files(), reason="../shared/data/feeds is not on this machine")
async def test_every_shared_feed_file_polls_without_crash_or_hang(library, caplog):
    files = _shared_files()
    types = {".json": "application/feed+json", ".html": "text/html", ".atom": "application/atom+xml"}
    with LocalHTTPServer() as server:
        urls = []
        for n, path in enumerate(files):
            route = f"/f/{n}/{path.name}"
            server.route(route, Route(body=path.read_bytes(), content_type=types.get(path.suffix, "application/xml")))
            urls.append(server.url(route))
        # One local server stands for some 300 different sites: the per-site politeness cap (2 requests at a
        # time, per host:port) would queue every fetch behind one host, which no real poll does.
        async with Fetcher(policy=AddressPolicy(allow_private=True), deadline=5.0, per_host=20) as fetcher:
            # max_pages=0: entry links point at the real internet; this test is about the feeds themselves.
            async with FeedService(Intake(library), fetcher, max_pages=0, workers=2) as service:
                service.add_sources([(u, "", []) for u in urls], now=NOW)
                started = time.monotonic()
                with caplog.at_level(logging.WARNING, logger="newsbot.feeds"):
                    report = await service.poll_due(NOW)
                elapsed = time.monotonic() - started
                states = service.list_feeds()
    assert elapsed < 20
    assert report.feeds_polled == len(files) and len(states) == len(files)
    assert len(report.new_article_ids) > 500
    # About 100 of the files are parsers' expected-output JSON, not feeds: those fail with "not a feed".
    assert sum(1 for s in states if s.last_success) > len(files) * 0.6
    counts = warnings_per_feed(caplog.records, urls)
    assert max(counts.values(), default=0) <= 1  # at most one line per feed, each naming its feed
    assert "?" not in counts
    failed = {e.url for e in report.errors}
    assert all(counts[u] == 1 for u in failed)
