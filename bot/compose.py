"""The composition root: the one place that picks the storage engine and wires the services, the
Telegram application and the command line together. Everything below it depends on the storage contract
and on the services' own types, never on an engine.

    services = open_services(settings)            # the writer: store, chats, outbox, intake, watcher, ...
    library = open_library(settings, readonly=True)   # a CLI reader beside a running bot
    application = build_bot(settings)             # the PTB Application; opens its services in post_init
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from telegram.ext import Application
from telegram.request import BaseRequest

from storage.tinydb import StoreLocked
from storage.tinydb.chats import ChatStore
from storage.tinydb.outbox import Outbox

from bot.config import Settings
from bot.core.times import utcnow
from bot.services.container import Services
from bot.services.digests import Digests
from bot.services.intake import Intake
from bot.services.library import Library
from bot.services.seeds import ensure_seeded
from bot.services.subscriptions import Subscriptions
from bot.services.watcher import Watcher
from bot.telegram.app import build_application


def open_services(settings: Settings, clock: Callable[[], datetime] = utcnow) -> Services:
    """Everything a running bot holds, over the data directory (taking its writer lock), seeded on the
    first start. Close with services.close()."""
    library = Library.open(settings.data_dir, now=clock().timestamp())
    chats = outbox = None
    try:
        chats = ChatStore(settings.data_dir / "chats")
        subscriptions = Subscriptions(chats, library)
        outbox = Outbox(settings.data_dir / "outbox.log")
        watcher = Watcher(subscriptions, chats, outbox, clock)
        intake = Intake(library, watcher)
        digests = Digests(library, subscriptions, chats, outbox, clock)
        ensure_seeded(intake, clock())
    except BaseException:
        for store in (outbox, chats, library):
            if store is not None:
                store.close()
        raise
    return Services(settings=settings, library=library, chats=chats, subscriptions=subscriptions, outbox=outbox,
                    intake=intake, watcher=watcher, digests=digests, clock=clock)


def open_library(settings: Settings, readonly: bool = False, fallback_readonly: bool = False,
                 clock: Callable[[], datetime] = utcnow) -> Library:
    """The article library alone, for the command line. A writer seeds an empty store on its first start.
    With fallback_readonly, a store owned by a running bot is opened read-only instead of failing."""
    try:
        library = Library.open(settings.data_dir, readonly=readonly)
    except StoreLocked:
        if not fallback_readonly:
            raise
        library = Library.open(settings.data_dir, readonly=True)
    ensure_seeded(Intake(library), clock())
    return library


def build_bot(settings: Settings, *, services: Services | None = None, clock: Callable[[], datetime] = utcnow,
              request: BaseRequest | None = None, get_updates_request: BaseRequest | None = None,
              per_chat_interval: float = 1.0, jobs: bool = True) -> Application:
    """The bot over `services`, or over services it opens in post_init (and closes at shutdown)."""
    return build_application(settings, services=services,
                             open_services=None if services is not None else lambda: open_services(settings, clock),
                             request=request, get_updates_request=get_updates_request,
                             per_chat_interval=per_chat_interval, jobs=jobs)

