"""FeedService, the one class the CLI and the chat handlers call, and the management of its sources.

Its methods: add_feed / list_feeds / remove_feed / find / add_sources / import_opml / export_opml /
add_defaults and the admin notices are here; due_feeds / poll_due / poll_feeds come from FeedPoller
(poller.py), and the CPU work both run goes through WorkPool (pool.py). What they return is results.py's.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from storage.contract import AdminNotice, FeedState

from bot.config import Settings
from bot.services.feeds.content import FEED_ACCEPT, not_a_feed
from bot.services.feeds.poller import FeedPoller
from bot.services.feeds.pool import WorkPool, default_workers
from bot.services.feeds.results import AddResult, ImportResult, RemoveResult, unreachable
from bot.services.feeds.schedule import Schedule, label
from bot.services.feeds.sources import default_seeds_path, feed_id, feed_key, load_seed_feeds
from bot.services.feeds.work import parse_job
from bot.services.intake import Intake
from bot.sources.fetch import AddressPolicy, Fetcher, UnsafeURL, check_url
from bot.sources.netguard import ip_literal
from bot.sources.opml import OpmlFeed, export_opml, parse_opml


def make_fetcher(settings: Settings | None = None, **kwargs) -> Fetcher:
    """The Fetcher the service uses, with the address policy from Settings.allow_private_urls."""
    allow = bool(getattr(settings, "allow_private_urls", False))
    return Fetcher(policy=AddressPolicy(allow_private=allow), **kwargs)


class FeedService(FeedPoller, WorkPool):
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
        self.feeds = self.library.engine.feeds
        self.schedule = schedule or Schedule(interval=max(float(poll_seconds), 1.0))
        self.max_pages = max_pages
        self.max_concurrent_feeds = max(1, max_concurrent_feeds)
        self.workers = default_workers(workers)
        self._pool = None
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
        await self._close_pool()
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
            return unreachable(url, result)
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
                return unreachable(url, result, note)
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
