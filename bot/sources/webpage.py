"""One web page a user names (/summary URL, `newsbot summarize URL`): fetched through the guarded fetcher
(the same SSRF policy as feeds), its main text extracted, and built into an article like any other."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from bot.core.enrich import EmptyArticle, build_article
from bot.sources.feedparse import looks_like_feed
from bot.sources.fetch import Fetcher, UnsafeURL, check_url
from bot.sources.pages import extract_page
from bot.core.models import Article

ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


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
