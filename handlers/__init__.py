"""Telegram update handlers: parse a command, a button or free text, call a service in bot/, reply.
register(application) wires them all."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.core.formatting import esc
from handlers import chatsettings, commands, privacy, questions, sources, topics
from handlers.callbacks import register_buttons
from handlers.state import Context
from handlers.common import reply, services
from handlers.text import free_text

log = logging.getLogger("newsbot.handlers")

COMMAND_HANDLERS = {
    "start": commands.start, "help": commands.help_command, "subscribe": topics.subscribe,
    "unsubscribe": topics.unsubscribe, "topics": topics.topics, "latest": questions.latest,
    "search": questions.search, "summary": questions.summary, "digest": chatsettings.digest,
    "timezone": chatsettings.timezone, "quiet": chatsettings.quiet, "sources": sources.sources,
    "stop": privacy.stop, "export": privacy.export, "addsource": sources.addsource,
    "removesource": sources.removesource, "stats": sources.stats,
}


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    text = message.text or ""
    if update.effective_chat.type != ChatType.PRIVATE and f"@{context.bot.username}".lower() not in text.lower():
        return  # in groups, commands meant for other bots are not ours to answer
    word = text.split()[0].split("@")[0][:40] if text.split() else "/"
    await reply(update, context, f"I don't know {esc(word)}. /help lists what I can do.")


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup: its topics, settings and queue move to the new id."""
    message = update.effective_message
    if message is None or not message.migrate_to_chat_id:
        return
    svc = services(context)
    old, new = message.chat.id, message.migrate_to_chat_id
    svc.chats.migrate_chat(old, new)
    if svc.outbox is not None:
        svc.outbox.move_chat(old, new)
    log.info("chat %s migrated to %s", old, new)


async def on_error(update: object, context: Context) -> None:
    log.error("while handling an update: %s", context.error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id,
                                           "Sorry, something went wrong on my side. Please try again.")
        except Exception:  # the error may be that we cannot send at all
            pass


def register(application: Application) -> None:
    for name, callback in COMMAND_HANDLERS.items():
        application.add_handler(CommandHandler(name, callback))
    register_buttons(application)
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, free_text))
    application.add_error_handler(on_error)
