"""FeedService: add, list, remove and poll feed sources; the results its methods return.

Its methods are what the CLI and the chat handlers call: add_feed / list_feeds / remove_feed / poll_due /
import_opml / export_opml / add_defaults. A poll cycle fetches every due feed concurrently (one feed's
failure or stall never delays another beyond the fetcher's deadline), parses and enriches in a process
pool (work.py), and writes all new articles in ONE batch, returning one PollReport whose
new_article_ids the watcher consumes. Scheduling and health decisions are schedule.py's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import multiprocessing
import os
import random
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from storage.tinydb.feeds import AdminNotice, FeedState, FeedStore

from bot.config import Settings
from bot.core.models import RawArticle
from bot.core.text import clean_text, fingerprint, short_id
from bot.core.urls import canonical_url
from bot.services.intake import Intake
from bot.services.feeds.content import FEED_ACCEPT, PAGE_ACCEPT, is_teaser, not_a_feed
from bot.services.feeds.schedule import (
    Schedule, cache_max_age, gone_notice, is_due, label, record_failure, record_success,
)
from bot.services.feeds.sources import default_seeds_path, feed_id, feed_key, load_seed_feeds
from bot.services.feeds.work import ParseJob, _warm_worker, build_job, extract_job, parse_job
from bot.sources.fetch import AddressPolicy, Fetcher, UnsafeURL, check_url
from bot.sources.netguard import ip_literal
from bot.sources.opml import OpmlFeed, export_opml, parse_opml

log = logging.getLogger("newsbot.feeds")

# ---- results ---------------------------------------------------------------------------------------


@dataclass
class AddResult:
    """status: "added", "duplicate", "invalid" (bad or refused URL), "unreachable" (fetch failed),
    "not_a_feed". `note` says what was done on the user's behalf (e.g. a feed discovered on a page)."""

    status: str
    feed: FeedState | None = None
    error: str | None = None
    note: str | None = None
    entries: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "added"


@dataclass
class RemoveResult:
    status: str  # "removed" | "not_found" | "ambiguous"
    feed: FeedState | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "removed"


@dataclass
class ImportResult:
    added: list[FeedState] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class FeedError:
    feed_id: str
    url: str
    name: str
    error: str


@dataclass
class PollReport:
    """One poll cycle, handed on as one event: the watcher consumes new_article_ids."""

    feeds_polled: int = 0
    new_article_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    errors: list[FeedError] = field(default_factory=list)
    notices: list[AdminNotice] = field(default_factory=list)
    not_modified: int = 0
    skipped: list[str] = field(default_factory=list)  # entries enrichment refused (reasons)
    busy: int = 0  # feeds already being polled by another cycle


@dataclass
class _Outcome:
    feed: FeedState
    docs: list[dict] = field(default_factory=list)
    error: str | None = None
    gone: bool = False
    busy: bool = False
    not_modified: bool = False
    notice: AdminNotice | None = None
    skipped: list[str] = field(default_factory=list)
    validators: tuple[str | None, str | None] | None = None  # (etag, last_modified) to keep once stored


# ---- the service -----------------------------------------------------------------------------------


def make_fetcher(settings: Settings | None = None, **kwargs) -> Fetcher:
    """The Fetcher the service uses, with the address policy from Settings.allow_private_urls."""
    allow = bool(getattr(settings, "allow_private_urls", False))
    return Fetcher(policy=AddressPolicy(allow_private=allow), **kwargs)


class FeedService:
    """Feed sources over the article intake (new articles are written through it, and so reach the
    watcher) and a Fetcher.

    The service does not own the intake or its library; it owns the fetcher only when it made it (from_settings), and
    its process pool. Close with `await service.aclose()` (or `async with`).
    """

    def __init__(self, intake: Intake, fetcher: Fetcher | None, *, poll_seconds: float = 300, schedule: Schedule | None = None,
                 max_pages: int = 20, max_concurrent_feeds: int = 32, workers: int | None = None,
                 rng: random.Random | None = None, own_fetcher: bool = False,
                 clock: Callable[[], datetime] | None = None, policy=None) -> None:
        self.intake = intake
        self.library = intake.library
        self.fetcher = fetcher
        # The address policy, for checks made without fetching (imports); fetches enforce the fetcher's own.
        self.policy = policy if policy is not None else getattr(fetcher, "policy", None)
        self.feeds = FeedStore(self.library.store.state)
        self.schedule = schedule or Schedule(interval=max(float(poll_seconds), 1.0))
        self.max_pages = max_pages
        self.max_concurrent_feeds = max(1, max_concurrent_feeds)
        # workers: 0 runs CPU work in a thread; None picks one process per CPU (at most 4).
        self.workers = min(os.cpu_count() or 1, 4) if workers is None else workers
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._rng = rng or random.Random()
        self._own_fetcher = own_fetcher
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._in_flight: set[str] = set()  # feed ids being polled: one feed is never polled twice at once

    @classmethod
    def from_settings(cls, intake: Intake, settings: Settings, fetcher: Fetcher | None = None,
                      **kwargs) -> "FeedService":
        own = fetcher is None
        return cls(intake, fetcher if fetcher is not None else make_fetcher(settings),
                   poll_seconds=settings.poll_seconds, own_fetcher=own, **kwargs)

    async def aclose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
        if self._own_fetcher and self.fetcher is not None:
            await self.fetcher.aclose()

    async def __aenter__(self) -> "FeedService":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    # ---- sources ---------------------------------------------------------------------------------

    def list_feeds(self) -> list[FeedState]:
        return self.feeds.all()

    def find(self, url_or_id: str) -> list[FeedState]:
        """Feeds matching an id (or its unique prefix, >= 4 characters), or a URL."""
        text = url_or_id.strip()
        feed = self.feeds.get(text)
        if feed:
            return [feed]
        key = feed_key(text)
        if key:
            feed = self.feeds.get_by_key(key)
            return [feed] if feed else []
        if len(text) >= 4:
            return [f for f in self.feeds.all() if f.id.startswith(text.lower())]
        return []

    def remove_feed(self, url_or_id: str) -> RemoveResult:
        found = self.find(url_or_id)
        if not found:
            return RemoveResult("not_found", error=f"no feed source with this URL or id: {url_or_id}")
        if len(found) > 1:
            return RemoveResult("ambiguous", error=f"{url_or_id} is the start of {len(found)} feed ids; give more of it")
        self.feeds.remove(found[0].id)
        return RemoveResult("removed", found[0])

    def _new_state(self, url: str, key: str, name: str, tags: Sequence[str], now: datetime) -> FeedState:
        return FeedState(id=feed_id(key), url=url, key=key, name=name.strip(), tags=list(dict.fromkeys(tags)),
                         added_at=now)

    def _check(self, url: str) -> tuple[str | None, str | None]:
        """(key, error) for a URL someone wants to add."""
        url = url.strip()
        try:
            check_url(url)
            literal = ip_literal(urlsplit(url).hostname or "")
            if literal is not None and self.policy is not None:
                self.policy.check_ip(literal)
        except UnsafeURL as exc:
            return None, f"refused: {exc}"
        except ValueError as exc:
            return None, f"not a usable URL: {exc}"
        key = feed_key(url)
        if key is None:
            return None, f"not an http(s) URL: {url}"
        return key, None

    async def add_feed(self, url: str, name: str | None = None, *, tags: Sequence[str] = (),
                       now: datetime | None = None) -> AddResult:
        """Validate a feed by fetching it once, name it from its title (unless `name`), and store it.
        An HTML page that advertises a feed adds that feed instead (the result's note says so)."""
        now = now or self._clock()
        url = url.strip()
        key, error = self._check(url)
        if error:
            return AddResult("invalid", error=error)
        existing = self.feeds.get_by_key(key)
        if existing:
            return AddResult("duplicate", existing, error=f"already a source: {label(existing)} (id {existing.id})")
        result = await self.fetcher.get(url, accept=FEED_ACCEPT)
        if not result.ok or result.not_modified:
            return _unreachable(url, result)
        job = await self._run(parse_job, result.content, result.final_url or url, name or "",
                              result.content_type or "")
        note = None
        if not job.feedlike and job.links:
            # A page advertising its feed: use the feed (once; a feed's page pointing on is not followed).
            found = job.links[0]
            note = f"{url} is a web page; using the feed it advertises: {found}"
            url = found
            key, error = self._check(url)
            if error:
                return AddResult("invalid", error=f"the page advertises {found}, but it is {error}")
            existing = self.feeds.get_by_key(key)
            if existing:
                return AddResult("duplicate", existing, note=note,
                                 error=f"already a source: {label(existing)} (id {existing.id})")
            result = await self.fetcher.get(url, accept=FEED_ACCEPT)
            if not result.ok or result.not_modified:
                return _unreachable(url, result, note)
            job = await self._run(parse_job, result.content, result.final_url or url, name or "",
                                  result.content_type or "")
        if not job.feedlike:
            return AddResult("not_a_feed", note=note,
                             error=not_a_feed(url, result.content, result.content_type or "", job.parsed.problem))
        if not job.parsed.entries and job.parsed.problem:
            return AddResult("not_a_feed", note=note, error=f"could not read the feed at {url}: {job.parsed.problem}")
        title = (name or "").strip() or job.parsed.title or (urlsplit(url).hostname or url)
        feed = self._new_state(url, key, title, tags, now)
        feed.site_url = job.parsed.link
        feed.entries = len(job.parsed.entries)
        if job.parsed.problem:
            note = "; ".join(filter(None, [note, f"the feed is partly malformed ({job.parsed.problem})"]))
        self.feeds.add(feed)
        return AddResult("added", feed, note=note, entries=len(job.parsed.entries))

    def add_sources(self, sources: Iterable[tuple[str, str, Sequence[str]]], now: datetime | None = None) -> ImportResult:
        """Add (url, name, tags) sources without fetching them (they are checked on their first poll), in
        one write. Duplicates (of stored feeds or within the list) merge their tags into the stored feed."""
        now = now or self._clock()
        report = ImportResult()
        pending: dict[str, FeedState] = {}
        retagged: dict[str, FeedState] = {}
        for url, name, tags in sources:
            key, error = self._check(url)
            if error:
                report.problems.append(f"{url}: {error}")
                continue
            existing = pending.get(key) or retagged.get(key) or self.feeds.get_by_key(key)
            if existing is not None:
                report.duplicates.append(url)
                merged = list(dict.fromkeys(existing.tags + list(tags)))
                if merged != existing.tags:
                    existing.tags = merged
                    if key not in pending:
                        retagged[key] = existing
                continue
            pending[key] = self._new_state(url.strip(), key, name or "", tags, now)
        self.feeds.add_many(pending.values())
        self.feeds.save_many(retagged.values())
        report.added = list(pending.values())
        return report

    def import_opml(self, data: bytes, now: datetime | None = None) -> ImportResult:
        """Add every feed of an OPML document (raises bot.opml.OpmlError when it is refused)."""
        doc = parse_opml(data)
        report = self.add_sources(((f.url, f.title, f.tags) for f in doc.feeds), now)
        report.problems = doc.skipped + report.problems
        return report

    def export_opml(self, now: datetime | None = None) -> bytes:
        feeds = [OpmlFeed(url=f.url, title=f.name, tags=list(f.tags), html_url=f.site_url) for f in self.list_feeds()]
        return export_opml(feeds, title="newsbot feeds", now=now or self._clock())

    def add_defaults(self, now: datetime | None = None, path: Path | None = None) -> ImportResult:
        """Add the default public news feeds from seeds/feeds.toml (no network needed)."""
        return self.add_sources(load_seed_feeds(path or default_seeds_path()), now)

    def pending_notices(self) -> list[AdminNotice]:
        return self.feeds.pending_notices()

    def mark_notices_delivered(self, notice_ids: Iterable[int]) -> None:
        self.feeds.mark_delivered(notice_ids)

    # ---- polling ---------------------------------------------------------------------------------

    def due_feeds(self, now: datetime) -> list[FeedState]:
        return [f for f in self.feeds.all() if is_due(f, now)]

    async def poll_due(self, now: datetime | None = None, *, poll_all: bool = False,
                       progress=None) -> PollReport:
        """Poll every due feed (or every feed) once, concurrently, and store what they brought in one batch."""
        now = now or self._clock()
        feeds = self.feeds.all() if poll_all else self.due_feeds(now)
        return await self.poll_feeds(feeds, now, progress=progress)

    async def poll_feeds(self, feeds: Sequence[FeedState], now: datetime, progress=None) -> PollReport:
        report = PollReport()
        if not feeds:
            return report

        slots = asyncio.Semaphore(self.max_concurrent_feeds)  # bounds the bodies held in memory at once

        async def one(feed: FeedState) -> _Outcome:
            outcome = await self._poll_guarded(feed, now, slots)
            if progress is not None:
                progress.advance(note=feed.name or feed.url)
            return outcome

        outcomes = await asyncio.gather(*(one(f) for f in feeds))
        docs = [d for o in outcomes for d in o.docs]
        stored_ok = True
        added: set[str] = set()
        if docs:
            try:
                result = self.intake.store(docs, now)
                report.new_article_ids = result.added
                report.updated_ids = result.updated
                added = set(result.added)
            except Exception as exc:  # e.g. a full disk: keep the feeds' old validators so nothing is lost
                stored_ok = False
                log.warning("could not store %d new article(s) from %d feed(s): %s: %s", len(docs),
                            sum(1 for o in outcomes if o.docs), type(exc).__name__, exc)
        gone, save, notices = [], [], []
        for o in outcomes:
            if o.busy:
                report.busy += 1
                continue
            report.feeds_polled += 1
            report.skipped += o.skipped
            report.not_modified += o.not_modified
            if o.notice:
                notices.append(o.notice)
            if o.gone:
                gone.append(o.feed.id)
                report.errors.append(FeedError(o.feed.id, o.feed.url, o.feed.name, o.error or "410 Gone"))
                continue
            if o.error:
                report.errors.append(FeedError(o.feed.id, o.feed.url, o.feed.name, o.error))
            if o.docs and not stored_ok:
                report.errors.append(FeedError(o.feed.id, o.feed.url, o.feed.name, "its articles could not be stored"))
                continue  # its state stays as it was: the next poll fetches the same entries again
            if o.validators is not None:
                o.feed.etag, o.feed.last_modified = o.validators
            o.feed.articles += len({d["id"] for d in o.docs} & added)
            save.append(o.feed)
        self.feeds.save_many(save)
        if gone:
            self.feeds.remove_many(gone)
        report.notices = self.feeds.add_notices(notices)
        return report

    async def _poll_guarded(self, feed: FeedState, now: datetime, slots: asyncio.Semaphore) -> _Outcome:
        if feed.id in self._in_flight:
            return _Outcome(feed, busy=True)
        self._in_flight.add(feed.id)
        try:
            async with slots:
                return await self._poll_one(feed, now)
        except Exception as exc:  # per-feed capture: one feed's bug never takes the cycle down
            error = f"internal error while polling: {type(exc).__name__}: {exc}"[:400]
            log.warning("feed %s: %s", label(feed), error)
            log.debug("poll failure", exc_info=True)
            new, notice = record_failure(feed, now, error, self.schedule, self._rng.random())
            return _Outcome(new, error=error, notice=notice)
        finally:
            self._in_flight.discard(feed.id)

    def _fail(self, feed: FeedState, now: datetime, error: str, retry_after: float | None = None) -> _Outcome:
        log.warning("feed %s: %s", label(feed), error)
        new, notice = record_failure(feed, now, error, self.schedule, self._rng.random(), retry_after=retry_after)
        return _Outcome(new, error=error, notice=notice)

    async def _poll_one(self, feed: FeedState, now: datetime) -> _Outcome:
        result = await self.fetcher.get(feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT)
        if result.gone or result.status == 410:
            error = f"{feed.url} answered 410 Gone: removed from the sources"
            log.warning("feed %s: %s", label(feed), error)
            return _Outcome(feed, error=error, gone=True, notice=gone_notice(feed, now))
        max_age = cache_max_age(result.headers)
        if result.error is None and (result.not_modified or result.status == 304):
            new, notice = record_success(feed, now, self.schedule, self._rng.random(), max_age=max_age,
                                         retry_after=result.retry_after)
            return _Outcome(new, not_modified=True, notice=notice)
        if not result.ok:
            return self._fail(feed, now, _fetch_error(result), result.retry_after)
        job: ParseJob = await self._run(parse_job, result.content, result.final_url or feed.url, feed.name,
                                        result.content_type or "")
        parsed = job.parsed
        if not job.feedlike:
            return self._fail(feed, now, not_a_feed(feed.url, result.content, result.content_type or "", parsed.problem))
        if not parsed.entries and parsed.problem:
            return self._fail(feed, now, f"unreadable feed: {parsed.problem}"[:400])
        if parsed.problem:
            log.warning("feed %s: partly read, %d entries kept: %s", label(feed), len(parsed.entries), parsed.problem)
        new, notice = record_success(feed, now, self.schedule, self._rng.random(), ttl=job.ttl, max_age=max_age,
                                     retry_after=result.retry_after)
        new.entries = len(parsed.entries)
        new.name = new.name or parsed.title
        new.site_url = parsed.link or new.site_url
        raws = [r for r in parsed.entries if self._is_new(r)]
        raws = await self._full_texts(raws)
        docs, skipped = await self._build(raws, now) if raws else ([], [])
        validators = (result.headers.get("etag"), result.headers.get("last-modified"))
        return _Outcome(new, docs=docs, notice=notice, skipped=skipped, validators=validators)

    def _is_new(self, raw: RawArticle) -> bool:
        """False when the store already holds this entry as it is now (its text unchanged), so enrichment
        and page fetches are spent only on new or changed entries. The store has the final word on dedup."""
        articles = self.library.store.articles
        url = canonical_url(raw.url)
        if url:
            entry = articles.entry(short_id(url))
            if entry is None:
                return True
            if is_teaser(raw.text):
                return False  # stored already, maybe with the full text fetched then: keep it
            return entry.fingerprint != fingerprint(clean_text(raw.text or raw.title or ""))
        text = clean_text(raw.text or "") or clean_text(raw.title or "")
        return short_id("text:" + fingerprint(text)) not in articles if text else False

    async def _full_texts(self, raws: list[RawArticle]) -> list[RawArticle]:
        """Replace teasers with the article page's main text (at most max_pages page fetches per feed)."""
        targets = [i for i, r in enumerate(raws) if r.url and is_teaser(r.text)][: self.max_pages]
        if not targets:
            return raws

        async def fetch(i: int) -> None:
            raw = raws[i]
            page = await self.fetcher.get(raw.url, accept=PAGE_ACCEPT)
            if not page.ok or page.not_modified or not page.content:
                log.info("full text of %s not fetched (%s); keeping the feed's teaser", raw.url, _fetch_error(page))
                return
            extracted = await self._run(extract_job, page.content, page.final_url or raw.url)
            if extracted is None or len(extracted.text.split()) <= len((raw.text or "").split()):
                return
            raws[i] = dataclasses.replace(raw, text=extracted.text, title=raw.title or extracted.title,
                                          published=raw.published or extracted.published)

        await asyncio.gather(*(fetch(i) for i in targets), return_exceptions=True)
        return raws

    async def _build(self, raws: list[RawArticle], now: datetime) -> tuple[list[dict], list[str]]:
        chunk = 25
        parts = await asyncio.gather(*(self._run(build_job, raws[i:i + chunk], now) for i in range(0, len(raws), chunk)))
        docs = [d for ds, _ in parts for d in ds]
        skipped = [s for _, ss in parts for s in ss]
        return docs, skipped

    async def _run(self, fn, *args):
        """Run CPU work off the event loop: in the process pool, or a thread when workers == 0 (or the
        pool broke, e.g. a worker was killed)."""
        loop = asyncio.get_running_loop()
        pool = self._get_pool()
        if pool is not None:
            try:
                return await loop.run_in_executor(pool, fn, *args)
            except concurrent.futures.BrokenExecutor as exc:
                if self._pool is pool:  # first to notice: from now on this service works in threads
                    log.warning("the worker process pool broke (%s); parsing and enrichment continue in "
                                "threads", exc)
                    self._pool, self.workers = None, 0
                    pool.shutdown(wait=False, cancel_futures=True)
        return await asyncio.to_thread(fn, *args)

    def _get_pool(self) -> concurrent.futures.ProcessPoolExecutor | None:
        if self.workers <= 0:
            return None
        if self._pool is None:
            # forkserver/spawn, never fork: the bot's process has threads (PTB, asyncio.to_thread), and
            # forking a threaded process can deadlock the child.
            method = "forkserver" if sys.platform.startswith("linux") else "spawn"
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context(method), initializer=_warm_worker)
        return self._pool


def _unreachable(url: str, result, note: str | None = None) -> AddResult:
    error = _fetch_error(result)
    if error.startswith("blocked"):  # the address policy refused it: the URL itself is the problem
        return AddResult("invalid", note=note, error=f"refused: {error}")
    return AddResult("unreachable", note=note, error=f"could not fetch {url}: {error}")


def _fetch_error(result) -> str:
    if result.error:
        return result.error
    if result.status is not None and not 200 <= result.status < 300:
        return f"HTTP {result.status}"
    if result.not_modified:
        return "304 Not Modified without a cached copy"
    return "no content"
