"""Timezone names, times, quiet hours and digest schedules: bot/timezones.py."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core.timezones import is_quiet, parse_digest, parse_hhmm, parse_quiet, quiet_ends_at, resolve_timezone

UTC = timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("europe/berlin", "Europe/Berlin"), ("Europe/Berlin", "Europe/Berlin"), ("AMERICA/NEW_YORK", "America/New_York"),
    ("America/New York", "America/New_York"), ("Berlin", "Europe/Berlin"), ("new york", "America/New_York"),
    ("NYC", "America/New_York"), ("London", "Europe/London"), ("tokyo", "Asia/Tokyo"), ("Moscow", "Europe/Moscow"),
    ("Sydney", "Australia/Sydney"), ("Los Angeles", "America/Los_Angeles"), ("LA", "America/Los_Angeles"),
    ("Paris", "Europe/Paris"), ("Delhi", "Asia/Kolkata"), ("Mumbai", "Asia/Kolkata"), ("UTC", "UTC"), ("gmt", "UTC"),
    ("  sao paulo ", "America/Sao_Paulo"), ("Indianapolis", "America/Indiana/Indianapolis"),
    ("UTC+3", "Etc/GMT-3"), ("GMT-5", "Etc/GMT+5"), ("+0", "UTC"), ("EST", "America/New_York"),
])
def test_resolve_timezone(text, expected):
    got = resolve_timezone(text)
    # tzdata may list Indianapolis under either name; both are the same zone
    assert got == expected or (expected.endswith("Indianapolis") and got.endswith("Indianapolis"))
    ZoneInfo(got)


@pytest.mark.parametrize("text", ["Kyiv", "Kiev", "kyiv"])
def test_kyiv_both_spellings(text):
    assert resolve_timezone(text) in ("Europe/Kyiv", "Europe/Kiev")


@pytest.mark.parametrize("text", ["Atlantis", "", "UTC+5:30", "UTC+15", "Berlinn" * 10])
def test_unknown_timezone_is_one_line(text):
    with pytest.raises(ValueError) as info:
        resolve_timezone(text)
    assert "\n" not in str(info.value) and str(info.value)


def test_unknown_timezone_suggests_a_close_city():
    with pytest.raises(ValueError, match="Did you mean Berlin"):
        resolve_timezone("Berlni")


@pytest.mark.parametrize("text, expected", [
    ("7:30", (7, 30)), ("07:30", (7, 30)), ("7", (7, 0)), ("23:59", (23, 59)), ("0:00", (0, 0)),
    ("19.30", (19, 30)), ("7pm", (19, 0)), ("12am", (0, 0)), ("12:15pm", (12, 15)),
])
def test_parse_hhmm(text, expected):
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["24:00", "7:60", "seven", "", "13pm", "7:3", "-1:00"])
def test_parse_hhmm_errors(text):
    with pytest.raises(ValueError) as info:
        parse_hhmm(text)
    assert "\n" not in str(info.value)


def test_parse_quiet():
    assert parse_quiet("22:00-07:00") == ("22:00", "07:00")
    assert parse_quiet("22 - 7") == ("22:00", "07:00")
    assert parse_quiet("1:30 to 6") == ("01:30", "06:00")
    assert parse_quiet("off") is None
    for bad in ("22:00", "22:00-22:00", "22:00-25:00", "a-b", "22-7-8"):
        with pytest.raises(ValueError):
            parse_quiet(bad)


def test_parse_digest():
    assert parse_digest(["daily", "7:30"]) == {"kind": "daily", "time": "07:30"}
    assert parse_digest(["daily"]) == {"kind": "daily", "time": "08:00"}
    assert parse_digest(["weekly", "Monday", "18:00"]) == {"kind": "weekly", "day": 0, "time": "18:00"}
    assert parse_digest(["weekly", "sun"]) == {"kind": "weekly", "day": 6, "time": "08:00"}
    assert parse_digest(["Weekly", "FRI", "9pm"]) == {"kind": "weekly", "day": 4, "time": "21:00"}
    assert parse_digest(["off"]) == "off" and parse_digest(["now"]) == "now"
    for bad in ([], ["hourly"], ["weekly"], ["weekly", "8:00"], ["weekly", "funday", "8:00"], ["daily", "25:00"],
                ["daily", "8:00", "extra"]):
        with pytest.raises(ValueError) as info:
            parse_digest(bad)
        assert "\n" not in str(info.value)


def test_quiet_window_within_a_day():
    quiet = ("13:00", "14:00")
    assert is_quiet(quiet, "UTC", datetime(2026, 6, 1, 13, 0, tzinfo=UTC))
    assert not is_quiet(quiet, "UTC", datetime(2026, 6, 1, 14, 0, tzinfo=UTC))
    assert not is_quiet(None, "UTC", datetime(2026, 6, 1, 13, 30, tzinfo=UTC))


@pytest.mark.parametrize("local_hm, quiet", [
    ((22, 0), True), ((23, 59), True), ((0, 0), True), ((6, 59), True), ((7, 0), False), ((12, 0), False),
    ((21, 59), False),
])
def test_quiet_window_crossing_midnight_in_local_time(local_hm, quiet):
    zone = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 6, 1, *local_hm, tzinfo=zone).astimezone(UTC)
    assert is_quiet(("22:00", "07:00"), "Asia/Tokyo", now) is quiet


@pytest.mark.parametrize("day", [(2026, 3, 28), (2026, 3, 29), (2026, 10, 24), (2026, 10, 25), (2026, 7, 1)])
def test_quiet_hours_follow_the_local_clock_across_dst(day):
    """Berlin changes clocks on the nights of 28/29 March and 24/25 October 2026: quiet hours stay
    22:00-07:00 on the wall clock, and end at the next local 07:00."""
    zone = ZoneInfo("Europe/Berlin")
    at_23 = datetime(*day, 23, 0, tzinfo=zone)
    assert is_quiet(("22:00", "07:00"), "Europe/Berlin", at_23.astimezone(UTC))
    ends = quiet_ends_at(("22:00", "07:00"), "Europe/Berlin", at_23.astimezone(UTC))
    assert ends.tzinfo is not None and ends.utcoffset().total_seconds() == 0
    local_end = ends.astimezone(zone)
    assert (local_end.hour, local_end.minute) == (7, 0) and (local_end.date() - at_23.date()).days == 1
    assert not is_quiet(("22:00", "07:00"), "Europe/Berlin", ends)


def test_quiet_ends_at_same_day_and_when_not_quiet():
    now = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    assert quiet_ends_at(("22:00", "07:00"), "UTC", now) == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    noon = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert quiet_ends_at(("22:00", "07:00"), "UTC", noon) == noon
    assert quiet_ends_at(None, "UTC", noon) == noon


def test_quiet_end_inside_a_dst_gap():
    """02:30 does not exist in Berlin on 29 March 2026: the window ends right after the jump."""
    now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    ends = quiet_ends_at(("01:00", "02:30"), "Europe/Berlin", now)
    assert now < ends <= datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert not is_quiet(("01:00", "02:30"), "Europe/Berlin", ends)
