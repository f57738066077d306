"""The article model: what a parser produces (RawArticle) and what the store keeps (Article)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class RawArticle:
    """An article as a parser found it: nothing derived yet. `published` is an aware datetime or None."""

    text: str
    title: str = ""
    url: str | None = None
    published: datetime | None = None
    source: str = ""
    guid: str | None = None


@dataclass
class Article:
    """A stored article. id is stable: from the canonical URL, else from the normalised text."""

    id: str
    title: str
    text: str
    url: str | None
    source: str
    published: str | None  # ISO 8601 UTC
    fetched_at: str  # ISO 8601 UTC, first time we stored it
    fingerprint: str
    keys: list[str] = field(default_factory=list)  # folded name keys for the store's name index
    summary: list[str] = field(default_factory=list)  # alert length (2-3 sentences), from enrichment
    summaries: dict[str, list[str]] = field(default_factory=dict)  # "digest" (1 sentence), "full" (<= 5)
    people: list[dict[str, Any]] = field(default_factory=list)  # {"name","aliases","mentions","role"}
    story_sketch: str = ""  # MinHash sketch of the story text (bot.stories)
    # The story text (reader comments and boilerplate left out) when it differs from `text`; "" when it is
    # the same; None for articles stored before it was kept (worked out again when needed).
    story: str | None = None
    story_id: str | None = None
    pinned: bool = False  # bundled seeds: retention keeps them
    guid: str | None = None

    def to_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "Article":
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in doc.items() if k in known})

    def public(self) -> dict[str, Any]:
        """The fields `--json` prints."""
        return {
            "id": self.id, "title": self.title, "url": self.url, "published": self.published,
            "source": self.source, "text": self.text, "summary": self.summary, "people": self.people,
            "story_id": self.story_id or self.id,
        }
