"""/subscribe, /unsubscribe and /topics."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.core import formatting as fmt
from bot.core.formatting.help_text import TOPIC_SYNTAX_HTML
from bot.core.topics import parse_topic

from handlers.commands import command_args, too_long
from handlers.common import allowed, may_change, reply, services
from handlers.state import Context


async def subscribe(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    text = command_args(update)
    if not text:
        await reply(update, context, "What should I follow? For example: <code>/subscribe Flynn</code> or "
                    "<code>/subscribe \"Robert Mueller\" -sport</code>\n\n" + TOPIC_SYNTAX_HTML)
        return
    if await too_long(update, context, text) or not await may_change(update, context):
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
    if await too_long(update, context, ref) or not await may_change(update, context):
        return
    result = services(context).subscriptions.unsubscribe(update.effective_chat.id, ref)
    await reply(update, context, fmt.esc(result.message))


async def topics(update: Update, context: Context) -> None:
    if not await allowed(update, context):
        return
    svc = services(context)
    rows = svc.subscriptions.topics(update.effective_chat.id)
    await reply(update, context, *fmt.render_topics(rows, svc.now()))
