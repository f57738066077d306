"""OPML import/export: what Feedly, Miniflux and RSS bots write, folders <-> tags, and hostile documents."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.services.intake import Intake
from bot.services.feeds import FeedService
from bot.sources.fetch import AddressPolicy
from bot.compose import library_at
from bot.sources.opml import OpmlError, OpmlFeed, export_opml, parse_opml

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)

FEEDLY = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Alice subscriptions in feedly Cloud</title></head>
  <body>
    <outline text="World" title="World">
      <outline type="rss" text="BBC News - World" title="BBC News - World"
               xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml" htmlUrl="https://www.bbc.co.uk/news/world"/>
      <outline type="rss" text="Al Jazeera" title="Al Jazeera" xmlUrl="https://www.aljazeera.com/xml/rss/all.xml"/>
    </outline>
    <outline text="Tech" title="Tech">
      <outline text="Nested" title="Nested">
        <outline type="rss" text="Ars" xmlUrl="https://feeds.arstechnica.com/arstechnica/index"/>
      </outline>
      <outline type="rss" text="BBC News - World" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
    </outline>
    <outline type="rss" text="Loose &amp; untagged" xmlURL="http://example.org/feed?x=1&amp;y=2"/>
    <outline type="rss" text="Miniflux style" xmlUrl="https://m.example/rss" category="/Politics,/News/US"/>
    <outline type="rss" text="Not http" xmlUrl="ftp://example.org/feed"/>
    <outline type="link" text="Just a link" url="https://example.org/"/>
  </body>
</opml>"""


def test_import_reads_titles_and_turns_folders_into_tags():
    doc = parse_opml(FEEDLY)
    by_url = {f.url: f for f in doc.feeds}
    assert doc.title == "Alice subscriptions in feedly Cloud"
    bbc = by_url["https://feeds.bbci.co.uk/news/world/rss.xml"]
    assert bbc.title == "BBC News - World" and bbc.tags == ["World", "Tech"]  # listed in two folders
    assert bbc.html_url == "https://www.bbc.co.uk/news/world"
    assert by_url["https://feeds.arstechnica.com/arstechnica/index"].tags == ["Tech", "Nested"]
    assert by_url["http://example.org/feed?x=1&y=2"].title == "Loose & untagged"
    assert by_url["http://example.org/feed?x=1&y=2"].tags == []
    assert by_url["https://m.example/rss"].tags == ["Politics", "News", "US"]
    assert len(doc.feeds) == 5
    assert any("ftp://" in s for s in doc.skipped)


def test_export_then_import_round_trips_titles_and_tags():
    feeds = [OpmlFeed("https://a.example/rss", "A <&> \"quoted\"", ["World", "Europe"], "https://a.example/"),
             OpmlFeed("https://b.example/atom", "B", []),
             OpmlFeed("https://c.example/feed.json", "Ç ünïcode", ["Europe"])]
    data = export_opml(feeds, now=NOW)
    assert data.startswith(b"<?xml") and b"<opml version=\"2.0\">" in data
    back = {f.url: f for f in parse_opml(data).feeds}
    assert {u: (f.title, sorted(f.tags), f.html_url) for u, f in back.items()} == {
        f.url: (f.title, sorted(f.tags), f.html_url) for f in feeds}
    # And again: stable.
    assert parse_opml(export_opml(list(back.values()), now=NOW)).feeds == list(back.values())


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><head><title>&lol9;</title></head><body>
<outline type="rss" text="&lol9;" xmlUrl="https://a.example/rss"/></body></opml>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><head><title>&xxe;</title></head><body>
<outline type="rss" text="&xxe;" xmlUrl="https://a.example/rss"/></body></opml>"""

XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/evil.dtd">
<opml version="2.0"><body><outline type="rss" text="x" xmlUrl="https://a.example/rss"/></body></opml>"""


@pytest.mark.parametrize("data, message", [
    (BILLION_LAUGHS, "DOCTYPE"),
    (XXE, "DOCTYPE"),
    (XXE_NETWORK, "DOCTYPE"),
    (b"<html><body>hi</body></html>", "not an OPML document"),
    (b"<opml><body><outline", "not well-formed"),
    (b"", "empty"),
    (b"\x00\x01\x02binary", "not"),
    (b"<opml version='2.0'><head/></opml>", "without a <body>"),
    (b"<?xml version='1.0'?><opml>" + b"<outline>" * 300 + b"</outline>" * 300 + b"</opml>", "not well-formed"),
    ("<?xml version='1.0' encoding='utf-16'?><!DOCTYPE x [<!ENTITY a 'b'>]><opml/>".encode("utf-16"), "DOCTYPE"),
])
def test_hostile_or_broken_opml_is_refused_with_one_line(data, message):
    with pytest.raises(OpmlError) as info:
        parse_opml(data)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert "root:" not in str(info.value)  # nothing from /etc/passwd leaked


def test_deeply_nested_folders_do_not_crash():
    deep = (b"<opml version='2.0'><body>" + b"<outline text='f'>" * 200
            + b"<outline type='rss' text='deep' xmlUrl='https://d.example/rss'/>" + b"</outline>" * 200
            + b"</body></opml>")
    doc = parse_opml(deep)
    assert doc.feeds == [] and doc.skipped  # past the folder depth limit: skipped with a reason, no recursion


def test_oversized_opml_is_refused_before_parsing():
    with pytest.raises(OpmlError, match="larger than"):
        parse_opml(b" " * 10_000_001)


def test_service_import_and_export(tmp_path):
    library = library_at(tmp_path / "data")
    try:
        service = FeedService(Intake(library), fetcher=None, policy=AddressPolicy(), workers=0)
        report = service.import_opml(FEEDLY, now=NOW)
        assert len(report.added) == 5 and report.problems
        again = service.import_opml(FEEDLY, now=NOW)
        assert again.added == [] and len(again.duplicates) == 5
        bbc = service.find("https://feeds.bbci.co.uk/news/world/rss.xml")[0]
        assert bbc.name == "BBC News - World" and bbc.tags == ["World", "Tech"] and bbc.next_poll is None
        exported = parse_opml(service.export_opml(now=NOW))
        assert {(f.url, f.title, tuple(f.tags)) for f in exported.feeds} == {
            (f.url, f.name, tuple(f.tags)) for f in service.list_feeds()}
    finally:
        library.close()
