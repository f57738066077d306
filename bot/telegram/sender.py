"""The Sender the delivery service talks to, over PTB's Bot: one sendMessage per OutMessage, with
Telegram's errors turned into the delivery service's own failure types (bot.services.delivery), so that
service needs no Telegram import."""

from __future__ import annotations

from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.services.delivery import ChatMoved, ChatUnreachable, FloodWait, MessageRefused, OutMessage, TransientFailure
from handlers.common import markup

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class PTBSender:
    """Sends through anything with PTB's `send_message` (the Application's ExtBot, paced by its limiter)."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    async def send(self, chat_id: int, message: OutMessage) -> None:
        try:
            await self.bot.send_message(chat_id, message.html, parse_mode=ParseMode.HTML,
                                        reply_markup=markup(message.keyboard),
                                        link_preview_options=None if message.preview else NO_PREVIEW)
        except RetryAfter as exc:
            raise FloodWait(str(exc), retry_after=_seconds(exc)) from exc
        except ChatMigrated as exc:
            raise ChatMoved(str(exc), new_chat_id=exc.new_chat_id) from exc
        except Forbidden as exc:
            raise ChatUnreachable(exc.message) from exc
        except BadRequest as exc:
            raise MessageRefused(exc.message) from exc
        except NetworkError as exc:  # includes TimedOut and 5xx answers
            raise TransientFailure(str(exc)) from exc


def _seconds(exc: RetryAfter) -> float:
    """RetryAfter's wait in seconds (PTB 22 stores a timedelta; its public int view is deprecated)."""
    value = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
