"""Who an article is about: person names, their in-article aliases, mention counts and roles, plus a people index.

Pure and rule-based (no model, no telegram, no tinydb, no clock). `extract_people` finds capitalised name spans,
decides which are people from honorifics and titles, given-name lists, surrounding words ("said", "manager ...",
appositives) and in-document coreference (a surname or first name used alone links to the one full name that has
it; an ambiguous short form is dropped rather than guessed). `PeopleIndex` merges the same person across articles
(Mike Flynn = Michael Flynn = Flynn when only one known full-name person has that surname) and answers
"latest <name>" queries newest first, or says the query is ambiguous.

Word lists live in bot/data/: first_names.txt (US Census 1990 given names, public domain, plus an international
supplement), places.txt (GeoNames, CC BY 4.0) and people_lexicon.txt (titles, role nouns, organisation words,
nicknames; written for this project).
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

__all__ = ["Person", "PersonSummary", "PeopleLookup", "PeopleIndex", "extract_people", "name_key"]

_DATA = Path(__file__).resolve().parent / "data"


# ---------------------------------------------------------------- public data types


@dataclass(frozen=True)
class Person:
    """One person named in one article. `aliases` are the other forms used for them there (not `name` itself)."""

    name: str
    aliases: tuple[str, ...] = ()
    mentions: int = 1
    role: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "aliases": list(self.aliases), "mentions": self.mentions, "role": self.role}

    @classmethod
    def from_dict(cls, d: dict) -> "Person":
        return cls(
            name=str(d["name"]),
            aliases=tuple(str(a) for a in d.get("aliases") or ()),
            mentions=int(d.get("mentions", 1)),
            role=d.get("role") or None,
        )


@dataclass(frozen=True)
class PersonSummary:
    """A person as the index knows them across articles."""

    name: str
    aliases: tuple[str, ...]
    role: str | None
    articles: int


@dataclass(frozen=True)
class PeopleLookup:
    """Answer to a name query: "found" (person + article ids, newest first), "ambiguous" (candidates) or "unknown"."""

    status: str
    person: PersonSummary | None = None
    candidates: tuple[PersonSummary, ...] = ()
    article_ids: tuple[str, ...] = ()


# ---------------------------------------------------------------- word lists


@dataclass(frozen=True)
class _Lexicon:
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
def _lexicon() -> _Lexicon:
    sections: dict[str, list[str]] = {}
    current = None
    for line in _lines(_DATA / "people_lexicon.txt"):
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
    return _Lexicon(
        first_names=frozenset(x.lower() for x in _lines(_DATA / "first_names.txt")),
        surnames=frozenset(x.lower() for x in _lines(_DATA / "surnames.txt")),
        places=frozenset(_fold(x) for x in _lines(_DATA / "places.txt")),
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
        nicknames=nick,
        abbrevs=words("honorifics") | frozenset(abbrev) | frozenset(_SUFFIXES),
    )


# ---------------------------------------------------------------- text helpers

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u00a0": " ", "\u2010": "-", "\u2011": "-"})


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_QUOTES)


def _strip_accents(s: str) -> str:
    if s.isascii():
        return s
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _fold(s: str) -> str:
    """Case- and accent-insensitive form for comparisons."""
    return _strip_accents(_normalise(s)).casefold().strip()


_TOKEN_RE = re.compile(
    r"(?:[^\W\d_]\.){2,}"  # U.S., K.C.
    r"|[^\W\d_]+(?:['-][^\W\d_]+)*\.?"  # words: O'Neill, Jean-Claude, al-Assad, Flynn's, Mr.
    r"|\d[\d.,:/-]*"
    r"|\n"
    r"|[^\s\w]"
)
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_ASIAN_GIVEN = re.compile(r"^[A-Z][a-z]+-[A-Za-z][a-z]+$")  # Jong-un, Chung-tai, Shin-Wook
_TERMINAL = {".", "!", "?", "\n"}
_OPENERS = {'"', "'", "(", "[", "-", "--"}
_PREPS = {"to", "of", "for", "at", "in", "on"}


class _Tok:
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


def _tokenise(text: str, lex: _Lexicon) -> list[_Tok]:
    toks: list[_Tok] = []
    append = toks.append
    abbrevs = lex.abbrevs
    for w in _TOKEN_RE.findall(text):
        poss = False
        if w[-1] == "s" and len(w) > 2 and w[-2] == "'" and w[0].isalpha():
            w, poss = w[:-2], True
        if w[-1] == "." and len(w) > 1:
            if "." in w[:-1]:  # K.C. / U.S.
                append(_Tok(w, poss, len(w) > 2))
                continue
            stem = w[:-1]
            if len(stem) == 1 and stem.isupper():
                append(_Tok(w, False, True))
            elif stem.lower() in abbrevs:
                append(_Tok(w, False, False, True))
            else:
                append(_Tok(stem, poss))
                append(_Tok("."))
            continue
        append(_Tok(w, poss))
    # sentence ids, sentence starts and all-caps lines
    sent = 0
    start = True
    line_start = 0
    for i, t in enumerate(toks):
        x = t.text
        if x == "\n":
            _mark_line(toks, line_start, i)
            line_start = i + 1
        t.sent = sent
        if x in _TERMINAL:
            sent += 1
            start = True
            continue
        if start:
            if x in _OPENERS:
                continue
            t.sent_start = True
            start = False
    _mark_line(toks, line_start, len(toks))
    return toks


def _mark_line(toks: list[_Tok], a: int, b: int) -> None:
    words = [t for t in toks[a:b] if len(t.text) > 1 and t.text[0].isalpha()]
    if len(words) < 2:
        return
    caps = sum(1 for t in words if t.text.isupper())
    if caps * 10 >= len(words) * 6:
        for t in toks[a:b]:
            t.caps_line = True


# ---------------------------------------------------------------- span detection


def _is_nameish(t: _Tok, lex: _Lexicon) -> bool:
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
class _Span:
    start: int
    end: int  # exclusive
    prefix: list[str] = field(default_factory=list)  # title words before the name
    names: list[str] = field(default_factory=list)  # name tokens (surface, caps title-cased)
    honorific: bool = False
    caps: bool = False
    sent: int = 0
    sent_start: bool = False
    poss: bool = False


def _spans(toks: list[_Tok], lex: _Lexicon) -> list[_Span]:
    out: list[_Span] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        starts = _is_nameish(t, lex) or t.is_abbrev and t.cap
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
            if _is_nameish(u, lex) or (u.is_abbrev and (u.cap or u.low.rstrip(".") in _SUFFIXES)):
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


def _make_span(toks: list[_Tok], i: int, j: int, lex: _Lexicon) -> _Span | None:
    words = toks[i:j]
    sp = _Span(i, j, sent=toks[i].sent, sent_start=toks[i].sent_start, poss=toks[j - 1].poss,
               caps=toks[i].caps_line)
    texts = [(w.text.title() if sp.caps and w.text.isupper() else w.text) for w in words]
    lows = [w.low.rstrip(".") for w in words]
    # title prefix: up to the right-most title word that still has a name after it
    k = -1
    for idx in range(len(words) - 1):
        lw = lows[idx]
        if lw in lex.titles or lw in lex.honorifics or (words[idx].is_abbrev and lw not in _SUFFIXES):
            k = idx
    if k >= 0:
        sp.prefix = texts[: k + 1]
        sp.honorific = True
        texts, lows, words = texts[k + 1:], lows[k + 1:], words[k + 1:]
    # drop leading sentence-initial function words, places and demonyms ("Texas Arlington Amneh Jafari")
    while len(words) > 1 and not words[0].initial and (lows[0] in lex.nonperson or _fold(texts[0]) in lex.places
                              or (words[0].sent_start and lows[0] in lex.role_nouns)):
        if k < 0 and _fold(texts[0]) in lex.places:
            sp.prefix.append(texts[0])
        texts, lows, words = texts[1:], lows[1:], words[1:]
    sp.names = texts
    return sp


# ---------------------------------------------------------------- name classification


def _org_like(sp: _Span, lex: _Lexicon) -> bool:
    if any(low.rstrip(".") in lex.org_words for low in (n.lower() for n in sp.names)):
        return True
    return _fold(" ".join(sp.names)) in lex.places


def _first_name_ok(w: str, lex: _Lexicon) -> bool:
    low = _strip_accents(w).lower()
    if low in lex.first_names or low in lex.nicknames:
        return True
    if "-" in low:  # Jean-Claude, Frank-Walter
        return low.split("-")[0] in lex.first_names
    return False


def _surname_keys(names: list[str], lex: _Lexicon) -> list[str]:
    """Short forms that may stand alone for this full name: last word, particle tail, Asian family name."""
    core = [w for w in names if w.lower().rstrip(".") not in _SUFFIXES]
    if not core:
        return []
    keys = [_fold(core[-1])]
    for idx in range(1, len(core) - 1):  # von der Leyen, De Bruyne, bin Laden
        if core[idx].lower() in lex.particles or (core[idx].lower() in {"de", "van", "von", "di", "da", "del", "la",
                                                                        "le", "al", "el", "bin", "ibn"}):
            keys.append(_fold(" ".join(core[idx:])))
            break
    if len(core) == 2 and _ASIAN_GIVEN.match(core[1]):
        keys.append(_fold(core[0]))
    if len(core) == 3 and "-" not in core[1] and core[1][:1].isupper() and not core[1].endswith("."):
        keys.append(_fold(" ".join(core[1:])))  # Marc Lamont Hill -> Lamont Hill (rare but cheap)
    return keys


def _given(names: list[str]) -> str:
    return _fold(names[0]) if names else ""


@lru_cache(maxsize=4096)
def _formal(given: str) -> tuple[str, ...]:
    lex = _lexicon()
    forms = lex.nicknames.get(given)
    return (given,) + forms if forms else (given,)


def _given_compatible(a: str, b: str) -> bool:
    """Same given name, a nickname of it, or an initial of it."""
    if not a or not b or a == b:
        return True
    a1, b1 = a.rstrip("."), b.rstrip(".")
    if len(a1) == 1 or len(b1) == 1:
        return a1[0] == b1[0]
    if "." in a1 or "." in b1:  # K.C.
        return a1[0] == b1[0]
    return bool(set(_formal(a1)) & set(_formal(b1)))


def _core(names: list[str]) -> list[str]:
    """Name tokens without middle initials and suffixes (for comparing full names)."""
    out = [w for w in names if w.lower().rstrip(".") not in _SUFFIXES]
    if len(out) > 2:
        out = [out[0]] + [w for w in out[1:-1] if not (w.endswith(".") and len(w) <= 3)] + [out[-1]]
    return out


# ---------------------------------------------------------------- context cues


def _role_before(toks: list[_Tok], i: int, lex: _Lexicon) -> tuple[str | None, bool]:
    """Lower-case role phrase right before token i ("special counsel", "Irish soccer manager").
    Returns (role or None, person_cue)."""
    if i == 0:
        return None, False
    prev = toks[i - 1]
    low = prev.low
    if low in lex.family_nouns:
        return None, True
    if low not in lex.role_nouns or prev.cap and not prev.sent_start:
        return None, False
    words = [prev.text]
    k = i - 2
    while k >= 0 and len(words) < 5:
        u = toks[k]
        if not u.text[:1].isalpha() or u.low in lex.nonperson or u.low in lex.speech_verbs:
            break
        if u.low.endswith("ing") and not u.cap:
            break
        words.append(u.text + ("'s" if u.poss else ""))
        if u.poss or u.sent_start:
            break
        k -= 1
    return " ".join(reversed(words)), True


def _role_after(toks: list[_Tok], j: int, lex: _Lexicon) -> tuple[str | None, bool]:
    """Appositive after the name: ", the special counsel," / ", 45, a lawyer" / ", co-founder of Google"."""
    n = len(toks)
    if j >= n or toks[j].text != ",":
        return None, False
    k = j + 1
    if k + 1 < n and toks[k].text[:1].isdigit() and toks[k + 1].text == ",":
        return None, True  # ", 45," age: a person, no role
    if k < n and toks[k].low in {"the", "a", "an"}:
        k += 1
    start = k
    while k < n and k - start < 6:
        u = toks[k]
        if not u.text[:1].isalpha() or u.low in {"who", "which", "that", "and", "said", "says"}:
            return None, False
        if u.low in lex.role_nouns and not u.cap:
            end = k + 1
            if end + 1 < n and toks[end].low in _PREPS:
                m = end + 1
                if m < n and toks[m].low == "the":
                    m += 1
                q = m
                while q < n and toks[q].cap and toks[q].text[:1].isalpha() and q - m < 4:
                    q += 1
                if q > m:
                    end = q
            return _join(toks[start:end]), True
        k += 1
    return None, False


def _join(toks: list[_Tok]) -> str:
    out = ""
    for t in toks:
        w = t.text + ("'s" if t.poss else "")
        out += w if not out or w in {",", "."} else " " + w
    return out


def _speech_cue(toks: list[_Tok], i: int, j: int, lex: _Lexicon) -> bool:
    n = len(toks)
    if j < n and toks[j].low in lex.speech_verbs and not toks[j].cap:
        return True
    if j + 1 < n and toks[j].text == "," and toks[j + 1].text[:1].isdigit() and j + 2 < n and toks[j + 2].text == ",":
        return True
    if i >= 1 and toks[i - 1].low in {"said", "says"} and not (j < n and toks[j].text == "'"):
        return True
    if j < n and toks[j].text == "(" and j + 1 < n and toks[j + 1].text[:1].isdigit():
        return False
    return False


def _unattached_role(toks: list[_Tok], lex: _Lexicon, spans_at: dict[int, _Span]) -> list[tuple[int, int, str]]:
    """Descriptions like "Russia's ambassador to the U.S." that name nobody: (sentence, token index, role)."""
    out = []
    n = len(toks)
    for i, t in enumerate(toks):
        if not (t.poss and t.cap) or i + 1 >= n:
            continue
        k = i + 1
        while k < n and k - i <= 3 and toks[k].text[:1].isalpha() and not toks[k].cap:
            if toks[k].low in lex.role_nouns:
                break
            k += 1
        if k >= n or toks[k].low not in lex.role_nouns or toks[k].cap:
            continue
        end = k + 1
        if end < n and (end in spans_at or toks[end].cap):
            continue  # "Russia's ambassador Sergey Kislyak": attached, handled elsewhere
        if end + 1 < n and toks[end].low in _PREPS:
            m = end + 1
            if m < n and toks[m].low == "the":
                m += 1
            q = m
            while q < n and (toks[q].cap or toks[q].initial) and toks[q].text[:1].isalpha() and q - m < 4:
                q += 1
            if q > m:
                end = q
        if end < n and toks[end].text == ",":
            continue  # probably an appositive followed by the name
        out.append((t.sent, i, _join(toks[i:end])))
    return out


# ---------------------------------------------------------------- extraction


class _Cluster:
    __slots__ = ("names", "forms", "mentions", "role", "first", "sent", "surnames", "given", "attached")

    def __init__(self, names: list[str], first: int, sent: int, lex: _Lexicon) -> None:
        self.names = names
        self.forms: list[str] = []
        self.mentions = 0
        self.role: str | None = None
        self.first = first
        self.sent = sent
        self.surnames = _surname_keys(names, lex)
        self.given = _given(names)
        self.attached = False


def extract_people(text: str, title: str = "") -> list[Person]:
    """People named in an article, most mentioned first (ties: first appearance)."""
    lex = _lexicon()
    text = _normalise(text or "")
    title = _normalise(title or "").strip()
    if title and not text.lstrip().startswith(title):
        text = title + "\n" + text
    toks = _tokenise(text, lex)
    spans = _spans(toks, lex)

    clusters: list[_Cluster] = []
    by_full: dict[str, _Cluster] = {}
    pending: list[tuple[_Span, str | None]] = []  # single tokens and weak spans resolved after pass 1
    assigned: list[tuple[_Span, _Cluster]] = []

    def find_full(names: list[str]) -> _Cluster | None:
        core = _core(names)
        key = _fold(" ".join(core))
        c = by_full.get(key)
        if c is not None:
            return c
        last = _fold(core[-1])
        for c in clusters:
            if len(c.names) >= 2 and _fold(_core(c.names)[-1]) == last and _given_compatible(_fold(core[0]), c.given):
                if len(core) == len(_core(c.names)) or len(core) == 2 or len(_core(c.names)) == 2:
                    return c
        return None

    def person_role(sp: _Span) -> tuple[str | None, bool]:
        role = None
        prefix = [p for p in sp.prefix if p.lower().rstrip(".") not in lex.honorifics]
        if prefix and any(p.lower().rstrip(".") in lex.titles for p in prefix):
            role = " ".join(_expand(p, lex) for p in prefix)
        r2, cue2 = _role_before(toks, sp.start, lex)
        r3, cue3 = _role_after(toks, sp.end, lex)
        return role or r3 or r2, cue2 or cue3

    post_block = set()
    for sp in spans:
        if not sp.names:
            continue
        j = sp.end
        nxt = toks[j] if j < len(toks) else None
        if nxt is not None and not sp.poss and nxt.low in lex.post_nonperson:
            post_block.add(id(sp))
            continue
        if _org_like(sp, lex) or all(w.lower().rstrip(".") in lex.nonperson for w in sp.names):
            continue
        names = sp.names
        multi = len([w for w in names if not w.endswith(".") or len(w) > 3]) >= 2 or (
            len(names) >= 2 and names[0].endswith(".") and len(names[-1]) > 1)
        if sp.caps:
            pending.append((sp, None))
            continue
        role, cue = person_role(sp)
        strong = False
        if multi:
            if sp.honorific or _first_name_ok(names[0], lex) or names[0].endswith(".") or cue:
                strong = True
            elif len(names) == 2 and _ASIAN_GIVEN.match(names[1]) and len(names[0]) <= 6:
                strong = True
            elif _speech_cue(toks, sp.start, sp.end, lex):
                strong = True
        if strong:
            c = find_full(names)
            if c is None:
                c = _Cluster(names, sp.start, sp.sent, lex)
                clusters.append(c)
                by_full[_fold(" ".join(_core(names)))] = c
            if role and c.role is None:
                c.role, c.attached = role, True
            assigned.append((sp, c))
        else:
            pending.append((sp, role if (sp.honorific or cue) else None))

    person_starts = {sp.start: sp.end for sp, _c in assigned}
    person_ends = {sp.end for sp, _c in assigned}
    person_starts.update({-e - 1: 0 for e in person_ends})  # negative keys: "a person ends here"

    # pass 2: short forms and weak spans against the full names found
    by_surname: dict[str, list[_Cluster]] = {}
    by_given: dict[str, list[_Cluster]] = {}
    for c in clusters:
        for k in c.surnames:
            by_surname.setdefault(k, []).append(c)
        by_given.setdefault(c.given, []).append(c)
    single_counts: dict[str, int] = {}
    for sp, _ in pending:
        if len(sp.names) == 1 and not sp.sent_start:
            single_counts[_fold(sp.names[0])] = single_counts.get(_fold(sp.names[0]), 0) + 1

    for sp, role in pending:
        names = sp.names
        key = _fold(" ".join(names))
        target: _Cluster | None = None
        if len(names) >= 2:
            target = find_full(names) if clusters else None
            if target is None:
                cands = by_surname.get(key, [])
                target = cands[0] if len(cands) == 1 else None
            if target is None and not sp.caps:
                # a multi-word name with no first-name evidence: accept if its last word is also used alone
                last = _fold(names[-1])
                plain = last not in lex.places and names[-1].lower() not in lex.nonperson and not sp.sent_start \
                    and len(names) <= 3 and all(w[:1].isupper() or w.lower() in lex.particles for w in names) \
                    and names[0].lower() not in lex.family_nouns and names[0].lower() not in lex.role_nouns \
                    and not (sp.end < len(toks) and toks[sp.end].low in {"reported", "reports", "magazine"})
                if plain and (single_counts.get(last, 0) or last in lex.surnames or _country_after(toks, sp.end, lex)
                              or _coordinated(toks, sp, person_starts)) or sp.honorific:
                    target = _Cluster(names, sp.start, sp.sent, lex)
                    clusters.append(target)
                    by_full[_fold(" ".join(_core(names)))] = target
                    for k in target.surnames:
                        by_surname.setdefault(k, []).append(target)
                    by_given.setdefault(target.given, []).append(target)
        else:
            cands = by_surname.get(key)
            if cands:
                target = cands[0] if len(cands) == 1 else None
                if target is None:
                    continue  # ambiguous short form: not guessed
            elif key in by_given and len(by_given[key]) == 1 and not sp.honorific:
                target = by_given[key][0]
            elif not sp.caps and (sp.honorific or _speech_cue(toks, sp.start, sp.end, lex)
                                  and (not sp.sent_start or key in lex.surnames)) \
                    and key not in lex.places and names[0].lower() not in lex.nonperson \
                    and names[0].lower() not in lex.role_nouns and not names[0].endswith("."):
                target = _Cluster(names, sp.start, sp.sent, lex)
                clusters.append(target)
                for k in target.surnames:
                    by_surname.setdefault(k, []).append(target)
        if target is None:
            continue
        if role and target.role is None:
            target.role, target.attached = role, True
        assigned.append((sp, target))

    # unattached descriptions bind to the next person newly named in a later sentence (within two sentences)
    if clusters:
        spans_at = {sp.start: sp for sp in spans}
        intro = sorted(clusters, key=lambda c: c.first)
        for sent, _i, role in _unattached_role(toks, lex, spans_at):
            for c in intro:
                if sent < c.sent <= sent + 2:
                    if c.role is None:
                        c.role = role
                    break

    for sp, c in assigned:
        c.mentions += 1
        form = " ".join(sp.names)
        if form not in c.forms:
            c.forms.append(form)
        if sp.start < c.first:
            c.first = sp.start
    people = []
    for c in clusters:
        if c.mentions == 0:
            continue
        name = " ".join(c.names)
        aliases = tuple(f for f in c.forms if f != name)
        people.append((-c.mentions, c.first, Person(name, aliases, c.mentions, _clean_role(c.role))))
    people.sort(key=lambda x: (x[0], x[1]))
    return [p for _, _, p in people]


def _country_after(toks: list[_Tok], j: int, lex: _Lexicon) -> bool:
    """Results-table style "Ludmila Engquist (Sweden)": a name followed by a bracketed country."""
    return j + 2 < len(toks) and toks[j].text == "(" and toks[j + 2].text == ")" and _fold(toks[j + 1].text) in lex.places


def _coordinated(toks: list[_Tok], sp: _Span, persons: dict[int, int]) -> bool:
    """A name listed with a known person ("Billy Andrade, Duffy Waldorf and Jesper Parnevik") is one too."""
    j = sp.end
    if j < len(toks) and toks[j].text in {",", "and", "&"}:
        k = j + 1
        if k < len(toks) and toks[k].text == "and":
            k += 1
        if k in persons and k >= 0:
            return True
    i = sp.start - 1
    if i >= 0 and toks[i].text in {",", "and", "&"}:
        if -(i) - 1 in persons or (i >= 1 and toks[i - 1].text == "," and -(i - 1) - 1 in persons):
            return True
    return False


def _expand(word: str, lex: _Lexicon) -> str:
    low = word.lower().rstrip(".")
    if word.endswith(".") and low in lex.title_abbrev:
        return lex.title_abbrev[low].capitalize()
    return word


def _clean_role(role: str | None) -> str | None:
    if not role:
        return None
    role = _normalise(role).strip(" ,;:")
    return role or None


# ---------------------------------------------------------------- cross-article index


@lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """Identity key of a full name: folded, middle initials and honorifics dropped, given name de-nicknamed."""
    lex = _lexicon()
    words = [w[:-2] if w.endswith("'s") else w for w in _fold(name).split()]
    words = [w for w in words if w]
    while len(words) > 1 and (words[0].rstrip(".") in lex.honorifics or words[0].rstrip(".") in lex.title_abbrev):
        words = words[1:]
    words = _core(words)
    if len(words) >= 2:
        words[0] = _formal(words[0].rstrip("."))[-1] if words[0] in lex.nicknames else words[0]
    return " ".join(words)


class _Entry:
    __slots__ = ("name", "aliases", "arts", "role", "role_ts", "role_arts", "role_ids", "surname", "given")

    def __init__(self, name: str, surname: str, given: str) -> None:
        self.name = name
        self.aliases: tuple[str, ...] = ()
        self.arts = array("i")  # article numbers, kept sorted by publication time
        self.role: str | None = None
        self.role_ts = float("-inf")
        self.role_arts: array | None = None  # article numbers that gave a role, and which role (interned id)
        self.role_ids: array | None = None
        self.surname = surname
        self.given = given


class PeopleIndex:
    """In-memory people index over stored articles: name -> articles, newest first.

    Identity across articles: an exact full-name key (nicknames and middle initials folded); a full name whose
    surname and given name are compatible with exactly one known person (Mike Flynn -> Michael Flynn, M. Flynn);
    a surname-only person goes to the single known full-name person with that surname, else stays a separate
    surname-only entry (never guessed among several). Merges are not undone when a namesake appears later.
    Storage is compact: per person an int array of article numbers sorted by time; per article a slice of one
    flat int array holding its people.
    """

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._redirect: dict[int, int] = {}  # merged entry -> the entry that absorbed it
        self._by_key: dict[str, int] = {}
        self._by_surname: dict[str, list[int]] = {}  # folded surname -> entry ids with a full name
        self._by_given: dict[str, list[int]] = {}
        self._short: dict[str, int] = {}  # folded surname -> surname-only entry id
        self._aid: dict[str, int] = {}  # article id -> article number
        self._aids: list[str | None] = []
        self._ts = array("d")
        self._ap = array("i")  # flat: people of every article (entry ids; -1 once removed)
        self._ap_off = array("i")  # article number -> offset into _ap
        self._ap_len = array("b")
        self._role_list: list[str] = []
        self._role_num: dict[str, int] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def _live(self, eid: int) -> int:
        while eid in self._redirect:
            eid = self._redirect[eid]
        return eid

    # -- writing

    def add(self, article_id: str, published: float, people: Iterable[Person]) -> None:
        if article_id in self._aid:
            self.remove(article_id)
        art = len(self._aids)
        self._aid[article_id] = art
        self._aids.append(article_id)
        self._ts.append(float(published))
        off = len(self._ap)
        self._ap_off.append(off)
        self._ap_len.append(0)
        for p in people:
            if isinstance(p, dict):
                p = Person.from_dict(p)
            eid = self._resolve(p)
            n = self._ap_len[art]
            if eid in self._ap[off: off + n] or n >= 127:
                continue
            self._ap.append(eid)
            self._ap_len[art] = n + 1
            e = self._entries[eid]
            self._insert(e.arts, art)
            if len(e.arts) == 1:
                self._count += 1
            if p.aliases or p.name != e.name:
                self._add_aliases(e, (p.name,) + tuple(p.aliases))
            if p.role:
                rid = self._role_num.get(p.role)
                if rid is None:
                    rid = self._role_num[p.role] = len(self._role_list)
                    self._role_list.append(p.role)
                if e.role_arts is None:
                    e.role_arts, e.role_ids = array("i"), array("i")
                e.role_arts.append(art)
                e.role_ids.append(rid)
                if published >= e.role_ts:
                    e.role, e.role_ts = self._role_list[rid], float(published)

    def remove(self, article_id: str) -> None:
        art = self._aid.pop(article_id, None)
        if art is None:
            return
        self._aids[art] = None
        off, n = self._ap_off[art], self._ap_len[art]
        for k in range(off, off + n):
            eid = self._ap[k]
            self._ap[k] = -1
            if eid < 0:
                continue
            e = self._entries[eid]
            try:
                e.arts.remove(art)
            except ValueError:
                pass
            if e.role_arts is not None and art in e.role_arts:
                at = e.role_arts.index(art)
                del e.role_arts[at]
                del e.role_ids[at]
                self._recompute_role(e)
            if not e.arts:
                self._count -= 1

    def _insert(self, arts: array, art: int) -> None:
        ts = self._ts
        t = ts[art]
        if not arts or ts[arts[-1]] <= t:
            arts.append(art)
            return
        lo, hi = 0, len(arts)
        while lo < hi:
            mid = (lo + hi) // 2
            if ts[arts[mid]] <= t:
                lo = mid + 1
            else:
                hi = mid
        arts.insert(lo, art)

    def _recompute_role(self, e: _Entry) -> None:
        e.role, e.role_ts = None, float("-inf")
        for art, rid in zip(e.role_arts or (), e.role_ids or ()):
            if self._ts[art] >= e.role_ts:
                e.role, e.role_ts = self._role_list[rid], self._ts[art]

    def _add_aliases(self, e: _Entry, forms: tuple[str, ...]) -> None:
        if len(e.aliases) >= 8:
            return
        known = set(e.aliases)
        new = [f for f in dict.fromkeys(forms) if f != e.name and f not in known]
        if new:
            e.aliases = (e.aliases + tuple(new))[:8]

    def _new_entry(self, name: str, key: str, surname: str, given: str) -> int:
        eid = len(self._entries)
        self._entries.append(_Entry(name, surname, given))
        self._by_key[key] = eid
        return eid

    def _resolve(self, p: Person) -> int:
        key = name_key(p.name)
        eid = self._by_key.get(key)
        if eid is not None:
            return self._live(eid)
        words = key.split()
        if len(words) >= 2:
            surname, given = words[-1], words[0]
            cands = [i for i in self._by_surname.get(surname, ()) if _given_compatible(given, self._entries[i].given)]
            if len(cands) == 1:
                self._by_key[key] = cands[0]
                return cands[0]
            eid = self._new_entry(p.name, key, surname, given)
            self._by_surname.setdefault(surname, []).append(eid)
            self._by_given.setdefault(given, []).append(eid)
            # the first full name with this surname absorbs the surname-only entry
            short = self._short.get(surname)
            if short is not None and len(self._by_surname[surname]) == 1:
                self._merge(short, eid)
                del self._short[surname]
            return eid
        surname = key  # surname only
        full = self._by_surname.get(surname, ())
        if len(full) == 1:
            return full[0]
        eid = self._short.get(surname)
        if eid is None:
            eid = self._new_entry(p.name, "=" + surname, surname, "")
            self._short[surname] = eid
        return eid

    def _merge(self, src: int, dst: int) -> None:
        s, d = self._entries[src], self._entries[dst]
        had = len(d.arts) > 0
        for art in s.arts:
            if art not in d.arts:
                self._insert(d.arts, art)
            off, n = self._ap_off[art], self._ap_len[art]
            for k in range(off, off + n):
                if self._ap[k] == src:
                    self._ap[k] = -1 if dst in self._ap[off: off + n] else dst
        if s.role_arts is not None:
            if d.role_arts is None:
                d.role_arts, d.role_ids = array("i"), array("i")
            d.role_arts.extend(s.role_arts)
            d.role_ids.extend(s.role_ids)
            self._recompute_role(d)
        if s.arts and had:
            self._count -= 1
        self._add_aliases(d, (s.name,) + s.aliases)
        self._redirect[src] = dst
        s.arts, s.role_arts, s.role_ids = array("i"), None, None

    # -- reading

    def _summary(self, eid: int) -> PersonSummary:
        e = self._entries[eid]
        return PersonSummary(e.name, e.aliases, e.role, len(e.arts))

    def lookup(self, query: str, limit: int = 10) -> PeopleLookup:
        key = name_key(query or "")
        if not key:
            return PeopleLookup("unknown")
        ids: list[int] = []
        eid = self._by_key.get(key)
        if eid is not None:
            eid = self._live(eid)
        if eid is not None and self._entries[eid].arts:
            ids = [eid]
        else:
            words = key.split()
            surname = words[-1]
            full = [i for i in self._by_surname.get(surname, ()) if self._entries[i].arts]
            if len(words) >= 2:
                ids = [i for i in full if _given_compatible(words[0], self._entries[i].given)]
            else:
                ids = list(full)
                short = self._short.get(surname)
                if short is not None and self._entries[short].arts:
                    ids.append(short)
                if not ids:  # a first name alone: "Melania"
                    ids = [i for i in self._by_given.get(surname, ()) if self._entries[i].arts]
        if not ids:
            return PeopleLookup("unknown")
        if len(ids) > 1:
            ids.sort(key=lambda i: -len(self._entries[i].arts))
            return PeopleLookup("ambiguous", None, tuple(self._summary(i) for i in ids))
        e = self._entries[ids[0]]
        arts = e.arts
        newest = tuple(self._aids[a] for a in reversed(arts[-limit:])) if limit > 0 else ()
        return PeopleLookup("found", self._summary(ids[0]), (), newest)
