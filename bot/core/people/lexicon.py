"""Word lists for person-name extraction, loaded once from bot/core/people/data/, and the text folding they rely on.

first_names.txt (US Census 1990 given names, public domain, plus an international supplement), surnames.txt,
places.txt (GeoNames, CC BY 4.0) and people_lexicon.txt (titles, role nouns, organisation words, nicknames; written
for this project, one [section] per word class).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


@dataclass(frozen=True)
class Lexicon:
    first_names: frozenset[str]
    surnames: frozenset[str]
    places: frozenset[str]  # lower case
    honorifics: frozenset[str]
    title_abbrev: dict
    titles: frozenset[str]
    role_nouns: frozenset[str]
    family_nouns: frozenset[str]
    speech_verbs: frozenset[str]
    org_words: frozenset[str]
    post_nonperson: frozenset[str]
    nonperson: frozenset[str]
    particles: frozenset[str]
    place_prefixes: frozenset[str]
    company_suffixes: frozenset[str]
    nicknames: dict  # nickname -> tuple of formal names
    abbrevs: frozenset[str]  # words that keep their full stop: honorifics, title abbreviations, Jr./Sr.


def _lines(path: Path) -> list[str]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(line)
    return out


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    sections: dict[str, list[str]] = {}
    current = None
    for line in _lines(DATA_DIR / "people_lexicon.txt"):
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(line.lower())

    def words(name: str) -> frozenset[str]:
        return frozenset(x.split()[0] for x in sections.get(name, ()))

    abbrev = {}
    for entry in sections.get("title_abbrev", ()):
        parts = entry.split()
        abbrev[parts[0]] = parts[1] if len(parts) > 1 else parts[0]
    nick: dict[str, tuple[str, ...]] = {}
    for entry in sections.get("nicknames", ()):
        parts = entry.split()
        nick[parts[0]] = tuple(parts[1:])
    return Lexicon(
        first_names=frozenset(x.lower() for x in _lines(DATA_DIR / "first_names.txt")),
        surnames=frozenset(x.lower() for x in _lines(DATA_DIR / "surnames.txt")),
        places=frozenset(fold_name(x) for x in _lines(DATA_DIR / "places.txt")),
        honorifics=words("honorifics"),
        title_abbrev=abbrev,
        titles=words("titles") | frozenset(abbrev),
        role_nouns=words("role_nouns"),
        family_nouns=words("family_nouns"),
        speech_verbs=words("speech_verbs"),
        org_words=words("org_words"),
        post_nonperson=words("post_nonperson"),
        nonperson=words("nonperson_words"),
        particles=words("particles"),
        place_prefixes=words("place_prefixes"),
        company_suffixes=words("company_suffixes"),
        nicknames=nick,
        abbrevs=words("honorifics") | frozenset(abbrev) | frozenset(SUFFIXES),
    )



# ---------------------------------------------------------------- text helpers

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u00a0": " ", "\u2010": "-", "\u2011": "-"})


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_QUOTES)


def strip_accents(s: str) -> str:
    if s.isascii():
        return s
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def fold_name(s: str) -> str:
    """Case- and accent-insensitive form for comparisons."""
    return strip_accents(normalise(s)).casefold().strip()

