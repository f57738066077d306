"""Lenient date parsing for everything ingest reads: feeds, front matter, JSON fields, page metadata.

One function, parse_date, that accepts what those sources actually contain and returns an aware UTC
datetime, or None for anything it cannot read. It never raises: a bad date must never cost an article.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

__all__ = ["parse_date"]

# Epoch numbers above this are taken as milliseconds (1e11 s is the year 5138; 1e11 ms is 1973).
_MILLIS_ABOVE = 100_000_000_000
_ISO_PREFIX = re.compile(r"\d{4}-\d")
_DIGITS = re.compile(r"[+-]?\d+(?:\.\d+)?")
# "2026-01-01 10:00:00 +0000" / "...+00:00" / "...Z" / "... UTC": shapes fromisoformat refuses in 3.11.
_ISO_LOOSE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2})?$",
    re.IGNORECASE,
)


def _utc(dt: datetime) -> datetime | None:
    """Naive -> UTC; aware -> converted to UTC. None when the conversion leaves the representable range."""
    try:
        if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
            return dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def _from_epoch(number: float) -> datetime | None:
    if number != number or number in (float("inf"), float("-inf")):  # NaN / infinities
        return None
    if abs(number) >= _MILLIS_ABOVE:
        number = number / 1000
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _from_struct(value: time.struct_time | tuple) -> datetime | None:
    # feedparser's *_parsed values are struct_time already normalised to UTC.
    try:
        return datetime(*tuple(value)[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def _iso_loose(text: str) -> datetime | None:
    m = _ISO_LOOSE.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        dt = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro)
    except ValueError:
        return None
    if zone and zone.upper() not in ("Z", "UTC", "GMT"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            return None
        dt = dt.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return _utc(dt)


def _from_text(text: str) -> datetime | None:
    text = text.strip()
    if not text or len(text) > 200:
        return None
    if _DIGITS.fullmatch(text):
        # Bare numbers: epoch seconds (or ms). Short ones ("2006") are years, not instants: refuse them.
        return _from_epoch(float(text)) if len(text.lstrip("+-").split(".")[0]) >= 9 else None
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    found = _iso_loose(text)
    if found is not None:
        return found
    try:
        found = parsedate_to_datetime(text)  # RFC 822 / 2822 ("Thu, 01 Jan 2026 10:00:00 GMT")
    except (TypeError, ValueError, IndexError, OverflowError):
        found = None
    if found is not None:
        return _utc(found)
    if _ISO_PREFIX.match(text):
        return None  # ISO-shaped but invalid ("2026-13-45"): feedparser would roll it over into 2027
    # Last resort: feedparser's collection of date handlers (W3DTF, Korean, Greek, Hungarian, asctime...).
    try:
        from feedparser.datetimes import _parse_date as feedparser_date

        parsed = feedparser_date(text)
    except Exception:  # a private helper of a third-party library: trust nothing about it
        return None
    return _from_struct(parsed) if parsed else None


def parse_date(value: object) -> datetime | None:
    """Read a date from a feed, file or page: an aware UTC datetime, or None when it is not a readable date.

    Accepts ISO 8601 with or without a time or zone ("2006-01-12", "2026-01-01T10:00:00+02:00", "...Z"),
    RFC 822 ("Thu, 01 Jan 2026 10:00:00 GMT"), time.struct_time (feedparser's *_parsed, taken as UTC),
    datetime/date objects, and epoch seconds or milliseconds as numbers or digit strings. Naive values are UTC.
    """
    try:
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, datetime):
            return _utc(value)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
        if isinstance(value, (int, float)):
            return _from_epoch(float(value))
        if isinstance(value, time.struct_time):
            return _from_struct(value)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str):
            return _from_text(value)
        return None
    except Exception:  # the contract is "never raises"; a date is never worth losing an article over
        return None
