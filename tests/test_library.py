"""Ingest service and queries over a real store in tmp_path: ids, canonical URLs, dedup, titles, latest, search."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.services.intake import Intake
from bot.core.enrich import EmptyArticle, build_article
from bot.core.models import RawArticle
from bot.core.text import derive_title
from bot.core.urls import canonical_url
from bot.compose import library_at

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)


@pytest.fixture
def library(tmp_path):
    library = library_at(tmp_path)
    yield library
    library.close()


def raw(text: str, title: str = "", url: str | None = None, days_ago: int = 0, source: str = "test") -> RawArticle:
    return RawArticle(text=text, title=title, url=url, published=NOW - timedelta(days=days_ago), source=source)


@pytest.mark.parametrize("url, expected", [
    ("HTTPS://News.Example.COM/a?utm_source=x&id=3&fbclid=y#top", "https://news.example.com/a?id=3"),
    ("http://example.com:80", "http://example.com/"),
    ("https://example.com:8443/x?b=2&a=1", "https://example.com:8443/x?b=2&a=1"),
    ("ftp://example.com/file", None),
    ("not a url", None),
    ("", None),
])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_title_is_a_headline_cut_where_a_clause_starts():
    seed = ("Former National Security Adviser Michael Flynn has told associates that he spoke to Russia’s "
            "ambassador to the U.S. during the 2016 campaign about how the two countries could work together.")
    assert derive_title(seed) == "Former National Security Adviser Michael Flynn has told associates"
    assert derive_title("Dr. Smith met Sen. Jones in the U.S. capital. Then more.") == "Dr. Smith met Sen. Jones in the U.S. capital"
    # A trailing attribution goes when that makes the sentence fit; a dateline never opens a title.
    assert derive_title("Kathmandu, Nepal (CNN) — Rescuers pulled a man alive from the wreckage of a hotel in the "
                        "capital on Sunday, officials said.") == (
        "Rescuers pulled a man alive from the wreckage of a hotel in the capital on Sunday")
    # Punctuation beats clause words; a cut never leaves "the", "of" or a possessive at the end.
    long = ("The council of the small coastal town of Kelmouth, meeting late on a stormy Tuesday evening in the old "
            "harbour hall, voted to close the ferry.")
    assert derive_title(long) == "The council of the small coastal town of Kelmouth"
    # A score is not a dash: "1 – 0" stays whole or is not cut into.
    score = "Yesterday, on day five of the World Cup, Sweden defeated South Korea 1 – 0 in a tense match at the stadium."
    assert not derive_title(score).endswith(" 1")
    # With nowhere to cut, a word boundary and an ellipsis: never a cut word.
    words = ("Supercalifragilistic " * 8).strip() + "."
    title = derive_title(words)
    assert title.endswith("…") and all(w == "Supercalifragilistic" for w in title[:-1].split())


def test_ids_are_stable_from_url_else_text():
    a = build_article(raw("Some text here.", url="https://x.example/a?utm_medium=rss"), NOW)
    b = build_article(raw("Different text.", url="https://X.example/a#frag"), NOW + timedelta(days=1))
    assert a.id == b.id and a.url == "https://x.example/a"
    c = build_article(raw("Same   words,  SAME words."), NOW)
    d = build_article(raw("same words; same words"), NOW)
    assert c.id == d.id and c.id != a.id
    with pytest.raises(EmptyArticle):
        build_article(raw("   "), NOW)


def test_ingest_dedups_by_canonical_url_and_by_text(library):
    first = Intake(library).add([raw("Flynn spoke to Kislyak.", "Flynn story", "https://n.example/1?utm_source=tw")], NOW)
    again = Intake(library).add([
        raw("Flynn spoke to Kislyak. Updated with more detail.", "Flynn story (updated)", "https://n.example/1"),
        raw("FLYNN spoke to   Kislyak!", "Another outlet", "https://other.example/copy"),  # same normalised text
    ], NOW + timedelta(hours=1))
    assert first.added and again.updated == first.added
    assert len(library.articles) == 1
    stored = library.get(first.added[0])
    assert stored.title == "Another outlet" and stored.url == "https://other.example/copy"
    assert stored.fetched_at == NOW.isoformat(timespec="seconds")


def test_latest_is_whole_word_and_newest_first(library):
    Intake(library).add([
        raw("Michael Flynn pleaded guilty.", "Old Flynn", "https://n.example/1", days_ago=3),
        raw("A parade in Flynnville drew crowds.", "Town news", "https://n.example/2", days_ago=1),
        raw("Flynn’s lawyer spoke to reporters.", "New Flynn", "https://n.example/3", days_ago=0),
        raw("Robert said Mueller was busy.", "Split name", "https://n.example/4", days_ago=0),
        raw("Special counsel Robert Mueller filed.", "Mueller", "https://n.example/5", days_ago=2),
    ], NOW)
    assert [a.title for a in library.latest("flynn")] == ["New Flynn", "Old Flynn"]
    assert [a.title for a in library.latest("Flynn", limit=1)] == ["New Flynn"]
    assert [a.title for a in library.latest("Robert Mueller")] == ["Mueller"]
    assert [a.title for a in library.latest("Michael Flynn")] == ["Old Flynn"]
    assert [a.title for a in library.latest("parade")] == ["Town news"]
    assert library.latest("Nobody Atall") == []
    assert library.latest("  ") == []


def test_latest_falls_back_to_text_for_words_never_capitalised(library):
    Intake(library).add([raw("the sanctions were lifted", "", "https://n.example/9")], NOW)
    assert [a.url for a in library.latest("sanctions")] == ["https://n.example/9"]


def test_search_ranks_title_hits_first_then_recency(library):
    Intake(library).add([
        raw("Body mentions sanctions on Russia.", "Markets today", "https://n.example/1", days_ago=0),
        raw("Nothing here.", "Russia sanctions extended", "https://n.example/2", days_ago=5),
        raw("Older body about sanctions and Russia.", "Weekly recap", "https://n.example/3", days_ago=9),
        raw("Only Russia.", "Russia news", "https://n.example/4", days_ago=0),
    ], NOW)
    titles = [a.title for a in library.search("Russia sanctions")]
    assert titles == ["Russia sanctions extended", "Markets today", "Weekly recap"]
    assert [a.title for a in library.search("russia SANCTIONS", limit=1)] == ["Russia sanctions extended"]
    assert library.search("!!!") == []


def test_text_search_sees_updates_of_recent_articles(library):
    Intake(library).add([raw("A quiet day at the council.", "Council", "https://n.example/c")], NOW)
    assert library.search("bridge") == []
    Intake(library).add([raw("The council approved a new bridge.", "Council", "https://n.example/c")], NOW)
    assert [a.title for a in library.search("bridge")] == ["Council"]
    assert [a.url for a in library.latest("approved")] == ["https://n.example/c"]


def test_bundled_wikinews_seeds_carry_no_tokenisation_artefacts():
    root = Path(__file__).resolve().parents[1]
    rows = [json.loads(line) for line in (root / "seeds" / "wikinews_gum.jsonl").read_text().splitlines()]
    assert len(rows) == 24
    for row in rows:
        for field in ("title", "text"):
            value = row[field]
            assert not re.search(r"\w - \w|\(\(\w+\)\)| 's\b| n't\b| [,.;:!?](?:\s|$)", value), (row["id"], field)
