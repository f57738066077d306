"""The Application's bot_data, typed: what handlers and jobs reach, instead of string keys.

PTB creates it (ContextTypes(bot_data=BotState)) before the services exist; the Telegram wing fills it in
post_init: the services, and the two things only that wing can do (reschedule a chat's digest job, deliver
the outbox now). Handlers type their context as `Context`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.config import Settings
from bot.services.container import Services
from bot.services.delivery import Delivery


async def _nothing_to_deliver() -> None:
    return None


def _no_digest_jobs(chat_id: int) -> None:
    return None


class BotState:
    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.want_jobs = True
        self.owns_services = False  # opened in post_init, so closed in post_shutdown
        self.owns_feeds = False
        self.opener: Callable[[], Services] | None = None  # opens the services in post_init
        self._services: Services | None = None
        # Set by the Telegram wing (bot/telegram/jobs.py); harmless no-ops until then.
        self.reschedule_digest: Callable[[int], None] = _no_digest_jobs
        self.deliver: Callable[[], Awaitable[object]] = _nothing_to_deliver
        self.delivery: Delivery | None = None  # the one Delivery, made by the Telegram wing on first use

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the bot's services are not open (post_init has not run)")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value

    @property
    def has_services(self) -> bool:
        return self._services is not None


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotState]
CONTEXT_TYPES = ContextTypes(bot_data=BotState)
