"""Sentence splitting: prose -> sentences, surviving abbreviations (U.S., Sen., Jan., a.m., No. 5),
initials (J. K. Rowling), decimals, ellipses and sentences that end inside (curly) quotes.

Line breaks end sentences unless a line was visibly hard-wrapped. The quote and paragraph patterns
here are shared with story.py and scoring.py.
"""

from __future__ import annotations

import re

# Abbreviations that are never the end of a sentence (a name or a number follows).
_TITLES = frozenset(
    "mr mrs ms dr prof sen sens rep reps gov gen lt col maj capt cpt sgt cmdr adm brig cdr st "
    "rev fr hon pres supt insp det messrs mme mlle sr jr vs v cf approx dept est fig figs no nos "
    "vol vols pp ch art sec op ed eds para mt ft ave blvd rd".split()
)
# Never the end of a sentence either: e.g., i.e., viz.
_INNER = frozenset("e.g i.e viz cf al".split())
# Month abbreviations: not an end when a day number follows ("Jan. 5"); otherwise treated as ambiguous.
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
# Abbreviations that may well end a sentence ("... moved to the U.S. He ...").
_AMBIGUOUS = frozenset("inc corp co ltd plc llc bros etc u.s u.k u.n u.s.a a.m p.m e.u d.c n.y l.a".split())
# Words that, when they follow an ambiguous abbreviation, start a new sentence.
_STARTERS = frozenset(
    "the a an he she it they we i you his her its their our this that these those there then but and "
    "so yet however meanwhile in on at for if when while after before as since although though "
    "what who why how where mr mrs ms dr also both some many most all one two three police officials".split()
)
# Titles that only count before a capitalised name, because they are also ordinary words.
_NAME_ONLY = frozenset({"no", "nos", "art", "sec", "op", "v", "ch", "ed", "est", "fig", "para"})

_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace, then the
# first character of the next sentence (uppercase, digit or an opening quote/bracket).
_BOUNDARY = re.compile(r"(?:[.!?]+|…|\.\.\.+)[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]*[A-Z0-9À-Ý])")
_WORD_BEFORE = re.compile(r"(\S+)$")
_NEXT_WORD = re.compile(r"[\"'“‘«(\[]*([A-Za-z0-9À-ÿ][\w’'.-]*)")
_PARA_SPLIT = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_SPACES = re.compile(r"[ \t\u00a0]+")
_ODD_SPACE = re.compile(r"[\t\u00a0]|  ")
_TERMINAL_END = re.compile(r"[.!?…:;\"'”’)\]]\s*$")


def _is_boundary(text: str, start: int, end: int) -> bool:
    """Decide whether the punctuation run text[start:end] (a _BOUNDARY match) ends a sentence."""
    punct = text[start:end].rstrip()
    first = punct[0]
    if first in "!?":
        return True
    if first == "…" or punct.startswith(".."):
        return True  # an ellipsis followed by a capital starts a new sentence
    # A single period: look at the word it ends.
    m = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if not m:
        return True
    word = m.group(1).lstrip(_OPENERS)
    low = word.lower()
    nxt_m = _NEXT_WORD.match(text, end)
    nxt = nxt_m.group(1) if nxt_m else ""
    if not word:
        return True
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: J. K. Rowling
    if low in _INNER:
        return False
    if low in _TITLES:
        if low in _NAME_ONLY:
            return not (nxt[:1].isdigit())  # "No. 5" but "He said no."
        return False
    if low in _MONTHS:
        if nxt[:1].isdigit():
            return False
        return nxt.lower() in _STARTERS
    if low in _AMBIGUOUS or (("." in low) and re.fullmatch(r"(?:[a-z]\.)+[a-z]", low)):
        # U.S., a.m., Inc.: a boundary only when a typical sentence opener follows.
        return nxt.lower() in _STARTERS
    return True


def _split_paragraph(para: str) -> list[str]:
    out: list[str] = []
    pos = 0
    for m in _BOUNDARY.finditer(para):
        if _is_boundary(para, m.start(), m.end()):
            sent = para[pos:m.end()].strip()
            if sent:
                out.append(sent)
            pos = m.end()
    tail = para[pos:].strip()
    if tail:
        out.append(tail)
    return out


def _paragraph_lines(para: str) -> list[str]:
    """Lines of a paragraph, with hard-wrapped lines (no end punctuation, lowercase next) joined."""
    lines = [ln.strip() for ln in para.split("\n")]
    lines = [ln for ln in lines if ln]
    if len(lines) <= 1:
        return lines
    merged = [lines[0]]
    for ln in lines[1:]:
        prev = merged[-1]
        if not _TERMINAL_END.search(prev) and (ln[:1].islower() or ln[:1].isdigit()):
            merged[-1] = prev + " " + ln
        else:
            merged.append(ln)
    return merged


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences. Line breaks end sentences unless a line was visibly hard-wrapped."""
    if not text or not text.strip():
        return []
    out: list[str] = []
    for para in _PARA_SPLIT.split(text):
        for line in _paragraph_lines(para):
            out.extend(_split_paragraph(_SPACES.sub(" ", line) if _ODD_SPACE.search(line) else line))
    return out
