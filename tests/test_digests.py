"""Digest timing across DST changes, missed-digest catch-up, and composition from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services.intake import Intake
from bot.services.digests import compose, due_missed, since_for, slot_before
from bot.compose import library_at
from bot.core.models import RawArticle

UTC = timezone.utc


def at(tz: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)


@pytest.mark.parametrize("tz, before, after", [
    # Europe/Berlin moves from UTC+1 to UTC+2 on 2026-03-29 at 02:00 local.
    ("Europe/Berlin", datetime(2026, 3, 28, 6, 30, tzinfo=UTC), datetime(2026, 3, 29, 5, 30, tzinfo=UTC)),
    # America/New_York moves from UTC-5 to UTC-4 on 2026-03-08.
    ("America/New_York", datetime(2026, 3, 7, 12, 30, tzinfo=UTC), datetime(2026, 3, 8, 11, 30, tzinfo=UTC)),
])
def test_daily_digest_keeps_local_time_across_dst(tz, before, after):
    digest = {"kind": "daily", "time": "07:30"}
    assert slot_before(digest, tz, before + timedelta(minutes=1)) == before
    assert slot_before(digest, tz, after + timedelta(minutes=1)) == after
    assert slot_before(digest, tz, after - timedelta(minutes=1)) == before  # the day before, still
    assert after - before == timedelta(hours=23)  # the short day


def test_autumn_change_and_a_skipped_local_time():
    digest = {"kind": "daily", "time": "07:30"}
    # Europe/Berlin back to UTC+1 on 2026-10-25: 07:30 local is 06:30 UTC that day.
    assert slot_before(digest, "Europe/Berlin", datetime(2026, 10, 25, 7, tzinfo=UTC)) == datetime(2026, 10, 25, 6, 30, tzinfo=UTC)
    # 02:30 does not exist in Berlin on 2026-03-29: the digest runs at 03:30 local (01:30 UTC).
    skipped = {"kind": "daily", "time": "02:30"}
    assert slot_before(skipped, "Europe/Berlin", datetime(2026, 3, 29, 2, tzinfo=UTC)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_weekly_digest_on_its_day():
    digest = {"kind": "weekly", "day": 0, "time": "08:00"}  # Mondays
    friday = at("Europe/Berlin", 2026, 11, 27, 12, 0)
    assert slot_before(digest, "Europe/Berlin", friday) == at("Europe/Berlin", 2026, 11, 23, 8, 0)
    monday_early = at("Europe/Berlin", 2026, 11, 30, 7, 59)
    assert slot_before(digest, "Europe/Berlin", monday_early) == at("Europe/Berlin", 2026, 11, 23, 8, 0)


def test_missed_digest_is_sent_within_six_hours_and_never_twice():
    digest = {"kind": "daily", "time": "07:00"}
    slot = at("UTC", 2026, 11, 28, 7, 0)
    assert due_missed(digest, "UTC", None, slot + timedelta(hours=5)) == slot
    assert due_missed(digest, "UTC", None, slot + timedelta(hours=7)) is None
    assert due_missed(digest, "UTC", slot.isoformat(), slot + timedelta(hours=1)) is None
    earlier = (slot - timedelta(days=1)).isoformat()
    assert due_missed(digest, "UTC", earlier, slot + timedelta(hours=1)) == slot


@dataclass
class Row:
    topic_id: int
    text: str


def test_compose_groups_by_story_and_ranks(tmp_path):
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    library = library_at(tmp_path, now=now.timestamp())
    try:
        story = ("Michael Flynn spoke to Sergey Kislyak about sanctions during the transition, according to "
                 "two associates who described the contacts to reporters on Thursday in Washington. ") * 3
        Intake(library).add([RawArticle(story, "Flynn and Kislyak", "https://a.example/1", now - timedelta(hours=5), "A")],
                       now - timedelta(hours=5))
        Intake(library).add([RawArticle(story + " More detail.", "Flynn talks", "https://b.example/2", now - timedelta(hours=2), "B"),
                        RawArticle("Syria talks resumed in Geneva with envoys from Iran and Russia present.", "Syria",
                                   "https://c.example/3", now - timedelta(hours=1), "C")],
                       now - timedelta(hours=1))
        Intake(library).add([RawArticle("Old Flynn news from long ago about the campaign and the transition.", "Old",
                                   "https://d.example/4", now - timedelta(days=3), "D")], now - timedelta(days=3))
        since = since_for(None, now)
        groups = compose([Row(1, "Flynn"), Row(2, "Syria OR Iran"), Row(3, "Nobody")], since, now.timestamp(),
                         library.articles.fetched_since(since))
        assert [row.topic_id for row, _ in groups] == [1, 2]
        flynn = groups[0][1]
        assert len(flynn) == 1  # two reports, one story, the old article left out
        assert flynn[0].article.title == "Flynn and Kislyak" and sorted(flynn[0].sources) == ["A", "B"]
        assert [e.article.title for e in groups[1][1]] == ["Syria"]
        assert compose([Row(1, "Flynn")], now.timestamp(), now.timestamp(),
                       library.articles.fetched_since(now.timestamp())) == []
    finally:
        library.close()
