"""Feed polling end to end: FeedService.poll_due over many local feeds, against a plain sequential loop.

A local HTTP server in a separate process serves N feeds x M full-text entries (no teasers, so no page
fetches), each feed under its own host name (resolver overrides map them all to 127.0.0.1, so the
fetcher's 2-per-host limit applies as it would on the internet). Rows, measured in this run:
- first poll: every entry new; fetch, parse and enrichment in the process pool, one batch write;
- second poll: every feed answers 304 to the stored ETag;
- baseline: a sequential loop of httpx.get + feedparser.parse over the same feeds (no enrichment, no store).
Peak RSS is sampled every 20 ms during the first poll: the main process, and with the pool's workers.

Targets: first poll >= 200 new articles/s; second poll of 200 feeds <= 2 s; peak RSS <= 300 MB above idle.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.common import print_table, rss_mb

_FIRST = ("Michael", "Sergey", "Angela", "Robert", "Maria", "James", "Olena", "Li", "Ahmed", "Sofia")
_LAST = ("Flynn", "Kislyak", "Merkel", "Mueller", "Lopez", "Comey", "Shevchenko", "Wei", "Hassan", "Rossi")
_WORDS = ("the government said on Tuesday that talks on sanctions and trade would continue next week while "
          "officials in the capital warned of delays as markets reacted to the report and analysts expected "
          "a vote before the end of the month according to people familiar with the matter").split()


def _entry_text(rng: random.Random, words: int = 140) -> str:
    sentences, count = [], 0
    while count < words:
        person = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        body = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(10, 18)))
        sentences.append(f"{person} said {body}.")
        count += len(body.split()) + 2
    return " ".join(sentences)


def make_feeds(n_feeds: int, n_entries: int, seed: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    base = datetime(2026, 11, 28, tzinfo=timezone.utc)
    feeds = []
    for f in range(n_feeds):
        items = []
        for e in range(n_entries):
            when = (base - timedelta(minutes=f * n_entries + e)).strftime("%a, %d %b %Y %H:%M:%S +0000")
            items.append(f"<item><title>Feed {f} story {e}: {rng.choice(_LAST)} talks</title>"
                         f"<link>https://site{f}.example/news/{e}</link><guid>site{f}-{e}</guid>"
                         f"<pubDate>{when}</pubDate><description>{_entry_text(rng)}</description></item>")
        feeds.append((f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench feed {f}'
                      f"</title><link>https://site{f}.example/</link>{''.join(items)}</channel></rss>").encode())
    return feeds


def _serve(bodies: list[bytes], port_out, stop) -> None:
    """The server process: /feed/<i>.xml with an ETag; a matching If-None-Match gets 304."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            try:
                index = int(self.path.rsplit("/", 1)[1].split(".")[0])
                body = bodies[index]
            except (ValueError, IndexError):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = f'"v{index}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    server = Server(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    stop.wait()
    server.shutdown()


def _children_rss_mb() -> float:
    """RSS of this process's live child processes (the pool's workers), from /proc."""
    total = 0.0
    me = os.getpid()
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0.0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            if ppid != me:
                continue
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * page / 1e6
        except (OSError, ValueError, IndexError):
            continue
    return total


class _PeakSampler:
    def __init__(self) -> None:
        self.peak_main = 0.0
        self.peak_total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            main = rss_mb()
            self.peak_main = max(self.peak_main, main)
            self.peak_total = max(self.peak_total, main + _children_rss_mb())
            self._stop.wait(0.02)

    def __enter__(self) -> "_PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _baseline(urls: list[str]) -> tuple[float, int]:
    import io

    import feedparser
    import httpx

    started = time.perf_counter()
    entries = 0
    with httpx.Client(timeout=20) as client:
        for url in urls:
            response = client.get(url)
            entries += len(feedparser.parse(io.BytesIO(response.content)).entries)
    return time.perf_counter() - started, entries


async def _polls(data_dir: str, port: int, n_feeds: int):
    from bot.services.intake import Intake
    from bot.services.feeds import FeedService, Schedule
    from bot.sources.fetch import AddressPolicy, Fetcher
    from bot.compose import library_at

    hosts = {f"feed{i}.bench.test": ["127.0.0.1"] for i in range(n_feeds)}
    library = library_at(data_dir)
    policy = AddressPolicy(allow_private=True, resolver_overrides=hosts)
    now = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    async with Fetcher(policy=policy) as fetcher:
        async with FeedService(Intake(library), fetcher, schedule=Schedule(interval=300)) as service:
            service.add_sources([(f"http://feed{i}.bench.test:{port}/feed/{i}.xml", "", []) for i in range(n_feeds)],
                                now=now)
            idle_main, idle_total = rss_mb(), rss_mb() + _children_rss_mb()
            with _PeakSampler() as peak:
                started = time.perf_counter()
                first = await service.poll_due(now)
                first_s = time.perf_counter() - started
            started = time.perf_counter()
            second = await service.poll_due(now + timedelta(hours=1))
            second_s = time.perf_counter() - started
    library.close()
    return first, first_s, second, second_s, (idle_main, idle_total, peak.peak_main, peak.peak_total)


def run(quick: bool = False) -> None:
    n_feeds, n_entries = (20, 20) if quick else (200, 50)
    bodies = make_feeds(n_feeds, n_entries)
    ctx = multiprocessing.get_context("spawn")
    port_q, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(bodies, port_q, stop), daemon=True)
    server.start()
    try:
        port = port_q.get(timeout=30)
        urls = [f"http://127.0.0.1:{port}/feed/{i}.xml" for i in range(n_feeds)]
        base_s, base_entries = _baseline(urls)
        with tempfile.TemporaryDirectory(prefix="bench-feeds-") as tmp:
            first, first_s, second, second_s, mem = asyncio.run(_polls(tmp, port, n_feeds))
    finally:
        stop.set()
        server.join(10)
        if server.is_alive():
            server.terminate()
    idle_main, idle_total, peak_main, peak_total = mem
    total = n_feeds * n_entries
    new = len(first.new_article_ids)
    rows = [
        ["baseline: httpx.get + feedparser, sequential", n_feeds, base_entries, base_s, base_entries / base_s, "-"],
        ["first poll (all new, enrichment, one batch)", first.feeds_polled, new, first_s, new / first_s,
         f"{peak_main - idle_main:,.0f} / {peak_total - idle_total:,.0f}"],
        ["second poll (all 304)", second.feeds_polled, second.not_modified, second_s, second.feeds_polled / second_s,
         "-"],
    ]
    print_table(f"feeds: {n_feeds} local feeds x {n_entries} full-text entries ({total:,} articles)",
                ["run", "feeds", "articles/304s", "seconds", "per s", "peak RSS MB above idle (main / +workers)"],
                rows)
    errors = len(first.errors) + len(second.errors)
    print(f"  first poll: {new / first_s:,.0f} new articles/s end to end (target >= 200), "
          f"{(new / first_s) / (base_entries / base_s):.2f}x the baseline's entries/s "
          f"(which neither enriches nor stores)")
    print(f"  second poll: {second_s:.2f} s for {second.feeds_polled} feeds (target <= 2 s for 200), "
          f"{base_s / second_s:.1f}x faster than the baseline's one pass")
    print(f"  peak RSS during the first poll: +{peak_main - idle_main:,.0f} MB main process, "
          f"+{peak_total - idle_total:,.0f} MB with the pool's workers (target <= 300 MB); "
          f"errors: {errors}; stored {new}/{total}")
