"""Comparing name forms: given-name evidence, short forms (surnames), nicknames, and the cross-article name key."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.core.people.lexicon import SUFFIXES, Lexicon, fold_name, load_lexicon, strip_accents
from bot.core.people.spans import Span

ASIAN_GIVEN = re.compile(r"^[A-Z][a-z]+-[A-Za-z][a-z]+$")  # Jong-un, Chung-tai, Shin-Wook


def org_like(sp: Span, lex: Lexicon) -> bool:
    if any(low.rstrip(".") in lex.org_words for low in (n.lower() for n in sp.names)):
        return True
    return fold_name(" ".join(sp.names)) in lex.places


def first_name_ok(w: str, lex: Lexicon) -> bool:
    low = strip_accents(w).lower()
    if low in lex.first_names or low in lex.nicknames:
        return True
    if "-" in low:  # Jean-Claude, Frank-Walter
        return low.split("-")[0] in lex.first_names
    return False


def surname_keys(names: list[str], lex: Lexicon) -> list[str]:
    """Short forms that may stand alone for this full name: last word, particle tail, Asian family name."""
    core = [w for w in names if w.lower().rstrip(".") not in SUFFIXES]
    if not core:
        return []
    keys = [fold_name(core[-1])]
    for idx in range(1, len(core) - 1):  # von der Leyen, De Bruyne, bin Laden
        if core[idx].lower() in lex.particles or (core[idx].lower() in {"de", "van", "von", "di", "da", "del", "la",
                                                                        "le", "al", "el", "bin", "ibn"}):
            keys.append(fold_name(" ".join(core[idx:])))
            break
    if len(core) == 2 and ASIAN_GIVEN.match(core[1]):
        keys.append(fold_name(core[0]))
    if len(core) == 3 and "-" not in core[1] and core[1][:1].isupper() and not core[1].endswith("."):
        keys.append(fold_name(" ".join(core[1:])))  # Marc Lamont Hill -> Lamont Hill (rare but cheap)
    return keys


def given_key(names: list[str]) -> str:
    return fold_name(names[0]) if names else ""


@lru_cache(maxsize=4096)
def formal_names(given: str) -> tuple[str, ...]:
    lex = load_lexicon()
    forms = lex.nicknames.get(given)
    return (given,) + forms if forms else (given,)


def given_compatible(a: str, b: str) -> bool:
    """Same given name, a nickname of it, or an initial of it."""
    if not a or not b or a == b:
        return True
    a1, b1 = a.rstrip("."), b.rstrip(".")
    if len(a1) == 1 or len(b1) == 1:
        return a1[0] == b1[0]
    if "." in a1 or "." in b1:  # K.C.
        return a1[0] == b1[0]
    return bool(set(formal_names(a1)) & set(formal_names(b1)))


def core_names(names: list[str]) -> list[str]:
    """Name tokens without middle initials and suffixes (for comparing full names)."""
    out = [w for w in names if w.lower().rstrip(".") not in SUFFIXES]
    if len(out) > 2:
        out = [out[0]] + [w for w in out[1:-1] if not (w.endswith(".") and len(w) <= 3)] + [out[-1]]
    return out



@lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """Identity key of a full name: folded, middle initials and honorifics dropped, given name de-nicknamed."""
    lex = load_lexicon()
    words = [w[:-2] if w.endswith("'s") else w for w in fold_name(name).split()]
    words = [w for w in words if w]
    while len(words) > 1 and (words[0].rstrip(".") in lex.honorifics or words[0].rstrip(".") in lex.title_abbrev):
        words = words[1:]
    words = core_names(words)
    if len(words) >= 2:
        words[0] = formal_names(words[0].rstrip("."))[-1] if words[0] in lex.nicknames else words[0]
    return " ".join(words)
