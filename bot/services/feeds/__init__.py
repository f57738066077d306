"""Feed sources: add, list, remove and poll them; health, backoff and scheduling.

Who does what:
- storage/feeds.py remembers feeds (FeedState) and pending admin notices;
- bot/sources/fetch.py is the only place that touches the network (Fetcher: SSRF guard, caps, deadlines);
- this package decides and ties together, one job a module:
    sources.py   feed_key / feed_id (a source's identity) and the default sources in seeds/feeds.toml
    schedule.py  pure functions of a FeedState and `now` (Schedule, is_due, record_success, ...), so tests
                 drive time by passing `now`, never by sleeping
    content.py   what a fetched body is: a teaser, an HTML page, the feeds a page advertises
    work.py      the CPU work the process pool runs: parse a feed, enrich articles, extract a page
    pool.py      where that work runs: a process pool off the event loop, or a thread (WorkPool)
    results.py   what the service returns: AddResult, RemoveResult, ImportResult, PollReport, FeedError
    poller.py    a poll cycle and one feed's poll (FeedPoller): fetch, parse, keep what is new, store
                 the cycle's articles in one batch
    service.py   FeedService, the one class the CLI and the chat handlers call (polling from poller.py),
                 and its sources: add_feed / list_feeds / remove_feed / import_opml / export_opml /
                 add_defaults; poll_due / poll_feeds.

Every module logs to "newsbot.feeds". Import from here (`from bot.services.feeds import FeedService`), not
from the modules, whose split may change.
"""

from bot.services.feeds.content import (
    FEED_ACCEPT, FEED_TYPES, PAGE_ACCEPT, TEASER_CHARS, TEASER_WORDS, discover_feed_links, is_teaser,
    looks_like_html, not_a_feed,
)
from bot.services.feeds.schedule import (
    Schedule, cache_max_age, feed_ttl, gone_notice, is_due, label, record_failure, record_success,
)
from bot.services.feeds.results import AddResult, FeedError, ImportResult, PollReport, RemoveResult
from bot.services.feeds.service import FeedService, make_fetcher
from bot.services.feeds.sources import default_seeds_path, feed_id, feed_key, load_seed_feeds
from bot.services.feeds.work import ParseJob, build_job, extract_job, parse_job

__all__ = [
    "FEED_ACCEPT", "FEED_TYPES", "PAGE_ACCEPT", "TEASER_CHARS", "TEASER_WORDS", "discover_feed_links", "is_teaser",
    "looks_like_html", "not_a_feed",
    "Schedule", "cache_max_age", "feed_ttl", "gone_notice", "is_due", "label", "record_failure", "record_success",
    "AddResult", "FeedError", "FeedService", "ImportResult", "PollReport", "RemoveResult", "make_fetcher",
    "default_seeds_path", "feed_id", "feed_key", "load_seed_feeds",
    "ParseJob", "build_job", "extract_job", "parse_job",
]
