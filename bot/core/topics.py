"""Topic subscriptions: parse what a user typed, and match articles against every topic at once.

How to write a topic (user-facing; README and /help copy this part):

    Flynn Kislyak          every word must appear, anywhere in the title or text
    "Robert Mueller"       a phrase: the words next to each other, in this order
    Syria OR Iran          either one (OR in capitals; a lower-case "or" is an ordinary word)
    Russia -sport          a minus excludes: no alert when "sport" appears (also -"formula one")
    Assad Syria OR Assad Russia -Putin
                           OR separates alternatives; each alternative needs all of its words;
                           an exclusion applies to the whole topic, wherever you put it

    Case, accents and apostrophes do not matter (Schurrle = Schürrle, Russia's = Russia’s = Russia),
    nor do simple plurals (sanction = sanctions, policy = policies). Whole words only: Flynn does not
    match Flynnville, Iran does not match "ran". A word with a hyphen, dot or apostrophe inside is
    matched as a phrase of its parts: al-Assad matches "al-Assad" and "al Assad" (and Assad alone
    matches both); G20 matches "G20" but not "G-20". “Curly”, «angle» and ‘single’ quotes work like
    "straight" ones. Brackets are not supported. At most 20 words or phrases, 200 characters.

Design. Topics and articles both go through `fold`: casefold, strip accents, split into word tokens
(runs of letters and digits; a possessive 's is dropped), make simple plurals singular, and join the
tokens with single spaces. A term or phrase is then the string " tok1 tok2 ", and it occurs when that
string is a substring of " " + fold(text) + " ": the spaces enforce word boundaries and phrase
adjacency, and nothing a user types ever becomes a regular expression.

`TopicIndex` puts every distinct term of every topic into one pyahocorasick automaton, so one pass
over an article finds the terms of all topics. A one-term topic (the commonest kind) hangs directly
off its term; any other topic files each alternative under one "anchor" term (its longest, as
longer is rarer) and is only looked at when that anchor occurs. So the work per article follows the
terms that occur and the matches produced, not the number of topics. Topics with the same folded
terms share one compiled entry, however many keys subscribe to them; and since a Match is immutable,
the Matches made for one way of hitting (which terms, each in title or body) are kept and handed out
again for later articles, until a key of that topic changes. add/remove are incremental; only when
a term appears or disappears is the automaton marked stale, and the next `match` rebuilds it (about
0.05 s for 50k terms). Not thread-safe: callers serialise access.

This module is pure: no Telegram, no storage, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass

import ahocorasick

__all__ = [
    "MAX_CHARS",
    "MAX_TERMS",
    "Hit",
    "Match",
    "Term",
    "Topic",
    "TopicError",
    "TopicIndex",
    "fold",
    "match_topic",
    "parse_topic",
]

MAX_CHARS = 200
MAX_TERMS = 20


class TopicError(ValueError):
    """A topic the user typed cannot be used; str() is one line telling them what to change."""


# --------------------------------------------------------------------------------------------------
# Folding

def _mark_class() -> str:
    """A regex character class of every combining mark in the BMP: after NFKD these carry the accents,
    and they would otherwise split words. (Staying in the BMP keeps the class a fast bitmap: with the
    few supplementary-plane marks added, the regex runs 15 times slower.)"""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x300, 0x10000):
        if unicodedata.category(chr(cp)).startswith("M"):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" if a != b else re.escape(chr(a)) for a, b in ranges)


# Letters NFKD does not decompose but that readers treat as accented Latin letters; and the modifier
# letter apostrophe, which is a letter to the regex engine but an apostrophe to readers.
_LETTERS = {"\u02bc": "'", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "œ": "oe", "ı": "i",
            "ħ": "h", "ŧ": "t"}
_NON_ASCII = re.compile(f"[{_mark_class()}]|[{''.join(_LETTERS)}]")
# A token is a run of letters/digits; a possessive 's (any apostrophe) right after it is swallowed.
_TOKEN = re.compile(r"([^\W_]+)(?:['\u2019\u2018\u02bc`\u00b4\u2032]s(?![^\W_]))?")
# Words ending in s that are not plurals (short words and -ss/-us/-is are never touched).
_NOT_PLURAL = frozenset("""news series species always perhaps whereas towards afterwards besides
    lens chaos physics politics economics athletics""".split())


def _stem(word: str) -> str:
    """Singular of a simple English plural; anything else unchanged. Deliberately small: -ies -> -y,
    -es after s/x/z/ch/sh, else drop -s; short words, -ss/-us/-is and non-words stay as they are."""
    if len(word) <= 3 or word[-1] != "s" or word in _NOT_PLURAL or not word.isalpha():
        return word
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zzes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


class _StemCache(dict):
    """token -> stem; map(cache.__getitem__, tokens) keeps the per-token work in C after warm-up."""

    def __missing__(self, token: str) -> str:
        if len(self) > 300_000:  # a bound, not an LRU: news vocabulary settles long before this
            self.clear()
        stem = self[token] = _stem(token)
        return stem


_STEMS = _StemCache()


def fold(text: str) -> str:
    """The folding used for topics and articles alike: the word tokens of `text`, lower-cased, without
    accents or possessive 's, plurals made singular, joined by single spaces.

    >>> fold("Russia’s SANCTIONS on Schürrle, al-Assad & G20")
    'russia sanction on schurrle al assad g20'
    """
    text = text.casefold()
    if not text.isascii():
        text = _NON_ASCII.sub(lambda m: _LETTERS.get(m.group(), ""), unicodedata.normalize("NFKD", text))
    return " ".join(map(_STEMS.__getitem__, _TOKEN.findall(text)))


# --------------------------------------------------------------------------------------------------
# Topics

@dataclass(frozen=True, slots=True)
class Term:
    """One thing to look for: a word, or a phrase (several adjacent words)."""

    text: str  # as the user wrote it, whitespace-normalised, without quotes
    folded: str  # fold(text): the tokens that must occur adjacently
    quoted: bool = False  # the user put it in quotes (and it has several words)

    @property
    def display(self) -> str:
        return f'"{self.text}"' if self.quoted else self.text

    def __str__(self) -> str:
        return self.display


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed topic: alternatives (OR) of all-required terms (AND), and exclusions for the whole topic.
    str(topic) is the canonical display form, e.g. 'Syria OR Iran sanctions -sport'."""

    raw: str
    alternatives: tuple[tuple[Term, ...], ...]
    exclusions: tuple[Term, ...] = ()

    def __str__(self) -> str:
        text = " OR ".join(" ".join(t.display for t in alt) for alt in self.alternatives)
        return " ".join([text, *(f"-{t.display}" for t in self.exclusions)])

    @property
    def key(self) -> tuple:
        """What matching depends on: topics with equal keys match exactly the same articles."""
        return (tuple(tuple(t.folded for t in alt) for alt in self.alternatives),
                tuple(t.folded for t in self.exclusions))


_DOUBLE_QUOTES = "\"\u201c\u201d\u201e\u201f\u00ab\u00bb\uff02"
_OPEN_SINGLE = "'\u2018"
_CLOSE_SINGLE = "'\u2019\u2018"
_MINUS = "-\u2212\u2013"
_BRACKETS = "()[]{}"
_OR_HINT = 'put a word or "phrase" on each side of OR'


def _quote_error(rest: str, closer: str = '"') -> TopicError:
    words = rest.split()
    if not words:
        return TopicError(f"The quote at the end is never closed — remove it, or add a phrase and a closing {closer}.")
    return TopicError(f'The quote before "{words[0][:30]}" is never closed — add a closing {closer}.')


def _closing_single(text: str, start: int) -> int:
    """Index of the single quote closing the one at text[start-1], or -1. An apostrophe followed by a
    letter (Russia’s) is part of a word, not a closing quote."""
    for k in range(start, len(text)):
        if text[k] in _CLOSE_SINGLE and (k + 1 == len(text) or not text[k + 1].isalnum()):
            return k
    return -1


def _scan(text: str) -> list[tuple[str, bool, Term | None]]:
    """Split topic text into ("or", False, None) and ("term", negated, Term) items."""
    items: list[tuple[str, bool, Term | None]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        negated = False
        if c in _MINUS:
            if i + 1 == n or text[i + 1].isspace():
                raise TopicError("A minus must touch what it excludes — write -sport, not - sport.")
            negated, i = True, i + 1
            c = text[i]
        if c in _DOUBLE_QUOTES:
            end = next((k for k in range(i + 1, n) if text[k] in _DOUBLE_QUOTES), -1)
            if end < 0:
                raise _quote_error(text[i + 1:])
            content, quoted, i = " ".join(text[i + 1:end].split()), True, end + 1
            if not fold(content):
                raise TopicError('The quotes "" hold no words — put a phrase between them, or remove them.')
        elif c in _OPEN_SINGLE and i + 1 < n and not text[i + 1].isspace() and (
                (end := _closing_single(text, i + 1)) >= 0 or c != "'"):
            # A straight ' with no closing one is an apostrophe ('90s); a curly ‘ must be closed.
            if end < 0:
                raise _quote_error(text[i + 1:], "’")
            content, quoted, i = " ".join(text[i + 1:end].split()), True, end + 1
            if not fold(content):
                raise TopicError("The quotes ‘’ hold no words — put a phrase between them, or remove them.")
        else:
            end = i
            while end < n and not text[end].isspace() and text[end] not in _DOUBLE_QUOTES:
                end += 1
            word, i = text[i:end], end
            if not negated and word == "OR":
                items.append(("or", False, None))
                continue
            if not negated and word == "AND":  # AND is what spaces already mean
                continue
            if any(b in word for b in _BRACKETS):
                raise TopicError("Brackets are not supported — write Syria sanctions OR Iran sanctions "
                                 "instead of (Syria OR Iran) sanctions.")
            # Keep the word as typed, minus punctuation around it ("Flynn," -> Flynn).
            content = word.strip("".join(ch for ch in set(word) if not ch.isalnum()))
            quoted = False
            if not fold(content):
                continue  # "&", "--": nothing to look for
        folded = fold(content)
        items.append(("term", negated, Term(content, folded, quoted and " " in folded)))
    return items


def parse_topic(text: str) -> Topic:
    """Parse what the user typed; raise TopicError (one line, for the user) when it cannot be used."""
    raw = text
    text = text.strip()
    if not text:
        raise TopicError('The topic is empty — type a word or "a phrase" to follow.')
    if len(text) > MAX_CHARS:
        raise TopicError(f"The topic is {len(text)} characters long — keep it to {MAX_CHARS} or fewer.")
    items = _scan(text)
    n_terms = sum(1 for kind, _, _ in items if kind == "term")
    if n_terms > MAX_TERMS:
        raise TopicError(f"The topic has {n_terms} words and phrases — use at most {MAX_TERMS}.")

    alternatives: list[list[Term]] = [[]]
    exclusions: list[Term] = []
    side_had_exclusion = [False]
    for kind, negated, term in items:
        if kind == "or":
            alternatives.append([])
            side_had_exclusion.append(False)
        elif negated:
            assert term is not None
            exclusions.append(term)
            side_had_exclusion[-1] = True
        else:
            assert term is not None
            alternatives[-1].append(term)

    if not any(alternatives) and not exclusions:
        raise TopicError("The topic has no letters or digits to look for.")
    if not any(alternatives):
        raise TopicError("The topic only excludes words — add something to look for, e.g. Russia -sport.")
    for pos, alt in enumerate(alternatives):
        if alt:
            continue
        hint = " (an -exclusion applies to the whole topic, so it does not count)" if side_had_exclusion[pos] else ""
        if pos == 0:
            where = "before the first OR"
        elif pos == len(alternatives) - 1:
            where = "after the last OR"
        else:
            where = "between two ORs"
        raise TopicError(f"There is nothing to look for {where}{hint} — {_OR_HINT}.")

    # Drop repeated terms and alternatives; they change nothing but the cost.
    clean: list[tuple[Term, ...]] = []
    seen_alts: set[frozenset[str]] = set()
    for alt in alternatives:
        seen: dict[str, Term] = {}
        for term in alt:
            seen.setdefault(term.folded, term)
        signature = frozenset(seen)
        if signature not in seen_alts:
            seen_alts.add(signature)
            clean.append(tuple(seen.values()))
    excl: dict[str, Term] = {}
    for term in exclusions:
        excl.setdefault(term.folded, term)

    # An alternative containing an excluded word can never match; if none is left, say so.
    def dead(alt: tuple[Term, ...]) -> Term | None:
        for ex in excl.values():
            if any(f" {ex.folded} " in f" {t.folded} " for t in alt):
                return ex
        return None

    killers = [dead(alt) for alt in clean]
    if all(killers):
        ex = killers[0]
        assert ex is not None
        raise TopicError(f"{ex.display} is both required and excluded, so nothing could ever match — "
                         f"remove one of them.")
    return Topic(raw=raw, alternatives=tuple(clean), exclusions=tuple(excl.values()))


# --------------------------------------------------------------------------------------------------
# Matching

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
    t = f" {fold(title)} "
    b = f" {fold(body)} "

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
        ft = fold(title)
        title_end = len(ft) + 1  # index of the space after the title's last token
        # "|" is never part of a token, so no phrase can run from the title into the body.
        first: dict[int, int] = {}
        remember = first.setdefault
        for end, pid in self._automaton.iter(f" {ft} | {fold(body)} "):
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
