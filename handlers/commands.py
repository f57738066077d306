"""What every command module shares (the arguments as typed, the length guard), and /start and /help.

The commands themselves live by area: topics.py (/subscribe, /unsubscribe, /topics), questions.py (/latest,
/search, /summary and the answers to typed questions), chatsettings.py (/digest, /timezone, /quiet),
privacy.py (/stop, /export) and sources.py (/sources and the admin commands)."""

from __future__ import annotations

from telegram import Update

from bot.core.formatting.help_text import HELP_HTML, START_HTML, START_KEYBOARD

from handlers.state import Context
from handlers.common import allowed, reply

MAX_ARG = 1000  # longer arguments are refused before any parsing


def command_args(update: Update) -> str:
    """The text after the command, exactly as typed (quotes and spacing kept)."""
    text = (update.effective_message.text or "") if update.effective_message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def too_long(update: Update, context: Context, arg: str) -> bool:
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
