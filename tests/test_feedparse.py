"""bot.sources.feedparse: RSS, Atom, RDF, JSON Feed, gzip (and gzip bombs), broken feeds, and every file of the
shared feed corpus."""

from __future__ import annotations

import gzip
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.sources.feedparse import MAX_FEED_BYTES, gunzip_capped, looks_like_feed, parse_feed

UTC = timezone.utc

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Example News</title><link>https://news.example/</link><description>d</description>
<item>
  <title>Flynn &amp; Kislyak met</title>
  <link>https://news.example/2026/flynn</link>
  <guid isPermaLink="false">tag:news.example,2026:1</guid>
  <pubDate>Thu, 01 Jan 2026 10:00:00 GMT</pubDate>
  <description>&lt;p&gt;Short summary.&lt;/p&gt;</description>
  <content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[<p>First paragraph of the full text.</p><script>alert(1)</script><p>Second &amp; last paragraph.</p>]]></content:encoded>
</item>
<item>
  <title>Summary only</title>
  <link>/relative/path</link>
  <description>Just a summary with &lt;b&gt;bold&lt;/b&gt; text.</description>
</item>
<item><description></description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom Site</title>
  <link rel="alternate" href="https://atom.example/blog/"/>
  <id>urn:uuid:feed</id><updated>2026-02-01T00:00:00Z</updated>
  <entry>
    <title type="html">Relative &lt;em&gt;link&lt;/em&gt;</title>
    <link rel="alternate" href="posts/one.html"/>
    <id>urn:uuid:entry-1</id>
    <updated>2026-02-01T12:00:00+02:00</updated>
    <summary>Short.</summary>
    <content type="html">&lt;p&gt;A much longer body for the first entry.&lt;/p&gt;&lt;p&gt;With two paragraphs.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>No link at all</title>
    <id>urn:uuid:entry-2</id>
    <published>2026-01-31T08:00:00Z</published>
    <content type="text">Plain text body.</content>
  </entry>
</feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/"><title>RDF Site</title><link>https://rdf.example/</link></channel>
  <item rdf:about="https://rdf.example/a"><title>RDF item</title><link>https://rdf.example/a</link>
    <description>RDF body.</description><dc:date>2026-03-01T00:00:00Z</dc:date></item>
</rdf:RDF>"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON Site",
    "home_page_url": "https://json.example/",
    "items": [
        {"id": 1, "url": "https://json.example/1", "title": "First", "content_html": "<p>One</p><p>Two</p>",
         "date_published": "2026-01-01T10:00:00Z"},
        {"id": "2", "url": "/2", "content_text": "Text only, no title.", "date_modified": "2026-01-02T00:00:00Z"},
        {"id": "3", "summary": "Only a summary."},
        {"id": "4"},
        "not an object",
    ],
}


def test_rss_entries():
    feed = parse_feed(RSS, base_url="https://news.example/feed.xml")
    assert feed.title == "Example News" and feed.link == "https://news.example/"
    assert len(feed.entries) == 2  # the empty third item is skipped
    first, second = feed.entries
    assert first.title == "Flynn & Kislyak met"
    assert first.url == "https://news.example/2026/flynn"
    assert first.text == "First paragraph of the full text.\n\nSecond & last paragraph."  # content beats summary
    assert first.published == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert first.guid == "tag:news.example,2026:1"
    assert first.source == "Example News"
    assert second.url == "https://news.example/relative/path"
    assert second.text == "Just a summary with bold text."
    assert second.published is None


def test_source_argument_wins():
    assert parse_feed(RSS, source="My Label").entries[0].source == "My Label"


def test_atom_relative_links_and_entry_without_link():
    feed = parse_feed(ATOM)
    assert feed.title == "Atom Site" and feed.link == "https://atom.example/blog/"
    first, second = feed.entries
    assert first.url == "https://atom.example/blog/posts/one.html"  # resolved against the feed link
    assert first.title == "Relative link"
    assert first.text == "A much longer body for the first entry.\n\nWith two paragraphs."
    assert first.published == datetime(2026, 2, 1, 10, tzinfo=UTC)
    assert second.url is None and second.guid == "urn:uuid:entry-2"
    assert second.text == "Plain text body."
    assert second.published == datetime(2026, 1, 31, 8, tzinfo=UTC)


def test_base_url_takes_precedence_for_relative_links():
    feed = parse_feed(ATOM, base_url="https://mirror.example/feeds/atom.xml")
    assert feed.entries[0].url == "https://mirror.example/feeds/posts/one.html"


def test_rdf():
    feed = parse_feed(RDF)
    assert [e.title for e in feed.entries] == ["RDF item"]
    assert feed.entries[0].text == "RDF body."
    assert feed.entries[0].published == datetime(2026, 3, 1, tzinfo=UTC)


def test_json_feed():
    data = json.dumps(JSON_FEED).encode()
    assert looks_like_feed(data)
    feed = parse_feed(data)
    assert feed.title == "JSON Site" and feed.link == "https://json.example/"
    assert [e.guid for e in feed.entries] == ["1", "2", "3"]
    first, second, third = feed.entries
    assert first.text == "One\n\nTwo" and first.title == "First" and first.source == "JSON Site"
    assert first.published == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert second.url == "https://json.example/2" and second.title == ""
    assert second.published == datetime(2026, 1, 2, tzinfo=UTC)
    assert third.text == "Only a summary."
    assert "2 JSON Feed item(s)" in feed.problem


def test_json_feed_version_1():
    data = json.dumps({"version": "https://jsonfeed.org/version/1", "title": "Old",
                       "items": [{"id": "a", "content_text": "Body", "url": "https://old.example/a"}]}).encode()
    assert [e.url for e in parse_feed(data).entries] == ["https://old.example/a"]


def test_json_that_is_not_a_feed():
    feed = parse_feed(b'{"hello": "world"}')
    assert feed.entries == [] and "not a JSON Feed" in feed.problem
    assert not looks_like_feed(b'{"hello": "world"}')
    assert parse_feed(b"{broken").problem.startswith("invalid JSON")


def test_gzip_feed():
    data = gzip.compress(RSS)
    assert looks_like_feed(data)
    feed = parse_feed(data)
    assert len(feed.entries) == 2 and feed.problem is None


def test_gzip_bomb_is_capped():
    bomb = gzip.compress(b"\0" * 100_000_000, compresslevel=1)
    assert len(bomb) < 1_000_000
    started = time.perf_counter()
    feed = parse_feed(bomb)
    assert feed.entries == []
    assert "20 MB" in feed.problem and "limit" in feed.problem
    assert time.perf_counter() - started < 10
    with pytest.raises(ValueError):
        gunzip_capped(bomb)
    exact = gzip.compress(b"a" * 1000)
    assert gunzip_capped(exact, limit=1000) == (b"a" * 1000, None)
    with pytest.raises(ValueError):
        gunzip_capped(exact, limit=999)
    assert MAX_FEED_BYTES == 20_000_000


def test_truncated_and_corrupt_gzip():
    data = gzip.compress(RSS)
    out, note = gunzip_capped(data[: len(data) // 2])
    assert note == "truncated gzip data" and RSS.startswith(out)
    assert parse_feed(b"\x1f\x8b" + b"garbage" * 10).entries == []
    assert "gzip" in parse_feed(b"\x1f\x8b" + b"garbage" * 10).problem


def test_truncated_feed_keeps_what_parsed_and_reports():
    cut = RSS[: RSS.index(b"<item><description>")]  # ends inside the channel, after two items
    feed = parse_feed(cut)
    assert len(feed.entries) == 2
    assert feed.problem  # feedparser's bozo note, one line
    assert "\n" not in feed.problem


def test_not_a_feed_and_empty():
    assert parse_feed(b"").problem == "empty document"
    html = parse_feed(b"<html><body><p>A page</p></body></html>")
    assert html.entries == [] and html.problem
    assert not looks_like_feed(b"<html><body><p>A page</p></body></html>")


def test_bytes_naming_a_local_file_are_not_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(RSS)
    feed = parse_feed(str(secret).encode())
    assert feed.entries == []  # feedparser would have read the file if handed the bytes directly


def test_looks_like_feed():
    assert looks_like_feed(RSS) and looks_like_feed(ATOM) and looks_like_feed(RDF)
    assert looks_like_feed(b"\xef\xbb\xbf<?xml version='1.0'?><rss version='2.0'/>")
    assert looks_like_feed('<?xml version="1.0" encoding="utf-16"?><feed/>'.encode("utf-16"))
    assert not looks_like_feed(b"")
    assert not looks_like_feed(b"plain text about rss feeds")
    assert not looks_like_feed(b"\x00\x01\x02binary")


def test_parse_feed_never_raises_on_junk():
    for junk in (b"\x00" * 100, bytes(range(256)) * 10, b"<rss>" * 10_000, b"<" * 5000, b"{" * 100_000,
                 b"[1,2,3]", "<rss><channel><item><title>ü</title></item></channel></rss>".encode("latin-1")):
        feed = parse_feed(junk)
        assert isinstance(feed.entries, list)


SHARED_FEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds"


def test_every_shared_feed_file_parses_without_error_or_hang():
    if not SHARED_FEEDS.is_dir():
        pytest.skip("no ../shared/data/feeds on this machine")
    files = sorted(p for p in SHARED_FEEDS.rglob("*") if p.is_file())
    assert files
    started = time.perf_counter()
    with_entries = 0
    for path in files:
        feed = parse_feed(path.read_bytes(), source="")
        assert isinstance(feed.entries, list), path
        assert feed.problem is None or "\n" not in feed.problem, path
        for entry in feed.entries:
            assert entry.text or entry.title, path
            assert entry.published is None or entry.published.tzinfo is not None, path
            assert "<p>" not in entry.text, path
        with_entries += bool(feed.entries)
    assert time.perf_counter() - started < 60
    assert with_entries >= 50  # the corpus holds well over 100 real feeds with items
