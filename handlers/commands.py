"""Chat commands: parse the arguments, call a service, reply. One function per command."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta

from telegram import Update

from bot.core import formatting as fmt
from bot.core.formatting.help_text import HELP_HTML, START_HTML, START_KEYBOARD, TOPIC_SYNTAX_HTML
from bot.core.timezones import parse_digest, parse_quiet, resolve_timezone
from bot.core.topics import parse_topic
from bot.sources.webpage import fetch_article

from handlers.state import Context
from handlers.common import allowed, may_change, reply, services

MAX_ARG = 1000  # longer arguments are refused before any parsing


def command_args(update: Update) -> str:
    """The text after the command, exactly as typed (quotes and spacing kept)."""
    text = (update.effective_message.text or "") if update.effective_message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def _too_long(update: Update, context: Context, arg: str) -> bool:
    if len(arg) > MAX_ARG:
        await reply(update, context, f"That is {len(arg):,} characters; commands take at most {MAX_ARG:,}.")
        return True
    return False


async def start(update: Update, context: Context) -> None:
    if await allowed(update, context):
        await reply(update, context, START_HTML, START_KEYBOARD)


async def help_command(update: Update, context: Context) -> None:
    if await allowed(update, context):
        await reply(update, context, HELP_HTML)


async def subscribe(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    text = command_args(update)
    if not text:
        await reply(update, context, "What should I follow? For example: <code>/subscribe Flynn</code> or "
                    "<code>/subscribe \"Robert Mueller\" -sport</code>\n\n" + TOPIC_SYNTAX_HTML)
        return
    if await _too_long(update, context, text) or not await may_change(update, context):
        return
    await do_subscribe(update, context, text)


async def do_subscribe(update: Update, context: Context, text: str) -> None:
    svc = services(context)
    chat = update.effective_chat
    result = svc.subscriptions.subscribe(chat.id, text, svc.now(), with_preview=False)
    if not result.ok:
        await reply(update, context, fmt.esc(result.error))
        return
    # The three newest stored matches: reading articles is slow work, done off the event loop.
    preview = await asyncio.to_thread(svc.subscriptions.preview, parse_topic(text))
    tz = svc.chats.get_chat(chat.id).tz
    await reply(update, context, *fmt.render_subscribed(result.topic, preview, svc.now(), tz))


async def unsubscribe(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    ref = command_args(update)
    if not ref:
        await topics(update, context)
        return
    if await _too_long(update, context, ref) or not await may_change(update, context):
        return
    result = services(context).subscriptions.unsubscribe(update.effective_chat.id, ref)
    await reply(update, context, fmt.esc(result.message))


async def topics(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    rows = svc.subscriptions.topics(update.effective_chat.id)
    await reply(update, context, *fmt.render_topics(rows, svc.now()))


async def latest(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    name = command_args(update)
    if not name:
        await reply(update, context, "Whose news? For example: <code>/latest Kislyak</code>")
        return
    if not await _too_long(update, context, name):
        await answer_latest(update, context, name)


async def answer_latest(update: Update, context: Context, name: str) -> None:
    svc = services(context)
    tz = svc.chats.get_chat(update.effective_chat.id).tz
    result = await asyncio.to_thread(svc.library.latest_on, name, 5)  # may read article text: off the loop
    await reply(update, context, *fmt.render_latest(name, result, svc.now(), tz))


async def who(update: Update, context: Context, name: str) -> None:
    svc = services(context)
    tz = svc.chats.get_chat(update.effective_chat.id).tz
    result = await asyncio.to_thread(svc.library.latest_on, name, 3)
    await reply(update, context, *fmt.render_who(name, result, svc.now(), tz))


async def search(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    query = command_args(update)
    if not query:
        await reply(update, context, "Search for what? For example: <code>/search sanctions Russia</code>")
        return
    if await _too_long(update, context, query):
        return
    svc = services(context)
    tz = svc.chats.get_chat(update.effective_chat.id).tz
    found = await asyncio.to_thread(svc.library.search, query, 5)
    title = f"Stories with <b>{fmt.esc(query)}</b>" if found else f"Nothing stored matches <b>{fmt.esc(query)}</b>."
    await reply(update, context, *fmt.render_article_list(title, found, svc.now(), tz))


async def summary(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    arg = command_args(update)
    article_id = arg
    replied = update.effective_message.reply_to_message if update.effective_message else None
    if not arg and replied is not None:
        article_id = fmt.article_id_from_markup(replied.reply_markup.to_dict() if replied.reply_markup else None) or ""
    if not article_id:
        await reply(update, context, "Reply <code>/summary</code> to an alert, or give an article id or a link: "
                    "<code>/summary https://example.com/story</code>")
        return
    if await _too_long(update, context, article_id):
        return
    if article_id.startswith(("http://", "https://")):
        await summary_of_url(update, context, article_id)
        return
    article = svc.library.get(article_id.strip())
    if article is None:
        await reply(update, context, f"I have no article with id <code>{fmt.esc(article_id[:40])}</code>.")
        return
    await reply(update, context, fmt.render_summary(article))


async def summary_of_url(update: Update, context: Context, url: str) -> None:
    """A link a user gives goes through the same guarded fetcher as feeds (no private addresses); the page
    is stored like any article (so "latest on" and searches know it), without being announced as news."""
    svc = services(context)
    fetcher = getattr(svc.feeds, "fetcher", None)
    if fetcher is None:
        await reply(update, context, "Fetching links is not available on this bot.")
        return
    outcome = await fetch_article(fetcher, url, svc.now())
    if outcome.article is None:
        await reply(update, context, f"I could not read that page: {fmt.esc(outcome.error or 'no article text')}.")
        return
    stored = svc.intake.store([outcome.article.to_doc()], svc.now(), announce=False)
    article = svc.library.get(stored.stored[0]) if stored.stored else None
    await reply(update, context, fmt.render_summary(article or outcome.article))


async def digest(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    chat_id = update.effective_chat.id
    arg = command_args(update)
    if not arg:
        current = svc.chats.get_chat(chat_id).digest
        await reply(update, context, fmt.render_digest_setting(current) +
                    "\n\nChange it: <code>/digest daily 07:30</code>, <code>/digest weekly mon 08:00</code>, "
                    "<code>/digest off</code>, or <code>/digest now</code>.")
        return
    try:
        parsed = parse_digest(arg.split())
    except ValueError as exc:
        await reply(update, context, fmt.esc(str(exc)))
        return
    if parsed == "now":
        if await svc.digests.queue_now(chat_id):
            await context.bot_data.deliver()
        return
    if not await may_change(update, context):
        return
    svc.chats.update_chat(chat_id, digest=None if parsed == "off" else parsed)
    context.bot_data.reschedule_digest(chat_id)
    await reply(update, context, fmt.render_digest_setting(None if parsed == "off" else parsed,
                                                           svc.chats.get_chat(chat_id).tz))


async def timezone(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    chat_id = update.effective_chat.id
    arg = command_args(update)
    if not arg:
        await reply(update, context, f"This chat's time zone is <b>{fmt.esc(svc.chats.get_chat(chat_id).tz)}</b>. "
                    "Change it: <code>/timezone Europe/Berlin</code> or <code>/timezone New York</code>.")
        return
    if await _too_long(update, context, arg):
        return
    try:
        name = resolve_timezone(arg)
    except ValueError as exc:
        await reply(update, context, fmt.esc(str(exc)))
        return
    if not await may_change(update, context):
        return
    svc.chats.update_chat(chat_id, tz=name)
    context.bot_data.reschedule_digest(chat_id)
    await reply(update, context, f"Time zone set to <b>{fmt.esc(name)}</b>. Digests and quiet hours follow it.")


async def quiet(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    chat_id = update.effective_chat.id
    arg = command_args(update)
    if not arg:
        current = svc.chats.get_chat(chat_id).quiet
        now_text = f"Quiet hours: <b>{current[0]}–{current[1]}</b>." if current else "No quiet hours set."
        await reply(update, context, now_text + " Set them: <code>/quiet 22:00-07:00</code>, or <code>/quiet off</code>.")
        return
    if arg.lower() == "off":
        value = None
    else:
        try:
            value = parse_quiet(arg)
        except ValueError as exc:
            await reply(update, context, fmt.esc(str(exc)))
            return
    if not await may_change(update, context):
        return
    svc.chats.update_chat(chat_id, quiet=value)
    if value:
        await reply(update, context, f"Quiet hours set: <b>{value[0]}–{value[1]}</b> "
                    f"({fmt.esc(svc.chats.get_chat(chat_id).tz)}). Alerts are held and come as one message after.")
    else:
        await reply(update, context, "Quiet hours are off.")


async def sources(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    feeds = svc.feeds.list_feeds() if svc.feeds else []
    await reply(update, context, fmt.render_sources(feeds, svc.now()))


async def stop(update: Update, context: Context) -> None:
    if not await allowed(update, context) or not await may_change(update, context):
        return
    svc = services(context)
    removed = svc.subscriptions.forget(update.effective_chat.id)
    context.bot_data.reschedule_digest(update.effective_chat.id)
    count = len(removed.get("topics", [])) if isinstance(removed, dict) else 0
    await reply(update, context, f"Done: I forgot this chat — {count} topic(s), its settings and history. "
                "Nothing more will be sent here. /start begins again.")


async def export(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    data = svc.subscriptions.export(update.effective_chat.id)
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    await context.bot.send_document(update.effective_chat.id, io.BytesIO(payload), filename="newsbot-export.json",
                                    caption="This chat's topics and settings.")


# ---- admins ------------------------------------------------------------------------------------


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
    if not url or await _too_long(update, context, url):
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
