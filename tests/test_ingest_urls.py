"""`newsbot ingest URL...`: feed and page addresses fetched through the guarded client, mixed with paths, as
real subprocesses against a local HTTP server and a data directory in tmp_path."""

from __future__ import annotations

import json

from storage.tinydb import Store

from bot.core.text import fold_search
from tests.httpfixtures import Route
from tests.test_cli import json_lines, newsbot

ALLOW = {"NEWSBOT_ALLOW_PRIVATE_URLS": "1"}
ENTRY = ("<item><title>Harbour story {n}</title><link>http://harbour.example/{n}</link><description>"
         + "The harbour authority in Kelmouth said on Tuesday that the new quay would open in spring. " * 4
         + "Report number {n}.</description></item>")
FEED = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Kelmouth Gazette</title>'
        + "".join(ENTRY.format(n=n) for n in range(3)) + "</channel></rss>").encode()
PAGE = ("<html><head><title>Quay opening delayed</title></head><body><nav><a href='/'>Home</a></nav><article>"
        "<h1>Quay opening delayed</h1>"
        + "<p>Engineers at the Kelmouth quay found cracks in the new pilings, the council said on Friday, "
          "and the opening has moved to the autumn while repairs are made.</p>" * 3
        + "</article><footer>Copyright Kelmouth Gazette</footer></body></html>").encode()


def test_feed_page_and_file_in_one_call(tmp_path, http_server):
    http_server.route("/feed.xml", Route(body=FEED, content_type="application/rss+xml"))
    http_server.route("/quay", Route(body=PAGE, content_type="text/html"))
    local = tmp_path / "note.txt"
    local.write_text("Kelmouth ferry timetable changes from Monday, the operator said in a statement today.")
    data = tmp_path / "d"

    result = newsbot("ingest", http_server.url("/feed.xml"), str(local), http_server.url("/quay"), "--json",
                     data=data, env=ALLOW)
    assert result.returncode == 0, result.stderr
    titles = sorted(a["title"] for a in json_lines(result.stdout))
    assert titles[:3] == ["Harbour story 0", "Harbour story 1", "Harbour story 2"]
    assert "Quay opening delayed" in titles and len(titles) == 5
    assert "1 file and 2 addresses read, 3 with articles: 5 new" in result.stderr
    gazette = [a for a in json_lines(result.stdout) if a["title"].startswith("Harbour")]
    assert {a["source"] for a in gazette} == {"Kelmouth Gazette"}

    again = newsbot("ingest", http_server.url("/feed.xml"), data=data, env=ALLOW)
    assert again.returncode == 0
    assert "0 new, 0 updated, 3 already stored" in again.stderr
    found = newsbot("search", "pilings", "--json", data=data)
    assert [a["title"] for a in json_lines(found.stdout)] == ["Quay opening delayed"]


def test_private_addresses_are_refused_without_the_setting(tmp_path, http_server):
    http_server.route("/feed.xml", Route(body=FEED, content_type="application/rss+xml"))
    result = newsbot("ingest", http_server.url("/feed.xml"), data=tmp_path / "d")
    assert result.returncode == 1
    assert f"skipped {http_server.url('/feed.xml')}:" in result.stderr
    assert "private" in result.stderr.lower() or "not allowed" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert http_server.requests == []  # refused before any connection


def test_unreadable_addresses_are_named_and_the_rest_is_stored(tmp_path, http_server):
    http_server.route("/feed.xml", Route(body=FEED, content_type="application/rss+xml"))
    http_server.route("/gone", Route(status=404, body=b"not here"))
    http_server.route("/empty", Route(body=b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
                                      content_type="text/html"))
    result = newsbot("ingest", http_server.url("/gone"), http_server.url("/empty"), http_server.url("/feed.xml"),
                     data=tmp_path / "d", env=ALLOW)
    assert result.returncode == 0
    assert f"skipped {http_server.url('/gone')}: " in result.stderr and "404" in result.stderr
    assert f"skipped {http_server.url('/empty')}: no article text found on that page" in result.stderr
    assert "3 addresses read, 1 with articles: 3 new" in result.stderr
    ftp = newsbot("ingest", "ftp://example.org/feed.xml", data=tmp_path / "d")
    assert ftp.returncode == 1 and "only http:// and https:// addresses" in ftp.stderr


def test_a_running_bot_gets_fetched_articles_in_its_inbox(tmp_path, http_server):
    http_server.route("/feed.xml", Route(body=FEED, content_type="application/rss+xml"))
    data = tmp_path / "d"
    assert newsbot("latest", "Flynn", data=data).returncode == 0  # creates and seeds the store
    owner = Store.open(data, fold_title=fold_search)
    try:
        handed = newsbot("ingest", http_server.url("/feed.xml"), data=data, env=ALLOW)
        assert handed.returncode == 0, handed.stderr
        assert "3 fetched articles went to its inbox" in handed.stderr
        [queued] = list((data / "inbox").iterdir())
        rows = [json.loads(line) for line in queued.read_text().splitlines()]
        assert [r["title"] for r in rows] == ["Harbour story 0", "Harbour story 1", "Harbour story 2"]
        assert rows[0]["url"] == "http://harbour.example/0" and rows[0]["source"] == "Kelmouth Gazette"
    finally:
        owner.close()
    # The bot's inbox reader takes the file like any other: ingesting it stores the three stories.
    stored = newsbot("ingest", str(queued), data=data)
    assert "3 new" in stored.stderr
