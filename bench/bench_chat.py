"""Chat throughput and /latest latency through the real Application over the in-process Bot API.

(a) 1,000 mixed updates (commands, free text, button presses, unknown text) from 50 users, pushed at once;
    updates/s from the first push until every update has been fetched and processed (PTB's update queue
    joined), and each checked to have had an answer. Baseline, same run and transport: an Application whose
    only handler replies "ok". newsbot's application always carries its flood control (PTB's AIORateLimiter,
    about 30 messages/s overall, Telegram's own limit), which caps any bot near 30 replies/s; so newsbot is
    measured with that overall limit lifted (handlers + store + transport: what the 300 updates/s target is
    about), over the bundled seeds alone and over seeds + 2,000 generated articles; the full run also shows
    the baseline and newsbot with the limiter on. Target: >= 300 updates/s.
(b) /latest NAME end to end (push -> reply recorded by the fake Telegram) over 5k and 100k generated
    articles (bench.bench_store), 200 requests one at a time, 50 ms apart so the flood limiter never holds
    one back; p50/p95/max. Baseline: Library.latest_on alone, same names. Target: p95 <= 50 ms.
"""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import percentile, print_table

TOKEN = "123456:BENCH-token-not-real-abcdefghijk"
USERS = [20_001 + i for i in range(50)]
TARGET_UPS = 300.0
TARGET_LATEST_P95_MS = 50.0
GAP = 0.05  # seconds between /latest requests in (b)

TOPICS = ["Flynn", '"Robert Mueller" -sport', "Syria OR Iran", "Kislyak", "sanctions Russia", "Putin -sport",
          "Michael Flynn", "election", "Merkel OR Macron", "Trump Russia"]
NAMES = ["Flynn", "Kislyak", "Mueller", "Michael Flynn", "Sergey Kislyak", "Robert Mueller", "Trump", "Putin",
         "Comey", "Sessions", "Zelda Quux"]
SEARCHES = ["sanctions Russia", "Flynn", "ambassador", "special counsel", "Syria", "election campaign", "Kislyak"]
UNKNOWN = ["the weather is nice", "hello there", "?", "/frobnicate", "thanks!", "ok cool", "/settings"]
BUTTONS = ["f:Flynn", "l:Kislyak", "t", "h"]  # the /start keyboard


# ---- the update mix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Push:
    chat: int
    text: str | None = None  # a message ...
    button: str | None = None  # ... or a press of a /start button with this callback data


def make_mix(n: int, seed: int = 1) -> list[Push]:
    rng = random.Random(seed)
    kinds = [("start", 5), ("help", 5), ("subscribe", 10), ("topics", 8), ("latest", 15), ("free", 15),
             ("search", 10), ("button", 20), ("unknown", 7), ("who", 5)]
    population = [k for k, w in kinds for _ in range(w)]
    out = []
    for _ in range(n):
        chat = rng.choice(USERS)
        kind = rng.choice(population)
        if kind == "button":
            out.append(Push(chat, button=rng.choice(BUTTONS)))
            continue
        text = {
            "start": lambda: "/start",
            "help": lambda: "/help",
            "subscribe": lambda: f"/subscribe {rng.choice(TOPICS)}",
            "topics": lambda: "/topics",
            "latest": lambda: f"/latest {rng.choice(NAMES)}",
            "free": lambda: f"what's the latest on {rng.choice(NAMES)}?",
            "search": lambda: f"/search {rng.choice(SEARCHES)}",
            "unknown": lambda: rng.choice(UNKNOWN),
            "who": lambda: f"who is {rng.choice(NAMES)}?",
        }[kind]()
        out.append(Push(chat, text=text))
    return out


# ---- running an Application over a core --------------------------------------------------------------


@dataclass
class Run:
    label: str
    updates: int
    seconds: float
    answers: Counter = field(default_factory=Counter)  # events per chat (messages + callback notices)
    refused: int = 0  # Bot API calls Telegram would have refused
    sorry: int = 0  # "something went wrong" replies (handler errors)

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else float("inf")


async def _start(app) -> None:
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    await app.start()


async def _stop(app) -> None:
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)
    state = app.bot_data
    if getattr(state, "has_services", False) and not state.owns_services:  # the baseline app has no services
        state.services.close()


async def _settle(app, core, timeout: float = 600.0) -> None:
    """Every pushed update fetched by the updater, then processed to the end (the update queue joined)."""
    deadline = time.monotonic() + timeout
    while core.pending_updates:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{core.pending_updates} update(s) never fetched")
        await asyncio.sleep(0.002)
    await asyncio.wait_for(app.update_queue.join(), max(1.0, deadline - time.monotonic()))


async def drive(label: str, make_app: Callable, core, mix: list[Push]) -> Run:
    """Warm up (each user opens the chat with /start, untimed), then push the whole mix at once."""
    from bot.telegram.fakeapi import CoreEvent

    app = make_app(core)
    for chat in USERS:
        core.private_chat(chat, f"U{chat}")
    await _start(app)
    try:
        start_ids: dict[int, int] = {}
        for chat in USERS:
            core.push_text(chat, chat, "/start")
        await _settle(app, core)
        for chat in USERS:
            start_ids[chat] = core.sent(chat)[0].message_id
        answers: Counter = Counter()
        sorry = 0

        def on_event(event: CoreEvent) -> None:
            nonlocal sorry
            if event.kind in ("message", "notice"):
                answers[event.chat_id] += 1
                if event.message is not None and "something went wrong" in event.message.plain:
                    sorry += 1

        unsubscribe = core.subscribe(on_event)
        calls_before = len(core.calls)
        t = time.perf_counter()
        for push in mix:
            if push.button is not None:
                core.push_callback(push.chat, push.chat, start_ids[push.chat], push.button)
            else:
                core.push_text(push.chat, push.chat, push.text)
        await _settle(app, core)
        seconds = time.perf_counter() - t
        unsubscribe()
        refused = sum(1 for c in core.calls[calls_before:] if c.status >= 400 and c.method.lower() != "getupdates")
        return Run(label, len(mix), seconds, answers, refused, sorry)
    finally:
        await _stop(app)


def newsbot_app(data: Path, flood_limit: bool):
    """The product's application (build_application, as tests/chatkit.py builds it) over a core."""
    import bot.telegram.app as app_module
    from bot.config import Settings
    from bot.telegram.fakeapi import InProcessRequest
    from bot.compose import open_services

    settings = Settings(token=TOKEN, telegram_api="http://fake.invalid/bot", data_dir=data, poll_seconds=1)

    def make(core):
        services = open_services(settings)
        limiter = app_module.PacedRateLimiter
        if not flood_limit:  # same class, only the ~30 messages/s overall limit switched off
            app_module.PacedRateLimiter = lambda **kw: limiter(overall_max_rate=0, **kw)
        try:
            app = app_module.build_application(settings, services=services, request=InProcessRequest(core),
                                               get_updates_request=InProcessRequest(core), per_chat_interval=0,
                                               jobs=False)
        finally:
            app_module.PacedRateLimiter = limiter
        return app

    return make


def ok_app(flood_limit: bool):
    """The baseline: one handler that answers everything with "ok" (a button press: answer, then "ok")."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, TypeHandler

    from bot.telegram.fakeapi import InProcessRequest
    from bot.telegram.ratelimit import PacedRateLimiter

    async def ok(update: Update, context) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, "ok")

    def make(core):
        builder = (ApplicationBuilder().token(TOKEN).base_url("http://fake.invalid/bot")
                   .request(InProcessRequest(core)).get_updates_request(InProcessRequest(core)))
        if flood_limit:
            builder = builder.rate_limiter(PacedRateLimiter(per_chat_interval=0))
        app = builder.build()
        app.add_handler(TypeHandler(Update, ok))
        return app

    return make


def _check(run: Run, mix: list[Push]) -> str:
    """Every update got at least one answer in its chat (a message, or a notice for a button)."""
    wanted = Counter(p.chat for p in mix)
    short = sum(1 for chat, n in wanted.items() if run.answers[chat] < n)
    problems = []
    if short:
        problems.append(f"{short} chat(s) with fewer answers than updates")
    if run.refused:
        problems.append(f"{run.refused} call(s) refused")
    if run.sorry:
        problems.append(f"{run.sorry} handler error(s)")
    return "; ".join(problems) or "ok"


def bench_throughput(n: int, with_limited: bool, extra_articles: int) -> None:
    from bot.telegram.fakeapi import BotAPICore

    mix = make_mix(n)
    counts = Counter("button" if p.button else (p.text.split()[0] if p.text.startswith("/") else "text") for p in mix)
    print(f"mix of {n:,} updates over {len(USERS)} users: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    work = Path(tempfile.mkdtemp(prefix="newsbot-bench-chat-"))
    try:
        _build_store(work / "store", extra_articles)
        runs: list[tuple[Run, str]] = []
        # (label, baseline factory or None for newsbot, newsbot's flood limit on?, newsbot over the bigger store?)
        configs = [("baseline: reply \"ok\" (no flood limit)", ok_app(False), None, False),
                   ("newsbot, seeds only, flood limit lifted", None, False, False),
                   (f"newsbot, seeds + {extra_articles:,} articles, flood limit lifted", None, False, True)]
        if with_limited:
            configs += [("baseline: reply \"ok\" + newsbot's rate limiter", ok_app(True), None, False),
                        ("newsbot as built, seeds only (flood limit on)", None, True, False)]
        for n_run, (label, make, limited, big) in enumerate(configs):
            if make is None:  # a fresh data directory per newsbot run: the same state each time
                data = work / f"data{n_run}"
                if big:
                    shutil.copytree(work / "store", data)
                make = newsbot_app(data, flood_limit=bool(limited))
            run = asyncio.run(drive(label, make, BotAPICore(), mix))
            runs.append((run, _check(run, mix)))
        base = runs[0][0]
        print_table(f"chat throughput: {n:,} mixed updates, 50 users, in-process Bot API",
                    ["application", "updates", "seconds", "updates/s", "vs baseline", "answers"],
                    [[r.label, r.updates, r.seconds, r.per_second, f"{r.per_second / base.per_second:.2f}x", check]
                     for r, check in runs])
        for run, _ in runs[1:3]:
            print(f"{run.label}: {run.per_second:,.0f} updates/s, ratio to baseline {run.per_second / base.per_second:.3f}; "
                  f"target >= {TARGET_UPS:.0f}/s {'met' if run.per_second >= TARGET_UPS else 'NOT met'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---- (b) /latest at scale -------------------------------------------------------------------------------


def _build_store(path: Path, total: int) -> float:
    """`total` generated articles (bench.bench_store), written in chunks of 10k; returns seconds taken."""
    from bench.bench_store import make_articles
    from storage.tinydb import Store

    t = time.perf_counter()
    now = datetime.now(timezone.utc)
    chunk = 10_000
    done = 0
    store = Store.open(path)  # opened once: each open re-reads every partition
    try:
        while done < total:
            size = min(chunk, total - done)
            # spread over 90 days, newest first, one slice per chunk
            start = now - timedelta(days=90 * done / total)
            docs = make_articles(size, seed=100 + done // chunk, start=start, days=90 * size / total)
            for i in range(0, len(docs), 1000):
                store.articles.add_batch(docs[i:i + 1000])
            done += size
    finally:
        store.close()
    return time.perf_counter() - t


def latest_names(n: int, seed: int = 7) -> list[str]:
    from bench.bench_store import FIRST, LAST

    rng = random.Random(seed)
    full = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n * 3 // 4)]
    return full + [rng.choice(LAST) for _ in range(n - len(full))]


async def time_latest(data: Path, names: list[str]) -> tuple[list[float], list[float], float, Counter]:
    """(end-to-end ms per /latest, Library.latest_on ms per name, open seconds, answer kinds)."""
    from bot.telegram.fakeapi import CoreEvent
    from tests.faultyapi import FaultyBotAPI  # the product core plus wait_for_message

    core = FaultyBotAPI()
    t = time.perf_counter()
    app = newsbot_app(data, flood_limit=True)(core)  # as built
    services = app.bot_data.services
    open_s = time.perf_counter() - t
    chat = USERS[0]
    core.private_chat(chat, "Ann")
    await _start(app)
    kinds: Counter = Counter()
    try:
        core.push_text(chat, chat, "/start")  # warm up: the chat exists, the first call paths are loaded
        await core.wait_for_message(chat, timeout=30)
        stamps: list[float] = []

        def on_event(event: CoreEvent) -> None:
            if event.kind == "message":
                stamps.append(time.perf_counter())

        unsubscribe = core.subscribe(on_event)
        e2e = []
        for name in names:
            stamps.clear()
            t = time.perf_counter()
            core.push_text(chat, chat, f"/latest {name}")
            answer = await core.wait_for_message(chat, timeout=30)
            e2e.append((stamps[0] - t) * 1000)
            await asyncio.sleep(GAP)  # below 30 requests/s: the flood limiter never holds a reply back
            plain = answer.plain
            kinds["ambiguous" if "which one" in plain else "none" if "Nothing stored" in plain else "found"] += 1
        unsubscribe()
        direct = []
        for name in names:
            t = time.perf_counter()
            services.library.latest_on(name, limit=5)
            direct.append((time.perf_counter() - t) * 1000)
        return e2e, direct, open_s, kinds
    finally:
        await _stop(app)


def bench_latest(sizes: list[int], requests: int) -> None:
    names = latest_names(requests)
    rows, verdicts = [], []
    for total in sizes:
        work = Path(tempfile.mkdtemp(prefix="newsbot-bench-latest-"))
        try:
            build_s = _build_store(work, total)
            e2e, direct, open_s, kinds = asyncio.run(time_latest(work, names))
            print(f"{total:,} articles generated and stored in {build_s:.0f} s; bot opened in {open_s:.1f} s; "
                  f"answers: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
            rows.append([f"Library.latest_on ({total:,})", len(direct), percentile(direct, 50),
                         percentile(direct, 95), max(direct)])
            rows.append([f"/latest via the bot ({total:,})", len(e2e), percentile(e2e, 50), percentile(e2e, 95),
                         max(e2e)])
            p95 = percentile(e2e, 95)
            verdicts.append([f"{total:,}", f"{p95:.1f} ms", f"{p95 / max(percentile(direct, 95), 1e-9):.1f}x",
                             "met" if p95 <= TARGET_LATEST_P95_MS else "NOT met"])
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print_table(f"/latest NAME, {requests} requests one at a time (ms)", ["path", "n", "p50", "p95", "max"], rows)
    print_table(f"/latest p95 vs the {TARGET_LATEST_P95_MS:.0f} ms target (ratio: bot p95 / Library p95)",
                ["articles", "bot p95", "ratio", "target"], verdicts)


def run(quick: bool = False) -> None:
    logging.getLogger("telegram").setLevel(logging.WARNING)
    logging.getLogger("newsbot").setLevel(logging.ERROR)
    bench_throughput(1_000 if not quick else 300, with_limited=not quick, extra_articles=2_000 if not quick else 500)
    bench_latest([5_000] if quick else [5_000, 100_000], requests=200)
