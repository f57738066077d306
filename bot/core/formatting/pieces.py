"""Pieces every renderer shares: the keyboard type, local times in the chat's zone, an article's title
link, source and time line, and its digest sentence."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.times import parse_datetime
from bot.core.formatting.html import clip, esc

Keyboard = list[list[tuple[str, str]]]
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def chat_zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except Exception:  # a bad stored name must not break rendering
        return ZoneInfo("UTC")


def local_time(value: str | datetime | None, now: datetime, tz: str | None) -> str:
    """A short local time: "14:05" today, "28 Nov 14:05" this year, "28 Nov 2025" before; "" if unknown."""
    dt = value if isinstance(value, datetime) else parse_datetime(value)
    if dt is None:
        return ""
    zone = chat_zone(tz)
    local, today = dt.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {MONTHS[local.month - 1]} {local:%H:%M}"
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def when(article: Any) -> str | None:
    return getattr(article, "published", None) or getattr(article, "fetched_at", None)


def url_of(article: Any) -> str | None:
    url = getattr(article, "url", None)
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None


def title_html(article: Any, limit: int, bold: bool = True) -> str:
    """The title as a link, or bold when there is no URL."""
    title = esc(clip(getattr(article, "title", "") or "(untitled)", limit))
    url = url_of(article)
    if url:
        return f'<a href="{esc(url)}">{title}</a>'
    return f"<b>{title}</b>" if bold else title


def sentences_html(sentences: Iterable[str], limit: int) -> str:
    return esc(clip(" ".join(s.strip() for s in sentences if s and s.strip()), limit))


def digest_line(article: Any) -> list[str]:
    summaries = getattr(article, "summaries", None) or {}
    return summaries.get("digest") or list(getattr(article, "summary", None) or [])[:1]


def meta_line(article: Any, now: datetime, tz: str | None) -> str:
    parts = [esc(clip(article.source, 80)) if getattr(article, "source", "") else "", local_time(when(article), now, tz)]
    return " · ".join(p for p in parts if p)
