"""Addresses a user names: one web page (/summary URL, `newsbot summarize URL`) built into an article, or any
address given to `newsbot ingest` (a feed gives its entries, a page its article). Everything goes through the
guarded fetcher, so the SSRF policy of feeds applies (private addresses only with NEWSBOT_ALLOW_PRIVATE_URLS)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.enrich import EmptyArticle, build_article
from bot.sources.feedparse import looks_like_feed, parse_feed
from bot.sources.fetch import Fetcher, UnsafeURL, check_url
from bot.sources.pages import extract_page
from bot.core.models import Article, RawArticle

ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
# For an address that may be either: feeds first, then pages.
ACCEPT_ANY = ("application/rss+xml,application/atom+xml,application/feed+json,application/xml;q=0.9,"
              "text/xml;q=0.9,text/html;q=0.8,*/*;q=0.5")


@dataclass
class PageResult:
    article: Article | None
    error: str | None = None


async def fetch_article(fetcher: Fetcher, url: str, now: datetime) -> PageResult:
    try:
        check_url(url)
    except UnsafeURL as exc:
        return PageResult(None, str(exc))
    result = await fetcher.get(url, accept=ACCEPT)
    if not result.ok:
        return PageResult(None, result.error)
    if looks_like_feed(result.content):
        return PageResult(None, "that address is a feed, not an article page (admins can add it with /addsource)")
    raw = await asyncio.to_thread(extract_page, result.content, result.final_url)
    if raw is None:
        return PageResult(None, "no article text found on that page")
    try:
        article = await asyncio.to_thread(build_article, raw, now)
    except EmptyArticle as exc:
        return PageResult(None, str(exc))
    return PageResult(article)


@dataclass
class RemoteResult:
    """What one address held: `kind` is "feed" or "page" when it was read; `problem` says why nothing (or
    only part) could be read. A feed that parsed with a problem still returns its entries."""

    url: str
    kind: str | None = None
    articles: list[RawArticle] = field(default_factory=list)
    problem: str | None = None


async def fetch_articles(fetcher: Fetcher, url: str) -> RemoteResult:
    """Read one address for ingest: a feed (RSS, Atom, JSON Feed) gives its entries, a page its main text."""
    try:
        check_url(url)
    except UnsafeURL as exc:
        return RemoteResult(url, problem=str(exc))
    result = await fetcher.get(url, accept=ACCEPT_ANY)
    if not result.ok:
        return RemoteResult(url, problem=result.error)
    if looks_like_feed(result.content):
        parsed = await asyncio.to_thread(parse_feed, result.content, result.final_url)
        problem = parsed.problem
        if not parsed.entries and not problem:
            problem = "the feed has no entries"
        return RemoteResult(url, "feed", parsed.entries, problem)
    raw = await asyncio.to_thread(extract_page, result.content, result.final_url)
    if raw is None:
        return RemoteResult(url, "page", problem="no article text found on that page")
    return RemoteResult(url, "page", [raw])
