"""Stories: the same news from several sources gets one story id.

Each article's story text gets a bottom-k MinHash sketch of its word 3-shingles (the K smallest 64-bit
shingle hashes), computed once at ingest and stored as hex. Two sketches estimate the Jaccard similarity
of the texts' shingle sets, so two reports of the same story score high and unrelated texts near zero.
StoryIndex keeps the sketches of recent articles (a 48 h window) keyed by their hashes: a new article
joins the story of the most similar recent article at or above THRESHOLD, else starts its own.
"""

from __future__ import annotations

import hashlib
import heapq
import re

from bot.core.text import fold_search

K = 32
THRESHOLD = 0.5  # estimated Jaccard of 3-shingles; see bench/bench_stories.py for how it was chosen
WINDOW = 48 * 3600
MAX_WORDS = 600  # the lead carries the story; long tails (live blogs) would only dilute it
_WORD = re.compile(r"\w+")


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "big")


def sketch(text: str) -> str:
    words = _WORD.findall(fold_search(text))[:MAX_WORDS]
    if not words:
        return ""
    shingles = {" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))}
    return "".join(f"{h:016x}" for h in heapq.nsmallest(K, map(_hash, shingles)))


def hashes(fingerprint: str) -> list[int]:
    return [int(fingerprint[i:i + 16], 16) for i in range(0, len(fingerprint), 16)]


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets, 0.0 to 1.0."""
    ha, hb = set(hashes(a)), set(hashes(b))
    if not ha or not hb:
        return 0.0
    union = heapq.nsmallest(min(K, len(ha | hb)), ha | hb)
    return sum(1 for h in union if h in ha and h in hb) / len(union)


class StoryIndex:
    """Recent articles' sketches, for grouping a new article with an earlier report of the same story."""

    def __init__(self, threshold: float = THRESHOLD, window: float = WINDOW) -> None:
        self.threshold = threshold
        self.window = window
        self._by_hash: dict[int, set[str]] = {}
        self._items: dict[str, tuple[float, str, str]] = {}  # article id -> (published, sketch, story id)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, article_id: str, published: float, fingerprint: str, story_id: str) -> None:
        if not fingerprint:
            return
        self.remove(article_id)
        self._items[article_id] = (published, fingerprint, story_id)
        for h in hashes(fingerprint):
            self._by_hash.setdefault(h, set()).add(article_id)

    def remove(self, article_id: str) -> None:
        item = self._items.pop(article_id, None)
        if item:
            for h in hashes(item[1]):
                ids = self._by_hash.get(h)
                if ids:
                    ids.discard(article_id)
                    if not ids:
                        del self._by_hash[h]

    def find(self, fingerprint: str, published: float) -> tuple[str, float] | None:
        """(story id, similarity) of the most similar recent article within the window, if any."""
        if not fingerprint:
            return None
        candidates: set[str] = set()
        for h in hashes(fingerprint):
            candidates |= self._by_hash.get(h, set())
        best: tuple[str, float] | None = None
        for article_id in candidates:
            when, other, story_id = self._items[article_id]
            if abs(when - published) > self.window:
                continue
            score = similarity(fingerprint, other)
            if score >= self.threshold and (best is None or score > best[1]):
                best = (story_id, score)
        return best

    def prune(self, now: float) -> None:
        """Forget articles too old to join a story any more."""
        for article_id in [a for a, (when, _, _) in self._items.items() if when < now - 2 * self.window]:
            self.remove(article_id)
