"""TopicIndex: every subscribed topic in one pyahocorasick automaton, so one pass over an article
finds the terms of all topics.

A one-term topic (the commonest kind) hangs directly off its term; any other topic files each
alternative under one "anchor" term (its longest, as longer is rarer) and is only looked at when that
anchor occurs. So the work per article follows the terms that occur and the matches produced, not the
number of topics. Topics with the same folded terms share one compiled entry, however many keys
subscribe to them; and since a Match is immutable, the Matches made for one way of hitting (which
terms, each in title or body) are kept and handed out again for later articles, until a key of that
topic changes. add/remove are incremental; only when a term appears or disappears is the automaton
marked stale, and the next `match` rebuilds it (about 0.05 s for 50k terms). Not thread-safe:
callers serialise access.
"""

from __future__ import annotations

from collections.abc import Hashable

import ahocorasick

from bot.core.topics.fold import fold_for_match
from bot.core.topics.match import Hit, Match
from bot.core.topics.parse import Topic

__all__ = ["TopicIndex"]


class _Variant:
    """One display form of a compiled topic (e.g. "Flynn" and "flynn") and the keys subscribed to it."""

    __slots__ = ("topic", "keys", "made")

    def __init__(self, topic: Topic):
        self.topic = topic
        self.keys: list[Hashable] = []  # in the order they were added
        # The Matches for each way the topic has hit (which terms, each in title or body). A Match is
        # immutable, so the Matches made for one article serve every later one that hits the same way.
        self.made: dict[tuple, list[Match]] | None = None

    def matches(self, sig: tuple[bool | None, ...]) -> list[Match]:
        made = self.made
        if made is None:
            made = self.made = {}
        found = made.get(sig)
        if found is None:
            if len(made) >= _MADE_PER_TOPIC:
                made.clear()
            hits = _hits_for(self.topic, sig)
            found = made[sig] = [Match(key, self.topic, hits) for key in self.keys]
        return found


_MADE_PER_TOPIC = 4  # ways-to-hit a topic keeps Matches for: a bound on memory


def _hits_for(topic: Topic, sig: tuple[bool | None, ...]) -> tuple[Hit, ...]:
    """The hits of every fully present alternative, each term once, in topic order. `sig` says, for
    every term of every alternative in turn: None (absent), True (in the title) or False (body only)."""
    seen: dict[str, Hit] = {}
    at = 0
    for alt in topic.alternatives:
        where = sig[at:at + len(alt)]
        at += len(alt)
        if None not in where:
            for term, in_title in zip(alt, where):
                if term.display not in seen:
                    seen[term.display] = Hit(term.display, "title" if in_title else "body")
    return tuple(seen.values())


class _Entry:
    """Everything subscribed under one Topic.key, compiled to pattern ids."""

    __slots__ = ("pids", "excl", "variants")

    def __init__(self, alts: tuple[tuple[int, ...], ...], excl: tuple[int, ...]):
        self.pids = tuple(p for alt in alts for p in alt)  # every term, alternative after alternative
        self.excl = excl
        self.variants: list[_Variant] = []

    def variant(self, topic: Topic) -> _Variant | None:
        return next((v for v in self.variants if v.topic == topic), None)


class TopicIndex:
    """Every subscribed topic, compiled into one automaton; `match` returns one Match per key.

    Keys are opaque and hashable (the caller uses (chat_id, topic_id)); adding an existing key
    replaces its topic; removing an unknown key does nothing. Match objects are immutable and may be
    shared between calls."""

    def __init__(self) -> None:
        self._automaton = ahocorasick.Automaton()
        self._stale = False
        self._pattern_ids: dict[str, int] = {}  # " tok1 tok2 " -> id
        self._pattern_refs: dict[int, int] = {}  # id -> number of (entry, term) uses
        self._next_id = 0
        self._entries: dict[tuple, _Entry] = {}  # Topic.key -> entry
        # One word or phrase, no OR, no exclusion: the commonest topic, matched by its pattern alone.
        self._simple: dict[int, list[_Entry]] = {}
        # pattern id -> [Matches when it is in the body, in the title] for its simple entries; built
        # on first need, dropped when a key under that pattern changes.
        self._simple_made: dict[int, list[list[Match] | None]] = {}
        # Everything else is filed under one "anchor" term per alternative (its longest: longer is
        # rarer); pattern id -> [(entry, the alternative's other pattern ids)].
        self._anchors: dict[int, list[tuple[_Entry, tuple[int, ...]]]] = {}
        self._keys: dict[Hashable, Topic] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def _acquire(self, folded: str) -> int:
        pattern = f" {folded} "
        pid = self._pattern_ids.get(pattern)
        if pid is None:
            pid = self._pattern_ids[pattern] = self._next_id
            self._next_id += 1
            self._pattern_refs[pid] = 0
            self._automaton.add_word(pattern, pid)
            self._stale = True
        self._pattern_refs[pid] += 1
        return pid

    def _release(self, pid: int, folded: str) -> None:
        self._pattern_refs[pid] -= 1
        if not self._pattern_refs[pid]:
            pattern = f" {folded} "
            del self._pattern_refs[pid], self._pattern_ids[pattern]
            self._automaton.remove_word(pattern)
            self._stale = True

    @staticmethod
    def _is_simple(tkey: tuple) -> bool:
        alts, excl = tkey
        return len(alts) == 1 and len(alts[0]) == 1 and not excl

    def _filing(self, tkey: tuple, entry: _Entry) -> list[tuple[int, list]]:
        """(pattern id, the list `entry` is filed in) pairs; the lists are created on demand."""
        alts_folded, _ = tkey
        if self._is_simple(tkey):
            return [(entry.pids[0], self._simple.setdefault(entry.pids[0], []))]
        out, at = [], 0
        for folded in alts_folded:
            pids = entry.pids[at:at + len(folded)]
            at += len(folded)
            i = max(range(len(pids)), key=lambda k: len(folded[k]))
            out.append((pids[i], self._anchors.setdefault(pids[i], [])))
        return out

    def add(self, key: Hashable, topic: Topic) -> None:
        if key in self._keys:
            self.remove(key)
        tkey = topic.key
        entry = self._entries.get(tkey)
        if entry is None:
            alts_folded, excl_folded = tkey
            alts = tuple(tuple(self._acquire(f) for f in alt) for alt in alts_folded)
            entry = self._entries[tkey] = _Entry(alts, tuple(self._acquire(f) for f in excl_folded))
            if self._is_simple(tkey):
                self._simple.setdefault(alts[0][0], []).append(entry)
            else:
                for (anchor, filed), alt in zip(self._filing(tkey, entry), alts):
                    filed.append((entry, tuple(p for p in alt if p != anchor)))
        variant = entry.variant(topic)
        if variant is None:
            variant = _Variant(topic)
            entry.variants.append(variant)
        variant.keys.append(key)
        self._changed(tkey, entry, variant)
        self._keys[key] = topic

    def remove(self, key: Hashable) -> None:
        topic = self._keys.pop(key, None)
        if topic is None:
            return
        tkey = topic.key
        entry = self._entries[tkey]
        variant = entry.variant(topic)
        assert variant is not None
        variant.keys.remove(key)
        self._changed(tkey, entry, variant)
        if variant.keys:
            return
        entry.variants.remove(variant)
        if entry.variants:
            return
        del self._entries[tkey]
        for anchor, filed in self._filing(tkey, entry):
            filed[:] = [item for item in filed if (item[0] if isinstance(item, tuple) else item) is not entry]
            if not filed:
                (self._simple if self._is_simple(tkey) else self._anchors).pop(anchor, None)
        alts_folded, excl_folded = tkey
        for pid, folded in zip(entry.pids + entry.excl, [f for alt in alts_folded for f in alt] + list(excl_folded)):
            self._release(pid, folded)

    def _changed(self, tkey: tuple, entry: _Entry, variant: _Variant) -> None:
        variant.made = None
        if self._is_simple(tkey):
            self._simple_made.pop(entry.pids[0], None)

    def _simple_matches(self, pid: int, in_title: bool) -> list[Match]:
        made = self._simple_made.get(pid)
        if made is None:
            made = self._simple_made[pid] = [None, None]
        found = made[in_title]
        if found is None:
            found = made[in_title] = [m for entry in self._simple[pid] for v in entry.variants
                                      for m in v.matches((in_title,))]
        return found

    def match(self, title: str, body: str) -> list[Match]:
        """One Match per key whose topic matches this article. The order is deterministic but
        otherwise unspecified (grouped by topic); sort if you need one."""
        if not self._pattern_ids:
            return []
        if self._stale:
            self._automaton.make_automaton()
            self._stale = False
        ft = fold_for_match(title)
        title_end = len(ft) + 1  # index of the space after the title's last token
        # "|" is never part of a token, so no phrase can run from the title into the body.
        first: dict[int, int] = {}
        remember = first.setdefault
        for end, pid in self._automaton.iter(f" {ft} | {fold_for_match(body)} "):
            remember(pid, end)  # iter reports in text order: the first end is the earliest

        matches: list[Match] = []
        candidates: dict[_Entry, None] = {}
        anchors, simple, simple_made = self._anchors, self._simple, self._simple_made
        for pid, end in first.items():
            made = simple_made.get(pid)
            if made is not None and made[end <= title_end] is not None:
                matches.extend(made[end <= title_end])
            elif pid in simple:
                matches.extend(self._simple_matches(pid, end <= title_end))
            filed = anchors.get(pid)
            if filed:
                for entry, rest in filed:
                    for p in rest:
                        if p not in first:
                            break
                    else:
                        candidates[entry] = None

        get = first.get
        for entry in candidates:
            if entry.excl and any(p in first for p in entry.excl):
                continue
            sig = tuple([None if (end := get(p)) is None else end <= title_end for p in entry.pids])
            for variant in entry.variants:
                found = variant.made.get(sig) if variant.made else None
                matches.extend(found if found is not None else variant.matches(sig))
        return matches
