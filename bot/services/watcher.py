"""The watcher: a batch of new articles -> matches against every chat's topics -> the outbox.

Rules, in order, for each (chat, article) that matches at least one instant topic:
- one alert per story: if the chat was already sent (or has queued) this story, nothing more;
- an article published more than 48 h before the subscription never alerts (a new subscription does
  not flood the chat with old stories);
- during the chat's quiet hours the alert is held until they end, and held alerts go out as one message;
- all of the chat's topics that matched are named in the one alert ("why it matched").
Topics in digest mode get no instant alerts (the digest job reads the store itself).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from storage.tinydb import parse_time
from storage.tinydb.outbox import Outbox

from bot.core.models import Article
from bot.core.timezones import is_quiet, quiet_ends_at

log = logging.getLogger("newsbot.watcher")
OLD_STORY = timedelta(hours=48)


def story_key(article: Article) -> str:
    return f"story:{article.story_id or article.id}"


def plan_alerts(subscriptions, chats, outbox: Outbox, articles: Iterable[Article], now: datetime) -> list[dict]:
    """The outbox items these articles call for (not yet written)."""
    items: dict[tuple[int, str], dict] = {}
    for article in articles:
        published = parse_time(article.published) or parse_time(article.fetched_at)
        key = story_key(article)
        for match in subscriptions.match_article(article, now):
            if match.mode != "instant":
                continue
            chat = match.chat_id
            if outbox.delivered(chat, key):
                continue
            topic = chats.get_topic(chat, match.topic_id)
            created = parse_time(getattr(topic, "created", None)) if topic else 0.0
            if created and published < created - OLD_STORY.total_seconds():
                continue
            pending = items.get((chat, key))
            why = match.match.why()
            if pending is not None:
                if why not in pending["data"]["why"]:
                    pending["data"]["why"] += f"; {why}"
                continue
            prefs = chats.get_chat(chat)
            kind, due = "alert", now.timestamp()
            if prefs is not None and prefs.quiet and is_quiet(prefs.quiet, prefs.tz, now):
                kind, due = "held", quiet_ends_at(prefs.quiet, prefs.tz, now).timestamp()
            items[(chat, key)] = {"chat": chat, "key": key, "kind": kind, "due": due,
                                  "data": {"article": article.id, "topic": match.topic_id, "why": why}}
    return list(items.values())


def watch(subscriptions, chats, outbox: Outbox, articles: Iterable[Article], now: datetime) -> int:
    """Match a batch and queue its alerts durably; returns how many were queued."""
    planned = plan_alerts(subscriptions, chats, outbox, articles, now)
    added = outbox.add(planned, now.timestamp()) if planned else []
    if added:
        log.info("queued %d alert(s)", len(added))
    return len(added)
