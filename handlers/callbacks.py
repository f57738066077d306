"""Button presses: one CallbackQueryHandler per action (bot.core.formatting.callbacks lists them), and one
last handler for buttons that no longer parse.

Callback data is parsed and checked again inside each handler (parse_callback); every action works on the
chat the button was pressed in, so a button can never reach another chat's topics."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.core import formatting as fmt
from bot.core.formatting.help_text import HELP_HTML
from bot.services.subscriptions import MUTE_DEFAULT
from handlers.questions import answer_latest
from handlers.topics import do_subscribe, topics
from handlers.common import markup, may_change, reply, services
from handlers.state import Context

Pressed = Callable[[Update, Context, CallbackQuery, int, tuple], Awaitable[None]]


async def _pressed(update: Update, context: Context) -> tuple[CallbackQuery, int, tuple] | None:
    """The query, its chat and its checked arguments; None (and an answer saying why) otherwise."""
    query = update.callback_query
    if query is None:
        return None
    parsed = fmt.parse_callback(query.data)
    if parsed is None or query.message is None:
        await query.answer("That button no longer works.")
        return None
    chat_id = query.message.chat.id
    if not services(context).chat_allowed(chat_id):
        await query.answer("This newsbot is private.")
        return None
    return query, chat_id, parsed[1]


def _handler(action: Pressed) -> Callable[[Update, Context], Awaitable[None]]:
    async def handle(update: Update, context: Context) -> None:
        pressed = await _pressed(update, context)
        if pressed is not None:
            query, chat_id, args = pressed
            await action(update, context, query, chat_id, args)

    handle.__name__ = action.__name__
    return handle


async def show_summary(update: Update, context: Context, query: CallbackQuery, chat_id: int, args: tuple) -> None:
    article = services(context).library.get(args[0])
    await query.answer()
    if article is None:
        await reply(update, context, "That story is no longer stored.")
    else:
        await reply(update, context, fmt.render_summary(article))


async def _change_topic(update: Update, context: Context, query: CallbackQuery, chat_id: int, topic_id: int,
                        change: Callable[[], str]) -> bool:
    """Apply `change` to one of this chat's topics (admins only, in groups); False when it did not happen."""
    if not await may_change(update, context):
        await query.answer()
        return False
    if services(context).chats.get_topic(chat_id, topic_id) is None:
        await query.answer("That topic is not followed in this chat any more.")
        return False
    await query.answer(fmt.clip(change(), 190))
    return True


def _mute(on: bool, answer: str) -> Pressed:
    """Mute a topic for MUTE_DEFAULT (24 h), or (not `on`) turn its alerts back on."""
    async def set_mute(update: Update, context: Context, query: CallbackQuery, chat_id: int, args: tuple) -> None:
        svc = services(context)

        def change() -> str:
            svc.subscriptions.mute(chat_id, args[0], svc.now() + MUTE_DEFAULT if on else None)
            return answer

        if await _change_topic(update, context, query, chat_id, args[0], change):
            await _refresh_topics(update, context, 0)

    set_mute.__name__ = "mute" if on else "unmute"
    return set_mute


async def unsubscribe(update: Update, context: Context, query: CallbackQuery, chat_id: int, args: tuple) -> None:
    svc = services(context)

    def change() -> str:
        return svc.subscriptions.unsubscribe(chat_id, str(args[0])).message

    changed = await _change_topic(update, context, query, chat_id, args[0], change)
    if changed and len(args) == 1:  # pressed in a /topics list (an alert's button carries the article too)
        await _refresh_topics(update, context, 0)


def _set_mode(mode: str, answer: str) -> Pressed:
    async def set_mode(update: Update, context: Context, query: CallbackQuery, chat_id: int, args: tuple) -> None:
        svc = services(context)

        def change() -> str:
            svc.subscriptions.set_mode(chat_id, args[0], mode)
            return answer

        if await _change_topic(update, context, query, chat_id, args[0], change):
            await _refresh_topics(update, context, 0)

    set_mode.__name__ = f"set_{mode}"
    return set_mode


async def topics_page(update: Update, context: Context, query: CallbackQuery, chat_id: int, args: tuple) -> None:
    await query.answer()
    await _refresh_topics(update, context, args[0])


async def latest_on(update: Update, context: Context, query: CallbackQuery, chat_id: int, args: tuple) -> None:
    await query.answer()
    await answer_latest(update, context, args[0])


async def follow(update: Update, context: Context, query: CallbackQuery, chat_id: int, args: tuple) -> None:
    await query.answer()
    if await may_change(update, context):
        await do_subscribe(update, context, args[0])


async def show_topics(update: Update, context: Context, query: CallbackQuery, chat_id: int, args: tuple) -> None:
    await query.answer()
    await topics(update, context)


async def show_help(update: Update, context: Context, query: CallbackQuery, chat_id: int, args: tuple) -> None:
    await query.answer()
    await reply(update, context, HELP_HTML)


async def stale_button(update: Update, context: Context) -> None:
    """Any callback no action handler took: malformed, unknown, or from an older version."""
    if update.callback_query is not None:
        await update.callback_query.answer("That button no longer works.")


# action (as in bot.core.formatting.callbacks.ACTIONS) -> what pressing it does
BUTTONS: dict[str, Pressed] = {
    "s": show_summary, "m": _mute(True, "Muted for 24 hours."),
    "n": _mute(False, "Alerts are back on."), "u": unsubscribe,
    "i": _set_mode("instant", "Instant alerts."), "g": _set_mode("digest", "This topic now goes to your digest."),
    "tp": topics_page, "l": latest_on, "f": follow, "t": show_topics, "h": show_help,
}


def register_buttons(application: Application) -> None:
    missing = set(fmt.ACTIONS) - set(BUTTONS)
    if missing:
        raise RuntimeError(f"buttons without a handler: {sorted(missing)}")
    for action, pressed in BUTTONS.items():
        application.add_handler(CallbackQueryHandler(_handler(pressed), pattern=rf"^{re.escape(action)}(?::|$)"))
    application.add_handler(CallbackQueryHandler(stale_button))


async def _refresh_topics(update: Update, context: Context, page: int) -> None:
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
