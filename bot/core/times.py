"""The one time module of the application: ISO 8601 text in and out, epoch seconds, and the clock.

Stored times are UTC ISO 8601 strings with seconds ("2026-12-04T21:30:00+00:00"); naive values are read as
UTC. The pure core never calls utcnow(): it takes `now` as an argument. (The storage engines keep their own
reader for the documents they index: storage imports nothing of bot/.)"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(value: datetime | str | None) -> str | None:
    """UTC ISO 8601 with seconds; strings pass through unchanged; None stays None."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime from ISO 8601 text (or epoch seconds, or a datetime); None when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), timezone.utc)
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def parse_time(value: Any) -> float:
    """Epoch seconds from ISO 8601 text (or epoch seconds, or a datetime); 0.0 when unreadable."""
    dt = parse_datetime(value)
    return dt.timestamp() if dt is not None else 0.0
