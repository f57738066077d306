"""Button presses. Callback data is parsed and checked (bot.formatting.parse_callback); every action works
on the chat the button was pressed in, so a button can never reach another chat's topics."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.core import formatting as fmt
from bot.core.formatting.help_text import HELP_HTML
from bot.services.subscriptions import MUTE_DEFAULT

from handlers.commands import answer_latest, do_subscribe, topics
from handlers.common import markup, may_change, reply, services


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    parsed = fmt.parse_callback(query.data)
    message = query.message
    if parsed is None or message is None:
        await query.answer("That button no longer works.")
        return
    svc = services(context)
    chat_id = message.chat.id
    if not svc.chat_allowed(chat_id):
        await query.answer("This newsbot is private.")
        return
    action, args = parsed
    now = svc.now()
    if action == "s":
        article = svc.library.get(args[0])
        await query.answer()
        if article is None:
            await reply(update, context, "That story is no longer stored.")
        else:
            await reply(update, context, fmt.render_summary(article))
    elif action in ("m", "n", "u", "i", "g"):
        if not await may_change(update, context):
            await query.answer()
            return
        topic_id = args[0]
        if svc.chats.get_topic(chat_id, topic_id) is None:
            await query.answer("That topic is not followed in this chat any more.")
            return
        if action == "m":
            svc.subscriptions.mute(chat_id, topic_id, now + MUTE_DEFAULT)
            await query.answer("Muted for 24 hours.")
        elif action == "n":
            svc.subscriptions.mute(chat_id, topic_id, None)
            await query.answer("Alerts are back on.")
        elif action == "u":
            result = svc.subscriptions.unsubscribe(chat_id, str(topic_id))
            await query.answer(fmt.clip(result.message, 190))
        else:
            svc.subscriptions.set_mode(chat_id, topic_id, "instant" if action == "i" else "digest")
            await query.answer("Instant alerts." if action == "i" else "This topic now goes to your digest.")
        if action != "u" or query.data.count(":") == 1:  # a /topics list: show it changed
            await _refresh_topics(update, context, 0)
    elif action == "tp":
        await query.answer()
        await _refresh_topics(update, context, args[0])
    elif action == "l":
        await query.answer()
        await answer_latest(update, context, args[0])
    elif action == "f":
        await query.answer()
        if await may_change(update, context):
            await do_subscribe(update, context, args[0])
    elif action == "t":
        await query.answer()
        await topics(update, context)
    elif action == "h":
        await query.answer()
        await reply(update, context, HELP_HTML)


async def _refresh_topics(update: Update, context: ContextTypes.DEFAULT_TYPE, page: int) -> None:
    """Edit the /topics message in place after a change (or send it fresh when it cannot be edited)."""
    svc = services(context)
    chat_id = update.callback_query.message.chat.id
    chat = svc.chats.get_chat(chat_id)
    html, keyboard = fmt.render_topics(svc.subscriptions.topics(chat_id), svc.now(), chat.tz if chat else "UTC",
                                       page=page)
    try:
        await update.callback_query.edit_message_text(fmt.split_html(html)[0], parse_mode=ParseMode.HTML,
                                                      reply_markup=markup(keyboard))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            await reply(update, context, html, keyboard)
