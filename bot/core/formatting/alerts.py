"""Messages that carry articles: the alert, the full summary, and the digest."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.core.formatting.callbacks import make_callback
from bot.core.formatting.html import MAX_MESSAGE, clip, esc, split_html, visible_length
from bot.core.formatting.pieces import (
    MONTHS, WEEKDAYS, Keyboard, chat_zone, digest_line, meta_line, sentences_html, title_html, when,
)


def render_alert(article: Any, why: str, now: datetime, tz: str | None, topic_id: int | None = None) -> tuple[str, Keyboard]:
    """One alert: the title (a link), source and local time, the alert summary (2-3 sentences), why it
    matched; buttons Summary, Mute 24 h and Unsubscribe (the last two when topic_id is given)."""
    lines = [title_html(article, 300)]
    meta = meta_line(article, now, tz)
    if meta:
        lines.append(f"<i>{meta}</i>")
    summary = sentences_html(getattr(article, "summary", None) or [], 2000)
    if summary:
        lines.append(summary)
    if why:
        lines.append(f"<i>matched: {esc(clip(why, 300))}</i>")
    row = [("Summary", make_callback("s", article.id))]
    if topic_id is not None:
        row += [("Mute 24 h", make_callback("m", topic_id, article.id)),
                ("Unsubscribe", make_callback("u", topic_id, article.id))]
    return "\n".join(lines), [row]


def render_summary(article: Any, length: str = "full", now: datetime | None = None, tz: str | None = "UTC") -> str:
    """An article's summary (HTML, no buttons): "full" (up to 5 sentences), "alert" (2-3) or "digest"
    (1); the start of the text when no summary was made."""
    if length == "alert":
        sentences = list(getattr(article, "summary", None) or [])
    else:
        sentences = (getattr(article, "summaries", None) or {}).get(length) or list(getattr(article, "summary", None) or [])
    lines = [title_html(article, 300)]
    if now is not None:
        meta = meta_line(article, now, tz)
    else:
        meta = " · ".join(p for p in (esc(clip(getattr(article, "source", "") or "", 80)),
                                      (when(article) or "")[:10]) if p)
    if meta:
        lines.append(f"<i>{meta}</i>")
    body = sentences_html(sentences, 3500) or esc(clip(getattr(article, "text", "") or "", 1000))
    if body:
        lines.append(body)
    return "\n".join(lines)


def render_digest(groups: Iterable[tuple[str, Sequence[Any]]], now: datetime, tz: str | None,
                  limit: int = MAX_MESSAGE) -> list[str]:
    """A digest as messages: stories grouped under their topic's heading, one entry per story (the
    first group it appears in; story_id, else id), each with its link and one-sentence summary. A group
    cut by a message boundary repeats its heading, marked (continued). [] when there is no story."""
    seen: set[str] = set()
    plan: list[tuple[str, list[str]]] = []
    for heading, articles in groups:
        blocks = []
        for article in articles:
            story = getattr(article, "story_id", None) or article.id
            if story in seen:
                continue
            seen.add(story)
            block = f"• {title_html(article, 250)}"
            source = getattr(article, "source", "")
            if source:
                block += f" <i>({esc(clip(source, 60))})</i>"
            sentence = sentences_html(digest_line(article), 500)
            if sentence:
                block += f"\n{sentence}"
            blocks.append(block)
        if blocks:
            plan.append((f"<b>{esc(clip(heading, 200))}</b>", blocks))
    if not plan:
        return []
    local = now.astimezone(chat_zone(tz))
    head = (f"<b>Your digest</b> · {WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}, "
            f"{sum(len(b) for _, b in plan)} stories")
    messages: list[str] = []
    current = head
    for heading, blocks in plan:
        first = True
        for block in blocks:
            addition = (f"\n\n{heading}\n" if first else "\n") + block
            if visible_length(current + addition) > limit:
                messages.extend(split_html(current, limit))
                current = (heading if first else f"{heading} (continued)") + "\n" + block
            else:
                current += addition
            first = False
    messages.extend(split_html(current, limit))
    return messages
