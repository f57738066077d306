"""/sources for everyone; /addsource, /removesource and /stats for the bot's admins (NEWSBOT_ADMINS)."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.core import formatting as fmt

from handlers.commands import command_args, too_long
from handlers.common import allowed, reply, services
from handlers.state import Context


async def sources(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    feeds = svc.feeds.list_feeds() if svc.feeds else []
    await reply(update, context, fmt.render_sources(feeds, svc.now()))


async def _admin(update: Update, context: Context) -> bool:
    if not await allowed(update, context):
        return False
    user = update.effective_user
    if services(context).is_admin(user.id if user else None):
        return True
    await reply(update, context, "That command is for this bot's admins.")
    return False


async def addsource(update: Update, context: Context) -> None:
    if not await _admin(update, context):
        return
    svc = services(context)
    url = command_args(update)
    if not url or await too_long(update, context, url):
        if not url:
            await reply(update, context, "Which feed? <code>/addsource https://example.com/rss.xml</code>")
        return
    if svc.feeds is None:
        await reply(update, context, "Feed polling is not available on this bot.")
        return
    result = await svc.feeds.add_feed(url, now=svc.now())
    if result.ok and result.feed is not None:
        text = (f"Added <b>{fmt.esc(result.feed.name or result.feed.url)}</b> ({result.entries} entries now). "
                "It is polled from now on.")
        if result.note:
            text += f"\n{fmt.esc(result.note)}"
    else:
        text = f"Not added: {fmt.esc(result.error or result.status)}"
    await reply(update, context, text)


async def removesource(update: Update, context: Context) -> None:
    if not await _admin(update, context):
        return
    svc = services(context)
    ref = command_args(update)
    if not ref:
        await reply(update, context, "Which one? Give its URL or number from /sources.")
        return
    if svc.feeds is None:
        await reply(update, context, "Feed polling is not available on this bot.")
        return
    result = svc.feeds.remove_feed(ref)
    if result.ok and result.feed is not None:
        await reply(update, context, f"Removed <b>{fmt.esc(result.feed.name or result.feed.url)}</b>.")
    else:
        await reply(update, context, f"Not removed: {fmt.esc(result.error or result.status)}")


async def stats(update: Update, context: Context) -> None:
    if not await _admin(update, context):
        return
    svc = services(context)
    now = svc.now()
    feeds = svc.feeds.list_feeds() if svc.feeds else []
    figures = {
        "chats": svc.chats.count_chats(),
        "topics": len(svc.chats.all_topics()),
        "articles": len(svc.library.articles),
        "people known": len(svc.library.people),
        "feeds": len(feeds),
        "feeds failing": sum(1 for f in feeds if getattr(f, "failing", False)),
        "alerts sent today": svc.counters.get(f"alerts:{now:%Y-%m-%d}", 0),
        "queue length": len(svc.outbox),
        "up since": f"{svc.started:%Y-%m-%d %H:%M} UTC ({(now - svc.started) // timedelta(minutes=1)} min)",
    }
    await reply(update, context, "<b>Stats</b>\n" + "\n".join(f"{k}: {fmt.esc(str(v))}" for k, v in figures.items()))
