"""Scheduler jobs, all on PTB's JobQueue: poll feeds (each when due), watch (the inbox folder and each new
batch), deliver (the outbox), digests (a cron job per chat, in its zone) and housekeeping (retention,
compaction). Jobs are rebuilt from the store at every start: PTB does not persist them.

Heavy work stays off the event loop: feed parsing and enrichment run in the feed service's worker
processes, inbox files are read and enriched in a thread; the loop only writes finished batches, through
the services' intake, which hands them to the watcher.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time as dtime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import Application

from storage.contract import OutboxItem

from bot.core.enrich import build_documents
from bot.services.container import Services
from bot.services.delivery import Delivery, DrainReport
from bot.services.messages import outbox_renderer, queue_admin_notices
from bot.sources.files import read_file
from bot.telegram.sender import PTBSender
from handlers.state import BotState, Context

log = logging.getLogger("newsbot.jobs")
HOUSEKEEPING_EVERY = timedelta(hours=6)
_INBOX_TYPES = {".txt", ".md", ".json", ".jsonl", ".html", ".htm", ".xml", ".rss", ".atom"}
_PTB_DAYS = (1, 2, 3, 4, 5, 6, 0)  # our Monday=0 -> PTB's Sunday=0 numbering


def _state(application: Application) -> BotState:
    return application.bot_data


def delivery_for(application: Application) -> Delivery:
    """The application's one Delivery (one drain at a time), made on first use."""
    state = _state(application)
    if state.delivery is None:
        svc = state.services

        def sent(item: OutboxItem) -> None:
            if item.kind in ("alert", "held"):
                svc.count(f"alerts:{svc.now():%Y-%m-%d}")

        state.delivery = Delivery(PTBSender(application.bot), svc.outbox, svc.chats,
                                  outbox_renderer(svc.library, svc.chats, svc.now),
                                  clock=lambda: svc.now().timestamp(), on_sent=sent)
    return state.delivery


async def deliver_now(application: Application) -> DrainReport:
    return await delivery_for(application).drain()


async def after_ingest(application: Application) -> int:
    """What Intake handed the watcher: match it, queue its alerts, then deliver at once."""
    queued = await _state(application).services.watcher.process()
    if queued:
        await deliver_now(application)
    return queued


# ---- jobs ------------------------------------------------------------------------------------------


async def deliver_job(context: Context) -> None:
    svc = context.bot_data.services
    if svc.outbox.due(svc.now().timestamp(), limit=1):
        await deliver_now(context.application)


async def watch_job(context: Context) -> None:
    """Batches stored outside a poll or the inbox (e.g. seeds, a URL) are matched within a second."""
    if context.bot_data.services.watcher.pending:
        await after_ingest(context.application)


async def poll_job(context: Context) -> None:
    svc = context.bot_data.services
    if svc.feeds is None:
        return
    await svc.feeds.poll_due(svc.now())
    queue_admin_notices(svc.feeds, svc.chats, svc.outbox, svc.settings.admins, svc.now())
    await after_ingest(context.application)


async def inbox_job(context: Context) -> None:
    """Files dropped into <data>/inbox (e.g. by `newsbot ingest` while the bot runs) are stored and
    matched within a second; each file is removed once its articles are stored."""
    svc = context.bot_data.services
    inbox = svc.settings.data_dir / "inbox"
    if not inbox.is_dir():
        return
    files = sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in _INBOX_TYPES)
    if not files:
        return
    now = svc.now()
    docs, problems = await asyncio.to_thread(_read_inbox, files, now, svc.settings.max_file_mb)
    svc.intake.store(docs, now)
    for problem in problems:
        log.warning("inbox: %s", problem)
    for path in files:
        path.unlink(missing_ok=True)
    await after_ingest(context.application)


def _read_inbox(files: list[Path], now: datetime, max_mb: int) -> tuple[list[dict], list[str]]:
    """Read and build the inbox's files (in a worker thread): documents, and one line per problem."""
    docs, problems = [], []
    for path in files:
        result = read_file(path, max_bytes=max_mb * 1_000_000)
        if result.problem:
            problems.append(f"{path.name}: {result.problem}")
        built, skipped = build_documents(result.articles, now)
        docs += built
        problems += [f"{path.name}: {line}" for line in skipped]
    return docs, problems


async def housekeeping_job(context: Context) -> None:
    svc = context.bot_data.services
    now = svc.now()
    cutoff = (now - timedelta(days=svc.settings.retention_days)).timestamp()
    dropped = svc.library.articles.drop_older_than(cutoff)
    svc.outbox.compact(now.timestamp())
    if dropped:
        log.info("housekeeping: %d article(s) past retention dropped", dropped)


# ---- digests ---------------------------------------------------------------------------------------


def schedule_digest(application: Application, chat_id: int) -> None:
    """(Re)build one chat's digest job from its settings; none when the digest is off."""
    queue = application.job_queue
    for job in queue.get_jobs_by_name(f"digest:{chat_id}"):
        job.schedule_removal()
    chat = _state(application).services.chats.get_chat(chat_id)
    if chat is None or not chat.digest:
        return
    hour, minute = (int(x) for x in chat.digest["time"].split(":"))
    days = (_PTB_DAYS[int(chat.digest.get("day", 0))],) if chat.digest.get("kind") == "weekly" else tuple(range(7))
    queue.run_daily(digest_job, dtime(hour, minute, tzinfo=ZoneInfo(chat.tz)), days=days,
                    name=f"digest:{chat_id}", data=chat_id, chat_id=chat_id)


async def digest_job(context: Context) -> None:
    if await context.bot_data.services.digests.queue_scheduled(context.job.data):
        await deliver_now(context.application)


async def catch_up_digests(context: Context) -> None:
    """At start: a digest slot missed while the bot was down is sent if it is less than 6 h old."""
    if await context.bot_data.services.digests.catch_up():
        await deliver_now(context.application)


def schedule_jobs(application: Application) -> None:
    state = _state(application)
    svc: Services = state.services
    queue = application.job_queue
    queue.run_repeating(deliver_job, interval=1.0, first=0.5, name="deliver")
    queue.run_repeating(inbox_job, interval=1.0, first=1.0, name="inbox")
    queue.run_repeating(watch_job, interval=1.0, first=0.3, name="watch")
    poll_every = max(1.0, min(float(svc.settings.poll_seconds), 30.0))
    queue.run_repeating(poll_job, interval=poll_every, first=1.0, name="poll")
    queue.run_repeating(housekeeping_job, interval=HOUSEKEEPING_EVERY, first=60.0, name="housekeeping")
    for chat in svc.chats.chats():
        if chat.digest:
            schedule_digest(application, chat.chat_id)
    state.reschedule_digest = lambda chat_id: schedule_digest(application, chat_id)
    queue.run_once(catch_up_digests, when=0.2, name="digest-catch-up")
