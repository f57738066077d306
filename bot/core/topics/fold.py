"""The fold that topic matching rests on: topics and articles both pass through `fold_for_match`.

Casefold, strip accents (also from the few Latin letters NFKD leaves whole: æ ø ł ...), split into
word tokens (runs of letters and digits; a possessive 's after any apostrophe is dropped), make simple
English plurals singular, and join the tokens with single spaces. A term or phrase is then the string
" tok1 tok2 ", and it occurs when that string is a substring of " " + fold_for_match(text) + " ": the
spaces enforce word boundaries and phrase adjacency, and nothing a user types ever becomes a regular
expression.

This is not `bot.core.text.fold_search` (search and title keys: no tokenising, no stemming) nor
`bot.core.people.lexicon.fold_name` (name comparison).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold_for_match"]


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


def fold_for_match(text: str) -> str:
    """The folding used for topics and articles alike: the word tokens of `text`, lower-cased, without
    accents or possessive 's, plurals made singular, joined by single spaces.

    >>> fold_for_match("Russia’s SANCTIONS on Schürrle, al-Assad & G20")
    'russia sanction on schurrle al assad g20'
    """
    text = text.casefold()
    if not text.isascii():
        text = _NON_ASCII.sub(lambda m: _LETTERS.get(m.group(), ""), unicodedata.normalize("NFKD", text))
    return " ".join(map(_STEMS.__getitem__, _TOKEN.findall(text)))

