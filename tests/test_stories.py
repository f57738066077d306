"""Story grouping: near-duplicate reports share a story id within 48 h; unrelated articles never do."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.services.intake import Intake
from bot.compose import library_at
from bot.core.models import RawArticle
from bot.core.stories import StoryIndex, similarity, sketch

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
STORY = (
    "Former National Security Adviser Michael Flynn has told associates that he spoke to Russia's ambassador "
    "during the 2016 campaign about how the two countries could work together on key foreign policy matters.\n\n"
    "Two associates told the magazine that Flynn's contact with Sergey Kislyak predated the previously "
    "reported communications that the pair had during the post-election transition period.\n\n"
    "One associate said Flynn and Kislyak proposed a situation in which Moscow would work with the new "
    "administration to end the Syrian civil war in exchange for an end to sanctions against Russia.\n\n"
    "Flynn pleaded guilty last December to lying to the FBI and is set to be sentenced on December 18."
)
OTHER = (
    "At least 345 pilgrims were killed in a stampede during the annual Hajj pilgrimage near Mecca on "
    "Thursday, the Saudi Interior Ministry said, as crowds pressed towards the Jamarat Bridge.\n\n"
    "Officials had installed an oval wall with padded edges and placed 60,000 security personnel in the area."
)


def rewrite(text: str) -> str:
    """Another outlet's copy: a different last paragraph, a changed word or two."""
    paragraphs = text.split("\n\n")
    paragraphs[-1] = "He has been cooperating with special counsel Robert Mueller over the past year."
    return "\n\n".join(paragraphs).replace("magazine", "publication")


def test_similarity_separates_rewrites_from_other_news():
    a, b, c = sketch(STORY), sketch(rewrite(STORY)), sketch(OTHER)
    assert similarity(a, a) == 1.0
    assert similarity(a, b) >= 0.5
    assert similarity(a, c) <= 0.1
    assert sketch("") == "" and similarity("", a) == 0.0


def test_index_respects_the_48_hour_window():
    index = StoryIndex()
    t0 = NOW.timestamp()
    index.add("first", t0, sketch(STORY), "first")
    assert index.find(sketch(rewrite(STORY)), t0 + 3600)[0] == "first"
    assert index.find(sketch(rewrite(STORY)), t0 + 49 * 3600) is None
    assert index.find(sketch(OTHER), t0) is None
    index.prune(t0 + 200 * 3600)
    assert len(index) == 0


def test_ingest_gives_one_story_id_across_sources(tmp_path):
    library = library_at(tmp_path, now=NOW.timestamp())
    try:
        first = Intake(library).add([RawArticle(STORY, "Flynn spoke to Kislyak", "https://a.example/1", NOW, "A")], NOW)
        later = NOW + timedelta(hours=5)
        second = Intake(library).add([
            RawArticle(rewrite(STORY), "Flynn talked to Russian envoy", "https://b.example/x", later, "B"),
            RawArticle(OTHER, "Hajj stampede", "https://b.example/y", later, "B"),
        ], later)
        one, two, other = (library.get(i) for i in first.added + second.added)
        assert one.story_id == one.id
        assert two.story_id == one.id
        assert other.story_id == other.id
        # An update of a stored article keeps its story.
        Intake(library).add([RawArticle(OTHER + " Updated.", "Hajj stampede (update)", "https://b.example/y", later, "B")], later)
        assert library.get(other.id).story_id == other.id
    finally:
        library.close()
    # Reopened: the index is rebuilt from the stored sketches, so a third source still joins.
    reopened = library_at(tmp_path, now=(NOW + timedelta(hours=6)).timestamp())
    try:
        third = Intake(reopened).add([RawArticle(rewrite(STORY) + " More.", "Third", "https://c.example/z",
                                            NOW + timedelta(hours=6), "C")], NOW + timedelta(hours=6))
        assert reopened.get(third.added[0]).story_id == one.id
    finally:
        reopened.close()
