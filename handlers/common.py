"""What every handler shares: reaching the services, who may do what in this chat, and replying in
Telegram's limits (HTML, split within 4096 characters, buttons as inline keyboards)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError

from bot.core.formatting import split_html
from bot.services.container import Services
from handlers.state import Context

log = logging.getLogger("newsbot.handlers")

Keyboard = Sequence[Sequence[tuple[str, str]]]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def services(context: Context) -> Services:
    return context.bot_data.services


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in keyboard if row])


async def reply(update: Update, context: Context, html: str, keyboard: Keyboard | None = None,
                preview: bool = False) -> None:
    """Send `html` to the update's chat, split on line boundaries within Telegram's limit; the buttons go
    on the last part. Link previews are off unless asked for (lists should not unfurl)."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_html(html) or ["…"]
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        await context.bot.send_message(chat.id, part, parse_mode=ParseMode.HTML,
                                       reply_markup=markup(keyboard) if last else None,
                                       link_preview_options=None if preview else NO_PREVIEW)


async def allowed(update: Update, context: Context) -> bool:
    """Private deployments (NEWSBOT_ALLOWED_CHATS): other chats get one polite line and nothing else.
    Any message also marks the chat as seen (and un-pauses a chat that had blocked the bot)."""
    chat = update.effective_chat
    if chat is None:
        return False
    svc = services(context)
    if not svc.chat_allowed(chat.id):
        if update.effective_message:
            await update.effective_message.reply_text("This newsbot is private. Ask its operator for access.")
        return False
    svc.chats.ensure_chat(chat.id, chat.type, chat.title or chat.full_name or "", svc.now())
    return True


async def may_change(update: Update, context: Context) -> bool:
    """In groups only the group's admins change its topics and settings; in private chats, the user."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("could not check admin status in chat %s: %s", chat.id, exc)
        return False
    if member.status in ("administrator", "creator"):
        return True
    await reply(update, context, "Only this group's admins can change what it follows.")
    return False
