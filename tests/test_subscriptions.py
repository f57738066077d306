"""The subscriptions service over a real ChatStore and a real Library in tmp_path: bot/subscriptions.py."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

import bot.services.subscriptions as subs_module
from bot.services.intake import Intake
from bot.core.enrich import build_article
from bot.compose import library_at
from bot.core.models import RawArticle
from bot.services.subscriptions import LIMIT_MESSAGE, MAX_TOPICS, Subscriptions
from bot.core.topics import MAX_CHARS
from storage.tinydb.chats import ChatStore

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
ALICE, BOB, GROUP = 111, 222, -1001


def raw(title: str, text: str, hours_ago: float, url: str | None = None) -> RawArticle:
    return RawArticle(text=text, title=title, url=url, published=NOW - timedelta(hours=hours_ago), source="Test")


ARTICLES = [
    raw("Flynn pleads guilty", "Michael Flynn pleaded guilty on Friday to lying to the FBI.", 1, "https://n.example/1"),
    raw("Kislyak talks", "Sergey Kislyak met Flynn in December to discuss sanctions.", 2, "https://n.example/2"),
    raw("Flynn and the football club", "Flynn watched the sport match with friends. It was a draw.", 3,
        "https://n.example/3"),
    raw("Old Flynn story", "Flynn was appointed national security adviser.", 30, "https://n.example/4"),
    raw("Robert Mueller's inquiry", "Robert Mueller expanded the inquiry into Russia.", 5, "https://n.example/5"),
    raw("Weather", "Rain is expected in the north.", 0.5, "https://n.example/6"),
]


@pytest.fixture
def world(tmp_path):
    library = library_at(tmp_path / "data", now=NOW.timestamp())
    Intake(library).add(ARTICLES, NOW)
    chats = ChatStore(tmp_path / "data" / "chats")
    for chat_id, kind in ((ALICE, "private"), (BOB, "private"), (GROUP, "group")):
        chats.ensure_chat(chat_id, kind, str(chat_id), NOW)
    yield Subscriptions(chats, library), chats, library
    library.close()


def article_titled(library, title):
    return next(a for a in (library.get(e.id) for e in library.articles.newest()) if a.title == title)


def test_subscribe_answers_with_the_newest_matching_articles(world):
    subs, chats, _ = world
    result = subs.subscribe(ALICE, "  Flynn  ", NOW)
    assert result.ok and result.status == "subscribed"
    assert result.message == "Subscribed to Flynn (topic 1)."
    assert (result.topic.chat_id, result.topic.topic_id, result.topic.text, result.topic.mode) == \
        (ALICE, 1, "Flynn", "instant")
    assert [a.title for a in result.preview] == ["Flynn pleads guilty", "Kislyak talks", "Flynn and the football club"]
    assert chats.topics(ALICE) == [result.topic]


def test_preview_honours_exclusions_and_lower_case_topics(world):
    subs, _, _ = world
    result = subs.subscribe(ALICE, "flynn -sport", NOW)
    assert [a.title for a in result.preview] == ["Flynn pleads guilty", "Kislyak talks", "Old Flynn story"]
    assert subs.subscribe(ALICE, '"robert mueller"', NOW).preview[0].title == "Robert Mueller's inquiry"
    assert subs.subscribe(ALICE, "rain north", NOW).preview[0].title == "Weather"  # no names: the scan
    assert subs.subscribe(ALICE, "Zanzibar", NOW).preview == []


@pytest.mark.parametrize("text, message", [
    ("", "The topic is empty"),
    ("x" * (MAX_CHARS + 1), f"keep it to {MAX_CHARS} or fewer"),
    ('"Robert Mueller', "never closed"),
    ("-sport", "only excludes"),
])
def test_bad_topics_get_the_parser_message(world, text, message):
    subs, chats, _ = world
    result = subs.subscribe(ALICE, text, NOW)
    assert result.status == "invalid" and message in result.message and "\n" not in result.message
    assert chats.count_topics(ALICE) == 0 and len(subs.index) == 0


def test_duplicate_topics_are_refused_kindly(world):
    subs, chats, _ = world
    subs.subscribe(ALICE, '"Robert Mueller" -sport', NOW)
    for again in ('"Robert Mueller" -sport', '"robert  mueller"   -Sport', "“Robert Mueller” -sports"):
        result = subs.subscribe(ALICE, again, NOW)
        assert result.status == "duplicate" and result.topic.topic_id == 1
        assert result.message == 'You already follow "Robert Mueller" -sport (topic 1).'
    assert chats.count_topics(ALICE) == 1
    assert subs.subscribe(BOB, '"Robert Mueller" -sport', NOW).ok  # another chat may follow the same


def test_at_most_fifty_topics(world):
    subs, chats, _ = world
    for i in range(MAX_TOPICS):
        assert subs.subscribe(GROUP, f"word{i}", NOW).ok
    result = subs.subscribe(GROUP, "Flynn", NOW)
    assert result.status == "limit" and result.message == LIMIT_MESSAGE
    assert chats.count_topics(GROUP) == MAX_TOPICS
    subs.unsubscribe(GROUP, "7")
    assert subs.subscribe(GROUP, "Flynn", NOW).topic.topic_id == MAX_TOPICS + 1


def test_unsubscribe_by_number_or_text(world):
    subs, chats, library = world
    subs.subscribe(ALICE, "Flynn", NOW)
    subs.subscribe(ALICE, '"Robert Mueller" Russia', NOW)
    subs.subscribe(ALICE, "Kislyak -sport", NOW)
    subs.subscribe(ALICE, "2024", NOW)
    assert subs.unsubscribe(ALICE, "#1").topic.text == "Flynn"
    removed = subs.unsubscribe(ALICE, "robert mueller russia")  # quotes and case do not matter
    assert removed.ok and removed.topic.topic_id == 2 and removed.message == 'Unsubscribed from "Robert Mueller" Russia.'
    assert subs.unsubscribe(ALICE, "KISLYAK  -sport").topic.topic_id == 3
    assert subs.unsubscribe(ALICE, "2024").topic.topic_id == 4  # no topic 2024: then it is the text
    assert chats.topics(ALICE) == []
    for ref in ("1", "#9", "Flynn", "  "):
        result = subs.unsubscribe(ALICE, ref)
        assert not result.ok and result.status in ("not_found", "invalid") and "\n" not in result.message
    assert subs.match_article(article_titled(library, "Flynn pleads guilty"), NOW) == []


def test_a_chat_cannot_touch_another_chats_topics(world):
    subs, chats, library = world
    alice = subs.subscribe(ALICE, "Flynn", NOW).topic
    bob = subs.subscribe(BOB, "Mueller", NOW).topic
    subs.subscribe(BOB, "Kislyak", NOW)
    before = (chats.topics(ALICE), chats.topics(BOB))
    # Bob names Alice's topic by its text, and by a number only Alice has.
    assert subs.unsubscribe(BOB, "Flynn").status == "not_found"
    assert subs.unsubscribe(BOB, "3").status == "not_found"
    assert not subs.set_mode(GROUP, alice.topic_id, "digest")
    assert not subs.mute(GROUP, alice.topic_id, NOW + timedelta(hours=24))
    assert subs.forget(GROUP)["chat_id"] == GROUP
    assert (chats.topics(ALICE), chats.topics(BOB)) == before
    # Bob's topic 1 is his own: removing "1" in Bob's chat leaves Alice's topic 1 alone.
    assert subs.unsubscribe(BOB, "1").topic == bob
    assert chats.topics(ALICE) == before[0]
    assert [m.chat_id for m in subs.match_article(article_titled(library, "Flynn pleads guilty"), NOW)] == [ALICE]
    assert subs.export(BOB)["topics"][0]["text"] == "Kislyak" and "Flynn" not in json.dumps(subs.export(BOB))


def test_match_article_modes_exclusions_mutes_and_pauses(world):
    subs, chats, library = world
    subs.subscribe(ALICE, "Flynn -sport", NOW)
    subs.subscribe(BOB, "Flynn", NOW)
    subs.subscribe(BOB, "football", NOW)
    subs.subscribe(GROUP, "Flynn", NOW)
    subs.set_mode(GROUP, 1, "digest")
    football = article_titled(library, "Flynn and the football club")
    found = subs.match_article(football, NOW)
    assert [(m.chat_id, m.topic_id, m.mode) for m in found] == \
        [(GROUP, 1, "digest"), (BOB, 1, "instant"), (BOB, 2, "instant")]  # Alice excluded "sport"
    assert found[1].why() == "Flynn (in title)" and found[2].why() == "football (in title)"
    guilty = article_titled(library, "Flynn pleads guilty")
    assert {m.chat_id for m in subs.match_article(guilty, NOW)} == {ALICE, BOB, GROUP}
    # Muted until tomorrow: left out until then.
    assert subs.mute(BOB, 1, NOW + timedelta(hours=24))
    assert {m.chat_id for m in subs.match_article(guilty, NOW)} == {ALICE, GROUP}
    assert {m.chat_id for m in subs.match_article(guilty, NOW + timedelta(hours=25))} == {ALICE, BOB, GROUP}
    assert subs.mute(BOB, 1, None)
    # A chat that blocked the bot gets nothing until it writes again.
    chats.update_chat(ALICE, paused=True)
    assert {m.chat_id for m in subs.match_article(guilty, NOW)} == {BOB, GROUP}
    chats.ensure_chat(ALICE, "private", "a", NOW)
    assert {m.chat_id for m in subs.match_article(guilty, NOW)} == {ALICE, BOB, GROUP}
    with pytest.raises(ValueError):
        subs.set_mode(ALICE, 1, "loud")


def test_forget_and_export(world):
    subs, chats, library = world
    chats.update_chat(ALICE, tz="Europe/Berlin", quiet=("22:00", "07:00"), digest={"kind": "daily", "time": "08:00"})
    subs.subscribe(ALICE, "Flynn", NOW)
    subs.subscribe(ALICE, "Kislyak", NOW)
    subs.set_mode(ALICE, 2, "digest")
    exported = subs.export(ALICE)
    assert json.loads(json.dumps(exported)) == exported
    assert exported["tz"] == "Europe/Berlin" and exported["quiet"] == ["22:00", "07:00"]
    assert [(t["topic_id"], t["text"], t["mode"]) for t in exported["topics"]] == [(1, "Flynn", "instant"),
                                                                                  (2, "Kislyak", "digest")]
    gone = subs.forget(ALICE)
    assert [t["text"] for t in gone["topics"]] == ["Flynn", "Kislyak"]
    assert chats.get_chat(ALICE) is None and subs.export(ALICE) == {} and subs.forget(ALICE) == {}
    assert subs.match_article(article_titled(library, "Kislyak talks"), NOW) == []


def test_migrate_rekeys_the_index(world):
    subs, chats, library = world
    subs.subscribe(GROUP, "Flynn", NOW)
    assert chats.migrate_chat(GROUP, -100999).chat_id == -100999  # the store's listener re-keys the index
    found = subs.match_article(article_titled(library, "Flynn pleads guilty"), NOW)
    assert [(m.chat_id, m.topic_id) for m in found] == [(-100999, 1)]
    assert subs.unsubscribe(GROUP, "1").status == "not_found"


def test_index_is_rebuilt_from_the_store_after_a_restart(tmp_path, world):
    subs, chats, library = world
    subs.subscribe(ALICE, "Flynn -sport", NOW)
    subs.subscribe(BOB, '"Robert Mueller"', NOW)
    chats.close()
    again = Subscriptions(ChatStore(tmp_path / "data" / "chats"), library)
    assert len(again.index) == 2
    assert [m.chat_id for m in again.match_article(article_titled(library, "Robert Mueller's inquiry"), NOW)] == [BOB]
    assert again.subscribe(ALICE, "flynn -SPORT", NOW).status == "duplicate"


@pytest.fixture(scope="module")
def big_library(tmp_path_factory):
    """3,000 stored articles (built without the slow enrichment) and 3 Flynn stories among the oldest."""
    path = tmp_path_factory.mktemp("big")
    library = library_at(path, now=NOW.timestamp())
    docs = []
    for i in range(3000):
        title, text = f"Council meeting {i}", f"The council of town {i} discussed roads, parks and budgets at length."
        if i in (10, 20, 30):
            title, text = f"Flynn report {i}", f"Michael Flynn was mentioned in report {i}."
        docs.append(build_article(RawArticle(text=text, title=title, url=f"https://big.example/{i}",
                                             published=NOW - timedelta(minutes=3000 - i)), NOW, enrich=False).to_doc())
    Intake(library).store(docs, NOW)
    yield library
    library.close()


def counting_loads(monkeypatch, library) -> list[str]:
    loaded: list[str] = []
    original = library.articles.get

    def get(article_id):
        loaded.append(article_id)
        return original(article_id)

    monkeypatch.setattr(library.articles, "get", get)
    return loaded


def test_preview_on_a_big_store_reads_few_articles(big_library, tmp_path, monkeypatch):
    subs = Subscriptions(ChatStore(tmp_path / "chats"), big_library)
    subs.chats.ensure_chat(ALICE, "private", "a", NOW)
    loaded = counting_loads(monkeypatch, big_library)
    started = time.perf_counter()
    result = subs.subscribe(ALICE, "Flynn", NOW)
    elapsed = time.perf_counter() - started
    assert [a.title for a in result.preview] == ["Flynn report 30", "Flynn report 20", "Flynn report 10"]
    assert len(loaded) <= 10, len(loaded)  # the name index found them: no scan of 3,000 texts
    assert elapsed < 1.0


def test_preview_without_names_scans_a_bounded_window(big_library, tmp_path, monkeypatch):
    monkeypatch.setattr(subs_module, "SCAN_LIMIT", 500)
    subs = Subscriptions(ChatStore(tmp_path / "chats"), big_library)
    subs.chats.ensure_chat(ALICE, "private", "a", NOW)
    loaded = counting_loads(monkeypatch, big_library)
    assert [a.title for a in subs.subscribe(ALICE, "roads parks", NOW).preview] == \
        ["Council meeting 2999", "Council meeting 2998", "Council meeting 2997"]
    assert len(loaded) <= 500 + 3  # the window (read once into the text cache), not the store
    loaded.clear()
    assert subs.subscribe(ALICE, "unicorn", NOW).preview == []
    assert len(loaded) == 0  # the window's texts are cached: no article is read again
    loaded.clear()
    subs.subscribe(ALICE, "parks roads council", NOW)
    assert len(loaded) == 3  # only the matches are read


def test_changes_made_through_the_store_keep_the_index_in_step(world):
    """Delivery migrates groups and handlers may forget chats through ChatStore directly."""
    subs, chats, library = world
    subs.subscribe(GROUP, "Flynn", NOW)
    subs.subscribe(BOB, "Flynn", NOW)
    subs.subscribe(ALICE, "Flynn", NOW)
    guilty = article_titled(library, "Flynn pleads guilty")
    chats.migrate_chat(GROUP, -100777)
    chats.forget_chat(BOB)
    chats.remove_topic(ALICE, 1)
    assert [(m.chat_id, m.topic_id) for m in subs.match_article(guilty, NOW)] == [(-100777, 1)]
    assert len(subs.index) == 1
    chats.set_topic(-100777, 1, text="Kislyak", canonical="Kislyak")
    assert subs.match_article(guilty, NOW) == []
    assert [m.chat_id for m in subs.match_article(article_titled(library, "Kislyak talks"), NOW)] == [-100777]


def test_result_error_property(world):
    subs, _, _ = world
    assert subs.subscribe(ALICE, "Flynn", NOW).error is None
    assert subs.subscribe(ALICE, "flynn", NOW).error.startswith("You already follow Flynn")
