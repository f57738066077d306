"""bot.sources.pages (HTML fragments and whole pages) and bot.sources.dates."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from bot.sources.dates import parse_date
from bot.sources.pages import extract_page, html_to_text

UTC = timezone.utc

PARAGRAPHS = [
    "The city council voted on Tuesday to approve a new budget for the public library system, ending a "
    "dispute that had lasted for more than six months and closed two branches over the summer.",
    "Council member Maria Lopez said the agreement restores weekend opening hours at every branch and funds "
    "the hiring of twelve librarians, most of them for the children's departments across the city.",
    "Opponents argued that the money should have gone to road repairs instead, pointing to a report that "
    "rated a third of the city's streets as poor, but the measure passed by a vote of seven to two.",
    "The new budget takes effect on the first of next month, and the two closed branches are expected to "
    "reopen in time for the autumn reading programme that schools rely on every year.",
]
COMMENT = "Totally agree with this decision, my kids love the library and the staff there."


def blog_page() -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Council approves library budget | City Gazette</title>
<meta property="og:title" content="Council approves library budget">
<meta property="og:site_name" content="City Gazette">
<meta property="article:published_time" content="2024-03-05T09:30:00+01:00">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Council approves library budget</h1>{body}</article>
<div class="comments" id="comments"><h3>3 comments</h3>
<div class="comment"><p>{COMMENT}</p></div>
<div class="comment"><p>Another reader wrote something entirely different about parking fees downtown.</p></div>
</div>
<footer><p>Copyright 2024 City Gazette. All rights reserved.</p></footer>
</body></html>"""


# --- html_to_text -------------------------------------------------------------------------------------


def test_html_to_text_paragraphs_breaks_and_entities():
    text = html_to_text(
        "<p>Caf&eacute; &amp; bar&nbsp;open</p><div>Two<br>lines</div>"
        "<ul><li>one</li><li>two</li></ul><h2>Head</h2>tail &#x263A; &lt;ok&gt;"
    )
    assert text == "Café & bar open\n\nTwo\nlines\n\none\ntwo\n\nHead\n\ntail ☺ <ok>"


def test_html_to_text_drops_script_style_and_comments():
    text = html_to_text(
        "<p>Before</p><script>var secret = 'x';</script><style>p { color: red }</style>"
        "<!-- hidden note --><p>After <b>bold</b></p>"
    )
    assert text == "Before\n\nAfter bold"
    assert "secret" not in text and "color" not in text and "hidden" not in text


def test_html_to_text_whitespace_and_double_br():
    assert html_to_text("<p>soft\n   wrapped\tline</p>") == "soft wrapped line"
    assert html_to_text("first<br><br>second") == "first\n\nsecond"


def test_html_to_text_plain_text_keeps_its_paragraphs():
    assert html_to_text("one &amp; two\n\nthree") == "one & two\n\nthree"


def test_html_to_text_non_ascii_survives():
    assert html_to_text("<p>The president’s ‘new’ 中文 é</p>") == "The president’s ‘new’ 中文 é"


def test_html_to_text_never_raises():
    assert html_to_text("") == ""
    assert html_to_text(None) == ""  # type: ignore[arg-type]
    assert html_to_text("   ") == ""
    assert html_to_text("<p>\x00nul</p>") == "nul"
    assert html_to_text("<p>unclosed <b>tags <i>everywhere") == "unclosed tags everywhere"
    assert isinstance(html_to_text("<div>" * 50_000 + "deep"), str)
    assert isinstance(html_to_text("\ud800 lone surrogate <p>x</p>"), str)


# --- extract_page -------------------------------------------------------------------------------------


def test_extract_page_keeps_article_drops_comments_and_nav():
    article = extract_page(blog_page().encode("utf-8"), url="https://gazette.example/library")
    assert article is not None
    for paragraph in PARAGRAPHS:
        assert paragraph in article.text
    assert "\n\n" in article.text  # paragraphs separated by a blank line
    assert COMMENT not in article.text
    assert "parking fees" not in article.text
    assert "All rights reserved" not in article.text
    assert "<p>" not in article.text
    assert article.title == "Council approves library budget"
    assert article.url == "https://gazette.example/library"
    assert article.source == "City Gazette"
    assert article.published is not None and article.published.date().isoformat() == "2024-03-05"


def test_extract_page_sniffs_charset_from_bytes():
    page = blog_page().replace('charset="utf-8"', 'charset="iso-8859-2"').replace("Maria Lopez", "Łucja Żółć")
    article = extract_page(page.encode("iso-8859-2"))
    assert article is not None
    assert "Łucja Żółć" in article.text


def test_extract_page_none_without_article_text():
    assert extract_page(b"") is None
    assert extract_page("") is None
    assert extract_page(b"<html><head><title>Nothing</title></head><body></body></html>") is None
    assert extract_page(b"<html><body><script>var a = 1;</script></body></html>") is None


def test_extract_page_hostile_input_never_raises():
    started = time.perf_counter()
    assert extract_page(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40) is None
    # Each must simply return (None or an article) without raising.
    extract_page(("<div>" * 100_000 + "deep text").encode())
    extract_page(b"<html><body><p>broken <b><i>markup</p></div></span>" * 200)
    extract_page("\udcff" * 10)
    extract_page(b"\xff\xfe" + "<p>utf-16 page</p>".encode("utf-16-le"))
    assert time.perf_counter() - started < 15


# --- parse_date ---------------------------------------------------------------------------------------


def test_parse_date_formats():
    assert parse_date("2006-01-12") == datetime(2006, 1, 12, tzinfo=UTC)
    assert parse_date("2026-01-01T10:00:00Z") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert parse_date("2026-01-01T12:00:00+02:00") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert parse_date("2026-01-01 10:00:00 UTC") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert parse_date("2026-01-01 12:00 +0200") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert parse_date("Thu, 01 Jan 2026 10:00:00 GMT") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert parse_date("Thu, 01 Jan 2026 05:00:00 -0500") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert parse_date(time.struct_time((2026, 1, 1, 10, 0, 0, 3, 1, 0))) == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert parse_date(1767261600) == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert parse_date(1767261600000) == datetime(2026, 1, 1, 10, tzinfo=UTC)  # milliseconds
    assert parse_date("1767261600") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    naive = parse_date(datetime(2026, 1, 1, 10))
    assert naive == datetime(2026, 1, 1, 10, tzinfo=UTC) and naive.tzinfo is not None
    aware = parse_date(datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert aware == datetime(2026, 1, 1, 10, tzinfo=UTC) and aware.utcoffset() == timedelta(0)


def test_parse_date_garbage_is_none():
    for value in (None, "", "   ", "yesterday-ish", "2026-13-45", "2006", True, [], {}, float("nan"),
                  float("inf"), 10**30, "Thu, 99 Foo 2026", "0000-00-00", "9999-12-31T23:59:59-05:00", object()):
        assert parse_date(value) is None, value
