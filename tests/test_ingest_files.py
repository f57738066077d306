"""bot.sources.files: discovery of folders and every supported format, with each bad input's problem line."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

from bot.sources.files import SUPPORTED, discover, read_file

UTC = timezone.utc

ARTICLE_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Harbour bridge reopens</title>
<meta property="og:site_name" content="Port Times"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour bridge reopens</h1>
<p>The harbour bridge reopened to traffic on Monday morning after eighteen months of repairs that cost the
regional government far more than the original estimate presented to parliament two years ago.</p>
<p>Engineers replaced the corroded cables and the entire road deck, and officials said the bridge should now
last another fifty years with regular maintenance and the new monitoring sensors installed along the span.</p>
<p>Commuters had faced detours of up to forty minutes each way while the crossing was closed, and local
shops near the approach roads reported a sharp fall in customers throughout the closure.</p>
</article></body></html>"""

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>File Feed</title><link>https://ff.example/</link>
<item><title>One</title><link>https://ff.example/1</link><description>First body.</description></item>
<item><title>Two</title><link>https://ff.example/2</link><description>Second body.</description></item>
</channel></rss>"""


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def only(result):
    assert result.problem is None, result.problem
    assert len(result.articles) == 1
    return result.articles[0]


# --- discover ---------------------------------------------------------------------------------------------


def test_discover_recurses_sorted_and_skips(tmp_path):
    root = tmp_path / "in"
    for name in ("b.txt", "a.md", "sub/c.json", "sub/deeper/d.jsonl", "z.HTML", "feed.Atom",
                 "README.md", "ATTRIBUTION.md", "LICENSE.txt", "licence.md", "NOTICE", "CHANGELOG.md",
                 "COPYING.txt", "notes.pdf", "image.png", ".hidden.txt", ".git/config.txt",
                 "__pycache__/x.txt", "sub/.cache/e.txt"):
        write(root / name, "x")
    files, problems = discover([root])
    assert problems == []
    assert [p.relative_to(root).as_posix() for p in files] == [
        "a.md", "b.txt", "feed.Atom", "sub/c.json", "sub/deeper/d.jsonl", "z.HTML"]


def test_discover_explicit_paths(tmp_path):
    readme = write(tmp_path / "README.md", "# Named explicitly\n\ntext")
    pdf = write(tmp_path / "paper.pdf", "x")
    files, problems = discover([readme, tmp_path / "missing.txt", pdf, readme, str(readme)])
    assert files == [readme]  # named explicitly: read even though it is a README; listed once
    assert [(p.path.name, p.problem) for p in problems] == [
        ("missing.txt", "no such file or directory"),
        ("paper.pdf", "unsupported file type '.pdf' (supported: " + ", ".join(sorted(SUPPORTED)) + ")"),
    ]


# --- text and Markdown ------------------------------------------------------------------------------------


def test_txt_with_front_matter(tmp_path):
    path = write(tmp_path / "a.txt", "---\ntitle: \"Front title\"\nurl: https://ex.example/a\n"
                                     "published: 2026-01-02T03:04:05Z\nsource: Wire\nunknown: ignored\n---\n"
                                     "First paragraph.\n\nSecond paragraph\nwith a wrapped line.\n")
    article = only(read_file(path))
    assert article.title == "Front title"
    assert article.url == "https://ex.example/a"
    assert article.published == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert article.source == "Wire"
    assert article.text == "First paragraph.\n\nSecond paragraph\nwith a wrapped line."


def test_txt_without_front_matter_one_paragraph_per_line(tmp_path):
    path = write(tmp_path / "seed.txt", "Line one is a paragraph.\r\nLine two   is another.\r\n")
    article = only(read_file(path))
    assert article.text == "Line one is a paragraph.\n\nLine two is another."
    assert article.title == "" and article.url is None and article.published is None


def test_unclosed_front_matter_is_text(tmp_path):
    article = only(read_file(write(tmp_path / "a.txt", "---\ntitle: x\nno closing line\n")))
    assert "title: x" in article.text


def test_bad_front_matter_date_is_reported_not_fatal(tmp_path):
    result = read_file(write(tmp_path / "a.txt", "---\ndate: someday\n---\nBody.\n"))
    assert [a.text for a in result.articles] == ["Body."]
    assert result.articles[0].published is None
    assert result.problem == "front matter: unreadable date 'someday' ignored"


def test_markdown_heading_becomes_title(tmp_path):
    path = write(tmp_path / "post.md", "\n# The *big* story\n\nSome **bold** words and [a link](https://l.example/x).\n"
                                       "\n## A section\n\n![chart](c.png) and `code`.\n")
    article = only(read_file(path))
    assert article.title == "The big story"
    assert article.text == "Some bold words and a link.\n\nA section\n\nchart and code."


def test_markdown_front_matter_title_wins(tmp_path):
    article = only(read_file(write(tmp_path / "p.md", "---\ntitle: From front\n---\n# Heading\n\nBody.\n")))
    assert article.title == "From front"
    assert article.text == "Heading\n\nBody."


def test_utf16_with_bom_and_utf8_bom(tmp_path):
    assert only(read_file(write(tmp_path / "u16.txt", "\ufeffCafé text".encode("utf-16")))).text == "Café text"
    assert only(read_file(write(tmp_path / "u8.txt", "\ufeffCafé".encode("utf-8")))).text == "Café"


# --- JSON and JSON Lines ----------------------------------------------------------------------------------


def test_json_single_object_with_aliases(tmp_path):
    path = write(tmp_path / "one.json", json.dumps({
        "title": "T", "link": "https://j.example/1", "content": "<p>Para one.</p><p>Para two.</p>",
        "pubDate": "Thu, 01 Jan 2026 10:00:00 GMT", "source": "JSONSrc", "id": "abc"}))
    article = only(read_file(path))
    assert (article.title, article.url, article.source, article.guid) == ("T", "https://j.example/1", "JSONSrc", "abc")
    assert article.text == "Para one.\n\nPara two."
    assert article.published == datetime(2026, 1, 1, 10, tzinfo=UTC)


def test_json_list_skips_objects_without_text(tmp_path):
    path = write(tmp_path / "many.json", json.dumps([
        {"title": "A", "text": "Alpha text.", "url": "https://j.example/a", "published": "2006-01-12"},
        {"title": "B", "body": "Beta body.", "date": 1767261600},
        {"title": "No text here"},
        42,
    ]))
    result = read_file(path)
    assert [a.title for a in result.articles] == ["A", "B"]
    assert result.articles[0].published == datetime(2006, 1, 12, tzinfo=UTC)
    assert result.articles[1].published == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert result.problem == ("2 of 4 items skipped: item 3: no text (expected a 'text', 'content' or 'body' "
                              "field); item 4: not a JSON object")


def test_json_object_without_text(tmp_path):
    result = read_file(write(tmp_path / "x.json", '{"title": "only a title"}'))
    assert result.articles == []
    assert result.problem == "no text (expected a 'text', 'content' or 'body' field)"


def test_json_invalid(tmp_path):
    result = read_file(write(tmp_path / "x.json", '{"title": "unterminated'))
    assert result.articles == [] and result.problem.startswith("invalid JSON: ")


def test_json_feed_file(tmp_path):
    path = write(tmp_path / "feed.json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "JF",
        "items": [{"id": "1", "url": "https://jf.example/1", "content_text": "JF body."}]}))
    article = only(read_file(path))
    assert (article.text, article.source, article.guid) == ("JF body.", "JF", "1")


def test_jsonl_keeps_good_lines_and_reports_bad_ones(tmp_path):
    lines = [
        json.dumps({"title": "L1", "text": "Line one text."}),
        "",
        json.dumps({"title": "L2", "content": "Line two text.", "url": "https://l.example/2"}),
        "[1, 2]",
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps({"text": "Last good line."}),
    ]
    result = read_file(write(tmp_path / "x.jsonl", "\n".join(lines) + "\n"))
    assert [a.text for a in result.articles] == ["Line one text.", "Line two text.", "Last good line."]
    assert result.problem.startswith("3 of 6 lines skipped: line 4: not a JSON object; line 5: invalid JSON (")
    assert "line 6: no text" in result.problem
    assert "\n" not in result.problem


# --- HTML and feeds ---------------------------------------------------------------------------------------


def test_html_page(tmp_path):
    article = only(read_file(write(tmp_path / "page.htm", ARTICLE_HTML)))
    assert article.title == "Harbour bridge reopens"
    assert article.text.startswith("The harbour bridge reopened")
    assert "Home" not in article.text
    assert article.source == "Port Times"


def test_html_without_text(tmp_path):
    result = read_file(write(tmp_path / "empty.html", "<html><head><title>t</title></head><body></body></html>"))
    assert result.articles == [] and result.problem == "no article text found in the HTML page"


def test_feed_files(tmp_path):
    for name, data in (("f.xml", RSS), ("f.rss", RSS), ("f.atom", RSS), ("gz.xml", gzip.compress(RSS))):
        result = read_file(write(tmp_path / name, data))
        assert result.problem is None, name
        assert [a.title for a in result.articles] == ["One", "Two"], name
        assert result.articles[0].source == "File Feed"


def test_truncated_feed(tmp_path):
    result = read_file(write(tmp_path / "cut.xml", RSS[: RSS.index(b"<item>") + 10]))
    assert result.articles == []
    assert result.problem.startswith("truncated or malformed feed: ")


def test_xml_that_is_not_a_feed(tmp_path):
    result = read_file(write(tmp_path / "data.xml", '<?xml version="1.0"?><catalog><book>x</book></catalog>'))
    assert result.articles == [] and result.problem.startswith("not a feed")


def test_gzip_bomb_named_xml(tmp_path):
    result = read_file(write(tmp_path / "bomb.xml", gzip.compress(b"\0" * 100_000_000, compresslevel=1)))
    assert result.articles == [] and "20 MB" in result.problem


# --- bad inputs -------------------------------------------------------------------------------------------


def test_empty_files(tmp_path):
    for name in ("e.txt", "e.md", "e.json", "e.jsonl", "e.html", "e.xml"):
        assert read_file(write(tmp_path / name, b"")).problem == "empty file", name
    assert read_file(write(tmp_path / "ws.txt", "  \n\n \t")).problem == "empty file (only whitespace)"


def test_binary_files(tmp_path):
    blob = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    for name in ("b.txt", "b.md", "b.json", "b.jsonl", "b.html", "b.xml"):
        result = read_file(write(tmp_path / name, blob))
        assert result.articles == [] and result.problem == "binary file (not text)", name


def test_undecodable_text(tmp_path):
    result = read_file(write(tmp_path / "latin1.txt", "Café crème".encode("latin-1")))
    assert result.articles == []
    assert result.problem.startswith("not valid UTF-8 text (byte 0xe9 at offset 3")


def test_too_large_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(50_000_000)  # sparse: no 50 MB written
    assert read_file(path).problem == "too large (50.0 MB; the limit is 20 MB)"
    assert read_file(write(tmp_path / "small.txt", "x" * 2000), max_bytes=1000).problem == (
        "too large (0.0 MB; the limit is 0.001 MB)")


def test_missing_unsupported_and_folder(tmp_path):
    assert read_file(tmp_path / "nope.txt").problem == "no such file or directory"
    assert read_file(write(tmp_path / "a.pdf", "x")).problem.startswith("unsupported file type '.pdf'")
    (tmp_path / "dir.txt").mkdir()
    assert read_file(tmp_path / "dir.txt").problem == "is a folder, not a file"
