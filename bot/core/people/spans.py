"""Candidate name spans: runs of capitalised words, split into a title prefix and the name words."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.people.lexicon import SUFFIXES, Lexicon, fold_name
from bot.core.people.tokens import Tok

# place openers that are also ordinary adjectives at the start of a sentence
_ADJECTIVE_OPENERS = {"new", "north", "south", "east", "west", "northern", "southern", "eastern", "western"}


def is_nameish(t: Tok, lex: Lexicon) -> bool:
    w = t.text
    if not w[:1].isalpha():
        return False
    if t.initial:
        return True
    if t.cap:
        if len(w) > 1 and w.isupper() and not t.caps_line:
            return False  # acronyms (FBI, CEO) outside all-caps lines
        return True
    # al-Assad, el-Sisi, bin-...: lower-case particle glued to a capitalised name
    if "-" in w:
        head, _, rest = w.partition("-")
        return head in lex.particles and rest[:1].isupper()
    return False


@dataclass
class Span:
    start: int
    end: int  # exclusive
    prefix: list[str] = field(default_factory=list)  # title words before the name
    names: list[str] = field(default_factory=list)  # name tokens (surface, caps title-cased)
    honorific: bool = False
    caps: bool = False
    sent: int = 0
    sent_start: bool = False
    poss: bool = False
    proper_prefix: bool = False  # starts with "New", "San", "St" ...: a place, team or company, not a person


def find_spans(toks: list[Tok], lex: Lexicon) -> list[Span]:
    out: list[Span] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        starts = is_nameish(t, lex) or t.is_abbrev and t.cap
        if not starts and t.low in lex.particles and i + 1 < n:
            # "von der Leyen": particles may open a span when a capitalised word follows
            j = i
            while j < n and toks[j].low in lex.particles:
                j += 1
            starts = j < n and j - i <= 3 and toks[j].cap and toks[j].text[:1].isalpha() and not (
                i > 0 and toks[i - 1].cap)
        if not starts:
            i += 1
            continue
        if t.caps_line:  # all-caps headline: every word on its own, linked to body names in pass 2
            out.append(_make_span(toks, i, i + 1, lex))
            i += 1
            continue
        j = i
        while j < n:
            u = toks[j]
            if is_nameish(u, lex) or (u.is_abbrev and (u.cap or u.low.rstrip(".") in SUFFIXES)):
                j += 1
                if u.poss:
                    break
                continue
            if u.low in lex.particles and j > i:
                k = j
                while k < n and toks[k].low in lex.particles:
                    k += 1
                if k < n and k - j <= 3 and toks[k].cap and toks[k].text[:1].isalpha():
                    j = k
                    continue
            break
        if j == i:
            j = i + 1
        out.append(_make_span(toks, i, j, lex))
        i = j
    return [s for s in out if s is not None]


def _make_span(toks: list[Tok], i: int, j: int, lex: Lexicon) -> Span | None:
    words = toks[i:j]
    sp = Span(i, j, sent=toks[i].sent, sent_start=toks[i].sent_start, poss=toks[j - 1].poss,
               caps=toks[i].caps_line)
    texts = [(w.text.title() if sp.caps and w.text.isupper() else w.text) for w in words]
    lows = [w.low.rstrip(".") for w in words]
    # "New York Yankees", "San Diego Padres", "St Mirren": a place-name opener keeps the span whole (and makes it
    # no person), except an ordinary sentence-initial adjective before a given name ("New signing Tom Brady")
    if len(words) > 1 and lows[0] in lex.place_prefixes and words[0].cap and not (
            words[0].sent_start and lows[0] in _ADJECTIVE_OPENERS and lows[1] in lex.first_names):
        sp.names = texts
        sp.proper_prefix = True
        return sp
    # title prefix: up to the right-most title word that still has a name after it
    k = -1
    for idx in range(len(words) - 1):
        lw = lows[idx]
        if lw in lex.titles or lw in lex.honorifics or (words[idx].is_abbrev and lw not in SUFFIXES):
            k = idx
    if k >= 0:
        sp.prefix = texts[: k + 1]
        sp.honorific = True
        texts, lows, words = texts[k + 1:], lows[k + 1:], words[k + 1:]
    # drop leading sentence-initial function words, places and demonyms ("Texas Arlington Amneh Jafari")
    while len(words) > 1 and not words[0].initial and (lows[0] in lex.nonperson or fold_name(texts[0]) in lex.places
                              or (words[0].sent_start and lows[0] in lex.role_nouns)):
        if k < 0 and fold_name(texts[0]) in lex.places:
            sp.prefix.append(texts[0])
        texts, lows, words = texts[1:], lows[1:], words[1:]
    sp.names = texts
    return sp

