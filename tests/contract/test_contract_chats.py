"""ChatStore as storage.contract states it: chats, settings, digest state, topics per chat, migration."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storage.contract import LAST_SEEN_EVERY, ChatRow, TopicRow

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)


def test_ensure_chat_creates_with_defaults(engine):
    row = engine.chats.ensure_chat(5, "private", "Ann", NOW)
    assert isinstance(row, ChatRow)
    assert (row.chat_id, row.type, row.title, row.tz, row.quiet, row.digest, row.paused) == \
        (5, "private", "Ann", "UTC", None, None, False)
    assert row.created == row.last_seen == "2026-11-28T10:00:00+00:00" and row.last_digest is None and row.prefs == {}
    assert engine.chats.get_chat(5) == row and 5 in engine.chats and len(engine.chats) == 1
    assert engine.chats.get_chat(6) is None and 6 not in engine.chats


def test_ensure_chat_records_type_and_title_and_refreshes_last_seen_coarsely(engine):
    chats = engine.chats
    chats.ensure_chat(-7, "group", "Old", NOW)
    soon = chats.ensure_chat(-7, "", "", NOW + LAST_SEEN_EVERY / 2)
    assert soon.title == "Old" and soon.last_seen == "2026-11-28T10:00:00+00:00"
    later = chats.ensure_chat(-7, "supergroup", "New", NOW + LAST_SEEN_EVERY)
    assert (later.type, later.title) == ("supergroup", "New")
    assert later.last_seen == (NOW + LAST_SEEN_EVERY).isoformat(timespec="seconds") and later.created == soon.created
    with pytest.raises(ValueError):
        chats.ensure_chat(8, "robot", "", NOW)


def test_a_chat_that_writes_again_is_no_longer_paused(engine):
    chats = engine.chats
    chats.ensure_chat(5, "private", "", NOW)
    chats.update_chat(5, paused=True)
    assert chats.is_paused(5) and not chats.is_paused(404)
    assert chats.ensure_chat(5, "private", "", NOW).paused is False and not chats.is_paused(5)


def test_update_chat_sets_settings_and_refuses_unknown_fields(engine):
    chats = engine.chats
    chats.ensure_chat(5, "private", "", NOW)
    row = chats.update_chat(5, tz="Europe/Paris", quiet=("22:00", "07:00"), prefs={"lang": "fr"},
                            digest={"kind": "weekly", "time": "08:30", "day": 2})
    assert row.tz == "Europe/Paris" and row.quiet == ("22:00", "07:00") and row.prefs == {"lang": "fr"}
    assert row.digest == {"kind": "weekly", "time": "08:30", "day": 2} and chats.get_chat(5) == row
    assert chats.update_chat(5, quiet=None, digest=None).quiet is None
    assert chats.update_chat(404, tz="UTC") is None
    with pytest.raises(ValueError):
        chats.update_chat(5, colour="blue")
    with pytest.raises(ValueError):
        chats.update_chat(5, type="robot")


def test_rows_are_not_shared_with_the_store(engine):
    chats = engine.chats
    chats.ensure_chat(5, "private", "", NOW)
    chats.update_chat(5, prefs={"lang": "fr"})
    chats.get_chat(5).prefs["lang"] = "changed by the caller"
    assert chats.get_chat(5).prefs == {"lang": "fr"}


def test_digest_state_is_kept_as_iso_utc_and_survives_reopen(engines):
    engine = engines.open()
    engine.chats.ensure_chat(5, "private", "", NOW)
    slot = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    assert engine.chats.update_chat(5, last_digest=slot).last_digest == "2026-11-28T08:00:00+00:00"
    engine.chats.update_chat(5, digest={"kind": "daily", "time": "09:00"})
    again = engines.reopen(engine)
    row = again.chats.get_chat(5)
    assert row.last_digest == "2026-11-28T08:00:00+00:00" and row.digest == {"kind": "daily", "time": "09:00"}


def test_topics_are_numbered_per_chat_and_numbers_never_reused(engine):
    chats = engine.chats
    chats.ensure_chat(1, "private", "", NOW)
    chats.ensure_chat(2, "private", "", NOW)
    first = chats.add_topic(1, "Flynn", "flynn", NOW)
    assert isinstance(first, TopicRow) and (first.chat_id, first.topic_id, first.mode) == (1, 1, "instant")
    assert chats.add_topic(1, "Mueller", "mueller", NOW, mode="digest").topic_id == 2
    assert chats.add_topic(2, "Syria", "syria", NOW).topic_id == 1
    chats.remove_topic(1, 2)
    assert chats.add_topic(1, "Iran", "iran", NOW).topic_id == 3
    assert [t.topic_id for t in chats.topics(1)] == [1, 3] and chats.count_topics(1) == 2
    assert sorted((t.chat_id, t.topic_id) for t in chats.all_topics()) == [(1, 1), (1, 3), (2, 1)]


def test_add_topic_needs_a_known_chat_and_a_known_mode(engine):
    with pytest.raises(KeyError):
        engine.chats.add_topic(404, "Flynn", "flynn", NOW)
    engine.chats.ensure_chat(1, "private", "", NOW)
    with pytest.raises(ValueError):
        engine.chats.add_topic(1, "Flynn", "flynn", NOW, mode="sometimes")
    assert engine.chats.topics(1) == [] and engine.chats.topics(404) == [] and engine.chats.count_topics(404) == 0


def test_topic_operations_never_reach_another_chat(engine):
    chats = engine.chats
    for chat in (1, 2):
        chats.ensure_chat(chat, "private", "", NOW)
    chats.add_topic(1, "Flynn", "flynn", NOW)
    chats.add_topic(2, "Syria", "syria", NOW)
    assert chats.remove_topic(1, 5) is None and chats.get_topic(1, 5) is None
    assert chats.set_topic(3, 1, mode="digest") is None
    assert chats.remove_topic(2, 1).text == "Syria"
    assert chats.get_topic(1, 1).text == "Flynn" and chats.topics(2) == []


def test_set_topic_mode_and_mute(engine):
    chats = engine.chats
    chats.ensure_chat(1, "private", "", NOW)
    chats.add_topic(1, "Flynn", "flynn", NOW)
    assert chats.set_topic(1, 1, mode="digest").mode == "digest"
    muted = chats.set_topic(1, 1, muted_until=NOW + timedelta(hours=2))
    assert muted.muted_until == "2026-11-28T12:00:00+00:00"
    assert muted.muted(NOW) and not muted.muted(NOW + timedelta(hours=3))
    assert chats.get_topic(1, 1) == muted
    with pytest.raises(ValueError):
        chats.set_topic(1, 1, mode="sometimes")
    with pytest.raises(ValueError):
        chats.set_topic(1, 1, colour="blue")


def test_forget_chat_removes_the_chat_and_its_topics(engine):
    chats = engine.chats
    chats.ensure_chat(1, "private", "Ann", NOW)
    chats.ensure_chat(2, "private", "Bob", NOW)
    chats.add_topic(1, "Flynn", "flynn", NOW)
    gone = chats.forget_chat(1)
    assert gone["chat_id"] == 1 and gone["title"] == "Ann" and [t["text"] for t in gone["topics"]] == ["Flynn"]
    assert chats.get_chat(1) is None and chats.topics(1) == [] and chats.forget_chat(1) is None
    assert [c.chat_id for c in chats.chats()] == [2] and chats.count_chats() == 1


def test_migrate_chat_moves_settings_and_topics(engine):
    chats = engine.chats
    chats.ensure_chat(-100, "group", "Team", NOW)
    chats.update_chat(-100, tz="Asia/Tokyo")
    chats.add_topic(-100, "Flynn", "flynn", NOW)
    moved = chats.migrate_chat(-100, -100200)
    assert moved.chat_id == -100200 and moved.type == "supergroup" and moved.tz == "Asia/Tokyo"
    assert [t.text for t in chats.topics(-100200)] == ["Flynn"] and chats.get_chat(-100) is None
    assert chats.migrate_chat(-100, -100200) is None  # already done
    assert chats.migrate_chat(-5, -6) is None


def test_migrate_into_a_chat_that_already_wrote_merges_topics(engine):
    chats = engine.chats
    chats.ensure_chat(-100, "group", "Team", NOW)
    chats.update_chat(-100, tz="Asia/Tokyo")
    chats.add_topic(-100, "Flynn", "flynn", NOW)
    chats.add_topic(-100, "Iran", "iran", NOW)
    chats.ensure_chat(-100200, "supergroup", "Team HQ", NOW)
    chats.add_topic(-100200, "Iran", "iran", NOW)
    chats.add_topic(-100200, "Syria", "syria", NOW)
    merged = chats.migrate_chat(-100, -100200)
    assert merged.tz == "Asia/Tokyo" and merged.type == "supergroup"
    assert [(t.topic_id, t.text) for t in chats.topics(-100200)] == [(1, "Flynn"), (2, "Iran"), (3, "Syria")]
    assert -100 not in chats and chats.count_chats() == 1


def test_listeners_hear_of_each_changed_chat(engine):
    heard: list[int] = []
    engine.chats.listeners.append(heard.append)
    engine.chats.ensure_chat(1, "private", "", NOW)
    engine.chats.ensure_chat(1, "private", "", NOW)  # nothing changed
    engine.chats.add_topic(1, "Flynn", "flynn", NOW)
    engine.chats.ensure_chat(2, "private", "", NOW)
    engine.chats.migrate_chat(2, 3)
    assert heard[:2] == [1, 1] and heard[2] == 2 and set(heard[3:]) == {2, 3}


def test_chats_topics_and_settings_survive_reopen(engines):
    engine = engines.open()
    engine.chats.ensure_chat(1, "private", "Ann", NOW)
    engine.chats.ensure_chat(-2, "group", "Team", NOW)
    engine.chats.update_chat(1, quiet=("23:00", "06:00"), paused=True)
    engine.chats.add_topic(1, "Flynn", "flynn", NOW)
    engine.chats.add_topic(-2, "Syria", "syria", NOW, mode="digest")
    engine.chats.remove_topic(1, 1)
    engine.chats.add_topic(1, "Iran", "iran", NOW)
    before = sorted(engine.chats.chats(), key=lambda c: c.chat_id), sorted(engine.chats.all_topics(), key=str)
    again = engines.reopen(engine)
    assert (sorted(again.chats.chats(), key=lambda c: c.chat_id), sorted(again.chats.all_topics(), key=str)) == before
    assert again.chats.add_topic(1, "Kislyak", "kislyak", NOW).topic_id == 3


def test_a_readonly_engine_reads_chats_and_refuses_writes(engines):
    writer = engines.open()
    writer.chats.ensure_chat(1, "private", "Ann", NOW)
    reader = engines.open(readonly=True)
    assert reader.chats.readonly and reader.chats.get_chat(1).title == "Ann"
    with pytest.raises(PermissionError):
        reader.chats.update_chat(1, tz="Europe/Paris")
    with pytest.raises(PermissionError):
        reader.chats.ensure_chat(2, "private", "", NOW)
