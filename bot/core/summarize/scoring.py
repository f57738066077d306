"""Extractive summaries: score the article's sentences (lead position, centrality, title words) and
pick them, never generating text, returned in article order.

``summarize`` gives one length, ``summarize_all`` the three LENGTHS from one pass (what enrichment at
ingest wants), ``extract`` the n best sentences, and ``lead`` the Lead-N baseline over the same splitter.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations

from bot.core.summarize.sentences import _CLOSERS, split_sentences
from bot.core.summarize.story import story_text

# Work caps, so a 1 MB page costs about as much as a long article.
MAX_CHARS = 60_000          # characters of text looked at by summarize / lead
MAX_SENTENCES = 400         # sentences scored per article

LENGTHS = ("alert", "digest", "full")
ALERT_MAX_WORDS = 60


_DATELINE = re.compile(
    r"^(?:"
    # WASHINGTON (Reuters) -   /  Washington (CNN) —   /  NEW YORK, Jan. 5 (AP) --
    r"[A-Z][\w.'’-]*(?:[ ,]+[A-Z][\w.'’-]*){0,4}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*\([A-Z][\w .&-]{1,30}\)\s*(?:--|[-–—:])"
    r"|"
    # LONDON —  /  BEIJING, March 3 -
    r"[A-Z][A-Z.'’-]+(?:[ ,]+[A-Z][A-Z.'’-]+){0,3}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:--|[–—]|-(?=\s))"
    r"|"
    r"\((?:AP|Reuters|AFP|CNN|UPI|Bloomberg)\)\s*(?:--|[-–—])"
    r")\s*"
)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'’-]*")
_STOP = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can could did do does doing don't down during each few for from further had has
    have having he he'd he's her here hers herself him himself his how i i'm if in into is isn't it it's its
    itself just let's me more most much my myself no nor not now of off on once only or other ought our ours
    ourselves out over own same she she's should so some such than that that's the their theirs them themselves
    then there there's these they they're this those through to too under until up very was wasn't we we're
    were what when where which while who whom why will with won't would you your yours yourself yourselves
    said says say told one two new year years also mr mrs ms dr us still may might must shall per cent percent
    like get got just even well back made make many last first since around including however
    """.split()
)
_PRONOUN_START = re.compile(r"^(?:He|She|It|They|This|That|These|Those|His|Her|Its|Their|But|And|Or|So|Also|However|Meanwhile|Instead)\b")


def _strip_dateline(sentence: str) -> str:
    m = _DATELINE.match(sentence)
    if m and len(sentence) - m.end() > 20:
        return sentence[m.end():].lstrip()
    return sentence


_STEMS: dict[str, str] = {}


def _stem(tok: str) -> str:
    got = _STEMS.get(tok)
    if got is None:
        got = _stem_uncached(tok)
        if len(_STEMS) < 200_000:
            _STEMS[tok] = got
    return got


def _stem_uncached(tok: str) -> str:
    tok = tok.replace("’", "'")
    if tok.endswith("'s"):
        tok = tok[:-2]
    if len(tok) > 4 and tok.endswith("ies"):
        return tok[:-3] + "y"
    if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss") and not tok.endswith("us"):
        return tok[:-1]
    return tok


def _content_words(sentence: str) -> list[str]:
    get = _STEMS.get
    return [get(t) or _stem(t) for t in _TOKEN.findall(sentence.lower()) if t not in _STOP and len(t) > 1]


@dataclass(frozen=True, eq=False)  # identity comparison: selection tests membership a lot
class _Sentence:
    index: int
    text: str
    words: int
    terms: frozenset[str]
    score: float


def _is_junk_sentence(s: str, words: int) -> bool:
    # boilerplate lines are gone already (story_text); a sentence may still be a fragment
    return words < 4


def _score_sentences(text: str, title: str) -> list[_Sentence]:
    body = story_text(text[:MAX_CHARS])
    raw = split_sentences(body)[:MAX_SENTENCES]
    cand: list[tuple[int, str, int, list[str]]] = []
    for s in raw:
        s = _strip_dateline(s)
        words = len(s.split())
        if _is_junk_sentence(s, words):
            continue
        cand.append((len(cand), s, words, _content_words(s)))
    if not cand:
        return []
    tf: Counter[str] = Counter()
    for _, _, _, terms in cand:
        tf.update(set(terms))
    title_terms = set(_content_words(title)) if title else set()
    n = len(cand)
    out: list[_Sentence] = []
    max_cent = 1e-9
    cents: list[float] = []
    for _, _, _, terms in cand:
        uniq = set(terms)
        # centrality: how many of the article's recurring words this sentence carries, per sqrt(length)
        c = sum(tf[t] - 1 for t in uniq) / math.sqrt(max(6, len(terms)))
        cents.append(c)
        max_cent = max(max_cent, c)
    for (i, s, words, terms), cent in zip(cand, cents):
        uniq = frozenset(terms)
        pos = 1.0 / math.sqrt(1.0 + i)                # lead bias: news puts the essentials first
        score = 1.0 * pos + 0.8 * (cent / max_cent)
        if title_terms:
            score += 0.5 * len(uniq & title_terms) / len(title_terms)
        if words < 8:
            score -= 0.25
        if words > 55:
            score -= 0.2
        if i > 0 and _PRONOUN_START.match(s):
            score -= 0.1                              # dangles without the sentence before it
        if s.rstrip(_CLOSERS).endswith("?"):
            score -= 0.3
        out.append(_Sentence(i, s, words, uniq, score))
    return out


def _redundancy(a: _Sentence, b: _Sentence) -> float:
    if not a.terms or not b.terms:
        return 0.0
    return len(a.terms & b.terms) / min(len(a.terms), len(b.terms))


def _greedy(sents: list[_Sentence], n: int, max_words: int | None) -> list[_Sentence]:
    chosen: list[_Sentence] = []
    total = 0
    pool = sorted(sents, key=lambda s: -s.score)
    while len(chosen) < n:
        best, best_val = None, -math.inf
        for s in pool:
            if s in chosen or (max_words is not None and total + s.words > max_words):
                continue
            val = s.score - 0.6 * max((_redundancy(s, c) for c in chosen), default=0.0)
            if val > best_val:
                best, best_val = s, val
        if best is None:
            break
        chosen.append(best)
        total += best.words
    return chosen


def _set_value(group: tuple[_Sentence, ...]) -> float:
    val = sum(s.score for s in group)
    for a, b in combinations(group, 2):
        val -= 0.6 * _redundancy(a, b)
    return val


def _alert(sents: list[_Sentence]) -> list[_Sentence]:
    """2-3 sentences within ALERT_MAX_WORDS: the best-valued fitting set among the top candidates."""
    top = sorted(sents, key=lambda s: -s.score)[:8]
    best: tuple[_Sentence, ...] = ()
    best_val = -math.inf
    # The best sentence (usually the lead) anchors the alert whenever it fits with another one.
    anchor = top[0] if any(top[0].words + s.words <= ALERT_MAX_WORDS for s in top[1:]) else None
    for k in (3, 2):
        for group in combinations(top, k):
            if sum(s.words for s in group) > ALERT_MAX_WORDS:
                continue
            if anchor is not None and anchor not in group:
                continue
            val = _set_value(group)
            if val > best_val:
                best, best_val = group, val
    if best:
        return list(best)
    # Nothing of 2+ sentences fits: look wider for a pair, then settle for one sentence.
    fitting = [s for s in sents if s.words <= ALERT_MAX_WORDS]
    pair = _greedy(fitting, 3, ALERT_MAX_WORDS)
    if len(pair) >= 2:
        return pair
    if fitting:
        return [max(fitting, key=lambda s: s.score)]
    first = max(sents, key=lambda s: s.score)
    clipped = " ".join(first.text.split()[:ALERT_MAX_WORDS - 1]) + " …"
    return [_Sentence(first.index, clipped, ALERT_MAX_WORDS, first.terms, first.score)]


def extract(text: str, title: str = "", n: int = 3, max_words: int | None = None) -> list[str]:
    """The n best sentences (within max_words when given), in article order. summarize() is built on it."""
    if not text or not text.strip() or n <= 0:
        return []
    sents = _score_sentences(text, title)
    if not sents:
        return []
    chosen = _greedy(sents, n, max_words)
    return [s.text for s in sorted(chosen, key=lambda s: s.index)]


def _pick(sents: list[_Sentence], length: str) -> list[str]:
    if not sents:
        return []
    if length == "digest":
        chosen = _greedy(sents, 1, None)
    elif length == "full":
        chosen = _greedy(sents, 5, None)
    else:
        chosen = _alert(sents)
    return [s.text for s in sorted(chosen, key=lambda s: s.index)]


def summarize(text: str, title: str = "", length: str = "alert") -> list[str]:
    """Extractive summary in article order: "alert" (2-3 sentences, <= 60 words), "digest" (1), "full" (<= 5)."""
    if length not in LENGTHS:
        raise ValueError(f"length must be one of {', '.join(LENGTHS)}, not {length!r}")
    if not text or not text.strip():
        return []
    return _pick(_score_sentences(text, title), length)


def summarize_all(text: str, title: str = "") -> dict[str, list[str]]:
    """All three lengths from one pass over the text (what enrichment at ingest wants)."""
    sents = _score_sentences(text, title) if text and text.strip() else []
    return {length: _pick(sents, length) for length in LENGTHS}


def lead(text: str, n: int = 3) -> list[str]:
    """Lead-N baseline: the first n sentences by the same splitter, on the raw text."""
    if not text or not text.strip() or n <= 0:
        return []
    return split_sentences(text[:MAX_CHARS])[:n]
