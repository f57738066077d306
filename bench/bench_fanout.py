"""Fan-out: one story to 10,000 subscribed chats through the real delivery path, against a fake Telegram
that allows 30 messages/s overall (429 beyond that) and takes 50 ms per call; and the latency from a
stored article to its alert reaching Telegram.

Everything runs in this process: the fake Bot API (tests/faultyapi.FaultyBotAPI, the product's BotAPICore
with its flood model and latency, behind tests/fakebotapi_http's HTTP server, on its own threads), the real
Services in a temporary data directory, and the real Application (build_bot: ExtBot with
bot.telegram.ratelimit.PacedRateLimiter, delivery_for, after_ingest).

- fan-out: 10,000 chats follow one topic (500 with --quick); one matching article is stored and
  after_ingest matches it, queues 10,000 alerts in the outbox and drains them. Measured from what the fake
  Telegram received: messages/s (whole run and the slowest 10 s window), 429 answers, total time.
- baselines on the same server: a naive sequential loop of Bot.send_message without a rate limiter, and
  the same loop with 32 sends at a time (what an unthrottled fan-out does), each over 500 messages.
- latency: 100 trials, each a new article matching one chat's own topic; from the ingest call returning
  to the fake Telegram receiving the sendMessage (the article is handed to after_ingest at once, as the
  poll and inbox jobs do). p50 / p95 / max.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import ROOT, percentile, print_table

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TOKEN = "123456:BENCH-token-not-real-abcdefghijkl"
RATE = 30  # messages/s the fake Telegram allows overall
LATENCY = 0.05  # s per call
FANOUT_TOPIC = "Kislyak"
FIRST_CHAT = 20_000_000
LATENCY_FIRST_CHAT = 30_000_000
NAIVE_FIRST_CHAT = 40_000_000
_WORDS = ("council budget harbour minister river school winter court museum bridge railway festival market "
          "hospital election football theatre factory airport library weather garden police treaty").split()


def _word(n: int) -> str:
    """A made-up word no seed article contains, one per trial: 'vexq' + letters."""
    letters = ""
    n += 26 * 26
    while n:
        n, r = divmod(n, 26)
        letters = chr(97 + r) + letters
    return "Vexq" + letters


def _story(rng: random.Random, word: str) -> str:
    sentences = []
    for _ in range(6):
        sentences.append(" ".join(rng.choice(_WORDS) for _ in range(12)).capitalize() + ".")
    sentences.insert(1, f"Officials said {word} would be discussed again next week.")
    return " ".join(sentences)


def _rate_stats(calls: list) -> tuple[int, float, float, float]:
    """(messages delivered, span s, messages/s over the span, slowest full 10 s window in messages/s)."""
    times = sorted(c.at for c in calls if c.status == 200)
    if len(times) < 2:
        return len(times), 0.0, float("nan"), float("nan")
    span = times[-1] - times[0]
    windows = []
    start = times[0]
    while start + 10 <= times[-1]:
        windows.append(sum(1 for t in times if start <= t < start + 10) / 10)
        start += 10
    rate = (len(times) - 1) / span if span else float("nan")
    return len(times), span, rate, min(windows) if windows else float("nan")


async def _naive(base_url: str, core, chats: list[int], concurrency: int) -> list:
    """Bot.send_message in a loop, no rate limiter; a 429 is counted, waited out and retried."""
    from telegram import Bot
    from telegram.error import RetryAfter
    from telegram.request import HTTPXRequest

    bot = Bot(TOKEN, base_url=base_url, request=HTTPXRequest(connection_pool_size=max(2, concurrency)))
    await bot.initialize()
    first = len(core.calls_of("sendMessage"))
    queue: asyncio.Queue[int] = asyncio.Queue()
    for chat in chats:
        queue.put_nowait(chat)

    async def worker() -> None:
        while not queue.empty():
            chat = queue.get_nowait()
            while True:
                try:
                    await bot.send_message(chat, f"naive message to {chat}")
                    break
                except RetryAfter as exc:
                    await asyncio.sleep(exc.retry_after if isinstance(exc.retry_after, (int, float))
                                        else exc.retry_after.total_seconds())

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await bot.shutdown()
    return core.calls_of("sendMessage")[first:]


async def _main(quick: bool) -> None:
    from bot.compose import build_bot, open_services
    from bot.config import Settings
    from bot.services.delivery import IN_FLIGHT
    from bot.telegram.jobs import after_ingest
    from bot.core.models import RawArticle
    from tests.fakebotapi_http import FakeBotAPIServer
    from tests.faultyapi import FaultyBotAPI

    logging.getLogger("telegram").setLevel(logging.ERROR)
    fanout_chats = 500 if quick else 10_000
    naive_n = 200 if quick else 500
    trials = 30 if quick else 100
    rng = random.Random(7)

    core = FaultyBotAPI(max_per_second=RATE, latency=LATENCY)
    server = FakeBotAPIServer(core, token=TOKEN).start()
    tmp = tempfile.TemporaryDirectory(prefix="bench-fanout-")
    try:
        data = Path(tmp.name)
        settings = Settings(token=TOKEN, telegram_api=server.base_url, data_dir=data, poll_seconds=1)
        svc = open_services(settings)
        app = build_bot(settings, services=svc, jobs=False)  # production rate limiter and pacing
        await app.initialize()
        try:
            # ---- setup (not timed): chats and their topics, through the chat store and the topic index
            started = time.perf_counter()
            now = datetime.now(timezone.utc)
            fan = [FIRST_CHAT + n for n in range(fanout_chats)]
            for chat in fan:
                core.private_chat(chat)
                svc.chats.ensure_chat(chat, "private", "", now)
                svc.chats.add_topic(chat, FANOUT_TOPIC, FANOUT_TOPIC, now)
            solo = [LATENCY_FIRST_CHAT + n for n in range(trials)]
            for n, chat in enumerate(solo):
                core.private_chat(chat)
                svc.chats.ensure_chat(chat, "private", "", now)
                result = svc.subscriptions.subscribe(chat, _word(n), now)
                assert result.ok, result
            setup_s = time.perf_counter() - started

            # ---- latency: store write -> sendMessage at the fake Telegram, one chat per trial
            delays, queued_s = [], []
            for n, chat in enumerate(solo):
                raw = RawArticle(text=_story(rng, _word(n)), title=f"Report {n}: {_word(n)} on the agenda",
                                 url=f"https://news.example/latency/{n}", published=datetime.now(timezone.utc),
                                 source="Bench")
                svc.intake.add([raw], datetime.now(timezone.utc))
                stored_at = time.time()
                before = len(core.calls_of("sendMessage"))
                queued = await after_ingest(app)
                queued_s.append(time.time() - stored_at)
                calls = [c for c in core.calls_of("sendMessage")[before:] if c.params.get("chat_id") == chat]
                assert queued == 1 and calls and calls[-1].status == 200, (n, queued, calls)
                delays.append(calls[0].at - stored_at)
                await asyncio.sleep(0.05)
            print_table(f"store write -> sendMessage received ({trials} trials, one chat each, {LATENCY * 1000:.0f} ms "
                        "per call)", ["measure", "p50 ms", "p95 ms", "max ms"],
                        [["ingest returned -> sendMessage arrives", percentile(delays, 50) * 1000,
                          percentile(delays, 95) * 1000, max(delays) * 1000],
                         ["after_ingest returned (answer recorded)", percentile(queued_s, 50) * 1000,
                          percentile(queued_s, 95) * 1000, max(queued_s) * 1000]])
            print(f"  target p95 <= 1000 ms: {'met' if percentile(delays, 95) <= 1.0 else 'MISSED'}")

            # ---- fan-out through the real watcher and delivery
            await asyncio.sleep(1.2)  # an empty rate window
            raw = RawArticle(text=_story(rng, FANOUT_TOPIC), title=f"{FANOUT_TOPIC} meets officials again",
                             url="https://news.example/fanout", published=datetime.now(timezone.utc), source="Bench")
            svc.intake.add([raw], datetime.now(timezone.utc))
            before = len(core.calls_of("sendMessage"))
            started = time.perf_counter()
            queued = await after_ingest(app)
            total_s = time.perf_counter() - started
            calls = core.calls_of("sendMessage")[before:]
            sent, span, rate, slowest = _rate_stats(calls)
            flood = sum(1 for c in calls if c.status == 429)
            other = sum(1 for c in calls if c.status not in (200, 429))
            delivered = {c.params.get("chat_id") for c in calls if c.status == 200}
            assert queued == fanout_chats, (queued, fanout_chats)
            assert delivered == set(fan) and len(svc.outbox) == 0, (len(delivered), len(svc.outbox))

            # ---- baselines on the same server, no rate limiter
            await asyncio.sleep(1.2)
            naive_chats = [NAIVE_FIRST_CHAT + n for n in range(naive_n)]
            for chat in naive_chats:
                core.private_chat(chat)
            seq = await _naive(server.base_url, core, naive_chats, 1)
            await asyncio.sleep(1.2)
            par = await _naive(server.base_url, core, naive_chats, 32)

            rows = []
            ours = f"newsbot delivery (IN_FLIGHT={IN_FLIGHT}, PacedRateLimiter)"
            for name, these, seconds in ((ours, calls, total_s),
                                         ("naive sequential loop, no limiter", seq, None),
                                         ("naive, 32 at a time, no limiter", par, None)):
                n_ok, span_s, msg_s, worst = _rate_stats(these)
                rows.append([name, n_ok, msg_s, worst, sum(1 for c in these if c.status == 429),
                             seconds if seconds is not None else span_s])
            print_table(f"fan-out: one story to {fanout_chats:,} chats (fake Telegram: {RATE}/s overall, "
                        f"{LATENCY * 1000:.0f} ms per call)",
                        ["sender", "messages", "msg/s", "slowest 10 s msg/s", "429s", "total s"], rows)
            print(f"  setup (chats and topics, not timed): {setup_s:.1f} s; other errors: {other}")
            print(f"  vs naive sequential: {rate / rows[1][2]:.2f}x the rate; target >= 25 msg/s with zero 429s: "
                  f"{'met' if rate >= 25 and flood == 0 else 'MISSED'}")
        finally:
            await app.shutdown()
            svc.close()
    finally:
        server.stop()
        tmp.cleanup()


def run(quick: bool = False) -> None:
    asyncio.run(_main(quick))
