"""What a matching topic reports (Match, its Hits and the "why" line shown in alerts), and
`match_topic`: one topic against one article, with no index. The CLI preview uses it, and it is the
reference TopicIndex is tested against."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from bot.core.topics.fold import fold_for_match
from bot.core.topics.parse import Term, Topic

__all__ = ["Hit", "Match", "match_topic"]


@dataclass(frozen=True, slots=True)
class Hit:
    term: str  # display form, as the user wrote it ('Flynn', '"Robert Mueller"')
    where: str  # "title" or "body"; title wins when the term is in both


@dataclass(frozen=True, slots=True)
class Match:
    key: Hashable
    topic: Topic
    hits: tuple[Hit, ...]

    def why(self) -> str:
        """E.g. 'Flynn (in title), Kislyak (in body)'."""
        return ", ".join(f"{h.term} (in {h.where})" for h in self.hits)


def match_topic(topic: Topic, title: str, body: str) -> Match | None:
    """Match one topic without an index (the CLI preview, and the reference the index is tested
    against). The Match key is the topic's display string."""
    t = f" {fold_for_match(title)} "
    b = f" {fold_for_match(body)} "

    def where(term: Term) -> str | None:
        pattern = f" {term.folded} "
        return "title" if pattern in t else "body" if pattern in b else None

    if any(where(ex) for ex in topic.exclusions):
        return None
    found: dict[str, Hit] = {}
    for alt in topic.alternatives:
        places = [where(term) for term in alt]
        if all(places):
            for term, place in zip(alt, places):
                found.setdefault(term.display, Hit(term.display, place))
    return Match(str(topic), topic, tuple(found.values())) if found else None
