"""The composition root: the one place that picks the storage engine and wires the services, the
Telegram application and the command line together. Everything below it depends on the storage contract
and on the services' own types, never on an engine.

    services = open_services(settings)            # the writer: store, chats, outbox, intake, watcher, ...
    library = open_library(settings, readonly=True)   # a CLI reader beside a running bot
    application = build_bot(settings)             # the PTB Application; opens its services in post_init
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from telegram.ext import Application
from telegram.request import BaseRequest

from storage.contract import StoreBusy
from storage.tinydb import open_engine

from bot.config import Settings
from bot.core.times import utcnow
from bot.services.container import Services
from bot.services.digests import Digests
from bot.services.intake import Intake
from bot.services.library import TITLE_FOLD, Library, library_indexes
from bot.services.seeds import ensure_seeded
from bot.services.subscriptions import Subscriptions
from bot.services.watcher import Watcher
from bot.telegram.app import build_application


def library_at(data_dir: Path, readonly: bool = False, now: float | None = None) -> Library:
    """The library over the engine opened at `data_dir`, with the people and story indexes built in the
    same pass as the engine's own (`now` bounds which articles can still join a story). Not seeded."""
    people, stories, indexers = library_indexes(time.time() if now is None else now)
    engine = open_engine(data_dir, readonly=readonly, fold_title=TITLE_FOLD, indexers=indexers)
    return Library(engine, people, stories)


def open_services(settings: Settings, clock: Callable[[], datetime] = utcnow) -> Services:
    """Everything a running bot holds, over the data directory (taking its writer lock), seeded on the
    first start. Close with services.close()."""
    library = library_at(settings.data_dir, now=clock().timestamp())
    try:
        engine = library.engine
        subscriptions = Subscriptions(engine.chats, library)
        watcher = Watcher(subscriptions, engine.chats, engine.outbox, clock)
        intake = Intake(library, watcher)
        digests = Digests(library, subscriptions, engine.chats, engine.outbox, clock)
        ensure_seeded(intake, clock())
    except BaseException:
        library.close()
        raise
    return Services(settings=settings, library=library, chats=engine.chats, subscriptions=subscriptions,
                    outbox=engine.outbox, intake=intake, watcher=watcher, digests=digests, clock=clock)


def open_library(settings: Settings, readonly: bool = False, fallback_readonly: bool = False,
                 clock: Callable[[], datetime] = utcnow) -> Library:
    """The article library alone, for the command line. A writer seeds an empty store on its first start.
    With fallback_readonly, a store owned by a running bot is opened read-only instead of failing."""
    try:
        library = library_at(settings.data_dir, readonly=readonly, now=clock().timestamp())
    except StoreBusy:
        if not fallback_readonly:
            raise
        library = library_at(settings.data_dir, readonly=True, now=clock().timestamp())
    try:
        ensure_seeded(Intake(library), clock())
    except BaseException:
        library.close()
        raise
    return library


def build_bot(settings: Settings, *, services: Services | None = None, clock: Callable[[], datetime] = utcnow,
              request: BaseRequest | None = None, get_updates_request: BaseRequest | None = None,
              per_chat_interval: float = 1.0, jobs: bool = True) -> Application:
    """The bot over `services`, or over services it opens in post_init (and closes at shutdown)."""
    return build_application(settings, services=services,
                             open_services=None if services is not None else lambda: open_services(settings, clock),
                             request=request, get_updates_request=get_updates_request,
                             per_chat_interval=per_chat_interval, jobs=jobs)

