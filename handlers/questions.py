"""Questions: /latest, /search, /summary, and the answers free text gets ("who is ...", "latest on ...")."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.core import formatting as fmt
from bot.sources.webpage import fetch_article

from handlers.commands import command_args, too_long
from handlers.common import allowed, reply, services
from handlers.state import Context


async def latest(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    name = command_args(update)
    if not name:
        await reply(update, context, "Whose news? For example: <code>/latest Kislyak</code>")
        return
    if not await too_long(update, context, name):
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
    if await too_long(update, context, query):
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
    if await too_long(update, context, article_id):
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
