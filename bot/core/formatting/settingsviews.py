"""Chat settings and sources: the digest setting and /sources."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.formatting.html import clip, esc
from bot.core.formatting.pieces import local_time

_DAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def render_digest_setting(digest: dict | None, tz: str | None = None) -> str:
    """"Digest: daily at 08:00 (Europe/Berlin)." / "weekly on Monday at 08:00" / "Digest: off."."""
    if not digest:
        return "Digest: <b>off</b>."
    when = esc(digest.get("time", "08:00"))
    if digest.get("kind") == "weekly":
        day = digest.get("day", 0)
        text = f"weekly on {_DAY_LONG[day] if isinstance(day, int) and 0 <= day < 7 else '?'} at {when}"
    else:
        text = f"daily at {when}"
    return f"Digest: <b>{text}</b>" + (f" ({esc(tz)})." if tz else ".")


def render_sources(feeds: Sequence[Any], now: datetime, tz: str | None = "UTC") -> str:
    """/sources: the feeds polled, each with its last successful fetch, and a mark when it is failing."""
    if not feeds:
        return "No feeds are polled yet: admins add them with <code>/addsource URL</code>."
    lines = [f"<b>Sources</b> ({len(feeds)})"]
    for feed in feeds:
        name = getattr(feed, "name", "") or getattr(feed, "url", "")
        url = getattr(feed, "url", "")
        label = (f'<a href="{esc(url)}">{esc(clip(name, 100))}</a>' if str(url).startswith(("http://", "https://"))
                 else esc(clip(name, 100)))
        seen = getattr(feed, "last_success", None)
        state = f"updated {local_time(seen, now, tz)}" if seen else "not fetched yet"
        if getattr(feed, "failing", False):
            state += ", <b>failing</b>"
        lines.append(f"• {label} — {state}")
    return "\n".join(lines)
