"""The Telegram application: one ApplicationBuilder chain, the handlers, and the jobs.

build_application(settings) is the bot `newsbot run` starts; `newsbot chat` and the tests build the very
same application with an in-process Bot API transport passed as `request`. Startup I/O (opening the
store, seeding, registering jobs, setMyCommands) happens in post_init; cleanup in post_shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from bot.core.formatting.help_text import ADMIN_COMMANDS, COMMANDS
from bot.config import Settings
from bot.telegram.ratelimit import PacedRateLimiter
from bot.services.container import Services, utcnow

log = logging.getLogger("newsbot.app")
OFFLINE_TOKEN = "123456:offline-terminal-chat"


def build_application(settings: Settings, *, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None, services: Services | None = None,
                      clock: Callable[[], datetime] = utcnow, per_chat_interval: float = 1.0,
                      jobs: bool = True) -> Application:
    from handlers import register

    builder = (
        ApplicationBuilder()
        .token(settings.token or OFFLINE_TOKEN)
        .base_url(settings.telegram_api)
        .rate_limiter(PacedRateLimiter(per_chat_interval=per_chat_interval))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    application.bot_data.update(settings=settings, clock=clock, want_jobs=jobs)
    if services is not None:
        application.bot_data["services"] = services
    register(application)
    return application


async def _post_init(application: Application) -> None:
    data = application.bot_data
    if "services" not in data:
        data["services"] = Services.open(data["settings"], clock=data["clock"])
        data["owns_services"] = True
    services: Services = data["services"]
    await _attach_feeds(application, services)
    await application.bot.set_my_commands([BotCommand(name, text) for name, text, _ in COMMANDS])
    for admin in sorted(services.settings.admins):  # admins also see their own commands in the menu
        try:
            await application.bot.set_my_commands([BotCommand(n, t) for n, t, _ in COMMANDS + ADMIN_COMMANDS],
                                                  scope=BotCommandScopeChat(admin))
        except TelegramError as exc:  # an admin who never opened a chat with the bot
            log.info("no command menu for admin %s: %s", admin, exc)
    if data.get("want_jobs"):
        from bot.telegram.jobs import schedule_jobs

        schedule_jobs(application)
    log.info("newsbot is up: %d articles, %d chats", len(services.library.articles), services.chats.count_chats())


async def _attach_feeds(application: Application, services: Services) -> None:
    """Feed polling, when this build has it (the sources module)."""
    if services.feeds is not None:
        return
    try:
        from bot.services.feeds import FeedService
    except ImportError:
        return
    services.feeds = FeedService.from_settings(services.library, services.settings)
    application.bot_data["owns_feeds"] = True


async def _post_shutdown(application: Application) -> None:
    data = application.bot_data
    services: Services | None = data.get("services")
    if services is None:
        return
    if data.get("owns_feeds") and services.feeds is not None:
        await services.feeds.aclose()
    if data.get("owns_services"):
        services.close()
