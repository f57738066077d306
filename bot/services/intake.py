"""Intake: the one write path for articles.

Every article, from a feed, a file, the inbox, the seeds or a URL, enters here: it is built once (bot.core
.enrich: canonical URL, id, people, summaries, story text and sketch), given the story id of an earlier
report of the same story, stored as one batch (the store's indexers keep the people and name indexes
current), and the stored batch is handed to the watcher, which matches it against every chat's topics.
Nothing else writes articles.

Building is CPU work: `add` builds in the calling thread; callers that must keep an event loop free build
in a worker (bot.core.enrich.build_documents, e.g. in the feed service's process pool) and pass the
documents to `store`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.core.enrich import build_documents
from bot.core.models import Article, RawArticle
from bot.core.times import parse_time
from bot.services.library import Library


class BatchListener(Protocol):
    """Who is handed each stored batch (the watcher)."""

    def submit(self, articles: Sequence[Article]) -> None: ...


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "what: why" for each article that was not built
    new_articles: list[Article] = field(default_factory=list)  # the added articles, as stored

    @property
    def stored(self) -> list[str]:
        """Every article id the batch resolved to, new or not, in order and without repeats."""
        return list(dict.fromkeys(self.added + self.updated + self.unchanged))


class Intake:
    def __init__(self, library: Library, watcher: BatchListener | None = None) -> None:
        self.library = library
        self.watcher = watcher

    def add(self, raws: Iterable[RawArticle], now: datetime, pinned: bool = False) -> IngestReport:
        """Build and store raw articles (in this thread)."""
        docs, skipped = build_documents(raws, now, pinned=pinned)
        return self.store(docs, now, skipped)

    def store(self, docs: list[dict], now: datetime, skipped: Sequence[str] = (), announce: bool = True) -> IngestReport:
        """Store documents built by bot.core.enrich: assign story ids, write them as one batch, hand the
        new articles to the watcher (unless not `announce`: a page a user asked to summarise is stored,
        but it is not news to alert others about). Raises what the store raises (e.g. a full disk):
        nothing is then stored and nothing is handed on."""
        report = IngestReport(skipped=list(skipped))
        if not docs:
            return report
        library = self.library
        library.stories.prune(now.timestamp())
        for doc in docs:
            self._assign_story(doc)
        result = library.articles.add_batch(docs)
        report.added, report.updated, report.unchanged = result.added, result.updated, result.unchanged
        for article_id in result.updated:
            library.recent_texts.forget(article_id)  # an update may change the text
        report.new_articles = [Article.from_doc(result.stored[i]) for i in result.added]
        news = [a for a in report.new_articles if not a.pinned]  # the bundled seeds are starting content
        if self.watcher is not None and news and announce:
            self.watcher.submit(news)
        return report

    def _assign_story(self, doc: dict) -> None:
        """Give a new article the story id of an earlier report of the same story (within the story
        window), else its own id. A stored article keeps the story it already has."""
        articles, stories = self.library.articles, self.library.stories
        existing = articles.entry(doc["id"]) or articles.entry_by("url", doc.get("url"))
        if existing is not None and existing.story_id:
            doc["story_id"] = existing.story_id
            return
        published = parse_time(doc.get("published")) or parse_time(doc.get("fetched_at"))
        found = stories.find(doc.get("story_sketch", ""), published)
        doc["story_id"] = found[0] if found else doc["id"]
        stories.add(doc["id"], published, doc.get("story_sketch", ""), doc["story_id"])
