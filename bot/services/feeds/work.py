"""The CPU work of a poll, done off the event loop: parsing a feed body, enriching raw articles into
store documents, and extracting an article page's main text.

FeedService runs these in a process pool (forkserver/spawn), which pickles a function by its module
path: keep them module-level functions here, and their arguments and results picklable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.sources.feedparse import ParsedFeed, looks_like_feed, parse_feed
from bot.core.enrich import build_documents
from bot.core.models import RawArticle
from bot.services.feeds.content import discover_feed_links, looks_like_html
from bot.services.feeds.schedule import feed_ttl


@dataclass
class ParseJob:
    parsed: ParsedFeed
    ttl: float | None
    feedlike: bool
    html: bool
    links: list[str]


def parse_job(content: bytes, base_url: str, source: str, content_type: str) -> ParseJob:
    parsed = parse_feed(content, base_url, source)
    feedlike = bool(parsed.entries) or looks_like_feed(content)
    html = not feedlike and looks_like_html(content, content_type)
    links = discover_feed_links(content, base_url) if html else []
    return ParseJob(parsed, feed_ttl(content) if feedlike else None, feedlike, html, links)


def build_job(raws: list[RawArticle], now: datetime) -> tuple[list[dict], list[str]]:
    """Enrich a chunk of raw articles into store documents (~5 ms each)."""
    return build_documents(raws, now)


def extract_job(content: bytes, url: str) -> RawArticle | None:
    from bot.sources.pages import extract_page  # trafilatura loads on first use, in the worker that needs it

    return extract_page(content, url)


def _warm_worker() -> None:
    # Import the enrichment stack once per worker, not inside the first timed task.
    from bot.core import enrich  # noqa: F401
    from bot.sources import pages  # noqa: F401
