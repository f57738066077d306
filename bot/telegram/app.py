"""The Telegram application: one ApplicationBuilder chain, the handlers, and the jobs.

build_application(settings, open_services=...) is the bot `newsbot run` starts (the composition root,
bot/compose.py, passes the opener); `newsbot chat` and the tests build the very same application with an
in-process Bot API transport passed as `request`. Startup I/O (opening the store, seeding, registering
jobs, setMyCommands) happens in post_init; cleanup in post_shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.config import Settings
from bot.core.formatting.help_text import ADMIN_COMMANDS, COMMANDS
from bot.services.container import Services
from bot.services.feeds import FeedService
from bot.telegram.jobs import deliver_now, schedule_jobs
from bot.telegram.ratelimit import PacedRateLimiter
from handlers import register
from handlers.state import CONTEXT_TYPES, BotState

log = logging.getLogger("newsbot.app")
OFFLINE_TOKEN = "123456:offline-terminal-chat"

def build_application(settings: Settings, *, open_services: Callable[[], Services] | None = None,
                      services: Services | None = None, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None, per_chat_interval: float = 1.0,
                      jobs: bool = True) -> Application:
    """The bot. Either `services` (opened by the caller, who closes them) or `open_services` (called in
    post_init; what it opens is closed in post_shutdown)."""
    if services is None and open_services is None:
        raise ValueError("build_application needs services or open_services")
    builder = (
        ApplicationBuilder()
        .token(settings.token or OFFLINE_TOKEN)
        .base_url(settings.telegram_api)
        .context_types(CONTEXT_TYPES)
        .rate_limiter(PacedRateLimiter(per_chat_interval=per_chat_interval))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    state: BotState = application.bot_data
    state.settings = settings
    state.want_jobs = jobs
    state.opener = open_services
    state.deliver = lambda: deliver_now(application)
    if services is not None:
        state.services = services
    register(application)
    return application


async def _post_init(application: Application) -> None:
    state: BotState = application.bot_data
    if not state.has_services:
        assert state.opener is not None  # build_application checked it
        state.services = state.opener()
        state.owns_services = True
    services = state.services
    if services.feeds is None:  # feed polling through the services' intake, unless the caller attached its own
        services.feeds = FeedService.from_settings(services.intake, services.settings)
        state.owns_feeds = True
    await application.bot.set_my_commands([BotCommand(name, text) for name, text, _ in COMMANDS])
    for admin in sorted(services.settings.admins):  # admins also see their own commands in the menu
        try:
            await application.bot.set_my_commands([BotCommand(n, t) for n, t, _ in COMMANDS + ADMIN_COMMANDS],
                                                  scope=BotCommandScopeChat(admin))
        except TelegramError as exc:  # an admin who never opened a chat with the bot
            log.info("no command menu for admin %s: %s", admin, exc)
    if state.want_jobs:
        schedule_jobs(application)
    log.info("newsbot is up: %d articles, %d chats", len(services.library.articles), services.chats.count_chats())


async def _post_shutdown(application: Application) -> None:
    state: BotState = application.bot_data
    if not state.has_services:
        return
    services = state.services
    if state.owns_feeds and services.feeds is not None:
        await services.feeds.aclose()
        services.feeds = None
    if state.owns_services:
        services.close()
