"""Telegram HTML rendering, the 4096 limit in UTF-16 units, splitting, and callback data: bot/core/formatting/."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.formatting import (
    MAX_MESSAGE, Html, article_id_from_markup, clip, esc, make_callback, parse_callback, render_alert,
    render_article_list, render_digest, render_digest_setting, render_latest, render_person_header,
    render_sources, render_subscribe, render_subscribed, render_summary, render_topics, render_who,
    split_html, visible_length,
)
from bot.services.library import LatestResult
from bot.core.models import Article
from bot.core.people import PersonSummary
from storage.tinydb.chats import TopicRow

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
NASTY = '<b>x</b> & y "quoted" \'single\''
AID = "ea06032562087661"


def article(i: int = 0, title: str = "Flynn spoke to Kislyak", url: str | None = "https://example.com/a?x=1&y=2",
            summary=None, source: str = "Example News", published: str | None = "2026-11-28T10:05:00+00:00",
            story_id: str | None = None) -> Article:
    return Article(id=f"{i:016x}" if i else AID, title=title, text="Body text. More body.", url=url, source=source,
                   published=published, fetched_at="2026-11-28T10:06:00+00:00", fingerprint="f",
                   summary=summary if summary is not None else ["Flynn spoke to Kislyak.", "They discussed Syria."],
                   summaries={"digest": ["Flynn spoke to Kislyak."], "full": ["One.", "Two.", "Three."]},
                   story_id=story_id)


TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")


def balanced(fragment: str) -> bool:
    """Every tag closed in order, no tag cut, no entity cut."""
    stack = []
    for closing, name in TAG.findall(fragment):
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    no_tags = TAG.sub("", fragment)
    return not stack and "<" not in no_tags and ">" not in no_tags and \
        all(re.match(r"&(amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);", no_tags[m.start():]) for m in re.finditer("&", no_tags))


def plain(fragment: str) -> str:
    return html.unescape(TAG.sub("", fragment))


# ---- escaping and length -------------------------------------------------------------------------

def test_esc():
    assert esc(NASTY) == "&lt;b&gt;x&lt;/b&gt; &amp; y &quot;quoted&quot; 'single'"
    assert esc(Html("<b>ok</b>")) == "<b>ok</b>"
    assert esc(5) == "5"


def test_visible_length_counts_utf16_after_parsing():
    assert visible_length("<b>abc</b>") == 3
    assert visible_length("&lt;b&gt; &amp; &quot;") == 7
    assert visible_length('<a href="https://x.example/?a=1&amp;b=2">link</a>') == 4
    assert visible_length("😀") == 2  # outside the BMP: a surrogate pair
    assert visible_length("漢字") == 2
    assert visible_length("&#128512;") == 2
    assert visible_length("e\u0301") == 2  # a combining accent is its own code unit


def test_clip_counts_utf16_and_cuts_at_words():
    assert clip("short", 10) == "short"
    cut = clip("word " * 100, 50)
    assert len(cut) <= 50 and cut.endswith("word…")
    emoji = clip("😀" * 100, 11)
    assert visible_length(emoji) <= 11 and emoji.endswith("…")


# ---- splitting -----------------------------------------------------------------------------------

def test_split_on_lines_within_limit():
    lines = [f"<b>line {i}</b> {'x' * 50}" for i in range(200)]
    parts = split_html("\n".join(lines), limit=500)
    assert len(parts) > 1
    assert all(visible_length(p) <= 500 and balanced(p) for p in parts)
    assert "\n".join(parts) == "\n".join(lines)


@pytest.mark.parametrize("unit", ["word ", "😀 ", "漢字漢字 ", "a&amp;b ", "ё́ "])
def test_split_overlong_line_closes_and_reopens_tags(unit):
    text = f'<b>{unit * 3000}</b><a href="https://x.example/?a=1&amp;b=2"><i>{unit * 2000}</i></a>'
    parts = split_html(text)
    assert len(parts) >= 2
    for p in parts:
        assert visible_length(p) <= MAX_MESSAGE, visible_length(p)
        assert balanced(p), p[:80] + " … " + p[-80:]
    joined = " ".join(plain(p) for p in parts)
    assert joined.split() == plain(text).split()  # nothing lost or doubled; cuts fell at spaces
    # Reopened link keeps its attributes.
    assert all(p.count('<a href="https://x.example/?a=1&amp;b=2">') == p.count("</a>") for p in parts)


def test_split_one_giant_word_cuts_between_characters_not_surrogates():
    text = "<b>" + "😀" * 5000 + "</b>"
    parts = split_html(text)
    assert len(parts) == 3
    assert all(balanced(p) and visible_length(p) <= MAX_MESSAGE for p in parts)
    assert "".join(plain(p) for p in parts) == "😀" * 5000


def test_split_drops_empty_pieces():
    assert split_html("") == []
    assert split_html("\n\n<b></b>\n") == []
    assert split_html("a\n\nb", limit=1) == ["a", "b"]


# ---- callback data -------------------------------------------------------------------------------

def test_callback_round_trip_and_size():
    for action, args in [("s", (AID,)), ("m", (3, AID)), ("m", (3,)), ("u", (50, AID)), ("i", (7,)), ("g", (7,)),
                         ("n", (1,)), ("tp", (4,))]:
        data = make_callback(action, *args)
        assert len(data.encode()) <= 64
        assert parse_callback(data) == (action, args)
    assert make_callback("m", 3, AID) == "m:3:ea06032562087661"


@pytest.mark.parametrize("action, args", [
    ("zz", (1,)), ("s", ("not-hex",)), ("s", (AID.upper(),)), ("m", (0,)), ("m", ("x",)), ("m", ()), ("s", (AID, 1)),
    ("m", (3, "a:b")), ("tp", (-1,)),
])
def test_make_callback_refuses_bad_data(action, args):
    with pytest.raises(ValueError):
        make_callback(action, *args)


@pytest.mark.parametrize("data", [
    None, 5, b"s:" + AID.encode(), "", ":", "s", "s:", "s:xyz", f"s:{AID}:1", "m:-1", "m:01", "m:1:short",
    "x" * 65, "m:" + "9" * 70, "s:" + AID + "\n", "é:1", "tp:1.5", "m:1:" + AID + ":extra",
])
def test_parse_callback_never_raises(data):
    assert parse_callback(data) is None


# ---- renderers -----------------------------------------------------------------------------------

def test_render_alert():
    text, keyboard = render_alert(article(), "Flynn (in title)", NOW, "Europe/Berlin", topic_id=3)
    assert text.startswith('<a href="https://example.com/a?x=1&amp;y=2">Flynn spoke to Kislyak</a>')
    assert "Example News · 11:05" in text  # 10:05 UTC is 11:05 in Berlin, today
    assert "Flynn spoke to Kislyak. They discussed Syria." in text
    assert "<i>matched: Flynn (in title)</i>" in text
    assert keyboard == [[("Summary", f"s:{AID}"), ("Mute 24 h", f"m:3:{AID}"), ("Unsubscribe", f"u:3:{AID}")]]
    assert balanced(text)


def test_render_alert_without_url_is_bold_and_older_dates_show_the_day():
    text, keyboard = render_alert(article(url=None, published="2026-11-20T10:05:00+00:00"), "", NOW, "UTC")
    assert text.startswith("<b>Flynn spoke to Kislyak</b>") and "20 Nov 10:05" in text
    assert "matched" not in text and keyboard == [[("Summary", f"s:{AID}")]]
    text, _ = render_alert(article(url="javascript:alert(1)", published="2025-01-02T00:00:00+00:00"), "", NOW, "UTC")
    assert "javascript" not in text and "2 Jan 2025" in text


def test_everything_from_articles_and_users_is_escaped():
    evil = article(title=NASTY, summary=[NASTY], source=NASTY, url='https://x.example/"><b>')
    outputs = [render_alert(evil, NASTY, NOW, "UTC", 1)[0], render_article_list(esc(NASTY), [evil], NOW, "UTC")[0],
               render_summary(evil), *render_digest([(NASTY, [evil])], NOW, "UTC"),
               render_topics([TopicRow(1, 1, NASTY, NASTY, "instant", None, "")])[0],
               render_person_header(type("P", (), {"name": NASTY, "role": NASTY})())]
    for out in outputs:
        assert "<b>x</b>" not in out and "& y" not in out and balanced(out), out
        assert '"><b>' not in out
        assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in out


def test_huge_title_and_topic_stay_within_one_message():
    long = "Flynn " * 834  # ~5,000 characters
    text, _ = render_alert(article(title=long, summary=[long]), long, NOW, "UTC", 1)
    assert visible_length(text) <= MAX_MESSAGE and balanced(text)
    text, _ = render_topics([TopicRow(1, i, long, long, "instant", None, "") for i in range(1, 11)])
    assert visible_length(text) <= MAX_MESSAGE and balanced(text)
    text, keyboard = render_article_list(long, [article(i, title=long, summary=[long]) for i in range(1, 11)], NOW, "UTC")
    assert visible_length(text) <= MAX_MESSAGE and balanced(text) and sum(map(len, keyboard)) == 10
    assert visible_length(render_summary(article(title=long, summary=[long]))) <= MAX_MESSAGE
    text, _ = render_article_list(esc(long) * 2, [article()], NOW, "UTC")  # a huge heading is cut
    assert visible_length(text) <= MAX_MESSAGE and balanced(text)


def test_render_article_list():
    person = render_person_header(type("P", (), {"name": "Sergey Kislyak", "role": "Russia's ambassador to the U.S."})())
    assert person == "<b>Sergey Kislyak</b> — Russia's ambassador to the U.S."
    arts = [article(i, title=f"Story {i}") for i in range(1, 8)]
    text, keyboard = render_article_list(person, arts, NOW, "UTC")
    assert text.startswith(person + "\n1. ") and "7. " in text and "    Flynn spoke to Kislyak." in text
    assert [len(r) for r in keyboard] == [5, 2] and keyboard[0][0] == ("📄 1", f"s:{1:016x}")
    text, _ = render_article_list(f"Latest on <b>{esc('<Flynn>')}</b>", arts, NOW, "UTC", with_summary=False)
    assert text.startswith("Latest on <b>&lt;Flynn&gt;</b>\n1. ") and "    " not in text


def test_render_topics_buttons_and_pages():
    rows = [TopicRow(1, i, f"topic {i}", f"topic {i}", "instant" if i % 2 else "digest",
                     "2026-11-29T12:00:00+00:00" if i == 2 else None, "") for i in range(1, 24)]
    text, keyboard = render_topics(rows, NOW, "UTC", limit=50)
    assert text.splitlines()[0] == "<b>Your topics</b> (23 of 50), page 1 of 3"
    assert "2. topic 2 — digest, muted until 29 Nov 12:00" in text
    assert keyboard[0] == [("#1 → digest", "g:1"), ("#1 mute 24 h", "m:1"), ("#1 remove", "u:1")]
    assert keyboard[1] == [("#2 → instant", "i:2"), ("#2 unmute", "n:2"), ("#2 remove", "u:2")]
    assert keyboard[-1] == [("next ›", "tp:1")]
    text, keyboard = render_topics(rows, NOW, "UTC", page=2)
    assert "21. topic 21" in text and "1. topic 1 " not in text and keyboard[-1] == [("‹ previous", "tp:1")]
    assert sum(len(r) for r in keyboard) <= 100
    text, keyboard = render_topics([])
    assert "/subscribe" in text and keyboard == []


def test_render_summary_lengths():
    text = render_summary(article())
    assert "One. Two. Three." in text and "Example News · 2026-11-28" in text
    assert "Flynn spoke to Kislyak." in render_summary(article(), "digest")
    assert "They discussed Syria." in render_summary(article(), "alert")
    assert "Example News · 11:05" in render_summary(article(), now=NOW, tz="Europe/Berlin")
    assert "Body text." in render_summary(Article(**{**article().to_doc(), "summary": [], "summaries": {}}))


def test_render_digest_groups_dedupes_stories_and_splits():
    a, b, c = article(1, title="A", story_id="s1"), article(2, title="B", story_id="s1"), article(3, title="C")
    messages = render_digest([("Flynn", [a, b]), ("Syria", [c, a])], NOW, "Europe/Berlin")
    assert len(messages) == 1
    text = messages[0]
    assert text.startswith("<b>Your digest</b> · Sat 28 Nov, 2 stories")
    assert text.count("• ") == 2 and ">A</a>" in text and ">B</a>" not in text  # B is the same story as A
    assert text.index("<b>Flynn</b>") < text.index(">A</a>") < text.index("<b>Syria</b>") < text.index(">C</a>")
    assert render_digest([("Flynn", [])], NOW, "UTC") == []

    many = [article(i, title=f"Story number {i} " + "x" * 200) for i in range(1, 120)]
    messages = render_digest([("Flynn", many[:60]), ("Iran 😀", many[60:])], NOW, "UTC")
    assert len(messages) > 2
    assert all(visible_length(m) <= MAX_MESSAGE and balanced(m) for m in messages)
    assert sum(m.count("• ") for m in messages) == 119
    assert any(m.startswith("<b>Flynn</b> (continued)") or m.startswith("<b>Iran 😀</b> (continued)")
               for m in messages[1:])


def test_render_subscribe():
    row = TopicRow(1, 4, '"Robert Mueller" -sport', '"Robert Mueller" -sport', "instant", None, "")
    ok = type("R", (), {"ok": True, "message": "ignored", "topic": row, "preview": [article()]})()
    text, keyboard = render_subscribe(ok, NOW, "UTC")
    assert text.startswith("Subscribed to <b>&quot;Robert Mueller&quot; -sport</b> (topic 4). "
                           "The newest stories that match:\n1. ")
    assert keyboard == [[("Send to digest instead", "g:4"), ("Undo", "u:4")]]
    assert render_subscribed(row, [article()], NOW, "UTC") == (text, keyboard)
    assert "Nothing stored matches yet" in render_subscribed(row, [], NOW, "UTC")[0]
    bad = type("R", (), {"ok": False, "message": NASTY, "topic": None, "preview": []})()
    assert render_subscribe(bad, NOW, "UTC") == (esc(NASTY), [])


def test_render_latest_and_who():
    kislyak = PersonSummary("Sergey Kislyak", ("Kislyak",), "Russia's ambassador to the U.S.", 2)
    found = LatestResult("found", [article(1), article(2)], person=kislyak)
    text, keyboard = render_latest("kislyak", found, NOW, "UTC")
    assert text.startswith("<b>Sergey Kislyak</b> — Russia's ambassador to the U.S.\n1. ") and len(keyboard[0]) == 2
    text, _ = render_who("kislyak", found, NOW, "UTC")
    assert "(also Kislyak)" in text and "in 2 stored stories" in text and "    " not in text
    two = LatestResult("ambiguous", candidates=(PersonSummary("John Smith", (), "a judge", 1),
                                                PersonSummary("Jane Smith", (), None, 1)))
    text, keyboard = render_latest("<Smith>", two, NOW, "UTC")
    assert "&lt;Smith&gt;" in text and "• <b>John Smith</b> — a judge" in text
    assert keyboard == [[("John Smith", "l:John Smith")], [("Jane Smith", "l:Jane Smith")]]
    assert render_who("Smith", two, NOW, "UTC")[0] == text.replace("&lt;Smith&gt;", "Smith")
    text, _ = render_latest("rain", LatestResult("text", [article()]), NOW, "UTC")
    assert text.startswith("Latest stories mentioning <b>rain</b>\n1. ")
    text, _ = render_latest("<x>", LatestResult("none"), NOW, "UTC")
    assert "Nothing stored mentions <b>&lt;x&gt;</b>" in text and balanced(text)
    assert "I don't know who <b>&lt;x&gt;</b> is" in render_who("<x>", LatestResult("none"), NOW, "UTC")[0]


def test_render_digest_setting_and_sources():
    assert render_digest_setting(None) == "Digest: <b>off</b>."
    assert render_digest_setting({"kind": "daily", "time": "07:30"}, "Europe/Berlin") == \
        "Digest: <b>daily at 07:30</b> (Europe/Berlin)."
    assert render_digest_setting({"kind": "weekly", "day": 0, "time": "08:00"}) == "Digest: <b>weekly on Monday at 08:00</b>."
    feeds = [type("F", (), {"name": NASTY, "url": "https://f.example/rss", "last_success": NOW - timedelta(hours=1),
                            "failing": True})(),
             type("F", (), {"name": "", "url": "https://g.example/rss", "last_success": None, "failing": False})()]
    text = render_sources(feeds, NOW)
    assert '<a href="https://f.example/rss">&lt;b&gt;x' in text and "updated 11:00, <b>failing</b>" in text
    assert "https://g.example/rss</a> — not fetched yet" in text and balanced(text)
    assert "/addsource" in render_sources([], NOW)


def test_article_id_from_markup():
    _, keyboard = render_alert(article(), "Flynn (in title)", NOW, "UTC", topic_id=3)
    markup = {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in keyboard]}
    assert article_id_from_markup(markup) == AID
    assert article_id_from_markup({"inline_keyboard": [[{"text": "x", "callback_data": "g:1"}]]}) is None
    for junk in (None, {}, {"inline_keyboard": "x"}, {"inline_keyboard": [[{"url": "https://x"}]]}, 5):
        assert article_id_from_markup(junk) is None


def test_local_time_uses_the_chat_timezone_day():
    late = article(published="2026-11-28T23:30:00+00:00")
    text, _ = render_alert(late, "", NOW + timedelta(hours=12), "Asia/Tokyo")
    assert "Example News · 29 Nov 08:30" in text or "Example News · 08:30" in text
    assert "08:30" in text
