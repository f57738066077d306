"""Tokeniser for name extraction: words with possessive and abbreviation flags, sentence ids, all-caps lines."""

from __future__ import annotations

import re

from bot.core.people.lexicon import Lexicon

_TOKEN_RE = re.compile(
    r"(?:[^\W\d_]\.){2,}"  # U.S., K.C.
    r"|[^\W\d_]+(?:['-][^\W\d_]+)*\.?"  # words: O'Neill, Jean-Claude, al-Assad, Flynn's, Mr.
    r"|\d[\d.,:/-]*"
    r"|\n"
    r"|[^\s\w]"
)
_TERMINAL = {".", "!", "?", "\n"}
_OPENERS = {'"', "'", "(", "[", "-", "--"}


class Tok:
    __slots__ = ("text", "low", "cap", "poss", "initial", "sent", "caps_line", "sent_start", "is_abbrev")

    def __init__(self, text: str, poss: bool = False, initial: bool = False, abbrev: bool = False) -> None:
        self.text = text
        self.low = text.lower()
        self.poss = poss
        self.cap = text[:1].isupper()
        self.initial = initial
        self.is_abbrev = abbrev
        self.sent = 0
        self.caps_line = False
        self.sent_start = False


def tokenise(text: str, lex: Lexicon) -> list[Tok]:
    toks: list[Tok] = []
    append = toks.append
    abbrevs = lex.abbrevs
    for w in _TOKEN_RE.findall(text):
        poss = False
        if w[-1] == "s" and len(w) > 2 and w[-2] == "'" and w[0].isalpha():
            w, poss = w[:-2], True
        if w[-1] == "." and len(w) > 1:
            if "." in w[:-1]:  # K.C. / U.S.
                append(Tok(w, poss, len(w) > 2))
                continue
            stem = w[:-1]
            if len(stem) == 1 and stem.isupper():
                append(Tok(w, False, True))
            elif stem.lower() in abbrevs:
                append(Tok(w, False, False, True))
            else:
                append(Tok(stem, poss))
                append(Tok("."))
            continue
        append(Tok(w, poss))
    # sentence ids, sentence starts and all-caps lines
    sent = 0
    start = True
    line_start = 0
    for i, t in enumerate(toks):
        x = t.text
        if x == "\n":
            _mark_line(toks, line_start, i)
            line_start = i + 1
        if x in _TERMINAL:
            if not start:  # "end.\n\n" closes one sentence, blank lines between paragraphs add none
                sent += 1
            t.sent = sent
            start = True
            continue
        t.sent = sent
        if start:
            if x in _OPENERS:
                continue
            t.sent_start = True
            start = False
    _mark_line(toks, line_start, len(toks))
    return toks


def _mark_line(toks: list[Tok], a: int, b: int) -> None:
    words = [t for t in toks[a:b] if len(t.text) > 1 and t.text[0].isalpha()]
    if len(words) < 2:
        return
    caps = sum(1 for t in words if t.text.isupper())
    if caps * 10 >= len(words) * 6:
        for t in toks[a:b]:
            t.caps_line = True

