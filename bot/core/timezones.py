"""Time settings a chat types in: timezones (/timezone), quiet hours (/quiet) and digest schedules (/digest),
parsed into what storage.chats keeps, plus the quiet-hours arithmetic delivery needs.

Every parser raises ValueError whose str() is one line for the user. Pure: `now` is a parameter, and all
times are computed from aware datetimes through zoneinfo, so DST changes need no special cases.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

__all__ = ["resolve_timezone", "parse_hhmm", "parse_quiet", "parse_digest", "is_quiet", "quiet_ends_at",
           "local_now", "DAYS", "DIGEST_USAGE"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday",
                                                  "saturday", "sunday"))}
_DAY_NAMES.update({d: i for i, d in enumerate(DAYS)})
_DAY_NAMES.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
DIGEST_USAGE = "/digest daily 08:00, /digest weekly mon 08:00, /digest off or /digest now"
DEFAULT_DIGEST_TIME = "08:00"

_REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")

# Names people type that are not the last part of an IANA name (or mean a different one).
_ALIASES = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC", "universal": "UTC",
    "nyc": "America/New_York", "ny": "America/New_York", "washington": "America/New_York",
    "washington dc": "America/New_York", "dc": "America/New_York", "boston": "America/New_York",
    "miami": "America/New_York", "philadelphia": "America/New_York", "atlanta": "America/New_York",
    "la": "America/Los_Angeles", "sf": "America/Los_Angeles", "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles", "san diego": "America/Los_Angeles", "las vegas": "America/Los_Angeles",
    "houston": "America/Chicago", "dallas": "America/Chicago", "austin": "America/Chicago",
    "minneapolis": "America/Chicago", "new orleans": "America/Chicago",
    "salt lake city": "America/Denver", "montreal": "America/Toronto", "ottawa": "America/Toronto",
    "rio": "America/Sao_Paulo", "rio de janeiro": "America/Sao_Paulo", "brasilia": "America/Sao_Paulo",
    "kyiv": "Europe/Kyiv", "kiev": "Europe/Kyiv", "odesa": "Europe/Kyiv", "odessa": "Europe/Kyiv",
    "kharkiv": "Europe/Kyiv", "lviv": "Europe/Kyiv",
    "st petersburg": "Europe/Moscow", "saint petersburg": "Europe/Moscow", "petersburg": "Europe/Moscow",
    "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin", "hamburg": "Europe/Berlin", "cologne": "Europe/Berlin",
    "milan": "Europe/Rome", "naples": "Europe/Rome", "barcelona": "Europe/Madrid", "seville": "Europe/Madrid",
    "geneva": "Europe/Zurich", "bern": "Europe/Zurich", "krakow": "Europe/Warsaw", "porto": "Europe/Lisbon",
    "manchester": "Europe/London", "edinburgh": "Europe/London", "glasgow": "Europe/London",
    "birmingham": "Europe/London", "the hague": "Europe/Amsterdam", "rotterdam": "Europe/Amsterdam",
    "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "bombay": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata", "chennai": "Asia/Kolkata",
    "hyderabad": "Asia/Kolkata", "calcutta": "Asia/Kolkata",
    "beijing": "Asia/Shanghai", "peking": "Asia/Shanghai", "shenzhen": "Asia/Shanghai",
    "guangzhou": "Asia/Shanghai", "osaka": "Asia/Tokyo", "kyoto": "Asia/Tokyo", "abu dhabi": "Asia/Dubai",
    "tel aviv": "Asia/Jerusalem", "saigon": "Asia/Ho_Chi_Minh", "ho chi minh city": "Asia/Ho_Chi_Minh",
    "hanoi": "Asia/Bangkok", "canberra": "Australia/Sydney", "wellington": "Pacific/Auckland",
    "cape town": "Africa/Johannesburg", "pretoria": "Africa/Johannesburg",
    # Countries with one timezone, and the usual abbreviations (meant as the place's civil time, with DST).
    "uk": "Europe/London", "england": "Europe/London", "britain": "Europe/London", "ireland": "Europe/Dublin",
    "germany": "Europe/Berlin", "france": "Europe/Paris", "spain": "Europe/Madrid", "italy": "Europe/Rome",
    "poland": "Europe/Warsaw", "ukraine": "Europe/Kyiv", "netherlands": "Europe/Amsterdam",
    "japan": "Asia/Tokyo", "china": "Asia/Shanghai", "india": "Asia/Kolkata", "israel": "Asia/Jerusalem",
    "turkey": "Europe/Istanbul", "korea": "Asia/Seoul", "south korea": "Asia/Seoul",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York", "eastern": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago", "central": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mountain": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "bst": "Europe/London", "cet": "Europe/Berlin", "cest": "Europe/Berlin",
    "eet": "Europe/Athens", "eest": "Europe/Athens", "msk": "Europe/Moscow", "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
}
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")


def _key(text: str) -> str:
    return " ".join(text.replace("_", " ").casefold().split())


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(full IANA name folded -> name, place folded -> IANA name)."""
    zones = {z for z in available_timezones() if not z.startswith(("posix/", "right/"))}
    full = {_key(z): z for z in zones}
    places: dict[str, str] = {}
    # Prefer region/city names, then the shortest (America/Indianapolis over America/Indiana/Indianapolis).
    for name in sorted(zones, key=lambda z: (z.split("/")[0] not in _REGIONS, z.count("/"), z)):
        if "/" in name and name.split("/")[0] in _REGIONS:
            places.setdefault(_key(name.rsplit("/", 1)[1]), name)
    for alias, name in _ALIASES.items():
        if name in zones or name == "UTC":
            places[alias] = name
        elif name == "Europe/Kyiv" and "Europe/Kiev" in zones:  # tzdata older than 2022b
            places[alias] = "Europe/Kiev"
    return full, places


def resolve_timezone(text: str) -> str:
    """The IANA name for what the user typed: an IANA name in any case ("europe/berlin"), a city or
    common place name ("New York", "NYC", "Kiev"), UTC/GMT, or a whole-hour offset ("UTC+3").
    ValueError with a one-line hint otherwise."""
    key = _key(text.strip().strip("\"'"))
    if not key:
        raise ValueError("Tell me a city or a timezone, e.g. /timezone Berlin or /timezone Europe/Berlin.")
    full, places = _tables()
    if key in _ALIASES and key in places:  # EST, CET, GMT...: the civil time people mean, not the fixed zone
        return places[key]
    key_slash = key.replace(" / ", "/")
    if key_slash in full:
        return full[key_slash]
    if key in places:
        return places[key]
    m = _OFFSET.match(key.replace(" ", ""))
    if m:
        sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if minutes:
            raise ValueError("Offsets with minutes have no fixed zone — name your city instead, e.g. /timezone Mumbai.")
        if hours == 0:
            return "UTC"
        # Etc/GMT signs are inverted by POSIX convention: UTC+3 is Etc/GMT-3.
        name = f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
        if name in available_timezones():
            return name
        raise ValueError(f"UTC{sign}{hours} is not an offset any place uses — UTC-12 to UTC+14 are.")
    suggestion = difflib.get_close_matches(key, list(places), n=1, cutoff=0.8)
    hint = f" Did you mean {suggestion[0].title()}?" if suggestion else ""
    raise ValueError(f'I don\'t know the timezone "{text.strip()[:40]}".{hint} Try a city (Berlin, New York) '
                     f"or a name like Europe/Berlin.")


_HHMM = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")


def parse_hhmm(text: str) -> tuple[int, int]:
    """"7:30" -> (7, 30); also "07:30", "7", "19.30", "7:30pm", "7am". ValueError with a one-line hint."""
    s = text.strip().casefold()
    m = _HHMM.match(s)
    if not m:
        raise ValueError(f'"{text.strip()[:20]}" is not a time — write it as HH:MM, e.g. 07:30 or 22:00.')
    hour, minute, ampm = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError(f'"{text.strip()}" is not a time — with am/pm the hour goes from 1 to 12.')
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    if hour > 23:
        raise ValueError(f'"{text.strip()}" is not a time — hours go from 0 to 23.')
    if minute > 59:
        raise ValueError(f'"{text.strip()}" is not a time — minutes go from 00 to 59.')
    return hour, minute


def _fmt(hm: tuple[int, int]) -> str:
    return f"{hm[0]:02d}:{hm[1]:02d}"


def parse_quiet(text: str) -> tuple[str, str] | None:
    """"22:00-07:00" -> ("22:00", "07:00") (local time; may cross midnight); "off" -> None.
    Also "22-7" and "22:00 to 07:00"."""
    s = text.strip().casefold()
    if s in ("off", "none", "no"):
        return None
    parts = re.split(r"\s*(?:-|–|—|\bto\b|\buntil\b)\s*", s)
    if len(parts) != 2 or not all(parts):
        raise ValueError("Write quiet hours as START-END, e.g. /quiet 22:00-07:00 (or /quiet off).")
    start, end = _fmt(parse_hhmm(parts[0])), _fmt(parse_hhmm(parts[1]))
    if start == end:
        raise ValueError("Quiet hours need different start and end times, e.g. 22:00-07:00.")
    return start, end


def parse_digest(args: list[str]) -> dict | str:
    """/digest arguments -> {"kind": "daily", "time": "HH:MM"} or {"kind": "weekly", "day": 0-6 (Mon=0),
    "time": "HH:MM"}, or "off", or "now". The time defaults to 08:00. ValueError with a one-line hint."""
    words = [w.strip().casefold() for w in args if w.strip()]
    if not words:
        raise ValueError(f"Say when: {DIGEST_USAGE}.")
    kind, rest = words[0], words[1:]
    if kind in ("off", "stop", "none") and not rest:
        return "off"
    if kind == "now" and not rest:
        return "now"
    if kind in ("daily", "day", "everyday"):
        if len(rest) > 1:
            raise ValueError("Too many words — e.g. /digest daily 08:00.")
        return {"kind": "daily", "time": _fmt(parse_hhmm(rest[0])) if rest else DEFAULT_DIGEST_TIME}
    if kind in ("weekly", "week"):
        if not rest or rest[0] not in _DAY_NAMES:
            got = f' ("{rest[0][:20]}" is not a day)' if rest else ""
            raise ValueError(f"Which day{got}? e.g. /digest weekly mon 08:00 (mon … sun).")
        if len(rest) > 2:
            raise ValueError("Too many words — e.g. /digest weekly mon 08:00.")
        when = _fmt(parse_hhmm(rest[1])) if len(rest) == 2 else DEFAULT_DIGEST_TIME
        return {"kind": "weekly", "day": _DAY_NAMES[rest[0]], "time": when}
    raise ValueError(f'"{args[0][:20]}" is not a digest schedule — {DIGEST_USAGE}.')


def local_now(tz: str, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(tz))


def _minutes(hhmm: str) -> int:
    h, m = parse_hhmm(hhmm)
    return h * 60 + m


def is_quiet(quiet: tuple[str, str] | list[str] | None, tz: str, now: datetime) -> bool:
    """Whether `now` falls in the chat's quiet hours [start, end) on its local clock; a window whose
    end is before its start runs over midnight."""
    if not quiet:
        return False
    local = local_now(tz, now)
    t = local.hour * 60 + local.minute
    start, end = _minutes(quiet[0]), _minutes(quiet[1])
    if start < end:
        return start <= t < end
    return t >= start or t < end


def quiet_ends_at(quiet: tuple[str, str] | list[str] | None, tz: str, now: datetime) -> datetime:
    """When the quiet hours `now` is in end, in UTC (`now` itself, in UTC, when it is not quiet).
    An end time that a DST change skips that day resolves to the first instant after the gap."""
    now_utc = now.astimezone(timezone.utc)
    if not is_quiet(quiet, tz, now):
        return now_utc
    assert quiet
    zone = ZoneInfo(tz)
    h, m = parse_hhmm(quiet[1])
    day: date = now.astimezone(zone).date()
    for _ in range(3):
        end = datetime.combine(day, time(h, m), tzinfo=zone).astimezone(timezone.utc)
        if end > now_utc:
            return end
        day += timedelta(days=1)
    raise AssertionError("unreachable: a quiet window ends within a day")
