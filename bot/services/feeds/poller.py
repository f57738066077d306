"""Polling: one cycle fetches every due feed concurrently (one feed's failure or stall never delays another
beyond the fetcher's deadline), parses and enriches in the work pool (pool.py, work.py), and writes all
new articles in ONE batch through the intake, returning one PollReport whose new_article_ids the watcher
consumes. One feed's poll: fetch (conditionally), parse, keep the entries the store lacks, fetch full texts
for teasers, enrich. Scheduling and health decisions are schedule.py's.

FeedPoller is a mixin of FeedService, whose constructor sets the attributes declared below.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Callable, Sequence
from datetime import datetime

from storage.contract import FeedState, FeedStore

from bot.core.models import RawArticle
from bot.core.text import clean_text, fingerprint, short_id
from bot.core.urls import canonical_url
from bot.services.feeds.content import FEED_ACCEPT, PAGE_ACCEPT, is_teaser, not_a_feed
from bot.services.feeds.pool import WorkPool
from bot.services.feeds.results import FeedError, PollReport, _Outcome, fetch_error
from bot.services.feeds.schedule import Schedule, cache_max_age, gone_notice, is_due, label, record_failure, record_success
from bot.services.feeds.work import ParseJob, build_job, extract_job, parse_job
from bot.services.intake import Intake
from bot.services.library import Library
from bot.sources.fetch import Fetcher

log = logging.getLogger("newsbot.feeds")


class FeedPoller(WorkPool):
    intake: Intake
    library: Library
    fetcher: Fetcher | None
    feeds: FeedStore
    schedule: Schedule
    max_pages: int
    max_concurrent_feeds: int
    _rng: random.Random
    _clock: Callable[[], datetime]
    _in_flight: set[str]  # feed ids being polled: one feed is never polled twice at once

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
            return self._fail(feed, now, fetch_error(result), result.retry_after)
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
        articles = self.library.articles
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
                log.info("full text of %s not fetched (%s); keeping the feed's teaser", raw.url, fetch_error(page))
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
