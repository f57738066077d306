"""Scheduler jobs, all on PTB's JobQueue: poll feeds (each when due), watch (the inbox folder and each new
batch), deliver (the outbox), digests (a cron job per chat, in its zone) and housekeeping (retention,
compaction). Jobs are rebuilt from the store at every start: PTB does not persist them.

Heavy work stays off the event loop: feed parsing and enrichment run in the feed service's worker
processes, inbox files are read and enriched in a thread; the loop only writes finished batches.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, time as dtime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, ContextTypes

from storage.tinydb.outbox import OutboxItem

from bot.core import formatting as fmt
from bot.services.delivery import Delivery
from bot.services.digests import compose, due_missed, since_for, slot_before
from bot.services.container import Services
from bot.services.watcher import watch

log = logging.getLogger("newsbot.jobs")
HOUSEKEEPING_EVERY = timedelta(hours=6)
WATCH_SLICE = 50  # articles matched between two yields to the event loop
_INBOX_TYPES = {".txt", ".md", ".json", ".jsonl", ".html", ".htm", ".xml", ".rss", ".atom"}


def keyboard_markup(keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in keyboard if row])


# ---- rendering outbox items ------------------------------------------------------------------------


def make_renderer(svc: Services):
    def render(items: list[OutboxItem]) -> list[tuple[str, object]]:
        first = items[0]
        chat = svc.chats.get_chat(first.chat)
        tz = chat.tz if chat else "UTC"
        now = svc.now()
        if first.kind == "digest":
            return [(html, None) for html in first.data.get("messages", [])]
        if first.kind == "notice":
            return [(fmt.esc(first.data.get("text", "")), None)]
        articles = [(svc.library.get(i.data.get("article", "")), i) for i in items]
        articles = [(a, i) for a, i in articles if a is not None]
        if not articles:
            return []
        if first.kind == "held" and len(articles) > 1:
            heading = f"<b>While your quiet hours were on: {len(articles)} stories</b>"
            html, keyboard = fmt.render_article_list(heading, [a for a, _ in articles], now, tz)
            return [(part, keyboard if n == 0 else None) for n, part in enumerate(fmt.split_html(html))][:3]
        article, item = articles[0]
        html, keyboard = fmt.render_alert(article, item.data.get("why", ""), now, tz, item.data.get("topic"))
        return [(html, keyboard)]

    return render


def delivery_for(application: Application) -> Delivery:
    data = application.bot_data
    if "delivery" not in data:
        svc: Services = data["services"]

        def sent(item: OutboxItem) -> None:
            if item.kind in ("alert", "held"):
                svc.count(f"alerts:{svc.now():%Y-%m-%d}")

        data["delivery"] = Delivery(application.bot, svc.outbox, svc.chats, make_renderer(svc),
                                    clock=lambda: svc.now().timestamp(), markup=keyboard_markup, on_sent=sent)
    return data["delivery"]


# ---- jobs ------------------------------------------------------------------------------------------


async def deliver_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc: Services = context.bot_data["services"]
    if svc.outbox.due(svc.now().timestamp(), limit=1):
        await delivery_for(context.application).drain()


async def after_ingest(application: Application, article_ids: list[str]) -> int:
    """The watcher: match a new batch and queue its alerts, then deliver at once."""
    svc: Services = application.bot_data["services"]
    queued = 0
    for start in range(0, len(article_ids), WATCH_SLICE):  # slices keep the event loop responsive
        articles = [a for a in (svc.library.get(i) for i in article_ids[start:start + WATCH_SLICE]) if a is not None]
        queued += watch(svc.subscriptions, svc.chats, svc.outbox, articles, svc.now()) if articles else 0
        await asyncio.sleep(0)
    if queued:
        await delivery_for(application).drain()
    return queued


async def poll_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc: Services = context.bot_data["services"]
    if svc.feeds is None:
        return
    report = await svc.feeds.poll_due(svc.now())
    queue_admin_notices(svc)
    if report.new_article_ids:
        await after_ingest(context.application, list(report.new_article_ids))


def queue_admin_notices(svc: Services) -> None:
    """Feed health notices (failing feeds, removed feeds) go to every admin, once."""
    if svc.feeds is None:
        return
    notices = svc.feeds.pending_notices()
    if not notices:
        return
    now = svc.now()
    items = []
    for notice in notices:
        for admin in svc.settings.admins:
            if svc.chats.get_chat(admin) is None:
                svc.chats.ensure_chat(admin, "private", "", now)
            items.append({"chat": admin, "key": f"notice:{notice.id}", "kind": "notice",
                          "data": {"text": notice.text}})
    svc.outbox.add(items, now.timestamp())
    svc.feeds.mark_notices_delivered([n.id for n in notices])


async def inbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Files dropped into <data>/inbox (e.g. by `newsbot ingest` while the bot runs) are stored and
    matched within a second; each file is removed once its articles are stored."""
    svc: Services = context.bot_data["services"]
    inbox = svc.settings.data_dir / "inbox"
    if not inbox.is_dir():
        return
    files = sorted(p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in _INBOX_TYPES)
    if not files:
        return
    now = svc.now()
    docs, problems = await asyncio.to_thread(_read_inbox, files, now, svc.settings.max_file_mb)
    report = svc.library.store_built(docs, now) if docs else None
    for path, problem in problems:
        log.warning("inbox: %s: %s", path.name, problem)
    for path in files:
        path.unlink(missing_ok=True)
    if report and report.added:
        await after_ingest(context.application, report.added)


def _read_inbox(files: list[Path], now: datetime, max_mb: int) -> tuple[list[dict], list[tuple[Path, str]]]:
    from bot.core.enrich import EmptyArticle, build_article
    from bot.sources.files import read_file

    docs, problems = [], []
    for path in files:
        result = read_file(path, max_bytes=max_mb * 1_000_000)
        if result.problem:
            problems.append((path, result.problem))
        for raw in result.articles:
            try:
                docs.append(build_article(raw, now).to_doc())
            except EmptyArticle as exc:
                problems.append((path, str(exc)))
    return docs, problems


async def housekeeping_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc: Services = context.bot_data["services"]
    now = svc.now()
    cutoff = (now - timedelta(days=svc.settings.retention_days)).timestamp()
    dropped = svc.library.articles.drop_older_than(cutoff)
    svc.outbox.compact(now.timestamp())
    if dropped:
        log.info("housekeeping: %d article(s) past retention dropped", dropped)


# ---- digests ---------------------------------------------------------------------------------------

_PTB_DAYS = (1, 2, 3, 4, 5, 6, 0)  # our Monday=0 -> PTB's Sunday=0 numbering


def schedule_digest(application: Application, chat_id: int) -> None:
    """(Re)build one chat's digest job from its settings; none when the digest is off."""
    queue = application.job_queue
    for job in queue.get_jobs_by_name(f"digest:{chat_id}"):
        job.schedule_removal()
    svc: Services = application.bot_data["services"]
    chat = svc.chats.get_chat(chat_id)
    if chat is None or not chat.digest:
        return
    hour, minute = (int(x) for x in chat.digest["time"].split(":"))
    days = (_PTB_DAYS[int(chat.digest.get("day", 0))],) if chat.digest.get("kind") == "weekly" else tuple(range(7))
    queue.run_daily(digest_job, dtime(hour, minute, tzinfo=ZoneInfo(chat.tz)), days=days,
                    name=f"digest:{chat_id}", data=chat_id, chat_id=chat_id)


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc: Services = context.bot_data["services"]
    chat_id = context.job.data
    chat = svc.chats.get_chat(chat_id)
    if chat is None or not chat.digest:
        return
    await queue_digest(context.application, chat_id, slot_before(chat.digest, chat.tz, svc.now()))


async def queue_digest(application: Application, chat_id: int, slot: datetime, always: bool = False,
                       key: str | None = None) -> bool:
    """Compose the chat's digest for `slot` and queue it (keyed by the slot: never twice)."""
    svc: Services = application.bot_data["services"]
    chat = svc.chats.get_chat(chat_id)
    if chat is None:
        return False
    now = svc.now()
    since = since_for(chat.last_digest, now)
    docs = []
    for n, doc in enumerate(svc.library.articles.fetched_since(since)):  # read in the loop thread, in slices
        docs.append(doc)
        if n % 200 == 199:
            await asyncio.sleep(0)
    # Matching is CPU work: a worker thread, over documents already read (it touches no shared state).
    groups = await asyncio.to_thread(compose, None, svc.subscriptions.topics(chat_id), since, now.timestamp(), docs)
    messages = fmt.render_digest([(row.canonical or row.text, [e.article for e in entries]) for row, entries in groups],
                                 now, chat.tz)
    svc.chats.update_chat(chat_id, last_digest=slot.isoformat(timespec="seconds"))
    if not messages:
        if not always:
            return False
        messages = ["Nothing new for your topics since the last digest."]
    key = key or f"digest:{slot.isoformat(timespec='seconds')}"
    svc.outbox.add([{"chat": chat_id, "key": key, "kind": "digest",
                     "data": {"messages": messages}}], now.timestamp())
    await delivery_for(application).drain()
    return True


async def send_digest_now(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """/digest now: the recap at once (says so when there is nothing new)."""
    svc: Services = context.bot_data["services"]
    await queue_digest(context.application, chat_id, svc.now(), always=True, key=f"digest-now:{uuid.uuid4().hex}")


async def catch_up_digests(application: Application) -> None:
    """At start: a digest slot missed while the bot was down is sent if it is less than 6 h old."""
    svc: Services = application.bot_data["services"]
    now = svc.now()
    for chat in svc.chats.chats():
        if chat.digest and not chat.paused:
            slot = due_missed(chat.digest, chat.tz, chat.last_digest, now)
            if slot is not None:
                await queue_digest(application, chat.chat_id, slot)


def schedule_jobs(application: Application) -> None:
    svc: Services = application.bot_data["services"]
    queue = application.job_queue
    queue.run_repeating(deliver_job, interval=1.0, first=0.5, name="deliver")
    queue.run_repeating(inbox_job, interval=1.0, first=1.0, name="inbox")
    poll_every = max(1.0, min(float(svc.settings.poll_seconds), 30.0))
    queue.run_repeating(poll_job, interval=poll_every, first=1.0, name="poll")
    queue.run_repeating(housekeeping_job, interval=HOUSEKEEPING_EVERY, first=60.0, name="housekeeping")
    for chat in svc.chats.chats():
        if chat.digest:
            schedule_digest(application, chat.chat_id)
    application.bot_data["on_digest_change"] = lambda chat_id: schedule_digest(application, chat_id)
    application.bot_data["outbox_length"] = lambda: len(svc.outbox)
    queue.run_once(lambda context: catch_up_digests(context.application), when=0.2, name="digest-catch-up")
