"""What goes into the outbox besides alerts and digests (admin notices), and what outbox items say when
they are sent: an alert, held alerts as one list, a digest, an admin notice. Rendered at send time (not
when queued), in the chat's time zone, from the article as stored now."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime


from storage.contract import ChatStore, Outbox, OutboxItem

from bot.core import formatting as fmt
from bot.services.delivery import OutMessage, Render
from bot.services.feeds import FeedService
from bot.services.library import Library

MAX_HELD_PARTS = 3  # held alerts beyond three messages' worth are left out (the digest lists them)


def outbox_renderer(library: Library, chats: ChatStore, clock: Callable[[], datetime]) -> Render:
    def render(items: list[OutboxItem]) -> list[OutMessage]:
        first = items[0]
        chat = chats.get_chat(first.chat)
        tz = chat.tz if chat else "UTC"
        now = clock()
        if first.kind == "digest":
            return [OutMessage(html) for html in first.data.get("messages", [])]
        if first.kind == "notice":
            return [OutMessage(fmt.esc(first.data.get("text", "")))]
        articles = [(library.get(i.data.get("article", "")), i) for i in items]
        found = [(a, i) for a, i in articles if a is not None]
        if not found:
            return []
        if first.kind == "held" and len(found) > 1:
            heading = f"<b>While your quiet hours were on: {len(found)} stories</b>"
            html, keyboard = fmt.render_article_list(heading, [a for a, _ in found], now, tz)
            parts = fmt.split_html(html)[:MAX_HELD_PARTS]
            return [OutMessage(part, keyboard if n == 0 else None, preview=False) for n, part in enumerate(parts)]
        article, item = found[0]
        html, keyboard = fmt.render_alert(article, item.data.get("why", ""), now, tz, item.data.get("topic"))
        return [OutMessage(html, keyboard, preview=len(items) == 1)]

    return render


def queue_admin_notices(feeds: FeedService, chats: ChatStore, outbox: Outbox, admins: Iterable[int],
                        now: datetime) -> int:
    """Feed health notices (failing feeds, removed feeds) go to every admin, once; how many were queued."""
    notices = feeds.pending_notices()
    if not notices:
        return 0
    items = []
    for notice in notices:
        for admin in admins:
            if chats.get_chat(admin) is None:
                chats.ensure_chat(admin, "private", "", now)
            items.append({"chat": admin, "key": f"notice:{notice.id}", "kind": "notice",
                          "data": {"text": notice.text}})
    added = outbox.add(items, now.timestamp()) if items else []
    feeds.mark_notices_delivered([n.id for n in notices])
    return len(added)
