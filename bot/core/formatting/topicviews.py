"""A chat's topics: /topics pages and the replies to /subscribe."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.times import parse_datetime
from bot.core.formatting.callbacks import make_callback
from bot.core.formatting.html import clip, esc
from bot.core.formatting.lists import render_article_list
from bot.core.formatting.pieces import Keyboard, local_time

TOPICS_PER_PAGE = 10


def render_topics(topics: Sequence[Any], now: datetime | None = None, tz: str | None = "UTC", page: int = 0,
                  limit: int | None = None) -> tuple[str, Keyboard]:
    """/topics: the chat's topics, TOPICS_PER_PAGE a page, each with buttons to switch instant/digest,
    mute for 24 h (or unmute) and remove; page buttons when there are more."""
    if not topics:
        return ("You follow no topics yet. Try <code>/subscribe Flynn</code> or "
                '<code>/subscribe "Robert Mueller" -sport</code>.'), []
    pages = (len(topics) + TOPICS_PER_PAGE - 1) // TOPICS_PER_PAGE
    page = min(max(page, 0), pages - 1)
    shown = topics[page * TOPICS_PER_PAGE:(page + 1) * TOPICS_PER_PAGE]
    count = f"{len(topics)}" + (f" of {limit}" if limit else "")
    head = f"<b>Your topics</b> ({count})" + (f", page {page + 1} of {pages}" if pages > 1 else "")
    lines, keyboard = [head], []
    for topic in shown:
        state = topic.mode
        until = parse_datetime(getattr(topic, "muted_until", None))
        muted = until is not None and (now is None or until > now)
        if muted and now is not None:
            state += f", muted until {local_time(until, now, tz)}"
        lines.append(f"{topic.topic_id}. {esc(clip(topic.canonical or topic.text, 220))} — {state}")
        other = ("g", "digest") if topic.mode == "instant" else ("i", "instant")
        keyboard.append([
            (f"#{topic.topic_id} → {other[1]}", make_callback(other[0], topic.topic_id)),
            (f"#{topic.topic_id} unmute", make_callback("n", topic.topic_id)) if muted
            else (f"#{topic.topic_id} mute 24 h", make_callback("m", topic.topic_id)),
            (f"#{topic.topic_id} remove", make_callback("u", topic.topic_id)),
        ])
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(("‹ previous", make_callback("tp", page - 1)))
        if page < pages - 1:
            nav.append(("next ›", make_callback("tp", page + 1)))
        keyboard.append(nav)
    return "\n".join(lines), keyboard


def render_subscribed(topic: Any, preview: Sequence[Any], now: datetime, tz: str | None) -> tuple[str, Keyboard]:
    """The reply to a successful /subscribe: what is followed now, then the newest stories that already
    match; buttons to send the topic to the digest instead, or undo."""
    text = f"Subscribed to <b>{esc(clip(topic.canonical or topic.text, 220))}</b> (topic {topic.topic_id})."
    keyboard = [[("Send to digest instead", make_callback("g", topic.topic_id)),
                 ("Undo", make_callback("u", topic.topic_id))]]
    how = ("\nFrom now on an alert comes here the moment a matching story arrives, once per story, with the "
           "reason it matched. Prefer a daily recap? Send this topic to the digest.")
    if preview:
        body, _ = render_article_list(text + " The newest stories that match:", preview, now, tz)
        return body + "\n" + how, keyboard
    return text + " Nothing stored matches yet." + how, keyboard


def render_subscribe(result: Any, now: datetime, tz: str | None) -> tuple[str, Keyboard]:
    """The reply to /subscribe from a bot.subscriptions.SubscribeResult, whatever its status."""
    if not result.ok or result.topic is None:
        return esc(result.message), []
    return render_subscribed(result.topic, result.preview, now, tz)
