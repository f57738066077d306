"""The article service: ingest batches into the store, and answer "latest on NAME" and searches from its
indexes. Callers pass the store in (and `now`), so tests and the CLI share one code path."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from storage import Store

from .enrich import EmptyArticle, build_article
from .models import Article, RawArticle
from .text import fold, query_key


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # reasons

    @property
    def stored(self) -> list[str]:
        """Every article id the batch resolved to, new or not, in order and without repeats."""
        return list(dict.fromkeys(self.added + self.updated + self.unchanged))


def _whole_words(query: str) -> list[re.Pattern[str]]:
    words = re.findall(r"\w+(?:[-'.]\w+)*", fold(query))
    return [re.compile(r"(?<!\w)" + re.escape(w) + r"(?!\w)") for w in words]


class Library:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.articles = store.articles

    def ingest(self, raws: Iterable[RawArticle], now: datetime, pinned: bool = False) -> IngestReport:
        report = IngestReport()
        docs = []
        for raw in raws:
            try:
                docs.append(build_article(raw, now, pinned=pinned).to_doc())
            except EmptyArticle as exc:
                report.skipped.append(f"{raw.url or raw.title or 'an article'}: {exc}")
        if docs:
            result = self.articles.add_batch(docs)
            report.added, report.updated, report.unchanged = result.added, result.updated, result.unchanged
        return report

    def get(self, article_id: str) -> Article | None:
        doc = self.articles.get(article_id)
        return Article.from_doc(doc) if doc else None

    def latest(self, name: str, limit: int = 10) -> list[Article]:
        """Newest articles mentioning NAME as a whole word (or words, in order)."""
        key = query_key(name)
        if not key:
            return []
        if self.articles.has_key(key):
            return [Article.from_doc(d) for d in self.articles.docs(self.articles.by_key(key, limit))]
        # Not a capitalised name in any article: look through the text itself, newest first.
        phrase = re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in key.split()) + r"(?!\w)")
        found = []
        for doc in self.articles.iter_partition_docs():
            if phrase.search(fold(doc.get("title", "") + "\n" + doc.get("text", ""))):
                found.append(Article.from_doc(doc))
        found.sort(key=lambda a: a.published or a.fetched_at, reverse=True)
        return found[:limit]

    def search(self, query: str, limit: int = 10) -> list[Article]:
        """Articles containing every word of QUERY: title hits first, then body hits; newest first in each."""
        patterns = _whole_words(query)
        if not patterns:
            return []
        title_hits = [e for e in self.articles.newest() if all(p.search(e.title_folded) for p in patterns)]
        results = [Article.from_doc(d) for d in self.articles.docs(title_hits[:limit])]
        if len(results) >= limit:
            return results
        seen = {a.id for a in results}
        body_hits = []
        for doc in self.articles.iter_partition_docs():
            if doc["id"] in seen:
                continue
            folded = fold(doc.get("text", ""))
            if all(p.search(folded) for p in patterns):
                body_hits.append(Article.from_doc(doc))
        body_hits.sort(key=lambda a: a.published or a.fetched_at, reverse=True)
        return results + body_hits[: limit - len(results)]
