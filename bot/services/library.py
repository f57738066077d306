"""The library: the read side of the article store. It holds the store with the people and story indexes
built alongside it, and answers "latest on NAME" and searches from those indexes. Articles are written
only through bot.services.intake."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from storage.contract import ArticleStore, Engine, Entry, Indexer

from bot.core.models import Article
from bot.core.people import PeopleIndex, PersonSummary
from bot.core.stories import StoryIndex
from bot.core.text import fold_search, query_key


TEXT_SCAN = 3000  # most recently fetched articles whose text a search or a name fallback reads


@dataclass
class LatestResult:
    """The answer to "latest on NAME": status "found" (a known person: `person` and their articles),
    "ambiguous" (several people answer to NAME: `candidates`, no articles), "text" (not a known person:
    articles that mention NAME as words) or "none"."""

    status: str
    articles: list[Article] = field(default_factory=list)
    person: PersonSummary | None = None
    candidates: tuple[PersonSummary, ...] = ()


class _PeopleIndexer:
    """Keeps a PeopleIndex current with the store (fed at open and on every write)."""

    def __init__(self, index: PeopleIndex) -> None:
        self.index = index

    def add(self, entry: Entry, doc: dict) -> None:
        people = doc.get("people")
        if people:
            self.index.add(entry.id, entry.published, people)  # the index reads the stored dicts directly

    def remove(self, entry: Entry) -> None:
        self.index.remove(entry.id)


class _StoryIndexer:
    """Keeps the recent articles' story sketches in a StoryIndex (older ones cannot join a story)."""

    def __init__(self, index: StoryIndex, since: float) -> None:
        self.index = index
        self.since = since

    def add(self, entry: Entry, doc: dict) -> None:
        if doc.get("story_sketch") and entry.published >= self.since:
            self.index.add(entry.id, entry.published, doc["story_sketch"], doc.get("story_id") or entry.id)

    def remove(self, entry: Entry) -> None:
        self.index.remove(entry.id)


class _Word:
    """A whole-word test: a plain substring check first (fast, in C), the boundary regex only on a hit."""

    __slots__ = ("word", "pattern")

    def __init__(self, word: str) -> None:
        self.word = word
        self.pattern = re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")

    def search(self, text: str) -> bool:
        return self.word in text and self.pattern.search(text) is not None


def _whole_words(query: str) -> list[_Word]:
    return [_Word(w) for w in re.findall(r"\w+(?:[-'.]\w+)*", fold_search(query))]


class _RecentTexts:
    """The folded title and text of the most recently fetched articles, kept in memory (about 5 KB each,
    TEXT_SCAN of them), so a text scan is a substring check per article instead of a read and a fold."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def scan(self, articles, limit: int | None = None) -> list[tuple[str, str]]:
        """(article id, folded title + text) for the most recently fetched articles (TEXT_SCAN, or fewer),
        newest first."""
        out = []
        for entry in articles.recent(min(limit or self.size, self.size)):
            with self._lock:
                text = self._texts.get(entry.id)
            if text is None:
                doc = articles.get(entry.id)
                if doc is None:
                    continue
                text = fold_search(doc.get("title", "") + "\n" + doc.get("text", ""))
                with self._lock:
                    self._texts[entry.id] = text
                    while len(self._texts) > self.size + self.size // 4:
                        self._texts.popitem(last=False)
            out.append((entry.id, text))
        return out

    def forget(self, article_id: str) -> None:
        with self._lock:
            self._texts.pop(article_id, None)


def library_indexes(now: float) -> tuple[PeopleIndex, StoryIndex, list[Indexer]]:
    """The people and story indexes, and the indexers that keep them current with an engine's articles
    (pass them to the engine's opener, so they are built in the same pass as its own indexes)."""
    people, stories = PeopleIndex(), StoryIndex()
    since = now - 2 * stories.window
    return people, stories, [_PeopleIndexer(people), _StoryIndexer(stories, since)]


TITLE_FOLD = fold_search  # how the engine folds titles for its title index (searches fold queries alike)


class Library:
    """Over an opened storage engine (it owns it: close() closes the engine)."""

    def __init__(self, engine: Engine, people: PeopleIndex | None = None, stories: StoryIndex | None = None) -> None:
        self.engine = engine
        self.articles: ArticleStore = engine.articles
        self.people = people if people is not None else PeopleIndex()
        self.stories = stories if stories is not None else StoryIndex()
        self.recent_texts = _RecentTexts(TEXT_SCAN)

    @property
    def readonly(self) -> bool:
        return self.engine.readonly

    def close(self) -> None:
        self.engine.close()

    def get(self, article_id: str) -> Article | None:
        doc = self.articles.get(article_id)
        return Article.from_doc(doc) if doc else None

    def latest_on(self, name: str, limit: int = 10) -> LatestResult:
        """"Latest on NAME": through the people index (canonical names and aliases, merged across
        articles), falling back to the text when NAME is not a known person."""
        lookup = self.people.lookup(name, limit=limit)
        if lookup.status == "ambiguous":
            return LatestResult("ambiguous", candidates=lookup.candidates)
        if lookup.status == "found":
            found = [self.get(i) for i in lookup.article_ids]
            return LatestResult("found", [a for a in found if a], person=lookup.person)
        articles = self.latest(name, limit)
        return LatestResult("text" if articles else "none", articles)

    def latest(self, name: str, limit: int = 10) -> list[Article]:
        """Newest articles mentioning NAME as a whole word (or words, in order): from the name index when
        NAME is capitalised somewhere, else from the text of the newest TEXT_SCAN articles."""
        key = query_key(name)
        if not key:
            return []
        if self.articles.has_key(key):
            return [Article.from_doc(d) for d in self.articles.docs(self.articles.by_key(key, limit))]
        # Not a capitalised name in any article: look through the text of the newest articles.
        phrase = re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in key.split()) + r"(?!\w)")
        first = key.split()[0]
        found = [a for a in (self.get(i) for i, text in self.recent_texts.scan(self.articles)
                             if first in text and phrase.search(text)) if a]
        found.sort(key=lambda a: a.published or a.fetched_at, reverse=True)
        return found[:limit]

    def search(self, query: str, limit: int = 10) -> list[Article]:
        """Articles containing every word of QUERY: title hits first (all titles, from memory), then body
        hits among the newest TEXT_SCAN articles; newest first in each."""
        patterns = _whole_words(query)
        if not patterns:
            return []
        title_hits = [e for e in self.articles.newest() if all(p.search(e.title_folded) for p in patterns)]
        results = [Article.from_doc(d) for d in self.articles.docs(title_hits[:limit])]
        if len(results) >= limit:
            return results
        seen = {a.id for a in results}
        hits = [i for i, text in self.recent_texts.scan(self.articles)
                if i not in seen and all(p.search(text) for p in patterns)]
        body_hits = [a for a in (self.get(i) for i in hits) if a]
        body_hits.sort(key=lambda a: a.published or a.fetched_at, reverse=True)
        return results + body_hits[: limit - len(results)]
