"""Public data types of bot.people: a person in one article, a person across articles, and a lookup answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """One person named in one article. `aliases` are the other forms used for them there (not `name` itself)."""

    name: str
    aliases: tuple[str, ...] = ()
    mentions: int = 1
    role: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "aliases": list(self.aliases), "mentions": self.mentions, "role": self.role}

    @classmethod
    def from_dict(cls, d: dict) -> "Person":
        return cls(
            name=str(d["name"]),
            aliases=tuple(str(a) for a in d.get("aliases") or ()),
            mentions=int(d.get("mentions", 1)),
            role=d.get("role") or None,
        )


@dataclass(frozen=True)
class PersonSummary:
    """A person as the index knows them across articles."""

    name: str
    aliases: tuple[str, ...]
    role: str | None
    articles: int


@dataclass(frozen=True)
class PeopleLookup:
    """Answer to a name query: "found" (person + article ids, newest first), "ambiguous" (candidates) or "unknown"."""

    status: str
    person: PersonSummary | None = None
    candidates: tuple[PersonSummary, ...] = ()
    article_ids: tuple[str, ...] = ()
